//! Turning one raw record into the entities and relations it yields: decode, normalise, type.
//! Runs in parallel on rayon; it touches no shared state, so the merger stays the only writer.

use std::borrow::Cow;

use graph_schema::normalise;
use graph_schema::{ColumnSource, ColumnSpec, Encoding, PropType, Schema, Source};
use rustc_hash::FxHashMap;

use crate::reader::{decode, Item};
use crate::reject::Issue;

/// A column spec with its columns resolved to slots of the row's value vector.
pub(crate) struct CompiledSpec<'m> {
    spec: &'m ColumnSpec,
    slots: Vec<usize>,
}

/// A source's specs, resolved against one file's columns.
pub(crate) struct Plan<'m> {
    pub(crate) source: &'m Source,
    /// Column name per slot.
    pub(crate) slot_names: Vec<String>,
    /// For CSV: record field index per slot.
    pub(crate) csv_positions: Vec<usize>,
    keys: Vec<CompiledSpec<'m>>,
    entity_props: Vec<Vec<(usize, PropType, CompiledSpec<'m>)>>,
    relation_props: Vec<Vec<(usize, PropType, CompiledSpec<'m>)>>,
    /// Slot of the source's `where` column, if it has one.
    filter_slot: Option<usize>,
    /// Per entity: a resident ID and a birth date to check against each other, if it has both.
    id_births: Vec<Option<IdBirth>>,
    encoding: Encoding,
}

impl<'m> Plan<'m> {
    /// Resolves the source's columns. For CSV, `header` gives the file's columns and a missing one
    /// is returned as `Err((column, mapping line))`; for JSONL `header` is `None`.
    pub(crate) fn new(source: &'m Source, schema: &Schema, header: Option<&[String]>) -> Result<Self, (String, usize)> {
        let mut slot_names: Vec<String> = Vec::new();
        let mut slot_index: FxHashMap<String, usize> = FxHashMap::default();
        let mut compile = |spec: &'m ColumnSpec| -> CompiledSpec<'m> {
            let slots = spec
                .columns()
                .into_iter()
                .map(|c| {
                    *slot_index.entry(c.to_owned()).or_insert_with(|| {
                        slot_names.push(c.to_owned());
                        slot_names.len() - 1
                    })
                })
                .collect();
            CompiledSpec { spec, slots }
        };
        let keys = source.entities.iter().map(|e| compile(&e.key)).collect();
        let entity_props = source
            .entities
            .iter()
            .map(|e| {
                let def = schema.entity(e.entity_type);
                e.properties.iter().map(|(i, s)| (*i, def.properties[*i].ty, compile(s))).collect()
            })
            .collect();
        let relation_props = source
            .relations
            .iter()
            .map(|r| {
                let def = schema.relation(r.relation_type);
                r.properties.iter().map(|(i, s)| (*i, def.properties[*i].ty, compile(s))).collect()
            })
            .collect();
        let id_births = source.entities.iter().map(|e| IdBirth::of(e, schema)).collect();
        let filter_slot = source.filter.as_ref().map(|f| match slot_index.get(&f.column) {
            Some(&slot) => slot,
            None => {
                slot_names.push(f.column.clone());
                slot_names.len() - 1
            }
        });
        let mut csv_positions = Vec::new();
        if let Some(header) = header {
            for (name, line) in source.required_columns() {
                if !header.iter().any(|h| h == name) {
                    return Err((name.to_owned(), line));
                }
            }
            csv_positions = slot_names.iter().map(|n| header.iter().position(|h| h == n).unwrap_or(0)).collect();
        }
        Ok(Plan {
            source,
            slot_names,
            csv_positions,
            keys,
            entity_props,
            relation_props,
            filter_slot,
            id_births,
            encoding: source.encoding,
        })
    }
}

/// An entity whose resident ID (its key, or a property) embeds a birth date that its
/// `birth_date` property should repeat.
pub(crate) struct IdBirth {
    /// The property holding the ID, or `None` for the key.
    id_property: Option<usize>,
    /// The `birth_date` property.
    birth_property: usize,
}

impl IdBirth {
    fn of(entity: &graph_schema::EntitySpec, schema: &Schema) -> Option<IdBirth> {
        let def = schema.entity(entity.entity_type);
        let birth_property = def.properties.iter().position(|p| p.name == "birth_date" && p.ty == PropType::Date)?;
        entity.properties.iter().find(|(i, _)| *i == birth_property)?;
        let is_id = |spec: &ColumnSpec| spec.normalise.contains(&graph_schema::Normaliser::ResidentId);
        if is_id(&entity.key) {
            return Some(IdBirth { id_property: None, birth_property });
        }
        let (id_property, _) = entity.properties.iter().find(|(_, spec)| is_id(spec))?;
        Some(IdBirth { id_property: Some(*id_property), birth_property })
    }
}

/// A flag (file and line left for the caller) when a valid resident ID's embedded birth date
/// differs from the row's birth date. Both values are kept: the ID is check-digit verified, the
/// birth date may be the typo, or the ID may belong to someone else; an investigator decides.
fn check_birth_date(
    plan: &Plan<'_>,
    e_idx: usize,
    check: &IdBirth,
    (key, key_invalid): (&str, bool),
    props: &[(usize, Val)],
    values: &[Cow<'_, str>],
) -> Option<Issue> {
    let id = match check.id_property {
        None => (!key_invalid).then_some(key)?,
        Some(p) => match props.iter().find(|(i, _)| *i == p) {
            Some((_, Val::Str(s))) => s.as_str(),
            _ => return None,
        },
    };
    let given = match props.iter().find(|(i, _)| *i == check.birth_property) {
        Some((_, Val::Num(days))) => *days,
        _ => return None,
    };
    let embedded = i64::from(normalise::resident_id_birth_date(id)?.to_epoch_days());
    if embedded == given {
        return None;
    }
    let (_, _, spec) = plan.entity_props[e_idx].iter().find(|(i, _, _)| *i == check.birth_property)?;
    Some(Issue {
        file: String::new(),
        line: 0,
        column: spec.spec.columns().join("|"),
        value: gather(spec, values).into_owned(),
        reason: format!(
            "birth date {} contradicts the resident ID's {}",
            normalise::format_days(given as i32),
            normalise::format_days(embedded as i32)
        ),
    })
}

/// A typed value ready for a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    /// Int, decimal, date, datetime or bool, already encoded as `i64`.
    Num(i64),
    /// A string value.
    Str(String),
    /// A value that failed validation, kept as its raw text.
    Raw(String),
}

/// An entity a row yields.
pub(crate) struct EntOut {
    pub(crate) key: String,
    pub(crate) hash: u128,
    pub(crate) key_invalid: bool,
    pub(crate) props: Vec<(usize, Val)>,
}

/// What one record yields.
pub(crate) enum RowOut {
    /// The row cannot be used.
    Rejected(Issue),
    /// The row's entities (None: optional and absent) and relation properties, plus flags.
    Kept { line: u64, entities: Vec<Option<EntOut>>, relations: Vec<Vec<(usize, Val)>>, flags: Vec<Issue> },
    /// The source's `where` filter leaves the row to other sources.
    Filtered,
}

/// Processes one record.
pub(crate) fn process(plan: &Plan<'_>, file: &str, item: &Item) -> RowOut {
    let (line, values) = match decode_item(plan, item) {
        Ok(v) => v,
        Err(issue) => return RowOut::Rejected(issue.into_issue(file)),
    };
    if let (Some(slot), Some(filter)) = (plan.filter_slot, &plan.source.filter) {
        if !filter.accepts(&values[slot]) {
            return RowOut::Filtered;
        }
    }
    let mut flags = Vec::new();
    let mut entities = Vec::with_capacity(plan.keys.len());
    for (e_idx, key_spec) in plan.keys.iter().enumerate() {
        let entity = &plan.source.entities[e_idx];
        let raw = gather(key_spec, &values);
        let halfwidth = normalise::halfwidth(&raw);
        let cleaned = normalise::collapse_spaces(&halfwidth);
        if cleaned.is_empty() {
            if entity.optional {
                entities.push(None);
                continue;
            }
            return RowOut::Rejected(Issue {
                file: file.to_owned(),
                line,
                column: key_spec.spec.columns().join("|"),
                value: raw.to_string(),
                reason: format!("empty key for `{}`", entity.alias),
            });
        }
        let (key, key_invalid) = match apply_normalisers(key_spec.spec, &cleaned) {
            Ok(k) if !k.is_empty() => (k.into_owned(), false),
            Ok(_) => (cleaned.to_string(), true),
            Err(reason) => {
                flags.push(Issue {
                    file: file.to_owned(),
                    line,
                    column: key_spec.spec.columns().join("|"),
                    value: raw.to_string(),
                    reason: format!("key of `{}` kept raw: {reason}", entity.alias),
                });
                (cleaned.to_uppercase(), true)
            }
        };
        let props = typed_values(&plan.entity_props[e_idx], &values, file, line, &mut flags);
        if let Some(check) = &plan.id_births[e_idx] {
            if let Some(issue) = check_birth_date(plan, e_idx, check, (&key, key_invalid), &props, &values) {
                flags.push(Issue { file: file.to_owned(), line, ..issue });
            }
        }
        let hash = crate::staging::key_hash(&key);
        entities.push(Some(EntOut { key, hash, key_invalid, props }));
    }
    let relations =
        plan.relation_props.iter().map(|props| typed_values(props, &values, file, line, &mut flags)).collect();
    RowOut::Kept { line, entities, relations, flags }
}

struct ItemError {
    line: u64,
    column: String,
    value: String,
    reason: String,
}

impl ItemError {
    fn into_issue(self, file: &str) -> Issue {
        Issue { file: file.to_owned(), line: self.line, column: self.column, value: self.value, reason: self.reason }
    }
}

/// Decodes a record into one text value per slot (empty where absent).
fn decode_item<'a>(plan: &Plan<'_>, item: &'a Item) -> Result<(u64, Vec<Cow<'a, str>>), ItemError> {
    match item {
        Item::Broken(line, reason, record) => {
            let value = record.as_ref().map(|r| record_text(plan, r)).unwrap_or_default();
            Err(ItemError { line: *line, column: String::new(), value, reason: reason.clone() })
        }
        Item::Csv(line, record) => {
            let line = *line;
            let mut values = Vec::with_capacity(plan.csv_positions.len());
            for (slot, &pos) in plan.csv_positions.iter().enumerate() {
                let bytes = record.get(pos).unwrap_or(b"");
                match decode(bytes, plan.encoding) {
                    Ok(text) => values.push(text),
                    Err(reason) => {
                        return Err(ItemError {
                            line,
                            column: plan.slot_names[slot].clone(),
                            value: String::from_utf8_lossy(bytes).into_owned(),
                            reason,
                        })
                    }
                }
            }
            Ok((line, values))
        }
        Item::Json(line, bytes) => {
            let line = *line;
            let text = decode(bytes, plan.encoding).map_err(|reason| ItemError {
                line,
                column: String::new(),
                value: String::from_utf8_lossy(bytes).chars().take(200).collect(),
                reason,
            })?;
            let object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&text).map_err(|e| ItemError {
                    line,
                    column: String::new(),
                    value: text.chars().take(200).collect(),
                    reason: format!("not a JSON object: {e}"),
                })?;
            let values = plan
                .slot_names
                .iter()
                .map(|name| match object.get(name) {
                    None | Some(serde_json::Value::Null) => Cow::Borrowed(""),
                    Some(serde_json::Value::String(s)) => Cow::Owned(s.clone()),
                    Some(other) => Cow::Owned(other.to_string()),
                })
                .collect();
            Ok((line, values))
        }
    }
}

