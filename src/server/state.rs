//! What the server holds: the loaded snapshot with its per-load indexes (name index, pseudonym
//! index, minors, analysis results) in a slot that reload swaps atomically, plus the settings
//! every request reads (tokens, masking secret, audit log, limits).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use chrono::{Months, NaiveDate};
use graph_schema::{EntityTypeId, PropType};
use rayon::prelude::*;
use roaring::RoaringBitmap;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::audit::AuditLog;
use super::auth::AuthMode;
use super::mask::Masker;
use crate::graph::{Graph, NodeId, SnapshotError, Value};

/// Caps on what one request may ask for.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest `hops` of a neighbourhood.
    pub max_hops: usize,
    /// Largest `max_nodes` of a neighbourhood or cluster subgraph.
    pub max_nodes: usize,
    /// `max_nodes` when the request gives none.
    pub default_max_nodes: usize,
    /// Degree above which a reached node is summarised instead of expanded, unless asked.
    pub supernode_degree: usize,
    /// Largest page (`limit`) of search, clusters and alerts.
    pub max_limit: usize,
    /// Largest `max_hops` of a path query.
    pub max_path_hops: usize,
    /// Largest `k` of a path query.
    pub max_paths: usize,
    /// Edge visits one path query may spend (`clew::paths::PathQuery::budget`).
    pub path_budget: u64,
    /// Largest request body in bytes.
    pub body_bytes: usize,
    /// Time budget of one request.
    pub time_budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_hops: 3,
            max_nodes: 5000,
            default_max_nodes: 500,
            supernode_degree: 100,
            max_limit: 1000,
            max_path_hops: 8,
            max_paths: 20,
            path_budget: crate::paths::WORK_BUDGET,
            body_bytes: 64 * 1024,
            time_budget: Duration::from_secs(10),
        }
    }
}

/// Risk levels of the analysis, most severe last so that `max` picks the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Low.
    Blue,
    /// Watch.
    Yellow,
    /// Likely.
    Orange,
    /// Look at first.
    Red,
}

impl Level {
    /// Parses a level name.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "blue" => Level::Blue,
            "yellow" => Level::Yellow,
            "orange" => Level::Orange,
            "red" => Level::Red,
            _ => return None,
        })
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Level::Blue => "blue",
            Level::Yellow => "yellow",
            Level::Orange => "orange",
            Level::Red => "red",
        }
    }
}

/// An entity reference in the analysis files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntityRef {
    /// Entity type name.
    #[serde(rename = "type")]
    pub ty: String,
    /// Normalised key.
    pub key: String,
}

/// One line of `clusters.jsonl` (issue 5's output contract); unknown fields are kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cluster {
    /// Stable id.
    pub cluster_id: String,
    /// `ring`, `shell_network`, ...
    pub kind: String,
    /// Score.
    pub risk_score: f64,
    /// Level name.
    pub level: Level,
    /// Members.
    pub members: Vec<EntityRef>,
    /// Human-readable reasons.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Any further fields the analysis wrote.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One line of `alerts.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alert {
    /// The rule that fired.
    pub rule: String,
    /// The record it fired on.
    pub record: EntityRef,
    /// Score.
    pub score: f64,
    /// Level name.
    pub level: Level,
    /// Human-readable reasons.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Any further fields the analysis wrote.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The analysis results stored beside a snapshot, resolved against it.
#[derive(Debug, Default)]
pub struct Analysis {
    /// `<snapshot>.analysis`.
    pub dir: PathBuf,
    /// Clusters, most risky first.
    pub clusters: Vec<Cluster>,
    /// Per cluster, its members resolved to nodes (`None`: not in this snapshot).
    pub cluster_nodes: Vec<Vec<Option<NodeId>>>,
    /// Alerts, highest score first.
    pub alerts: Vec<Alert>,
    /// Per alert, its record resolved.
    pub alert_nodes: Vec<Option<NodeId>>,
    /// Cluster index by id.
    pub by_id: FxHashMap<String, usize>,
    /// Worst level of the clusters and alerts a node is in.
    pub risk: FxHashMap<NodeId, Level>,
    /// Clusters a node is a member of.
    pub clusters_of: FxHashMap<NodeId, Vec<u32>>,
    /// Alerts whose record is a node.
    pub alerts_of: FxHashMap<NodeId, Vec<u32>>,
    /// Lines that could not be parsed (logged, skipped).
    pub skipped_lines: usize,
    /// Modification time of the newest analysis file, seconds since the epoch.
    pub analysed_at: Option<i64>,
}

