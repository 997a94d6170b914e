//! Yen's k shortest simple paths. Each new path spawns one spur search per node it visits: keep
//! the root up to that node, ban the root's nodes and the next hops earlier paths with the same
//! root took, and find the smallest shortest path onward. Because every spur search returns the
//! least path in the (length, node ids) order, the candidates' minimum is always the next path in
//! that order, so the `k` results are exactly the first `k` simple paths, sorted.

use std::collections::BTreeSet;

use super::bfs::{self, Bans};
use super::filter::Filter;
use super::scratch::Scratch;
use super::{Path, PathError, Work};

/// The first `k` simple paths from `from` to `to` of at most `max_hops` hops, in path order, and
/// whether `work` ran out first. Each path is final when it is found (Yen takes the shortest
/// candidate left, and later spurs only add longer ones), so a stop at the budget still answers
/// with the first few of the `k` shortest.
pub(crate) fn k_shortest(
    f: &Filter<'_>,
    k: usize,
    max_hops: u32,
    scratch: &mut Scratch,
    work: &mut Work,
) -> Result<(Vec<Path>, bool), PathError> {
    let mut found = Vec::new();
    match search(f, k, max_hops, scratch, work, &mut found) {
        Ok(()) => Ok((found, false)),
        Err(PathError::BudgetExceeded { .. }) => Ok((found, true)),
        Err(other) => Err(other),
    }
}

/// Yen's loop, pushing each path to `found` as it becomes final.
fn search(
    f: &Filter<'_>,
    k: usize,
    max_hops: u32,
    scratch: &mut Scratch,
    work: &mut Work,
    found: &mut Vec<Path>,
) -> Result<(), PathError> {
    let Some(first) = bfs::shortest(f, f.from, max_hops, &Bans::NONE, scratch, work)? else {
        return Ok(());
    };
    found.push(first);
    let mut candidates = BTreeSet::new();
    let mut first_hops = Vec::new();
    while found.len() < k {
        let Some(last) = found.last() else { break };
        let last = last.clone();
        for spur_at in 0..last.len() {
            let root = &last.nodes[..=spur_at];
            first_hops.clear();
            first_hops.extend(
                found
                    .iter()
                    .filter(|p| p.nodes.len() > spur_at + 1 && p.nodes[..=spur_at] == *root)
                    .map(|p| p.nodes[spur_at + 1]),
            );
            let bans = Bans { nodes: &root[..spur_at], first_hops: &first_hops };
            let spur_hops = max_hops - spur_at as u32;
            if let Some(spur) = bfs::shortest(f, last.nodes[spur_at], spur_hops, &bans, scratch, work)? {
                let mut nodes = root[..spur_at].to_vec();
                nodes.extend_from_slice(&spur.nodes);
                let mut edges = last.edges[..spur_at].to_vec();
                edges.extend_from_slice(&spur.edges);
                candidates.insert(Path { nodes, edges });
            }
        }
        match candidates.pop_first() {
            Some(next) => found.push(next),
            None => break,
        }
    }
    Ok(())
}
