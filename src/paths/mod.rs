//! Path queries on the typed graph: who is connected to whom, through what, and when.
//!
//! - [`shortest_paths`]: the shortest path (bidirectional BFS) or the `k` shortest simple paths
//!   (Yen), under relation, node-type, time-window, direction and supernode filters, within a
//!   visit budget.
//! - [`weighted_shortest_path`]: Dijkstra with a caller-given edge weight and the same filters.
//! - [`all_simple_paths`]: every simple path up to a hop limit, at most `cap` of them.
//! - [`time_respecting_paths`]: money trails over `transfer` edges, each hop later than the last.
//! - [`ownership_chains`] and [`effective_ownership`]: `shareholder_of` upward to ultimate owners.
//!
//! A path is a sequence of distinct nodes. Two paths through the same nodes are the same path:
//! parallel edges (a hundred transfers between one pair of accounts) do not multiply results, and
//! each hop is represented by the smallest-id edge that passes the filters. Results are sorted by
//! length, then by node ids, so the same query on the same snapshot always answers the same.
//!
//! Every search keeps its per-node state in a thread-local scratch whose reset is one counter
//! bump (see `scratch`), so a query costs in proportion to what it visits, not to the graph. The
//! scratch holds 16 bytes per node and lives as long as the thread: 28 MB on a 1.75M-node
//! graph for each thread that has run a query.

mod bfs;
mod dijkstra;
mod filter;
mod ownership;
pub(crate) mod scratch;
mod simple;
mod temporal;
pub(crate) mod transfer;
mod yen;

use std::cmp::Ordering;

use graph_schema::{EntityTypeId, RelationTypeId};
use serde::{Deserialize, Serialize};

use crate::graph::{EdgeId, Graph, NodeId};

pub use ownership::{
    effective_ownership, ownership_chains, ChainEnd, EffectiveOwner, OwnershipChain, MAX_CHAINS, MAX_OWNERSHIP_DEPTH,
};
pub use temporal::time_respecting_paths;

/// The most hops any query may ask for; the server caps lower.
pub const MAX_HOPS: u32 = 32;

/// The most paths [`shortest_paths`] may be asked for.
pub const MAX_K: usize = 256;

/// Edge visits one Yen, all-simple-paths or Dijkstra query may spend before it gives up with
/// [`PathError::BudgetExceeded`] when [`PathQuery::budget`] is `None`; about a tenth of a second
/// of work. A single shortest-path BFS without a budget is bounded only by the graph itself.
pub const WORK_BUDGET: u64 = 20_000_000;

/// What to search for between two nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathQuery {
    /// Where paths start.
    pub from: NodeId,
    /// Where paths end.
    pub to: NodeId,
    /// Hop limit (the server caps it; at most [`MAX_HOPS`]).
    pub max_hops: u32,
    /// 1 = the shortest path only; more = the `k` shortest simple paths (Yen).
    pub k: usize,
    /// Only edges of these relation types; `None` = all.
    pub relations: Option<Vec<RelationTypeId>>,
    /// Intermediate nodes only of these entity types; `None` = all. The endpoints are always allowed.
    pub node_types: Option<Vec<EntityTypeId>>,
    /// Edges that have a time must not be earlier than this (seconds since the epoch).
    pub after: Option<i64>,
    /// Edges that have a time must not be later than this (seconds since the epoch).
    pub before: Option<i64>,
    /// Follow edges only from source to target; `false` (the investigators' default) follows both ways.
    pub directed: bool,
    /// Do not pass *through* nodes whose degree is above this (supernodes: a hospital, a
    /// call-centre phone). The endpoints are exempt.
    pub skip_degree_above: Option<usize>,
    /// Edge visits the query may spend before it stops with [`PathError::BudgetExceeded`], which
    /// says "stopped early", unlike an empty answer, which says "no path within `max_hops`".
    /// `None`: [`WORK_BUDGET`] for the `k` shortest, weighted and all-simple-paths queries, and no
    /// limit for the single shortest path (a 4-hop ball around a hub can be most of the graph, so
    /// a server should give one).
    #[serde(default)]
    pub budget: Option<u64>,
}

