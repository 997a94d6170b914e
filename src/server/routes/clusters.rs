//! `GET /api/v1/clusters?level=&kind=&limit=&offset=` and `GET /api/v1/clusters/{id}`: the
//! suspicious clusters of the analysis (`<snapshot>.analysis/clusters.jsonl`), riskiest first,
//! and one cluster with its members, reasons and subgraph.
//!
//! The subgraph is the members, the nodes that link two or more members (a shared phone or
//! address that the analysis did not list as a member), and the edges between them.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{json, Value as Json};

use super::alerts::levels;
use super::{answer, blocking, path_segments, Deadline, Params};
use crate::graph::{EdgeId, NodeId};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::state::AppState;
use crate::server::view::{EdgeJson, Element, NodeJson, View};

const LIST_PARAMS: &[&str] = &["level", "kind", "limit", "offset"];
const ONE_PARAMS: &[&str] = &["max_nodes"];

/// Members above this degree are not scanned for connectors (a hospital member would otherwise
/// pull in every patient).
const CONNECTOR_SCAN_DEGREE: usize = 10_000;

/// A cluster's subgraph.
pub struct Subgraph {
    /// Members in the snapshot and visible to the caller.
    pub members: Vec<NodeId>,
    /// Members plus connectors.
    pub nodes: Vec<NodeId>,
    /// Edges among them, with source and target.
    pub edges: Vec<(EdgeId, NodeId, NodeId)>,
    /// Members the snapshot does not have.
    pub missing: usize,
    /// Whether `max_nodes` cut connectors.
    pub truncated: bool,
}

/// Finds a cluster by id.
pub fn find_cluster(view: &View<'_>, id: &str) -> Result<usize, ApiError> {
    view.snap.analysis.by_id.get(id).copied().ok_or_else(|| {
        let shown: String = id.chars().take(80).collect();
        ApiError::not_found(format!("no cluster `{shown}`; GET /api/v1/clusters lists them"))
    })
}

/// Builds the subgraph of cluster `index`.
pub fn subgraph(view: &View<'_>, index: usize, max_nodes: usize, deadline: Deadline) -> Result<Subgraph, ApiError> {
    let g = view.graph();
    let a = &view.snap.analysis;
    let mut in_set: FxHashSet<NodeId> = FxHashSet::default();
    let mut members = Vec::new();
    let mut missing = 0;
    for node in &a.cluster_nodes[index] {
        match node {
            None => missing += 1,
            Some(n) if view.hidden(*n) => {}
            Some(n) => {
                if in_set.insert(*n) {
                    members.push(*n);
                }
            }
        }
    }
    let mut links: FxHashMap<NodeId, u32> = FxHashMap::default();
    for &m in &members {
        deadline.check()?;
        if g.degree(m) > CONNECTOR_SCAN_DEGREE {
            continue;
        }
        let mut seen_here: FxHashSet<NodeId> = FxHashSet::default();
        for adj in g.out_edges(m).chain(g.in_edges(m)) {
            if !in_set.contains(&adj.other) && !view.hidden(adj.other) && seen_here.insert(adj.other) {
                *links.entry(adj.other).or_default() += 1;
            }
        }
    }
    let mut connectors: Vec<(u32, NodeId)> = links.into_iter().filter(|(_, c)| *c >= 2).map(|(n, c)| (c, n)).collect();
    connectors.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let room = max_nodes.saturating_sub(members.len());
    let truncated = connectors.len() > room || members.len() > max_nodes;
    let mut nodes: Vec<NodeId> = members.iter().copied().take(max_nodes).collect();
    in_set = nodes.iter().copied().collect();
    for (_, n) in connectors.into_iter().take(room) {
        in_set.insert(n);
        nodes.push(n);
    }
    let mut edges = Vec::new();
    let mut seen_edges: FxHashSet<EdgeId> = FxHashSet::default();
    for &m in &members {
        if !in_set.contains(&m) {
            continue;
        }
        deadline.check()?;
        for adj in g.out_edges(m) {
            if in_set.contains(&adj.other) && seen_edges.insert(adj.edge) {
                edges.push((adj.edge, m, adj.other));
            }
        }
        for adj in g.in_edges(m) {
            if in_set.contains(&adj.other) && seen_edges.insert(adj.edge) {
                edges.push((adj.edge, adj.other, m));
            }
        }
    }
    Ok(Subgraph { members, nodes, edges, missing, truncated })
}

