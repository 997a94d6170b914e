//! The typed graph: nodes with dense `u32` ids grouped by entity type, out- and in-adjacency as
//! compressed sparse rows, column-wise properties and provenance, all borrowed from a mapped
//! snapshot file. Built once by [`build::write_snapshot`], opened in milliseconds by [`Graph::open`].
//!
//! Invariant: nothing here knows about HTTP, tokio or the CLI.

pub mod build;
pub mod info;
mod petgraph_impl;
pub mod snapshot;
mod touch;

use std::ops::Range;
use std::path::Path;

use graph_schema::{EntityTypeId, PropType, RelationTypeId, Schema};
use loaders::{LoadReport, NULL_VALUE};
use roaring::RoaringBitmap;
use serde::{Deserialize, Serialize};

pub use snapshot::SnapshotError;
use snapshot::{MappedSnapshot, SectionEntry};

/// A node: dense index into the snapshot's node arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeId(pub u32);

/// An edge: index into the out-adjacency arrays, stable for the life of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EdgeId(pub u32);

/// Everything about a snapshot that is not a big array.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of clew that wrote it.
    pub clew_version: String,
    /// When it was built, seconds since the Unix epoch.
    pub built_at: i64,
    /// Seconds the build took, load included.
    pub build_seconds: f64,
    /// Entity and relation types.
    pub schema: Schema,
    /// Node count.
    pub n_nodes: u32,
    /// Edge count (after merging duplicate property-less edges).
    pub n_edges: u32,
    /// Per entity type, its node id range `[start, end)`.
    pub type_ranges: Vec<(u32, u32)>,
    /// Per relation type, its edge count.
    pub relation_counts: Vec<u64>,
    /// Duplicate edges of property-less relations that were merged into one.
    pub merged_duplicate_edges: u64,
    /// Data files, indexed by provenance rows.
    pub files: Vec<String>,
    /// What the load did: inputs with sizes and hashes, rows, rejects, flags.
    pub report: LoadReport,
    /// A node of a shared type linked to at least this many distinct entities is marked common.
    pub common_min_degree: u32,
    /// What entity resolution did, per resolved entity type.
    pub resolution: Vec<loaders::resolve::TypeReport>,
    /// Section table.
    pub sections: Vec<SectionEntry>,
}

/// A property value as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'g> {
    /// No value given.
    Null,
    /// Text.
    Str(&'g str),
    /// Integer.
    Int(i64),
    /// Hundredths (cents).
    Decimal(i64),
    /// Days since 1970-01-01.
    Date(i32),
    /// Seconds since the Unix epoch.
    DateTime(i64),
    /// Boolean.
    Bool(bool),
    /// A value that failed validation, kept as its raw text.
    Invalid(&'g str),
}

impl Value<'_> {
    /// The value as display text ("" for null).
    pub fn render(&self) -> String {
        use graph_schema::normalise as n;
        match *self {
            Value::Null => String::new(),
            Value::Str(s) | Value::Invalid(s) => s.to_owned(),
            Value::Int(i) => i.to_string(),
            Value::Decimal(c) => n::format_cents(c),
            Value::Date(d) => n::format_days(d),
            Value::DateTime(t) => n::format_secs(t),
            Value::Bool(b) => b.to_string(),
        }
    }

    /// Whether the value is missing.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// One out- or in-edge as seen from a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adjacent {
    /// The edge.
    pub edge: EdgeId,
    /// The node at the other end.
    pub other: NodeId,
    /// Its relation type.
    pub relation: RelationTypeId,
}

struct Column {
    range: Range<usize>,
    ty: PropType,
    invalid: RoaringBitmap,
}

/// A graph opened from a snapshot file.
pub struct Graph {
    snap: MappedSnapshot<Manifest>,
    node_types: Range<usize>,
    node_keys: Range<usize>,
    out_offsets: Range<usize>,
    out_targets: Range<usize>,
    out_rel: Range<usize>,
    out_prop: Range<usize>,
    in_offsets: Range<usize>,
    in_sources: Range<usize>,
    in_edge: Range<usize>,
    str_offsets: Range<usize>,
    str_bytes: Range<usize>,
    key_sorted: Range<usize>,
    prov_offsets: Range<usize>,
    prov_file: Range<usize>,
    prov_line: Range<usize>,
    node_columns: Vec<Vec<Column>>,
    edge_columns: Vec<Vec<Column>>,
    type_bitmaps: Vec<RoaringBitmap>,
    invalid_keys: RoaringBitmap,
    common: RoaringBitmap,
    common_degree: Range<usize>,
    alias_node: Range<usize>,
    alias_key: Range<usize>,
    alias_sorted: Range<usize>,
}

