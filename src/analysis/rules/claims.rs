//! Claim-consistency rules: a claim against its claimant's other claims (overlapping stays in two
//! hospitals, the same stay claimed twice), against the claimant (admitted after death, an
//! invalid resident ID) and against itself (reimbursed above the bill).

use rayon::prelude::*;

use super::context::{day, money, ClaimRow, Context, NONE};
use super::{AfterDeathParams, DuplicateParams, Finding, OverBilledParams, OverlapParams, Rule};
use crate::graph::{NodeId, Value};

/// Claims of each claimant with both dates, sorted by admission; in parallel over claimants.
fn per_claimant<F>(ctx: &Context<'_>, f: F) -> Vec<Finding>
where
    F: Fn(&[&ClaimRow], &mut Vec<Finding>) + Sync,
{
    let mut claimants: Vec<(&NodeId, &Vec<u32>)> = ctx.by_claimant.iter().filter(|(_, v)| v.len() > 1).collect();
    claimants.sort_unstable_by_key(|(n, _)| **n);
    claimants
        .par_iter()
        .flat_map_iter(|(_, idx)| {
            let mut rows: Vec<&ClaimRow> = idx
                .iter()
                .map(|&i| &ctx.claims[i as usize])
                .filter(|r| r.admitted.is_some() && r.discharged.is_some())
                .collect();
            rows.sort_by_key(|r| (r.admitted, r.discharged, r.node));
            let mut out = Vec::new();
            f(&rows, &mut out);
            out
        })
        .collect()
}

/// One person in two hospitals at once: two claims of one claimant at different hospitals
/// whose stays share at least `min_overlap_days` nights.
pub fn overlapping_stays(ctx: &Context<'_>, rule: &Rule, p: &OverlapParams) -> Vec<Finding> {
    per_claimant(ctx, |rows, out| {
        for (i, a) in rows.iter().enumerate() {
            let (a_in, a_out) = (a.admitted.unwrap_or(0), a.discharged.unwrap_or(0));
            for b in &rows[i + 1..] {
                let (b_in, b_out) = (b.admitted.unwrap_or(0), b.discharged.unwrap_or(0));
                if b_in > a_out {
                    break;
                }
                if a.hospital == b.hospital || a.hospital == NONE || b.hospital == NONE {
                    continue;
                }
                let overlap = a_out.min(b_out) - b_in.max(a_in);
                if overlap < p.min_overlap_days {
                    continue;
                }
                let text = format!(
                    "person {} was in hospital {} from {} to {} (claim {}) and in hospital {} from {} to {} (claim {}): {} night(s) overlap",
                    ctx.key(a.claimant),
                    ctx.key(a.hospital),
                    day(a.admitted),
                    day(a.discharged),
                    ctx.key(a.node.0),
                    ctx.key(b.hospital),
                    day(b.admitted),
                    day(b.discharged),
                    ctx.key(b.node.0),
                    overlap
                );
                for (x, y) in [(a, b), (b, a)] {
                    out.push(
                        Finding::new(x.node, rule.score)
                            .reason(text.clone())
                            .claim_edges(ctx, x)
                            .claim_edges(ctx, y)
                            .related(y.node.0),
                    );
                }
            }
        }
    })
}

/// A claim admitted more than `grace_days` after the claimant's recorded death.
pub fn after_death(ctx: &Context<'_>, rule: &Rule, p: &AfterDeathParams) -> Vec<Finding> {
    let g = ctx.g;
    let Some(person) = ctx.types.person else { return Vec::new() };
    let Some(death_prop) = g.schema().entity(person).properties.iter().position(|d| d.name == "death_date") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut claimants: Vec<(&NodeId, &Vec<u32>)> = ctx.by_claimant.iter().collect();
    claimants.sort_unstable_by_key(|(n, _)| **n);
    for (&claimant, idx) in claimants {
        if g.node_type(claimant) != person {
            continue;
        }
        let death = match g.node_prop(claimant, death_prop) {
            Value::Date(d) => d,
            _ => continue,
        };
        for &i in idx {
            let row = &ctx.claims[i as usize];
            let Some(admitted) = row.admitted else { continue };
            let late = admitted - death;
            if late > p.grace_days {
                out.push(
                    Finding::new(row.node, rule.score)
                        .reason(format!(
                            "claim {} for person {} admitted {} to hospital {}, {} day(s) after their recorded death on {}; billed {}",
                            ctx.key(row.node.0),
                            g.key(claimant),
                            day(row.admitted),
                            ctx.key(row.hospital),
                            late,
                            day(Some(death)),
                            money(row.billed)
                        ))
                        .claim_edges(ctx, row),
                );
            }
        }
    }
    out
}

/// The same stay claimed under several claim ids: same claimant and hospital, admission and
/// discharge within `date_tolerance_days`, billed amounts within `amount_tolerance`.
pub fn duplicates(ctx: &Context<'_>, rule: &Rule, p: &DuplicateParams) -> Vec<Finding> {
    let same_amount = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() as f64 <= p.amount_tolerance * a.abs().max(b.abs()) as f64,
        _ => false,
    };
    per_claimant(ctx, |rows, out| {
        for (i, a) in rows.iter().enumerate() {
            for b in &rows[i + 1..] {
                let (a_in, b_in) = (a.admitted.unwrap_or(0), b.admitted.unwrap_or(0));
                if b_in - a_in > p.date_tolerance_days {
                    break;
                }
                let (a_out, b_out) = (a.discharged.unwrap_or(0), b.discharged.unwrap_or(0));
                if a.hospital != b.hospital || (a_out - b_out).abs() > p.date_tolerance_days {
                    continue;
                }
                if !same_amount(a.billed, b.billed) {
                    continue;
                }
                let text = format!(
                    "claims {} and {} are the same stay: person {}, hospital {}, admitted {}, discharged {}, billed {} and {}",
                    ctx.key(a.node.0),
                    ctx.key(b.node.0),
                    ctx.key(a.claimant),
                    ctx.key(a.hospital),
                    day(a.admitted),
                    day(a.discharged),
                    money(a.billed),
                    money(b.billed)
                );
                for (x, y) in [(a, b), (b, a)] {
                    out.push(
                        Finding::new(x.node, rule.score)
                            .reason(text.clone())
                            .claim_edges(ctx, x)
                            .claim_edges(ctx, y)
                            .related(y.node.0),
                    );
                }
            }
        }
    })
}

