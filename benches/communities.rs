//! Criterion benchmarks of community detection and projections, and the clew side of the peer
//! comparison in `benches/peers/community_peers.py`.
//!
//! Criterion mode: Louvain, Leiden and modularity on a seeded planted-partition graph (100k
//! vertices, ~1M edges, communities of 50–500, mixing 0.3; `CLEW_BENCH_SCALE` multiplies the
//! size), and the `shared-identifiers` projection of a generated world of 100k people.
//!
//! Peer mode, `CLEW_COMMUNITY_PEERS=DIR cargo bench --bench communities`: reads the graphs the peer
//! script wrote to DIR (`NAME.edges` u32 pairs, optional `NAME.weights` f64, `NAME.labels` u32),
//! runs Louvain and Leiden on each (seeds 0–9 on the small graphs, seed 0 on `planted`), writes
//! each partition to `NAME.clew-ALGO-SEED.membership` and prints one JSON line per run with the
//! algorithm's time (loading excluded) and CPU time, modularity, NMI against the labels, and peak
//! extra memory both as the algorithm estimates it and as measured from the resident high-water
//! mark. On `planted` the time of every phase of every level goes to stderr.
//! `CLEW_COMMUNITY_ALGOS=louvain` (or `leiden`) runs one of the two; `CLEW_COMMUNITY_PLANTED_SEEDS=N`
//! runs seeds 0..N on `planted`, to see how much a figure moves with the seed.

use std::path::Path;
use std::time::{Duration, Instant};

use clew::algo::community::{
    leiden, leiden_with_progress, louvain, louvain_with_progress, modularity, nmi, LeidenOptions, LouvainOptions,
    Phase, Progress,
};
use clew::algo::projection::{Projection, ProjectionDef};
use clew::algo::AdjGraph;
use clew::build::{build, BuildOptions};
use clew::graph::Graph;
use criterion::{black_box, Criterion};

const SMALL: &[&str] = &["karate", "football", "polbooks", "email-Eu-core"];
const SMALL_SEEDS: u64 = 10;

/// xorshift64*, for the generated inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        ((self.next() >> 32) * bound) >> 32
    }
}

