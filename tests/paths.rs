//! Path queries on small graphs built through the real loader and snapshot: hand-checked cases
//! for each query and filter, then properties on random graphs against naive oracles.

mod support;

use clew::graph::{EdgeId, Graph, NodeId};
use clew::paths::{
    all_simple_paths, effective_ownership, ownership_chains, shortest_paths, shortest_paths_within_budget,
    time_respecting_paths, weighted_shortest_path, ChainEnd, Path, PathError, PathQuery,
};
use graph_schema::normalise::datetime_secs;
use proptest::prelude::*;
use support::{build_world, name, names, node, transfers_world, TRANSFERS_MAPPING};

/// Claims at hospitals paid to accounts, transfers between accounts, shared phones.
const CLAIMS_MAPPING: &str = r#"version = 1

[[source]]
name = "claims"
path = "claims.csv"
format = "csv"

  [[source.entity]]
  type = "claim"
  key = "claim"

  [[source.entity]]
  type = "person"
  key = "patient"

  [[source.entity]]
  type = "hospital"
  key = "hospital"

  [[source.entity]]
  type = "account"
  key = "account"
  optional = true

  [[source.relation]]
  type = "claimed"
  from = "person"
  to = "claim"

  [[source.relation]]
  type = "treated_at"
  from = "claim"
  to = "hospital"

  [[source.relation]]
  type = "paid_to"
  from = "claim"
  to = "account"

[[source]]
name = "phones"
path = "phones.csv"
format = "csv"

  [[source.entity]]
  type = "person"
  key = "person"

  [[source.entity]]
  type = "phone"
  key = "phone"

  [[source.relation]]
  type = "has_phone"
  from = "person"
  to = "phone"
"#;

/// H1 is a hub of six claims (degree 6); A1 has degree 5: two claims and three transfers, two of
/// them parallel (A1 → A2 on 1 and 2 January). A3 pays itself. P8 and P9 share only a phone.
const CLAIMS: &str = "claim,patient,hospital,account
C1,P1,H1,A1
C2,P2,H1,A2
C3,P3,H1,A3
C4,P4,H2,A1
C5,P5,H1,
C6,P6,H1,
C7,P7,H1,
";

const TRANSFERS: &str = "from,to,amount,time
A1,A2,100.00,2024-01-01T10:00:00Z
A1,A2,200.00,2024-01-02T10:00:00Z
A2,A1,50.00,2024-01-03T10:00:00Z
A3,A3,10.00,2024-01-04T10:00:00Z
";

const PHONES: &str = "person,phone
P8,13800000000
P9,13800000000
";

fn claims_world() -> (tempfile::TempDir, Graph) {
    let mapping = format!("{CLAIMS_MAPPING}\n{}", TRANSFERS_MAPPING.trim_start_matches("version = 1\n"));
    build_world(
        &[("claims.csv", CLAIMS), ("transfers.csv", TRANSFERS), ("phones.csv", PHONES), ("accounts.csv", "account\n")],
        &mapping,
    )
}

fn query(g: &Graph, from: &str, to: &str) -> PathQuery {
    PathQuery::between(node(g, from), node(g, to))
}

fn relations(g: &Graph, names: &[&str]) -> Option<Vec<graph_schema::RelationTypeId>> {
    Some(names.iter().map(|n| g.schema().relation_id(n).unwrap()).collect())
}

/// The path as the CLI prints it: `type:key -[relation]-> type:key <-[relation]- …`.
fn render(g: &Graph, path: &Path) -> String {
    let mut out = name(g, path.nodes[0]);
    for (i, &edge) in path.edges.iter().enumerate() {
        let relation = &g.schema().relation(g.edge_relation(edge)).name;
        let (source, _) = g.edge_endpoints(edge);
        if source == path.nodes[i] {
            out.push_str(&format!(" -[{relation}]-> "));
        } else {
            out.push_str(&format!(" <-[{relation}]- "));
        }
        out.push_str(&name(g, path.nodes[i + 1]));
    }
    out
}

fn one(g: &Graph, q: &PathQuery) -> Option<String> {
    let paths = shortest_paths(g, q).unwrap();
    assert!(paths.len() <= 1);
    paths.first().map(|p| render(g, p))
}

fn secs(text: &str) -> i64 {
    datetime_secs(text, &[]).unwrap()
}

#[test]
fn the_shortest_path_goes_through_the_hub_both_ways() {
    let (_dir, g) = claims_world();
    let q = query(&g, "person:P1", "person:P2");
    assert_eq!(
        one(&g, &q).unwrap(),
        "person:P1 -[claimed]-> claim:C1 -[treated_at]-> hospital:H1 <-[treated_at]- claim:C2 <-[claimed]- person:P2"
    );
}

