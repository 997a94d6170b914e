//! Snapshot round trip and damage: what `clew build` writes is what `Graph::open` reads, and any
//! truncated, corrupt or wrong-version file is refused with a named error, never a panic.

use std::path::{Path, PathBuf};

use clew::build::{build, BuildError, BuildOptions};
use clew::graph::{Graph, NodeId, SnapshotError, Value};
use graph_schema::normalise;

const CLAIMS: &str = "claim_id,patient_id,patient_name,hospital,admit,billed,staff_id
C001,11010519491231002X,张 三,H1,2024-03-01,\"1,234.50\",S1
C002,11010519491231002x,张三,H1,2024/03/05,200,
C003,110105491231002,张三,H2,20240310,abc,S1
C004,,王五,H2,2024-03-11,100,S2
C005,123,赵六,H3,2024-03-12,50,S2
";

const TRANSFERS: &str = "from,to,amount,time
A1,A2,100.00,2024-01-01 10:00:00
A1,A2,50.00,2024-01-02 10:00:00
A2,A3,99.00,2024-01-03 10:00:00
";

const MAPPING: &str = r#"version = 1

[[source]]
name = "claims"
path = "claims.csv"
format = "csv"

  [[source.entity]]
  type = "claim"
  key = "claim_id"
  properties = { billed = "billed", admitted = "admit" }

  [[source.entity]]
  type = "person"
  as = "patient"
  key = { column = "patient_id", normalise = ["resident_id"] }
  properties = { name = { column = "patient_name", normalise = ["name"] } }

  [[source.entity]]
  type = "hospital"
  key = "hospital"

  [[source.entity]]
  type = "person"
  as = "staff"
  key = "staff_id"
  optional = true

  [[source.relation]]
  type = "claimed"
  from = "patient"
  to = "claim"

  [[source.relation]]
  type = "treated_at"
  from = "claim"
  to = "hospital"

  [[source.relation]]
  type = "handled_by"
  from = "claim"
  to = "staff"

[[source]]
name = "transfers"
path = "transfers.csv"
format = "csv"

  [[source.entity]]
  type = "account"
  as = "from"
  key = "from"

  [[source.entity]]
  type = "account"
  as = "to"
  key = "to"

  [[source.relation]]
  type = "transfer"
  from = "from"
  to = "to"
  properties = { amount = "amount", time = "time" }
"#;

fn world(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("claims.csv"), CLAIMS).unwrap();
    std::fs::write(dir.join("transfers.csv"), TRANSFERS).unwrap();
    std::fs::write(dir.join("mapping.toml"), MAPPING).unwrap();
    let out = dir.join("world.clew");
    build(&dir.join("mapping.toml"), &out, &BuildOptions::default(), &Default::default()).unwrap();
    out
}

fn node(g: &Graph, ty: &str, key: &str) -> NodeId {
    g.find_by_name(ty, key).unwrap_or_else(|| panic!("no {ty}:{key}"))
}