impl Graph {
    /// Maps and validates a snapshot; any damage is a named [`SnapshotError`], never a panic.
    pub fn open(path: &Path) -> Result<Graph, SnapshotError> {
        let snap = MappedSnapshot::<Manifest>::open(path, |m| m.sections.clone())?;
        let m = &snap.manifest;
        let (n, e) = (m.n_nodes as usize, m.n_edges as usize);
        let n_strings = snap.typed_range::<u64>("str_offsets", None)?.len() / 8;
        let bad =
            |name: &str, why: String| SnapshotError::BadSection { path: path.to_owned(), name: name.to_owned(), why };
        let bitmap = |name: &str| -> Result<RoaringBitmap, SnapshotError> {
            let range = snap.range(name)?;
            RoaringBitmap::deserialize_from(snap.bytes(&range)).map_err(|err| bad(name, err.to_string()))
        };
        let mut type_bitmaps = Vec::new();
        let mut node_columns = Vec::new();
        for (t, entity) in m.schema.entities.iter().enumerate() {
            type_bitmaps.push(bitmap(&format!("type.{t}"))?);
            let (start, end) =
                *m.type_ranges.get(t).ok_or_else(|| bad("manifest", format!("no range for type {t}")))?;
            let rows = end.checked_sub(start).ok_or_else(|| bad("manifest", format!("type {t} range")))? as usize;
            let mut cols = Vec::new();
            for (p, prop) in entity.properties.iter().enumerate() {
                cols.push(Column {
                    range: snap.typed_range::<i64>(&format!("prop.{t}.{p}"), Some(rows))?,
                    ty: prop.ty,
                    invalid: bitmap(&format!("prop_invalid.{t}.{p}"))?,
                });
            }
            node_columns.push(cols);
        }
        let mut edge_columns = Vec::new();
        for (r, rel) in m.schema.relations.iter().enumerate() {
            let mut cols = Vec::new();
            for (p, prop) in rel.properties.iter().enumerate() {
                cols.push(Column {
                    range: snap.typed_range::<i64>(&format!("eprop.{r}.{p}"), None)?,
                    ty: prop.ty,
                    invalid: bitmap(&format!("eprop_invalid.{r}.{p}"))?,
                });
            }
            edge_columns.push(cols);
        }
        let common = bitmap("common")?;
        let n_aliases = snap.typed_range::<u32>("alias_node", None)?.len() / 4;
        let prov_offsets = snap.typed_range::<u64>("prov_offsets", Some(n + 1))?;
        let n_prov = snap.typed_range::<u32>("prov_file", None)?.len() / 4;
        let graph = Graph {
            node_types: snap.typed_range::<u16>("node_types", Some(n))?,
            node_keys: snap.typed_range::<u32>("node_keys", Some(n))?,
            out_offsets: snap.typed_range::<u64>("out_offsets", Some(n + 1))?,
            out_targets: snap.typed_range::<u32>("out_targets", Some(e))?,
            out_rel: snap.typed_range::<u16>("out_rel", Some(e))?,
            out_prop: snap.typed_range::<u32>("out_prop", Some(e))?,
            in_offsets: snap.typed_range::<u64>("in_offsets", Some(n + 1))?,
            in_sources: snap.typed_range::<u32>("in_sources", Some(e))?,
            in_edge: snap.typed_range::<u32>("in_edge", Some(e))?,
            str_offsets: snap.typed_range::<u64>("str_offsets", None)?,
            str_bytes: snap.range("str_bytes")?,
            key_sorted: snap.typed_range::<u32>("key_sorted", Some(n))?,
            prov_offsets,
            prov_file: snap.typed_range::<u32>("prov_file", Some(n_prov))?,
            prov_line: snap.typed_range::<u32>("prov_line", Some(n_prov))?,
            node_columns,
            edge_columns,
            type_bitmaps,
            invalid_keys: bitmap("invalid_keys")?,
            common_degree: snap.typed_range::<u32>("common_degree", Some(common.len() as usize))?,
            common,
            alias_node: snap.typed_range::<u32>("alias_node", Some(n_aliases))?,
            alias_key: snap.typed_range::<u32>("alias_key", Some(n_aliases))?,
            alias_sorted: snap.typed_range::<u32>("alias_sorted", Some(n_aliases))?,
            snap,
        };
        graph.check_structure(n_strings).map_err(|why| bad("structure", why))?;
        Ok(graph)
    }

