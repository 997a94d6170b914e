//! Criterion benchmarks of `clew analyze` on the demo world (small by default, so `cargo bench`
//! stays short; `CLEW_BENCH_DEMO_SIZE=medium` for the figure): the whole analysis, the
//! claim table, the record rules alone, and the ring detector alone. Peak resident memory of the
//! process is printed after the runs.
//!
//! `CLEW_BENCH_WORLD=dir/x.clew` keeps the world: generated into `dir` on the first run, reused
//! after.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

#[path = "support/demo_world.rs"]
mod demo_world;

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Duration;

use clew::analysis::rules::context::Context;
use clew::analysis::rules::{RuleKind, RuleSet};
use clew::analysis::{analyze, Options};
use clew::graph::Graph;
use criterion::{criterion_group, criterion_main, Criterion};

fn world() -> &'static Graph {
    static WORLD: OnceLock<(Option<tempfile::TempDir>, Graph)> = OnceLock::new();
    &WORLD.get_or_init(|| demo_world::generate_or_open("small", 42)).1
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn analysis(c: &mut Criterion) {
    let g = world();
    let rules = RuleSet::builtin();
    let mut group = c.benchmark_group("analysis");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("analyze_all_rules", |b| {
        b.iter(|| black_box(analyze(g, &rules, &Options::default()).unwrap().alerts.len()))
    });
    group.bench_function("claim_table", |b| b.iter(|| black_box(Context::new(g).claims.len())));
    let record_only =
        RuleSet { rules: rules.rules.iter().filter(|r| r.kind.is_record_rule()).cloned().collect(), ..rules.clone() };
    group.bench_function("record_rules", |b| {
        b.iter(|| black_box(analyze(g, &record_only, &Options::default()).unwrap().alerts.len()))
    });
    let rings = RuleSet {
        rules: rules.rules.iter().filter(|r| matches!(r.kind, RuleKind::CollusionRing(_))).cloned().collect(),
        ..rules.clone()
    };
    group.bench_function("ring_detector", |b| {
        b.iter(|| black_box(analyze(g, &rings, &Options::default()).unwrap().clusters.len()))
    });
    group.finish();
    eprintln!("peak resident memory {:.1} MB", peak_rss_mb());
}

criterion_group!(benches, analysis);
criterion_main!(benches);
