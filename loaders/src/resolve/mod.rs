//! Entity resolution, the stage between the loaders and the graph: one real person is one node.
//!
//! Strong keys already merged in the loaders (the same normalised resident ID is one node).
//! Here, for every entity type the mapping has a `[resolution.<type>]` table for, records whose
//! strong key is missing or invalid are matched to other records by evidence:
//!
//! 1. `records`: which records are strong (a valid key or identifier property), and each
//!    piece of evidence prepared once (names folded, dates as days, linked nodes sorted).
//! 2. `blocking`: candidate pairs, each with at least one weak record, sharing a block.
//! 3. `score`: each pair's Fellegi–Sunter weight, term by term (`compare` levels).
//! 4. `constraints`: pairs at or above the merge threshold are joined, best first, unless a
//!    hard constraint refuses (two valid IDs, same name with different birth dates, a forced
//!    split); forced merges go first.
//! 5. `merge`: each group becomes one node in the staging tables, keeping every source row.
//!
//! Every merged group is reported (keys, source rows, reason, score) for `<out>.merges.jsonl`;
//! pairs in the review band, and pairs a constraint refused, for `<out>.review.jsonl`.

mod blocking;
mod compare;
mod constraints;
mod merge;
mod records;
mod score;
mod variants;

#[cfg(test)]
mod tests;

use std::time::Instant;

use graph_schema::{Mapping, Normaliser, TypeResolution};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

pub use compare::fold_name;

use constraints::Clusters;
use records::{AddressCache, Records, NONE};
use score::Scorer;

use crate::staging::Staging;

/// A source row, as in the reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRow {
    /// Data file, as the mapping resolved it.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// One line of `merges.jsonl` (a merged group) or `review.jsonl` (a pair left apart).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Entity type name.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// Keys of the records, as the loader keyed them; for a merge the surviving key first.
    pub keys: Vec<String>,
    /// Every source row of the records.
    pub rows: Vec<SourceRow>,
    /// Why: the evidence term by term, a forced merge, or the constraint that refused.
    pub reason: String,
    /// Total weight in bits; for a group of more than two, its weakest link.
    pub score: f64,
}

/// What resolution found, for the reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolved {
    /// Merged groups.
    pub merges: Vec<Finding>,
    /// Pairs for an investigator to look at.
    pub review: Vec<Finding>,
}

/// What resolution did for one entity type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TypeReport {
    /// Entity type name.
    pub entity_type: String,
    /// Records (nodes) before resolution.
    pub records: u64,
    /// Records without a valid strong identifier.
    pub weak_records: u64,
    /// Pairs compared.
    pub candidate_pairs: u64,
    /// Groups merged.
    pub merged_groups: u64,
    /// Nodes that disappeared into another.
    pub records_merged: u64,
    /// Pairs listed for review.
    pub review_pairs: u64,
    /// Pairs at or above the merge threshold that a hard constraint kept apart.
    pub refused_pairs: u64,
    /// Blocks skipped for their size.
    pub capped_block_count: u64,
    /// The first hundred of them: what they were keyed by and how many records they held.
    pub capped_blocks: Vec<String>,
    /// Forced merges applied.
    pub forced_merges: u64,
    /// Keys named by forced merges or splits that match no record.
    pub unknown_forced_keys: Vec<String>,
    /// Property values of merged records that differed from the one kept.
    pub property_conflicts: u64,
    /// Seconds spent.
    pub seconds: f64,
}

/// Resolves every entity type the mapping configures, rewriting `staging` in place, and
/// records each type's [`TypeReport`] in `staging.resolution`.
pub fn resolve(staging: &mut Staging, mapping: &Mapping) -> Resolved {
    staging.common_min_degree = mapping.common_identifiers.min_degree;
    let mut resolved = Resolved::default();
    for cfg in &mapping.resolution {
        let report = resolve_type(staging, mapping, cfg, &mut resolved);
        tracing::info!(
            entity_type = %report.entity_type,
            weak = report.weak_records,
            pairs = report.candidate_pairs,
            merged = report.records_merged,
            review = report.review_pairs,
            "entity resolution"
        );
        staging.resolution.push(report);
    }
    resolved
}

