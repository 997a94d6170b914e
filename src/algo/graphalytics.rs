//! Reading and writing the LDBC Graphalytics file formats: `.v`/`.e` graphs and `vertex value`
//! result files.
//!
//! A `.v` file lists one unsigned 64-bit vertex id per line; a `.e` file lists `src dst [weight]`
//! per line, each undirected edge once. Ids need not be consecutive. The reader numbers vertices
//! `0..n` in ascending id order, so dense order is id order: outputs come out sorted by id, and a
//! kernel choosing the smallest dense id (WCC labels, CDLP ties) chooses the smallest external id.
//!
//! The spec forbids self-loops and duplicate edges, and LCC's counts would be wrong with them, so
//! the reader rejects them like any other bad line, naming the file and line.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use thiserror::Error;

use super::adjacency::AdjGraph;
use super::bfs::UNREACHED;

/// Why a Graphalytics graph could not be read. Every variant about a line names `path:line`.
#[derive(Debug, Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("{path}: {source}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A line has no fields.
    #[error("{path}:{line}: empty line", path = path.display())]
    EmptyLine {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
    },
    /// A field is not a number of the expected kind.
    #[error("{path}:{line}: {field} {text:?} is not {expected}", path = path.display())]
    BadNumber {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
        /// Which field: "vertex id", "source", "target" or "weight".
        field: &'static str,
        /// The text found.
        text: String,
        /// What was expected, such as "an unsigned 64-bit integer".
        expected: &'static str,
    },
    /// An edge line lacks its target.
    #[error("{path}:{line}: missing target vertex", path = path.display())]
    MissingTarget {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
    },
    /// The graph was read as weighted and an edge line lacks its weight.
    #[error("{path}:{line}: missing weight (the graph is read as weighted)", path = path.display())]
    MissingWeight {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
    },
    /// A line has more fields than its format allows.
    #[error("{path}:{line}: unexpected extra field {text:?}", path = path.display())]
    ExtraField {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
        /// The first extra field.
        text: String,
    },
    /// A vertex id appears twice in the `.v` file.
    #[error("{path}:{line}: vertex {id} is listed twice", path = path.display())]
    DuplicateVertex {
        /// The file.
        path: PathBuf,
        /// The 1-based line number of the second occurrence.
        line: u64,
        /// The vertex id.
        id: u64,
    },
    /// More vertices than dense `u32` ids can number.
    #[error("{path}: {count} vertices exceed the u32 id space", path = path.display())]
    TooManyVertices {
        /// The file.
        path: PathBuf,
        /// The number of vertices.
        count: usize,
    },
    /// An edge names a vertex that is not in the `.v` file.
    #[error("{path}:{line}: vertex {id} is not in the vertex file", path = path.display())]
    UnknownVertex {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
        /// The unknown id.
        id: u64,
    },
    /// An edge joins a vertex to itself, which the spec forbids.
    #[error("{path}:{line}: self-loop on vertex {id}", path = path.display())]
    SelfLoop {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
        /// The vertex id.
        id: u64,
    },
    /// An edge is listed twice (for an undirected graph, in either orientation).
    #[error("{path}:{line}: edge {src} {dst} repeats line {first_line}", path = path.display())]
    DuplicateEdge {
        /// The file.
        path: PathBuf,
        /// The 1-based line number of the repeat.
        line: u64,
        /// The line the edge first appeared on.
        first_line: u64,
        /// The edge's source id.
        src: u64,
        /// The edge's target id.
        dst: u64,
    },
}

/// Reads a Graphalytics graph: returns the graph on dense ids and, for each dense id, the
/// vertex's external id (ascending). With `weighted`, every edge line must carry a finite,
/// non-negative weight; without it, weights are ignored.
pub fn read_graph(
    vertex_path: &Path,
    edge_path: &Path,
    directed: bool,
    weighted: bool,
) -> Result<(AdjGraph, Vec<u64>), ReadError> {
    let ids = read_vertices(vertex_path)?;
    let dense = DenseIds::new(&ids);
    let (edges, weights) = read_edges(edge_path, &dense, weighted)?;
    let graph = AdjGraph::try_from_edges(ids.len(), &edges, weights.as_deref(), directed)
        .expect("the reader checked every vertex and the weight count");
    if let Some((src, dst)) = find_duplicate(&graph) {
        return Err(duplicate_edge_error(edge_path, &edges, &ids, src, dst, directed));
    }
    Ok((graph, ids))
}

