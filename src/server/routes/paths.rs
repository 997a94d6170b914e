//! `GET /api/v1/paths?from=&to=&max_hops=&k=&types=&node_types=&after=&before=&directed=&skip_degree_above=`:
//! the shortest path, or the `k` shortest, between two entities, by the path queries of
//! `clew::paths`. `types` names relation types. Paths that pass through a person a viewer may not
//! see (a minor) are withheld from viewers.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use graph_schema::{EntityTypeId, RelationTypeId};
use rustc_hash::FxHashSet;
use serde::Serialize;

use super::{answer, blocking, inline, Params};
use crate::graph::{EdgeId, NodeId};
use crate::paths::{shortest_paths_within_budget, PathError, PathQuery};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::state::AppState;
use crate::server::view::{EdgeJson, Element, NodeJson, View};

const PARAMS: &[&str] = &[
    "from",
    "to",
    "max_hops",
    "k",
    "types",
    "relations",
    "node_types",
    "after",
    "before",
    "directed",
    "skip_degree_above",
];

#[derive(Serialize)]
struct PathJson {
    hops: usize,
    nodes: Vec<String>,
    edges: Vec<String>,
}

/// What was searched, so that an empty answer says exactly what it rules out.
#[derive(Serialize)]
struct Searched {
    max_hops: u32,
    k: usize,
    directed: bool,
    /// Nodes above this degree were not passed through (`null`: none skipped).
    skip_degree_above: Option<usize>,
    /// Edge visits the search could spend (the server's path budget).
    budget: u64,
    /// The search spent its budget before it could answer: an empty `paths` then says nothing
    /// about whether a path exists.
    stopped_at_budget: bool,
}

#[derive(Serialize)]
struct Answer<'v, 'a> {
    from: String,
    to: String,
    paths: Vec<PathJson>,
    searched: Searched,
    /// Present when no path was found (no path, or a search stopped at its budget) or when the
    /// budget stopped the `k` shortest early (how many of them are listed).
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    nodes: Vec<Element<NodeJson<'v, 'a>>>,
    edges: Vec<Element<EdgeJson<'v, 'a>>>,
}

fn path_error(err: PathError) -> ApiError {
    match err {
        PathError::SameNode { .. } => ApiError::bad_param("to", "is the same entity as `from`"),
        PathError::NoSuchNode { param, .. } => ApiError::not_found(format!("`{param}` is not in the snapshot")),
        PathError::TooManyHops { limit, .. } => ApiError::limit("max_hops", limit),
        PathError::BadK { limit, .. } => ApiError::limit("k", limit),
        PathError::UnknownRelation { .. } => ApiError::bad_param("types", err.to_string()),
        PathError::UnknownNodeType { .. } => ApiError::bad_param("node_types", err.to_string()),
        PathError::EmptyTimeWindow { .. } => ApiError::bad_param("after", "is later than `before`"),
        other => ApiError::internal(other),
    }
}

