//! Tests of the shared-identifiers options on a small built snapshot: skipping identifiers held by
//! another type, and meta-path links with their self-link exclusion, de-duplication and cap.

use super::*;
use crate::algo::test_support::in_pool;

const MAPPING: &str = r#"version = 1

[[source]]
name = "people"
path = "people.csv"
format = "csv"
  [[source.entity]]
  type = "person"
  key = "person_id"
  [[source.entity]]
  type = "phone"
  key = "phone"
  optional = true
  [[source.relation]]
  type = "has_phone"
  from = "person"
  to = "phone"

[[source]]
name = "companies"
path = "companies.csv"
format = "csv"
  [[source.entity]]
  type = "company"
  key = "code"
  [[source.entity]]
  type = "phone"
  key = "phone"
  [[source.relation]]
  type = "has_phone"
  from = "company"
  to = "phone"

[[source]]
name = "accounts"
path = "accounts.csv"
format = "csv"
  [[source.entity]]
  type = "account"
  key = "account"
  [[source.entity]]
  type = "person"
  as = "holder"
  key = "holder"
  optional = true
  [[source.entity]]
  type = "company"
  as = "firm"
  key = "firm"
  optional = true
  [[source.relation]]
  type = "holds_account"
  from = "holder"
  to = "account"
  [[source.relation]]
  type = "holds_account"
  from = "firm"
  to = "account"

[[source]]
name = "claims"
path = "claims.csv"
format = "csv"
  [[source.entity]]
  type = "claim"
  key = "claim"
  [[source.entity]]
  type = "person"
  key = "claimant"
  [[source.entity]]
  type = "account"
  key = "payee"
  [[source.relation]]
  type = "claimed"
  from = "person"
  to = "claim"
  [[source.relation]]
  type = "paid_to"
  from = "claim"
  to = "account"
"#;

/// P1–P3 share phone T1, P4–P5 phone T2, P6–P7 phone T3, which company K1 uses too.
const PEOPLE: &str = "person_id,phone\nP1,T1\nP2,T1\nP3,T1\nP4,T2\nP5,T2\nP6,T3\nP7,T3\nP8,\n";
const COMPANIES: &str = "code,phone\nK1,T3\n";
/// A1 is P1's; A2 is held by P7 and P8; A3 by company K1 alone; A4 is P5's.
const ACCOUNTS: &str = "account,holder,firm\nA1,P1,\nA2,P7,\nA2,P8,\nA3,,K1\nA4,P5,\n";
/// Into A1: P2 twice, P3, and P1 (own account). Into A2: P4, and holder P8. Into A3: P6 (no
/// person holds it). Into A4: its holder P5.
const CLAIMS: &str =
    "claim,claimant,payee\nC1,P2,A1\nC2,P3,A1\nC3,P1,A1\nC4,P2,A1\nC5,P4,A2\nC6,P8,A2\nC7,P6,A3\nC8,P5,A4\n";

fn world() -> (tempfile::TempDir, Graph) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, text) in
        [("people.csv", PEOPLE), ("companies.csv", COMPANIES), ("accounts.csv", ACCOUNTS), ("claims.csv", CLAIMS)]
    {
        std::fs::write(dir.path().join(name), text).expect("writing a fixture");
    }
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(&mapping, MAPPING).expect("writing the mapping");
    let out = dir.path().join("world.clew");
    if let Err(error) = crate::build::build(&mapping, &out, &Default::default(), &Default::default()) {
        panic!("fixture does not build: {error:#}");
    }
    let graph = Graph::open(&out).expect("opening the fixture");
    (dir, graph)
}

fn project(graph: &Graph, toml: &str) -> Projected {
    let def = ProjectionDef::from_toml(toml, "test.toml").unwrap();
    Projection::resolve(&def, graph.schema()).unwrap().build(graph).unwrap()
}

