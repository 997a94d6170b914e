//! Local moving: each vertex goes to the neighbouring community that raises modularity most, until
//! no single move raises it. This is Leiden's "fast local move" (Traag, Waltman and van Eck 2019),
//! which Louvain uses here too: after the first sweep only vertices whose neighbourhood changed are
//! looked at again. Rather than a queue in the order of the moves, the vertices to look at again
//! are flagged and picked up by repeated sweeps over a fixed visiting order, which keeps the reads
//! of the adjacency arrays close to sequential when the order keeps runs of ids together
//! ([`super::rng::visiting_order`]).
//!
//! Determinism with parallelism: each sweep is served in batches whose size depends only on the
//! graph. For a batch, every vertex's best move is computed in parallel (in small tasks, so a busy
//! machine that deschedules one thread does not stall the others) from the state at the start of
//! the batch; the moves are then applied one by one in sweep order. A vertex with a neighbour that
//! moved earlier in the same batch has its move computed again when its turn comes, so the weights
//! it acts on are exact; community totals are re-read when applying, so every applied move
//! strictly raises modularity. Then the neighbours of the moved vertices that are now in another
//! community are flagged in parallel (setting flags commutes). The result depends on the seed and
//! the graph, never on the number of threads.
//!
//! Units: gains are in units of `2m · Q`. The score of putting vertex `v` (strength `k_v`) in
//! community `C` is `k_{v,C} − γ k_v K_C / 2m`, with `k_{v,C}` the weight of `v`'s edges into `C`
//! and `K_C` the strength of `C` without `v`; a move from `A` to `B` gains twice the difference of
//! their scores.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use super::level::{LevelGraph, Strengths};

/// "No community", in slot arrays.
const NONE: u32 = u32::MAX;
/// A proposal to stay put.
const STAY: u32 = u32::MAX;
/// A proposal to leave for an empty community of one's own.
const EMPTY: u32 = u32::MAX - 1;

/// Largest batch served in one parallel step.
const MAX_BATCH: u64 = 4096;
/// Batches smaller than this are proposed on the calling thread: a fork would cost more.
const PARALLEL_BATCH: usize = 256;
/// Vertices per parallel task when proposing: small, so that a thread descheduled by a busy
/// machine holds up little work while the others take the rest of the batch.
const PROPOSE_CHUNK: usize = 64;
/// Batches are sized so that a vertex expects at most 1/`BATCH_DILUTION` neighbours in its own
/// batch: a batch of `n² / (BATCH_DILUTION · arcs)` vertices. Dense graphs get small batches (down
/// to 1, plain sequential moving), where recomputing stale moves would undo the parallel gain.
const BATCH_DILUTION: u64 = 16;
/// Safety cap on vertex visits, as a multiple of `n` plus a constant: every applied move raises
/// modularity, so the sweeps end long before; the cap only guards against rounding cycles.
const VISIT_CAP_PER_VERTEX: u64 = 256;

/// A partition of one level's vertices, with each community's strength and size.
#[derive(Debug, Clone)]
pub(crate) struct Partition {
    /// Community of each vertex, in `0..n`.
    pub(crate) community: Vec<u32>,
    /// Strength of each community id (0 for an empty one).
    pub(crate) total: Vec<f64>,
    /// Members of each community id.
    pub(crate) size: Vec<u32>,
    /// Ids with no members, for vertices that leave for an empty community.
    free: Vec<u32>,
}

impl Partition {
    /// Every vertex alone.
    pub(crate) fn singletons(strengths: &Strengths) -> Partition {
        let n = strengths.of.len();
        Partition {
            community: (0..n as u32).collect(),
            total: strengths.of.clone(),
            size: vec![1; n],
            free: Vec::new(),
        }
    }

    /// The partition `assignment`, whose ids must be below the vertex count.
    pub(crate) fn from_assignment(assignment: Vec<u32>, strengths: &Strengths) -> Partition {
        let n = assignment.len();
        let mut total = vec![0.0; n];
        let mut size = vec![0u32; n];
        for (vertex, &community) in assignment.iter().enumerate() {
            total[community as usize] += strengths.of[vertex];
            size[community as usize] += 1;
        }
        // Popped from the back: the smallest free id is used first.
        let free = (0..n as u32).rev().filter(|&community| size[community as usize] == 0).collect();
        Partition { community: assignment, total, size, free }
    }

