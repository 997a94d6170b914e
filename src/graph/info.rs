//! What `clew info` reports about a snapshot: counts per type, bytes per part, build provenance.

use serde::Serialize;

use super::Graph;

/// A snapshot described for people and scripts.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    /// Snapshot path.
    pub path: String,
    /// File size in bytes.
    pub file_bytes: u64,
    /// Milliseconds it took to map and verify the file.
    pub open_ms: f64,
    /// Node count.
    pub nodes: usize,
    /// Edge count.
    pub edges: usize,
    /// Nodes per entity type.
    pub nodes_by_type: Vec<(String, u64)>,
    /// Edges per relation type.
    pub edges_by_relation: Vec<(String, u64)>,
    /// Bytes per part: topology, keys, strings, properties, provenance, bitmaps.
    pub bytes_by_part: Vec<(String, u64)>,
    /// Topology bytes (both directions, offsets included) per edge.
    pub topology_bytes_per_edge: f64,
    /// Nodes whose key failed validation and is kept raw.
    pub invalid_keys: u64,
    /// Duplicate property-less edges merged at build.
    pub merged_duplicate_edges: u64,
    /// Common identifiers (shared nodes linked to at least `common_min_degree` entities).
    pub common_identifiers: u64,
    /// The threshold they were marked at.
    pub common_min_degree: u32,
    /// Build provenance.
    pub build: serde_json::Value,
}

fn part_of(section: &str) -> &'static str {
    match section {
        "out_offsets" | "out_targets" | "out_rel" | "out_prop" | "in_offsets" | "in_sources" | "in_edge" => "topology",
        "node_types" | "node_keys" | "key_sorted" => "nodes and key index",
        "str_offsets" | "str_bytes" => "strings",
        "prov_offsets" | "prov_file" | "prov_line" => "provenance",
        "alias_node" | "alias_key" | "alias_sorted" => "merged keys",
        s if s.starts_with("prop.") || s.starts_with("eprop.") => "properties",
        _ => "bitmaps",
    }
}

/// Describes `graph`; `open_ms` is the caller's measurement of [`Graph::open`].
pub fn describe(graph: &Graph, open_ms: f64) -> Info {
    let m = graph.manifest();
    let nodes_by_type =
        m.schema.entities.iter().zip(&m.type_ranges).map(|(e, (s, t))| (e.name.clone(), (t - s) as u64)).collect();
    let edges_by_relation =
        m.schema.relations.iter().zip(&m.relation_counts).map(|(r, c)| (r.name.clone(), *c)).collect();
    let mut parts: Vec<(String, u64)> = Vec::new();
    for s in graph.sections() {
        let part = part_of(&s.name);
        match parts.iter_mut().find(|(p, _)| p == part) {
            Some((_, b)) => *b += s.len,
            None => parts.push((part.to_owned(), s.len)),
        }
    }
    let topology = parts.iter().find(|(p, _)| p == "topology").map(|(_, b)| *b).unwrap_or(0);
    let invalid_keys = (0..graph.n_nodes() as u32).filter(|&n| graph.key_is_invalid(super::NodeId(n))).count() as u64;
    Info {
        path: graph.path().display().to_string(),
        file_bytes: graph.file_len(),
        open_ms,
        nodes: graph.n_nodes(),
        edges: graph.n_edges(),
        nodes_by_type,
        edges_by_relation,
        bytes_by_part: parts,
        topology_bytes_per_edge: if graph.n_edges() == 0 { 0.0 } else { topology as f64 / graph.n_edges() as f64 },
        invalid_keys,
        merged_duplicate_edges: m.merged_duplicate_edges,
        common_identifiers: graph.common_nodes().len(),
        common_min_degree: m.common_min_degree,
        build: serde_json::json!({
            "resolution": m.resolution,
            "clew_version": m.clew_version,
            "built_at": graph_schema::normalise::format_secs(m.built_at),
            "build_seconds": m.build_seconds,
            "mapping": m.report.mapping,
            "inputs": m.report.inputs,
            "rows": m.report.rows,
            "filtered": m.report.filtered,
            "rejected": m.report.rejected,
            "flagged": m.report.flagged,
            "optional_absent": m.report.optional_absent,
            "property_conflicts": m.report.property_conflicts,
        }),
    }
}

/// Plain-text rendering for the terminal.
pub fn render_text(info: &Info) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{}  ({} bytes, opened and verified in {:.1} ms)", info.path, info.file_bytes, info.open_ms);
    let _ = writeln!(
        out,
        "nodes {}  edges {}  topology {:.1} bytes/edge (both directions)",
        info.nodes, info.edges, info.topology_bytes_per_edge
    );
    let _ = writeln!(out, "\nnodes by type");
    for (name, n) in &info.nodes_by_type {
        let _ = writeln!(out, "  {name:<16} {n:>12}");
    }
    let _ = writeln!(out, "\nedges by relation");
    for (name, n) in &info.edges_by_relation {
        let _ = writeln!(out, "  {name:<16} {n:>12}");
    }
    let _ = writeln!(out, "\nbytes by part");
    for (name, b) in &info.bytes_by_part {
        let _ = writeln!(out, "  {name:<20} {b:>12}");
    }
    let _ = writeln!(
        out,
        "\ninvalid keys kept raw: {}  duplicate edges merged: {}",
        info.invalid_keys, info.merged_duplicate_edges
    );
    let _ = writeln!(
        out,
        "common identifiers (linked to {} or more entities): {}",
        info.common_min_degree, info.common_identifiers
    );
    let b = &info.build;
    let _ = writeln!(
        out,
        "\nbuilt {} by clew {} in {:.2} s from {}",
        b["built_at"].as_str().unwrap_or(""),
        b["clew_version"].as_str().unwrap_or(""),
        b["build_seconds"].as_f64().unwrap_or(0.0),
        b["mapping"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        out,
        "rows {}  filtered {}  rejected {}  flagged {}  property conflicts {}",
        b["rows"], b["filtered"], b["rejected"], b["flagged"], b["property_conflicts"]
    );
    if let Some(types) = b["resolution"].as_array() {
        for t in types {
            let _ = writeln!(
                out,
                "resolved {}: {} records, {} without a valid ID, {} merged into {} groups, {} to review",
                t["entity_type"].as_str().unwrap_or(""),
                t["records"],
                t["weak_records"],
                t["records_merged"],
                t["merged_groups"],
                t["review_pairs"]
            );
        }
    }
    if let Some(inputs) = b["inputs"].as_array() {
        for i in inputs {
            let _ = writeln!(
                out,
                "  {}  {} bytes  xxh3 {}  rows {}  rejected {}  flagged {}",
                i["path"].as_str().unwrap_or(""),
                i["bytes"],
                i["xxh3"].as_str().unwrap_or(""),
                i["rows"],
                i["rejected"],
                i["flagged"]
            );
        }
    }
    out
}