/// A whole CSV record as text for a reject: fields decoded (lossily) and joined by the
/// source's delimiter, cut at 200 characters like a rejected JSON line.
fn record_text(plan: &Plan<'_>, record: &csv::ByteRecord) -> String {
    let delimiter = match &plan.source.format {
        graph_schema::Format::Csv { delimiter, .. } => char::from(*delimiter),
        graph_schema::Format::Jsonl => ',',
    };
    let fields: Vec<Cow<'_, str>> = record
        .iter()
        .map(|field| decode(field, plan.encoding).unwrap_or_else(|_| String::from_utf8_lossy(field)))
        .collect();
    fields.join(&delimiter.to_string()).chars().take(200).collect()
}

fn gather<'a>(spec: &'a CompiledSpec<'_>, values: &'a [Cow<'a, str>]) -> Cow<'a, str> {
    match &spec.spec.source {
        ColumnSource::Const(v) => Cow::Borrowed(v.as_str()),
        ColumnSource::Column(_) => Cow::Borrowed(&*values[spec.slots[0]]),
        ColumnSource::Columns(_) => {
            let parts: Vec<&str> = spec.slots.iter().map(|&s| normalise::trim(&values[s])).collect();
            if parts.iter().all(|p| p.is_empty()) {
                Cow::Borrowed("")
            } else {
                Cow::Owned(parts.join("|"))
            }
        }
    }
}

/// Runs the spec's normalisers in turn; borrows the text when there are none.
fn apply_normalisers<'t>(spec: &ColumnSpec, text: &'t str) -> Result<Cow<'t, str>, String> {
    let mut value = Cow::Borrowed(text);
    for n in &spec.normalise {
        value = Cow::Owned(n.apply(&value).map_err(|e| e.0)?);
    }
    Ok(value)
}

