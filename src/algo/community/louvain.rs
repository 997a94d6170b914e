//! Louvain (Blondel, Guillaume, Lambiotte and Lefebvre 2008): move vertices between communities
//! while modularity rises, merge each community into one vertex, repeat on the smaller graph.
//!
//! Local moving is the fast local move of [`super::moving`], which converges to the same kind of
//! local optimum as Louvain's repeated sweeps while revisiting only vertices whose neighbourhood
//! changed. Each level starts from singletons on the aggregate graph, so the levels are nested.

use super::level::{aggregate, renumber_dense, Aggregate, InputView, LevelGraph, Strengths};
use super::modularity::modularity_of;
use super::moving::{move_vertices, Partition};
use super::rng::{visiting_order, SplitMix};
use super::{check_input, level_bytes, relabel_by_size, Communities, CommunityError, CommunityStats, Phase, Progress};
use crate::algo::AdjGraph;

/// Random stream of Louvain's visiting orders.
const STREAM: u64 = 0x10_0FA1;
/// A guard on levels: each level shrinks the graph, and real runs need a dozen at most.
const MAX_LEVELS: u32 = 64;

/// Louvain's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LouvainOptions {
    /// The resolution `γ` (> 0): 1 for classic modularity, higher for smaller communities.
    pub resolution: f64,
    /// The seed of the visiting order; the same seed gives the same partition.
    pub seed: u64,
}

impl Default for LouvainOptions {
    fn default() -> LouvainOptions {
        LouvainOptions { resolution: 1.0, seed: 0 }
    }
}

/// Louvain communities of `graph` (weighted if it has weights; directed read as undirected).
pub fn louvain(graph: &AdjGraph, options: &LouvainOptions) -> Result<Communities, CommunityError> {
    louvain_with_progress(graph, options, &|_| {})
}

