//! Detection: every built-in rule on a hand-made world where it must fire and a near miss where
//! it must not; the detectors (rings, shell networks, fund cycles, staff networks) likewise; the
//! output files against the JSON Schemas in `schemas/`; and the end-to-end figures of issue 5 on
//! the small demo world (demo → build → analyze), with stable ids, `diff` and `export`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clew::analysis::rules::RuleSet;
use clew::analysis::{analyze, diff, export, output, Analysis, Level, Options};
use clew::graph::Graph;
use serde_json::Value as Json;
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Hand-made worlds.

/// A valid 18-digit resident ID for sequence number `n` (born 1980-01-01 in 110105).
fn id(n: u32) -> String {
    let body = format!("11010519800101{n:03}");
    format!("{body}{}", check_char(&body))
}

/// The same ID with a wrong check character.
fn bad_id(n: u32) -> String {
    let good = id(n);
    let last = good.chars().last().unwrap_or('0');
    let wrong = if last == '0' { '1' } else { '0' };
    format!("{}{wrong}", &good[..17])
}

fn check_char(body: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(W).map(|(b, w)| (b - b'0') as u32 * w).sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

const MAPPING: &str = r#"version = 1

[[source]]
name = "persons"
path = "persons.csv"
format = "csv"
  [[source.entity]]
  type = "person"
  key = { column = "person_id", normalise = ["resident_id"] }
  properties = { name = "name", death_date = "death_date" }
  [[source.entity]]
  type = "phone"
  key = "phone"
  optional = true
  [[source.entity]]
  type = "address"
  key = "address"
  optional = true
  [[source.relation]]
  type = "has_phone"
  from = "person"
  to = "phone"
  [[source.relation]]
  type = "lives_at"
  from = "person"
  to = "address"

[[source]]
name = "accounts"
path = "accounts.csv"
format = "csv"
  [[source.entity]]
  type = "account"
  key = "account_no"
  [[source.entity]]
  type = "person"
  as = "holder"
  key = { column = "holder_id", normalise = ["resident_id"] }
  optional = true
  [[source.entity]]
  type = "company"
  as = "firm"
  key = "holder_code"
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
  key = "claim_id"
  properties = { admitted = "admitted", discharged = "discharged", billed = "billed", reimbursed = "reimbursed", diagnosis = "diagnosis" }
  [[source.entity]]
  type = "person"
  as = "patient"
  key = { column = "patient_id", normalise = ["resident_id"] }
  [[source.entity]]
  type = "hospital"
  key = "hospital"
  [[source.entity]]
  type = "person"
  as = "staff"
  key = { column = "handled_by", normalise = ["resident_id"] }
  optional = true
  [[source.entity]]
  type = "account"
  as = "payee"
  key = "payee"
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
  [[source.relation]]
  type = "paid_to"
  from = "claim"
  to = "payee"

[[source]]
name = "companies"
path = "companies.csv"
format = "csv"
  [[source.entity]]
  type = "company"
  key = "code"
  [[source.entity]]
  type = "address"
  key = "address"
  optional = true
  [[source.entity]]
  type = "phone"
  key = "phone"
  optional = true
  [[source.relation]]
  type = "registered_at"
  from = "company"
  to = "address"
  [[source.relation]]
  type = "has_phone"
  from = "company"
  to = "phone"

[[source]]
name = "roles"
path = "roles.csv"
format = "csv"
  [[source.entity]]
  type = "company"
  key = "company"
  [[source.entity]]
  type = "person"
  as = "rep"
  key = { column = "legal_rep", normalise = ["resident_id"] }
  optional = true
  [[source.entity]]
  type = "company"
  as = "owner"
  key = "owner"
  optional = true
  [[source.relation]]
  type = "legal_rep_of"
  from = "rep"
  to = "company"
  [[source.relation]]
  type = "shareholder_of"
  from = "owner"
  to = "company"
  properties = { share = "share" }

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

const HEADERS: &[(&str, &str)] = &[
    ("persons.csv", "person_id,name,death_date,phone,address"),
    ("accounts.csv", "account_no,holder_id,holder_code"),
    ("claims.csv", "claim_id,patient_id,hospital,admitted,discharged,billed,reimbursed,diagnosis,handled_by,payee"),
    ("companies.csv", "code,address,phone"),
    ("roles.csv", "company,legal_rep,owner,share"),
    ("transfers.csv", "from,to,amount,time"),
];

/// Builds a world from the rows given per file (header added; files not given are empty).
fn world(rows: &[(&str, Vec<String>)]) -> (TempDir, Graph) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, header) in HEADERS {
        let mut text = format!("{header}\n");
        for (file, lines) in rows {
            if file == name {
                for l in lines {
                    text.push_str(l);
                    text.push('\n');
                }
            }
        }
        std::fs::write(dir.path().join(name), text).expect("writing a fixture file");
    }
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(&mapping, MAPPING).expect("writing the mapping");
    let out = dir.path().join("world.clew");
    if let Err(err) = clew::build::build(&mapping, &out, &Default::default(), &Default::default()) {
        panic!("fixture does not build: {err:#}");
    }
    let g = Graph::open(&out).expect("opening the fixture");
    (dir, g)
}

fn run(g: &Graph) -> Analysis {
    analyze(g, &RuleSet::builtin(), &Options::default()).expect("analysis runs")
}

