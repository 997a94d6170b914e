//! Community detection by label propagation (Graphalytics CDLP), synchronous and deterministic.
//!
//! Every vertex starts with its own id as label. Each iteration, every vertex takes the most
//! frequent label among its neighbours in the previous iteration, the smallest label on a tie, and
//! keeps its label if it has no neighbours. A directed graph counts in- and out-neighbours, so a
//! neighbour joined both ways counts twice. The run has a fixed number of iterations.
//!
//! Labels are dense vertex ids, so "smallest label" means smallest dense id. The Graphalytics
//! reader numbers vertices in ascending order of their external ids, which makes this the same tie
//! rule as the spec's. Each vertex's new label depends only on the previous labels, so vertices are
//! computed in parallel with no effect on the result.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::adjacency::AdjGraph;

/// Above this many neighbour labels, count them in a hash map instead of sorting a copy: sorting
/// is faster for the short lists most vertices have, hashing is linear for hubs.
const HASH_COUNT_FROM: usize = 4096;

/// The label of every vertex after `iterations` rounds of synchronous label propagation.
pub fn label_propagation(graph: &AdjGraph, iterations: u32) -> Vec<u32> {
    let n_vertices = graph.n_vertices();
    let mut labels: Vec<u32> = (0..n_vertices).collect();
    let mut next = Vec::with_capacity(n_vertices as usize);
    for _ in 0..iterations {
        (0..n_vertices)
            .into_par_iter()
            .with_min_len(256)
            .map_init(Vec::new, |buffer, vertex| most_frequent_label(graph, &labels, vertex, buffer))
            .collect_into_vec(&mut next);
        std::mem::swap(&mut labels, &mut next);
    }
    labels
}

/// The most frequent label among `vertex`'s neighbours (smallest on a tie), or its own label if
/// it has none. `buffer` is scratch space reused across vertices.
fn most_frequent_label(graph: &AdjGraph, labels: &[u32], vertex: u32, buffer: &mut Vec<u32>) -> u32 {
    let out = graph.out_neighbours(vertex);
    // An undirected graph stores each edge in both lists; counting both would double every count
    // alike and not change the winner, so one list is enough.
    let inn = if graph.is_directed() { graph.in_neighbours(vertex) } else { &[] };
    let n_labels = out.len() + inn.len();
    if n_labels == 0 {
        return labels[vertex as usize];
    }
    let neighbour_labels = out.iter().chain(inn).map(|&neighbour| labels[neighbour as usize]);
    if n_labels >= HASH_COUNT_FROM {
        let mut counts: FxHashMap<u32, u32> = FxHashMap::default();
        for label in neighbour_labels {
            *counts.entry(label).or_insert(0) += 1;
        }
        let (label, _) = counts
            .into_iter()
            .max_by(|(label_a, count_a), (label_b, count_b)| count_a.cmp(count_b).then(label_b.cmp(label_a)))
            .expect("a vertex with neighbours has a label count");
        return label;
    }
    buffer.clear();
    buffer.extend(neighbour_labels);
    buffer.sort_unstable();
    // Runs come in ascending label order, so only a strictly longer run replaces the best.
    let mut best_label = buffer[0];
    let mut best_count = 0;
    for run in buffer.chunk_by(|a, b| a == b) {
        if run.len() > best_count {
            best_count = run.len();
            best_label = run[0];
        }
    }
    best_label
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::algo::test_support::{graph_strategy, in_pool, large_graph_strategy};

    /// A direct transcription of the spec, counting labels in a `BTreeMap`, as the oracle.
    fn oracle(graph: &AdjGraph, iterations: u32) -> Vec<u32> {
        let mut labels: Vec<u32> = (0..graph.n_vertices()).collect();
        for _ in 0..iterations {
            labels = (0..graph.n_vertices())
                .map(|vertex| {
                    let mut counts = std::collections::BTreeMap::new();
                    let inn = if graph.is_directed() { graph.in_neighbours(vertex) } else { &[] };
                    for &neighbour in graph.out_neighbours(vertex).iter().chain(inn) {
                        *counts.entry(labels[neighbour as usize]).or_insert(0) += 1;
                    }
                    let best = counts.values().copied().max().unwrap_or(0);
                    counts
                        .into_iter()
                        .find(|&(_, count)| count == best)
                        .map_or(labels[vertex as usize], |(label, _)| label)
                })
                .collect();
        }
        labels
    }

    #[test]
    fn a_neighbour_joined_both_ways_counts_twice() {
        // Vertex 0 hears label 1 twice (1→0 and 0→1) and label 2 once: 1 wins.
        let graph = AdjGraph::from_edges(3, &[(0, 1), (1, 0), (2, 0)], None, true);
        assert_eq!(label_propagation(&graph, 1)[0], 1);
    }

    #[test]
    fn ties_go_to_the_smallest_label_and_isolated_vertices_keep_theirs() {
        let graph = AdjGraph::from_edges(4, &[(0, 2), (1, 2)], None, false);
        assert_eq!(label_propagation(&graph, 1), vec![2, 2, 0, 3]);
    }

    #[test]
    fn hubs_use_the_hash_count_and_agree_with_the_oracle() {
        let n = 3 * HASH_COUNT_FROM as u32;
        let edges: Vec<(u32, u32)> = (1..n).map(|v| (v, v % 3 + n - 3)).collect();
        let graph = AdjGraph::from_edges(n, &edges, None, true);
        assert_eq!(label_propagation(&graph, 3), oracle(&graph, 3));
    }

    proptest! {
        #[test]
        fn labels_equal_the_spec_transcription((n, edges, directed) in graph_strategy(), iterations in 0u32..6) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            prop_assert_eq!(label_propagation(&graph, iterations), oracle(&graph, iterations));
        }
    }

    proptest! {
        // Large graphs are slower to build; a few cases still cover the parallel paths.
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn labels_do_not_depend_on_thread_count((n, edges, directed) in large_graph_strategy()) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            let one = in_pool(1, || label_propagation(&graph, 4));
            let two = in_pool(2, || label_propagation(&graph, 4));
            prop_assert_eq!(one, two);
        }
    }
}
