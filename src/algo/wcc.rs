//! Weakly connected components (Graphalytics WCC) by lock-free parallel union-find.
//!
//! Every edge, direction ignored, unites its endpoints' sets. A union always hangs the root with
//! the larger id under the one with the smaller id, so a root's parent only ever decreases, and the
//! smallest vertex of a component is never hung under anything: it ends as the component's root.
//! The labels are therefore the smallest vertex id per component, whatever order the threads ran
//! in, which is also what the Graphalytics reference produces.
//!
//! Before uniting all edges, the Afforest heuristic (Sutton, Ben-Nun and Bader, IPDPS 2018) unites
//! each vertex with its first few neighbours, guesses the largest component from a sample, and
//! then skips the remaining edges of vertices already in it: most of a real graph's edges lie inside
//! one giant component, and those unions would all be no-ops.

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use super::adjacency::AdjGraph;

/// Neighbours per vertex united before sampling for the giant component.
const NEIGHBOUR_ROUNDS: usize = 2;
/// Vertices sampled to find the most common root.
const SAMPLES: u32 = 1024;

/// The component label of every vertex: the smallest vertex id in its weakly connected component.
pub fn weakly_connected_components(graph: &AdjGraph) -> Vec<u32> {
    let n_vertices = graph.n_vertices();
    let parents: Vec<AtomicU32> = (0..n_vertices).into_par_iter().map(AtomicU32::new).collect();
    let out = graph.out_csr();

    // Round r unites each vertex with its r-th neighbour; in an undirected graph that neighbour
    // may come first in the list or not, but every edge is seen again in the final pass anyway.
    for round in 0..NEIGHBOUR_ROUNDS {
        (0..n_vertices).into_par_iter().with_min_len(1024).for_each(|vertex| {
            if let Some(&neighbour) = out.neighbours(vertex).get(round) {
                unite(&parents, vertex, neighbour);
            }
        });
    }
    let giant = most_common_root(&parents);

    // In a directed graph an edge u→v is on u's out-list only, so a vertex outside the giant
    // component must also unite along its in-edges to reach members that skipped their out-edges.
    (0..n_vertices).into_par_iter().with_min_len(1024).for_each(|vertex| {
        if find(&parents, vertex) == giant {
            return;
        }
        for &neighbour in out.neighbours(vertex).iter().skip(NEIGHBOUR_ROUNDS) {
            unite(&parents, vertex, neighbour);
        }
        if graph.is_directed() {
            for &neighbour in graph.in_neighbours(vertex) {
                unite(&parents, vertex, neighbour);
            }
        }
    });
    (0..n_vertices).into_par_iter().map(|vertex| find(&parents, vertex)).collect()
}

/// The root most of a fixed sample of vertices point to (ties to the smaller root). The sample
/// only steers which edges are skipped; the components do not depend on it.
fn most_common_root(parents: &[AtomicU32]) -> u32 {
    let n_vertices = parents.len() as u32;
    if n_vertices == 0 {
        return 0;
    }
    let mut roots: Vec<u32> = (0..SAMPLES.min(n_vertices))
        .map(|sample| {
            // A fixed multiplicative stride spreads the samples over the whole id range.
            let vertex = (u64::from(sample) * 2_654_435_761 % u64::from(n_vertices)) as u32;
            find(parents, vertex)
        })
        .collect();
    roots.sort_unstable();
    let mut best = (0usize, roots[0]);
    for run in roots.chunk_by(|a, b| a == b) {
        if run.len() > best.0 {
            best = (run.len(), run[0]);
        }
    }
    best.1
}

/// The root of `vertex`'s set, halving the path on the way: each visited vertex is re-pointed to
/// its grandparent. Only non-roots are re-pointed and only to one of their ancestors, so this never
/// conflicts with a concurrent union, which only changes roots.
#[inline]
fn find(parents: &[AtomicU32], mut vertex: u32) -> u32 {
    loop {
        let parent = parents[vertex as usize].load(Ordering::Relaxed);
        if parent == vertex {
            return vertex;
        }
        let grandparent = parents[parent as usize].load(Ordering::Relaxed);
        if grandparent == parent {
            return parent;
        }
        parents[vertex as usize].store(grandparent, Ordering::Relaxed);
        vertex = grandparent;
    }
}

/// Merges the sets of `a` and `b`, hanging the larger root under the smaller. If another thread
/// hangs that root first, the compare-exchange fails and the union retries from the new roots.
#[inline]
fn unite(parents: &[AtomicU32], a: u32, b: u32) {
    let (mut a, mut b) = (a, b);
    loop {
        a = find(parents, a);
        b = find(parents, b);
        if a == b {
            return;
        }
        let (high, low) = if a > b { (a, b) } else { (b, a) };
        if parents[high as usize].compare_exchange(high, low, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::algo::test_support::{graph_strategy, in_pool, large_graph_strategy};

    /// A sequential union-find with the same labelling rule, as the oracle.
    fn oracle(n_vertices: u32, edges: &[(u32, u32)]) -> Vec<u32> {
        fn root(parents: &[u32], mut vertex: u32) -> u32 {
            while parents[vertex as usize] != vertex {
                vertex = parents[vertex as usize];
            }
            vertex
        }
        let mut parents: Vec<u32> = (0..n_vertices).collect();
        for &(a, b) in edges {
            let (root_a, root_b) = (root(&parents, a), root(&parents, b));
            parents[root_a.max(root_b) as usize] = root_a.min(root_b);
        }
        (0..n_vertices).map(|vertex| root(&parents, vertex)).collect()
    }

    #[test]
    fn labels_are_the_smallest_id_per_component() {
        let edges = [(4, 1), (1, 3), (5, 6), (6, 5)];
        let graph = AdjGraph::from_edges(8, &edges, None, true);
        assert_eq!(weakly_connected_components(&graph), vec![0, 1, 2, 1, 1, 5, 5, 7]);
    }

    #[test]
    fn a_giant_component_reached_only_by_in_edges_is_joined() {
        // Vertex 0 is outside the giant star; its only link is an edge into the star.
        let mut edges: Vec<(u32, u32)> = (2..200).map(|v| (1, v)).collect();
        edges.extend((2..200).map(|v| (v, 1)));
        edges.push((0, 150));
        let graph = AdjGraph::from_edges(200, &edges, None, true);
        assert!(weakly_connected_components(&graph).iter().all(|&label| label == 0));
    }

    #[test]
    fn an_empty_graph_has_no_labels() {
        let graph = AdjGraph::from_edges(0, &[], None, false);
        assert!(weakly_connected_components(&graph).is_empty());
    }

    proptest! {
        #[test]
        fn components_equal_a_sequential_union_find((n, edges, directed) in graph_strategy()) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            prop_assert_eq!(weakly_connected_components(&graph), oracle(n, &edges));
        }
    }

    proptest! {
        // Large graphs are slower to build; a few cases still cover the parallel paths.
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn components_do_not_depend_on_thread_count((n, edges, directed) in large_graph_strategy()) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            let one = in_pool(1, || weakly_connected_components(&graph));
            let two = in_pool(2, || weakly_connected_components(&graph));
            prop_assert_eq!(one, two);
        }

        #[test]
        fn large_graphs_match_a_sequential_union_find((n, edges, directed) in large_graph_strategy()) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            prop_assert_eq!(weakly_connected_components(&graph), oracle(n, &edges));
        }
    }
}
