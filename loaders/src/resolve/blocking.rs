//! Blocking: which pairs of records are compared at all. Only pairs with at least one weak
//! record are candidates (two strong records with different identifiers never merge), and
//! only pairs that share a block: the same folded name, the same birth date and surname
//! initial, the same rare linked identifier (a phone, an address), or the same first 14
//! characters of an ID-shaped key (region and birth date). Work grows with the weak records
//! times their block sizes, never with the square of all records; a block larger than
//! `max_block` is skipped and reported.

use std::hash::{Hash, Hasher};

use graph_schema::{Compare, EvidenceSource, TypeResolution};
use rustc_hash::{FxHashMap, FxHasher};

use super::compare::{id_like, surname_initial};
use super::records::{Records, Values};

/// What a block is keyed by, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    BirthSurname,
    Link(usize),
    IdPrefix,
}

/// A block too large to compare, with what it was keyed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CappedBlock {
    /// "name 王伟", "has_phone 02584561234", ...
    pub description: String,
    /// Records in the block.
    pub records: usize,
}

/// The candidate pairs of one type.
pub(crate) struct Candidates {
    /// (a, b) with a < b, sorted, unique.
    pub pairs: Vec<(u32, u32)>,
    /// Blocks skipped for their size.
    pub capped: Vec<CappedBlock>,
}

fn hashed(tag: u8, value: impl Hash) -> u64 {
    let mut h = FxHasher::default();
    tag.hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

/// The block keys of record `r`, with their kind, into `out`. Linked identifiers that are
/// common (linked to `common_min_degree` records or more) are left out: sharing a hospital
/// switchboard says nothing.
fn block_keys(records: &Records<'_>, cfg: &TypeResolution, common_min_degree: u32, r: u32, out: &mut Vec<(u64, Kind)>) {
    out.clear();
    let name = records.folded_name(r);
    if !name.is_empty() {
        out.push((hashed(1, name), Kind::Name));
        if let (Some(days), Some(initial)) = (records.birth_date(r), surname_initial(name)) {
            out.push((hashed(2, (days, initial)), Kind::BirthSurname));
        }
    }
    for (e_idx, (evidence, values)) in cfg.evidence.iter().zip(&records.values).enumerate() {
        match (evidence.source, values) {
            (EvidenceSource::Relation(_), Values::Links { degree, .. }) => {
                for &nb in values.links(r) {
                    if degree.get(&nb).copied().unwrap_or(0) < common_min_degree {
                        out.push((hashed(3, (e_idx, nb)), Kind::Link(e_idx)));
                    }
                }
            }
            (EvidenceSource::Key, _) if evidence.compare == Compare::Id => {
                let key = records.keys[r as usize];
                if id_like(key) && key.len() == 18 {
                    out.push((hashed(4, &key[..14]), Kind::IdPrefix));
                }
            }
            _ => {}
        }
    }
}

/// Candidate pairs for the records of one type.
pub(crate) fn candidates(records: &Records<'_>, cfg: &TypeResolution, common_min_degree: u32) -> Candidates {
    let weak: Vec<u32> = (0..records.n as u32).filter(|&r| records.is_weak(r)).collect();
    if weak.is_empty() {
        return Candidates { pairs: Vec::new(), capped: Vec::new() };
    }
    let mut keys = Vec::new();
    // Blocks that hold a weak record: weak members, then (second pass) all members.
    let mut weak_members: FxHashMap<u64, (Kind, Vec<u32>)> = FxHashMap::default();
    for &w in &weak {
        block_keys(records, cfg, common_min_degree, w, &mut keys);
        for &(key, kind) in &keys {
            weak_members.entry(key).or_insert_with(|| (kind, Vec::new())).1.push(w);
        }
    }
    let cap = cfg.max_block;
    let mut members: FxHashMap<u64, (u32, Vec<u32>)> = FxHashMap::default();
    for r in 0..records.n as u32 {
        block_keys(records, cfg, common_min_degree, r, &mut keys);
        for &(key, _) in &keys {
            if weak_members.contains_key(&key) {
                let (count, list) = members.entry(key).or_default();
                *count += 1;
                if list.len() <= cap {
                    list.push(r);
                }
            }
        }
    }
    let mut block_list: Vec<(&u64, &(Kind, Vec<u32>))> = weak_members.iter().collect();
    block_list.sort_unstable_by_key(|(key, (_, ws))| (ws[0], **key));
    let mut pairs = Vec::new();
    let mut capped = Vec::new();
    for (key, (kind, ws)) in block_list {
        let Some((count, list)) = members.get(key) else { continue };
        if *count as usize > cap {
            capped.push(CappedBlock { description: describe(records, cfg, *kind, ws[0]), records: *count as usize });
            continue;
        }
        for &w in ws {
            for &r in list {
                if r != w {
                    pairs.push((w.min(r), w.max(r)));
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    Candidates { pairs, capped }
}

fn describe(records: &Records<'_>, cfg: &TypeResolution, kind: Kind, sample: u32) -> String {
    match kind {
        Kind::Name => format!("name {}", records.folded_name(sample)),
        Kind::BirthSurname => format!(
            "birth date {} and surname {}",
            records.birth_date(sample).map(graph_schema::normalise::format_days).unwrap_or_default(),
            surname_initial(records.folded_name(sample)).unwrap_or(' ')
        ),
        Kind::Link(e_idx) => format!("{} shared by many", cfg.evidence[e_idx].name),
        Kind::IdPrefix => format!("ID prefix {}", &records.keys[sample as usize][..14]),
    }
}
