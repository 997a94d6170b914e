//! The demo world behind `clew demo`: a synthetic but realistic union mutual-aid fund — members,
//! staff, claims, hospitals, companies, bank accounts and transfers — dirty the way real exports
//! are, with planted fraud patterns, innocent look-alikes and entity-resolution traps, and the
//! ground truth for all of them.
//!
//! [`generate`] writes the CSV files, `mapping.toml` and `truth.json` into a folder; building
//! the snapshot from them is `clew build`'s job (the CLI does both). The same seed gives the same
//! bytes. Flow: `world` populates people and organisations, `plant` and `traps` add the
//! patterns, then `write` streams the files, generating the background claims and transfers
//! chunk by chunk in parallel (`background`) and dirtying every value on the way (`dirt`).

mod background;
mod dirt;
mod ids;
mod names;
mod plant;
mod traps;
mod truth;
mod world;
mod write;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use truth::*;

/// The mapping file the demo writes beside its data.
pub const MAPPING_FILE: &str = "mapping.toml";
/// The ground-truth file.
pub const TRUTH_FILE: &str = "truth.json";
/// The snapshot `clew demo` builds.
pub const SNAPSHOT_FILE: &str = "world.clew";

/// The demo mapping, kept as a file so it reads as an example.
const MAPPING_TEXT: &str = include_str!("mapping.toml");

/// How big a world to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// About 2,000 members, 10,000 claims and 20,000 transfers: seconds; for tests and CI.
    Small,
    /// About 200,000 members, 1,000,000 claims and 2,000,000 transfers: performance figures.
    Medium,
    /// About 1,000,000 members, 5,000,000 claims and 10,000,000 transfers.
    Large,
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Size::Small => "small",
            Size::Medium => "medium",
            Size::Large => "large",
        })
    }
}

impl FromStr for Size {
    type Err = String;

    fn from_str(s: &str) -> Result<Size, String> {
        match s {
            "small" => Ok(Size::Small),
            "medium" => Ok(Size::Medium),
            "large" => Ok(Size::Large),
            other => Err(format!("unknown size `{other}`; use small, medium or large")),
        }
    }
}

/// Why a demo world could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The output folder could not be created.
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// Text that the file's encoding cannot hold (a vocabulary bug).
    #[error("{file}: some text cannot be written in {encoding}")]
    Unencodable {
        /// The file.
        file: String,
        /// The encoding.
        encoding: &'static str,
    },
}

/// Independent random streams: one for the world, one per file, and within the big files one
/// per chunk, so that parallel generation is deterministic.
#[derive(Debug, Clone, Copy)]
enum Stream {
    World = 1,
    Persons,
    Staff,
    Hospitals,
    Companies,
    Roles,
    Accounts,
    Claims,
    Transfers,
    Applications,
    /// The hardship-grant applications without an ID (entity-resolution traps).
    Resolution,
}

/// The generator for one chunk of one stream.
fn chunk_rng(seed: u64, stream: Stream, chunk: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Chunk numbers stay far below 2^48, so streams never share a value.
    rng.set_stream(((stream as u64) << 48) ^ chunk);
    rng
}

