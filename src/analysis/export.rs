//! A cluster's subgraph as a file for Gephi (GraphML, GEXF), i2 or a spreadsheet (CSV), or JSON.
//!
//! The subgraph is what the server's cluster view shows: the members, the nodes that link two or
//! more members (a shared phone or address the analysis did not list as a member), and the edges
//! among them. The writers take plain [`Element`]s (an id, endpoints for an edge, named
//! attributes), so the server can use them on its masked elements too.

use std::fmt::Write as _;

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{json, Value as Json};

use super::Cluster;
use crate::graph::{EdgeId, Graph, NodeId};

/// Members above this degree are not scanned for connectors (a hospital member would otherwise
/// pull in every patient).
pub const CONNECTOR_SCAN_DEGREE: usize = 10_000;

/// Formats `clew export` writes.
pub const FORMATS: &[&str] = &["graphml", "gexf", "csv", "json"];

/// A cluster's subgraph.
#[derive(Debug, Clone, Default)]
pub struct Subgraph {
    /// Members found in the snapshot.
    pub members: Vec<NodeId>,
    /// Members, then connectors.
    pub nodes: Vec<NodeId>,
    /// Edges among `nodes`, with their ends.
    pub edges: Vec<(EdgeId, NodeId, NodeId)>,
    /// Members the snapshot does not have.
    pub missing: usize,
    /// Whether `max_nodes` cut connectors.
    pub truncated: bool,
}

/// The subgraph of `cluster`, at most `max_nodes` nodes (members first).
pub fn subgraph(g: &Graph, cluster: &Cluster, max_nodes: usize) -> Subgraph {
    let mut in_set: FxHashSet<NodeId> = FxHashSet::default();
    let mut members = Vec::new();
    let mut missing = 0;
    for m in &cluster.members {
        match g.find_by_name(&m.ty, &m.key) {
            Some(n) if in_set.insert(n) => members.push(n),
            Some(_) => {}
            None => missing += 1,
        }
    }
    let mut links: FxHashMap<NodeId, u32> = FxHashMap::default();
    for &m in &members {
        if g.degree(m) > CONNECTOR_SCAN_DEGREE {
            continue;
        }
        let mut seen_here: FxHashSet<NodeId> = FxHashSet::default();
        for adj in g.out_edges(m).chain(g.in_edges(m)) {
            if !in_set.contains(&adj.other) && seen_here.insert(adj.other) {
                *links.entry(adj.other).or_default() += 1;
            }
        }
    }
    let mut connectors: Vec<(u32, NodeId)> = links.into_iter().filter(|(_, c)| *c >= 2).map(|(n, c)| (c, n)).collect();
    connectors.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let room = max_nodes.saturating_sub(members.len());
    let truncated = connectors.len() > room || members.len() > max_nodes;
    let mut nodes: Vec<NodeId> = members.iter().copied().take(max_nodes).collect();
    let mut keep: FxHashSet<NodeId> = nodes.iter().copied().collect();
    for (_, n) in connectors.into_iter().take(room) {
        keep.insert(n);
        nodes.push(n);
    }
    let mut edges = Vec::new();
    let mut seen_edges: FxHashSet<EdgeId> = FxHashSet::default();
    for &m in &nodes {
        for adj in g.out_edges(m) {
            if keep.contains(&adj.other) && seen_edges.insert(adj.edge) {
                edges.push((adj.edge, m, adj.other));
            }
        }
    }
    Subgraph { members, nodes, edges, missing, truncated }
}

/// A node or edge for the writers: an id, endpoints for an edge, and named attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// Id.
    pub id: String,
    /// Source and target ids, for an edge.
    pub ends: Option<(String, String)>,
    /// Attributes in order.
    pub attrs: Vec<(String, Json)>,
}

/// The id a node has in exported files: `type:key`.
pub fn node_id(g: &Graph, n: NodeId) -> String {
    format!("{}:{}", g.schema().entity(g.node_type(n)).name, g.key(n))
}

fn value_json(v: crate::graph::Value<'_>) -> Json {
    use crate::graph::Value;
    match v {
        Value::Null => Json::Null,
        Value::Int(i) => json!(i),
        Value::Bool(b) => json!(b),
        other => json!(other.render()),
    }
}

