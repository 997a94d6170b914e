//! LDBC Graphalytics conformance: every expected output in `../shared/graphalytics/graphs`, checked
//! through the library and through `clew algo`, with the spec's validation rules.
//!
//! The parameters come from the table in `../shared/graphalytics/README.md` (the upstream
//! `.properties` files were not copied). The validator is written here from the spec's "Output
//! Validation" section, independently of the library's writer: exact match for BFS and CDLP,
//! equivalence for WCC, `|r - s| <= 1e-4·|r|` for PR, LCC and SSSP, and every vertex present.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use clew::algo::graphalytics::{read_graph, write_output, AlgoOutput};
use clew::algo::{
    bfs_depths, label_propagation, local_clustering_coefficients, pagerank, shortest_path_lengths,
    weakly_connected_components, AdjGraph,
};

const GRAPHS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/graphalytics/graphs");
/// Expected-output files in the data set; the test fails if it finds a different number.
const EXPECTED_FILES: usize = 24;
const DAMPING: f64 = 0.85;

/// One row of the README's parameter table.
struct Params {
    graph: &'static str,
    directed: bool,
    /// BFS and SSSP source.
    source: u64,
    cdlp_iterations: u32,
    pr_iterations: u32,
}

const TABLE: &[Params] = &[
    Params { graph: "example-directed", directed: true, source: 1, cdlp_iterations: 2, pr_iterations: 2 },
    Params { graph: "example-undirected", directed: false, source: 2, cdlp_iterations: 2, pr_iterations: 2 },
    Params { graph: "test-bfs-directed", directed: true, source: 1, cdlp_iterations: 0, pr_iterations: 0 },
    Params { graph: "test-bfs-undirected", directed: false, source: 1, cdlp_iterations: 0, pr_iterations: 0 },
    Params { graph: "test-cdlp-directed", directed: true, source: 0, cdlp_iterations: 5, pr_iterations: 0 },
    Params { graph: "test-cdlp-undirected", directed: false, source: 0, cdlp_iterations: 5, pr_iterations: 0 },
    Params { graph: "test-lcc-directed", directed: true, source: 0, cdlp_iterations: 0, pr_iterations: 0 },
    Params { graph: "test-lcc-undirected", directed: false, source: 0, cdlp_iterations: 0, pr_iterations: 0 },
    Params { graph: "test-pr-directed", directed: true, source: 0, cdlp_iterations: 0, pr_iterations: 14 },
    Params { graph: "test-pr-undirected", directed: false, source: 0, cdlp_iterations: 0, pr_iterations: 26 },
    Params { graph: "test-sssp-directed", directed: true, source: 1, cdlp_iterations: 0, pr_iterations: 0 },
    Params { graph: "test-sssp-undirected", directed: false, source: 1, cdlp_iterations: 0, pr_iterations: 0 },
    Params { graph: "test-wcc-directed", directed: true, source: 0, cdlp_iterations: 0, pr_iterations: 0 },
    Params { graph: "test-wcc-undirected", directed: false, source: 0, cdlp_iterations: 0, pr_iterations: 0 },
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Algo {
    Bfs,
    Wcc,
    Cdlp,
    Pr,
    Lcc,
    Sssp,
}

impl Algo {
    fn from_suffix(suffix: &str) -> Option<Algo> {
        Some(match suffix {
            "BFS" => Algo::Bfs,
            "WCC" => Algo::Wcc,
            "CDLP" => Algo::Cdlp,
            "PR" => Algo::Pr,
            "LCC" => Algo::Lcc,
            "SSSP" => Algo::Sssp,
            _ => return None,
        })
    }

    fn cli_name(self) -> &'static str {
        match self {
            Algo::Bfs => "bfs",
            Algo::Wcc => "wcc",
            Algo::Cdlp => "cdlp",
            Algo::Pr => "pr",
            Algo::Lcc => "lcc",
            Algo::Sssp => "sssp",
        }
    }
}

/// The data folder; fails the test, rather than passing it vacuously, when the data is missing.
fn graphs_dir() -> PathBuf {
    let dir = PathBuf::from(GRAPHS);
    assert!(
        dir.join("example-directed.v").is_file(),
        "the Graphalytics conformance data is missing: expected it at {} (a checkout of the shared \
         folder next to the workspace, as CI has); these tests do not pass without it",
        dir.display()
    );
    dir
}

