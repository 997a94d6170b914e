//! The graph one level of Louvain or Leiden runs on: undirected, weighted, self-loops held apart.
//!
//! Level 0 is a borrowed view of the caller's [`AdjGraph`] ([`InputView`]), so the first and most
//! expensive level copies nothing. Each later level is an [`Aggregate`] built from the level below
//! by [`aggregate`]: one vertex per community, one arc per pair of adjacent communities with the
//! summed weight, and the weight inside a community kept as that vertex's self-loop.
//!
//! Conventions, the same as igraph's and networkx's: an undirected edge `{u, v}` of weight `w`
//! adds `w` to the strength of both ends; a self-loop of weight `w` adds `2w` to its vertex's
//! strength and `w` to the weight inside its community. A directed input is read as undirected,
//! each arc `u → v` an undirected edge, so a reciprocated pair weighs the sum of both arcs.

use rayon::prelude::*;

use crate::algo::AdjGraph;

/// Vertices per chunk of a deterministic parallel sum: fixed, so the rounding of a float sum
/// does not depend on the number of threads.
pub(crate) const SUM_CHUNK: usize = 4096;

/// A graph Louvain and Leiden can run a level on.
pub(crate) trait LevelGraph: Sync {
    /// The number of vertices, `n`; ids run over `0..n`.
    fn n_vertices(&self) -> u32;

    /// The number of stored arcs, both directions counted; a cost measure for batching.
    fn n_arcs(&self) -> u64;

    /// Calls `visit(neighbour, weight)` for every arc at `vertex`, self-loops left out. Every
    /// undirected edge is seen from both ends; parallel edges are seen once each.
    fn for_each_neighbour(&self, vertex: u32, visit: impl FnMut(u32, f64));

    /// The weight of `vertex`'s self-loops (each counted once).
    fn loop_weight(&self, vertex: u32) -> f64;

    /// An upper bound on the arcs [`LevelGraph::for_each_neighbour`] visits at `vertex`.
    fn max_neighbours(&self, vertex: u32) -> usize;
}

/// Level 0: the caller's graph, borrowed.
pub(crate) struct InputView<'a> {
    graph: &'a AdjGraph,
    /// A bit per vertex with a self-loop: most have none, and finding out costs a search in a
    /// neighbour list that is a cache miss when vertices are taken in community order.
    has_loop: Vec<u64>,
}

impl<'a> InputView<'a> {
    pub(crate) fn new(graph: &'a AdjGraph) -> InputView<'a> {
        let n = graph.n_vertices();
        let has_loop = (0..n.div_ceil(64))
            .into_par_iter()
            .with_min_len(256)
            .map(|word| {
                let first = word * 64;
                (first..(first + 64).min(n)).fold(0u64, |bits, vertex| {
                    let found = graph.out_neighbours(vertex).binary_search(&vertex).is_ok();
                    bits | u64::from(found) << (vertex - first)
                })
            })
            .collect();
        InputView { graph, has_loop }
    }
}

impl LevelGraph for InputView<'_> {
    fn n_vertices(&self) -> u32 {
        self.graph.n_vertices()
    }

    fn n_arcs(&self) -> u64 {
        if self.graph.is_directed() {
            2 * self.graph.n_arcs()
        } else {
            self.graph.n_arcs()
        }
    }

    #[inline]
    fn for_each_neighbour(&self, vertex: u32, mut visit: impl FnMut(u32, f64)) {
        let graph = self.graph;
        let mut scan = |targets: &[u32], weights: Option<&[f64]>| match weights {
            Some(weights) => {
                for (&target, &weight) in targets.iter().zip(weights) {
                    if target != vertex {
                        visit(target, weight);
                    }
                }
            }
            None => {
                for &target in targets {
                    if target != vertex {
                        visit(target, 1.0);
                    }
                }
            }
        };
        scan(graph.out_neighbours(vertex), graph.out_weights(vertex));
        if graph.is_directed() {
            scan(graph.in_neighbours(vertex), graph.in_weights(vertex));
        }
    }

