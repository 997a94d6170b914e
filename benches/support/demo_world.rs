//! The demo world a bench queries, shared by the benches that include this file with
//! `#[path = "support/demo_world.rs"] mod demo_world;`.
//!
//! `CLEW_BENCH_DEMO_SIZE` (small, medium, large) picks the world; `CLEW_BENCH_WORLD=dir/x.clew`
//! keeps it: generated into `dir` on the first run, reused after.

use std::path::PathBuf;

use clew::graph::Graph;

/// A demo world of `CLEW_BENCH_DEMO_SIZE` (else `default_size`) generated from `seed` and built
/// through the one build path, with the temporary folder that holds it when it is not kept.
pub fn generate_or_open(default_size: &str, seed: u64) -> (Option<tempfile::TempDir>, Graph) {
    // A named snapshot is reused, or generated there first (and kept) when missing.
    let kept = std::env::var("CLEW_BENCH_WORLD").ok().map(PathBuf::from);
    if let Some(path) = kept.as_ref().filter(|p| p.exists()) {
        return (None, Graph::open(path).unwrap());
    }
    let size = std::env::var("CLEW_BENCH_DEMO_SIZE").unwrap_or_else(|_| default_size.to_owned());
    let (dir, folder) = match &kept {
        Some(path) => (None, path.parent().unwrap().to_owned()),
        None => {
            let dir = tempfile::tempdir().unwrap();
            let folder = dir.path().to_owned();
            (Some(dir), folder)
        }
    };
    let started = std::time::Instant::now();
    clew::demo::generate(size.parse().unwrap(), seed, &folder).unwrap();
    let out = kept.unwrap_or_else(|| folder.join(clew::demo::SNAPSHOT_FILE));
    clew::build::build(&folder.join(clew::demo::MAPPING_FILE), &out, &Default::default(), &Default::default()).unwrap();
    let graph = Graph::open(&out).unwrap();
    eprintln!(
        "{size} demo world: {} nodes, {} edges, generated and built in {:.1} s",
        graph.n_nodes(),
        graph.n_edges(),
        started.elapsed().as_secs_f64()
    );
    (dir, graph)
}
