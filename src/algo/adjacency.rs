//! `AdjGraph`: a compressed-sparse-row graph on dense `u32` vertex ids, the input of every kernel.
//!
//! Each direction is a [`Csr`]: `offsets` (n + 1 entries) into `targets`, with optional `weights` in
//! lock-step. Vertex `v`'s neighbours are `targets[offsets[v]..offsets[v + 1]]`, sorted ascending.
//! A directed graph keeps both out- and in-adjacency, because pull-style kernels (PageRank,
//! bottom-up BFS) read in-edges. An undirected graph stores every edge in both directions in the
//! out-adjacency and lets the in-adjacency alias it, so kernels never need to special-case it.
//!
//! The builder is a counting sort with no per-vertex `Vec`s: count each vertex's arcs, take prefix
//! sums as offsets, scatter every arc into its slot. Scatters run in parallel over disjoint ranges
//! of keys, each thread reading all the input and placing only its own keys, so there are no
//! atomics and the placement is the same for any thread count. A directed graph is scattered once
//! by target, its short lists are sorted in parallel to give the in-adjacency, and walking that in
//! order fills the out-adjacency already sorted. An undirected graph needs one scatter and a sort.

use std::ops::Range;

use rayon::prelude::*;
use thiserror::Error;

/// One direction of adjacency in compressed-sparse-row form.
#[derive(Clone, Debug, PartialEq)]
pub struct Csr {
    offsets: Vec<u64>,
    targets: Vec<u32>,
    weights: Option<Vec<f64>>,
}

impl Csr {
    /// The `n + 1` offsets into [`Csr::targets`].
    pub fn offsets(&self) -> &[u64] {
        &self.offsets
    }

    /// All neighbour lists, concatenated in vertex order.
    pub fn targets(&self) -> &[u32] {
        &self.targets
    }

    /// All weights in lock-step with [`Csr::targets`], if the graph is weighted.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// The index range of `v`'s neighbours in [`Csr::targets`].
    #[inline]
    pub fn range(&self, v: u32) -> Range<usize> {
        let v = v as usize;
        self.offsets[v] as usize..self.offsets[v + 1] as usize
    }

    /// `v`'s neighbours, sorted ascending.
    #[inline]
    pub fn neighbours(&self, v: u32) -> &[u32] {
        &self.targets[self.range(v)]
    }

    /// The weights of `v`'s edges, in the order of [`Csr::neighbours`].
    #[inline]
    pub fn neighbour_weights(&self, v: u32) -> Option<&[f64]> {
        let range = self.range(v);
        self.weights.as_deref().map(|weights| &weights[range])
    }

    /// The number of edges stored for `v`.
    #[inline]
    pub fn degree(&self, v: u32) -> usize {
        let v = v as usize;
        (self.offsets[v + 1] - self.offsets[v]) as usize
    }
}

/// A graph on vertices `0..n` in compressed-sparse-row form, with out- and in-adjacency.
#[derive(Clone, Debug, PartialEq)]
pub struct AdjGraph {
    directed: bool,
    n_edges: u64,
    out: Csr,
    /// `None` for an undirected graph: its in-adjacency is its out-adjacency.
    inn: Option<Csr>,
}

/// Why [`AdjGraph::try_from_edges`] refused its input.
#[derive(Debug, Error, PartialEq)]
pub enum AdjGraphError {
    /// The vertex count does not fit the `u32` id space (`u32::MAX` is reserved as "none").
    #[error("{n_vertices} vertices do not fit in u32 ids (the maximum is {max})", max = u32::MAX - 1)]
    TooManyVertices {
        /// The requested vertex count.
        n_vertices: usize,
    },
    /// An edge names a vertex outside `0..n_vertices`.
    #[error("edge {edge_index} ({src}, {dst}) names a vertex outside 0..{n_vertices}")]
    VertexOutOfRange {
        /// Position of the edge in the input slice.
        edge_index: usize,
        /// The edge's source.
        src: u32,
        /// The edge's target.
        dst: u32,
        /// The graph's vertex count.
        n_vertices: u32,
    },
    /// The weight slice is not as long as the edge slice.
    #[error("{n_weights} weights given for {n_edges} edges")]
    WeightCountMismatch {
        /// Number of edges.
        n_edges: usize,
        /// Number of weights.
        n_weights: usize,
    },
}