fn typed_values(
    props: &[(usize, PropType, CompiledSpec<'_>)],
    values: &[Cow<'_, str>],
    file: &str,
    line: u64,
    flags: &mut Vec<Issue>,
) -> Vec<(usize, Val)> {
    let mut out = Vec::with_capacity(props.len());
    for (idx, ty, spec) in props {
        let raw = gather(spec, values);
        let cleaned = normalise::trim(&raw);
        if cleaned.is_empty() {
            continue;
        }
        let typed = apply_normalisers(spec.spec, cleaned).and_then(|text| type_value(*ty, &text, &spec.spec.formats));
        match typed {
            Ok(v) => out.push((*idx, v)),
            Err(reason) => {
                flags.push(Issue {
                    file: file.to_owned(),
                    line,
                    column: spec.spec.columns().join("|"),
                    value: raw.to_string(),
                    reason: format!("kept raw: {reason}"),
                });
                out.push((*idx, Val::Raw(cleaned.to_owned())));
            }
        }
    }
    out
}

/// Parses normalised text as a value of `ty`.
pub(crate) fn type_value(ty: PropType, text: &str, formats: &[String]) -> Result<Val, String> {
    let fail = |e: normalise::Invalid| e.0;
    Ok(match ty {
        PropType::String => Val::Str(normalise::collapse_spaces(text).into_owned()),
        PropType::Int => Val::Num(normalise::int(text).map_err(fail)?),
        PropType::Decimal => Val::Num(normalise::amount_cents(text).map_err(fail)?),
        PropType::Date => Val::Num(normalise::date_days(text, formats).map_err(fail)? as i64),
        PropType::DateTime => Val::Num(normalise::datetime_secs(text, formats).map_err(fail)?),
        PropType::Bool => Val::Num(normalise::boolean(text).map_err(fail)? as i64),
    })
}
