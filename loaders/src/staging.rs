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
    /// (128-bit hash of key, local id). Keys are identified by their XXH3-128 alone: comparing
    /// key bytes on every probe cost two extra cache misses per row, and the chance that two of
    /// even 10^10 distinct keys collide in 128 bits (about 10^-19) is far below that of a disk
    /// flipping a bit unnoticed.
    by_key: hashbrown::HashTable<(u128, u32)>,
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
        if let Some(&(_, local)) = table.by_key.find(hash as u64, |&(h, _)| h == hash) {
            return Ok((local, false));
        }
        let local = u32::try_from(table.keys.len()).ok().filter(|&l| l < u32::MAX - 1).ok_or_else(|| {
            crate::LoadError::TooLarge {
                what: format!("entity type {}", self.schema.entities[entity_type as usize].name),
            }
        })?;
        table.keys.push(strings.push(key));
        table.by_key.insert_unique(hash as u64, (hash, local), |&(h, _)| h as u64);
        for column in &mut table.columns {
            column.values.push(NULL_VALUE);
        }
        Ok((local, true))
    }

    /// The local id of an existing node, by type and normalised key (before [`Staging::freeze`]).
    pub fn find(&self, entity_type: u16, key: &str) -> Option<u32> {
        let hash = key_hash(key);
        let table = &self.types[entity_type as usize];
        table.by_key.find(hash as u64, |&(h, _)| h == hash).map(|&(_, l)| l)
    }

    /// Total nodes over all types.
    pub fn n_nodes(&self) -> usize {
        self.types.iter().map(TypeTable::len).sum()
    }

    /// Drops the lookup indexes once loading is over, before the graph core allocates its arrays.
    pub fn freeze(&mut self) {
        self.strings.freeze();
        for t in &mut self.types {
            t.by_key = hashbrown::HashTable::new();
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