#[test]
fn a_supernode_is_skipped_but_not_as_an_endpoint() {
    let (_dir, g) = claims_world();
    let mut q = query(&g, "person:P1", "person:P2");
    q.skip_degree_above = Some(5);
    assert_eq!(
        one(&g, &q).unwrap(),
        "person:P1 -[claimed]-> claim:C1 -[paid_to]-> account:A1 -[transfer]-> account:A2 <-[paid_to]- claim:C2 <-[claimed]- person:P2"
    );
    // Both endpoints are over the limit, yet the edge between them is a path.
    let mut q = query(&g, "hospital:H1", "claim:C1");
    q.skip_degree_above = Some(1);
    assert_eq!(one(&g, &q).unwrap(), "hospital:H1 <-[treated_at]- claim:C1");
    // An intermediate node over the limit blocks the only route.
    let mut q = query(&g, "person:P1", "account:A1");
    q.skip_degree_above = Some(2);
    assert_eq!(one(&g, &q), None);
}

#[test]
fn directed_queries_follow_edges_forward_only() {
    let (_dir, g) = claims_world();
    let mut q = query(&g, "person:P1", "person:P2");
    q.directed = true;
    assert_eq!(one(&g, &q), None, "no edge leads into a person");
    let mut q = query(&g, "person:P1", "account:A2");
    q.directed = true;
    let paths = shortest_paths(&g, &q).unwrap();
    assert_eq!(
        render(&g, &paths[0]),
        "person:P1 -[claimed]-> claim:C1 -[paid_to]-> account:A1 -[transfer]-> account:A2"
    );
    // Of the two parallel transfers the path names the smallest edge: the first loaded.
    assert_eq!(g.edge_time(paths[0].edges[2]), Some(secs("2024-01-01T10:00:00Z")));
}

#[test]
fn relation_and_node_type_filters_reroute() {
    let (_dir, g) = claims_world();
    let via_money = "person:P1 -[claimed]-> claim:C1 -[paid_to]-> account:A1 -[transfer]-> account:A2 <-[paid_to]- claim:C2 <-[claimed]- person:P2";
    let mut q = query(&g, "person:P1", "person:P2");
    q.relations = relations(&g, &["claimed", "paid_to", "transfer"]);
    assert_eq!(one(&g, &q).unwrap(), via_money);
    let mut q = query(&g, "person:P1", "person:P2");
    q.node_types = Some(vec![g.schema().entity_id("claim").unwrap(), g.schema().entity_id("account").unwrap()]);
    assert_eq!(one(&g, &q).unwrap(), via_money);
    // Claims alone do not join two patients; endpoints need not be of the allowed types.
    q.node_types = Some(vec![g.schema().entity_id("claim").unwrap()]);
    assert_eq!(one(&g, &q), None);
    let mut q = query(&g, "person:P1", "claim:C1");
    q.node_types = Some(vec![g.schema().entity_id("hospital").unwrap()]);
    assert_eq!(one(&g, &q).unwrap(), "person:P1 -[claimed]-> claim:C1");
}

#[test]
fn time_windows_include_their_boundaries_and_pass_untimed_edges() {
    let (_dir, g) = claims_world();
    let mut q = query(&g, "account:A1", "account:A2");
    q.after = Some(secs("2024-01-02T10:00:00Z"));
    let paths = shortest_paths(&g, &q).unwrap();
    assert_eq!(g.edge_time(paths[0].edges[0]), Some(secs("2024-01-02T10:00:00Z")), "the edge at `after` passes");
    q.after = Some(secs("2024-01-02T10:00:01Z"));
    let paths = shortest_paths(&g, &q).unwrap();
    assert_eq!(render(&g, &paths[0]), "account:A1 <-[transfer]- account:A2", "only the 3 January transfer is left");
    q.after = None;
    q.before = Some(secs("2024-01-01T10:00:00Z"));
    let paths = shortest_paths(&g, &q).unwrap();
    assert_eq!(g.edge_time(paths[0].edges[0]), Some(secs("2024-01-01T10:00:00Z")), "the edge at `before` passes");
    q.before = Some(secs("2024-01-01T09:59:59Z"));
    // No transfer is early enough, but the untimed claim edges still join the two accounts.
    assert_eq!(
        one(&g, &q).unwrap(),
        "account:A1 <-[paid_to]- claim:C1 -[treated_at]-> hospital:H1 <-[treated_at]- claim:C2 -[paid_to]-> account:A2"
    );
    q.after = Some(secs("2024-01-05T00:00:00Z"));
    assert_eq!(
        shortest_paths(&g, &q),
        Err(PathError::EmptyTimeWindow { after: secs("2024-01-05T00:00:00Z"), before: secs("2024-01-01T09:59:59Z") })
    );
}

#[test]
fn hop_limits_are_exact() {
    let (_dir, g) = claims_world();
    let mut q = query(&g, "person:P1", "person:P2");
    q.max_hops = 3;
    assert_eq!(shortest_paths(&g, &q).unwrap(), vec![]);
    q.max_hops = 4;
    assert_eq!(shortest_paths(&g, &q).unwrap()[0].len(), 4);
    q.max_hops = 0;
    assert_eq!(shortest_paths(&g, &q).unwrap(), vec![]);
    q.max_hops = 33;
    assert_eq!(shortest_paths(&g, &q), Err(PathError::TooManyHops { max_hops: 33, limit: 32 }));
}

