//! Criterion benchmarks of the graph kernels on a seeded random graph (1M vertices, 10M edges).
//!
//! `CLEW_BENCH_SCALE` (a fraction, default 1) shrinks the graph, e.g. `CLEW_BENCH_SCALE=0.01` for a
//! quick run. With `CLEW_BENCH_WRITE_GRAPH=DIR` the binary instead writes the same graph to
//! `DIR/bench.v` and `DIR/bench.e` in Graphalytics format and exits, so that
//! `benches/peers/algo_peers.sh` can time `clew algo` and the peer libraries on identical input.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use clew::algo::{bfs_depths, label_propagation, pagerank, weakly_connected_components, AdjGraph};
use criterion::{black_box, Criterion};

const FULL_VERTICES: f64 = 1_000_000.0;
const FULL_EDGES: f64 = 10_000_000.0;
const SEED: u64 = 0x00C1_E3A1_60B1_7E5D;

/// The benchmark graph: directed, uniformly random endpoints from a fixed-seed xorshift64*, with
/// self-loops and repeated pairs dropped (Graphalytics forbids both), sorted like a `.e` file.
fn generate(scale: f64) -> (u32, Vec<(u32, u32)>) {
    let n_vertices = ((FULL_VERTICES * scale) as u32).max(2);
    let n_draws = (FULL_EDGES * scale) as usize;
    let mut state = SEED;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    // The high bits of xorshift64* are its best; a 64x32-bit multiply maps them onto 0..n
    // without a modulo's bias or cost.
    let mut endpoint = move || (((next() >> 32) * u64::from(n_vertices)) >> 32) as u32;
    let mut edges: Vec<(u32, u32)> =
        (0..n_draws).map(|_| (endpoint(), endpoint())).filter(|(src, dst)| src != dst).collect();
    edges.sort_unstable();
    edges.dedup();
    (n_vertices, edges)
}

fn scale() -> f64 {
    match std::env::var("CLEW_BENCH_SCALE") {
        Ok(text) => match text.parse::<f64>() {
            Ok(scale) if scale > 0.0 && scale <= 1000.0 => scale,
            _ => panic!("CLEW_BENCH_SCALE={text:?}: expected a number in (0, 1000]"),
        },
        Err(_) => 1.0,
    }
}

/// Writes the graph as `bench.v` (ids 0..n) and `bench.e` (`src dst` lines) in `dir`.
fn write_graph(dir: &Path, n_vertices: u32, edges: &[(u32, u32)]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut vertices = BufWriter::new(File::create(dir.join("bench.v"))?);
    for vertex in 0..n_vertices {
        writeln!(vertices, "{vertex}")?;
    }
    vertices.flush()?;
    let mut edge_file = BufWriter::new(File::create(dir.join("bench.e"))?);
    for (src, dst) in edges {
        writeln!(edge_file, "{src} {dst}")?;
    }
    edge_file.flush()
}

fn main() {
    let scale = scale();
    let (n_vertices, edges) = generate(scale);
    if let Ok(dir) = std::env::var("CLEW_BENCH_WRITE_GRAPH") {
        write_graph(Path::new(&dir), n_vertices, &edges)
            .unwrap_or_else(|error| panic!("writing the graph to {dir}: {error}"));
        println!("wrote {dir}/bench.v and bench.e: {n_vertices} vertices, {} edges", edges.len());
        return;
    }
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let label = format!("{n_vertices}v-{}e", edges.len());
    let mut group = criterion.benchmark_group("algo");
    group.bench_function(format!("build/{label}"), |bench| {
        bench.iter(|| AdjGraph::from_edges(n_vertices, black_box(&edges), None, true))
    });
    let graph = AdjGraph::from_edges(n_vertices, &edges, None, true);
    drop(edges);
    group.bench_function(format!("wcc/{label}"), |bench| bench.iter(|| weakly_connected_components(black_box(&graph))));
    group.bench_function(format!("bfs/{label}"), |bench| {
        bench.iter(|| bfs_depths(black_box(&graph), 0).expect("vertex 0 exists"))
    });
    group.bench_function(format!("pagerank-10/{label}"), |bench| {
        bench.iter(|| pagerank(black_box(&graph), 10, 0.85).expect("0.85 is a valid damping"))
    });
    group.bench_function(format!("cdlp-5/{label}"), |bench| bench.iter(|| label_propagation(black_box(&graph), 5)));
    group.finish();
    criterion.final_summary();
}
