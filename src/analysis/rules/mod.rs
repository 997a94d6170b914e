//! The rules file and the engine that runs it. A rules file (TOML) lists rules, each with an id,
//! a description, a kind (one of the built-in kinds, with that kind's parameters), a score and an
//! optional fixed level; `[levels]` maps scores to the four colours. The built-in file ships as
//! `src/analysis/rules.toml` and is what `clew analyze` uses without `--rules`.
//!
//! Raw, then validated: the TOML is read into tables, each rule's parameters are checked against
//! its kind (an unknown or misspelt parameter is an error naming the file and line), and the
//! engine only sees the validated [`RuleSet`].
//!
//! One file per rule family: [`claims`] (consistency of a claim with itself, its claimant and
//! other claims), [`payments`] (who the money went to), [`amounts`] (outlier amounts),
//! [`clusters`] (claims of the clusters the detectors found). [`context`] is the claim table they
//! all read.

pub mod amounts;
pub mod claims;
pub mod clusters;
pub mod context;
pub mod payments;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::evidence::Builder;
use super::risk::{Level, Thresholds};
use super::{Alert, AnalysisError};
use crate::graph::NodeId;
use context::Context;

/// The built-in rules file.
pub const BUILTIN_RULES: &str = include_str!("../rules.toml");

/// A rules file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct RulesError {
    /// The file the rules came from.
    pub origin: String,
    /// 1-based line of the offending rule or setting.
    pub line: usize,
    /// What is wrong and what would be valid.
    pub message: String,
}

/// A validated rules file.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// Score thresholds of the levels.
    pub levels: Thresholds,
    /// Enabled rules in file order.
    pub rules: Vec<Rule>,
    /// Where the rules came from.
    pub origin: String,
    /// The text, for the run's summary hash.
    pub text: String,
}

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Unique id.
    pub id: String,
    /// What it looks for, in words.
    pub description: String,
    /// 0–100: an alert's score, or the most a detector's cluster can score.
    pub score: f64,
    /// A fixed level for its alerts; otherwise the score's level.
    pub level: Option<Level>,
    /// The kind and its parameters.
    pub kind: RuleKind,
}

impl Rule {
    /// The level of an alert of this rule scoring `score`.
    pub fn level_for(&self, score: f64, levels: &Thresholds) -> Level {
        self.level.unwrap_or_else(|| levels.level(score))
    }
}

/// The built-in kinds, with their parameters.
#[derive(Debug, Clone)]
pub enum RuleKind {
    /// One person, two hospitals, overlapping stays.
    OverlappingStays(OverlapParams),
    /// Admitted after the claimant's death.
    ClaimAfterDeath(AfterDeathParams),
    /// One stay claimed under several claim ids.
    DuplicateClaims(DuplicateParams),
    /// Reimbursed above the bill.
    ReimbursedOverBilled(OverBilledParams),
    /// The claimant's resident ID is invalid.
    InvalidClaimantId(NoParams),
    /// Paid to an account the claimant does not hold.
    PaidToNonHolder(NonHolderParams),
    /// A staff member's claims paid to people who share their phone or address.
    StaffRelatedPayee(StaffParams),
    /// Billed far above comparable stays.
    AmountOutlier(OutlierParams),
    /// Collusion rings on the shared-identifier projection.
    CollusionRing(RingParams),
    /// Shell-company networks.
    ShellNetwork(ShellParams),
    /// Transfer cycles.
    FundCycle(FundParams),
    /// A forging staff member with the relatives paid.
    StaffNetwork(StaffNetworkParams),
    /// Alerts on the claims of a detector's clusters.
    ClusterClaims(ClusterClaimsParams),
}

impl RuleKind {
    /// Kinds that raise alerts on records straight from the graph.
    pub fn is_record_rule(&self) -> bool {
        !self.is_detector() && !matches!(self, RuleKind::ClusterClaims(_))
    }

