//! Entity and relation types: the built-ins every investigation needs, plus any a schema file adds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::line_of;

/// Index of an entity type in its [`Schema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityTypeId(pub u16);

/// Index of a relation type in its [`Schema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RelationTypeId(pub u16);

/// The type of a property value. Every type is stored as one `i64` per row in the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PropType {
    /// Text; stored as an interned string id.
    String,
    /// A signed integer.
    Int,
    /// A decimal amount stored as integer hundredths (cents, or hundredths of a percent).
    Decimal,
    /// A calendar date, stored as days since 1970-01-01.
    Date,
    /// A point in time, stored as seconds since the Unix epoch.
    DateTime,
    /// True or false, stored as 1 or 0.
    Bool,
}

impl PropType {
    fn parse(word: &str) -> Option<PropType> {
        Some(match word {
            "string" => PropType::String,
            "int" => PropType::Int,
            "decimal" => PropType::Decimal,
            "date" => PropType::Date,
            "datetime" => PropType::DateTime,
            "bool" => PropType::Bool,
            _ => return None,
        })
    }
}

/// A named, typed property of an entity or relation type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropDef {
    /// Property name, unique within its type.
    pub name: String,
    /// Value type.
    pub ty: PropType,
    /// Personal data that a viewer-role user sees masked.
    pub sensitive: bool,
}

/// An entity type: the kind of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityType {
    /// Type name, e.g. `person`.
    pub name: String,
    /// Typed properties.
    pub properties: Vec<PropDef>,
    /// An identifier that many entities may point at (phone, address, e-mail): analytics treat
    /// a high-degree one as a common identifier rather than as a link between its holders.
    pub shared: bool,
    /// The key itself is personal data (a resident ID number, an account number).
    pub sensitive_key: bool,
}

/// A relation type: the kind of an edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationType {
    /// Type name, e.g. `transfer`.
    pub name: String,
    /// Entity types allowed at the source; empty means any.
    pub from: Vec<EntityTypeId>,
    /// Entity types allowed at the target; empty means any.
    pub to: Vec<EntityTypeId>,
    /// Typed edge properties.
    pub properties: Vec<PropDef>,
    /// The property that places the edge in time, for time-window filters.
    pub time_property: Option<usize>,
}

/// The set of entity and relation types of one graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Entity types, indexed by [`EntityTypeId`].
    pub entities: Vec<EntityType>,
    /// Relation types, indexed by [`RelationTypeId`].
    pub relations: Vec<RelationType>,
}

/// A schema file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct SchemaError {
    /// The file (or other origin) the text came from.
    pub origin: String,
    /// 1-based line of the offending definition.
    pub line: usize,
    /// What is wrong and what would be valid.
    pub message: String,
}

fn prop(name: &str, ty: PropType) -> PropDef {
    PropDef { name: name.to_owned(), ty, sensitive: false }
}

fn sensitive(name: &str, ty: PropType) -> PropDef {
    PropDef { name: name.to_owned(), ty, sensitive: true }
}

impl Schema {
    /// The built-in types: person, company, account, hospital, address, phone, claim and the
    /// relations between them that reimbursement and money-flow investigations use.
    pub fn builtin() -> Schema {
        use PropType::*;
        let mut schema = Schema { entities: Vec::new(), relations: Vec::new() };
        let entity = |name: &str, props: Vec<PropDef>, shared: bool, sensitive_key: bool| EntityType {
            name: name.to_owned(),
            properties: props,
            shared,
            sensitive_key,
        };
        schema.entities = vec![
            entity(
                "person",
                vec![
                    sensitive("name", String),
                    prop("gender", String),
                    sensitive("birth_date", Date),
                    prop("death_date", Date),
                    prop("role", String),
                ],
                false,
                true,
            ),
            entity(
                "company",
                vec![prop("name", String), prop("registered_on", Date), prop("status", String)],
                false,
                false,
            ),
            entity(
                "account",
                vec![prop("bank", String), sensitive("holder_name", String), prop("opened_on", Date)],
                true,
                true,
            ),
            entity("hospital", vec![prop("name", String), prop("level", String), prop("city", String)], false, false),
            entity(
                "address",
                vec![sensitive("text", String), prop("city", String), prop("district", String)],
                true,
                true,
            ),
            entity("phone", vec![], true, true),
            entity(
                "claim",
                vec![
                    prop("admitted", Date),
                    prop("discharged", Date),
                    prop("claimed_on", Date),
                    prop("billed", Decimal),
                    prop("reimbursed", Decimal),
                    prop("diagnosis", String),
                    prop("status", String),
                ],
                false,
                false,
            ),
        ];
        let id = |name: &str| EntityTypeId(schema.entities.iter().position(|e| e.name == name).unwrap() as u16);
        let (person, company, account, hospital, address, phone, claim) =
            (id("person"), id("company"), id("account"), id("hospital"), id("address"), id("phone"), id("claim"));
        let rel =
            |name: &str, from: Vec<EntityTypeId>, to: Vec<EntityTypeId>, props: Vec<PropDef>, time: Option<usize>| {
                RelationType { name: name.to_owned(), from, to, properties: props, time_property: time }
            };
        schema.relations = vec![
            rel("holds_account", vec![person, company], vec![account], vec![], None),
            rel("lives_at", vec![person], vec![address], vec![], None),
            rel("registered_at", vec![company], vec![address], vec![], None),
            rel("has_phone", vec![person, company], vec![phone], vec![], None),
            rel("employed_by", vec![person], vec![company, hospital], vec![prop("since", Date)], Some(0)),
            rel("legal_rep_of", vec![person], vec![company], vec![], None),
            rel("director_of", vec![person], vec![company], vec![], None),
            rel("shareholder_of", vec![person, company], vec![company], vec![prop("share", Decimal)], None),
            rel("claimed", vec![person], vec![claim], vec![], None),
            rel("treated_at", vec![claim], vec![hospital], vec![], None),
            rel("paid_to", vec![claim], vec![account], vec![], None),
            rel("handled_by", vec![claim], vec![person], vec![], None),
            rel(
                "transfer",
                vec![account],
                vec![account],
                vec![prop("amount", Decimal), prop("time", DateTime)],
                Some(1),
            ),
        ];
        schema
    }

