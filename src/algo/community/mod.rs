//! Community detection by modularity: Louvain and Leiden, modularity itself, and NMI to compare
//! partitions.
//!
//! [`louvain`] (Blondel et al. 2008) and [`leiden`] (Traag, Waltman and van Eck 2019) both repeat
//! local moving ([`moving`]) and aggregation ([`level`]) until nothing moves; Leiden refines each
//! community into well-connected subcommunities before aggregating ([`refine`]), so its
//! communities are always connected. Both are weighted, take a resolution `γ`, and keep their
//! levels. A directed graph is read as undirected (see [`level`]).
//!
//! Same seed, same partition, whatever the number of threads: the order vertices are visited in
//! comes from a seeded permutation, parallel steps compute proposals that are applied in a fixed
//! order, and every float sum runs in a fixed order.

mod leiden;
mod level;
mod louvain;
mod modularity;
mod moving;
mod nmi;
mod refine;
mod rng;

pub use leiden::{leiden, leiden_with_progress, LeidenOptions};
pub use louvain::{louvain, louvain_with_progress, LouvainOptions};
pub use modularity::modularity;
pub use nmi::{nmi, NmiLengthMismatch};

use crate::algo::AdjGraph;

/// Why a community function refused its input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CommunityError {
    /// The resolution is not a positive finite number.
    #[error("resolution {resolution} is not valid: use a positive number (1 is classic modularity; higher finds smaller communities)")]
    Resolution {
        /// The value given.
        resolution: f64,
    },
    /// An edge weight is negative or not a number; modularity needs weights ≥ 0.
    #[error("edge {vertex} → {neighbour} has weight {weight}; modularity needs finite weights ≥ 0")]
    Weight {
        /// The edge's source.
        vertex: u32,
        /// The edge's target.
        neighbour: u32,
        /// The weight.
        weight: f64,
    },
    /// A membership vector of the wrong length.
    #[error("{n_labels} labels given for a graph of {n_vertices} vertices")]
    MembershipLength {
        /// Labels given.
        n_labels: usize,
        /// Vertices in the graph.
        n_vertices: usize,
    },
}

/// Checks the resolution and that every weight is finite and non-negative.
pub(crate) fn check_input(graph: &AdjGraph, resolution: f64) -> Result<(), CommunityError> {
    if !(resolution.is_finite() && resolution > 0.0) {
        return Err(CommunityError::Resolution { resolution });
    }
    let csr = graph.out_csr();
    if let Some(weights) = csr.weights() {
        if let Some(at) = weights.iter().position(|weight| !(weight.is_finite() && *weight >= 0.0)) {
            let vertex = csr.offsets().partition_point(|&offset| offset <= at as u64) - 1;
            return Err(CommunityError::Weight {
                vertex: vertex as u32,
                neighbour: csr.targets()[at],
                weight: weights[at],
            });
        }
    }
    Ok(())
}

/// A partition found by [`louvain`] or [`leiden`].
#[derive(Debug, Clone, PartialEq)]
pub struct Communities {
    /// The community of every vertex. Ids are dense from 0 in decreasing order of size, ties
    /// broken by the smallest vertex id, so they are stable for a seed.
    pub membership: Vec<u32>,
    /// The number of communities.
    pub n_communities: u32,
    /// The partition after each level, finest first, numbered like `membership`. Louvain's
    /// levels are nested and its last is `membership`. Leiden's are the levels of its first
    /// iteration; later iterations start from the last and improve it into `membership`.
    pub levels: Vec<Vec<u32>>,
    /// The modularity of `membership` at the resolution used, computed from scratch.
    pub modularity: f64,
    /// What the run did.
    pub stats: CommunityStats,
}

