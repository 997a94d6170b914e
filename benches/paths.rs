//! Criterion benchmarks of the path and cycle queries on the demo world (`clew demo`'s
//! generator, medium size by default): shortest paths between nearby and random pairs, k shortest
//! paths, 2-hop neighbourhood expansion, fund cycles and circular ownership.
//!
//! `CLEW_BENCH_DEMO_SIZE` (small, medium, large) picks the world; `CLEW_BENCH_WORLD=dir/x.clew`
//! keeps it: generated into `dir` on the first run, reused after. Query inputs come from a fixed
//! seed and are drawn outside the timed parts.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

#[path = "support/demo_world.rs"]
mod demo_world;

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Duration;

use clew::cycles::{circular_ownership, fund_cycles, FundCycleQuery};
use clew::graph::{Graph, NodeId};
use clew::paths::{shortest_paths, Path, PathQuery};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashSet;

/// The snapshot to query (built once for all groups), and the folder that holds it.
fn world() -> &'static Graph {
    static WORLD: OnceLock<(Option<tempfile::TempDir>, Graph)> = OnceLock::new();
    &WORLD.get_or_init(|| demo_world::generate_or_open("medium", 7)).1
}

/// A random neighbour (either direction), if the node has any.
fn random_neighbour(g: &Graph, node: NodeId, rng: &mut ChaCha8Rng) -> Option<NodeId> {
    let (outs, ins) = (g.out_range(node).len(), g.in_range(node).len());
    if outs + ins == 0 {
        return None;
    }
    let pick = rng.gen_range(0..outs + ins);
    if pick < outs {
        g.out_edges(node).nth(pick).map(|a| a.other)
    } else {
        g.in_edges(node).nth(pick - outs).map(|a| a.other)
    }
}

/// Pairs joined by a random walk of 2 to 4 hops: nearby nodes, as an investigator clicks them.
fn nearby_pairs(g: &Graph, count: usize, rng: &mut ChaCha8Rng) -> Vec<(NodeId, NodeId)> {
    let mut pairs = Vec::with_capacity(count);
    while pairs.len() < count {
        let start = NodeId(rng.gen_range(0..g.n_nodes() as u32));
        let mut at = start;
        for _ in 0..rng.gen_range(2..=4) {
            match random_neighbour(g, at, rng) {
                Some(next) => at = next,
                None => break,
            }
        }
        if at != start {
            pairs.push((start, at));
        }
    }
    pairs
}

/// One query per call, going round the pairs.
fn cycle_through<'a>(
    g: &'a Graph,
    pairs: &'a [(NodeId, NodeId)],
    query: &'a dyn Fn(NodeId, NodeId) -> PathQuery,
) -> impl FnMut() -> Vec<Path> + 'a {
    let mut i = 0;
    move || {
        let (a, b) = pairs[i % pairs.len()];
        i += 1;
        shortest_paths(g, &query(a, b)).unwrap()
    }
}

fn shortest(c: &mut Criterion) {
    let g = world();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let near = nearby_pairs(g, 1000, &mut rng);
    let random: Vec<(NodeId, NodeId)> = (0..1000)
        .map(|_| (NodeId(rng.gen_range(0..g.n_nodes() as u32)), NodeId(rng.gen_range(0..g.n_nodes() as u32))))
        .filter(|(a, b)| a != b)
        .collect();
    let mut group = c.benchmark_group("paths");
    group.measurement_time(Duration::from_secs(5));

    let plain = |a, b| PathQuery::between(a, b);
    let no_supernodes = |a, b| PathQuery { skip_degree_above: Some(200), ..PathQuery::between(a, b) };
    let yen = |a, b| PathQuery { k: 5, skip_degree_above: Some(200), ..PathQuery::between(a, b) };
    let mut near_plain = cycle_through(g, &near, &plain);
    group.bench_function("shortest_nearby", |b| b.iter(&mut near_plain));
    let mut near_skip = cycle_through(g, &near, &no_supernodes);
    group.bench_function("shortest_nearby_skip_supernodes", |b| b.iter(&mut near_skip));
    let mut random_skip = cycle_through(g, &random, &no_supernodes);
    group.bench_function("shortest_random_pairs_6_hops_skip_supernodes", |b| b.iter(&mut random_skip));
    let mut near_yen = cycle_through(g, &near, &yen);
    group.bench_function("k5_shortest_nearby_skip_supernodes", |b| b.iter(&mut near_yen));
    group.finish();

    latency_report(g, "shortest nearby", &near, &plain);
    latency_report(g, "shortest nearby, supernodes skipped", &near, &no_supernodes);
    let mut found = [0usize; 2];
    for (i, pairs) in [&near, &random].into_iter().enumerate() {
        found[i] = pairs.iter().filter(|(a, b)| !shortest_paths(g, &no_supernodes(*a, *b)).unwrap().is_empty()).count();
    }
    eprintln!(
        "pairs with a path (supernodes skipped): nearby {}/{}, random {}/{}",
        found[0],
        near.len(),
        found[1],
        random.len()
    );
}