/// The claim keys a rule alerted on, sorted.
fn alerted(a: &Analysis, rule: &str) -> Vec<String> {
    let mut keys: Vec<String> = a.alerts.iter().filter(|x| x.rule == rule).map(|x| x.record.key.clone()).collect();
    keys.sort();
    keys
}

/// A claim row.
#[allow(clippy::too_many_arguments)]
fn claim(
    key: &str,
    patient: &str,
    hospital: &str,
    admitted: &str,
    discharged: &str,
    billed: u32,
    paid: u32,
    dx: &str,
    staff: &str,
    payee: &str,
) -> String {
    format!("{key},{patient},{hospital},{admitted},{discharged},{billed},{paid},{dx},{staff},{payee}")
}

/// Background claims so amounts and hospital shares have something to be compared with: 60
/// claims of people 900.. at hospitals HB0..HB5, billed 1000–1590, paid to their own accounts.
fn background() -> Vec<(&'static str, Vec<String>)> {
    let mut persons = Vec::new();
    let mut accounts = Vec::new();
    let mut claims = Vec::new();
    for i in 0..60u32 {
        let p = id(900 + (i % 30));
        if i < 30 {
            persons.push(format!("{p},bg{i},,139{i:08},bg-address-{i}"));
            accounts.push(format!("ACC-BG{i},{p},"));
        }
        let day = 1 + (i % 27);
        claims.push(claim(
            &format!("BG{i:03}"),
            &p,
            &format!("HB{}", i % 6),
            &format!("2023-0{}-{day:02}", 1 + i % 9),
            &format!("2023-0{}-{:02}", 1 + i % 9, day + 1),
            1000 + (i % 20) * 30,
            800,
            "flu",
            "",
            &format!("ACC-BG{}", i % 30),
        ));
    }
    vec![("persons.csv", persons), ("accounts.csv", accounts), ("claims.csv", claims)]
}

