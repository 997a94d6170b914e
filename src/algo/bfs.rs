//! Breadth-first search depths (Graphalytics BFS), direction-optimising.
//!
//! Levels alternate between two strategies (Beamer, Asanović and Patterson, "Direction-Optimizing
//! Breadth-First Search", SC 2012). Top-down expands the frontier's out-edges and is cheap while
//! the frontier is small. Bottom-up lets every unvisited vertex look for a parent among its
//! in-edges and stop at the first hit, which is far cheaper once the frontier holds a large share of
//! the graph. The frontier is a list top-down and a bitmap bottom-up. Depths do not depend on
//! which vertex claims which, so the result is the same for any thread count.

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;
use thiserror::Error;

use super::adjacency::AdjGraph;

/// The depth of a vertex that the source cannot reach.
pub const UNREACHED: u32 = u32::MAX;

/// Switch to bottom-up once the frontier's out-edges exceed 1/ALPHA of the unexplored edges
/// (the value tuned in the paper and in the GAP benchmark suite).
const ALPHA: u64 = 15;
/// Switch back to top-down once the frontier shrinks below 1/BETA of the vertices.
const BETA: u64 = 18;
/// Below this many frontier vertices a top-down level runs on the calling thread: rayon's
/// fork-join costs more than it saves there, and long thin graphs have many such levels.
const SEQUENTIAL_FRONTIER: usize = 1024;

/// Why [`bfs_depths`] could not run.
#[derive(Debug, Error, PartialEq)]
pub enum BfsError {
    /// The source is not a vertex of the graph.
    #[error("source vertex {vertex} is not in 0..{n_vertices}")]
    SourceOutOfRange {
        /// The requested source.
        vertex: u32,
        /// The graph's vertex count.
        n_vertices: u32,
    },
}

/// The number of out-edges from `source` to each vertex on a shortest path, following edge
/// direction in a directed graph; [`UNREACHED`] where there is none.
pub fn bfs_depths(graph: &AdjGraph, source: u32) -> Result<Vec<u32>, BfsError> {
    let n_vertices = graph.n_vertices();
    if source >= n_vertices {
        return Err(BfsError::SourceOutOfRange { vertex: source, n_vertices });
    }
    let depths: Vec<AtomicU32> = (0..n_vertices).into_par_iter().map(|_| AtomicU32::new(UNREACHED)).collect();
    depths[source as usize].store(0, Ordering::Relaxed);

    let mut frontier = vec![source];
    let mut depth = 0u32;
    // Out-edges not yet expanded: the estimated cost of going bottom-up for the rest.
    let mut edges_to_check = graph.n_arcs();
    let mut frontier_edges = graph.out_degree(source) as u64;
    while !frontier.is_empty() {
        if frontier_edges > edges_to_check / ALPHA {
            let mut bitmap = Bitmap::from_vertices(n_vertices, &frontier);
            let mut awake = frontier.len() as u64;
            loop {
                let previous_awake = awake;
                let (next, found) = bottom_up_level(graph, &depths, &bitmap, depth + 1);
                depth += 1;
                bitmap = next;
                awake = found;
                // Stay bottom-up while the frontier is growing or still large.
                if awake == 0 || (awake < previous_awake && awake <= u64::from(n_vertices) / BETA) {
                    break;
                }
            }
            frontier = bitmap.to_vertices();
            frontier_edges = 1;
        } else {
            edges_to_check = edges_to_check.saturating_sub(frontier_edges);
            let (next, next_edges) = top_down_level(graph, &depths, &frontier, depth + 1);
            depth += 1;
            frontier = next;
            frontier_edges = next_edges;
        }
    }
    Ok(depths.into_par_iter().map(AtomicU32::into_inner).collect())
}

/// Claims every unvisited out-neighbour of the frontier at `depth`; returns the new frontier and
/// the sum of its out-degrees.
fn top_down_level(graph: &AdjGraph, depths: &[AtomicU32], frontier: &[u32], depth: u32) -> (Vec<u32>, u64) {
    let expand = |next: &mut Vec<u32>, next_edges: &mut u64, vertex: u32| {
        for &neighbour in graph.out_neighbours(vertex) {
            let slot = &depths[neighbour as usize];
            // The plain load filters most visited vertices without a read-modify-write.
            if slot.load(Ordering::Relaxed) == UNREACHED
                && slot.compare_exchange(UNREACHED, depth, Ordering::Relaxed, Ordering::Relaxed).is_ok()
            {
                next.push(neighbour);
                *next_edges += graph.out_degree(neighbour) as u64;
            }
        }
    };
    if frontier.len() < SEQUENTIAL_FRONTIER {
        let mut next = Vec::new();
        let mut next_edges = 0;
        for &vertex in frontier {
            expand(&mut next, &mut next_edges, vertex);
        }
        return (next, next_edges);
    }
    let parts: Vec<(Vec<u32>, u64)> = frontier
        .par_iter()
        .with_min_len(256)
        .fold(
            || (Vec::new(), 0u64),
            |(mut next, mut next_edges), &vertex| {
                expand(&mut next, &mut next_edges, vertex);
                (next, next_edges)
            },
        )
        .collect();
    let mut next = Vec::with_capacity(parts.iter().map(|(part, _)| part.len()).sum());
    let mut next_edges = 0;
    for (part, part_edges) in parts {
        next.extend_from_slice(&part);
        next_edges += part_edges;
    }
    (next, next_edges)
}

