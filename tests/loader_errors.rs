//! What a user sees when a load goes wrong, through the public build path: a mapping or file
//! that cannot be used stops the build with a named error that points at the file and the
//! mapping line; a bad row is rejected into `<out>.rejects.jsonl` (file, line, column, value,
//! reason) while every good row around it is kept; a doubtful value is kept and flagged.

use std::path::{Path, PathBuf};

use clew::build::{build, BuildError, BuildOptions, BuildOutcome};
use clew::graph::{Graph, Value};
use loaders::{LoadError, LoadOptions};

/// A tempdir holding a mapping and its data files.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, bytes).expect("write fixture");
        path
    }

    fn out(&self) -> PathBuf {
        self.path("out.clew")
    }

    /// Writes `mapping.toml` and builds it into `out.clew`.
    fn build(&self, mapping: &str, max_reject_ratio: f64) -> Result<BuildOutcome, BuildError> {
        let mapping_path = self.write("mapping.toml", mapping);
        build(&mapping_path, &self.out(), &BuildOptions { max_reject_ratio }, &LoadOptions::default())
    }

    fn build_ok(&self, mapping: &str) -> (BuildOutcome, Graph) {
        let outcome = self.build(mapping, 1.0).unwrap_or_else(|err| panic!("build failed: {err}"));
        let graph = Graph::open(&self.out()).unwrap_or_else(|err| panic!("open failed: {err}"));
        (outcome, graph)
    }

    fn load_error(&self, mapping: &str) -> LoadError {
        match self.build(mapping, 1.0) {
            Err(BuildError::Load(err)) => {
                assert!(!self.out().exists(), "a failed load must not write a snapshot");
                err
            }
            Err(other) => panic!("expected a load error, got {other}"),
            Ok(_) => panic!("expected a load error, the build succeeded"),
        }
    }

    fn mapping_path(&self) -> String {
        self.path("mapping.toml").display().to_string()
    }
}

fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

/// A one-source mapping: people keyed on `id` with a `name`, from `path` in `format`.
fn people_mapping(path: &str, extra: &str) -> String {
    format!(
        r#"version = 1

[[source]]
name = "people"
path = "{path}"
format = "csv"
{extra}
  [[source.entity]]
  type = "person"
  key = "id"
  properties = {{ name = "name" }}
"#
    )
}

/// The keys of all `person` nodes, sorted.
fn person_keys(graph: &Graph) -> Vec<String> {
    let ty = graph.schema().entity_id("person").expect("person");
    let mut keys: Vec<String> = graph.type_range(ty).map(|n| graph.key(clew::graph::NodeId(n)).to_owned()).collect();
    keys.sort();
    keys
}

/// Asserts one reject, and that every other row became a node.
fn assert_one_reject(outcome: &BuildOutcome, graph: &Graph, file: &Path, line: u64, column: &str, reason: &str) {
    let rejects = read_jsonl(&outcome.rejects_path);
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    let r = &rejects[0];
    assert_eq!(r["file"], file.display().to_string(), "{r}");
    assert_eq!(r["line"], line, "{r}");
    assert_eq!(r["column"], column, "{r}");
    assert!(r["reason"].as_str().unwrap_or("").contains(reason), "{r}");
    assert_eq!(outcome.report.rejected, 1);
    assert_eq!(person_keys(graph), ["P1", "P2", "P4"], "the rows around the reject are kept");
}

// ---- errors that stop the load ----

