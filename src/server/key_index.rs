//! An in-memory hash index from `(type, key)` to node, built once per loaded snapshot.
//!
//! The snapshot finds a key by binary search over its sorted key index: some twenty probes, each
//! three dependent reads scattered over the mapped file (sorted index → node's key → string
//! offset → bytes). Every API request starts by resolving its seeds or path ends that way, and
//! for a shortest path those lookups were a fifth of the request's time. Here a lookup is one
//! slot read and one key comparison (every candidate's key is compared, so a hash collision
//! costs a probe, never a wrong node). Keys of records that entity resolution merged into a node
//! (aliases) are not here: the snapshot's own search answers those.

use graph_schema::EntityTypeId;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::graph::{Graph, NodeId};

/// An empty slot.
const EMPTY: u32 = u32::MAX;

/// Open addressing with linear probing over node ids, at most half full.
#[derive(Default)]
pub struct KeyIndex {
    slots: Vec<u32>,
}

fn hash(ty: EntityTypeId, key: &[u8]) -> u64 {
    xxh3_64_with_seed(key, u64::from(ty.0))
}

impl KeyIndex {
    /// Indexes every node of `graph` by its type and key.
    pub fn build(graph: &Graph) -> KeyIndex {
        let n = graph.n_nodes() as usize;
        if n == 0 {
            return KeyIndex::default();
        }
        let hashes: Vec<u64> = (0..n as u32)
            .into_par_iter()
            .map(|v| hash(graph.node_type(NodeId(v)), graph.key(NodeId(v)).as_bytes()))
            .collect();
        let mut slots = vec![EMPTY; (2 * n).next_power_of_two()];
        let mask = slots.len() - 1;
        for (v, &h) in hashes.iter().enumerate() {
            let mut i = h as usize & mask;
            while slots[i] != EMPTY {
                i = (i + 1) & mask;
            }
            slots[i] = v as u32;
        }
        KeyIndex { slots }
    }

    /// The node of type `ty` with key `key`, if the index has it.
    pub fn find(&self, graph: &Graph, ty: EntityTypeId, key: &str) -> Option<NodeId> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash(ty, key.as_bytes()) as usize & mask;
        // At most half full, so an empty slot ends every chain.
        loop {
            let v = self.slots[i];
            if v == EMPTY {
                return None;
            }
            let node = NodeId(v);
            if graph.node_type(node) == ty && graph.key(node) == key {
                return Some(node);
            }
            i = (i + 1) & mask;
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<u32>()
    }
}
