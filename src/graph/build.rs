//! From the loaders' staging tables to a snapshot file: global ids by type, CSR arrays in both
//! directions, the sorted key index, provenance rows, bitmaps; written in one pass.

use std::ops::Range;
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

/// Splits the nodes `0..offsets.len() - 1` into at most `parts` runs of consecutive nodes with
/// about the same number of items each (`offsets` is a CSR offset array), none empty.
fn balanced_ranges(offsets: &[u64], parts: usize) -> Vec<Range<usize>> {
    let n = offsets.len() - 1;
    let total = offsets[n];
    let parts = parts.max(1);
    let mut ranges = Vec::with_capacity(parts);
    let mut start = 0;
    for p in 1..=parts {
        let end = if p == parts {
            n
        } else {
            let goal = (u128::from(total) * p as u128 / parts as u128) as u64;
            offsets.partition_point(|&o| o < goal).clamp(start, n)
        };
        if end > start {
            ranges.push(start..end);
            start = end;
        }
    }
    ranges
}

/// Cuts `items` (laid out by the CSR `offsets`) into one slice per range of `ranges`, which
/// must be consecutive and start at node 0.
fn split_by_ranges<'a, T>(mut items: &'a mut [T], offsets: &[u64], ranges: &[Range<usize>]) -> Vec<&'a mut [T]> {
    let mut parts = Vec::with_capacity(ranges.len());
    for r in ranges {
        let (head, tail) = std::mem::take(&mut items).split_at_mut((offsets[r.end] - offsets[r.start]) as usize);
        parts.push(head);
        items = tail;
    }
    parts
}

/// Parts for the scatter passes: each part reads every item and writes its own nodes' slots,
/// so more parts than threads would only add reads.
fn scatter_parts() -> usize {
    rayon::current_num_threads()
}

/// Parts for per-node work of uneven cost: enough for rayon to balance a busy machine.
fn fine_parts(items: u64) -> usize {
    (items / (1 << 16)).clamp(1, 64 * rayon::current_num_threads() as u64) as usize
}

/// Groups `items` by the node `key` gives (below `n`), keeping their order within a node: the
/// CSR offsets and the `value` of each item in node order. A stable counting sort; the scatter
/// runs in parallel over runs of nodes, each part reading all items and writing only its own
/// nodes' slots, so the result does not depend on the thread count.
fn group_by_node<T: Sync, V: Copy + Send + Default>(
    n: usize,
    items: &[T],
    key: impl Fn(&T) -> usize + Sync,
    value: impl Fn(&T) -> V + Sync,
) -> (Vec<u64>, Vec<V>) {
    let mut offsets = vec![0u64; n + 1];
    for item in items {
        offsets[key(item) + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut grouped = vec![V::default(); items.len()];
    if n == 0 {
        return (offsets, grouped);
    }
    let ranges = balanced_ranges(&offsets, scatter_parts());
    let parts = split_by_ranges(&mut grouped, &offsets, &ranges);
    ranges.into_par_iter().zip(parts).for_each(|(range, part)| {
        let base = offsets[range.start];
        let mut cursor: Vec<u64> = offsets[range.clone()].iter().map(|&o| o - base).collect();
        for item in items {
            let node = key(item);
            if range.contains(&node) {
                let slot = &mut cursor[node - range.start];
                part[*slot as usize] = value(item);
                *slot += 1;
            }
        }
    });
    (offsets, grouped)
}

/// Builds the out-CSR by a stable counting sort on the source, then orders each node's edges by
/// (target, relation) keeping load order among equals, and merges exact duplicates of relations
/// without properties (the same "lives at" from two files is one fact, not two).
fn out_csr(staging: &mut Staging, starts: &[u32], n: usize) -> OutCsr {
    let edges = std::mem::take(&mut staging.edges);
    let (offsets, mut order) = group_by_node(
        n,
        &edges,
        |e| (starts[e.src_type as usize] + e.src) as usize,
        |e| (starts[e.dst_type as usize] + e.dst, e.rel, e.prop_row),
    );
    drop(edges);
    if n == 0 {
        return OutCsr { offsets, targets: Vec::new(), rels: Vec::new(), props: Vec::new(), merged: 0 };
    }
    // Sort each node's edges and drop its duplicates in place, keeping how many stay; nodes
    // are independent, so runs of nodes go to rayon.
    let mut kept = vec![0u32; n];
    let ranges = balanced_ranges(&offsets, fine_parts(offsets[n]));
    let order_parts = split_by_ranges(&mut order, &offsets, &ranges);
    let kept_parts = split_nodes(&mut kept, &ranges);
    ranges.par_iter().zip(order_parts).zip(kept_parts).for_each(|((range, part), kept)| {
        let base = offsets[range.start];
        for (v, kept) in range.clone().zip(kept.iter_mut()) {
            let s = &mut part[(offsets[v] - base) as usize..(offsets[v + 1] - base) as usize];
            if s.len() > 1 {
                s.sort_by_key(|&(dst, rel, _)| (dst, rel));
            }
            *kept = dedup_unpropertied(s) as u32;
        }
    });
    let mut new_offsets = vec![0u64; n + 1];
    for v in 0..n {
        new_offsets[v + 1] = new_offsets[v] + u64::from(kept[v]);
    }
    let m = new_offsets[n] as usize;
    let merged = offsets[n] - m as u64;
    let mut targets = vec![0u32; m];
    let mut rels = vec![0u16; m];
    let mut props = vec![0u32; m];
    let ranges = balanced_ranges(&new_offsets, fine_parts(m as u64));
    let t_parts = split_by_ranges(&mut targets, &new_offsets, &ranges);
    let r_parts = split_by_ranges(&mut rels, &new_offsets, &ranges);
    let p_parts = split_by_ranges(&mut props, &new_offsets, &ranges);
    ranges.par_iter().zip(t_parts).zip(r_parts).zip(p_parts).for_each(|(((range, t), r), p)| {
        let mut at = 0;
        for v in range.clone() {
            let from = offsets[v] as usize;
            for &(dst, rel, prop) in &order[from..from + kept[v] as usize] {
                t[at] = dst;
                r[at] = rel;
                p[at] = prop;
                at += 1;
            }
        }
    });
    OutCsr { offsets: new_offsets, targets, rels, props, merged }
}

/// Cuts a per-node array into one slice per range of `ranges` (consecutive, from node 0).
fn split_nodes<'a, T>(mut items: &'a mut [T], ranges: &[Range<usize>]) -> Vec<&'a mut [T]> {
    let mut parts = Vec::with_capacity(ranges.len());
    for r in ranges {
        let (head, tail) = std::mem::take(&mut items).split_at_mut(r.len());
        parts.push(head);
        items = tail;
    }
    parts
}

