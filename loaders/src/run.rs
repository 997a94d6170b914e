//! The load driver: resolve the mapping's files, stream each through reader → rayon → merger.

use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;

use graph_schema::{Format, Mapping, Schema};
use rayon::prelude::*;

use crate::error::LoadError;
use crate::reader::{self, BATCHES_IN_FLIGHT};
use crate::reject::IssueSink;
use crate::row::{self, Plan, RowOut, Val};
use crate::staging::{prefetch, EdgeRecord, InputReport, Provenance, Staging, NULL_VALUE};

/// Knobs of a load.
pub struct LoadOptions<'a> {
    /// Called after each batch with the file and the rows read from it so far, for progress bars.
    pub on_rows: &'a (dyn Fn(&str, u64) + Sync),
}

impl Default for LoadOptions<'_> {
    fn default() -> Self {
        LoadOptions { on_rows: &|_, _| {} }
    }
}

/// Reads and validates a mapping file and the schema file it names.
pub fn load_mapping(mapping_path: &Path) -> Result<Mapping, LoadError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| LoadError::ReadConfig { path: path.to_owned(), source })
    };
    let text = read(mapping_path)?;
    let origin = mapping_path.display().to_string();
    let mut schema = Schema::builtin();
    if let Some(schema_file) = Mapping::schema_file_of(&text, &origin)? {
        let schema_path = base_dir(mapping_path).join(schema_file);
        let schema_text = read(&schema_path)?;
        schema.extend_from_toml(&schema_text, &schema_path.display().to_string())?;
    }
    Ok(Mapping::parse(&text, &origin, schema)?)
}