fn with_background(mut rows: Vec<(&'static str, Vec<String>)>) -> Vec<(&'static str, Vec<String>)> {
    rows.extend(background());
    rows
}

#[test]
fn overlapping_stays_fire_on_two_hospitals_at_once_not_on_a_same_day_transfer() {
    let (p, q) = (id(1), id(2));
    let (_dir, g) = world(&with_background(vec![(
        "claims.csv",
        vec![
            claim("C1", &p, "H1", "2024-01-01", "2024-01-10", 500, 400, "flu", "", ""),
            claim("C2", &p, "H2", "2024-01-05", "2024-01-08", 500, 400, "flu", "", ""),
            // Near miss: discharged from H1 and admitted to H2 the same day.
            claim("C3", &q, "H1", "2024-02-01", "2024-02-05", 500, 400, "flu", "", ""),
            claim("C4", &q, "H2", "2024-02-05", "2024-02-07", 500, 400, "flu", "", ""),
        ],
    )]));
    let a = run(&g);
    assert_eq!(alerted(&a, "overlapping_stays"), ["C1", "C2"]);
    let alert = a.alerts.iter().find(|x| x.rule == "overlapping_stays").unwrap();
    let text = alert.reasons.join(" ");
    assert!(text.contains("2024-01-05") && text.contains("H2") && text.contains("3 night(s)"), "{text}");
    assert_eq!(alert.level, Level::Red);
}

#[test]
fn claims_after_death_fire_only_after_the_death() {
    let p = id(3);
    let (_dir, g) = world(&with_background(vec![
        ("persons.csv", vec![format!("{p},dead,2024-03-01,,")]),
        (
            "claims.csv",
            vec![
                claim("C5", &p, "H1", "2024-03-10", "2024-03-12", 500, 400, "flu", "", ""),
                claim("C6", &p, "H1", "2024-02-20", "2024-03-05", 500, 400, "flu", "", ""),
            ],
        ),
    ]));
    let a = run(&g);
    assert_eq!(alerted(&a, "claim_after_death"), ["C5"]);
    assert!(a
        .alerts
        .iter()
        .any(|x| x.reasons.iter().any(|r| r.contains("9 day(s) after") && r.contains("2024-03-01"))));
}

#[test]
fn duplicate_claims_need_the_same_amount() {
    let p = id(4);
    let (_dir, g) = world(&with_background(vec![(
        "claims.csv",
        vec![
            claim("C7", &p, "H1", "2024-04-01", "2024-04-03", 700, 500, "flu", "", ""),
            claim("C8", &p, "H1", "2024-04-01", "2024-04-03", 700, 500, "flu", "", ""),
            // Near miss: same stay dates, different amount.
            claim("C9", &p, "H1", "2024-05-01", "2024-05-03", 700, 500, "flu", "", ""),
            claim("C10", &p, "H1", "2024-05-01", "2024-05-03", 900, 500, "flu", "", ""),
        ],
    )]));
    assert_eq!(alerted(&run(&g), "duplicate_claims"), ["C7", "C8"]);
}

#[test]
fn reimbursed_over_billed_fires_above_the_bill_only() {
    let p = id(5);
    let (_dir, g) = world(&with_background(vec![(
        "claims.csv",
        vec![
            claim("C11", &p, "H1", "2024-01-01", "2024-01-02", 100, 120, "flu", "", ""),
            claim("C12", &p, "H1", "2024-02-01", "2024-02-02", 100, 100, "flu", "", ""),
        ],
    )]));
    let a = run(&g);
    assert_eq!(alerted(&a, "reimbursed_over_billed"), ["C11"]);
    let reason = &a.alerts.iter().find(|x| x.rule == "reimbursed_over_billed").unwrap().reasons[0];
    assert!(reason.contains("120.00") && reason.contains("100.00"), "{reason}");
}

#[test]
fn invalid_claimant_ids_fire_valid_ones_do_not() {
    let (bad, good) = (bad_id(6), id(7));
    let (_dir, g) = world(&with_background(vec![(
        "claims.csv",
        vec![
            claim("C13", &bad, "H1", "2024-01-01", "2024-01-02", 100, 80, "flu", "", ""),
            claim("C14", &good, "H1", "2024-01-01", "2024-01-02", 100, 80, "flu", "", ""),
        ],
    )]));
    let a = run(&g);
    assert_eq!(alerted(&a, "invalid_claimant_id"), ["C13"]);
    assert!(a.alerts.iter().any(|x| x.rule == "invalid_claimant_id" && x.reasons[0].contains("check")));
}

#[test]
fn paid_to_non_holder_fires_on_a_strangers_account() {
    let (p, stranger) = (id(8), id(9));
    let (_dir, g) = world(&with_background(vec![
        ("accounts.csv", vec![format!("ACC-P,{p},"), format!("ACC-S,{stranger},")]),
        (
            "claims.csv",
            vec![
                claim("C15", &p, "H1", "2024-01-01", "2024-01-02", 100, 80, "flu", "", "ACC-S"),
                claim("C16", &p, "H1", "2024-02-01", "2024-02-02", 100, 80, "flu", "", "ACC-P"),
            ],
        ),
    ]));
    let a = run(&g);
    assert_eq!(alerted(&a, "paid_to_non_holder"), ["C15"]);
    let alert = a.alerts.iter().find(|x| x.rule == "paid_to_non_holder").unwrap();
    assert!(alert.related.iter().any(|r| r.key == stranger), "{:?}", alert.related);
    // The evidence cites the claim's source row and the edges that make the case.
    assert!(alert.evidence.rows.iter().any(|r| r.entity.key == "C15" && r.file.ends_with("claims.csv")));
    assert!(alert.evidence.edges.iter().any(|e| e.relation == "paid_to" && e.to.key == "ACC-S"));
    assert!(alert.evidence.edges.iter().any(|e| e.relation == "holds_account" && e.from.key == stranger));
    assert_eq!(alert.evidence.rule.id, "paid_to_non_holder");
}

#[test]
fn staff_related_payee_fires_through_a_shared_phone_not_through_a_switchboard() {
    let (staff, relative, victim) = (id(10), id(11), id(12));
    let (staff2, relative2, victim2) = (id(13), id(14), id(15));
    let mut persons = vec![
        format!("{staff},staff,,13900000001,"),
        format!("{relative},relative,,13900000001,"),
        format!("{victim},victim,,,"),
        // Near miss: the second staff member's phone is a switchboard twelve people list.
        format!("{staff2},staff2,,02500000000,"),
        format!("{relative2},relative2,,02500000000,"),
        format!("{victim2},victim2,,,"),
    ];
    for i in 0..10 {
        persons.push(format!("{},caller{i},,02500000000,", id(40 + i)));
    }
    let (_dir, g) = world(&with_background(vec![
        ("persons.csv", persons),
        ("accounts.csv", vec![format!("ACC-R,{relative},"), format!("ACC-R2,{relative2},")]),
        (
            "claims.csv",
            vec![
                claim("C17", &victim, "H1", "2024-01-01", "2024-01-02", 9000, 8500, "flu", &staff, "ACC-R"),
                claim("C18", &victim2, "H1", "2024-01-01", "2024-01-02", 9000, 8500, "flu", &staff2, "ACC-R2"),
            ],
        ),
    ]));
    let a = run(&g);
    assert_eq!(alerted(&a, "staff_related_payee"), ["C17"]);
    assert!(a.alerts.iter().any(|x| x.rule == "staff_related_payee" && x.reasons[0].contains("13900000001")));
    // Both are paid to strangers all the same.
    assert_eq!(alerted(&a, "paid_to_non_holder"), ["C17", "C18"]);
    // The staff network: the staff member and the relative paid.
    let net: Vec<&clew::analysis::Cluster> = a.clusters.iter().filter(|c| c.kind == "staff_network").collect();
    assert_eq!(net.len(), 1);
    let keys: BTreeSet<&str> = net[0].members.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, BTreeSet::from([staff.as_str(), relative.as_str()]));
}

#[test]
fn amount_outliers_fire_far_above_comparable_stays() {
    let p = id(16);
    let (_dir, g) = world(&with_background(vec![(
        "claims.csv",
        vec![
            claim("C19", &p, "HB1", "2024-01-01", "2024-01-02", 20000, 100, "flu", "", ""),
            // Near miss: above the median, within the spread.
            claim("C20", &p, "HB1", "2024-02-01", "2024-02-02", 1600, 100, "flu", "", ""),
        ],
    )]));
    let a = run(&g);
    assert_eq!(alerted(&a, "amount_outlier"), ["C19"]);
    assert!(a.alerts.iter().any(|x| x.rule == "amount_outlier" && x.reasons[0].contains("robust z")));
}

