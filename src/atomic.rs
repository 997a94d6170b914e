//! Atomic file writes: a temp file beside the target, fsync, rename, fsync the directory.
//! A reader never sees half a file, and a crash leaves the previous version in place.

use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes `path` atomically with whatever `fill` writes.
pub fn write_atomically<T>(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<T>) -> std::io::Result<T> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new().prefix(".clew-").suffix(".tmp").tempfile_in(dir)?;
    let mut out = BufWriter::new(temp.as_file().try_clone()?);
    let value = fill(&mut out)?;
    out.flush()?;
    drop(out);
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    crate::graph::snapshot::sync_dir(path)?;
    Ok(value)
}
