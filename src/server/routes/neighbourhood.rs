//! `GET|POST /api/v1/neighbourhood`: the nodes within `hops` (≤ 3) of some seeds, with node and
//! relation type filters, a time window on edges that carry a time, and `max_nodes`.
//!
//! High-degree nodes are not expanded: a reached node whose degree is above `supernode_degree`
//! comes back once, flagged `capped` with its true degree, and the `cut` section lists each such
//! node with how many of its neighbours (by entity type) and edges (by relation) were left out,
//! so the investigator can expand it on purpose by sending it as a seed. Seeds are always
//! expanded. When `max_nodes` is reached, the nodes whose expansion was stopped are listed the
//! same way.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use super::{
    answer_with, blocking, body_rejection, inline, json_body, parse_count, parse_time, AuditBody, AuditKeys, Deadline,
    Params,
};
use crate::graph::{Adjacent, EdgeId, NodeId};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::state::{AppState, Limits};
use crate::server::view::{EdgeIdJson, Element, NodeIdJson, View};

const PARAMS: &[&str] =
    &["seeds", "seed", "hops", "node_types", "relations", "after", "before", "max_nodes", "supernode_degree", "format"];

/// Largest `supernode_degree` a request may set.
const MAX_SUPERNODE_DEGREE: usize = 10_000_000;

/// A neighbourhood request before its names are resolved against a snapshot.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Seed node ids, `type:key`.
    pub seeds: Vec<String>,
    /// Hops from the seeds.
    pub hops: usize,
    /// Entity type names a reached node must have (seeds exempt).
    pub node_types: Vec<String>,
    /// Relation type names an edge must have.
    pub relations: Vec<String>,
    /// Edges with a time before this are left out.
    pub after: Option<i64>,
    /// Edges with a time after this are left out.
    pub before: Option<i64>,
    /// Node cap.
    pub max_nodes: usize,
    /// Degree above which reached nodes are summarised.
    pub supernode_degree: usize,
    /// The shape of the answer.
    pub format: Format,
}

/// The shapes a neighbourhood answer comes in; both load into their library as they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// Cytoscape.js elements: `{"nodes": [{"data": {"id", ...}}], "edges": [{"data": {"id",
    /// "source", "target", ...}}], "seeds", "cut"}`.
    #[default]
    Cytoscape,
    /// graphology's serialised graph, for `Graph.from` / `graph.import`: `{"options", "attributes":
    /// {"seeds", "cut"}, "nodes": [{"key", "attributes"}], "edges": [{"key", "source", "target",
    /// "attributes"}]}`, directed, with parallel edges.
    Graphology,
}

impl Format {
    fn parse(text: Option<&str>) -> Result<Format, ApiError> {
        match text.map(str::trim) {
            None | Some("") | Some("cytoscape") => Ok(Format::Cytoscape),
            Some("graphology") => Ok(Format::Graphology),
            Some(_) => Err(ApiError::bad_param("format", "must be `cytoscape` (the default) or `graphology`")),
        }
    }
}

/// The POST body; every field optional but `seeds`, numbers as numbers or strings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    seeds: Vec<String>,
    hops: Option<Json>,
    #[serde(default)]
    node_types: Vec<String>,
    #[serde(default)]
    relations: Vec<String>,
    after: Option<Json>,
    before: Option<Json>,
    max_nodes: Option<Json>,
    supernode_degree: Option<Json>,
    format: Option<String>,
}

fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Request {
    fn from_params(p: &Params, limits: &Limits) -> Result<Request, ApiError> {
        let mut seeds = p.list("seeds");
        seeds.extend(p.list("seed"));
        Ok(Request {
            seeds,
            hops: p.count("hops", 1, limits.max_hops)?,
            node_types: p.list("node_types"),
            relations: p.list("relations"),
            after: p.time("after")?,
            before: p.time("before")?,
            max_nodes: p.count("max_nodes", limits.default_max_nodes, limits.max_nodes)?,
            supernode_degree: p.count("supernode_degree", limits.supernode_degree, MAX_SUPERNODE_DEGREE)?,
            format: Format::parse(p.get("format"))?,
        })
    }

    fn from_body(b: Body, limits: &Limits) -> Result<Request, ApiError> {
        let count = |name: &str, v: &Option<Json>, default: usize, max: usize| match v {
            None | Some(Json::Null) => Ok(default),
            Some(v) => parse_count(name, &json_text(v), max),
        };
        let time = |name: &str, v: &Option<Json>| match v {
            None | Some(Json::Null) => Ok(None),
            Some(v) => parse_time(name, &json_text(v)).map(Some),
        };
        Ok(Request {
            hops: count("hops", &b.hops, 1, limits.max_hops)?,
            max_nodes: count("max_nodes", &b.max_nodes, limits.default_max_nodes, limits.max_nodes)?,
            supernode_degree: count(
                "supernode_degree",
                &b.supernode_degree,
                limits.supernode_degree,
                MAX_SUPERNODE_DEGREE,
            )?,
            after: time("after", &b.after)?,
            before: time("before", &b.before)?,
            format: Format::parse(b.format.as_deref())?,
            seeds: b.seeds,
            node_types: b.node_types,
            relations: b.relations,
        })
    }
}

