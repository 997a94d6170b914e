//! Entity-resolution figures on a demo world (issue 3): exports the person records exactly as
//! resolution sees them (one per node after strong-key merging) for the peer comparison in
//! `benches/peers/resolution_splink.py`, times clew's resolution stage on them, writes clew's
//! clusters, and measures how much resolution adds to `clew build`.
//!
//! ```sh
//! cargo run --release -- demo --size medium --seed 7 --no-serve --out /tmp/demo-m
//! cargo bench --bench resolution -- /tmp/demo-m --out /tmp/demo-m/er --builds 3
//! ```
//!
//! Prints one JSON object: records, weak records, resolution seconds, merged groups, and the
//! median `clew build` seconds with and without a `[resolution.person]` table.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clew::build::{build, BuildOptions};
use graph_schema::normalise;
use loaders::{IssueSink, LoadOptions, Staging, NULL_VALUE};

struct Args {
    demo: PathBuf,
    out: PathBuf,
    builds: usize,
}

fn args() -> Args {
    let mut demo = None;
    let mut out = None;
    let mut builds = 3;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = it.next().map(PathBuf::from),
            "--builds" => builds = it.next().and_then(|n| n.parse().ok()).unwrap_or(3),
            "--bench" => {}
            other if !other.starts_with("--") && demo.is_none() => demo = Some(PathBuf::from(other)),
            _ => {}
        }
    }
    let demo = demo.unwrap_or_else(|| {
        eprintln!("usage: cargo bench --bench resolution -- DEMO_DIR [--out DIR] [--builds N]");
        std::process::exit(2)
    });
    let out = out.unwrap_or_else(|| demo.join("er"));
    Args { demo, out, builds }
}

