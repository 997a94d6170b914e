//! The output contract: `clusters.jsonl` and `alerts.jsonl` (one JSON object per line, the
//! fields issue 5 fixes first, then `rule`, `core`, `features`, `related` and `evidence`), plus
//! `entities.jsonl` (per-entity risk) and `summary.json` (what the run did). Written atomically
//! into the output folder and into `<snapshot>.analysis/`, where the server reads them.
//! `schemas/clusters.schema.json` and `schemas/alerts.schema.json` describe the two contract files.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Alert, Analysis, Cluster, EntityRisk};
use crate::atomic::write_atomically;

/// The clusters file.
pub const CLUSTERS_FILE: &str = "clusters.jsonl";
/// The alerts file.
pub const ALERTS_FILE: &str = "alerts.jsonl";
/// The entity-risk file.
pub const ENTITIES_FILE: &str = "entities.jsonl";
/// The run summary.
pub const SUMMARY_FILE: &str = "summary.json";

/// Where a snapshot's analysis is stored for the server: `<snapshot>.analysis/`.
pub fn snapshot_dir(snapshot: &Path) -> PathBuf {
    crate::build::sidecar(snapshot, "analysis")
}

/// Why output could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A line is not what the contract says.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

fn write_lines<T: Serialize>(path: &Path, items: &[T]) -> Result<(), OutputError> {
    write_atomically(path, |out| {
        for item in items {
            serde_json::to_writer(&mut *out, item).map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    })
    .map_err(|source| OutputError::Write { path: path.to_owned(), source })
}

/// Writes the four files into `dir` (created if missing).
pub fn write(dir: &Path, analysis: &Analysis) -> Result<(), OutputError> {
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Write { path: dir.to_owned(), source })?;
    write_lines(&dir.join(CLUSTERS_FILE), &analysis.clusters)?;
    write_lines(&dir.join(ALERTS_FILE), &analysis.alerts)?;
    write_lines(&dir.join(ENTITIES_FILE), &analysis.entities)?;
    let path = dir.join(SUMMARY_FILE);
    write_atomically(&path, |out| {
        serde_json::to_writer_pretty(&mut *out, &analysis.summary).map_err(std::io::Error::other)?;
        out.write_all(b"\n")
    })
    .map_err(|source| OutputError::Write { path, source })
}

fn read_lines<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, OutputError> {
    let text = std::fs::read_to_string(path).map_err(|source| OutputError::Read { path: path.to_owned(), source })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(serde_json::from_str(line).map_err(|e| OutputError::Parse {
            path: path.to_owned(),
            line: i + 1,
            message: e.to_string(),
        })?);
    }
    Ok(out)
}

/// Reads a `clusters.jsonl` (or the one in a folder).
pub fn read_clusters(path: &Path) -> Result<Vec<Cluster>, OutputError> {
    let file = if path.is_dir() { path.join(CLUSTERS_FILE) } else { path.to_owned() };
    read_lines(&file)
}

/// Reads an `alerts.jsonl` (or the one in a folder).
pub fn read_alerts(path: &Path) -> Result<Vec<Alert>, OutputError> {
    let file = if path.is_dir() { path.join(ALERTS_FILE) } else { path.to_owned() };
    read_lines(&file)
}

/// Reads an `entities.jsonl` (or the one in a folder).
pub fn read_entities(path: &Path) -> Result<Vec<EntityRisk>, OutputError> {
    let file = if path.is_dir() { path.join(ENTITIES_FILE) } else { path.to_owned() };
    read_lines(&file)
}
