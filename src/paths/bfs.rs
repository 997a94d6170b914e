//! Bidirectional BFS for the shortest path, returning the smallest one by node ids when several
//! are equally short, so that answers do not depend on adjacency order and Yen's algorithm can
//! rely on its spur searches to return the least path in the global order.
//!
//! Both sides grow whole BFS layers; the side whose next layer has fewer adjacency entries to
//! read grows first, so a hub (a hospital with 100,000 claims) is expanded only when the other
//! side cannot do the job more cheaply. When a layer touches the other side, every shortest path
//! is made of forward-ball nodes up to the meeting layer and backward-ball nodes after it, both
//! with exact distances; the smallest path is then read off by a greedy walk from the source that
//! always steps to the smallest node still on a shortest path, scanning at each step whichever of
//! "the current node's edges" and "the candidates' edges" is shorter.

use rustc_hash::FxHashSet;

use crate::graph::NodeId;

use super::filter::Filter;
use super::scratch::{Marks, Scratch, BWD, FWD};
use super::{Path, PathError, Work};

/// What a spur search of Yen's algorithm may not use: nodes of the root path, and first hops
/// that earlier paths with the same root already took.
pub(crate) struct Bans<'a> {
    pub(crate) nodes: &'a [NodeId],
    pub(crate) first_hops: &'a [NodeId],
}

impl Bans<'_> {
    /// Nothing banned.
    pub(crate) const NONE: Bans<'static> = Bans { nodes: &[], first_hops: &[] };
}

/// The smallest shortest path from `source` to the query's `to` within `max_hops`, or `None`.
/// `source` is the query's `from`, or a node on an earlier path when Yen searches a spur.
/// [`PathError::BudgetExceeded`] once `work` runs out, checked after each node's edges: a stop
/// at the budget is never mistaken for "no path".
pub(crate) fn shortest(
    f: &Filter<'_>,
    source: NodeId,
    max_hops: u32,
    bans: &Bans<'_>,
    scratch: &mut Scratch,
    work: &mut Work,
) -> Result<Option<Path>, PathError> {
    let target = f.to;
    let n_nodes = f.g.n_nodes();
    let marks = &mut scratch.marks;
    marks.reset(n_nodes);
    marks.set_in(FWD, source, 0);
    marks.set_in(BWD, target, 0);
    // Layer d of a side: the passable nodes at distance d from its root, the root itself at 0.
    let mut fwd_layers = vec![scratch.take_buffer()];
    let mut bwd_layers = vec![scratch.take_buffer()];
    fwd_layers[0].push(source);
    bwd_layers[0].push(target);
    // What growing each side by a layer would cost, in adjacency entries: the cheaper side
    // grows, so a hub on one side waits while the other side may reach it first.
    let (mut fwd_cost, mut bwd_cost) = (f.fan(source, false), f.fan(target, true));
    let mut meets = scratch.take_buffer();
    // Every exit leaves through `found`, so the layer buffers go back to the scratch even when
    // the budget stops the search half-way.
    let found = 'search: loop {
        let hops_covered = (fwd_layers.len() + bwd_layers.len() - 2) as u32;
        let exhausted = fwd_layers.last().is_none_or(Vec::is_empty) || bwd_layers.last().is_none_or(Vec::is_empty);
        if hops_covered >= max_hops || exhausted {
            break Ok(None);
        }
        let forward = fwd_cost <= bwd_cost;
        let (layers, own, other, cost) = if forward {
            (&mut fwd_layers, FWD, BWD, &mut fwd_cost)
        } else {
            (&mut bwd_layers, BWD, FWD, &mut bwd_cost)
        };
        let marks = &mut scratch.marks;
        let depth = layers.len() as u32 - 1;
        let mut next = scratch.buffers.pop().unwrap_or_default();
        next.clear();
        let mut next_cost = 0usize;
        meets.clear();
        let mut best = u32::MAX;
        for &node in &layers[depth as usize] {
            let mut visits = 0u64;
            for reached in f.neighbours(node, !forward) {
                visits += 1;
                // The source's own first hops are what Yen bans, seen from either side.
                let first_hop_banned = if forward {
                    node == source && bans.first_hops.contains(&reached)
                } else {
                    reached == source && bans.first_hops.contains(&node)
                };
                if first_hop_banned || marks.get_in(own, reached).is_some() {
                    continue;
                }
                if !f.enterable(reached) || bans.nodes.contains(&reached) {
                    continue;
                }
                marks.set_in(own, reached, depth + 1);
                if let Some(rest) = marks.get_in(other, reached) {
                    best = best.min(depth + 1 + rest);
                    meets.push(reached);
                } else if f.passable(reached) {
                    next.push(reached);
                    next_cost += f.fan(reached, !forward);
                }
            }
            if let Err(stop) = work.charge(visits) {
                scratch.give_buffer(next);
                break 'search Err(stop);
            }
        }
        layers.push(next);
        *cost = next_cost;
        if best != u32::MAX {
            // Every meeting node of the shortest length sits at the same forward distance.
            meets.retain(|&m| {
                marks.get_in(own, m).unwrap_or(u32::MAX) + marks.get_in(other, m).unwrap_or(u32::MAX) == best
            });
            let balls = Balls { marks: &scratch.marks, fwd_layers: &fwd_layers, bwd_layers: &bwd_layers };
            break smallest_path(f, source, best, &meets, bans, &balls, work).map(Some);
        }
    };
    for buffer in fwd_layers.into_iter().chain(bwd_layers).chain([meets]) {
        scratch.give_buffer(buffer);
    }
    found
}

