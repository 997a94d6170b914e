//! PageRank (Graphalytics PR): pull-based, a fixed number of iterations, sinks spread evenly.
//!
//! `PR_0(v) = 1/n`, and each iteration computes
//! `PR_i(v) = (1-d)/n + d·Σ_{u→v} PR_{i-1}(u)/outdeg(u) + (d/n)·Σ_{sinks w} PR_{i-1}(w)`.
//! Each vertex pulls over its in-edges, so every value is written by exactly one task and no
//! atomics are needed. Floating-point sums depend on their order, so every sum has a fixed order:
//! a vertex's pull follows its sorted in-list, and the sink total adds fixed-size chunk sums in
//! chunk order. The result is bit-for-bit the same for any thread count.

use rayon::prelude::*;
use thiserror::Error;

use super::adjacency::AdjGraph;

/// Vertices per partial sum of the sink total.
const SUM_CHUNK: usize = 4096;

/// Why [`pagerank`] could not run.
#[derive(Debug, Error, PartialEq)]
pub enum PageRankError {
    /// The damping factor is not a number in `[0, 1]`.
    #[error("damping factor {damping} is not in [0, 1]")]
    InvalidDamping {
        /// The requested damping factor.
        damping: f64,
    },
}

/// The PageRank of every vertex after `iterations` iterations with damping factor `damping`.
pub fn pagerank(graph: &AdjGraph, iterations: u32, damping: f64) -> Result<Vec<f64>, PageRankError> {
    if !(0.0..=1.0).contains(&damping) {
        return Err(PageRankError::InvalidDamping { damping });
    }
    let n_vertices = graph.n_vertices() as usize;
    if n_vertices == 0 {
        return Ok(Vec::new());
    }
    let n = n_vertices as f64;
    let mut ranks = vec![1.0 / n; n_vertices];
    // `shares[u]` is what u passes along each out-edge; sinks pass nothing along edges.
    let mut shares = vec![0.0; n_vertices];
    for _ in 0..iterations {
        shares.par_iter_mut().with_min_len(1024).enumerate().for_each(|(vertex, share)| {
            let out_degree = graph.out_degree(vertex as u32);
            *share = if out_degree == 0 { 0.0 } else { ranks[vertex] / out_degree as f64 };
        });
        let sink_total =
            ordered_sum(&ranks, |vertex, rank| if graph.out_degree(vertex as u32) == 0 { rank } else { 0.0 });
        let base = (1.0 - damping) / n + damping / n * sink_total;
        let in_csr = graph.in_csr();
        ranks.par_iter_mut().with_min_len(1024).enumerate().for_each(|(vertex, rank)| {
            let pulled: f64 = in_csr.neighbours(vertex as u32).iter().map(|&source| shares[source as usize]).sum();
            *rank = base + damping * pulled;
        });
    }
    Ok(ranks)
}

/// `Σ term(i, values[i])`, added within fixed chunks in parallel and then over the chunks in
/// order, so the rounding does not depend on how rayon splits the work.
fn ordered_sum(values: &[f64], term: impl Fn(usize, f64) -> f64 + Sync) -> f64 {
    let partials: Vec<f64> = values
        .par_chunks(SUM_CHUNK)
        .enumerate()
        .map(|(chunk_index, chunk)| {
            let first = chunk_index * SUM_CHUNK;
            chunk.iter().enumerate().map(|(offset, &value)| term(first + offset, value)).sum()
        })
        .collect();
    partials.iter().sum()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::algo::test_support::{graph_strategy, in_pool, large_graph_strategy};

    /// The formula evaluated literally, push-style and sequentially, as the oracle.
    fn oracle(graph: &AdjGraph, iterations: u32, damping: f64) -> Vec<f64> {
        let n = graph.n_vertices() as usize;
        let mut ranks = vec![1.0 / n as f64; n];
        for _ in 0..iterations {
            let sinks: f64 = (0..n).filter(|&v| graph.out_degree(v as u32) == 0).map(|v| ranks[v]).sum();
            let mut next = vec![(1.0 - damping) / n as f64 + damping / n as f64 * sinks; n];
            for u in 0..n as u32 {
                for &v in graph.out_neighbours(u) {
                    next[v as usize] += damping * ranks[u as usize] / graph.out_degree(u) as f64;
                }
            }
            ranks = next;
        }
        ranks
    }

    #[test]
    fn ranks_sum_to_one_with_sinks_spread() -> Result<(), PageRankError> {
        // Vertex 2 is a sink; its rank must flow back to everyone.
        let graph = AdjGraph::from_edges(3, &[(0, 1), (1, 2), (0, 2)], None, true);
        let ranks = pagerank(&graph, 20, 0.85)?;
        assert!((ranks.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(ranks[2] > ranks[1] && ranks[1] > ranks[0]);
        Ok(())
    }

    #[test]
    fn a_damping_outside_zero_to_one_is_an_error() {
        let graph = AdjGraph::from_edges(1, &[], None, true);
        assert_eq!(pagerank(&graph, 1, 1.5), Err(PageRankError::InvalidDamping { damping: 1.5 }));
        assert!(pagerank(&graph, 1, f64::NAN).is_err());
    }

    proptest! {
        #[test]
        fn ranks_match_the_formula((n, edges, directed) in graph_strategy(), iterations in 0u32..8) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            let ranks = pagerank(&graph, iterations, 0.85).unwrap();
            for (got, want) in ranks.iter().zip(oracle(&graph, iterations, 0.85)) {
                prop_assert!((got - want).abs() <= 1e-12 * want.abs().max(1e-300), "{} vs {}", got, want);
            }
        }
    }

    proptest! {
        // Large graphs are slower to build; a few cases still cover the parallel paths.
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn ranks_do_not_depend_on_thread_count((n, edges, directed) in large_graph_strategy()) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            let one = in_pool(1, || pagerank(&graph, 10, 0.85)).unwrap();
            let two = in_pool(2, || pagerank(&graph, 10, 0.85)).unwrap();
            prop_assert_eq!(one, two);
        }
    }
}