#[test]
fn missing_data_file_names_the_mapping_line_and_the_path() {
    let fx = Fixture::new();
    let err = fx.load_error(&people_mapping("people.csv", ""));
    assert!(matches!(&err, LoadError::NoFile { line: 3, source_name, .. } if source_name == "people"), "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with(&format!("{}:3:", fx.mapping_path())), "{message}");
    assert!(message.contains("people.csv"), "{message}");
}

#[test]
fn glob_matching_nothing_names_the_mapping_line_and_the_pattern() {
    let fx = Fixture::new();
    fx.write("data/readme.txt", "not a csv");
    let err = fx.load_error(&people_mapping("data/*.csv", ""));
    assert!(matches!(&err, LoadError::NoFile { line: 3, .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with(&format!("{}:3:", fx.mapping_path())), "{message}");
    assert!(message.contains("data/*.csv"), "{message}");
}

#[test]
fn missing_column_names_the_column_the_file_and_the_mapping_line() {
    let fx = Fixture::new();
    let data = fx.write("people.csv", "id,full_name\nP1,Ann\n");
    let err = fx.load_error(&people_mapping("people.csv", ""));
    match &err {
        LoadError::MissingColumn { file, column, line, .. } => {
            assert_eq!(file, &data);
            assert_eq!(column, "name");
            assert_eq!(*line, 11, "the line of `properties = {{ name = ... }}`");
        }
        other => panic!("expected MissingColumn, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("`name`"), "{message}");
    assert!(message.contains(&data.display().to_string()), "{message}");
    assert!(message.contains(&format!("{}:11", fx.mapping_path())), "{message}");
    assert!(message.contains("id, full_name"), "the columns it does have: {message}");
}

#[test]
fn malformed_mapping_toml_names_the_line() {
    let fx = Fixture::new();
    let broken = people_mapping("people.csv", "").replace("format = \"csv\"", "format = \"csv");
    let err = fx.load_error(&broken);
    match &err {
        LoadError::Mapping(m) => assert_eq!(m.line, 6, "{m}"),
        other => panic!("expected Mapping, got {other:?}"),
    }
    assert!(err.to_string().starts_with(&format!("{}:6:", fx.mapping_path())), "{err}");
}

#[test]
fn unknown_entity_type_names_the_line_and_the_known_types() {
    let fx = Fixture::new();
    fx.write("people.csv", "id,name\nP1,Ann\n");
    let err = fx.load_error(&people_mapping("people.csv", "").replace("type = \"person\"", "type = \"pesron\""));
    match &err {
        LoadError::Mapping(m) => {
            assert_eq!(m.line, 8, "the [[source.entity]] line: {m}");
            assert!(m.message.contains("unknown entity type `pesron`"), "{m}");
            assert!(m.message.contains("person"), "lists the known types: {m}");
        }
        other => panic!("expected Mapping, got {other:?}"),
    }
    assert!(err.to_string().starts_with(&format!("{}:8:", fx.mapping_path())), "{err}");
}

#[test]
fn unknown_normaliser_names_the_line_and_the_valid_ones() {
    let fx = Fixture::new();
    fx.write("people.csv", "id,name\nP1,Ann\n");
    let mapping = people_mapping("people.csv", "")
        .replace("key = \"id\"", "key = { column = \"id\", normalise = [\"resident\"] }");
    let err = fx.load_error(&mapping);
    match &err {
        LoadError::Mapping(m) => {
            assert_eq!(m.line, 10, "{m}");
            assert!(m.message.contains("unknown normaliser `resident`"), "{m}");
            assert!(m.message.contains("resident_id"), "lists the valid ones: {m}");
        }
        other => panic!("expected Mapping, got {other:?}"),
    }
    assert!(err.to_string().starts_with(&format!("{}:10:", fx.mapping_path())), "{err}");
}

// ---- rows that are rejected while their neighbours load ----

#[test]
fn record_with_the_wrong_number_of_fields_is_rejected() {
    let fx = Fixture::new();
    // A quoted field spanning two lines first, so the reject's line is the record's real line.
    let data = fx.write("people.csv", "id,name\nP1,\"Ann\nSmith\"\nP2,Bob\nP3,Cy,extra\nP4,Di\n");
    let (outcome, graph) = fx.build_ok(&people_mapping("people.csv", ""));
    assert_one_reject(&outcome, &graph, &data, 5, "", "3 fields, the header has 2");
    let rejects = read_jsonl(&outcome.rejects_path);
    assert_eq!(rejects[0]["value"], "P3,Cy,extra", "the record as read");
}

#[test]
fn invalid_utf8_in_a_utf8_file_is_rejected() {
    let fx = Fixture::new();
    let data = fx.write("people.csv", b"id,name\nP1,Ann\nP2,Bob\nP3,C\xffy\nP4,Di\n");
    let (outcome, graph) = fx.build_ok(&people_mapping("people.csv", ""));
    assert_one_reject(&outcome, &graph, &data, 4, "name", "not valid UTF-8");
    let rejects = read_jsonl(&outcome.rejects_path);
    assert_eq!(rejects[0]["value"], "C\u{fffd}y");
}

#[test]
fn invalid_bytes_in_a_gbk_file_are_rejected() {
    let fx = Fixture::new();
    let mut bytes = gbk("id,name\nP1,张三\nP2,李四\nP3,");
    bytes.push(0xFF); // never a GBK byte
    bytes.extend(gbk("\nP4,王五\n"));
    let data = fx.write("people.csv", bytes);
    let (outcome, graph) = fx.build_ok(&people_mapping("people.csv", "encoding = \"gbk\""));
    assert_one_reject(&outcome, &graph, &data, 4, "name", "not valid GBK");
}

#[test]
fn malformed_json_line_is_rejected() {
    let fx = Fixture::new();
    let data = fx.write(
        "people.jsonl",
        "{\"id\": \"P1\", \"name\": \"Ann\"}\n{\"id\": \"P2\", \"name\": \"Bob\"}\n{\"id\": \"P3\", \"name\": \n{\"id\": \"P4\", \"name\": \"Di\"}\n",
    );
    let mapping = people_mapping("people.jsonl", "").replace("format = \"csv\"", "format = \"jsonl\"");
    let (outcome, graph) = fx.build_ok(&mapping);
    assert_one_reject(&outcome, &graph, &data, 3, "", "not a JSON object");
    let rejects = read_jsonl(&outcome.rejects_path);
    assert!(rejects[0]["value"].as_str().unwrap_or("").starts_with("{\"id\": \"P3\""), "{}", rejects[0]);
}

#[test]
fn empty_key_is_rejected() {
    let fx = Fixture::new();
    let data = fx.write("people.csv", "id,name\nP1,Ann\nP2,Bob\n  ,Cy\nP4,Di\n");
    let (outcome, graph) = fx.build_ok(&people_mapping("people.csv", ""));
    assert_one_reject(&outcome, &graph, &data, 4, "id", "empty key");
    let rejects = read_jsonl(&outcome.rejects_path);
    assert_eq!(rejects[0]["value"], "  ");
}

// ---- encodings and formats that load ----

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "{text} is not all GBK");
    bytes.into_owned()
}

#[test]
fn gbk_csv_loads_names_and_header_correctly() {
    let fx = Fixture::new();
    fx.write("people.csv", gbk("编号,姓名\nP1,张三\nP2,李 四\n"));
    let mapping = r#"version = 1

[[source]]
name = "people"
path = "people.csv"
format = "csv"
encoding = "gbk"

  [[source.entity]]
  type = "person"
  key = "编号"
  properties = { name = { column = "姓名", normalise = ["name"] } }
"#;
    let (outcome, graph) = fx.build_ok(mapping);
    assert_eq!(outcome.report.rejected, 0);
    let p1 = graph.find_by_name("person", "P1").expect("P1");
    let p2 = graph.find_by_name("person", "P2").expect("P2");
    assert_eq!(graph.node_prop_by_name(p1, "name"), Value::Str("张三"));
    assert_eq!(graph.node_prop_by_name(p2, "name"), Value::Str("李四"), "the name normaliser joins CJK");
}

#[test]
fn utf8_bom_on_the_header_is_handled() {
    let fx = Fixture::new();
    fx.write("people.csv", "\u{feff}id,name\nP1,Ann\nP2,Bob\n");
    let (outcome, graph) = fx.build_ok(&people_mapping("people.csv", ""));
    assert_eq!(outcome.report.rejected, 0);
    assert_eq!(person_keys(&graph), ["P1", "P2"]);
    let p1 = graph.find_by_name("person", "P1").expect("P1");
    assert_eq!(graph.node_prop_by_name(p1, "name"), Value::Str("Ann"));
}

#[test]
fn jsonl_numbers_bools_and_nulls_load_as_typed_values() {
    let fx = Fixture::new();
    fx.write(
        "schema.toml",
        "[[entity]]\nname = \"person\"\nproperties = { active = \"bool\", visits = \"int\", spent = \"decimal\" }\n",
    );
    fx.write(
        "people.jsonl",
        "{\"id\": 1, \"name\": \"Ann\", \"active\": true, \"visits\": 3, \"spent\": 12.5}\n\n\
         {\"id\": 2, \"name\": null, \"active\": false, \"visits\": null, \"spent\": 0}\n",
    );
    let mapping = r#"version = 1
schema = "schema.toml"

[[source]]
name = "people"
path = "people.jsonl"
format = "jsonl"

  [[source.entity]]
  type = "person"
  key = "id"
  properties = { name = "name", active = "active", visits = "visits", spent = "spent" }
"#;
    let (outcome, graph) = fx.build_ok(mapping);
    assert_eq!((outcome.report.rows, outcome.report.rejected, outcome.report.flagged), (2, 0, 0));
    let one = graph.find_by_name("person", "1").expect("numeric key 1");
    assert_eq!(graph.node_prop_by_name(one, "name"), Value::Str("Ann"));
    assert_eq!(graph.node_prop_by_name(one, "active"), Value::Bool(true));
    assert_eq!(graph.node_prop_by_name(one, "visits"), Value::Int(3));
    assert_eq!(graph.node_prop_by_name(one, "spent"), Value::Decimal(1250));
    let two = graph.find_by_name("person", "2").expect("numeric key 2");
    assert_eq!(graph.node_prop_by_name(two, "name"), Value::Null);
    assert_eq!(graph.node_prop_by_name(two, "active"), Value::Bool(false));
    assert_eq!(graph.node_prop_by_name(two, "visits"), Value::Null);
    assert_eq!(graph.node_prop_by_name(two, "spent"), Value::Decimal(0));
}

// ---- thresholds and flags ----

#[test]
fn max_reject_ratio_fails_above_and_passes_below() {
    let fx = Fixture::new();
    // One of four rows has an empty key: a ratio of 0.25.
    fx.write("people.csv", "id,name\nP1,Ann\nP2,Bob\n,Cy\nP4,Di\n");
    let mapping = people_mapping("people.csv", "");
    match fx.build(&mapping, 0.2) {
        Err(BuildError::TooManyRejects { rejected, rows, max, rejects, .. }) => {
            assert_eq!((rejected, rows, max), (1, 4, 0.2));
            assert_eq!(read_jsonl(&rejects).len(), 1, "the rejects report is written for the user to read");
        }
        Err(other) => panic!("expected TooManyRejects, got {other}"),
        Ok(_) => panic!("expected TooManyRejects, the build succeeded"),
    }
    assert!(!fx.out().exists(), "no snapshot above the threshold");
    let outcome = fx.build(&mapping, 0.3).expect("0.25 is below 0.3");
    assert_eq!(outcome.report.rejected, 1);
    assert!(fx.out().exists());
}

#[test]
fn invalid_resident_id_is_kept_as_a_flagged_invalid_node() {
    let fx = Fixture::new();
    // The second ID has the wrong check digit (the valid one ends in X).
    fx.write("people.csv", "id,name\n11010519491231002X,张三\n110105194912310021,李四\n");
    let mapping = people_mapping("people.csv", "")
        .replace("key = \"id\"", "key = { column = \"id\", normalise = [\"resident_id\"] }");
    let (outcome, graph) = fx.build_ok(&mapping);
    assert_eq!(outcome.report.rejected, 0, "an invalid ID is evidence, not a bad row");
    let valid = graph.find_by_name("person", "11010519491231002X").expect("valid ID");
    let invalid = graph.find_by_name("person", "110105194912310021").expect("invalid ID kept raw");
    assert!(!graph.key_is_invalid(valid));
    assert!(graph.key_is_invalid(invalid));
    assert_eq!(graph.node_prop_by_name(invalid, "name"), Value::Str("李四"));
    let flags = read_jsonl(&outcome.flags_path);
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0]["line"], 3);
    assert_eq!(flags[0]["column"], "id");
    assert_eq!(flags[0]["value"], "110105194912310021");
    assert!(flags[0]["reason"].as_str().unwrap_or("").contains("check digit"), "{}", flags[0]);
}

/// Issue 2 regression: in a file without a header the rule is the mapping's `columns`, not the
/// first record. Before the fix a bad first row was kept and every good row after it rejected
/// ("record has 2 fields, the header has 3"); and a file with fewer fields than `columns` loaded
/// with the missing values silently empty.
#[test]
fn regression_issue_2_headerless_field_count_follows_the_mappings_columns() {
    let fx = Fixture::new();
    let data = fx.write("people.csv", "P1,Ann\nP2,Bob\nP3,Cy,extra\nP4,Di\n");
    let headerless = "header = false\ncolumns = [\"id\", \"name\"]\n";
    let (outcome, graph) = fx.build_ok(&people_mapping("people.csv", headerless));
    assert_eq!(person_keys(&graph), ["P1", "P2", "P4"]);
    let rejects = read_jsonl(&outcome.rejects_path);
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0]["file"], data.display().to_string());
    assert_eq!(rejects[0]["line"], 3);
    assert_eq!(rejects[0]["value"], "P3,Cy,extra");
    assert!(rejects[0]["reason"].as_str().unwrap_or("").contains("`columns` name 2"), "{}", rejects[0]);

    // Bad first row.
    fx.write("people.csv", "P1,Ann,extra\nP2,Bob\nP4,Di\n");
    let (outcome, graph) = fx.build_ok(&people_mapping("people.csv", headerless));
    assert_eq!(person_keys(&graph), ["P2", "P4"]);
    assert_eq!(read_jsonl(&outcome.rejects_path)[0]["line"], 1);

    // Fewer fields than `columns`: every row is short, so every row is rejected.
    fx.write("people.csv", "P1\nP2\n");
    let outcome = fx.build(&people_mapping("people.csv", headerless), 1.0).expect("rejects, not an error");
    assert_eq!((outcome.report.rows, outcome.report.rejected), (2, 2));
}