/// Reads the `.v` file: external ids in ascending order, duplicates rejected.
fn read_vertices(path: &Path) -> Result<Vec<u64>, ReadError> {
    let bytes = read_file(path)?;
    let mut ids = Vec::with_capacity(bytes.len() / 8);
    for (line_index, line) in lines(&bytes).enumerate() {
        let line_number = line_index as u64 + 1;
        let mut fields = fields(line);
        let text = fields.next().ok_or_else(|| ReadError::EmptyLine { path: path.to_owned(), line: line_number })?;
        let id = parse_u64(text).ok_or_else(|| bad_number(path, line_number, "vertex id", text))?;
        if let Some(extra) = fields.next() {
            return Err(extra_field(path, line_number, extra));
        }
        ids.push(id);
    }
    // The spec promises ascending ids; sort if they are not, remembering lines for the error.
    if ids.windows(2).any(|pair| pair[0] >= pair[1]) {
        let mut with_lines: Vec<(u64, u64)> =
            ids.iter().enumerate().map(|(index, &id)| (id, index as u64 + 1)).collect();
        with_lines.sort_unstable();
        if let Some(pair) = with_lines.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            let line = pair[0].1.max(pair[1].1);
            return Err(ReadError::DuplicateVertex { path: path.to_owned(), line, id: pair[0].0 });
        }
        ids = with_lines.into_iter().map(|(id, _)| id).collect();
    }
    if ids.len() >= u32::MAX as usize {
        return Err(ReadError::TooManyVertices { path: path.to_owned(), count: ids.len() });
    }
    Ok(ids)
}

/// Maps external ids to dense ones: by subtraction when the ids are one consecutive run, as in
/// most generated graphs, otherwise through a hash map.
enum DenseIds {
    Consecutive { first: u64, count: u64 },
    Map(FxHashMap<u64, u32>),
}

impl DenseIds {
    fn new(ids: &[u64]) -> DenseIds {
        let count = ids.len() as u64;
        match (ids.first(), ids.last()) {
            (Some(&first), Some(&last)) if last - first == count - 1 => DenseIds::Consecutive { first, count },
            (None, _) => DenseIds::Consecutive { first: 0, count: 0 },
            _ => DenseIds::Map(ids.iter().enumerate().map(|(index, &id)| (id, index as u32)).collect()),
        }
    }

    #[inline]
    fn get(&self, id: u64) -> Option<u32> {
        match self {
            DenseIds::Consecutive { first, count } => {
                let offset = id.wrapping_sub(*first);
                (offset < *count).then_some(offset as u32)
            }
            DenseIds::Map(map) => map.get(&id).copied(),
        }
    }
}

/// Edge list on dense ids, and weights when `weighted`.
type Edges = (Vec<(u32, u32)>, Option<Vec<f64>>);

/// Reads the `.e` file into dense edges, rejecting unknown vertices, self-loops and bad weights.
/// Edge `i` comes from line `i + 1`, since empty lines are errors; the duplicate check relies on it.
/// Chunks of lines parse in parallel and are joined in file order, so the first bad line in the
/// file is the one reported.
fn read_edges(path: &Path, dense: &DenseIds, weighted: bool) -> Result<Edges, ReadError> {
    let bytes = read_file(path)?;
    let parsed: Vec<Result<Edges, ReadError>> = line_chunks(&bytes, CHUNK_BYTES)
        .into_par_iter()
        .map(|(first_line, chunk)| parse_edge_lines(path, chunk, first_line, dense, weighted))
        .collect();
    let mut edges = Vec::new();
    let mut weights = weighted.then(Vec::new);
    for part in parsed {
        let (part_edges, part_weights) = part?;
        if edges.is_empty() {
            edges = part_edges;
        } else {
            edges.extend_from_slice(&part_edges);
        }
        if let (Some(weights), Some(part_weights)) = (weights.as_mut(), part_weights) {
            weights.extend_from_slice(&part_weights);
        }
    }
    Ok((edges, weights))
}