impl AdjGraph {
    /// Builds a graph on vertices `0..n` from an edge list.
    ///
    /// A directed edge `(u, v)` goes from `u` to `v`. In an undirected graph each edge is listed
    /// once and stored both ways (a self-loop is stored once). Duplicate edges are kept, as a
    /// multigraph; every neighbour list comes out sorted by vertex id.
    ///
    /// # Panics
    ///
    /// On input that [`AdjGraph::try_from_edges`] rejects; call that with untrusted edges.
    pub fn from_edges(n: u32, edges: &[(u32, u32)], weights: Option<&[f64]>, directed: bool) -> AdjGraph {
        match AdjGraph::try_from_edges(n as usize, edges, weights, directed) {
            Ok(graph) => graph,
            Err(error) => panic!("AdjGraph::from_edges: {error}"),
        }
    }

    /// Builds a graph like [`AdjGraph::from_edges`], but returns an error for out-of-range
    /// vertices, a weight count that does not match the edge count, or too many vertices.
    pub fn try_from_edges(
        n_vertices: usize,
        edges: &[(u32, u32)],
        weights: Option<&[f64]>,
        directed: bool,
    ) -> Result<AdjGraph, AdjGraphError> {
        if n_vertices >= u32::MAX as usize {
            return Err(AdjGraphError::TooManyVertices { n_vertices });
        }
        let n = n_vertices as u32;
        if let Some(weights) = weights {
            if weights.len() != edges.len() {
                return Err(AdjGraphError::WeightCountMismatch { n_edges: edges.len(), n_weights: weights.len() });
            }
        }
        if let Some(edge_index) = edges.iter().position(|&(src, dst)| src >= n || dst >= n) {
            let (src, dst) = edges[edge_index];
            return Err(AdjGraphError::VertexOutOfRange { edge_index, src, dst, n_vertices: n });
        }
        let n_edges = edges.len() as u64;
        // Grouping the arcs by target and sorting each group gives the in-adjacency. For an
        // undirected graph, whose arcs go both ways, that is also the out-adjacency.
        let mut inn = scatter(n, &EdgeList { edges, weights, both_ways: !directed });
        sort_lists(&mut inn);
        if directed {
            // Walking the in-lists in target order appends to each source's list in target order.
            let out = scatter(n, &Transpose(&inn));
            Ok(AdjGraph { directed, n_edges, out, inn: Some(inn) })
        } else {
            Ok(AdjGraph { directed, n_edges, out: inn, inn: None })
        }
    }

    /// Whether edges have a direction.
    pub fn is_directed(&self) -> bool {
        self.directed
    }

    /// Whether the edges carry weights.
    pub fn is_weighted(&self) -> bool {
        self.out.weights.is_some()
    }

    /// The number of vertices, `n`; ids run over `0..n`.
    pub fn n_vertices(&self) -> u32 {
        (self.out.offsets.len() - 1) as u32
    }

    /// The number of edges as given to the builder; an undirected edge counts once.
    pub fn n_edges(&self) -> u64 {
        self.n_edges
    }

    /// The number of stored out-arcs: `n_edges` when directed, about twice that when undirected.
    pub fn n_arcs(&self) -> u64 {
        self.out.targets.len() as u64
    }

    /// The out-adjacency.
    pub fn out_csr(&self) -> &Csr {
        &self.out
    }

    /// The in-adjacency; the same as [`AdjGraph::out_csr`] for an undirected graph.
    pub fn in_csr(&self) -> &Csr {
        self.inn.as_ref().unwrap_or(&self.out)
    }

    /// The vertices `v` has an edge to, sorted ascending.
    #[inline]
    pub fn out_neighbours(&self, v: u32) -> &[u32] {
        self.out.neighbours(v)
    }