/// A planted-partition graph like the peer script's (smaller): returns the graph and the truth.
fn planted(n_vertices: u32, seed: u64) -> (AdjGraph, Vec<u32>) {
    let mut rng = Rng(seed | 1);
    let mut truth = Vec::with_capacity(n_vertices as usize);
    let mut starts = Vec::new();
    while truth.len() < n_vertices as usize {
        let size = (50 + rng.below(451) as usize).min(n_vertices as usize - truth.len());
        starts.push((truth.len() as u32, size as u32));
        truth.extend(std::iter::repeat_n(starts.len() as u32 - 1, size));
    }
    // Shuffle ids so communities are not ranges.
    let mut ids: Vec<u32> = (0..n_vertices).collect();
    for i in (1..ids.len()).rev() {
        ids.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut edges = Vec::new();
    for &(start, size) in &starts {
        let inner = (f64::from(size) * 20.0 * 0.7 / 2.0).round() as usize;
        for _ in 0..inner {
            let a = start + rng.below(u64::from(size)) as u32;
            let b = start + rng.below(u64::from(size)) as u32;
            edges.push((ids[a as usize], ids[b as usize]));
        }
    }
    for _ in 0..(f64::from(n_vertices) * 20.0 * 0.3 / 2.0) as usize {
        let a = rng.below(u64::from(n_vertices)) as u32;
        let b = rng.below(u64::from(n_vertices)) as u32;
        edges.push((ids[a as usize], ids[b as usize]));
    }
    let mut edges: Vec<(u32, u32)> =
        edges.into_iter().filter(|(a, b)| a != b).map(|(a, b)| (a.min(b), a.max(b))).collect();
    edges.sort_unstable();
    edges.dedup();
    let mut labels = vec![0u32; n_vertices as usize];
    for (position, &label) in truth.iter().enumerate() {
        labels[ids[position] as usize] = label;
    }
    (AdjGraph::from_edges(n_vertices, &edges, None, false), labels)
}

/// A world of `n_people` with phones and addresses, some shared, a few by very many people.
fn write_world(dir: &Path, n_people: u32) -> std::path::PathBuf {
    let mut rng = Rng(0x0005_EED0_F7E0);
    let mut csv = String::from("person_id,phone,address\n");
    for person in 0..n_people {
        // Households of about three share an address; phones mostly personal, some shared, and
        // one call-centre number that a hundredth of everyone gives.
        let phone = match rng.below(100) {
            0 => "4000000000".to_owned(),
            1..=20 => format!("139{:08}", rng.below(u64::from(n_people / 4))),
            _ => format!("138{person:08}"),
        };
        let address = format!("addr-{}", person / 3 + rng.below(2) as u32);
        csv.push_str(&format!("P{person:07},{phone},{address}\n"));
    }
    std::fs::write(dir.join("people.csv"), csv).expect("writing people.csv");
    std::fs::write(dir.join("mapping.toml"), WORLD_MAPPING).expect("writing mapping.toml");
    let out = dir.join("world.clew");
    build(&dir.join("mapping.toml"), &out, &BuildOptions::default(), &Default::default()).expect("building the world");
    out
}

const WORLD_MAPPING: &str = r#"version = 1

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

  [[source.entity]]
  type = "address"
  key = "address"

  [[source.relation]]
  type = "has_phone"
  from = "person"
  to = "phone"

  [[source.relation]]
  type = "lives_at"
  from = "person"
  to = "address"
"#;

fn scale() -> f64 {
    std::env::var("CLEW_BENCH_SCALE").ok().and_then(|text| text.parse().ok()).unwrap_or(1.0)
}

fn read_u32s(path: &Path) -> Vec<u32> {
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    bytes.chunks_exact(4).map(|chunk| u32::from_le_bytes(chunk.try_into().unwrap())).collect()
}

/// CPU seconds this process has used (all threads), from `/proc/self/stat`; 0 where unavailable.
/// On a loaded machine wall time says little about the work done; this says more.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks = |index: usize| fields.get(index).and_then(|field| field.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 ticks/s.
    (ticks(11) + ticks(12)) / 100.0
}

/// A `kB` line of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// Resets the resident high-water mark (Linux ≥ 4.0) and returns the resident size now, so that
/// `VmHWM` afterwards less this is the run's peak extra memory (a lower bound: memory the
/// allocator kept from earlier runs is reused unseen).
fn reset_peak() -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    status_bytes("VmRSS:")
}