/// Parses edge lines; `chunk` is whole lines joined by `\n`, the first being line `first_line`.
fn parse_edge_lines(
    path: &Path,
    chunk: &[u8],
    first_line: u64,
    dense: &DenseIds,
    weighted: bool,
) -> Result<Edges, ReadError> {
    let estimated_lines = chunk.len() / 12;
    let mut edges = Vec::with_capacity(estimated_lines);
    let mut weights = weighted.then(|| Vec::with_capacity(estimated_lines));
    for (line_index, line) in chunk.split(|&byte| byte == b'\n').enumerate() {
        let line_number = first_line + line_index as u64;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut fields = fields(line);
        let src_text =
            fields.next().ok_or_else(|| ReadError::EmptyLine { path: path.to_owned(), line: line_number })?;
        let dst_text =
            fields.next().ok_or_else(|| ReadError::MissingTarget { path: path.to_owned(), line: line_number })?;
        let weight_text = fields.next();
        if let Some(extra) = fields.next() {
            return Err(extra_field(path, line_number, extra));
        }
        let src_id = parse_u64(src_text).ok_or_else(|| bad_number(path, line_number, "source", src_text))?;
        let dst_id = parse_u64(dst_text).ok_or_else(|| bad_number(path, line_number, "target", dst_text))?;
        let unknown = |id| ReadError::UnknownVertex { path: path.to_owned(), line: line_number, id };
        let src = dense.get(src_id).ok_or_else(|| unknown(src_id))?;
        let dst = dense.get(dst_id).ok_or_else(|| unknown(dst_id))?;
        if src == dst {
            return Err(ReadError::SelfLoop { path: path.to_owned(), line: line_number, id: src_id });
        }
        edges.push((src, dst));
        if let Some(weights) = weights.as_mut() {
            let text =
                weight_text.ok_or_else(|| ReadError::MissingWeight { path: path.to_owned(), line: line_number })?;
            let weight = parse_weight(text).ok_or_else(|| ReadError::BadNumber {
                path: path.to_owned(),
                line: line_number,
                field: "weight",
                text: String::from_utf8_lossy(text).into_owned(),
                expected: "a finite, non-negative float",
            })?;
            weights.push(weight);
        }
    }
    Ok((edges, weights))
}

/// Some edge that is stored twice, as dense `(src, dst)`: neighbour lists are sorted, so a
/// repeat sits next to its original.
fn find_duplicate(graph: &AdjGraph) -> Option<(u32, u32)> {
    (0..graph.n_vertices()).find_map(|vertex| {
        let neighbours = graph.out_neighbours(vertex);
        neighbours.windows(2).find(|pair| pair[0] == pair[1]).map(|pair| (vertex, pair[0]))
    })
}

/// The error for a duplicate found in the graph, with the lines of both listings: rare, so it
/// can afford to scan the edge list.
fn duplicate_edge_error(
    path: &Path,
    edges: &[(u32, u32)],
    ids: &[u64],
    src: u32,
    dst: u32,
    directed: bool,
) -> ReadError {
    let same = |&(a, b): &(u32, u32)| (a, b) == (src, dst) || (!directed && (b, a) == (src, dst));
    let mut lines = edges.iter().enumerate().filter(|(_, edge)| same(edge)).map(|(i, _)| i as u64 + 1);
    let first_line = lines.next().unwrap_or(0);
    let line = lines.next().unwrap_or(first_line);
    let (a, b) = edges[first_line.saturating_sub(1) as usize];
    ReadError::DuplicateEdge { path: path.to_owned(), line, first_line, src: ids[a as usize], dst: ids[b as usize] }
}

fn read_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    std::fs::read(path).map_err(|source| ReadError::Io { path: path.to_owned(), source })
}

/// The file's text without its final newline, which does not start another line; `None` for an
/// empty file, which has no lines.
fn body(bytes: &[u8]) -> Option<&[u8]> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    (!bytes.is_empty()).then_some(body)
}

/// The file's lines without their terminators (`\n`, or `\r\n`).
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    body(bytes)
        .into_iter()
        .flat_map(|body| body.split(|&byte| byte == b'\n'))
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

