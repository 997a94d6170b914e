//! The records of one entity type as resolution sees them: which are strong (a valid
//! identifier), and each piece of evidence prepared once per record for blocking and comparing.

use graph_schema::normalise::{self, AddressParts};
use graph_schema::{Compare, EvidenceSource, StrongKey, TypeResolution};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::compare::{fold_name, gender_code, gender_from_resident_id};
use crate::staging::{Staging, NULL_VALUE};

/// No strong identifier / no value.
pub(crate) const NONE: u32 = u32::MAX;
/// A missing date.
pub(crate) const NO_DATE: i32 = i32::MIN;

/// A neighbour node: entity type in the high 32 bits, local id in the low.
pub(crate) type Neighbour = u64;

/// One piece of evidence for every record.
pub(crate) enum Values<'s> {
    /// Folded names as ids into `texts`; `counts[id]` records carry that name.
    Names { ids: Vec<u32>, texts: Vec<Box<str>>, counts: Vec<u32> },
    /// Days since 1970-01-01, or [`NO_DATE`].
    Dates(Vec<i32>),
    /// Gender codes (0 unknown).
    Genders(Vec<u8>),
    /// Raw column values (string ids or numbers), [`NULL_VALUE`] when absent.
    Exact(Vec<i64>),
    /// String ids of address texts, [`NONE`] when absent.
    AddressTexts(Vec<u32>),
    /// The record's own key.
    Keys,
    /// ID-shaped text of a property, "" when absent.
    IdTexts(Vec<&'s str>),
    /// Nodes linked by a relation: record `r`'s are `targets[offsets[r]..offsets[r + 1]]`,
    /// sorted; `degree` counts the records linked to each.
    Links { offsets: Vec<u32>, targets: Vec<Neighbour>, degree: FxHashMap<Neighbour, u32> },
}

impl Values<'_> {
    /// The neighbours of record `r` (empty for non-relation evidence).
    pub(crate) fn links(&self, r: u32) -> &[Neighbour] {
        match self {
            Values::Links { offsets, targets, .. } => {
                &targets[offsets[r as usize] as usize..offsets[r as usize + 1] as usize]
            }
            _ => &[],
        }
    }
}

/// The records of one type, prepared.
pub(crate) struct Records<'s> {
    /// Number of records (nodes of the type).
    pub n: usize,
    /// Key per record.
    pub keys: Vec<&'s str>,
    /// Index into `strong_ids` per record, or [`NONE`] for a weak record.
    pub strong: Vec<u32>,
    /// Canonical strong identifiers.
    pub strong_ids: Vec<String>,
    /// Evidence values, in the order of the configuration's evidence.
    pub values: Vec<Values<'s>>,
    /// The evidence that is "the name" (first name comparator on a property).
    pub name: Option<usize>,
    /// The evidence that is "the birth date" (the `birth_date` property, else the first date).
    pub birth: Option<usize>,
}

