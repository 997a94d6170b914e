//! Detection: the cross-checking rules, the ring, shell-network and fund-cycle detectors, and the
//! four-colour risk that ranks what they find, each finding with its reasons and its evidence.
//!
//! [`analyze`] runs a [`rules::RuleSet`] (the built-in `rules.toml`, or a user's own file) over a
//! [`Graph`]: record rules first (alerts on claims), then the detectors (clusters), then the rules
//! that turn clusters back into alerts on their claims, and last the risk of every entity the
//! findings touch. [`output`] writes the result in the stable JSON-lines contract that the server
//! and other tools read; [`diff`] compares two analyses; [`export`] writes a cluster's subgraph
//! for Gephi, i2 or a spreadsheet.
//!
//! Invariant: nothing here knows about HTTP or the CLI; a run is a pure function of the graph,
//! the rules and the seed, so the same inputs give the same bytes.

pub mod diff;
pub mod evidence;
pub mod export;
pub mod output;
pub mod ring;
pub mod risk;
pub mod rules;
pub mod shell;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::graph::{Graph, NodeId};
pub use evidence::Evidence;
pub use risk::Level;
use rules::{RuleKind, RuleSet};

/// An entity as the output files name it: its type and its normalised key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EntityRef {
    /// Entity type name.
    #[serde(rename = "type")]
    pub ty: String,
    /// Normalised key, as the snapshot holds it.
    pub key: String,
}

impl EntityRef {
    /// The reference of a node.
    pub fn of(g: &Graph, node: NodeId) -> EntityRef {
        EntityRef { ty: g.schema().entity(g.node_type(node)).name.clone(), key: g.key(node).to_owned() }
    }
}

/// One rule firing on one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Id of the rule that fired.
    pub rule: String,
    /// The record it fired on (a claim for the built-in rules).
    pub record: EntityRef,
    /// 0–100.
    pub score: f64,
    /// Level: the rule's own, else the score's by the thresholds.
    pub level: Level,
    /// Human-readable reasons citing keys, dates and amounts.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Other entities the finding involves (claimant, payee account, handler, ...).
    #[serde(default)]
    pub related: Vec<EntityRef>,
    /// Source rows, merge decisions, edges and the rule.
    #[serde(default)]
    pub evidence: Evidence,
    /// The record's node.
    #[serde(skip)]
    pub node: Option<NodeId>,
    /// Nodes of `related`, for entity risk.
    #[serde(skip)]
    pub related_nodes: Vec<NodeId>,
}

/// A group of entities a detector found together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Stable id: the kind's prefix and a hash of the sorted keys of the cluster's core.
    pub cluster_id: String,
    /// `ring`, `shell_network`, `fund_cycle`, `staff_network`.
    pub kind: String,
    /// 0–100.
    pub risk_score: f64,
    /// Level by the thresholds.
    pub level: Level,
    /// Members, sorted by type then key.
    pub members: Vec<EntityRef>,
    /// Human-readable reasons.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Id of the rule (detector) that found it.
    #[serde(default)]
    pub rule: String,
    /// The keys the id is derived from (shared identifiers, cycle accounts, ...).
    #[serde(default)]
    pub core: Vec<EntityRef>,
    /// The features the score combines, each 0–1 unless named otherwise.
    #[serde(default)]
    pub features: BTreeMap<String, f64>,
    /// Source rows, merge decisions, edges and the rule.
    #[serde(default)]
    pub evidence: Evidence,
    /// Member nodes, parallel to `members`.
    #[serde(skip)]
    pub member_nodes: Vec<NodeId>,
}

/// The risk of one entity: its clusters and the alerts that touch it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityRisk {
    /// Entity type name.
    #[serde(rename = "type")]
    pub ty: String,
    /// Normalised key.
    pub key: String,
    /// 0–100.
    pub risk_score: f64,
    /// Level by the thresholds.
    pub level: Level,
    /// Why.
    pub reasons: Vec<String>,
    /// Clusters it is a member of.
    pub clusters: Vec<String>,
}

/// What a run did, written as `summary.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// clew version.
    pub clew_version: String,
    /// The snapshot analysed.
    pub snapshot: String,
    /// Where the rules came from (`built-in` or a path).
    pub rules_origin: String,
    /// xxh3 of the rules text, hex.
    pub rules_hash: String,
    /// The seed.
    pub seed: u64,
    /// Alerts per rule id.
    pub alerts_per_rule: BTreeMap<String, usize>,
    /// Clusters per kind and level (`ring/red`).
    pub clusters_per_level: BTreeMap<String, usize>,
    /// Seconds per stage.
    pub seconds: BTreeMap<String, f64>,
}

/// Everything a run found.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Alerts, highest score first.
    pub alerts: Vec<Alert>,
    /// Clusters, highest risk first.
    pub clusters: Vec<Cluster>,
    /// Entity risks, highest first.
    pub entities: Vec<EntityRisk>,
    /// What the run did.
    pub summary: Summary,
}

/// Reports progress of a long run; the CLI draws bars, tests pass [`NoProgress`].
pub trait Progress: Sync {
    /// A stage begins with `total` steps (0 when unknown).
    fn stage(&self, name: &str, total: u64);
    /// `n` more steps of the current stage are done.
    fn advance(&self, n: u64);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
}

