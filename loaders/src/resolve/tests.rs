//! Resolution on small in-memory worlds: who merges, who is kept apart and why, what the
//! staging tables look like afterwards, and (property tests) that the hard constraints hold
//! whatever the records.

use graph_schema::{Mapping, Schema};
use proptest::prelude::*;

use super::*;
use crate::staging::{EdgeRecord, Provenance, Staging, NULL_VALUE};

/// A resident ID with its check digit, for a region, birth date (YYYYMMDD) and sequence.
fn resident_id(region: &str, birth: &str, sequence: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let first17 = format!("{region}{birth}{sequence:03}");
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

/// One person record: key, name, birth date (YYYY-MM-DD), gender, phone, address.
#[derive(Debug, Clone)]
struct Rec {
    key: String,
    name: &'static str,
    birth: Option<String>,
    gender: &'static str,
    phone: Option<String>,
    address: Option<&'static str>,
}

fn rec(key: &str, name: &'static str, birth: &str, phone: &str) -> Rec {
    Rec {
        key: key.to_owned(),
        name,
        birth: (!birth.is_empty()).then(|| birth.to_owned()),
        gender: "",
        phone: (!phone.is_empty()).then(|| phone.to_owned()),
        address: None,
    }
}

const MAPPING: &str = r#"version = 1

[[source]]
name = "people"
path = "people.csv"
format = "csv"

  [[source.entity]]
  type = "person"
  key = { column = "id", normalise = ["resident_id"] }

[resolution.person]
"#;

fn mapping(extra: &str) -> Mapping {
    Mapping::parse(&format!("{MAPPING}{extra}"), "mapping.toml", Schema::builtin()).expect("test mapping")
}

/// Staging as the loaders would leave it: one node per record (keys are distinct), one row each.
fn staging(records: &[Rec]) -> Staging {
    let schema = Schema::builtin();
    let id = |name: &str| schema.entity_id(name).expect("built-in").0;
    let (person, phone, address) = (id("person"), id("phone"), id("address"));
    let rel = |name: &str| schema.relation_id(name).expect("built-in").0;
    let (has_phone, lives_at) = (rel("has_phone"), rel("lives_at"));
    let prop = |name: &str| schema.entities[person as usize].properties.iter().position(|p| p.name == name).unwrap();
    let (name_p, gender_p, birth_p) = (prop("name"), prop("gender"), prop("birth_date"));
    let mut st = Staging::new(schema.clone());
    st.files.push("people.csv".to_owned());
    for (i, r) in records.iter().enumerate() {
        let (local, created) = st.node(person, &r.key).unwrap();
        assert!(created, "duplicate key {}", r.key);
        if graph_schema::normalise::resident_id(&r.key).is_err()
            && r.key.len() >= 15
            && r.key.chars().all(|c| c.is_ascii_digit() || c == 'X')
        {
            st.types[person as usize].invalid_keys.push(local);
        }
        let name = st.strings.intern(r.name) as i64;
        st.types[person as usize].columns[name_p].values[local as usize] = name;
        if !r.gender.is_empty() {
            let g = st.strings.intern(r.gender) as i64;
            st.types[person as usize].columns[gender_p].values[local as usize] = g;
        }
        if let Some(b) = &r.birth {
            let days = graph_schema::normalise::date_days(b, &[]).unwrap();
            st.types[person as usize].columns[birth_p].values[local as usize] = i64::from(days);
        }
        if let Some(ph) = &r.phone {
            let (p, _) = st.node(phone, ph).unwrap();
            st.edges.push(EdgeRecord {
                src: local,
                dst: p,
                src_type: person,
                dst_type: phone,
                rel: has_phone,
                prop_row: u32::MAX,
            });
        }
        if let Some(a) = r.address {
            let (p, _) = st.node(address, &graph_schema::normalise::address(a)).unwrap();
            st.edges.push(EdgeRecord {
                src: local,
                dst: p,
                src_type: person,
                dst_type: address,
                rel: lives_at,
                prop_row: u32::MAX,
            });
        }
        st.provenance.push(Provenance { node_type: person, local, file: 0, line: i as u32 + 2 });
    }
    st.freeze();
    st
}

fn person_keys(st: &Staging) -> Vec<String> {
    st.types[0].keys.iter().map(|&k| st.strings.get(k).to_owned()).collect()
}

#[test]
fn a_record_without_an_id_joins_the_person_with_the_same_name_birth_date_and_phone() {
    let zhang = resident_id("320102", "19850312", 123);
    let records = vec![
        rec(&zhang, "张伟", "1985-03-12", "13812345678"),
        rec("APP-0001", "張偉", "1985-03-12", "13812345678"),
        rec("APP-0002", "李娜", "1990-01-01", "13900000000"),
    ];
    let mut st = staging(&records);
    let resolved = resolve(&mut st, &mapping(""));
    assert_eq!(resolved.merges.len(), 1, "{resolved:#?}");
    let m = &resolved.merges[0];
    assert_eq!(m.entity_type, "person");
    assert_eq!(m.keys, [zhang.clone(), "APP-0001".to_owned()], "the ID record survives");
    assert_eq!(
        m.rows,
        [SourceRow { file: "people.csv".into(), line: 2 }, SourceRow { file: "people.csv".into(), line: 3 }]
    );
    assert!(m.reason.contains("name agree") && m.reason.contains("birth_date agree"), "{}", m.reason);
    assert!(m.reason.contains("has_phone agree"), "{}", m.reason);
    assert!(m.score >= 25.0, "{}", m.score);
    // The staging now has one node for the two records, with both rows and the alias.
    assert_eq!(person_keys(&st), [zhang.as_str(), "APP-0002"]);
    assert_eq!(st.aliases.len(), 1);
    assert_eq!((st.aliases[0].local, st.strings.get(st.aliases[0].key)), (0, "APP-0001"));
    let rows: Vec<(u32, u32)> = st.provenance.iter().filter(|p| p.node_type == 0).map(|p| (p.local, p.line)).collect();
    assert_eq!(rows, [(0, 2), (0, 3), (1, 4)]);
    let phone_edges: Vec<u32> = st.edges.iter().filter(|e| e.src_type == 0).map(|e| e.src).collect();
    assert_eq!(phone_edges, [0, 0, 1]);
    let report = &st.resolution[0];
    assert_eq!((report.records, report.weak_records, report.records_merged), (3, 2, 1));
}

#[test]
fn the_same_name_with_another_birth_date_never_merges() {
    let id = resident_id("320102", "19850312", 123);
    // Same name and phone, even a forced merge: the birth dates differ, so they stay apart.
    let records =
        vec![rec(&id, "王芳", "1985-03-12", "13812345678"), rec("APP-1", "王芳", "1979-06-01", "13812345678")];
    let mut st = staging(&records);
    let resolved = resolve(&mut st, &mapping(&format!("forced_merges = [[\"APP-1\", \"{id}\"]]\n")));
    assert!(resolved.merges.is_empty(), "{resolved:#?}");
    assert_eq!(resolved.review.len(), 1);
    assert!(resolved.review[0].reason.contains("forced merge"), "{}", resolved.review[0].reason);
    assert!(
        resolved.review[0].reason.contains("different birth dates 1985-03-12 and 1979-06-01"),
        "{}",
        resolved.review[0].reason
    );
    assert_eq!(person_keys(&st).len(), 2);
}

#[test]
fn a_weak_record_never_bridges_two_valid_ids() {
    let (a, b) = (resident_id("320102", "19850312", 123), resident_id("320102", "19850312", 456));
    // Two people, same name and birth date (twins registered apart), one shared phone; a
    // paper record that matches both may join one of them, never both.
    let records = vec![
        rec(&a, "陈静", "1985-03-12", "13812345678"),
        rec(&b, "陈静", "1985-03-12", "13812345678"),
        rec("APP-9", "陳靜", "1985-03-12", "13812345678"),
    ];
    let mut st = staging(&records);
    let resolved = resolve(&mut st, &mapping(""));
    assert_eq!(resolved.merges.len(), 1, "{resolved:#?}");
    assert_eq!(resolved.merges[0].keys.len(), 2);
    assert!(resolved.review.iter().any(|r| r.reason.contains("two different valid identifiers")), "{resolved:#?}");
    assert_eq!(person_keys(&st).len(), 2);
}

#[test]
fn forced_splits_and_merges_are_obeyed() {
    let id = resident_id("320102", "19850312", 123);
    let records = vec![
        rec(&id, "赵敏", "1985-03-12", "13812345678"),
        rec("APP-1", "赵敏", "1985-03-12", "13812345678"),
        rec("APP-2", "赵敏", "", ""),
        rec("app-3", "钱多多", "1970-01-01", ""),
    ];
    let extra = format!(
        "forced_splits = [[\"APP-1\", \"{}\"]]\nforced_merges = [[\"APP-2\", \"{id}\"], [\"nobody\", \"APP-2\"]]\n",
        id.to_lowercase()
    );
    let mut st = staging(&records);
    let resolved = resolve(&mut st, &mapping(&extra));
    assert_eq!(resolved.merges.len(), 1, "{resolved:#?}");
    assert_eq!(resolved.merges[0].keys, [id.clone(), "APP-2".to_owned()]);
    assert!(resolved.merges[0].reason.starts_with("forced merge (mapping line 14)"), "{}", resolved.merges[0].reason);
    assert!(resolved.review.iter().any(|r| r.reason.contains("forced split (mapping line 13)")), "{resolved:#?}");
    assert_eq!(st.resolution[0].unknown_forced_keys, ["nobody"]);
}

#[test]
fn a_common_phone_is_weak_evidence_and_no_block() {
    // 30 people list one switchboard; two of them with different names must not merge, and
    // the switchboard makes no block (so the only candidates come from names and dates).
    let mut records: Vec<Rec> = (0..30)
        .map(|i| {
            rec(&resident_id("320102", "19700101", i), ["甲", "乙", "丙"][i as usize % 3], "1970-01-01", "02584561234")
        })
        .collect();
    records.push(rec("APP-1", "丁一", "1980-05-05", "02584561234"));
    let mut st = staging(&records);
    let resolved = resolve(&mut st, &mapping("\n[common_identifiers]\nmin_degree = 20\n"));
    assert!(resolved.merges.is_empty(), "{resolved:#?}");
    assert_eq!(st.resolution[0].candidate_pairs, 0);
}

#[test]
fn a_typo_in_an_id_is_close_evidence() {
    let id = resident_id("320102", "19850312", 123);
    let mut typo = id.clone().into_bytes();
    typo[16] = if typo[16] == b'9' { b'8' } else { typo[16] + 1 };
    let typo = String::from_utf8(typo).unwrap();
    let records = vec![rec(&id, "孙悦", "1985-03-12", "13812345678"), rec(&typo, "孙悦", "1985-03-12", "")];
    let mut st = staging(&records);
    let resolved = resolve(&mut st, &mapping(""));
    assert_eq!(resolved.merges.len(), 1, "{resolved:#?}");
    assert!(resolved.merges[0].reason.contains("id close"), "{}", resolved.merges[0].reason);
}

#[test]
fn blocks_above_the_cap_are_reported() {
    let mut records: Vec<Rec> = (0..6)
        .map(|i| rec(&resident_id("320102", "19700101", i), "王伟", &format!("{}-01-01", 1950 + i), ""))
        .collect();
    records.push(rec("APP-1", "王伟", "", ""));
    let mut st = staging(&records);
    resolve(&mut st, &mapping("max_block = 5\n"));
    assert_eq!(st.resolution[0].capped_blocks, ["name 王伟 (7 records)"]);
}

#[test]
fn merged_properties_keep_the_survivors_and_fill_gaps() {
    let id = resident_id("320102", "19850312", 124);
    let mut a = rec(&id, "周杰", "1985-03-12", "13812345678");
    a.gender = "";
    let mut b = rec("APP-1", "周杰", "1985-03-12", "13812345678");
    b.gender = "男";
    let mut st = staging(&[b, a]);
    resolve(&mut st, &mapping(""));
    assert_eq!(person_keys(&st), [id.as_str()]);
    let gender = st.types[0].columns[1].values[0];
    assert_ne!(gender, NULL_VALUE);
    assert_eq!(st.strings.get(gender as u32), "男");
}

#[test]
fn addresses_count_as_evidence_across_spellings() {
    let id = resident_id("320102", "19850312", 125);
    let mut a = rec(&id, "吴昊", "1985-03-12", "");
    a.address = Some("南京市玄武区中山路88号阳光花园3栋2单元501室");
    let mut b = rec("APP-1", "吴昊", "1985-03-12", "");
    b.address = Some("玄武区中山路88号");
    let mut st = staging(&[a, b]);
    let resolved = resolve(&mut st, &mapping(""));
    assert_eq!(resolved.merges.len(), 1, "{resolved:#?}");
    assert!(resolved.merges[0].reason.contains("lives_at agree"), "{}", resolved.merges[0].reason);
}

#[test]
fn records_keyed_by_number_with_the_same_id_property_are_one_person() {
    let mut schema = Schema::builtin();
    schema
        .extend_from_toml("[[entity]]\nname = \"person\"\nproperties = { id_card = \"string\" }\n", "schema.toml")
        .unwrap();
    let text = format!("{MAPPING}id_property = \"id_card\"\n");
    let mapping = Mapping::parse(&text, "mapping.toml", schema.clone()).unwrap();
    let person = schema.entity_id("person").unwrap().0;
    let props = &schema.entities[person as usize].properties;
    let (name_p, card_p) =
        (props.iter().position(|p| p.name == "name").unwrap(), props.iter().position(|p| p.name == "id_card").unwrap());
    let id = resident_id("320102", "19850312", 123);
    let mut st = Staging::new(schema.clone());
    st.files.push("records.csv".to_owned());
    for (i, (key, name, card)) in
        [("R1", "张伟", id.as_str()), ("R2", "張偉", id.as_str()), ("R3", "张伟", "")].iter().enumerate()
    {
        let (local, _) = st.node(person, key).unwrap();
        let v = st.strings.intern(name) as i64;
        st.types[person as usize].columns[name_p].values[local as usize] = v;
        if !card.is_empty() {
            let v = st.strings.intern(card) as i64;
            st.types[person as usize].columns[card_p].values[local as usize] = v;
        }
        st.provenance.push(Provenance { node_type: person, local, file: 0, line: i as u32 + 2 });
    }
    st.freeze();
    let resolved = resolve(&mut st, &mapping);
    assert_eq!(resolved.merges.len(), 1, "{resolved:#?}");
    assert_eq!(resolved.merges[0].keys, ["R1", "R2"]);
    assert!(resolved.merges[0].reason.starts_with(&format!("same identifier {id}")), "{}", resolved.merges[0].reason);
    assert_eq!(st.types[person as usize].len(), 2, "R3 has no ID and too little evidence");
}

const NAMES: [&str; 4] = ["张伟", "張偉", "李娜", "王芳"];
const BIRTHS: [&str; 3] = ["1985-03-12", "1985-03-13", "1990-07-01"];
const PHONES: [&str; 3] = ["13812345678", "13900000000", ""];

fn arbitrary_record() -> impl Strategy<Value = (Option<u32>, usize, Option<usize>, usize)> {
    (
        proptest::option::weighted(0.5, 0u32..4),
        0..NAMES.len(),
        proptest::option::weighted(0.8, 0..BIRTHS.len()),
        0..PHONES.len(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever the records, no merged group holds two different valid IDs, and no two records
    /// of a group share a (folded) name with different birth dates.
    #[test]
    fn hard_constraints_hold_in_every_group(specs in proptest::collection::vec(arbitrary_record(), 1..12), threshold in 5.0f64..30.0) {
        let mut records = Vec::new();
        for (i, &(id, name, birth, phone)) in specs.iter().enumerate() {
            let birth_text = birth.map(|b| BIRTHS[b]).unwrap_or("");
            let key = match id {
                // A valid ID whose embedded birth date is the record's own, so IDs and dates agree.
                Some(seq) => resident_id("320102", &birth_text.replace('-', "").chars().chain("19700101".chars()).take(8).collect::<String>(), seq * 100 + i as u32),
                None => format!("APP-{i}"),
            };
            records.push(rec(&key, NAMES[name], birth_text, PHONES[phone]));
        }
        let mut st = staging(&records);
        let by_key: std::collections::HashMap<String, &Rec> = records.iter().map(|r| (r.key.clone(), r)).collect();
        let resolved = resolve(&mut st, &mapping(&format!("merge_threshold = {threshold}\nreview_threshold = {threshold}\n")));
        for group in &resolved.merges {
            let members: Vec<&Rec> = group.keys.iter().map(|k| by_key[k]).collect();
            let ids: std::collections::BTreeSet<String> = members.iter().filter_map(|r| graph_schema::normalise::resident_id(&r.key).ok()).collect();
            prop_assert!(ids.len() <= 1, "two IDs in {:?}", group.keys);
            for (i, x) in members.iter().enumerate() {
                for y in &members[i + 1..] {
                    if fold_name(x.name) == fold_name(y.name) {
                        if let (Some(bx), Some(by)) = (&x.birth, &y.birth) {
                            // A strong record's birth date is its ID's, which equals its own here.
                            prop_assert_eq!(bx, by, "same name, different birth dates in {:?}", &group.keys);
                        }
                    }
                }
            }
        }
        // Every record is still a node or an alias of one: nothing is lost.
        let nodes = st.types[0].len() + st.aliases.len();
        prop_assert_eq!(nodes, records.len());
        prop_assert_eq!(st.provenance.len(), records.len());
    }
}
