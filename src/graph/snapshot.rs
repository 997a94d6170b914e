//! The snapshot file: sections of raw little-endian arrays that `memmap2` maps and the reader
//! borrows with no parsing, a bincode manifest describing them, and checksums for everything.
//! See `docs/snapshot-format.md` for the layout and its version history.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

#[cfg(not(target_endian = "little"))]
compile_error!("clew snapshots are little-endian and mapped without conversion; build on a little-endian target");

/// First bytes of every snapshot.
pub const MAGIC: &[u8; 8] = b"CLEWSNAP";
/// Last bytes of every complete snapshot.
pub const END_MAGIC: &[u8; 8] = b"CLEWEND1";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 2;
/// Fixed header: magic, version, flags, manifest offset/len/hash, header hash.
const HEADER_LEN: usize = 48;
/// Footer: manifest offset and the end magic.
const FOOTER_LEN: usize = 16;
/// Section alignment; a multiple of every element size, and of a cache line.
const ALIGN: u64 = 64;
/// Upper bound on the manifest, so a corrupt length cannot make us allocate gigabytes.
const MAX_MANIFEST: u64 = 1 << 30;

/// Why a snapshot could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// IO failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The snapshot path.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// Not a clew snapshot at all.
    #[error("{}: not a clew snapshot (bad magic)", path.display())]
    NotASnapshot {
        /// The snapshot path.
        path: PathBuf,
    },
    /// Written by another format version.
    #[error("{}: snapshot format version {found}, this clew reads version {expected}; rebuild it with `clew build`", path.display())]
    WrongVersion {
        /// The snapshot path.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// Shorter than its header says: an interrupted copy or a full disk.
    #[error("{}: truncated ({actual} bytes, the header needs {needed})", path.display())]
    Truncated {
        /// The snapshot path.
        path: PathBuf,
        /// File size.
        actual: u64,
        /// Size the header requires.
        needed: u64,
    },
    /// A checksum does not match: the file was damaged after it was written.
    #[error("{}: corrupt {part} (checksum mismatch)", path.display())]
    Corrupt {
        /// The snapshot path.
        path: PathBuf,
        /// Which part failed.
        part: String,
    },
    /// A section the reader needs is missing or has the wrong shape.
    #[error("{}: bad section `{name}`: {why}", path.display())]
    BadSection {
        /// The snapshot path.
        path: PathBuf,
        /// Section name.
        name: String,
        /// What is wrong.
        why: String,
    },
}

/// Where one section lives in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionEntry {
    /// Section name, e.g. `out_targets`.
    pub name: String,
    /// Byte offset, a multiple of 64.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
    /// XXH3-64 of the section's bytes.
    pub xxh3: u64,
}

/// Writes sections one after another, then the manifest and footer; atomically replaces `path`.
pub struct SnapshotWriter {
    path: PathBuf,
    temp: tempfile::NamedTempFile,
    out: BufWriter<File>,
    position: u64,
    sections: Vec<SectionEntry>,
}

impl SnapshotWriter {
    /// Starts a snapshot that will replace `path` when finished; until then `path` is untouched.
    pub fn create(path: &Path) -> Result<Self, SnapshotError> {
        let io = |source| SnapshotError::Io { path: path.to_owned(), source };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let temp = tempfile::Builder::new().prefix(".clew-").suffix(".tmp").tempfile_in(&dir).map_err(io)?;
        let file = temp.as_file().try_clone().map_err(io)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(&[0u8; HEADER_LEN]).map_err(io)?;
        Ok(SnapshotWriter { path: path.to_owned(), temp, out, position: HEADER_LEN as u64, sections: Vec::new() })
    }

    fn io(&self, source: std::io::Error) -> SnapshotError {
        SnapshotError::Io { path: self.path.clone(), source }
    }

    /// Appends one section of raw bytes.
    pub fn section(&mut self, name: &str, bytes: &[u8]) -> Result<(), SnapshotError> {
        let pad = (ALIGN - self.position % ALIGN) % ALIGN;
        self.out.write_all(&[0u8; ALIGN as usize][..pad as usize]).map_err(|e| self.io(e))?;
        self.position += pad;
        self.out.write_all(bytes).map_err(|e| self.io(e))?;
        self.sections.push(SectionEntry {
            name: name.to_owned(),
            offset: self.position,
            len: bytes.len() as u64,
            xxh3: xxh3_64(bytes),
        });
        self.position += bytes.len() as u64;
        Ok(())
    }

