//! The audit log: one JSON line per request that returns (or asks for) entity data, appended and
//! flushed before the response leaves, so an oversight body can see who looked at whom.
//!
//! Lines hold raw keys: the log is for the oversight body, not for viewers. It is flushed to the
//! operating system per batch, not fsynced; a power cut can lose the last lines, a crash of clew
//! cannot. If a line cannot be written the request fails closed with `audit_unavailable`.
//!
//! Writes go through one writer task with group commit: a request hands its finished line over
//! and waits; the writer takes every line waiting at that moment, writes them with one `write`
//! and flushes, then releases exactly those requests. Under load a batch holds many lines, so
//! the file costs one system call per batch instead of a lock round per request, and still no
//! response leaves before its own line reached the operating system. The writer is a task on
//! the server's runtime, not a thread of its own: handing a line over and waking its request
//! then cost no switch between operating-system threads. Its `write` to the page cache takes
//! microseconds, so it runs on the async worker like any other short step.

use std::fs::File;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

/// Lines one batch takes at most, so that a flood cannot hold early requests back for long.
const MAX_BATCH: usize = 512;

/// One audit line.
#[derive(Debug)]
pub struct AuditEntry<'a> {
    /// Token id, or `None` when authentication failed.
    pub token_id: Option<&'a str>,
    /// Role, or `None` when authentication failed.
    pub role: Option<&'a str>,
    /// Method and route template, e.g. `GET /api/v1/entities/{type}/{key}`.
    pub endpoint: &'a str,
    /// The request path as sent.
    pub path: &'a str,
    /// Query parameters and, for POST, the body.
    pub parameters: &'a serde_json::Value,
    /// `type:key` of every entity in the answer (raw keys), as a JSON array already rendered.
    pub entity_keys: &'a str,
    /// HTTP status of the answer.
    pub status: u16,
}

impl AuditEntry<'_> {
    /// The JSON line (with its newline): `time, token_id, role, endpoint, path, parameters,
    /// entity_keys, status`, the time in RFC 3339 UTC with milliseconds.
    pub fn line(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.entity_keys.len());
        out.extend_from_slice(b"{\"time\":\"");
        write_now(&mut out);
        out.extend_from_slice(b"\"");
        let field = |out: &mut Vec<u8>, name: &str, value: &dyn erased::Ser| {
            out.push(b',');
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            value.write(out);
        };
        field(&mut out, "token_id", &self.token_id);
        field(&mut out, "role", &self.role);
        field(&mut out, "endpoint", &self.endpoint);
        field(&mut out, "path", &self.path);
        field(&mut out, "parameters", self.parameters);
        out.extend_from_slice(b",\"entity_keys\":");
        out.extend_from_slice(self.entity_keys.as_bytes());
        field(&mut out, "status", &self.status);
        out.extend_from_slice(b"}\n");
        out
    }
}

/// Serialising through a trait object, for the field helper above.
mod erased {
    pub trait Ser {
        fn write(&self, out: &mut Vec<u8>);
    }
    impl<T: serde::Serialize> Ser for T {
        fn write(&self, out: &mut Vec<u8>) {
            // Writing plain strings, numbers and JSON values into a Vec cannot fail.
            if serde_json::to_writer(&mut *out, self).is_err() {
                out.extend_from_slice(b"null");
            }
        }
    }
}

/// `2026-01-31T08:00:00.123Z`, without chrono's format-string parser on every request.
fn write_now(out: &mut Vec<u8>) {
    use chrono::{Datelike, Timelike};
    let now = chrono::Utc::now();
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        now.year(),
        now.month(),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.timestamp_subsec_millis().min(999)
    );
}

/// A keys array for [`AuditEntry::entity_keys`] from `type:key` strings.
pub fn keys_json<S: Serialize>(keys: &[S]) -> String {
    serde_json::to_string(keys).unwrap_or_else(|_| "[]".to_owned())
}