    /// Cheap structural checks that turn a forged-but-checksummed file into an error instead of
    /// out-of-bounds indexing later: offsets monotone and in range, ids below their bounds.
    fn check_structure(&self, n_strings: usize) -> Result<(), String> {
        let (n, e) = (self.n_nodes() as u64, self.n_edges() as u64);
        let monotone = |offsets: &[u64], end: u64, what: &str| -> Result<(), String> {
            if offsets.first() != Some(&0) || offsets.last() != Some(&end) || offsets.windows(2).any(|w| w[0] > w[1]) {
                return Err(format!("{what} offsets are not a valid CSR index"));
            }
            Ok(())
        };
        monotone(self.out_offsets(), e, "out")?;
        monotone(self.in_offsets(), e, "in")?;
        let str_offsets: &[u64] = self.snap.slice(&self.str_offsets);
        monotone(str_offsets, self.str_bytes.len() as u64, "string")?;
        monotone(
            self.snap.slice(&self.prov_offsets),
            self.snap.slice::<u32>(&self.prov_file).len() as u64,
            "provenance",
        )?;
        if self.out_targets().iter().chain(self.in_sources()).any(|&v| v as u64 >= n) {
            return Err("an edge endpoint is not a node".into());
        }
        if self.snap.slice::<u32>(&self.in_edge).iter().any(|&x| x as u64 >= e) {
            return Err("an in-edge points past the edges".into());
        }
        if self.snap.slice::<u32>(&self.node_keys).iter().any(|&k| k as usize >= n_strings.saturating_sub(1)) {
            return Err("a key is not a string".into());
        }
        let n_types = self.schema().entities.len() as u16;
        let n_rels = self.schema().relations.len() as u16;
        if self.snap.slice::<u16>(&self.node_types).iter().any(|&t| t >= n_types) {
            return Err("a node has an unknown type".into());
        }
        if self.snap.slice::<u16>(&self.out_rel).iter().any(|&r| r >= n_rels) {
            return Err("an edge has an unknown relation".into());
        }
        if self.common.max().is_some_and(|m| m as u64 >= n) {
            return Err("a common identifier is not a node".into());
        }
        let alias_node: &[u32] = self.snap.slice(&self.alias_node);
        if alias_node.windows(2).any(|w| w[0] > w[1]) || alias_node.last().is_some_and(|&v| v as u64 >= n) {
            return Err("the alias index is not sorted by node or names a node that does not exist".into());
        }
        if self.snap.slice::<u32>(&self.alias_key).iter().any(|&k| k as usize >= n_strings.saturating_sub(1)) {
            return Err("an alias key is not a string".into());
        }
        if self.snap.slice::<u32>(&self.alias_sorted).iter().any(|&i| i as usize >= alias_node.len()) {
            return Err("the alias key index points past the aliases".into());
        }
        if self.snap.slice::<u32>(&self.key_sorted).iter().any(|&x| x as u64 >= n) {
            return Err("the key index names a node that does not exist".into());
        }
        let mut expected_start = 0u32;
        for &(start, end) in &self.manifest().type_ranges {
            if start != expected_start || end < start {
                return Err("type ranges are not contiguous".into());
            }
            expected_start = end;
        }
        if expected_start as u64 != n {
            return Err("type ranges do not cover the nodes".into());
        }
        let node_types: &[u16] = self.snap.slice(&self.node_types);
        for (t, &(start, end)) in self.manifest().type_ranges.iter().enumerate() {
            if node_types.get(start as usize..end as usize).is_none_or(|types| types.iter().any(|&x| x as usize != t)) {
                return Err("node types disagree with the type ranges".into());
            }
        }
        let file_count = self.manifest().files.len() as u32;
        if self.snap.slice::<u32>(&self.prov_file).iter().any(|&f| f >= file_count) {
            return Err("a provenance row names an unknown file".into());
        }
        for (r, cols) in self.edge_columns.iter().enumerate() {
            let rows = cols.first().map(|c| c.range.len() / 8).unwrap_or(0);
            let _ = r;
            if cols.iter().any(|c| c.range.len() / 8 != rows) {
                return Err("edge property columns disagree in length".into());
            }
        }
        let out_prop: &[u32] = self.snap.slice(&self.out_prop);
        let out_rel: &[u16] = self.snap.slice(&self.out_rel);
        for (row, rel) in out_prop.iter().zip(out_rel) {
            if *row != u32::MAX {
                let rows = self.edge_columns[*rel as usize].first().map(|c| c.range.len() / 8).unwrap_or(0);
                if *row as usize >= rows {
                    return Err("an edge property row is out of range".into());
                }
            }
        }
        Ok(())
    }

