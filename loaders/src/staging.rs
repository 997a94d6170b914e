//! The staging graph the loaders fill: interned keys per entity type, typed property columns,
//! edge records, provenance rows and the load report. The graph core turns it into CSR arrays.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use graph_schema::Schema;

/// The value a property column holds where a row gave no value.
pub const NULL_VALUE: i64 = i64::MIN;

/// Interned strings: each distinct string is stored once and named by a dense `u32`.
#[derive(Debug, Default)]
pub struct StringPool {
    index: FxHashMap<Box<str>, u32>,
    /// Start of string `i` is `offsets[i]`, its end `offsets[i + 1]`.
    pub offsets: Vec<u64>,
    /// UTF-8 bytes of all strings, back to back.
    pub bytes: Vec<u8>,
}

impl StringPool {
    /// An empty pool.
    pub fn new() -> Self {
        StringPool { index: FxHashMap::default(), offsets: vec![0], bytes: Vec::new() }
    }

    /// The id of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let id = (self.offsets.len() - 1) as u32;
        self.bytes.extend_from_slice(s.as_bytes());
        self.offsets.push(self.bytes.len() as u64);
        self.index.insert(s.into(), id);
        id
    }

    /// Appends `s` without looking for an equal string: for keys, which are unique per type
    /// already, so the pool's own index would only cost a second hash.
    pub fn push(&mut self, s: &str) -> u32 {
        let id = (self.offsets.len() - 1) as u32;
        self.bytes.extend_from_slice(s.as_bytes());
        self.offsets.push(self.bytes.len() as u64);
        id
    }

    /// The bytes of the string with this id.
    #[inline]
    pub fn bytes_of(&self, id: u32) -> &[u8] {
        &self.bytes[self.offsets[id as usize] as usize..self.offsets[id as usize + 1] as usize]
    }

    /// The string with this id.
    pub fn get(&self, id: u32) -> &str {
        // The pool only ever stores whole `&str`s, so every range is valid UTF-8.
        std::str::from_utf8(self.bytes_of(id)).unwrap_or("")
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Frees the lookup index once no more strings will be added.
    pub fn freeze(&mut self) {
        self.index = FxHashMap::default();
    }
}

/// One property's values for every row of a type (node type or relation type).
#[derive(Debug, Default, Clone)]
pub struct PropColumn {
    /// One value per row: the typed value, a string id for strings, or [`NULL_VALUE`].
    pub values: Vec<i64>,
    /// Rows whose value failed validation and is kept as the raw text's string id.
    pub invalid: Vec<u32>,
}

/// The nodes of one entity type.
#[derive(Debug, Default)]
pub struct TypeTable {
    /// Key string id per local node id.
    pub keys: Vec<u32>,
    /// Local ids whose key failed its validating normaliser and is kept raw.
    pub invalid_keys: Vec<u32>,
    /// Property columns, in the order of the type's properties.
    pub columns: Vec<PropColumn>,
    /// Local id by the key's 128-bit hash. Keys are identified by their XXH3-128 alone:
    /// comparing key bytes on every probe cost two extra cache misses per row, and the chance
    /// that two of even 10^10 distinct keys collide in 128 bits (about 10^-19) is far below that
    /// of a disk flipping a bit unnoticed.
    by_key: KeyIndex,
}

/// An open-addressing (linear probing) map from a key hash to a local id.
///
/// The merger probes it once per entity per row, single-threaded, and on big types nearly every
/// probe is a cache miss. hashbrown cannot be told to fetch a slot early; this table can
/// ([`KeyIndex::prefetch`]): the merger prefetches the home slots of rows a little ahead, so
/// their misses overlap with its work instead of queueing one after another. Linear probing
/// keeps a probe within one or two cache lines.
#[derive(Debug, Default)]
struct KeyIndex {
    /// A power of two long, or empty.
    slots: Vec<Slot>,
    len: usize,
}

/// One slot: the key's hash in two halves and its local id, [`Slot::FREE`] when unused (local
/// ids stop below `u32::MAX - 1`).
#[derive(Debug, Clone, Copy)]
struct Slot {
    lo: u64,
    hi: u64,
    local: u32,
}

impl Slot {
    const FREE: u32 = u32::MAX;
    const EMPTY: Slot = Slot { lo: 0, hi: 0, local: Slot::FREE };
}

impl KeyIndex {
    #[inline]
    fn home(&self, lo: u64) -> usize {
        lo as usize & (self.slots.len() - 1)
    }