/// Generates a world of `size` from `seed` and writes its CSV files, `mapping.toml` and
/// `truth.json` into `out` (created if missing). Returns the truth.
pub fn generate(size: Size, seed: u64, out: &Path) -> Result<Truth, DemoError> {
    let mut rng = chunk_rng(seed, Stream::World, 0);
    let mut world = world::World::populate(world::Params::for_size(size), &mut rng);
    plant::plant_patterns(&mut world, &mut rng);
    traps::plant_traps(&mut world, &mut rng);
    traps::plant_applications(&mut world, &mut chunk_rng(seed, Stream::Resolution, 0));
    world.seal_background();
    world.seal_transfers();
    write::write_world(&world, seed, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| {
                let path = e.expect("entry").path();
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                (name, std::fs::read(&path).expect("read"))
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn same_seed_same_bytes_different_seed_different_bytes() {
        let (a, b, c) =
            (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
        let truth_a = generate(Size::Small, 3, a.path()).expect("generate");
        generate(Size::Small, 3, b.path()).expect("generate");
        let truth_c = generate(Size::Small, 4, c.path()).expect("generate");
        let (files_a, files_b, files_c) = (file_bytes(a.path()), file_bytes(b.path()), file_bytes(c.path()));
        assert_eq!(files_a.len(), 11, "{:?}", files_a.iter().map(|f| &f.0).collect::<Vec<_>>());
        for ((name, x), (_, y)) in files_a.iter().zip(&files_b) {
            assert!(x == y, "{name} differs between two runs with the same seed");
        }
        for ((name, x), (_, y)) in files_a.iter().zip(&files_c) {
            if name != MAPPING_FILE {
                assert!(x != y, "{name} is the same for seeds 3 and 4");
            }
        }
        assert_ne!(truth_a, truth_c);
    }

    #[test]
    fn the_demo_mapping_parses_and_declares_the_written_formats() {
        let mapping = graph_schema::Mapping::parse(MAPPING_TEXT, MAPPING_FILE, graph_schema::Schema::builtin())
            .expect("the demo mapping is valid");
        let names: Vec<&str> = mapping.sources.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            names,
            [
                "persons.csv",
                "staff.csv",
                "hospitals.csv",
                "companies.csv",
                "roles.csv",
                "accounts.csv",
                "claims.csv",
                "transfers.csv",
                "applications.csv"
            ]
        );
        for source in &mapping.sources {
            for spec in source.entities.iter().flat_map(|e| e.properties.iter().map(|(_, s)| s)) {
                let declared: Vec<&str> = spec.formats.iter().map(String::as_str).collect();
                assert!(
                    declared.is_empty() || declared == dirt::DATE_FORMATS || declared == [dirt::STAFF_SINCE_FORMAT],
                    "{}: {declared:?}",
                    source.name
                );
            }
        }
    }

    #[test]
    fn small_world_plants_at_least_the_promised_patterns() {
        let dir = tempfile::tempdir().expect("dir");
        let truth = generate(Size::Small, 42, dir.path()).expect("generate");
        let p = &truth.patterns;
        assert_eq!(p.forging_staff.len(), 1);
        assert!(p.forging_staff[0].claims.len() >= 10);
        assert!(p.collusion_rings.len() >= 3);
        for ring in &p.collusion_rings {
            assert!((5..=15).contains(&ring.members.len()));
            assert!((1..=3).contains(&ring.phones.len()) && (1..=3).contains(&ring.accounts.len()));
        }
        assert!(p.shell_networks.len() >= 2);
        assert!(p.transfer_cycles.len() >= 3);
        for cycle in &p.transfer_cycles {
            assert!(cycle.returned >= 0.9 && cycle.days <= 30.0, "{cycle:?}");
            assert!(cycle.amounts_cents.windows(2).all(|w| w[1] < w[0]));
        }
        assert!(p.overlapping_stays.len() >= 5 && p.claims_after_death.len() >= 5);
        assert!(p.duplicate_claims.len() >= 5);
        for invalid in &p.invalid_id_claimants {
            assert!(graph_schema::normalise::resident_id(&invalid.person).is_err(), "{}", invalid.person);
        }
        let c = &truth.counts;
        assert_eq!(c.rejected_rows, 5);
        let persons = c.nodes["person"];
        assert!((2_000..3_000).contains(&persons), "{persons}");
        assert!((9_000..11_000).contains(&c.nodes["claim"]), "{:?}", c.nodes);
        assert!((20_000..20_500).contains(&c.transfer_edges), "{}", c.transfer_edges);
        assert!(truth.lookalikes.big_employer.employees >= 100);
        assert!(truth.lookalikes.supernode_accounts.iter().all(|s| s.transfers_in + s.transfers_out >= 500));
    }
}
