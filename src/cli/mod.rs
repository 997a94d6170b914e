//! Subcommands of the `clew` binary, one module each; this file only dispatches.

mod algo;
mod build;
mod info;

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
    }
}

/// Exit status: 2 for bad input or usage, 1 for anything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    use clew::build::BuildError;
    for cause in err.chain() {
        if let Some(BuildError::TooManyRejects { .. }) = cause.downcast_ref::<BuildError>() {
            return 3;
        }
        if cause.downcast_ref::<loaders::LoadError>().is_some()
            || cause.downcast_ref::<clew::graph::SnapshotError>().is_some()
        {
            return 2;
        }
    }
    1
}
