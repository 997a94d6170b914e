//! The claim table every rule reads: one row per claim node with its claimant, hospital, payee
//! account and handler, its dates and amounts, read once from the graph in parallel; plus the
//! entity and relation type ids the rules look for by name.

use graph_schema::{EntityTypeId, RelationTypeId};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::graph::{Graph, NodeId, Value};

/// No node.
pub const NONE: u32 = u32::MAX;

/// The built-in types the rules use, where the snapshot's schema has them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Types {
    /// `person`.
    pub person: Option<EntityTypeId>,
    /// `claim`.
    pub claim: Option<EntityTypeId>,
    /// `account`.
    pub account: Option<EntityTypeId>,
    /// `hospital`.
    pub hospital: Option<EntityTypeId>,
    /// `company`.
    pub company: Option<EntityTypeId>,
}

/// The built-in relations the rules use.
#[derive(Debug, Clone, Copy, Default)]
pub struct Relations {
    /// person → claim.
    pub claimed: Option<RelationTypeId>,
    /// claim → hospital.
    pub treated_at: Option<RelationTypeId>,
    /// claim → account.
    pub paid_to: Option<RelationTypeId>,
    /// claim → person.
    pub handled_by: Option<RelationTypeId>,
    /// person/company → account.
    pub holds_account: Option<RelationTypeId>,
    /// person → address.
    pub lives_at: Option<RelationTypeId>,
    /// person/company → phone.
    pub has_phone: Option<RelationTypeId>,
}

/// One claim.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRow {
    /// The claim node.
    pub node: NodeId,
    /// The claimant, or [`NONE`].
    pub claimant: u32,
    /// The hospital, or [`NONE`].
    pub hospital: u32,
    /// The account paid, or [`NONE`].
    pub payee: u32,
    /// The staff member who handled it, or [`NONE`].
    pub handler: u32,
    /// Admission day (days since 1970-01-01).
    pub admitted: Option<i32>,
    /// Discharge day.
    pub discharged: Option<i32>,
    /// Billed, in cents.
    pub billed: Option<i64>,
    /// Reimbursed, in cents.
    pub reimbursed: Option<i64>,
    /// The diagnosis text's interned id (comparable stays share it), or [`NONE`].
    pub diagnosis: u32,
}

impl ClaimRow {
    /// An optional node.
    pub fn opt(v: u32) -> Option<NodeId> {
        (v != NONE).then_some(NodeId(v))
    }
}

/// What the rules read.
pub struct Context<'g> {
    /// The graph.
    pub g: &'g Graph,
    /// Type ids.
    pub types: Types,
    /// Relation ids.
    pub rels: Relations,
    /// Every claim, in node order.
    pub claims: Vec<ClaimRow>,
    /// Diagnosis texts by interned id.
    pub diagnoses: Vec<String>,
    /// Per claimant, indexes into `claims`, in claim node order.
    pub by_claimant: FxHashMap<NodeId, Vec<u32>>,
}

fn date(v: Value<'_>) -> Option<i32> {
    match v {
        Value::Date(d) => Some(d),
        Value::DateTime(t) => Some(t.div_euclid(86_400) as i32),
        _ => None,
    }
}

fn cents(v: Value<'_>) -> Option<i64> {
    match v {
        Value::Decimal(c) => Some(c),
        Value::Int(i) => Some(i.saturating_mul(100)),
        _ => None,
    }
}

