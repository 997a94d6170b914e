//! `clew analyze world.clew --out DIR [--rules FILE] [--seed N]`: run the detection rules and
//! detectors, write `clusters.jsonl`, `alerts.jsonl`, `entities.jsonl` and `summary.json` into
//! DIR and store them beside the snapshot (`<snapshot>.analysis/`) for the server.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Context;
use clew::analysis::rules::{RuleSet, BUILTIN_RULES};
use clew::analysis::{analyze, output, Options, Progress};
use clew::graph::Graph;
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `clew analyze`.
#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// The snapshot.
    #[arg(required_unless_present = "print_rules")]
    pub snapshot: Option<PathBuf>,
    /// Folder for the output files (created if missing).
    #[arg(short, long, required_unless_present = "print_rules")]
    pub out: Option<PathBuf>,
    /// A rules file (TOML) instead of the built-in one; `--print-rules` prints that to start from.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Seed of community detection; the same seed gives the same output.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Do not store the results beside the snapshot (`<snapshot>.analysis/`).
    #[arg(long)]
    pub no_store: bool,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
    /// Print the built-in rules file and exit.
    #[arg(long)]
    pub print_rules: bool,
}

/// Progress on an indicatif spinner: the stage and its steps.
struct Bar {
    bar: ProgressBar,
    stage: Mutex<(String, u64, u64)>,
}

impl Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        if let Ok(mut s) = self.stage.lock() {
            *s = (name.to_owned(), 0, total);
        }
        self.bar.set_message(name.to_owned());
        self.bar.tick();
    }

    fn advance(&self, n: u64) {
        if let Ok(mut s) = self.stage.lock() {
            s.1 += n;
            let msg = if s.2 > 0 { format!("{} {}/{}", s.0, s.1, s.2) } else { format!("{} {}", s.0, s.1) };
            self.bar.set_message(msg);
        }
        self.bar.tick();
    }
}

/// Peak resident memory of this process in bytes, where the OS says (Linux).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Runs `clew analyze`.
pub fn run(args: AnalyzeArgs) -> anyhow::Result<()> {
    if args.print_rules {
        std::io::stdout().lock().write_all(BUILTIN_RULES.as_bytes())?;
        return Ok(());
    }
    let (Some(snapshot), Some(out)) = (args.snapshot, args.out) else {
        anyhow::bail!("give the snapshot and --out DIR");
    };
    let started = Instant::now();
    let rules = match &args.rules {
        Some(path) => RuleSet::from_file(path)?,
        None => RuleSet::builtin(),
    };
    let graph = Graph::open(&snapshot).with_context(|| format!("opening {}", snapshot.display()))?;
    let bar = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let progress = Bar { bar, stage: Mutex::new((String::new(), 0, 0)) };
    let merges = clew::build::sidecar(&snapshot, "merges.jsonl");
    let opts = Options { seed: args.seed, progress: &progress, merges: merges.exists().then_some(merges.as_path()) };
    let analysis = analyze(&graph, &rules, &opts).with_context(|| format!("analysing {}", snapshot.display()))?;
    progress.bar.finish_and_clear();
    output::write(&out, &analysis).context("writing the results")?;
    let stored = output::snapshot_dir(&snapshot);
    if !args.no_store {
        output::write(&stored, &analysis).context("storing the results beside the snapshot")?;
    }
    let s = &analysis.summary;
    let mut so = std::io::stdout().lock();
    writeln!(
        so,
        "analysed {} in {:.2} s: {} alerts, {} clusters, {} entities at risk",
        snapshot.display(),
        started.elapsed().as_secs_f64(),
        analysis.alerts.len(),
        analysis.clusters.len(),
        analysis.entities.len()
    )?;
    for (rule, n) in &s.alerts_per_rule {
        writeln!(so, "  alerts  {rule:<28} {n}")?;
    }
    for (kind_level, n) in &s.clusters_per_level {
        writeln!(so, "  clusters {kind_level:<27} {n}")?;
    }
    if let Some(peak) = peak_rss_bytes() {
        writeln!(so, "peak memory {:.1} MB", peak as f64 / 1e6)?;
    }
    writeln!(so, "wrote {}", out.display())?;
    if !args.no_store {
        writeln!(so, "stored for the server in {}", stored.display())?;
    }
    Ok(())
}