fn base_dir(mapping_path: &Path) -> PathBuf {
    mapping_path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Loads every source of the mapping at `mapping_path`. Rejected rows go to `rejects`, values
/// kept raw to `flags`; both also count in the returned staging's report.
pub fn load(
    mapping_path: &Path,
    options: &LoadOptions<'_>,
    rejects: &mut IssueSink<'_>,
    flags: &mut IssueSink<'_>,
) -> Result<Staging, LoadError> {
    let mapping = load_mapping(mapping_path)?;
    let origin = mapping_path.display().to_string();
    let base = base_dir(mapping_path);
    // Resolve every file first, so a missing one fails before hours of loading.
    let mut files: Vec<Vec<PathBuf>> = Vec::new();
    for source in &mapping.sources {
        let pattern = base.join(&source.path);
        let pattern_text = pattern.display().to_string();
        let matched: Vec<PathBuf> = if source.path.contains(['*', '?', '[']) {
            let mut m: Vec<PathBuf> = glob::glob(&pattern_text)
                .map_err(|e| {
                    LoadError::Mapping(graph_schema::MappingError {
                        origin: origin.clone(),
                        line: source.line,
                        message: format!("bad glob `{}`: {e}", source.path),
                    })
                })?
                .filter_map(Result::ok)
                .filter(|p| p.is_file())
                .collect();
            m.sort();
            m
        } else if pattern.is_file() {
            vec![pattern.clone()]
        } else {
            vec![]
        };
        if matched.is_empty() {
            return Err(LoadError::NoFile {
                mapping: origin.clone(),
                line: source.line,
                source_name: source.name.clone(),
                pattern: pattern_text,
            });
        }
        files.push(matched);
    }
    let mut staging = Staging::new(mapping.schema.clone());
    staging.report.mapping = origin.clone();
    for (source, paths) in mapping.sources.iter().zip(&files) {
        for path in paths {
            load_file(&mapping, source, path, &origin, options, &mut staging, rejects, flags)?;
        }
    }
    staging.report.rejected = staging.report.inputs.iter().map(|i| i.rejected).sum();
    staging.report.flagged = staging.report.inputs.iter().map(|i| i.flagged).sum();
    staging.report.rows = staging.report.inputs.iter().map(|i| i.rows).sum();
    staging.report.filtered = staging.report.inputs.iter().map(|i| i.filtered).sum();
    staging.freeze();
    Ok(staging)
}

#[allow(clippy::too_many_arguments)]
fn load_file(
    mapping: &Mapping,
    source: &graph_schema::Source,
    path: &Path,
    origin: &str,
    options: &LoadOptions<'_>,
    staging: &mut Staging,
    rejects: &mut IssueSink<'_>,
    flags: &mut IssueSink<'_>,
) -> Result<(), LoadError> {
    let file_name = path.display().to_string();
    let io_err = |source: std::io::Error| LoadError::Io { file: path.to_owned(), source };
    let file_idx = staging.files.len() as u32;
    staging.files.push(file_name.clone());
    let (tx, rx) = sync_channel(BATCHES_IN_FLIGHT);
    let (plan, pump): (Plan<'_>, Box<dyn FnOnce() -> std::io::Result<(u64, u64)> + Send>) = match &source.format {
        Format::Csv { delimiter, quote, header, columns } => {
            let (reader, names) =
                reader::open_csv(path, *delimiter, *quote, *header, columns, source.encoding).map_err(io_err)?;
            let plan = Plan::new(source, &mapping.schema, Some(&names)).map_err(|(column, line)| {
                LoadError::MissingColumn {
                    file: path.to_owned(),
                    column,
                    mapping: origin.to_owned(),
                    line,
                    available: names.join(", "),
                }
            })?;
            let expected_fields = (!*header).then_some(columns.len());
            (plan, Box::new(move || reader::pump_csv(reader, expected_fields, tx)))
        }
        Format::Jsonl => {
            let plan = Plan::new(source, &mapping.schema, None).expect("JSONL plans have no header to miss");
            let owned = path.to_owned();
            (plan, Box::new(move || reader::pump_jsonl(&owned, tx)))
        }
    };
    let mut report = InputReport {
        source: source.name.clone(),
        path: file_name.clone(),
        bytes: 0,
        xxh3: String::new(),
        rows: 0,
        rejected: 0,
        flagged: 0,
        filtered: 0,
    };
    // Three stages run at once: the reader thread, a row thread that hands each batch to rayon,
    // and the merger on this thread. With the row stage on its own thread the merger folds batch
    // k while rayon normalises batch k+1; before, the cores idled through every merge. Both
    // channels are FIFO and each stage is one thread, so batches still merge in file order.
    let result = std::thread::scope(|scope| -> Result<(u64, u64), LoadError> {
        let reader_thread = scope.spawn(pump);
        let (out_tx, out_rx) = sync_channel::<(Vec<RowOut>, u64)>(BATCHES_IN_FLIGHT);
        let (plan, file_name) = (&plan, &file_name);
        let row_thread = scope.spawn(move || {
            for batch in rx.iter() {
                let outs: Vec<RowOut> = batch.par_iter().map(|item| row::process(plan, file_name, item)).collect();
                let bytes = batch.iter().map(reader::Item::approx_bytes).sum();
                // The batch's records are freed here, off the merger's thread.
                drop(batch);
                if out_tx.send((outs, bytes)).is_err() {
                    break; // the merger failed; dropping `rx` stops the reader too
                }
            }
        });
        let file_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut merge_result = Ok(());
        let mut first = true;
        // The merger is the load's one serial stage; its busy time against the file's tells
        // whether it is the bottleneck (`RUST_LOG=loaders=debug`).
        let (started, mut busy) = (std::time::Instant::now(), std::time::Duration::ZERO);
        for (outs, batch_bytes) in out_rx.iter() {
            let merging = std::time::Instant::now();
            report.rows += outs.len() as u64;
            let before = Grown::of(staging);
            merge_result = merge(staging, source, file_idx, &outs, &mut report, rejects, flags);
            // A batch holds a few heap blocks per row (keys, property lists) that rayon's
            // threads allocated; freeing them here cost the merger, the load's one serial
            // stage, about a fifth of its time. A rayon thread frees them instead.
            rayon::spawn(move || drop(outs));
            if merge_result.is_err() {
                break;
            }
            if std::mem::take(&mut first) {
                before.reserve_for_rest(staging, batch_bytes, file_bytes);
            }
            (options.on_rows)(file_name, report.rows);
            busy += merging.elapsed();
        }
        tracing::debug!(
            file = %file_name,
            seconds = started.elapsed().as_secs_f64(),
            merger_busy = busy.as_secs_f64(),
            "merged"
        );
        drop(out_rx);
        let rows_ok = row_thread.join();
        merge_result?;
        if rows_ok.is_err() {
            return Err(io_err(std::io::Error::other("row thread panicked")));
        }
        reader_thread.join().unwrap_or_else(|_| Err(std::io::Error::other("reader thread panicked"))).map_err(io_err)
    })?;
    report.bytes = result.0;
    report.xxh3 = format!("{:016x}", result.1);
    tracing::info!(
        file = %report.path,
        rows = report.rows,
        rejected = report.rejected,
        flagged = report.flagged,
        filtered = report.filtered,
        bytes = report.bytes,
        "loaded"
    );
    staging.report.inputs.push(report);
    Ok(())
}

/// Lengths of the staging arrays that grow with rows, taken before a file's first batch.
struct Grown {
    edges: usize,
    provenance: usize,
    edge_prop_rows: Vec<u32>,
    nodes: Vec<usize>,
    strings: usize,
    string_bytes: usize,
}

impl Grown {
    fn of(staging: &Staging) -> Grown {
        Grown {
            edges: staging.edges.len(),
            provenance: staging.provenance.len(),
            edge_prop_rows: staging.edge_prop_rows.clone(),
            nodes: staging.types.iter().map(|t| t.len()).collect(),
            strings: staging.strings.len(),
            string_bytes: staging.strings.bytes.len(),
        }
    }

    /// Reserves room for what the rest of the file will add, extrapolated from its first batch
    /// (`batch_bytes` of the file's `file_bytes`). Growing a 100 MB array by doubling copies it
    /// and faults in fresh pages for every copy; a reservation only takes address space until
    /// rows fill it, so a generous estimate costs no memory.
    fn reserve_for_rest(self, staging: &mut Staging, batch_bytes: u64, file_bytes: u64) {
        if batch_bytes == 0 || file_bytes <= batch_bytes {
            return;
        }
        let scale =
            |added: usize| (added as f64 * (file_bytes - batch_bytes) as f64 / batch_bytes as f64 * 1.1) as usize;
        staging.edges.reserve(scale(staging.edges.len() - self.edges));
        staging.provenance.reserve(scale(staging.provenance.len() - self.provenance));
        for ((columns, &rows), &before) in
            staging.edge_props.iter_mut().zip(&staging.edge_prop_rows).zip(&self.edge_prop_rows)
        {
            let more = scale((rows - before) as usize);
            for column in columns {
                column.values.reserve(more);
            }
        }
        // Node tables: a file's first batch overstates how many nodes the rest will add (later
        // rows mostly name nodes already seen), which only costs address space here.
        for (table, &before) in staging.types.iter_mut().zip(&self.nodes) {
            let more = scale(table.len() - before);
            table.keys.reserve(more);
            for column in &mut table.columns {
                column.values.reserve(more);
            }
        }
        let strings = &mut staging.strings;
        strings.offsets.reserve(scale(strings.len() - self.strings));
        strings.bytes.reserve(scale(strings.bytes.len() - self.string_bytes));
    }
}

fn merge(
    staging: &mut Staging,
    source: &graph_schema::Source,
    file_idx: u32,
    outs: &[RowOut],
    report: &mut InputReport,
    rejects: &mut IssueSink<'_>,
    flags: &mut IssueSink<'_>,
) -> Result<(), LoadError> {
    let mut locals: Vec<Option<u32>> = Vec::with_capacity(source.entities.len());
    // Prefetch the key slots of the row `PREFETCH_ROWS` ahead, and the entity list of the
    // row twice as far, which the slots' prefetch will read.
    for ahead in outs.iter().take(2 * PREFETCH_ROWS) {
        prefetch_entities(ahead);
    }
    for ahead in outs.iter().take(PREFETCH_ROWS) {
        prefetch_keys(staging, source, ahead);
    }
    for (row, out) in outs.iter().enumerate() {
        if let Some(ahead) = outs.get(row + 2 * PREFETCH_ROWS) {
            prefetch_entities(ahead);
        }
        if let Some(ahead) = outs.get(row + PREFETCH_ROWS) {
            prefetch_keys(staging, source, ahead);
        }
        match out {
            RowOut::Filtered => report.filtered += 1,
            RowOut::Rejected(issue) => {
                report.rejected += 1;
                rejects.push(issue).map_err(LoadError::Report)?;
            }
            RowOut::Kept { line, entities, relations, flags: row_flags } => {
                for issue in row_flags {
                    flags.push(issue).map_err(LoadError::Report)?;
                }
                report.flagged += row_flags.len() as u64;
                locals.clear();
                for (spec, entity) in source.entities.iter().zip(entities) {
                    let Some(entity) = entity else {
                        staging.report.optional_absent += 1;
                        locals.push(None);
                        continue;
                    };
                    let ty = spec.entity_type.0;
                    let (local, created) = staging.node_hashed(ty, &entity.key, entity.hash)?;
                    if entity.key_invalid {
                        staging.types[ty as usize].invalid_keys.push(local);
                    }
                    // A node's provenance is the row that first named it plus every row that
                    // described it; rows that only refer to it by key are its edges, and
                    // recording them too would grow provenance with degree (an account in a
                    // million transfers).
                    if created || !entity.props.is_empty() {
                        staging.provenance.push(Provenance {
                            node_type: ty,
                            local,
                            file: file_idx,
                            line: *line as u32,
                        });
                    }
                    for &(prop, ref val) in &entity.props {
                        let (value, invalid) = intern_val(staging, val);
                        let column = &mut staging.types[ty as usize].columns[prop];
                        let slot = &mut column.values[local as usize];
                        if *slot == NULL_VALUE {
                            *slot = value;
                            if invalid {
                                column.invalid.push(local);
                            }
                        } else if *slot != value {
                            staging.report.property_conflicts += 1;
                        }
                    }
                    locals.push(Some(local));
                }
                for (spec, props) in source.relations.iter().zip(relations) {
                    let (Some(src), Some(dst)) = (locals[spec.from], locals[spec.to]) else { continue };
                    let rel = spec.relation_type.0 as usize;
                    let prop_row = if staging.edge_props[rel].is_empty() {
                        u32::MAX
                    } else {
                        let row = staging.edge_prop_rows[rel];
                        if row == u32::MAX - 1 {
                            return Err(LoadError::TooLarge {
                                what: format!("relation {}", staging.schema.relations[rel].name),
                            });
                        }
                        staging.edge_prop_rows[rel] += 1;
                        for column in &mut staging.edge_props[rel] {
                            column.values.push(NULL_VALUE);
                        }
                        for &(prop, ref val) in props {
                            let (value, invalid) = intern_val(staging, val);
                            let column = &mut staging.edge_props[rel][prop];
                            column.values[row as usize] = value;
                            if invalid {
                                column.invalid.push(row);
                            }
                        }
                        row
                    };
                    staging.edges.push(EdgeRecord {
                        src,
                        dst,
                        src_type: source.entities[spec.from].entity_type.0,
                        dst_type: source.entities[spec.to].entity_type.0,
                        rel: rel as u16,
                        prop_row,
                    });
                }
            }
        }
    }
    Ok(())
}

/// How many rows ahead the merger prefetches key slots: far enough for a miss to arrive before
/// its row comes up, near enough that the line is still in cache then.
const PREFETCH_ROWS: usize = 16;

fn prefetch_keys(staging: &Staging, source: &graph_schema::Source, out: &RowOut) {
    let RowOut::Kept { entities, .. } = out else { return };
    for (spec, entity) in source.entities.iter().zip(entities) {
        if let Some(entity) = entity {
            staging.prefetch_key(spec.entity_type.0, entity.hash);
        }
    }
}

fn prefetch_entities(out: &RowOut) {
    if let RowOut::Kept { entities, .. } = out {
        prefetch(entities.as_ptr().cast());
    }
}

fn intern_val(staging: &mut Staging, val: &Val) -> (i64, bool) {
    match val {
        Val::Num(n) => (*n, false),
        Val::Str(s) => (staging.strings.intern(s) as i64, false),
        Val::Raw(s) => (staging.strings.intern(s) as i64, true),
    }
}