impl<'s> Records<'s> {
    /// Prepares the records of `cfg.entity_type`.
    pub(crate) fn gather(staging: &'s Staging, cfg: &TypeResolution) -> Records<'s> {
        let ty = cfg.entity_type.0 as usize;
        let table = &staging.types[ty];
        let def = staging.schema.entity(cfg.entity_type);
        let n = table.len();
        let strings = &staging.strings;
        let keys: Vec<&str> = table.keys.iter().map(|&k| strings.get(k)).collect();
        let invalid_key = bitset(n, &table.invalid_keys);
        // Strong identifiers: a valid key, else a valid identifier property.
        let id_column = cfg.id_property.map(|p| &table.columns[p]);
        let canonical: Vec<Option<String>> = (0..n)
            .into_par_iter()
            .map(|r| {
                if !invalid_key[r] {
                    if let Some(id) = cfg.strong_key.validate(keys[r]) {
                        return Some(id);
                    }
                }
                let column = id_column?;
                let value = column.values[r];
                if value == NULL_VALUE {
                    return None;
                }
                cfg.strong_key.validate(strings.get(value as u32))
            })
            .collect();
        let mut strong = vec![NONE; n];
        let mut strong_ids = Vec::new();
        let mut interned: FxHashMap<String, u32> = FxHashMap::default();
        for (r, id) in canonical.into_iter().enumerate() {
            if let Some(id) = id {
                let next = strong_ids.len() as u32;
                let idx = *interned.entry(id.clone()).or_insert_with(|| {
                    strong_ids.push(id);
                    next
                });
                strong[r] = idx;
            }
        }
        let resident_ids = cfg.strong_key == StrongKey::ResidentId;
        let id_of = |r: usize| (strong[r] != NONE).then(|| strong_ids[strong[r] as usize].as_str());
        let links = gather_links(staging, cfg);
        let mut links = links.into_iter();
        let mut values = Vec::with_capacity(cfg.evidence.len());
        let mut name = None;
        let mut birth = None;
        for (e_idx, evidence) in cfg.evidence.iter().enumerate() {
            let v = match evidence.source {
                EvidenceSource::Key => Values::Keys,
                EvidenceSource::Relation(_) => links.next().unwrap_or(Values::Keys),
                EvidenceSource::Property(p) => {
                    let column = &table.columns[p];
                    let invalid = bitset(n, &column.invalid);
                    let prop_name = def.properties[p].name.as_str();
                    match evidence.compare {
                        Compare::Name => {
                            name.get_or_insert(e_idx);
                            let folded: Vec<String> = (0..n)
                                .into_par_iter()
                                .map(|r| match column.values[r] {
                                    NULL_VALUE => String::new(),
                                    v => fold_name(strings.get(v as u32)),
                                })
                                .collect();
                            intern_names(folded)
                        }
                        Compare::Date => {
                            if prop_name == "birth_date" || birth.is_none() {
                                birth = Some(e_idx);
                            }
                            let is_datetime = def.properties[p].ty == graph_schema::PropType::DateTime;
                            let use_id = resident_ids && prop_name == "birth_date";
                            Values::Dates(
                                (0..n)
                                    .into_par_iter()
                                    .map(|r| {
                                        if use_id {
                                            if let Some(days) = id_of(r)
                                                .and_then(normalise::resident_id_birth_date)
                                                .map(|d| d.to_epoch_days())
                                            {
                                                return days;
                                            }
                                        }
                                        match column.values[r] {
                                            NULL_VALUE => NO_DATE,
                                            _ if invalid[r] => NO_DATE,
                                            v if is_datetime => v.div_euclid(86_400) as i32,
                                            v => v as i32,
                                        }
                                    })
                                    .collect(),
                            )
                        }
                        Compare::Gender => Values::Genders(
                            (0..n)
                                .into_par_iter()
                                .map(|r| {
                                    let given = match column.values[r] {
                                        NULL_VALUE => 0,
                                        v => gender_code(strings.get(v as u32)),
                                    };
                                    match (given, resident_ids.then(|| id_of(r)).flatten()) {
                                        (0, Some(id)) => gender_from_resident_id(id),
                                        (g, _) => g,
                                    }
                                })
                                .collect(),
                        ),
                        Compare::Address => Values::AddressTexts(
                            (0..n)
                                .map(|r| match column.values[r] {
                                    NULL_VALUE => NONE,
                                    v => v as u32,
                                })
                                .collect(),
                        ),
                        Compare::Id => Values::IdTexts(
                            (0..n)
                                .map(|r| match column.values[r] {
                                    NULL_VALUE => "",
                                    v => strings.get(v as u32),
                                })
                                .collect(),
                        ),
                        Compare::Exact => Values::Exact(
                            (0..n).map(|r| if invalid[r] { NULL_VALUE } else { column.values[r] }).collect(),
                        ),
                    }
                }
            };
            values.push(v);
        }
        Records { n, keys, strong, strong_ids, values, name, birth }
    }

    /// Whether record `r` has no strong identifier.
    #[inline]
    pub(crate) fn is_weak(&self, r: u32) -> bool {
        self.strong[r as usize] == NONE
    }

    /// The folded name of `r` ("" when absent or no name evidence).
    pub(crate) fn folded_name(&self, r: u32) -> &str {
        match self.name.map(|i| &self.values[i]) {
            Some(Values::Names { ids, texts, .. }) if ids[r as usize] != NONE => &texts[ids[r as usize] as usize],
            _ => "",
        }
    }

    /// The birth date of `r`, if known.
    pub(crate) fn birth_date(&self, r: u32) -> Option<i32> {
        match self.birth.map(|i| &self.values[i]) {
            Some(Values::Dates(days)) if days[r as usize] != NO_DATE => Some(days[r as usize]),
            _ => None,
        }
    }
}

/// Address parts of neighbour nodes and address-valued properties, parsed once for the
/// records that take part in comparisons.
#[derive(Default)]
pub(crate) struct AddressCache {
    /// By neighbour node.
    pub nodes: FxHashMap<Neighbour, AddressParts>,
    /// By string id of a property value.
    pub texts: FxHashMap<u32, AddressParts>,
}

impl AddressCache {
    /// Parses the addresses that records in `involved` refer to.
    pub(crate) fn build(staging: &Staging, cfg: &TypeResolution, records: &Records<'_>, involved: &[u32]) -> Self {
        let mut cache = AddressCache::default();
        for (evidence, values) in cfg.evidence.iter().zip(&records.values) {
            if evidence.compare != Compare::Address {
                continue;
            }
            for &r in involved {
                match values {
                    Values::Links { .. } => {
                        for &nb in values.links(r) {
                            cache.nodes.entry(nb).or_insert_with(|| {
                                let (t, local) = ((nb >> 32) as usize, nb as u32 as usize);
                                normalise::address_parts(staging.strings.get(staging.types[t].keys[local]))
                            });
                        }
                    }
                    Values::AddressTexts(ids) if ids[r as usize] != NONE => {
                        let id = ids[r as usize];
                        cache.texts.entry(id).or_insert_with(|| normalise::address_parts(staging.strings.get(id)));
                    }
                    _ => {}
                }
            }
        }
        cache
    }
}

fn bitset(n: usize, sorted_members: &[u32]) -> Vec<bool> {
    let mut out = vec![false; n];
    for &m in sorted_members {
        if let Some(slot) = out.get_mut(m as usize) {
            *slot = true;
        }
    }
    out
}

fn intern_names(folded: Vec<String>) -> Values<'static> {
    let mut index: FxHashMap<String, u32> = FxHashMap::default();
    let mut texts: Vec<Box<str>> = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    let ids = folded
        .into_iter()
        .map(|name| {
            if name.is_empty() {
                return NONE;
            }
            let next = texts.len() as u32;
            let id = *index.entry(name).or_insert_with_key(|name| {
                texts.push(name.as_str().into());
                counts.push(0);
                next
            });
            counts[id as usize] += 1;
            id
        })
        .collect();
    Values::Names { ids, texts, counts }
}

