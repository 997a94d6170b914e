//! Who ultimately owns a company: `shareholder_of` edges walked upward from the company to its
//! ultimate owners (persons, or holders nobody holds shares in), multiplying the shares along
//! each chain; then the chains summed per owner into an effective stake.

use serde::{Deserialize, Serialize};

use crate::graph::{EdgeId, Graph, NodeId, Value};

/// The most chains one query returns; deeper group structures are cut here.
pub const MAX_CHAINS: usize = 10_000;

/// The deepest chain walked, whatever `max_depth` asks.
pub const MAX_OWNERSHIP_DEPTH: u32 = 64;

/// Why a chain stops where it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ChainEnd {
    /// At an ultimate owner: a person, or a holder with no shareholders of its own.
    UltimateOwner,
    /// The last node's shareholder `back_to` is already on the chain: circular ownership.
    Cycle {
        /// The shareholder that closes the loop.
        back_to: NodeId,
    },
    /// The last node has shareholders, but the chain reached `max_depth`.
    DepthLimit,
}

/// One chain of holdings from a company up to an owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnershipChain {
    /// The company first, the owner (or where the walk stopped) last.
    pub nodes: Vec<NodeId>,
    /// `edges[i]` is the `shareholder_of` edge from `nodes[i + 1]` to `nodes[i]`.
    pub edges: Vec<EdgeId>,
    /// The product of the shares along the chain as a fraction (0.515 for 51.5 %); `None` when a
    /// share on the chain is missing or invalid.
    pub fraction: Option<f64>,
    /// Why the chain stops.
    pub end: ChainEnd,
}

/// One ultimate owner's effective stake, summed over its chains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectiveOwner {
    /// The owner.
    pub owner: NodeId,
    /// Sum of the known chain fractions.
    pub fraction: f64,
    /// Chains reaching this owner.
    pub chains: usize,
    /// Of those, chains with a missing share, left out of `fraction`.
    pub unknown_share_chains: usize,
}

/// What the walk needs from the schema.
struct Ownership<'g> {
    g: &'g Graph,
    relation: graph_schema::RelationTypeId,
    share: Option<usize>,
    person: Option<graph_schema::EntityTypeId>,
}

impl Ownership<'_> {
    /// The shareholders of `node` with their edges, in (holder, edge) order.
    fn holders(&self, node: NodeId) -> impl Iterator<Item = (NodeId, EdgeId)> + '_ {
        self.g.in_edges(node).filter(move |a| a.relation == self.relation).map(|a| (a.other, a.edge))
    }

    /// The share of a holding as a fraction: the property holds hundredths of a percent.
    fn share(&self, edge: EdgeId) -> Option<f64> {
        match self.g.edge_prop(edge, self.share?) {
            Value::Decimal(hundredths) | Value::Int(hundredths) => Some(hundredths as f64 / 10_000.0),
            _ => None,
        }
    }

    fn is_ultimate(&self, node: NodeId) -> bool {
        Some(self.g.node_type(node)) == self.person || self.holders(node).next().is_none()
    }
}

/// Every chain from `company` up `shareholder_of` edges to an ultimate owner, at most
/// `max_depth` holdings long (capped at [`MAX_OWNERSHIP_DEPTH`]), stopping at cycles; at most
/// [`MAX_CHAINS`], in depth-first order of (holder id, edge id). Empty when nobody holds shares
/// in `company` or the schema has no `shareholder_of`.
pub fn ownership_chains(g: &Graph, company: NodeId, max_depth: u32) -> Vec<OwnershipChain> {
    let schema = g.schema();
    let Some(relation) = schema.relation_id("shareholder_of") else { return Vec::new() };
    if company.0 as usize >= g.n_nodes() || max_depth == 0 {
        return Vec::new();
    }
    let walk = Ownership {
        g,
        relation,
        share: schema.relation(relation).properties.iter().position(|p| p.name == "share"),
        person: schema.entity_id("person"),
    };
    let mut out = Vec::new();
    let mut nodes = vec![company];
    let mut edges = Vec::new();
    climb(&walk, max_depth.min(MAX_OWNERSHIP_DEPTH), &mut nodes, &mut edges, Some(1.0), &mut out);
    out
}

fn climb(
    walk: &Ownership<'_>,
    max_depth: u32,
    nodes: &mut Vec<NodeId>,
    edges: &mut Vec<EdgeId>,
    fraction: Option<f64>,
    out: &mut Vec<OwnershipChain>,
) {
    let Some(&node) = nodes.last() else { return };
    for (holder, edge) in walk.holders(node) {
        if out.len() >= MAX_CHAINS {
            return;
        }
        if nodes.contains(&holder) {
            let end = ChainEnd::Cycle { back_to: holder };
            out.push(OwnershipChain { nodes: nodes.clone(), edges: edges.clone(), fraction, end });
            continue;
        }
        let through = fraction.zip(walk.share(edge)).map(|(a, b)| a * b);
        nodes.push(holder);
        edges.push(edge);
        let depth = edges.len() as u32;
        if walk.is_ultimate(holder) || depth >= max_depth {
            let end = if walk.is_ultimate(holder) { ChainEnd::UltimateOwner } else { ChainEnd::DepthLimit };
            out.push(OwnershipChain { nodes: nodes.clone(), edges: edges.clone(), fraction: through, end });
        } else {
            climb(walk, max_depth, nodes, edges, through, out);
        }
        nodes.pop();
        edges.pop();
    }
}

/// Sums the chains that end at an ultimate owner, per owner: largest stake first, then owner id.
/// Chains cut by a cycle or the depth limit are left out; their holders are not ultimate owners.
pub fn effective_ownership(chains: &[OwnershipChain]) -> Vec<EffectiveOwner> {
    let mut owners: Vec<EffectiveOwner> = Vec::new();
    let mut index = rustc_hash::FxHashMap::default();
    for chain in chains.iter().filter(|c| c.end == ChainEnd::UltimateOwner) {
        let Some(&owner) = chain.nodes.last() else { continue };
        let slot = *index.entry(owner).or_insert_with(|| {
            owners.push(EffectiveOwner { owner, fraction: 0.0, chains: 0, unknown_share_chains: 0 });
            owners.len() - 1
        });
        let entry = &mut owners[slot];
        entry.chains += 1;
        match chain.fraction {
            Some(f) => entry.fraction += f,
            None => entry.unknown_share_chains += 1,
        }
    }
    owners.sort_by(|a, b| b.fraction.total_cmp(&a.fraction).then(a.owner.cmp(&b.owner)));
    owners
}
