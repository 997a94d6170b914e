//! Applying merges to the staging tables: each group of records becomes one node. The survivor
//! (the record with a strong identifier, else the first loaded) keeps its key; the others' keys
//! become aliases of the node. Properties take the survivor's value, else the first non-empty
//! one among the others in load order (differing values are counted as conflicts). Edges and
//! provenance rows of every member move to the node, so the node keeps all its source rows and
//! the merge can be undone from `merges.jsonl` (a forced split) without losing anything.

use rayon::prelude::*;

use crate::staging::{Alias, Staging, NULL_VALUE};

/// What applying the merges did.
pub(crate) struct Applied {
    /// Property values that differed from the one kept.
    pub property_conflicts: u64,
}

/// Merges each group (survivor first) of entity type `ty` into one node, renumbering the
/// type's nodes densely in load order.
pub(crate) fn apply(staging: &mut Staging, ty: u16, groups: &[Vec<u32>]) -> Applied {
    let t = ty as usize;
    let n = staging.types[t].len();
    let mut survivor: Vec<u32> = (0..n as u32).collect();
    for group in groups {
        for &m in &group[1..] {
            survivor[m as usize] = group[0];
        }
    }
    let mut new_id = vec![u32::MAX; n];
    let mut next = 0u32;
    for r in 0..n {
        if survivor[r] == r as u32 {
            new_id[r] = next;
            next += 1;
        }
    }
    for r in 0..n {
        new_id[r] = new_id[survivor[r] as usize];
    }
    let n_new = next as usize;
    let mut property_conflicts = 0u64;
    {
        let table = &mut staging.types[t];
        // Columns: the survivor's value, else the first non-empty member's.
        for column in &mut table.columns {
            let mut invalid_old = vec![false; n];
            for &i in &column.invalid {
                invalid_old[i as usize] = true;
            }
            let mut values = vec![NULL_VALUE; n_new];
            let mut source = vec![u32::MAX; n_new];
            for r in 0..n {
                if survivor[r] == r as u32 {
                    values[new_id[r] as usize] = column.values[r];
                    source[new_id[r] as usize] = r as u32;
                }
            }
            for group in groups {
                let slot = new_id[group[0] as usize] as usize;
                for &m in &group[1..] {
                    let v = column.values[m as usize];
                    if v == NULL_VALUE {
                        continue;
                    }
                    if values[slot] == NULL_VALUE {
                        values[slot] = v;
                        source[slot] = m;
                    } else if values[slot] != v {
                        property_conflicts += 1;
                    }
                }
            }
            column.invalid = (0..n_new as u32)
                .filter(|&s| source[s as usize] != u32::MAX && invalid_old[source[s as usize] as usize])
                .collect();
            column.values = values;
        }
        let invalid_key: Vec<bool> = {
            let mut v = vec![false; n];
            for &i in &table.invalid_keys {
                v[i as usize] = true;
            }
            v
        };
        let old_keys = std::mem::take(&mut table.keys);
        let mut invalid_keys = Vec::new();
        for r in 0..n {
            if survivor[r] == r as u32 {
                if invalid_key[r] {
                    invalid_keys.push(new_id[r]);
                }
                table.keys.push(old_keys[r]);
            }
        }
        table.invalid_keys = invalid_keys;
        for group in groups {
            for &m in &group[1..] {
                staging.aliases.push(Alias { node_type: ty, local: new_id[m as usize], key: old_keys[m as usize] });
            }
        }
    }
    staging.edges.par_iter_mut().for_each(|e| {
        if e.src_type == ty {
            e.src = new_id[e.src as usize];
        }
        if e.dst_type == ty {
            e.dst = new_id[e.dst as usize];
        }
    });
    for p in &mut staging.provenance {
        if p.node_type == ty {
            p.local = new_id[p.local as usize];
        }
    }
    Applied { property_conflicts }
}
