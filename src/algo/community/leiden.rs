//! Leiden (Traag, Waltman and van Eck 2019, "From Louvain to Leiden: guaranteeing well-connected
//! communities"): local moving, then refinement of every community into well-connected
//! subcommunities, then aggregation by subcommunities with each aggregate vertex starting in its
//! parent community; repeated until local moving leaves every aggregate vertex alone.
//!
//! One run of that loop is an iteration. Like leidenalg, the default is two iterations, the second
//! starting from the first's partition; `iterations = 0` repeats until an iteration moves nothing.
//! When refinement merges nothing (every subcommunity a single vertex) the level aggregates by
//! the communities themselves, as igraph's `community_leiden` does, so every level shrinks the
//! graph and the loop ends. (leidenalg ends the iteration there instead; the paper's loop would
//! run the same level again.)
//!
//! Refinement makes every community connected: each aggregate vertex is a refined subcommunity,
//! connected in the level below, and the last level of an iteration leaves every aggregate vertex
//! alone, so each final community is one connected aggregate vertex. Only a level that fell back
//! to aggregating by communities (or a run stopped by the level guard) breaks that chain; then the
//! final partition is checked with a union-find over the edges inside communities, and a
//! disconnected community is split into its components (which only raises modularity). The count
//! is reported; none has been seen.

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use super::level::{aggregate, renumber_dense, Aggregate, InputView, LevelGraph, Strengths};
use super::modularity::modularity_of;
use super::moving::{move_vertices, Partition};
use super::refine::refine;
use super::rng::{visiting_order, SplitMix};
use super::{check_input, level_bytes, relabel_by_size, Communities, CommunityError, CommunityStats, Phase, Progress};
use crate::algo::AdjGraph;

/// Random stream of Leiden's visiting orders and refinement choices.
const STREAM: u64 = 0x1E_1DE4;
/// A guard on levels per iteration: each level shrinks the graph; real runs need a dozen at most.
const MAX_LEVELS: u32 = 64;

/// Leiden's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeidenOptions {
    /// The resolution `γ` (> 0): 1 for classic modularity, higher for smaller communities.
    pub resolution: f64,
    /// The seed of the visiting orders and refinement choices.
    pub seed: u64,
    /// Iterations, each starting from the previous partition; 0 repeats until one moves nothing.
    pub iterations: u32,
}

impl Default for LeidenOptions {
    fn default() -> LeidenOptions {
        LeidenOptions { resolution: 1.0, seed: 0, iterations: 2 }
    }
}

/// Leiden communities of `graph` (weighted if it has weights; directed read as undirected).
pub fn leiden(graph: &AdjGraph, options: &LeidenOptions) -> Result<Communities, CommunityError> {
    leiden_with_progress(graph, options, &|_| {})
}

