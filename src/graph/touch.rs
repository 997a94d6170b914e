//! Touching, ahead of use, the snapshot bytes an answer is about to read.
//!
//! A served answer reads a few hundred nodes scattered over a mapped file of hundreds of
//! megabytes: their types, keys, degrees, property values and the strings those point at. Read
//! one node after another, each read is a cache miss the next one waits for (the profile of a
//! 2-hop neighbourhood showed a third of the server's time stalled on them). Read in passes, one
//! kind of value for every node per pass, the loads of a pass do not depend on each other and
//! the processor keeps many misses in flight; the answer then finds its bytes in cache. Each
//! pass returns a checksum of what it read so the reads cannot be optimised away.

use graph_schema::PropType;
use loaders::NULL_VALUE;

use super::{Column, EdgeId, Graph, NodeId};

impl Graph {
    /// Reads, in passes, what rendering `nodes` will read: type, key string, degree, property
    /// values and their strings. Returns a meaningless checksum.
    pub fn touch_nodes(&self, nodes: &[NodeId]) -> u64 {
        let n = self.n_nodes() as usize;
        let types: &[u16] = self.snap.slice(&self.node_types);
        let keys: &[u32] = self.snap.slice(&self.node_keys);
        let (out, inn) = (self.out_offsets(), self.in_offsets());
        let mut sum = 0u64;
        // Pass 1: the per-node arrays.
        for &node in nodes {
            let i = node.0 as usize;
            if i < n {
                sum = sum.wrapping_add(types[i] as u64 ^ keys[i] as u64);
                sum = sum.wrapping_add(out[i] ^ inn[i]);
            }
        }
        // Pass 2: property values (the row follows from the type range) and the key strings'
        // offsets.
        let mut strings: Vec<u32> = Vec::with_capacity(nodes.len() * 2);
        for &node in nodes {
            let i = node.0 as usize;
            if i >= n {
                continue;
            }
            strings.push(keys[i]);
            let ty = self.node_type(node).0 as usize;
            let row = node.0 - self.snap.manifest.type_ranges[ty].0;
            for col in &self.node_columns[ty] {
                sum = sum.wrapping_add(self.touch_value(col, row, &mut strings));
            }
        }
        sum.wrapping_add(self.touch_strings(&strings))
    }

    /// Reads, in passes, what walking the edges of `nodes` starts with: their offsets, then the
    /// first entries of their out- and in-adjacency. Returns a meaningless checksum.
    pub fn touch_adjacency(&self, nodes: &[NodeId]) -> u64 {
        let n = self.n_nodes() as usize;
        let (out, inn) = (self.out_offsets(), self.in_offsets());
        let mut sum = 0u64;
        for &node in nodes {
            let i = node.0 as usize;
            if i < n {
                sum = sum.wrapping_add(out[i] ^ inn[i]);
            }
        }
        let (targets, sources) = (self.out_targets(), self.in_sources());
        let rels: &[u16] = self.snap.slice(&self.out_rel);
        let in_edge: &[u32] = self.snap.slice(&self.in_edge);
        for &node in nodes {
            let i = node.0 as usize;
            if i >= n {
                continue;
            }
            let (o, j) = (out[i] as usize, inn[i] as usize);
            sum = sum.wrapping_add(targets.get(o).copied().unwrap_or(0) as u64);
            sum = sum.wrapping_add(rels.get(o).copied().unwrap_or(0) as u64);
            sum = sum.wrapping_add(sources.get(j).copied().unwrap_or(0) as u64);
            sum = sum.wrapping_add(in_edge.get(j).copied().unwrap_or(0) as u64);
        }
        sum
    }

    /// Reads, in passes, what rendering `edges` will read: relation, property row, property values
    /// and their strings. Returns a meaningless checksum.
    pub fn touch_edges(&self, edges: &[EdgeId]) -> u64 {
        let e = self.n_edges() as usize;
        let rels: &[u16] = self.snap.slice(&self.out_rel);
        let prop_rows: &[u32] = self.snap.slice(&self.out_prop);
        let mut sum = 0u64;
        for &edge in edges {
            let i = edge.0 as usize;
            if i < e {
                sum = sum.wrapping_add(rels[i] as u64 ^ prop_rows[i] as u64);
            }
        }
        let mut strings = Vec::new();
        for &edge in edges {
            let i = edge.0 as usize;
            if i >= e || prop_rows[i] == u32::MAX {
                continue;
            }
            if let Some(cols) = self.edge_columns.get(rels[i] as usize) {
                for col in cols {
                    sum = sum.wrapping_add(self.touch_value(col, prop_rows[i], &mut strings));
                }
            }
        }
        sum.wrapping_add(self.touch_strings(&strings))
    }

    /// Reads one property value; a string's id goes to `strings` for the next pass.
    #[inline]
    fn touch_value(&self, col: &Column, row: u32, strings: &mut Vec<u32>) -> u64 {
        let values: &[i64] = self.snap.slice(&col.range);
        let Some(&raw) = values.get(row as usize) else { return 0 };
        if raw != NULL_VALUE && (col.ty == PropType::String || !col.invalid.is_empty()) {
            strings.push(raw as u32);
        }
        raw as u64
    }

    /// Reads the offsets of `strings`, then the first byte of each.
    fn touch_strings(&self, strings: &[u32]) -> u64 {
        let offsets: &[u64] = self.snap.slice(&self.str_offsets);
        let bytes = self.snap.bytes(&self.str_bytes);
        let mut sum = 0u64;
        for &s in strings {
            sum = sum.wrapping_add(offsets.get(s as usize).copied().unwrap_or(0));
        }
        for &s in strings {
            let start = offsets.get(s as usize).copied().unwrap_or(0) as usize;
            sum = sum.wrapping_add(bytes.get(start).copied().unwrap_or(0) as u64);
        }
        sum
    }
}
