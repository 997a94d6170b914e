//! Bidirectional BFS for the shortest path, returning the smallest one by node ids when several
//! are equally short, so that answers do not depend on adjacency order and Yen's algorithm can
//! rely on its spur searches to return the least path in the global order.
//!
//! Both sides grow whole BFS layers, the smaller frontier first. When a layer touches the other
//! side, every shortest path is made of forward-ball nodes up to the meeting layer and
//! backward-ball nodes after it, both with exact distances; the smallest path is then read off by
//! a greedy walk from the source that always steps to the smallest node still on a shortest path.

use rustc_hash::FxHashSet;

use crate::graph::{EdgeId, NodeId};

use super::filter::Filter;
use super::scratch::{Marks, Scratch};
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

/// Which side a BFS layer grows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Forward,
    Backward,
}

/// The smallest shortest path from `source` to the query's `to` within `max_hops`, or `None`.
/// `source` is the query's `from`, or a node on an earlier path when Yen searches a spur.
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
    scratch.fwd.reset(n_nodes);
    scratch.bwd.reset(n_nodes);
    scratch.fwd.set(source, 0);
    scratch.bwd.set(target, 0);
    let mut fwd_frontier = scratch.take_buffer();
    let mut bwd_frontier = scratch.take_buffer();
    let mut next = scratch.take_buffer();
    let mut meets = scratch.take_buffer();
    fwd_frontier.push(source);
    bwd_frontier.push(target);
    let (mut fwd_depth, mut bwd_depth) = (0u32, 0u32);
    let mut found = None;
    while fwd_depth + bwd_depth < max_hops && !fwd_frontier.is_empty() && !bwd_frontier.is_empty() {
        let side = if fwd_frontier.len() <= bwd_frontier.len() { Side::Forward } else { Side::Backward };
        let (frontier, own, other, depth) = match side {
            Side::Forward => (&mut fwd_frontier, &mut scratch.fwd, &scratch.bwd, &mut fwd_depth),
            Side::Backward => (&mut bwd_frontier, &mut scratch.bwd, &scratch.fwd, &mut bwd_depth),
        };
        next.clear();
        meets.clear();
        let mut best = u32::MAX;
        for &node in frontier.iter() {
            let mut visits = 0u64;
            for step in f.steps(node, side == Side::Backward) {
                visits += 1;
                let reached = step.other;
                // The source's own first hops are what Yen bans, seen from either side.
                let first_hop_banned = match side {
                    Side::Forward => node == source && bans.first_hops.contains(&reached),
                    Side::Backward => reached == source && bans.first_hops.contains(&node),
                };
                if first_hop_banned || own.get(reached).is_some() {
                    continue;
                }
                if !f.enterable(reached) || bans.nodes.contains(&reached) {
                    continue;
                }
                own.set(reached, *depth + 1);
                if let Some(rest) = other.get(reached) {
                    best = best.min(*depth + 1 + rest);
                    meets.push(reached);
                } else if f.passable(reached) {
                    next.push(reached);
                }
            }
            work.charge(visits)?;
        }
        *depth += 1;
        std::mem::swap(frontier, &mut next);
        if best != u32::MAX {
            // Every meeting node of the shortest length sits at the same forward distance.
            meets.retain(|&m| own.get(m).unwrap_or(u32::MAX) + other.get(m).unwrap_or(u32::MAX) == best);
            found = Some(smallest_path(f, source, best, &meets, bans, scratch, work)?);
            break;
        }
    }
    for buffer in [fwd_frontier, bwd_frontier, next, meets] {
        scratch.give_buffer(buffer);
    }
    Ok(found)
}

/// Reads the smallest path of `length` hops off the two balls. `meets` are the nodes where the
/// balls met on shortest paths; all have the same forward distance `split`.
fn smallest_path(
    f: &Filter<'_>,
    source: NodeId,
    length: u32,
    meets: &[NodeId],
    bans: &Bans<'_>,
    scratch: &Scratch,
    work: &mut Work,
) -> Result<Path, PathError> {
    let (fwd, bwd) = (&scratch.fwd, &scratch.bwd);
    let split = meets.first().and_then(|&m| fwd.get(m)).unwrap_or(0);
    // Forward-ball nodes on some shortest path: walk back from the meeting layer, one forward
    // distance at a time. Past the split the backward distances say it directly.
    let mut on_path: FxHashSet<NodeId> = meets.iter().copied().collect();
    let mut layer: Vec<NodeId> = meets.to_vec();
    for distance in (1..split).rev() {
        let mut previous = Vec::new();
        for &node in &layer {
            let mut visits = 0u64;
            for step in f.backward(node) {
                visits += 1;
                if fwd.get(step.other) == Some(distance) && on_path.insert(step.other) {
                    previous.push(step.other);
                }
            }
            work.charge(visits)?;
        }
        layer = previous;
    }
    let mut nodes = Vec::with_capacity(length as usize + 1);
    let mut edges = Vec::with_capacity(length as usize);
    nodes.push(source);
    let mut current = source;
    for position in 0..length {
        let mut best: Option<(NodeId, EdgeId)> = None;
        for step in f.forward(current) {
            let next = step.other;
            if position == 0 && bans.first_hops.contains(&next) {
                continue;
            }
            let on_shortest = if position < split {
                fwd.get(next) == Some(position + 1) && on_path.contains(&next)
            } else {
                bwd.get(next) == Some(length - position - 1)
            };
            if on_shortest && best.is_none_or(|b| (next, step.edge) < b) {
                best = Some((next, step.edge));
            }
        }
        let Some((next, edge)) = best else {
            // The balls promise a next step; failing that is a bug, reported, not a crash.
            tracing::error!(source = source.0, position, "shortest path reconstruction found no next step");
            debug_assert!(false, "no next step on a shortest path");
            break;
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
            for step in f.backward(node) {
                visits += 1;
                let reached = step.other;
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