    /// Kinds that find clusters.
    pub fn is_detector(&self) -> bool {
        matches!(
            self,
            RuleKind::CollusionRing(_) | RuleKind::ShellNetwork(_) | RuleKind::FundCycle(_) | RuleKind::StaffNetwork(_)
        )
    }

    /// The kind's name in the rules file.
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::OverlappingStays(_) => "overlapping_stays",
            RuleKind::ClaimAfterDeath(_) => "claim_after_death",
            RuleKind::DuplicateClaims(_) => "duplicate_claims",
            RuleKind::ReimbursedOverBilled(_) => "reimbursed_over_billed",
            RuleKind::InvalidClaimantId(_) => "invalid_claimant_id",
            RuleKind::PaidToNonHolder(_) => "paid_to_non_holder",
            RuleKind::StaffRelatedPayee(_) => "staff_related_payee",
            RuleKind::AmountOutlier(_) => "amount_outlier",
            RuleKind::CollusionRing(_) => "collusion_ring",
            RuleKind::ShellNetwork(_) => "shell_network",
            RuleKind::FundCycle(_) => "fund_cycle",
            RuleKind::StaffNetwork(_) => "staff_network",
            RuleKind::ClusterClaims(_) => "cluster_claims",
        }
    }
}

/// The kind names, for error messages.
const KINDS: &[&str] = &[
    "overlapping_stays",
    "claim_after_death",
    "duplicate_claims",
    "reimbursed_over_billed",
    "invalid_claimant_id",
    "paid_to_non_holder",
    "staff_related_payee",
    "amount_outlier",
    "collusion_ring",
    "shell_network",
    "fund_cycle",
    "staff_network",
    "cluster_claims",
];

/// No parameters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// `overlapping_stays`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OverlapParams {
    /// Nights both stays must cover.
    pub min_overlap_days: i32,
}
impl Default for OverlapParams {
    fn default() -> Self {
        OverlapParams { min_overlap_days: 1 }
    }
}

/// `claim_after_death`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AfterDeathParams {
    /// Days after the death an admission still passes.
    pub grace_days: i32,
}

/// `duplicate_claims`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DuplicateParams {
    /// Admission and discharge may differ by this many days.
    pub date_tolerance_days: i32,
    /// Billed amounts may differ by this share.
    pub amount_tolerance: f64,
}

/// `reimbursed_over_billed`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OverBilledParams {
    /// Reimbursed may exceed billed by this share.
    pub tolerance: f64,
}

/// `paid_to_non_holder`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NonHolderParams {
    /// An account of someone at the claimant's address passes.
    pub allow_household: bool,
    /// An address shared by more people than this does not make a household.
    pub max_identifier_degree: usize,
}
impl Default for NonHolderParams {
    fn default() -> Self {
        NonHolderParams { allow_household: false, max_identifier_degree: 10 }
    }
}

/// `staff_related_payee`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaffParams {
    /// Relations from a person to the identifiers that make two people related.
    pub via: Vec<String>,
    /// Identifiers shared by more people prove nothing.
    pub max_identifier_degree: usize,
    /// Only when the account holder is not the claimant.
    pub claimant_differs: bool,
    /// Fire when the staff member handled at least this many such claims.
    pub min_claims: usize,
}
impl Default for StaffParams {
    fn default() -> Self {
        StaffParams {
            via: vec!["has_phone".into(), "lives_at".into()],
            max_identifier_degree: 10,
            claimant_differs: true,
            min_claims: 1,
        }
    }
}

/// `amount_outlier`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutlierParams {
    /// Robust z-score limit.
    pub z_limit: f64,
    /// Smallest hospital-and-diagnosis group compared on its own.
    pub min_group: usize,
    /// And at least this multiple of the median.
    pub min_ratio: f64,
}
impl Default for OutlierParams {
    fn default() -> Self {
        OutlierParams { z_limit: 4.0, min_group: 20, min_ratio: 1.5 }
    }
}

