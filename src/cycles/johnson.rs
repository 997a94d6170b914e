//! Johnson's algorithm for the elementary cycles of a small directed graph (one strongly
//! connected component), iterative, after networkx's `simple_cycles`. For each start `s` in
//! increasing order it searches the component of `s` among nodes `>= s`, so every cycle is found
//! once, starting at its smallest node. Between two cycles it spends at most O(nodes + edges), so
//! a cap on the count bounds the time.

use super::scc::{tarjan, Csr};

/// Appends the elementary cycles of `csr` to `out` until `out` holds `cap` cycles.
pub(crate) fn elementary_cycles(csr: &Csr, cap: usize, out: &mut Vec<Vec<u32>>) {
    let n = csr.len();
    let mut in_component = vec![false; n];
    let mut blocked = vec![false; n];
    let mut blocked_by: Vec<Vec<u32>> = vec![Vec::new(); n];
    for start in 0..n as u32 {
        if out.len() >= cap {
            return;
        }
        let mut component = Vec::new();
        tarjan(
            csr,
            [start],
            |v| v >= start,
            |c| {
                if c.contains(&start) {
                    component = c.to_vec();
                }
            },
        );
        if component.len() == 1 && !csr.neighbours(start).contains(&start) {
            continue;
        }
        for &v in &component {
            in_component[v as usize] = true;
            blocked[v as usize] = false;
            blocked_by[v as usize].clear();
        }
        search(csr, start, &in_component, &mut blocked, &mut blocked_by, cap, out);
        for &v in &component {
            in_component[v as usize] = false;
        }
    }
}

/// The cycles through `start` within its component.
fn search(
    csr: &Csr,
    start: u32,
    in_component: &[bool],
    blocked: &mut [bool],
    blocked_by: &mut [Vec<u32>],
    cap: usize,
    out: &mut Vec<Vec<u32>>,
) {
    let mut path = vec![start];
    blocked[start as usize] = true;
    // Per path node: neighbours looked at, and whether a cycle was closed below it.
    let mut frames: Vec<(usize, bool)> = vec![(0, false)];
    while let Some(&(seen, _)) = frames.last() {
        let v = path[path.len() - 1];
        let neighbours = csr.neighbours(v);
        if let Some(&w) = neighbours.get(seen) {
            let last = frames.len() - 1;
            frames[last].0 += 1;
            if !in_component[w as usize] {
                continue;
            }
            if w == start {
                out.push(path.clone());
                frames[last].1 = true;
                if out.len() >= cap {
                    return;
                }
            } else if !blocked[w as usize] {
                path.push(w);
                frames.push((0, false));
                blocked[w as usize] = true;
            }
            continue;
        }
        let Some((_, closed)) = frames.pop() else { break };
        path.pop();
        if closed {
            if let Some(parent) = frames.last_mut() {
                parent.1 = true;
            }
            unblock(v, blocked, blocked_by);
        } else {
            for &w in neighbours {
                if in_component[w as usize] && !blocked_by[w as usize].contains(&v) {
                    blocked_by[w as usize].push(v);
                }
            }
        }
    }
}

/// Unblocks `v` and, transitively, the nodes waiting on it.
fn unblock(v: u32, blocked: &mut [bool], blocked_by: &mut [Vec<u32>]) {
    let mut pending = vec![v];
    while let Some(u) = pending.pop() {
        if blocked[u as usize] {
            blocked[u as usize] = false;
            pending.append(&mut blocked_by[u as usize]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr(n: usize, edges: &[(u32, u32)]) -> Csr {
        let mut adjacency = vec![Vec::new(); n];
        for &(a, b) in edges {
            adjacency[a as usize].push(b);
        }
        let mut offsets = vec![0];
        let mut targets = Vec::new();
        for mut list in adjacency {
            list.sort_unstable();
            list.dedup();
            targets.extend(list);
            offsets.push(targets.len() as u32);
        }
        Csr { offsets, targets }
    }

    /// Every elementary cycle by brute force: simple paths from each start back to it, through
    /// larger nodes only.
    fn brute(c: &Csr) -> Vec<Vec<u32>> {
        fn walk(c: &Csr, path: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
            let v = *path.last().unwrap();
            for &w in c.neighbours(v) {
                if w == path[0] {
                    out.push(path.clone());
                } else if w > path[0] && !path.contains(&w) {
                    path.push(w);
                    walk(c, path, out);
                    path.pop();
                }
            }
        }
        let mut out = Vec::new();
        for s in 0..c.len() as u32 {
            walk(c, &mut vec![s], &mut out);
        }
        out.sort();
        out
    }

    #[test]
    fn a_complete_digraph_has_every_cycle_once() {
        let mut edges = Vec::new();
        for a in 0..5 {
            for b in 0..5 {
                if a != b {
                    edges.push((a, b));
                }
            }
        }
        edges.push((2, 2));
        let c = csr(5, &edges);
        let mut out = Vec::new();
        elementary_cycles(&c, usize::MAX, &mut out);
        out.sort();
        // 5 nodes: C(5,2)*1 + C(5,3)*2 + C(5,4)*6 + C(5,5)*24 = 10 + 20 + 30 + 24, plus the loop.
        assert_eq!(out.len(), 85);
        assert_eq!(out, brute(&c));
    }

    #[test]
    fn the_cap_stops_the_search() {
        let c = csr(3, &[(0, 1), (1, 0), (1, 2), (2, 1), (0, 2), (2, 0)]);
        let mut out = Vec::new();
        elementary_cycles(&c, 2, &mut out);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn random_graphs_match_brute_force() {
        // A fixed pseudo-random sequence keeps this deterministic without a dependency.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200 {
            let mut edges = Vec::new();
            for _ in 0..12 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                edges.push(((x % 6) as u32, ((x >> 8) % 6) as u32));
            }
            let c = csr(6, &edges);
            let mut out = Vec::new();
            elementary_cycles(&c, usize::MAX, &mut out);
            out.sort();
            assert_eq!(out, brute(&c), "{edges:?}");
        }
    }
}