/// Issue 2 regression: line numbers are the line a record starts on, also in CRLF files (the
/// Neo4j demo-fraud export is CRLF) and after blank lines. The csv crate's record position is
/// taken before the previous CRLF's `\n` and before blank lines, so rejects, flags and
/// provenance were one line early on every CRLF file.
#[test]
fn regression_issue_2_line_numbers_in_crlf_files_and_after_blank_lines() {
    let fx = Fixture::new();
    let lines = [
        "id,name,born",       // 1
        "P1,\"Ann",           // 2: a quoted field over two lines
        "Smith\",1990-01-01", // 3
        "P2,Bob,1990-13-01",  // 4: flagged, not a date
        "",                   // 5: blank, skipped
        "P3,Cy,1990-01-01,x", // 6: rejected, too many fields
        "P4,Di,1990-01-01",   // 7
    ];
    let mapping = people_mapping("people.csv", "")
        .replace("properties = { name = \"name\" }", "properties = { name = \"name\", birth_date = \"born\" }");
    for (ending, last) in [("\r\n", "\r\n"), ("\n", "\n"), ("\r\n", "")] {
        let data = fx.write("people.csv", lines.join(ending) + last);
        let (outcome, graph) = fx.build_ok(&mapping);
        let rejects = read_jsonl(&outcome.rejects_path);
        let flags = read_jsonl(&outcome.flags_path);
        assert_eq!(rejects.len(), 1, "{ending:?}: {rejects:?}");
        assert_eq!(rejects[0]["line"], 6, "{ending:?}: {}", rejects[0]);
        assert_eq!(flags.len(), 1, "{ending:?}: {flags:?}");
        assert_eq!(flags[0]["line"], 4, "{ending:?}: {}", flags[0]);
        let file = data.display().to_string();
        for (key, line) in [("P1", 2), ("P2", 4), ("P4", 7)] {
            let node = graph.find_by_name("person", key).expect(key);
            let provenance: Vec<(String, u32)> = graph.provenance(node).map(|(f, l)| (f.to_owned(), l)).collect();
            assert_eq!(provenance, [(file.clone(), line)], "{ending:?} {key}");
        }
    }
}

