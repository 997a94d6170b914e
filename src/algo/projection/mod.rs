//! Projections: the typed graph seen as a plain [`AdjGraph`] for the algorithms to run on.
//!
//! A projection picks node types and how two of those nodes are linked, and produces an
//! [`AdjGraph`] on a dense subset of the nodes plus the map back to [`NodeId`]s ([`Projected`]).
//! Two kinds cover what investigations need:
//!
//! - `shared-identifiers`: people (or any chosen types) linked when they share an identifier node
//!   (a phone, address, account: by default every entity type marked `shared`). An identifier
//!   held by `d` of them links each pair with weight `1/(d−1)` (so every holder's links through it
//!   add up to 1), `1/ln d`, or 1; identifiers held by more than `max_identifier_degree` are
//!   skipped and reported, so a call-centre number does not glue the world together. Optionally
//!   an identifier that a node of another type also holds (a company's phone) is skipped too, and
//!   chains of relations ([`PathDef`], a meta-path such as person → claim → account ← person) add
//!   links of their own.
//! - `relations`: chosen node types linked by chosen relation types, directed or not, every pair
//!   aggregated into one edge weighing the number of edges or the sum of a numeric property.
//!
//! Built-ins by name: `shared-identifiers`, `shared-identifiers-log` (1/ln d), `transfers`
//! (account → account, summed `amount`) and `ownership` (`shareholder_of`, person/company →
//! company). Anything else is a TOML file with the same fields (see [`ProjectionDef`], and
//! `docs/projections.md` for users).
//!
//! A definition is raw until [`Projection::resolve`] checks it against a snapshot's schema; only
//! the resolved form builds. Building runs in parallel with rayon and is deterministic: the same
//! snapshot and definition give the same graph, bit for bit, for any thread count. [`cache`] keeps
//! built projections by canonical definition and snapshot identity, so the CLI, server and
//! analysis share them.

pub mod cache;
#[cfg(test)]
mod options_tests;
mod paths;

use std::time::Instant;

use graph_schema::{EntityTypeId, PropType, RelationTypeId, Schema};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::algo::{AdjGraph, AdjGraphError};
use crate::graph::{Graph, NodeId, Value};

pub use cache::{CacheStats, ProjectionCache, SnapshotIdentity};
use paths::MetaPath;
pub use paths::PathDef;

/// Identifiers held by more than this many nodes are skipped unless a definition says otherwise.
pub const DEFAULT_MAX_IDENTIFIER_DEGREE: u32 = 1000;
/// Skipped identifiers listed by name in a report (the rest are counted).
const LISTED_SKIPPED: usize = 10;
/// Identifier or source nodes per parallel task.
const NODES_PER_TASK: usize = 4096;

/// The names [`ProjectionDef::builtin`] knows.
pub const BUILTIN_NAMES: &[&str] = &["shared-identifiers", "shared-identifiers-log", "transfers", "ownership"];

/// How the links through one shared identifier are weighted, given `d`, its number of holders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentifierWeighting {
    /// `1/(d−1)`: each holder's links through the identifier add up to 1.
    #[default]
    InverseDegree,
    /// `1/ln d`: milder, for identifiers that are often shared by a household.
    InverseLogDegree,
    /// 1 for every link.
    Unit,
}

impl IdentifierWeighting {
    fn weight(self, holders: usize) -> f64 {
        match self {
            IdentifierWeighting::InverseDegree => 1.0 / (holders as f64 - 1.0),
            IdentifierWeighting::InverseLogDegree => 1.0 / (holders as f64).ln(),
            IdentifierWeighting::Unit => 1.0,
        }
    }

    fn name(self) -> &'static str {
        match self {
            IdentifierWeighting::InverseDegree => "inverse-degree",
            IdentifierWeighting::InverseLogDegree => "inverse-log-degree",
            IdentifierWeighting::Unit => "unit",
        }
    }
}

