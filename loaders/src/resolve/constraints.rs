//! Hard constraints, checked on whole clusters before every union (merges are transitive, so
//! checking pairs alone would let a weak record bridge two people):
//!
//! - two different valid strong identifiers (resident IDs) never end up in one cluster;
//! - two records with the same name and different birth dates never end up in one cluster;
//! - no two keys of a forced split end up in one cluster.
//!
//! A refused union is not an error: the pair goes to the review report with the reason.

use rustc_hash::FxHashMap;

use super::records::{Records, NONE};

/// Why two clusters may not merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Two different valid strong identifiers.
    TwoIdentifiers(String, String),
    /// The same name with different birth dates.
    SameNameDifferentBirthDates { name: String, a: i32, b: i32 },
    /// A forced split at this mapping line.
    ForcedSplit { line: usize },
    /// The cluster would exceed the block cap: evidence that chains this far is not trusted.
    TooLarge { limit: usize },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TwoIdentifiers(a, b) => write!(f, "two different valid identifiers {a} and {b}"),
            Refusal::SameNameDifferentBirthDates { name, a, b } => write!(
                f,
                "same name {name} with different birth dates {} and {}",
                graph_schema::normalise::format_days(*a),
                graph_schema::normalise::format_days(*b)
            ),
            Refusal::ForcedSplit { line } => write!(f, "forced split (mapping line {line})"),
            Refusal::TooLarge { limit } => write!(f, "the group would exceed {limit} records"),
        }
    }
}

/// Union-find over the records of one type, with each cluster's members and identifier.
pub(crate) struct Clusters {
    parent: Vec<u32>,
    /// Members of clusters with more than one record, by root.
    members: FxHashMap<u32, Vec<u32>>,
    /// The strong identifier of each root's cluster, or [`NONE`].
    strong: Vec<u32>,
    /// Forced-split partners of a record, with the mapping line.
    splits: FxHashMap<u32, Vec<(u32, usize)>>,
    limit: usize,
}

impl Clusters {
    /// Every record alone; `splits` lists pairs that must stay apart.
    pub(crate) fn new(records: &Records<'_>, splits: &[(u32, u32, usize)], limit: usize) -> Self {
        let mut split_map: FxHashMap<u32, Vec<(u32, usize)>> = FxHashMap::default();
        for &(a, b, line) in splits {
            split_map.entry(a).or_default().push((b, line));
            split_map.entry(b).or_default().push((a, line));
        }
        Clusters {
            parent: (0..records.n as u32).collect(),
            members: FxHashMap::default(),
            strong: records.strong.clone(),
            splits: split_map,
            limit,
        }
    }

    /// The root of `r`'s cluster.
    pub(crate) fn find(&mut self, r: u32) -> u32 {
        let mut root = r;
        while self.parent[root as usize] != root {
            root = self.parent[root as usize];
        }
        let mut x = r;
        while self.parent[x as usize] != root {
            let next = self.parent[x as usize];
            self.parent[x as usize] = root;
            x = next;
        }
        root
    }

    fn members_of(&self, root: u32) -> Vec<u32> {
        self.members.get(&root).cloned().unwrap_or_else(|| vec![root])
    }

    /// Whether the clusters of `a` and `b` may merge.
    pub(crate) fn check(&mut self, records: &Records<'_>, a: u32, b: u32) -> Result<(), Refusal> {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(());
        }
        let (sa, sb) = (self.strong[ra as usize], self.strong[rb as usize]);
        if sa != NONE && sb != NONE && sa != sb {
            return Err(Refusal::TwoIdentifiers(
                records.strong_ids[sa as usize].clone(),
                records.strong_ids[sb as usize].clone(),
            ));
        }
        let (ma, mb) = (self.members_of(ra), self.members_of(rb));
        if ma.len() + mb.len() > self.limit {
            return Err(Refusal::TooLarge { limit: self.limit });
        }
        for &x in &ma {
            let partners = self.splits.get(&x).cloned().unwrap_or_default();
            for (partner, line) in partners {
                if self.find(partner) == rb {
                    return Err(Refusal::ForcedSplit { line });
                }
            }
        }
        for &x in &ma {
            let name = records.folded_name(x);
            let Some(born_x) = records.birth_date(x) else { continue };
            if name.is_empty() {
                continue;
            }
            for &y in &mb {
                if records.folded_name(y) == name {
                    if let Some(born_y) = records.birth_date(y).filter(|&d| d != born_x) {
                        return Err(Refusal::SameNameDifferentBirthDates {
                            name: name.to_owned(),
                            a: born_x,
                            b: born_y,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Merges the clusters of `a` and `b` if the constraints allow it.
    pub(crate) fn union(&mut self, records: &Records<'_>, a: u32, b: u32) -> Result<bool, Refusal> {
        self.check(records, a, b)?;
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(false);
        }
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        let mut merged = self.members.remove(&keep).unwrap_or_else(|| vec![keep]);
        merged.extend(self.members.remove(&gone).unwrap_or_else(|| vec![gone]));
        self.parent[gone as usize] = keep;
        if self.strong[keep as usize] == NONE {
            self.strong[keep as usize] = self.strong[gone as usize];
        }
        self.members.insert(keep, merged);
        Ok(true)
    }

    /// The clusters of more than one record, each sorted, in order of their lowest record.
    pub(crate) fn groups(&self) -> Vec<Vec<u32>> {
        let mut groups: Vec<Vec<u32>> = self
            .members
            .values()
            .map(|m| {
                let mut m = m.clone();
                m.sort_unstable();
                m
            })
            .collect();
        groups.sort_unstable_by_key(|g| g[0]);
        groups
    }
}
