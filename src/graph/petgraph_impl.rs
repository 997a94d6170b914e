//! petgraph's visit traits on [`Graph`], so petgraph's algorithms run on a snapshot without a copy.
//! The graph is seen as directed, following the out-adjacency.

use fixedbitset::FixedBitSet;
use petgraph::visit::VisitMap;
use petgraph::visit::{
    Data, EdgeRef, GraphBase, GraphProp, IntoEdgeReferences, IntoEdges, IntoNeighbors, IntoNeighborsDirected,
    IntoNodeIdentifiers, NodeCompactIndexable, NodeCount, NodeIndexable, Visitable,
};
use petgraph::Direction;

use super::{EdgeId, Graph, NodeId};

impl GraphBase for Graph {
    type NodeId = NodeId;
    type EdgeId = EdgeId;
}

impl GraphProp for &Graph {
    type EdgeType = petgraph::Directed;
}

impl Data for &Graph {
    type NodeWeight = ();
    type EdgeWeight = ();
}

impl NodeCount for &Graph {
    fn node_count(&self) -> usize {
        self.n_nodes()
    }
}

impl NodeIndexable for &Graph {
    fn node_bound(&self) -> usize {
        self.n_nodes()
    }
    fn to_index(&self, a: NodeId) -> usize {
        a.0 as usize
    }
    fn from_index(&self, i: usize) -> NodeId {
        NodeId(i as u32)
    }
}

impl NodeCompactIndexable for &Graph {}

impl<'a> IntoNodeIdentifiers for &'a Graph {
    type NodeIdentifiers = std::iter::Map<std::ops::Range<u32>, fn(u32) -> NodeId>;
    fn node_identifiers(self) -> Self::NodeIdentifiers {
        (0..self.n_nodes() as u32).map(NodeId as fn(u32) -> NodeId)
    }
}

/// Out-neighbours of a node, straight from the CSR slice.
pub struct Neighbours<'a> {
    targets: std::slice::Iter<'a, u32>,
}

impl Iterator for Neighbours<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        self.targets.next().map(|&t| NodeId(t))
    }
}

impl<'a> IntoNeighbors for &'a Graph {
    type Neighbors = Neighbours<'a>;
    fn neighbors(self, a: NodeId) -> Neighbours<'a> {
        Neighbours { targets: self.out_targets()[self.out_range(a)].iter() }
    }
}

impl<'a> IntoNeighborsDirected for &'a Graph {
    type NeighborsDirected = Neighbours<'a>;
    fn neighbors_directed(self, a: NodeId, dir: Direction) -> Neighbours<'a> {
        match dir {
            Direction::Outgoing => self.neighbors(a),
            Direction::Incoming => Neighbours { targets: self.in_sources()[self.in_range(a)].iter() },
        }
    }
}

/// A set of visited nodes, one bit each.
pub struct NodeSet(FixedBitSet);

impl VisitMap<NodeId> for NodeSet {
    fn visit(&mut self, a: NodeId) -> bool {
        !self.0.put(a.0 as usize)
    }
    fn is_visited(&self, a: &NodeId) -> bool {
        self.0.contains(a.0 as usize)
    }
    fn unvisit(&mut self, a: NodeId) -> bool {
        let was = self.0.contains(a.0 as usize);
        self.0.set(a.0 as usize, false);
        was
    }
}

impl Visitable for &Graph {
    type Map = NodeSet;
    fn visit_map(&self) -> NodeSet {
        NodeSet(FixedBitSet::with_capacity(self.n_nodes()))
    }
    fn reset_map(&self, map: &mut NodeSet) {
        map.0.clear();
        map.0.grow(self.n_nodes());
    }
}

/// An edge as petgraph sees it.
#[derive(Debug, Clone, Copy)]
pub struct EdgeReference {
    source: NodeId,
    target: NodeId,
    id: EdgeId,
}

impl EdgeRef for EdgeReference {
    type NodeId = NodeId;
    type EdgeId = EdgeId;
    type Weight = ();
    fn source(&self) -> NodeId {
        self.source
    }
    fn target(&self) -> NodeId {
        self.target
    }
    fn weight(&self) -> &() {
        &()
    }
    fn id(&self) -> EdgeId {
        self.id
    }
}

/// Out-edges of one node.
pub struct Edges<'a> {
    source: NodeId,
    range: std::ops::Range<usize>,
    targets: &'a [u32],
}

impl Iterator for Edges<'_> {
    type Item = EdgeReference;
    fn next(&mut self) -> Option<EdgeReference> {
        let i = self.range.next()?;
        Some(EdgeReference { source: self.source, target: NodeId(self.targets[i]), id: EdgeId(i as u32) })
    }
}

impl<'a> IntoEdges for &'a Graph {
    type Edges = Edges<'a>;
    fn edges(self, a: NodeId) -> Edges<'a> {
        Edges { source: a, range: self.out_range(a), targets: self.out_targets() }
    }
}

/// Every edge, in id order.
pub struct AllEdges<'a> {
    graph: &'a Graph,
    node: u32,
    current: Edges<'a>,
}

impl Iterator for AllEdges<'_> {
    type Item = EdgeReference;
    fn next(&mut self) -> Option<EdgeReference> {
        loop {
            if let Some(e) = self.current.next() {
                return Some(e);
            }
            self.node += 1;
            if self.node as usize >= self.graph.n_nodes() {
                return None;
            }
            self.current = self.graph.edges(NodeId(self.node));
        }
    }
}

impl<'a> IntoEdgeReferences for &'a Graph {
    type EdgeRef = EdgeReference;
    type EdgeReferences = AllEdges<'a>;
    fn edge_references(self) -> AllEdges<'a> {
        let current = Edges { source: NodeId(0), range: 0..0, targets: self.out_targets() };
        AllEdges { graph: self, node: u32::MAX, current }.restart()
    }
}

impl<'a> AllEdges<'a> {
    fn restart(mut self) -> Self {
        if self.graph.n_nodes() > 0 {
            self.node = 0;
            self.current = self.graph.edges(NodeId(0));
        } else {
            self.node = 0;
        }
        self
    }
}
