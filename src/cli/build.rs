//! `clew build MAPPING.toml -o world.clew`.

use std::path::PathBuf;

use anyhow::Context;
use clew::build::{build, BuildOptions};
use indicatif::{ProgressBar, ProgressStyle};
use loaders::LoadOptions;

/// Arguments of `clew build`.
#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// The mapping file (TOML) naming the sources and what each row yields.
    pub mapping: PathBuf,
    /// The snapshot to write; `<out>.rejects.jsonl` and `<out>.flags.jsonl` land beside it.
    #[arg(short, long)]
    pub out: PathBuf,
    /// Fail, writing no snapshot, when more than this share of rows is rejected (0.0–1.0).
    #[arg(long, default_value_t = 1.0, value_parser = parse_ratio)]
    pub max_reject_ratio: f64,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

fn parse_ratio(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0 and 1"))
    }
}

/// Runs `clew build`.
pub fn run(args: BuildArgs) -> anyhow::Result<()> {
    let outcome = run_build(&args.mapping, &args.out, args.max_reject_ratio, args.quiet)?;
    let _ = outcome;
    Ok(())
}

/// Builds with a progress bar and prints the summary; shared with `clew demo`.
pub fn run_build(
    mapping: &std::path::Path,
    out: &std::path::Path,
    max_reject_ratio: f64,
    quiet: bool,
) -> anyhow::Result<clew::build::BuildOutcome> {
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let on_rows = |file: &str, rows: u64| {
        let name = std::path::Path::new(file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        bar.set_message(format!("{name}: {rows} rows"));
        bar.tick();
    };
    let outcome = build(mapping, out, &BuildOptions { max_reject_ratio }, &LoadOptions { on_rows: &on_rows })
        .with_context(|| format!("building {} from {}", out.display(), mapping.display()))?;
    bar.finish_and_clear();
    let r = &outcome.report;
    let rate = r.rows as f64 / outcome.seconds.max(1e-9);
    println!(
        "built {}: {} nodes, {} edges, {} bytes in {:.2} s ({:.0} rows/s)",
        out.display(),
        outcome.summary.n_nodes,
        outcome.summary.n_edges,
        outcome.summary.bytes,
        outcome.seconds,
        rate
    );
    println!(
        "rows {}  filtered {}  rejected {} (see {})  flagged {} (see {})  property conflicts {}",
        r.rows,
        r.filtered,
        r.rejected,
        outcome.rejects_path.display(),
        r.flagged,
        outcome.flags_path.display(),
        r.property_conflicts
    );
    for t in &outcome.resolution {
        println!(
            "resolved {}: {} records, {} without a valid ID, {} pairs compared, {} merged into {} groups (see {}), {} to review (see {}){}",
            t.entity_type,
            t.records,
            t.weak_records,
            t.candidate_pairs,
            t.records_merged,
            t.merged_groups,
            outcome.merges_path.display(),
            t.review_pairs,
            outcome.review_path.display(),
            if t.capped_block_count == 0 { String::new() } else { format!(", {} blocks too large to compare", t.capped_block_count) }
        );
    }
    Ok(outcome)
}