/// Peer mode: see the file comment.
fn peers(dir: &Path) {
    let names: Vec<&str> = SMALL.iter().copied().chain(["planted"]).collect();
    for name in names {
        let labels_path = dir.join(format!("{name}.labels"));
        if !labels_path.exists() {
            eprintln!("{}: missing, skipped", labels_path.display());
            continue;
        }
        let labels = read_u32s(&labels_path);
        let flat = read_u32s(&dir.join(format!("{name}.edges")));
        let edges: Vec<(u32, u32)> = flat.chunks_exact(2).map(|pair| (pair[0], pair[1])).collect();
        let weights_path = dir.join(format!("{name}.weights"));
        let weights: Option<Vec<f64>> = weights_path.exists().then(|| {
            let bytes = std::fs::read(&weights_path).expect("reading weights");
            bytes.chunks_exact(8).map(|chunk| f64::from_le_bytes(chunk.try_into().unwrap())).collect()
        });
        let graph = AdjGraph::from_edges(labels.len() as u32, &edges, weights.as_deref(), false);
        let planted_seeds = std::env::var("CLEW_COMMUNITY_PLANTED_SEEDS").ok().and_then(|text| text.parse().ok());
        let seeds = if name == "planted" { planted_seeds.unwrap_or(1) } else { SMALL_SEEDS };
        let algos = std::env::var("CLEW_COMMUNITY_ALGOS").unwrap_or_else(|_| "louvain,leiden".to_owned());
        for seed in 0..seeds {
            for algo in algos.split(',') {
                let rss_before = reset_peak();
                let cpu_started = cpu_seconds();
                let started = Instant::now();
                // Phase times to stderr on the big graph, to see where a run spends its time.
                let phases = std::sync::Mutex::new((Instant::now(), cpu_seconds(), None::<(u32, u32, Phase, u32)>));
                let on_progress = |progress: &Progress| {
                    let Ok(mut last) = phases.lock() else { return };
                    let key = (progress.iteration, progress.level, progress.phase, progress.n_vertices);
                    if name == "planted" && last.2 != Some(key) {
                        if let Some((iteration, level, phase, n)) = last.2 {
                            let took = last.0.elapsed().as_secs_f64();
                            let cpu = cpu_seconds() - last.1;
                            eprintln!(
                                "  {algo} iteration {iteration} level {level} ({n} vertices) {phase:?}: {took:.3} s, cpu {cpu:.2} s"
                            );
                        }
                        *last = (Instant::now(), cpu_seconds(), Some(key));
                    }
                };
                let found = match algo {
                    "louvain" => louvain_with_progress(&graph, &LouvainOptions { resolution: 1.0, seed }, &on_progress),
                    _ => {
                        leiden_with_progress(&graph, &LeidenOptions { seed, ..LeidenOptions::default() }, &on_progress)
                    }
                }
                .expect("valid input");
                let seconds = started.elapsed().as_secs_f64();
                let cpu = cpu_seconds() - cpu_started;
                let peak_measured = rss_before
                    .and_then(|before| Some(status_bytes("VmHWM:")?.saturating_sub(before)))
                    .map_or_else(|| "null".to_owned(), |bytes| bytes.to_string());
                let bytes: Vec<u8> = found.membership.iter().flat_map(|label| label.to_le_bytes()).collect();
                std::fs::write(dir.join(format!("{name}.clew-{algo}-{seed}.membership")), bytes)
                    .expect("writing a membership");
                let score = nmi(&found.membership, &labels).expect("same length");
                println!(
                    "{{\"dataset\":\"{name}\",\"algo\":\"{algo}\",\"seed\":{seed},\"seconds\":{seconds},\"cpu_seconds\":{cpu:.2},\"modularity\":{},\"nmi\":{score},\"communities\":{},\"levels\":{},\"moves\":{},\"visits\":{},\"split\":{},\"peak_extra_bytes\":{},\"peak_rss_extra_bytes\":{peak_measured}}}",
                    found.modularity,
                    found.n_communities,
                    found.stats.levels,
                    found.stats.moves,
                    found.stats.visits,
                    found.stats.split_communities,
                    found.stats.peak_extra_bytes,
                );
            }
        }
    }
}

fn main() {
    if let Ok(dir) = std::env::var("CLEW_COMMUNITY_PEERS") {
        peers(Path::new(&dir));
        return;
    }
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();

    let n_vertices = (100_000.0 * scale()) as u32;
    let (graph, truth) = planted(n_vertices, 42);
    let found = leiden(&graph, &LeidenOptions::default()).expect("valid input");
    eprintln!(
        "planted: {n_vertices} vertices, {} edges; Leiden modularity {:.4}, NMI {:.4}",
        graph.n_edges(),
        found.modularity,
        nmi(&found.membership, &truth).expect("same length")
    );
    let mut group = criterion.benchmark_group("communities");
    group.bench_function("louvain", |bench| {
        bench.iter(|| louvain(black_box(&graph), &LouvainOptions::default()).expect("valid input"))
    });
    group.bench_function("leiden", |bench| {
        bench.iter(|| leiden(black_box(&graph), &LeidenOptions::default()).expect("valid input"))
    });
    group.bench_function("modularity", |bench| {
        bench.iter(|| modularity(black_box(&graph), &found.membership, 1.0).expect("valid input"))
    });
    group.finish();

    let dir = tempfile::tempdir().expect("a temporary directory");
    let world = Graph::open(&write_world(dir.path(), (100_000.0 * scale()) as u32)).expect("opening the world");
    let projection =
        Projection::resolve(&ProjectionDef::builtin("shared-identifiers").expect("a built-in"), world.schema())
            .expect("resolving");
    let mut group = criterion.benchmark_group("projection");
    group.bench_function("shared-identifiers", |bench| {
        bench.iter(|| projection.build(black_box(&world)).expect("building"))
    });
    group.finish();
    criterion.final_summary();
}
