//! Meta-path links: two projected nodes linked because a chain of relations leads from one to the
//! other, such as person `claimed` claim `paid_to` account `~holds_account` person.
//!
//! A path's last step leaves from its *meeting node* (the account above). Every distinct projected
//! node that reaches a meeting node along the leading steps is a *source*; every distinct projected
//! node one last step away is an *end*. Sources that are also ends of the same meeting node are left
//! out (a person paid into their own account links no one), and each remaining source is linked to
//! each end once per meeting node, with the path's weight. A meeting node with more sources than
//! the path's cap is skipped and counted, as a shared identifier with too many holders is: an
//! account that pays a whole hospital's patients says nothing about any two of them.
//!
//! The walk starts from the meeting nodes, so each one is handled alone and they run in parallel.

use graph_schema::{EntityTypeId, RelationTypeId, Schema};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{relation_ids, Link, ProjectionError, ProjectionReport, NODES_PER_TASK};
use crate::graph::{Graph, NodeId};

/// A chain of relations whose two ends become linked, as written in a projection file.
///
/// ```toml
/// [[paths]]
/// relations = ["claimed", "paid_to", "~holds_account"]   # `~` walks a relation backwards
/// weight = 1.0                                           # default 1
/// max_sources = 25                                       # default: max_identifier_degree
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathDef {
    /// Relation types from one projected node to the other, in order; `~name` walks `name` from
    /// its target to its source.
    pub relations: Vec<String>,
    /// What one meeting node adds to each pair it links.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Meeting nodes reached from more distinct sources than this are skipped and reported;
    /// `None` takes the projection's `max_identifier_degree`.
    #[serde(default)]
    pub max_sources: Option<u32>,
}

fn default_weight() -> f64 {
    1.0
}

/// One step of a resolved path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Step {
    relation: RelationTypeId,
    /// Walks the relation from its target to its source.
    backwards: bool,
}

/// A path checked against a schema.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct MetaPath {
    steps: Vec<Step>,
    weight: f64,
    max_sources: u32,
    /// Types a meeting node can have; empty means any.
    meeting_types: Vec<EntityTypeId>,
    canonical: String,
}

impl MetaPath {
    /// Checks `def` against `schema`; `default_cap` is the projection's identifier cap.
    pub(super) fn resolve(
        def: &PathDef,
        schema: &Schema,
        nodes: &[EntityTypeId],
        default_cap: u32,
    ) -> Result<MetaPath, ProjectionError> {
        if def.relations.is_empty() {
            return Err(ProjectionError::Empty { field: "paths.relations" });
        }
        let mut steps = Vec::with_capacity(def.relations.len());
        for written in &def.relations {
            let (name, backwards) = match written.strip_prefix('~') {
                Some(name) => (name, true),
                None => (written.as_str(), false),
            };
            let relation = relation_ids(schema, &[name.to_owned()])?[0];
            steps.push(Step { relation, backwards });
        }
        if !(def.weight.is_finite() && def.weight > 0.0) {
            return Err(ProjectionError::PathWeight { weight: def.weight });
        }
        let max_sources = def.max_sources.unwrap_or(default_cap);
        if max_sources == 0 {
            return Err(ProjectionError::PathSources);
        }
        // The meeting node is where the leading steps arrive: a projected node when there are none.
        let meeting_types = match steps.len().checked_sub(2).map(|index| steps[index]) {
            None => nodes.to_vec(),
            Some(step) => {
                let relation = schema.relation(step.relation);
                let mut types = if step.backwards { relation.from.clone() } else { relation.to.clone() };
                types.sort_unstable();
                types.dedup();
                types
            }
        };
        let written: Vec<String> = steps
            .iter()
            .map(|step| format!("{}{}", if step.backwards { "~" } else { "" }, schema.relation(step.relation).name))
            .collect();
        let canonical = format!("{}:weight={}:max_sources={max_sources}", written.join(">"), def.weight);
        Ok(MetaPath { steps, weight: def.weight, max_sources, meeting_types, canonical })
    }

    /// The path in canonical text form, for the projection's cache key.
    pub(super) fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The links of this path in `graph` between nodes whose type `is_node` marks.
    pub(super) fn links(&self, graph: &Graph, is_node: &[bool], report: &mut ProjectionReport) -> Vec<Link> {
        let meetings: Vec<u32> = if self.meeting_types.is_empty() {
            (0..graph.n_nodes() as u32).collect()
        } else {
            self.meeting_types.iter().flat_map(|&ty| graph.type_range(ty)).collect()
        };
        // `resolve` refuses a path without steps.
        let Some((last, leading)) = self.steps.split_last() else { return Vec::new() };
        // Per task: links, meeting nodes used, meeting nodes skipped.
        let parts: Vec<(Vec<Link>, u64, u64)> = meetings
            .par_chunks(NODES_PER_TASK)
            .map(|chunk| {
                let mut links = Vec::new();
                let (mut used, mut skipped) = (0u64, 0u64);
                let (mut frontier, mut next, mut ends) = (Vec::new(), Vec::new(), Vec::new());
                for &meeting in chunk {
                    ends.clear();
                    neighbours(graph, NodeId(meeting), *last, false, &mut ends);
                    ends.retain(|&end| is_node[graph.node_type(NodeId(end)).0 as usize]);
                    if ends.is_empty() {
                        continue;
                    }
                    ends.sort_unstable();
                    ends.dedup();
                    // Walk the leading steps backwards from the meeting node to the sources.
                    frontier.clear();
                    frontier.push(meeting);
                    for &step in leading.iter().rev() {
                        next.clear();
                        for &node in &frontier {
                            neighbours(graph, NodeId(node), step, true, &mut next);
                        }
                        next.sort_unstable();
                        next.dedup();
                        std::mem::swap(&mut frontier, &mut next);
                        if frontier.is_empty() {
                            break;
                        }
                    }
                    let sources = &mut frontier;
                    sources.retain(|&source| {
                        is_node[graph.node_type(NodeId(source)).0 as usize] && ends.binary_search(&source).is_err()
                    });
                    if sources.is_empty() {
                        continue;
                    }
                    if sources.len() > self.max_sources as usize {
                        skipped += 1;
                        continue;
                    }
                    used += 1;
                    for &source in sources.iter() {
                        links.extend(ends.iter().map(|&end| (source.min(end), source.max(end), self.weight)));
                    }
                }
                (links, used, skipped)
            })
            .collect();
        let mut links = Vec::with_capacity(parts.iter().map(|part| part.0.len()).sum());
        for (part_links, used, skipped) in parts {
            links.extend_from_slice(&part_links);
            report.path_meetings += used;
            report.skipped_meetings += skipped;
        }
        links
    }
}

/// Appends the nodes one `step` away from `node` to `out`; `reverse` walks the step the other way.
fn neighbours(graph: &Graph, node: NodeId, step: Step, reverse: bool, out: &mut Vec<u32>) {
    // Forward along `r` is an out-edge of `r`; backwards (`~r`) is an in-edge; `reverse` swaps them.
    let along = |edge: &crate::graph::Adjacent| edge.relation == step.relation;
    if step.backwards != reverse {
        out.extend(graph.in_edges(node).filter(along).map(|edge| edge.other.0));
    } else {
        out.extend(graph.out_edges(node).filter(along).map(|edge| edge.other.0));
    }
}
