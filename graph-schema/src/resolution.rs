//! The mapping's entity-resolution settings: `[resolution.<type>]` tables saying how records of
//! one entity type whose strong key is missing or invalid are matched to other records of that
//! type by evidence, and `[common_identifiers]`, when a shared identifier counts as common.
//!
//! ```toml
//! [resolution.person]
//! strong_key = "resident_id"      # resident_id | credit_code | none
//! id_property = "id_card"         # optional: a property holding the strong identifier
//! merge_threshold = 25.0          # total weight (log2 likelihood ratio) to merge
//! review_threshold = 12.0         # from here up to the merge threshold: listed for review
//! max_block = 1000                # larger blocks are skipped and reported
//! forced_merges = [["APP-0001", "110105194912310026"]]
//! forced_splits = [["APP-0002", "110105194912310026"]]
//!
//!   [resolution.person.evidence]  # optional; without it, defaults from the schema
//!   name = { property = "name", compare = "name", m = [0.92, 0.05], u = [0.001, 0.004] }
//!   birth_date = { property = "birth_date", compare = "date" }
//!   phone = { relation = "has_phone", compare = "exact", m = 0.7, u = 0.00005, group = "contact" }
//!
//! [common_identifiers]
//! min_degree = 50                 # a shared identifier this many entities link to is common
//! ```
//!
//! Weights are Fellegi–Sunter log-likelihood ratios in bits: agreeing on a level with
//! probabilities `m` among true matches and `u` among non-matches adds `log2(m / u)`; disagreeing
//! adds `log2((1 - Σm) / (1 - Σu))`; a missing value adds nothing. `agree`, `close` and
//! `disagree` give the weights directly instead. Evidence that is not independent shares a
//! `group`, which counts once, with its strongest term.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::line_of;
use crate::mapping::MappingError;
use crate::normalise;
use crate::schema::{EntityTypeId, PropType, RelationTypeId, Schema};

/// Default total weight at which two records merge: about 2^25 to 1 on the evidence, enough to
/// outweigh the prior odds against two records of a population of millions being one person.
pub const DEFAULT_MERGE_THRESHOLD: f64 = 25.0;
/// Default total weight from which a pair that does not merge is listed for review.
pub const DEFAULT_REVIEW_THRESHOLD: f64 = 12.0;
/// Default cap on the records of one block.
pub const DEFAULT_MAX_BLOCK: usize = 1000;
/// Default number of distinct entities linked to a shared identifier from which it is common:
/// above the 5–15 members of a collusion ring and the few dozen claims a ring pays into one
/// account (which must stay visible), below a hospital switchboard or a big employer's address.
pub const DEFAULT_COMMON_MIN_DEGREE: u32 = 50;

/// Which validator says that a record's key is a strong identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrongKey {
    /// An 18-digit resident ID with its check digit (15-digit ones upgraded).
    ResidentId,
    /// A unified social credit code with its check character.
    CreditCode,
    /// No key is strong: every record is matched by evidence.
    None,
}

impl StrongKey {
    /// The canonical identifier if `text` is a valid strong key, else `None`.
    pub fn validate(self, text: &str) -> Option<String> {
        match self {
            StrongKey::ResidentId => normalise::resident_id(text).ok(),
            StrongKey::CreditCode => normalise::credit_code(text).ok(),
            StrongKey::None => None,
        }
    }

    fn parse(word: &str) -> Option<StrongKey> {
        Some(match word {
            "resident_id" => StrongKey::ResidentId,
            "credit_code" => StrongKey::CreditCode,
            "none" => StrongKey::None,
            _ => return None,
        })
    }
}

/// How two values of one piece of evidence are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Person or company names: equal once simplified/traditional variants, width and spaces
    /// are folded; close when one character differs or two are swapped.
    Name,
    /// Dates: equal; close when one digit differs or day and month are swapped.
    Date,
    /// Gender codes (男/女, M/F, 1/2, male/female).
    Gender,
    /// Equal values, or for a relation a shared neighbour.
    Exact,
    /// Chinese addresses by their parts: equal; close when road and number agree.
    Address,
    /// Resident IDs or codes: close when one digit differs or two neighbours are swapped.
    Id,
}