    /// The vertices with an edge to `v`, sorted ascending.
    #[inline]
    pub fn in_neighbours(&self, v: u32) -> &[u32] {
        self.in_csr().neighbours(v)
    }

    /// The weights of `v`'s out-edges, in the order of [`AdjGraph::out_neighbours`].
    #[inline]
    pub fn out_weights(&self, v: u32) -> Option<&[f64]> {
        self.out.neighbour_weights(v)
    }

    /// The weights of `v`'s in-edges, in the order of [`AdjGraph::in_neighbours`].
    #[inline]
    pub fn in_weights(&self, v: u32) -> Option<&[f64]> {
        self.in_csr().neighbour_weights(v)
    }

    /// The number of out-edges of `v`.
    #[inline]
    pub fn out_degree(&self, v: u32) -> usize {
        self.out.degree(v)
    }

    /// The number of in-edges of `v`.
    #[inline]
    pub fn in_degree(&self, v: u32) -> usize {
        self.in_csr().degree(v)
    }
}

/// Below this many arcs, building runs on one thread: splitting would cost more than it saves.
const PARALLEL_FROM: usize = 1 << 16;
/// At most this many threads share a scatter: each of them reads all of the input, so beyond a
/// few the reads cost more than the parallel writes save.
const MAX_SCATTER_PARTS: usize = 8;

/// A source of arcs for [`scatter`], which reads it several times: to count, then to place. A
/// trait rather than a closure so that each pass is monomorphised, with no call per arc.
trait Arcs: Sync {
    fn has_weights(&self) -> bool;
    fn n_arcs(&self) -> usize;
    /// Calls `emit(key, value, weight)` for every arc, always in the same order.
    fn for_each(&self, emit: impl FnMut(u32, u32, f64));
}

/// The builder's input, emitted keyed by target; `both_ways` adds the reverse arcs of an
/// undirected graph (one arc for a self-loop).
struct EdgeList<'a> {
    edges: &'a [(u32, u32)],
    weights: Option<&'a [f64]>,
    both_ways: bool,
}

impl Arcs for EdgeList<'_> {
    fn has_weights(&self) -> bool {
        self.weights.is_some()
    }

    fn n_arcs(&self) -> usize {
        if self.both_ways {
            self.edges.iter().map(|&(src, dst)| if src == dst { 1 } else { 2 }).sum()
        } else {
            self.edges.len()
        }
    }

    fn for_each(&self, mut emit: impl FnMut(u32, u32, f64)) {
        for (index, &(src, dst)) in self.edges.iter().enumerate() {
            let weight = self.weights.map_or(0.0, |weights| weights[index]);
            emit(dst, src, weight);
            if self.both_ways && src != dst {
                emit(src, dst, weight);
            }
        }
    }
}

/// Every arc `v → t` of a CSR, emitted as `(t, v)` in vertex order, so that grouping by `t`
/// leaves each new list sorted by `v`.
struct Transpose<'a>(&'a Csr);

impl Arcs for Transpose<'_> {
    fn has_weights(&self) -> bool {
        self.0.weights.is_some()
    }

    fn n_arcs(&self) -> usize {
        self.0.targets.len()
    }

    fn for_each(&self, mut emit: impl FnMut(u32, u32, f64)) {
        let csr = self.0;
        let n = (csr.offsets.len() - 1) as u32;
        for v in 0..n {
            let range = csr.range(v);
            match csr.weights.as_deref() {
                Some(weights) => {
                    for (&t, &weight) in csr.targets[range.clone()].iter().zip(&weights[range]) {
                        emit(t, v, weight);
                    }
                }
                None => {
                    for &t in &csr.targets[range] {
                        emit(t, v, 0.0);
                    }
                }
            }
        }
    }
}

/// One thread's share of a scatter: the keys `keys`, whose slots start at arc `first_slot`.
struct Part<'a> {
    keys: Range<usize>,
    first_slot: u64,
    targets: &'a mut [u32],
    weights: Option<&'a mut [f64]>,
}