impl<'g> Context<'g> {
    /// Reads the claim table.
    pub fn new(g: &'g Graph) -> Context<'g> {
        let s = g.schema();
        let types = Types {
            person: s.entity_id("person"),
            claim: s.entity_id("claim"),
            account: s.entity_id("account"),
            hospital: s.entity_id("hospital"),
            company: s.entity_id("company"),
        };
        let rels = Relations {
            claimed: s.relation_id("claimed"),
            treated_at: s.relation_id("treated_at"),
            paid_to: s.relation_id("paid_to"),
            handled_by: s.relation_id("handled_by"),
            holds_account: s.relation_id("holds_account"),
            lives_at: s.relation_id("lives_at"),
            has_phone: s.relation_id("has_phone"),
        };
        let mut ctx =
            Context { g, types, rels, claims: Vec::new(), diagnoses: Vec::new(), by_claimant: FxHashMap::default() };
        let Some(claim_ty) = types.claim else { return ctx };
        let props = &s.entity(claim_ty).properties;
        let prop = |name: &str| props.iter().position(|p| p.name == name);
        let (p_adm, p_dis, p_bill, p_reimb, p_dx) =
            (prop("admitted"), prop("discharged"), prop("billed"), prop("reimbursed"), prop("diagnosis"));
        let range = g.type_range(claim_ty);
        let rows: Vec<(ClaimRow, Option<&str>)> = (range.start..range.end)
            .into_par_iter()
            .map(|id| {
                let node = NodeId(id);
                let mut row = ClaimRow {
                    node,
                    claimant: NONE,
                    hospital: NONE,
                    payee: NONE,
                    handler: NONE,
                    admitted: p_adm.and_then(|p| date(g.node_prop(node, p))),
                    discharged: p_dis.and_then(|p| date(g.node_prop(node, p))),
                    billed: p_bill.and_then(|p| cents(g.node_prop(node, p))),
                    reimbursed: p_reimb.and_then(|p| cents(g.node_prop(node, p))),
                    diagnosis: NONE,
                };
                for adj in g.in_edges(node) {
                    if Some(adj.relation) == rels.claimed && row.claimant == NONE {
                        row.claimant = adj.other.0;
                    }
                }
                for adj in g.out_edges(node) {
                    let slot = if Some(adj.relation) == rels.treated_at {
                        &mut row.hospital
                    } else if Some(adj.relation) == rels.paid_to {
                        &mut row.payee
                    } else if Some(adj.relation) == rels.handled_by {
                        &mut row.handler
                    } else {
                        continue;
                    };
                    if *slot == NONE {
                        *slot = adj.other.0;
                    }
                }
                let dx = match p_dx.map(|p| g.node_prop(node, p)) {
                    Some(Value::Str(s)) if !s.is_empty() => Some(s),
                    _ => None,
                };
                (row, dx)
            })
            .collect();
        let mut dx_ids: FxHashMap<&str, u32> = FxHashMap::default();
        ctx.claims.reserve(rows.len());
        for (mut row, dx) in rows {
            if let Some(text) = dx {
                let next = dx_ids.len() as u32;
                row.diagnosis = *dx_ids.entry(text).or_insert(next);
            }
            if row.claimant != NONE {
                ctx.by_claimant.entry(NodeId(row.claimant)).or_default().push(ctx.claims.len() as u32);
            }
            ctx.claims.push(row);
        }
        let mut names = vec![String::new(); dx_ids.len()];
        for (text, id) in dx_ids {
            names[id as usize] = text.to_owned();
        }
        ctx.diagnoses = names;
        ctx
    }

    /// The claim row of a claim node.
    pub fn claim(&self, node: NodeId) -> Option<&ClaimRow> {
        let start = self.types.claim.map(|t| self.g.type_range(t).start)?;
        self.claims.get(node.0.checked_sub(start)? as usize)
    }

    /// Holders of an account (persons or companies), in edge order.
    pub fn holders(&self, account: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let rel = self.rels.holds_account;
        self.g.in_edges(account).filter(move |a| Some(a.relation) == rel).map(|a| a.other)
    }

    /// The key of a node, or `?` for none.
    pub fn key(&self, v: u32) -> &str {
        if v == NONE {
            "?"
        } else {
            self.g.key(NodeId(v))
        }
    }

    /// The diagnosis text of a claim row.
    pub fn diagnosis(&self, row: &ClaimRow) -> &str {
        self.diagnoses.get(row.diagnosis as usize).map(String::as_str).unwrap_or("")
    }
}

/// A date as text (`?` when missing).
pub fn day(d: Option<i32>) -> String {
    d.map(graph_schema::normalise::format_days).unwrap_or_else(|| "?".to_owned())
}

/// An amount as text (`?` when missing).
pub fn money(c: Option<i64>) -> String {
    c.map(graph_schema::normalise::format_cents).unwrap_or_else(|| "?".to_owned())
}
