//! An in-memory cache of built projections, keyed by canonical definition and snapshot identity.
//!
//! Building a projection of a large snapshot takes seconds; the CLI, the server and the analysis
//! stage ask for the same few again and again. [`ProjectionCache::get_or_build`] returns the
//! cached [`Projected`] if the same definition was built from the same snapshot, and otherwise
//! builds it once: concurrent callers asking for the same key wait for the one build rather than
//! repeating it. A reloaded snapshot (new build time or size) is a different key. The cache keeps
//! the most recently used entries up to its capacity.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use super::{Projected, Projection, ProjectionError};
use crate::graph::Graph;

/// Entries the process-wide cache keeps.
const GLOBAL_CAPACITY: usize = 4;

/// What tells one snapshot from another: its path and what its manifest says of the build.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SnapshotIdentity {
    path: PathBuf,
    file_len: u64,
    built_at: i64,
    build_seconds_bits: u64,
    n_nodes: u32,
    n_edges: u32,
}

impl SnapshotIdentity {
    /// The identity of an open snapshot.
    pub fn of(graph: &Graph) -> SnapshotIdentity {
        let manifest = graph.manifest();
        SnapshotIdentity {
            path: std::fs::canonicalize(graph.path()).unwrap_or_else(|_| graph.path().to_owned()),
            file_len: graph.file_len(),
            built_at: manifest.built_at,
            build_seconds_bits: manifest.build_seconds.to_bits(),
            n_nodes: manifest.n_nodes,
            n_edges: manifest.n_edges,
        }
    }
}

/// Hits and builds so far, and entries held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Calls answered from the cache.
    pub hits: u64,
    /// Calls that built a projection.
    pub builds: u64,
    /// Entries held now.
    pub entries: usize,
}

type Key = (SnapshotIdentity, String);
/// One entry's value: empty until its first build finishes; locked while building.
type Slot = Arc<Mutex<Option<Arc<Projected>>>>;

/// Built projections, most recently used last.
pub struct ProjectionCache {
    capacity: usize,
    entries: Mutex<Vec<(Key, Slot)>>,
    hits: AtomicU64,
    builds: AtomicU64,
}

/// Locks a mutex, taking the data even if a panicking holder poisoned it: every value the cache
/// stores is complete, so a panic elsewhere leaves nothing half-written.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ProjectionCache {
    /// An empty cache holding at most `capacity` projections (at least 1).
    pub fn new(capacity: usize) -> ProjectionCache {
        ProjectionCache {
            capacity: capacity.max(1),
            entries: Mutex::new(Vec::new()),
            hits: AtomicU64::new(0),
            builds: AtomicU64::new(0),
        }
    }

    /// The process-wide cache that the CLI, server and analysis share.
    pub fn global() -> &'static ProjectionCache {
        static GLOBAL: OnceLock<ProjectionCache> = OnceLock::new();
        GLOBAL.get_or_init(|| ProjectionCache::new(GLOBAL_CAPACITY))
    }

    /// The projection of `graph` by `projection`, built now or earlier.
    pub fn get_or_build(&self, graph: &Graph, projection: &Projection) -> Result<Arc<Projected>, ProjectionError> {
        let key = (SnapshotIdentity::of(graph), projection.canonical().to_owned());
        let slot = {
            let mut entries = lock(&self.entries);
            match entries.iter().position(|(entry_key, _)| *entry_key == key) {
                Some(index) => {
                    let entry = entries.remove(index);
                    let slot = Arc::clone(&entry.1);
                    entries.push(entry);
                    slot
                }
                None => {
                    let slot: Slot = Arc::new(Mutex::new(None));
                    entries.push((key, Arc::clone(&slot)));
                    let excess = entries.len().saturating_sub(self.capacity);
                    entries.drain(..excess);
                    slot
                }
            }
        };
        // Held while building, so a second caller for the same key waits and then hits.
        let mut value = lock(&slot);
        if let Some(projected) = value.as_ref() {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(Arc::clone(projected));
        }
        let projected = Arc::new(projection.build(graph)?);
        *value = Some(Arc::clone(&projected));
        self.builds.fetch_add(1, Ordering::Relaxed);
        Ok(projected)
    }

    /// Hits, builds and entries so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            builds: self.builds.load(Ordering::Relaxed),
            entries: lock(&self.entries).len(),
        }
    }

    /// Drops every entry (projections still in use elsewhere live on through their `Arc`s).
    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}
