//! Cycle queries on small graphs built through the real loader and snapshot: circular ownership,
//! fund cycles with their time, window and kept-amount edges, agreement with petgraph's SCCs,
//! and properties on random transfer graphs against brute force.

mod support;

use std::collections::BTreeSet;

use clew::cycles::{circular_ownership, fund_cycles, strongly_connected_components, FundCycle, FundCycleQuery};
use clew::graph::{EdgeId, Graph, NodeId};
use petgraph::visit::{EdgeFiltered, EdgeRef};
use proptest::prelude::*;
use support::{build_world, names, transfers_world};

const HOLDINGS_MAPPING: &str = r#"version = 1

[[source]]
name = "holdings"
path = "holdings.csv"
format = "csv"

  [[source.entity]]
  type = "company"
  as = "holder"
  key = "holder"

  [[source.entity]]
  type = "company"
  key = "company"

  [[source.relation]]
  type = "shareholder_of"
  from = "holder"
  to = "company"
  properties = { share = "share" }

[[source]]
name = "directors"
path = "directors.csv"
format = "csv"

  [[source.entity]]
  type = "person"
  key = "person"

  [[source.entity]]
  type = "company"
  key = "company"

  [[source.relation]]
  type = "director_of"
  from = "person"
  to = "company"
"#;

/// A → B → C → A and B → A (two cycles sharing A and B); D holds its own shares; E → F is no
/// cycle; G ⇄ H held twice over (parallel holdings are one link). Directors form no cycles.
const HOLDINGS: &str = "holder,company,share
A,B,10
B,C,20
C,A,30
B,A,40
D,D,5
E,F,50
G,H,10
G,H,15
H,G,20
";

const DIRECTORS: &str = "person,company
P1,A
P1,E
";

fn holdings_world() -> (tempfile::TempDir, Graph) {
    build_world(&[("holdings.csv", HOLDINGS), ("directors.csv", DIRECTORS)], HOLDINGS_MAPPING)
}

#[test]
fn circular_ownership_lists_each_elementary_cycle_once() {
    let (_dir, g) = holdings_world();
    let cycles: Vec<String> = circular_ownership(&g).iter().map(|c| names(&g, c)).collect();
    // Companies are numbered by first appearance: A B C D E F G H.
    assert_eq!(
        cycles,
        vec!["company:D", "company:A company:B", "company:G company:H", "company:A company:B company:C"],
        "sorted by length, then node ids; each starts at its smallest node and follows the holdings"
    );
}

/// Partitions as sets of sets, so the order of components and of nodes in them does not matter.
fn partition(components: Vec<Vec<NodeId>>) -> BTreeSet<BTreeSet<NodeId>> {
    components.into_iter().map(|c| c.into_iter().collect()).collect()
}

#[test]
fn petgraph_tarjan_runs_on_the_snapshot_and_agrees() {
    let (_dir, g) = holdings_world();
    let ours = strongly_connected_components(&g, None);
    assert_eq!(ours.iter().map(Vec::len).sum::<usize>(), g.n_nodes(), "every node in one component");
    assert_eq!(partition(petgraph::algo::tarjan_scc(&g)), partition(ours));
    // Through a filtered view: only the holdings.
    let shareholder_of = g.schema().relation_id("shareholder_of").unwrap();
    let holdings = EdgeFiltered::from_fn(&g, |e| g.edge_relation(e.id()) == shareholder_of);
    let ours = strongly_connected_components(&g, Some(&[shareholder_of]));
    assert_eq!(partition(petgraph::algo::tarjan_scc(&holdings)), partition(ours));
    // The other way round: a directors-only view has no component larger than one node.
    let director_of = g.schema().relation_id("director_of").unwrap();
    assert!(strongly_connected_components(&g, Some(&[director_of])).iter().all(|c| c.len() == 1));
}

const HOUR: i64 = 3600;
const T0: i64 = 1_700_000_000;

fn query(max_len: usize, within_secs: i64, min_kept_ratio: f64) -> FundCycleQuery {
    FundCycleQuery { max_len, within_secs, min_kept_ratio, cap: 1000 }
}

fn summary(g: &Graph, cycles: &[FundCycle]) -> Vec<String> {
    cycles
        .iter()
        .map(|c| {
            let amounts: Vec<String> = c.amounts.iter().map(|a| a.unwrap_or(-1).to_string()).collect();
            format!("{} [{}] {:.2}", names(g, &c.accounts), amounts.join(" "), c.kept_ratio)
        })
        .collect()
}