    /// The number of non-empty communities.
    pub(crate) fn n_communities(&self) -> usize {
        self.size.len() - self.free.len()
    }

    /// Moves `vertex` of strength `strength` to `target`.
    fn move_vertex(&mut self, vertex: u32, strength: f64, target: u32) {
        let own = self.community[vertex as usize];
        self.total[own as usize] -= strength;
        self.size[own as usize] -= 1;
        if self.size[own as usize] == 0 {
            // Exactly zero, so that an emptied community is indistinguishable from a fresh one.
            self.total[own as usize] = 0.0;
            self.free.push(own);
        }
        self.total[target as usize] += strength;
        self.size[target as usize] += 1;
        self.community[vertex as usize] = target;
    }

    /// Takes a free id for a new community (there always is one when a vertex shares its own).
    fn take_free(&mut self) -> Option<u32> {
        self.free.pop()
    }
}

/// A vertex's best move as computed from some state: where to, and the weights that decided it.
#[derive(Debug, Clone, Copy)]
struct Proposal {
    target: u32,
    weight_to_target: f64,
    weight_to_own: f64,
    /// A neighbour is in the same batch: if anything in the batch moves first, recompute.
    batch_neighbour: bool,
}

const STAY_PUT: Proposal = Proposal { target: STAY, weight_to_target: 0.0, weight_to_own: 0.0, batch_neighbour: false };

/// Vertices with at most this many arcs sum their weights per community in a small hash table
/// that stays in L1 cache; others in a dense array with a slot per community id. On large sparse
/// graphs the dense array is a cache miss per arc.
const SMALL_DEGREE: usize = 64;
/// Low-degree vertices whose neighbours are gathered together (see [`Mover::propose`]).
const GROUP: usize = 8;
/// Entries of the small table: a power of two, at least four times [`SMALL_DEGREE`].
const TABLE_SIZE: usize = 256;

/// Scratch space for summing a vertex's arc weights per neighbouring community.
struct Scratch {
    /// Dense: a slot per community id into `sums`.
    slot: Vec<u32>,
    /// Small: open addressing on community ids, with the `sums` index of each key.
    table_keys: Box<[u32; TABLE_SIZE]>,
    table_index: Box<[u32; TABLE_SIZE]>,
    sums: Vec<(u32, f64)>,
    /// The neighbours' (community, weight) pairs, gathered before summing.
    gathered: Vec<(u32, f64)>,
    /// The communities of `sums` that may beat staying put.
    picks: Vec<(u32, f64)>,
    /// The total of each community in `picks`.
    totals: Vec<f64>,
}

impl Scratch {
    fn new(n_communities: usize) -> Scratch {
        Scratch {
            slot: vec![NONE; n_communities],
            table_keys: Box::new([NONE; TABLE_SIZE]),
            table_index: Box::new([0; TABLE_SIZE]),
            sums: Vec::new(),
            gathered: Vec::with_capacity(GROUP * SMALL_DEGREE),
            picks: Vec::new(),
            totals: Vec::new(),
        }
    }

    /// The first table position for `community` (Fibonacci hashing).
    #[inline]
    fn home(community: u32) -> usize {
        (community.wrapping_mul(0x9E37_79B9) >> (32 - TABLE_SIZE.trailing_zeros())) as usize
    }

    /// Adds `weight` to `community`'s sum in the small table.
    #[inline]
    fn add_small(&mut self, community: u32, weight: f64) {
        let mut at = Self::home(community);
        loop {
            let key = self.table_keys[at];
            if key == community {
                self.sums[self.table_index[at] as usize].1 += weight;
                return;
            }
            if key == NONE {
                self.table_keys[at] = community;
                self.table_index[at] = self.sums.len() as u32;
                self.sums.push((community, weight));
                return;
            }
            at = (at + 1) & (TABLE_SIZE - 1);
        }
    }