/// How to run an analysis.
pub struct Options<'a> {
    /// Seed for community detection's node order; the same seed gives the same output.
    pub seed: u64,
    /// Where progress goes.
    pub progress: &'a dyn Progress,
    /// Entity-resolution decisions (`<snapshot>.merges.jsonl`), cited in evidence when present.
    pub merges: Option<&'a Path>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options { seed: 0, progress: &NoProgress, merges: None }
    }
}

/// Why an analysis could not run.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The rules file is unusable.
    #[error(transparent)]
    Rules(#[from] rules::RulesError),
    /// A rule needs a type or relation the snapshot's schema lacks.
    #[error("rule `{rule}`: {message}")]
    Schema {
        /// The rule id.
        rule: String,
        /// What is missing.
        message: String,
    },
}

/// Runs every enabled rule of `rules` over `g`.
pub fn analyze(g: &Graph, rules: &RuleSet, opts: &Options<'_>) -> Result<Analysis, AnalysisError> {
    let started = Instant::now();
    let mut summary = Summary {
        clew_version: env!("CARGO_PKG_VERSION").to_owned(),
        snapshot: g.path().display().to_string(),
        rules_origin: rules.origin.clone(),
        rules_hash: format!("{:016x}", xxhash_rust::xxh3::xxh3_64(rules.text.as_bytes())),
        seed: opts.seed,
        ..Summary::default()
    };
    let merges = evidence::Merges::load(opts.merges);
    let ev = evidence::Builder::new(g, &merges);
    let mut stage_clock = Instant::now();
    let mut lap = |summary: &mut Summary, name: &str| {
        summary.seconds.insert(name.to_owned(), stage_clock.elapsed().as_secs_f64());
        stage_clock = Instant::now();
    };

    opts.progress.stage("reading claims", 0);
    let ctx = rules::context::Context::new(g);
    lap(&mut summary, "claims");

    // Record rules.
    let record_rules: Vec<&rules::Rule> = rules.rules.iter().filter(|r| r.kind.is_record_rule()).collect();
    opts.progress.stage("record rules", record_rules.len() as u64);
    let mut alerts = Vec::new();
    for rule in &record_rules {
        let found = rules::run_record_rule(&ctx, rule, &rules.levels, &ev)?;
        summary.alerts_per_rule.insert(rule.id.clone(), found.len());
        alerts.extend(found);
        opts.progress.advance(1);
    }
    lap(&mut summary, "record_rules");

    // Detectors.
    let alert_index = risk::AlertIndex::new(&ctx, &alerts);
    let mut clusters: Vec<Cluster> = Vec::new();
    // Fund cycles first: the shell-network detector reads them as a feature.
    let mut detectors: Vec<&rules::Rule> = rules.rules.iter().filter(|r| r.kind.is_detector()).collect();
    detectors.sort_by_key(|r| !matches!(r.kind, RuleKind::FundCycle(_)));
    for rule in detectors {
        opts.progress.stage(&format!("detector {}", rule.id), 0);
        let found = match &rule.kind {
            RuleKind::FundCycle(p) => shell::detect_fund_cycles(&ctx, rule, p, &rules.levels, &ev),
            RuleKind::ShellNetwork(p) => {
                let cycles: Vec<Cluster> = clusters.iter().filter(|c| c.kind == "fund_cycle").cloned().collect();
                shell::detect_networks(&ctx, rule, p, &cycles, &rules.levels, &ev)
            }
            RuleKind::CollusionRing(p) => ring::detect(&ctx, rule, p, &alert_index, &rules.levels, &ev, opts.seed)?,
            RuleKind::StaffNetwork(p) => ring::staff_networks(&ctx, rule, p, &alerts, &rules.levels, &ev),
            _ => Vec::new(),
        };
        lap(&mut summary, &format!("detector_{}", rule.id));
        clusters.extend(found);
    }

    // Rules on clusters' claims.
    for rule in rules.rules.iter().filter(|r| matches!(r.kind, RuleKind::ClusterClaims(_))) {
        if let RuleKind::ClusterClaims(p) = &rule.kind {
            let found = rules::clusters::cluster_claims(&ctx, rule, p, &clusters, &rules.levels, &ev);
            summary.alerts_per_rule.insert(rule.id.clone(), found.len());
            alerts.extend(found);
        }
    }
    lap(&mut summary, "cluster_rules");

    opts.progress.stage("entity risk", 0);
    let entities = risk::entity_risks(g, &alerts, &clusters, &rules.levels);
    lap(&mut summary, "entity_risk");

    alerts.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then_with(|| a.rule.cmp(&b.rule)).then_with(|| a.record.cmp(&b.record))
    });
    clusters.sort_by(|a, b| b.risk_score.total_cmp(&a.risk_score).then_with(|| a.cluster_id.cmp(&b.cluster_id)));
    for c in &clusters {
        *summary.clusters_per_level.entry(format!("{}/{}", c.kind, c.level.name())).or_default() += 1;
    }
    summary.seconds.insert("total".to_owned(), started.elapsed().as_secs_f64());
    Ok(Analysis { alerts, clusters, entities, summary })
}

/// A stable id: `prefix-` and 16 hex digits of xxh3 over the sorted `type:key` strings of `core`.
pub fn stable_id(prefix: &str, core: &[EntityRef]) -> String {
    let mut keys: Vec<String> = core.iter().map(|r| format!("{}:{}", r.ty, r.key)).collect();
    keys.sort_unstable();
    keys.dedup();
    let text = keys.join("\n");
    format!("{prefix}-{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// Rounds a score to two decimals, so output is stable across platforms' float printing.
pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
