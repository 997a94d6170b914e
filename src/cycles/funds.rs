//! Fund cycles: money that leaves an account and comes back to it through other accounts, each
//! transfer later than the one before, within a time limit, with most of the amount kept — the
//! shape of LDBC FinBench's transfer-cycle reads.
//!
//! For every account and every timed transfer out of it, a depth-first search follows later
//! transfers, always taking the earliest next transfer to each account (that leaves every later
//! one available), and closes the cycle with the earliest transfer back that returns enough of
//! the first amount. Because times strictly increase, a cycle is found only from its true origin,
//! never from a rotation. A [`Timeline`] of every account's transfers sorted by time, built once
//! per scan, lets each step read only the transfers inside its window.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::graph::{EdgeId, Graph, NodeId};
use crate::paths::transfer::{by_receiver, Hop, Transfers};

use super::timeline::Timeline;

/// The longest cycle searched, whatever `max_len` asks.
pub const MAX_FUND_CYCLE_LEN: usize = 10;

/// What counts as a fund cycle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FundCycleQuery {
    /// Most transfers in a cycle (2 to [`MAX_FUND_CYCLE_LEN`]).
    pub max_len: usize,
    /// The last transfer is at most this many seconds after the first.
    pub within_secs: i64,
    /// The returning amount is at least this share of the first amount (0.9 = 90 %).
    pub min_kept_ratio: f64,
    /// Most cycles returned.
    pub cap: usize,
}

impl Default for FundCycleQuery {
    /// Up to 5 transfers, back within 7 days, 90 % kept, 1000 cycles.
    fn default() -> Self {
        FundCycleQuery { max_len: 5, within_secs: 7 * 86_400, min_kept_ratio: 0.9, cap: 1000 }
    }
}

/// One cycle of transfers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundCycle {
    /// The origin first; the last transfer returns to it.
    pub accounts: Vec<NodeId>,
    /// `edges[i]` goes from `accounts[i]` to `accounts[i + 1]` (the last back to `accounts[0]`).
    pub edges: Vec<EdgeId>,
    /// Amount of each transfer in cents, `None` where the data has none.
    pub amounts: Vec<Option<i64>>,
    /// Time of the first transfer, seconds since the epoch.
    pub first_time: i64,
    /// Time of the last transfer.
    pub last_time: i64,
    /// Returning amount over first amount.
    pub kept_ratio: f64,
}

/// Transfer cycles of 2 to `max_len` transfers (self-transfers are not flows and are left out),
/// each transfer strictly later than the one before, the last no more than `within_secs` after
/// the first, bringing back at least `min_kept_ratio` of the first amount. One cycle per first
/// transfer and account sequence, with the earliest transfers that fit. Ordered by origin account,
/// then first transfer (time, id), then account ids along the cycle; at most `cap`. Origins are
/// searched in parallel; the result does not depend on the number of threads.
pub fn fund_cycles(g: &Graph, q: FundCycleQuery) -> Vec<FundCycle> {
    let max_len = q.max_len.min(MAX_FUND_CYCLE_LEN);
    let Some(transfers) = Transfers::of(g) else { return Vec::new() };
    let Some(account) = g.schema().entity_id("account") else { return Vec::new() };
    if max_len < 2 || q.cap == 0 || q.within_secs < 0 {
        return Vec::new();
    }
    let origins = g.type_range(account);
    let timeline = Timeline::build(&transfers);
    let query = FundCycleQuery { max_len, ..q };
    // Origins go in ordered chunks so the search can stop once the cap is met, while the output
    // stays what a sequential run gives.
    const CHUNK: u32 = 512;
    let mut out = Vec::new();
    let mut chunk_start = origins.start;
    while chunk_start < origins.end && out.len() < q.cap {
        let chunk_end = chunk_start.saturating_add(CHUNK).min(origins.end);
        let found: Vec<Vec<FundCycle>> = (chunk_start..chunk_end)
            .into_par_iter()
            .map(|origin| from_origin(&transfers, &timeline, NodeId(origin), &query))
            .collect();
        out.extend(found.into_iter().flatten());
        chunk_start = chunk_end;
    }
    out.truncate(q.cap);
    out
}

/// The cycles starting at `origin`, at most `q.cap`.
fn from_origin(transfers: &Transfers<'_>, timeline: &Timeline, origin: NodeId, q: &FundCycleQuery) -> Vec<FundCycle> {
    let mut out = Vec::new();
    if !timeline.receives(origin) {
        return out;
    }
    let mut search = Search {
        transfers,
        timeline,
        origin,
        q,
        accounts: Vec::new(),
        edges: Vec::new(),
        buffers: Vec::new(),
        out: &mut out,
    };
    // The timeline holds them by (time, edge id): the order cycles are reported in.
    for &first in timeline.all(origin) {
        let Some(amount) = transfers.amount(first.edge).filter(|&a| a > 0) else { continue };
        search.accounts.clear();
        search.accounts.extend([origin, first.to]);
        search.edges.clear();
        search.edges.push(first.edge);
        search.extend(first.time, amount, first.time, first.time.saturating_add(q.within_secs));
        if search.out.len() >= q.cap {
            break;
        }
    }
    out.truncate(q.cap);
    out
}

/// The depth-first search from one first transfer.
struct Search<'a, 'g> {
    transfers: &'a Transfers<'g>,
    timeline: &'a Timeline,
    origin: NodeId,
    q: &'a FundCycleQuery,
    accounts: Vec<NodeId>,
    edges: Vec<EdgeId>,
    /// One hop list per depth, reused across searches.
    buffers: Vec<Vec<Hop>>,
    out: &'a mut Vec<FundCycle>,
}

impl Search<'_, '_> {
    /// Follows transfers out of the last account, which was reached at `arrival`.
    fn extend(&mut self, first_time: i64, first_amount: i64, arrival: i64, until: i64) {
        let Some(&here) = self.accounts.last() else { return };
        let depth = self.edges.len();
        let mut hops = self.buffers.pop().unwrap_or_default();
        hops.clear();
        hops.extend_from_slice(self.timeline.between(here, arrival, until));
        // By receiver, then time: each receiver's run starts with its earliest transfer.
        hops.sort_unstable();
        for run in by_receiver(&hops) {
            if self.out.len() >= self.q.cap {
                break;
            }
            let next = run[0].to;
            if next == self.origin {
                self.close(run, first_time, first_amount);
            } else if depth + 1 < self.q.max_len && !self.accounts.contains(&next) {
                let hop = run[0];
                self.accounts.push(next);
                self.edges.push(hop.edge);
                self.extend(first_time, first_amount, hop.time, until);
                self.accounts.pop();
                self.edges.pop();
            }
        }
        self.buffers.push(hops);
    }

    /// Closes the cycle with the earliest transfer back that is in time and returns enough.
    fn close(&mut self, run: &[Hop], first_time: i64, first_amount: i64) {
        let needed = self.q.min_kept_ratio * first_amount as f64;
        let back = run.iter().find_map(|h| {
            let amount = self.transfers.amount(h.edge)?;
            (amount as f64 >= needed).then_some((h, amount))
        });
        let Some((hop, amount)) = back else { return };
        let mut edges = self.edges.clone();
        edges.push(hop.edge);
        let amounts = edges.iter().map(|&e| self.transfers.amount(e)).collect();
        self.out.push(FundCycle {
            accounts: self.accounts.clone(),
            edges,
            amounts,
            first_time,
            last_time: hop.time,
            kept_ratio: amount as f64 / first_amount as f64,
        });
    }
}