/// A snapshot as served: the graph and the indexes built once per load.
pub struct Snapshot {
    /// The mapped graph.
    pub graph: Graph,
    /// In-memory name index, built once per loaded snapshot at open and reload: every node's
    /// `name` property, normalised and lower-cased, sorted with its node, for exact and prefix
    /// search by name (the snapshot's own key index only covers keys).
    pub names: Vec<(Box<str>, NodeId)>,
    /// Per entity type, whether its `name` property is personal data.
    pub name_sensitive: Vec<bool>,
    /// `(type, key)` to node, in memory: requests resolve their ids through it.
    pub keys: super::key_index::KeyIndex,
    /// Pseudonym bits to node, for the node ids viewers see for sensitive keys.
    pseudonyms: FxHashMap<(u16, u64), NodeId>,
    /// Per entity type, the pseudonym bits of each node in its id range (empty for types whose
    /// key is not personal): made once at load, so answers cost no HMAC per node.
    pseudonym_bits: Vec<Vec<u64>>,
    /// Per entity type, its property indexes in name order: the order answers list them in.
    pub node_prop_order: Vec<Vec<usize>>,
    /// Per relation type, its properties as answers name them (`id`, `source`, ... become
    /// `prop_id`, ...) with their indexes, in name order.
    pub edge_prop_names: Vec<Vec<(String, usize)>>,
    /// Adjacency counts of high-degree nodes, for neighbourhood summaries.
    pub summaries: super::summary::SummaryCache,
    /// Community partitions computed on this snapshot.
    pub communities: super::routes::communities::Cache,
    /// Persons under 18, recomputed when the date changes.
    minors: Mutex<(NaiveDate, Arc<Minors>)>,
    /// Clusters and alerts.
    pub analysis: Analysis,
    /// Milliseconds the open and index build took.
    pub open_ms: f64,
    /// When this snapshot was loaded, seconds since the epoch.
    pub loaded_at: i64,
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

impl Snapshot {
    /// Opens a snapshot and builds its indexes.
    pub fn load(path: &Path, masker: &Masker) -> Result<Snapshot, SnapshotError> {
        let started = Instant::now();
        let graph = Graph::open(path)?;
        let schema = graph.schema();
        let name_sensitive: Vec<bool> =
            schema.entities.iter().map(|e| e.properties.iter().any(|p| p.name == "name" && p.sensitive)).collect();
        let mut names: Vec<(Box<str>, NodeId)> = Vec::new();
        for (t, entity) in schema.entities.iter().enumerate() {
            let Some(prop) = entity.properties.iter().position(|p| p.name == "name" && p.ty == PropType::String) else {
                continue;
            };
            let range = graph.type_range(EntityTypeId(t as u16));
            let part: Vec<(Box<str>, NodeId)> = range
                .into_par_iter()
                .filter_map(|n| {
                    let node = NodeId(n);
                    match graph.node_prop(node, prop) {
                        Value::Str(s) if !s.is_empty() => Some((normalise_name(s).into_boxed_str(), node)),
                        _ => None,
                    }
                })
                .collect();
            names.extend(part);
        }
        names.par_sort_unstable();
        let mut pseudonyms = FxHashMap::default();
        let mut pseudonym_bits = vec![Vec::new(); schema.entities.len()];
        for (t, entity) in schema.entities.iter().enumerate() {
            if !entity.sensitive_key {
                continue;
            }
            let range = graph.type_range(EntityTypeId(t as u16));
            let first = range.start;
            let bits: Vec<u64> =
                range.into_par_iter().map(|n| masker.pseudonym_bits(&entity.name, graph.key(NodeId(n)))).collect();
            pseudonyms.reserve(bits.len());
            for (i, &b) in bits.iter().enumerate() {
                pseudonyms.insert((t as u16, b), NodeId(first + i as u32));
            }
            pseudonym_bits[t] = bits;
        }
        let node_prop_order = schema
            .entities
            .iter()
            .map(|e| {
                let mut order: Vec<usize> = (0..e.properties.len()).collect();
                // Stable, and a later property of the same name wins, as in a JSON map.
                order.sort_by(|&a, &b| e.properties[a].name.cmp(&e.properties[b].name));
                order.dedup_by(|later, earlier| {
                    let same = e.properties[*later].name == e.properties[*earlier].name;
                    if same {
                        *earlier = *later;
                    }
                    same
                });
                order
            })
            .collect();
        let edge_prop_names = schema
            .relations
            .iter()
            .map(|r| {
                let mut names: Vec<(String, usize)> = r
                    .properties
                    .iter()
                    .enumerate()
                    .map(|(i, p)| match p.name.as_str() {
                        "id" | "source" | "target" | "relation" | "t" => (format!("prop_{}", p.name), i),
                        n => (n.to_owned(), i),
                    })
                    .collect();
                names.sort_by(|a, b| a.0.cmp(&b.0));
                names.dedup_by(|later, earlier| {
                    let same = later.0 == earlier.0;
                    if same {
                        earlier.1 = later.1;
                    }
                    same
                });
                names
            })
            .collect();
        let minors = Minors::compute(&graph, today());
        let keys = super::key_index::KeyIndex::build(&graph);
        let analysis = load_analysis(&graph, &crate::build::sidecar(path, "analysis"));
        Ok(Snapshot {
            graph,
            names,
            name_sensitive,
            keys,
            pseudonyms,
            pseudonym_bits,
            node_prop_order,
            edge_prop_names,
            summaries: Default::default(),
            communities: Default::default(),
            minors: Mutex::new((today(), Arc::new(minors))),
            analysis,
            open_ms: started.elapsed().as_secs_f64() * 1e3,
            loaded_at: chrono::Utc::now().timestamp(),
        })
    }