/// Two stars of 20 leaves each, not joined: hub a0 with leaves a1..a20, hub a21 with a22..a41.
fn two_stars() -> (tempfile::TempDir, Graph) {
    let mut rows: Vec<(usize, usize, i64, i64)> = (1..=20).map(|i| (0, i, 100, 1_700_000_000)).collect();
    rows.extend((22..=41).map(|i| (21, i, 100, 1_700_000_000)));
    transfers_world(42, &rows)
}

#[test]
fn a_budget_stop_is_not_no_path() {
    let (_dir, g) = two_stars();
    // Telling that a1 cannot reach a22 means reading all of one star: 40 adjacency entries.
    let q = PathQuery { max_hops: 6, ..query(&g, "account:a1", "account:a22") };
    assert_eq!(shortest_paths(&g, &q).unwrap(), vec![], "without a budget: no path");
    let roomy = PathQuery { budget: Some(1_000), ..q.clone() };
    assert_eq!(shortest_paths(&g, &roomy).unwrap(), vec![], "within the budget: no path");
    let tight = PathQuery { budget: Some(10), ..q.clone() };
    assert_eq!(shortest_paths(&g, &tight), Err(PathError::BudgetExceeded { budget: 10 }));
    // The same budget bounds the k shortest.
    assert_eq!(shortest_paths(&g, &PathQuery { k: 3, ..tight }), Err(PathError::BudgetExceeded { budget: 10 }));
}

#[test]
fn the_k_shortest_stopped_at_the_budget_are_the_first_of_the_full_answer() {
    // a0 -> four accounts -> four accounts -> a1: sixteen 3-hop paths.
    let mut rows: Vec<(usize, usize, i64, i64)> = Vec::new();
    for i in 2..6 {
        rows.push((0, i, 100, 1_700_000_000));
        rows.push((i + 4, 1, 100, 1_700_000_000));
        for j in 6..10 {
            rows.push((i, j, 100, 1_700_000_000));
        }
    }
    let (_dir, g) = transfers_world(10, &rows);
    let q = PathQuery { k: 10, ..query(&g, "account:a0", "account:a1") };
    let full = shortest_paths(&g, &q).unwrap();
    assert_eq!(full.len(), 10);
    let mut partial_seen = false;
    for budget in 1..2_000 {
        let (paths, stopped) =
            shortest_paths_within_budget(&g, &PathQuery { budget: Some(budget), ..q.clone() }).unwrap();
        if stopped {
            assert!(paths.len() < full.len() && full.starts_with(&paths), "budget {budget}: {paths:?}");
            partial_seen |= !paths.is_empty();
            assert_eq!(
                shortest_paths(&g, &PathQuery { budget: Some(budget), ..q.clone() }),
                Err(PathError::BudgetExceeded { budget })
            );
        } else {
            assert_eq!(paths, full, "budget {budget}");
        }
    }
    assert!(partial_seen, "no budget stopped between the first and the tenth path");
}

#[test]
fn a_path_through_a_hub_fits_a_budget_smaller_than_the_hub() {
    let (_dir, g) = two_stars();
    // a1 - a0 - a2: both sides reach the hub in one step each, so its 20 edges are never read
    // and 10 visits are enough.
    let q = PathQuery { budget: Some(10), ..query(&g, "account:a1", "account:a2") };
    let paths = shortest_paths(&g, &q).unwrap();
    assert_eq!(paths.len(), 1);
    assert_eq!(render(&g, &paths[0]), "account:a1 <-[transfer]- account:a0 -[transfer]-> account:a2");
    assert_eq!(paths, shortest_paths(&g, &PathQuery { budget: None, ..q }).unwrap());
}

#[test]
fn unreachable_same_and_unknown_nodes() {
    let (_dir, g) = claims_world();
    assert_eq!(shortest_paths(&g, &query(&g, "person:P1", "person:P8")).unwrap(), vec![]);
    assert_eq!(
        one(&g, &query(&g, "person:P8", "person:P9")).unwrap(),
        "person:P8 -[has_phone]-> phone:13800000000 <-[has_phone]- person:P9"
    );
    let p1 = node(&g, "person:P1");
    assert_eq!(shortest_paths(&g, &PathQuery::between(p1, p1)), Err(PathError::SameNode { node: p1 }));
    let far = NodeId(g.n_nodes() as u32);
    let err = shortest_paths(&g, &PathQuery::between(p1, far)).unwrap_err();
    assert_eq!(err, PathError::NoSuchNode { param: "to", node: far, n_nodes: g.n_nodes() });
    assert!(err.to_string().starts_with("to names node"), "{err}");
    let mut q = query(&g, "person:P1", "person:P2");
    q.k = 0;
    assert_eq!(shortest_paths(&g, &q), Err(PathError::BadK { k: 0, limit: 256 }));
    q.k = 1;
    q.relations = Some(vec![graph_schema::RelationTypeId(999)]);
    assert!(matches!(shortest_paths(&g, &q), Err(PathError::UnknownRelation { .. })));
}