impl PathQuery {
    /// The shortest path between two nodes, both ways, up to 6 hops, no filters.
    pub fn between(from: NodeId, to: NodeId) -> PathQuery {
        PathQuery {
            from,
            to,
            max_hops: 6,
            k: 1,
            relations: None,
            node_types: None,
            after: None,
            before: None,
            directed: false,
            skip_degree_above: None,
            budget: None,
        }
    }

    /// The work counter for a search with a default of `default` visits.
    fn work(&self, default: u64) -> Work {
        Work::new(self.budget.unwrap_or(default))
    }
}

/// A simple path: `nodes[i]` and `nodes[i + 1]` are joined by `edges[i]`, which may point either
/// way in an undirected query (see [`Graph::edge_endpoints`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Path {
    /// The nodes, from the start to the end.
    pub nodes: Vec<NodeId>,
    /// The edges, one fewer than the nodes.
    pub edges: Vec<EdgeId>,
}

impl Path {
    /// Number of hops.
    pub fn len(&self) -> usize {
        self.edges.len()
    }

    /// Whether the path has no hops.
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }
}

/// Shorter first, then by node ids, then by edge ids: the order every query returns.
impl Ord for Path {
    fn cmp(&self, other: &Path) -> Ordering {
        (self.edges.len(), &self.nodes, &self.edges).cmp(&(other.edges.len(), &other.nodes, &other.edges))
    }
}

impl PartialOrd for Path {
    fn partial_cmp(&self, other: &Path) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A path query that cannot be answered as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PathError {
    /// `from` and `to` are the same node.
    #[error("from and to are the same node ({}); give two different nodes", node.0)]
    SameNode {
        /// The node.
        node: NodeId,
    },
    /// A node id is not in the graph.
    #[error("{param} names node {}, but the graph has {n_nodes} nodes", node.0)]
    NoSuchNode {
        /// Which parameter: `from` or `to`.
        param: &'static str,
        /// The id given.
        node: NodeId,
        /// Nodes in the graph.
        n_nodes: usize,
    },
    /// The hop limit is above [`MAX_HOPS`].
    #[error("max_hops is {max_hops}; at most {limit} is allowed")]
    TooManyHops {
        /// The limit asked for.
        max_hops: u32,
        /// The most allowed.
        limit: u32,
    },
    /// `k` is zero or above [`MAX_K`].
    #[error("k is {k}; it must be between 1 and {limit}")]
    BadK {
        /// The `k` asked for.
        k: usize,
        /// The most allowed.
        limit: usize,
    },
    /// A relation type id that the schema does not have.
    #[error("relation type {} is not in the schema, which has {n_relations}", relation.0)]
    UnknownRelation {
        /// The id given.
        relation: RelationTypeId,
        /// Relation types in the schema.
        n_relations: usize,
    },
    /// An entity type id that the schema does not have.
    #[error("entity type {} is not in the schema, which has {n_types}", entity.0)]
    UnknownNodeType {
        /// The id given.
        entity: EntityTypeId,
        /// Entity types in the schema.
        n_types: usize,
    },
    /// `after` is later than `before`, so no edge with a time could pass.
    #[error("the time window is empty: after ({after}) is later than before ({before})")]
    EmptyTimeWindow {
        /// Start of the window.
        after: i64,
        /// End of the window.
        before: i64,
    },
    /// The weight function gave a negative or NaN weight.
    #[error("edge {} has weight {weight}; weights must be 0 or more (infinity skips the edge)", edge.0)]
    BadWeight {
        /// The edge.
        edge: EdgeId,
        /// Its weight.
        weight: f64,
    },
    /// A search reached a state its invariants rule out: a bug, logged where it happened.
    #[error("internal error: {what}")]
    Internal {
        /// What went wrong.
        what: &'static str,
    },
    /// The query would visit too much of the graph; narrow it (fewer hops, fewer paths, filters).
    #[error("the query needs more than {budget} edge visits; lower max_hops or k, or add filters")]
    BudgetExceeded {
        /// The budget that ran out.
        budget: u64,
    },
}

/// Edge visits spent so far against a budget.
pub(crate) struct Work {
    used: u64,
    budget: u64,
}

impl Work {
    pub(crate) fn new(budget: u64) -> Work {
        Work { used: 0, budget }
    }

