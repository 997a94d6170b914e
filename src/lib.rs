//! clew: link analysis for fraud investigators.
//!
//! The library behind the `clew` binary. Data flows one way:
//! `graph_schema` (types, mapping) → `loaders` (files → staging) → [`graph`] (CSR snapshot) →
//! analysis → server. See `ARCHITECTURE.md`.

#![deny(missing_docs)]

pub mod algo;
pub mod analysis;
pub mod atomic;
pub mod build;
pub mod cycles;
pub mod demo;
pub mod graph;
pub mod paths;
pub mod server;