#[test]
fn self_loops_and_parallel_edges_do_not_multiply_paths() {
    let (_dir, g) = claims_world();
    let mut q = query(&g, "account:A3", "person:P3");
    q.k = 10;
    let paths = shortest_paths(&g, &q).unwrap();
    assert_eq!(paths.len(), 1, "{:?}", paths.iter().map(|p| render(&g, p)).collect::<Vec<_>>());
    assert_eq!(render(&g, &paths[0]), "account:A3 <-[paid_to]- claim:C3 <-[claimed]- person:P3");
    let mut q = query(&g, "account:A1", "account:A2");
    q.k = 10;
    q.relations = relations(&g, &["transfer"]);
    let paths = shortest_paths(&g, &q).unwrap();
    assert_eq!(paths.len(), 1, "three transfers between the pair are one path");
}

#[test]
fn k_shortest_paths_are_sorted_simple_and_match_enumeration() {
    let (_dir, g) = claims_world();
    let mut q = query(&g, "person:P1", "person:P2");
    q.k = 5;
    q.max_hops = 8;
    let paths = shortest_paths(&g, &q).unwrap();
    let rendered: Vec<String> = paths.iter().map(|p| render(&g, p)).collect();
    assert_eq!(rendered[0], one(&g, &PathQuery { k: 1, ..q.clone() }).unwrap());
    assert_eq!(
        rendered[1],
        "person:P1 -[claimed]-> claim:C1 -[paid_to]-> account:A1 -[transfer]-> account:A2 <-[paid_to]- claim:C2 <-[claimed]- person:P2"
    );
    let (all, truncated) = all_simple_paths(&g, &q, 1000).unwrap();
    assert!(!truncated);
    assert_eq!(paths, all.into_iter().take(5).collect::<Vec<_>>());
    let (first, truncated) = all_simple_paths(&g, &q, 1).unwrap();
    assert!(truncated);
    assert_eq!(first, paths[..1]);
}

#[test]
fn weighted_paths_respect_the_hop_limit() {
    let (_dir, g) = claims_world();
    let treated_at = g.schema().relation_id("treated_at").unwrap();
    let weight = |e: EdgeId| if g.edge_relation(e) == treated_at { 10.0 } else { 1.0 };
    let mut q = query(&g, "person:P1", "person:P2");
    let (cost, path) = weighted_shortest_path(&g, &q, weight).unwrap().unwrap();
    assert_eq!((cost, path.len()), (5.0, 5), "{}", render(&g, &path));
    q.max_hops = 4;
    let (cost, path) = weighted_shortest_path(&g, &q, weight).unwrap().unwrap();
    assert_eq!((cost, path.len()), (22.0, 4), "the dearer path is the only one within 4 hops");
    q.max_hops = 3;
    assert_eq!(weighted_shortest_path(&g, &q, weight).unwrap(), None);
    q.max_hops = 6;
    let skip_hospitals = |e: EdgeId| if g.edge_relation(e) == treated_at { f64::INFINITY } else { 1.0 };
    assert_eq!(weighted_shortest_path(&g, &q, skip_hospitals).unwrap().unwrap().0, 5.0);
    let err = weighted_shortest_path(&g, &q, |_| -1.0).unwrap_err();
    assert!(matches!(err, PathError::BadWeight { weight, .. } if weight == -1.0), "{err}");
}

#[test]
fn hubs_on_the_path_still_give_the_smallest_path() {
    // a1 is a hub (22 leaves) between a0 and five middlemen a2..a6, all joined to a7. Reading the
    // path back scans the middlemen rather than the hub, and must still pick the smallest.
    let mut rows = vec![(0, 1, 100, 0)];
    rows.extend((2..=6).flat_map(|m| [(1, m, 100, 0), (m, 7, 100, 0)]));
    rows.extend((8..30).map(|leaf| (1, leaf, 100, 0)));
    let (_dir, g) = transfers_world(30, &rows);
    let q = query(&g, "account:a0", "account:a7");
    assert_eq!(names(&g, &shortest_paths(&g, &q).unwrap()[0].nodes), "account:a0 account:a1 account:a2 account:a7");
    // Now the hub a3 sits next to the target: the search meets at the hub, and the layer before
    // it (a1, a2) is scanned instead of the hub's edges.
    let mut rows = vec![(0, 1, 100, 0), (0, 2, 100, 0), (2, 3, 100, 0), (1, 3, 100, 0), (3, 4, 100, 0)];
    rows.extend((5..30).map(|leaf| (leaf, 3, 100, 0)));
    let (_dir, g) = transfers_world(30, &rows);
    let q = query(&g, "account:a0", "account:a4");
    assert_eq!(names(&g, &shortest_paths(&g, &q).unwrap()[0].nodes), "account:a0 account:a1 account:a3 account:a4");
    let q = PathQuery { k: 3, ..q };
    let all: Vec<String> = shortest_paths(&g, &q).unwrap().iter().map(|p| names(&g, &p.nodes)).collect();
    assert_eq!(all, vec!["account:a0 account:a1 account:a3 account:a4", "account:a0 account:a2 account:a3 account:a4"]);
}

const HOUR: i64 = 3600;

