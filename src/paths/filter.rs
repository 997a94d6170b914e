//! A [`PathQuery`] checked once against the graph and compiled into the predicates every search
//! asks per edge and per node: which edges may be followed, which nodes may be passed through.

use crate::graph::{Adjacent, EdgeId, Graph, NodeId};

use super::{PathError, PathQuery, MAX_HOPS};

/// Neighbours as [`Filter::neighbours`] yields them: straight from the arrays, or via edges.
pub(crate) enum Neighbours<'a, S> {
    /// Out-targets, then in-sources.
    Raw(std::slice::Iter<'a, u32>, std::slice::Iter<'a, u32>),
    /// Edges that pass the filter.
    Filtered(S),
}

impl<S: Iterator<Item = Adjacent>> Iterator for Neighbours<'_, S> {
    type Item = NodeId;

    #[inline]
    fn next(&mut self) -> Option<NodeId> {
        match self {
            Neighbours::Raw(outgoing, incoming) => outgoing.next().or_else(|| incoming.next()).map(|&n| NodeId(n)),
            Neighbours::Filtered(steps) => steps.next().map(|s| s.other),
        }
    }
}

/// The compiled query. Lookups are flat vectors indexed by type id, not searches in the query's lists.
pub(crate) struct Filter<'g> {
    pub(crate) g: &'g Graph,
    pub(crate) from: NodeId,
    pub(crate) to: NodeId,
    pub(crate) directed: bool,
    relations: Option<Vec<bool>>,
    node_types: Option<Vec<bool>>,
    window: Option<(i64, i64)>,
    max_degree: Option<usize>,
}

impl<'g> Filter<'g> {
    /// Validates the query: nodes exist and differ, type ids are in the schema, the window is not
    /// empty, the hop limit is within [`MAX_HOPS`].
    pub(crate) fn new(g: &'g Graph, q: &PathQuery) -> Result<Filter<'g>, PathError> {
        let n_nodes = g.n_nodes();
        for (param, node) in [("from", q.from), ("to", q.to)] {
            if node.0 as usize >= n_nodes {
                return Err(PathError::NoSuchNode { param, node, n_nodes });
            }
        }
        if q.from == q.to {
            return Err(PathError::SameNode { node: q.from });
        }
        if q.max_hops > MAX_HOPS {
            return Err(PathError::TooManyHops { max_hops: q.max_hops, limit: MAX_HOPS });
        }
        let schema = g.schema();
        let relations = match &q.relations {
            None => None,
            Some(wanted) => {
                let mut allowed = vec![false; schema.relations.len()];
                for &relation in wanted {
                    let slot = allowed
                        .get_mut(relation.0 as usize)
                        .ok_or(PathError::UnknownRelation { relation, n_relations: schema.relations.len() })?;
                    *slot = true;
                }
                Some(allowed)
            }
        };
        let node_types = match &q.node_types {
            None => None,
            Some(wanted) => {
                let mut allowed = vec![false; schema.entities.len()];
                for &entity in wanted {
                    let slot = allowed
                        .get_mut(entity.0 as usize)
                        .ok_or(PathError::UnknownNodeType { entity, n_types: schema.entities.len() })?;
                    *slot = true;
                }
                Some(allowed)
            }
        };
        let window = match (q.after, q.before) {
            (None, None) => None,
            (after, before) => {
                let (after, before) = (after.unwrap_or(i64::MIN), before.unwrap_or(i64::MAX));
                if after > before {
                    return Err(PathError::EmptyTimeWindow { after, before });
                }
                Some((after, before))
            }
        };
        Ok(Filter {
            g,
            from: q.from,
            to: q.to,
            directed: q.directed,
            relations,
            node_types,
            window,
            max_degree: q.skip_degree_above,
        })
    }

    /// Whether the edge's relation is wanted and its time, if it has one, is inside the window.
    #[inline]
    pub(crate) fn edge_ok(&self, adjacent: &Adjacent) -> bool {
        if let Some(allowed) = &self.relations {
            if !allowed[adjacent.relation.0 as usize] {
                return false;
            }
        }
        if let Some((after, before)) = self.window {
            if let Some(time) = self.g.edge_time(adjacent.edge) {
                return after <= time && time <= before;
            }
        }
        true
    }

    /// Whether a path may pass through the node (as opposed to start or end there).
    #[inline]
    pub(crate) fn passable(&self, node: NodeId) -> bool {
        if let Some(allowed) = &self.node_types {
            if !allowed[self.g.node_type(node).0 as usize] {
                return false;
            }
        }
        match self.max_degree {
            Some(max) => self.g.degree(node) <= max,
            None => true,
        }
    }

    /// Whether a path may contain the node at all: the endpoints are exempt from the node filters.
    #[inline]
    pub(crate) fn enterable(&self, node: NodeId) -> bool {
        node == self.from || node == self.to || self.passable(node)
    }

    /// Steps a path may take away from `node`: its out-edges, and its in-edges too when undirected.
    #[inline]
    pub(crate) fn forward(&self, node: NodeId) -> impl Iterator<Item = Adjacent> + '_ {
        self.steps(node, false)
    }

