//! Local clustering coefficient (Graphalytics LCC).
//!
//! `N(v)` is the set of `v`'s neighbours, direction ignored and each counted once, `v` itself
//! excluded. `LCC(v) = 0` when `|N(v)| <= 1`, otherwise
//! `Σ_{u∈N(v)} |N(v) ∩ N_out(u)| / (|N(v)|·(|N(v)|-1))`: edges between neighbours are counted with
//! direction (u→w and w→u are two), over the ordered pairs of neighbours. In an undirected graph
//! every edge goes both ways, which makes this the usual `2·triangles / (d·(d-1))`.
//!
//! The neighbour set is kept sorted, so each `N(v) ∩ N_out(u)` is a merge of two sorted lists, or
//! binary searches of the shorter in the longer when one dwarfs the other, which keeps hubs from
//! costing `deg(v)` per neighbour. Duplicate edges and self-loops, which the spec forbids but an
//! [`AdjGraph`] may hold, are ignored, so the result is always the coefficient of the simple graph.

use rayon::prelude::*;

use super::adjacency::AdjGraph;

/// When one sorted list is this many times longer than the other, binary-search it instead of
/// merging.
const GALLOP_RATIO: usize = 16;

/// The local clustering coefficient of every vertex.
pub fn local_clustering_coefficients(graph: &AdjGraph) -> Vec<f64> {
    (0..graph.n_vertices())
        .into_par_iter()
        .with_min_len(256)
        .map_init(Vec::new, |neighbours, vertex| coefficient(graph, vertex, neighbours))
        .collect()
}

/// The coefficient of one vertex; `neighbours` is scratch space reused across vertices.
fn coefficient(graph: &AdjGraph, vertex: u32, neighbours: &mut Vec<u32>) -> f64 {
    neighbours.clear();
    if graph.is_directed() {
        merge_distinct(graph.out_neighbours(vertex), graph.in_neighbours(vertex), neighbours);
    } else {
        neighbours.extend_from_slice(graph.out_neighbours(vertex));
        neighbours.dedup();
    }
    neighbours.retain(|&neighbour| neighbour != vertex);
    let degree = neighbours.len();
    if degree <= 1 {
        return 0.0;
    }
    let links: u64 =
        neighbours.iter().map(|&neighbour| count_common(neighbours, graph.out_neighbours(neighbour), neighbour)).sum();
    links as f64 / (degree as f64 * (degree - 1) as f64)
}

/// Appends the sorted union of two sorted lists to `merged`, each value once.
fn merge_distinct(a: &[u32], b: &[u32], merged: &mut Vec<u32>) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => unreachable!("the loop condition guarantees one list has values left"),
        };
        if merged.last() != Some(&next) {
            merged.push(next);
        }
        while a.get(i) == Some(&next) {
            i += 1;
        }
        while b.get(j) == Some(&next) {
            j += 1;
        }
    }
}

/// The number of distinct values in both sorted lists, not counting `skip` (the neighbour whose
/// out-list `b` is, so that a self-loop is not taken for a link). `a` has no duplicates.
fn count_common(a: &[u32], b: &[u32], skip: u32) -> u64 {
    let mut count = 0;
    if b.len() * GALLOP_RATIO < a.len() {
        let mut previous = None;
        for &value in b {
            if previous != Some(value) && value != skip && a.binary_search(&value).is_ok() {
                count += 1;
            }
            previous = Some(value);
        }
    } else if a.len() * GALLOP_RATIO < b.len() {
        for &value in a {
            if value != skip && b.binary_search(&value).is_ok() {
                count += 1;
            }
        }
    } else {
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if a[i] != skip {
                        count += 1;
                    }
                    let value = a[i];
                    i += 1;
                    while b.get(j) == Some(&value) {
                        j += 1;
                    }
                }
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;
    use crate::algo::test_support::{graph_strategy, in_pool, large_graph_strategy};

    /// The definition evaluated with sets, as the oracle.
    fn oracle(graph: &AdjGraph) -> Vec<f64> {
        (0..graph.n_vertices())
            .map(|v| {
                let set: BTreeSet<u32> =
                    graph.out_neighbours(v).iter().chain(graph.in_neighbours(v)).copied().filter(|&u| u != v).collect();
                let d = set.len();
                if d <= 1 {
                    return 0.0;
                }
                let links: usize = set
                    .iter()
                    .map(|&u| {
                        let out: BTreeSet<u32> = graph.out_neighbours(u).iter().copied().collect();
                        set.iter().filter(|&&w| w != u && out.contains(&w)).count()
                    })
                    .sum();
                links as f64 / (d * (d - 1)) as f64
            })
            .collect()
    }

    #[test]
    fn directed_links_between_neighbours_count_per_direction() {
        // N(0) = {1, 2}; 1→2 and 2→1 both count: 2 / (2·1).
        let both = AdjGraph::from_edges(3, &[(0, 1), (2, 0), (1, 2), (2, 1)], None, true);
        assert_eq!(local_clustering_coefficients(&both)[0], 1.0);
        let one = AdjGraph::from_edges(3, &[(0, 1), (2, 0), (1, 2)], None, true);
        assert_eq!(local_clustering_coefficients(&one)[0], 0.5);
    }

    #[test]
    fn an_undirected_triangle_with_a_tail() {
        let graph = AdjGraph::from_edges(4, &[(0, 1), (1, 2), (0, 2), (2, 3)], None, false);
        let lcc = local_clustering_coefficients(&graph);
        assert_eq!(lcc, vec![1.0, 1.0, 1.0 / 3.0, 0.0]);
    }

    #[test]
    fn hubs_take_the_binary_search_path() {
        let n = 2000u32;
        let mut edges: Vec<(u32, u32)> = (1..n).map(|v| (0, v)).collect();
        edges.extend((1..n - 1).step_by(2).map(|v| (v, v + 1)));
        for directed in [true, false] {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            assert_eq!(local_clustering_coefficients(&graph), oracle(&graph));
        }
    }

    proptest! {
        #[test]
        fn coefficients_equal_the_set_definition((n, edges, directed) in graph_strategy()) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            prop_assert_eq!(local_clustering_coefficients(&graph), oracle(&graph));
        }
    }

    proptest! {
        // Large graphs are slower to build; a few cases still cover the parallel paths.
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn coefficients_do_not_depend_on_thread_count((n, edges, directed) in large_graph_strategy()) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            let one = in_pool(1, || local_clustering_coefficients(&graph));
            let two = in_pool(2, || local_clustering_coefficients(&graph));
            prop_assert_eq!(one, two);
        }
    }
}
