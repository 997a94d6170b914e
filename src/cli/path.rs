//! `clew path world.clew --from TYPE:KEY --to TYPE:KEY`: the shortest path, or the k shortest,
//! between two entities, printed as `person:KEY -[claimed]-> claim:KEY <-[paid_to]- …` or JSON.

use std::path::PathBuf;

use anyhow::Context;
use clew::graph::{Graph, NodeId};
use clew::paths::{shortest_paths_within_budget, Path, PathError, PathQuery};
use graph_schema::normalise::{date_days, datetime_secs, format_secs};
use serde_json::json;

use super::BadArgument;

/// Arguments of `clew path`.
#[derive(clap::Args, Debug)]
pub struct PathArgs {
    /// The snapshot.
    pub snapshot: PathBuf,
    /// Where paths start, as TYPE:KEY (e.g. person:110105194912310025).
    #[arg(long)]
    pub from: String,
    /// Where paths end, as TYPE:KEY.
    #[arg(long)]
    pub to: String,
    /// How many paths: 1 is the shortest; more gives the k shortest simple paths.
    #[arg(long, default_value_t = 1)]
    pub k: usize,
    /// Most hops per path.
    #[arg(long, default_value_t = 6)]
    pub max_hops: u32,
    /// Follow only these relation types (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub types: Vec<String>,
    /// Pass only through entities of these types (comma-separated); the endpoints are exempt.
    #[arg(long, value_delimiter = ',')]
    pub node_types: Vec<String>,
    /// Skip timed edges before this date or time (a date means its midnight).
    #[arg(long)]
    pub after: Option<String>,
    /// Skip timed edges after this date or time (a date means the end of that day).
    #[arg(long)]
    pub before: Option<String>,
    /// Follow edges from source to target only (default: both ways).
    #[arg(long)]
    pub directed: bool,
    /// Do not pass through entities with more edges than this (the endpoints are exempt).
    #[arg(long)]
    pub skip_degree_above: Option<usize>,
    /// Stop after this many edge visits (default: no limit for the shortest path, 20,000,000
    /// for the k shortest).
    #[arg(long)]
    pub budget: Option<u64>,
    /// One JSON object per path instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `clew path`.
pub fn run(args: PathArgs) -> anyhow::Result<()> {
    let graph = Graph::open(&args.snapshot).with_context(|| format!("opening {}", args.snapshot.display()))?;
    let g = &graph;
    let schema = g.schema();
    let relations = if args.types.is_empty() {
        None
    } else {
        let ids = args.types.iter().map(|name| {
            schema.relation_id(name).ok_or_else(|| {
                BadArgument(format!("--types: unknown relation type `{name}`; known: {}", schema.relation_names()))
            })
        });
        Some(ids.collect::<Result<Vec<_>, BadArgument>>()?)
    };
    let node_types = if args.node_types.is_empty() {
        None
    } else {
        let ids = args.node_types.iter().map(|name| {
            schema.entity_id(name).ok_or_else(|| {
                BadArgument(format!("--node-types: unknown entity type `{name}`; known: {}", schema.entity_names()))
            })
        });
        Some(ids.collect::<Result<Vec<_>, BadArgument>>()?)
    };
    let query = PathQuery {
        from: find_node(g, "--from", &args.from)?,
        to: find_node(g, "--to", &args.to)?,
        max_hops: args.max_hops,
        k: args.k,
        relations,
        node_types,
        after: args.after.as_deref().map(|s| parse_time("--after", s, false)).transpose()?,
        before: args.before.as_deref().map(|s| parse_time("--before", s, true)).transpose()?,
        directed: args.directed,
        skip_degree_above: args.skip_degree_above,
        budget: args.budget,
    };
    let (paths, stopped) = shortest_paths_within_budget(g, &query).map_err(|error| match error {
        PathError::BadK { .. } => BadArgument(format!("--k: {error}")).into(),
        PathError::TooManyHops { .. } => BadArgument(format!("--max-hops: {error}")).into(),
        PathError::SameNode { .. } => BadArgument(format!("--from and --to: {error}")).into(),
        PathError::EmptyTimeWindow { .. } => BadArgument(format!("--after and --before: {error}")).into(),
        other => anyhow::Error::from(other),
    })?;
    let budget = query.budget.unwrap_or(clew::paths::WORK_BUDGET);
    if stopped && paths.is_empty() {
        // Not "no path": the search gave up first, and a path may still exist.
        anyhow::bail!(
            "the search stopped after {budget} edge visits without finding a path within {} hops; a path may still \
             exist: raise --budget, or narrow with --max-hops, --types, --node-types or --skip-degree-above",
            args.max_hops
        );
    }
    if paths.is_empty() && !args.json {
        eprintln!("no path from {} to {} within {} hops", args.from, args.to, args.max_hops);
    }
    let mut out = std::io::stdout().lock();
    for path in &paths {
        if args.json {
            serde_json::to_writer(&mut out, &path_json(g, path))?;
            std::io::Write::write_all(&mut out, b"\n")?;
        } else {
            std::io::Write::write_all(&mut out, format!("{}\n", render(g, path)).as_bytes())?;
        }
    }
    if stopped {
        // The paths printed are the shortest ones, in order; the rest were not reached.
        anyhow::bail!(
            "the search stopped after {budget} edge visits with {} of the {} shortest paths (printed above); raise \
             --budget or narrow the query for the rest",
            paths.len(),
            args.k
        );
    }
    Ok(())
}

/// Looks up `TYPE:KEY`; errors name the parameter and say what would be valid.
pub(super) fn find_node(g: &Graph, param: &str, text: &str) -> anyhow::Result<NodeId> {
    let Some((type_name, key)) = text.split_once(':') else {
        return Err(BadArgument(format!("{param}: `{text}` is not TYPE:KEY (e.g. person:110105194912310025)")).into());
    };
    let Some(ty) = g.schema().entity_id(type_name) else {
        let known = g.schema().entity_names();
        return Err(BadArgument(format!("{param}: unknown entity type `{type_name}`; known: {known}")).into());
    };
    g.find(ty, key).ok_or_else(|| BadArgument(format!("{param}: no {type_name} with key `{key}`")).into())
}

/// A date or date-time as seconds. A bare date is its first second, or its last when `end_of_day`.
fn parse_time(param: &str, text: &str, end_of_day: bool) -> anyhow::Result<i64> {
    if let Ok(days) = date_days(text, &[]) {
        let start = i64::from(days) * 86_400;
        return Ok(if end_of_day { start + 86_399 } else { start });
    }
    datetime_secs(text, &[])
        .map_err(|why| BadArgument(format!("{param}: `{text}` is not a date or time: {why}")).into())
}

/// `type:key`.
pub(super) fn node_name(g: &Graph, node: NodeId) -> String {
    format!("{}:{}", g.schema().entity(g.node_type(node)).name, g.key(node))
}

/// `person:P1 -[claimed]-> claim:C1 <-[paid_to]- …`: each arrow points the way its edge does.
fn render(g: &Graph, path: &Path) -> String {
    let mut line = node_name(g, path.nodes[0]);
    for (i, &edge) in path.edges.iter().enumerate() {
        let relation = &g.schema().relation(g.edge_relation(edge)).name;
        if g.edge_endpoints(edge).0 == path.nodes[i] {
            line.push_str(&format!(" -[{relation}]-> "));
        } else {
            line.push_str(&format!(" <-[{relation}]- "));
        }
        line.push_str(&node_name(g, path.nodes[i + 1]));
    }
    line
}

fn path_json(g: &Graph, path: &Path) -> serde_json::Value {
    let nodes: Vec<_> = path
        .nodes
        .iter()
        .map(|&n| json!({ "type": g.schema().entity(g.node_type(n)).name, "key": g.key(n) }))
        .collect();
    let edges: Vec<_> = path
        .edges
        .iter()
        .enumerate()
        .map(|(i, &e)| {
            json!({
                "relation": g.schema().relation(g.edge_relation(e)).name,
                "forward": g.edge_endpoints(e).0 == path.nodes[i],
                "time": g.edge_time(e).map(format_secs),
            })
        })
        .collect();
    json!({ "hops": path.len(), "nodes": nodes, "edges": edges })
}
