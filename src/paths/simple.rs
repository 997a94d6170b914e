//! All simple paths up to a hop limit, enumerated one length at a time by a depth-first search
//! that visits neighbours in node order, so paths come out already sorted and a `cap` keeps
//! exactly the first `cap` of them. Distances to the target (one backward BFS) prune every branch
//! that could not reach it within the remaining hops.

use crate::graph::NodeId;

use super::bfs;
use super::filter::Filter;
use super::scratch::{Marks, Scratch};
use super::{Path, PathError, Work};

/// Up to `cap` simple paths in path order; the flag says there were more.
pub(crate) fn enumerate(
    f: &Filter<'_>,
    max_hops: u32,
    cap: usize,
    scratch: &mut Scratch,
    work: &mut Work,
) -> Result<(Vec<Path>, bool), PathError> {
    bfs::distances_to(f, f.to, max_hops, &mut scratch.marks, work)?;
    let Some(shortest) = scratch.marks.get(f.from) else { return Ok((Vec::new(), false)) };
    let mut out = Vec::new();
    for length in shortest.max(1)..=max_hops {
        // One more than the cap tells whether the cap cut anything off.
        let want = cap + 1 - out.len();
        paths_of_length(f, length, want, &scratch.marks, &mut out, work)?;
        if out.len() > cap {
            out.truncate(cap);
            return Ok((out, true));
        }
    }
    Ok((out, false))
}

/// Appends up to `want` paths of exactly `length` hops, in node order.
fn paths_of_length(
    f: &Filter<'_>,
    length: u32,
    want: usize,
    distance: &Marks,
    out: &mut Vec<Path>,
    work: &mut Work,
) -> Result<(), PathError> {
    let mut nodes = vec![f.from];
    let mut spare: Vec<Vec<NodeId>> = Vec::new();
    let mut first = Vec::new();
    choices(f, &nodes, length, distance, &mut first, work)?;
    // Frame i lists the choices for the node after nodes[i], and how many were tried.
    let mut stack = vec![(first, 0usize)];
    let mut found = 0;
    while let Some((options, tried)) = stack.last_mut() {
        let Some(&next) = options.get(*tried) else {
            let (options, _) = stack.pop().unwrap_or_default();
            spare.push(options);
            nodes.pop();
            continue;
        };
        *tried += 1;
        nodes.push(next);
        if next == f.to {
            // Of parallel edges, the smallest id stands for each step.
            let edges = nodes.windows(2).filter_map(|w| f.smallest_edge(w[0], w[1])).collect();
            out.push(Path { nodes: nodes.clone(), edges });
            found += 1;
            if found == want {
                return Ok(());
            }
            nodes.pop();
            continue;
        }
        let mut options = spare.pop().unwrap_or_default();
        choices(f, &nodes, length, distance, &mut options, work)?;
        stack.push((options, 0));
    }
    Ok(())
}

/// The next nodes from the path's last node that can still end at the target after exactly
/// `length` hops in all, in node order.
fn choices(
    f: &Filter<'_>,
    nodes: &[NodeId],
    length: u32,
    distance: &Marks,
    options: &mut Vec<NodeId>,
    work: &mut Work,
) -> Result<(), PathError> {
    options.clear();
    let Some(&last) = nodes.last() else { return Ok(()) };
    let remaining = length - (nodes.len() as u32 - 1) - 1;
    let mut visits = 0u64;
    for next in f.neighbours(last, false) {
        visits += 1;
        let fits = if next == f.to {
            remaining == 0
        } else {
            remaining > 0 && distance.get(next).is_some_and(|d| d <= remaining) && f.passable(next)
        };
        if fits && !nodes.contains(&next) {
            options.push(next);
        }
    }
    work.charge(visits)?;
    options.sort_unstable();
    options.dedup();
    Ok(())
}