impl Compare {
    fn parse(word: &str) -> Option<Compare> {
        Some(match word {
            "name" => Compare::Name,
            "date" => Compare::Date,
            "gender" => Compare::Gender,
            "exact" => Compare::Exact,
            "address" => Compare::Address,
            "id" => Compare::Id,
            _ => return None,
        })
    }

    /// Whether the comparator has a "close" level between agreeing and disagreeing.
    pub fn has_close_level(self) -> bool {
        matches!(self, Compare::Name | Compare::Date | Compare::Address | Compare::Id)
    }
}

/// Where a record's evidence value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceSource {
    /// The record's own key (for an invalid ID close to a valid one).
    Key,
    /// A property, by index into the type's properties.
    Property(usize),
    /// The nodes the record is linked to by this relation, in either direction.
    Relation(RelationTypeId),
}

/// Weights in bits (log2 likelihood ratios) for each comparison level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Added when the values agree.
    pub agree: f64,
    /// Added when they are close (only for comparators with a close level).
    pub close: f64,
    /// Added when both are present and disagree (usually negative).
    pub disagree: f64,
}

impl Eq for Weights {}

impl Weights {
    /// Fellegi–Sunter weights from `m` and `u` probabilities of the agree (and close) levels.
    pub fn from_m_u(m: &[f64], u: &[f64]) -> Weights {
        let level = |i: usize| match (m.get(i), u.get(i)) {
            (Some(m), Some(u)) => (m / u).log2(),
            _ => 0.0,
        };
        let (m_sum, u_sum): (f64, f64) = (m.iter().sum(), u.iter().sum());
        Weights { agree: level(0), close: level(1), disagree: ((1.0 - m_sum) / (1.0 - u_sum)).log2() }
    }
}

/// One piece of evidence compared between two records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Its name in reports ("name", "birth_date", "has_phone").
    pub name: String,
    /// Where the value comes from.
    pub source: EvidenceSource,
    /// How values are compared.
    pub compare: Compare,
    /// Weights per level.
    pub weights: Weights,
    /// Scale the agree weight by how common the agreeing value is: a name shared by 500
    /// records, or a phone linked to 300 people, says less than a rare one.
    pub frequency_adjusted: bool,
    /// Evidence of one group is not independent (a household shares its phone, address and
    /// account at once), so a group counts once: its strongest term.
    pub group: Option<String>,
    /// Line in the mapping file (0 for a default).
    pub line: usize,
}

/// A forced merge or split: keys of records an investigator has judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForcedGroup {
    /// Keys as they appear in the input or as the graph holds them.
    pub keys: Vec<String>,
    /// Line in the mapping file.
    pub line: usize,
}

/// How one entity type is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeResolution {
    /// The entity type.
    pub entity_type: EntityTypeId,
    /// Which keys are strong identifiers.
    pub strong_key: StrongKey,
    /// A string property holding the strong identifier when the key is a record number.
    pub id_property: Option<usize>,
    /// The evidence compared.
    pub evidence: Vec<Evidence>,
    /// Merge at or above this total weight.
    pub merge_threshold: Weight,
    /// List for review at or above this total weight (and below the merge threshold).
    pub review_threshold: Weight,
    /// Blocks with more records than this are skipped and reported.
    pub max_block: usize,
    /// Groups of keys that are one entity whatever the evidence says (hard constraints still hold).
    pub forced_merges: Vec<ForcedGroup>,
    /// Groups of keys no two of which may be merged.
    pub forced_splits: Vec<ForcedGroup>,
    /// Line of the `[resolution.<type>]` table.
    pub line: usize,
}

/// A total weight in bits, comparable for equality (thresholds are finite by validation).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Weight(pub f64);

impl Eq for Weight {}

/// When a shared identifier (a node of a `shared = true` type) counts as common.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommonIdentifiers {
    /// Linked to at least this many distinct entities (nodes of types that are not shared;
    /// transfers between accounts do not count).
    pub min_degree: u32,
}

