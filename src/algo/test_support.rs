//! Helpers shared by the kernels' unit tests: random graphs and fixed-size rayon pools.

use proptest::prelude::*;

/// Runs `job` on a fresh pool of `threads` threads, so tests can compare thread counts.
pub(crate) fn in_pool<T: Send>(threads: usize, job: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("building a rayon pool").install(job)
}

/// Random graphs as `(n_vertices, edges, directed)`: up to 300 vertices and 1500 edges, with
/// self-loops and duplicates left in, because the kernels must cope with any `AdjGraph`.
pub(crate) fn graph_strategy() -> impl Strategy<Value = (u32, Vec<(u32, u32)>, bool)> {
    (1u32..300).prop_flat_map(|n_vertices| {
        (Just(n_vertices), prop::collection::vec((0..n_vertices, 0..n_vertices), 0..1500), any::<bool>())
    })
}

/// Larger random graphs as `(n_vertices, edges, directed)`, big enough that the kernels split
/// their work across threads (their sequential cut-offs are around a thousand items). Endpoints
/// are skewed towards small ids, so a few hubs get thousands of edges, as in real data.
pub(crate) fn large_graph_strategy() -> impl Strategy<Value = (u32, Vec<(u32, u32)>, bool)> {
    (5_000u32..20_000, 1u64.., any::<bool>(), 1usize..8).prop_map(|(n_vertices, seed, directed, mean_degree)| {
        let mut state = seed;
        let mut next_unit = move || {
            // xorshift64*: fast, and more than random enough for test graphs.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut endpoint = move || (f64::from(n_vertices) * next_unit().powi(3)) as u32;
        let n_edges = n_vertices as usize * mean_degree;
        let edges = (0..n_edges).map(|_| (endpoint(), endpoint())).collect();
        (n_vertices, edges, directed)
    })
}
