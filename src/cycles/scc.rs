//! Strongly connected components by Tarjan's algorithm, iterative (an ownership ring or a
//! payment chain can be deep enough to overflow a recursive one), over a compact adjacency that
//! callers extract from the snapshot for just the relations they care about.

use graph_schema::RelationTypeId;

use crate::graph::{Graph, NodeId};

/// A plain directed adjacency over nodes `0..n`: the neighbours of `v` are
/// `targets[offsets[v]..offsets[v + 1]]`, sorted and without repeats.
pub(crate) struct Csr {
    pub(crate) offsets: Vec<u32>,
    pub(crate) targets: Vec<u32>,
}

impl Csr {
    /// The snapshot's out-edges of the given relations (all when `None`), parallel edges merged.
    pub(crate) fn of_graph(g: &Graph, relations: Option<&[RelationTypeId]>) -> Csr {
        let n = g.n_nodes();
        let mut offsets = Vec::with_capacity(n + 1);
        let mut targets = Vec::new();
        offsets.push(0);
        for node in 0..n as u32 {
            let start = targets.len();
            // Out-edges are sorted by target, so repeats are adjacent.
            for adjacent in g.out_edges(NodeId(node)) {
                if relations.is_none_or(|r| r.contains(&adjacent.relation))
                    && targets[start..].last() != Some(&adjacent.other.0)
                {
                    targets.push(adjacent.other.0);
                }
            }
            offsets.push(targets.len() as u32);
        }
        Csr { offsets, targets }
    }

    /// Number of nodes.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Neighbours of `v`.
    #[inline]
    pub(crate) fn neighbours(&self, v: u32) -> &[u32] {
        &self.targets[self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize]
    }
}

const UNVISITED: u32 = u32::MAX;

/// Runs Tarjan from each of `roots` over the nodes `keep` admits, calling `emit` with each
/// component (in no particular order within it) as it completes, sinks first.
pub(crate) fn tarjan(
    csr: &Csr,
    roots: impl IntoIterator<Item = u32>,
    keep: impl Fn(u32) -> bool,
    mut emit: impl FnMut(&[u32]),
) {
    let n = csr.len();
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    // The explicit call stack: a node and how many of its neighbours it has looked at.
    let mut calls: Vec<(u32, usize)> = Vec::new();
    let mut counter = 0u32;
    for root in roots {
        if !keep(root) || index[root as usize] != UNVISITED {
            continue;
        }
        index[root as usize] = counter;
        low[root as usize] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        calls.push((root, 0));
        while let Some(&mut (v, ref mut seen)) = calls.last_mut() {
            let neighbours = csr.neighbours(v);
            if let Some(&w) = neighbours.get(*seen) {
                *seen += 1;
                if !keep(w) {
                    continue;
                }
                if index[w as usize] == UNVISITED {
                    index[w as usize] = counter;
                    low[w as usize] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    calls.push((w, 0));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent as usize] = low[parent as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                let Some(at) = stack.iter().rposition(|&x| x == v) else { continue };
                for &x in &stack[at..] {
                    on_stack[x as usize] = false;
                }
                emit(&stack[at..]);
                stack.truncate(at);
            }
        }
    }
}

/// The strongly connected components of the graph seen through the given relations (all when
/// `None`), following edges from source to target: every node in exactly one component, each
/// component sorted, components ordered by their smallest node.
pub fn strongly_connected_components(g: &Graph, relations: Option<&[RelationTypeId]>) -> Vec<Vec<NodeId>> {
    let csr = Csr::of_graph(g, relations);
    let mut components = Vec::new();
    tarjan(
        &csr,
        0..csr.len() as u32,
        |_| true,
        |component| {
            let mut nodes: Vec<NodeId> = component.iter().map(|&v| NodeId(v)).collect();
            nodes.sort_unstable();
            components.push(nodes);
        },
    );
    components.sort_unstable_by_key(|c| c[0]);
    components
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

    fn components(c: &Csr) -> Vec<Vec<u32>> {
        let mut out = Vec::new();
        tarjan(
            c,
            0..c.len() as u32,
            |_| true,
            |comp| {
                let mut comp = comp.to_vec();
                comp.sort_unstable();
                out.push(comp);
            },
        );
        out.sort();
        out
    }

    #[test]
    fn two_rings_joined_one_way_are_two_components() {
        let c = csr(6, &[(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 3), (5, 5)]);
        assert_eq!(components(&c), vec![vec![0, 1, 2], vec![3, 4], vec![5]]);
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000u32;
        let edges: Vec<(u32, u32)> = (0..n).map(|i| (i, (i + 1) % n)).collect();
        let c = csr(n as usize, &edges);
        assert_eq!(components(&c).len(), 1);
    }

    #[test]
    fn keep_restricts_the_search() {
        let c = csr(3, &[(0, 1), (1, 2), (2, 0)]);
        let mut out = Vec::new();
        tarjan(&c, [1], |v| v >= 1, |comp| out.push(comp.to_vec()));
        assert_eq!(out, vec![vec![2], vec![1]]);
    }
}