/// `collusion_ring`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RingParams {
    /// Relations from a person to a shared identifier; empty: every relation to a `shared` type.
    pub identifiers: Vec<String>,
    /// A claim paid to someone's account links its claimant to the holder.
    pub payee_links: bool,
    /// Identifiers shared by more people are skipped.
    pub max_identifier_degree: usize,
    /// Identifiers a company also uses are skipped.
    pub skip_organisation_identifiers: bool,
    /// Smallest cluster reported.
    pub min_members: usize,
    /// Clusters scoring below this are not reported (households scoring on one feature).
    pub min_score: f64,
    /// Components larger than this are split into communities.
    pub split_above: usize,
    /// Groups that share no identifier but concentrate inflated or flagged claims on one
    /// hospital are joined into one candidate per hospital.
    pub join_by_hospital: bool,
    /// Modularity resolution of the split.
    pub resolution: f64,
    /// Feature weight.
    pub weight_sharing: f64,
    /// Feature weight.
    pub weight_density: f64,
    /// Feature weight.
    pub weight_hospital: f64,
    /// Feature weight.
    pub weight_inflation: f64,
    /// Feature weight.
    pub weight_alerts: f64,
    /// Fewer claims than this damp the hospital-concentration feature.
    pub min_claims_for_concentration: usize,
}
impl Default for RingParams {
    fn default() -> Self {
        RingParams {
            identifiers: Vec::new(),
            payee_links: true,
            max_identifier_degree: 25,
            skip_organisation_identifiers: true,
            min_members: 4,
            min_score: 15.0,
            split_above: 40,
            join_by_hospital: true,
            resolution: 1.0,
            weight_sharing: 1.0,
            weight_density: 1.0,
            weight_hospital: 1.5,
            weight_inflation: 1.0,
            weight_alerts: 1.5,
            min_claims_for_concentration: 6,
        }
    }
}

/// `shell_network`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShellParams {
    /// Relations that link companies (through a shared node, or directly for ownership).
    pub links: Vec<String>,
    /// A node linking more companies than this is not followed.
    pub max_link_degree: usize,
    /// Smallest network reported.
    pub min_companies: usize,
    /// Feature weight.
    pub weight_address: f64,
    /// Feature weight.
    pub weight_people: f64,
    /// Feature weight.
    pub weight_circular: f64,
    /// Feature weight.
    pub weight_owners: f64,
    /// Feature weight.
    pub weight_funds: f64,
}
impl Default for ShellParams {
    fn default() -> Self {
        ShellParams {
            links: ["registered_at", "has_phone", "legal_rep_of", "director_of", "shareholder_of"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            max_link_degree: 30,
            min_companies: 3,
            weight_address: 1.0,
            weight_people: 1.0,
            weight_circular: 1.5,
            weight_owners: 1.0,
            weight_funds: 1.0,
        }
    }
}

/// `fund_cycle`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FundParams {
    /// Most transfers in a cycle.
    pub max_len: usize,
    /// Days from the first transfer to the last.
    pub within_days: f64,
    /// Share of the first amount that must come back.
    pub min_kept_ratio: f64,
    /// Most cycles searched for.
    pub cap: usize,
    /// Smallest first amount, in currency units.
    pub min_amount: f64,
}
impl Default for FundParams {
    fn default() -> Self {
        FundParams { max_len: 6, within_days: 30.0, min_kept_ratio: 0.9, cap: 100_000, min_amount: 0.0 }
    }
}

/// `staff_network`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaffNetworkParams {
    /// Id of the `staff_related_payee` rule whose alerts it groups.
    pub source: String,
}

