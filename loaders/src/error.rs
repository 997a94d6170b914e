//! Errors that stop a load: each names the file and, where the mapping is at fault, its line.

use std::path::PathBuf;

use graph_schema::{MappingError, SchemaError};

/// Why a load could not run. Bad rows are not errors: they are rejects.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The mapping or schema file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The mapping is malformed.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// The schema file is malformed.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A source's path or glob matches no file.
    #[error("{mapping}:{line}: source `{source_name}`: no file matches `{pattern}`")]
    NoFile {
        /// Mapping file.
        mapping: String,
        /// Line of the source in the mapping.
        line: usize,
        /// Source name.
        source_name: String,
        /// The path or glob, as resolved against the mapping's folder.
        pattern: String,
    },
    /// A column the mapping reads is not in the file's header.
    #[error("{}: has no column `{column}` (asked for at {mapping}:{line}); its columns: {available}", file.display())]
    MissingColumn {
        /// Data file.
        file: PathBuf,
        /// Missing column.
        column: String,
        /// Mapping file.
        mapping: String,
        /// Line in the mapping that names the column.
        line: usize,
        /// The header's columns, comma-separated.
        available: String,
    },
    /// A data file could not be read.
    #[error("{}: {source}", file.display())]
    Io {
        /// Data file.
        file: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// Writing the rejects or flags report failed.
    #[error("cannot write the rejects/flags report: {0}")]
    Report(std::io::Error),
    /// More ids than a `u32` node id can hold.
    #[error("{what}: more than 4,294,967,294 entries; split the input")]
    TooLarge {
        /// Which table overflowed.
        what: String,
    },
}