    /// Persons under 18 on today's date.
    pub fn minors(&self) -> Arc<Minors> {
        let now = today();
        let mut slot = self.minors.lock().unwrap_or_else(|p| p.into_inner());
        if slot.0 != now {
            *slot = (now, Arc::new(Minors::compute(&self.graph, now)));
        }
        slot.1.clone()
    }

    /// The pseudonym bits of a node whose key is personal data (`None` for other nodes).
    pub fn pseudonym_bits_of(&self, node: NodeId) -> Option<u64> {
        let ty = self.graph.node_type(node);
        let bits = self.pseudonym_bits.get(ty.0 as usize)?;
        let first = self.graph.type_range(ty).start;
        bits.get((node.0 - first) as usize).copied()
    }

    /// The node of a type with a key: a primary key through the in-memory index, an alias
    /// through the snapshot.
    pub fn find(&self, ty: EntityTypeId, key: &str) -> Option<NodeId> {
        self.keys.find(&self.graph, ty, key).or_else(|| self.graph.find(ty, key))
    }

    /// The node a pseudonym of a type stands for.
    pub fn by_pseudonym(&self, ty: EntityTypeId, bits: u64) -> Option<NodeId> {
        self.pseudonyms.get(&(ty.0, bits)).copied()
    }

    /// Nodes whose normalised name equals (`exact`) or starts with `query`, in name order.
    pub fn names_matching(&self, query: &str, exact: bool) -> impl Iterator<Item = (&str, NodeId)> + '_ {
        let q = normalise_name(query);
        let first = self.names.partition_point(|(n, _)| &**n < q.as_str());
        self.names[first..]
            .iter()
            .take_while(move |(n, _)| if exact { **n == *q } else { n.starts_with(q.as_str()) })
            .map(|(n, node)| (&**n, *node))
    }
}

/// Names as the name index stores them: the loader's name normaliser, then lower case.
pub fn normalise_name(s: &str) -> String {
    graph_schema::normalise::name(s).to_lowercase()
}

/// Persons a viewer may not see: under 18 on the server's date.
#[derive(Debug, Default)]
pub struct Minors {
    /// The minors.
    pub set: RoaringBitmap,
    /// Per node, how many of its edges lead to a minor: a viewer's degree leaves them out, so
    /// that a degree does not betray a hidden neighbour.
    pub edges_to: FxHashMap<NodeId, u32>,
}

