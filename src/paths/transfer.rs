//! The built-in `transfer` relation as money-flow queries read it: out-transfers of an account
//! with their times, grouped by receiving account, and the amount of a transfer in cents.

use graph_schema::RelationTypeId;

use crate::graph::{EdgeId, Graph, NodeId, Value};

/// One transfer leaving an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Hop {
    pub(crate) to: NodeId,
    pub(crate) time: i64,
    pub(crate) edge: EdgeId,
}

/// Where the transfer relation and its amount live in this graph's schema.
pub(crate) struct Transfers<'g> {
    pub(crate) g: &'g Graph,
    relation: RelationTypeId,
    amount: Option<usize>,
}

impl<'g> Transfers<'g> {
    /// `None` when the schema has no `transfer` relation (so there is no money to follow).
    pub(crate) fn of(g: &'g Graph) -> Option<Transfers<'g>> {
        let schema = g.schema();
        let relation = schema.relation_id("transfer")?;
        let amount = schema.relation(relation).properties.iter().position(|p| p.name == "amount");
        Some(Transfers { g, relation, amount })
    }

    /// The amount in cents, if the transfer has a valid one.
    pub(crate) fn amount(&self, edge: EdgeId) -> Option<i64> {
        match self.g.edge_prop(edge, self.amount?) {
            Value::Decimal(cents) | Value::Int(cents) => Some(cents),
            _ => None,
        }
    }

    /// The timed transfers leaving `node` to other accounts, sorted by (receiver, time, edge):
    /// each receiver's transfers are then a run sorted by time. Untimed transfers and
    /// self-transfers are left out: neither can take part in a time-ordered flow.
    pub(crate) fn out_hops(&self, node: NodeId, hops: &mut Vec<Hop>) {
        self.out_hops_between(node, i64::MIN, i64::MAX, hops);
    }

    /// [`Transfers::out_hops`] limited to times in `after < time <= until`.
    pub(crate) fn out_hops_between(&self, node: NodeId, after: i64, until: i64, hops: &mut Vec<Hop>) {
        hops.clear();
        for adjacent in self.g.out_edges(node) {
            if adjacent.relation != self.relation || adjacent.other == node {
                continue;
            }
            match self.g.edge_time(adjacent.edge) {
                Some(time) if after < time && time <= until => {
                    hops.push(Hop { to: adjacent.other, time, edge: adjacent.edge })
                }
                _ => {}
            }
        }
        hops.sort_unstable();
    }

    /// The nodes sending transfers to `node` (with repeats), for reachability bounds.
    pub(crate) fn senders(&self, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.g.in_edges(node).filter(move |a| a.relation == self.relation).map(|a| a.other)
    }
}

/// Runs of `hops` (sorted as [`Transfers::out_hops`] sorts them) with one receiver each.
pub(crate) fn by_receiver(hops: &[Hop]) -> impl Iterator<Item = &[Hop]> {
    hops.chunk_by(|a, b| a.to == b.to)
}

/// The earliest hop of a receiver's run with `after < time <= until`.
pub(crate) fn earliest_between(run: &[Hop], after: i64, until: i64) -> Option<Hop> {
    let first = run.partition_point(|h| h.time <= after);
    run.get(first).copied().filter(|h| h.time <= until)
}