/// A ring of five sharing a phone and an address, all claiming inflated amounts at HR and paid
/// into two members' accounts; a family of four at one address with ordinary claims at several
/// hospitals.
fn ring_world() -> (TempDir, Graph, Vec<String>, Vec<String>) {
    let ring: Vec<String> = (20..25).map(id).collect();
    let family: Vec<String> = (30..34).map(id).collect();
    let mut persons = Vec::new();
    let mut accounts = Vec::new();
    let mut claims = Vec::new();
    for (i, p) in ring.iter().enumerate() {
        let address = if i % 3 != 2 { "ring-address" } else { "" };
        persons.push(format!("{p},ring{i},,13811112222,{address}"));
        accounts.push(format!("ACC-RING{i},{p},"));
        for j in 0..3 {
            claims.push(claim(
                &format!("R{i}{j}"),
                p,
                "HR",
                &format!("2023-0{}-10", 1 + j),
                &format!("2023-0{}-12", 1 + j),
                5000 + i as u32 * 100,
                4600,
                "flu",
                "",
                &format!("ACC-RING{}", i % 2),
            ));
        }
    }
    for (i, p) in family.iter().enumerate() {
        persons.push(format!("{p},family{i},,1370000000{i},family-address"));
        accounts.push(format!("ACC-FAM{i},{p},"));
        claims.push(claim(
            &format!("F{i}"),
            p,
            &format!("HB{}", i % 3),
            "2023-05-01",
            "2023-05-03",
            1200,
            900,
            "flu",
            "",
            &format!("ACC-FAM{i}"),
        ));
    }
    let (dir, g) =
        world(&with_background(vec![("persons.csv", persons), ("accounts.csv", accounts), ("claims.csv", claims)]));
    (dir, g, ring, family)
}

#[test]
fn a_collusion_ring_comes_out_red_and_a_family_at_one_address_does_not() {
    let (_dir, g, ring, family) = ring_world();
    let a = run(&g);
    let rings: Vec<&clew::analysis::Cluster> = a.clusters.iter().filter(|c| c.kind == "ring").collect();
    let of =
        |keys: &[String]| rings.iter().find(|c| c.members.iter().any(|m| keys.contains(&m.key))).map(|c| (*c).clone());
    let found = of(&ring).expect("the ring is a cluster");
    let members: BTreeSet<&str> = found.members.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(members, ring.iter().map(String::as_str).collect::<BTreeSet<_>>());
    assert!(found.level >= Level::Orange, "{found:?}");
    assert!(found.reasons.iter().any(|r| r.contains("13811112222")), "{:?}", found.reasons);
    assert!(found.reasons.iter().any(|r| r.contains("hospital HR")), "{:?}", found.reasons);
    if let Some(fam) = of(&family) {
        assert!(fam.level <= Level::Yellow, "the family came out {:?}: {fam:?}", fam.level);
    }
    // The ring's claims become alerts; the family's do not.
    let ring_claims = alerted(&a, "ring_claims");
    assert_eq!(ring_claims.len(), 15, "{ring_claims:?}");
    assert!(ring_claims.iter().all(|k| k.starts_with('R')));
    // Stable id: the same world analysed again (another seed) keeps it.
    let again = analyze(&g, &RuleSet::builtin(), &Options { seed: 99, ..Options::default() }).unwrap();
    assert!(again.clusters.iter().any(|c| c.cluster_id == found.cluster_id));
}

/// Three shell companies at one address with one legal representative, owning each other in a
/// circle, with money going round their accounts; and three ordinary companies, one owning
/// another, each with its own address and representative.
fn shell_world(cycle: bool) -> (TempDir, Graph) {
    let rep = id(50);
    let mut roles = Vec::new();
    let mut companies = Vec::new();
    for (i, c) in ["SA", "SB", "SC"].iter().enumerate() {
        companies.push(format!("{c},suite-1,02588880000"));
        roles.push(format!("{c},{rep},,"));
        let next = ["SB", "SC", "SA"][i];
        roles.push(format!("{next},,{c},60"));
    }
    for (i, c) in ["OA", "OB", "OC"].iter().enumerate() {
        companies.push(format!("{c},office-{i},0251000000{i}"));
        roles.push(format!("{c},{},,", id(51 + i as u32)));
    }
    roles.push("OB,,OA,100".to_owned());
    let accounts = vec!["ACC-SA,,SA".to_owned(), "ACC-SB,,SB".to_owned(), "ACC-SC,,SC".to_owned()];
    let back = if cycle { "98000" } else { "40000" };
    let transfers = vec![
        "ACC-SA,ACC-SB,100000,2023-03-01 10:00:00".to_owned(),
        "ACC-SB,ACC-SC,99000,2023-03-02 10:00:00".to_owned(),
        format!("ACC-SC,ACC-SA,{back},2023-03-04 10:00:00"),
    ];
    world(&[
        ("companies.csv", companies),
        ("roles.csv", roles),
        ("accounts.csv", accounts),
        ("transfers.csv", transfers),
    ])
}

