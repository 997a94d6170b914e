//! Time-respecting money trails: chains of `transfer` edges where each hop is strictly later than
//! the one before and all lie within a window that opens at the first hop.
//!
//! Trails are grown one hop at a time over node sequences, in node order, so they come out sorted
//! and a cap keeps the first ones. Along one node sequence many edge choices may exist (a hundred
//! transfers between two accounts); each sequence keeps only its undominated states — a state is
//! (first time, arrival time), and a later start (a window closing later) with an earlier arrival
//! is better on both counts — and from each state it takes the earliest next transfer, which
//! leaves every later one available. So every feasible node sequence is found exactly once.

use crate::graph::{EdgeId, Graph, NodeId};

use super::scratch::{with_scratch, Marks};
use super::transfer::{by_receiver, earliest_between, Hop, Transfers};
use super::{Path, MAX_HOPS, WORK_BUDGET};

/// One way of having walked a node sequence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct State {
    first: i64,
    arrival: i64,
    edges: Vec<EdgeId>,
}

/// A node sequence and its undominated states.
struct Trail {
    nodes: Vec<NodeId>,
    states: Vec<State>,
}

impl Trail {
    /// The trail with the edges of its earliest-starting state.
    fn path(&self) -> Path {
        let edges = self.states.iter().min().map(|s| s.edges.clone()).unwrap_or_default();
        Path { nodes: self.nodes.clone(), edges }
    }
}

/// Keeps the states no other state beats on both start (later is better) and arrival (earlier is
/// better); of equal ones, the one with the smallest edge ids.
fn undominated(states: &mut Vec<State>) {
    states.sort_unstable_by(|a, b| b.first.cmp(&a.first).then(a.arrival.cmp(&b.arrival)).then(a.edges.cmp(&b.edges)));
    let mut best_arrival = i64::MAX;
    states.retain(|s| {
        let keep = s.arrival < best_arrival;
        best_arrival = best_arrival.min(s.arrival);
        keep
    });
}

/// Time-respecting paths over `transfer` edges from `from`: each hop strictly later than the
/// previous, none later than `window_secs` after the first. With `to`, the paths ending there;
/// without, every trail leaving `from` (all lengths). Sorted by length then node ids, at most
/// `cap`, and cut short (still sorted) if the search exceeds [`WORK_BUDGET`] edge visits.
/// Invalid arguments (unknown node, `to == from`, negative window) give no paths; `max_hops` is
/// capped at [`MAX_HOPS`].
pub fn time_respecting_paths(
    g: &Graph,
    from: NodeId,
    to: Option<NodeId>,
    max_hops: u32,
    window_secs: i64,
    cap: usize,
) -> Vec<Path> {
    let n_nodes = g.n_nodes();
    let valid = |n: NodeId| (n.0 as usize) < n_nodes;
    if !valid(from) || to.is_some_and(|t| !valid(t) || t == from) || window_secs < 0 || cap == 0 || max_hops == 0 {
        return Vec::new();
    }
    let Some(transfers) = Transfers::of(g) else { return Vec::new() };
    let max_hops = max_hops.min(MAX_HOPS);
    with_scratch(g, |scratch| {
        if let Some(target) = to {
            hops_to(&transfers, target, max_hops, &mut scratch.marks);
        }
        let bound = to.map(|_| &scratch.marks);
        search(&transfers, from, to, bound, max_hops, window_secs, cap)
    })
}

/// Transfer-hop distances to `target` (ignoring times: a lower bound), up to `max_depth`.
fn hops_to(transfers: &Transfers<'_>, target: NodeId, max_depth: u32, marks: &mut Marks) {
    marks.reset(transfers.g.n_nodes());
    marks.set(target, 0);
    let mut frontier = vec![target];
    for depth in 1..=max_depth {
        let mut next = Vec::new();
        for &node in &frontier {
            for sender in transfers.senders(node) {
                if marks.get(sender).is_none() {
                    marks.set(sender, depth);
                    next.push(sender);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
}

fn search(
    transfers: &Transfers<'_>,
    from: NodeId,
    to: Option<NodeId>,
    bound: Option<&Marks>,
    max_hops: u32,
    window: i64,
    cap: usize,
) -> Vec<Path> {
    let mut out = Vec::new();
    let mut visits = 0u64;
    let mut hops: Vec<Hop> = Vec::new();
    // Level 1: one state per timed transfer out of `from`.
    transfers.out_hops(from, &mut hops);
    let mut frontier: Vec<Trail> = by_receiver(&hops)
        .filter(|run| within_reach(bound, run[0].to, max_hops - 1))
        .map(|run| {
            let mut states: Vec<State> =
                run.iter().map(|h| State { first: h.time, arrival: h.time, edges: vec![h.edge] }).collect();
            undominated(&mut states);
            Trail { nodes: vec![from, run[0].to], states }
        })
        .collect();
    for level in 1..=max_hops {
        let mut next_level = Vec::new();
        for trail in &frontier {
            let last = trail.nodes[trail.nodes.len() - 1];
            if to.is_none_or(|t| t == last) {
                out.push(trail.path());
                if out.len() >= cap {
                    return out;
                }
            }
            if level == max_hops || to == Some(last) {
                continue;
            }
            transfers.out_hops(last, &mut hops);
            visits += hops.len() as u64;
            if visits > WORK_BUDGET {
                return out;
            }
            for run in by_receiver(&hops) {
                let next = run[0].to;
                if trail.nodes.contains(&next) || !within_reach(bound, next, max_hops - level - 1) {
                    continue;
                }
                let mut states: Vec<State> = trail
                    .states
                    .iter()
                    .filter_map(|s| {
                        let hop = earliest_between(run, s.arrival, s.first.saturating_add(window))?;
                        let mut edges = s.edges.clone();
                        edges.push(hop.edge);
                        Some(State { first: s.first, arrival: hop.time, edges })
                    })
                    .collect();
                if states.is_empty() {
                    continue;
                }
                undominated(&mut states);
                let mut nodes = trail.nodes.clone();
                nodes.push(next);
                next_level.push(Trail { nodes, states });
            }
        }
        frontier = next_level;
        if frontier.is_empty() {
            break;
        }
    }
    out
}

/// Whether `node` can still reach the target in `hops_left` hops (always, without a target).
fn within_reach(bound: Option<&Marks>, node: NodeId, hops_left: u32) -> bool {
    bound.is_none_or(|marks| marks.get(node).is_some_and(|d| d <= hops_left))
}