    #[inline]
    fn max_neighbours(&self, vertex: u32) -> usize {
        let out = self.graph.out_degree(vertex);
        if self.graph.is_directed() {
            out + self.graph.in_degree(vertex)
        } else {
            out
        }
    }

    fn loop_weight(&self, vertex: u32) -> f64 {
        if self.has_loop[vertex as usize >> 6] >> (vertex & 63) & 1 == 0 {
            return 0.0;
        }
        // A directed self-loop is on both the out- and the in-list; the out-list alone counts it
        // once. An undirected self-loop is stored once.
        let targets = self.graph.out_neighbours(vertex);
        let first = targets.partition_point(|&target| target < vertex);
        let run = targets[first..].iter().take_while(|&&target| target == vertex).count();
        match self.graph.out_weights(vertex) {
            Some(weights) => weights[first..first + run].iter().sum(),
            None => run as f64,
        }
    }
}

/// A level above 0: one vertex per community of the level below.
///
/// Its arcs stay in the pieces that aggregation's parallel tasks built, each a CSR over a run of
/// `per_part` consecutive vertices: joining them into one array would hold the level twice at
/// the peak, and on a large graph the first aggregate is nearly as big as the input.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Aggregate {
    parts: Vec<AggregatePart>,
    per_part: u32,
    loops: Vec<f64>,
}

/// The arcs of vertices `i · per_part ..` of an [`Aggregate`]; `offsets` start at 0.
#[derive(Debug, Clone, PartialEq)]
struct AggregatePart {
    offsets: Vec<u64>,
    targets: Vec<u32>,
    weights: Vec<f64>,
}

impl Aggregate {
    /// Bytes held, for the memory estimate.
    pub(crate) fn bytes(&self) -> usize {
        let parts: usize = self
            .parts
            .iter()
            .map(|part| part.offsets.len() * 8 + part.targets.len() * 4 + part.weights.len() * 8)
            .sum();
        parts + self.loops.len() * 8
    }

    /// The part holding `vertex`'s arcs, and the range of them in it.
    #[inline]
    fn locate(&self, vertex: u32) -> (&AggregatePart, std::ops::Range<usize>) {
        let part = &self.parts[(vertex / self.per_part) as usize];
        let local = (vertex % self.per_part) as usize;
        (part, part.offsets[local] as usize..part.offsets[local + 1] as usize)
    }
}

impl LevelGraph for Aggregate {
    fn n_vertices(&self) -> u32 {
        self.loops.len() as u32
    }

    fn n_arcs(&self) -> u64 {
        self.parts.iter().map(|part| part.targets.len() as u64).sum()
    }

    #[inline]
    fn for_each_neighbour(&self, vertex: u32, mut visit: impl FnMut(u32, f64)) {
        let (part, range) = self.locate(vertex);
        for (&target, &weight) in part.targets[range.clone()].iter().zip(&part.weights[range]) {
            visit(target, weight);
        }
    }

    fn loop_weight(&self, vertex: u32) -> f64 {
        self.loops[vertex as usize]
    }

    #[inline]
    fn max_neighbours(&self, vertex: u32) -> usize {
        self.locate(vertex).1.len()
    }
}

/// Every vertex's strength (weighted degree, self-loops twice) and their sum, `2m`.
#[derive(Debug, Clone)]
pub(crate) struct Strengths {
    pub(crate) of: Vec<f64>,
    pub(crate) total: f64,
}

impl Strengths {
    /// Computes the strengths of a level-0 graph, in parallel.
    pub(crate) fn of_graph(graph: &impl LevelGraph) -> Strengths {
        let of: Vec<f64> = (0..graph.n_vertices())
            .into_par_iter()
            .with_min_len(1024)
            .map(|vertex| {
                let mut strength = 2.0 * graph.loop_weight(vertex);
                graph.for_each_neighbour(vertex, |_, weight| strength += weight);
                strength
            })
            .collect();
        let total = deterministic_sum(&of);
        Strengths { of, total }
    }
}