#[test]
fn time_respecting_paths_keep_time_order_and_window() {
    // a0 → a1 at 10 h and 25 h; a1 → a2 at 10 h (not after the first hop) and 20 h; a2 → a3 at 30 h.
    let t = |h: i64| 1_700_000_000 + h * HOUR;
    let (_dir, g) = transfers_world(
        5,
        &[
            (0, 1, 100, t(10)),
            (0, 1, 100, t(25)),
            (1, 2, 100, t(10)),
            (1, 2, 100, t(20)),
            (2, 3, 100, t(30)),
            (3, 3, 5, t(31)),
        ],
    );
    let a = |i: usize| node(&g, &format!("account:a{i}"));
    let paths = time_respecting_paths(&g, a(0), Some(a(3)), 5, 20 * HOUR, 10);
    assert_eq!(paths.len(), 1);
    assert_eq!(names(&g, &paths[0].nodes), "account:a0 account:a1 account:a2 account:a3");
    let times: Vec<i64> = paths[0].edges.iter().map(|&e| g.edge_time(e).unwrap()).collect();
    assert_eq!(times, vec![t(10), t(20), t(30)], "the last hop lands exactly at the window's end");
    assert_eq!(time_respecting_paths(&g, a(0), Some(a(3)), 5, 20 * HOUR - 1, 10), vec![]);
    assert_eq!(time_respecting_paths(&g, a(0), Some(a(3)), 2, 20 * HOUR, 10), vec![], "hop limit");
    // Without a target: every trail, shortest first.
    let all: Vec<String> =
        time_respecting_paths(&g, a(0), None, 5, 20 * HOUR, 10).iter().map(|p| names(&g, &p.nodes)).collect();
    assert_eq!(
        all,
        vec![
            "account:a0 account:a1",
            "account:a0 account:a1 account:a2",
            "account:a0 account:a1 account:a2 account:a3"
        ]
    );
    assert_eq!(time_respecting_paths(&g, a(0), None, 5, 20 * HOUR, 2).len(), 2, "cap");
    assert_eq!(time_respecting_paths(&g, a(4), None, 5, 20 * HOUR, 10), vec![], "an account with no transfers");
    assert_eq!(time_respecting_paths(&g, a(0), Some(a(0)), 5, 20 * HOUR, 10), vec![], "from == to");
}

const HOLDINGS_MAPPING: &str = r#"version = 1

[[source]]
name = "company_holdings"
path = "companies.csv"
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
name = "person_holdings"
path = "people.csv"
format = "csv"

  [[source.entity]]
  type = "person"
  key = "person"

  [[source.entity]]
  type = "company"
  key = "company"

  [[source.relation]]
  type = "shareholder_of"
  from = "person"
  to = "company"
  properties = { share = "share" }
"#;

/// T is held by X (60 %) and Y (40 %); X by persons P1 and P2 (50 % each); Y wholly by Z, a
/// company nobody holds. M and N hold each other; N is also held by P3. U's holder V has no
/// recorded share.
const COMPANY_HOLDINGS: &str = "holder,company,share
X,T,60
Y,T,40
Z,Y,100
N,M,50
M,N,30
V,U,
";

const PERSON_HOLDINGS: &str = "person,company,share
P1,X,50
P2,X,50
P3,N,70
";

fn holdings_world() -> (tempfile::TempDir, Graph) {
    build_world(&[("companies.csv", COMPANY_HOLDINGS), ("people.csv", PERSON_HOLDINGS)], HOLDINGS_MAPPING)
}

#[test]
fn ownership_chains_multiply_shares_up_to_ultimate_owners() {
    let (_dir, g) = holdings_world();
    let chains = ownership_chains(&g, node(&g, "company:T"), 10);
    let summary: Vec<(String, Option<f64>, ChainEnd)> =
        chains.iter().map(|c| (names(&g, &c.nodes), c.fraction.map(|f| (f * 1e6).round() / 1e6), c.end)).collect();
    assert_eq!(
        summary,
        vec![
            ("company:T company:X person:P1".to_owned(), Some(0.3), ChainEnd::UltimateOwner),
            ("company:T company:X person:P2".to_owned(), Some(0.3), ChainEnd::UltimateOwner),
            ("company:T company:Y company:Z".to_owned(), Some(0.4), ChainEnd::UltimateOwner),
        ]
    );
    let owners: Vec<(String, f64)> =
        effective_ownership(&chains).iter().map(|o| (name(&g, o.owner), (o.fraction * 1e6).round() / 1e6)).collect();
    assert_eq!(
        owners,
        vec![("company:Z".to_owned(), 0.4), ("person:P1".to_owned(), 0.3), ("person:P2".to_owned(), 0.3)]
    );
    let shallow = ownership_chains(&g, node(&g, "company:T"), 1);
    assert!(shallow.iter().all(|c| c.end == ChainEnd::DepthLimit && c.nodes.len() == 2), "{shallow:?}");
    assert!(effective_ownership(&shallow).is_empty(), "cut chains name no ultimate owner");
    assert_eq!(ownership_chains(&g, node(&g, "company:Z"), 10), vec![], "nobody holds Z");
}