/// `cluster_claims`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterClaimsParams {
    /// Id of the detector rule whose clusters it reads.
    pub source: String,
    /// Only clusters at this level or above.
    pub min_level: Level,
    /// Only claims at the hospital the cluster concentrates on.
    pub main_hospital_only: bool,
}
impl Default for ClusterClaimsParams {
    fn default() -> Self {
        ClusterClaimsParams { source: String::new(), min_level: Level::Orange, main_hospital_only: true }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: u32,
    #[serde(default)]
    levels: Option<toml::Spanned<RawLevels>>,
    #[serde(default)]
    rule: Vec<toml::Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevels {
    red: f64,
    orange: f64,
    yellow: f64,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}

impl RuleSet {
    /// The built-in rules.
    pub fn builtin() -> RuleSet {
        // The built-in file is checked by a unit test, so this cannot fail at run time.
        RuleSet::parse(BUILTIN_RULES, "built-in rules.toml").unwrap_or_else(|err| panic!("{err}"))
    }

    /// Reads a rules file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<RuleSet, RulesError> {
        let fail = |offset: usize, message: String| RulesError {
            origin: origin.to_owned(),
            line: line_of(text, offset),
            message,
        };
        let raw: RawFile = toml::from_str(text)
            .map_err(|err| fail(err.span().map(|s| s.start).unwrap_or(0), err.message().to_owned()))?;
        if raw.version != 1 {
            return Err(fail(0, format!("version {} is not supported; this clew reads version 1", raw.version)));
        }
        let levels = match raw.levels {
            None => Thresholds::default(),
            Some(spanned) => {
                let span = spanned.span();
                let l = spanned.into_inner();
                let t = Thresholds { red: l.red, orange: l.orange, yellow: l.yellow };
                if !(t.red > t.orange && t.orange > t.yellow && t.yellow >= 0.0 && t.red <= 100.0) {
                    return Err(fail(span.start, "levels must satisfy 100 >= red > orange > yellow >= 0".into()));
                }
                t
            }
        };
        let mut rules = Vec::new();
        let mut ids: Vec<String> = Vec::new();
        for spanned in raw.rule {
            let offset = spanned.span().start;
            let mut table = spanned.into_inner();
            let mut take_str = |name: &str, required: bool| -> Result<Option<String>, RulesError> {
                match table.remove(name) {
                    Some(toml::Value::String(s)) => Ok(Some(s)),
                    Some(other) => Err(fail(offset, format!("`{name}` must be a string, not {}", other.type_str()))),
                    None if required => Err(fail(offset, format!("a rule needs `{name}`"))),
                    None => Ok(None),
                }
            };
            let id = take_str("id", true)?.unwrap_or_default();
            let at = |message: String| fail(offset, format!("rule `{id}`: {message}"));
            let description = take_str("description", false)?.unwrap_or_default();
            let kind_name = take_str("kind", true)?.unwrap_or_default();
            let level = match take_str("level", false)? {
                None => None,
                Some(l) => {
                    Some(Level::parse(&l).ok_or_else(|| at(format!("level `{l}`; valid: red, orange, yellow, blue")))?)
                }
            };
            let score = match table.remove("score") {
                Some(toml::Value::Integer(i)) => i as f64,
                Some(toml::Value::Float(f)) => f,
                Some(other) => return Err(at(format!("`score` must be a number, not {}", other.type_str()))),
                None => return Err(at("a rule needs `score` (0-100)".into())),
            };
            if !(0.0..=100.0).contains(&score) {
                return Err(at(format!("score {score} is not between 0 and 100")));
            }
            let enabled = match table.remove("enabled") {
                None => true,
                Some(toml::Value::Boolean(b)) => b,
                Some(other) => return Err(at(format!("`enabled` must be true or false, not {}", other.type_str()))),
            };
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Err(at("ids are letters, digits, `_` and `-`".into()));
            }
            if ids.contains(&id) {
                return Err(at("this id is used by an earlier rule".into()));
            }
            ids.push(id.clone());
            let params = toml::Value::Table(table);
            fn p<T: DeserializeOwned>(v: toml::Value) -> Result<T, String> {
                v.try_into::<T>().map_err(|e| e.message().trim().to_owned())
            }
            let kind = match kind_name.as_str() {
                "overlapping_stays" => p(params).map(RuleKind::OverlappingStays),
                "claim_after_death" => p(params).map(RuleKind::ClaimAfterDeath),
                "duplicate_claims" => p(params).map(RuleKind::DuplicateClaims),
                "reimbursed_over_billed" => p(params).map(RuleKind::ReimbursedOverBilled),
                "invalid_claimant_id" => p(params).map(RuleKind::InvalidClaimantId),
                "paid_to_non_holder" => p(params).map(RuleKind::PaidToNonHolder),
                "staff_related_payee" => p(params).map(RuleKind::StaffRelatedPayee),
                "amount_outlier" => p(params).map(RuleKind::AmountOutlier),
                "collusion_ring" => p(params).map(RuleKind::CollusionRing),
                "shell_network" => p(params).map(RuleKind::ShellNetwork),
                "fund_cycle" => p(params).map(RuleKind::FundCycle),
                "staff_network" => p(params).map(RuleKind::StaffNetwork),
                "cluster_claims" => p(params).map(RuleKind::ClusterClaims),
                other => {
                    return Err(at(format!("unknown kind `{other}`; known: {}", KINDS.join(", "))));
                }
            }
            .map_err(|m| at(format!("{kind_name}: {m}")))?;
            check_params(&kind).map_err(at)?;
            if enabled {
                rules.push(Rule { id, description, score, level, kind });
            }
        }
        // Rules that read another rule's output must name one of the right kind.
        for rule in &rules {
            let (source, wanted): (&str, fn(&RuleKind) -> bool) = match &rule.kind {
                RuleKind::ClusterClaims(p) => (&p.source, RuleKind::is_detector),
                RuleKind::StaffNetwork(p) => (&p.source, |k| matches!(k, RuleKind::StaffRelatedPayee(_))),
                _ => continue,
            };
            if !rules.iter().any(|r| r.id == source && wanted(&r.kind)) {
                let offset = text.find(&format!("\"{}\"", rule.id)).unwrap_or(0);
                return Err(fail(
                    offset,
                    format!("rule `{}`: source `{source}` is not an enabled rule of a kind it can read", rule.id),
                ));
            }
        }
        Ok(RuleSet { levels, rules, origin: origin.to_owned(), text: text.to_owned() })
    }

