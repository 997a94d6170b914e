//! The mapping file: how a user's CSV/JSONL sources become entities and relations.
//!
//! The TOML deserialises into `Raw*` structs, is checked once into a [`Mapping`] whose columns,
//! types and aliases are resolved, and everything downstream takes only the validated form.
//! Every error names the mapping file and the line of the definition at fault.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::line_of;
use crate::schema::{EntityTypeId, PropType, RelationTypeId, Schema};

/// A mapping that cannot be used: names the mapping file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct MappingError {
    /// The mapping file (or other origin) the text came from.
    pub origin: String,
    /// 1-based line of the offending definition.
    pub line: usize,
    /// What is wrong and what would be valid.
    pub message: String,
}

/// Text normalisers a column can apply, in order, before its value is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normaliser {
    /// Trim surrounding whitespace (always applied first anyway).
    Trim,
    /// Trim and collapse inner runs of whitespace into one space.
    CollapseSpaces,
    /// Full-width forms to their ASCII equivalents.
    HalfWidth,
    /// Upper case.
    Upper,
    /// Lower case.
    Lower,
    /// Person or company name: half-width, collapsed, no spaces between CJK characters.
    Name,
    /// 18-digit resident ID with its check digit; 15-digit numbers upgraded.
    ResidentId,
    /// Unified social credit code with its check character.
    CreditCode,
    /// Chinese mobile or landline number as digits.
    Phone,
    /// Chinese postal address in one canonical spelling (see `normalise::address`).
    Address,
}

impl Normaliser {
    /// All names accepted in a mapping, for error messages.
    pub const NAMES: &'static str =
        "trim, collapse_spaces, halfwidth, upper, lower, name, resident_id, credit_code, phone, address";

    fn parse(word: &str) -> Option<Normaliser> {
        Some(match word {
            "trim" => Normaliser::Trim,
            "collapse_spaces" => Normaliser::CollapseSpaces,
            "halfwidth" => Normaliser::HalfWidth,
            "upper" => Normaliser::Upper,
            "lower" => Normaliser::Lower,
            "name" => Normaliser::Name,
            "resident_id" => Normaliser::ResidentId,
            "credit_code" => Normaliser::CreditCode,
            "phone" => Normaliser::Phone,
            "address" => Normaliser::Address,
            _ => return None,
        })
    }

    /// Applies this normaliser; a validating normaliser refuses a value it cannot vouch for.
    pub fn apply(self, value: &str) -> Result<String, crate::normalise::Invalid> {
        use crate::normalise as n;
        Ok(match self {
            Normaliser::Trim => n::trim(value).to_owned(),
            Normaliser::CollapseSpaces => n::collapse_spaces(value).into_owned(),
            Normaliser::HalfWidth => n::halfwidth(value).into_owned(),
            Normaliser::Upper => n::upper(value),
            Normaliser::Lower => n::lower(value),
            Normaliser::Name => n::name(value),
            Normaliser::ResidentId => n::resident_id(value)?,
            Normaliser::CreditCode => n::credit_code(value)?,
            Normaliser::Phone => n::phone(value)?,
            Normaliser::Address => n::address(value),
        })
    }
}

/// Text encoding of a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a byte-order mark is skipped).
    Utf8,
    /// GBK, common in Chinese government exports.
    Gbk,
    /// GB 18030, the superset of GBK.
    Gb18030,
}

/// File format of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Delimited text.
    Csv {
        /// Field delimiter byte.
        delimiter: u8,
        /// Quote byte.
        quote: u8,
        /// Whether the first record names the columns.
        header: bool,
        /// Column names when there is no header row.
        columns: Vec<String>,
    },
    /// One JSON object per line; columns are top-level field names.
    Jsonl,
}

/// Where a value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnSource {
    /// One column.
    Column(String),
    /// Several columns joined with `|` (e.g. bank and account number).
    Columns(Vec<String>),
    /// The same constant for every row.
    Const(String),
}

/// One value of a row: its source, normalisers and (for dates) the accepted formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Where the text comes from.
    pub source: ColumnSource,
    /// Normalisers applied in order.
    pub normalise: Vec<Normaliser>,
    /// Date or datetime formats (chrono syntax); empty means the defaults.
    pub formats: Vec<String>,
    /// Line in the mapping file, for errors about this column.
    pub line: usize,
}

