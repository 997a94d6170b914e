//! Risk: the four levels and their score thresholds, and the risk of every entity the findings
//! touch, combining the clusters it belongs to and the alerts on or around it.
//!
//! An entity's score is the noisy-OR of what touches it, `100 × (1 − Π(1 − sᵢ/100))`: one red
//! finding makes it red, several yellow ones push it up, none can pass 100.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use super::rules::context::Context;
use super::{round2, Alert, Cluster, EntityRef, EntityRisk};
use crate::graph::{Graph, NodeId};

/// Risk levels, least severe first so that `max` picks the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Low: noted, nothing to do.
    Blue,
    /// Watch.
    Yellow,
    /// Likely: look at soon.
    Orange,
    /// Look at first.
    Red,
}

impl Level {
    /// Parses a level name.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "blue" => Level::Blue,
            "yellow" => Level::Yellow,
            "orange" => Level::Orange,
            "red" => Level::Red,
            _ => return None,
        })
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Level::Blue => "blue",
            Level::Yellow => "yellow",
            Level::Orange => "orange",
            Level::Red => "red",
        }
    }
}

/// Score thresholds of the levels: a score at or above `red` is red, and so on down to blue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Lowest red score.
    pub red: f64,
    /// Lowest orange score.
    pub orange: f64,
    /// Lowest yellow score.
    pub yellow: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { red: 80.0, orange: 60.0, yellow: 35.0 }
    }
}

impl Thresholds {
    /// The level of a score.
    pub fn level(&self, score: f64) -> Level {
        if score >= self.red {
            Level::Red
        } else if score >= self.orange {
            Level::Orange
        } else if score >= self.yellow {
            Level::Yellow
        } else {
            Level::Blue
        }
    }
}

/// Which claims and entities the record rules' alerts touch, for the detectors' features.
pub struct AlertIndex {
    /// Claims with at least one alert.
    pub claims: FxHashSet<NodeId>,
    /// Alerts per touched entity (record or related).
    pub touched: FxHashMap<NodeId, u32>,
}

impl AlertIndex {
    /// Indexes `alerts`.
    pub fn new(_ctx: &Context<'_>, alerts: &[Alert]) -> AlertIndex {
        let mut claims = FxHashSet::default();
        let mut touched: FxHashMap<NodeId, u32> = FxHashMap::default();
        for a in alerts {
            if let Some(n) = a.node {
                claims.insert(n);
                *touched.entry(n).or_default() += 1;
            }
            for &n in &a.related_nodes {
                *touched.entry(n).or_default() += 1;
            }
        }
        AlertIndex { claims, touched }
    }
}

/// Noisy-OR of scores on the 0–100 scale.
pub fn combine(scores: impl IntoIterator<Item = f64>) -> f64 {
    let keep = scores.into_iter().fold(1.0, |acc, s| acc * (1.0 - (s / 100.0).clamp(0.0, 1.0)));
    100.0 * (1.0 - keep)
}

/// The risk of every entity that an alert or a cluster touches, highest first. Alerts count
/// for their record in full and for related entities at half their score; clusters count for
/// their members in full.
pub fn entity_risks(g: &Graph, alerts: &[Alert], clusters: &[Cluster], levels: &Thresholds) -> Vec<EntityRisk> {
    struct Acc {
        scores: Vec<f64>,
        reasons: BTreeMap<String, usize>,
        clusters: Vec<String>,
    }
    let mut by_node: FxHashMap<NodeId, Acc> = FxHashMap::default();
    let mut touch = |node: NodeId, score: f64, reason: String, cluster: Option<&str>| {
        let acc = by_node.entry(node).or_insert_with(|| Acc {
            scores: Vec::new(),
            reasons: BTreeMap::new(),
            clusters: Vec::new(),
        });
        acc.scores.push(score);
        *acc.reasons.entry(reason).or_default() += 1;
        if let Some(c) = cluster {
            acc.clusters.push(c.to_owned());
        }
    };
    for a in alerts {
        if let Some(n) = a.node {
            touch(n, a.score, format!("alert {} ({})", a.rule, a.level.name()), None);
        }
        let mut seen = FxHashSet::default();
        for &n in &a.related_nodes {
            if Some(n) != a.node && seen.insert(n) {
                touch(
                    n,
                    a.score / 2.0,
                    format!("involved in alert {} on {} {}", a.rule, a.record.ty, a.record.key),
                    None,
                );
            }
        }
    }
    for c in clusters {
        for &n in &c.member_nodes {
            touch(
                n,
                c.risk_score,
                format!("member of {} {} ({})", c.kind, c.cluster_id, c.level.name()),
                Some(&c.cluster_id),
            );
        }
    }
    let mut out: Vec<EntityRisk> = by_node
        .into_iter()
        .map(|(node, acc)| {
            let score = round2(combine(acc.scores.iter().copied()));
            let r = EntityRef::of(g, node);
            // Reasons: the distinct findings, repeated ones counted, at most 20.
            let mut reasons: Vec<String> =
                acc.reasons.into_iter().map(|(text, n)| if n > 1 { format!("{text} ×{n}") } else { text }).collect();
            reasons.truncate(20);
            let mut clusters = acc.clusters;
            clusters.sort();
            clusters.dedup();
            EntityRisk { ty: r.ty, key: r.key, risk_score: score, level: levels.level(score), reasons, clusters }
        })
        .collect();
    out.sort_by(|a, b| {
        b.risk_score.total_cmp(&a.risk_score).then_with(|| a.ty.cmp(&b.ty)).then_with(|| a.key.cmp(&b.key))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_thresholds_and_combine_is_a_noisy_or() {
        let t = Thresholds::default();
        assert_eq!(
            (t.level(80.0), t.level(79.9), t.level(60.0), t.level(35.0), t.level(0.0)),
            (Level::Red, Level::Orange, Level::Orange, Level::Yellow, Level::Blue)
        );
        assert!((combine([50.0, 50.0]) - 75.0).abs() < 1e-9);
        assert_eq!(combine([]), 0.0);
        assert_eq!(combine([100.0, 10.0]), 100.0);
        assert!(Level::Red > Level::Orange && Level::Yellow > Level::Blue);
    }
}
