//! Leiden's refinement: inside each community, merge vertices into well-connected subcommunities.
//!
//! Traag, Waltman and van Eck (2019), "From Louvain to Leiden", Algorithm A.2 `RefinePartition`:
//! every community `S` starts as singletons; its vertices are visited in random order, and a
//! vertex `v` that is still alone and well connected to `S` (`E(v, S − v) ≥ γ k_v (K_S − k_v) /
//! 2m`) joins one of the well-connected subcommunities `C` it has edges to, chosen at random with
//! probability proportional to `exp(ΔQ / θ)` among the moves that do not lower modularity (staying
//! alone included). A vertex only ever joins a subcommunity it has an edge to, so every
//! subcommunity is connected; aggregating by subcommunities is what lets Leiden guarantee that
//! communities stay connected. `θ = 0.01`, the paper's and igraph's default, with `ΔQ` in
//! edge-weight units (`k_{v,C} − γ k_v K_C / 2m`), as igraph has it: with unit weights the draw
//! is nearly always the best gain. This is igraph's `community_leiden` refinement; leidenalg's
//! differs in taking the best gain outright and in not testing well-connectedness, which measured
//! no better here (planted graphs of 200k and 1M vertices: NMI and modularity within the seed
//! spread).
//!
//! Each community's vertices are visited in a uniformly random order of their own (the paper's
//! "random order", leidenalg's and igraph's shuffle), not in local moving's visiting order: that
//! order keeps runs of consecutive ids together for memory locality, and above level 0 the
//! consecutive ids are subcommunities of one community, so a community would be visited mostly
//! in ascending id order, which follows the previous refinement's order rather than chance.
//!
//! Communities are refined independently of each other, in parallel, each with its own random
//! stream derived from the seed and the community's index, so the result does not depend on the
//! number of threads.

use rayon::prelude::*;

use super::level::{LevelGraph, Members, Strengths};
use super::rng::SplitMix;

/// Randomness of the choice between subcommunities (leidenalg's default).
const THETA: f64 = 0.01;

/// The refined partition of `assignment` (dense ids `0..n_groups`): each group split into
/// connected subcommunities, numbered densely by group and then by first vertex in the group's
/// random visiting order. Returns the subcommunity of every vertex and their count.
pub(crate) fn refine<G: LevelGraph>(
    graph: &G,
    strengths: &Strengths,
    assignment: &[u32],
    n_groups: u32,
    resolution: f64,
    rng_seed: u64,
) -> (Vec<u32>, u32) {
    let n = assignment.len();
    let mut members = Members::group(assignment, n_groups);
    shuffle_groups(&mut members, rng_seed);
    let mut position = vec![0u32; n];
    for group in 0..n_groups {
        for (index, &vertex) in members.of(group).iter().enumerate() {
            position[vertex as usize] = index as u32;
        }
    }
    let gamma_per_total = if strengths.total > 0.0 { resolution / strengths.total } else { 0.0 };
    let context =
        Context { graph, strengths: &strengths.of, assignment, position: &position, gamma_per_total, rng_seed };

    // One disjoint slice of the output per group, so groups can be refined in parallel.
    let mut local = vec![0u32; n];
    let mut slices: Vec<&mut [u32]> = Vec::with_capacity(n_groups as usize);
    let mut rest = &mut local[..];
    for group in 0..n_groups as usize {
        let (head, tail) = rest.split_at_mut(members.offsets[group + 1] - members.offsets[group]);
        slices.push(head);
        rest = tail;
    }
    let counts: Vec<u32> = slices
        .into_par_iter()
        .with_min_len(64)
        .enumerate()
        .map(|(group, labels)| context.refine_group(group as u32, members.of(group as u32), labels))
        .collect();

    let mut refined = vec![0u32; n];
    let mut base = 0u32;
    for group in 0..n_groups {
        let start = members.offsets[group as usize];
        for (index, &vertex) in members.of(group).iter().enumerate() {
            refined[vertex as usize] = base + local[start + index];
        }
        base += counts[group as usize];
    }
    (refined, base)
}

/// Shuffles each group's members (Fisher–Yates), in parallel, each group with a random stream of
/// its own so that the order does not depend on the number of threads.
fn shuffle_groups(members: &mut Members, rng_seed: u64) {
    let Members { offsets, members } = members;
    let mut slices: Vec<&mut [u32]> = Vec::with_capacity(offsets.len().saturating_sub(1));
    let mut rest = &mut members[..];
    for pair in offsets.windows(2) {
        let (head, tail) = rest.split_at_mut(pair[1] - pair[0]);
        slices.push(head);
        rest = tail;
    }
    slices.into_par_iter().with_min_len(64).enumerate().for_each(|(group, slice)| {
        let mut rng = SplitMix::derive(rng_seed, ORDER_STREAM, group as u64);
        for i in (1..slice.len()).rev() {
            slice.swap(i, rng.below(i as u32 + 1) as usize);
        }
    });
}