/// A line waiting for the writer, with the request waiting for its flush.
struct Job {
    line: Vec<u8>,
    done: oneshot::Sender<io::Result<()>>,
}

/// An append-only JSON-lines file shared by all requests.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    /// The file until the writer task takes it.
    file: Mutex<Option<File>>,
    /// The writer task's queue, started by the first write (on the runtime that serves).
    queue: OnceLock<mpsc::UnboundedSender<Job>>,
}

impl AuditLog {
    /// Opens `path` for appending, creating it (and nothing else) if needed.
    pub fn open(path: &Path) -> io::Result<AuditLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AuditLog { path: path.to_owned(), file: Mutex::new(Some(file)), queue: OnceLock::new() })
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn queue(&self) -> &mpsc::UnboundedSender<Job> {
        self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            // A poisoned lock only means a panic elsewhere; the file inside is fine.
            let file = self.file.lock().unwrap_or_else(|p| p.into_inner()).take();
            match file {
                Some(file) => {
                    tokio::spawn(run_writer(file, rx));
                }
                // Only reachable if a first start panicked halfway; writes then fail closed.
                None => drop(rx),
            }
            tx
        })
    }

    /// Appends one line and waits until the batch holding it was written to the operating system.
    /// Must be called on a tokio runtime (the first call starts the writer task on it).
    pub async fn write(&self, entry: &AuditEntry<'_>) -> io::Result<()> {
        let (done, flushed) = oneshot::channel();
        self.queue()
            .send(Job { line: entry.line(), done })
            .map_err(|_| io::Error::other("the audit writer has stopped"))?;
        flushed.await.unwrap_or_else(|_| Err(io::Error::other("the audit writer has stopped")))
    }
}

/// The writer task: batch, write, flush, release; until the log is dropped.
async fn run_writer(mut file: File, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    let mut buffer: Vec<u8> = Vec::with_capacity(256 * 1024);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        buffer.clear();
        for job in &batch {
            buffer.extend_from_slice(&job.line);
        }
        // One write for the batch: with O_APPEND the lines land contiguously and in order.
        let result = file.write_all(&buffer).and_then(|()| file.flush());
        for job in batch.drain(..) {
            let answer = match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
            };
            // The request may have given up (client gone); its line is written all the same.
            let _ = job.done.send(answer);
        }
        if buffer.capacity() > 4 * 1024 * 1024 {
            buffer = Vec::with_capacity(256 * 1024);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json_with_every_field() {
        let params = serde_json::json!({"q": "张"});
        let entry = AuditEntry {
            token_id: Some("t\"1"),
            role: None,
            endpoint: "GET /api/v1/search",
            path: "/api/v1/search",
            parameters: &params,
            entity_keys: &keys_json(&["person:1".to_owned()]),
            status: 200,
        };
        let line = entry.line();
        assert_eq!(line.last(), Some(&b'\n'));
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["token_id"], "t\"1");
        assert!(v["role"].is_null());
        assert_eq!(v["entity_keys"][0], "person:1");
        assert_eq!(v["parameters"]["q"], "张");
        assert_eq!(v["status"], 200);
        let time = v["time"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
    }

    #[test]
    fn concurrent_writers_each_get_their_line_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = std::sync::Arc::new(AuditLog::open(&path).unwrap());
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        runtime.block_on(async {
            let mut tasks = Vec::new();
            for i in 0..200u16 {
                let log = log.clone();
                tasks.push(tokio::spawn(async move {
                    let params = serde_json::json!({"i": i});
                    let entry = AuditEntry {
                        token_id: Some("t"),
                        role: Some("viewer"),
                        endpoint: "GET /x",
                        path: "/x",
                        parameters: &params,
                        entity_keys: "[]",
                        status: 200,
                    };
                    log.write(&entry).await.unwrap();
                    // Flushed before the write returned: the line is in the file now.
                    let text = std::fs::read_to_string(log.path()).unwrap();
                    assert!(text.contains(&format!("{{\"i\":{i}}}")), "line {i} not yet in the file");
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 200);
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }
}
