//! `clew diff OLD NEW`: what changed between two analyses. Clusters are matched by id first (an
//! id is a hash of the cluster's core, so a rebuilt snapshot keeps it), then, among the rest of
//! one kind, by the overlap of their members (Jaccard at least [`MIN_JACCARD`], best pairs
//! first). Matched clusters grew, shrank, changed members or level, or stayed; the others
//! appeared or vanished.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Cluster, EntityRef, Level};

/// Least member overlap for two clusters with different ids to count as the same.
pub const MIN_JACCARD: f64 = 0.3;

/// One cluster's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `appeared`, `vanished`, `grew`, `shrank`, `changed` (same size, other members),
    /// `level` (same members, other level) or `same`.
    pub change: String,
    /// The cluster's id in the new analysis (the old one for `vanished`).
    pub cluster_id: String,
    /// Its id in the old analysis when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// Kind.
    pub kind: String,
    /// Level now (before, for `vanished`).
    pub level: Level,
    /// Level before, for matched clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_level: Option<Level>,
    /// Members now.
    pub members: usize,
    /// Members before.
    pub old_members: usize,
    /// Members that joined.
    pub added: Vec<EntityRef>,
    /// Members that left.
    pub removed: Vec<EntityRef>,
}

fn jaccard(a: &BTreeSet<&EntityRef>, b: &BTreeSet<&EntityRef>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

fn change_of(old: &Cluster, new: &Cluster) -> Change {
    let a: BTreeSet<&EntityRef> = old.members.iter().collect();
    let b: BTreeSet<&EntityRef> = new.members.iter().collect();
    let added: Vec<EntityRef> = b.difference(&a).map(|r| (*r).clone()).collect();
    let removed: Vec<EntityRef> = a.difference(&b).map(|r| (*r).clone()).collect();
    let change = if b.len() > a.len() {
        "grew"
    } else if b.len() < a.len() {
        "shrank"
    } else if !added.is_empty() {
        "changed"
    } else if old.level != new.level {
        "level"
    } else {
        "same"
    };
    Change {
        change: change.to_owned(),
        cluster_id: new.cluster_id.clone(),
        old_id: (old.cluster_id != new.cluster_id).then(|| old.cluster_id.clone()),
        kind: new.kind.clone(),
        level: new.level,
        old_level: Some(old.level),
        members: b.len(),
        old_members: a.len(),
        added,
        removed,
    }
}

/// Every cluster's change from `old` to `new`: appeared and matched ones in the new order, then
/// vanished ones in the old order.
pub fn diff(old: &[Cluster], new: &[Cluster]) -> Vec<Change> {
    let mut old_taken = vec![false; old.len()];
    let mut new_match: Vec<Option<usize>> = vec![None; new.len()];
    for (j, n) in new.iter().enumerate() {
        if let Some(i) = old.iter().position(|o| o.cluster_id == n.cluster_id) {
            if !old_taken[i] {
                old_taken[i] = true;
                new_match[j] = Some(i);
            }
        }
    }
    // Overlap matching among the rest, best pairs first.
    let sets_old: Vec<BTreeSet<&EntityRef>> = old.iter().map(|c| c.members.iter().collect()).collect();
    let sets_new: Vec<BTreeSet<&EntityRef>> = new.iter().map(|c| c.members.iter().collect()).collect();
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (j, n) in new.iter().enumerate() {
        if new_match[j].is_some() {
            continue;
        }
        for (i, o) in old.iter().enumerate() {
            if old_taken[i] || o.kind != n.kind {
                continue;
            }
            let s = jaccard(&sets_old[i], &sets_new[j]);
            if s >= MIN_JACCARD {
                pairs.push((s, i, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (_, i, j) in pairs {
        if !old_taken[i] && new_match[j].is_none() {
            old_taken[i] = true;
            new_match[j] = Some(i);
        }
    }
    let mut out = Vec::new();
    for (j, n) in new.iter().enumerate() {
        out.push(match new_match[j] {
            Some(i) => change_of(&old[i], n),
            None => Change {
                change: "appeared".to_owned(),
                cluster_id: n.cluster_id.clone(),
                old_id: None,
                kind: n.kind.clone(),
                level: n.level,
                old_level: None,
                members: n.members.len(),
                old_members: 0,
                added: n.members.clone(),
                removed: Vec::new(),
            },
        });
    }
    for (i, o) in old.iter().enumerate() {
        if !old_taken[i] {
            out.push(Change {
                change: "vanished".to_owned(),
                cluster_id: o.cluster_id.clone(),
                old_id: None,
                kind: o.kind.clone(),
                level: o.level,
                old_level: None,
                members: 0,
                old_members: o.members.len(),
                added: Vec::new(),
                removed: o.members.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(id: &str, keys: &[&str], level: Level) -> Cluster {
        Cluster {
            cluster_id: id.to_owned(),
            kind: "ring".to_owned(),
            risk_score: 50.0,
            level,
            members: keys.iter().map(|k| EntityRef { ty: "person".into(), key: (*k).into() }).collect(),
            reasons: Vec::new(),
            rule: "r".into(),
            core: Vec::new(),
            features: Default::default(),
            evidence: Default::default(),
            member_nodes: Vec::new(),
        }
    }

    #[test]
    fn appeared_grew_shrank_vanished_and_level() {
        let old = vec![
            cluster("a", &["1", "2", "3"], Level::Red),
            cluster("b", &["4", "5", "6", "7"], Level::Orange),
            cluster("c", &["8", "9"], Level::Yellow),
            cluster("d", &["10", "11"], Level::Yellow),
        ];
        let new = vec![
            cluster("a", &["1", "2", "3", "12"], Level::Red),
            cluster("b2", &["4", "5", "6"], Level::Orange),
            cluster("d", &["10", "11"], Level::Red),
            cluster("e", &["20", "21"], Level::Blue),
        ];
        let changes = diff(&old, &new);
        let summary: Vec<(&str, &str)> = changes.iter().map(|c| (c.change.as_str(), c.cluster_id.as_str())).collect();
        assert_eq!(summary, [("grew", "a"), ("shrank", "b2"), ("level", "d"), ("appeared", "e"), ("vanished", "c")]);
        assert_eq!(changes[1].old_id.as_deref(), Some("b"));
        assert_eq!(changes[0].added[0].key, "12");
    }
}
