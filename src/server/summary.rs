//! What a high-degree node links to, counted once per snapshot and kept: the neighbourhood
//! endpoint summarises every capped node (how many neighbours of each type and edges of each
//! relation the answer leaves out), and a hospital or a big employer with tens of thousands of
//! edges would otherwise be scanned, deduplicated and sorted again on every request that reaches it.
//!
//! An entry holds the node's edges as `(neighbour, relation)` sorted by neighbour, plus totals.
//! The neighbourhood then needs only one binary search per node of its answer to tell what it
//! shows from what it leaves out. Only unfiltered summaries are cached (a request with type,
//! relation or time filters counts directly), per view kind: a viewer's entry leaves minors out
//! and is tied to the minors set it was made with. The cache is bounded by the edges it holds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;

use super::state::Minors;
use super::view::View;
use crate::graph::NodeId;

/// Nodes with at least this degree are cached; below it a direct count is cheap enough.
pub const CACHE_MIN_DEGREE: usize = 256;

/// Edges all entries together may hold (8 bytes each: at most 64 MB); beyond, summaries are
/// counted directly.
pub const CACHE_MAX_EDGES: usize = 8_000_000;

/// One node's unfiltered adjacency, as one kind of caller sees it.
#[derive(Debug)]
pub struct Adjacency {
    /// `(neighbour, relation)` of every edge, sorted.
    pub edges: Vec<(u32, u16)>,
    /// Distinct neighbours per entity type.
    pub distinct_by_type: Vec<u64>,
    /// Distinct neighbours.
    pub distinct: u64,
    /// Edges per relation type.
    pub edges_by_relation: Vec<u64>,
    /// For a viewer's entry: the minors it leaves out.
    minors: Option<Arc<Minors>>,
}

impl Adjacency {
    /// Counts `node`'s edges as `view` sees them.
    fn count(view: &View<'_>, node: NodeId) -> Adjacency {
        let g = view.graph();
        let schema = g.schema();
        let mut edges: Vec<(u32, u16)> = g
            .out_edges(node)
            .chain(g.in_edges(node))
            .filter(|adj| !view.hidden(adj.other))
            .map(|adj| (adj.other.0, adj.relation.0))
            .collect();
        edges.sort_unstable();
        let mut distinct_by_type = vec![0u64; schema.entities.len()];
        let mut edges_by_relation = vec![0u64; schema.relations.len()];
        let mut distinct = 0;
        let mut last = None;
        for &(other, rel) in &edges {
            edges_by_relation[rel as usize] += 1;
            if last != Some(other) {
                last = Some(other);
                distinct += 1;
                distinct_by_type[g.node_type(NodeId(other)).0 as usize] += 1;
            }
        }
        let minors = view.masked.then(|| view.minors().clone());
        Adjacency { edges, distinct_by_type, distinct, edges_by_relation, minors }
    }

    /// The edges to `other`, as a slice of `(other, relation)`.
    pub fn edges_to(&self, other: NodeId) -> &[(u32, u16)] {
        let start = self.edges.partition_point(|e| e.0 < other.0);
        let end = start + self.edges[start..].partition_point(|e| e.0 == other.0);
        &self.edges[start..end]
    }

    fn fits(&self, view: &View<'_>) -> bool {
        match (&self.minors, view.masked) {
            (None, false) => true,
            (Some(m), true) => Arc::ptr_eq(m, view.minors()),
            _ => false,
        }
    }
}

/// Cached adjacencies of one snapshot.
#[derive(Debug, Default)]
pub struct SummaryCache {
    entries: RwLock<FxHashMap<(u32, bool), Arc<Adjacency>>>,
    held: AtomicUsize,
}

impl SummaryCache {
    /// The adjacency of `node` for `view`, counted now or earlier; `None` when the node is below
    /// [`CACHE_MIN_DEGREE`] or the cache is full (the caller counts directly).
    pub fn get(&self, view: &View<'_>, node: NodeId) -> Option<Arc<Adjacency>> {
        let degree = view.graph().degree(node);
        if degree < CACHE_MIN_DEGREE {
            return None;
        }
        let key = (node.0, view.masked);
        {
            // A poisoned lock means a panic elsewhere mid-insert; every stored entry is complete.
            let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
            if let Some(found) = entries.get(&key) {
                if found.fits(view) {
                    return Some(found.clone());
                }
            }
        }
        if self.held.load(Ordering::Relaxed) + degree > CACHE_MAX_EDGES {
            return None;
        }
        let counted = Arc::new(Adjacency::count(view, node));
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = entries.insert(key, counted.clone()) {
            self.held.fetch_sub(old.edges.len(), Ordering::Relaxed);
        }
        self.held.fetch_add(counted.edges.len(), Ordering::Relaxed);
        Some(counted)
    }

    /// Edges held by all entries.
    pub fn held_edges(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}