/// The elements of a subgraph: nodes with type, key, label, membership and properties; edges
/// with relation and properties.
pub fn elements(g: &Graph, sub: &Subgraph) -> (Vec<Element>, Vec<Element>) {
    let members: FxHashSet<NodeId> = sub.members.iter().copied().collect();
    let nodes = sub
        .nodes
        .iter()
        .map(|&n| {
            let ty = g.schema().entity(g.node_type(n));
            let label = match g.node_prop_by_name(n, "name") {
                crate::graph::Value::Str(s) if !s.is_empty() => s.to_owned(),
                _ => g.key(n).to_owned(),
            };
            let mut attrs = vec![
                ("type".to_owned(), json!(ty.name)),
                ("key".to_owned(), json!(g.key(n))),
                ("label".to_owned(), json!(label)),
                ("member".to_owned(), json!(members.contains(&n))),
            ];
            for (i, p) in ty.properties.iter().enumerate() {
                let v = g.node_prop(n, i);
                if !v.is_null() {
                    let name = if attrs.iter().any(|(k, _)| *k == p.name) {
                        format!("prop_{}", p.name)
                    } else {
                        p.name.clone()
                    };
                    attrs.push((name, value_json(v)));
                }
            }
            Element { id: node_id(g, n), ends: None, attrs }
        })
        .collect();
    let edges = sub
        .edges
        .iter()
        .map(|&(e, s, t)| {
            let rel = g.schema().relation(g.edge_relation(e));
            let mut attrs = vec![("relation".to_owned(), json!(rel.name))];
            for (i, p) in rel.properties.iter().enumerate() {
                let v = g.edge_prop(e, i);
                if !v.is_null() {
                    let name = if p.name == "relation" { "prop_relation".to_owned() } else { p.name.clone() };
                    attrs.push((name, value_json(v)));
                }
            }
            Element { id: format!("e{}", e.0), ends: Some((node_id(g, s), node_id(g, t))), attrs }
        })
        .collect();
    (nodes, edges)
}

