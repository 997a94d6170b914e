//! Entity resolution end to end (issue 3): a small world with known duplicates and traps goes
//! through `clew::build::build`, and `merges.jsonl`, `review.jsonl`, the flags and the snapshot
//! must say exactly who was merged, who was kept apart and why.
//!
//! The world: 张伟 has a resident ID in `persons.csv` and reappears in `applications.csv` (a
//! paper form without an ID) as 張偉, with his birth date, phone and address written another
//! way; 王芳 has a namesake born six years later who lists the same phone (a relative), which
//! must never merge; 赵敏's ID has a typo in one file; three neighbours list one switchboard,
//! which becomes a common identifier; 李娜's birth date contradicts her ID.

use std::path::Path;

use clew::build::{build, BuildOptions};
use clew::graph::{Graph, NodeId};
use loaders::LoadOptions;

/// A resident ID with its MOD 11-2 check character.
fn resident_id(region: &str, birth: &str, sequence: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let first17 = format!("{region}{birth}{sequence:03}");
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

struct Ids {
    zhang: String,
    li: String,
    wang: String,
    zhao: String,
    zhao_typo: String,
}

fn ids() -> Ids {
    let zhao = resident_id("320104", "19760405", 318);
    // One digit of the sequence mistyped: the check digit no longer fits.
    let mut zhao_typo = zhao.clone().into_bytes();
    zhao_typo[15] = if zhao_typo[15] == b'9' { b'0' } else { zhao_typo[15] + 1 };
    Ids {
        zhang: resident_id("320102", "19850312", 123),
        li: resident_id("320105", "19900701", 246),
        wang: resident_id("320106", "19790601", 482),
        zhao,
        zhao_typo: String::from_utf8(zhao_typo).expect("ascii"),
    }
}

const MAPPING: &str = r#"version = 1

[[source]]
name = "persons"
path = "persons.csv"
format = "csv"

  [[source.entity]]
  type = "person"
  key = { column = "id", normalise = ["resident_id"] }
  properties = { name = { column = "name", normalise = ["name"] }, gender = "gender", birth_date = "birth_date" }

  [[source.entity]]
  type = "phone"
  key = { column = "phone", normalise = ["phone"] }
  optional = true

  [[source.entity]]
  type = "address"
  key = { column = "address", normalise = ["address"] }
  optional = true
  properties = { text = "address" }

  [[source.relation]]
  type = "has_phone"
  from = "person"
  to = "phone"

  [[source.relation]]
  type = "lives_at"
  from = "person"
  to = "address"

[[source]]
name = "applications"
path = "applications.csv"
format = "csv"

  [[source.entity]]
  type = "person"
  key = { column = "application_no", normalise = ["upper"] }
  properties = { name = { column = "name", normalise = ["name"] }, gender = "gender", birth_date = { column = "born", formats = ["%Y/%m/%d", "%Y-%m-%d"] } }

  [[source.entity]]
  type = "phone"
  key = { column = "phone", normalise = ["phone"] }
  optional = true

  [[source.entity]]
  type = "address"
  key = { column = "address", normalise = ["address"] }
  optional = true
  properties = { text = "address" }

  [[source.relation]]
  type = "has_phone"
  from = "person"
  to = "phone"

  [[source.relation]]
  type = "lives_at"
  from = "person"
  to = "address"

[resolution.person]

[common_identifiers]
min_degree = 3
"#;

fn write_world(dir: &Path, ids: &Ids) {
    let persons = format!(
        "id,name,gender,birth_date,phone,address
{zhang},张伟,男,1985-03-12,13812345678,南京市玄武区中山路88号阳光花园3栋2单元501室
{li},李娜,女,1990-07-02,13900000000,南京市建邺区江东中路100号
{wang},王芳,女,1979-06-01,13700000000,南京市鼓楼区汉中路1号
{zhao},赵敏,女,1976-04-05,02584561234,南京市秦淮区建康路5号
{zhao_typo},赵敏,女,1976-04-05,,南京市秦淮区建康路5号
{other1},钱进,男,1960-01-01,02584561234,
{other2},孙悦,女,1961-02-02,02584561234,
",
        zhang = ids.zhang,
        li = ids.li,
        wang = ids.wang,
        zhao = ids.zhao,
        zhao_typo = ids.zhao_typo,
        other1 = resident_id("320104", "19600101", 11),
        other2 = resident_id("320104", "19610202", 22),
    );
    let applications = "application_no,name,gender,born,phone,address
app-0001,張 偉,男,1985/03/12,138-1234-5678,江苏南京玄武区中山路88号阳光花园3-2-501
APP-0002,王芳,女,1985-11-20,13700000000,南京市鼓楼区汉中路1号
APP-0003,周杰,男,2001-01-01,,
";
    std::fs::write(dir.join("persons.csv"), persons).unwrap();
    std::fs::write(dir.join("applications.csv"), applications).unwrap();
    std::fs::write(dir.join("mapping.toml"), MAPPING).unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn duplicates_merge_traps_stay_apart_and_every_merge_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let ids = ids();
    write_world(dir.path(), &ids);
    let out = dir.path().join("world.clew");
    let outcome =
        build(&dir.path().join("mapping.toml"), &out, &BuildOptions::default(), &LoadOptions::default()).unwrap();
    let d = dir.path().display();

    // merges.jsonl: exactly the two true duplicates, each with its rows and evidence.
    let merges = read(&outcome.merges_path);
    let expected_merges = format!(
        concat!(
            r#"{{"type":"person","keys":["{zhang}","APP-0001"],"rows":[{{"file":"{d}/persons.csv","line":2}},{{"file":"{d}/applications.csv","line":2}}],"reason":"name agree +9.8, birth_date agree +14.2, gender agree +1.0, lives_at agree +11.6 (not counted: contact counts its strongest), has_phone agree +13.8","score":38.8}}"#,
            "\n",
            r#"{{"type":"person","keys":["{zhao}","{zhao_typo}"],"rows":[{{"file":"{d}/persons.csv","line":5}},{{"file":"{d}/persons.csv","line":6}}],"reason":"id close +16.3, name agree +9.8, birth_date agree +14.2, gender agree +1.0, lives_at agree +11.6","score":52.87}}"#,
            "\n"
        ),
        zhang = ids.zhang,
        zhao = ids.zhao,
        zhao_typo = ids.zhao_typo,
        d = d,
    );
    assert_eq!(merges, expected_merges);

    // review.jsonl: the namesake with another birth date, sharing a phone and an address (a
    // relative): some evidence, and a hard constraint that would refuse the merge anyway.
    let review = read(&outcome.review_path);
    let expected_review = format!(
        concat!(
            r#"{{"type":"person","keys":["{wang}","APP-0002"],"rows":[{{"file":"{d}/persons.csv","line":4}},{{"file":"{d}/applications.csv","line":3}}],"reason":"below the merge threshold 25, and could not merge: same name 王芳 with different birth dates 1979-06-01 and 1985-11-20; evidence: name agree +9.8, birth_date disagree -5.6, gender agree +1.0, lives_at agree +11.6 (not counted: contact counts its strongest), has_phone agree +13.8","score":18.95}}"#,
            "\n"
        ),
        wang = ids.wang,
        d = d,
    );
    assert_eq!(review, expected_review);

    // 李娜's birth date contradicts her ID: flagged, value kept.
    let flags = read(&outcome.flags_path);
    assert!(flags.contains("birth date 1990-07-02 contradicts the resident ID's 1990-07-01"), "{flags}");

    let report = &outcome.resolution[0];
    assert_eq!((report.records, report.weak_records, report.records_merged), (10, 4, 2));
    assert_eq!((report.merged_groups, report.review_pairs, report.refused_pairs), (2, 1, 0));

    // The snapshot: one node per person, found by any of its keys, with every source row.
    let graph = Graph::open(&out).unwrap();
    let person = graph.schema().entity_id("person").unwrap();
    assert_eq!(graph.type_range(person).len(), 8);
    let zhang = graph.find(person, &ids.zhang).unwrap();
    assert_eq!(graph.find(person, "APP-0001"), Some(zhang), "the merged record's key still finds the person");
    assert_eq!(graph.aliases(zhang).collect::<Vec<_>>(), ["APP-0001"]);
    let rows: Vec<(String, u32)> = graph
        .provenance(zhang)
        .map(|(f, l)| (Path::new(f).file_name().unwrap().to_string_lossy().into_owned(), l))
        .collect();
    assert_eq!(rows, [("persons.csv".to_owned(), 2), ("applications.csv".to_owned(), 2)]);
    assert_eq!(graph.node_prop_by_name(zhang, "name").render(), "张伟", "the ID record's name is kept");
    let wang = graph.find(person, &ids.wang).unwrap();
    assert_ne!(graph.find(person, "APP-0002"), Some(wang));
    assert!(graph.aliases(wang).next().is_none());

    // Both spellings of 张伟's address are one address node, shown with its first raw text;
    // after the merge both rows' "lives at" are one edge.
    let address = graph.schema().entity_id("address").unwrap();
    let home = graph.find(address, "南京市玄武区中山路88号阳光花园3栋2单元501室").unwrap();
    assert_eq!(graph.in_edges(home).map(|a| a.other).collect::<Vec<NodeId>>(), [zhang]);
    assert_eq!(graph.node_prop_by_name(home, "text").render(), "南京市玄武区中山路88号阳光花园3栋2单元501室");

    // The switchboard three people list is common, with its degree; a private phone is not.
    let phone = graph.schema().entity_id("phone").unwrap();
    let switchboard = graph.find(phone, "02584561234").unwrap();
    assert!(graph.is_common(switchboard));
    assert_eq!(graph.common_degree(switchboard), Some(3));
    let private = graph.find(phone, "13812345678").unwrap();
    assert!(!graph.is_common(private) && graph.common_degree(private).is_none());
    assert_eq!(graph.manifest().common_min_degree, 3);
    assert_eq!(graph.manifest().resolution[0].records_merged, 2);
}

#[test]
fn a_mapping_without_resolution_merges_nothing_and_writes_empty_reports() {
    let dir = tempfile::tempdir().unwrap();
    let ids = ids();
    write_world(dir.path(), &ids);
    let mapping = MAPPING.replace("[resolution.person]\n", "");
    std::fs::write(dir.path().join("mapping.toml"), mapping).unwrap();
    let out = dir.path().join("world.clew");
    let outcome =
        build(&dir.path().join("mapping.toml"), &out, &BuildOptions::default(), &LoadOptions::default()).unwrap();
    assert_eq!(read(&outcome.merges_path), "");
    assert_eq!(read(&outcome.review_path), "");
    assert!(outcome.resolution.is_empty());
    let graph = Graph::open(&out).unwrap();
    assert_eq!(graph.type_range(graph.schema().entity_id("person").unwrap()).len(), 10);
}

#[test]
fn a_forced_split_undoes_a_merge_and_a_forced_merge_makes_one() {
    let dir = tempfile::tempdir().unwrap();
    let ids = ids();
    write_world(dir.path(), &ids);
    let mapping = MAPPING.replace(
        "[resolution.person]\n",
        &format!(
            "[resolution.person]\nforced_splits = [[\"app-0001\", \"{}\"]]\nforced_merges = [[\"APP-0003\", \"{}\"]]\n",
            ids.zhang, ids.li
        ),
    );
    std::fs::write(dir.path().join("mapping.toml"), mapping).unwrap();
    let out = dir.path().join("world.clew");
    let outcome =
        build(&dir.path().join("mapping.toml"), &out, &BuildOptions::default(), &LoadOptions::default()).unwrap();
    let merges = read(&outcome.merges_path);
    assert!(!merges.contains("APP-0001"), "{merges}");
    assert!(merges.contains(&format!("\"keys\":[\"{}\",\"APP-0003\"]", ids.li)), "{merges}");
    assert!(merges.contains("forced merge (mapping line 67)"), "{merges}");
    let review = read(&outcome.review_path);
    assert!(review.contains("forced split (mapping line 66)"), "{review}");
}

/// The civil date `days` after 1970-01-01, as YYYYMMDD.
fn yyyymmdd(days: i32) -> String {
    graph_schema::normalise::format_days(days).replace('-', "")
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Whatever the dates, a row whose birth date differs from the one its valid resident ID
    /// embeds is flagged with both dates, and a row whose dates agree is not; both persons stay
    /// (the flag keeps the value, it does not reject or merge).
    #[test]
    fn a_birth_date_contradicting_the_id_is_flagged(
        rows in proptest::collection::vec((-18_000i32..18_000, proptest::option::of(-400i32..400)), 1..8)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut persons = String::from("id,name,birth_date\n");
        let mut expected = Vec::new();
        for (i, &(born, shift)) in rows.iter().enumerate() {
            let id = resident_id("320102", &yyyymmdd(born), i as u32 + 1);
            let given = born + shift.unwrap_or(0);
            persons.push_str(&format!("{id},张{i},{}\n", graph_schema::normalise::format_days(given)));
            if given != born {
                expected.push((i as u32 + 2, format!(
                    "birth date {} contradicts the resident ID's {}",
                    graph_schema::normalise::format_days(given),
                    graph_schema::normalise::format_days(born)
                )));
            }
        }
        std::fs::write(dir.path().join("persons.csv"), persons).unwrap();
        let mapping = "version = 1\n\n[[source]]\nname = \"persons\"\npath = \"persons.csv\"\nformat = \"csv\"\n\n  [[source.entity]]\n  type = \"person\"\n  key = { column = \"id\", normalise = [\"resident_id\"] }\n  properties = { name = \"name\", birth_date = \"birth_date\" }\n\n[resolution.person]\n";
        std::fs::write(dir.path().join("mapping.toml"), mapping).unwrap();
        let out = dir.path().join("world.clew");
        let outcome =
            build(&dir.path().join("mapping.toml"), &out, &BuildOptions::default(), &LoadOptions::default()).unwrap();
        let flagged: Vec<(u32, String)> = read(&outcome.flags_path)
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                (v["line"].as_u64().unwrap() as u32, v["reason"].as_str().unwrap().to_owned())
            })
            .collect();
        proptest::prop_assert_eq!(flagged, expected);
        proptest::prop_assert_eq!(read(&outcome.merges_path), "");
        let graph = Graph::open(&out).unwrap();
        proptest::prop_assert_eq!(graph.type_range(graph.schema().entity_id("person").unwrap()).len(), rows.len());
    }
}