/// The sum of `values`, rounded the same whatever the thread count: fixed chunks summed in
/// parallel, then the chunk sums in order.
pub(crate) fn deterministic_sum(values: &[f64]) -> f64 {
    let partial: Vec<f64> = values.par_chunks(SUM_CHUNK).map(|chunk| chunk.iter().sum::<f64>()).collect();
    partial.iter().sum()
}

/// Vertices grouped by community, as a CSR: community `c`'s members are
/// `members[offsets[c]..offsets[c + 1]]`, by ascending id.
pub(crate) struct Members {
    pub(crate) offsets: Vec<usize>,
    pub(crate) members: Vec<u32>,
}

impl Members {
    /// Groups the vertices by their community in `assignment`, whose ids are dense in
    /// `0..n_groups`.
    pub(crate) fn group(assignment: &[u32], n_groups: u32) -> Members {
        let mut offsets = vec![0usize; n_groups as usize + 1];
        for &group in assignment {
            offsets[group as usize + 1] += 1;
        }
        for group in 0..n_groups as usize {
            offsets[group + 1] += offsets[group];
        }
        let mut cursor = offsets.clone();
        let mut members = vec![0u32; assignment.len()];
        for (vertex, &group) in assignment.iter().enumerate() {
            members[cursor[group as usize]] = vertex as u32;
            cursor[group as usize] += 1;
        }
        Members { offsets, members }
    }

    /// The members of `group`.
    #[inline]
    pub(crate) fn of(&self, group: u32) -> &[u32] {
        &self.members[self.offsets[group as usize]..self.offsets[group as usize + 1]]
    }
}

/// Groups per parallel task when aggregating: enough to balance two threads, few enough that each
/// task's scratch array (one slot per group) stays cheap.
const AGGREGATE_TASKS: usize = 16;

/// The graph with one vertex per group of `assignment` (dense ids `0..n_groups`), and its
/// strengths. Arcs between groups are summed; arcs inside a group become its self-loop.
///
/// Each group's arcs are summed in a fixed order (members by ascending id, then their arcs in
/// adjacency order), and groups are independent, so the result is the same, bit for bit, for any
/// number of threads.
pub(crate) fn aggregate(
    graph: &impl LevelGraph,
    strengths: &Strengths,
    assignment: &[u32],
    n_groups: u32,
) -> (Aggregate, Strengths) {
    let members = Members::group(assignment, n_groups);
    let n_tasks = AGGREGATE_TASKS.min(n_groups.max(1) as usize);
    let groups_per_task = (n_groups as usize).div_ceil(n_tasks).max(1);
    struct Part {
        csr: AggregatePart,
        loops: Vec<f64>,
        strengths: Vec<f64>,
    }
    let parts: Vec<Part> = (0..n_tasks)
        .into_par_iter()
        .map(|task| {
            let first = (task * groups_per_task).min(n_groups as usize) as u32;
            let end = ((task + 1) * groups_per_task).min(n_groups as usize) as u32;
            let mut offsets = Vec::with_capacity((end - first) as usize + 1);
            offsets.push(0u64);
            let mut part = Part {
                csr: AggregatePart { offsets, targets: Vec::new(), weights: Vec::new() },
                loops: Vec::with_capacity((end - first) as usize),
                strengths: Vec::with_capacity((end - first) as usize),
            };
            let mut slot = vec![u32::MAX; n_groups as usize];
            let mut sums: Vec<(u32, f64)> = Vec::new();
            let mut gathered: Vec<(u32, f64)> = Vec::new();
            for group in first..end {
                let mut inside = 0.0;
                let mut loop_weight = 0.0;
                let mut strength = 0.0;
                for &member in members.of(group) {
                    loop_weight += graph.loop_weight(member);
                    strength += strengths.of[member as usize];
                    // Gathered first so the group lookups, cache misses on a large graph,
                    // overlap instead of waiting on each other's branches.
                    graph.for_each_neighbour(member, |neighbour, weight| {
                        gathered.push((assignment[neighbour as usize], weight));
                    });
                    for &(other, weight) in &gathered {
                        if other == group {
                            inside += weight;
                            continue;
                        }
                        let at = slot[other as usize];
                        if at == u32::MAX {
                            slot[other as usize] = sums.len() as u32;
                            sums.push((other, weight));
                        } else {
                            sums[at as usize].1 += weight;
                        }
                    }
                    gathered.clear();
                }
                sums.sort_unstable_by_key(|&(other, _)| other);
                for &(other, weight) in &sums {
                    slot[other as usize] = u32::MAX;
                    part.csr.targets.push(other);
                    part.csr.weights.push(weight);
                }
                part.csr.offsets.push(part.csr.targets.len() as u64);
                sums.clear();
                // Every edge inside the group was seen from both ends.
                part.loops.push(loop_weight + inside / 2.0);
                part.strengths.push(strength);
            }
            part.csr.targets.shrink_to_fit();
            part.csr.weights.shrink_to_fit();
            part
        })
        .collect();
    let mut loops = Vec::with_capacity(n_groups as usize);
    let mut of = Vec::with_capacity(n_groups as usize);
    let mut csrs = Vec::with_capacity(parts.len());
    for part in parts {
        loops.extend_from_slice(&part.loops);
        of.extend_from_slice(&part.strengths);
        csrs.push(part.csr);
    }
    // The total stays the level-0 one: summing again would only add rounding.
    let aggregate = Aggregate { parts: csrs, per_part: groups_per_task as u32, loops };
    (aggregate, Strengths { of, total: strengths.total })
}

