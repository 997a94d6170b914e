//! `clew demo`: generate the demo world, build its snapshot through the one build path, and
//! serve it with the web viewer on loopback.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clew::demo::{self, Size, Truth};

use super::build::run_build;

/// Arguments of `clew demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// World size: small (~2,000 persons, 10,000 claims, 20,000 transfers), medium (100×) or
    /// large (500×).
    #[arg(long, default_value = "small", value_parser = parse_size)]
    pub size: Size,
    /// Seed; the same seed writes byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Folder for the CSV files, mapping.toml, truth.json and world.clew.
    #[arg(long, default_value = "demo-out")]
    pub out: PathBuf,
    /// Stop after building the snapshot.
    #[arg(long)]
    pub no_serve: bool,
    /// No progress bar while building.
    #[arg(long)]
    pub quiet: bool,
    /// Where to serve the viewer (loopback only: the demo runs without sign-in).
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub addr: std::net::SocketAddr,
}

fn parse_size(s: &str) -> Result<Size, String> {
    s.parse()
}

/// Runs `clew demo`.
pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    println!("generating the {} demo world (seed {}) in {}", args.size, args.seed, args.out.display());
    let started = Instant::now();
    let truth = demo::generate(args.size, args.seed, &args.out)
        .with_context(|| format!("generating the demo world in {}", args.out.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    print_generation(&truth, seconds);
    let mapping = args.out.join(demo::MAPPING_FILE);
    let snapshot = args.out.join(demo::SNAPSHOT_FILE);
    // The demo plants a few unusable rows on purpose; any share of rejects is fine here.
    run_build(&mapping, &snapshot, 1.0, args.quiet)?;
    print_planted(&truth, &args.out);
    if args.no_serve {
        return Ok(());
    }
    // The viewer opens on flagged clusters and alerts, so analyse before serving.
    analyze(&snapshot, &args.out.join("analysis"), args.quiet)?;
    // SERVE STEP: the one place `clew demo` hands the snapshot to the server.
    serve(&snapshot, args.addr)
}

/// Runs the detection stage exactly as `clew analyze SNAPSHOT --out DIR` would.
fn analyze(snapshot: &Path, out: &Path, quiet: bool) -> anyhow::Result<()> {
    use clap::Parser;
    #[derive(Parser)]
    struct AnalyzeCommand {
        #[command(flatten)]
        args: super::analyze::AnalyzeArgs,
    }
    let mut argv = vec!["analyze".as_ref(), snapshot.as_os_str(), "--out".as_ref(), out.as_os_str()];
    if quiet {
        argv.push("--quiet".as_ref());
    }
    let command = AnalyzeCommand::try_parse_from(argv).context("preparing the analysis")?;
    super::analyze::run(command.args)
}

/// Serves the demo snapshot exactly as `clew serve SNAPSHOT --no-auth --addr ADDR` would.
fn serve(snapshot: &Path, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    use clap::Parser;
    #[derive(Parser)]
    struct ServeCommand {
        #[command(flatten)]
        args: super::serve::ServeArgs,
    }
    let addr = addr.to_string();
    let command = ServeCommand::try_parse_from([
        "serve".as_ref(),
        snapshot.as_os_str(),
        "--no-auth".as_ref(),
        "--addr".as_ref(),
        addr.as_ref(),
    ])
    .context("preparing the server")?;
    println!("serving the demo world at http://{addr}/ (no sign-in; Ctrl-C stops it)");
    super::serve::run(command.args)
}

fn print_generation(truth: &Truth, seconds: f64) {
    let rows: u64 = truth.files.iter().map(|f| f.rows).sum();
    let bytes: u64 = truth.files.iter().map(|f| f.bytes).sum();
    println!(
        "generated {} files, {rows} rows, {:.1} MB in {seconds:.2} s ({:.0} rows/s)",
        truth.files.len(),
        bytes as f64 / 1e6,
        rows as f64 / seconds.max(1e-9)
    );
    for file in &truth.files {
        println!("  {:<18} {:>10} rows {:>12} bytes  {}", file.name, file.rows, file.bytes, file.encoding);
    }
}

fn print_planted(truth: &Truth, out: &Path) {
    let p = &truth.patterns;
    let forged: usize = p.forging_staff.iter().map(|f| f.claims.len()).sum();
    println!(
        "planted: {} forging staff ({forged} forged claims), {} collusion rings, {} shell networks, \
         {} transfer cycles, {} overlapping stays, {} after-death claimants, {} duplicate pairs, \
         {} over-reimbursed, {} invalid-ID claimants, {} paid to strangers; {} unusable rows",
        p.forging_staff.len(),
        p.collusion_rings.len(),
        p.shell_networks.len(),
        p.transfer_cycles.len(),
        p.overlapping_stays.len(),
        p.claims_after_death.len(),
        p.duplicate_claims.len(),
        p.reimbursed_over_billed.len(),
        p.invalid_id_claimants.len(),
        p.paid_to_other.len(),
        truth.rejects.len(),
    );
    println!("ground truth: {}", out.join(demo::TRUTH_FILE).display());
}
