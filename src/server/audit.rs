//! The audit log: one JSON line per request that returns (or asks for) entity data, appended and
//! flushed before the response leaves, so an oversight body can see who looked at whom.
//!
//! Lines hold raw keys: the log is for the oversight body, not for viewers. It is flushed to the
//! operating system per line, not fsynced; a power cut can lose the last lines, a crash of clew
//! cannot. If a line cannot be written the request fails closed with `audit_unavailable`.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

/// One audit line.
#[derive(Debug, Serialize)]
pub struct AuditEntry<'a> {
    /// RFC 3339 time, UTC.
    pub time: String,
    /// Token id, or `null` when authentication failed.
    pub token_id: Option<&'a str>,
    /// Role, or `null` when authentication failed.
    pub role: Option<&'a str>,
    /// Method and route template, e.g. `GET /api/v1/entities/{type}/{key}`.
    pub endpoint: String,
    /// The request path as sent.
    pub path: &'a str,
    /// Query parameters and, for POST, the body.
    pub parameters: serde_json::Value,
    /// `type:key` of every entity in the answer (raw keys).
    pub entity_keys: &'a [String],
    /// HTTP status of the answer.
    pub status: u16,
}

/// An append-only JSON-lines file shared by all requests.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<BufWriter<File>>,
}

impl AuditLog {
    /// Opens `path` for appending, creating it (and nothing else) if needed.
    pub fn open(path: &Path) -> io::Result<AuditLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AuditLog { path: path.to_owned(), file: Mutex::new(BufWriter::with_capacity(64 * 1024, file)) })
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line and flushes it to the operating system.
    pub fn write(&self, entry: &AuditEntry<'_>) -> io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(io::Error::other)?;
        line.push(b'\n');
        // A poisoned lock only means another request panicked mid-write; the file is still usable.
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line)?;
        file.flush()
    }
}