/// A projection as written, before it is checked against a schema.
///
/// ```toml
/// kind = "shared-identifiers"
/// nodes = ["person"]                      # default ["person"]
/// identifiers = ["phone", "address"]      # default: every `shared` entity type not in `nodes`
/// relations = ["has_phone", "lives_at"]   # default: any relation
/// weighting = "inverse-degree"            # or "inverse-log-degree", "unit"
/// max_identifier_degree = 1000
/// keep_isolated = false                   # keep nodes with no link, as singletons
/// # Skip identifiers that a node of a type not in `nodes` also holds through one of `relations`
/// # (a phone a company uses too); counted in the report. List `relations` when setting this:
/// # with any relation, an account's `paid_to` claims would count as other holders.
/// skip_identifiers_held_by_other_types = false
///
/// # Meta-paths, any number: links along a chain of relations, added to the identifier links.
/// # The node before the last step is the meeting node (here the account): each distinct node of
/// # `nodes` that reaches it along the leading steps (a claimant) and is not itself at the end of
/// # the last step is linked to each distinct one that is (a holder), with `weight`, once per
/// # meeting node. Meeting nodes with more such sources than `max_sources` (default
/// # `max_identifier_degree`) are skipped and counted in the report.
/// [[paths]]
/// relations = ["claimed", "paid_to", "~holds_account"]   # `~` walks a relation backwards
/// weight = 1.0                                           # default 1
/// max_sources = 25
/// ```
///
/// ```toml
/// kind = "relations"
/// nodes = ["account"]
/// relations = ["transfer"]
/// directed = true                         # default false
/// weight = "amount"                       # an int or decimal property, summed; omit to count edges
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ProjectionDef {
    /// Nodes linked through identifiers they share.
    SharedIdentifiers(SharedIdentifiersDef),
    /// Nodes linked by chosen relations.
    Relations(RelationsDef),
}

/// The fields of a `shared-identifiers` projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedIdentifiersDef {
    /// Entity types of the projected nodes.
    #[serde(default = "default_nodes")]
    pub nodes: Vec<String>,
    /// Identifier entity types; empty means every `shared` type not in `nodes`.
    #[serde(default)]
    pub identifiers: Vec<String>,
    /// Relations that make a node an identifier's holder; empty means any.
    #[serde(default)]
    pub relations: Vec<String>,
    /// How links are weighted.
    #[serde(default)]
    pub weighting: IdentifierWeighting,
    /// Identifiers with more holders than this are skipped and reported.
    #[serde(default = "default_cap")]
    pub max_identifier_degree: u32,
    /// Keep nodes with no link (as vertices without edges).
    #[serde(default)]
    pub keep_isolated: bool,
    /// Skip identifiers that a node of a type outside `nodes` also holds through one of
    /// `relations` (a phone a company uses too), and report them.
    #[serde(default)]
    pub skip_identifiers_held_by_other_types: bool,
    /// Chains of relations whose two ends are linked too.
    #[serde(default)]
    pub paths: Vec<PathDef>,
}

/// The fields of a `relations` projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationsDef {
    /// Entity types of the projected nodes; edges to other types are left out.
    pub nodes: Vec<String>,
    /// Relation types that become edges.
    pub relations: Vec<String>,
    /// Keep edge direction; otherwise `a → b` and `b → a` add up to one undirected edge.
    #[serde(default)]
    pub directed: bool,
    /// A numeric edge property summed per pair as the weight; none counts edges.
    #[serde(default)]
    pub weight: Option<String>,
    /// Keep nodes with no edge (as vertices without edges).
    #[serde(default)]
    pub keep_isolated: bool,
}

fn default_nodes() -> Vec<String> {
    vec!["person".to_owned()]
}

fn default_cap() -> u32 {
    DEFAULT_MAX_IDENTIFIER_DEGREE
}

impl ProjectionDef {
    /// A built-in projection by name (see [`BUILTIN_NAMES`]).
    pub fn builtin(name: &str) -> Option<ProjectionDef> {
        let shared = |weighting| {
            ProjectionDef::SharedIdentifiers(SharedIdentifiersDef {
                nodes: default_nodes(),
                identifiers: Vec::new(),
                relations: Vec::new(),
                weighting,
                max_identifier_degree: DEFAULT_MAX_IDENTIFIER_DEGREE,
                keep_isolated: false,
                skip_identifiers_held_by_other_types: false,
                paths: Vec::new(),
            })
        };
        let strings = |names: &[&str]| names.iter().map(|&name| name.to_owned()).collect();
        Some(match name {
            "shared-identifiers" => shared(IdentifierWeighting::InverseDegree),
            "shared-identifiers-log" => shared(IdentifierWeighting::InverseLogDegree),
            "transfers" => ProjectionDef::Relations(RelationsDef {
                nodes: strings(&["account"]),
                relations: strings(&["transfer"]),
                directed: true,
                weight: Some("amount".to_owned()),
                keep_isolated: false,
            }),
            "ownership" => ProjectionDef::Relations(RelationsDef {
                nodes: strings(&["person", "company"]),
                relations: strings(&["shareholder_of"]),
                directed: true,
                weight: None,
                keep_isolated: false,
            }),
            _ => return None,
        })
    }