/// Counters of one run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommunityStats {
    /// Levels (aggregation rounds) run, over all iterations.
    pub levels: u32,
    /// Leiden iterations run (1 for Louvain).
    pub iterations: u32,
    /// Vertex moves applied during local moving.
    pub moves: u64,
    /// Vertices looked at during local moving.
    pub visits: u64,
    /// The modularity obtained by adding up the gain of every move to that of the singletons:
    /// equals `modularity` up to rounding, a check on the incremental bookkeeping. Leiden's
    /// connectivity guard, if it ever splits a community, adds to `modularity` and not to this.
    pub tracked_modularity: f64,
    /// Communities Leiden's final guard found disconnected and split (expected 0).
    pub split_communities: u32,
    /// Whether a safety cap on visits stopped some local moving early (expected false).
    pub capped: bool,
    /// Peak memory the run allocated beyond its input, estimated from its buffers' sizes.
    pub peak_extra_bytes: u64,
}

/// Where a long run is, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Leiden iteration, from 0 (always 0 for Louvain).
    pub iteration: u32,
    /// Level within the iteration, from 0 (the input graph).
    pub level: u32,
    /// Vertices at this level.
    pub n_vertices: u32,
    /// What is running.
    pub phase: Phase,
    /// Vertices visited so far in this level's local moving.
    pub visits: u64,
}

/// A phase of a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Local moving.
    Moving,
    /// Leiden's refinement.
    Refining,
    /// Building the next level's graph.
    Aggregating,
}

/// Per-vertex bytes a level's bookkeeping allocates, for the memory estimate: partition
/// (community, total, size), three bitsets of flags (active, in batch, moved; a byte covers them
/// and the input's self-loop bits), strengths, visiting order, the dense assignment and the
/// refinement's or aggregation's own array. Scratch slots are counted per thread apart.
const BYTES_PER_LEVEL_VERTEX: u64 = (4 + 8 + 4) + 1 + 8 + 4 + 4 + 4;

/// Bytes estimated for a level of `n_vertices` with `graph_bytes` of aggregate graph, on top of
/// `per_input_vertex` bytes for each of the `n_input` input vertices.
fn level_bytes(n_vertices: u32, graph_bytes: usize, n_input: u32, per_input_vertex: u64) -> u64 {
    let threads = rayon::current_num_threads() as u64;
    u64::from(n_vertices) * (BYTES_PER_LEVEL_VERTEX + 4 * threads)
        + graph_bytes as u64
        + u64::from(n_input) * per_input_vertex
}

/// Renumbers community labels (any `u32`s; memory grows with the largest) densely from 0 by
/// decreasing community size, ties to the community with the smaller first vertex; returns the
/// number of communities. This is the numbering of [`Communities`], for other algorithms' labels
/// (WCC, CDLP).
pub fn relabel_by_size(labels: &mut [u32]) -> u32 {
    let n_labels = level::renumber_dense(labels) as usize;
    let mut sizes = vec![0u32; n_labels];
    for &label in labels.iter() {
        sizes[label as usize] += 1;
    }
    // After renumber_dense, label order is first-vertex order.
    let mut by_size: Vec<u32> = (0..n_labels as u32).collect();
    by_size.sort_by(|&a, &b| sizes[b as usize].cmp(&sizes[a as usize]).then(a.cmp(&b)));
    let mut rank = vec![0u32; n_labels];
    for (position, &label) in by_size.iter().enumerate() {
        rank[label as usize] = position as u32;
    }
    for label in labels.iter_mut() {
        *label = rank[*label as usize];
    }
    n_labels as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn communities_are_numbered_largest_first() {
        let mut labels = vec![5, 1, 1, 9, 9, 9, 5];
        assert_eq!(relabel_by_size(&mut labels), 3);
        assert_eq!(labels, vec![1, 2, 2, 0, 0, 0, 1]);
    }

    #[test]
    fn bad_weights_and_resolutions_are_named() {
        let graph = AdjGraph::from_edges(3, &[(0, 1), (1, 2)], Some(&[1.0, f64::NAN]), false);
        assert!(matches!(check_input(&graph, 1.0), Err(CommunityError::Weight { .. })));
        let fine = AdjGraph::from_edges(2, &[(0, 1)], None, false);
        assert!(check_input(&fine, 1.0).is_ok());
        for resolution in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            assert!(matches!(check_input(&fine, resolution), Err(CommunityError::Resolution { .. })));
        }
    }
}
