//! Writes a snapshot's topology as two CSV files for peer databases (`benches/peers/server_kuzu.py`
//! loads them into Kuzu): `nodes.csv` (`id,type,key,degree`, one row per node, `id` the clew
//! node id) and `edges.csv` (`src,dst,relation`, one row per edge in edge-id order). The same data
//! the server answers from, so a side-by-side comparison runs on the same graph.
//!
//! usage: cargo run --release --example export_edge_list -- world.clew OUT_DIR

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clew::graph::{Graph, NodeId};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let (Some(snapshot), Some(out)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: export_edge_list SNAPSHOT OUT_DIR");
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let g = Graph::open(std::path::Path::new(&snapshot))?;
    let schema = g.schema();
    let csv_text = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let mut nodes = BufWriter::new(std::fs::File::create(out.join("nodes.csv"))?);
    for n in 0..g.n_nodes() as u32 {
        let node = NodeId(n);
        let ty = &schema.entity(g.node_type(node)).name;
        writeln!(nodes, "{n},{ty},{},{}", csv_text(g.key(node)), g.degree(node))?;
    }
    nodes.flush()?;
    let mut edges = BufWriter::new(std::fs::File::create(out.join("edges.csv"))?);
    for n in 0..g.n_nodes() as u32 {
        for adj in g.out_edges(NodeId(n)) {
            writeln!(edges, "{n},{},{}", adj.other.0, schema.relation(adj.relation).name)?;
        }
    }
    edges.flush()?;
    println!("{}: {} nodes, {} edges", out.display(), g.n_nodes(), g.n_edges());
    Ok(())
}