/// Every expected-output file as (graph, algorithm, path), sorted by file name.
fn expected_outputs(dir: &Path) -> Vec<(&'static Params, Algo, PathBuf)> {
    let mut found = Vec::new();
    let entries = fs::read_dir(dir).unwrap_or_else(|error| panic!("listing {}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("reading a directory entry").path();
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default().to_owned();
        if name.contains('.') {
            continue; // a .v or .e file
        }
        let (graph, suffix) =
            name.rsplit_once('-').unwrap_or_else(|| panic!("{name}: expected a GRAPH-ALGO file name"));
        let algo = Algo::from_suffix(suffix).unwrap_or_else(|| panic!("{name}: unknown algorithm {suffix}"));
        let params = TABLE
            .iter()
            .find(|params| params.graph == graph)
            .unwrap_or_else(|| panic!("{name}: graph {graph} is not in the README's parameter table"));
        found.push((params, algo, path));
    }
    found.sort_by(|a, b| a.2.cmp(&b.2));
    found
}

fn run_kernel(params: &Params, algo: Algo, graph: &AdjGraph, ids: &[u64]) -> AlgoOutput {
    let dense = |id: u64| ids.binary_search(&id).expect("the source is a vertex") as u32;
    match algo {
        Algo::Bfs => AlgoOutput::Depths(bfs_depths(graph, dense(params.source)).expect("bfs runs")),
        Algo::Wcc => AlgoOutput::Labels(weakly_connected_components(graph)),
        Algo::Cdlp => AlgoOutput::Labels(label_propagation(graph, params.cdlp_iterations)),
        Algo::Pr => AlgoOutput::Values(pagerank(graph, params.pr_iterations, DAMPING).expect("pr runs")),
        Algo::Lcc => AlgoOutput::Values(local_clustering_coefficients(graph)),
        Algo::Sssp => AlgoOutput::Values(shortest_path_lengths(graph, dense(params.source)).expect("sssp runs")),
    }
}

/// Parses `vertex value` lines into a map, rejecting malformed or repeated vertices.
fn parse_output(text: &str) -> Result<BTreeMap<u64, String>, String> {
    let mut values = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let (Some(vertex), Some(value), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(format!("line {}: {line:?} is not `vertex value`", index + 1));
        };
        let vertex: u64 = vertex.parse().map_err(|_| format!("line {}: bad vertex {vertex:?}", index + 1))?;
        if values.insert(vertex, value.to_owned()).is_some() {
            return Err(format!("line {}: vertex {vertex} appears twice", index + 1));
        }
    }
    Ok(values)
}

fn parse_float(text: &str) -> Option<f64> {
    match text.to_ascii_lowercase().as_str() {
        "infinity" | "inf" => Some(f64::INFINITY),
        other => other.parse().ok(),
    }
}

/// Checks `got` against `expected` with the spec's rule for `algo`; the error names the graph,
/// algorithm, vertex, expected and actual value.
fn validate(dir: &Path, graph: &str, algo: Algo, expected: &str, got: &str) -> Result<(), String> {
    let context = format!("graph {graph}, {algo:?}");
    let vertices: Vec<u64> = fs::read_to_string(dir.join(format!("{graph}.v")))
        .map_err(|error| format!("{context}: reading {graph}.v: {error}"))?
        .lines()
        .map(|line| line.trim().parse().map_err(|_| format!("{context}: bad line {line:?} in {graph}.v")))
        .collect::<Result<_, _>>()?;
    let expected = parse_output(expected).map_err(|error| format!("{context}, expected file: {error}"))?;
    let got = parse_output(got).map_err(|error| format!("{context}, our output: {error}"))?;
    for vertex in &vertices {
        if !got.contains_key(vertex) {
            return Err(format!("{context}, vertex {vertex}: missing from our output"));
        }
        if !expected.contains_key(vertex) {
            return Err(format!("{context}, vertex {vertex}: missing from the expected file"));
        }
    }
    if let Some(extra) = got.keys().find(|vertex| vertices.binary_search(vertex).is_err()) {
        return Err(format!("{context}, vertex {extra}: in our output but not in {graph}.v"));
    }
    let mismatch =
        |vertex: u64, want: &str, have: &str| format!("{context}, vertex {vertex}: expected {want}, got {have}");
    // Both directions of the label mapping, for WCC's equivalence match.
    let mut ours_to_theirs = BTreeMap::new();
    let mut theirs_to_ours = BTreeMap::new();
    for &vertex in &vertices {
        let (want, have) = (expected[&vertex].as_str(), got[&vertex].as_str());
        match algo {
            Algo::Bfs | Algo::Cdlp => {
                let want_value: i64 = want.parse().map_err(|_| mismatch(vertex, want, have))?;
                let have_value: i64 = have.parse().map_err(|_| mismatch(vertex, want, have))?;
                if want_value != have_value {
                    return Err(mismatch(vertex, want, have));
                }
            }
            Algo::Wcc => {
                let want_label: u64 = want.parse().map_err(|_| mismatch(vertex, want, have))?;
                let have_label: u64 = have.parse().map_err(|_| mismatch(vertex, want, have))?;
                let theirs = *ours_to_theirs.entry(have_label).or_insert(want_label);
                let ours = *theirs_to_ours.entry(want_label).or_insert(have_label);
                if theirs != want_label || ours != have_label {
                    return Err(format!(
                        "{}: not the same partition (our label {have_label} also covers the \
                         expected label {theirs}; expected label {want_label} also covers our label {ours})",
                        mismatch(vertex, want, have)
                    ));
                }
            }
            Algo::Pr | Algo::Lcc | Algo::Sssp => {
                let reference = parse_float(want).ok_or_else(|| mismatch(vertex, want, have))?;
                let value = parse_float(have).ok_or_else(|| mismatch(vertex, want, have))?;
                let matches = if reference.is_infinite() || value.is_infinite() {
                    reference == value
                } else {
                    (reference - value).abs() <= 1e-4 * reference.abs()
                };
                if !matches {
                    return Err(mismatch(vertex, want, have));
                }
            }
        }
    }
    Ok(())
}