    #[inline]
    fn find(&self, hash: u128) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let (lo, hi) = (hash as u64, (hash >> 64) as u64);
        let mask = self.slots.len() - 1;
        let mut at = self.home(lo);
        loop {
            let slot = &self.slots[at];
            if slot.local == Slot::FREE {
                return None;
            }
            if slot.lo == lo && slot.hi == hi {
                return Some(slot.local);
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds a hash known to be absent.
    fn insert_new(&mut self, hash: u128, local: u32) {
        // At most three quarters full: linear probing's probe runs stay short up to there.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        self.place(Slot { lo: hash as u64, hi: (hash >> 64) as u64, local });
        self.len += 1;
    }

    fn place(&mut self, new: Slot) {
        let mask = self.slots.len() - 1;
        let mut at = self.home(new.lo);
        while self.slots[at].local != Slot::FREE {
            at = (at + 1) & mask;
        }
        self.slots[at] = new;
    }

    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![Slot::EMPTY; capacity]);
        for slot in old.into_iter().filter(|s| s.local != Slot::FREE) {
            self.place(slot);
        }
    }

    /// Starts loading the home slot of `hash` into cache without waiting for it, so that a
    /// probe a few rows later finds it there.
    #[inline]
    fn prefetch(&self, hash: u128) {
        if !self.slots.is_empty() {
            let first: *const Slot = &self.slots[self.home(hash as u64)];
            // A slot may straddle two cache lines.
            prefetch(first.cast());
            prefetch(first.cast::<u8>().wrapping_add(std::mem::size_of::<Slot>() - 1));
        }
    }
}

/// Asks the CPU to start fetching the cache line holding `at`, without waiting. Unlike a load,
/// a prefetch does not hold up the instructions after it; the merger issues them for rows
/// ahead, and their misses overlap with the work on the rows before.
#[inline(always)]
pub(crate) fn prefetch(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is a hint: it reads nothing into the program and never faults, whatever
    // the address; SSE, which it needs, is part of the x86_64 baseline.
    #[allow(unsafe_code)]
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// The hash the staging tables use for keys; computed by the parallel row stage so the
/// single-threaded merger only probes.
#[inline]
pub fn key_hash(key: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(key.as_bytes())
}

impl TypeTable {
    fn new(n_props: usize) -> Self {
        TypeTable { columns: vec![PropColumn::default(); n_props], ..Default::default() }
    }

    /// Number of nodes of this type.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the type has no nodes.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// One edge, endpoints given as (entity type, local id within the type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeRecord {
    /// Source local id.
    pub src: u32,
    /// Target local id.
    pub dst: u32,
    /// Source entity type.
    pub src_type: u16,
    /// Target entity type.
    pub dst_type: u16,
    /// Relation type.
    pub rel: u16,
    /// Row in the relation's property columns, or `u32::MAX` when it has none.
    pub prop_row: u32,
}

/// One source row that contributed to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    /// Entity type of the node.
    pub node_type: u16,
    /// Local id of the node.
    pub local: u32,
    /// Index into [`Staging::files`].
    pub file: u32,
    /// 1-based line of the row.
    pub line: u32,
}

/// A key a node also answers to: the key of a record that entity resolution merged into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    /// Entity type of the node.
    pub node_type: u16,
    /// Local id of the node (after resolution).
    pub local: u32,
    /// String id of the merged record's key.
    pub key: u32,
}

/// One input file as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputReport {
    /// Source name in the mapping.
    pub source: String,
    /// File path as resolved.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// XXH3-64 of the file's bytes, hex.
    pub xxh3: String,
    /// Data rows read (header excluded).
    pub rows: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Values kept raw and flagged.
    pub flagged: u64,
    /// Rows the source's `where` filter left to other sources.
    #[serde(default)]
    pub filtered: u64,
}

/// What a load did, for `clew info` and the closing summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Mapping file.
    pub mapping: String,
    /// Per input file.
    pub inputs: Vec<InputReport>,
    /// Rows read in all.
    pub rows: u64,
    /// Rows rejected in all.
    pub rejected: u64,
    /// Values flagged in all.
    pub flagged: u64,
    /// Rows left out by `where` filters in all.
    #[serde(default)]
    pub filtered: u64,
    /// Optional entities absent from a row (empty key), with their relations skipped.
    pub optional_absent: u64,
    /// A later row gave a different value for a property already set; the first value is kept.
    pub property_conflicts: u64,
}

impl LoadReport {
    /// Rejected rows as a share of all rows read.
    pub fn reject_ratio(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.rejected as f64 / self.rows as f64
        }
    }
}

/// Everything a load produced, ready for the graph core.
#[derive(Debug)]
pub struct Staging {
    /// Types of the graph.
    pub schema: Schema,
    /// Keys and string property values.
    pub strings: StringPool,
    /// Per entity type.
    pub types: Vec<TypeTable>,
    /// All edges in load order.
    pub edges: Vec<EdgeRecord>,
    /// Per relation type, its edge property columns.
    pub edge_props: Vec<Vec<PropColumn>>,
    /// Per relation type, rows used in its property columns.
    pub edge_prop_rows: Vec<u32>,
    /// Source rows behind each node.
    pub provenance: Vec<Provenance>,
    /// Data files, indexed by [`Provenance::file`].
    pub files: Vec<String>,
    /// What the load did.
    pub report: LoadReport,
    /// Keys of records entity resolution merged into other nodes.
    pub aliases: Vec<Alias>,
    /// A node of a shared type linked to at least this many distinct nodes is marked common.
    pub common_min_degree: u32,
    /// What entity resolution did, per resolved type.
    pub resolution: Vec<crate::resolve::TypeReport>,
}