impl ColumnSpec {
    /// The column names this spec reads.
    pub fn columns(&self) -> Vec<&str> {
        match &self.source {
            ColumnSource::Column(c) => vec![c.as_str()],
            ColumnSource::Columns(cs) => cs.iter().map(String::as_str).collect(),
            ColumnSource::Const(_) => vec![],
        }
    }
}

/// An entity a row yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntitySpec {
    /// Name relations use to refer to this entity within the source.
    pub alias: String,
    /// Entity type.
    pub entity_type: EntityTypeId,
    /// The key column; equal normalised keys of one type are one node.
    pub key: ColumnSpec,
    /// An empty key skips this entity and its relations instead of rejecting the row.
    pub optional: bool,
    /// Property index (into the type's properties) and where its value comes from.
    pub properties: Vec<(usize, ColumnSpec)>,
    /// Line in the mapping file.
    pub line: usize,
}

/// A relation a row yields between two of its entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationSpec {
    /// Relation type.
    pub relation_type: RelationTypeId,
    /// Index of the source entity in [`Source::entities`].
    pub from: usize,
    /// Index of the target entity in [`Source::entities`].
    pub to: usize,
    /// Property index (into the relation's properties) and where its value comes from.
    pub properties: Vec<(usize, ColumnSpec)>,
    /// Line in the mapping file.
    pub line: usize,
}

/// One input: a file or glob, how to read it, and what each row yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Name used in reports.
    pub name: String,
    /// Path or glob, relative to the mapping file's folder unless absolute.
    pub path: String,
    /// File format.
    pub format: Format,
    /// Text encoding.
    pub encoding: Encoding,
    /// Entities each row yields.
    pub entities: Vec<EntitySpec>,
    /// Relations each row yields.
    pub relations: Vec<RelationSpec>,
    /// Only rows passing this filter are used; the others are counted as filtered out.
    pub filter: Option<RowFilter>,
    /// Line in the mapping file.
    pub line: usize,
}

/// `where = { column = "type", in = ["Officer"] }`: which rows of a file a source uses, so one
/// file holding several kinds of record (a node list with a type column) can feed several sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFilter {
    /// The column compared.
    pub column: String,
    /// Accepted values (compared after trimming).
    pub values: Vec<String>,
    /// Use rows whose value is NOT among `values`.
    pub negate: bool,
    /// Line in the mapping file.
    pub line: usize,
}

impl RowFilter {
    /// Whether a row whose filter column holds `value` is used.
    pub fn accepts(&self, value: &str) -> bool {
        let value = crate::normalise::trim(value);
        self.values.iter().any(|v| v == value) != self.negate
    }
}

impl Source {
    /// Every column this source reads, with the mapping line that asks for it.
    pub fn required_columns(&self) -> Vec<(&str, usize)> {
        let mut out = Vec::new();
        if let Some(filter) = &self.filter {
            out.push((filter.column.as_str(), filter.line));
        }
        for e in &self.entities {
            for c in e.key.columns() {
                out.push((c, e.key.line));
            }
            for (_, spec) in &e.properties {
                for c in spec.columns() {
                    out.push((c, spec.line));
                }
            }
        }
        for r in &self.relations {
            for (_, spec) in &r.properties {
                for c in spec.columns() {
                    out.push((c, spec.line));
                }
            }
        }
        out
    }
}

/// A validated mapping: the schema it targets and its sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Built-in types plus those of the mapping's schema file.
    pub schema: Schema,
    /// Schema file named by the mapping, relative to its folder, if any.
    pub schema_file: Option<String>,
    /// Inputs in mapping order.
    pub sources: Vec<Source>,
    /// Entity resolution per entity type (`[resolution.<type>]`), in type-name order.
    pub resolution: Vec<crate::resolution::TypeResolution>,
    /// When a shared identifier counts as common (`[common_identifiers]`).
    pub common_identifiers: crate::resolution::CommonIdentifiers,
}

impl Mapping {
    /// Reads only the `schema = "..."` line, so the caller can load that file before [`Mapping::parse`].
    pub fn schema_file_of(text: &str, origin: &str) -> Result<Option<String>, MappingError> {
        let raw = parse_raw(text, origin)?;
        Ok(raw.schema)
    }

