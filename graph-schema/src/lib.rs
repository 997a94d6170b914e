//! The vocabulary of a clew graph: entity and relation types with typed properties, the value
//! normalisers, and the validated mapping that says how a user's files become entities and edges.
//!
//! Invariant: this crate does no IO. Files are read by `loaders`; this crate only interprets text
//! it is handed, so every error it returns names the origin the caller gave it and a line.

#![deny(missing_docs)]

pub mod mapping;
pub mod normalise;
pub mod resolution;
pub mod schema;

pub use mapping::{
    ColumnSource, ColumnSpec, Encoding, EntitySpec, Format, Mapping, MappingError, Normaliser, RelationSpec, RowFilter,
    Source,
};
pub use resolution::{
    CommonIdentifiers, Compare, Evidence, EvidenceSource, ForcedGroup, StrongKey, TypeResolution, Weight, Weights,
};
pub use schema::{EntityType, EntityTypeId, PropDef, PropType, RelationType, RelationTypeId, Schema, SchemaError};

/// Converts a byte offset in `text` into a 1-based line number, for error messages.
pub fn line_of(text: &str, byte_offset: usize) -> usize {
    let end = byte_offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}