/// The mapping text without its `[resolution.*]` tables, and with a default `[resolution.person]`.
fn mappings(text: &str) -> (String, String) {
    let mut without = String::new();
    let mut skipping = false;
    for line in text.lines() {
        let header = line.trim_start().starts_with('[');
        if header {
            skipping = line.trim_start().starts_with("[resolution.");
        }
        if !skipping {
            without.push_str(line);
            without.push('\n');
        }
    }
    let with = if text.contains("[resolution.person]") {
        text.to_owned()
    } else {
        format!("{without}\n[resolution.person]\n")
    };
    (without, with)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Writes the person records of `staging` (before resolution) as CSV.
fn export(staging: &Staging, path: &Path) -> std::io::Result<usize> {
    let schema = &staging.schema;
    let person = schema.entity_id("person").expect("person type").0;
    let table = &staging.types[person as usize];
    let prop =
        |name: &str| schema.entity(graph_schema::EntityTypeId(person)).properties.iter().position(|p| p.name == name);
    let (name_p, gender_p, birth_p) = (prop("name"), prop("gender"), prop("birth_date"));
    let rel = |name: &str| schema.relation_id(name).map(|r| r.0);
    let (has_phone, lives_at, employed_by) = (rel("has_phone"), rel("lives_at"), rel("employed_by"));
    let n = table.len();
    let mut phones = vec![Vec::new(); n];
    let mut addresses = vec![Vec::new(); n];
    let mut employers = vec![Vec::new(); n];
    for e in &staging.edges {
        if e.src_type != person {
            continue;
        }
        let key = || staging.strings.get(staging.types[e.dst_type as usize].keys[e.dst as usize]).to_owned();
        let list = if Some(e.rel) == has_phone {
            &mut phones
        } else if Some(e.rel) == lives_at {
            &mut addresses
        } else if Some(e.rel) == employed_by {
            &mut employers
        } else {
            continue;
        };
        let k = key();
        if !list[e.src as usize].contains(&k) {
            list[e.src as usize].push(k);
        }
    }
    let invalid: std::collections::HashSet<u32> = table.invalid_keys.iter().copied().collect();
    let text = |p: Option<usize>, r: usize| -> String {
        match p.map(|p| table.columns[p].values[r]) {
            Some(v) if v != NULL_VALUE => staging.strings.get(v as u32).to_owned(),
            _ => String::new(),
        }
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "unique_id,key,valid_id,name,gender,birth_date,phone,address,employer")?;
    for r in 0..n {
        let key = staging.strings.get(table.keys[r]);
        let valid = !invalid.contains(&(r as u32)) && normalise::resident_id(key).is_ok();
        let birth = match birth_p.map(|p| table.columns[p].values[r]) {
            Some(v) if v != NULL_VALUE && !table.columns[birth_p.unwrap_or(0)].invalid.contains(&(r as u32)) => {
                normalise::format_days(v as i32)
            }
            _ => String::new(),
        };
        writeln!(
            out,
            "{r},{},{},{},{},{},{},{},{}",
            csv_field(key),
            valid,
            csv_field(&text(name_p, r)),
            csv_field(&text(gender_p, r)),
            birth,
            csv_field(&phones[r].join("|")),
            csv_field(&addresses[r].join("|")),
            csv_field(&employers[r].join("|")),
        )?;
    }
    out.flush()?;
    Ok(n)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    if xs.is_empty() {
        0.0
    } else {
        xs[xs.len() / 2]
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = args();
    std::fs::create_dir_all(&args.out)?;
    let text = std::fs::read_to_string(args.demo.join("mapping.toml"))?;
    let (without, with) = mappings(&text);
    // Beside the data, so the sources' relative paths resolve.
    let without_path = args.demo.join("mapping.noresolve.toml");
    let with_path = args.demo.join("mapping.resolve.toml");
    std::fs::write(&without_path, without)?;
    std::fs::write(&with_path, with)?;

    // The records and clew's resolution of them.
    let mapping = loaders::load_mapping(&with_path)?;
    let mut staging =
        loaders::load(&with_path, &LoadOptions::default(), &mut IssueSink::counting(), &mut IssueSink::counting())?;
    let records = export(&staging, &args.out.join("persons.csv"))?;
    let started = Instant::now();
    let resolved = loaders::resolve::resolve(&mut staging, &mapping);
    let resolve_seconds = started.elapsed().as_secs_f64();
    let mut clusters = std::io::BufWriter::new(std::fs::File::create(args.out.join("clew_clusters.csv"))?);
    writeln!(clusters, "key,cluster")?;
    for m in &resolved.merges {
        for k in &m.keys {
            writeln!(clusters, "{},{}", csv_field(k), csv_field(&m.keys[0]))?;
        }
    }
    clusters.flush()?;
    let mut review = std::io::BufWriter::new(std::fs::File::create(args.out.join("clew_review.csv"))?);
    writeln!(review, "a,b,score")?;
    for r in &resolved.review {
        writeln!(review, "{},{},{}", csv_field(&r.keys[0]), csv_field(&r.keys[1]), r.score)?;
    }
    review.flush()?;
    let report = staging.resolution.first().cloned().unwrap_or_default();
    drop(staging);

    // `clew build` with and without resolution, alternating.
    let (mut plain, mut resolving) = (Vec::new(), Vec::new());
    for _ in 0..args.builds {
        for (path, times) in [(&without_path, &mut plain), (&with_path, &mut resolving)] {
            let out = args.out.join("bench.clew");
            let t = Instant::now();
            build(path, &out, &BuildOptions::default(), &LoadOptions::default())?;
            times.push(t.elapsed().as_secs_f64());
        }
    }
    let (plain, resolving) = (median(plain), median(resolving));
    let summary = serde_json::json!({
        "records": records,
        "weak_records": report.weak_records,
        "candidate_pairs": report.candidate_pairs,
        "merged_groups": report.merged_groups,
        "records_merged": report.records_merged,
        "review_pairs": report.review_pairs,
        "resolve_seconds": resolve_seconds,
        "build_seconds_without_resolution": plain,
        "build_seconds_with_resolution": resolving,
        "build_overhead": if plain > 0.0 { resolving / plain - 1.0 } else { 0.0 },
        "export": args.out.join("persons.csv"),
        "clusters": args.out.join("clew_clusters.csv"),
    });
    println!("{summary}");
    Ok(())
}