/// What was left out around one node.
#[derive(Debug, Serialize)]
pub struct CutNode {
    /// Node id.
    pub id: String,
    /// True degree.
    pub degree: usize,
    /// Neighbours in the answer.
    pub shown: usize,
    /// Neighbours (passing the filters) left out.
    pub hidden: usize,
    /// Left-out neighbours per entity type.
    pub hidden_by_type: Map<String, Json>,
    /// Left-out edges per relation type.
    pub hidden_edges_by_relation: Map<String, Json>,
}

/// What the answer leaves out.
#[derive(Debug, Serialize)]
pub struct Cut {
    /// The degree threshold used.
    pub supernode_degree: usize,
    /// Reached nodes not expanded because of their degree.
    pub capped: Vec<CutNode>,
    /// The node cap used.
    pub max_nodes: usize,
    /// Whether it was reached.
    pub max_nodes_reached: bool,
    /// Nodes whose expansion the node cap stopped.
    pub unexpanded: Vec<CutNode>,
}

/// A neighbourhood answer: serialised straight from the snapshot (see [`View::node_json`]).
pub struct Answer<'v, 'a> {
    view: &'v View<'a>,
    /// Seeds.
    pub seeds: Vec<NodeId>,
    /// Nodes, in the order reached, with whether each is capped.
    pub nodes: Vec<(NodeId, bool)>,
    /// Each node's id, made once (one key lookup per node for node, edges and audit line).
    ids: Vec<NodeIdJson<'a>>,
    /// Position of each node in `nodes`.
    index: FxHashMap<NodeId, u32>,
    /// Edges with their ends.
    pub edges: Vec<(EdgeId, NodeId, NodeId)>,
    /// What was cut.
    pub cut: Cut,
    /// The shape it is written in.
    format: Format,
}

impl<'a> Answer<'_, 'a> {
    /// About how many bytes the JSON takes, to size its buffer once.
    pub fn size_hint(&self) -> usize {
        1024 + 300 * self.nodes.len()
            + 160 * self.edges.len()
            + 200 * (self.cut.capped.len() + self.cut.unexpanded.len())
    }

    /// The raw `type:key` of every node, as the audit line's JSON array.
    pub fn audit_keys(&self) -> AuditKeys {
        let raw = |id: &NodeIdJson<'a>| RawId(id.ty(), id.raw_key());
        let mut out = Vec::with_capacity(2 + 32 * self.nodes.len());
        // Strings into a Vec: cannot fail.
        let _ = serde_json::to_writer(&mut out, &Ids(&self.ids, raw));
        AuditKeys(String::from_utf8(out).unwrap_or_else(|_| "[]".to_owned()))
    }
}

/// A raw `type:key`, serialised without building the string.
struct RawId<'g>(&'g str, &'g str);

impl Serialize for RawId<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{}:{}", self.0, self.1))
    }
}

/// A slice serialised as a JSON array of `{"data": …}` elements made on the fly.
struct Elements<'s, T, F>(&'s [T], F);

impl<T, F, E> Serialize for Elements<'_, T, F>
where
    F: Fn(&T) -> E,
    E: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|item| Element { data: (self.1)(item) }))
    }
}