#[test]
fn what_is_built_is_what_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let g = Graph::open(&world(dir.path())).unwrap();
    // Three spellings of one resident ID (lower-case x, 15-digit legacy) are one person.
    let zhang = node(&g, "person", "11010519491231002X");
    assert_eq!(g.node_prop_by_name(zhang, "name"), Value::Str("张三"));
    let rows: Vec<(String, u32)> =
        g.provenance(zhang).map(|(f, l)| (f.rsplit('/').next().unwrap().to_owned(), l)).collect();
    assert_eq!(rows, vec![("claims.csv".into(), 2), ("claims.csv".into(), 3), ("claims.csv".into(), 4)]);
    let claims: Vec<String> = g.out_edges(zhang).map(|a| g.key(a.other).to_owned()).collect();
    assert_eq!(claims, ["C001", "C002", "C003"]);
    // Typed properties, and an invalid amount kept raw and flagged.
    let c1 = node(&g, "claim", "C001");
    assert_eq!(g.node_prop_by_name(c1, "billed"), Value::Decimal(123_450));
    assert_eq!(g.node_prop_by_name(c1, "admitted").render(), "2024-03-01");
    assert_eq!(g.node_prop_by_name(node(&g, "claim", "C002"), "admitted").render(), "2024-03-05");
    assert_eq!(g.node_prop_by_name(node(&g, "claim", "C003"), "billed"), Value::Invalid("abc"));
    // The row with an empty patient key is rejected, the rest kept; the invalid ID is kept raw.
    assert!(g.find_by_name("claim", "C004").is_none());
    assert!(g.key_is_invalid(node(&g, "person", "123")));
    assert!(!g.key_is_invalid(zhang));
    // Optional staff: C002 has none.
    let handled = |c: &str| {
        g.out_edges(node(&g, "claim", c)).filter(|a| g.schema().relation(a.relation).name == "handled_by").count()
    };
    assert_eq!((handled("C001"), handled("C002")), (1, 0));
    // Many transfers per pair are kept, with amounts and times; in-edges mirror out-edges.
    let a1 = node(&g, "account", "A1");
    let a2 = node(&g, "account", "A2");
    let out: Vec<_> = g.out_edges(a1).collect();
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|a| a.other == a2));
    let amounts: Vec<Value> = out.iter().map(|a| g.edge_prop(a.edge, 0)).collect();
    assert_eq!(amounts, [Value::Decimal(10_000), Value::Decimal(5_000)]);
    assert_eq!(g.edge_time(out[0].edge).map(normalise::format_secs).as_deref(), Some("2024-01-01T10:00:00Z"));
    let into_a2: Vec<_> = g.in_edges(a2).map(|a| (a.other, a.edge)).collect();
    assert_eq!(into_a2, vec![(a1, out[0].edge), (a1, out[1].edge)]);
    assert_eq!(g.edge_endpoints(out[1].edge), (a1, a2));
    // Type bitmaps and ranges agree with per-node types.
    for (t, _) in g.schema().entities.iter().enumerate() {
        let ty = graph_schema::EntityTypeId(t as u16);
        for id in g.nodes_of_type(ty) {
            assert_eq!(g.node_type(NodeId(id)), ty);
        }
        assert_eq!(g.nodes_of_type(ty).len(), g.type_range(ty).len() as u64);
    }
    assert_eq!(g.keys_with_prefix(graph_schema::EntityTypeId(6), "C00", 10).len(), 4);
    let m = g.manifest();
    assert_eq!((m.report.rows, m.report.rejected), (8, 1));
    assert_eq!(m.report.inputs.len(), 2);
}

#[test]
fn petgraph_runs_on_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let g = Graph::open(&world(dir.path())).unwrap();
    let sccs = petgraph::algo::tarjan_scc(&g);
    assert_eq!(sccs.len(), g.n_nodes(), "this world has no directed cycle");
    let a1 = node(&g, "account", "A1");
    let reach = petgraph::algo::dijkstra(&g, a1, None, |_| 1u32);
    assert_eq!(reach.get(&node(&g, "account", "A3")), Some(&2));
}

fn expect_refused(path: &Path, what: &str) -> SnapshotError {
    match Graph::open(path) {
        Ok(_) => panic!("{what}: a damaged snapshot opened"),
        Err(e) => e,
    }
}

#[test]
fn truncation_at_any_length_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = world(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    let damaged = dir.path().join("cut.clew");
    let step = (bytes.len() / 97).max(1);
    for len in (0..bytes.len()).step_by(step).chain([bytes.len() - 1, 9, 47, 48]) {
        std::fs::write(&damaged, &bytes[..len]).unwrap();
        let err = expect_refused(&damaged, &format!("truncated to {len}"));
        assert!(
            matches!(
                err,
                SnapshotError::Truncated { .. } | SnapshotError::NotASnapshot { .. } | SnapshotError::Corrupt { .. }
            ),
            "truncated to {len}: {err}"
        );
    }
}

#[test]
fn any_flipped_byte_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = world(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    let damaged = dir.path().join("flip.clew");
    // Every byte of a small file: only the zero padding that aligns sections may change unnoticed.
    let g = Graph::open(&path).unwrap();
    let in_section =
        |at: usize| g.sections().iter().any(|s| (s.offset as usize..(s.offset + s.len) as usize).contains(&at));
    let sections_end = g.sections().iter().map(|s| s.offset + s.len).max().unwrap() as usize;
    let mut checked = 0;
    for at in 0..bytes.len() {
        let padding = at >= 48 && at < sections_end && !in_section(at);
        if padding {
            assert_eq!(bytes[at], 0, "padding byte {at} is zero");
            continue;
        }
        let mut copy = bytes.clone();
        copy[at] ^= 0x5a;
        std::fs::write(&damaged, &copy).unwrap();
        assert!(Graph::open(&damaged).is_err(), "byte {at} flipped and the snapshot still opened");
        checked += 1;
    }
    assert!(checked > bytes.len() / 2, "{checked} of {} bytes checked", bytes.len());
}