impl Default for CommonIdentifiers {
    fn default() -> Self {
        CommonIdentifiers { min_degree: DEFAULT_COMMON_MIN_DEGREE }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTypeResolution {
    strong_key: Option<String>,
    id_property: Option<String>,
    merge_threshold: Option<f64>,
    review_threshold: Option<f64>,
    max_block: Option<i64>,
    #[serde(default)]
    forced_merges: Vec<Spanned<Vec<String>>>,
    #[serde(default)]
    forced_splits: Vec<Spanned<Vec<String>>>,
    evidence: Option<BTreeMap<String, Spanned<RawEvidence>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEvidence {
    property: Option<String>,
    relation: Option<String>,
    key: Option<bool>,
    compare: Option<String>,
    m: Option<Probabilities>,
    u: Option<Probabilities>,
    agree: Option<f64>,
    close: Option<f64>,
    disagree: Option<f64>,
    frequency_adjusted: Option<bool>,
    group: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Probabilities {
    One(f64),
    Levels(Vec<f64>),
}

impl Probabilities {
    fn levels(&self) -> Vec<f64> {
        match self {
            Probabilities::One(p) => vec![*p],
            Probabilities::Levels(ps) => ps.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCommon {
    min_degree: i64,
}

/// Validates the `[common_identifiers]` table.
pub(crate) fn validate_common(
    raw: Option<&Spanned<RawCommon>>,
    text: &str,
    origin: &str,
) -> Result<CommonIdentifiers, MappingError> {
    let Some(raw) = raw else { return Ok(CommonIdentifiers::default()) };
    let min_degree = raw.get_ref().min_degree;
    if !(2..=i64::from(u32::MAX)).contains(&min_degree) {
        return Err(MappingError {
            origin: origin.to_owned(),
            line: line_of(text, raw.span().start),
            message: format!("`min_degree` is {min_degree}; it must be at least 2"),
        });
    }
    Ok(CommonIdentifiers { min_degree: min_degree as u32 })
}

/// Validates the `[resolution.<type>]` tables against the schema.
pub(crate) fn validate(
    raw: &BTreeMap<String, Spanned<RawTypeResolution>>,
    schema: &Schema,
    text: &str,
    origin: &str,
) -> Result<Vec<TypeResolution>, MappingError> {
    let mut out = Vec::with_capacity(raw.len());
    for (type_name, spanned) in raw {
        let line = line_of(text, spanned.span().start);
        let at = |line: usize, message: String| MappingError { origin: origin.to_owned(), line, message };
        let entity_type = schema.entity_id(type_name).ok_or_else(|| {
            at(line, format!("[resolution.{type_name}]: unknown entity type; known: {}", schema.entity_names()))
        })?;
        let def = schema.entity(entity_type);
        let r = spanned.get_ref();
        let strong_key = match &r.strong_key {
            None => match type_name.as_str() {
                "person" => StrongKey::ResidentId,
                "company" => StrongKey::CreditCode,
                _ => StrongKey::None,
            },
            Some(word) => StrongKey::parse(word).ok_or_else(|| {
                at(line, format!("`strong_key = \"{word}\"` is not known; use resident_id, credit_code or none"))
            })?,
        };
        let id_property = match &r.id_property {
            None => None,
            Some(name) => {
                let idx = def.properties.iter().position(|p| &p.name == name).ok_or_else(|| {
                    at(line, format!("`id_property`: entity type `{type_name}` has no property `{name}`"))
                })?;
                if def.properties[idx].ty != PropType::String {
                    return Err(at(line, format!("`id_property` `{name}` must be a string property")));
                }
                if strong_key == StrongKey::None {
                    return Err(at(line, "`id_property` needs a `strong_key` validator to check it with".to_owned()));
                }
                Some(idx)
            }
        };
        let merge_threshold = r.merge_threshold.unwrap_or(DEFAULT_MERGE_THRESHOLD);
        let review_threshold = r.review_threshold.unwrap_or(DEFAULT_REVIEW_THRESHOLD.min(merge_threshold));
        if !merge_threshold.is_finite() || !review_threshold.is_finite() || review_threshold > merge_threshold {
            return Err(at(
                line,
                format!(
                    "thresholds must be finite with review_threshold ≤ merge_threshold (got {review_threshold} and {merge_threshold})"
                ),
            ));
        }
        let max_block = r.max_block.unwrap_or(DEFAULT_MAX_BLOCK as i64);
        if max_block < 2 {
            return Err(at(line, format!("`max_block` is {max_block}; it must be at least 2")));
        }
        let groups = |raw: &[Spanned<Vec<String>>], what: &str| -> Result<Vec<ForcedGroup>, MappingError> {
            raw.iter()
                .map(|g| {
                    let line = line_of(text, g.span().start);
                    let keys: Vec<String> = g.get_ref().iter().map(|k| normalise::trim(k).to_owned()).collect();
                    if keys.len() < 2 || keys.iter().any(String::is_empty) {
                        return Err(at(line, format!("each of `{what}` lists two or more non-empty keys")));
                    }
                    Ok(ForcedGroup { keys, line })
                })
                .collect()
        };
        let forced_merges = groups(&r.forced_merges, "forced_merges")?;
        let forced_splits = groups(&r.forced_splits, "forced_splits")?;
        let evidence = match &r.evidence {
            None => default_evidence(schema, entity_type, strong_key),
            Some(table) => {
                let mut list = Vec::with_capacity(table.len());
                for (name, raw_evidence) in table {
                    let line = line_of(text, raw_evidence.span().start);
                    list.push(
                        evidence(name, raw_evidence.get_ref(), schema, entity_type)
                            .map_err(|m| at(line, format!("evidence `{name}`: {m}")))
                            .map(|mut e| {
                                e.line = line;
                                e
                            })?,
                    );
                }
                list
            }
        };
        if evidence.is_empty() {
            return Err(at(line, format!("[resolution.{type_name}] has no evidence to compare records by")));
        }
        out.push(TypeResolution {
            entity_type,
            strong_key,
            id_property,
            evidence,
            merge_threshold: Weight(merge_threshold),
            review_threshold: Weight(review_threshold),
            max_block: max_block as usize,
            forced_merges,
            forced_splits,
            line,
        });
    }
    Ok(out)
}

fn evidence(name: &str, raw: &RawEvidence, schema: &Schema, ty: EntityTypeId) -> Result<Evidence, String> {
    let def = schema.entity(ty);
    let source = match (&raw.property, &raw.relation, raw.key.unwrap_or(false)) {
        (Some(p), None, false) => {
            let idx = def.properties.iter().position(|q| &q.name == p).ok_or_else(|| {
                let known: Vec<_> = def.properties.iter().map(|q| q.name.as_str()).collect();
                format!("entity type `{}` has no property `{p}`; it has: {}", def.name, known.join(", "))
            })?;
            EvidenceSource::Property(idx)
        }
        (None, Some(r), false) => {
            let rel = schema
                .relation_id(r)
                .ok_or_else(|| format!("unknown relation type `{r}`; known: {}", schema.relation_names()))?;
            let rd = schema.relation(rel);
            let touches = rd.from.is_empty() || rd.to.is_empty() || rd.from.contains(&ty) || rd.to.contains(&ty);
            if !touches {
                return Err(format!("relation `{r}` never links a `{}`", def.name));
            }
            EvidenceSource::Relation(rel)
        }
        (None, None, true) => EvidenceSource::Key,
        _ => return Err("give exactly one of `property = \"..\"`, `relation = \"..\"` or `key = true`".to_owned()),
    };
    let compare = match &raw.compare {
        Some(word) => Compare::parse(word).ok_or_else(|| {
            format!("`compare = \"{word}\"` is not known; use name, date, gender, exact, address or id")
        })?,
        None => match source {
            EvidenceSource::Key => Compare::Id,
            EvidenceSource::Relation(rel) => {
                let to = &schema.relation(rel).to;
                if to.iter().any(|t| schema.entity(*t).name == "address") {
                    Compare::Address
                } else {
                    Compare::Exact
                }
            }
            EvidenceSource::Property(idx) => match (def.properties[idx].name.as_str(), def.properties[idx].ty) {
                (_, PropType::Date | PropType::DateTime) => Compare::Date,
                ("name" | "holder_name", _) => Compare::Name,
                ("gender" | "sex", _) => Compare::Gender,
                ("address" | "text", _) => Compare::Address,
                _ => Compare::Exact,
            },
        },
    };
    match (source, compare) {
        (EvidenceSource::Key, Compare::Id | Compare::Exact) => {}
        (EvidenceSource::Key, _) => return Err("a key compares with `id` or `exact`".to_owned()),
        (EvidenceSource::Relation(_), Compare::Exact | Compare::Address) => {}
        (EvidenceSource::Relation(_), _) => return Err("a relation compares with `exact` or `address`".to_owned()),
        (EvidenceSource::Property(idx), compare) => {
            let ty = def.properties[idx].ty;
            let fits = match compare {
                Compare::Date => matches!(ty, PropType::Date | PropType::DateTime),
                Compare::Exact => true,
                _ => ty == PropType::String,
            };
            if !fits {
                return Err(format!("`compare = \"{compare:?}\"` does not fit a {ty:?} property").to_lowercase());
            }
        }
    }
    let defaults = default_weights(source, compare, schema);
    let probabilities = match (&raw.m, &raw.u) {
        (None, None) => None,
        (Some(m), Some(u)) => {
            let (m, u) = (m.levels(), u.levels());
            let max_levels = if compare.has_close_level() { 2 } else { 1 };
            if m.len() != u.len() || m.is_empty() || m.len() > max_levels {
                return Err(format!(
                    "`m` and `u` give the same number of levels: 1 (agree){}",
                    if max_levels == 2 { " or 2 (agree, close)" } else { "" }
                ));
            }
            let in_unit = |p: &f64| *p > 0.0 && *p < 1.0;
            if !m.iter().chain(&u).all(in_unit) || m.iter().sum::<f64>() >= 1.0 || u.iter().sum::<f64>() >= 1.0 {
                return Err("probabilities lie strictly between 0 and 1 and each list sums below 1".to_owned());
            }
            Some(Weights::from_m_u(&m, &u))
        }
        _ => return Err("give both `m` and `u`, or neither".to_owned()),
    };
    let base = probabilities.unwrap_or(defaults);
    let weights = Weights {
        agree: raw.agree.unwrap_or(base.agree),
        close: raw.close.unwrap_or(base.close),
        disagree: raw.disagree.unwrap_or(base.disagree),
    };
    if ![weights.agree, weights.close, weights.disagree].iter().all(|w| w.is_finite()) {
        return Err("weights must be finite numbers".to_owned());
    }
    let frequency_adjusted = raw.frequency_adjusted.unwrap_or(matches!(
        (source, compare),
        (EvidenceSource::Property(_), Compare::Name) | (EvidenceSource::Relation(_), _)
    ));
    Ok(Evidence {
        name: name.to_owned(),
        source,
        compare,
        weights,
        frequency_adjusted,
        group: raw.group.clone(),
        line: 0,
    })
}

/// Weights used when the mapping gives none, by comparator; a relation to a phone or an
/// account is rarer to share by chance than a relation to an employer.
fn default_weights(source: EvidenceSource, compare: Compare, schema: &Schema) -> Weights {
    let (m, u): (&[f64], &[f64]) = match (source, compare) {
        (_, Compare::Name) => (&[0.92, 0.05], &[0.001, 0.004]),
        (_, Compare::Date) => (&[0.95, 0.03], &[0.00005, 0.0005]),
        (_, Compare::Gender) => (&[0.98], &[0.5]),
        (_, Compare::Address) => (&[0.6, 0.1], &[0.0002, 0.002]),
        (_, Compare::Id) => (&[0.9, 0.08], &[1e-9, 1e-6]),
        (EvidenceSource::Relation(rel), Compare::Exact) => {
            let to = &schema.relation(rel).to;
            let shared = !to.is_empty() && to.iter().all(|t| schema.entity(*t).shared);
            if !shared {
                (&[0.5], &[0.005])
            } else if to.iter().any(|t| schema.entity(*t).name == "phone") {
                (&[0.7], &[0.00005])
            } else {
                (&[0.4], &[0.0001])
            }
        }
        (_, Compare::Exact) => (&[0.9], &[0.01]),
    };
    Weights::from_m_u(m, u)
}

/// The evidence used when a `[resolution.<type>]` table gives none: the key (for ID-like
/// strong keys), the type's `name`, `birth_date` and `gender` properties, every relation from
/// the type to a shared type (phones, addresses, accounts, e-mails; one `contact` group), and
/// `employed_by`.
pub fn default_evidence(schema: &Schema, ty: EntityTypeId, strong_key: StrongKey) -> Vec<Evidence> {
    let def = schema.entity(ty);
    let mut out = Vec::new();
    let mut push = |name: &str, source: EvidenceSource, compare: Compare, group: Option<&str>| {
        let frequency_adjusted = matches!(
            (source, compare),
            (EvidenceSource::Property(_), Compare::Name) | (EvidenceSource::Relation(_), _)
        );
        out.push(Evidence {
            name: name.to_owned(),
            source,
            compare,
            weights: default_weights(source, compare, schema),
            frequency_adjusted,
            group: group.map(str::to_owned),
            line: 0,
        });
    };
    if strong_key != StrongKey::None {
        push("id", EvidenceSource::Key, Compare::Id, None);
    }
    for (prop, compare) in [("name", Compare::Name), ("birth_date", Compare::Date), ("gender", Compare::Gender)] {
        if let Some(idx) = def.properties.iter().position(|p| p.name == prop) {
            let fits = match compare {
                Compare::Date => matches!(def.properties[idx].ty, PropType::Date | PropType::DateTime),
                _ => def.properties[idx].ty == PropType::String,
            };
            if fits {
                push(prop, EvidenceSource::Property(idx), compare, None);
            }
        }
    }
    for (r, rel) in schema.relations.iter().enumerate() {
        let from_here = rel.from.contains(&ty);
        let to_shared = !rel.to.is_empty() && rel.to.iter().all(|t| schema.entity(*t).shared);
        let employer = rel.name == "employed_by" && from_here;
        if from_here && (to_shared || employer) {
            let is_address = rel.to.iter().any(|t| schema.entity(*t).name == "address");
            let compare = if is_address { Compare::Address } else { Compare::Exact };
            // A household shares phone, address and accounts together: one group.
            let group = to_shared.then_some("contact");
            push(&rel.name, EvidenceSource::Relation(RelationTypeId(r as u16)), compare, group);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mapping;

    const BASE: &str = r#"version = 1

[[source]]
name = "people"
path = "people.csv"
format = "csv"

  [[source.entity]]
  type = "person"
  key = { column = "id", normalise = ["resident_id"] }
"#;

    fn parse(extra: &str) -> Result<Mapping, MappingError> {
        Mapping::parse(&format!("{BASE}{extra}"), "m.toml", Schema::builtin())
    }

    #[test]
    fn without_resolution_tables_nothing_is_resolved() {
        let m = parse("").unwrap();
        assert!(m.resolution.is_empty());
        assert_eq!(m.common_identifiers.min_degree, DEFAULT_COMMON_MIN_DEGREE);
    }

    #[test]
    fn an_empty_person_table_takes_the_defaults() {
        let m = parse("\n[resolution.person]\n").unwrap();
        let r = &m.resolution[0];
        assert_eq!(r.strong_key, StrongKey::ResidentId);
        assert_eq!(r.merge_threshold, Weight(DEFAULT_MERGE_THRESHOLD));
        assert_eq!(r.line, 12);
        let names: Vec<&str> = r.evidence.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["id", "name", "birth_date", "gender", "holds_account", "lives_at", "has_phone", "employed_by"]
        );
        let phone = r.evidence.iter().find(|e| e.name == "has_phone").unwrap();
        assert!((phone.weights.agree - (0.7f64 / 0.00005).log2()).abs() < 1e-9);
        assert!(phone.weights.disagree < 0.0 && phone.frequency_adjusted);
        assert_eq!(phone.group.as_deref(), Some("contact"));
        assert_eq!(r.evidence.iter().find(|e| e.name == "employed_by").unwrap().group, None);
        let address = r.evidence.iter().find(|e| e.name == "lives_at").unwrap();
        assert_eq!(address.compare, Compare::Address);
    }

    #[test]
    fn evidence_weights_and_forced_groups_are_read() {
        let m = parse(
            r#"
[resolution.person]
merge_threshold = 20
review_threshold = 8.5
max_block = 50
forced_merges = [["APP-1", " 11010519491231002X "]]
forced_splits = [["A", "B", "C"]]

  [resolution.person.evidence]
  name = { property = "name", m = [0.9, 0.05], u = [0.01, 0.02] }
  born = { property = "birth_date", agree = 10, disagree = -20 }
  phone = { relation = "has_phone", group = "contact" }
"#,
        )
        .unwrap();
        let r = &m.resolution[0];
        assert_eq!((r.merge_threshold, r.review_threshold, r.max_block), (Weight(20.0), Weight(8.5), 50));
        assert_eq!(r.forced_merges[0].keys, ["APP-1", "11010519491231002X"]);
        assert_eq!(r.forced_merges[0].line, 16);
        assert_eq!(r.forced_splits[0].keys.len(), 3);
        let name = &r.evidence[1];
        assert_eq!((name.name.as_str(), name.compare), ("name", Compare::Name));
        assert!((name.weights.agree - 90f64.log2()).abs() < 1e-9);
        assert!((name.weights.close - 2.5f64.log2()).abs() < 1e-9);
        assert!((name.weights.disagree - (0.05f64 / 0.97).log2()).abs() < 1e-9);
        let born = &r.evidence[0];
        assert_eq!((born.compare, born.weights.agree, born.weights.disagree), (Compare::Date, 10.0, -20.0));
        assert_eq!(born.line, 21);
        assert_eq!(r.evidence[2].compare, Compare::Exact);
        assert_eq!(r.evidence[2].group.as_deref(), Some("contact"));
    }

    #[test]
    fn mistakes_name_their_line() {
        let err = parse("\n[resolution.pet]\n").unwrap_err();
        assert_eq!(err.line, 12, "{err}");
        assert!(err.message.contains("unknown entity type"), "{err}");
        let err = parse("\n[resolution.person]\n\n  [resolution.person.evidence]\n  x = { property = \"height\" }\n")
            .unwrap_err();
        assert_eq!(err.line, 15, "{err}");
        assert!(err.message.contains("no property `height`"), "{err}");
        let err = parse("\n[resolution.person]\n\n  [resolution.person.evidence]\n  x = { relation = \"transfer\" }\n")
            .unwrap_err();
        assert!(err.message.contains("never links a `person`"), "{err}");
        let err = parse(
            "\n[resolution.person]\n\n  [resolution.person.evidence]\n  x = { property = \"gender\", m = 0.9 }\n",
        )
        .unwrap_err();
        assert!(err.message.contains("both `m` and `u`"), "{err}");
        let err = parse(
            "\n[resolution.person]\n\n  [resolution.person.evidence]\n  x = { property = \"gender\", m = [0.5, 0.2], u = [0.1, 0.1] }\n",
        )
        .unwrap_err();
        assert!(err.message.contains("levels"), "{err}");
        let err = parse(
            "\n[resolution.person]\n\n  [resolution.person.evidence]\n  x = { property = \"birth_date\", compare = \"name\" }\n",
        )
        .unwrap_err();
        assert!(err.message.contains("does not fit"), "{err}");
        let err = parse("\n[resolution.person]\nmerge_threshold = 5\nreview_threshold = 9\n").unwrap_err();
        assert_eq!(err.line, 12, "{err}");
        let err = parse("\n[resolution.person]\nforced_splits = [[\"A\"]]\n").unwrap_err();
        assert_eq!(err.line, 13, "{err}");
        let err = parse("\n[resolution.person]\nstrong_key = \"passport\"\n").unwrap_err();
        assert!(err.message.contains("resident_id, credit_code or none"), "{err}");
        let err = parse("\n[resolution.person]\nmystery = 1\n").unwrap_err();
        assert_eq!(err.line, 13, "{err}");
        let err = parse("\n[common_identifiers]\nmin_degree = 1\n").unwrap_err();
        assert_eq!(err.line, 12, "{err}");
        assert_eq!(parse("\n[common_identifiers]\nmin_degree = 50\n").unwrap().common_identifiers.min_degree, 50);
    }

    #[test]
    fn strong_keys_validate() {
        assert_eq!(StrongKey::ResidentId.validate("11010519491231002x").as_deref(), Some("11010519491231002X"));
        assert_eq!(StrongKey::ResidentId.validate("APP-1"), None);
        assert_eq!(StrongKey::None.validate("11010519491231002X"), None);
    }
}
