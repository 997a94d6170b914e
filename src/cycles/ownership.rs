//! Circular ownership: companies that, through a chain of `shareholder_of` holdings, hold shares
//! in themselves. Found as the strongly connected components of the holdings, then the
//! elementary cycles inside each.

use rustc_hash::FxHashMap;

use crate::graph::{Graph, NodeId};

use super::johnson::elementary_cycles;
use super::scc::{tarjan, Csr};

/// The most cycles [`circular_ownership`] returns.
pub const MAX_OWNERSHIP_CYCLES: usize = 10_000;

/// Every elementary cycle of `shareholder_of` edges (a holder of shares in a holder of shares …
/// in the first), each starting at its smallest node and following the holdings (holder first,
/// then what it holds). A company holding its own shares is a cycle of one. Sorted by length then
/// node ids; at most [`MAX_OWNERSHIP_CYCLES`] (the components with the smallest nodes first).
pub fn circular_ownership(g: &Graph) -> Vec<Vec<NodeId>> {
    let Some(relation) = g.schema().relation_id("shareholder_of") else { return Vec::new() };
    let holdings = Csr::of_graph(g, Some(&[relation]));
    let roots = (0..holdings.len() as u32).filter(|&v| !holdings.neighbours(v).is_empty());
    let mut components = Vec::new();
    tarjan(
        &holdings,
        roots,
        |_| true,
        |component| {
            let looped = component.len() == 1 && holdings.neighbours(component[0]).contains(&component[0]);
            if component.len() > 1 || looped {
                let mut nodes = component.to_vec();
                nodes.sort_unstable();
                components.push(nodes);
            }
        },
    );
    components.sort_unstable_by_key(|c| c[0]);
    let mut cycles = Vec::new();
    for component in &components {
        if cycles.len() >= MAX_OWNERSHIP_CYCLES {
            break;
        }
        // Renumber the component 0..k in node order, so Johnson's cycles start at their
        // smallest node in graph ids too.
        let local: FxHashMap<u32, u32> = component.iter().enumerate().map(|(i, &v)| (v, i as u32)).collect();
        let mut offsets = vec![0u32];
        let mut targets = Vec::new();
        for &v in component {
            targets.extend(holdings.neighbours(v).iter().filter_map(|w| local.get(w)));
            offsets.push(targets.len() as u32);
        }
        let mut found = Vec::new();
        elementary_cycles(&Csr { offsets, targets }, MAX_OWNERSHIP_CYCLES - cycles.len(), &mut found);
        cycles.extend(
            found.into_iter().map(|c| c.into_iter().map(|i| NodeId(component[i as usize])).collect::<Vec<_>>()),
        );
    }
    cycles.sort_unstable_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    cycles
}