    /// Looks an entity type up by name.
    pub fn entity_id(&self, name: &str) -> Option<EntityTypeId> {
        self.entities.iter().position(|e| e.name == name).map(|i| EntityTypeId(i as u16))
    }

    /// Looks a relation type up by name.
    pub fn relation_id(&self, name: &str) -> Option<RelationTypeId> {
        self.relations.iter().position(|r| r.name == name).map(|i| RelationTypeId(i as u16))
    }

    /// The entity type with this id.
    pub fn entity(&self, id: EntityTypeId) -> &EntityType {
        &self.entities[id.0 as usize]
    }

    /// The relation type with this id.
    pub fn relation(&self, id: RelationTypeId) -> &RelationType {
        &self.relations[id.0 as usize]
    }

    /// Adds the types of a schema file to this schema. `origin` names the file in errors.
    ///
    /// ```toml
    /// [[entity]]
    /// name = "vehicle"          # a new type, or an existing one to add properties to
    /// shared = true
    /// properties = { plate = "string", bought = "date" }
    /// sensitive = ["plate"]
    ///
    /// [[relation]]
    /// name = "drives"
    /// from = ["person"]
    /// to = ["vehicle"]
    /// properties = { since = "date" }
    /// time = "since"
    /// ```
    pub fn extend_from_toml(&mut self, text: &str, origin: &str) -> Result<(), SchemaError> {
        let raw: RawSchemaFile = toml::from_str(text).map_err(|err| SchemaError {
            origin: origin.to_owned(),
            line: err.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            message: err.message().to_owned(),
        })?;
        let fail = |span: std::ops::Range<usize>, message: String| SchemaError {
            origin: origin.to_owned(),
            line: line_of(text, span.start),
            message,
        };
        for spanned in raw.entity {
            let span = spanned.span();
            let def = spanned.into_inner();
            check_name(&def.name).map_err(|m| fail(span.clone(), m))?;
            let props = parse_props(&def.properties, &def.sensitive).map_err(|m| fail(span.clone(), m))?;
            match self.entity_id(&def.name) {
                Some(id) => {
                    let existing = &mut self.entities[id.0 as usize];
                    for p in props {
                        if existing.properties.iter().any(|q| q.name == p.name) {
                            return Err(fail(
                                span,
                                format!("entity type `{}` already has a property `{}`", def.name, p.name),
                            ));
                        }
                        existing.properties.push(p);
                    }
                    existing.shared |= def.shared.unwrap_or(false);
                }
                None => {
                    if self.entities.len() >= u16::MAX as usize {
                        return Err(fail(span, "too many entity types".to_owned()));
                    }
                    self.entities.push(EntityType {
                        name: def.name,
                        properties: props,
                        shared: def.shared.unwrap_or(false),
                        sensitive_key: def.sensitive_key.unwrap_or(false),
                    })
                }
            }
        }
        for spanned in raw.relation {
            let span = spanned.span();
            let def = spanned.into_inner();
            check_name(&def.name).map_err(|m| fail(span.clone(), m))?;
            if self.relation_id(&def.name).is_some() {
                return Err(fail(span, format!("relation type `{}` is already defined", def.name)));
            }
            let ends = |names: &[String]| -> Result<Vec<EntityTypeId>, String> {
                names
                    .iter()
                    .map(|n| {
                        self.entity_id(n)
                            .ok_or_else(|| format!("unknown entity type `{n}`; known: {}", self.entity_names()))
                    })
                    .collect()
            };
            let from = ends(&def.from).map_err(|m| fail(span.clone(), m))?;
            let to = ends(&def.to).map_err(|m| fail(span.clone(), m))?;
            let props = parse_props(&def.properties, &[]).map_err(|m| fail(span.clone(), m))?;
            let time_property = match &def.time {
                None => None,
                Some(t) => match props.iter().position(|p| &p.name == t) {
                    Some(i) if matches!(props[i].ty, PropType::Date | PropType::DateTime) => Some(i),
                    _ => {
                        return Err(fail(
                            span,
                            format!("time property `{t}` must be a date or datetime property of `{}`", def.name),
                        ))
                    }
                },
            };
            self.relations.push(RelationType { name: def.name, from, to, properties: props, time_property });
        }
        Ok(())
    }

