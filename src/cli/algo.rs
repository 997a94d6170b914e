//! `clew algo`: runs one LDBC Graphalytics kernel on `.v`/`.e` files and prints `vertex value` lines.
//!
//! This is the command-line face of the conformance suite and of the peer benchmarks: it reads a
//! Graphalytics graph, runs the kernel, and writes the result in the Graphalytics output format,
//! one line per vertex in ascending id order, to stdout or atomically to `--out`.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use clew::algo::graphalytics::{self, AlgoOutput};
use clew::algo::{
    bfs_depths, label_propagation, local_clustering_coefficients, pagerank, shortest_path_lengths,
    weakly_connected_components,
};
use clew::atomic::write_atomically;

use super::peak::{mib, PeakMeter};

/// The damping factor Graphalytics uses, and the usual one since Brin and Page.
const DEFAULT_DAMPING: f64 = 0.85;

/// A Graphalytics kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Algorithm {
    /// Breadth-first search depths from --source.
    Bfs,
    /// Weakly connected components, labelled by their smallest vertex id.
    Wcc,
    /// Community detection by synchronous label propagation, for --iterations rounds.
    Cdlp,
    /// PageRank, for --iterations rounds with damping --damping.
    Pr,
    /// Local clustering coefficient.
    Lcc,
    /// Single-source shortest path lengths from --source; needs --weighted.
    Sssp,
}

/// Arguments of `clew algo`.
#[derive(Args, Debug)]
pub struct AlgoArgs {
    /// The kernel to run.
    #[arg(value_enum)]
    pub algorithm: Algorithm,
    /// The vertex file: one unsigned 64-bit vertex id per line.
    #[arg(long, value_name = "FILE")]
    pub vertices: PathBuf,
    /// The edge file: `src dst [weight]` per line, each undirected edge once.
    #[arg(long, value_name = "FILE")]
    pub edges: PathBuf,
    /// Treat edges as directed (from the first id to the second).
    #[arg(long)]
    pub directed: bool,
    /// Read the third column of the edge file as edge weights (required by sssp).
    #[arg(long)]
    pub weighted: bool,
    /// The source vertex id, for bfs and sssp.
    #[arg(long, value_name = "ID")]
    pub source: Option<u64>,
    /// The number of iterations, for cdlp and pr.
    #[arg(long, value_name = "N")]
    pub iterations: Option<u32>,
    /// The PageRank damping factor, in [0, 1] [default: 0.85].
    #[arg(long, value_name = "D")]
    pub damping: Option<f64>,
    /// Write the result to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print load, kernel and write times, and the kernel's peak extra memory, to stderr.
    #[arg(long)]
    pub timings: bool,
}

/// A flag combination `clew algo` refuses, found before any file is read. The binary maps it to
/// the usage exit status, like a clap error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(String);

/// A kernel with the parameters it needs: what [`AlgoArgs`] means once checked.
enum Kernel {
    Bfs { source: u64 },
    Wcc,
    Cdlp { iterations: u32 },
    Pr { iterations: u32, damping: f64 },
    Lcc,
    Sssp { source: u64 },
}