impl Minors {
    /// Minors on `today` and the edges that touch them.
    pub fn compute(graph: &Graph, today: NaiveDate) -> Minors {
        let set = minors_on(graph, today);
        let mut edges_to: FxHashMap<NodeId, u32> = FxHashMap::default();
        for m in &set {
            let node = NodeId(m);
            for adj in graph.out_edges(node).chain(graph.in_edges(node)) {
                *edges_to.entry(adj.other).or_default() += 1;
            }
        }
        Minors { set, edges_to }
    }
}

/// Persons whose birth date (their `birth_date` property, else the one in their resident ID)
/// makes them younger than 18 on `today`.
fn minors_on(graph: &Graph, today: NaiveDate) -> RoaringBitmap {
    let mut out = RoaringBitmap::new();
    let Some(person) = graph.schema().entity_id("person") else { return out };
    let birth_prop = graph.schema().entity(person).properties.iter().position(|p| p.name == "birth_date");
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let minors: Vec<u32> = graph
        .type_range(person)
        .into_par_iter()
        .filter(|&n| {
            let node = NodeId(n);
            let birth = match birth_prop.map(|p| graph.node_prop(node, p)) {
                Some(Value::Date(d)) => epoch.checked_add_signed(chrono::Duration::days(d as i64)),
                _ => None,
            }
            .or_else(|| graph_schema::normalise::resident_id_birth_date(graph.key(node)));
            match birth.and_then(|b| b.checked_add_months(Months::new(18 * 12))) {
                Some(adult_on) => adult_on > today,
                None => false,
            }
        })
        .collect();
    out.extend(minors);
    out
}

/// Finds an entity by type name and key as written by the analysis (normalised), trying the
/// key as given first and then the type's usual normalisers.
pub fn resolve_ref(graph: &Graph, r: &EntityRef) -> Option<NodeId> {
    let ty = graph.schema().entity_id(&r.ty)?;
    key_variants(&r.key).into_iter().find_map(|k| graph.find(ty, &k))
}

/// The query itself and what each key normaliser makes of it, without duplicates: search and
/// id lookups try each, so `110105 19491231 002x` finds `11010519491231002X`.
pub fn key_variants(q: &str) -> Vec<String> {
    use graph_schema::normalise as n;
    let mut out: Vec<String> = Vec::with_capacity(6);
    let mut push = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    push(q.to_owned());
    push(n::trim(&n::halfwidth(q)).to_owned());
    if let Ok(s) = n::resident_id(q) {
        push(s);
    }
    if let Ok(s) = n::phone(q) {
        push(s);
    }
    if let Ok(s) = n::credit_code(q) {
        push(s);
    }
    push(n::upper(q));
    push(n::name(q));
    out
}

fn load_jsonl<T: for<'de> Deserialize<'de>>(path: &Path, skipped: &mut usize) -> Vec<T> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            tracing::warn!("cannot read {}: {e}; serving no entries from it", path.display());
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(v) => out.push(v),
            Err(e) => {
                *skipped += 1;
                tracing::warn!("{}:{}: skipped: {e}", path.display(), i + 1);
            }
        }
    }
    out
}

/// Reads `clusters.jsonl` and `alerts.jsonl` from `dir` if present; missing files are empty lists.
pub fn load_analysis(graph: &Graph, dir: &Path) -> Analysis {
    let mut a = Analysis { dir: dir.to_owned(), ..Analysis::default() };
    let clusters_path = dir.join("clusters.jsonl");
    let alerts_path = dir.join("alerts.jsonl");
    a.clusters = load_jsonl(&clusters_path, &mut a.skipped_lines);
    a.alerts = load_jsonl(&alerts_path, &mut a.skipped_lines);
    a.clusters.sort_by(|x, y| y.risk_score.total_cmp(&x.risk_score).then_with(|| x.cluster_id.cmp(&y.cluster_id)));
    a.alerts.sort_by(|x, y| y.score.total_cmp(&x.score).then_with(|| x.rule.cmp(&y.rule)));
    a.analysed_at = [&clusters_path, &alerts_path]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok()?.modified().ok())
        .filter_map(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .max();
    for (i, c) in a.clusters.iter().enumerate() {
        if a.by_id.insert(c.cluster_id.clone(), i).is_some() {
            tracing::warn!("cluster id {} appears twice in {}; serving the first", c.cluster_id, dir.display());
        }
        let nodes: Vec<Option<NodeId>> = c.members.iter().map(|m| resolve_ref(graph, m)).collect();
        for node in nodes.iter().flatten() {
            let level = a.risk.entry(*node).or_insert(c.level);
            *level = (*level).max(c.level);
            a.clusters_of.entry(*node).or_default().push(i as u32);
        }
        a.cluster_nodes.push(nodes);
    }
    // by_id must point at the first occurrence, as the warning says.
    for (i, c) in a.clusters.iter().enumerate().rev() {
        a.by_id.insert(c.cluster_id.clone(), i);
    }
    for (i, alert) in a.alerts.iter().enumerate() {
        let node = resolve_ref(graph, &alert.record);
        if let Some(node) = node {
            let level = a.risk.entry(node).or_insert(alert.level);
            *level = (*level).max(alert.level);
            a.alerts_of.entry(node).or_default().push(i as u32);
        }
        a.alert_nodes.push(node);
    }
    a
}