/// One pass over the edges collects, for every relation evidence, each record's neighbours.
fn gather_links(staging: &Staging, cfg: &TypeResolution) -> Vec<Values<'static>> {
    let ty = cfg.entity_type.0;
    let n = staging.types[ty as usize].len();
    let rel_evidence: Vec<u16> = cfg
        .evidence
        .iter()
        .filter_map(|e| match e.source {
            EvidenceSource::Relation(rel) => Some(rel.0),
            _ => None,
        })
        .collect();
    if rel_evidence.is_empty() {
        return Vec::new();
    }
    let mut slot_of_rel: FxHashMap<u16, Vec<usize>> = FxHashMap::default();
    for (slot, rel) in rel_evidence.iter().enumerate() {
        slot_of_rel.entry(*rel).or_default().push(slot);
    }
    let mut pairs: Vec<Vec<(u32, Neighbour)>> = vec![Vec::new(); rel_evidence.len()];
    for e in &staging.edges {
        let Some(slots) = slot_of_rel.get(&e.rel) else { continue };
        for &slot in slots {
            if e.src_type == ty {
                pairs[slot].push((e.src, (u64::from(e.dst_type) << 32) | u64::from(e.dst)));
            }
            if e.dst_type == ty {
                pairs[slot].push((e.dst, (u64::from(e.src_type) << 32) | u64::from(e.src)));
            }
        }
    }
    pairs
        .into_par_iter()
        .map(|mut list| {
            list.sort_unstable();
            list.dedup();
            let mut offsets = vec![0u32; n + 1];
            for &(r, _) in &list {
                offsets[r as usize + 1] += 1;
            }
            for i in 0..n {
                offsets[i + 1] += offsets[i];
            }
            let mut degree: FxHashMap<Neighbour, u32> = FxHashMap::default();
            let targets: Vec<Neighbour> = list
                .into_iter()
                .map(|(_, nb)| {
                    *degree.entry(nb).or_insert(0) += 1;
                    nb
                })
                .collect();
            Values::Links { offsets, targets, degree }
        })
        .collect()
}