/// Counting-sorts `arcs` into a CSR keyed by `key`, keeping the emission order within each key.
fn scatter(n: u32, arcs: &impl Arcs) -> Csr {
    let n = n as usize;
    let n_arcs = arcs.n_arcs();
    let n_parts = if n_arcs < PARALLEL_FROM { 1 } else { rayon::current_num_threads().clamp(1, MAX_SCATTER_PARTS) };

    // Count, each part over an equal share of the keys.
    let mut offsets = vec![0u64; n + 1];
    let keys_per_part = n.div_ceil(n_parts).max(1);
    offsets[1..].par_chunks_mut(keys_per_part).enumerate().for_each(|(part, counts)| {
        let first = part * keys_per_part;
        arcs.for_each(|key, _, _| {
            if let Some(count) = (key as usize).checked_sub(first).and_then(|at| counts.get_mut(at)) {
                *count += 1;
            }
        });
    });
    for v in 0..n {
        offsets[v + 1] += offsets[v];
    }
    debug_assert_eq!(offsets[n] as usize, n_arcs);

    // Place, each part over the keys of an equal share of the arcs.
    let mut targets = vec![0u32; n_arcs];
    let mut weights = arcs.has_weights().then(|| vec![0.0f64; n_arcs]);
    let mut parts = Vec::with_capacity(n_parts);
    let (mut rest_targets, mut rest_weights) = (&mut targets[..], weights.as_deref_mut());
    let mut first_key = 0;
    for part in 1..=n_parts {
        let end_key = if part == n_parts {
            n
        } else {
            let wanted = (n_arcs * part / n_parts) as u64;
            offsets[..n].partition_point(|&offset| offset < wanted).max(first_key)
        };
        let first_slot = offsets[first_key];
        let len = (offsets[end_key] - first_slot) as usize;
        let (part_targets, tail) = rest_targets.split_at_mut(len);
        rest_targets = tail;
        let part_weights = rest_weights.take().map(|weights| {
            let (head, tail) = weights.split_at_mut(len);
            rest_weights = Some(tail);
            head
        });
        parts.push(Part { keys: first_key..end_key, first_slot, targets: part_targets, weights: part_weights });
        first_key = end_key;
    }
    parts.into_par_iter().for_each(|mut part| {
        let first = part.keys.start;
        let mut cursors: Vec<u64> = offsets[part.keys.clone()].iter().map(|&offset| offset - part.first_slot).collect();
        arcs.for_each(|key, value, weight| {
            let Some(cursor) = (key as usize).checked_sub(first).and_then(|at| cursors.get_mut(at)) else {
                return;
            };
            let slot = *cursor as usize;
            *cursor += 1;
            part.targets[slot] = value;
            if let Some(weights) = part.weights.as_deref_mut() {
                weights[slot] = weight;
            }
        });
    });
    Csr { offsets, targets, weights }
}

/// Sorts every neighbour list, in parallel over ranges of vertices. Weighted lists sort by
/// (target, weight), so that even parallel edges end in one order whatever the input order.
fn sort_lists(csr: &mut Csr) {
    let n = csr.offsets.len() - 1;
    sort_range(&csr.offsets, 0..n, 0, &mut csr.targets, csr.weights.as_deref_mut());
}

