//! Every account's outgoing transfers sorted by time, built once per fund-cycle scan, so that a
//! search step reads only the transfers inside its window (a binary search and a short slice)
//! instead of every transfer the account ever made, each with a random lookup of its time.

use rayon::prelude::*;

use crate::graph::NodeId;
use crate::paths::transfer::{Hop, Transfers};

/// Out-transfers per node, by (time, edge id); self-transfers and untimed ones left out.
pub(crate) struct Timeline {
    offsets: Vec<usize>,
    hops: Vec<Hop>,
    receives: Vec<bool>,
}

impl Timeline {
    /// Reads every transfer once, in parallel over blocks of nodes.
    pub(crate) fn build(transfers: &Transfers<'_>) -> Timeline {
        const BLOCK: usize = 4096;
        let n = transfers.g.n_nodes();
        let blocks: Vec<(Vec<usize>, Vec<Hop>)> = (0..n.div_ceil(BLOCK))
            .into_par_iter()
            .map(|block| {
                let (start, end) = (block * BLOCK, ((block + 1) * BLOCK).min(n));
                let mut lengths = Vec::with_capacity(end - start);
                let mut hops = Vec::new();
                let mut one = Vec::new();
                for node in start..end {
                    transfers.out_hops(NodeId(node as u32), &mut one);
                    one.sort_unstable_by_key(|h| (h.time, h.edge));
                    lengths.push(one.len());
                    hops.extend_from_slice(&one);
                }
                (lengths, hops)
            })
            .collect();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let mut hops = Vec::with_capacity(blocks.iter().map(|b| b.1.len()).sum());
        for (lengths, block_hops) in blocks {
            for length in lengths {
                offsets.push(offsets[offsets.len() - 1] + length);
            }
            hops.extend(block_hops);
        }
        let mut receives = vec![false; n];
        for hop in &hops {
            receives[hop.to.0 as usize] = true;
        }
        Timeline { offsets, hops, receives }
    }

    /// All out-transfers of `node`, by time.
    pub(crate) fn all(&self, node: NodeId) -> &[Hop] {
        &self.hops[self.offsets[node.0 as usize]..self.offsets[node.0 as usize + 1]]
    }

    /// The out-transfers of `node` with `after < time <= until`, by time.
    pub(crate) fn between(&self, node: NodeId, after: i64, until: i64) -> &[Hop] {
        let all = self.all(node);
        let start = all.partition_point(|h| h.time <= after);
        let end = start + all[start..].partition_point(|h| h.time <= until);
        &all[start..end]
    }

    /// Whether any timed transfer arrives at `node`.
    pub(crate) fn receives(&self, node: NodeId) -> bool {
        self.receives[node.0 as usize]
    }
}