    /// `community`'s sum in the small table, 0 if absent.
    #[inline]
    fn get_small(&self, community: u32) -> f64 {
        let mut at = Self::home(community);
        loop {
            let key = self.table_keys[at];
            if key == community {
                return self.sums[self.table_index[at] as usize].1;
            }
            if key == NONE {
                return 0.0;
            }
            at = (at + 1) & (TABLE_SIZE - 1);
        }
    }

    /// Empties the small table (only the positions used).
    #[inline]
    fn clear_small(&mut self) {
        for &(community, _) in &self.sums {
            let mut at = Self::home(community);
            while self.table_keys[at] != NONE {
                self.table_keys[at] = NONE;
                at = (at + 1) & (TABLE_SIZE - 1);
            }
        }
        self.sums.clear();
    }
}

/// What a call to [`move_vertices`] did.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MoveOutcome {
    /// Moves applied.
    pub(crate) moves: u64,
    /// Vertices looked at.
    pub(crate) visits: u64,
    /// Sum of the applied gains, in units of `2m · Q`.
    pub(crate) gain: f64,
    /// Whether the visit cap stopped the sweeps early (never seen; reported if it happens).
    pub(crate) capped: bool,
}

/// The parameters that stay fixed during one run of local moving.
struct Mover<'a, G> {
    graph: &'a G,
    strengths: &'a [f64],
    /// `γ / 2m`.
    gamma_per_total: f64,
}