/// Shared state of one server: cheap to clone, one per request.
#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Shared>);

/// What [`AppState`] points at.
pub struct Shared {
    slot: ArcSwap<Snapshot>,
    /// The snapshot file reload reopens.
    pub snapshot_path: PathBuf,
    /// Token check.
    pub auth: AuthMode,
    /// Pseudonym secret.
    pub masker: Masker,
    /// Audit log, if any.
    pub audit: Option<AuditLog>,
    /// Request caps.
    pub limits: Limits,
    /// Static files of the web viewer.
    pub web_dir: Option<PathBuf>,
    reload_lock: tokio::sync::Mutex<()>,
    /// Permits for graph work off the async workers: one per core.
    pub compute: Arc<tokio::sync::Semaphore>,
    /// When the server started.
    pub started: Instant,
    reloads: AtomicU64,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Everything [`AppState::new`] needs.
pub struct StateConfig {
    /// The snapshot file.
    pub snapshot: PathBuf,
    /// Token check.
    pub auth: AuthMode,
    /// Pseudonym secret.
    pub secret: Vec<u8>,
    /// Audit log, if any.
    pub audit: Option<AuditLog>,
    /// Request caps.
    pub limits: Limits,
    /// Static files of the web viewer.
    pub web_dir: Option<PathBuf>,
}

impl AppState {
    /// Opens the snapshot and builds its indexes.
    pub fn new(config: StateConfig) -> Result<AppState, SnapshotError> {
        let masker = Masker::new(&config.secret);
        let snapshot = Snapshot::load(&config.snapshot, &masker)?;
        tracing::info!(
            "loaded {} ({} nodes, {} edges) in {:.1} ms",
            config.snapshot.display(),
            snapshot.graph.n_nodes(),
            snapshot.graph.n_edges(),
            snapshot.open_ms
        );
        Ok(AppState(Arc::new(Shared {
            slot: ArcSwap::from_pointee(snapshot),
            snapshot_path: config.snapshot,
            auth: config.auth,
            masker,
            audit: config.audit,
            limits: config.limits,
            web_dir: config.web_dir,
            reload_lock: tokio::sync::Mutex::new(()),
            compute: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            )),
            started: Instant::now(),
            reloads: AtomicU64::new(0),
        })))
    }

    /// The snapshot now served. A request holds its `Arc` to the end, so a reload never pulls
    /// the mapped file from under it.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.slot.load_full()
    }

    /// Successful reloads so far.
    pub fn reloads(&self) -> u64 {
        self.reloads.load(Ordering::Relaxed)
    }

    /// Reopens the snapshot file and swaps it in; on failure the old one stays and the error
    /// says why. Reloads run one at a time, off the async workers.
    pub async fn reload(&self) -> Result<Arc<Snapshot>, SnapshotError> {
        let _one_at_a_time = self.reload_lock.lock().await;
        let this = self.clone();
        let loaded = tokio::task::spawn_blocking(move || Snapshot::load(&this.snapshot_path, &this.masker))
            .await
            .map_err(|join| SnapshotError::Io {
                path: self.snapshot_path.clone(),
                source: std::io::Error::other(format!("reload task failed: {join}")),
            })??;
        let loaded = Arc::new(loaded);
        self.slot.store(loaded.clone());
        self.reloads.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            "reloaded {} ({} nodes, {} edges) in {:.1} ms",
            self.snapshot_path.display(),
            loaded.graph.n_nodes(),
            loaded.graph.n_edges(),
            loaded.open_ms
        );
        Ok(loaded)
    }
}