/// Moves the edges of one node's sorted slice that are kept to its front and returns their
/// number: an edge without properties equal in target and relation to the last kept one, also
/// without properties, is a duplicate.
fn dedup_unpropertied(s: &mut [(u32, u16, u32)]) -> usize {
    let mut w = 0;
    for i in 0..s.len() {
        let (dst, rel, prop) = s[i];
        if prop == u32::MAX && w > 0 && s[w - 1] == (dst, rel, u32::MAX) {
            continue;
        }
        s[w] = s[i];
        w += 1;
    }
    w
}

/// The in-CSR of an out-CSR: per target its sources ascending, and for each the edge's id.
/// Runs of targets go to rayon; each part reads the whole out-CSR and writes its own slots.
fn in_csr(out_offsets: &[u64], out_targets: &[u32], n: usize) -> (Vec<u64>, Vec<u32>, Vec<u32>) {
    let m = out_targets.len();
    let mut in_offsets = vec![0u64; n + 1];
    for &t in out_targets {
        in_offsets[t as usize + 1] += 1;
    }
    for i in 0..n {
        in_offsets[i + 1] += in_offsets[i];
    }
    let mut in_sources = vec![0u32; m];
    let mut in_edge = vec![0u32; m];
    if n == 0 {
        return (in_offsets, in_sources, in_edge);
    }
    let ranges = balanced_ranges(&in_offsets, scatter_parts());
    let s_parts = split_by_ranges(&mut in_sources, &in_offsets, &ranges);
    let e_parts = split_by_ranges(&mut in_edge, &in_offsets, &ranges);
    ranges.into_par_iter().zip(s_parts).zip(e_parts).for_each(|((range, sources), edge_ids)| {
        let base = in_offsets[range.start];
        let mut cursor: Vec<u64> = in_offsets[range.clone()].iter().map(|&o| o - base).collect();
        let (lo, hi) = (range.start as u32, range.end as u32);
        for src in 0..n {
            for e in out_offsets[src] as usize..out_offsets[src + 1] as usize {
                let t = out_targets[e];
                if t >= lo && t < hi {
                    let slot = &mut cursor[(t - lo) as usize];
                    sources[*slot as usize] = src as u32;
                    edge_ids[*slot as usize] = e as u32;
                    *slot += 1;
                }
            }
        }
    });
    (in_offsets, in_sources, in_edge)
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
        let (in_offsets, in_sources, in_edge) = in_csr(&out.offsets, &out.targets, n_usize);
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
        let (offsets, rows) =
            group_by_node(n_usize, &prov, |p| (starts[p.node_type as usize] + p.local) as usize, |p| (p.file, p.line));
        drop(prov);
        let (files, lines): (Vec<u32>, Vec<u32>) = rows.into_par_iter().unzip();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Node keys with a hub (node 0 takes every seventh item), empty nodes and a seeded spread.
    fn keys(n: usize, m: usize) -> Vec<usize> {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        (0..m)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if i % 7 == 0 {
                    0
                } else {
                    (x % (n as u64 / 2)) as usize * 2
                }
            })
            .collect()
    }

    fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool").install(f)
    }

    #[test]
    fn grouping_keeps_item_order_within_a_node_whatever_the_thread_count() {
        let n = 1000;
        let keys = keys(n, 20_000);
        let mut expected: Vec<(usize, usize)> = keys.iter().copied().zip(0..).collect();
        expected.sort_by_key(|&(node, _)| node); // stable: item order within a node
        for threads in [1, 2, 3, 8] {
            let (offsets, grouped) = with_threads(threads, || group_by_node(n, &keys, |&k| k, |&k| k as u32));
            assert_eq!(offsets.len(), n + 1);
            for v in 0..n {
                let want = expected.iter().filter(|&&(node, _)| node == v).count() as u64;
                assert_eq!(offsets[v + 1] - offsets[v], want, "node {v}, {threads} threads");
            }
            // Values here are the keys: grouped, they ascend.
            assert!(grouped.windows(2).all(|w| w[0] <= w[1]), "{threads} threads");
            let index: Vec<usize> = {
                let indexed: Vec<(usize, usize)> = keys.iter().copied().zip(0..).collect();
                with_threads(threads, || group_by_node(n, &indexed, |&(k, _)| k, |&(_, i)| i)).1
            };
            assert_eq!(index, expected.iter().map(|&(_, i)| i).collect::<Vec<_>>(), "{threads} threads");
        }
    }

    #[test]
    fn in_csr_lists_sources_ascending_whatever_the_thread_count() {
        let n = 500;
        let targets = keys(n, 5_000);
        // An out-CSR: ten edges per source, targets as generated.
        let out_offsets: Vec<u64> = (0..=n as u64).map(|v| (v * 10).min(targets.len() as u64)).collect();
        let out_targets: Vec<u32> = targets.iter().map(|&t| t as u32).collect();
        let mut expected: Vec<(u32, u32, u32)> = Vec::new(); // (target, source, edge)
        for src in 0..n {
            for e in out_offsets[src] as usize..out_offsets[src + 1] as usize {
                expected.push((out_targets[e], src as u32, e as u32));
            }
        }
        expected.sort_by_key(|&(t, _, _)| t);
        for threads in [1, 2, 3, 8] {
            let (in_offsets, sources, edges) = with_threads(threads, || in_csr(&out_offsets, &out_targets, n));
            assert_eq!(in_offsets[n] as usize, expected.len());
            let got: Vec<(u32, u32, u32)> = (0..n)
                .flat_map(|t| (in_offsets[t] as usize..in_offsets[t + 1] as usize).map(move |i| (t as u32, i)))
                .map(|(t, i)| (t, sources[i], edges[i]))
                .collect();
            assert_eq!(got, expected, "{threads} threads");
        }
    }

    #[test]
    fn balanced_ranges_cover_every_node_once() {
        for offsets in [vec![0u64], vec![0, 0, 0, 0], vec![0, 5, 5, 5, 100, 101], (0..=1000).collect()] {
            for parts in [1, 2, 3, 64] {
                let ranges = balanced_ranges(&offsets, parts);
                let n = offsets.len() - 1;
                assert!(ranges.len() <= parts.max(1));
                assert_eq!(ranges.first().map_or(0, |r| r.start), 0);
                assert_eq!(ranges.last().map_or(0, |r| r.end), n);
                assert!(ranges.windows(2).all(|w| w[0].end == w[1].start && w[0].start < w[0].end));
            }
        }
    }

    #[test]
    fn only_repeated_edges_without_properties_are_merged() {
        let mut s =
            [(1, 0, u32::MAX), (1, 0, u32::MAX), (1, 0, 7), (1, 0, u32::MAX), (1, 1, u32::MAX), (2, 1, 3), (2, 1, 3)];
        let kept = dedup_unpropertied(&mut s);
        assert_eq!(
            &s[..kept],
            &[(1, 0, u32::MAX), (1, 0, 7), (1, 0, u32::MAX), (1, 1, u32::MAX), (2, 1, 3), (2, 1, 3)]
        );
    }
}