impl Serialize for Answer<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let view = self.view;
        // Every node an answer names is in `nodes`; the fallback only keeps this total.
        let id = |n: NodeId| match self.index.get(&n) {
            Some(&i) => self.ids[i as usize],
            None => view.node_id_json(n),
        };
        let positions: Vec<usize> = (0..self.nodes.len()).collect();
        let node = |&i: &usize| view.node_json_with_id(self.nodes[i].0, self.nodes[i].1, self.ids[i]);
        let edge = |&(e, src, dst): &(EdgeId, NodeId, NodeId)| view.edge_json_between(e, id(src), id(dst));
        let seeds = Elements(&self.seeds, |&n: &NodeId| id(n)).ids();
        match self.format {
            Format::Cytoscape => {
                let mut st = s.serialize_struct("Answer", 4)?;
                st.serialize_field("seeds", &seeds)?;
                st.serialize_field("nodes", &Elements(&positions, node))?;
                st.serialize_field("edges", &Elements(&self.edges, edge))?;
                st.serialize_field("cut", &self.cut)?;
                st.end()
            }
            Format::Graphology => {
                let mut st = s.serialize_struct("Answer", 4)?;
                st.serialize_field("options", &GraphologyOptions)?;
                st.serialize_field("attributes", &GraphologyAttributes { seeds, cut: &self.cut })?;
                let node_entry = |i: &usize| GraphologyNode { key: self.ids[*i], attributes: node(i) };
                st.serialize_field("nodes", &Ids(&positions, node_entry))?;
                let edge_entry = |e: &(EdgeId, NodeId, NodeId)| GraphologyEdge {
                    key: EdgeIdJson(e.0 .0),
                    source: id(e.1),
                    target: id(e.2),
                    attributes: edge(e),
                };
                st.serialize_field("edges", &Ids(&self.edges, edge_entry))?;
                st.end()
            }
        }
    }
}

/// graphology's graph options: relations have a direction, and two accounts may have many
/// transfers between them.
struct GraphologyOptions;

impl Serialize for GraphologyOptions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Options", 3)?;
        st.serialize_field("type", "directed")?;
        st.serialize_field("multi", &true)?;
        st.serialize_field("allowSelfLoops", &true)?;
        st.end()
    }
}

/// The graph's own attributes in graphology's shape: the seeds and what was cut.
#[derive(Serialize)]
struct GraphologyAttributes<'c, T: Serialize> {
    seeds: T,
    cut: &'c Cut,
}

/// A node in graphology's shape: its key and, as attributes, the data a Cytoscape element holds.
#[derive(Serialize)]
struct GraphologyNode<'a, T: Serialize> {
    key: NodeIdJson<'a>,
    attributes: T,
}

/// An edge in graphology's shape.
#[derive(Serialize)]
struct GraphologyEdge<'a, T: Serialize> {
    key: EdgeIdJson,
    source: NodeIdJson<'a>,
    target: NodeIdJson<'a>,
    attributes: T,
}

/// Seed ids: a plain array of ids, not elements.
struct Ids<'s, T, F>(&'s [T], F);

impl<'s, T, F> Elements<'s, T, F> {
    fn ids(self) -> Ids<'s, T, F> {
        Ids(self.0, self.1)
    }
}

impl<T, F, E> Serialize for Ids<'_, T, F>
where
    F: Fn(&T) -> E,
    E: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|item| (self.1)(item)))
    }
}

struct Filters {
    node_types: Option<Vec<bool>>,
    relations: Option<Vec<bool>>,
    after: Option<i64>,
    before: Option<i64>,
}

impl Filters {
    fn edge_ok(&self, view: &View<'_>, adj: &Adjacent) -> bool {
        if let Some(rels) = &self.relations {
            if !rels[adj.relation.0 as usize] {
                return false;
            }
        }
        if self.after.is_some() || self.before.is_some() {
            if let Some(t) = view.graph().edge_time(adj.edge) {
                if self.after.is_some_and(|a| t < a) || self.before.is_some_and(|b| t > b) {
                    return false;
                }
            }
        }
        if view.hidden(adj.other) {
            return false;
        }
        match &self.node_types {
            Some(types) => types[view.graph().node_type(adj.other).0 as usize],
            None => true,
        }
    }
}