/// [`leiden`], calling `progress` at each phase and now and then during local moving.
pub fn leiden_with_progress(
    graph: &AdjGraph,
    options: &LeidenOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Communities, CommunityError> {
    check_input(graph, options.resolution)?;
    let input = InputView::new(graph);
    let strengths = Strengths::of_graph(&input);
    let n_input = graph.n_vertices();
    let mut membership: Vec<u32> = (0..n_input).collect();
    let mut stats = CommunityStats {
        tracked_modularity: modularity_of(&input, &strengths, &membership, options.resolution),
        ..CommunityStats::default()
    };
    let mut levels: Vec<Vec<u32>> = Vec::new();
    let max_iterations = if options.iterations == 0 { u32::MAX } else { options.iterations };
    let mut connected_by_construction = true;

    for iteration in 0..max_iterations {
        let mut rng = SplitMix::derive(options.seed, STREAM, u64::from(iteration));
        let mut to_level: Vec<u32> = (0..n_input).collect();
        let mut init = membership.clone();
        let mut current: Option<(Aggregate, Strengths)> = None;
        let mut iteration_moves = 0;
        // Whether every aggregate vertex of this iteration is a connected set of input vertices.
        connected_by_construction = true;
        let mut finished = false;
        for level in 0..MAX_LEVELS {
            let context = LevelContext { resolution: options.resolution, iteration, level, progress };
            let step = match &current {
                None => run_level(&input, &strengths, init, &mut rng, &context),
                Some((graph, strengths)) => run_level(graph, strengths, init, &mut rng, &context),
            };
            stats.levels += 1;
            stats.moves += step.moves;
            stats.visits += step.visits;
            stats.capped |= step.capped;
            stats.tracked_modularity += step.gain / strengths.total.max(f64::MIN_POSITIVE);
            iteration_moves += step.moves;
            let graph_bytes = current.as_ref().map_or(0, |(graph, _)| graph.bytes())
                + step.next.as_ref().map_or(0, |next| next.graph.bytes());
            stats.peak_extra_bytes = stats.peak_extra_bytes.max(level_bytes(
                step.n_vertices,
                graph_bytes,
                n_input,
                8 + 4 * levels.len() as u64 + 4,
            ));
            membership = to_level.iter().map(|&vertex| step.assignment[vertex as usize]).collect();
            if iteration == 0 && levels.last() != Some(&membership) {
                levels.push(membership.clone());
            }
            let Some(next) = step.next else {
                finished = true;
                break;
            };
            connected_by_construction &= !next.fell_back;
            for vertex in to_level.iter_mut() {
                *vertex = next.refined[*vertex as usize];
            }
            init = next.init;
            current = Some((next.graph, next.strengths));
        }
        connected_by_construction &= finished;
        stats.iterations += 1;
        if iteration_moves == 0 {
            break;
        }
    }

    let (mut membership, split) =
        if connected_by_construction { (membership, 0) } else { split_disconnected(&input, membership) };
    stats.split_communities = split;
    let n_communities = relabel_by_size(&mut membership);
    for level in levels.iter_mut() {
        relabel_by_size(level);
    }
    let modularity = modularity_of(&input, &strengths, &membership, options.resolution);
    Ok(Communities { membership, n_communities, levels, modularity, stats })
}

/// What stays the same across one level's call.
struct LevelContext<'a> {
    resolution: f64,
    iteration: u32,
    level: u32,
    progress: &'a (dyn Fn(&Progress) + Sync),
}

/// The next level: its graph, which of its vertices each current vertex went to, and the
/// community each of its vertices starts in.
struct Next {
    graph: Aggregate,
    strengths: Strengths,
    refined: Vec<u32>,
    init: Vec<u32>,
    /// Refinement split nothing and the level aggregated by communities, which need not be
    /// connected.
    fell_back: bool,
}

/// What one level did.
struct LevelStep {
    n_vertices: u32,
    moves: u64,
    visits: u64,
    gain: f64,
    capped: bool,
    /// Dense community of each vertex of the level after local moving.
    assignment: Vec<u32>,
    /// The next level, unless local moving left every vertex alone.
    next: Option<Next>,
}

fn run_level<G: LevelGraph>(
    graph: &G,
    strengths: &Strengths,
    init: Vec<u32>,
    rng: &mut SplitMix,
    context: &LevelContext<'_>,
) -> LevelStep {
    let n_vertices = graph.n_vertices();
    let report = |phase, visits| {
        (context.progress)(&Progress { iteration: context.iteration, level: context.level, n_vertices, phase, visits })
    };
    report(Phase::Moving, 0);
    let order = visiting_order(n_vertices, rng);
    let refine_seed = rng.next_u64();
    let mut partition = Partition::from_assignment(init, strengths);
    let outcome = move_vertices(graph, strengths, &mut partition, &order, context.resolution, &|visits| {
        report(Phase::Moving, visits)
    });
    let done = partition.n_communities() == n_vertices as usize;
    let mut assignment = partition.community;
    let n_groups = renumber_dense(&mut assignment);
    let next = (!done).then(|| {
        report(Phase::Refining, outcome.visits);
        let (mut refined, mut n_refined) =
            refine(graph, strengths, &assignment, n_groups, context.resolution, refine_seed);
        let fell_back = n_refined == n_vertices;
        if fell_back {
            refined.clone_from(&assignment);
            n_refined = n_groups;
        }
        report(Phase::Aggregating, outcome.visits);
        let (next_graph, next_strengths) = aggregate(graph, strengths, &refined, n_refined);
        let mut init = vec![0u32; n_refined as usize];
        for (vertex, &sub) in refined.iter().enumerate() {
            init[sub as usize] = assignment[vertex];
        }
        Next { graph: next_graph, strengths: next_strengths, refined, init, fell_back }
    });
    LevelStep {
        n_vertices,
        moves: outcome.moves,
        visits: outcome.visits,
        gain: outcome.gain,
        capped: outcome.capped,
        assignment,
        next,
    }
}

