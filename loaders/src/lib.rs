//! Streaming, parallel loaders: a validated mapping and the user's CSV/JSONL files become a
//! [`Staging`] graph of key-resolved entities, relations, typed property columns and provenance.
//!
//! Flow per source file: a reader thread decodes records in batches (bounded channel, so memory
//! follows the graph and not the file), rayon normalises each batch's rows in parallel, and one
//! merger folds rows into the staging tables in file order so results are deterministic.
//! Every unusable row goes to the rejects sink with file, line, column, value and reason; every
//! kept-but-invalid value goes to the flags sink. Nothing is dropped silently.

#![deny(missing_docs)]

mod error;
mod reader;
mod reject;
pub mod resolve;
mod row;
mod run;
mod staging;

pub use error::LoadError;
pub use reject::{Issue, IssueSink};
pub use run::{load, load_mapping, LoadOptions};
pub use staging::{
    Alias, EdgeRecord, InputReport, LoadReport, PropColumn, Provenance, Staging, StringPool, TypeTable, NULL_VALUE,
};