    /// Appends a section holding a slice of plain numbers.
    pub fn array<T: bytemuck::Pod>(&mut self, name: &str, values: &[T]) -> Result<(), SnapshotError> {
        self.section(name, bytemuck::cast_slice(values))
    }

    /// Writes `manifest` (with the section table filled in), the header and footer, then
    /// fsyncs, renames over the target and fsyncs the directory.
    pub fn finish<M: Serialize>(mut self, manifest: impl FnOnce(Vec<SectionEntry>) -> M) -> Result<u64, SnapshotError> {
        let manifest = manifest(std::mem::take(&mut self.sections));
        let bytes = bincode::serialize(&manifest).map_err(|e| self.io(std::io::Error::other(e)))?;
        let manifest_offset = self.position;
        self.out.write_all(&bytes).map_err(|e| self.io(e))?;
        self.out.write_all(&manifest_offset.to_le_bytes()).map_err(|e| self.io(e))?;
        self.out.write_all(END_MAGIC).map_err(|e| self.io(e))?;
        let total = manifest_offset + bytes.len() as u64 + FOOTER_LEN as u64;
        let mut header = [0u8; HEADER_LEN];
        header[0..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        header[16..24].copy_from_slice(&manifest_offset.to_le_bytes());
        header[24..32].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
        header[32..40].copy_from_slice(&xxh3_64(&bytes).to_le_bytes());
        let header_hash = xxh3_64(&header[..40]);
        header[40..48].copy_from_slice(&header_hash.to_le_bytes());
        let file =
            self.out.into_inner().map_err(|e| SnapshotError::Io { path: self.path.clone(), source: e.into_error() })?;
        use std::os::unix::fs::FileExt;
        let io = |source| SnapshotError::Io { path: self.path.clone(), source };
        file.write_all_at(&header, 0).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        self.temp.persist(&self.path).map_err(|e| SnapshotError::Io { path: self.path.clone(), source: e.error })?;
        sync_dir(&self.path).map_err(io)?;
        Ok(total)
    }
}

/// Fsyncs the directory holding `path`, so a rename into it survives a crash.
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// An opened snapshot: the mapped bytes and the decoded manifest.
pub struct MappedSnapshot<M> {
    /// The manifest.
    pub manifest: M,
    /// Section table.
    pub sections: Vec<SectionEntry>,
    map: Mmap,
    path: PathBuf,
}

impl<M: for<'de> Deserialize<'de>> MappedSnapshot<M> {
    /// Maps and checks `path`: header, footer, manifest and every section's checksum.
    /// `sections_of` extracts the section table from the decoded manifest.
    pub fn open(path: &Path, sections_of: impl Fn(&M) -> Vec<SectionEntry>) -> Result<Self, SnapshotError> {
        let io = |source| SnapshotError::Io { path: path.to_owned(), source };
        let file = File::open(path).map_err(io)?;
        // SAFETY: clew never modifies a snapshot file once written: writers build a temp file and
        // rename it over the old path, which leaves mapped inodes untouched. An outside process
        // truncating the file while mapped could still fault; that is the documented contract.
        #[allow(unsafe_code)]
        let map = unsafe { Mmap::map(&file) }.map_err(io)?;
        let len = map.len() as u64;
        let truncated = |needed: u64| SnapshotError::Truncated { path: path.to_owned(), actual: len, needed };
        if map.len() < 8 || &map[0..8] != MAGIC {
            return Err(SnapshotError::NotASnapshot { path: path.to_owned() });
        }
        if map.len() < HEADER_LEN + FOOTER_LEN {
            return Err(truncated((HEADER_LEN + FOOTER_LEN) as u64));
        }
        let u64_at = |at: usize| u64::from_le_bytes(map[at..at + 8].try_into().unwrap_or([0; 8]));
        let version = u32::from_le_bytes(map[8..12].try_into().unwrap_or([0; 4]));
        if xxh3_64(&map[..40]) != u64_at(40) {
            return Err(SnapshotError::Corrupt { path: path.to_owned(), part: "header".into() });
        }
        if version != FORMAT_VERSION {
            return Err(SnapshotError::WrongVersion {
                path: path.to_owned(),
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let (m_off, m_len, m_hash) = (u64_at(16), u64_at(24), u64_at(32));
        if m_len > MAX_MANIFEST {
            return Err(SnapshotError::Corrupt { path: path.to_owned(), part: "header (manifest length)".into() });
        }
        let needed = m_off.saturating_add(m_len).saturating_add(FOOTER_LEN as u64);
        if len < needed {
            return Err(truncated(needed));
        }
        let footer = &map[(m_off + m_len) as usize..needed as usize];
        if &footer[8..16] != END_MAGIC || u64::from_le_bytes(footer[0..8].try_into().unwrap_or([0; 8])) != m_off {
            return Err(SnapshotError::Corrupt { path: path.to_owned(), part: "footer".into() });
        }
        let manifest_bytes = &map[m_off as usize..(m_off + m_len) as usize];
        if xxh3_64(manifest_bytes) != m_hash {
            return Err(SnapshotError::Corrupt { path: path.to_owned(), part: "manifest".into() });
        }
        let manifest: M = bincode::options_limit(manifest_bytes)
            .map_err(|e| SnapshotError::Corrupt { path: path.to_owned(), part: format!("manifest ({e})") })?;
        let sections = sections_of(&manifest);
        for s in &sections {
            let end = s.offset.checked_add(s.len);
            if s.offset % ALIGN != 0 || end.is_none_or(|e| e > m_off) {
                return Err(SnapshotError::BadSection {
                    path: path.to_owned(),
                    name: s.name.clone(),
                    why: "out of bounds".into(),
                });
            }
        }
        // Checking every byte costs a few milliseconds per 100 MB on two cores and turns silent
        // garbage into a named error; that trade is worth it on every open.
        let bad =
            sections.par_iter().find_any(|s| xxh3_64(&map[s.offset as usize..(s.offset + s.len) as usize]) != s.xxh3);
        if let Some(s) = bad {
            return Err(SnapshotError::Corrupt { path: path.to_owned(), part: format!("section `{}`", s.name) });
        }
        Ok(MappedSnapshot { manifest, sections, map, path: path.to_owned() })
    }
}

/// bincode with a byte limit, so a forged length inside the manifest cannot exhaust memory.
mod bincode {
    use ::bincode::Options;
    pub use ::bincode::{serialize, Error};

    pub fn options_limit<M: for<'de> serde::Deserialize<'de>>(bytes: &[u8]) -> Result<M, Error> {
        ::bincode::DefaultOptions::new()
            .with_fixint_encoding()
            .allow_trailing_bytes()
            .with_limit(bytes.len() as u64 * 4 + 1024)
            .deserialize(bytes)
    }
}

impl<M> MappedSnapshot<M> {
    /// The file this snapshot was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size of the mapped file.
    pub fn file_len(&self) -> u64 {
        self.map.len() as u64
    }

    /// Byte range of the named section.
    pub fn range(&self, name: &str) -> Result<Range<usize>, SnapshotError> {
        self.sections
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.offset as usize..(s.offset + s.len) as usize)
            .ok_or_else(|| SnapshotError::BadSection {
                path: self.path.clone(),
                name: name.to_owned(),
                why: "missing".into(),
            })
    }

    /// Checks that the named section holds whole `T`s and returns its range.
    pub fn typed_range<T: bytemuck::Pod>(
        &self,
        name: &str,
        expected_len: Option<usize>,
    ) -> Result<Range<usize>, SnapshotError> {
        let range = self.range(name)?;
        let size = std::mem::size_of::<T>();
        let bad = |why: String| SnapshotError::BadSection { path: self.path.clone(), name: name.to_owned(), why };
        if range.len() % size != 0 {
            return Err(bad(format!("{} bytes is not a whole number of {size}-byte values", range.len())));
        }
        if let Some(n) = expected_len {
            if range.len() / size != n {
                return Err(bad(format!("{} values, expected {n}", range.len() / size)));
            }
        }
        Ok(range)
    }

    /// The raw bytes of a range returned by [`Self::range`].
    #[inline]
    pub fn bytes(&self, range: &Range<usize>) -> &[u8] {
        &self.map[range.clone()]
    }

    /// A range returned by [`Self::typed_range`] as a slice of `T`. Sections are 64-byte aligned
    /// in a page-aligned map, so the cast cannot fail for ranges checked at open.
    #[inline]
    pub fn slice<T: bytemuck::Pod>(&self, range: &Range<usize>) -> &[T] {
        bytemuck::try_cast_slice(&self.map[range.clone()]).unwrap_or(&[])
    }
}