impl<G: LevelGraph> Mover<'_, G> {
    /// The best move of each of `vertices` in `partition`, into `out`: the neighbouring
    /// community with the highest score (the first met on a tie), an empty community if every
    /// score is negative, or staying. `in_batch`, if given, has a bit per vertex of the current
    /// batch (a bitset small enough to stay in cache), to flag proposals that a batch-mate's move
    /// may invalidate.
    ///
    /// Low-degree vertices go [`GROUP`] at a time: first the communities of all their neighbours
    /// are gathered in one loop with no data-dependent branches, so that the loads, cache misses
    /// on a large graph, overlap; then each vertex is scored from that buffer in L1.
    fn propose(
        &self,
        partition: &Partition,
        vertices: &[u32],
        out: &mut [Proposal],
        scratch: &mut Scratch,
        in_batch: Option<&[AtomicU64]>,
    ) {
        let community = &partition.community;
        for (group, group_out) in vertices.chunks(GROUP).zip(out.chunks_mut(GROUP)) {
            let mut gathered = std::mem::take(&mut scratch.gathered);
            gathered.clear();
            let mut ends = [0usize; GROUP];
            let mut flags = [false; GROUP];
            for (index, &vertex) in group.iter().enumerate() {
                if self.graph.max_neighbours(vertex) <= SMALL_DEGREE {
                    let mut batch_neighbour = false;
                    self.graph.for_each_neighbour(vertex, |neighbour, weight| {
                        if let Some(bits) = in_batch {
                            batch_neighbour |=
                                bits[neighbour as usize >> 6].load(Ordering::Relaxed) >> (neighbour & 63) & 1 != 0;
                        }
                        gathered.push((community[neighbour as usize], weight));
                    });
                    flags[index] = batch_neighbour;
                }
                ends[index] = gathered.len();
            }
            let mut start = 0;
            for (index, &vertex) in group.iter().enumerate() {
                group_out[index] = if self.graph.max_neighbours(vertex) <= SMALL_DEGREE {
                    for &(other, weight) in &gathered[start..ends[index]] {
                        scratch.add_small(other, weight);
                    }
                    let own = community[vertex as usize];
                    let proposal = self.best_move(partition, vertex, scratch.get_small(own), scratch, flags[index]);
                    scratch.clear_small();
                    proposal
                } else {
                    self.propose_dense(partition, vertex, scratch, in_batch)
                };
                start = ends[index];
            }
            scratch.gathered = gathered;
        }
    }

    /// [`Mover::propose`] for one vertex of high degree, summing in the dense slot array.
    fn propose_dense(
        &self,
        partition: &Partition,
        vertex: u32,
        scratch: &mut Scratch,
        in_batch: Option<&[AtomicU64]>,
    ) -> Proposal {
        let community = &partition.community;
        let mut batch_neighbour = false;
        let Scratch { slot, sums, .. } = &mut *scratch;
        self.graph.for_each_neighbour(vertex, |neighbour, weight| {
            if let Some(bits) = in_batch {
                batch_neighbour |= bits[neighbour as usize >> 6].load(Ordering::Relaxed) >> (neighbour & 63) & 1 != 0;
            }
            let other = community[neighbour as usize];
            let at = slot[other as usize];
            if at == NONE {
                slot[other as usize] = sums.len() as u32;
                sums.push((other, weight));
            } else {
                sums[at as usize].1 += weight;
            }
        });
        let own = community[vertex as usize];
        let at = slot[own as usize];
        let weight_to_own = if at == NONE { 0.0 } else { sums[at as usize].1 };
        for &(other, _) in sums.iter() {
            slot[other as usize] = NONE;
        }
        let proposal = self.best_move(partition, vertex, weight_to_own, scratch, batch_neighbour);
        scratch.sums.clear();
        proposal
    }

    /// The best move of `vertex` given its weight to each neighbouring community in
    /// `scratch.sums` (left as it is).
    fn best_move(
        &self,
        partition: &Partition,
        vertex: u32,
        weight_to_own: f64,
        scratch: &mut Scratch,
        batch_neighbour: bool,
    ) -> Proposal {
        let own = partition.community[vertex as usize];
        let strength = self.strengths[vertex as usize];
        let scale = self.gamma_per_total * strength;
        let own_score = weight_to_own - scale * (partition.total[own as usize] - strength);
        // A community's score is at most the weight to it (its total is ≥ 0), so one whose weight
        // does not beat staying can never win: most of a settled vertex's neighbouring
        // communities are dropped here without reading their totals, cache misses on a large
        // graph. The survivors' totals are then read in a loop without branches, for the same
        // reason as the gathering.
        let Scratch { sums, picks, totals, .. } = &mut *scratch;
        picks.clear();
        picks.extend(sums.iter().filter(|&&(other, weight)| weight > own_score && other != own));
        totals.clear();
        totals.extend(picks.iter().map(|&(other, _)| partition.total[other as usize]));
        let mut best = Proposal { target: STAY, weight_to_target: 0.0, weight_to_own, batch_neighbour };
        let mut best_score = own_score;
        for (&(other, weight), &total) in picks.iter().zip(totals.iter()) {
            let score = weight - scale * total;
            if score > best_score {
                best_score = score;
                best.target = other;
                best.weight_to_target = weight;
            }
        }
        // An empty community scores 0: better only if every other choice is negative.
        if best_score < 0.0 && partition.size[own as usize] > 1 {
            best.target = EMPTY;
            best.weight_to_target = 0.0;
        }
        best
    }

    /// Applies `proposal` if it still strictly raises modularity with the current totals;
    /// returns the new community and the gain.
    fn apply(&self, partition: &mut Partition, vertex: u32, proposal: Proposal) -> Option<(u32, f64)> {
        if proposal.target == STAY {
            return None;
        }
        let own = partition.community[vertex as usize];
        let strength = self.strengths[vertex as usize];
        let scale = self.gamma_per_total * strength;
        let own_score = proposal.weight_to_own - scale * (partition.total[own as usize] - strength);
        let target_score = if proposal.target == EMPTY {
            0.0
        } else {
            proposal.weight_to_target - scale * partition.total[proposal.target as usize]
        };
        if target_score <= own_score {
            return None;
        }
        let target = if proposal.target == EMPTY {
            if partition.size[own as usize] == 1 {
                return None;
            }
            partition.take_free()?
        } else {
            proposal.target
        };
        partition.move_vertex(vertex, strength, target);
        Some((target, 2.0 * (target_score - own_score)))
    }
}

