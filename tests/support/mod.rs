//! Fixtures for integration tests: small graphs built through the real path (CSV files and a
//! mapping in a temporary folder, `clew::build::build`, `Graph::open`), and helpers to name
//! nodes and paths as `type:key` so expectations read like the data.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use clew::graph::{Graph, NodeId};
use tempfile::TempDir;

/// Writes `files` (name, contents) and `mapping` (as `mapping.toml`) into a fresh temporary
/// folder, builds `world.clew` there and opens it. Panics with the build error: a fixture that
/// does not build is a broken test, not a case under test.
pub fn build_world(files: &[(&str, &str)], mapping: &str) -> (TempDir, Graph) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).expect("writing a fixture file");
    }
    let mapping_path = dir.path().join("mapping.toml");
    std::fs::write(&mapping_path, mapping).expect("writing the mapping");
    let out = dir.path().join("world.clew");
    if let Err(err) = clew::build::build(&mapping_path, &out, &Default::default(), &Default::default()) {
        panic!("fixture does not build: {err:#}");
    }
    let graph = Graph::open(&out).expect("opening the fixture snapshot");
    (dir, graph)
}

/// A mapping for `transfers.csv` (`from,to,amount,time`: one `transfer` per row between two
/// accounts) and `accounts.csv` (`account`: accounts that may have no transfers).
pub const TRANSFERS_MAPPING: &str = r#"version = 1

[[source]]
name = "accounts"
path = "accounts.csv"
format = "csv"

  [[source.entity]]
  type = "account"
  key = "account"

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

/// A transfers world from (from, to, amount in cents, time in seconds) rows, plus accounts
/// named `a0 .. a{n_accounts - 1}` so isolated ones exist too.
pub fn transfers_world(n_accounts: usize, transfers: &[(usize, usize, i64, i64)]) -> (TempDir, Graph) {
    let mut accounts = String::from("account\n");
    for i in 0..n_accounts {
        accounts.push_str(&format!("a{i}\n"));
    }
    let mut rows = String::from("from,to,amount,time\n");
    for &(from, to, cents, time) in transfers {
        let amount = format!("{}.{:02}", cents / 100, cents % 100);
        rows.push_str(&format!("a{from},a{to},{amount},{}\n", graph_schema::normalise::format_secs(time)));
    }
    build_world(&[("accounts.csv", &accounts), ("transfers.csv", &rows)], TRANSFERS_MAPPING)
}

/// The node `type:key`, panicking with the name if it is not in the graph.
pub fn node(g: &Graph, name: &str) -> NodeId {
    let (ty, key) = name.split_once(':').expect("a `type:key` name");
    g.find_by_name(ty, key).unwrap_or_else(|| panic!("no node {name}"))
}

/// A node as `type:key`.
pub fn name(g: &Graph, node: NodeId) -> String {
    format!("{}:{}", g.schema().entity(g.node_type(node)).name, g.key(node))
}

/// Nodes as `type:key`, joined by spaces.
pub fn names(g: &Graph, nodes: &[NodeId]) -> String {
    nodes.iter().map(|&n| name(g, n)).collect::<Vec<_>>().join(" ")
}
