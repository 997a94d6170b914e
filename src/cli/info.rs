//! `clew info world.clew`: what is in a snapshot and where it came from.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clew::graph::Graph;

/// Arguments of `clew info`.
#[derive(clap::Args, Debug)]
pub struct InfoArgs {
    /// The snapshot.
    pub snapshot: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `clew info`.
pub fn run(args: InfoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let graph = Graph::open(&args.snapshot).with_context(|| format!("opening {}", args.snapshot.display()))?;
    let open_ms = started.elapsed().as_secs_f64() * 1e3;
    let info = clew::graph::info::describe(&graph, open_ms);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        print!("{}", clew::graph::info::render_text(&info));
    }
    Ok(())
}