#[test]
fn shell_networks_and_fund_cycles_are_found_and_ordinary_companies_are_not() {
    let (_dir, g) = shell_world(true);
    let a = run(&g);
    let shells: Vec<&clew::analysis::Cluster> = a.clusters.iter().filter(|c| c.kind == "shell_network").collect();
    assert_eq!(shells.len(), 1, "{shells:?}");
    let companies: BTreeSet<&str> =
        shells[0].members.iter().filter(|m| m.ty == "company").map(|m| m.key.as_str()).collect();
    assert_eq!(companies, BTreeSet::from(["SA", "SB", "SC"]));
    assert_eq!(shells[0].level, Level::Red, "{:?}", shells[0]);
    assert!(shells[0].reasons.iter().any(|r| r.starts_with("circular ownership")), "{:?}", shells[0].reasons);
    assert!(shells[0].reasons.iter().any(|r| r.contains("fund cycle")), "{:?}", shells[0].reasons);
    let cycles: Vec<&clew::analysis::Cluster> = a.clusters.iter().filter(|c| c.kind == "fund_cycle").collect();
    assert_eq!(cycles.len(), 1);
    let accounts: Vec<&str> = cycles[0].members.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(accounts, ["ACC-SA", "ACC-SB", "ACC-SC"]);
    assert!(cycles[0].evidence.edges.iter().filter(|e| e.relation == "transfer").count() == 3);
    // Near miss: only 40 % comes back, so no fund cycle, and the network scores lower.
    let (_dir2, g2) = shell_world(false);
    let b = run(&g2);
    assert!(b.clusters.iter().all(|c| c.kind != "fund_cycle"));
    let shell = b.clusters.iter().find(|c| c.kind == "shell_network").expect("still a shell network");
    assert!(shell.risk_score < shells[0].risk_score);
}

// ---------------------------------------------------------------------------------------------
// The JSON Schemas, checked by a validator for the keywords they use.

fn schema(name: &str) -> Json {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("the schema ships")).expect("the schema is JSON")
}

/// Checks `value` against `schema` (the keywords the shipped schemas use: type, required,
/// properties, additionalProperties, items, enum, minimum, maximum, minItems, minLength and
/// local `$ref`s); returns the first violation with its JSON path.
fn validate(root: &Json, schema: &Json, value: &Json, path: &str) -> Result<(), String> {
    let Json::Object(s) = schema else { return Ok(()) };
    if let Some(Json::String(r)) = s.get("$ref") {
        let mut target = root;
        for part in r.trim_start_matches("#/").split('/') {
            target = &target[part];
        }
        return validate(root, target, value, path);
    }
    if let Some(Json::String(ty)) = s.get("type") {
        let ok = match ty.as_str() {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            _ => true,
        };
        if !ok {
            return Err(format!("{path}: expected {ty}, got {value}"));
        }
    }
    if let Some(Json::Array(options)) = s.get("enum") {
        if !options.contains(value) {
            return Err(format!("{path}: {value} is not one of {options:?}"));
        }
    }
    if let (Some(min), Some(x)) = (s.get("minimum").and_then(Json::as_f64), value.as_f64()) {
        if x < min {
            return Err(format!("{path}: {x} < {min}"));
        }
    }
    if let (Some(max), Some(x)) = (s.get("maximum").and_then(Json::as_f64), value.as_f64()) {
        if x > max {
            return Err(format!("{path}: {x} > {max}"));
        }
    }
    if let (Some(min), Some(text)) = (s.get("minLength").and_then(Json::as_u64), value.as_str()) {
        if (text.chars().count() as u64) < min {
            return Err(format!("{path}: shorter than {min}"));
        }
    }
    if let Json::Array(items) = value {
        if let Some(min) = s.get("minItems").and_then(Json::as_u64) {
            if (items.len() as u64) < min {
                return Err(format!("{path}: fewer than {min} items"));
            }
        }
        if let Some(item_schema) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                validate(root, item_schema, item, &format!("{path}[{i}]"))?;
            }
        }
    }
    if let Json::Object(map) = value {
        for req in s.get("required").and_then(Json::as_array).into_iter().flatten() {
            let name = req.as_str().unwrap_or_default();
            if !map.contains_key(name) {
                return Err(format!("{path}: missing `{name}`"));
            }
        }
        let props = s.get("properties").and_then(Json::as_object);
        for (k, v) in map {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => validate(root, sub, v, &format!("{path}.{k}"))?,
                None => match s.get("additionalProperties") {
                    Some(Json::Bool(false)) => return Err(format!("{path}: unexpected `{k}`")),
                    Some(sub @ Json::Object(_)) => validate(root, sub, v, &format!("{path}.{k}"))?,
                    _ => {}
                },
            }
        }
    }
    Ok(())
}

fn validate_file(file: &Path, schema_name: &str) -> usize {
    let s = schema(schema_name);
    let text = std::fs::read_to_string(file).expect("the output file");
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let v: Json = serde_json::from_str(line).unwrap_or_else(|e| panic!("{}:{}: {e}", file.display(), i + 1));
        if let Err(e) = validate(&s, &s, &v, "$") {
            panic!("{}:{}: {e}", file.display(), i + 1);
        }
        n += 1;
    }
    n
}

#[test]
fn the_validator_refuses_what_the_schema_forbids() {
    let s = schema("alerts.schema.json");
    let good = serde_json::json!({"rule": "r", "record": {"type": "claim", "key": "C1"}, "score": 5, "level": "red", "reasons": ["x"]});
    assert!(validate(&s, &s, &good, "$").is_ok());
    let bad_level = serde_json::json!({"rule": "r", "record": {"type": "claim", "key": "C1"}, "score": 5, "level": "pink", "reasons": ["x"]});
    assert!(validate(&s, &s, &bad_level, "$").unwrap_err().contains("level"));
    let extra = serde_json::json!({"rule": "r", "record": {"type": "claim", "key": "C1", "x": 1}, "score": 5, "level": "red", "reasons": ["x"]});
    assert!(validate(&s, &s, &extra, "$").unwrap_err().contains("unexpected `x`"));
    let missing = serde_json::json!({"rule": "r", "score": 5, "level": "red", "reasons": []});
    assert!(validate(&s, &s, &missing, "$").unwrap_err().contains("record"));
}