fn read(dir: &Path, params: &Params, algo: Algo) -> (AdjGraph, Vec<u64>) {
    let weighted = algo == Algo::Sssp;
    let vertices = dir.join(format!("{}.v", params.graph));
    let edges = dir.join(format!("{}.e", params.graph));
    read_graph(&vertices, &edges, params.directed, weighted)
        .unwrap_or_else(|error| panic!("graph {}: {error}", params.graph))
}

#[test]
fn every_expected_output_matches_the_library() {
    let dir = graphs_dir();
    let outputs = expected_outputs(&dir);
    let mut failures = Vec::new();
    for (params, algo, path) in &outputs {
        let (graph, ids) = read(&dir, params, *algo);
        let output = run_kernel(params, *algo, &graph, &ids);
        let mut text = Vec::new();
        write_output(&mut text, &ids, &output).expect("writing to memory");
        let expected = fs::read_to_string(path).expect("reading the expected output");
        let got = String::from_utf8(text).expect("the writer writes ASCII");
        if let Err(failure) = validate(&dir, params.graph, *algo, &expected, &got) {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{} of {} outputs differ:\n{}", failures.len(), outputs.len(), failures.join("\n"));
    assert_eq!(outputs.len(), EXPECTED_FILES, "expected-output files found in {}", dir.display());
}

#[test]
fn every_algorithm_and_both_directions_are_covered() {
    let outputs = expected_outputs(&graphs_dir());
    for algo in [Algo::Bfs, Algo::Wcc, Algo::Cdlp, Algo::Pr, Algo::Lcc, Algo::Sssp] {
        for directed in [true, false] {
            let count =
                outputs.iter().filter(|(params, found, _)| *found == algo && params.directed == directed).count();
            assert_eq!(count, 2, "{algo:?}, directed = {directed}: expected-output files");
        }
    }
}

/// Runs `clew algo` and returns its stdout, or its stderr as the error.
fn clew_algo(args: &[&str]) -> Result<String, String> {
    let output =
        Command::new(env!("CARGO_BIN_EXE_clew")).arg("algo").args(args).output().expect("running the clew binary");
    if output.status.success() {
        Ok(String::from_utf8(output.stdout).expect("clew writes ASCII"))
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// The `clew algo` arguments that reproduce an expected file.
fn cli_args(dir: &Path, params: &Params, algo: Algo) -> Vec<String> {
    let mut args = vec![
        algo.cli_name().to_owned(),
        "--vertices".to_owned(),
        dir.join(format!("{}.v", params.graph)).display().to_string(),
        "--edges".to_owned(),
        dir.join(format!("{}.e", params.graph)).display().to_string(),
    ];
    if params.directed {
        args.push("--directed".to_owned());
    }
    match algo {
        Algo::Bfs => args.extend(["--source".to_owned(), params.source.to_string()]),
        Algo::Sssp => args.extend(["--weighted".to_owned(), "--source".to_owned(), params.source.to_string()]),
        Algo::Cdlp => args.extend(["--iterations".to_owned(), params.cdlp_iterations.to_string()]),
        Algo::Pr => args.extend([
            "--iterations".to_owned(),
            params.pr_iterations.to_string(),
            "--damping".to_owned(),
            DAMPING.to_string(),
        ]),
        Algo::Wcc | Algo::Lcc => {}
    }
    args
}

#[test]
fn the_cli_reproduces_one_graph_per_algorithm() {
    let dir = graphs_dir();
    let picks = [
        ("test-bfs-undirected", Algo::Bfs),
        ("test-wcc-directed", Algo::Wcc),
        ("test-cdlp-directed", Algo::Cdlp),
        ("test-pr-undirected", Algo::Pr),
        ("test-lcc-directed", Algo::Lcc),
        ("example-undirected", Algo::Sssp),
    ];
    for (graph, algo) in picks {
        let params = TABLE.iter().find(|params| params.graph == graph).expect("a table row");
        let args = cli_args(&dir, params, algo);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = clew_algo(&args).unwrap_or_else(|stderr| panic!("graph {graph}, {algo:?}: clew failed: {stderr}"));
        let expected = fs::read_to_string(dir.join(format!("{graph}-{}", format!("{algo:?}").to_uppercase())))
            .expect("reading the expected output");
        if let Err(failure) = validate(&dir, graph, algo, &expected, &got) {
            panic!("{failure}");
        }
    }
}

#[test]
fn the_cli_writes_out_files_atomically() {
    let dir = graphs_dir();
    let scratch = tempfile::tempdir().expect("a temp dir");
    let out = scratch.path().join("result.txt");
    fs::write(&out, "old content\n").expect("writing the old file");
    let params = TABLE.iter().find(|params| params.graph == "example-directed").expect("a table row");
    let mut args = cli_args(&dir, params, Algo::Lcc);
    args.extend(["--out".to_owned(), out.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let stdout = clew_algo(&args).unwrap_or_else(|stderr| panic!("clew failed: {stderr}"));
    assert_eq!(stdout, "", "with --out nothing goes to stdout");
    let got = fs::read_to_string(&out).expect("reading the output file");
    let expected = fs::read_to_string(dir.join("example-directed-LCC")).expect("reading the expected output");
    validate(&dir, "example-directed", Algo::Lcc, &expected, &got).unwrap_or_else(|failure| panic!("{failure}"));
    let leftovers: Vec<_> = fs::read_dir(scratch.path())
        .expect("listing the temp dir")
        .map(|entry| entry.expect("an entry").file_name())
        .filter(|name| name != "result.txt")
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
}

#[test]
fn the_cli_explains_bad_arguments() {
    let dir = graphs_dir();
    let vertices = dir.join("example-directed.v").display().to_string();
    let edges = dir.join("example-directed.e").display().to_string();
    let base = ["--vertices", vertices.as_str(), "--edges", edges.as_str(), "--directed"];
    let cases: [(&[&str], &str); 6] = [
        (&["bfs", "--source", "42"], "--source 42 is not a vertex"),
        (&["bfs"], "bfs needs --source"),
        (&["sssp", "--source", "1"], "sssp needs edge weights: pass --weighted"),
        (&["pr"], "pr needs --iterations"),
        (&["wcc", "--source", "1"], "--source applies only to bfs and sssp"),
        (&["pr", "--iterations", "2", "--damping", "1.5"], "--damping 1.5 is not in [0, 1]"),
    ];
    for (extra, message) in cases {
        let mut args: Vec<&str> = extra.to_vec();
        args.extend(base);
        match clew_algo(&args) {
            Ok(_) => panic!("clew algo {args:?} succeeded; expected an error containing {message:?}"),
            Err(stderr) => assert!(stderr.contains(message), "clew algo {args:?}: {stderr:?} lacks {message:?}"),
        }
    }
    // A bad line names its file and line.
    let scratch = tempfile::tempdir().expect("a temp dir");
    let bad_edges = scratch.path().join("bad.e");
    fs::write(&bad_edges, "1 3 0.5\n1 x 0.3\n").expect("writing bad.e");
    let bad_edges = bad_edges.display().to_string();
    let stderr =
        clew_algo(&["wcc", "--vertices", &vertices, "--edges", &bad_edges]).expect_err("a bad edge file is an error");
    assert!(stderr.contains("bad.e:2: target \"x\""), "{stderr:?}");
}

#[test]
fn the_validator_rejects_wrong_outputs() {
    let dir = graphs_dir();
    let check = |algo, expected: &str, got: &str| validate(&dir, "test-wcc-directed", algo, expected, got);
    let expected = "1 1\n2 1\n3 1\n4 1\n6 6\n7 6\n8 6\n9 1\n";
    assert_eq!(check(Algo::Wcc, expected, "1 5\n2 5\n3 5\n4 5\n6 0\n7 0\n8 0\n9 5\n"), Ok(()));
    assert_eq!(
        check(Algo::Wcc, expected, "1 1\n2 1\n3 1\n4 1\n6 1\n7 6\n8 6\n9 1\n"),
        Err("graph test-wcc-directed, Wcc, vertex 6: expected 6, got 1: not the same partition (our \
             label 1 also covers the expected label 1; expected label 6 also covers our label 1)"
            .to_owned())
    );
    assert_eq!(
        check(Algo::Wcc, expected, "1 1\n2 1\n3 1\n4 1\n6 6\n7 6\n8 6\n"),
        Err("graph test-wcc-directed, Wcc, vertex 9: missing from our output".to_owned())
    );
    assert_eq!(
        check(Algo::Bfs, expected, "1 1\n2 1\n3 1\n4 1\n6 6\n7 6\n8 7\n9 1\n"),
        Err("graph test-wcc-directed, Bfs, vertex 8: expected 6, got 7".to_owned())
    );
    let floats = "1 1.0\n2 infinity\n3 0.0\n4 1\n6 1\n7 1\n8 1\n9 1\n";
    assert_eq!(check(Algo::Sssp, floats, "1 1.00009\n2 Infinity\n3 0\n4 1\n6 1\n7 1\n8 1\n9 1\n"), Ok(()));
    assert_eq!(
        check(Algo::Sssp, floats, "1 1.0002\n2 Infinity\n3 0\n4 1\n6 1\n7 1\n8 1\n9 1\n"),
        Err("graph test-wcc-directed, Sssp, vertex 1: expected 1.0, got 1.0002".to_owned())
    );
    assert_eq!(
        check(Algo::Sssp, floats, "1 1.0\n2 1e300\n3 0\n4 1\n6 1\n7 1\n8 1\n9 1\n"),
        Err("graph test-wcc-directed, Sssp, vertex 2: expected infinity, got 1e300".to_owned())
    );
}

/// Runs `clew` and returns its exit code and stderr.
fn clew_status(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_clew")).args(args).output().expect("running the clew binary");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn bad_arguments_exit_with_the_usage_status_and_name_the_argument() {
    let dir = graphs_dir();
    let vertices = dir.join("example-directed.v").display().to_string();
    let edges = dir.join("example-directed.e").display().to_string();
    let scratch = tempfile::tempdir().expect("a temp dir");
    let missing = scratch.path().join("missing.v").display().to_string();
    let bad_edges = scratch.path().join("bad.e");
    fs::write(&bad_edges, "1 3 0.5\n1 x 0.3\n").expect("writing bad.e");
    let bad_edges = bad_edges.display().to_string();
    let cases: [(Vec<&str>, &str); 6] = [
        (vec!["algo", "bfs", "--vertices", &vertices, "--edges", &edges, "--directed"], "--source"),
        (
            vec!["algo", "bfs", "--source", "42", "--vertices", &vertices, "--edges", &edges, "--directed"],
            "--source 42",
        ),
        (
            vec![
                "algo",
                "pr",
                "--iterations",
                "2",
                "--damping",
                "2",
                "--vertices",
                &vertices,
                "--edges",
                &edges,
                "--directed",
            ],
            "--damping",
        ),
        (vec!["algo", "wcc", "--vertices", &missing, "--edges", &edges, "--directed"], "missing.v"),
        (vec!["algo", "wcc", "--vertices", &vertices, "--edges", &bad_edges, "--directed"], "bad.e:2"),
        (vec!["algo", "kcore", "--vertices", &vertices, "--edges", &edges, "--directed"], "kcore"),
    ];
    for (args, names) in cases {
        let (code, stderr) = clew_status(&args);
        assert_eq!(code, Some(2), "clew {args:?}: {stderr}");
        assert!(stderr.contains(names), "clew {args:?}: {stderr:?} does not name {names:?}");
    }
}

#[test]
fn timings_report_the_kernels_peak_extra_memory() {
    // The figure comes from resetting the resident high-water mark, which Linux allows a process
    // to do for itself; where this process cannot, neither can clew, and it prints no figure.
    if fs::write("/proc/self/clear_refs", "5").is_err() {
        return;
    }
    let dir = graphs_dir();
    let params = TABLE.iter().find(|params| params.graph == "example-directed").expect("a table row");
    let mut args = cli_args(&dir, params, Algo::Wcc);
    args.push("--timings".to_owned());
    let mut full = vec!["algo".to_owned()];
    full.extend(args);
    let full: Vec<&str> = full.iter().map(String::as_str).collect();
    let (code, stderr) = clew_status(&full);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("kernel peak extra memory"), "{stderr:?}");
}
