//! Subcommands of the `clew` binary, one module each; this file only dispatches.

mod algo;
mod analyze;
mod build;
mod communities;
mod cycles;
mod demo;
mod diff;
mod export;
mod info;
mod path;
mod peak;
mod serve;

use clap::{Parser, Subcommand};

/// Link analysis for fraud investigators.
#[derive(Parser, Debug)]
#[command(name = "clew", version, about)]
pub struct Cli {
    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load a mapping's CSV/JSONL files and write a graph snapshot.
    Build(build::BuildArgs),
    /// Print counts, memory per part and build provenance of a snapshot.
    Info(info::InfoArgs),
    /// Run a Graphalytics kernel on a plain `.v`/`.e` graph.
    Algo(algo::AlgoArgs),
    /// Communities of a projection (wcc, cdlp, louvain, leiden), one JSON line per community.
    Communities(communities::CommunitiesArgs),
    /// Shortest paths between two entities: `--from person:KEY --to account:KEY`.
    Path(path::PathArgs),
    /// Circular shareholdings (`--ownership`) or money returning to its origin (`--funds`).
    Cycles(cycles::CyclesArgs),
    /// Serve the HTTP API and web viewer over a snapshot.
    Serve(serve::ServeArgs),
    /// Generate the demo world (CSV files, mapping, ground truth) and build its snapshot.
    Demo(demo::DemoArgs),
    /// Run the detection rules and detectors: alerts, clusters and risk levels with reasons.
    Analyze(analyze::AnalyzeArgs),
    /// Write a cluster's subgraph (or every cluster at some levels) as GraphML, GEXF, CSV or JSON.
    Export(export::ExportArgs),
    /// Clusters that appeared, grew, shrank or vanished between two analyses.
    Diff(diff::DiffArgs),
}

/// Sets up `tracing` logs on stderr.
pub fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Build(args) => build::run(args),
        Command::Info(args) => info::run(args),
        Command::Algo(args) => algo::run(args),
        Command::Communities(args) => communities::run(args),
        Command::Path(args) => path::run(args),
        Command::Cycles(args) => cycles::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Export(args) => export::run(args),
        Command::Diff(args) => diff::run(args),
    }
}

/// A command-line argument that cannot be used, with a message that names it (`--from: ...`).
/// Exits with the usage status, 2, like clap's own errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadArgument(pub String);

/// Exit status: 2 for bad input or usage, 3 for too many rejects, 1 for anything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    use clew::algo::community::CommunityError;
    use clew::algo::graphalytics::ReadError;
    use clew::algo::projection::ProjectionError;
    use clew::build::BuildError;
    for cause in err.chain() {
        if let Some(BuildError::TooManyRejects { .. }) = cause.downcast_ref::<BuildError>() {
            return 3;
        }
        if cause.downcast_ref::<loaders::LoadError>().is_some()
            || cause.downcast_ref::<clew::graph::SnapshotError>().is_some()
            || cause.downcast_ref::<BadArgument>().is_some()
            || cause.downcast_ref::<algo::UsageError>().is_some()
            || cause.downcast_ref::<ReadError>().is_some()
            || cause.downcast_ref::<ProjectionError>().is_some()
            || cause.downcast_ref::<CommunityError>().is_some()
        {
            return 2;
        }
    }
    1
}