// ---------------------------------------------------------------------------------------------
// End to end on the small demo world.

struct Demo {
    dir: TempDir,
    truth: clew::demo::Truth,
}

impl Demo {
    fn make(seed: u64) -> Demo {
        let dir = tempfile::tempdir().expect("dir");
        let truth = clew::demo::generate(clew::demo::Size::Small, seed, dir.path()).expect("demo generates");
        let out = dir.path().join(clew::demo::SNAPSHOT_FILE);
        clew::build::build(&dir.path().join(clew::demo::MAPPING_FILE), &out, &Default::default(), &Default::default())
            .expect("demo builds");
        Demo { dir, truth }
    }

    fn snapshot(&self) -> PathBuf {
        self.dir.path().join(clew::demo::SNAPSHOT_FILE)
    }
}

/// Every claim the demo planted as fraudulent.
fn planted_claims(t: &clew::demo::Truth) -> BTreeSet<String> {
    let p = &t.patterns;
    let mut out = BTreeSet::new();
    for f in &p.forging_staff {
        out.extend(f.claims.iter().map(|c| c.claim.clone()));
    }
    for o in &p.overlapping_stays {
        out.extend(o.claims.iter().cloned());
    }
    for o in &p.claims_after_death {
        out.extend(o.claims.iter().cloned());
    }
    for o in &p.duplicate_claims {
        out.extend(o.claims.iter().cloned());
    }
    out.extend(p.reimbursed_over_billed.iter().map(|o| o.claim.clone()));
    for o in &p.invalid_id_claimants {
        out.extend(o.claims.iter().cloned());
    }
    out.extend(p.paid_to_other.iter().map(|o| o.claim.clone()));
    for o in &p.collusion_rings {
        out.extend(o.claims.iter().cloned());
    }
    out
}

