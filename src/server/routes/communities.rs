//! `GET /api/v1/communities?projection=&algo=wcc|cdlp|louvain|leiden&seed=&resolution=&iterations=&min_size=&limit=&offset=&members=&node=`:
//! communities of a projection of the snapshot (`clew::algo::projection`: people linked by shared
//! phones, addresses and accounts; accounts by transfers; owners by shareholdings), largest
//! first, each with its members as the caller may see them.
//!
//! Projections come from the process-wide [`ProjectionCache`]; partitions are kept per snapshot
//! (a reload starts afresh) for the last few parameter sets, since Louvain or Leiden on a large
//! projection takes seconds. The work runs off the async workers; a first request that outlives
//! the time budget still leaves its partition in the cache for the next one. `node=type:key`
//! answers with the one community that node is in.
//!
//! Viewers see only members they may see: minors are left out of member lists and sizes, and a
//! community of minors only is not listed.

use std::sync::{Arc, Mutex};

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Serialize;

use super::{answer, blocking, Params};
use crate::algo::community::{leiden, louvain, modularity, relabel_by_size, LeidenOptions, LouvainOptions};
use crate::algo::projection::{Projected, Projection, ProjectionCache, ProjectionDef, BUILTIN_NAMES};
use crate::algo::{label_propagation, weakly_connected_components};
use crate::graph::NodeId;
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::state::AppState;
use crate::server::view::{Element, NodeJson, View};

const PARAMS: &[&str] =
    &["projection", "algo", "seed", "resolution", "iterations", "min_size", "limit", "offset", "members", "node"];

/// Partitions one snapshot keeps.
const CACHED_PARTITIONS: usize = 8;

/// Largest `iterations` of CDLP or Leiden.
const MAX_ITERATIONS: usize = 100;

/// A community algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algo {
    Wcc,
    Cdlp,
    Louvain,
    Leiden,
}

impl Algo {
    fn parse(s: &str) -> Result<Algo, ApiError> {
        Ok(match s {
            "wcc" => Algo::Wcc,
            "cdlp" => Algo::Cdlp,
            "louvain" => Algo::Louvain,
            "leiden" => Algo::Leiden,
            _ => return Err(ApiError::bad_param("algo", "valid algorithms: wcc, cdlp, louvain, leiden")),
        })
    }

    fn name(self) -> &'static str {
        match self {
            Algo::Wcc => "wcc",
            Algo::Cdlp => "cdlp",
            Algo::Louvain => "louvain",
            Algo::Leiden => "leiden",
        }
    }
}

/// What a partition is computed from: everything that changes its result.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    projection: String,
    algo: Algo,
    seed: u64,
    resolution_bits: u64,
    iterations: u32,
}

/// A computed partition of a projection.
pub struct Partition {
    projected: Arc<Projected>,
    /// Community of each vertex; ids dense from 0, largest first.
    membership: Vec<u32>,
    /// Vertices of community `c`: `vertices[starts[c]..starts[c + 1]]`, ascending.
    starts: Vec<u32>,
    vertices: Vec<u32>,
    modularity: Option<f64>,
    seconds: f64,
}

impl Partition {
    fn new(projected: Arc<Projected>, membership: Vec<u32>, modularity: Option<f64>, seconds: f64) -> Partition {
        let n_communities = membership.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        let mut starts = vec![0u32; n_communities + 1];
        for &c in &membership {
            starts[c as usize + 1] += 1;
        }
        for i in 0..n_communities {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut vertices = vec![0u32; membership.len()];
        for (v, &c) in membership.iter().enumerate() {
            vertices[fill[c as usize] as usize] = v as u32;
            fill[c as usize] += 1;
        }
        Partition { projected, membership, starts, vertices, modularity, seconds }
    }

    fn n_communities(&self) -> usize {
        self.starts.len() - 1
    }

    fn members(&self, c: usize) -> impl Iterator<Item = NodeId> + '_ {
        self.vertices[self.starts[c] as usize..self.starts[c + 1] as usize].iter().map(|&v| self.projected.node(v))
    }
}

/// The partitions one snapshot has computed, most recently used last.
#[derive(Default)]
pub struct Cache {
    entries: Mutex<Vec<(Key, Arc<Partition>)>>,
}