    /// Reads a rules file.
    pub fn from_file(path: &std::path::Path) -> Result<RuleSet, RulesError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RulesError {
            origin: origin.clone(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        RuleSet::parse(&text, &origin)
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Range checks the types alone do not make.
fn check_params(kind: &RuleKind) -> Result<(), String> {
    let non_negative = |name: &str, v: f64| {
        if v >= 0.0 && v.is_finite() {
            Ok(())
        } else {
            Err(format!("`{name}` must be a number 0 or more, not {v}"))
        }
    };
    match kind {
        RuleKind::OverlappingStays(p) if p.min_overlap_days < 0 => Err("`min_overlap_days` must be 0 or more".into()),
        RuleKind::DuplicateClaims(p) => {
            non_negative("amount_tolerance", p.amount_tolerance)?;
            if p.date_tolerance_days < 0 {
                return Err("`date_tolerance_days` must be 0 or more".into());
            }
            Ok(())
        }
        RuleKind::ReimbursedOverBilled(p) => non_negative("tolerance", p.tolerance),
        RuleKind::AmountOutlier(p) => {
            non_negative("z_limit", p.z_limit)?;
            non_negative("min_ratio", p.min_ratio)
        }
        RuleKind::CollusionRing(p) => {
            for (n, w) in [
                ("weight_sharing", p.weight_sharing),
                ("weight_density", p.weight_density),
                ("weight_hospital", p.weight_hospital),
                ("weight_inflation", p.weight_inflation),
                ("weight_alerts", p.weight_alerts),
                ("resolution", p.resolution),
                ("min_score", p.min_score),
            ] {
                non_negative(n, w)?;
            }
            if p.min_members < 2 {
                return Err("`min_members` must be 2 or more".into());
            }
            // Below 2 every shared identifier would be skipped.
            if p.max_identifier_degree < 2 {
                return Err("`max_identifier_degree` must be 2 or more".into());
            }
            Ok(())
        }
        RuleKind::ShellNetwork(p) => {
            for (n, w) in [
                ("weight_address", p.weight_address),
                ("weight_people", p.weight_people),
                ("weight_circular", p.weight_circular),
                ("weight_owners", p.weight_owners),
                ("weight_funds", p.weight_funds),
            ] {
                non_negative(n, w)?;
            }
            if p.min_companies < 2 {
                return Err("`min_companies` must be 2 or more".into());
            }
            Ok(())
        }
        RuleKind::FundCycle(p) => {
            non_negative("within_days", p.within_days)?;
            non_negative("min_amount", p.min_amount)?;
            if !(0.0..=10.0).contains(&p.min_kept_ratio) {
                return Err("`min_kept_ratio` must be a share, such as 0.9".into());
            }
            if !(2..=crate::cycles::MAX_FUND_CYCLE_LEN).contains(&p.max_len) {
                return Err(format!("`max_len` must be 2 to {}", crate::cycles::MAX_FUND_CYCLE_LEN));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// One finding of a record rule, before findings on the same record are merged.
#[derive(Debug, Clone, Default)]
pub struct Finding {
    /// The record.
    pub record: u32,
    /// 0–100.
    pub score: f64,
    /// Reasons.
    pub reasons: Vec<String>,
    /// Other entities involved.
    pub related: Vec<u32>,
    /// Edges of the evidence: from, to, relation.
    pub links: Vec<(u32, u32, Option<graph_schema::RelationTypeId>)>,
}

impl Finding {
    /// A finding on `record`.
    pub fn new(record: NodeId, score: f64) -> Finding {
        Finding { record: record.0, score, ..Finding::default() }
    }

    /// Adds a reason.
    pub fn reason(mut self, text: String) -> Finding {
        self.reasons.push(text);
        self
    }

    /// Cites a claim's own edges: claimant, hospital, payee and handler.
    pub fn claim_edges(mut self, ctx: &Context<'_>, row: &context::ClaimRow) -> Finding {
        let r = &ctx.rels;
        self.links.push((row.claimant, row.node.0, r.claimed));
        self.links.push((row.node.0, row.hospital, r.treated_at));
        self.links.push((row.node.0, row.payee, r.paid_to));
        self.links.push((row.node.0, row.handler, r.handled_by));
        for v in [row.claimant, row.payee, row.handler] {
            if v != context::NONE && !self.related.contains(&v) {
                self.related.push(v);
            }
        }
        self
    }

    /// Cites another entity.
    pub fn related(mut self, v: u32) -> Finding {
        if v != context::NONE && !self.related.contains(&v) {
            self.related.push(v);
        }
        self
    }

    /// Cites an edge.
    pub fn link(mut self, from: u32, to: u32, rel: Option<graph_schema::RelationTypeId>) -> Finding {
        self.links.push((from, to, rel));
        self
    }
}

/// Merges findings on the same record (reasons and evidence joined, the highest score kept)
/// and makes them alerts, in record order.
pub fn alerts_of(
    ctx: &Context<'_>,
    rule: &Rule,
    levels: &Thresholds,
    ev: &Builder<'_>,
    mut findings: Vec<Finding>,
) -> Vec<Alert> {
    findings.sort_by_key(|f| f.record);
    let mut out: Vec<Alert> = Vec::new();
    let mut i = 0;
    while i < findings.len() {
        let record = findings[i].record;
        let mut j = i;
        let mut score = 0.0f64;
        let mut reasons: Vec<String> = Vec::new();
        let mut related: Vec<u32> = Vec::new();
        let mut chain = ev.start(rule);
        chain.raw(record);
        while j < findings.len() && findings[j].record == record {
            let f = &findings[j];
            score = score.max(f.score);
            for r in &f.reasons {
                if !reasons.contains(r) {
                    reasons.push(r.clone());
                }
            }
            for &v in &f.related {
                if v != record && !related.contains(&v) {
                    related.push(v);
                }
            }
            for &(from, to, rel) in &f.links {
                chain.link(from, to, rel);
            }
            j += 1;
        }
        for &v in &related {
            chain.raw(v);
        }
        let score = super::round2(score);
        let g = ctx.g;
        out.push(Alert {
            rule: rule.id.clone(),
            record: super::EntityRef::of(g, NodeId(record)),
            score,
            level: rule.level_for(score, levels),
            reasons,
            related: related.iter().map(|&v| super::EntityRef::of(g, NodeId(v))).collect(),
            evidence: chain.finish(),
            node: Some(NodeId(record)),
            related_nodes: related.iter().map(|&v| NodeId(v)).collect(),
        });
        i = j;
    }
    out
}

/// Runs one record rule.
pub fn run_record_rule(
    ctx: &Context<'_>,
    rule: &Rule,
    levels: &Thresholds,
    ev: &Builder<'_>,
) -> Result<Vec<Alert>, AnalysisError> {
    let findings = match &rule.kind {
        RuleKind::OverlappingStays(p) => claims::overlapping_stays(ctx, rule, p),
        RuleKind::ClaimAfterDeath(p) => claims::after_death(ctx, rule, p),
        RuleKind::DuplicateClaims(p) => claims::duplicates(ctx, rule, p),
        RuleKind::ReimbursedOverBilled(p) => claims::over_billed(ctx, rule, p),
        RuleKind::InvalidClaimantId(_) => claims::invalid_claimant(ctx, rule),
        RuleKind::PaidToNonHolder(p) => payments::paid_to_non_holder(ctx, rule, p),
        RuleKind::StaffRelatedPayee(p) => payments::staff_related_payee(ctx, rule, p)?,
        RuleKind::AmountOutlier(p) => amounts::outliers(ctx, rule, p),
        _ => Vec::new(),
    };
    Ok(alerts_of(ctx, rule, levels, ev, findings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_rules_parse() {
        let set = RuleSet::builtin();
        assert!(set.rules.len() >= 12);
        assert!(set.get("overlapping_stays").is_some());
    }

    #[test]
    fn a_misspelt_parameter_is_an_error_with_its_line() {
        let text =
            "version = 1\n\n[[rule]]\nid = \"x\"\nkind = \"overlapping_stays\"\nscore = 50\nmin_overlap_day = 2\n";
        let err = RuleSet::parse(text, "r.toml").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("min_overlap_day") && err.message.contains("min_overlap_days"), "{err}");
    }

    #[test]
    fn unknown_kinds_bad_levels_and_dangling_sources_are_errors() {
        let bad_kind = "version = 1\n[[rule]]\nid = \"x\"\nkind = \"nope\"\nscore = 5\n";
        assert!(RuleSet::parse(bad_kind, "r").unwrap_err().message.contains("known: overlapping_stays"));
        let bad_levels = "version = 1\n[levels]\nred = 50\norange = 60\nyellow = 10\n";
        assert!(RuleSet::parse(bad_levels, "r").unwrap_err().message.contains("red > orange"));
        let dangling = "version = 1\n[[rule]]\nid = \"c\"\nkind = \"cluster_claims\"\nscore = 5\nsource = \"r\"\n";
        assert!(RuleSet::parse(dangling, "r").unwrap_err().message.contains("source `r`"));
        let score = "version = 1\n[[rule]]\nid = \"x\"\nkind = \"claim_after_death\"\nscore = 500\n";
        assert!(RuleSet::parse(score, "r").unwrap_err().message.contains("between 0 and 100"));
        let cap =
            "version = 1\n[[rule]]\nid = \"x\"\nkind = \"collusion_ring\"\nscore = 5\nmax_identifier_degree = 1\n";
        assert!(RuleSet::parse(cap, "r").unwrap_err().message.contains("`max_identifier_degree` must be 2 or more"));
    }

    #[test]
    fn disabled_rules_are_left_out() {
        let text = "version = 1\n[[rule]]\nid = \"x\"\nkind = \"claim_after_death\"\nscore = 5\nenabled = false\n";
        assert!(RuleSet::parse(text, "r").unwrap().rules.is_empty());
    }
}
