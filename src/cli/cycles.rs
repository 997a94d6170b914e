//! `clew cycles world.clew --ownership | --funds`: circular shareholdings, or money that returns
//! to where it started, one JSON object per line.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clew::cycles::{circular_ownership, fund_cycles, FundCycleQuery};
use clew::graph::Graph;
use graph_schema::normalise::{format_cents, format_secs};
use serde_json::json;

use super::path::node_name;
use super::BadArgument;

/// Arguments of `clew cycles`.
#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("kind").required(true).args(["ownership", "funds"]))]
pub struct CyclesArgs {
    /// The snapshot.
    pub snapshot: PathBuf,
    /// Companies that hold shares in themselves through `shareholder_of` chains.
    #[arg(long)]
    pub ownership: bool,
    /// Transfers that come back to the account they left, each later than the last.
    #[arg(long)]
    pub funds: bool,
    /// Most transfers in a fund cycle.
    #[arg(long, default_value_t = 5)]
    pub max_len: usize,
    /// The money must be back within this many days of leaving.
    #[arg(long, default_value_t = 7.0)]
    pub within_days: f64,
    /// The returning transfer carries at least this share of the first (0.9 = 90 %).
    #[arg(long, default_value_t = 0.9)]
    pub min_kept: f64,
    /// Most fund cycles printed.
    #[arg(long, default_value_t = 1000)]
    pub cap: usize,
}

/// Runs `clew cycles`.
pub fn run(args: CyclesArgs) -> anyhow::Result<()> {
    let graph = Graph::open(&args.snapshot).with_context(|| format!("opening {}", args.snapshot.display()))?;
    let g = &graph;
    let mut out = std::io::stdout().lock();
    if args.ownership {
        for cycle in circular_ownership(g) {
            let nodes: Vec<String> = cycle.iter().map(|&n| node_name(g, n)).collect();
            writeln!(out, "{}", json!({ "cycle": nodes }))?;
        }
        return Ok(());
    }
    if !(args.within_days >= 0.0 && args.within_days.is_finite()) {
        return Err(
            BadArgument(format!("--within-days: {} is not a number of days, 0 or more", args.within_days)).into()
        );
    }
    if !(0.0..=1.0).contains(&args.min_kept) {
        return Err(
            BadArgument(format!("--min-kept: {} is not a share between 0 and 1 (0.9 = 90 %)", args.min_kept)).into()
        );
    }
    if args.max_len == 0 {
        return Err(BadArgument("--max-len: 0 transfers make no cycle; give 1 or more".to_owned()).into());
    }
    let query = FundCycleQuery {
        max_len: args.max_len,
        within_secs: (args.within_days * 86_400.0).round() as i64,
        min_kept_ratio: args.min_kept,
        cap: args.cap,
    };
    for cycle in fund_cycles(g, query) {
        let transfers: Vec<_> = cycle
            .edges
            .iter()
            .zip(&cycle.amounts)
            .map(|(&e, amount)| json!({ "time": g.edge_time(e).map(format_secs), "amount": amount.map(format_cents) }))
            .collect();
        let accounts: Vec<String> = cycle.accounts.iter().map(|&n| node_name(g, n)).collect();
        let line = json!({
            "accounts": accounts,
            "transfers": transfers,
            "first_time": format_secs(cycle.first_time),
            "last_time": format_secs(cycle.last_time),
            "kept_ratio": cycle.kept_ratio,
        });
        writeln!(out, "{line}")?;
    }
    Ok(())
}