    /// The manifest: schema, counts, provenance of the build.
    pub fn manifest(&self) -> &Manifest {
        &self.snap.manifest
    }

    /// Entity and relation types.
    pub fn schema(&self) -> &Schema {
        &self.snap.manifest.schema
    }

    /// Path the snapshot was opened from.
    pub fn path(&self) -> &Path {
        self.snap.path()
    }

    /// Bytes of the snapshot file.
    pub fn file_len(&self) -> u64 {
        self.snap.file_len()
    }

    /// Sections and their sizes, for `clew info`.
    pub fn sections(&self) -> &[SectionEntry] {
        &self.snap.sections
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.snap.manifest.n_nodes as usize
    }

    /// Number of edges.
    pub fn n_edges(&self) -> usize {
        self.snap.manifest.n_edges as usize
    }

    /// The entity type of a node.
    #[inline]
    pub fn node_type(&self, node: NodeId) -> EntityTypeId {
        // From the handful of type ranges (always in cache) rather than the per-node array (a
        // cache miss per node on a big graph); `open` checked that the two agree.
        let ranges = &self.snap.manifest.type_ranges;
        match ranges.partition_point(|&(_, end)| end <= node.0) {
            t if t < ranges.len() => EntityTypeId(t as u16),
            _ => EntityTypeId(self.snap.slice::<u16>(&self.node_types)[node.0 as usize]),
        }
    }

    /// The node ids of one type, as a bitmap (one run: ids are grouped by type).
    pub fn nodes_of_type(&self, ty: EntityTypeId) -> &RoaringBitmap {
        &self.type_bitmaps[ty.0 as usize]
    }

    /// The id range of one type.
    pub fn type_range(&self, ty: EntityTypeId) -> Range<u32> {
        let (s, e) = self.snap.manifest.type_ranges[ty.0 as usize];
        s..e
    }

    /// An interned string.
    #[inline]
    pub fn string(&self, id: u32) -> &str {
        std::str::from_utf8(self.string_bytes(id)).unwrap_or("")
    }

    /// The bytes of an interned string, unchecked: for comparisons, where UTF-8 order is byte
    /// order and validating every probe of a search would cost more than the search.
    fn string_bytes(&self, id: u32) -> &[u8] {
        let offsets: &[u64] = self.snap.slice(&self.str_offsets);
        let (Some(&start), Some(&end)) = (offsets.get(id as usize), offsets.get(id as usize + 1)) else { return b"" };
        self.snap.bytes(&self.str_bytes).get(start as usize..end as usize).unwrap_or(b"")
    }

    /// The normalised key of a node.
    #[inline]
    pub fn key(&self, node: NodeId) -> &str {
        self.string(self.snap.slice::<u32>(&self.node_keys)[node.0 as usize])
    }

    /// Whether the node's key failed its validating normaliser and is kept raw.
    pub fn key_is_invalid(&self, node: NodeId) -> bool {
        self.invalid_keys.contains(node.0)
    }

    /// Finds a node by entity type and normalised key, or by the key of a record entity
    /// resolution merged into it.
    pub fn find(&self, ty: EntityTypeId, key: &str) -> Option<NodeId> {
        let range = self.type_range(ty);
        let sorted: &[u32] = self.snap.slice(&self.key_sorted);
        let within = &sorted[range.start as usize..range.end as usize];
        let keys: &[u32] = self.snap.slice(&self.node_keys);
        match within.binary_search_by(|&id| self.string_bytes(keys[id as usize]).cmp(key.as_bytes())) {
            Ok(i) => Some(NodeId(within[i])),
            Err(_) => self.find_alias(ty, key),
        }
    }