/// Splits every community of `membership` into its connected components. Returns the new labels
/// (the smallest vertex of each component; `membership` itself if nothing split) and how many
/// communities were split.
fn split_disconnected(graph: &impl LevelGraph, membership: Vec<u32>) -> (Vec<u32>, u32) {
    let n = graph.n_vertices();
    let parents: Vec<AtomicU32> = (0..n).into_par_iter().map(AtomicU32::new).collect();
    (0..n).into_par_iter().with_min_len(1024).for_each(|vertex| {
        let community = membership[vertex as usize];
        graph.for_each_neighbour(vertex, |neighbour, _| {
            if neighbour > vertex && membership[neighbour as usize] == community {
                unite(&parents, vertex, neighbour);
            }
        });
    });
    let roots: Vec<u32> = (0..n).into_par_iter().map(|vertex| find(&parents, vertex)).collect();
    let count = |labels: &[u32]| {
        let mut seen = vec![false; n as usize];
        labels.iter().filter(|&&label| !std::mem::replace(&mut seen[label as usize], true)).count()
    };
    let n_components = count(&roots);
    let n_communities = count(&membership);
    if n_components == n_communities {
        return (membership, 0);
    }
    // Each community is a union of components; count the communities with more than one.
    let mut first_root = vec![u32::MAX; n as usize];
    let mut split = vec![false; n as usize];
    for (vertex, &community) in membership.iter().enumerate() {
        let root = roots[vertex];
        let first = &mut first_root[community as usize];
        if *first == u32::MAX {
            *first = root;
        } else if *first != root {
            split[community as usize] = true;
        }
    }
    let mut roots = roots;
    renumber_dense(&mut roots);
    (roots, split.iter().filter(|&&was_split| was_split).count() as u32)
}

/// The root of `vertex`'s set, halving the path on the way (see `algo::wcc` for why this is safe
/// alongside concurrent unions).
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

/// Merges the sets of `a` and `b`, the larger root under the smaller, so the final roots are the
/// smallest vertex of each set whatever order the threads ran in.
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
    use super::*;
    use crate::algo::test_support::in_pool;

    #[test]
    fn a_ring_of_cliques_splits_into_its_cliques() {
        let mut edges = Vec::new();
        for block in 0..10u32 {
            let base = block * 5;
            for a in base..base + 5 {
                for b in a + 1..base + 5 {
                    edges.push((a, b));
                }
            }
            edges.push((base, (base + 5) % 50));
        }
        let graph = AdjGraph::from_edges(50, &edges, None, false);
        let result = leiden(&graph, &LeidenOptions::default()).unwrap();
        assert_eq!(result.n_communities, 10);
        assert_eq!(result.stats.split_communities, 0);
        assert!((result.modularity - result.stats.tracked_modularity).abs() < 1e-9);
    }

    #[test]
    fn the_guard_splits_a_disconnected_community() {
        let graph = AdjGraph::from_edges(4, &[(0, 1), (2, 3)], None, false);
        let view = InputView::new(&graph);
        let (labels, split) = split_disconnected(&view, vec![0, 0, 0, 0]);
        assert_eq!(split, 1);
        assert_eq!(labels, vec![0, 0, 1, 1]);
        let (labels, split) = split_disconnected(&view, vec![1, 1, 0, 0]);
        assert_eq!((labels, split), (vec![1, 1, 0, 0], 0));
    }

    #[test]
    fn the_partition_follows_the_seed_not_the_thread_count() {
        let n = 30_000u32;
        let mut rng = SplitMix::new(9);
        let edges: Vec<(u32, u32)> = (0..6 * n)
            .map(|_| {
                let a = rng.below(n);
                let b = if rng.below(5) == 0 { rng.below(n) } else { a / 150 * 150 + rng.below(150) };
                (a, b.min(n - 1))
            })
            .collect();
        let graph = AdjGraph::from_edges(n, &edges, None, false);
        let options = LeidenOptions { seed: 4, ..LeidenOptions::default() };
        let one = in_pool(1, || leiden(&graph, &options).unwrap());
        let two = in_pool(2, || leiden(&graph, &options).unwrap());
        // Everything but the memory estimate, which counts per-thread scratch.
        let key =
            |found: &Communities| (found.membership.clone(), found.levels.clone(), found.modularity, found.stats.moves);
        assert_eq!(key(&one), key(&two));
        let other_seed = leiden(&graph, &LeidenOptions { seed: 5, ..options }).unwrap();
        assert_ne!(one.membership, other_seed.membership);
    }
}