/// Expands a neighbourhood for one caller.
pub fn expand<'v, 'a>(view: &'v View<'a>, req: &Request, deadline: Deadline) -> Result<Answer<'v, 'a>, ApiError> {
    let g = view.graph();
    let schema = g.schema();
    if req.seeds.is_empty() {
        return Err(ApiError::missing_param("seeds"));
    }
    if req.seeds.len() > req.max_nodes {
        return Err(ApiError::bad_param(
            "seeds",
            format!("more seeds ({}) than max_nodes ({})", req.seeds.len(), req.max_nodes),
        ));
    }
    let node_types = if req.node_types.is_empty() {
        None
    } else {
        let mut mask = vec![false; schema.entities.len()];
        for name in &req.node_types {
            mask[view.entity_type(name)?.0 as usize] = true;
        }
        Some(mask)
    };
    let relations = if req.relations.is_empty() {
        None
    } else {
        let mut mask = vec![false; schema.relations.len()];
        for name in &req.relations {
            let r =
                schema.relation_id(name).ok_or_else(|| ApiError::unknown_relation(name, &schema.relation_names()))?;
            mask[r.0 as usize] = true;
        }
        Some(mask)
    };
    if let (Some(a), Some(b)) = (req.after, req.before) {
        if a > b {
            return Err(ApiError::bad_param("after", "is later than `before`"));
        }
    }
    let filters = Filters { node_types, relations, after: req.after, before: req.before };
    let mut seeds: Vec<NodeId> = Vec::new();
    for s in &req.seeds {
        let node = view.resolve(s).map_err(|e| {
            if e.code == "bad_parameter" {
                ApiError::bad_param("seeds", &e.message)
            } else {
                e
            }
        })?;
        if !seeds.contains(&node) {
            seeds.push(node);
        }
    }
    let mut in_set: FxHashSet<NodeId> = seeds.iter().copied().collect();
    let mut order: Vec<NodeId> = seeds.clone();
    let mut edges: Vec<(EdgeId, NodeId, NodeId)> = Vec::new();
    let mut seen_edges: FxHashSet<EdgeId> = FxHashSet::default();
    let mut capped: Vec<NodeId> = Vec::new();
    let mut unexpanded: Vec<NodeId> = Vec::new();
    let mut full = false;
    let mut frontier = seeds.clone();
    for _ in 0..req.hops {
        // Scattered reads in passes first, so the loop below finds them in cache (see
        // `graph::touch`).
        std::hint::black_box(g.touch_adjacency(&frontier));
        let mut next = Vec::new();
        for (i, &u) in frontier.iter().enumerate() {
            if i % 64 == 0 {
                deadline.check()?;
            }
            let is_seed = seeds.contains(&u);
            if !is_seed && view.degree(u) > req.supernode_degree {
                capped.push(u);
                continue;
            }
            let mut stopped = false;
            let out = g.out_edges(u).map(|a| (a, true));
            let inc = g.in_edges(u).map(|a| (a, false));
            for (adj, outgoing) in out.chain(inc) {
                if !filters.edge_ok(view, &adj) {
                    continue;
                }
                let (src, dst) = if outgoing { (u, adj.other) } else { (adj.other, u) };
                if in_set.contains(&adj.other) {
                    if seen_edges.insert(adj.edge) {
                        edges.push((adj.edge, src, dst));
                    }
                    continue;
                }
                if order.len() >= req.max_nodes {
                    full = true;
                    stopped = true;
                    continue;
                }
                in_set.insert(adj.other);
                order.push(adj.other);
                next.push(adj.other);
                seen_edges.insert(adj.edge);
                edges.push((adj.edge, src, dst));
            }
            if stopped {
                unexpanded.push(u);
            }
        }
        frontier = next;
    }
    // Counts go into arrays indexed by type id and only become named maps at the end: a capped
    // company can have tens of thousands of edges, and a string per edge would dominate.
    let unfiltered = filters.node_types.is_none()
        && filters.relations.is_none()
        && filters.after.is_none()
        && filters.before.is_none();
    let named = |counts: Vec<u64>, name: &dyn Fn(usize) -> String| -> Map<String, Json> {
        counts.into_iter().enumerate().filter(|(_, c)| *c > 0).map(|(i, c)| (name(i), Json::from(c))).collect()
    };
    let summarise = |u: NodeId| -> CutNode {
        // A high-degree node without filters: its counted adjacency, minus what the answer shows.
        if let Some(adj) = unfiltered.then(|| view.snap.summaries.get(view, u)).flatten() {
            let mut nodes_by_type = adj.distinct_by_type.clone();
            let mut edges_by_relation = adj.edges_by_relation.clone();
            let mut shown = 0usize;
            for &v in &order {
                let to_v = adj.edges_to(v);
                if to_v.is_empty() {
                    continue;
                }
                shown += 1;
                nodes_by_type[g.node_type(v).0 as usize] -= 1;
                for &(_, rel) in to_v {
                    edges_by_relation[rel as usize] -= 1;
                }
            }
            return CutNode {
                id: view.node_id(u),
                degree: view.degree(u),
                shown,
                hidden: adj.distinct as usize - shown,
                hidden_by_type: named(nodes_by_type, &|i| schema.entities[i].name.clone()),
                hidden_edges_by_relation: named(edges_by_relation, &|i| schema.relations[i].name.clone()),
            };
        }
        let mut hidden_ids: Vec<u32> = Vec::new();
        let mut edges_by_relation = vec![0u64; schema.relations.len()];
        let mut shown: FxHashSet<NodeId> = FxHashSet::default();
        for adj in g.out_edges(u).chain(g.in_edges(u)) {
            if !filters.edge_ok(view, &adj) {
                continue;
            }
            if in_set.contains(&adj.other) {
                shown.insert(adj.other);
                continue;
            }
            hidden_ids.push(adj.other.0);
            edges_by_relation[adj.relation.0 as usize] += 1;
        }
        hidden_ids.sort_unstable();
        hidden_ids.dedup();
        let mut nodes_by_type = vec![0u64; schema.entities.len()];
        for &v in &hidden_ids {
            nodes_by_type[g.node_type(NodeId(v)).0 as usize] += 1;
        }
        CutNode {
            id: view.node_id(u),
            degree: view.degree(u),
            shown: shown.len(),
            hidden: hidden_ids.len(),
            hidden_by_type: named(nodes_by_type, &|i| schema.entities[i].name.clone()),
            hidden_edges_by_relation: named(edges_by_relation, &|i| schema.relations[i].name.clone()),
        }
    };
    deadline.check()?;
    let cut = Cut {
        supernode_degree: req.supernode_degree,
        capped: capped.iter().map(|&u| summarise(u)).collect(),
        max_nodes: req.max_nodes,
        max_nodes_reached: full,
        unexpanded: unexpanded.iter().map(|&u| summarise(u)).collect(),
    };
    std::hint::black_box(g.touch_nodes(&order));
    let edge_ids: Vec<EdgeId> = edges.iter().map(|&(e, _, _)| e).collect();
    std::hint::black_box(g.touch_edges(&edge_ids));
    let capped_set: FxHashSet<NodeId> = capped.iter().copied().collect();
    let nodes: Vec<(NodeId, bool)> = order
        .iter()
        .map(|&n| {
            let is_capped = capped_set.contains(&n) || (!seeds.contains(&n) && view.degree(n) > req.supernode_degree);
            (n, is_capped)
        })
        .collect();
    let ids = order.iter().map(|&n| view.node_id_json(n)).collect();
    let index = order.iter().enumerate().map(|(i, &n)| (n, i as u32)).collect();
    Ok(Answer { view, seeds, nodes, ids, index, edges, cut, format: req.format })
}