/// The two searches once they met: distances and layers from each side.
struct Balls<'a> {
    marks: &'a Marks,
    fwd_layers: &'a [Vec<NodeId>],
    bwd_layers: &'a [Vec<NodeId>],
}

/// Sum of [`Filter::fan`] over `nodes`, stopping once it passes `enough`.
fn fan_sum(f: &Filter<'_>, nodes: &[NodeId], reverse: bool, enough: usize) -> usize {
    let mut sum = 0;
    for &node in nodes {
        sum += f.fan(node, reverse);
        if sum > enough {
            break;
        }
    }
    sum
}

/// Reads the smallest path of `length` hops off the two balls. `meets` are the nodes where the
/// balls met on shortest paths; all have the same forward distance `split`.
///
/// Each step needs the edges between a node and a set of candidates; it scans whichever side
/// has fewer, so a hub on the path costs no more here than it did in the search.
fn smallest_path(
    f: &Filter<'_>,
    source: NodeId,
    length: u32,
    meets: &[NodeId],
    bans: &Bans<'_>,
    balls: &Balls<'_>,
    work: &mut Work,
) -> Result<Path, PathError> {
    let fwd = |node| balls.marks.get_in(FWD, node);
    let bwd = |node| balls.marks.get_in(BWD, node);
    let split = meets.first().and_then(|&m| fwd(m)).unwrap_or(0) as usize;
    // Forward-ball nodes on some shortest path, per forward distance, walking back from the
    // meeting layer. Past the split the backward layers say it directly.
    let mut on_path: Vec<Vec<NodeId>> = vec![Vec::new(); split + 1];
    on_path[split] = meets.to_vec();
    on_path[split].sort_unstable();
    let mut marked: FxHashSet<NodeId> = meets.iter().copied().collect();
    for distance in (1..split).rev() {
        let (lower, upper) = on_path.split_at_mut(distance + 1);
        let (found, upper) = (&mut lower[distance], &upper[0]);
        let layer = &balls.fwd_layers[distance];
        let up_cost = fan_sum(f, upper, true, usize::MAX);
        let mut visits = 0u64;
        if up_cost <= fan_sum(f, layer, false, up_cost) {
            for &node in upper {
                for previous in f.neighbours(node, true) {
                    visits += 1;
                    if fwd(previous) == Some(distance as u32) && marked.insert(previous) {
                        found.push(previous);
                    }
                }
            }
        } else {
            for &node in layer {
                let leads_on = f.neighbours(node, false).any(|next| {
                    visits += 1;
                    fwd(next) == Some(distance as u32 + 1) && marked.contains(&next)
                });
                if leads_on && marked.insert(node) {
                    found.push(node);
                }
            }
        }
        work.charge(visits)?;
        found.sort_unstable();
    }
    let mut nodes = Vec::with_capacity(length as usize + 1);
    let mut edges = Vec::with_capacity(length as usize);
    nodes.push(source);
    let mut current = source;
    let mut sorted_layer = Vec::new();
    for position in 0..length as usize {
        let wanted = position + 1;
        let banned = |next: NodeId| position == 0 && bans.first_hops.contains(&next);
        let (candidates, is_candidate): (&[NodeId], Box<dyn Fn(NodeId) -> bool>) = if wanted <= split {
            let marked = &marked;
            (&on_path[wanted], Box::new(move |n| fwd(n) == Some(wanted as u32) && marked.contains(&n)))
        } else {
            let distance = length - wanted as u32;
            (&balls.bwd_layers[distance as usize], Box::new(move |n| bwd(n) == Some(distance)))
        };
        let scan_cost = f.fan(current, false);
        let mut visits = 0u64;
        let mut best: Option<NodeId> = None;
        if scan_cost <= fan_sum(f, candidates, true, scan_cost) {
            for next in f.neighbours(current, false) {
                visits += 1;
                if is_candidate(next) && !banned(next) && best.is_none_or(|b| next < b) {
                    best = Some(next);
                }
            }
        } else {
            // Smallest candidate first; the first one joined to `current` is the step.
            sorted_layer.clear();
            sorted_layer.extend_from_slice(candidates);
            sorted_layer.sort_unstable();
            for &next in &sorted_layer {
                let joined = !banned(next)
                    && f.neighbours(next, true).any(|previous| {
                        visits += 1;
                        previous == current
                    });
                if joined {
                    best = Some(next);
                    break;
                }
            }
        }
        work.charge(visits)?;
        // Of parallel edges, the smallest id stands for the step.
        let Some((next, edge)) = best.and_then(|next| Some((next, f.smallest_edge(current, next)?))) else {
            // The balls promise a next step; failing that is a bug, reported, not a crash.
            tracing::error!(source = source.0, position, "shortest path reconstruction found no next step");
            debug_assert!(false, "no next step on a shortest path");
            return Err(PathError::Internal { what: "a shortest path could not be read back" });
        };
        nodes.push(next);
        edges.push(edge);
        current = next;
    }
    Ok(Path { nodes, edges })
}

/// BFS distances from `start` following `backward` steps (distances *to* `start` in the query's
/// direction), through passable nodes only, up to `max_depth`. Used to prune enumerations.
pub(crate) fn distances_to(
    f: &Filter<'_>,
    start: NodeId,
    max_depth: u32,
    marks: &mut Marks,
    work: &mut Work,
) -> Result<(), PathError> {
    marks.reset(f.g.n_nodes());
    marks.set(start, 0);
    let mut frontier = vec![start];
    let mut next = Vec::new();
    for depth in 1..=max_depth {
        next.clear();
        for &node in &frontier {
            let mut visits = 0u64;
            for reached in f.neighbours(node, true) {
                visits += 1;
                if marks.get(reached).is_some() || !f.enterable(reached) {
                    continue;
                }
                marks.set(reached, depth);
                // A path cannot pass through its own start, so expanding `from` buys nothing.
                if reached != f.from && f.passable(reached) {
                    next.push(reached);
                }
            }
            work.charge(visits)?;
        }
        if next.is_empty() {
            break;
        }
        std::mem::swap(&mut frontier, &mut next);
    }
    Ok(())
}
