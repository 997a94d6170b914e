//! `clew build`: load a mapping's files and write the snapshot, with rejects and flags reports
//! beside it. The demo uses exactly this path.

use std::path::{Path, PathBuf};
use std::time::Instant;

use loaders::{IssueSink, LoadError, LoadOptions, LoadReport};

use crate::atomic::write_atomically;
use crate::graph::build::{write_snapshot, BuildSummary};
use crate::graph::SnapshotError;

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The load could not run.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The snapshot could not be written.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// A report file could not be written.
    #[error("{}: {source}", path.display())]
    Report {
        /// The report path.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// Too many rows were rejected; the snapshot was not written.
    #[error("{rejected} of {rows} rows rejected ({ratio:.4}), above --max-reject-ratio {max}; see {}", rejects.display())]
    TooManyRejects {
        /// Rejected rows.
        rejected: u64,
        /// Rows read.
        rows: u64,
        /// Their ratio.
        ratio: f64,
        /// The threshold.
        max: f64,
        /// Where the rejects are listed.
        rejects: PathBuf,
    },
}

/// Knobs of a build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Fail (and write no snapshot) when rejected rows exceed this share of all rows.
    pub max_reject_ratio: f64,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions { max_reject_ratio: 1.0 }
    }
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct BuildOutcome {
    /// Counts and size of the snapshot.
    pub summary: BuildSummary,
    /// The load report.
    pub report: LoadReport,
    /// Path of the rejects report.
    pub rejects_path: PathBuf,
    /// Path of the flags report.
    pub flags_path: PathBuf,
    /// Path of the entity-resolution merges report (one line per merged group).
    pub merges_path: PathBuf,
    /// Path of the entity-resolution review report (pairs for an investigator to judge).
    pub review_path: PathBuf,
    /// What entity resolution did, per resolved entity type.
    pub resolution: Vec<loaders::resolve::TypeReport>,
    /// Wall time.
    pub seconds: f64,
}

/// `<out>.<suffix>`: report files sit beside the snapshot and share its name.
pub fn sidecar(out: &Path, suffix: &str) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Loads the mapping's sources and writes the snapshot to `out`.
pub fn build(
    mapping: &Path,
    out: &Path,
    options: &BuildOptions,
    load_options: &LoadOptions<'_>,
) -> Result<BuildOutcome, BuildError> {
    let started = Instant::now();
    let rejects_path = sidecar(out, "rejects.jsonl");
    let flags_path = sidecar(out, "flags.jsonl");
    let report_err = |path: &Path| {
        let path = path.to_owned();
        move |source| BuildError::Report { path: path.clone(), source }
    };
    // The reports are written through atomic temp files nested inside each other's closures so
    // that both appear only when the load has finished.
    let staging = write_atomically(&rejects_path, |rejects_out| {
        write_atomically(&flags_path, |flags_out| {
            let mut rejects = IssueSink::new(rejects_out);
            let mut flags = IssueSink::new(flags_out);
            Ok(loaders::load(mapping, load_options, &mut rejects, &mut flags))
        })
    })
    .map_err(report_err(&rejects_path))??;
    let report = staging.report.clone();
    if report.rejected > 0 && report.reject_ratio() > options.max_reject_ratio {
        return Err(BuildError::TooManyRejects {
            rejected: report.rejected,
            rows: report.rows,
            ratio: report.reject_ratio(),
            max: options.max_reject_ratio,
            rejects: rejects_path,
        });
    }
    // Entity resolution: between the loaders and the graph, on the validated mapping.
    let mapping_def = loaders::load_mapping(mapping)?;
    let mut staging = staging;
    let resolved = loaders::resolve::resolve(&mut staging, &mapping_def);
    let merges_path = sidecar(out, "merges.jsonl");
    let review_path = sidecar(out, "review.jsonl");
    for (path, findings) in [(&merges_path, &resolved.merges), (&review_path, &resolved.review)] {
        write_atomically(path, |w| {
            for finding in findings {
                serde_json::to_writer(&mut *w, finding)?;
                w.write_all(b"\n")?;
            }
            Ok(())
        })
        .map_err(report_err(path))?;
    }
    let resolution = staging.resolution.clone();
    tracing::info!(
        nodes = staging.n_nodes(),
        edges = staging.edges.len(),
        seconds = started.elapsed().as_secs_f64(),
        "loaded; writing snapshot"
    );
    let summary = write_snapshot(staging, out, started)?;
    tracing::info!(bytes = summary.bytes, seconds = started.elapsed().as_secs_f64(), path = %out.display(), "snapshot written");
    Ok(BuildOutcome {
        summary,
        report,
        rejects_path,
        flags_path,
        merges_path,
        review_path,
        resolution,
        seconds: started.elapsed().as_secs_f64(),
    })
}