/// Largest `hops` and `max_nodes` answered on the async worker itself.
const INLINE_HOPS: usize = 2;
const INLINE_MAX_NODES: usize = 1000;

async fn run(state: AppState, caller: Caller, req: Request) -> Result<Response, ApiError> {
    let deadline = Deadline::after(state.limits.time_budget);
    let req_small = req.hops <= INLINE_HOPS && req.max_nodes <= INLINE_MAX_NODES;
    let pool_state = state.clone();
    let work = move || {
        let snap = state.snapshot();
        let view = View::new(&snap, &state.masker, &caller);
        let body = expand(&view, &req, deadline)?;
        answer_with(&body, body.audit_keys(), body.size_hint())
    };
    // A 2-hop neighbourhood of up to a thousand nodes takes tens of microseconds (capped
    // nodes' summaries are cached): run it here. Bigger ones go to the blocking pool.
    if req_small {
        inline(work)
    } else {
        blocking(&pool_state, work).await
    }
}

/// `GET`: parameters in the query string.
pub async fn get(State(state): State<AppState>, caller: Caller, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), PARAMS)?;
    let req = Request::from_params(&params, &state.limits)?;
    run(state, caller, req).await
}

/// `POST`: parameters in a JSON body.
pub async fn post(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    Params::parse(q.as_deref(), &[])?;
    let body = body.map_err(|rejection| body_rejection(&rejection, state.limits.body_bytes))?;
    let audit_body: Json = serde_json::from_slice(&body).unwrap_or(Json::Null);
    let result = async {
        let parsed: Body = json_body(&body)?;
        let req = Request::from_body(parsed, &state.limits)?;
        run(state.clone(), caller, req).await
    }
    .await;
    let mut response = match result {
        Ok(r) => r,
        Err(e) => axum::response::IntoResponse::into_response(e),
    };
    response.extensions_mut().insert(AuditBody(audit_body));
    Ok(response)
}
