//! Single-source shortest path lengths (Graphalytics SSSP): Dijkstra with a binary heap.
//!
//! Weights must be finite and non-negative (zero allowed), as the spec guarantees of its inputs;
//! they are checked up front because Dijkstra silently returns wrong lengths otherwise.
//! Non-negative floats order the same as their bit patterns read as `u64`, so the heap orders
//! plain integer keys. The search is sequential, so the result is trivially the same for any
//! thread count.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use thiserror::Error;

use super::adjacency::AdjGraph;

/// Why [`shortest_path_lengths`] could not run.
#[derive(Debug, Error, PartialEq)]
pub enum SsspError {
    /// The source is not a vertex of the graph.
    #[error("source vertex {vertex} is not in 0..{n_vertices}")]
    SourceOutOfRange {
        /// The requested source.
        vertex: u32,
        /// The graph's vertex count.
        n_vertices: u32,
    },
    /// The graph has no edge weights.
    #[error("shortest paths need edge weights, and the graph has none")]
    Unweighted,
    /// An edge weight is negative, infinite or NaN.
    #[error("edge {src}→{dst} has weight {weight}; weights must be finite and non-negative")]
    InvalidWeight {
        /// The edge's source.
        src: u32,
        /// The edge's target.
        dst: u32,
        /// The offending weight.
        weight: f64,
    },
}

/// The length of the lightest path from `source` to every vertex, following edge direction in a
/// directed graph; `f64::INFINITY` where there is none.
pub fn shortest_path_lengths(graph: &AdjGraph, source: u32) -> Result<Vec<f64>, SsspError> {
    let n_vertices = graph.n_vertices();
    if source >= n_vertices {
        return Err(SsspError::SourceOutOfRange { vertex: source, n_vertices });
    }
    let out = graph.out_csr();
    let weights = out.weights().ok_or(SsspError::Unweighted)?;
    if let Some(index) = weights.iter().position(|weight| !(weight.is_finite() && *weight >= 0.0)) {
        let src = out.offsets().partition_point(|&offset| offset <= index as u64) as u32 - 1;
        let dst = out.targets()[index];
        return Err(SsspError::InvalidWeight { src, dst, weight: weights[index] });
    }

    let mut lengths = vec![f64::INFINITY; n_vertices as usize];
    lengths[source as usize] = 0.0;
    let mut heap = BinaryHeap::new();
    heap.push(Reverse((0.0f64.to_bits(), source)));
    while let Some(Reverse((key, vertex))) = heap.pop() {
        // A stale entry: the vertex was settled with a shorter length since it was pushed.
        if key > lengths[vertex as usize].to_bits() {
            continue;
        }
        let length = f64::from_bits(key);
        let range = out.range(vertex);
        for (&neighbour, &weight) in out.targets()[range.clone()].iter().zip(&weights[range]) {
            // `+ 0.0` turns a `-0.0` weight's sum into `+0.0`, whose bits sort correctly.
            let candidate = length + weight + 0.0;
            if candidate < lengths[neighbour as usize] {
                lengths[neighbour as usize] = candidate;
                heap.push(Reverse((candidate.to_bits(), neighbour)));
            }
        }
    }
    Ok(lengths)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::algo::test_support::graph_strategy;

    /// Bellman-Ford, as the oracle.
    fn oracle(graph: &AdjGraph, source: u32) -> Vec<f64> {
        let n = graph.n_vertices();
        let mut lengths = vec![f64::INFINITY; n as usize];
        lengths[source as usize] = 0.0;
        for _ in 0..n {
            for u in 0..n {
                let weights = graph.out_weights(u).unwrap();
                for (&v, &w) in graph.out_neighbours(u).iter().zip(weights) {
                    if lengths[u as usize] + w < lengths[v as usize] {
                        lengths[v as usize] = lengths[u as usize] + w;
                    }
                }
            }
        }
        lengths
    }

    #[test]
    fn lengths_follow_direction_and_unreachable_is_infinite() -> Result<(), SsspError> {
        let edges = [(0, 1), (1, 2), (0, 2), (3, 0)];
        let graph = AdjGraph::from_edges(4, &edges, Some(&[1.0, 0.0, 2.5, 1.0]), true);
        assert_eq!(shortest_path_lengths(&graph, 0)?, vec![0.0, 1.0, 1.0, f64::INFINITY]);
        Ok(())
    }

    #[test]
    fn bad_input_is_refused_with_a_named_error() {
        let unweighted = AdjGraph::from_edges(2, &[(0, 1)], None, true);
        assert_eq!(shortest_path_lengths(&unweighted, 0), Err(SsspError::Unweighted));
        assert_eq!(
            shortest_path_lengths(&unweighted, 5),
            Err(SsspError::SourceOutOfRange { vertex: 5, n_vertices: 2 })
        );
        let negative = AdjGraph::from_edges(3, &[(0, 1), (2, 1)], Some(&[1.0, -2.0]), true);
        assert_eq!(shortest_path_lengths(&negative, 0), Err(SsspError::InvalidWeight { src: 2, dst: 1, weight: -2.0 }));
    }

    proptest! {
        #[test]
        fn lengths_equal_bellman_ford(
            (n, edges, directed) in graph_strategy(),
            seed in any::<u64>(),
            pick in 0u32..300,
        ) {
            // Weights from a few values, zero included, so that ties and zero-length edges occur.
            let weights: Vec<f64> = (0..edges.len() as u64)
                .map(|i| [0.0, 0.5, 1.0, 2.25, 7.0][((seed ^ i).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 61) as usize % 5])
                .collect();
            let graph = AdjGraph::from_edges(n, &edges, Some(&weights), directed);
            let source = pick % n;
            prop_assert_eq!(shortest_path_lengths(&graph, source).unwrap(), oracle(&graph, source));
        }
    }
}