    /// Parses a projection file; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<ProjectionDef, ProjectionError> {
        toml::from_str(text).map_err(|error| ProjectionError::Toml {
            origin: origin.to_owned(),
            line: error.span().map_or(1, |span| graph_schema::line_of(text, span.start)),
            message: error.message().to_owned(),
        })
    }
}

/// Why a projection could not be resolved or built.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// A name that is neither a built-in nor a file.
    #[error("no built-in projection `{name}`; built-ins: {}; or give a TOML file", BUILTIN_NAMES.join(", "))]
    UnknownBuiltin {
        /// The name given.
        name: String,
    },
    /// A projection file that does not parse.
    #[error("{origin}:{line}: {message}")]
    Toml {
        /// The file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An entity type the schema does not have.
    #[error("unknown entity type `{name}`; known: {known}")]
    UnknownEntityType {
        /// The name given.
        name: String,
        /// The schema's entity types.
        known: String,
    },
    /// A relation type the schema does not have.
    #[error("unknown relation type `{name}`; known: {known}")]
    UnknownRelationType {
        /// The name given.
        name: String,
        /// The schema's relation types.
        known: String,
    },
    /// A required list is empty.
    #[error("`{field}` is empty: name at least one type")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// No identifier types: none given and no `shared` type outside `nodes`.
    #[error(
        "no identifier types: the schema marks no entity type `shared` besides the projected nodes; list `identifiers`"
    )]
    NoIdentifierTypes,
    /// A type listed both as node and identifier.
    #[error("`{name}` is both a node type and an identifier type")]
    IdentifierIsNode {
        /// The type.
        name: String,
    },
    /// A degree cap below 2 would skip every identifier.
    #[error("max_identifier_degree = {cap} skips every identifier; use 2 or more")]
    DegreeCap {
        /// The value given.
        cap: u32,
    },
    /// The weight property is missing on a chosen relation.
    #[error("relation `{relation}` has no property `{property}` to weigh by; its properties: {known}")]
    NoWeightProperty {
        /// The relation.
        relation: String,
        /// The property named as weight.
        property: String,
        /// The relation's properties.
        known: String,
    },
    /// The weight property is not a number.
    #[error("property `{property}` of `{relation}` is not an int or decimal and cannot be a weight")]
    WeightNotNumeric {
        /// The relation.
        relation: String,
        /// The property.
        property: String,
    },
    /// A path weight that is not a positive number.
    #[error("paths: weight = {weight} must be a number above 0")]
    PathWeight {
        /// The value given.
        weight: f64,
    },
    /// A path cap of 0 would skip every meeting node.
    #[error("paths: max_sources = 0 skips every meeting node; use 1 or more")]
    PathSources,
    /// The projected graph could not be built (more nodes than `u32` ids).
    #[error(transparent)]
    Graph(#[from] AdjGraphError),
}

/// A projection checked against a schema, ready to build.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    kind: Kind,
    canonical: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Shared {
        nodes: Vec<EntityTypeId>,
        identifiers: Vec<EntityTypeId>,
        /// `None`: any relation.
        relations: Option<Vec<RelationTypeId>>,
        weighting: IdentifierWeighting,
        cap: u32,
        keep_isolated: bool,
        skip_other_types: bool,
        paths: Vec<MetaPath>,
    },
    Relations {
        nodes: Vec<EntityTypeId>,
        /// Each relation with the index of its weight property, if weighted.
        relations: Vec<(RelationTypeId, Option<usize>)>,
        directed: bool,
        keep_isolated: bool,
    },
}