/// Sorts the lists of `vertices`, whose arcs are `targets` (and `weights`), starting at arc `base`.
fn sort_range(offsets: &[u64], vertices: Range<usize>, base: u64, targets: &mut [u32], weights: Option<&mut [f64]>) {
    if targets.len() < PARALLEL_FROM || vertices.len() < 2 {
        let mut weights = weights;
        let mut pairs: Vec<(u32, u64)> = Vec::new();
        for v in vertices {
            let range = (offsets[v] - base) as usize..(offsets[v + 1] - base) as usize;
            let list = &mut targets[range.clone()];
            match weights.as_deref_mut() {
                None => {
                    // Input sorted by source leaves these lists sorted already.
                    if !list.is_sorted() {
                        list.sort_unstable();
                    }
                }
                Some(weights) => {
                    let list_weights = &mut weights[range];
                    pairs.clear();
                    pairs.extend(list.iter().zip(list_weights.iter()).map(|(&t, &w)| (t, w.to_bits())));
                    if !pairs.is_sorted() {
                        pairs.sort_unstable();
                        for ((t, w), &(sorted_t, sorted_w)) in list.iter_mut().zip(list_weights.iter_mut()).zip(&pairs)
                        {
                            *t = sorted_t;
                            *w = f64::from_bits(sorted_w);
                        }
                    }
                }
            }
        }
        return;
    }
    let middle = vertices.start + vertices.len() / 2;
    let split = (offsets[middle] - base) as usize;
    let (left_targets, right_targets) = targets.split_at_mut(split);
    let (left_weights, right_weights) = match weights {
        Some(weights) => {
            let (left, right) = weights.split_at_mut(split);
            (Some(left), Some(right))
        }
        None => (None, None),
    };
    rayon::join(
        || sort_range(offsets, vertices.start..middle, base, left_targets, left_weights),
        || sort_range(offsets, middle..vertices.end, offsets[middle], right_targets, right_weights),
    );
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::algo::test_support::{graph_strategy, in_pool, large_graph_strategy};

    /// Each vertex's (neighbour, weight) pairs.
    type Lists = Vec<Vec<(u32, f64)>>;

    /// Per-vertex `Vec`s sorted by (neighbour, weight), as the oracle: (out, in) lists.
    fn oracle(n: u32, edges: &[(u32, u32)], weights: &[f64], directed: bool) -> (Lists, Lists) {
        let mut out = vec![Vec::new(); n as usize];
        let mut inn = vec![Vec::new(); n as usize];
        for (&(src, dst), &weight) in edges.iter().zip(weights) {
            out[src as usize].push((dst, weight));
            inn[dst as usize].push((src, weight));
            if !directed && src != dst {
                out[dst as usize].push((src, weight));
                inn[src as usize].push((dst, weight));
            }
        }
        for list in out.iter_mut().chain(inn.iter_mut()) {
            list.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        }
        (out, inn)
    }

    fn lists(graph: &AdjGraph) -> (Lists, Lists) {
        let zip =
            |targets: &[u32], weights: &[f64]| targets.iter().copied().zip(weights.iter().copied()).collect::<Vec<_>>();
        (0..graph.n_vertices())
            .map(|v| {
                let out = zip(graph.out_neighbours(v), graph.out_weights(v).unwrap());
                let inn = zip(graph.in_neighbours(v), graph.in_weights(v).unwrap());
                (out, inn)
            })
            .unzip()
    }

    fn weights_for(edges: &[(u32, u32)]) -> Vec<f64> {
        (0..edges.len()).map(|i| (i * 7919 % 13) as f64 / 4.0).collect()
    }

    #[test]
    fn graphs_past_the_parallel_threshold_build_the_same_on_any_thread_count() {
        let n = 30_000u32;
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let edges: Vec<(u32, u32)> = (0..4 * PARALLEL_FROM)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state % u64::from(n)) as u32, ((state >> 32) % u64::from(n)) as u32)
            })
            .collect();
        let weights = weights_for(&edges);
        for directed in [true, false] {
            let build = || AdjGraph::from_edges(n, &edges, Some(&weights), directed);
            let one = in_pool(1, build);
            assert_eq!(lists(&one), oracle(n, &edges, &weights, directed));
            assert_eq!(one, in_pool(2, build));
            assert_eq!(one, in_pool(5, build));
        }
    }

    #[test]
    fn parallel_edges_are_ordered_by_weight() {
        let graph = AdjGraph::from_edges(2, &[(0, 1), (0, 1), (0, 1)], Some(&[3.0, 1.0, 2.0]), true);
        assert_eq!(graph.out_weights(0), Some(&[1.0, 2.0, 3.0][..]));
        assert_eq!(graph.in_weights(1), Some(&[1.0, 2.0, 3.0][..]));
    }

    #[test]
    fn directed_lists_are_sorted_both_ways() {
        let edges = [(2, 0), (0, 3), (0, 1), (3, 0), (1, 3), (2, 1)];
        let weights = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let graph = AdjGraph::from_edges(4, &edges, Some(&weights), true);
        assert_eq!(graph.n_vertices(), 4);
        assert_eq!(graph.n_edges(), 6);
        assert_eq!(graph.out_neighbours(0), &[1, 3]);
        assert_eq!(graph.out_weights(0), Some(&[3.0, 2.0][..]));
        assert_eq!(graph.out_neighbours(2), &[0, 1]);
        assert_eq!(graph.in_neighbours(0), &[2, 3]);
        assert_eq!(graph.in_weights(0), Some(&[1.0, 4.0][..]));
        assert_eq!(graph.in_neighbours(3), &[0, 1]);
        assert_eq!(graph.in_neighbours(2), &[] as &[u32]);
        assert_eq!(graph.out_degree(0), 2);
        assert_eq!(graph.in_degree(1), 2);
    }

    #[test]
    fn undirected_edges_are_stored_both_ways_and_in_aliases_out() {
        let edges = [(1, 0), (0, 2), (2, 2)];
        let graph = AdjGraph::from_edges(3, &edges, Some(&[7.0, 8.0, 9.0]), false);
        assert_eq!(graph.n_edges(), 3);
        assert_eq!(graph.n_arcs(), 5);
        assert_eq!(graph.out_neighbours(0), &[1, 2]);
        assert_eq!(graph.out_weights(0), Some(&[7.0, 8.0][..]));
        assert_eq!(graph.out_neighbours(2), &[0, 2]);
        assert_eq!(graph.in_neighbours(2), graph.out_neighbours(2));
        assert!(std::ptr::eq(graph.in_csr(), graph.out_csr()));
    }

    #[test]
    fn empty_graph_has_no_edges() {
        let graph = AdjGraph::from_edges(0, &[], None, true);
        assert_eq!(graph.n_vertices(), 0);
        assert_eq!(graph.n_arcs(), 0);
        assert!(!graph.is_weighted());
    }

    #[test]
    fn bad_input_is_refused_with_a_named_error() {
        assert_eq!(
            AdjGraph::try_from_edges(2, &[(0, 1), (1, 2)], None, true),
            Err(AdjGraphError::VertexOutOfRange { edge_index: 1, src: 1, dst: 2, n_vertices: 2 })
        );
        assert_eq!(
            AdjGraph::try_from_edges(2, &[(0, 1)], Some(&[]), true),
            Err(AdjGraphError::WeightCountMismatch { n_edges: 1, n_weights: 0 })
        );
    }

    proptest! {
        #[test]
        fn lists_equal_sorted_per_vertex_vecs((n, edges, directed) in graph_strategy()) {
            let weights = weights_for(&edges);
            let graph = AdjGraph::from_edges(n, &edges, Some(&weights), directed);
            prop_assert_eq!(lists(&graph), oracle(n, &edges, &weights, directed));
            let unweighted = AdjGraph::from_edges(n, &edges, None, directed);
            prop_assert_eq!(unweighted.out_csr().targets(), graph.out_csr().targets());
            prop_assert_eq!(unweighted.in_csr().offsets(), graph.in_csr().offsets());
        }
    }

    proptest! {
        // Large graphs are slower to build; a few cases still cover the parallel paths.
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn large_graphs_build_the_same_on_any_thread_count((n, edges, directed) in large_graph_strategy()) {
            let weights = weights_for(&edges);
            let one = in_pool(1, || AdjGraph::from_edges(n, &edges, Some(&weights), directed));
            let two = in_pool(2, || AdjGraph::from_edges(n, &edges, Some(&weights), directed));
            let three = in_pool(3, || AdjGraph::from_edges(n, &edges, Some(&weights), directed));
            prop_assert_eq!(lists(&two), oracle(n, &edges, &weights, directed));
            prop_assert_eq!(&one, &two);
            prop_assert_eq!(&one, &three);
        }
    }
}