    #[inline]
    pub(crate) fn charge(&mut self, visits: u64) -> Result<(), PathError> {
        self.used = self.used.saturating_add(visits);
        if self.used > self.budget {
            return Err(PathError::BudgetExceeded { budget: self.budget });
        }
        Ok(())
    }
}

/// The shortest path (`k = 1`, bidirectional BFS) or the `k` shortest simple paths (Yen), sorted
/// by length then node ids. Empty when there is no path within `max_hops`;
/// [`PathError::BudgetExceeded`] when the search spent [`PathQuery::budget`] before it could tell.
pub fn shortest_paths(g: &Graph, q: &PathQuery) -> Result<Vec<Path>, PathError> {
    match shortest_paths_within_budget(g, q)? {
        (_, true) => Err(PathError::BudgetExceeded { budget: q.budget.unwrap_or(WORK_BUDGET) }),
        (paths, false) => Ok(paths),
    }
}

/// [`shortest_paths`], but a stop at the budget answers with what was found before it (for
/// `k > 1`, the first of the `k` shortest: each is final when found) and `true`.
pub fn shortest_paths_within_budget(g: &Graph, q: &PathQuery) -> Result<(Vec<Path>, bool), PathError> {
    if q.k == 0 || q.k > MAX_K {
        return Err(PathError::BadK { k: q.k, limit: MAX_K });
    }
    let filter = filter::Filter::new(g, q)?;
    scratch::with_scratch(g, |scratch| {
        if q.k == 1 {
            let mut work = q.work(u64::MAX);
            match bfs::shortest(&filter, q.from, q.max_hops, &bfs::Bans::NONE, scratch, &mut work) {
                Ok(path) => Ok((path.into_iter().collect(), false)),
                Err(PathError::BudgetExceeded { .. }) => Ok((Vec::new(), true)),
                Err(other) => Err(other),
            }
        } else {
            yen::k_shortest(&filter, q.k, q.max_hops, scratch, &mut q.work(WORK_BUDGET))
        }
    })
}

/// The path of least total weight within `max_hops` (Dijkstra over (node, hops) labels, so the
/// hop limit is exact), with its weight. `weight` must give 0 or more; `f64::INFINITY` skips the
/// edge. `k` is ignored. `None` when no path passes the filters.
pub fn weighted_shortest_path(
    g: &Graph,
    q: &PathQuery,
    weight: impl Fn(EdgeId) -> f64,
) -> Result<Option<(f64, Path)>, PathError> {
    let filter = filter::Filter::new(g, q)?;
    scratch::with_scratch(g, |scratch| {
        dijkstra::lightest(&filter, q.max_hops, &weight, &mut scratch.marks, &mut q.work(WORK_BUDGET))
    })
}

/// Every simple path from `from` to `to` of at most `max_hops` hops, sorted by length then node
/// ids, at most `cap` of them; the flag says more exist. `k` is ignored.
pub fn all_simple_paths(g: &Graph, q: &PathQuery, cap: usize) -> Result<(Vec<Path>, bool), PathError> {
    let filter = filter::Filter::new(g, q)?;
    scratch::with_scratch(g, |scratch| simple::enumerate(&filter, q.max_hops, cap, scratch, &mut q.work(WORK_BUDGET)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(nodes: &[u32], edges: &[u32]) -> Path {
        Path { nodes: nodes.iter().map(|&n| NodeId(n)).collect(), edges: edges.iter().map(|&e| EdgeId(e)).collect() }
    }

    #[test]
    fn paths_order_by_length_then_nodes_then_edges() {
        let mut paths = vec![path(&[0, 9], &[5]), path(&[0, 1, 2], &[0, 1]), path(&[0, 3], &[7]), path(&[0, 3], &[2])];
        paths.sort();
        assert_eq!(
            paths,
            vec![path(&[0, 3], &[2]), path(&[0, 3], &[7]), path(&[0, 9], &[5]), path(&[0, 1, 2], &[0, 1])]
        );
    }

    #[test]
    fn work_stops_at_its_budget() {
        let mut work = Work::new(10);
        assert!(work.charge(10).is_ok());
        assert_eq!(work.charge(1), Err(PathError::BudgetExceeded { budget: 10 }));
    }
}