impl Cache {
    fn get(&self, key: &Key) -> Option<Arc<Partition>> {
        // A poisoned lock means a panic elsewhere mid-update; every stored entry is complete.
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let at = entries.iter().position(|(k, _)| k == key)?;
        let entry = entries.remove(at);
        let found = entry.1.clone();
        entries.push(entry);
        Some(found)
    }

    fn put(&self, key: Key, partition: Arc<Partition>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|(k, _)| *k != key);
        entries.push((key, partition));
        let excess = entries.len().saturating_sub(CACHED_PARTITIONS);
        entries.drain(..excess);
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.entries.lock().map(|e| e.len()).unwrap_or(0);
        write!(f, "communities::Cache({n} partitions)")
    }
}

fn compute(view: &View<'_>, projection: &Projection, key: &Key) -> Result<Arc<Partition>, ApiError> {
    if let Some(found) = view.snap.communities.get(key) {
        return Ok(found);
    }
    let started = std::time::Instant::now();
    let projected = ProjectionCache::global()
        .get_or_build(view.graph(), projection)
        .map_err(|e| ApiError::too_broad(format!("projection `{}`: {e}", key.projection)))?;
    let graph = &projected.graph;
    let resolution = f64::from_bits(key.resolution_bits);
    let community_error = |e: crate::algo::community::CommunityError| ApiError::bad_param("resolution", e);
    let (membership, q) = match key.algo {
        Algo::Wcc | Algo::Cdlp => {
            let mut labels = if key.algo == Algo::Wcc {
                weakly_connected_components(graph)
            } else {
                label_propagation(graph, key.iterations)
            };
            relabel_by_size(&mut labels);
            let q = modularity(graph, &labels, 1.0).ok();
            (labels, q)
        }
        Algo::Louvain => {
            let found = louvain(graph, &LouvainOptions { resolution, seed: key.seed }).map_err(community_error)?;
            (found.membership, Some(found.modularity))
        }
        Algo::Leiden => {
            let options = LeidenOptions { resolution, seed: key.seed, iterations: key.iterations };
            let found = leiden(graph, &options).map_err(community_error)?;
            (found.membership, Some(found.modularity))
        }
    };
    let partition = Arc::new(Partition::new(projected.clone(), membership, q, started.elapsed().as_secs_f64()));
    view.snap.communities.put(key.clone(), partition.clone());
    Ok(partition)
}

#[derive(Serialize)]
struct CommunityJson<'v, 'a> {
    id: u32,
    size: usize,
    members: Vec<Element<NodeJson<'v, 'a>>>,
    /// Members not listed (beyond `members`).
    more: usize,
}

#[derive(Serialize)]
struct Answer<'v, 'a> {
    projection: String,
    algo: &'static str,
    seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolution: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iterations: Option<u32>,
    vertices: u32,
    edges: u64,
    /// Communities in the partition.
    communities_total: usize,
    /// Communities of at least `min_size` members (the ones paged through).
    matching: usize,
    modularity: Option<f64>,
    /// Seconds the projection (if not cached) and the partition took when first computed.
    seconds: f64,
    offset: usize,
    limit: usize,
    communities: Vec<CommunityJson<'v, 'a>>,
}