/// Every key the truth names in a planted pattern.
fn planted_keys(t: &clew::demo::Truth) -> BTreeSet<String> {
    fn walk(v: &Json, out: &mut BTreeSet<String>) {
        match v {
            Json::String(s) => {
                out.insert(s.clone());
            }
            Json::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Json::Object(map) => map.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(&serde_json::to_value(&t.patterns).expect("truth serialises"), &mut out);
    out
}

fn jaccard(a: &BTreeSet<&str>, b: &BTreeSet<&str>) -> f64 {
    a.intersection(b).count() as f64 / a.union(b).count().max(1) as f64
}

/// The best Jaccard of `truth` with the `ty` members of any cluster of `kind`.
fn best_match(a: &Analysis, kind: &str, ty: &str, truth: &[String]) -> f64 {
    let want: BTreeSet<&str> = truth.iter().map(String::as_str).collect();
    a.clusters
        .iter()
        .filter(|c| c.kind == kind)
        .map(|c| jaccard(&want, &c.members.iter().filter(|m| m.ty == ty).map(|m| m.key.as_str()).collect()))
        .fold(0.0, f64::max)
}

#[test]
fn the_small_demo_world_meets_the_issue_figures() {
    let demo = Demo::make(42);
    let snapshot = demo.snapshot();
    let g = Graph::open(&snapshot).expect("open");
    let a = run(&g);
    let t = &demo.truth;

    // Recall and precision of the planted fraudulent claims.
    let planted = planted_claims(t);
    let flagged: BTreeSet<String> =
        a.alerts.iter().filter(|x| x.record.ty == "claim").map(|x| x.record.key.clone()).collect();
    let hits = flagged.intersection(&planted).count();
    let recall = hits as f64 / planted.len() as f64;
    let precision = hits as f64 / flagged.len().max(1) as f64;
    let missed: Vec<&String> = planted.difference(&flagged).take(10).collect();
    assert!(recall >= 0.95, "recall {recall:.3} ({hits} of {}); missed {missed:?}", planted.len());
    assert!(precision >= 0.90, "precision {precision:.3} ({hits} of {} flagged)", flagged.len());

    // Rings and shell networks matched with Jaccard at least 0.5.
    let rings = &t.patterns.collusion_rings;
    let shells = &t.patterns.shell_networks;
    let matched_rings = rings.iter().filter(|r| best_match(&a, "ring", "person", &r.members) >= 0.5).count();
    let matched_shells =
        shells.iter().filter(|s| best_match(&a, "shell_network", "company", &s.companies) >= 0.5).count();
    assert!(
        (matched_rings + matched_shells) as f64 >= 0.9 * (rings.len() + shells.len()) as f64,
        "{matched_rings}/{} rings, {matched_shells}/{} shell networks matched",
        rings.len(),
        shells.len()
    );
    for cycle in &t.patterns.transfer_cycles {
        assert!(
            best_match(&a, "fund_cycle", "account", &cycle.accounts) >= 0.99,
            "cycle {:?} not found",
            cycle.accounts
        );
    }

    // No red cluster without a planted member; no look-alike family red or orange.
    let keys = planted_keys(t);
    for c in a.clusters.iter().filter(|c| c.level == Level::Red) {
        assert!(c.members.iter().any(|m| keys.contains(&m.key)), "red cluster without a planted member: {c:?}");
    }
    let families: BTreeSet<&str> =
        t.lookalikes.families.iter().flat_map(|f| f.members.iter().map(String::as_str)).collect();
    for c in a.clusters.iter().filter(|c| c.level >= Level::Orange) {
        let planted_member = c.members.iter().any(|m| keys.contains(&m.key));
        let family_member = c.members.iter().any(|m| families.contains(m.key.as_str()));
        assert!(planted_member || !family_member, "a look-alike family came out {:?}: {c:?}", c.level);
    }
    // The big employer's employees and the big hospital's patients are never a cluster of
    // their own: no orange or red cluster is mostly people without a planted pattern.
    for c in a.clusters.iter().filter(|c| c.level >= Level::Orange) {
        assert!(c.members.iter().any(|m| keys.contains(&m.key)), "{c:?}");
    }

    // Output: written, stored beside the snapshot, valid against the shipped schemas, read back.
    let out = demo.dir.path().join("analysis-out");
    output::write(&out, &a).expect("write");
    output::write(&output::snapshot_dir(&snapshot), &a).expect("store");
    assert_eq!(validate_file(&out.join(output::CLUSTERS_FILE), "clusters.schema.json"), a.clusters.len());
    assert_eq!(validate_file(&out.join(output::ALERTS_FILE), "alerts.schema.json"), a.alerts.len());
    let back = output::read_clusters(&out).expect("read back");
    assert_eq!(back.len(), a.clusters.len());
    // The server reads what we stored and resolves every member and record.
    let served = clew::server::state::load_analysis(&g, &output::snapshot_dir(&snapshot));
    assert_eq!(served.skipped_lines, 0);
    assert_eq!(served.clusters.len(), a.clusters.len());
    assert!(served.cluster_nodes.iter().flatten().all(Option::is_some), "a member the server cannot resolve");
    assert!(served.alert_nodes.iter().all(Option::is_some), "an alert record the server cannot resolve");

    // Every cluster and alert carries its evidence chain.
    for c in &a.clusters {
        assert!(!c.evidence.rows.is_empty() && !c.evidence.rule.id.is_empty(), "{}", c.cluster_id);
    }
    for x in &a.alerts {
        assert!(!x.evidence.rows.is_empty() && !x.evidence.edges.is_empty(), "{} {}", x.rule, x.record.key);
    }

    // Export: every format of the top ring.
    let ring = a.clusters.iter().find(|c| c.kind == "ring" && c.level == Level::Red).expect("a red ring");
    for format in export::FORMATS {
        let text = export::render(&g, ring, format, 5000).expect("a format");
        assert!(text.contains(&ring.members[0].key), "{format} lacks the first member");
    }
    let graphml = export::render(&g, ring, "graphml", 5000).unwrap();
    assert_eq!(graphml.matches("<node ").count(), export::subgraph(&g, ring, 5000).nodes.len());
    assert!(graphml.trim_end().ends_with("</graphml>"));
}

#[test]
fn a_rebuilt_snapshot_keeps_cluster_ids_and_runs_are_reproducible() {
    let first = Demo::make(7);
    let second = Demo::make(7);
    let ga = Graph::open(&first.snapshot()).unwrap();
    let gb = Graph::open(&second.snapshot()).unwrap();
    let a = analyze(&ga, &RuleSet::builtin(), &Options { seed: 3, ..Options::default() }).unwrap();
    let b = analyze(&gb, &RuleSet::builtin(), &Options { seed: 3, ..Options::default() }).unwrap();
    let ids = |x: &Analysis| x.clusters.iter().map(|c| c.cluster_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    let (da, db) = (first.dir.path().join("out"), second.dir.path().join("out"));
    output::write(&da, &a).unwrap();
    output::write(&db, &b).unwrap();
    for file in [output::CLUSTERS_FILE, output::ALERTS_FILE, output::ENTITIES_FILE] {
        let strip = |p: PathBuf| std::fs::read_to_string(p).unwrap().replace(first.dir.path().to_str().unwrap(), "DIR");
        let strip_b =
            |p: PathBuf| std::fs::read_to_string(p).unwrap().replace(second.dir.path().to_str().unwrap(), "DIR");
        assert!(strip(da.join(file)) == strip_b(db.join(file)), "{file} differs between two identical runs");
    }
    let changes = diff::diff(&a.clusters, &b.clusters);
    assert!(changes.iter().all(|c| c.change == "same"));
    // Dropping a rule's clusters reads as vanished.
    let fewer: Vec<clew::analysis::Cluster> = b.clusters.iter().filter(|c| c.kind != "fund_cycle").cloned().collect();
    let changes = diff::diff(&a.clusters, &fewer);
    let vanished = changes.iter().filter(|c| c.change == "vanished").count();
    assert_eq!(vanished, a.clusters.iter().filter(|c| c.kind == "fund_cycle").count());
    let per_rule: BTreeMap<&str, usize> = a.summary.alerts_per_rule.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert!(per_rule["overlapping_stays"] > 0);
}

// ---------------------------------------------------------------------------------------------
// Real data: the detectors against the labels public data sets carry.

fn example(name: &str) -> (TempDir, Graph) {
    let mapping = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name).join("mapping.toml");
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("world.clew");
    clew::build::build(&mapping, &out, &Default::default(), &Default::default())
        .unwrap_or_else(|e| panic!("building {} (needs ../shared/datasets): {e:#}", mapping.display()));
    let g = Graph::open(&out).expect("open");
    (dir, g)
}

/// Node keys whose `prop` is true.
fn flagged(g: &Graph, ty: &str, prop: &str) -> BTreeSet<String> {
    let t = g.schema().entity_id(ty).expect("type");
    g.type_range(t)
        .map(clew::graph::NodeId)
        .filter(|&n| {
            matches!(g.node_prop_by_name(n, prop), clew::graph::Value::Bool(true) | clew::graph::Value::Int(1))
        })
        .map(|n| g.key(n).to_owned())
        .collect()
}

#[test]
fn amlsim_cycle_accounts_against_the_laundering_labels() {
    let (_dir, g) = example("ibm-amlsim");
    let a = run(&g);
    let fraud = flagged(&g, "account", "is_fraud");
    assert_eq!(fraud.len(), 945);
    let found: BTreeSet<String> = a
        .clusters
        .iter()
        .filter(|c| c.kind == "fund_cycle")
        .flat_map(|c| c.members.iter().map(|m| m.key.clone()))
        .collect();
    let hits = found.intersection(&fraud).count();
    let (precision, recall) = (hits as f64 / found.len().max(1) as f64, hits as f64 / fraud.len() as f64);
    eprintln!(
        "AMLSim 20K_cycle200, built-in rules: {} cycle accounts, precision {precision:.3}, recall {recall:.3}",
        found.len()
    );
    // The base rate is 945 / 20,000 = 4.7 %: the detector must at least double it.
    assert!(precision >= 0.094 && recall >= 0.4, "precision {precision:.3}, recall {recall:.3}");
}

#[test]
fn neo4j_demo_fraud_rings_hold_the_flagged_customers() {
    let (_dir, g) = example("neo4j-demo-fraud");
    let a = run(&g);
    let fraud = flagged(&g, "person", "fraud_flag");
    assert_eq!(fraud.len(), 7);
    let in_rings: BTreeSet<String> =
        a.clusters.iter().filter(|c| c.kind == "ring").flat_map(|c| c.members.iter().map(|m| m.key.clone())).collect();
    let hits = in_rings.intersection(&fraud).count();
    eprintln!(
        "neo4j demo-fraud: {} ring clusters hold {} of 74 customers and {hits} of the 7 flagged",
        a.clusters.iter().filter(|c| c.kind == "ring").count(),
        in_rings.len()
    );
    assert_eq!(hits, 7);
}

#[test]
fn merge_decisions_touching_an_entity_are_cited_in_its_evidence() {
    let (p, stranger) = (id(8), id(9));
    let (dir, g) = world(&with_background(vec![
        ("accounts.csv", vec![format!("ACC-S,{stranger},")]),
        ("claims.csv", vec![claim("C15", &p, "H1", "2024-01-01", "2024-01-02", 100, 80, "flu", "", "ACC-S")]),
    ]));
    let merges = dir.path().join("world.clew.merges.jsonl");
    let decision = serde_json::json!({"type": "person", "kept": stranger, "merged": ["APP-1"], "score": 0.97});
    std::fs::write(&merges, format!("{decision}\n{{\"type\": \"person\", \"kept\": \"someone else\"}}\n")).unwrap();
    let a = analyze(&g, &RuleSet::builtin(), &Options { merges: Some(&merges), ..Options::default() }).unwrap();
    let alert = a.alerts.iter().find(|x| x.rule == "paid_to_non_holder").expect("fires");
    assert_eq!(alert.evidence.merges, vec![decision]);
}

#[test]
fn the_cli_analyzes_stores_exports_and_diffs() {
    let (dir, _g, ring, _family) = ring_world();
    let bin = env!("CARGO_BIN_EXE_clew");
    let snapshot = dir.path().join("world.clew");
    let out = dir.path().join("out");
    let run_cli = |args: &[&std::ffi::OsStr]| {
        let o = std::process::Command::new(bin).args(args).output().expect("clew runs");
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let said =
        run_cli(&["analyze".as_ref(), snapshot.as_os_str(), "--out".as_ref(), out.as_os_str(), "--quiet".as_ref()]);
    assert!(said.contains("peak memory"), "{said}");
    let stored = output::snapshot_dir(&snapshot);
    for file in [output::CLUSTERS_FILE, output::ALERTS_FILE, output::ENTITIES_FILE, output::SUMMARY_FILE] {
        assert!(out.join(file).is_file() && stored.join(file).is_file(), "{file}");
    }
    let clusters = output::read_clusters(&out).unwrap();
    let red = clusters.iter().find(|c| c.members.iter().any(|m| m.key == ring[0])).expect("the ring");
    let graphml = run_cli(&[
        "export".as_ref(),
        snapshot.as_os_str(),
        "--cluster".as_ref(),
        red.cluster_id.as_ref(),
        "--format".as_ref(),
        "graphml".as_ref(),
    ]);
    assert!(graphml.contains(&ring[0]) && graphml.contains("13811112222"), "members and the phone linking them");
    let files = dir.path().join("exported");
    run_cli(&[
        "export".as_ref(),
        snapshot.as_os_str(),
        "--level".as_ref(),
        "red,orange".as_ref(),
        "--format".as_ref(),
        "csv".as_ref(),
        "--out".as_ref(),
        files.as_os_str(),
    ]);
    assert!(files.join(format!("{}.csv", red.cluster_id)).is_file());
    let same = run_cli(&["diff".as_ref(), out.as_os_str(), stored.as_os_str()]);
    assert!(same.trim_end().ends_with("same"), "{same}");
    let rules = run_cli(&["analyze".as_ref(), "--print-rules".as_ref()]);
    assert_eq!(rules, clew::analysis::rules::BUILTIN_RULES);
}
