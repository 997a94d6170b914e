//! Modularity with a resolution parameter, computed from scratch.
//!
//! `Q = Σ_c [ L_c / m − γ (K_c / 2m)² ]`, where `m` is the total edge weight, `L_c` the weight of
//! the edges inside community `c` and `K_c` the sum of its members' strengths (Newman and Girvan
//! 2004; the resolution `γ` of Reichardt and Bornholdt 2006). Self-loops count once in `L_c` and
//! twice in a strength, and a directed graph is read as undirected, as in [`super::level`]; with
//! `γ = 1` this is igraph's `modularity()` and networkx's `modularity()` on the same graph.

use rustc_hash::FxHashMap;

use super::level::{deterministic_sum, InputView, LevelGraph, Strengths, SUM_CHUNK};
use super::{check_input, CommunityError};
use crate::algo::AdjGraph;
use rayon::prelude::*;

/// The modularity of `membership` (one community label per vertex, any `u32` values) on `graph`
/// at resolution `resolution`. A graph without edges has modularity 0.
///
/// The sums are taken in fixed chunks, so the value is the same, bit for bit, for any number of
/// threads.
pub fn modularity(graph: &AdjGraph, membership: &[u32], resolution: f64) -> Result<f64, CommunityError> {
    check_input(graph, resolution)?;
    if membership.len() != graph.n_vertices() as usize {
        return Err(CommunityError::MembershipLength {
            n_labels: membership.len(),
            n_vertices: graph.n_vertices() as usize,
        });
    }
    let view = InputView::new(graph);
    let strengths = Strengths::of_graph(&view);
    Ok(modularity_of(&view, &strengths, membership, resolution))
}

/// Modularity on a level graph with known strengths.
pub(crate) fn modularity_of(
    graph: &impl LevelGraph,
    strengths: &Strengths,
    membership: &[u32],
    resolution: f64,
) -> f64 {
    let total = strengths.total;
    if total <= 0.0 {
        return 0.0;
    }
    // Twice the weight inside communities: every inner edge is seen from both ends.
    let inner: Vec<f64> = membership
        .par_chunks(SUM_CHUNK)
        .enumerate()
        .map(|(chunk, labels)| {
            let first = (chunk * SUM_CHUNK) as u32;
            let mut sum = 0.0;
            for (offset, &label) in labels.iter().enumerate() {
                let vertex = first + offset as u32;
                sum += 2.0 * graph.loop_weight(vertex);
                graph.for_each_neighbour(vertex, |neighbour, weight| {
                    if membership[neighbour as usize] == label {
                        sum += weight;
                    }
                });
            }
            sum
        })
        .collect();
    let inner: f64 = inner.iter().sum();
    let squares = sum_of_squared_totals(&strengths.of, membership);
    inner / total - resolution * squares / (total * total)
}

/// `Σ_c K_c²`, with communities in order of first appearance so the rounding is fixed.
fn sum_of_squared_totals(strengths: &[f64], membership: &[u32]) -> f64 {
    let n = membership.len();
    let max = membership.iter().copied().max().unwrap_or(0) as usize;
    let mut totals: Vec<f64> = Vec::new();
    if max < 2 * n + 16 {
        let mut slot = vec![u32::MAX; max + 1];
        for (vertex, &label) in membership.iter().enumerate() {
            let at = &mut slot[label as usize];
            if *at == u32::MAX {
                *at = totals.len() as u32;
                totals.push(0.0);
            }
            totals[*at as usize] += strengths[vertex];
        }
    } else {
        let mut slot: FxHashMap<u32, usize> = FxHashMap::default();
        for (vertex, &label) in membership.iter().enumerate() {
            let at = *slot.entry(label).or_insert_with(|| {
                totals.push(0.0);
                totals.len() - 1
            });
            totals[at] += strengths[vertex];
        }
    }
    let squares: Vec<f64> = totals.iter().map(|total| total * total).collect();
    deterministic_sum(&squares)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Modularity straight from its definition with the adjacency matrix, as the oracle:
    /// `Q = 1/2m Σ_ij [A_ij − γ k_i k_j / 2m] δ(c_i, c_j)`, with `A_ii` twice the self-loops.
    fn oracle(n: usize, edges: &[(u32, u32, f64)], membership: &[u32], resolution: f64) -> f64 {
        let mut matrix = vec![vec![0.0; n]; n];
        for &(a, b, weight) in edges {
            matrix[a as usize][b as usize] += weight;
            matrix[b as usize][a as usize] += weight;
        }
        let strength: Vec<f64> = matrix.iter().map(|row| row.iter().sum()).collect();
        let total: f64 = strength.iter().sum();
        if total == 0.0 {
            return 0.0;
        }
        let mut q = 0.0;
        for i in 0..n {
            for j in 0..n {
                if membership[i] == membership[j] {
                    q += matrix[i][j] - resolution * strength[i] * strength[j] / total;
                }
            }
        }
        q / total
    }

    #[test]
    fn known_values() {
        // Two triangles joined by one edge, split into the triangles: Q = 2 (3/7 − (7/14)²) = 5/14.
        let edges = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)];
        let graph = AdjGraph::from_edges(6, &edges, None, false);
        let q = modularity(&graph, &[0, 0, 0, 1, 1, 1], 1.0).unwrap();
        assert!((q - 5.0 / 14.0).abs() < 1e-12, "{q}");
        // Everyone together: 1 − γ.
        assert!((modularity(&graph, &[9; 6], 0.5).unwrap() - 0.5).abs() < 1e-12);
        // Labels need not be dense.
        let q_sparse = modularity(&graph, &[u32::MAX - 1, u32::MAX - 1, u32::MAX - 1, 4, 4, 4], 1.0).unwrap();
        assert_eq!(q, q_sparse);
    }

    #[test]
    fn bad_input_is_refused() {
        let graph = AdjGraph::from_edges(2, &[(0, 1)], None, false);
        assert!(matches!(modularity(&graph, &[0], 1.0), Err(CommunityError::MembershipLength { .. })));
        assert!(matches!(modularity(&graph, &[0, 0], -1.0), Err(CommunityError::Resolution { .. })));
        let negative = AdjGraph::from_edges(2, &[(0, 1)], Some(&[-1.0]), false);
        assert!(matches!(modularity(&negative, &[0, 0], 1.0), Err(CommunityError::Weight { .. })));
    }

    proptest::proptest! {
        #[test]
        fn modularity_equals_the_matrix_definition(
            (n, edges, directed) in crate::algo::test_support::graph_strategy(),
            n_labels in 1u32..6,
            resolution in 0.1f64..3.0,
        ) {
            let n_small = n.min(60);
            let edges: Vec<(u32, u32)> = edges.into_iter().filter(|&(a, b)| a < n_small && b < n_small).collect();
            let weights: Vec<f64> = (0..edges.len()).map(|i| 0.5 + (i % 5) as f64).collect();
            let membership: Vec<u32> = (0..n_small).map(|v| v * 7 % n_labels).collect();
            let graph = AdjGraph::from_edges(n_small, &edges, Some(&weights), directed);
            let weighted: Vec<(u32, u32, f64)> = edges.iter().zip(&weights).map(|(&(a, b), &w)| (a, b, w)).collect();
            let expected = oracle(n_small as usize, &weighted, &membership, resolution);
            let q = modularity(&graph, &membership, resolution).unwrap();
            proptest::prop_assert!((q - expected).abs() < 1e-9, "{} vs {}", q, expected);
        }
    }
}