/// Random stream of the visiting order inside each group (the choices use another).
const ORDER_STREAM: u64 = 0x0DE2_5EED;

/// What every group's refinement reads.
struct Context<'a, G> {
    graph: &'a G,
    strengths: &'a [f64],
    assignment: &'a [u32],
    position: &'a [u32],
    /// `γ / 2m`.
    gamma_per_total: f64,
    rng_seed: u64,
}

impl<G: LevelGraph> Context<'_, G> {
    /// Refines one group (`members`, in its visiting order); writes each member's subcommunity,
    /// dense from 0 in order of first member, to `labels` and returns how many there are.
    fn refine_group(&self, group: u32, members: &[u32], labels: &mut [u32]) -> u32 {
        let size = members.len();
        if size <= 1 {
            labels.iter_mut().for_each(|label| *label = 0);
            return size as u32;
        }
        let strength = |index: usize| self.strengths[members[index] as usize];
        // Each subcommunity is named by the member it started from; `founder[i]` names member
        // i's. A founder that someone joined never moves again, so names never chain.
        let mut founder: Vec<u32> = (0..size as u32).collect();
        let mut sub_size = vec![1u32; size];
        let mut sub_total: Vec<f64> = (0..size).map(strength).collect();
        let group_total: f64 = sub_total.iter().sum();
        // Weight from each subcommunity to the rest of the group. A singleton's is known once it
        // has been visited or was needed for a decision; NaN until then, so most are computed in
        // the scan that visits the member rather than in a pass of their own.
        let mut sub_external = vec![f64::NAN; size];
        let inner_weight = |index: usize| {
            let mut sum = 0.0;
            self.graph.for_each_neighbour(members[index], |neighbour, weight| {
                if self.assignment[neighbour as usize] == group {
                    sum += weight;
                }
            });
            sum
        };
        let mut slot = vec![u32::MAX; size];
        let mut sums: Vec<(u32, f64)> = Vec::new();
        let mut candidates: Vec<(u32, f64, f64)> = Vec::new();
        let mut rng = SplitMix::derive(self.rng_seed, 0x005E_F14E, u64::from(group));

        for index in 0..size {
            if founder[index] != index as u32 || sub_size[index] != 1 {
                continue;
            }
            let mut own_external = 0.0;
            self.graph.for_each_neighbour(members[index], |neighbour, weight| {
                if self.assignment[neighbour as usize] != group {
                    return;
                }
                own_external += weight;
                let sub = founder[self.position[neighbour as usize] as usize];
                let at = slot[sub as usize];
                if at == u32::MAX {
                    slot[sub as usize] = sums.len() as u32;
                    sums.push((sub, weight));
                } else {
                    sums[at as usize].1 += weight;
                }
            });
            sub_external[index] = own_external;
            let vertex_strength = strength(index);
            let scale = self.gamma_per_total * vertex_strength;
            if own_external < scale * (group_total - vertex_strength) {
                sums.iter().for_each(|&(sub, _)| slot[sub as usize] = u32::MAX);
                sums.clear();
                continue;
            }
            // Staying alone gains 0 and is always a candidate.
            candidates.clear();
            candidates.push((index as u32, 0.0, 0.0));
            let mut best_gain = 0.0f64;
            for &(sub, weight) in &sums {
                slot[sub as usize] = u32::MAX;
                if sub == index as u32 {
                    continue;
                }
                let total = sub_total[sub as usize];
                let gain = weight - scale * total;
                if gain < 0.0 {
                    continue;
                }
                let threshold = self.gamma_per_total * total * (group_total - total);
                let mut sub_weight = sub_external[sub as usize];
                if sub_weight.is_nan() {
                    // An unvisited singleton: its edge to this vertex is a lower bound, which
                    // settles the test on sparse graphs; otherwise count exactly.
                    if weight >= threshold {
                        sub_weight = f64::INFINITY;
                    } else {
                        sub_weight = inner_weight(sub as usize);
                        sub_external[sub as usize] = sub_weight;
                    }
                }
                if sub_weight >= threshold {
                    candidates.push((sub, gain, weight));
                    best_gain = best_gain.max(gain);
                }
            }
            sums.clear();
            if candidates.len() == 1 {
                continue;
            }
            let (chosen, _, weight) = choose(&candidates, best_gain, &mut rng);
            if chosen == index as u32 {
                continue;
            }
            let chosen = chosen as usize;
            if sub_external[chosen].is_nan() {
                sub_external[chosen] = inner_weight(chosen);
            }
            founder[index] = chosen as u32;
            sub_size[chosen] += 1;
            sub_size[index] = 0;
            sub_total[chosen] += vertex_strength;
            sub_total[index] = 0.0;
            sub_external[chosen] += own_external - 2.0 * weight;
        }

        // Dense labels in order of first member.
        let mut dense = vec![u32::MAX; size];
        let mut next = 0u32;
        for (index, label) in labels.iter_mut().enumerate() {
            let sub = founder[index] as usize;
            if dense[sub] == u32::MAX {
                dense[sub] = next;
                next += 1;
            }
            *label = dense[sub];
        }
        next
    }
}