    /// Comma-separated entity type names, for error messages.
    pub fn entity_names(&self) -> String {
        self.entities.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Comma-separated relation type names, for error messages.
    pub fn relation_names(&self) -> String {
        self.relations.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
    }
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && name.as_bytes()[0].is_ascii_lowercase();
    if ok {
        Ok(())
    } else {
        Err(format!("type name `{name}` must be 1–64 characters of a–z, 0–9 and _, starting with a letter"))
    }
}

fn parse_props(props: &BTreeMap<String, String>, sensitive: &[String]) -> Result<Vec<PropDef>, String> {
    for s in sensitive {
        if !props.contains_key(s) {
            return Err(format!("`sensitive` names `{s}`, which is not among the properties"));
        }
    }
    props
        .iter()
        .map(|(name, ty)| {
            check_name(name)?;
            let ty = PropType::parse(ty).ok_or_else(|| {
                format!("property `{name}` has type `{ty}`; valid types: string, int, decimal, date, datetime, bool")
            })?;
            Ok(PropDef { name: name.clone(), ty, sensitive: sensitive.contains(name) })
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchemaFile {
    #[serde(default)]
    entity: Vec<toml::Spanned<RawEntity>>,
    #[serde(default)]
    relation: Vec<toml::Spanned<RawRelation>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    name: String,
    shared: Option<bool>,
    sensitive_key: Option<bool>,
    #[serde(default)]
    properties: BTreeMap<String, String>,
    #[serde(default)]
    sensitive: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelation {
    name: String,
    #[serde(default)]
    from: Vec<String>,
    #[serde(default)]
    to: Vec<String>,
    #[serde(default)]
    properties: BTreeMap<String, String>,
    time: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_the_investigation_types() {
        let s = Schema::builtin();
        for name in ["person", "company", "account", "hospital", "address", "phone", "claim"] {
            assert!(s.entity_id(name).is_some(), "{name}");
        }
        let transfer = s.relation(s.relation_id("transfer").unwrap());
        assert_eq!(transfer.properties[transfer.time_property.unwrap()].name, "time");
        assert!(s.entity(s.entity_id("phone").unwrap()).shared);
    }

    #[test]
    fn schema_file_adds_types_and_properties() {
        let mut s = Schema::builtin();
        let text = "[[entity]]\nname = \"vehicle\"\nshared = true\nproperties = { plate = \"string\" }\n\n[[entity]]\nname = \"person\"\nproperties = { email = \"string\" }\nsensitive = [\"email\"]\n\n[[relation]]\nname = \"drives\"\nfrom = [\"person\"]\nto = [\"vehicle\"]\nproperties = { since = \"date\" }\ntime = \"since\"\n";
        s.extend_from_toml(text, "schema.toml").unwrap();
        let vehicle = s.entity_id("vehicle").unwrap();
        assert!(s.entity(vehicle).shared);
        let person = s.entity(s.entity_id("person").unwrap());
        assert!(person.properties.iter().any(|p| p.name == "email" && p.sensitive));
        assert_eq!(s.relation(s.relation_id("drives").unwrap()).to, vec![vehicle]);
    }

    #[test]
    fn schema_errors_name_the_line() {
        let mut s = Schema::builtin();
        let text = "[[entity]]\nname = \"vehicle\"\n\n[[relation]]\nname = \"drives\"\nfrom = [\"pilot\"]\n";
        let err = s.extend_from_toml(text, "x.toml").unwrap_err();
        assert_eq!(err.line, 4, "{err}");
        assert!(err.message.contains("unknown entity type `pilot`"), "{err}");
        let err = s.extend_from_toml("[[entity]]\nname = \"Bad Name\"\n", "y.toml").unwrap_err();
        assert!(err.to_string().starts_with("y.toml:1:"), "{err}");
        let err =
            s.extend_from_toml("[[entity]]\nname = \"v2\"\nproperties = { x = \"float\" }\n", "z.toml").unwrap_err();
        assert!(err.message.contains("valid types"), "{err}");
    }
}