/// The cluster's fields as this caller may see them (reasons scrubbed for viewers); `size`
/// counts the members the caller may see.
pub fn cluster_json(view: &View<'_>, index: usize, size: usize) -> Json {
    let c = &view.snap.analysis.clusters[index];
    let known = view.known_personal(view.snap.analysis.cluster_nodes[index].iter().flatten().copied());
    let mut out = json!({
        "cluster_id": c.cluster_id,
        "kind": c.kind,
        "risk_score": c.risk_score,
        "level": c.level,
        "size": size,
        "reasons": c.reasons.iter().map(|r| view.text(r, &known)).collect::<Vec<_>>(),
    });
    if let Json::Object(map) = &mut out {
        for (k, v) in &c.extra {
            map.entry(k.clone()).or_insert_with(|| view.json(v.clone(), &known));
        }
    }
    out
}

/// Lists clusters.
pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), LIST_PARAMS)?;
    let limit = params.count("limit", 50, state.limits.max_limit)?;
    let offset = params.offset("offset")?;
    let levels = levels(&params)?;
    let kinds = params.list("kind");
    let snap = state.snapshot();
    let view = View::new(&snap, &state.masker, &caller);
    let a = &snap.analysis;
    let selected: Vec<usize> = (0..a.clusters.len())
        .filter(|&i| {
            let c = &a.clusters[i];
            (kinds.is_empty() || kinds.contains(&c.kind)) && levels.as_ref().is_none_or(|l| l.contains(&c.level))
        })
        .collect();
    let clusters: Vec<Json> = selected
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&i| {
            let visible = a.cluster_nodes[i].iter().flatten().filter(|&&n| !view.hidden(n)).count();
            cluster_json(&view, i, visible)
        })
        .collect();
    answer(&json!({"total": selected.len(), "offset": offset, "clusters": clusters}), Vec::new())
}

/// One cluster: fields, members and subgraph.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id = path_segments(path)?;
    let params = Params::parse(q.as_deref(), ONE_PARAMS)?;
    let max_nodes = params.count("max_nodes", state.limits.default_max_nodes, state.limits.max_nodes)?;
    let deadline = Deadline::after(state.limits.time_budget);
    let st = state.clone();
    blocking(&st.clone(), move || {
        let snap = st.snapshot();
        let view = View::new(&snap, &st.masker, &caller);
        let index = find_cluster(&view, &id)?;
        let sub = subgraph(&view, index, max_nodes, deadline)?;
        let mut cluster = cluster_json(&view, index, sub.members.len());
        if let Json::Object(map) = &mut cluster {
            map.insert("missing_members".to_owned(), json!(sub.missing));
            map.insert("members".to_owned(), json!(sub.members.iter().map(|&n| view.node_id(n)).collect::<Vec<_>>()));
        }
        let keys: Vec<String> = sub.nodes.iter().map(|&n| view.raw_id(n)).collect();
        let nodes: Vec<Element<NodeJson>> =
            sub.nodes.iter().map(|&n| Element { data: view.node_json(n, false) }).collect();
        let edges: Vec<Element<EdgeJson>> =
            sub.edges.iter().map(|&(e, s, t)| Element { data: view.edge_json(e, s, t) }).collect();
        answer(&json!({"cluster": cluster, "nodes": nodes, "edges": edges, "truncated": sub.truncated}), keys)
    })
    .await
}