/// Reimbursed more than billed (beyond `tolerance`, a share of the bill).
pub fn over_billed(ctx: &Context<'_>, rule: &Rule, p: &OverBilledParams) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &ctx.claims {
        let (Some(billed), Some(paid)) = (row.billed, row.reimbursed) else { continue };
        if paid as f64 > billed as f64 * (1.0 + p.tolerance) && paid > billed {
            let pct = if billed > 0 { (paid - billed) as f64 * 100.0 / billed as f64 } else { f64::INFINITY };
            out.push(
                Finding::new(row.node, rule.score)
                    .reason(format!(
                        "claim {} by person {}: reimbursed {} but billed {} ({} more, {:.1} %)",
                        ctx.key(row.node.0),
                        ctx.key(row.claimant),
                        money(Some(paid)),
                        money(Some(billed)),
                        money(Some(paid - billed)),
                        pct
                    ))
                    .claim_edges(ctx, row),
            );
        }
    }
    out
}

/// A claim whose claimant's key failed resident-ID validation and is kept raw.
pub fn invalid_claimant(ctx: &Context<'_>, rule: &Rule) -> Vec<Finding> {
    let g = ctx.g;
    let mut out = Vec::new();
    for row in &ctx.claims {
        if row.claimant == NONE || !g.key_is_invalid(NodeId(row.claimant)) {
            continue;
        }
        let key = g.key(NodeId(row.claimant));
        let why = match graph_schema::normalise::resident_id(key) {
            Err(invalid) => invalid.0,
            Ok(_) => "failed its validating normaliser".to_owned(),
        };
        out.push(
            Finding::new(row.node, rule.score)
                .reason(format!(
                    "claim {} by person `{}`, whose resident ID is invalid ({}); admitted {}, billed {}",
                    ctx.key(row.node.0),
                    key,
                    why,
                    day(row.admitted),
                    money(row.billed)
                ))
                .claim_edges(ctx, row),
        );
    }
    out
}