/// [`louvain`], calling `progress` at each phase and now and then during local moving.
pub fn louvain_with_progress(
    graph: &AdjGraph,
    options: &LouvainOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Communities, CommunityError> {
    check_input(graph, options.resolution)?;
    let input = InputView::new(graph);
    let strengths = Strengths::of_graph(&input);
    let n_input = graph.n_vertices();
    let singletons: Vec<u32> = (0..n_input).collect();
    let mut stats = CommunityStats {
        iterations: 1,
        tracked_modularity: modularity_of(&input, &strengths, &singletons, options.resolution),
        ..CommunityStats::default()
    };
    let mut rng = SplitMix::derive(options.seed, STREAM, 0);
    // The level vertex each input vertex is in.
    let mut to_level = singletons;
    let mut levels: Vec<Vec<u32>> = Vec::new();
    let mut current: Option<(Aggregate, Strengths)> = None;

    for level in 0..MAX_LEVELS {
        let step = match &current {
            None => run_level(&input, &strengths, options.resolution, &mut rng, level, progress),
            Some((graph, strengths)) => run_level(graph, strengths, options.resolution, &mut rng, level, progress),
        };
        stats.levels += 1;
        stats.moves += step.moves;
        stats.visits += step.visits;
        stats.capped |= step.capped;
        stats.tracked_modularity += step.gain / strengths.total.max(f64::MIN_POSITIVE);
        let graph_bytes = current.as_ref().map_or(0, |(graph, _)| graph.bytes())
            + step.next.as_ref().map_or(0, |(graph, _)| graph.bytes());
        stats.peak_extra_bytes =
            stats.peak_extra_bytes.max(level_bytes(step.n_vertices, graph_bytes, n_input, 4 * levels.len() as u64 + 8));
        if step.moves == 0 {
            break;
        }
        for vertex in to_level.iter_mut() {
            *vertex = step.assignment[*vertex as usize];
        }
        levels.push(to_level.clone());
        match step.next {
            Some(next) => current = Some(next),
            None => break,
        }
    }

    let mut membership = levels.last().cloned().unwrap_or_else(|| (0..n_input).collect());
    let n_communities = relabel_by_size(&mut membership);
    for level in levels.iter_mut() {
        relabel_by_size(level);
    }
    let modularity = modularity_of(&input, &strengths, &membership, options.resolution);
    Ok(Communities { membership, n_communities, levels, modularity, stats })
}

/// One level: local moving from singletons, then the aggregate graph if it is smaller.
struct LevelStep {
    n_vertices: u32,
    moves: u64,
    visits: u64,
    gain: f64,
    capped: bool,
    /// Dense community of each vertex of the level.
    assignment: Vec<u32>,
    /// The next level's graph, unless nothing merged.
    next: Option<(Aggregate, Strengths)>,
}

fn run_level<G: LevelGraph>(
    graph: &G,
    strengths: &Strengths,
    resolution: f64,
    rng: &mut SplitMix,
    level: u32,
    progress: &(dyn Fn(&Progress) + Sync),
) -> LevelStep {
    let n_vertices = graph.n_vertices();
    let report = |phase, visits| progress(&Progress { iteration: 0, level, n_vertices, phase, visits });
    report(Phase::Moving, 0);
    let order = visiting_order(n_vertices, rng);
    let mut partition = Partition::singletons(strengths);
    let outcome =
        move_vertices(graph, strengths, &mut partition, &order, resolution, &|visits| report(Phase::Moving, visits));
    let mut assignment = partition.community;
    let n_groups = renumber_dense(&mut assignment);
    let next = (outcome.moves > 0 && n_groups < n_vertices).then(|| {
        report(Phase::Aggregating, outcome.visits);
        aggregate(graph, strengths, &assignment, n_groups)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algo::test_support::in_pool;

    /// `n_blocks` cliques of `size`, each joined to the next by one edge.
    pub(crate) fn ring_of_cliques(n_blocks: u32, size: u32) -> AdjGraph {
        let mut edges = Vec::new();
        for block in 0..n_blocks {
            let base = block * size;
            for a in base..base + size {
                for b in a + 1..base + size {
                    edges.push((a, b));
                }
            }
            edges.push((base, (base + size) % (n_blocks * size)));
        }
        AdjGraph::from_edges(n_blocks * size, &edges, None, false)
    }

    #[test]
    fn a_ring_of_cliques_splits_into_its_cliques() {
        let graph = ring_of_cliques(12, 6);
        let result = louvain(&graph, &LouvainOptions::default()).unwrap();
        assert_eq!(result.n_communities, 12);
        for block in 0..12 {
            let first = result.membership[block * 6];
            assert!(result.membership[block * 6..block * 6 + 6].iter().all(|&c| c == first));
        }
        assert!((result.modularity - result.stats.tracked_modularity).abs() < 1e-9);
        assert_eq!(result.levels.last(), Some(&result.membership));
    }

    #[test]
    fn levels_are_nested() {
        let graph = ring_of_cliques(40, 4);
        let result = louvain(&graph, &LouvainOptions { resolution: 1.0, seed: 3 }).unwrap();
        for pair in result.levels.windows(2) {
            let (fine, coarse) = (&pair[0], &pair[1]);
            let mut parent = std::collections::HashMap::new();
            for (vertex, &community) in fine.iter().enumerate() {
                assert_eq!(*parent.entry(community).or_insert(coarse[vertex]), coarse[vertex]);
            }
        }
    }

    #[test]
    fn edgeless_and_empty_graphs_give_singletons() {
        let empty = AdjGraph::from_edges(0, &[], None, false);
        assert_eq!(louvain(&empty, &LouvainOptions::default()).unwrap().n_communities, 0);
        let isolated = AdjGraph::from_edges(3, &[], None, false);
        let result = louvain(&isolated, &LouvainOptions::default()).unwrap();
        assert_eq!(result.membership, vec![0, 1, 2]);
        assert_eq!(result.modularity, 0.0);
    }

    #[test]
    fn the_partition_follows_the_seed_not_the_thread_count() {
        let graph = ring_of_cliques(3000, 5);
        let options = LouvainOptions { resolution: 1.0, seed: 11 };
        let one = in_pool(1, || louvain(&graph, &options).unwrap());
        let two = in_pool(2, || louvain(&graph, &options).unwrap());
        // Everything but the memory estimate, which counts per-thread scratch.
        let key =
            |found: &Communities| (found.membership.clone(), found.levels.clone(), found.modularity, found.stats.moves);
        assert_eq!(key(&one), key(&two));
    }
}