/// Gives every unvisited vertex with an in-neighbour in `frontier` the given depth; returns the
/// new frontier as a bitmap and its size. Each task owns whole bitmap words, so the new bitmap
/// needs no atomics, and each vertex's depth is written only by the task owning its word.
fn bottom_up_level(graph: &AdjGraph, depths: &[AtomicU32], frontier: &Bitmap, depth: u32) -> (Bitmap, u64) {
    let n_vertices = graph.n_vertices() as usize;
    let mut next = Bitmap::new(n_vertices as u32);
    let found = next
        .words
        .par_iter_mut()
        .enumerate()
        .with_min_len(16)
        .map(|(word_index, word)| {
            let first = word_index * 64;
            let last = (first + 64).min(n_vertices);
            let mut found = 0u64;
            for (offset, depth_slot) in depths[first..last].iter().enumerate() {
                if depth_slot.load(Ordering::Relaxed) != UNREACHED {
                    continue;
                }
                let vertex = (first + offset) as u32;
                let has_parent = graph.in_neighbours(vertex).iter().any(|&parent| frontier.contains(parent));
                if has_parent {
                    depth_slot.store(depth, Ordering::Relaxed);
                    *word |= 1 << offset;
                    found += 1;
                }
            }
            found
        })
        .sum();
    (next, found)
}

/// A fixed-size set of vertices, one bit each.
struct Bitmap {
    words: Vec<u64>,
}

impl Bitmap {
    fn new(n_vertices: u32) -> Bitmap {
        Bitmap { words: vec![0; (n_vertices as usize).div_ceil(64)] }
    }

    fn from_vertices(n_vertices: u32, vertices: &[u32]) -> Bitmap {
        let mut bitmap = Bitmap::new(n_vertices);
        for &vertex in vertices {
            bitmap.words[vertex as usize / 64] |= 1 << (vertex % 64);
        }
        bitmap
    }

    #[inline]
    fn contains(&self, vertex: u32) -> bool {
        self.words[vertex as usize / 64] & (1 << (vertex % 64)) != 0
    }

    fn to_vertices(&self) -> Vec<u32> {
        self.words
            .par_iter()
            .enumerate()
            .with_min_len(1024)
            .flat_map_iter(|(word_index, &word)| {
                let base = word_index as u32 * 64;
                BitIter(word).map(move |bit| base + bit)
            })
            .collect()
    }
}

/// The positions of the set bits of a word, lowest first.
struct BitIter(u64);

impl Iterator for BitIter {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros();
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use proptest::prelude::*;

    use super::*;
    use crate::algo::test_support::{graph_strategy, in_pool, large_graph_strategy};

    /// The textbook queue BFS, as the oracle.
    fn naive_depths(graph: &AdjGraph, source: u32) -> Vec<u32> {
        let mut depths = vec![UNREACHED; graph.n_vertices() as usize];
        depths[source as usize] = 0;
        let mut queue = VecDeque::from([source]);
        while let Some(vertex) = queue.pop_front() {
            for &neighbour in graph.out_neighbours(vertex) {
                if depths[neighbour as usize] == UNREACHED {
                    depths[neighbour as usize] = depths[vertex as usize] + 1;
                    queue.push_back(neighbour);
                }
            }
        }
        depths
    }

    #[test]
    fn depths_follow_edge_direction() -> Result<(), BfsError> {
        let graph = AdjGraph::from_edges(5, &[(0, 1), (1, 2), (3, 0), (2, 0)], None, true);
        assert_eq!(bfs_depths(&graph, 0)?, vec![0, 1, 2, UNREACHED, UNREACHED]);
        let undirected = AdjGraph::from_edges(5, &[(0, 1), (1, 2), (3, 0)], None, false);
        assert_eq!(bfs_depths(&undirected, 2)?, vec![2, 1, 0, 3, UNREACHED]);
        Ok(())
    }

    #[test]
    fn a_source_outside_the_graph_is_an_error() {
        let graph = AdjGraph::from_edges(2, &[(0, 1)], None, true);
        assert_eq!(bfs_depths(&graph, 2), Err(BfsError::SourceOutOfRange { vertex: 2, n_vertices: 2 }));
    }

    #[test]
    fn a_dense_graph_goes_bottom_up_and_back() -> Result<(), BfsError> {
        // A hub reaching everything makes level 2 huge, then a long tail forces top-down again.
        let n = 5000u32;
        let mut edges: Vec<(u32, u32)> = (1..4000).map(|v| (0, v)).collect();
        edges.extend((1..4000).map(|v| (v, (v * 7) % 4000)));
        edges.extend((3999..n - 1).map(|v| (v, v + 1)));
        for directed in [true, false] {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            assert_eq!(bfs_depths(&graph, 0)?, naive_depths(&graph, 0));
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn depths_equal_a_naive_queue_bfs((n, edges, directed) in graph_strategy(), pick in 0u32..300) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            let source = pick % n;
            prop_assert_eq!(bfs_depths(&graph, source).unwrap(), naive_depths(&graph, source));
        }
    }

    proptest! {
        // Large graphs are slower to build; a few cases still cover the parallel paths.
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn depths_do_not_depend_on_thread_count((n, edges, directed) in large_graph_strategy()) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            let one = in_pool(1, || bfs_depths(&graph, 0));
            let two = in_pool(2, || bfs_depths(&graph, 0));
            prop_assert_eq!(one, two);
        }

        #[test]
        fn large_graphs_match_a_naive_queue_bfs((n, edges, directed) in large_graph_strategy()) {
            let graph = AdjGraph::from_edges(n, &edges, None, directed);
            for source in [0, n / 2, n - 1] {
                prop_assert_eq!(bfs_depths(&graph, source).unwrap(), naive_depths(&graph, source));
            }
        }
    }
}