/// The projected edges as (key, key, weight), keys in order; a self-link would show as (k, k).
fn edges(graph: &Graph, projected: &Projected) -> Vec<(String, String, f64)> {
    let adjacency = &projected.graph;
    let mut out = Vec::new();
    for vertex in 0..adjacency.n_vertices() {
        let weights = adjacency.out_weights(vertex).unwrap();
        for (&other, &weight) in adjacency.out_neighbours(vertex).iter().zip(weights) {
            if vertex <= other {
                let key = |v: u32| graph.key(projected.node(v)).to_owned();
                let (a, b) = (key(vertex), key(other));
                out.push(if a < b { (a, b, weight) } else { (b, a, weight) });
            }
        }
    }
    out.sort_by(|a, b| a.partial_cmp(b).unwrap());
    out
}

fn edge(a: &str, b: &str, weight: f64) -> (String, String, f64) {
    (a.to_owned(), b.to_owned(), weight)
}

const PHONES: &str = "kind = \"shared-identifiers\"\nidentifiers = [\"phone\"]\nrelations = [\"has_phone\"]\n";
const PAYEE_PATH: &str = "[[paths]]\nrelations = [\"claimed\", \"paid_to\", \"~holds_account\"]\n";

#[test]
fn identifiers_also_held_by_another_type_are_skipped_when_asked() {
    let (_dir, graph) = world();
    let kept = project(&graph, PHONES);
    // K1 is not a projected node, so by default T3 links P6 and P7 as any phone would.
    assert_eq!(
        edges(&graph, &kept),
        vec![
            edge("P1", "P2", 0.5),
            edge("P1", "P3", 0.5),
            edge("P2", "P3", 0.5),
            edge("P4", "P5", 1.0),
            edge("P6", "P7", 1.0)
        ]
    );
    assert_eq!(kept.report.skipped_held_by_other_types, 0);
    let skipping = format!("{PHONES}skip_identifiers_held_by_other_types = true\n");
    let skipped = project(&graph, &skipping);
    assert_eq!(
        edges(&graph, &skipped),
        vec![edge("P1", "P2", 0.5), edge("P1", "P3", 0.5), edge("P2", "P3", 0.5), edge("P4", "P5", 1.0)]
    );
    assert_eq!(skipped.report.skipped_held_by_other_types, 1);
    assert_eq!(skipped.report.skipped_identifiers, 0);
    assert_eq!(skipped.report.source_links, 2);
    // The same decision, asked of one identifier.
    let projection = Projection::resolve(&ProjectionDef::from_toml(&skipping, "t").unwrap(), graph.schema()).unwrap();
    let phone = |key: &str| {
        NodeId(
            graph
                .type_range(graph.schema().entity_id("phone").unwrap())
                .find(|&id| graph.key(NodeId(id)) == key)
                .unwrap(),
        )
    };
    assert!(projection.skips_identifier(&graph, phone("T3")));
    assert!(!projection.skips_identifier(&graph, phone("T1")));
}

#[test]
fn a_meta_path_links_claimants_to_the_other_holders_of_the_account_paid() {
    let (_dir, graph) = world();
    let projected = project(&graph, &format!("{PHONES}skip_identifiers_held_by_other_types = true\n{PAYEE_PATH}"));
    // A1 links P2 (two claims, counted once) and P3 to its holder P1, not P1 to itself; A2 links
    // P4 to both holders, not holder P8 to anyone; A3 has no person holding it; A4 is P5's own.
    assert_eq!(
        edges(&graph, &projected),
        vec![
            edge("P1", "P2", 1.5),
            edge("P1", "P3", 1.5),
            edge("P2", "P3", 0.5),
            edge("P4", "P5", 1.0),
            edge("P4", "P7", 1.0),
            edge("P4", "P8", 1.0),
        ]
    );
    assert_eq!((projected.report.path_meetings, projected.report.skipped_meetings), (2, 0));

    // Paths alone, weighted, and with a cap of one source: A1 (two sources) is skipped.
    let capped = project(
        &graph,
        "kind = \"shared-identifiers\"\nidentifiers = [\"phone\"]\nrelations = [\"has_phone\"]\nmax_identifier_degree = 2\n\
         [[paths]]\nrelations = [\"claimed\", \"paid_to\", \"~holds_account\"]\nweight = 2.5\nmax_sources = 1\n",
    );
    // T1's three holders are above the identifier cap of 2.
    assert_eq!(
        edges(&graph, &capped),
        vec![edge("P4", "P5", 1.0), edge("P4", "P7", 2.5), edge("P4", "P8", 2.5), edge("P6", "P7", 1.0)]
    );
    assert_eq!((capped.report.path_meetings, capped.report.skipped_meetings), (1, 1));
    assert_eq!(capped.report.skipped_identifiers, 1);
}