fn entity_ids(schema: &Schema, names: &[String], field: &'static str) -> Result<Vec<EntityTypeId>, ProjectionError> {
    if names.is_empty() {
        return Err(ProjectionError::Empty { field });
    }
    let mut ids = names
        .iter()
        .map(|name| {
            schema.entity_id(name).ok_or_else(|| ProjectionError::UnknownEntityType {
                name: name.clone(),
                known: schema.entities.iter().map(|entity| entity.name.as_str()).collect::<Vec<_>>().join(", "),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn relation_ids(schema: &Schema, names: &[String]) -> Result<Vec<RelationTypeId>, ProjectionError> {
    let mut ids = names
        .iter()
        .map(|name| {
            schema.relation_id(name).ok_or_else(|| ProjectionError::UnknownRelationType {
                name: name.clone(),
                known: schema.relations.iter().map(|relation| relation.name.as_str()).collect::<Vec<_>>().join(", "),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

impl Projection {
    /// Checks `definition` against `schema`: every type named must exist, a weight property must
    /// be numeric on every chosen relation.
    pub fn resolve(definition: &ProjectionDef, schema: &Schema) -> Result<Projection, ProjectionError> {
        let entity_names = |ids: &[EntityTypeId]| {
            let mut names: Vec<&str> = ids.iter().map(|&id| schema.entity(id).name.as_str()).collect();
            names.sort_unstable();
            names.join(",")
        };
        let relation_names = |ids: &[RelationTypeId]| {
            let mut names: Vec<&str> = ids.iter().map(|&id| schema.relation(id).name.as_str()).collect();
            names.sort_unstable();
            names.join(",")
        };
        match definition {
            ProjectionDef::SharedIdentifiers(def) => {
                let nodes = entity_ids(schema, &def.nodes, "nodes")?;
                let identifiers = if def.identifiers.is_empty() {
                    let shared: Vec<EntityTypeId> = (0..schema.entities.len() as u16)
                        .map(EntityTypeId)
                        .filter(|&id| schema.entity(id).shared && !nodes.contains(&id))
                        .collect();
                    if shared.is_empty() {
                        return Err(ProjectionError::NoIdentifierTypes);
                    }
                    shared
                } else {
                    entity_ids(schema, &def.identifiers, "identifiers")?
                };
                if let Some(&both) = identifiers.iter().find(|id| nodes.contains(id)) {
                    return Err(ProjectionError::IdentifierIsNode { name: schema.entity(both).name.clone() });
                }
                if def.max_identifier_degree < 2 {
                    return Err(ProjectionError::DegreeCap { cap: def.max_identifier_degree });
                }
                let relations =
                    if def.relations.is_empty() { None } else { Some(relation_ids(schema, &def.relations)?) };
                let paths = def
                    .paths
                    .iter()
                    .map(|path| MetaPath::resolve(path, schema, &nodes, def.max_identifier_degree))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut canonical = format!(
                    "shared-identifiers nodes={} identifiers={} relations={} weighting={} max_identifier_degree={} keep_isolated={}",
                    entity_names(&nodes),
                    entity_names(&identifiers),
                    relations.as_deref().map_or_else(|| "*".to_owned(), relation_names),
                    def.weighting.name(),
                    def.max_identifier_degree,
                    def.keep_isolated,
                );
                // The options added later appear only when set, so older cache keys stay valid.
                if def.skip_identifiers_held_by_other_types {
                    canonical.push_str(" skip_identifiers_held_by_other_types=true");
                }
                if !paths.is_empty() {
                    // Links are summed in a fixed order, so the order of paths does not matter.
                    let mut written: Vec<&str> = paths.iter().map(MetaPath::canonical).collect();
                    written.sort_unstable();
                    canonical.push_str(&format!(" paths={}", written.join(";")));
                }
                Ok(Projection {
                    kind: Kind::Shared {
                        nodes,
                        identifiers,
                        relations,
                        weighting: def.weighting,
                        cap: def.max_identifier_degree,
                        keep_isolated: def.keep_isolated,
                        skip_other_types: def.skip_identifiers_held_by_other_types,
                        paths,
                    },
                    canonical,
                })
            }
            ProjectionDef::Relations(def) => {
                let nodes = entity_ids(schema, &def.nodes, "nodes")?;
                if def.relations.is_empty() {
                    return Err(ProjectionError::Empty { field: "relations" });
                }
                let ids = relation_ids(schema, &def.relations)?;
                let mut relations = Vec::with_capacity(ids.len());
                for id in ids {
                    let relation = schema.relation(id);
                    let prop = match &def.weight {
                        None => None,
                        Some(property) => {
                            let index = relation.properties.iter().position(|prop| &prop.name == property).ok_or_else(
                                || ProjectionError::NoWeightProperty {
                                    relation: relation.name.clone(),
                                    property: property.clone(),
                                    known: relation
                                        .properties
                                        .iter()
                                        .map(|prop| prop.name.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", "),
                                },
                            )?;
                            if !matches!(relation.properties[index].ty, PropType::Int | PropType::Decimal) {
                                return Err(ProjectionError::WeightNotNumeric {
                                    relation: relation.name.clone(),
                                    property: property.clone(),
                                });
                            }
                            Some(index)
                        }
                    };
                    relations.push((id, prop));
                }
                let relation_list: Vec<RelationTypeId> = relations.iter().map(|&(id, _)| id).collect();
                let canonical = format!(
                    "relations nodes={} relations={} directed={} weight={} keep_isolated={}",
                    entity_names(&nodes),
                    relation_names(&relation_list),
                    def.directed,
                    def.weight.as_deref().unwrap_or("count"),
                    def.keep_isolated,
                );
                Ok(Projection {
                    kind: Kind::Relations {
                        nodes,
                        relations,
                        directed: def.directed,
                        keep_isolated: def.keep_isolated,
                    },
                    canonical,
                })
            }
        }
    }

    /// The definition in a canonical text form: equal for definitions that build the same graph
    /// (type lists sorted, defaults filled in). The cache key.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// Whether the projected graph is directed.
    pub fn is_directed(&self) -> bool {
        matches!(self.kind, Kind::Relations { directed: true, .. })
    }

    /// Whether a shared-identifiers projection leaves `identifier` out of `graph`'s projection
    /// for having more holders than the cap or, when asked, a holder of another type. Always
    /// false for a relations projection.
    pub fn skips_identifier(&self, graph: &Graph, identifier: NodeId) -> bool {
        let Kind::Shared { nodes, relations, weighting, cap, skip_other_types, .. } = &self.kind else {
            return false;
        };
        let shared = SharedLinks::new(graph, nodes, relations.as_deref(), *weighting, *cap, *skip_other_types);
        let mut holders = Vec::new();
        let other_type = shared.holders(identifier, &mut holders);
        (other_type && shared.skip_other_types) || holders.len() > shared.cap as usize
    }

    /// Builds the projected graph of `graph`, in parallel.
    pub fn build(&self, graph: &Graph) -> Result<Projected, ProjectionError> {
        let started = Instant::now();
        let mut report = ProjectionReport { canonical: self.canonical.clone(), ..ProjectionReport::default() };
        let (links, nodes, keep_isolated, directed) = match &self.kind {
            Kind::Shared { nodes, identifiers, relations, weighting, cap, keep_isolated, skip_other_types, paths } => {
                let shared = SharedLinks::new(graph, nodes, relations.as_deref(), *weighting, *cap, *skip_other_types);
                let mut links = shared.links(identifiers, &mut report);
                for path in paths {
                    links.extend(path.links(graph, &shared.is_node, &mut report));
                }
                (links, nodes, *keep_isolated, false)
            }
            Kind::Relations { nodes, relations, directed, keep_isolated } => {
                let is_node = type_mask(graph, nodes);
                let mut weight_of: Vec<Option<Option<usize>>> = vec![None; graph.schema().relations.len()];
                for &(id, prop) in relations {
                    weight_of[id.0 as usize] = Some(prop);
                }
                let links = relation_links(graph, nodes, &is_node, &weight_of, *directed, &mut report);
                (links, nodes, *keep_isolated, *directed)
            }
        };
        let projected = assemble(graph, links, nodes, keep_isolated, directed, report, started)?;
        Ok(projected)
    }
}

/// Per entity type of `graph`, whether it is one of `types`.
fn type_mask(graph: &Graph, types: &[EntityTypeId]) -> Vec<bool> {
    let mut mask = vec![false; graph.schema().entities.len()];
    types.iter().for_each(|id| mask[id.0 as usize] = true);
    mask
}

/// Per relation type of `graph`, whether it is one of `relations`; `None` for any relation.
fn relation_mask(graph: &Graph, relations: Option<&[RelationTypeId]>) -> Option<Vec<bool>> {
    relations.map(|ids| {
        let mut mask = vec![false; graph.schema().relations.len()];
        ids.iter().for_each(|id| mask[id.0 as usize] = true);
        mask
    })
}

/// One projected edge before assembly: node ids, weight.
type Link = (u32, u32, f64);

/// The links of a shared-identifiers projection.
struct SharedLinks<'a> {
    graph: &'a Graph,
    is_node: Vec<bool>,
    allowed: Option<Vec<bool>>,
    weighting: IdentifierWeighting,
    cap: u32,
    skip_other_types: bool,
}

impl<'a> SharedLinks<'a> {
    fn new(
        graph: &'a Graph,
        nodes: &[EntityTypeId],
        relations: Option<&[RelationTypeId]>,
        weighting: IdentifierWeighting,
        cap: u32,
        skip_other_types: bool,
    ) -> SharedLinks<'a> {
        SharedLinks {
            graph,
            is_node: type_mask(graph, nodes),
            allowed: relation_mask(graph, relations),
            weighting,
            cap,
            skip_other_types,
        }
    }

    fn links(&self, identifiers: &[EntityTypeId], report: &mut ProjectionReport) -> Vec<Link> {
        let ids: Vec<u32> = identifiers.iter().flat_map(|&ty| self.graph.type_range(ty)).collect();
        // Per task: links, skipped identifiers with their holder counts, identifiers used,
        // identifiers skipped for a holder of another type.
        type Part = (Vec<Link>, Vec<(u32, u32)>, u64, u64);
        let parts: Vec<Part> = ids
            .par_chunks(NODES_PER_TASK)
            .map(|chunk| {
                let mut links = Vec::new();
                let mut skipped = Vec::new();
                let mut holders: Vec<u32> = Vec::new();
                let mut held = 0u64;
                let mut other_typed = 0u64;
                for &identifier in chunk {
                    let other_type = self.holders(NodeId(identifier), &mut holders);
                    let degree = holders.len();
                    if degree < 2 {
                        continue;
                    }
                    if other_type && self.skip_other_types {
                        other_typed += 1;
                        continue;
                    }
                    if degree > self.cap as usize {
                        skipped.push((identifier, degree as u32));
                        continue;
                    }
                    held += 1;
                    let weight = self.weighting.weight(degree);
                    for (index, &a) in holders.iter().enumerate() {
                        links.extend(holders[index + 1..].iter().map(|&b| (a, b, weight)));
                    }
                }
                (links, skipped, held, other_typed)
            })
            .collect();
        let mut skipped: Vec<(u32, u32)> = Vec::new();
        let mut links = Vec::with_capacity(parts.iter().map(|part| part.0.len()).sum());
        for (part_links, part_skipped, held, other_typed) in parts {
            links.extend_from_slice(&part_links);
            skipped.extend_from_slice(&part_skipped);
            report.source_links += held;
            report.skipped_held_by_other_types += other_typed;
        }
        report.skipped_identifiers = skipped.len() as u64;
        skipped.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        report.largest_skipped =
            skipped.iter().take(LISTED_SKIPPED).map(|&(id, degree)| (NodeId(id), degree)).collect();
        links
    }

    /// The distinct projected nodes linked to `identifier` by an allowed relation, sorted, into
    /// `holders`; returns whether a node of another type is linked to it by an allowed relation.
    fn holders(&self, identifier: NodeId, holders: &mut Vec<u32>) -> bool {
        holders.clear();
        let mut other_type = false;
        let graph = self.graph;
        for adjacent in graph.out_edges(identifier).chain(graph.in_edges(identifier)) {
            if self.allowed.as_ref().is_some_and(|allowed| !allowed[adjacent.relation.0 as usize]) {
                continue;
            }
            if self.is_node[graph.node_type(adjacent.other).0 as usize] {
                holders.push(adjacent.other.0);
            } else {
                other_type = true;
            }
        }
        holders.sort_unstable();
        holders.dedup();
        other_type
    }
}

/// The links of a relations projection: every chosen edge between projected nodes.
fn relation_links(
    graph: &Graph,
    nodes: &[EntityTypeId],
    is_node: &[bool],
    weight_of: &[Option<Option<usize>>],
    directed: bool,
    report: &mut ProjectionReport,
) -> Vec<Link> {
    let sources: Vec<u32> = nodes.iter().flat_map(|&ty| graph.type_range(ty)).collect();
    let parts: Vec<(Vec<Link>, u64)> = sources
        .par_chunks(NODES_PER_TASK)
        .map(|chunk| {
            let mut links = Vec::new();
            let mut missing = 0u64;
            for &source in chunk {
                for adjacent in graph.out_edges(NodeId(source)) {
                    let Some(prop) = weight_of[adjacent.relation.0 as usize] else { continue };
                    if !is_node[graph.node_type(adjacent.other).0 as usize] {
                        continue;
                    }
                    let weight = match prop {
                        None => 1.0,
                        Some(prop) => match graph.edge_prop(adjacent.edge, prop) {
                            Value::Int(value) if value >= 0 => value as f64,
                            Value::Decimal(cents) if cents >= 0 => cents as f64 / 100.0,
                            _ => {
                                missing += 1;
                                0.0
                            }
                        },
                    };
                    let target = adjacent.other.0;
                    let (a, b) = if directed || source <= target { (source, target) } else { (target, source) };
                    links.push((a, b, weight));
                }
            }
            (links, missing)
        })
        .collect();
    let mut links = Vec::with_capacity(parts.iter().map(|part| part.0.len()).sum());
    for (part_links, missing) in parts {
        report.source_links += part_links.len() as u64;
        report.missing_weights += missing;
        links.extend_from_slice(&part_links);
    }
    links
}

/// Sums links per pair, picks the dense node set and builds the [`AdjGraph`].
fn assemble(
    graph: &Graph,
    mut links: Vec<Link>,
    node_types: &[EntityTypeId],
    keep_isolated: bool,
    directed: bool,
    mut report: ProjectionReport,
    started: Instant,
) -> Result<Projected, ProjectionError> {
    // Sorting by weight too makes the order of equal pairs, and so their float sum, fixed.
    links.par_sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
    let mut merged: Vec<Link> = Vec::with_capacity(links.len());
    for (a, b, weight) in links {
        match merged.last_mut() {
            Some(last) if last.0 == a && last.1 == b => last.2 += weight,
            _ => merged.push((a, b, weight)),
        }
    }
    let n_typed: u64 = node_types.iter().map(|&ty| graph.type_range(ty).len() as u64).sum();
    let nodes: Vec<NodeId> = if keep_isolated {
        let mut all: Vec<NodeId> = node_types.iter().flat_map(|&ty| graph.type_range(ty)).map(NodeId).collect();
        all.sort_unstable();
        all
    } else {
        let mut used = vec![false; graph.n_nodes()];
        for &(a, b, _) in &merged {
            used[a as usize] = true;
            used[b as usize] = true;
        }
        (0..graph.n_nodes() as u32).filter(|&id| used[id as usize]).map(NodeId).collect()
    };
    report.isolated_dropped = n_typed - nodes.len() as u64;
    let mut dense = vec![u32::MAX; graph.n_nodes()];
    for (index, node) in nodes.iter().enumerate() {
        dense[node.0 as usize] = index as u32;
    }
    let edges: Vec<(u32, u32)> = merged.par_iter().map(|&(a, b, _)| (dense[a as usize], dense[b as usize])).collect();
    let weights: Vec<f64> = merged.par_iter().map(|&(_, _, weight)| weight).collect();
    drop(dense);
    let adjacency = AdjGraph::try_from_edges(nodes.len(), &edges, Some(&weights), directed)?;
    report.n_nodes = nodes.len() as u32;
    report.n_edges = edges.len() as u64;
    report.build_seconds = started.elapsed().as_secs_f64();
    Ok(Projected { graph: adjacency, nodes, report })
}

/// A built projection: the graph, and the node behind each of its vertices.
#[derive(Debug, Clone, PartialEq)]
pub struct Projected {
    /// The projected graph; vertex `i` is `nodes[i]`. Undirected unless the definition says
    /// `directed`; weighted always.
    pub graph: AdjGraph,
    /// The snapshot node of each vertex, ascending.
    pub nodes: Vec<NodeId>,
    /// What the build did.
    pub report: ProjectionReport,
}

impl Projected {
    /// The snapshot node of vertex `vertex`.
    pub fn node(&self, vertex: u32) -> NodeId {
        self.nodes[vertex as usize]
    }

    /// The vertex of `node`, if the projection has it.
    pub fn vertex(&self, node: NodeId) -> Option<u32> {
        self.nodes.binary_search(&node).ok().map(|index| index as u32)
    }
}

/// What building a projection did.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ProjectionReport {
    /// The canonical definition.
    pub canonical: String,
    /// Vertices of the projected graph.
    pub n_nodes: u32,
    /// Edges of the projected graph (after summing per pair).
    pub n_edges: u64,
    /// Typed edges used (relations), or identifiers that linked two or more nodes (shared).
    pub source_links: u64,
    /// Identifiers skipped for having more holders than the cap.
    pub skipped_identifiers: u64,
    /// The most-held skipped identifiers, with their holder counts, most first.
    pub largest_skipped: Vec<(NodeId, u32)>,
    /// Identifiers skipped because a node of a type outside the projection also holds them
    /// (`skip_identifiers_held_by_other_types`).
    pub skipped_held_by_other_types: u64,
    /// Meeting nodes of meta-paths that linked at least one pair.
    pub path_meetings: u64,
    /// Meeting nodes of meta-paths skipped for having more sources than the path's cap.
    pub skipped_meetings: u64,
    /// Nodes of the projected types left out for having no link.
    pub isolated_dropped: u64,
    /// Edges whose weight property was missing, invalid or negative, counted with weight 0.
    pub missing_weights: u64,
    /// Seconds the build took.
    pub build_seconds: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_parse_and_unknown_fields_are_refused_with_a_line() {
        let def = ProjectionDef::from_toml(
            "kind = \"shared-identifiers\"\nidentifiers = [\"phone\"]\nweighting = \"unit\"\n",
            "p.toml",
        )
        .unwrap();
        let ProjectionDef::SharedIdentifiers(shared) = &def else { panic!("{def:?}") };
        assert_eq!(shared.nodes, vec!["person"]);
        assert_eq!(shared.weighting, IdentifierWeighting::Unit);
        assert_eq!(shared.max_identifier_degree, DEFAULT_MAX_IDENTIFIER_DEGREE);
        let error = ProjectionDef::from_toml(
            "kind = \"relations\"\nnodes = [\"account\"]\nrelations = [\"transfer\"]\ncolour = 1\n",
            "q.toml",
        )
        .unwrap_err();
        assert!(error.to_string().contains("colour"), "{error}");
        assert!(error.to_string().starts_with("q.toml:"), "{error}");
        assert!(ProjectionDef::from_toml("kind = \"nearby\"\n", "r.toml").is_err());
    }

    #[test]
    fn builtins_resolve_against_the_builtin_schema_with_canonical_forms() {
        let schema = Schema::builtin();
        for name in BUILTIN_NAMES {
            let projection = Projection::resolve(&ProjectionDef::builtin(name).unwrap(), &schema).unwrap();
            assert!(!projection.canonical().is_empty());
        }
        assert!(ProjectionDef::builtin("nope").is_none());
        let shared = Projection::resolve(&ProjectionDef::builtin("shared-identifiers").unwrap(), &schema).unwrap();
        assert_eq!(
            shared.canonical(),
            "shared-identifiers nodes=person identifiers=account,address,phone relations=* weighting=inverse-degree max_identifier_degree=1000 keep_isolated=false"
        );
        // Order and repetition of names do not change the canonical form.
        let def = |nodes: &[&str]| {
            ProjectionDef::Relations(RelationsDef {
                nodes: nodes.iter().map(|&n| n.to_owned()).collect(),
                relations: vec!["shareholder_of".into()],
                directed: true,
                weight: None,
                keep_isolated: false,
            })
        };
        assert_eq!(
            Projection::resolve(&def(&["person", "company"]), &schema).unwrap().canonical(),
            Projection::resolve(&def(&["company", "person", "company"]), &schema).unwrap().canonical()
        );
    }

    #[test]
    fn bad_definitions_are_refused_with_what_is_valid() {
        let schema = Schema::builtin();
        let relations = |nodes: &[&str], relations: &[&str], weight: Option<&str>| {
            ProjectionDef::Relations(RelationsDef {
                nodes: nodes.iter().map(|&n| n.to_owned()).collect(),
                relations: relations.iter().map(|&n| n.to_owned()).collect(),
                directed: false,
                weight: weight.map(str::to_owned),
                keep_isolated: false,
            })
        };
        let error = Projection::resolve(&relations(&["persn"], &["transfer"], None), &schema).unwrap_err();
        assert!(matches!(error, ProjectionError::UnknownEntityType { .. }) && error.to_string().contains("person"));
        let error = Projection::resolve(&relations(&["account"], &["transfr"], None), &schema).unwrap_err();
        assert!(matches!(error, ProjectionError::UnknownRelationType { .. }));
        let error = Projection::resolve(&relations(&["account"], &["transfer"], Some("amout")), &schema).unwrap_err();
        assert!(matches!(error, ProjectionError::NoWeightProperty { .. }) && error.to_string().contains("amount"));
        let error = Projection::resolve(&relations(&["account"], &["transfer"], Some("time")), &schema).unwrap_err();
        assert!(matches!(error, ProjectionError::WeightNotNumeric { .. }));
        let error = Projection::resolve(&relations(&[], &["transfer"], None), &schema).unwrap_err();
        assert!(matches!(error, ProjectionError::Empty { field: "nodes" }));
        let shared = |identifiers: &[&str], cap: u32| {
            ProjectionDef::SharedIdentifiers(SharedIdentifiersDef {
                nodes: vec!["person".into()],
                identifiers: identifiers.iter().map(|&n| n.to_owned()).collect(),
                relations: Vec::new(),
                weighting: IdentifierWeighting::InverseDegree,
                max_identifier_degree: cap,
                keep_isolated: false,
                skip_identifiers_held_by_other_types: false,
                paths: Vec::new(),
            })
        };
        assert!(matches!(
            Projection::resolve(&shared(&["person"], 10), &schema),
            Err(ProjectionError::IdentifierIsNode { .. })
        ));
        assert!(matches!(Projection::resolve(&shared(&[], 1), &schema), Err(ProjectionError::DegreeCap { cap: 1 })));
    }

    #[test]
    fn identifier_weights() {
        assert_eq!(IdentifierWeighting::InverseDegree.weight(5), 0.25);
        assert!((IdentifierWeighting::InverseLogDegree.weight(2) - 1.0 / 2f64.ln()).abs() < 1e-15);
        assert_eq!(IdentifierWeighting::Unit.weight(100), 1.0);
    }
}
