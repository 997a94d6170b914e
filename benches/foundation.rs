//! Hot paths of the foundation: normalisers, the whole build (load + snapshot write), snapshot
#![allow(missing_docs)] // criterion_group! generates undocumented functions
//! open, key lookup and adjacency scans. Inputs are generated with a fixed seed outside the
//! timed parts; `CLEW_BENCH_EDGES` scales the edge list (default 1,000,000).

use std::hint::black_box;
use std::io::Write;
use std::path::Path;

use clew::build::{build, BuildOptions};
use clew::graph::{Graph, NodeId};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use graph_schema::normalise;

const SCHEMA: &str = include_str!("peers/edgelist/schema.toml");
const MAPPING: &str = include_str!("peers/edgelist/mapping.toml");

/// A seeded random directed edge list over `n` vertices, `m` edges, as `src,dst` lines.
fn write_edge_list(dir: &Path, n: u64, m: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("edges.csv")).unwrap());
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        // xorshift64*: fast and reproducible; quality is irrelevant for a load benchmark.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    for _ in 0..m {
        let (a, b) = (next() % n, next() % n);
        writeln!(out, "{a},{b}").unwrap();
    }
    std::fs::write(dir.join("schema.toml"), SCHEMA).unwrap();
    std::fs::write(dir.join("mapping.toml"), MAPPING).unwrap();
}

fn normalisers(c: &mut Criterion) {
    let mut group = c.benchmark_group("normalise");
    group.bench_function("resident_id", |b| b.iter(|| normalise::resident_id(black_box("11010519491231002x"))));
    group.bench_function("resident_id_15", |b| b.iter(|| normalise::resident_id(black_box("110105491231002"))));
    group.bench_function("phone", |b| b.iter(|| normalise::phone(black_box("+86 138-1234-5678"))));
    group.bench_function("amount", |b| b.iter(|| normalise::amount_cents(black_box("¥1,234.50"))));
    group.bench_function("date", |b| b.iter(|| normalise::date_days(black_box("2024/03/05"), &[])));
    group.bench_function("name", |b| b.iter(|| normalise::name(black_box("张 三"))));
    group.finish();

    // Dates as the demo mapping lists them: the fixed-shape hand readers (ISO first, compact
    // third in the list, day-first unpadded via a lenient shape) against chrono's fallback.
    let date_formats: Vec<String> =
        ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d"].iter().map(|f| (*f).to_owned()).collect();
    let time_formats: Vec<String> = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .map(|f| (*f).to_owned())
        .collect();
    let mut group = c.benchmark_group("dates");
    for (name, text) in [("iso", "2021-03-05"), ("compact", "20210305"), ("cjk_unpadded", "2021年3月5日")] {
        group.bench_function(format!("date_{name}"), |b| {
            b.iter(|| normalise::date_days(black_box(text), &date_formats))
        });
    }
    group.bench_function("date_chrono_fallback", |b| {
        b.iter(|| normalise::date_days(black_box("2021-03-05"), &["%Y-%j".to_owned(), "%Y-%m-%d".to_owned()]))
    });
    for (name, text) in [("space", "2021-01-01 01:15:58"), ("t", "2021-01-01T01:40:38"), ("compact", "20210101011558")]
    {
        group.bench_function(format!("datetime_{name}"), |b| {
            b.iter(|| normalise::datetime_secs(black_box(text), &time_formats))
        });
    }
    group.finish();

    // The text folds every key and string value goes through: byte-level shortcuts for text
    // with nothing to fold, the char-by-char path when there is.
    let mut group = c.benchmark_group("text");
    group.bench_function("halfwidth_plain", |b| b.iter(|| normalise::halfwidth(black_box("6228483084124826026"))));
    group.bench_function("halfwidth_cjk", |b| b.iter(|| normalise::halfwidth(black_box("金陵大学附属第一医院"))));
    group.bench_function("halfwidth_folds", |b| b.iter(|| normalise::halfwidth(black_box("２０２１－０３－０５"))));
    group.bench_function("collapse_plain", |b| b.iter(|| normalise::collapse_spaces(black_box("S72.0 股骨颈骨折"))));
    group.bench_function("collapse_folds", |b| {
        b.iter(|| normalise::collapse_spaces(black_box(" S72.0 \t 股骨颈骨折 ")))
    });
    group.bench_function("trim_plain", |b| b.iter(|| normalise::trim(black_box("360102196901025158"))));
    group.finish();
}

/// The whole build of a small demo world: dated, typed and normalised columns over several
/// files, the path the edge list does not exercise (fixed-shape dates, string interning,
/// property columns, provenance).
fn build_demo(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    clew::demo::generate(clew::demo::Size::Small, 7, dir.path()).unwrap();
    let mapping = dir.path().join("mapping.toml");
    let out = dir.path().join("w.clew");
    let rows = build(&mapping, &out, &BuildOptions::default(), &Default::default()).unwrap().report.rows;
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows));
    group.bench_function("demo_small_rows", |b| {
        b.iter(|| build(&mapping, &out, &BuildOptions::default(), &Default::default()).unwrap())
    });
    group.finish();
}

fn build_and_open(c: &mut Criterion) {
    let m: u64 = std::env::var("CLEW_BENCH_EDGES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let n = (m / 10).max(10);
    let dir = tempfile::tempdir().unwrap();
    write_edge_list(dir.path(), n, m);
    let mapping = dir.path().join("mapping.toml");
    let out = dir.path().join("g.clew");

    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    group.throughput(Throughput::Elements(m));
    group.bench_function("edge_list_rows", |b| {
        b.iter(|| build(&mapping, &out, &BuildOptions::default(), &Default::default()).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("snapshot");
    group.bench_function("open_verified", |b| b.iter(|| Graph::open(&out).unwrap()));
    let graph = Graph::open(&out).unwrap();
    let vertex = graph.schema().entity_id("vertex").unwrap();
    let keys: Vec<String> = (0..1000).map(|i| ((i * 7919) % n).to_string()).collect();
    group.bench_function("find_1000_keys", |b| {
        b.iter(|| keys.iter().filter(|k| graph.find(vertex, k).is_some()).count())
    });
    group.throughput(Throughput::Elements(graph.n_edges() as u64));
    group.bench_function("scan_all_out_edges", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for v in 0..graph.n_nodes() as u32 {
                for a in graph.out_edges(NodeId(v)) {
                    sum = sum.wrapping_add(a.other.0 as u64);
                }
            }
            sum
        })
    });
    group.finish();
}

criterion_group!(benches, normalisers, build_demo, build_and_open);
criterion_main!(benches);
