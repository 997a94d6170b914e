//! `GET /api/v1/export/clusters/{id}?format=graphml|gexf|csv|json`: one cluster's subgraph as a
//! file for Gephi, i2 or a spreadsheet, masked per role exactly like the JSON answers.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value as Json};

use super::clusters::{cluster_json, find_cluster, subgraph};
use super::{blocking, path_segments, AuditKeys, Deadline, Params};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::state::AppState;
use crate::server::view::{Element, View};

const PARAMS: &[&str] = &["format", "max_nodes"];

/// A flattened element: id, endpoints for edges, and named attributes.
struct Flat {
    id: String,
    ends: Option<(String, String)>,
    attrs: Vec<(String, Json)>,
}

fn flatten(value: Json, is_edge: bool) -> Flat {
    let Json::Object(mut map) = value else { return Flat { id: String::new(), ends: None, attrs: Vec::new() } };
    let text = |v: Option<Json>| match v {
        Some(Json::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let id = text(map.remove("id"));
    let ends = if is_edge { Some((text(map.remove("source")), text(map.remove("target")))) } else { None };
    let mut attrs = Vec::new();
    let props = map.remove("props");
    for (k, v) in map {
        attrs.push((k, v));
    }
    if let Some(Json::Object(props)) = props {
        for (k, v) in props {
            let name = if attrs.iter().any(|(a, _)| *a == k) { format!("prop_{k}") } else { k };
            attrs.push((name, v));
        }
    }
    Flat { id, ends, attrs }
}

fn attr_names(items: &[Flat]) -> Vec<(String, &'static str)> {
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
fn xml(s: &str) -> String {
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

fn graphml(name: &str, nodes: &[Flat], edges: &[Flat]) -> String {
    let node_attrs = attr_names(nodes);
    let edge_attrs = attr_names(edges);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n",
    );
    for (i, (n, t)) in node_attrs.iter().enumerate() {
        out.push_str(&format!("  <key id=\"n{i}\" for=\"node\" attr.name=\"{}\" attr.type=\"{t}\"/>\n", xml(n)));
    }
    for (i, (n, t)) in edge_attrs.iter().enumerate() {
        out.push_str(&format!("  <key id=\"e{i}\" for=\"edge\" attr.name=\"{}\" attr.type=\"{t}\"/>\n", xml(n)));
    }
    out.push_str(&format!("  <graph id=\"{}\" edgedefault=\"directed\">\n", xml(name)));
    for node in nodes {
        out.push_str(&format!("    <node id=\"{}\">", xml(&node.id)));
        for (k, v) in &node.attrs {
            if let Some(i) = node_attrs.iter().position(|(n, _)| n == k) {
                out.push_str(&format!("<data key=\"n{i}\">{}</data>", xml(&value_text(v))));
            }
        }
        out.push_str("</node>\n");
    }
    for edge in edges {
        let (s, t) = edge.ends.clone().unwrap_or_default();
        out.push_str(&format!("    <edge id=\"{}\" source=\"{}\" target=\"{}\">", xml(&edge.id), xml(&s), xml(&t)));
        for (k, v) in &edge.attrs {
            if let Some(i) = edge_attrs.iter().position(|(n, _)| n == k) {
                out.push_str(&format!("<data key=\"e{i}\">{}</data>", xml(&value_text(v))));
            }
        }
        out.push_str("</edge>\n");
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

fn gexf(name: &str, nodes: &[Flat], edges: &[Flat]) -> String {
    let node_attrs = attr_names(nodes);
    let edge_attrs = attr_names(edges);
    let gexf_type = |t: &str| match t {
        "long" => "long",
        "double" => "double",
        "boolean" => "boolean",
        _ => "string",
    };
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gexf xmlns=\"http://gexf.net/1.3\" version=\"1.3\">\n",
    );
    out.push_str(&format!("  <meta><creator>clew</creator><description>{}</description></meta>\n", xml(name)));
    out.push_str("  <graph defaultedgetype=\"directed\" mode=\"static\">\n    <attributes class=\"node\">\n");
    for (i, (n, t)) in node_attrs.iter().enumerate() {
        out.push_str(&format!("      <attribute id=\"{i}\" title=\"{}\" type=\"{}\"/>\n", xml(n), gexf_type(t)));
    }
    out.push_str("    </attributes>\n    <attributes class=\"edge\">\n");
    for (i, (n, t)) in edge_attrs.iter().enumerate() {
        out.push_str(&format!("      <attribute id=\"{i}\" title=\"{}\" type=\"{}\"/>\n", xml(n), gexf_type(t)));
    }
    out.push_str("    </attributes>\n    <nodes>\n");
    for node in nodes {
        let label = node.attrs.iter().find(|(k, _)| k == "label").map(|(_, v)| value_text(v)).unwrap_or_default();
        out.push_str(&format!("      <node id=\"{}\" label=\"{}\"><attvalues>", xml(&node.id), xml(&label)));
        for (k, v) in &node.attrs {
            if let (Some(i), false) = (node_attrs.iter().position(|(n, _)| n == k), v.is_null()) {
                out.push_str(&format!("<attvalue for=\"{i}\" value=\"{}\"/>", xml(&value_text(v))));
            }
        }
        out.push_str("</attvalues></node>\n");
    }
    out.push_str("    </nodes>\n    <edges>\n");
    for edge in edges {
        let (s, t) = edge.ends.clone().unwrap_or_default();
        let label = edge.attrs.iter().find(|(k, _)| k == "relation").map(|(_, v)| value_text(v)).unwrap_or_default();
        out.push_str(&format!(
            "      <edge id=\"{}\" source=\"{}\" target=\"{}\" label=\"{}\"><attvalues>",
            xml(&edge.id),
            xml(&s),
            xml(&t),
            xml(&label)
        ));
        for (k, v) in &edge.attrs {
            if let (Some(i), false) = (edge_attrs.iter().position(|(n, _)| n == k), v.is_null()) {
                out.push_str(&format!("<attvalue for=\"{i}\" value=\"{}\"/>", xml(&value_text(v))));
            }
        }
        out.push_str("</attvalues></edge>\n");
    }
    out.push_str("    </edges>\n  </graph>\n</gexf>\n");
    out
}

/// One table: a row per node and per edge, `element` saying which, then the union of attributes.
fn csv(nodes: &[Flat], edges: &[Flat]) -> String {
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
            out.push_str(&format!("{kind},{},{},{}", csv_field(&item.id), csv_field(&s), csv_field(&t)));
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

/// Exports one cluster's subgraph.
pub async fn cluster(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id = path_segments(path)?;
    let params = Params::parse(q.as_deref(), PARAMS)?;
    let format = params.get("format").unwrap_or("json").to_owned();
    if !matches!(format.as_str(), "graphml" | "gexf" | "csv" | "json") {
        return Err(ApiError::bad_param("format", "valid formats: graphml, gexf, csv, json"));
    }
    let max_nodes = params.count("max_nodes", state.limits.max_nodes, state.limits.max_nodes)?;
    let deadline = Deadline::after(state.limits.time_budget);
    blocking(&state.clone(), move || {
        let snap = state.snapshot();
        let view = View::new(&snap, &state.masker, &caller);
        let index = find_cluster(&view, &id)?;
        let sub = subgraph(&view, index, max_nodes, deadline)?;
        let cluster = cluster_json(&view, index, sub.members.len());
        let keys: Vec<String> = sub.nodes.iter().map(|&n| view.raw_id(n)).collect();
        let nodes: Vec<Json> =
            sub.nodes.iter().map(|&n| serde_json::to_value(view.node(n, false)).unwrap_or(Json::Null)).collect();
        let edges: Vec<Json> =
            sub.edges.iter().map(|&(e, s, t)| serde_json::to_value(view.edge(e, s, t)).unwrap_or(Json::Null)).collect();
        let safe_id: String = snap.analysis.clusters[index]
            .cluster_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .take(64)
            .collect();
        let name = format!("cluster-{safe_id}");
        let (body, content_type) = match format.as_str() {
            "json" => {
                let wrap = |items: Vec<Json>| items.into_iter().map(|data| Element { data }).collect::<Vec<_>>();
                let doc =
                    json!({"cluster": cluster, "nodes": wrap(nodes), "edges": wrap(edges), "truncated": sub.truncated});
                (serde_json::to_string_pretty(&doc).map_err(ApiError::internal)?, "application/json")
            }
            other => {
                let nodes: Vec<Flat> = nodes.into_iter().map(|n| flatten(n, false)).collect();
                let edges: Vec<Flat> = edges.into_iter().map(|e| flatten(e, true)).collect();
                match other {
                    "graphml" => (graphml(&name, &nodes, &edges), "application/graphml+xml"),
                    "gexf" => (gexf(&name, &nodes, &edges), "application/gexf+xml"),
                    _ => (csv(&nodes, &edges), "text/csv; charset=utf-8"),
                }
            }
        };
        let disposition = format!("attachment; filename=\"{name}.{format}\"");
        let mut response = (
            StatusCode::OK,
            [(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)],
            body,
        )
            .into_response();
        response.extensions_mut().insert(AuditKeys(keys));
        Ok(response)
    })
    .await
}