/// Bytes per chunk of lines parsed as one task.
const CHUNK_BYTES: usize = 4 << 20;

/// The file split into runs of whole lines of about `chunk_bytes`, each with the number of its
/// first line. Chunk boundaries depend only on the bytes, not on the thread count.
fn line_chunks(bytes: &[u8], chunk_bytes: usize) -> Vec<(u64, &[u8])> {
    let Some(mut rest) = body(bytes) else {
        return Vec::new();
    };
    let mut starts = Vec::new();
    loop {
        let cut = if rest.len() <= chunk_bytes {
            None
        } else {
            rest[chunk_bytes..].iter().position(|&byte| byte == b'\n').map(|at| chunk_bytes + at)
        };
        match cut {
            Some(cut) => {
                starts.push(&rest[..cut]);
                rest = &rest[cut + 1..];
            }
            None => {
                starts.push(rest);
                break;
            }
        }
    }
    let line_counts: Vec<u64> =
        starts.par_iter().map(|chunk| chunk.iter().filter(|&&byte| byte == b'\n').count() as u64 + 1).collect();
    let mut first_line = 1;
    starts
        .into_iter()
        .zip(line_counts)
        .map(|(chunk, count)| {
            let numbered = (first_line, chunk);
            first_line += count;
            numbered
        })
        .collect()
}

/// The space- or tab-separated fields of a line.
fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&byte| byte == b' ' || byte == b'\t').filter(|field| !field.is_empty())
}

/// Parses a plain decimal `u64`, with no sign; `None` on anything else or on overflow.
#[inline]
fn parse_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    let mut value: u64 = 0;
    for &byte in text {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(digit))?;
    }
    Some(value)
}

/// Parses a weight: a finite, non-negative float.
fn parse_weight(text: &[u8]) -> Option<f64> {
    let weight: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
    (weight.is_finite() && weight >= 0.0).then_some(weight)
}

fn bad_number(path: &Path, line: u64, field: &'static str, text: &[u8]) -> ReadError {
    ReadError::BadNumber {
        path: path.to_owned(),
        line,
        field,
        text: String::from_utf8_lossy(text).into_owned(),
        expected: "an unsigned 64-bit integer",
    }
}

fn extra_field(path: &Path, line: u64, text: &[u8]) -> ReadError {
    ReadError::ExtraField { path: path.to_owned(), line, text: String::from_utf8_lossy(text).into_owned() }
}

/// A kernel's result on dense ids, in the form its Graphalytics output takes.
#[derive(Clone, Debug, PartialEq)]
pub enum AlgoOutput {
    /// BFS depths; [`UNREACHED`] is written as `9223372036854775807` (`i64::MAX`).
    Depths(Vec<u32>),
    /// WCC or CDLP labels as dense ids, written as the external id of that vertex.
    Labels(Vec<u32>),
    /// PR, LCC or SSSP values, written like C's `%.15e`; infinity is written `infinity`.
    Values(Vec<f64>),
}

