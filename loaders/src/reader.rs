//! Reading source files in batches on a reader thread: CSV records or JSON lines, with the
//! file's size and XXH3 hash taken on the way through, and decoding from UTF-8/GBK/GB18030.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc::SyncSender;

use graph_schema::Encoding;
use xxhash_rust::xxh3::Xxh3;

/// Rows per batch handed to the parallel stage: big enough to amortise rayon's fork/join,
/// small enough that a few batches in flight stay a few megabytes.
pub(crate) const BATCH_ROWS: usize = 8192;
/// Batches in flight between the reader thread and the merger.
pub(crate) const BATCHES_IN_FLIGHT: usize = 4;

/// A raw record as read, before decoding.
pub(crate) enum Item {
    /// A CSV record and the line it starts on.
    Csv(u64, csv::ByteRecord),
    /// A JSON line and its line number.
    Json(u64, Vec<u8>),
    /// A record the reader could not use as a row: its line, the reason, and the fields it did
    /// read (for a record with the wrong number of fields), so the reject can show the record.
    Broken(u64, String, Option<csv::ByteRecord>),
}

impl Item {
    /// About how many bytes of the file this record took: its fields and their separators.
    pub(crate) fn approx_bytes(&self) -> u64 {
        match self {
            Item::Csv(_, record) | Item::Broken(_, _, Some(record)) => (record.as_slice().len() + record.len()) as u64,
            Item::Json(_, bytes) => bytes.len() as u64,
            Item::Broken(_, _, None) => 0,
        }
    }
}

/// Bytes the CSV reader buffers ahead of the record it is parsing.
const CSV_BUFFER: usize = 1 << 16;
/// Bytes [`Hashing`] keeps of what it last read: more than the CSV reader can be ahead, so the
/// byte that ended the record just parsed is always among them.
const TAIL: usize = 2 * CSV_BUFFER;

/// A `Read` that hashes and counts every byte it passes on, and keeps the last [`TAIL`] of them.
pub(crate) struct Hashing<R> {
    inner: R,
    hasher: Xxh3,
    bytes: u64,
    tail: Box<[u8]>,
}

impl<R: Read> Hashing<R> {
    pub(crate) fn new(inner: R) -> Self {
        Hashing { inner, hasher: Xxh3::new(), bytes: 0, tail: vec![0; TAIL].into_boxed_slice() }
    }

    /// Bytes read so far and their hash.
    pub(crate) fn finish(&self) -> (u64, u64) {
        (self.bytes, self.hasher.digest())
    }

    /// The byte at `offset` in the file, if it is among the last [`TAIL`] bytes read.
    fn byte_at(&self, offset: u64) -> Option<u8> {
        (offset < self.bytes && self.bytes - offset <= TAIL as u64).then(|| self.tail[(offset % TAIL as u64) as usize])
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        // Copy the read bytes (at most the last TAIL of them) into the ring at their offsets.
        let skip = n.saturating_sub(TAIL);
        let mut at = ((self.bytes + skip as u64) % TAIL as u64) as usize;
        for chunk in buf[skip..n].chunks(TAIL) {
            let first = chunk.len().min(TAIL - at);
            self.tail[at..at + first].copy_from_slice(&chunk[..first]);
            self.tail[..chunk.len() - first].copy_from_slice(&chunk[first..]);
            at = (at + chunk.len()) % TAIL;
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Decodes one field to text; `Err` carries the reason for a reject.
pub(crate) fn decode(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, String> {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|e| format!("not valid UTF-8 at byte {}", e.valid_up_to())),
        Encoding::Gbk => encoding_rs::GBK
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| "not valid GBK".to_owned()),
        Encoding::Gb18030 => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| "not valid GB18030".to_owned()),
    }
}