#[test]
fn meta_path_links_are_the_same_on_any_thread_count() {
    let (_dir, graph) = world();
    let def = ProjectionDef::from_toml(&format!("{PHONES}{PAYEE_PATH}"), "t").unwrap();
    let projection = Projection::resolve(&def, graph.schema()).unwrap();
    let one = in_pool(1, || projection.build(&graph).unwrap());
    let two = in_pool(2, || projection.build(&graph).unwrap());
    assert_eq!((&one.graph, &one.nodes), (&two.graph, &two.nodes));
}

#[test]
fn new_options_change_the_canonical_form_and_bad_paths_are_refused() {
    let schema = Schema::builtin();
    let canonical = |toml: &str| {
        Projection::resolve(&ProjectionDef::from_toml(toml, "t").unwrap(), &schema).unwrap().canonical().to_owned()
    };
    let plain = canonical(PHONES);
    assert!(!plain.contains("paths") && !plain.contains("skip_identifiers"), "{plain}");
    let with_path = canonical(&format!("{PHONES}skip_identifiers_held_by_other_types = true\n{PAYEE_PATH}"));
    assert!(
        with_path.ends_with(
            " skip_identifiers_held_by_other_types=true paths=claimed>paid_to>~holds_account:weight=1:max_sources=1000"
        ),
        "{with_path}"
    );
    // The order of paths does not matter.
    let two = |first: &str, second: &str| {
        format!("{PHONES}[[paths]]\nrelations = [{first}]\n[[paths]]\nrelations = [{second}]\n")
    };
    assert_eq!(
        canonical(&two("\"claimed\", \"paid_to\", \"~holds_account\"", "\"claimed\", \"handled_by\"")),
        canonical(&two("\"claimed\", \"handled_by\"", "\"claimed\", \"paid_to\", \"~holds_account\""))
    );

    let refused =
        |toml: String| Projection::resolve(&ProjectionDef::from_toml(&toml, "t").unwrap(), &schema).unwrap_err();
    let error = refused(format!("{PHONES}[[paths]]\nrelations = [\"claimed\", \"~holds_acount\"]\n"));
    assert!(
        matches!(error, ProjectionError::UnknownRelationType { ref name, .. } if name == "holds_acount"),
        "{error}"
    );
    let error = refused(format!("{PHONES}[[paths]]\nrelations = []\n"));
    assert!(matches!(error, ProjectionError::Empty { field: "paths.relations" }), "{error}");
    let error = refused(format!("{PHONES}[[paths]]\nrelations = [\"claimed\"]\nweight = 0.0\n"));
    assert!(matches!(error, ProjectionError::PathWeight { .. }), "{error}");
    let error = refused(format!("{PHONES}[[paths]]\nrelations = [\"claimed\"]\nmax_sources = 0\n"));
    assert!(matches!(error, ProjectionError::PathSources), "{error}");
    let unknown = ProjectionDef::from_toml(&format!("{PHONES}[[paths]]\nrelation = [\"claimed\"]\n"), "p.toml");
    assert!(unknown.unwrap_err().to_string().starts_with("p.toml:"));
}
