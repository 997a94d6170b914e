//! Rules on the detectors' clusters: every claim of a ring's member at the hospital the ring
//! concentrates on becomes an alert, so the claims a ring produced are listed with the others.

use super::context::{day, money, Context};
use super::{alerts_of, ClusterClaimsParams, Finding, Rule};
use crate::analysis::evidence::Builder;
use crate::analysis::ring::main_hospital;
use crate::analysis::risk::Thresholds;
use crate::analysis::{Alert, Cluster};

/// Alerts on the claims of the clusters found by `p.source` at `p.min_level` or above.
pub fn cluster_claims(
    ctx: &Context<'_>,
    rule: &Rule,
    p: &ClusterClaimsParams,
    clusters: &[Cluster],
    levels: &Thresholds,
    ev: &Builder<'_>,
) -> Vec<Alert> {
    let mut findings = Vec::new();
    for c in clusters.iter().filter(|c| c.rule == p.source && c.level >= p.min_level) {
        let main = if p.main_hospital_only { main_hospital(ctx, &c.member_nodes) } else { None };
        for m in &c.member_nodes {
            for &i in ctx.by_claimant.get(m).into_iter().flatten() {
                let row = &ctx.claims[i as usize];
                if let Some((h, _, _)) = main {
                    if row.hospital != h.0 {
                        continue;
                    }
                }
                // The cluster's score, capped by the rule's.
                let score = rule.score.min(c.risk_score.max(rule.score * 0.5));
                findings.push(
                    Finding::new(row.node, score)
                        .reason(format!(
                            "claim {} by {} (admitted {} at hospital {}, billed {}) belongs to {} {} ({}, score {:.0})",
                            ctx.key(row.node.0),
                            ctx.key(row.claimant),
                            day(row.admitted),
                            ctx.key(row.hospital),
                            money(row.billed),
                            c.kind,
                            c.cluster_id,
                            c.level.name(),
                            c.risk_score
                        ))
                        .claim_edges(ctx, row),
                );
            }
        }
    }
    alerts_of(ctx, rule, levels, ev, findings)
}
