//! Per-node search state that is reset in O(1): each slot carries the generation that wrote it,
//! and a reset bumps the generation, so a query on a million-node graph pays only for the nodes
//! it touches. One set lives per thread and is reused by every query that thread runs.

use std::cell::Cell;

use crate::graph::{Graph, NodeId};

#[derive(Clone, Copy, Default)]
struct Slot {
    generation: u32,
    value: u32,
}

/// The forward lane of a two-sided search; single-sided searches use only this one.
pub(crate) const FWD: usize = 0;
/// The backward lane.
pub(crate) const BWD: usize = 1;

/// A map from node to `u32` (a distance, mostly) valid for the current generation only, in two
/// lanes. A node's two lanes share a cache line, so a bidirectional search that checks "seen by
/// me?" and "seen by the other side?" for each node it reaches pays one memory miss, not two.
#[derive(Default)]
pub(crate) struct Marks {
    slots: Vec<[Slot; 2]>,
    generation: u32,
}

impl Marks {
    /// Forgets every mark in both lanes and makes room for `n_nodes` nodes. O(1) except when the
    /// graph grew or, once in four billion resets, when the generation wraps.
    pub(crate) fn reset(&mut self, n_nodes: usize) {
        if self.slots.len() < n_nodes {
            self.slots.resize(n_nodes, [Slot::default(); 2]);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // Generation 0 is what fresh slots hold; after a wrap old slots could look current.
            self.slots.fill([Slot::default(); 2]);
            self.generation = 1;
        }
    }

    /// The mark of `node` in the forward lane.
    #[inline]
    pub(crate) fn get(&self, node: NodeId) -> Option<u32> {
        self.get_in(FWD, node)
    }

    /// Marks `node` in the forward lane.
    #[inline]
    pub(crate) fn set(&mut self, node: NodeId, value: u32) {
        self.set_in(FWD, node, value)
    }

    /// The mark of `node` in `lane`.
    #[inline]
    pub(crate) fn get_in(&self, lane: usize, node: NodeId) -> Option<u32> {
        let slot = self.slots[node.0 as usize][lane];
        (slot.generation == self.generation).then_some(slot.value)
    }

    /// Marks `node` in `lane`.
    #[inline]
    pub(crate) fn set_in(&mut self, lane: usize, node: NodeId, value: u32) {
        self.slots[node.0 as usize][lane] = Slot { generation: self.generation, value };
    }
}

/// Everything a search borrows: the marks and reusable buffers.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) marks: Marks,
    pub(crate) buffers: Vec<Vec<NodeId>>,
}

impl Scratch {
    /// An empty buffer, reusing an earlier one's allocation.
    pub(crate) fn take_buffer(&mut self) -> Vec<NodeId> {
        let mut buffer = self.buffers.pop().unwrap_or_default();
        buffer.clear();
        buffer
    }

    /// Returns a buffer for reuse.
    pub(crate) fn give_buffer(&mut self, buffer: Vec<NodeId>) {
        self.buffers.push(buffer);
    }
}

thread_local! {
    static SCRATCH: Cell<Option<Scratch>> = const { Cell::new(None) };
}

/// Runs `f` with this thread's scratch, sized for `g`. A nested call (a weight function that
/// itself runs a path query) gets a fresh scratch rather than a panic or a shared one.
pub(crate) fn with_scratch<T>(g: &Graph, f: impl FnOnce(&mut Scratch) -> T) -> T {
    let mut scratch = SCRATCH.with(Cell::take).unwrap_or_default();
    scratch.marks.reset(g.n_nodes());
    let out = f(&mut scratch);
    SCRATCH.with(|cell| cell.set(Some(scratch)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_forgets_every_mark() {
        let mut marks = Marks::default();
        marks.reset(4);
        marks.set(NodeId(2), 7);
        assert_eq!(marks.get(NodeId(2)), Some(7));
        marks.reset(4);
        assert_eq!(marks.get(NodeId(2)), None);
    }

    #[test]
    fn the_generation_wrap_clears_old_marks() {
        let mut marks = Marks::default();
        marks.reset(2);
        marks.generation = u32::MAX;
        marks.set(NodeId(0), 1);
        marks.reset(2);
        assert_eq!(marks.generation, 1);
        assert_eq!(marks.get(NodeId(0)), None);
        marks.set(NodeId(1), 3);
        assert_eq!(marks.get(NodeId(1)), Some(3));
    }

    #[test]
    fn the_lanes_are_independent() {
        let mut marks = Marks::default();
        marks.reset(2);
        marks.set_in(BWD, NodeId(1), 4);
        assert_eq!((marks.get_in(FWD, NodeId(1)), marks.get_in(BWD, NodeId(1))), (None, Some(4)));
    }

    #[test]
    fn growing_keeps_new_slots_unmarked() {
        let mut marks = Marks::default();
        marks.reset(1);
        marks.set(NodeId(0), 5);
        marks.reset(3);
        assert_eq!((marks.get(NodeId(0)), marks.get(NodeId(2))), (None, None));
    }
}