#[test]
fn ownership_chains_stop_at_cycles_and_keep_unknown_shares_apart() {
    let (_dir, g) = holdings_world();
    let m = node(&g, "company:M");
    let chains = ownership_chains(&g, m, 10);
    assert_eq!(chains.len(), 2, "{chains:?}");
    let around = chains.iter().find(|c| matches!(c.end, ChainEnd::Cycle { .. })).unwrap();
    assert_eq!(names(&g, &around.nodes), "company:M company:N");
    assert_eq!(around.end, ChainEnd::Cycle { back_to: m });
    let up = chains.iter().find(|c| c.end == ChainEnd::UltimateOwner).unwrap();
    assert_eq!(names(&g, &up.nodes), "company:M company:N person:P3");
    assert!((up.fraction.unwrap() - 0.35).abs() < 1e-12);
    let unknown = ownership_chains(&g, node(&g, "company:U"), 10);
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].fraction, None);
    let owners = effective_ownership(&unknown);
    assert_eq!((owners[0].chains, owners[0].unknown_share_chains, owners[0].fraction), (1, 1, 0.0));
}

#[test]
fn the_cli_prints_the_paths_found_before_a_budget_stop_and_fails() {
    let (dir, _g) = claims_world();
    let world = dir.path().join("world.clew");
    let clew = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_clew")).arg("path").arg(&world).args(args).output().unwrap()
    };
    let full = clew(&["--from", "person:P1", "--to", "person:P2", "--k", "2"]);
    assert!(full.status.success());
    let full = String::from_utf8(full.stdout).unwrap();
    let first = full.lines().next().unwrap().to_owned();
    let partial = (1..300).find_map(|budget| {
        let out = clew(&["--from", "person:P1", "--to", "person:P2", "--k", "2", "--budget", &budget.to_string()]);
        (!out.status.success() && !out.stdout.is_empty()).then_some(out)
    });
    let out = partial.expect("no budget stopped between the first and the second path");
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), first);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("with 1 of the 2 shortest paths"), "{stderr}");
}