#[test]
fn wrong_version_and_foreign_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = world(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[8..12].copy_from_slice(&99u32.to_le_bytes());
    // Re-seal the header so only the version differs.
    let hash = xxhash_rust::xxh3::xxh3_64(&bytes[..40]);
    bytes[40..48].copy_from_slice(&hash.to_le_bytes());
    let v99 = dir.path().join("v99.clew");
    std::fs::write(&v99, &bytes).unwrap();
    let err = expect_refused(&v99, "version 99");
    let current = clew::graph::snapshot::FORMAT_VERSION;
    assert!(matches!(err, SnapshotError::WrongVersion { found: 99, expected, .. } if expected == current), "{err}");
    assert!(err.to_string().contains("rebuild"), "{err}");

    let foreign = dir.path().join("notes.clew");
    std::fs::write(&foreign, "claim_id,patient\n").unwrap();
    assert!(matches!(expect_refused(&foreign, "csv"), SnapshotError::NotASnapshot { .. }));
    std::fs::write(&foreign, "").unwrap();
    assert!(matches!(expect_refused(&foreign, "empty"), SnapshotError::NotASnapshot { .. }));
    let missing = expect_refused(&dir.path().join("absent.clew"), "absent");
    assert!(matches!(missing, SnapshotError::Io { .. }) && missing.to_string().contains("absent.clew"));
}

#[test]
fn a_failed_build_leaves_the_previous_snapshot_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = world(dir.path());
    let before = std::fs::read(&path).unwrap();
    let strict = BuildOptions { max_reject_ratio: 0.01 };
    let err = build(&dir.path().join("mapping.toml"), &path, &strict, &Default::default()).unwrap_err();
    assert!(matches!(err, BuildError::TooManyRejects { rejected: 1, rows: 8, .. }), "{err}");
    std::fs::write(dir.path().join("mapping.toml"), "version = 1\n[[source]]\n").unwrap();
    assert!(build(&dir.path().join("mapping.toml"), &path, &BuildOptions::default(), &Default::default()).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    Graph::open(&path).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left behind: {leftovers:?}");
}

#[test]
fn every_key_is_found_by_the_snapshot_and_by_the_servers_index() {
    use clew::server::key_index::KeyIndex;
    let dir = tempfile::tempdir().unwrap();
    let g = Graph::open(&world(dir.path())).unwrap();
    let index = KeyIndex::build(&g);
    assert!(g.n_nodes() > 5);
    for v in 0..g.n_nodes() as u32 {
        let node = NodeId(v);
        let (ty, key) = (g.node_type(node), g.key(node));
        assert_eq!(g.find(ty, key), Some(node), "snapshot search for {key}");
        assert_eq!(index.find(&g, ty, key), Some(node), "index for {key}");
        // The same key under another type is another node or none, never this one.
        for other in 0..g.schema().entities.len() as u16 {
            let other = graph_schema::EntityTypeId(other);
            if other != ty {
                assert_ne!(index.find(&g, other, key), Some(node));
            }
        }
    }
    let person = g.schema().entity_id("person").unwrap();
    assert_eq!(index.find(&g, person, "no such key"), None);
    assert_eq!(g.find(person, "no such key"), None);
}

#[test]
fn touching_ahead_accepts_any_ids() {
    // The server reads answers' nodes and edges ahead in passes; ids past the end (a stale id)
    // must be skipped, not panic.
    let dir = tempfile::tempdir().unwrap();
    let g = Graph::open(&world(dir.path())).unwrap();
    let nodes: Vec<NodeId> = (0..g.n_nodes() as u32 + 3).map(NodeId).chain([NodeId(u32::MAX)]).collect();
    let edges: Vec<clew::graph::EdgeId> =
        (0..g.n_edges() as u32 + 3).map(clew::graph::EdgeId).chain([clew::graph::EdgeId(u32::MAX)]).collect();
    let _ = (g.touch_nodes(&nodes), g.touch_adjacency(&nodes), g.touch_edges(&edges));
}