fn attr_names(items: &[Element]) -> Vec<(String, &'static str)> {
    let mut names: Vec<(String, &'static str)> = Vec::new();
    for item in items {
        for (k, v) in &item.attrs {
            let ty = match v {
                Json::Number(n) if n.is_i64() || n.is_u64() => "long",
                Json::Number(_) => "double",
                Json::Bool(_) => "boolean",
                _ => "string",
            };
            match names.iter_mut().find(|(n, _)| n == k) {
                Some((_, t)) if *t != ty => *t = "string",
                Some(_) => {}
                None => names.push((k.clone(), ty)),
            }
        }
    }
    names
}

fn value_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// Escapes text for an XML attribute or element.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// GraphML, with typed keys for every attribute.
pub fn graphml(name: &str, nodes: &[Element], edges: &[Element]) -> String {
    let node_attrs = attr_names(nodes);
    let edge_attrs = attr_names(edges);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n",
    );
    for (i, (n, t)) in node_attrs.iter().enumerate() {
        let _ = writeln!(out, "  <key id=\"n{i}\" for=\"node\" attr.name=\"{}\" attr.type=\"{t}\"/>", xml(n));
    }
    for (i, (n, t)) in edge_attrs.iter().enumerate() {
        let _ = writeln!(out, "  <key id=\"e{i}\" for=\"edge\" attr.name=\"{}\" attr.type=\"{t}\"/>", xml(n));
    }
    let _ = writeln!(out, "  <graph id=\"{}\" edgedefault=\"directed\">", xml(name));
    for node in nodes {
        let _ = write!(out, "    <node id=\"{}\">", xml(&node.id));
        for (k, v) in &node.attrs {
            if let Some(i) = node_attrs.iter().position(|(n, _)| n == k) {
                let _ = write!(out, "<data key=\"n{i}\">{}</data>", xml(&value_text(v)));
            }
        }
        out.push_str("</node>\n");
    }
    for edge in edges {
        let (s, t) = edge.ends.clone().unwrap_or_default();
        let _ = write!(out, "    <edge id=\"{}\" source=\"{}\" target=\"{}\">", xml(&edge.id), xml(&s), xml(&t));
        for (k, v) in &edge.attrs {
            if let Some(i) = edge_attrs.iter().position(|(n, _)| n == k) {
                let _ = write!(out, "<data key=\"e{i}\">{}</data>", xml(&value_text(v)));
            }
        }
        out.push_str("</edge>\n");
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

/// GEXF 1.3, with declared attributes.
pub fn gexf(name: &str, nodes: &[Element], edges: &[Element]) -> String {
    let node_attrs = attr_names(nodes);
    let edge_attrs = attr_names(edges);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gexf xmlns=\"http://gexf.net/1.3\" version=\"1.3\">\n",
    );
    let _ = writeln!(out, "  <meta><creator>clew</creator><description>{}</description></meta>", xml(name));
    out.push_str("  <graph defaultedgetype=\"directed\" mode=\"static\">\n    <attributes class=\"node\">\n");
    for (i, (n, t)) in node_attrs.iter().enumerate() {
        let _ = writeln!(out, "      <attribute id=\"{i}\" title=\"{}\" type=\"{t}\"/>", xml(n));
    }
    out.push_str("    </attributes>\n    <attributes class=\"edge\">\n");
    for (i, (n, t)) in edge_attrs.iter().enumerate() {
        let _ = writeln!(out, "      <attribute id=\"{i}\" title=\"{}\" type=\"{t}\"/>", xml(n));
    }
    out.push_str("    </attributes>\n    <nodes>\n");
    for node in nodes {
        let label = node.attrs.iter().find(|(k, _)| k == "label").map(|(_, v)| value_text(v)).unwrap_or_default();
        let _ = write!(out, "      <node id=\"{}\" label=\"{}\"><attvalues>", xml(&node.id), xml(&label));
        for (k, v) in &node.attrs {
            if let (Some(i), false) = (node_attrs.iter().position(|(n, _)| n == k), v.is_null()) {
                let _ = write!(out, "<attvalue for=\"{i}\" value=\"{}\"/>", xml(&value_text(v)));
            }
        }
        out.push_str("</attvalues></node>\n");
    }
    out.push_str("    </nodes>\n    <edges>\n");
    for edge in edges {
        let (s, t) = edge.ends.clone().unwrap_or_default();
        let label = edge.attrs.iter().find(|(k, _)| k == "relation").map(|(_, v)| value_text(v)).unwrap_or_default();
        let _ = write!(
            out,
            "      <edge id=\"{}\" source=\"{}\" target=\"{}\" label=\"{}\"><attvalues>",
            xml(&edge.id),
            xml(&s),
            xml(&t),
            xml(&label)
        );
        for (k, v) in &edge.attrs {
            if let (Some(i), false) = (edge_attrs.iter().position(|(n, _)| n == k), v.is_null()) {
                let _ = write!(out, "<attvalue for=\"{i}\" value=\"{}\"/>", xml(&value_text(v)));
            }
        }
        out.push_str("</attvalues></edge>\n");
    }
    out.push_str("    </edges>\n  </graph>\n</gexf>\n");
    out
}

/// One table: a row per node and per edge, `element` saying which, then the union of attributes.
pub fn csv(nodes: &[Element], edges: &[Element]) -> String {
    let mut names: Vec<String> = Vec::new();
    for item in nodes.iter().chain(edges) {
        for (k, _) in &item.attrs {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let mut out = String::from("element,id,source,target");
    for n in &names {
        out.push(',');
        out.push_str(&csv_field(n));
    }
    out.push('\n');
    for (kind, items) in [("node", nodes), ("edge", edges)] {
        for item in items {
            let (s, t) = item.ends.clone().unwrap_or_default();
            let _ = write!(out, "{kind},{},{},{}", csv_field(&item.id), csv_field(&s), csv_field(&t));
            for n in &names {
                out.push(',');
                if let Some((_, v)) = item.attrs.iter().find(|(k, _)| k == n) {
                    out.push_str(&csv_field(&value_text(v)));
                }
            }
            out.push('\n');
        }
    }
    out
}

/// The JSON document: the cluster line, and its nodes and edges as objects.
pub fn json_doc(cluster: &Cluster, nodes: &[Element], edges: &[Element], truncated: bool) -> String {
    let object = |e: &Element| {
        let mut map = serde_json::Map::new();
        map.insert("id".into(), json!(e.id));
        if let Some((s, t)) = &e.ends {
            map.insert("source".into(), json!(s));
            map.insert("target".into(), json!(t));
        }
        for (k, v) in &e.attrs {
            map.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Json::Object(map)
    };
    let doc = json!({
        "cluster": cluster,
        "nodes": nodes.iter().map(object).collect::<Vec<_>>(),
        "edges": edges.iter().map(object).collect::<Vec<_>>(),
        "truncated": truncated,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// A cluster's subgraph in `format` (one of [`FORMATS`]).
pub fn render(g: &Graph, cluster: &Cluster, format: &str, max_nodes: usize) -> Option<String> {
    let sub = subgraph(g, cluster, max_nodes);
    let (nodes, edges) = elements(g, &sub);
    let name = format!("cluster-{}", cluster.cluster_id);
    Some(match format {
        "graphml" => graphml(&name, &nodes, &edges),
        "gexf" => gexf(&name, &nodes, &edges),
        "csv" => csv(&nodes, &edges),
        "json" => json_doc(cluster, &nodes, &edges, sub.truncated),
        _ => return None,
    })
}