/// Draws a candidate with probability proportional to `exp((gain − best) / θ)`.
fn choose(candidates: &[(u32, f64, f64)], best_gain: f64, rng: &mut SplitMix) -> (u32, f64, f64) {
    let weight = |gain: f64| ((gain - best_gain) / THETA).exp();
    let total: f64 = candidates.iter().map(|&(_, gain, _)| weight(gain)).sum();
    let mut draw = rng.unit() * total;
    for &candidate in candidates {
        draw -= weight(candidate.1);
        if draw < 0.0 {
            return candidate;
        }
    }
    // Rounding left the draw at the very end: the last candidate.
    candidates[candidates.len() - 1]
}

#[cfg(test)]
mod tests {
    use super::super::level::InputView;
    use super::*;
    use crate::algo::AdjGraph;

    /// Whether the vertices labelled `sub` are connected through edges among themselves.
    fn connected(graph: &AdjGraph, labels: &[u32], sub: u32) -> bool {
        let inside: Vec<u32> = (0..graph.n_vertices()).filter(|&v| labels[v as usize] == sub).collect();
        let mut seen = vec![inside[0]];
        let mut at = 0;
        while at < seen.len() {
            for &next in graph.out_neighbours(seen[at]) {
                if labels[next as usize] == sub && !seen.contains(&next) {
                    seen.push(next);
                }
            }
            at += 1;
        }
        seen.len() == inside.len()
    }

    #[test]
    fn subcommunities_are_connected_and_split_a_loose_community() {
        // Cliques {0..4} and {5..9} joined by one edge, given as one community. Refinement, held
        // to subcommunities well connected to the whole, may not find the cliques exactly, but
        // splits the community and keeps every part connected.
        let mut edges = Vec::new();
        for base in [0u32, 5] {
            for a in base..base + 5 {
                for b in a + 1..base + 5 {
                    edges.push((a, b));
                }
            }
        }
        edges.push((4, 5));
        let graph = AdjGraph::from_edges(10, &edges, None, false);
        let view = InputView::new(&graph);
        let strengths = Strengths::of_graph(&view);
        for seed in 0..20 {
            let (refined, count) = refine(&view, &strengths, &[0; 10], 1, 1.0, seed);
            assert!(count >= 2, "seed {seed}: {refined:?}");
            assert!((0..count).all(|sub| connected(&graph, &refined, sub)), "seed {seed}: {refined:?}");
        }
    }

    #[test]
    fn each_community_is_visited_in_a_random_order_of_its_own() {
        // Three groups; the shuffle permutes members inside each group, follows the seed, and
        // gives each group an order of its own rather than one order for all.
        let assignment: Vec<u32> = (0..300u32).map(|vertex| vertex % 3).collect();
        let shuffled = |seed: u64| {
            let mut members = Members::group(&assignment, 3);
            shuffle_groups(&mut members, seed);
            members
        };
        let one = shuffled(1);
        for group in 0..3 {
            let mut sorted = one.of(group).to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..300).filter(|vertex| vertex % 3 == group).collect::<Vec<_>>());
            assert!(one.of(group).windows(2).any(|pair| pair[0] > pair[1]), "group {group} left in id order");
        }
        assert_eq!(one.members, shuffled(1).members);
        assert_ne!(one.members, shuffled(2).members);
        let ranks = |group: u32| one.of(group).iter().map(|vertex| vertex / 3).collect::<Vec<_>>();
        assert_ne!(ranks(0), ranks(1));
    }

    #[test]
    fn disconnected_parts_of_a_community_never_share_a_subcommunity() {
        // One "community" made of two separate paths.
        let graph = AdjGraph::from_edges(6, &[(0, 1), (1, 2), (3, 4), (4, 5)], None, false);
        let view = InputView::new(&graph);
        let strengths = Strengths::of_graph(&view);
        for seed in 0..20 {
            let (refined, _) = refine(&view, &strengths, &[0; 6], 1, 0.1, seed);
            assert!(refined[..3].iter().all(|&sub| !refined[3..].contains(&sub)), "seed {seed}: {refined:?}");
        }
    }
}