/// A union made, with its explanation.
struct Link {
    a: u32,
    b: u32,
    score: f64,
    reason: String,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn resolve_type(staging: &mut Staging, mapping: &Mapping, cfg: &TypeResolution, out: &mut Resolved) -> TypeReport {
    let started = Instant::now();
    let ty = cfg.entity_type.0;
    let type_name = staging.schema.entity(cfg.entity_type).name.clone();
    let mut report = TypeReport { entity_type: type_name.clone(), ..TypeReport::default() };
    let (groups, links, review) = {
        let records = Records::gather(staging, cfg);
        tracing::debug!(phase = "records", seconds = started.elapsed().as_secs_f64(), "resolution");
        report.records = records.n as u64;
        report.weak_records = (0..records.n as u32).filter(|&r| records.is_weak(r)).count() as u64;
        let (forced_merges, forced_splits) = forced_groups(staging, mapping, cfg, &mut report.unknown_forced_keys);
        // Records that carry one strong identifier under different keys (a record number
        // keyed source with the ID as `id_property`, or a source that did not normalise its
        // IDs) are one entity.
        let mut same_id: Vec<(u32, u32)> = Vec::new();
        let mut first_with: FxHashMap<u32, u32> = FxHashMap::default();
        for r in 0..records.n as u32 {
            let id = records.strong[r as usize];
            if id != NONE {
                let first = *first_with.entry(id).or_insert(r);
                if first != r {
                    same_id.push((first, r));
                }
            }
        }
        drop(first_with);
        if report.weak_records == 0 && forced_merges.is_empty() && same_id.is_empty() {
            report.seconds = started.elapsed().as_secs_f64();
            return report;
        }
        let candidates = blocking::candidates(&records, cfg, mapping.common_identifiers.min_degree);
        tracing::debug!(phase = "blocking", seconds = started.elapsed().as_secs_f64(), "resolution");
        report.candidate_pairs = candidates.pairs.len() as u64;
        report.capped_block_count = candidates.capped.len() as u64;
        report.capped_blocks =
            candidates.capped.iter().take(100).map(|c| format!("{} ({} records)", c.description, c.records)).collect();
        let mut involved: Vec<u32> = candidates.pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
        involved.extend(forced_merges.iter().flat_map(|(g, _)| g.iter().copied()));
        involved.extend(same_id.iter().flat_map(|&(a, b)| [a, b]));
        involved.sort_unstable();
        involved.dedup();
        let addresses = AddressCache::build(staging, cfg, &records, &involved);
        tracing::debug!(phase = "addresses", seconds = started.elapsed().as_secs_f64(), "resolution");
        let scorer = Scorer::new(cfg, &records, &addresses);
        let review_at = cfg.review_threshold.0;
        let merge_at = cfg.merge_threshold.0;
        let mut scored: Vec<(u32, u32, f64)> = candidates
            .pairs
            .par_iter()
            .map(|&(a, b)| (a, b, scorer.score(a, b)))
            .filter(|&(_, _, s)| s >= review_at)
            .collect();
        scored.sort_unstable_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
        tracing::debug!(phase = "scoring", seconds = started.elapsed().as_secs_f64(), "resolution");
        let mut clusters = Clusters::new(&records, &forced_splits, cfg.max_block);
        let mut links: Vec<Link> = Vec::new();
        let mut refused: Vec<(u32, u32, f64, String)> = Vec::new();
        for &(a, b) in &same_id {
            let (score, evidence) = scorer.explain(a, b);
            let id = &records.strong_ids[records.strong[a as usize] as usize];
            match clusters.union(&records, a, b) {
                Ok(true) => {
                    links.push(Link { a, b, score, reason: format!("same identifier {id}; evidence: {evidence}") })
                }
                Ok(false) => {}
                Err(refusal) => refused.push((
                    a,
                    b,
                    score,
                    format!("same identifier {id} not merged: {refusal}; evidence: {evidence}"),
                )),
            }
        }
        for (group, line) in &forced_merges {
            for &other in &group[1..] {
                let (a, b) = (group[0].min(other), group[0].max(other));
                let (score, evidence) = scorer.explain(a, b);
                match clusters.union(&records, a, b) {
                    Ok(true) => {
                        report.forced_merges += 1;
                        links.push(Link {
                            a,
                            b,
                            score,
                            reason: format!("forced merge (mapping line {line}); evidence: {evidence}"),
                        });
                    }
                    Ok(false) => {}
                    Err(refusal) => refused.push((
                        a,
                        b,
                        score,
                        format!("forced merge (mapping line {line}) refused: {refusal}; evidence: {evidence}"),
                    )),
                }
            }
        }
        for &(a, b, score) in scored.iter().take_while(|s| s.2 >= merge_at) {
            match clusters.union(&records, a, b) {
                Ok(true) => {
                    let (_, evidence) = scorer.explain(a, b);
                    links.push(Link { a, b, score, reason: evidence });
                }
                Ok(false) => {}
                Err(refusal) => {
                    let (_, evidence) = scorer.explain(a, b);
                    refused.push((a, b, score, format!("not merged: {refusal}; evidence: {evidence}")));
                }
            }
        }
        report.refused_pairs = refused.len() as u64;
        let mut review: Vec<(u32, u32, f64, String)> = Vec::new();
        for (a, b, score, reason) in refused {
            if clusters.find(a) != clusters.find(b) {
                review.push((a, b, score, reason));
            }
        }
        for &(a, b, score) in scored.iter().skip_while(|s| s.2 >= merge_at) {
            if clusters.find(a) != clusters.find(b) {
                let (_, evidence) = scorer.explain(a, b);
                let never = match clusters.check(&records, a, b) {
                    Ok(()) => String::new(),
                    Err(refusal) => format!(", and could not merge: {refusal}"),
                };
                review.push((
                    a,
                    b,
                    score,
                    format!("below the merge threshold {merge_at}{never}; evidence: {evidence}"),
                ));
            }
        }
        // One line per pair: a refused forced merge says more than the evidence alone.
        let mut seen: FxHashSet<(u32, u32)> = FxHashSet::default();
        review.retain(|r| seen.insert((r.0, r.1)));
        review.sort_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
        // The survivor of each group: its record with a strong identifier, else its first.
        let groups: Vec<Vec<u32>> = clusters
            .groups()
            .into_iter()
            .map(|mut g| {
                if let Some(pos) = g.iter().position(|&r| records.strong[r as usize] != NONE) {
                    let s = g.remove(pos);
                    g.insert(0, s);
                }
                g
            })
            .collect();
        // Tag each link with its group's root.
        let links: Vec<(u32, Link)> = links.into_iter().map(|l| (clusters.find(l.a), l)).collect();
        (groups, links, review)
    };
    tracing::debug!(phase = "clusters", seconds = started.elapsed().as_secs_f64(), "resolution");
    report.merged_groups = groups.len() as u64;
    report.review_pairs = review.len() as u64;
    // Findings name keys and rows, so they are written before the merge renumbers the nodes.
    let mut wanted: FxHashSet<u32> = groups.iter().flatten().copied().collect();
    wanted.extend(review.iter().flat_map(|r| [r.0, r.1]));
    let mut rows_of: FxHashMap<u32, Vec<(u32, u32)>> = FxHashMap::default();
    for p in &staging.provenance {
        if p.node_type == ty && wanted.contains(&p.local) {
            rows_of.entry(p.local).or_default().push((p.file, p.line));
        }
    }
    let key_of = |r: u32| staging.strings.get(staging.types[ty as usize].keys[r as usize]).to_owned();
    let rows = |members: &[u32]| -> Vec<SourceRow> {
        let mut all: Vec<(u32, u32)> =
            members.iter().flat_map(|m| rows_of.get(m).map(Vec::as_slice).unwrap_or(&[])).copied().collect();
        all.sort_unstable();
        all.dedup();
        all.into_iter().map(|(file, line)| SourceRow { file: staging.files[file as usize].clone(), line }).collect()
    };
    let mut links_by_root: FxHashMap<u32, Vec<&Link>> = FxHashMap::default();
    for (root, link) in &links {
        links_by_root.entry(*root).or_default().push(link);
    }
    for group in &groups {
        let root = *group.iter().min().unwrap_or(&group[0]);
        let group_links = links_by_root.get(&root).map(Vec::as_slice).unwrap_or(&[]);
        let reason = if group_links.len() == 1 {
            group_links[0].reason.clone()
        } else {
            group_links
                .iter()
                .map(|l| format!("{} ~ {}: {}", key_of(l.a), key_of(l.b), l.reason))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let score = group_links.iter().map(|l| l.score).fold(f64::INFINITY, f64::min);
        out.merges.push(Finding {
            entity_type: type_name.clone(),
            keys: group.iter().map(|&r| key_of(r)).collect(),
            rows: rows(group),
            reason,
            score: round2(if score.is_finite() { score } else { 0.0 }),
        });
    }
    for (a, b, score, reason) in &review {
        out.review.push(Finding {
            entity_type: type_name.clone(),
            keys: vec![key_of(*a), key_of(*b)],
            rows: rows(&[*a, *b]),
            reason: reason.clone(),
            score: round2(*score),
        });
    }
    if !groups.is_empty() {
        tracing::debug!(phase = "findings", seconds = started.elapsed().as_secs_f64(), "resolution");
        let applied = merge::apply(staging, ty, &groups);
        report.property_conflicts = applied.property_conflicts;
        report.records_merged = report.records - staging.types[ty as usize].len() as u64;
    }
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// Forced merges (each a group of records, with its mapping line) and forced splits (pairs of
/// records with the line), their keys looked up as given or as the mapping's key normalisers
/// for this type would write them.
#[allow(clippy::type_complexity)]
fn forced_groups(
    staging: &Staging,
    mapping: &Mapping,
    cfg: &TypeResolution,
    unknown: &mut Vec<String>,
) -> (Vec<(Vec<u32>, usize)>, Vec<(u32, u32, usize)>) {
    if cfg.forced_merges.is_empty() && cfg.forced_splits.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let ty = cfg.entity_type.0 as usize;
    let table = &staging.types[ty];
    let index: FxHashMap<&str, u32> =
        table.keys.iter().enumerate().map(|(r, &k)| (staging.strings.get(k), r as u32)).collect();
    let chains: Vec<&[Normaliser]> = mapping
        .sources
        .iter()
        .flat_map(|s| s.entities.iter())
        .filter(|e| e.entity_type == cfg.entity_type)
        .map(|e| e.key.normalise.as_slice())
        .collect();
    let mut lookup = |key: &str| -> Option<u32> {
        let folded = graph_schema::normalise::halfwidth(key);
        let cleaned = graph_schema::normalise::collapse_spaces(&folded).into_owned();
        let mut candidates = vec![key.to_owned(), cleaned.clone(), cleaned.to_uppercase()];
        for chain in &chains {
            let mut value = cleaned.clone();
            let mut ok = true;
            for n in chain.iter() {
                match n.apply(&value) {
                    Ok(v) => value = v,
                    Err(_) => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                candidates.push(value);
            }
        }
        let found = candidates.iter().find_map(|c| index.get(c.as_str()).copied());
        if found.is_none() {
            unknown.push(key.to_owned());
        }
        found
    };
    let mut merges = Vec::new();
    for group in &cfg.forced_merges {
        let mut locals: Vec<u32> = group.keys.iter().filter_map(|k| lookup(k)).collect();
        locals.dedup();
        if locals.len() >= 2 {
            merges.push((locals, group.line));
        }
    }
    let mut splits = Vec::new();
    for group in &cfg.forced_splits {
        let locals: Vec<u32> = group.keys.iter().filter_map(|k| lookup(k)).collect();
        for (i, &a) in locals.iter().enumerate() {
            for &b in &locals[i + 1..] {
                if a != b {
                    splits.push((a, b, group.line));
                }
            }
        }
    }
    (merges, splits)
}