impl Staging {
    /// An empty staging graph for `schema`.
    pub fn new(schema: Schema) -> Self {
        let types = schema.entities.iter().map(|e| TypeTable::new(e.properties.len())).collect();
        let edge_props = schema.relations.iter().map(|r| vec![PropColumn::default(); r.properties.len()]).collect();
        let edge_prop_rows = vec![0; schema.relations.len()];
        Staging {
            schema,
            strings: StringPool::new(),
            types,
            edges: Vec::new(),
            edge_props,
            edge_prop_rows,
            provenance: Vec::new(),
            files: Vec::new(),
            report: LoadReport::default(),
            aliases: Vec::new(),
            common_min_degree: graph_schema::resolution::DEFAULT_COMMON_MIN_DEGREE,
            resolution: Vec::new(),
        }
    }

    /// The local id of the node of `entity_type` with `key`, creating it if new.
    pub fn node(&mut self, entity_type: u16, key: &str) -> Result<(u32, bool), crate::LoadError> {
        self.node_hashed(entity_type, key, key_hash(key))
    }

    /// [`Staging::node`] with the key's [`key_hash`] already computed.
    pub fn node_hashed(&mut self, entity_type: u16, key: &str, hash: u128) -> Result<(u32, bool), crate::LoadError> {
        let strings = &mut self.strings;
        let table = &mut self.types[entity_type as usize];
        if let Some(local) = table.by_key.find(hash) {
            return Ok((local, false));
        }
        let local = u32::try_from(table.keys.len()).ok().filter(|&l| l < u32::MAX - 1).ok_or_else(|| {
            crate::LoadError::TooLarge {
                what: format!("entity type {}", self.schema.entities[entity_type as usize].name),
            }
        })?;
        table.keys.push(strings.push(key));
        table.by_key.insert_new(hash, local);
        for column in &mut table.columns {
            column.values.push(NULL_VALUE);
        }
        Ok((local, true))
    }

    /// The local id of an existing node, by type and normalised key (before [`Staging::freeze`]).
    pub fn find(&self, entity_type: u16, key: &str) -> Option<u32> {
        let hash = key_hash(key);
        self.types[entity_type as usize].by_key.find(hash)
    }

    /// Prefetches where the node with this key hash would be found, so that a
    /// [`Staging::node_hashed`] shortly after does not wait for memory; see [`KeyIndex`].
    #[inline]
    pub(crate) fn prefetch_key(&self, entity_type: u16, hash: u128) {
        self.types[entity_type as usize].by_key.prefetch(hash)
    }

    /// Total nodes over all types.
    pub fn n_nodes(&self) -> usize {
        self.types.iter().map(TypeTable::len).sum()
    }

    /// Drops the lookup indexes once loading is over, before the graph core allocates its arrays.
    pub fn freeze(&mut self) {
        self.strings.freeze();
        for t in &mut self.types {
            t.by_key = KeyIndex::default();
            t.invalid_keys.sort_unstable();
            t.invalid_keys.dedup();
            for c in &mut t.columns {
                c.invalid.sort_unstable();
                c.invalid.dedup();
            }
        }
        for cols in &mut self.edge_props {
            for c in cols {
                c.invalid.sort_unstable();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_index_finds_every_key_through_growth_and_shared_home_slots() {
        let mut index = KeyIndex::default();
        // Hashes that share their low half (so their home slot) but not their high half must
        // stay apart, and every key must be found again after the table has grown many times.
        let hash = |i: u64| (u128::from(i * 0x9E37_79B9) << 64) | u128::from(i % 7);
        for i in 0..10_000u64 {
            assert_eq!(index.find(hash(i)), None, "{i} before insertion");
            index.insert_new(hash(i), i as u32);
        }
        for i in 0..10_000u64 {
            assert_eq!(index.find(hash(i)), Some(i as u32), "{i}");
        }
        assert_eq!(index.find(hash(10_000)), None);
        assert!(index.len * 4 <= index.slots.len() * 3, "at most three quarters full");
    }

    #[test]
    fn staging_gives_one_local_id_per_key_and_type() {
        let mut staging = Staging::new(Schema::builtin());
        let (a, created_a) = staging.node(0, "A").unwrap();
        let (b, created_b) = staging.node(0, "B").unwrap();
        assert!(created_a && created_b && a != b);
        assert_eq!(staging.node(0, "A").unwrap(), (a, false));
        assert_eq!(staging.find(0, "B"), Some(b));
        assert_eq!(staging.find(1, "B"), None, "keys are per entity type");
        assert_eq!(staging.strings.get(staging.types[0].keys[b as usize]), "B");
    }
}