/// Per-query latency percentiles (criterion reports the mean, which hides the tail), and how
/// many queries pass through a node of degree above 1,000.
fn latency_report(g: &Graph, label: &str, pairs: &[(NodeId, NodeId)], query: &dyn Fn(NodeId, NodeId) -> PathQuery) {
    let mut micros = Vec::with_capacity(pairs.len());
    let mut via_hub = 0;
    for &(a, b) in pairs {
        let started = std::time::Instant::now();
        let paths = shortest_paths(g, &query(a, b)).unwrap();
        micros.push(started.elapsed().as_secs_f64() * 1e6);
        if paths.iter().any(|p| p.nodes[1..p.nodes.len() - 1].iter().any(|&n| g.degree(n) > 1000)) {
            via_hub += 1;
        }
    }
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() - 1) as f64 * q) as usize];
    eprintln!(
        "{label}: p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs, max {:.0} µs; {via_hub}/{} paths through a node of degree > 1000",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        pairs.len()
    );
}

/// Everything within two hops, both directions: the neighbourhood an investigator expands.
fn two_hops(g: &Graph, start: NodeId, seen: &mut FxHashSet<NodeId>) -> usize {
    seen.clear();
    seen.insert(start);
    let mut frontier = vec![start];
    for _ in 0..2 {
        let mut next = Vec::new();
        for &node in &frontier {
            for a in g.out_edges(node).chain(g.in_edges(node)) {
                if seen.insert(a.other) {
                    next.push(a.other);
                }
            }
        }
        frontier = next;
    }
    seen.len()
}

fn neighbourhood(c: &mut Criterion) {
    let g = world();
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let starts: Vec<NodeId> = (0..1000).map(|_| NodeId(rng.gen_range(0..g.n_nodes() as u32))).collect();
    let mut seen = FxHashSet::default();
    let mut group = c.benchmark_group("neighbourhood");
    let mut i = 0;
    group.bench_function("two_hops_random_node", |b| {
        b.iter(|| {
            i += 1;
            two_hops(g, black_box(starts[i % starts.len()]), &mut seen)
        })
    });
    group.finish();
}

fn cycles(c: &mut Criterion) {
    let g = world();
    let mut group = c.benchmark_group("cycles");
    group.sample_size(10);
    let q = FundCycleQuery { max_len: 5, within_secs: 7 * 86_400, min_kept_ratio: 0.9, cap: usize::MAX };
    eprintln!("fund cycles (5 transfers, 7 days, 90 % kept): {}", fund_cycles(g, q).len());
    group.bench_function("fund_cycles_all_accounts", |b| b.iter(|| fund_cycles(g, black_box(q))));
    let sequential = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    group
        .bench_function("fund_cycles_all_accounts_one_thread", |b| b.iter(|| sequential.install(|| fund_cycles(g, q))));
    eprintln!("ownership cycles: {}", circular_ownership(g).len());
    group.bench_function("circular_ownership", |b| b.iter(|| circular_ownership(g)));
    group.finish();
}

criterion_group!(benches, shortest, neighbourhood, cycles);
criterion_main!(benches);
