//! Dijkstra under a hop limit. Labels are (node, hops) pairs: a node is settled again only when
//! reached with fewer hops than before, so a cheap long detour cannot hide a dearer path that fits
//! the limit. Each node is settled at most `max_hops + 1` times.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use crate::graph::{EdgeId, NodeId};

use super::filter::Filter;
use super::scratch::Marks;
use super::{Path, PathError, Work};

/// How a label was reached: its node, hop count, and the label and edge before it.
struct Label {
    node: NodeId,
    parent: u32,
    edge: EdgeId,
}

/// A heap entry: cheapest first, then fewest hops, then smallest node, then oldest label.
struct Entry {
    cost: f64,
    hops: u32,
    node: NodeId,
    label: u32,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> Ordering {
        self.cost
            .total_cmp(&other.cost)
            .then(self.hops.cmp(&other.hops))
            .then(self.node.cmp(&other.node))
            .then(self.label.cmp(&other.label))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

const ROOT: u32 = u32::MAX;

/// The least-weight path from `from` to `to` of at most `max_hops` hops. `settled` holds, per
/// node, the fewest hops it has been settled with.
pub(crate) fn lightest(
    f: &Filter<'_>,
    max_hops: u32,
    weight: &dyn Fn(EdgeId) -> f64,
    settled: &mut Marks,
    work: &mut Work,
) -> Result<Option<(f64, Path)>, PathError> {
    settled.reset(f.g.n_nodes());
    let mut labels = vec![Label { node: f.from, parent: ROOT, edge: EdgeId(u32::MAX) }];
    let mut heap = BinaryHeap::new();
    heap.push(Reverse(Entry { cost: 0.0, hops: 0, node: f.from, label: 0 }));
    while let Some(Reverse(Entry { cost, hops, node, label })) = heap.pop() {
        // Settled before with no more hops and (being popped earlier) no more cost: dominated.
        if settled.get(node).is_some_and(|h| h <= hops) {
            continue;
        }
        settled.set(node, hops);
        if node == f.to {
            return Ok(Some((cost, trace(&labels, label))));
        }
        if hops == max_hops || (node != f.from && !f.passable(node)) {
            continue;
        }
        let mut visits = 0u64;
        for step in f.forward(node) {
            visits += 1;
            let next = step.other;
            if !f.enterable(next) || settled.get(next).is_some_and(|h| h <= hops + 1) {
                continue;
            }
            let w = weight(step.edge);
            if w.is_nan() || w < 0.0 {
                return Err(PathError::BadWeight { edge: step.edge, weight: w });
            }
            if w.is_infinite() {
                continue;
            }
            let next_label = labels.len() as u32;
            labels.push(Label { node: next, parent: label, edge: step.edge });
            heap.push(Reverse(Entry { cost: cost + w, hops: hops + 1, node: next, label: next_label }));
        }
        work.charge(visits)?;
    }
    Ok(None)
}

/// The path of a label, by following parents back to the root.
fn trace(labels: &[Label], mut label: u32) -> Path {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    loop {
        let current = &labels[label as usize];
        nodes.push(current.node);
        if current.parent == ROOT {
            break;
        }
        edges.push(current.edge);
        label = current.parent;
    }
    nodes.reverse();
    edges.reverse();
    Path { nodes, edges }
}
