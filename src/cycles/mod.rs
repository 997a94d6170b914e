//! Cycle queries on the typed graph.
//!
//! - [`circular_ownership`]: companies that own themselves through `shareholder_of` chains
//!   (strongly connected components, then Johnson's elementary cycles inside each).
//! - [`fund_cycles`]: money that comes back to its origin through `transfer` edges in time order.
//! - [`strongly_connected_components`]: Tarjan on the graph seen through chosen relations.

mod funds;
mod johnson;
mod ownership;
mod scc;
mod timeline;

pub use funds::{fund_cycles, FundCycle, FundCycleQuery, MAX_FUND_CYCLE_LEN};
pub use ownership::{circular_ownership, MAX_OWNERSHIP_CYCLES};
pub use scc::strongly_connected_components;
