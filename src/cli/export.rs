//! `clew export world.clew --cluster ID --format graphml|gexf|csv|json` (one cluster's subgraph)
//! or `--level red,orange --out DIR` (a file per cluster at those levels), for Gephi, i2 or a
//! spreadsheet. Clusters come from `--analysis DIR`, else the snapshot's stored analysis.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clew::analysis::export::{render, FORMATS};
use clew::analysis::{output, Level};
use clew::graph::Graph;

/// Arguments of `clew export`.
#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["cluster", "level"]))]
pub struct ExportArgs {
    /// The snapshot.
    pub snapshot: PathBuf,
    /// One cluster by id.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Every cluster at these levels (comma-separated: red,orange).
    #[arg(long, value_delimiter = ',')]
    pub level: Vec<String>,
    /// graphml, gexf, csv or json.
    #[arg(long, default_value = "graphml")]
    pub format: String,
    /// The analysis folder; defaults to `<snapshot>.analysis/`.
    #[arg(long)]
    pub analysis: Option<PathBuf>,
    /// Output: a file for one cluster (stdout if absent), a folder for `--level`.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Most nodes per subgraph (members first, then the nodes linking them).
    #[arg(long, default_value_t = 5000)]
    pub max_nodes: usize,
}

/// Runs `clew export`.
pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    if !FORMATS.contains(&args.format.as_str()) {
        anyhow::bail!("--format {}: valid formats are {}", args.format, FORMATS.join(", "));
    }
    let levels: Vec<Level> = args
        .level
        .iter()
        .map(|l| {
            Level::parse(l.trim())
                .ok_or_else(|| anyhow::anyhow!("--level {l}: valid levels are red, orange, yellow, blue"))
        })
        .collect::<Result<_, _>>()?;
    let graph = Graph::open(&args.snapshot).with_context(|| format!("opening {}", args.snapshot.display()))?;
    let dir = args.analysis.clone().unwrap_or_else(|| output::snapshot_dir(&args.snapshot));
    let clusters = output::read_clusters(&dir)
        .with_context(|| format!("reading the clusters in {} (run clew analyze first)", dir.display()))?;
    if let Some(id) = &args.cluster {
        let cluster = clusters
            .iter()
            .find(|c| &c.cluster_id == id)
            .ok_or_else(|| anyhow::anyhow!("no cluster `{id}` in {}", dir.display()))?;
        let text = render(&graph, cluster, &args.format, args.max_nodes).unwrap_or_default();
        match &args.out {
            Some(path) => clew::atomic::write_atomically(path, |w| w.write_all(text.as_bytes()))
                .with_context(|| format!("writing {}", path.display()))?,
            None => std::io::stdout().lock().write_all(text.as_bytes())?,
        }
        return Ok(());
    }
    let out = args.out.clone().ok_or_else(|| anyhow::anyhow!("--level needs --out DIR for the files"))?;
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let mut n = 0;
    let mut so = std::io::stdout().lock();
    for cluster in clusters.iter().filter(|c| levels.contains(&c.level)) {
        let text = render(&graph, cluster, &args.format, args.max_nodes).unwrap_or_default();
        let path = out.join(format!("{}.{}", cluster.cluster_id, args.format));
        clew::atomic::write_atomically(&path, |w| w.write_all(text.as_bytes()))
            .with_context(|| format!("writing {}", path.display()))?;
        n += 1;
    }
    writeln!(so, "wrote {n} cluster file(s) to {}", out.display())?;
    Ok(())
}