    /// Validates mapping text against `schema` (built-ins plus the mapping's schema file, which the
    /// caller has already applied). `origin` names the mapping file in errors.
    pub fn parse(text: &str, origin: &str, schema: Schema) -> Result<Mapping, MappingError> {
        let raw = parse_raw(text, origin)?;
        let at = |offset: usize, message: String| MappingError {
            origin: origin.to_owned(),
            line: line_of(text, offset),
            message,
        };
        if raw.version != 1 {
            return Err(at(0, format!("mapping version {} is not supported; this clew reads version 1", raw.version)));
        }
        if raw.source.is_empty() {
            return Err(at(0, "the mapping has no [[source]] tables".to_owned()));
        }
        let mut sources = Vec::with_capacity(raw.source.len());
        for spanned in &raw.source {
            let start = spanned.span().start;
            let src = spanned.get_ref();
            if sources.iter().any(|s: &Source| s.name == src.name) {
                return Err(at(start, format!("two sources are named `{}`; names must be unique", src.name)));
            }
            let format = match src.format.as_str() {
                "csv" => {
                    let byte = |v: &Option<String>, default: u8, what: &str| -> Result<u8, MappingError> {
                        match v {
                            None => Ok(default),
                            Some(s) if s == "\\t" || s == "\t" => Ok(b'\t'),
                            Some(s) if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
                            Some(s) => Err(at(start, format!("{what} `{s}` must be one ASCII character (or \\t)"))),
                        }
                    };
                    let header = src.header.unwrap_or(true);
                    if !header && src.columns.is_empty() {
                        return Err(at(
                            start,
                            format!(
                                "source `{}` has header = false but no `columns = [...]` list naming them",
                                src.name
                            ),
                        ));
                    }
                    Format::Csv {
                        delimiter: byte(&src.delimiter, b',', "delimiter")?,
                        quote: byte(&src.quote, b'"', "quote")?,
                        header,
                        columns: src.columns.clone(),
                    }
                }
                "jsonl" => Format::Jsonl,
                other => return Err(at(start, format!("format `{other}` is not supported; use csv or jsonl"))),
            };
            let encoding = match src.encoding.as_deref().unwrap_or("utf-8").to_ascii_lowercase().as_str() {
                "utf-8" | "utf8" => Encoding::Utf8,
                "gbk" | "cp936" => Encoding::Gbk,
                "gb18030" => Encoding::Gb18030,
                other => {
                    return Err(at(start, format!("encoding `{other}` is not supported; use utf-8, gbk or gb18030")))
                }
            };
            let mut entities: Vec<EntitySpec> = Vec::new();
            for e in &src.entity {
                let e_start = e.span().start;
                let e = e.get_ref();
                let ty = schema.entity_id(&e.r#type).ok_or_else(|| {
                    at(e_start, format!("unknown entity type `{}`; known: {}", e.r#type, schema.entity_names()))
                })?;
                let alias = e.alias.clone().unwrap_or_else(|| e.r#type.clone());
                if entities.iter().any(|x| x.alias == alias) {
                    return Err(at(
                        e_start,
                        format!(
                            "alias `{alias}` is used twice in source `{}`; give one entity `as = \"...\"`",
                            src.name
                        ),
                    ));
                }
                let key = column_spec(&e.key, text, origin, e_start)?;
                let def = schema.entity(ty);
                let mut properties = Vec::new();
                for (name, spec) in &e.properties {
                    let idx = def.properties.iter().position(|p| &p.name == name).ok_or_else(|| {
                        let known: Vec<_> = def.properties.iter().map(|p| p.name.as_str()).collect();
                        at(
                            spec.span().start,
                            format!(
                                "entity type `{}` has no property `{name}`; it has: {} (add it in a schema file)",
                                def.name,
                                known.join(", ")
                            ),
                        )
                    })?;
                    let spec_checked = column_spec(spec, text, origin, e_start)?;
                    check_formats(&spec_checked, def.properties[idx].ty, &at, spec.span().start)?;
                    properties.push((idx, spec_checked));
                }
                entities.push(EntitySpec {
                    alias,
                    entity_type: ty,
                    key,
                    optional: e.optional.unwrap_or(false),
                    properties,
                    line: line_of(text, e_start),
                });
            }
            let mut relations = Vec::new();
            for r in &src.relation {
                let r_start = r.span().start;
                let r = r.get_ref();
                let rel = schema.relation_id(&r.r#type).ok_or_else(|| {
                    at(r_start, format!("unknown relation type `{}`; known: {}", r.r#type, schema.relation_names()))
                })?;
                let def = schema.relation(rel);
                let end = |alias: &str, allowed: &[EntityTypeId], side: &str| -> Result<usize, MappingError> {
                    let idx = entities.iter().position(|e| e.alias == alias).ok_or_else(|| {
                        let known: Vec<_> = entities.iter().map(|e| e.alias.as_str()).collect();
                        at(
                            r_start,
                            format!(
                                "relation `{}` {side} `{alias}` is not an entity of source `{}`; its entities: {}",
                                def.name,
                                src.name,
                                known.join(", ")
                            ),
                        )
                    })?;
                    let ty = entities[idx].entity_type;
                    if !allowed.is_empty() && !allowed.contains(&ty) {
                        let names: Vec<_> = allowed.iter().map(|t| schema.entity(*t).name.as_str()).collect();
                        return Err(at(
                            r_start,
                            format!(
                                "relation `{}` cannot have a `{}` as its {side}; allowed: {}",
                                def.name,
                                schema.entity(ty).name,
                                names.join(", ")
                            ),
                        ));
                    }
                    Ok(idx)
                };
                let from = end(&r.from, &def.from, "from")?;
                let to = end(&r.to, &def.to, "to")?;
                let mut properties = Vec::new();
                for (name, spec) in &r.properties {
                    let idx = def.properties.iter().position(|p| &p.name == name).ok_or_else(|| {
                        let known: Vec<_> = def.properties.iter().map(|p| p.name.as_str()).collect();
                        at(
                            spec.span().start,
                            format!(
                                "relation type `{}` has no property `{name}`; it has: {}",
                                def.name,
                                known.join(", ")
                            ),
                        )
                    })?;
                    let spec_checked = column_spec(spec, text, origin, r_start)?;
                    check_formats(&spec_checked, def.properties[idx].ty, &at, spec.span().start)?;
                    properties.push((idx, spec_checked));
                }
                relations.push(RelationSpec { relation_type: rel, from, to, properties, line: line_of(text, r_start) });
            }
            if entities.is_empty() {
                return Err(at(start, format!("source `{}` yields no entity; add a [[source.entity]]", src.name)));
            }
            let filter = match &src.filter {
                None => None,
                Some(spanned) => {
                    let f = spanned.get_ref();
                    let (values, negate) = match (&f.equals, &f.within, &f.not_in) {
                        (Some(v), None, None) => (vec![v.clone()], false),
                        (None, Some(vs), None) if !vs.is_empty() => (vs.clone(), false),
                        (None, None, Some(vs)) if !vs.is_empty() => (vs.clone(), true),
                        _ => {
                            return Err(at(
                                spanned.span().start,
                                "`where` takes `column` and exactly one of `equals = \"..\"`, `in = [..]` or `not_in = [..]`"
                                    .to_owned(),
                            ))
                        }
                    };
                    Some(RowFilter {
                        column: f.column.clone(),
                        values,
                        negate,
                        line: line_of(text, spanned.span().start),
                    })
                }
            };
            sources.push(Source {
                filter,
                name: src.name.clone(),
                path: src.path.clone(),
                format,
                encoding,
                entities,
                relations,
                line: line_of(text, start),
            });
        }
        let resolution = crate::resolution::validate(&raw.resolution, &schema, text, origin)?;
        let common_identifiers = crate::resolution::validate_common(raw.common_identifiers.as_ref(), text, origin)?;
        Ok(Mapping { schema, schema_file: raw.schema, sources, resolution, common_identifiers })
    }
}

fn check_formats(
    spec: &ColumnSpec,
    ty: PropType,
    at: &dyn Fn(usize, String) -> MappingError,
    offset: usize,
) -> Result<(), MappingError> {
    if !spec.formats.is_empty() && !matches!(ty, PropType::Date | PropType::DateTime) {
        return Err(at(offset, format!("`formats` only applies to date and datetime properties, not {ty:?}")));
    }
    Ok(())
}

fn parse_raw(text: &str, origin: &str) -> Result<RawMapping, MappingError> {
    toml::from_str(text).map_err(|err| MappingError {
        origin: origin.to_owned(),
        line: err.span().map(|s| line_of(text, s.start)).unwrap_or(1),
        message: err.message().trim().to_owned(),
    })
}

fn column_spec(
    raw: &Spanned<RawColumn>,
    text: &str,
    origin: &str,
    fallback: usize,
) -> Result<ColumnSpec, MappingError> {
    let offset = if raw.span().start == 0 && raw.span().end == 0 { fallback } else { raw.span().start };
    let line = line_of(text, offset);
    let err = |message: String| MappingError { origin: origin.to_owned(), line, message };
    let (source, normalise, formats) = match raw.get_ref() {
        RawColumn::Name(name) => (ColumnSource::Column(name.clone()), Vec::new(), Vec::new()),
        RawColumn::Full { column, columns, value, normalise, formats } => {
            let source = match (column, columns, value) {
                (Some(c), None, None) => ColumnSource::Column(c.clone()),
                (None, Some(cs), None) if !cs.is_empty() => ColumnSource::Columns(cs.clone()),
                (None, None, Some(v)) => ColumnSource::Const(v.clone()),
                _ => {
                    return Err(err(
                        "give exactly one of `column = \"..\"`, `columns = [..]` or `value = \"..\"`".to_owned()
                    ))
                }
            };
            let normalise = normalise
                .iter()
                .map(|w| {
                    Normaliser::parse(w)
                        .ok_or_else(|| err(format!("unknown normaliser `{w}`; valid: {}", Normaliser::NAMES)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            (source, normalise, formats.clone())
        }
    };
    Ok(ColumnSpec { source, normalise, formats, line })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    version: u32,
    schema: Option<String>,
    #[serde(default)]
    source: Vec<Spanned<RawSource>>,
    #[serde(default)]
    resolution: BTreeMap<String, Spanned<crate::resolution::RawTypeResolution>>,
    common_identifiers: Option<Spanned<crate::resolution::RawCommon>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    path: String,
    format: String,
    encoding: Option<String>,
    delimiter: Option<String>,
    quote: Option<String>,
    header: Option<bool>,
    #[serde(default)]
    columns: Vec<String>,
    #[serde(default)]
    entity: Vec<Spanned<RawEntity>>,
    #[serde(default)]
    relation: Vec<Spanned<RawRelation>>,
    #[serde(rename = "where")]
    filter: Option<Spanned<RawFilter>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFilter {
    column: String,
    equals: Option<String>,
    #[serde(rename = "in")]
    within: Option<Vec<String>>,
    not_in: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    r#type: String,
    #[serde(rename = "as")]
    alias: Option<String>,
    key: Spanned<RawColumn>,
    optional: Option<bool>,
    #[serde(default)]
    properties: BTreeMap<String, Spanned<RawColumn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelation {
    r#type: String,
    from: String,
    to: String,
    #[serde(default)]
    properties: BTreeMap<String, Spanned<RawColumn>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawColumn {
    Name(String),
    Full {
        column: Option<String>,
        columns: Option<Vec<String>>,
        value: Option<String>,
        #[serde(default)]
        normalise: Vec<String>,
        #[serde(default)]
        formats: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLAIMS: &str = r#"version = 1

[[source]]
name = "claims"
path = "claims.csv"
format = "csv"

  [[source.entity]]
  type = "claim"
  key = "claim_id"
  properties = { billed = "billed", admitted = { column = "admit", formats = ["%Y/%m/%d"] } }

  [[source.entity]]
  type = "person"
  as = "patient"
  key = { column = "patient_id", normalise = ["resident_id"] }

  [[source.entity]]
  type = "person"
  as = "staff"
  key = "staff_id"
  optional = true

  [[source.relation]]
  type = "claimed"
  from = "patient"
  to = "claim"

  [[source.relation]]
  type = "handled_by"
  from = "claim"
  to = "staff"
"#;

    fn parse(text: &str) -> Result<Mapping, MappingError> {
        Mapping::parse(text, "m.toml", Schema::builtin())
    }

    #[test]
    fn a_claims_source_resolves_types_aliases_and_columns() {
        let m = parse(CLAIMS).unwrap();
        let src = &m.sources[0];
        assert_eq!(src.entities.len(), 3);
        assert_eq!(src.entities[1].key.normalise, vec![Normaliser::ResidentId]);
        assert!(src.entities[2].optional);
        assert_eq!((src.relations[0].from, src.relations[0].to), (1, 0));
        let cols: Vec<_> = src.required_columns().into_iter().map(|(c, _)| c).collect();
        assert!(cols.contains(&"admit") && cols.contains(&"patient_id"));
        assert_eq!(src.entities[1].line, 13, "the line of its [[source.entity]] header");
    }

    #[test]
    fn errors_name_the_mapping_line() {
        let bad_type = CLAIMS.replace("type = \"claimed\"", "type = \"claimd\"");
        let err = parse(&bad_type).unwrap_err();
        assert_eq!(err.line, 24, "{err}");
        assert!(err.message.contains("unknown relation type `claimd`"), "{err}");

        let bad_prop = CLAIMS.replace("billed = \"billed\"", "bill = \"billed\"");
        let err = parse(&bad_prop).unwrap_err();
        assert_eq!(err.line, 11, "{err}");
        assert!(err.message.contains("no property `bill`"), "{err}");

        let bad_norm = CLAIMS.replace("[\"resident_id\"]", "[\"resident\"]");
        let err = parse(&bad_norm).unwrap_err();
        assert_eq!(err.line, 16, "{err}");

        let bad_end = CLAIMS.replace("to = \"staff\"", "to = \"nurse\"");
        let err = parse(&bad_end).unwrap_err();
        assert!(err.message.contains("`nurse` is not an entity"), "{err}");

        let wrong_end_type = CLAIMS.replace("from = \"patient\"", "from = \"claim\"");
        assert!(parse(&wrong_end_type).unwrap_err().message.contains("cannot have a `claim`"));

        let err = parse("version = 1\n[[source]]\nname = \"a\"\npath = 3\nformat = \"csv\"\n").unwrap_err();
        assert_eq!(err.line, 4, "{err}");
        let err = parse("version = 2\n").unwrap_err();
        assert!(err.message.contains("version 2"), "{err}");
    }

    #[test]
    fn a_source_can_take_only_some_rows() {
        let filtered = CLAIMS.replace(
            "format = \"csv\"",
            "format = \"csv\"\nwhere = { column = \"kind\", in = [\"inpatient\", \"day\"] }",
        );
        let m = parse(&filtered).unwrap();
        let filter = m.sources[0].filter.as_ref().unwrap();
        assert!(filter.accepts(" day ") && !filter.accepts("outpatient"));
        assert!(m.sources[0].required_columns().contains(&("kind", 7)));
        let negated =
            CLAIMS.replace("format = \"csv\"", "format = \"csv\"\nwhere = { column = \"kind\", not_in = [\"void\"] }");
        assert!(parse(&negated).unwrap().sources[0].filter.as_ref().unwrap().accepts("day"));
        let both = CLAIMS.replace(
            "format = \"csv\"",
            "format = \"csv\"\nwhere = { column = \"kind\", equals = \"a\", in = [\"b\"] }",
        );
        let err = parse(&both).unwrap_err();
        assert_eq!(err.line, 7, "{err}");
    }

    #[test]
    fn csv_options_are_checked() {
        let tsv = CLAIMS.replace(
            "format = \"csv\"",
            "format = \"csv\"\ndelimiter = \"\\t\"\nheader = false\ncolumns = [\"claim_id\"]",
        );
        match &parse(&tsv).unwrap().sources[0].format {
            Format::Csv { delimiter, header, .. } => assert_eq!((*delimiter, *header), (b'\t', false)),
            other => panic!("{other:?}"),
        }
        let no_cols = CLAIMS.replace("format = \"csv\"", "format = \"csv\"\nheader = false");
        assert!(parse(&no_cols).unwrap_err().message.contains("columns"));
        let enc = CLAIMS.replace("format = \"csv\"", "format = \"csv\"\nencoding = \"big5\"");
        assert!(parse(&enc).unwrap_err().message.contains("big5"));
    }
}