    /// Steps a path may take into `node`, seen from `node`: the reverse of [`Filter::forward`].
    #[inline]
    pub(crate) fn backward(&self, node: NodeId) -> impl Iterator<Item = Adjacent> + '_ {
        self.steps(node, true)
    }

    /// How many adjacency entries [`Filter::steps`] looks at: what expanding the node costs.
    #[inline]
    pub(crate) fn fan(&self, node: NodeId, reverse: bool) -> usize {
        match (self.directed, reverse) {
            (false, _) => self.g.degree(node),
            (true, false) => self.g.out_range(node).len(),
            (true, true) => self.g.in_range(node).len(),
        }
    }

    /// The nodes [`Filter::steps`] reaches, without their edges. With no relation or time filter
    /// this reads the adjacency arrays in order instead of looking up each edge's relation,
    /// which for in-edges is a random access per edge: the difference between a search that
    /// streams memory and one that waits on it.
    #[inline]
    pub(crate) fn neighbours(
        &self,
        node: NodeId,
        reverse: bool,
    ) -> Neighbours<'_, impl Iterator<Item = Adjacent> + '_> {
        if self.relations.is_some() || self.window.is_some() {
            return Neighbours::Filtered(self.steps(node, reverse));
        }
        let (outgoing, incoming) = match (self.directed, reverse) {
            (false, _) => (true, true),
            (true, false) => (true, false),
            (true, true) => (false, true),
        };
        let outgoing = if outgoing { &self.g.out_targets()[self.g.out_range(node)] } else { &[][..] };
        let incoming = if incoming { &self.g.in_sources()[self.g.in_range(node)] } else { &[][..] };
        Neighbours::Raw(outgoing.iter(), incoming.iter())
    }

    /// The smallest allowed edge for the step `from` → `to`, looked for on the side with fewer edges.
    pub(crate) fn smallest_edge(&self, from: NodeId, to: NodeId) -> Option<EdgeId> {
        if self.fan(from, false) <= self.fan(to, true) {
            self.forward(from).filter(|s| s.other == to).map(|s| s.edge).min()
        } else {
            self.backward(to).filter(|s| s.other == from).map(|s| s.edge).min()
        }
    }

    /// One iterator type for both directions, so a search can pick its side at run time.
    #[inline]
    pub(crate) fn steps(&self, node: NodeId, reverse: bool) -> impl Iterator<Item = Adjacent> + '_ {
        let (outgoing, incoming) = match (self.directed, reverse) {
            (false, _) => (true, true),
            (true, false) => (true, false),
            (true, true) => (false, true),
        };
        let outgoing = outgoing.then(|| self.g.out_edges(node));
        let incoming = incoming.then(|| self.g.in_edges(node));
        outgoing.into_iter().flatten().chain(incoming.into_iter().flatten()).filter(move |a| self.edge_ok(a))
    }
}