/// Shortest paths between two entities.
pub async fn get(State(state): State<AppState>, caller: Caller, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), PARAMS)?;
    let from = params.get("from").ok_or_else(|| ApiError::missing_param("from"))?.to_owned();
    let to = params.get("to").ok_or_else(|| ApiError::missing_param("to"))?.to_owned();
    let max_hops = params.count("max_hops", 4, state.limits.max_path_hops)? as u32;
    let k = params.count("k", 1, state.limits.max_paths)?;
    let mut relation_names = params.list("types");
    relation_names.extend(params.list("relations"));
    let node_type_names = params.list("node_types");
    let after = params.time("after")?;
    let before = params.time("before")?;
    let directed = params.flag("directed", false)?;
    // Paths through a hospital or a call-centre phone link everyone to everyone and say nothing;
    // by default they are not followed through nodes above ten times the supernode degree.
    // `skip_degree_above=none` follows them.
    let skip_degree_above = match params.get("skip_degree_above") {
        Some("none") => None,
        _ => Some(params.count("skip_degree_above", state.limits.supernode_degree.saturating_mul(10), usize::MAX)?),
    };
    let budget = state.limits.path_budget;
    let pool_state = state.clone();
    let work = move || {
        let snap = state.snapshot();
        let view = View::new(&snap, &state.masker, &caller);
        let g = view.graph();
        let schema = g.schema();
        let named = |param: &'static str| {
            move |e: ApiError| if e.code == "bad_parameter" { ApiError::bad_param(param, &e.message) } else { e }
        };
        let from_node = view.resolve(&from).map_err(named("from"))?;
        let to_node = view.resolve(&to).map_err(named("to"))?;
        let relations = if relation_names.is_empty() {
            None
        } else {
            Some(
                relation_names
                    .iter()
                    .map(|n| {
                        schema.relation_id(n).ok_or_else(|| ApiError::unknown_relation(n, &schema.relation_names()))
                    })
                    .collect::<Result<Vec<RelationTypeId>, _>>()?,
            )
        };
        let node_types = if node_type_names.is_empty() {
            None
        } else {
            Some(node_type_names.iter().map(|n| view.entity_type(n)).collect::<Result<Vec<EntityTypeId>, _>>()?)
        };
        let query = PathQuery {
            from: from_node,
            to: to_node,
            max_hops,
            k,
            relations,
            node_types,
            after,
            before,
            directed,
            skip_degree_above,
            budget: Some(budget),
        };
        // A stop at the budget is an answer, not an error: it says how far the search went.
        let (found, stopped_at_budget) = shortest_paths_within_budget(g, &query).map_err(path_error)?;
        let mut node_set: Vec<NodeId> = Vec::new();
        let mut seen_nodes: FxHashSet<NodeId> = FxHashSet::default();
        let mut edge_set: Vec<EdgeId> = Vec::new();
        let mut seen_edges: FxHashSet<EdgeId> = FxHashSet::default();
        let mut paths = Vec::new();
        for p in found.iter().filter(|p| !p.nodes.iter().any(|&n| view.hidden(n))) {
            for &n in &p.nodes {
                if seen_nodes.insert(n) {
                    node_set.push(n);
                }
            }
            for &e in &p.edges {
                if seen_edges.insert(e) {
                    edge_set.push(e);
                }
            }
            paths.push(PathJson {
                hops: p.edges.len(),
                nodes: p.nodes.iter().map(|&n| view.node_id(n)).collect(),
                edges: p.edges.iter().map(|e| format!("e{}", e.0)).collect(),
            });
        }
        let keys = node_set.iter().map(|&n| view.raw_id(n)).collect();
        let note = if stopped_at_budget && !paths.is_empty() {
            Some(format!(
                "the search stopped after {budget} edge visits (the server's budget) with {} of the {k} shortest paths \
                 (each one listed is among the shortest); narrow the query for the rest",
                paths.len()
            ))
        } else {
            paths.is_empty().then(|| no_path_note(stopped_at_budget, budget, max_hops, skip_degree_above))
        };
        let body = Answer {
            from: view.node_id(from_node),
            to: view.node_id(to_node),
            paths,
            searched: Searched { max_hops, k, directed, skip_degree_above, budget, stopped_at_budget },
            note,
            nodes: node_set.iter().map(|&n| Element { data: view.node_json(n, false) }).collect(),
            edges: edge_set
                .iter()
                .map(|&e| {
                    let (s, t) = g.edge_endpoints(e);
                    Element { data: view.edge_json(e, s, t) }
                })
                .collect(),
        };
        answer(&body, keys)
    };
    // One shortest path is a bidirectional BFS of well under a millisecond on the demo worlds
    // (and bounded by `skip_degree_above` and the visit budget): answered here, on the worker,
    // with the calling thread's search scratch. The `k` shortest (Yen, many searches within the
    // same budget) go to the pool.
    if k == 1 {
        inline(work)
    } else {
        blocking(&pool_state, work).await
    }
}

/// Why a path answer is empty: the search gave up at the budget, or there is no path.
fn no_path_note(stopped_at_budget: bool, budget: u64, max_hops: u32, skip_degree_above: Option<usize>) -> String {
    if stopped_at_budget {
        return format!(
            "the search stopped after {budget} edge visits (the server's budget) without finding a path of at most \
             {max_hops} hops; one may still exist: lower max_hops, add types, node_types or a time window, or keep \
             skip_degree_above"
        );
    }
    let through = match skip_degree_above {
        Some(d) => format!(" through nodes of degree at most {d} (skip_degree_above=none lifts that)"),
        None => String::new(),
    };
    format!("no path of at most {max_hops} hops{through}")
}
