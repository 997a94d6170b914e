//! `clew communities`: communities of a projection of a snapshot, one JSON line per community.
//!
//! The projection (a built-in name or a TOML file) comes from the process-wide projection cache;
//! the algorithm is WCC, CDLP, Louvain or Leiden. Each output line is
//! `{"community": id, "members": [{"type": ..., "key": ...}, ...]}`, largest community first (ties
//! to the one with the smaller first node), members in node order, so ids are stable for a seed.
//! The file is written atomically; the summary (counts, modularity) goes to stdout, and a spinner
//! to stderr only when both are terminals.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use clew::algo::community::{
    leiden_with_progress, louvain_with_progress, modularity, relabel_by_size, LeidenOptions, LouvainOptions, Phase,
    Progress,
};
use clew::algo::projection::{Projected, Projection, ProjectionCache, ProjectionDef, ProjectionError};
use clew::algo::{label_propagation, weakly_connected_components};
use clew::atomic::write_atomically;
use clew::graph::Graph;
use indicatif::{ProgressBar, ProgressStyle};

use super::peak::{mib, PeakMeter};
use super::BadArgument;

/// CDLP rounds when `--iterations` is not given.
const DEFAULT_CDLP_ROUNDS: u32 = 10;

/// A community algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CommunityAlgo {
    /// Weakly connected components.
    Wcc,
    /// Synchronous label propagation (Graphalytics CDLP; ignores weights), --iterations rounds.
    Cdlp,
    /// Louvain modularity optimisation.
    Louvain,
    /// Leiden modularity optimisation: like Louvain, with every community connected.
    Leiden,
}

/// Arguments of `clew communities`.
#[derive(Args, Debug)]
pub struct CommunitiesArgs {
    /// The snapshot.
    pub snapshot: PathBuf,
    /// The algorithm.
    #[arg(long, value_enum)]
    pub algo: CommunityAlgo,
    /// A built-in projection (shared-identifiers, shared-identifiers-log, transfers, ownership)
    /// or a projection TOML file.
    #[arg(long, value_name = "NAME|FILE")]
    pub projection: String,
    /// Seed of Louvain's and Leiden's random choices; the same seed gives the same communities.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Modularity resolution (> 0): higher finds smaller communities.
    #[arg(long, default_value_t = 1.0, value_parser = parse_resolution)]
    pub resolution: f64,
    /// CDLP rounds [default: 10]; Leiden iterations [default: 2; 0 repeats until stable].
    #[arg(long, value_name = "N")]
    pub iterations: Option<u32>,
    /// The JSON-lines file to write (atomically).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
}

fn parse_resolution(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!("`{text}` is not a positive number")),
    }
}

/// Reads `--projection`: a built-in name, else a file.
fn projection_definition(name_or_file: &str) -> Result<ProjectionDef> {
    if let Some(definition) = ProjectionDef::builtin(name_or_file) {
        return Ok(definition);
    }
    let path = Path::new(name_or_file);
    if !path.is_file() {
        return Err(anyhow::Error::from(ProjectionError::UnknownBuiltin { name: name_or_file.to_owned() })
            .context(format!("--projection `{name_or_file}`")));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|error| BadArgument(format!("--projection: reading {}: {error}", path.display())))?;
    ProjectionDef::from_toml(&text, name_or_file).context("--projection")
}

