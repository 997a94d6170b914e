//! The evidence chain every alert and cluster carries, so an investigator can defend it: the rule
//! that fired, the source rows (file, line) that formed each entity involved, the edges between
//! them with their properties, and the entity-resolution decisions that merged any of them.

use std::collections::BTreeMap;
use std::path::Path;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use super::rules::Rule;
use super::EntityRef;
use crate::graph::{EdgeId, Graph, NodeId};

/// Most source rows cited per entity.
const ROWS_PER_NODE: usize = 4;
/// Most source rows per evidence chain.
const MAX_ROWS: usize = 120;
/// Most edges per evidence chain.
const MAX_EDGES: usize = 200;
/// Most merge decisions per evidence chain.
const MAX_MERGES: usize = 20;

/// The rule that fired.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleRef {
    /// Rule id.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its description.
    pub description: String,
}

/// A source row that formed an entity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceRow {
    /// The entity.
    pub entity: EntityRef,
    /// The data file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// An edge of the finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeEvidence {
    /// Source entity.
    pub from: EntityRef,
    /// Relation type.
    pub relation: String,
    /// Target entity.
    pub to: EntityRef,
    /// Edge properties as text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub props: BTreeMap<String, String>,
}

/// The evidence chain of one finding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The rule that fired.
    pub rule: RuleRef,
    /// Source rows of the entities involved.
    pub rows: Vec<SourceRow>,
    /// The edges that make the finding.
    pub edges: Vec<EdgeEvidence>,
    /// Entity-resolution decisions (lines of `<snapshot>.merges.jsonl`) involving its entities.
    #[serde(default)]
    pub merges: Vec<serde_json::Value>,
    /// Whether rows or edges were cut at their caps.
    #[serde(default)]
    pub truncated: bool,
}

/// The merge decisions of a build, indexed by every key they mention.
#[derive(Default)]
pub struct Merges {
    lines: Vec<serde_json::Value>,
    by_key: FxHashMap<String, Vec<u32>>,
}

impl Merges {
    /// Reads `path` if given and present; unreadable lines are skipped with a warning.
    pub fn load(path: Option<&Path>) -> Merges {
        let mut m = Merges::default();
        let Some(path) = path else { return m };
        let Ok(text) = std::fs::read_to_string(path) else { return m };
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<serde_json::Value>(line) {
                Ok(v) => {
                    let index = m.lines.len() as u32;
                    let mut keys = Vec::new();
                    strings(&v, &mut keys);
                    keys.sort_unstable();
                    keys.dedup();
                    for k in keys {
                        m.by_key.entry(k).or_default().push(index);
                    }
                    m.lines.push(v);
                }
                Err(e) => tracing::warn!("{}:{}: skipped: {e}", path.display(), i + 1),
            }
        }
        m
    }

    /// Decisions mentioning `key`.
    fn about(&self, key: &str) -> &[u32] {
        self.by_key.get(key).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

/// Makes evidence chains for one graph.
pub struct Builder<'g> {
    g: &'g Graph,
    merges: &'g Merges,
}

impl<'g> Builder<'g> {
    /// A builder over `g`, citing `merges`.
    pub fn new(g: &'g Graph, merges: &'g Merges) -> Builder<'g> {
        Builder { g, merges }
    }

    /// Starts the chain of a finding of `rule`.
    pub fn start(&self, rule: &Rule) -> Chain<'_, 'g> {
        Chain {
            b: self,
            rule: RuleRef {
                id: rule.id.clone(),
                kind: rule.kind.name().to_owned(),
                description: rule.description.clone(),
            },
            nodes: Vec::new(),
            seen_nodes: FxHashSet::default(),
            edges: Vec::new(),
            seen_edges: FxHashSet::default(),
        }
    }
}

/// An evidence chain being gathered.
pub struct Chain<'b, 'g> {
    b: &'b Builder<'g>,
    rule: RuleRef,
    nodes: Vec<NodeId>,
    seen_nodes: FxHashSet<NodeId>,
    edges: Vec<(EdgeId, NodeId, NodeId)>,
    seen_edges: FxHashSet<EdgeId>,
}

impl Chain<'_, '_> {
    /// Cites an entity (its source rows and merges).
    pub fn node(&mut self, n: NodeId) -> &mut Self {
        if self.seen_nodes.insert(n) {
            self.nodes.push(n);
        }
        self
    }

    /// Cites an entity given as a raw id ([`super::rules::context::NONE`] is skipped).
    pub fn raw(&mut self, v: u32) -> &mut Self {
        if v != super::rules::context::NONE {
            self.node(NodeId(v));
        }
        self
    }

    /// Cites an edge whose ends are known.
    pub fn edge(&mut self, e: EdgeId, from: NodeId, to: NodeId) -> &mut Self {
        if self.seen_edges.insert(e) {
            self.edges.push((e, from, to));
        }
        self.node(from).node(to)
    }

    /// Cites the first edge `from → to`, of relation `rel` if given; nothing when there is none.
    pub fn link(&mut self, from: u32, to: u32, rel: Option<graph_schema::RelationTypeId>) -> &mut Self {
        use super::rules::context::NONE;
        if from == NONE || to == NONE {
            return self;
        }
        let g = self.b.g;
        if let Some(adj) =
            g.out_edges(NodeId(from)).find(|a| a.other == NodeId(to) && rel.is_none_or(|r| r == a.relation))
        {
            self.edge(adj.edge, NodeId(from), NodeId(to));
        }
        self
    }

    /// The finished chain.
    pub fn finish(&self) -> super::Evidence {
        let g = self.b.g;
        let mut truncated = false;
        let mut rows = Vec::new();
        let mut merges: Vec<u32> = Vec::new();
        for &n in &self.nodes {
            let entity = EntityRef::of(g, n);
            for (i, (file, line)) in g.provenance(n).enumerate() {
                if i >= ROWS_PER_NODE || rows.len() >= MAX_ROWS {
                    truncated = true;
                    break;
                }
                rows.push(SourceRow { entity: entity.clone(), file: file.to_owned(), line });
            }
            merges.extend_from_slice(self.b.merges.about(g.key(n)));
        }
        merges.sort_unstable();
        merges.dedup();
        if merges.len() > MAX_MERGES {
            truncated = true;
            merges.truncate(MAX_MERGES);
        }
        if self.edges.len() > MAX_EDGES {
            truncated = true;
        }
        let edges = self.edges.iter().take(MAX_EDGES).map(|&(e, from, to)| edge_evidence(g, e, from, to)).collect();
        super::Evidence {
            rule: self.rule.clone(),
            rows,
            edges,
            merges: merges.iter().map(|&i| self.b.merges.lines[i as usize].clone()).collect(),
            truncated,
        }
    }
}

/// One edge as evidence.
pub fn edge_evidence(g: &Graph, e: EdgeId, from: NodeId, to: NodeId) -> EdgeEvidence {
    let rel = g.edge_relation(e);
    let def = g.schema().relation(rel);
    let mut props = BTreeMap::new();
    for (i, p) in def.properties.iter().enumerate() {
        let v = g.edge_prop(e, i);
        if !v.is_null() {
            props.insert(p.name.clone(), v.render());
        }
    }
    EdgeEvidence { from: EntityRef::of(g, from), relation: def.name.clone(), to: EntityRef::of(g, to), props }
}
