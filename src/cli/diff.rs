//! `clew diff OLD NEW`: the clusters that appeared, grew, shrank or vanished between two
//! analyses (folders holding `clusters.jsonl`, or the files themselves).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clew::analysis::{diff::diff, output};

/// Arguments of `clew diff`.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The older analysis (folder or clusters.jsonl).
    pub old: PathBuf,
    /// The newer analysis.
    pub new: PathBuf,
    /// One JSON object per change instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also list clusters that did not change.
    #[arg(long)]
    pub all: bool,
}

/// Runs `clew diff`.
pub fn run(args: DiffArgs) -> anyhow::Result<()> {
    let old = output::read_clusters(&args.old).with_context(|| format!("reading {}", args.old.display()))?;
    let new = output::read_clusters(&args.new).with_context(|| format!("reading {}", args.new.display()))?;
    let changes = diff(&old, &new);
    let mut so = std::io::stdout().lock();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for c in &changes {
        *counts.entry(c.change.as_str()).or_default() += 1;
        if c.change == "same" && !args.all {
            continue;
        }
        if args.json {
            writeln!(so, "{}", serde_json::to_string(c)?)?;
            continue;
        }
        let level = match c.old_level {
            Some(old) if old != c.level => format!("{} → {}", old.name(), c.level.name()),
            _ => c.level.name().to_owned(),
        };
        let renamed = c.old_id.as_ref().map(|o| format!(" (was {o})")).unwrap_or_default();
        writeln!(
            so,
            "{:<9} {} {}{} [{}] members {} → {} (+{} −{})",
            c.change,
            c.kind,
            c.cluster_id,
            renamed,
            level,
            c.old_members,
            c.members,
            c.added.len(),
            c.removed.len()
        )?;
    }
    if !args.json {
        let text: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
        writeln!(so, "{}", text.join(", "))?;
    }
    Ok(())
}
