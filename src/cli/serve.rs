//! `clew serve world.clew`: the HTTP API and web viewer (see `clew::server`), or with
//! `--hash-token` the SHA-256 line a tokens file stores for a token read on stdin.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clew::server::{Limits, ServeOptions};

/// Arguments of `clew serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The snapshot to serve.
    #[arg(required_unless_present = "hash_token")]
    pub snapshot: Option<PathBuf>,
    /// Address to listen on; loopback unless told otherwise. Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub addr: SocketAddr,
    /// Tokens file (TOML `[[token]]` entries with id, role and sha256 of the token).
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// No authentication: everyone is an anonymous admin. Only on a loopback address.
    #[arg(long)]
    pub no_auth: bool,
    /// Audit log (JSON lines, appended); default `<snapshot>.audit.jsonl`.
    #[arg(long)]
    pub audit: Option<PathBuf>,
    /// No audit log; only together with --no-auth.
    #[arg(long)]
    pub no_audit: bool,
    /// Web viewer files to serve at `/` (default `web/dist`); a missing build shows a page saying how to build it.
    #[arg(long)]
    pub web: Option<PathBuf>,
    /// File with the secret for viewers' pseudonyms (≥ 16 bytes); without it one is generated per start.
    #[arg(long)]
    pub secret_file: Option<PathBuf>,
    /// Per-request time budget in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Largest `max_nodes` a neighbourhood may ask for.
    #[arg(long, default_value_t = 5_000)]
    pub max_nodes: usize,
    /// Degree above which reached nodes are summarised instead of expanded (requests may override).
    #[arg(long, default_value_t = 100)]
    pub supernode_degree: usize,
    /// Edge visits one path query may spend before it answers with what it found and says it
    /// stopped (a 4-hop ball around a hub can be most of the graph).
    #[arg(long, default_value_t = clew::paths::WORK_BUDGET)]
    pub path_budget: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print the sha256 a tokens file stores for the token given on stdin, and exit.
    #[arg(long)]
    pub hash_token: bool,
}

/// Runs `clew serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    if args.hash_token {
        let mut token = String::new();
        std::io::stdin().read_to_string(&mut token).context("reading the token from stdin")?;
        let token = token.trim_end_matches(['\n', '\r']);
        anyhow::ensure!(!token.is_empty(), "no token on stdin");
        println!("{}", clew::server::auth::hash_token(token));
        return Ok(());
    }
    let Some(snapshot) = args.snapshot else { anyhow::bail!("give the snapshot to serve") };
    let limits = Limits {
        time_budget: Duration::from_millis(args.timeout_ms.max(1)),
        max_nodes: args.max_nodes.max(1),
        supernode_degree: args.supernode_degree.max(1),
        path_budget: args.path_budget,
        ..Limits::default()
    };
    let options = ServeOptions {
        snapshot,
        addr: args.addr,
        tokens: args.tokens,
        no_auth: args.no_auth,
        audit: args.audit,
        no_audit: args.no_audit,
        web: args.web,
        secret_file: args.secret_file,
        limits,
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(n) = args.threads {
        runtime.worker_threads(n.max(1));
    }
    let runtime = runtime.build().context("starting the async runtime")?;
    runtime.block_on(clew::server::serve(options)).context("clew serve")?;
    Ok(())
}