/// Opens a CSV file and reads its header (or takes the configured column names).
pub(crate) fn open_csv(
    path: &Path,
    delimiter: u8,
    quote: u8,
    header: bool,
    columns: &[String],
    encoding: Encoding,
) -> std::io::Result<(csv::Reader<Hashing<File>>, Vec<String>)> {
    let file = File::open(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(quote)
        .has_headers(header)
        // Without a header the csv crate would take the first record's length as the rule, so a
        // bad first row would pass and every good one fail; `pump_csv` checks against `columns`.
        .flexible(!header)
        .buffer_capacity(CSV_BUFFER)
        .from_reader(Hashing::new(file));
    let names = if header {
        let record = reader.byte_headers().map_err(csv_io)?.clone();
        record
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let text = decode(field, encoding).unwrap_or(Cow::Borrowed(""));
                let text = if i == 0 { text.trim_start_matches('\u{feff}') } else { &text };
                text.trim().to_owned()
            })
            .collect()
    } else {
        columns.to_vec()
    };
    Ok((reader, names))
}

fn csv_io(err: csv::Error) -> std::io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{other:?}")),
    }
}

/// Reads CSV records in batches into `tx` until the end of the file or the receiver hangs up.
/// `columns` is the mapping's column count for a file without a header (the reader checks a
/// headed file's records against its header itself).
pub(crate) fn pump_csv(
    mut reader: csv::Reader<Hashing<File>>,
    columns: Option<usize>,
    tx: SyncSender<Vec<Item>>,
) -> std::io::Result<(u64, u64)> {
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    // Each record is sent away, so it needs its own buffers; sizing them like the last record's
    // saves the csv crate growing them field by field.
    let (mut bytes_hint, mut fields_hint) = (0, 0);
    loop {
        let mut record = csv::ByteRecord::with_capacity(bytes_hint, fields_hint);
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                (bytes_hint, fields_hint) = (record.as_slice().len() + 16, record.len());
                let line = record_line(&reader, &record);
                match columns {
                    Some(n) if record.len() != n => batch.push(Item::Broken(
                        line,
                        format!("record has {} fields, the mapping's `columns` name {n}", record.len()),
                        Some(record),
                    )),
                    _ => batch.push(Item::Csv(line, record)),
                }
            }
            Err(err) => {
                let line = err.position().map(|p| p.line()).unwrap_or(0);
                match err.into_kind() {
                    csv::ErrorKind::Io(io) => return Err(io),
                    // The csv crate fills `record` before it checks the field count.
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => batch.push(Item::Broken(
                        record_line(&reader, &record),
                        format!("record has {len} fields, the header has {expected_len}"),
                        Some(record),
                    )),
                    other => batch.push(Item::Broken(line, format!("unreadable record: {other:?}"), None)),
                }
            }
        }
        if batch.len() == BATCH_ROWS {
            if tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS))).is_err() {
                break;
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(batch);
    }
    Ok(reader.get_ref().finish())
}

/// The 1-based line a record just read starts on.
///
/// The csv crate's record position is taken before the bytes that lead up to the record: the
/// `\n` of the previous record's CRLF (the `\r` ended that record) and any blank lines. On a
/// CRLF file it is one line early. So count back from where the record ended instead: the line
/// count there, less the newlines inside its quoted fields, less its own terminator if that was
/// a `\n` (a `\r`, or the end of the file, is not counted as a line yet).
fn record_line(reader: &csv::Reader<Hashing<File>>, record: &csv::ByteRecord) -> u64 {
    let end = reader.position();
    // The fields' bytes lie back to back in one buffer; counting there is one tight loop.
    let inside = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    let terminator = end.byte().checked_sub(1).and_then(|at| reader.get_ref().byte_at(at));
    end.line().saturating_sub(inside + u64::from(terminator == Some(b'\n')))
}

/// Reads JSON lines in batches into `tx`; blank lines are skipped, not counted as rows.
pub(crate) fn pump_jsonl(path: &Path, tx: SyncSender<Vec<Item>>) -> std::io::Result<(u64, u64)> {
    let mut reader = BufReader::with_capacity(1 << 16, Hashing::new(File::open(path)?));
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut line_no = 0u64;
    loop {
        let mut buf = Vec::new();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        let start = if line_no == 1 && buf.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        let body = &buf[start..];
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if start > 0 {
            buf.drain(..start);
        }
        batch.push(Item::Json(line_no, buf));
        if batch.len() == BATCH_ROWS && tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS))).is_err()
        {
            break;
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(batch);
    }
    // Drain what the BufReader has not consumed so the hash covers the whole file.
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest)?;
    Ok(reader.get_ref().finish())
}