/// The batch size for `graph`: see [`BATCH_DILUTION`].
fn batch_size(graph: &impl LevelGraph) -> usize {
    let n = u64::from(graph.n_vertices());
    let arcs = graph.n_arcs().max(1);
    (n.saturating_mul(n) / (BATCH_DILUTION * arcs)).clamp(1, MAX_BATCH) as usize
}

/// A bit per vertex, settable from several threads at once. Setting bits commutes, so the set
/// after a parallel pass does not depend on the order the threads ran in.
struct Bits(Vec<AtomicU64>);

impl Bits {
    fn new(n: usize, set: bool) -> Bits {
        let word = if set { u64::MAX } else { 0 };
        Bits((0..n.div_ceil(64)).map(|_| AtomicU64::new(word)).collect())
    }

    /// Sets `vertex`'s bit; a plain read first skips the atomic write (costly even uncontended)
    /// when it is set already, which is safe because bits are only set during a parallel pass.
    #[inline]
    fn set(&self, vertex: u32) {
        let word = &self.0[vertex as usize >> 6];
        let mask = 1 << (vertex & 63);
        if word.load(Ordering::Relaxed) & mask == 0 {
            word.fetch_or(mask, Ordering::Relaxed);
        }
    }

    /// Clears `vertex`'s bit; returns whether it was set. Only called between parallel passes.
    #[inline]
    fn take(&self, vertex: u32) -> bool {
        let word = &self.0[vertex as usize >> 6];
        let mask = 1 << (vertex & 63);
        let bits = word.load(Ordering::Relaxed);
        if bits & mask == 0 {
            return false;
        }
        word.store(bits & !mask, Ordering::Relaxed);
        true
    }

    #[inline]
    fn get(&self, vertex: u32) -> bool {
        self.0[vertex as usize >> 6].load(Ordering::Relaxed) >> (vertex & 63) & 1 != 0
    }

    #[inline]
    fn clear(&self, vertex: u32) {
        self.0[vertex as usize >> 6].fetch_and(!(1 << (vertex & 63)), Ordering::Relaxed);
    }

    /// The words, for a read-only pass.
    fn words(&self) -> &[AtomicU64] {
        &self.0
    }
}

/// One scratch per worker thread, each behind its own (uncontended) lock: the thread a task runs
/// on picks the scratch, and scratch is left empty after every vertex, so which one a task gets
/// never shows in the result.
struct ScratchPool(Vec<Mutex<Scratch>>);

impl ScratchPool {
    fn new(n_threads: usize, n_communities: usize) -> ScratchPool {
        ScratchPool((0..n_threads.max(1)).map(|_| Mutex::new(Scratch::new(n_communities))).collect())
    }

    fn with<T>(&self, job: impl FnOnce(&mut Scratch) -> T) -> T {
        let index = rayon::current_thread_index().unwrap_or(0) % self.0.len();
        // A poisoned lock means a task panicked: its scratch may hold stale sums, so start over.
        let mut guard = self.0[index].lock().unwrap_or_else(|poisoned| {
            let mut guard = poisoned.into_inner();
            let n = guard.slot.len();
            *guard = Scratch::new(n);
            guard
        });
        job(&mut guard)
    }
}