/// Writes `vertex value` lines in dense order (which is ascending id order); `ids` maps dense
/// ids to external ids and must be as long as the output.
pub fn write_output(writer: &mut (impl Write + ?Sized), ids: &[u64], output: &AlgoOutput) -> io::Result<()> {
    let mut line = String::with_capacity(64);
    let n_values = match output {
        AlgoOutput::Depths(values) | AlgoOutput::Labels(values) => values.len(),
        AlgoOutput::Values(values) => values.len(),
    };
    if n_values != ids.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{n_values} values for {} vertices", ids.len()),
        ));
    }
    for (dense, &id) in ids.iter().enumerate() {
        line.clear();
        // Writing to a String cannot fail.
        let _ = write!(line, "{id} ");
        match output {
            AlgoOutput::Depths(depths) => match depths[dense] {
                UNREACHED => line.push_str("9223372036854775807"),
                depth => {
                    let _ = write!(line, "{depth}");
                }
            },
            AlgoOutput::Labels(labels) => {
                let _ = write!(line, "{}", ids[labels[dense] as usize]);
            }
            AlgoOutput::Values(values) => push_scientific(&mut line, values[dense]),
        }
        line.push('\n');
        writer.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Appends `value` as C's `printf("%.15e")` would: Rust's `{:.15e}` rounds the same way but
/// writes the exponent as `e-1`, where C writes `e-01`.
fn push_scientific(line: &mut String, value: f64) {
    if value.is_infinite() {
        line.push_str(if value > 0.0 { "infinity" } else { "-infinity" });
        return;
    }
    if value.is_nan() {
        line.push_str("nan");
        return;
    }
    let start = line.len();
    let _ = write!(line, "{value:.15e}");
    let e_at = start + line[start..].find('e').expect("{:e} output has an exponent");
    let exponent: i32 = line[e_at + 1..].parse().expect("{:e} exponent is an integer");
    line.truncate(e_at);
    let sign = if exponent < 0 { '-' } else { '+' };
    let _ = write!(line, "e{sign}{:02}", exponent.unsigned_abs());
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files {
        dir: PathBuf,
    }

    impl Files {
        fn new(name: &str, vertices: &str, edges: &str) -> Files {
            let dir = std::env::temp_dir().join(format!("clew-graphalytics-{}-{name}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("creating a temp dir");
            std::fs::write(dir.join("g.v"), vertices).expect("writing g.v");
            std::fs::write(dir.join("g.e"), edges).expect("writing g.e");
            Files { dir }
        }

        fn read(&self, directed: bool, weighted: bool) -> Result<(AdjGraph, Vec<u64>), ReadError> {
            read_graph(&self.dir.join("g.v"), &self.dir.join("g.e"), directed, weighted)
        }
    }

    impl Drop for Files {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn message(result: Result<(AdjGraph, Vec<u64>), ReadError>) -> String {
        match result {
            Ok(_) => "no error".to_owned(),
            Err(error) => {
                let text = error.to_string();
                // Strip the temp dir so the messages can be compared literally.
                text.rsplit_once('/').map_or(text.clone(), |(_, tail)| tail.to_owned())
            }
        }
    }

    #[test]
    fn sparse_ids_map_to_dense_ids_in_ascending_order() -> Result<(), ReadError> {
        let files =
            Files::new("sparse", "10\n20\n30\n18446744073709551615\n", "30 10 0.5\n10 18446744073709551615 2\n");
        let (graph, ids) = files.read(true, true)?;
        assert_eq!(ids, vec![10, 20, 30, u64::MAX]);
        assert_eq!(graph.out_neighbours(2), &[0]);
        assert_eq!(graph.out_neighbours(0), &[3]);
        assert_eq!(graph.out_weights(0), Some(&[2.0][..]));
        Ok(())
    }

    #[test]
    fn the_whole_u64_range_is_accepted() -> Result<(), ReadError> {
        let files = Files::new("extremes", "0\n18446744073709551615\n", "18446744073709551615 0\n");
        let (graph, ids) = files.read(true, false)?;
        assert_eq!(ids, vec![0, u64::MAX]);
        assert_eq!(graph.out_neighbours(1), &[0]);
        Ok(())
    }

    #[test]
    fn unsorted_vertex_files_are_sorted() -> Result<(), ReadError> {
        let files = Files::new("unsorted", "7\n3\n5\n", "7 3\n");
        let (graph, ids) = files.read(false, false)?;
        assert_eq!(ids, vec![3, 5, 7]);
        assert_eq!(graph.out_neighbours(0), &[2]);
        Ok(())
    }

    #[test]
    fn bad_lines_are_named_by_file_and_line() {
        let cases = [
            ("1\nx2\n", "1 1\n", false, "g.v:2: vertex id \"x2\" is not an unsigned 64-bit integer"),
            ("1\n2\n1\n", "", false, "g.v:3: vertex 1 is listed twice"),
            ("1\n2\n", "1 2\n2 -1\n", false, "g.e:2: target \"-1\" is not an unsigned 64-bit integer"),
            ("1\n2\n", "1 2\n2 3\n", false, "g.e:2: vertex 3 is not in the vertex file"),
            ("1\n2\n", "1 2 0.5\n2 1\n", true, "g.e:2: missing weight (the graph is read as weighted)"),
            ("1\n2\n", "1 2 -0.5\n", true, "g.e:1: weight \"-0.5\" is not a finite, non-negative float"),
            ("1\n2\n", "1\n", false, "g.e:1: missing target vertex"),
            ("1\n2\n", "1 2\n\n", false, "g.e:2: empty line"),
            ("1\n2\n", "1 2 3 4\n", false, "g.e:1: unexpected extra field \"4\""),
            ("1\n2\n", "2 2\n", false, "g.e:1: self-loop on vertex 2"),
            ("1\n2\n3\n", "1 2\n2 3\n2 1\n", false, "g.e:3: edge 1 2 repeats line 1"),
        ];
        for (index, (vertices, edges, weighted, expected)) in cases.into_iter().enumerate() {
            let files = Files::new(&format!("bad{index}"), vertices, edges);
            assert_eq!(message(files.read(false, weighted)), expected, "case {index}");
        }
    }

    #[test]
    fn chunks_hold_whole_lines_numbered_from_one() {
        let text = b"1 2\n3 4\r\n\n55 66\n7 8\n";
        for chunk_bytes in [0, 1, 3, 4, 5, 9, 100] {
            let mut numbered = Vec::new();
            for (first_line, chunk) in line_chunks(text, chunk_bytes) {
                for (offset, line) in chunk.split(|&byte| byte == b'\n').enumerate() {
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    numbered.push((first_line + offset as u64, line.to_vec()));
                }
            }
            let expected: Vec<(u64, Vec<u8>)> =
                lines(text).enumerate().map(|(i, line)| (i as u64 + 1, line.to_vec())).collect();
            assert_eq!(numbered, expected, "chunks of {chunk_bytes} bytes");
        }
        assert!(line_chunks(b"", 1).is_empty());
        assert_eq!(line_chunks(b"\n", 1), vec![(1, &b""[..])]);
    }

    #[test]
    fn a_bad_line_deep_in_a_large_file_is_numbered_exactly() {
        // Several parse chunks: the error must carry the line number in the whole file.
        let n_lines = 3 * CHUNK_BYTES / 10;
        let mut edges = String::with_capacity(n_lines * 10);
        for line in 0..n_lines {
            edges.push_str(if line == n_lines - 7 { "1 x\n" } else { "1 2\n" });
        }
        let files = Files::new("large", "1\n2\n", &edges);
        let expected = format!("g.e:{}: target \"x\" is not an unsigned 64-bit integer", n_lines - 6);
        assert_eq!(message(files.read(true, false)), expected);
    }

    #[test]
    fn opposite_edges_are_distinct_when_directed() -> Result<(), ReadError> {
        let files = Files::new("opposite", "1\n2\n", "1 2\n2 1\n");
        let (graph, _) = files.read(true, false)?;
        assert_eq!(graph.n_edges(), 2);
        Ok(())
    }

    #[test]
    fn output_matches_the_graphalytics_format() -> io::Result<()> {
        let ids = [2, 5, 9];
        let mut text = Vec::new();
        write_output(&mut text, &ids, &AlgoOutput::Depths(vec![0, 1, UNREACHED]))?;
        write_output(&mut text, &ids, &AlgoOutput::Labels(vec![0, 0, 2]))?;
        write_output(&mut text, &ids, &AlgoOutput::Values(vec![0.1477629166666667, 0.0, f64::INFINITY]))?;
        write_output(&mut text, &ids, &AlgoOutput::Values(vec![8.300000000000001e-01, 12345.0, 1e-300]))?;
        assert_eq!(
            String::from_utf8_lossy(&text),
            "2 0\n5 1\n9 9223372036854775807\n\
             2 2\n5 2\n9 9\n\
             2 1.477629166666667e-01\n5 0.000000000000000e+00\n9 infinity\n\
             2 8.300000000000001e-01\n5 1.234500000000000e+04\n9 1.000000000000000e-300\n"
        );
        Ok(())
    }

    #[test]
    fn a_value_count_mismatch_is_an_error() {
        let result = write_output(&mut Vec::new(), &[1, 2], &AlgoOutput::Labels(vec![0]));
        assert_eq!(result.map_err(|error| error.kind()), Err(io::ErrorKind::InvalidInput));
    }
}