#[test]
fn a_fund_cycle_must_return_in_time_and_keep_enough() {
    // a0 → a1 100.00 at 0 h, a1 → a2 95.00 at 10 h, a2 → a0 80.00 at 15 h (too little) and
    // 91.00 at 20 h. a3 pays itself; a4 ⇄ a5 at the same instant (not later: no cycle).
    let (_dir, g) = transfers_world(
        6,
        &[
            (0, 1, 10_000, T0),
            (1, 2, 9_500, T0 + 10 * HOUR),
            (2, 0, 8_000, T0 + 15 * HOUR),
            (2, 0, 9_100, T0 + 20 * HOUR),
            (3, 3, 500, T0),
            (4, 5, 100, T0),
            (5, 4, 100, T0),
        ],
    );
    let found = fund_cycles(&g, query(5, 20 * HOUR, 0.9));
    assert_eq!(summary(&g, &found), vec!["account:a0 account:a1 account:a2 [10000 9500 9100] 0.91"]);
    assert_eq!((found[0].first_time, found[0].last_time), (T0, T0 + 20 * HOUR), "back exactly at the limit");
    assert_eq!(fund_cycles(&g, query(5, 20 * HOUR - 1, 0.9)), vec![], "one second too late");
    assert_eq!(fund_cycles(&g, query(5, 20 * HOUR, 0.92)), vec![], "91 % kept is below 92 %");
    assert_eq!(fund_cycles(&g, query(2, 20 * HOUR, 0.9)), vec![], "three transfers exceed max_len 2");
    // With a lower bar the earlier, smaller return closes the cycle first.
    let found = fund_cycles(&g, query(5, 20 * HOUR, 0.8));
    assert_eq!(summary(&g, &found), vec!["account:a0 account:a1 account:a2 [10000 9500 8000] 0.80"]);
}

#[test]
fn parallel_transfers_give_one_cycle_per_first_transfer() {
    // Two transfers a0 → a1, one back: each first transfer that comes back is its own cycle.
    let (_dir, g) = transfers_world(
        2,
        &[(0, 1, 1_000, T0), (0, 1, 1_000, T0 + HOUR), (1, 0, 1_000, T0 + 2 * HOUR), (1, 0, 1_000, T0 + 3 * HOUR)],
    );
    let found = fund_cycles(&g, query(3, 10 * HOUR, 1.0));
    let firsts: Vec<(i64, i64)> = found.iter().map(|c| (c.first_time - T0, c.last_time - T0)).collect();
    assert_eq!(firsts, vec![(0, 2 * HOUR), (HOUR, 2 * HOUR)], "the earliest return closes each");
    assert_eq!(fund_cycles(&g, FundCycleQuery { cap: 1, ..query(3, 10 * HOUR, 1.0) }).len(), 1);
}

#[test]
fn the_cli_prints_cycles_as_json_lines() {
    let (dir, _g) = holdings_world();
    let world = dir.path().join("world.clew");
    let clew = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_clew")).arg("cycles").arg(&world).args(extra).output().unwrap()
    };
    let out = clew(&["--ownership"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8(out.stdout).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["cycle"], serde_json::json!(["company:D"]));
    let out = clew(&[]);
    assert!(!out.status.success(), "one of --ownership and --funds is required");
}

// Properties on random transfer graphs.

fn random_transfers() -> impl Strategy<Value = (usize, Vec<(usize, usize, i64, i64)>)> {
    (2usize..7).prop_flat_map(|n| (Just(n), prop::collection::vec((0..n, 0..n, 1i64..20, 0i64..24), 0..24)))
}

fn world_of(n: usize, rows: &[(usize, usize, i64, i64)]) -> (tempfile::TempDir, Graph) {
    let rows: Vec<_> = rows.iter().map(|&(a, b, amount, hour)| (a, b, amount * 100, T0 + hour * HOUR)).collect();
    transfers_world(n, &rows)
}