/// Moves vertices of `graph` between the communities of `partition` until no single move raises
/// modularity. Vertices are visited in sweeps over `order` (a permutation of the vertices); all
/// are active at first, a vertex is deactivated when visited, and a move reactivates the moved
/// vertex's neighbours outside its new community. Sweeps repeat until no vertex is active.
/// `tick` is called now and then with the number of visits so far.
///
/// This visits the same vertices as Leiden's queue, but in `order` rather than in the order moves
/// happened; when `order` keeps runs of neighbouring ids together, a sweep reads the adjacency
/// arrays nearly sequentially instead of at random.
pub(crate) fn move_vertices<G: LevelGraph>(
    graph: &G,
    strengths: &Strengths,
    partition: &mut Partition,
    order: &[u32],
    resolution: f64,
    tick: &(dyn Fn(u64) + Sync),
) -> MoveOutcome {
    let n = graph.n_vertices() as usize;
    let mut outcome = MoveOutcome::default();
    if n == 0 || strengths.total <= 0.0 {
        return outcome;
    }
    let mover = Mover { graph, strengths: &strengths.of, gamma_per_total: resolution / strengths.total };
    let batch = batch_size(graph);
    let n_threads = if batch == 1 { 1 } else { rayon::current_num_threads().max(1) };
    let pool = ScratchPool::new(n_threads, n);
    let active = Bits::new(n, true);
    // Vertices of the current batch, and those of them that have moved, for the staleness check.
    let in_batch = Bits::new(if batch == 1 { 0 } else { n }, false);
    let moved_bits = Bits::new(if batch == 1 { 0 } else { n }, false);
    let mut batch_vertices: Vec<u32> = Vec::with_capacity(batch);
    let mut proposals: Vec<Proposal> = Vec::with_capacity(batch);
    let mut moved: Vec<u32> = Vec::with_capacity(batch);
    let visit_cap = VISIT_CAP_PER_VERTEX * n as u64 + 1_000_000;
    let mut next_tick = 1u64 << 20;

    'sweeps: loop {
        let visits_before = outcome.visits;
        let mut cursor = 0;
        while cursor < order.len() {
            if outcome.visits >= visit_cap {
                outcome.capped = true;
                break 'sweeps;
            }
            if outcome.visits >= next_tick {
                tick(outcome.visits);
                next_tick += 1 << 20;
            }
            batch_vertices.clear();
            while batch_vertices.len() < batch && cursor < order.len() {
                let vertex = order[cursor];
                cursor += 1;
                if active.take(vertex) {
                    batch_vertices.push(vertex);
                }
            }
            let take = batch_vertices.len();
            if take == 0 {
                break;
            }
            outcome.visits += take as u64;

            moved.clear();
            if take < PARALLEL_BATCH {
                // Few vertices: each proposed from the current state and applied at once.
                for &vertex in &batch_vertices {
                    let mut proposal = [STAY_PUT];
                    pool.with(|scratch| mover.propose(partition, &[vertex], &mut proposal, scratch, None));
                    let Some((_, gain)) = mover.apply(partition, vertex, proposal[0]) else { continue };
                    outcome.moves += 1;
                    outcome.gain += gain;
                    moved.push(vertex);
                }
            } else {
                // Proposals in parallel from the state at the start of the batch.
                proposals.clear();
                proposals.resize(take, STAY_PUT);
                batch_vertices.iter().for_each(|&vertex| in_batch.set(vertex));
                {
                    let shared: &Partition = partition;
                    let bits = in_batch.words();
                    proposals.par_chunks_mut(PROPOSE_CHUNK).zip(batch_vertices.par_chunks(PROPOSE_CHUNK)).for_each(
                        |(out, vertices)| {
                            pool.with(|scratch| mover.propose(shared, vertices, out, scratch, Some(bits)))
                        },
                    );
                }
                batch_vertices.iter().for_each(|&vertex| in_batch.clear(vertex));
                // Applied in order. A proposal that read a batch-mate which has moved since is
                // computed again, so every move acts on exact weights.
                for (index, &vertex) in batch_vertices.iter().enumerate() {
                    let mut proposal = proposals[index];
                    if proposal.batch_neighbour && !moved.is_empty() {
                        let mut stale = false;
                        graph.for_each_neighbour(vertex, |neighbour, _| stale |= moved_bits.get(neighbour));
                        if stale {
                            let mut again = [STAY_PUT];
                            pool.with(|scratch| mover.propose(partition, &[vertex], &mut again, scratch, None));
                            proposal = again[0];
                        }
                    }
                    let Some((_, gain)) = mover.apply(partition, vertex, proposal) else { continue };
                    outcome.moves += 1;
                    outcome.gain += gain;
                    moved.push(vertex);
                    moved_bits.set(vertex);
                }
                moved.iter().for_each(|&vertex| moved_bits.clear(vertex));
            }

            // Neighbours of moved vertices that are now in another community become active.
            let community = &partition.community;
            let activate = |vertex: &u32| {
                let own = community[*vertex as usize];
                graph.for_each_neighbour(*vertex, |neighbour, _| {
                    if community[neighbour as usize] != own {
                        active.set(neighbour);
                    }
                });
            };
            if moved.len() < PARALLEL_BATCH {
                moved.iter().for_each(activate);
            } else {
                moved.par_iter().with_min_len(PROPOSE_CHUNK).for_each(activate);
            }
        }
        if outcome.visits == visits_before {
            break;
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::super::level::InputView;
    use super::super::modularity::modularity;
    use super::*;
    use crate::algo::test_support::in_pool;
    use crate::algo::AdjGraph;

    /// Two 4-cliques joined by one edge.
    fn two_cliques() -> AdjGraph {
        let mut edges = Vec::new();
        for base in [0, 4] {
            for a in base..base + 4 {
                for b in a + 1..base + 4 {
                    edges.push((a, b));
                }
            }
        }
        edges.push((3, 4));
        AdjGraph::from_edges(8, &edges, None, false)
    }

    #[test]
    fn local_moving_finds_two_cliques_and_tracks_its_gain() {
        let graph = two_cliques();
        let view = InputView::new(&graph);
        let strengths = Strengths::of_graph(&view);
        let mut partition = Partition::singletons(&strengths);
        let order: Vec<u32> = (0..8).collect();
        let outcome = move_vertices(&view, &strengths, &mut partition, &order, 1.0, &|_| {});
        let c = &partition.community;
        assert!(c[..4].iter().all(|&x| x == c[0]) && c[4..].iter().all(|&x| x == c[4]) && c[0] != c[4]);
        let singleton = modularity(&graph, &(0..8).collect::<Vec<_>>(), 1.0).unwrap();
        let found = modularity(&graph, c, 1.0).unwrap();
        assert!((singleton + outcome.gain / strengths.total - found).abs() < 1e-12);
    }

    #[test]
    fn a_vertex_better_alone_leaves_for_an_empty_community() {
        // Vertex 2 hangs by a light edge onto a heavy pair; at resolution 1.5 it is better alone
        // (score 0.1 - 1.5 * 0.1 * 20.1 / 20.2 < 0) while the pair stays together.
        let graph = AdjGraph::from_edges(3, &[(0, 1), (1, 2)], Some(&[10.0, 0.1]), false);
        let view = InputView::new(&graph);
        let strengths = Strengths::of_graph(&view);
        let mut partition = Partition::from_assignment(vec![0, 0, 0], &strengths);
        let outcome = move_vertices(&view, &strengths, &mut partition, &[2, 1, 0], 1.5, &|_| {});
        assert_eq!(outcome.moves, 1);
        assert_eq!(partition.community[0], partition.community[1]);
        assert_ne!(partition.community[2], partition.community[0]);
        assert_eq!(partition.n_communities(), 2);
    }

    #[test]
    fn batched_moves_do_not_depend_on_thread_count() {
        // Big enough for batches of more than one vertex.
        let n = 40_000u32;
        let mut rng = super::super::rng::SplitMix::new(3);
        let edges: Vec<(u32, u32)> = (0..4 * n)
            .map(|_| {
                let a = rng.below(n);
                // Mostly inside blocks of 100, sometimes anywhere.
                let b = if rng.below(4) == 0 { rng.below(n) } else { a / 100 * 100 + rng.below(100) };
                (a, b)
            })
            .collect();
        let graph = AdjGraph::from_edges(n, &edges, None, false);
        let view = InputView::new(&graph);
        assert!(batch_size(&view) > 1);
        let strengths = Strengths::of_graph(&view);
        let order = super::super::rng::permutation(n, &mut super::super::rng::SplitMix::new(5));
        let run = || {
            let mut partition = Partition::singletons(&strengths);
            let outcome = move_vertices(&view, &strengths, &mut partition, &order, 1.0, &|_| {});
            (partition.community, outcome.moves)
        };
        let one = in_pool(1, run);
        assert_eq!(one, in_pool(2, run));
        assert_eq!(one, in_pool(3, run));
    }
}