/// Runs `clew communities`.
pub fn run(args: CommunitiesArgs) -> Result<()> {
    let iterations = match (args.algo, args.iterations) {
        (CommunityAlgo::Cdlp, rounds) => rounds.unwrap_or(DEFAULT_CDLP_ROUNDS),
        (CommunityAlgo::Leiden, iterations) => iterations.unwrap_or(LeidenOptions::default().iterations),
        (_, Some(_)) => {
            return Err(
                BadArgument("--iterations applies to cdlp (rounds) and leiden (iterations) only".to_owned()).into()
            )
        }
        (_, None) => 0,
    };
    let definition = projection_definition(&args.projection)?;
    let graph = Graph::open(&args.snapshot).with_context(|| format!("opening {}", args.snapshot.display()))?;
    let projection = Projection::resolve(&definition, graph.schema())
        .with_context(|| format!("--projection `{}`", args.projection))?;

    let show = !args.quiet && std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    let bar = if show { ProgressBar::new_spinner() } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message(format!("projecting {}", args.projection));
    let projected = ProjectionCache::global().get_or_build(&graph, &projection)?;
    print_projection(&args.projection, &projected, &graph);

    let started = Instant::now();
    let on_progress = |progress: &Progress| {
        let phase = match progress.phase {
            Phase::Moving => "moving",
            Phase::Refining => "refining",
            Phase::Aggregating => "aggregating",
        };
        bar.set_message(format!(
            "iteration {} level {} ({} vertices): {phase}, {} visits",
            progress.iteration, progress.level, progress.n_vertices, progress.visits
        ));
    };
    let adjacency = &projected.graph;
    let meter = PeakMeter::start();
    // (membership, levels, the algorithm's own estimate of its peak extra bytes)
    let (mut membership, levels, estimate) = match args.algo {
        CommunityAlgo::Wcc => (weakly_connected_components(adjacency), None, None),
        CommunityAlgo::Cdlp => (label_propagation(adjacency, iterations), None, None),
        CommunityAlgo::Louvain => {
            let options = LouvainOptions { resolution: args.resolution, seed: args.seed };
            let found = louvain_with_progress(adjacency, &options, &on_progress)?;
            (found.membership, Some(found.levels.len()), Some(found.stats.peak_extra_bytes))
        }
        CommunityAlgo::Leiden => {
            let options = LeidenOptions { resolution: args.resolution, seed: args.seed, iterations };
            let found = leiden_with_progress(adjacency, &options, &on_progress)?;
            (found.membership, Some(found.levels.len()), Some(found.stats.peak_extra_bytes))
        }
    };
    let measured = meter.as_ref().and_then(PeakMeter::extra_bytes);
    let n_communities = relabel_by_size(&mut membership);
    let quality = modularity(adjacency, &membership, args.resolution)?;
    let seconds = started.elapsed().as_secs_f64();
    bar.set_message(format!("writing {}", args.out.display()));

    let sizes = write_communities(&args.out, &graph, &projected, &membership, n_communities)
        .with_context(|| format!("writing {}", args.out.display()))?;
    bar.finish_and_clear();
    let singletons = sizes.iter().filter(|&&size| size == 1).count();
    let levels = levels.map_or_else(String::new, |levels| format!(", {levels} levels"));
    println!(
        "{algo:?}: {n_communities} communities (largest {largest}, {singletons} singletons), modularity {quality:.6} at resolution {resolution}{levels}, {seconds:.2} s",
        algo = args.algo,
        largest = sizes.first().copied().unwrap_or(0),
        resolution = args.resolution,
    );
    // The projection is the input: what the algorithm allocated beyond it.
    let mut memory = Vec::new();
    if let Some(bytes) = measured {
        memory.push(format!("{} measured (resident peak above the start)", mib(bytes)));
    }
    if let Some(bytes) = estimate {
        memory.push(format!("{} estimated from its buffers", mib(bytes)));
    }
    if !memory.is_empty() {
        println!("peak extra memory of {:?}: {}", args.algo, memory.join(", "));
    }
    println!("wrote {}", args.out.display());
    Ok(())
}

fn print_projection(name: &str, projected: &Projected, graph: &Graph) {
    let report = &projected.report;
    println!(
        "projection {name}: {} nodes, {} edges ({} left out without links; built in {:.2} s)",
        report.n_nodes, report.n_edges, report.isolated_dropped, report.build_seconds
    );
    if report.skipped_identifiers > 0 {
        let listed: Vec<String> = report
            .largest_skipped
            .iter()
            .map(|&(node, holders)| {
                format!("{}:{} ({holders})", graph.schema().entity(graph.node_type(node)).name, graph.key(node))
            })
            .collect();
        println!(
            "  {} identifiers above the degree cap skipped, most held: {}",
            report.skipped_identifiers,
            listed.join(", ")
        );
    }
    if report.skipped_held_by_other_types > 0 {
        println!("  {} identifiers also held by another type skipped", report.skipped_held_by_other_types);
    }
    if report.path_meetings + report.skipped_meetings > 0 {
        println!(
            "  meta-paths: {} meeting nodes linked, {} above their source cap skipped",
            report.path_meetings, report.skipped_meetings
        );
    }
    if report.missing_weights > 0 {
        println!("  {} edges without a usable weight counted as 0", report.missing_weights);
    }
}

/// Writes one JSON line per community; returns the community sizes, largest first.
fn write_communities(
    out: &Path,
    graph: &Graph,
    projected: &Projected,
    membership: &[u32],
    n_communities: u32,
) -> std::io::Result<Vec<usize>> {
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); n_communities as usize];
    for (vertex, &community) in membership.iter().enumerate() {
        members[community as usize].push(vertex as u32);
    }
    write_atomically(out, |writer| {
        for (community, vertices) in members.iter().enumerate() {
            let members: Vec<serde_json::Value> = vertices
                .iter()
                .map(|&vertex| {
                    let node = projected.node(vertex);
                    serde_json::json!({
                        "type": graph.schema().entity(graph.node_type(node)).name,
                        "key": graph.key(node),
                    })
                })
                .collect();
            let line = serde_json::json!({ "community": community, "members": members });
            serde_json::to_writer(&mut *writer, &line)?;
            writer.write_all(b"\n")?;
        }
        Ok(())
    })?;
    Ok(members.iter().map(Vec::len).collect())
}