    fn find_alias(&self, ty: EntityTypeId, key: &str) -> Option<NodeId> {
        let nodes: &[u32] = self.snap.slice(&self.alias_node);
        let keys: &[u32] = self.snap.slice(&self.alias_key);
        let sorted: &[u32] = self.snap.slice(&self.alias_sorted);
        let entry = |i: u32| (self.node_type(NodeId(nodes[i as usize])), self.string(keys[i as usize]));
        let first = sorted.partition_point(|&i| entry(i) < (ty, key));
        sorted.get(first).filter(|&&i| entry(i) == (ty, key)).map(|&i| NodeId(nodes[i as usize]))
    }

    /// The keys of the records entity resolution merged into `node`, in key order (empty for
    /// a node formed by one key). `merges.jsonl` beside the snapshot says why.
    pub fn aliases(&self, node: NodeId) -> impl Iterator<Item = &str> + '_ {
        let nodes: &[u32] = self.snap.slice(&self.alias_node);
        let keys: &[u32] = self.snap.slice(&self.alias_key);
        let start = nodes.partition_point(|&v| v < node.0);
        let end = nodes.partition_point(|&v| v <= node.0);
        keys[start..end].iter().map(move |&k| self.string(k))
    }

    /// Whether `node` is a common identifier: a phone, address, account or other node of a
    /// shared type that at least [`Manifest::common_min_degree`] distinct entities (people,
    /// companies, claims: nodes of types that are not shared) link to, such as a hospital
    /// switchboard or a big employer's address. Analytics down-weight it; the API caps it.
    pub fn is_common(&self, node: NodeId) -> bool {
        self.common.contains(node.0)
    }

    /// The number of distinct entities linked to a common identifier, or `None` if it is not common.
    pub fn common_degree(&self, node: NodeId) -> Option<u32> {
        if !self.common.contains(node.0) {
            return None;
        }
        let rank = self.common.rank(node.0) as usize;
        self.snap.slice::<u32>(&self.common_degree).get(rank - 1).copied()
    }

    /// All common identifiers.
    pub fn common_nodes(&self) -> &RoaringBitmap {
        &self.common
    }

    /// Nodes of `ty` whose key starts with `prefix`, in key order, at most `limit`.
    pub fn keys_with_prefix(&self, ty: EntityTypeId, prefix: &str, limit: usize) -> Vec<NodeId> {
        let range = self.type_range(ty);
        let sorted: &[u32] = self.snap.slice(&self.key_sorted);
        let within = &sorted[range.start as usize..range.end as usize];
        let first = within.partition_point(|&id| self.key(NodeId(id)) < prefix);
        within[first..]
            .iter()
            .take_while(|&&id| self.key(NodeId(id)).starts_with(prefix))
            .take(limit)
            .map(|&id| NodeId(id))
            .collect()
    }

    /// The out-adjacency offsets (n + 1 values).
    #[inline]
    pub fn out_offsets(&self) -> &[u64] {
        self.snap.slice(&self.out_offsets)
    }

    /// All out-edge targets, indexed by [`EdgeId`].
    #[inline]
    pub fn out_targets(&self) -> &[u32] {
        self.snap.slice(&self.out_targets)
    }

    /// The in-adjacency offsets (n + 1 values).
    #[inline]
    pub fn in_offsets(&self) -> &[u64] {
        self.snap.slice(&self.in_offsets)
    }

    /// All in-edge sources, grouped by target.
    #[inline]
    pub fn in_sources(&self) -> &[u32] {
        self.snap.slice(&self.in_sources)
    }

    /// The out-edge range of a node.
    #[inline]
    pub fn out_range(&self, node: NodeId) -> Range<usize> {
        let o = self.out_offsets();
        o[node.0 as usize] as usize..o[node.0 as usize + 1] as usize
    }

    /// The in-edge range of a node.
    #[inline]
    pub fn in_range(&self, node: NodeId) -> Range<usize> {
        let o = self.in_offsets();
        o[node.0 as usize] as usize..o[node.0 as usize + 1] as usize
    }

    /// Out-degree plus in-degree.
    pub fn degree(&self, node: NodeId) -> usize {
        self.out_range(node).len() + self.in_range(node).len()
    }

    /// Edges leaving `node`.
    pub fn out_edges(&self, node: NodeId) -> impl Iterator<Item = Adjacent> + '_ {
        let targets = self.out_targets();
        let rels: &[u16] = self.snap.slice(&self.out_rel);
        self.out_range(node).map(move |i| Adjacent {
            edge: EdgeId(i as u32),
            other: NodeId(targets[i]),
            relation: RelationTypeId(rels[i]),
        })
    }

    /// Edges arriving at `node`.
    pub fn in_edges(&self, node: NodeId) -> impl Iterator<Item = Adjacent> + '_ {
        let sources = self.in_sources();
        let edges: &[u32] = self.snap.slice(&self.in_edge);
        let rels: &[u16] = self.snap.slice(&self.out_rel);
        self.in_range(node).map(move |i| {
            let edge = edges[i];
            Adjacent { edge: EdgeId(edge), other: NodeId(sources[i]), relation: RelationTypeId(rels[edge as usize]) }
        })
    }

    /// The relation type of an edge.
    #[inline]
    pub fn edge_relation(&self, edge: EdgeId) -> RelationTypeId {
        RelationTypeId(self.snap.slice::<u16>(&self.out_rel)[edge.0 as usize])
    }

    /// Source and target of an edge.
    pub fn edge_endpoints(&self, edge: EdgeId) -> (NodeId, NodeId) {
        let offsets = self.out_offsets();
        let src = offsets.partition_point(|&o| o <= edge.0 as u64) - 1;
        (NodeId(src as u32), NodeId(self.out_targets()[edge.0 as usize]))
    }

    /// A property of a node by property index within its type.
    pub fn node_prop(&self, node: NodeId, prop: usize) -> Value<'_> {
        let ty = self.node_type(node).0 as usize;
        let row = node.0 - self.snap.manifest.type_ranges[ty].0;
        match self.node_columns[ty].get(prop) {
            Some(col) => self.value(col, row),
            None => Value::Null,
        }
    }

    /// A property of a node by name.
    pub fn node_prop_by_name(&self, node: NodeId, name: &str) -> Value<'_> {
        let ty = self.node_type(node);
        match self.schema().entity(ty).properties.iter().position(|p| p.name == name) {
            Some(i) => self.node_prop(node, i),
            None => Value::Null,
        }
    }

    /// A property of an edge by property index within its relation type.
    pub fn edge_prop(&self, edge: EdgeId, prop: usize) -> Value<'_> {
        let rel = self.edge_relation(edge).0 as usize;
        let row = self.snap.slice::<u32>(&self.out_prop)[edge.0 as usize];
        match self.edge_columns[rel].get(prop) {
            Some(col) if row != u32::MAX => self.value(col, row),
            _ => Value::Null,
        }
    }

    /// The edge's time (its relation's time property) in seconds since the epoch, if any.
    pub fn edge_time(&self, edge: EdgeId) -> Option<i64> {
        let rel = self.edge_relation(edge);
        let prop = self.schema().relation(rel).time_property?;
        match self.edge_prop(edge, prop) {
            Value::DateTime(t) => Some(t),
            Value::Date(d) => Some(d as i64 * 86_400),
            _ => None,
        }
    }

    fn value(&self, col: &Column, row: u32) -> Value<'_> {
        let values: &[i64] = self.snap.slice(&col.range);
        let Some(&raw) = values.get(row as usize) else { return Value::Null };
        if raw == NULL_VALUE {
            return Value::Null;
        }
        if col.invalid.contains(row) {
            return Value::Invalid(self.string(raw as u32));
        }
        match col.ty {
            PropType::String => Value::Str(self.string(raw as u32)),
            PropType::Int => Value::Int(raw),
            PropType::Decimal => Value::Decimal(raw),
            PropType::Date => Value::Date(raw as i32),
            PropType::DateTime => Value::DateTime(raw),
            PropType::Bool => Value::Bool(raw != 0),
        }
    }

    /// The source rows (file, 1-based line) that formed a node.
    pub fn provenance(&self, node: NodeId) -> impl Iterator<Item = (&str, u32)> + '_ {
        let offsets: &[u64] = self.snap.slice(&self.prov_offsets);
        let files: &[u32] = self.snap.slice(&self.prov_file);
        let lines: &[u32] = self.snap.slice(&self.prov_line);
        let range = offsets[node.0 as usize] as usize..offsets[node.0 as usize + 1] as usize;
        range.map(move |i| (self.snap.manifest.files[files[i] as usize].as_str(), lines[i]))
    }

    /// Nodes in the id range of a type: `type:key` lookups by display name.
    pub fn find_by_name(&self, type_name: &str, key: &str) -> Option<NodeId> {
        self.find(self.schema().entity_id(type_name)?, key)
    }
}