#[test]
fn one_file_feeds_several_sources_through_where_filters() {
    let fx = Fixture::new();
    fx.write("nodes.csv", "id,kind,name\n1,Officer,Ann\n2,Entity,Foxwood Ltd\n3,Officer,Bob\n4,Address,1 Main St\n");
    let mapping = r#"version = 1

[[source]]
name = "officers"
path = "nodes.csv"
format = "csv"
where = { column = "kind", equals = "Officer" }

  [[source.entity]]
  type = "person"
  key = "id"
  properties = { name = "name" }

[[source]]
name = "companies"
path = "nodes.csv"
format = "csv"
where = { column = "kind", in = ["Entity"] }

  [[source.entity]]
  type = "company"
  key = "id"
  properties = { name = "name" }
"#;
    let (outcome, graph) = fx.build_ok(mapping);
    assert!(graph.find_by_name("person", "1").is_some() && graph.find_by_name("person", "3").is_some());
    assert!(graph.find_by_name("person", "2").is_none());
    assert_eq!(graph.node_prop_by_name(graph.find_by_name("company", "2").unwrap(), "name"), Value::Str("Foxwood Ltd"));
    // Every row is accounted for: 8 read (4 per source), 5 left to the other source or to none.
    assert_eq!((outcome.report.rows, outcome.report.filtered, outcome.report.rejected), (8, 5, 0));
    let per_source: Vec<u64> = outcome.report.inputs.iter().map(|i| i.filtered).collect();
    assert_eq!(per_source, [2, 3]);
}
