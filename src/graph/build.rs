//! From the loaders' staging tables to a snapshot file: global ids by type, CSR arrays in both
//! directions, the sorted key index, provenance rows, bitmaps; written in one pass.

use std::path::Path;

use loaders::{PropColumn, Staging};
use rayon::prelude::*;
use roaring::RoaringBitmap;

use super::snapshot::{SnapshotError, SnapshotWriter};
use super::Manifest;

/// What a finished build wrote.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    /// Nodes written.
    pub n_nodes: u32,
    /// Edges written.
    pub n_edges: u32,
    /// Snapshot size in bytes.
    pub bytes: u64,
}

fn bitmap_bytes(bitmap: &RoaringBitmap) -> Vec<u8> {
    let mut out = Vec::with_capacity(bitmap.serialized_size());
    // Writing into a Vec cannot fail.
    let _ = bitmap.serialize_into(&mut out);
    out
}

/// Out-adjacency before it is written: targets, relation and property row per edge.
struct OutCsr {
    offsets: Vec<u64>,
    targets: Vec<u32>,
    rels: Vec<u16>,
    props: Vec<u32>,
    merged: u64,
}

/// Builds the out-CSR by a stable counting sort on the source, then orders each node's edges by
/// (target, relation) keeping load order among equals, and merges exact duplicates of relations
/// without properties (the same "lives at" from two files is one fact, not two).
fn out_csr(staging: &mut Staging, starts: &[u32], n: usize) -> OutCsr {
    let edges = std::mem::take(&mut staging.edges);
    let mut offsets = vec![0u64; n + 1];
    for e in &edges {
        offsets[(starts[e.src_type as usize] + e.src) as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let m = edges.len();
    let mut cursor: Vec<u64> = offsets[..n].to_vec();
    let mut order = vec![(0u32, 0u16, 0u32); m];
    for e in &edges {
        let src = (starts[e.src_type as usize] + e.src) as usize;
        let slot = cursor[src] as usize;
        cursor[src] += 1;
        order[slot] = (starts[e.dst_type as usize] + e.dst, e.rel, e.prop_row);
    }
    drop(edges);
    drop(cursor);
    // Sort each node's slice; nodes are independent, so split the array at node boundaries.
    let mut slices: Vec<&mut [(u32, u16, u32)]> = Vec::with_capacity(n);
    let mut rest: &mut [(u32, u16, u32)] = &mut order;
    for i in 0..n {
        let len = (offsets[i + 1] - offsets[i]) as usize;
        let (head, tail) = rest.split_at_mut(len);
        slices.push(head);
        rest = tail;
    }
    slices.par_iter_mut().for_each(|s| {
        if s.len() > 1 {
            s.sort_by_key(|&(dst, rel, _)| (dst, rel));
        }
    });
    drop(slices);
    let mut targets = Vec::with_capacity(m);
    let mut rels = Vec::with_capacity(m);
    let mut props = Vec::with_capacity(m);
    let mut new_offsets = vec![0u64; n + 1];
    let mut merged = 0u64;
    for i in 0..n {
        let start_len = targets.len();
        for &(dst, rel, prop) in &order[offsets[i] as usize..offsets[i + 1] as usize] {
            let last = targets.len();
            if prop == u32::MAX
                && last > start_len
                && targets[last - 1] == dst
                && rels[last - 1] == rel
                && props[last - 1] == u32::MAX
            {
                merged += 1;
                continue;
            }
            targets.push(dst);
            rels.push(rel);
            props.push(prop);
        }
        new_offsets[i + 1] = targets.len() as u64;
    }
    OutCsr { offsets: new_offsets, targets, rels, props, merged }
}

/// Writes `staging` as a snapshot at `path` (atomically). `build_seconds` is recorded as given.
pub fn write_snapshot(
    mut staging: Staging,
    path: &Path,
    started: std::time::Instant,
) -> Result<BuildSummary, SnapshotError> {
    let mut starts = Vec::with_capacity(staging.types.len());
    let mut n = 0u32;
    for t in &staging.types {
        starts.push(n);
        n += t.len() as u32;
    }
    let n_usize = n as usize;
    let type_ranges: Vec<(u32, u32)> =
        starts.iter().zip(&staging.types).map(|(&s, t)| (s, s + t.len() as u32)).collect();

    let mut writer = SnapshotWriter::create(path)?;
    let phase = std::time::Instant::now();
    let lap = |what: &str| tracing::debug!(seconds = phase.elapsed().as_secs_f64(), "snapshot: {what} done");

    // Node arrays.
    let mut node_types = Vec::with_capacity(n_usize);
    let mut node_keys = Vec::with_capacity(n_usize);
    for (t, table) in staging.types.iter().enumerate() {
        node_types.extend(std::iter::repeat_n(t as u16, table.len()));
        node_keys.extend_from_slice(&table.keys);
    }
    writer.array("node_types", &node_types)?;
    drop(node_types);

    // The key index: ids sorted by key within each type's range. Sorting on an 8-byte prefix
    // first settles most comparisons without touching the string pool.
    let key_sorted: Vec<u32> = {
        let strings = &staging.strings;
        let key_of = |id: u32| strings.bytes_of(node_keys[id as usize]);
        let prefix = |id: u32| {
            let bytes = key_of(id);
            let mut buf = [0u8; 8];
            let n = bytes.len().min(8);
            buf[..n].copy_from_slice(&bytes[..n]);
            u64::from_be_bytes(buf)
        };
        let mut tagged: Vec<(u64, u32)> = (0..n).into_par_iter().map(|id| (prefix(id), id)).collect();
        let mut rest: &mut [(u64, u32)] = &mut tagged;
        for &(s, e) in &type_ranges {
            let (head, tail) = rest.split_at_mut((e - s) as usize);
            head.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| key_of(a.1).cmp(key_of(b.1))));
            rest = tail;
        }
        tagged.into_iter().map(|(_, id)| id).collect()
    };
    writer.array("node_keys", &node_keys)?;
    writer.array("key_sorted", &key_sorted)?;
    drop(key_sorted);
    drop(node_keys);

    lap("nodes and key index");
    // Edges.
    let out = out_csr(&mut staging, &starts, n_usize);
    lap("out-CSR built");
    let m = out.targets.len();
    if m >= u32::MAX as usize {
        return Err(SnapshotError::BadSection {
            path: path.to_owned(),
            name: "edges".into(),
            why: "more than 4 billion edges".into(),
        });
    }
    let mut relation_counts = vec![0u64; staging.schema.relations.len()];
    for &r in &out.rels {
        relation_counts[r as usize] += 1;
    }
    writer.array("out_offsets", &out.offsets)?;
    writer.array("out_targets", &out.targets)?;
    writer.array("out_rel", &out.rels)?;
    writer.array("out_prop", &out.props)?;
    drop(out.rels);
    drop(out.props);
    {
        let mut in_offsets = vec![0u64; n_usize + 1];
        for &t in &out.targets {
            in_offsets[t as usize + 1] += 1;
        }
        for i in 0..n_usize {
            in_offsets[i + 1] += in_offsets[i];
        }
        let mut cursor = in_offsets[..n_usize].to_vec();
        let mut in_sources = vec![0u32; m];
        let mut in_edge = vec![0u32; m];
        for src in 0..n_usize {
            for e in out.offsets[src] as usize..out.offsets[src + 1] as usize {
                let t = out.targets[e] as usize;
                let slot = cursor[t] as usize;
                cursor[t] += 1;
                in_sources[slot] = src as u32;
                in_edge[slot] = e as u32;
            }
        }
        lap("out-CSR written, in-CSR built");
        writer.array("in_offsets", &in_offsets)?;
        writer.array("in_sources", &in_sources)?;
        writer.array("in_edge", &in_edge)?;
        let common =
            common_identifiers(&staging, &type_ranges, (&out.offsets, &out.targets), (&in_offsets, &in_sources));
        let bitmap: RoaringBitmap = common.iter().map(|&(node, _)| node).collect();
        let degrees: Vec<u32> = common.iter().map(|&(_, degree)| degree).collect();
        writer.section("common", &bitmap_bytes(&bitmap))?;
        writer.array("common_degree", &degrees)?;
    }
    drop(out.targets);
    drop(out.offsets);

    lap("in-CSR and common identifiers");
    // Aliases: keys of records entity resolution merged into a node, by node and by key.
    {
        let mut aliases: Vec<(u32, u32)> =
            staging.aliases.iter().map(|a| (starts[a.node_type as usize] + a.local, a.key)).collect();
        let strings = &staging.strings;
        aliases.sort_unstable_by(|x, y| x.0.cmp(&y.0).then_with(|| strings.bytes_of(x.1).cmp(strings.bytes_of(y.1))));
        let alias_node: Vec<u32> = aliases.iter().map(|a| a.0).collect();
        let alias_key: Vec<u32> = aliases.iter().map(|a| a.1).collect();
        let type_of = |node: u32| type_ranges.partition_point(|&(_, end)| end <= node);
        let mut alias_sorted: Vec<u32> = (0..aliases.len() as u32).collect();
        alias_sorted.sort_unstable_by(|&x, &y| {
            let (a, b) = (aliases[x as usize], aliases[y as usize]);
            type_of(a.0).cmp(&type_of(b.0)).then_with(|| strings.bytes_of(a.1).cmp(strings.bytes_of(b.1)))
        });
        writer.array("alias_node", &alias_node)?;
        writer.array("alias_key", &alias_key)?;
        writer.array("alias_sorted", &alias_sorted)?;
    }

    // Strings.
    writer.array("str_offsets", &staging.strings.offsets)?;
    writer.section("str_bytes", &staging.strings.bytes)?;

    // Provenance, grouped by node keeping load order.
    {
        let prov = std::mem::take(&mut staging.provenance);
        let mut offsets = vec![0u64; n_usize + 1];
        for p in &prov {
            offsets[(starts[p.node_type as usize] + p.local) as usize + 1] += 1;
        }
        for i in 0..n_usize {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor = offsets[..n_usize].to_vec();
        let mut files = vec![0u32; prov.len()];
        let mut lines = vec![0u32; prov.len()];
        for p in &prov {
            let node = (starts[p.node_type as usize] + p.local) as usize;
            let slot = cursor[node] as usize;
            cursor[node] += 1;
            files[slot] = p.file;
            lines[slot] = p.line;
        }
        writer.array("prov_offsets", &offsets)?;
        writer.array("prov_file", &files)?;
        writer.array("prov_line", &lines)?;
    }

    lap("aliases, strings, provenance");
    // Bitmaps and property columns.
    let mut invalid_keys = RoaringBitmap::new();
    for (t, table) in staging.types.iter().enumerate() {
        let mut bitmap = RoaringBitmap::new();
        bitmap.insert_range(type_ranges[t].0..type_ranges[t].1);
        writer.section(&format!("type.{t}"), &bitmap_bytes(&bitmap))?;
        invalid_keys.extend(table.invalid_keys.iter().map(|&l| starts[t] + l));
        for (p, column) in table.columns.iter().enumerate() {
            write_column(&mut writer, &format!("prop.{t}.{p}"), &format!("prop_invalid.{t}.{p}"), column)?;
        }
    }
    writer.section("invalid_keys", &bitmap_bytes(&invalid_keys))?;
    for (r, columns) in staging.edge_props.iter().enumerate() {
        for (p, column) in columns.iter().enumerate() {
            write_column(&mut writer, &format!("eprop.{r}.{p}"), &format!("eprop_invalid.{r}.{p}"), column)?;
        }
    }

    let manifest_base = Manifest {
        clew_version: env!("CARGO_PKG_VERSION").to_owned(),
        built_at: chrono::Utc::now().timestamp(),
        build_seconds: started.elapsed().as_secs_f64(),
        schema: staging.schema.clone(),
        n_nodes: n,
        n_edges: m as u32,
        type_ranges,
        relation_counts,
        merged_duplicate_edges: out.merged,
        files: staging.files.clone(),
        report: staging.report.clone(),
        common_min_degree: staging.common_min_degree,
        resolution: staging.resolution.clone(),
        sections: Vec::new(),
    };
    lap("properties");
    let bytes = writer.finish(|sections| Manifest { sections, ..manifest_base })?;
    lap("finished (fsync, rename)");
    Ok(BuildSummary { n_nodes: n, n_edges: m as u32, bytes })
}

/// Nodes of shared types (phones, addresses, accounts...) that at least
/// `staging.common_min_degree` distinct entities link to, with that number, in node order.
/// Entities are nodes of types that are not shared: the people, companies and claims that
/// share the identifier. Links between identifiers (transfers between accounts) do not count:
/// a busy account is a hub of the money flow, not an identifier many people give. Out-targets
/// are sorted within a node and in-sources ascending, so the distinct union is one merge pass.
fn common_identifiers(
    staging: &Staging,
    type_ranges: &[(u32, u32)],
    (out_offsets, out_targets): (&[u64], &[u32]),
    (in_offsets, in_sources): (&[u64], &[u32]),
) -> Vec<(u32, u32)> {
    let min = staging.common_min_degree.max(1);
    let shared_type: Vec<bool> = staging.schema.entities.iter().map(|e| e.shared).collect();
    let is_entity = |node: u32| {
        let t = type_ranges.partition_point(|&(_, end)| end <= node);
        !shared_type.get(t).copied().unwrap_or(true)
    };
    let mut common = Vec::new();
    for (t, entity) in staging.schema.entities.iter().enumerate() {
        if !entity.shared {
            continue;
        }
        let (start, end) = type_ranges[t];
        let found: Vec<(u32, u32)> = (start..end)
            .into_par_iter()
            .filter_map(|v| {
                let v = v as usize;
                let outs = &out_targets[out_offsets[v] as usize..out_offsets[v + 1] as usize];
                let ins = &in_sources[in_offsets[v] as usize..in_offsets[v + 1] as usize];
                if ((outs.len() + ins.len()) as u64) < u64::from(min) {
                    return None;
                }
                let degree = distinct_union(outs, ins, &is_entity);
                (degree >= min).then_some((v as u32, degree))
            })
            .collect();
        common.extend(found);
    }
    common
}

/// The number of distinct values for which `keep` holds in the union of two sorted slices.
fn distinct_union(a: &[u32], b: &[u32], keep: &impl Fn(u32) -> bool) -> u32 {
    let (mut i, mut j, mut count, mut last) = (0, 0, 0u32, None);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x <= y => {
                i += 1;
                x
            }
            (Some(_), Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, Some(&y)) => {
                j += 1;
                y
            }
            (None, None) => break,
        };
        if last != Some(next) {
            last = Some(next);
            if keep(next) {
                count += 1;
            }
        }
    }
    count
}

fn write_column(
    writer: &mut SnapshotWriter,
    name: &str,
    invalid_name: &str,
    column: &PropColumn,
) -> Result<(), SnapshotError> {
    writer.array(name, &column.values)?;
    let invalid: RoaringBitmap = column.invalid.iter().copied().collect();
    writer.section(invalid_name, &bitmap_bytes(&invalid))
}