/// Renumbers `labels` densely in order of first appearance by vertex id; returns the count.
pub(crate) fn renumber_dense(labels: &mut [u32]) -> u32 {
    let n_labels = labels.iter().copied().max().map_or(0, |max| max as usize + 1);
    let mut map = vec![u32::MAX; n_labels];
    let mut next = 0u32;
    for label in labels.iter_mut() {
        let slot = &mut map[*label as usize];
        if *slot == u32::MAX {
            *slot = next;
            next += 1;
        }
        *label = *slot;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neighbours(graph: &impl LevelGraph, vertex: u32) -> Vec<(u32, f64)> {
        let mut list = Vec::new();
        graph.for_each_neighbour(vertex, |target, weight| list.push((target, weight)));
        list
    }

    #[test]
    fn a_directed_input_reads_as_undirected_with_loops_apart() {
        let graph = AdjGraph::from_edges(3, &[(0, 1), (1, 0), (1, 2), (2, 2)], Some(&[1.0, 2.0, 4.0, 8.0]), true);
        let view = InputView::new(&graph);
        assert_eq!(neighbours(&view, 1), vec![(0, 2.0), (2, 4.0), (0, 1.0)]);
        assert_eq!(neighbours(&view, 2), vec![(1, 4.0)]);
        assert_eq!(view.loop_weight(2), 8.0);
        let strengths = Strengths::of_graph(&view);
        assert_eq!(strengths.of, vec![3.0, 7.0, 20.0]);
        assert_eq!(strengths.total, 30.0);
    }

    #[test]
    fn aggregation_sums_arcs_and_keeps_inner_weight_as_loops() {
        // Two triangles {0,1,2} and {3,4,5} joined by 2-3, plus a self-loop on 5.
        let edges = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3), (5, 5)];
        let graph = AdjGraph::from_edges(6, &edges, None, false);
        let view = InputView::new(&graph);
        let strengths = Strengths::of_graph(&view);
        let (level, level_strengths) = aggregate(&view, &strengths, &[0, 0, 0, 1, 1, 1], 2);
        assert_eq!(neighbours(&level, 0), vec![(1, 1.0)]);
        assert_eq!(level.loops, vec![3.0, 4.0]);
        assert_eq!(level_strengths.of, vec![7.0, 9.0]);
        assert_eq!(level_strengths.total, strengths.total);
        // Strengths of the aggregate agree with its own arcs and loops.
        assert_eq!(Strengths::of_graph(&level).of, level_strengths.of);
    }

    #[test]
    fn renumbering_follows_first_appearance() {
        let mut labels = vec![7, 3, 7, 0, 3];
        assert_eq!(renumber_dense(&mut labels), 3);
        assert_eq!(labels, vec![0, 1, 0, 2, 1]);
    }
}