/// Runs `clew algo`.
pub fn run(args: AlgoArgs) -> Result<()> {
    let kernel = check_arguments(&args)?;
    let started = Instant::now();
    let (graph, ids) = graphalytics::read_graph(&args.vertices, &args.edges, args.directed, args.weighted)
        .context("reading the graph")?;
    let loaded = Instant::now();
    let meter = PeakMeter::start();

    // Sources are external ids; kernels take dense ids, which are positions in the sorted `ids`.
    let dense = |id: u64| -> Result<u32> {
        match ids.binary_search(&id) {
            Ok(position) => Ok(position as u32),
            Err(_) => Err(UsageError(format!("--source {id} is not a vertex in {}", args.vertices.display())).into()),
        }
    };
    let output = match kernel {
        Kernel::Bfs { source } => AlgoOutput::Depths(bfs_depths(&graph, dense(source)?)?),
        Kernel::Wcc => AlgoOutput::Labels(weakly_connected_components(&graph)),
        Kernel::Cdlp { iterations } => AlgoOutput::Labels(label_propagation(&graph, iterations)),
        Kernel::Pr { iterations, damping } => AlgoOutput::Values(pagerank(&graph, iterations, damping)?),
        Kernel::Lcc => AlgoOutput::Values(local_clustering_coefficients(&graph)),
        Kernel::Sssp { source } => AlgoOutput::Values(shortest_path_lengths(&graph, dense(source)?)?),
    };
    let computed = Instant::now();
    let peak_extra = meter.as_ref().and_then(PeakMeter::extra_bytes);

    match &args.out {
        // Readers of FILE see the old content or the new, never a part.
        Some(path) => write_atomically(path, |writer| graphalytics::write_output(writer, &ids, &output))
            .with_context(|| format!("writing {}", path.display()))?,
        // main treats a broken pipe (`| head`) as success; the io::Error stays in the chain.
        None => {
            let mut stdout = BufWriter::with_capacity(1 << 16, io::stdout().lock());
            graphalytics::write_output(&mut stdout, &ids, &output)
                .and_then(|()| stdout.flush())
                .context("writing to stdout")?;
        }
    }
    if args.timings {
        let finished = Instant::now();
        let memory = peak_extra.map_or_else(String::new, |bytes| format!(", kernel peak extra memory {}", mib(bytes)));
        eprintln!(
            "load {:.4}s kernel {:.4}s write {:.4}s ({} vertices, {} edges{memory})",
            (loaded - started).as_secs_f64(),
            (computed - loaded).as_secs_f64(),
            (finished - computed).as_secs_f64(),
            graph.n_vertices(),
            graph.n_edges(),
        );
    }
    Ok(())
}

/// Turns the flags into a [`Kernel`], refusing combinations that cannot mean what the user
/// wants before any file is read.
fn check_arguments(args: &AlgoArgs) -> Result<Kernel, UsageError> {
    use Algorithm::*;
    let name = args.algorithm.to_possible_value().map_or_else(String::new, |value| value.get_name().to_owned());
    let usage = |message: String| Err(UsageError(message));
    let source = match (args.algorithm, args.source) {
        (Bfs | Sssp, Some(source)) => source,
        (Bfs | Sssp, None) => return usage(format!("{name} needs --source ID, the vertex to start from")),
        (_, Some(_)) => return usage(format!("--source applies only to bfs and sssp, not {name}")),
        (_, None) => 0,
    };
    let iterations = match (args.algorithm, args.iterations) {
        (Cdlp | Pr, Some(iterations)) => iterations,
        (Cdlp | Pr, None) => return usage(format!("{name} needs --iterations N (Graphalytics runs a fixed number)")),
        (_, Some(_)) => return usage(format!("--iterations applies only to cdlp and pr, not {name}")),
        (_, None) => 0,
    };
    let damping = match (args.algorithm, args.damping) {
        (Pr, Some(damping)) if !(0.0..=1.0).contains(&damping) => {
            return usage(format!("--damping {damping} is not in [0, 1]"))
        }
        (Pr, damping) => damping.unwrap_or(DEFAULT_DAMPING),
        (_, Some(_)) => return usage(format!("--damping applies only to pr, not {name}")),
        (_, None) => DEFAULT_DAMPING,
    };
    if args.algorithm == Sssp && !args.weighted {
        return usage(
            "sssp needs edge weights: pass --weighted, with weights in the third column of --edges".to_owned(),
        );
    }
    Ok(match args.algorithm {
        Bfs => Kernel::Bfs { source },
        Wcc => Kernel::Wcc,
        Cdlp => Kernel::Cdlp { iterations },
        Pr => Kernel::Pr { iterations, damping },
        Lcc => Kernel::Lcc,
        Sssp => Kernel::Sssp { source },
    })
}
