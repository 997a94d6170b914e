//! Payment rules: who a claim's money went to. A claim paid to an account its claimant does not
//! hold; and the forged-reimbursement case, a staff member whose handled claims pay into
//! accounts held by people who share a phone or an address with that staff member.

use rustc_hash::{FxHashMap, FxHashSet};

use super::context::{day, money, Context, NONE};
use super::{Finding, NonHolderParams, Rule, StaffParams};
use crate::analysis::AnalysisError;
use crate::graph::NodeId;
use graph_schema::RelationTypeId;

/// The identifiers `person` reaches through `rels` that at most `max_degree` entities use.
fn identifiers(
    ctx: &Context<'_>,
    person: NodeId,
    rels: &[RelationTypeId],
    max_degree: usize,
) -> Vec<(NodeId, RelationTypeId)> {
    let g = ctx.g;
    g.out_edges(person)
        .filter(|a| rels.contains(&a.relation))
        .filter(|a| {
            g.in_edges(a.other).filter(|b| rels.contains(&b.relation)).take(max_degree + 1).count() <= max_degree
        })
        .map(|a| (a.other, a.relation))
        .collect()
}

/// Whether `a` and `b` share an address (through `lives_at`) used by at most `max_degree` people.
fn same_household(ctx: &Context<'_>, a: NodeId, b: NodeId, max_degree: usize) -> Option<NodeId> {
    let rel = ctx.rels.lives_at?;
    let mine = identifiers(ctx, a, &[rel], max_degree);
    ctx.g.out_edges(b).filter(|x| x.relation == rel).map(|x| x.other).find(|addr| mine.iter().any(|(m, _)| m == addr))
}

/// A claim paid to an account its claimant does not hold (unless `allow_household` and a
/// holder lives at the claimant's address).
pub fn paid_to_non_holder(ctx: &Context<'_>, rule: &Rule, p: &NonHolderParams) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &ctx.claims {
        if row.payee == NONE || row.claimant == NONE {
            continue;
        }
        let (claimant, payee) = (NodeId(row.claimant), NodeId(row.payee));
        let holders: Vec<NodeId> = ctx.holders(payee).collect();
        if holders.contains(&claimant) {
            continue;
        }
        if p.allow_household
            && holders.iter().any(|&h| same_household(ctx, claimant, h, p.max_identifier_degree).is_some())
        {
            continue;
        }
        let held_by = if holders.is_empty() {
            "no one on record".to_owned()
        } else {
            holders
                .iter()
                .map(|&h| format!("{} {}", ctx.g.schema().entity(ctx.g.node_type(h)).name, ctx.g.key(h)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut f = Finding::new(row.node, rule.score)
            .reason(format!(
                "claim {} by person {} (admitted {}, reimbursed {}) was paid to account {}, held by {}, not by the claimant",
                ctx.key(row.node.0),
                ctx.key(row.claimant),
                day(row.admitted),
                money(row.reimbursed),
                ctx.key(row.payee),
                held_by
            ))
            .claim_edges(ctx, row);
        for h in holders {
            f = f.related(h.0).link(h.0, row.payee, ctx.rels.holds_account);
        }
        out.push(f);
    }
    out
}

/// Claims handled by a staff member and paid into an account held by someone (not the
/// claimant, when `claimant_differs`) who shares one of the staff member's identifiers.
pub fn staff_related_payee(ctx: &Context<'_>, rule: &Rule, p: &StaffParams) -> Result<Vec<Finding>, AnalysisError> {
    let g = ctx.g;
    let mut via = Vec::new();
    for name in &p.via {
        via.push(g.schema().relation_id(name).ok_or_else(|| AnalysisError::Schema {
            rule: rule.id.clone(),
            message: format!("`via` names relation `{name}`, which this snapshot's schema does not have"),
        })?);
    }
    let mut by_handler: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for (i, row) in ctx.claims.iter().enumerate() {
        if row.handler != NONE && row.payee != NONE {
            by_handler.entry(row.handler).or_default().push(i as u32);
        }
    }
    let mut handlers: Vec<u32> = by_handler.keys().copied().collect();
    handlers.sort_unstable();
    let mut out = Vec::new();
    for h in handlers {
        let staff = NodeId(h);
        // The people who share an identifier with the staff member, and which one.
        let mut related: FxHashMap<NodeId, (NodeId, RelationTypeId)> = FxHashMap::default();
        for (ident, rel) in identifiers(ctx, staff, &via, p.max_identifier_degree) {
            for adj in g.in_edges(ident).filter(|a| via.contains(&a.relation)) {
                if adj.other != staff {
                    related.entry(adj.other).or_insert((ident, rel));
                }
            }
        }
        if related.is_empty() {
            continue;
        }
        let mut found = Vec::new();
        let mut relatives: FxHashSet<NodeId> = FxHashSet::default();
        for &i in &by_handler[&h] {
            let row = &ctx.claims[i as usize];
            for holder in ctx.holders(NodeId(row.payee)) {
                if p.claimant_differs && holder.0 == row.claimant {
                    continue;
                }
                let Some(&(ident, rel)) = related.get(&holder) else { continue };
                let what = g.schema().entity(g.node_type(ident)).name.clone();
                relatives.insert(holder);
                found.push(
                    Finding::new(row.node, rule.score)
                        .reason(format!(
                            "staff member {} handled claim {} (claimant {}, admitted {}, reimbursed {}) paid to account {} held by {}, who shares {} {} with the staff member",
                            g.key(staff),
                            ctx.key(row.node.0),
                            ctx.key(row.claimant),
                            day(row.admitted),
                            money(row.reimbursed),
                            ctx.key(row.payee),
                            g.key(holder),
                            what,
                            g.key(ident)
                        ))
                        .claim_edges(ctx, row)
                        .related(holder.0)
                        .link(holder.0, row.payee, ctx.rels.holds_account)
                        .link(holder.0, ident.0, Some(rel))
                        .link(h, ident.0, Some(rel)),
                );
                break;
            }
        }
        if found.len() >= p.min_claims.max(1) {
            let n = found.len();
            let total = relatives.len();
            for f in &mut found {
                f.reasons.push(format!(
                    "{} of the claims this staff member handled were paid to {} related account holder(s)",
                    n, total
                ));
            }
            out.extend(found);
        }
    }
    Ok(out)
}
