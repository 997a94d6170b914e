//! Graph algorithms over [`AdjGraph`], a plain CSR graph on dense `u32` vertex ids.
//!
//! The six LDBC Graphalytics kernels, each exactly as the Graphalytics spec defines it:
//! breadth-first depths ([`bfs_depths`]), weakly connected components
//! ([`weakly_connected_components`]), synchronous label propagation ([`label_propagation`]),
//! [`pagerank`], local clustering coefficients ([`local_clustering_coefficients`]) and
//! single-source shortest paths ([`shortest_path_lengths`]). [`graphalytics`] reads and writes the
//! spec's file formats, which the conformance tests in `tests/graphalytics.rs` rely on.
//!
//! Kernels know nothing of entity types, snapshots or IO: a projection of the typed graph produces
//! an [`AdjGraph`], and callers map dense ids back to their own. Parallel kernels use rayon and
//! give the same result, bit for bit, for any number of threads.

mod adjacency;
mod bfs;
mod cdlp;
pub mod community;
pub mod graphalytics;
mod lcc;
mod pagerank;
pub mod projection;
mod sssp;
mod wcc;

#[cfg(test)]
mod test_support;

pub use adjacency::{AdjGraph, AdjGraphError, Csr};
pub use bfs::{bfs_depths, BfsError, UNREACHED};
pub use cdlp::label_propagation;
pub use lcc::local_clustering_coefficients;
pub use pagerank::{pagerank, PageRankError};
pub use sssp::{shortest_path_lengths, SsspError};
pub use wcc::weakly_connected_components;