#[test]
fn the_cli_prints_paths_with_directions_and_names_bad_parameters() {
    let (dir, _g) = claims_world();
    let world = dir.path().join("world.clew");
    let clew = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_clew")).arg("path").arg(&world).args(args).output().unwrap()
    };
    let out = clew(&["--from", "person:P1", "--to", "person:P2", "--k", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        vec![
            "person:P1 -[claimed]-> claim:C1 -[treated_at]-> hospital:H1 <-[treated_at]- claim:C2 <-[claimed]- person:P2",
            "person:P1 -[claimed]-> claim:C1 -[paid_to]-> account:A1 -[transfer]-> account:A2 <-[paid_to]- claim:C2 <-[claimed]- person:P2",
        ]
    );
    let out = clew(&[
        "--from",
        "person:P1",
        "--to",
        "person:P2",
        "--types",
        "claimed,paid_to,transfer",
        "--after",
        "2024-01-02",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["hops"], 5);
    assert_eq!(json["nodes"][2]["key"], "A1");
    assert_eq!(json["edges"][2]["relation"], "transfer");
    assert_eq!(json["edges"][2]["time"], "2024-01-02T10:00:00Z");
    for (args, expected) in [
        (vec!["--from", "robot:P1", "--to", "person:P2"], "--from: unknown entity type `robot`"),
        (vec!["--from", "person:P1", "--to", "person:NOBODY"], "--to: no person with key `NOBODY`"),
        (
            vec!["--from", "person:P1", "--to", "person:P2", "--types", "claimed,knows"],
            "--types: unknown relation type `knows`",
        ),
        (vec!["--from", "person:P1", "--to", "person:P2", "--after", "yesterday"], "--after: "),
    ] {
        let out = clew(&args);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

// Properties on random graphs: accounts a0..a{n-1} with random transfers (parallel edges and
// self-loops included), checked against naive oracles over the same edge list.

/// A random world: node count and (from, to, hour) transfers. Half the transfers touch a0, a
/// hub, so that searches meet one and must choose between scanning it and its neighbours.
fn random_edges() -> impl Strategy<Value = (usize, Vec<(usize, usize, i64)>)> {
    (2usize..9).prop_flat_map(|n| (Just(n), prop::collection::vec((0..n, 0..n, 0i64..48, 0u8..4), 0..24))).prop_map(
        |(n, raw)| {
            let edges = raw
                .into_iter()
                .map(|(a, b, hour, hub)| match hub {
                    0 => (0, b, hour),
                    1 => (a, 0, hour),
                    _ => (a, b, hour),
                })
                .collect();
            (n, edges)
        },
    )
}

/// Few accounts, many transfers close in time: parallel transfers whose choice matters.
fn dense_timed_edges() -> impl Strategy<Value = (usize, Vec<(usize, usize, i64)>)> {
    (2usize..6).prop_flat_map(|n| (Just(n), prop::collection::vec((0..n, 0..n, 0i64..16), 0..30)))
}

/// The edges as the graph holds them: (source, target, edge id), with node ids from the graph.
fn graph_edges(g: &Graph) -> Vec<(NodeId, NodeId, EdgeId)> {
    (0..g.n_nodes() as u32).flat_map(|n| g.out_edges(NodeId(n)).map(move |a| (NodeId(n), a.other, a.edge))).collect()
}

/// Neighbours in the query's direction, from the edge list.
fn oracle_neighbours(edges: &[(NodeId, NodeId, EdgeId)], node: NodeId, directed: bool) -> Vec<NodeId> {
    let mut out = Vec::new();
    for &(s, t, _) in edges {
        if s == node {
            out.push(t);
        }
        if !directed && t == node {
            out.push(s);
        }
    }
    out
}

/// BFS distance by the textbook.
fn oracle_distance(edges: &[(NodeId, NodeId, EdgeId)], from: NodeId, to: NodeId, directed: bool) -> Option<usize> {
    let mut seen = vec![from];
    let mut frontier = vec![from];
    let mut depth = 0;
    while !frontier.is_empty() {
        if frontier.contains(&to) {
            return Some(depth);
        }
        depth += 1;
        let mut next = Vec::new();
        for &v in &frontier {
            for w in oracle_neighbours(edges, v, directed) {
                if !seen.contains(&w) {
                    seen.push(w);
                    next.push(w);
                }
            }
        }
        frontier = next;
    }
    None
}

/// Every simple path's node sequence up to `max_hops`, sorted by length then nodes.
fn oracle_simple_paths(
    edges: &[(NodeId, NodeId, EdgeId)],
    from: NodeId,
    to: NodeId,
    max_hops: usize,
    directed: bool,
) -> Vec<Vec<NodeId>> {
    fn walk(
        edges: &[(NodeId, NodeId, EdgeId)],
        path: &mut Vec<NodeId>,
        to: NodeId,
        max_hops: usize,
        directed: bool,
        out: &mut Vec<Vec<NodeId>>,
    ) {
        let last = *path.last().unwrap();
        if last == to {
            out.push(path.clone());
            return;
        }
        if path.len() > max_hops {
            return;
        }
        let mut next = oracle_neighbours(edges, last, directed);
        next.sort();
        next.dedup();
        for w in next {
            if !path.contains(&w) {
                path.push(w);
                walk(edges, path, to, max_hops, directed, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    walk(edges, &mut vec![from], to, max_hops, directed, &mut out);
    out.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    out
}

/// A path's edges join its nodes in an allowed direction, each the smallest such edge.
fn check_edges(edges: &[(NodeId, NodeId, EdgeId)], path: &Path, directed: bool) -> Result<(), TestCaseError> {
    prop_assert_eq!(path.edges.len() + 1, path.nodes.len());
    for (i, &edge) in path.edges.iter().enumerate() {
        let (a, b) = (path.nodes[i], path.nodes[i + 1]);
        let smallest = edges
            .iter()
            .filter(|&&(s, t, _)| (s, t) == (a, b) || (!directed && (s, t) == (b, a)))
            .map(|&(_, _, e)| e)
            .min();
        prop_assert_eq!(Some(edge), smallest);
    }
    Ok(())
}

const T0: i64 = 1_700_000_000;

fn world_of(n: usize, edges: &[(usize, usize, i64)]) -> (tempfile::TempDir, Graph) {
    let rows: Vec<(usize, usize, i64, i64)> = edges.iter().map(|&(a, b, h)| (a, b, 100 + h, T0 + h * HOUR)).collect();
    transfers_world(n, &rows)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn shortest_and_k_shortest_match_the_oracles(
        (n, edges) in random_edges(),
        from in 0usize..9,
        to in 0usize..9,
        directed in any::<bool>(),
        k in 1usize..6,
        max_hops in 1u32..6,
        window in prop::option::of((0i64..48, 0i64..48)),
        name_the_relation in any::<bool>(),
    ) {
        let (from, to) = (from % n, to % n);
        prop_assume!(from != to);
        let (_dir, g) = world_of(n, &edges);
        // With a time window the oracles see only the edges inside it. Naming the one relation
        // changes nothing but takes the searches' filtered route instead of the raw arrays.
        let window = window.map(|(x, y)| (T0 + x.min(y) * HOUR, T0 + x.max(y) * HOUR));
        let all_edges: Vec<_> = graph_edges(&g)
            .into_iter()
            .filter(|&(_, _, e)| window.is_none_or(|(after, before)| (after..=before).contains(&g.edge_time(e).unwrap())))
            .collect();
        let (a, b) = (node(&g, &format!("account:a{from}")), node(&g, &format!("account:a{to}")));
        let relations = name_the_relation.then(|| vec![g.schema().relation_id("transfer").unwrap()]);
        let q = PathQuery {
            max_hops,
            directed,
            k: 1,
            relations,
            after: window.map(|w| w.0),
            before: window.map(|w| w.1),
            ..PathQuery::between(a, b)
        };
        let shortest = shortest_paths(&g, &q).unwrap();
        let distance = oracle_distance(&all_edges, a, b, directed).filter(|&d| d <= max_hops as usize);
        prop_assert_eq!(shortest.first().map(Path::len), distance);
        let expected = oracle_simple_paths(&all_edges, a, b, max_hops as usize, directed);
        if let Some(path) = shortest.first() {
            prop_assert_eq!(&path.nodes, &expected[0], "the smallest of the shortest");
            check_edges(&all_edges, path, directed)?;
        }
        let yen = shortest_paths(&g, &PathQuery { k, ..q.clone() }).unwrap();
        let yen_nodes: Vec<Vec<NodeId>> = yen.iter().map(|p| p.nodes.clone()).collect();
        prop_assert_eq!(&yen_nodes[..], &expected[..k.min(expected.len())]);
        prop_assert_eq!(yen.first(), shortest.first());
        for path in &yen {
            let mut distinct = path.nodes.clone();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(distinct.len(), path.nodes.len(), "simple");
            check_edges(&all_edges, path, directed)?;
        }
        prop_assert!(yen.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
        let (simple, truncated) = all_simple_paths(&g, &q, 1000).unwrap();
        prop_assert!(!truncated);
        let simple_nodes: Vec<Vec<NodeId>> = simple.iter().map(|p| p.nodes.clone()).collect();
        prop_assert_eq!(simple_nodes, expected);
    }

    #[test]
    fn weighted_paths_match_a_hop_limited_bellman_ford(
        (n, edges) in random_edges(),
        from in 0usize..9,
        to in 0usize..9,
        directed in any::<bool>(),
        max_hops in 1u32..6,
    ) {
        let (from, to) = (from % n, to % n);
        prop_assume!(from != to);
        let (_dir, g) = world_of(n, &edges);
        let all_edges = graph_edges(&g);
        let (a, b) = (node(&g, &format!("account:a{from}")), node(&g, &format!("account:a{to}")));
        // Weights from the edge id, so parallel edges differ.
        let weight = |e: EdgeId| ((e.0 * 7) % 5) as f64;
        let q = PathQuery { max_hops, directed, ..PathQuery::between(a, b) };
        let got = weighted_shortest_path(&g, &q, weight).unwrap();
        // best[v] after h rounds: least weight of a walk of at most h hops (equal to the least
        // simple path's, as weights are not negative).
        let mut best = vec![f64::INFINITY; g.n_nodes()];
        best[a.0 as usize] = 0.0;
        for _ in 0..max_hops {
            let mut next = best.clone();
            for &(s, t, e) in &all_edges {
                for (x, y) in [(s, t), (t, s)].into_iter().take(if directed { 1 } else { 2 }) {
                    if y != a {
                        next[y.0 as usize] = next[y.0 as usize].min(best[x.0 as usize] + weight(e));
                    }
                }
            }
            best = next;
        }
        let expected = best[b.0 as usize];
        match got {
            None => prop_assert!(expected.is_infinite()),
            Some((cost, path)) => {
                prop_assert_eq!(cost, expected);
                prop_assert!(path.len() <= max_hops as usize);
                prop_assert_eq!(path.edges.iter().map(|&e| weight(e)).sum::<f64>(), cost);
                prop_assert_eq!((path.nodes[0], *path.nodes.last().unwrap()), (a, b));
            }
        }
    }

    #[test]
    fn time_respecting_paths_match_brute_force(
        (n, edges) in dense_timed_edges(),
        from in 0usize..9,
        to in prop::option::of(0usize..9),
        window_hours in 0i64..30,
        max_hops in 1u32..5,
    ) {
        let from = from % n;
        let to = to.map(|t| t % n).filter(|&t| t != from);
        let (_dir, g) = world_of(n, &edges);
        let all_edges = graph_edges(&g);
        let a = node(&g, &format!("account:a{from}"));
        let b = to.map(|t| node(&g, &format!("account:a{t}")));
        let window = window_hours * HOUR;
        let got = time_respecting_paths(&g, a, b, max_hops, window, 10_000);
        // Brute force over edge sequences: (to, time) of every timed edge out of each node.
        let timed: Vec<(NodeId, NodeId, i64)> = all_edges.iter().map(|&(s, t, e)| (s, t, g.edge_time(e).unwrap())).collect();
        let mut expected: Vec<Vec<NodeId>> = Vec::new();
        let mut stack: Vec<(Vec<NodeId>, Vec<i64>)> = vec![(vec![a], Vec::new())];
        while let Some((nodes, times)) = stack.pop() {
            let last = *nodes.last().unwrap();
            if nodes.len() > 1 && b.is_none_or(|t| t == last) {
                expected.push(nodes.clone());
            }
            if nodes.len() > max_hops as usize || b == Some(last) {
                continue;
            }
            for &(s, t, time) in &timed {
                let in_time = times.last().is_none_or(|&p| time > p) && times.first().is_none_or(|&f| time <= f + window);
                if s == last && !nodes.contains(&t) && in_time {
                    let (mut nodes, mut times) = (nodes.clone(), times.clone());
                    nodes.push(t);
                    times.push(time);
                    stack.push((nodes, times));
                }
            }
        }
        expected.sort_by(|x, y| (x.len(), x).cmp(&(y.len(), y)));
        expected.dedup();
        let got_nodes: Vec<Vec<NodeId>> = got.iter().map(|p| p.nodes.clone()).collect();
        prop_assert_eq!(got_nodes, expected);
        for path in &got {
            let times: Vec<i64> = path.edges.iter().map(|&e| g.edge_time(e).unwrap()).collect();
            prop_assert!(times.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(times.last().unwrap() - times[0] <= window);
            for (i, &e) in path.edges.iter().enumerate() {
                prop_assert_eq!(g.edge_endpoints(e), (path.nodes[i], path.nodes[i + 1]));
            }
        }
    }
}