/// Every (first transfer, account sequence) that some sequence of transfers makes a fund cycle,
/// by brute force over all transfer sequences.
fn oracle(g: &Graph, q: &FundCycleQuery) -> BTreeSet<(EdgeId, Vec<NodeId>)> {
    let edges: Vec<(NodeId, NodeId, EdgeId)> = (0..g.n_nodes() as u32)
        .flat_map(|n| g.out_edges(NodeId(n)).map(move |a| (NodeId(n), a.other, a.edge)))
        .collect();
    let amount = |e: EdgeId| match g.edge_prop(e, 0) {
        clew::graph::Value::Decimal(c) => c,
        other => panic!("{other:?}"),
    };
    let mut out = BTreeSet::new();
    fn walk(
        g: &Graph,
        edges: &[(NodeId, NodeId, EdgeId)],
        amount: &dyn Fn(EdgeId) -> i64,
        q: &FundCycleQuery,
        accounts: &mut Vec<NodeId>,
        path: &mut Vec<EdgeId>,
        out: &mut BTreeSet<(EdgeId, Vec<NodeId>)>,
    ) {
        let last = *accounts.last().unwrap();
        let first = path[0];
        let (t_first, t_last) = (g.edge_time(first).unwrap(), g.edge_time(*path.last().unwrap()).unwrap());
        for &(s, t, e) in edges {
            let time = g.edge_time(e).unwrap();
            if s != last || time <= t_last || time > t_first + q.within_secs {
                continue;
            }
            if t == accounts[0] {
                if amount(e) as f64 >= q.min_kept_ratio * amount(first) as f64 && path.len() < q.max_len {
                    out.insert((first, accounts.clone()));
                }
            } else if !accounts.contains(&t) && path.len() + 1 < q.max_len {
                accounts.push(t);
                path.push(e);
                walk(g, edges, amount, q, accounts, path, out);
                accounts.pop();
                path.pop();
            }
        }
    }
    for &(s, t, e) in &edges {
        if s != t {
            walk(g, &edges, &amount, q, &mut vec![s, t], &mut vec![e], &mut out);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn fund_cycles_are_exactly_the_brute_force_ones(
        (n, rows) in random_transfers(),
        max_len in 2usize..5,
        within_hours in 0i64..24,
        min_kept in prop::sample::select(vec![0.0, 0.5, 0.9, 1.0, 1.5]),
    ) {
        let (_dir, g) = world_of(n, &rows);
        let q = FundCycleQuery { max_len, within_secs: within_hours * HOUR, min_kept_ratio: min_kept, cap: 100_000 };
        let found = fund_cycles(&g, q);
        for c in &found {
            let k = c.accounts.len();
            prop_assert!((2..=max_len).contains(&k));
            prop_assert_eq!(c.edges.len(), k);
            let times: Vec<i64> = c.edges.iter().map(|&e| g.edge_time(e).unwrap()).collect();
            prop_assert!(times.windows(2).all(|w| w[0] < w[1]), "each transfer later than the last");
            prop_assert!(c.last_time - c.first_time <= q.within_secs);
            prop_assert_eq!((times[0], times[k - 1]), (c.first_time, c.last_time));
            for (i, &e) in c.edges.iter().enumerate() {
                prop_assert_eq!(g.edge_endpoints(e), (c.accounts[i], c.accounts[(i + 1) % k]));
            }
            let distinct: BTreeSet<_> = c.accounts.iter().collect();
            prop_assert_eq!(distinct.len(), k, "simple");
            let (first, last) = (c.amounts[0].unwrap() as f64, c.amounts[k - 1].unwrap() as f64);
            prop_assert!(last >= min_kept * first);
            prop_assert!((c.kept_ratio - last / first).abs() < 1e-12);
        }
        let got: BTreeSet<(EdgeId, Vec<NodeId>)> = found.iter().map(|c| (c.edges[0], c.accounts.clone())).collect();
        prop_assert_eq!(got.len(), found.len(), "one cycle per first transfer and account sequence");
        prop_assert_eq!(got, oracle(&g, &q));
        // Ordered by origin, then first transfer time.
        prop_assert!(found.windows(2).all(|w| (w[0].accounts[0], w[0].first_time) <= (w[1].accounts[0], w[1].first_time)));
        // The cap keeps a prefix.
        let capped = fund_cycles(&g, FundCycleQuery { cap: 3, ..q });
        prop_assert_eq!(&capped[..], &found[..found.len().min(3)]);
    }

    #[test]
    fn fund_cycles_do_not_depend_on_the_thread_count((n, rows) in random_transfers()) {
        let (_dir, g) = world_of(n, &rows);
        let q = FundCycleQuery { max_len: 4, within_secs: 24 * HOUR, min_kept_ratio: 0.0, cap: 100_000 };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(|| fund_cycles(&g, q))
        };
        prop_assert_eq!(run(1), run(2));
    }

    #[test]
    fn our_components_match_petgraph_on_random_graphs((n, rows) in random_transfers()) {
        let (_dir, g) = world_of(n, &rows);
        prop_assert_eq!(partition(petgraph::algo::tarjan_scc(&g)), partition(strongly_connected_components(&g, None)));
    }
}