/// Communities of a projection.
pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), PARAMS)?;
    let name = params.get("projection").unwrap_or("shared-identifiers").to_owned();
    let def = ProjectionDef::builtin(&name)
        .ok_or_else(|| ApiError::bad_param("projection", format!("valid projections: {}", BUILTIN_NAMES.join(", "))))?;
    let algo = Algo::parse(params.get("algo").unwrap_or("louvain"))?;
    let seed = match params.get("seed") {
        None => 0,
        Some(v) => {
            v.trim().parse::<u64>().map_err(|_| ApiError::bad_param("seed", "must be a whole number from 0 up"))?
        }
    };
    let resolution = match (params.get("resolution"), algo) {
        (None, _) => 1.0,
        (Some(_), Algo::Wcc | Algo::Cdlp) => {
            return Err(ApiError::bad_param("resolution", "only louvain and leiden take a resolution"))
        }
        (Some(v), _) => match v.trim().parse::<f64>() {
            Ok(r) if r.is_finite() && r > 0.0 => r,
            _ => return Err(ApiError::bad_param("resolution", "must be a positive number, e.g. 1 or 0.5")),
        },
    };
    let iterations = match algo {
        Algo::Cdlp => params.count("iterations", 10, MAX_ITERATIONS)? as u32,
        Algo::Leiden => params.count("iterations", 2, MAX_ITERATIONS)? as u32,
        _ if params.get("iterations").is_some() => {
            return Err(ApiError::bad_param("iterations", "only cdlp and leiden take iterations"))
        }
        _ => 0,
    };
    let min_size = params.count("min_size", 2, usize::MAX)?;
    let limit = params.count("limit", 20, state.limits.max_limit)?;
    let offset = params.offset("offset")?;
    let members_cap = params.count("members", 20, state.limits.max_limit)?;
    let node = params.get("node").map(str::to_owned);
    let pool_state = state.clone();
    blocking(&pool_state, move || {
        let snap = state.snapshot();
        let view = View::new(&snap, &state.masker, &caller);
        let g = view.graph();
        let projection = Projection::resolve(&def, g.schema())
            .map_err(|e| ApiError::bad_param("projection", format!("`{name}` does not fit this snapshot: {e}")))?;
        let only = match &node {
            Some(id) => Some(view.resolve(id).map_err(|e| {
                if e.code == "bad_parameter" {
                    ApiError::bad_param("node", &e.message)
                } else {
                    e
                }
            })?),
            None => None,
        };
        let key = Key {
            projection: projection.canonical().to_owned(),
            algo,
            seed,
            resolution_bits: resolution.to_bits(),
            iterations,
        };
        let partition = compute(&view, &projection, &key)?;
        // Largest first: the communities of at least `min_size` members are a prefix.
        let sizes = |c: usize| (partition.starts[c + 1] - partition.starts[c]) as usize;
        let mut matching = (0..partition.n_communities()).take_while(|&c| sizes(c) >= min_size).count();
        let (mut communities_total, mut vertices) = (partition.n_communities(), partition.projected.graph.n_vertices());
        // A caller who may not see minors counts, sizes and pages by the members they may see,
        // so a community of minors only is neither listed nor counted, and no size or total
        // gives a minor away.
        let visible_order: Option<Vec<usize>> = view.masked.then(|| {
            let visible: Vec<usize> = (0..partition.n_communities())
                .map(|c| partition.members(c).filter(|&n| !view.hidden(n)).count())
                .collect();
            communities_total = visible.iter().filter(|&&v| v > 0).count();
            vertices = visible.iter().sum::<usize>() as u32;
            let mut order: Vec<usize> = (0..visible.len()).filter(|&c| visible[c] >= min_size.max(1)).collect();
            order.sort_by_key(|&c| (std::cmp::Reverse(visible[c]), c));
            matching = order.len();
            order
        });
        let chosen: Vec<usize> = match only {
            Some(n) => {
                let v = partition.projected.vertex(n).ok_or_else(|| {
                    ApiError::not_found(format!(
                        "`node` is not in projection `{name}` (it links to no other node there)"
                    ))
                })?;
                vec![partition.membership[v as usize] as usize]
            }
            None => match &visible_order {
                Some(order) => order.iter().copied().skip(offset).take(limit).collect(),
                None => (offset..matching.min(offset.saturating_add(limit))).collect(),
            },
        };
        let mut keys = Vec::new();
        let mut communities = Vec::with_capacity(chosen.len());
        for c in chosen {
            let visible: Vec<NodeId> = partition.members(c).filter(|&n| !view.hidden(n)).collect();
            if visible.is_empty() {
                continue;
            }
            let shown: Vec<NodeId> = visible.iter().copied().take(members_cap).collect();
            keys.extend(shown.iter().map(|&n| view.raw_id(n)));
            communities.push(CommunityJson {
                id: c as u32,
                size: visible.len(),
                more: visible.len() - shown.len(),
                members: shown.iter().map(|&n| Element { data: view.node_json(n, false) }).collect(),
            });
        }
        let body = Answer {
            projection: name,
            algo: algo.name(),
            seed,
            resolution: matches!(algo, Algo::Louvain | Algo::Leiden).then_some(resolution),
            iterations: matches!(algo, Algo::Cdlp | Algo::Leiden).then_some(iterations),
            vertices,
            edges: partition.projected.graph.n_edges(),
            communities_total,
            matching,
            modularity: partition.modularity.filter(|q| q.is_finite()),
            seconds: partition.seconds,
            offset,
            limit,
            communities,
        };
        answer(&body, keys)
    })
    .await
}
