//! The graph as one caller may see it: node and edge JSON in the shape Cytoscape.js loads
//! directly (`{"data":{...}}` elements), masked and pseudonymised for viewers, minors left out
//! for viewers, and the parsing of `type:key` node ids back to nodes.
//!
//! Every answer that carries entities goes through a [`View`], so the masking rules live here
//! and nowhere else.

use std::borrow::Cow;
use std::sync::Arc;

use graph_schema::{EntityTypeId, PropType};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value as Json};

use super::auth::Caller;
use super::error::ApiError;
use super::mask::{self, Masker};
use super::state::{key_variants, Minors, Snapshot};
use crate::graph::{EdgeId, Graph, NodeId, Value};

/// A graph element in Cytoscape's shape.
#[derive(Debug, Serialize)]
pub struct Element<T> {
    /// Its data.
    pub data: T,
}

/// One caller's view of one snapshot.
pub struct View<'a> {
    /// The snapshot.
    pub snap: &'a Snapshot,
    /// Pseudonyms.
    pub masker: &'a Masker,
    /// Mask personal data and leave minors out.
    pub masked: bool,
    minors: Arc<Minors>,
}

impl<'a> View<'a> {
    /// The view of `caller`.
    pub fn new(snap: &'a Snapshot, masker: &'a Masker, caller: &Caller) -> View<'a> {
        let masked = caller.masked();
        let minors = if masked { snap.minors() } else { Arc::new(Minors::default()) };
        View { snap, masker, masked, minors }
    }

    /// The graph.
    pub fn graph(&self) -> &'a Graph {
        &self.snap.graph
    }

    /// The minors this view leaves out (empty for callers who see everything).
    pub fn minors(&self) -> &Arc<Minors> {
        &self.minors
    }

    /// The pseudonym of a node's key: from the table made at load, or computed for a node
    /// outside it.
    pub fn pseudonym(&self, node: NodeId) -> String {
        match self.snap.pseudonym_bits_of(node) {
            Some(bits) => mask::format_pseudonym(bits),
            None => {
                let g = self.graph();
                self.masker.pseudonym(&g.schema().entity(g.node_type(node)).name, g.key(node))
            }
        }
    }

    /// Whether this caller may not see the node at all (a minor, for a viewer).
    #[inline]
    pub fn hidden(&self, node: NodeId) -> bool {
        self.masked && self.minors.set.contains(node.0)
    }

    /// The node's degree as this caller may know it: edges to hidden nodes are not counted.
    pub fn degree(&self, node: NodeId) -> usize {
        let all = self.graph().degree(node);
        if self.masked {
            all - self.minors.edges_to.get(&node).copied().unwrap_or(0) as usize
        } else {
            all
        }
    }

    /// Whether this caller sees the node's key only masked.
    pub fn key_masked(&self, node: NodeId) -> bool {
        let g = self.graph();
        self.masked && g.schema().entity(g.node_type(node)).sensitive_key
    }

    /// The node's id as this caller sees it.
    pub fn node_id(&self, node: NodeId) -> String {
        let g = self.graph();
        let ty = &g.schema().entity(g.node_type(node)).name;
        if self.key_masked(node) {
            format!("{ty}:{}", self.pseudonym(node))
        } else {
            format!("{ty}:{}", g.key(node))
        }
    }

    /// The raw `type:key`, for the audit log only.
    pub fn raw_id(&self, node: NodeId) -> String {
        let g = self.graph();
        format!("{}:{}", g.schema().entity(g.node_type(node)).name, g.key(node))
    }

    /// A property value as this caller may see it, masked if it is personal data and the caller
    /// is a viewer; text is borrowed from the snapshot where it can be. The one place that
    /// decides how a property value is shown: the owned JSON and the streamed answers use it.
    pub fn shown<'g>(&self, type_name: &str, name: &str, ty: PropType, sensitive: bool, value: Value<'g>) -> Shown<'g> {
        if self.masked && sensitive {
            if value.is_null() {
                return Shown::Null;
            }
            return Shown::Str(Cow::Owned(mask::property(type_name, name, ty, &value.render())));
        }
        match value {
            Value::Null => Shown::Null,
            Value::Int(i) => Shown::Int(i),
            Value::Decimal(c) => Shown::Float(c as f64 / 100.0),
            Value::Bool(b) => Shown::Bool(b),
            Value::Str(s) | Value::Invalid(s) => Shown::Str(Cow::Borrowed(s)),
            other => Shown::Str(Cow::Owned(other.render())),
        }
    }

    /// A property value as JSON, masked if it is personal data and the caller is a viewer.
    fn prop_json(&self, type_name: &str, name: &str, ty: PropType, sensitive: bool, value: Value<'_>) -> Json {
        match self.shown(type_name, name, ty, sensitive, value) {
            Shown::Null => Json::Null,
            Shown::Int(i) => Json::from(i),
            Shown::Float(f) => serde_json::Number::from_f64(f).map(Json::Number).unwrap_or(Json::Null),
            Shown::Bool(b) => Json::Bool(b),
            Shown::Str(s) => Json::String(s.into_owned()),
        }
    }

    /// The property a node's label comes from: `name` if it has a value, else `text`.
    fn label_prop(&self, node: NodeId) -> Option<usize> {
        let g = self.graph();
        let entity = g.schema().entity(g.node_type(node));
        let with_value = |name: &str| {
            // The last property of that name, as in the props map.
            let i = entity.properties.iter().rposition(|p| p.name == name)?;
            (!g.node_prop(node, i).is_null()).then_some(i)
        };
        with_value("name").or_else(|| with_value("text"))
    }

    /// The node as an element's data, serialised straight from the snapshot when written out
    /// (`capped` marks a summarised node). Every answer that shows nodes uses this.
    pub fn node_json(&self, node: NodeId, capped: bool) -> NodeJson<'_, 'a> {
        NodeJson { view: self, node, capped, id: self.node_id_json(node) }
    }

    /// The node's id as this caller sees it, serialised without building a string. It carries the
    /// key and pseudonym it was made from, so an answer looks each node up once and reuses it
    /// for the node, the edges that end there and the audit line.
    pub fn node_id_json(&self, node: NodeId) -> NodeIdJson<'a> {
        let g = self.graph();
        let entity = g.schema().entity(g.node_type(node));
        let raw_key = g.key(node);
        let bits = (self.masked && entity.sensitive_key).then(|| {
            self.snap.pseudonym_bits_of(node).unwrap_or_else(|| self.masker.pseudonym_bits(&entity.name, raw_key))
        });
        NodeIdJson { ty: &entity.name, raw_key, bits }
    }

    /// [`View::node_json`] with the node's id already made.
    pub fn node_json_with_id(&self, node: NodeId, capped: bool, id: NodeIdJson<'a>) -> NodeJson<'_, 'a> {
        NodeJson { view: self, node, capped, id }
    }

    /// The edge as an element's data, serialised straight from the snapshot.
    pub fn edge_json(&self, edge: EdgeId, source: NodeId, target: NodeId) -> EdgeJson<'_, 'a> {
        self.edge_json_between(edge, self.node_id_json(source), self.node_id_json(target))
    }

    /// [`View::edge_json`] with the ends' ids already made.
    pub fn edge_json_between(&self, edge: EdgeId, source: NodeIdJson<'a>, target: NodeIdJson<'a>) -> EdgeJson<'_, 'a> {
        EdgeJson { view: self, edge, source, target }
    }

    /// The node's properties as this caller sees them.
    pub fn node_props(&self, node: NodeId) -> Map<String, Json> {
        let g = self.graph();
        let entity = g.schema().entity(g.node_type(node));
        let mut props = Map::new();
        for (i, p) in entity.properties.iter().enumerate() {
            let value = g.node_prop(node, i);
            if value.is_null() {
                continue;
            }
            props.insert(p.name.clone(), self.prop_json(&entity.name, &p.name, p.ty, p.sensitive, value));
        }
        props
    }

    /// Parses an entity type name, naming the valid ones when it is unknown.
    pub fn entity_type(&self, name: &str) -> Result<EntityTypeId, ApiError> {
        let schema = self.graph().schema();
        schema.entity_id(name).ok_or_else(|| ApiError::unknown_type(name, &schema.entity_names()))
    }

    /// Finds a node of a type by key: the key as given, its normalised variants, or (for types
    /// with personal keys) a pseudonym. Hidden nodes are not found. The error never repeats a
    /// personal key.
    pub fn find(&self, ty: EntityTypeId, key: &str) -> Result<NodeId, ApiError> {
        let g = self.graph();
        let entity = g.schema().entity(ty);
        let found = if let Some(bits) = mask::parse_pseudonym(key) {
            self.snap.by_pseudonym(ty, bits).or_else(|| self.snap.find(ty, key))
        } else if key.len() > 512 {
            None
        } else {
            key_variants(key).into_iter().find_map(|k| self.snap.find(ty, &k))
        };
        match found {
            Some(node) if !self.hidden(node) => Ok(node),
            _ if entity.sensitive_key => Err(ApiError::not_found(format!("no {} with that key", entity.name))),
            _ => {
                let shown: String = key.chars().take(80).collect();
                Err(ApiError::not_found(format!("no {} with key `{shown}`", entity.name)))
            }
        }
    }

    /// Parses a node id `type:key` (as the API hands them out) to a node.
    pub fn resolve(&self, id: &str) -> Result<NodeId, ApiError> {
        let Some((ty, key)) = id.split_once(':') else {
            return Err(ApiError::bad_param(
                "id",
                "node ids are `type:key`, e.g. `person:11010519491231002X` or `phone:13812345678`",
            ));
        };
        let ty = self.entity_type(ty)?;
        self.find(ty, key)
    }

    /// Raw personal values of `nodes` (sensitive keys and properties) with their masked forms,
    /// for scrubbing free text that may cite them.
    pub fn known_personal(&self, nodes: impl IntoIterator<Item = NodeId>) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !self.masked {
            return out;
        }
        let g = self.graph();
        for node in nodes {
            let entity = g.schema().entity(g.node_type(node));
            if self.hidden(node) {
                // Nothing about a minor reaches a viewer, not even a masked form or pseudonym.
                out.push((g.key(node).to_owned(), "[withheld]".to_owned()));
                for (i, p) in entity.properties.iter().enumerate() {
                    if let Value::Str(raw) = g.node_prop(node, i) {
                        if p.sensitive {
                            out.push((raw.to_owned(), "[withheld]".to_owned()));
                        }
                    }
                }
                continue;
            }
            if entity.sensitive_key {
                let raw = g.key(node);
                let masked = format!("{} ({})", mask::key(&entity.name, raw), self.pseudonym(node));
                out.push((raw.to_owned(), masked));
            }
            for (i, p) in entity.properties.iter().enumerate() {
                if p.sensitive && p.ty == PropType::String {
                    if let Value::Str(raw) = g.node_prop(node, i) {
                        out.push((raw.to_owned(), mask::property(&entity.name, &p.name, p.ty, raw)));
                    }
                }
            }
        }
        // Longest first, so a full name is replaced before a shorter name inside it.
        out.sort_by_key(|pair| std::cmp::Reverse(pair.0.len()));
        out
    }

    /// Whether a resident ID cited in free text belongs to a person this caller may not see.
    fn withheld_id(&self, id: &str) -> bool {
        let g = self.graph();
        match g.schema().entity_id("person").and_then(|person| g.find(person, id)) {
            Some(node) => self.hidden(node),
            // Not in the snapshot: judge by the birth date in the number itself.
            None => graph_schema::normalise::resident_id_birth_date(id)
                .and_then(|b| b.checked_add_months(chrono::Months::new(18 * 12)))
                .is_some_and(|adult_on| adult_on > chrono::Local::now().date_naive()),
        }
    }

    /// Free text as this caller may read it.
    pub fn text(&self, text: &str, known: &[(String, String)]) -> String {
        if self.masked {
            mask::scrub_text(text, self.masker, known, &|id| self.withheld_id(id))
        } else {
            text.to_owned()
        }
    }

    /// A JSON value as this caller may read it (every string scrubbed for a viewer).
    pub fn json(&self, mut value: Json, known: &[(String, String)]) -> Json {
        if self.masked {
            mask::scrub_json(&mut value, self.masker, known, &|id| self.withheld_id(id));
        }
        value
    }

    /// An analysis entity reference: the node's data when it is in the snapshot, else its type
    /// and (masked) key with `"missing": true`.
    pub fn entity_ref(&self, r: &super::state::EntityRef, node: Option<NodeId>) -> Json {
        match node {
            Some(n) => serde_json::to_value(Element { data: self.node_json(n, false) }).unwrap_or(Json::Null),
            None => {
                let sensitive = self
                    .graph()
                    .schema()
                    .entity_id(&r.ty)
                    .map(|t| self.graph().schema().entity(t).sensitive_key)
                    .unwrap_or(true);
                let key = if self.masked && sensitive { mask::key(&r.ty, &r.key) } else { r.key.clone() };
                serde_json::json!({"data": {"type": r.ty, "key": key, "missing": true}})
            }
        }
    }
}

/// A property value as one caller may see it (see [`View::shown`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Shown<'g> {
    /// No value.
    Null,
    /// Text, borrowed from the snapshot or made (masked, or a date rendered).
    Str(Cow<'g, str>),
    /// Integer.
    Int(i64),
    /// A decimal amount.
    Float(f64),
    /// Boolean.
    Bool(bool),
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Null => s.serialize_none(),
            Shown::Str(text) => s.serialize_str(text),
            Shown::Int(i) => s.serialize_i64(*i),
            // As serde_json's `Number::from_f64`: no JSON number for NaN or infinity.
            Shown::Float(f) if f.is_finite() => s.serialize_f64(*f),
            Shown::Float(_) => s.serialize_none(),
            Shown::Bool(b) => s.serialize_bool(*b),
        }
    }
}

/// A node id (`type:key`, or `type:p:…` for a masked key), serialised without an allocation.
#[derive(Debug, Clone, Copy)]
pub struct NodeIdJson<'a> {
    ty: &'a str,
    raw_key: &'a str,
    /// The pseudonym bits when the caller sees the key masked.
    bits: Option<u64>,
}

impl<'a> NodeIdJson<'a> {
    /// The entity type name.
    pub fn ty(&self) -> &'a str {
        self.ty
    }

    /// The raw key (for the audit line only).
    pub fn raw_key(&self) -> &'a str {
        self.raw_key
    }
}

impl Serialize for NodeIdJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Joined by hand: answers write every id once per node and twice per edge, and the
        // formatting machinery behind `collect_str` cost more than the text.
        let mut text = String::with_capacity(self.ty.len() + 1 + self.raw_key.len().max(14));
        text.push_str(self.ty);
        text.push(':');
        match self.bits {
            Some(bits) => push_pseudonym(&mut text, bits),
            None => text.push_str(self.raw_key),
        }
        s.serialize_str(&text)
    }
}

/// Appends `p:` and the low 48 bits as 12 lower-case hex digits, as [`mask::format_pseudonym`].
fn push_pseudonym(text: &mut String, bits: u64) {
    text.push_str(mask::PSEUDONYM_PREFIX);
    for i in (0..12).rev() {
        text.push(char::from(b"0123456789abcdef"[(bits >> (4 * i)) as usize & 0xf]));
    }
}

/// An edge's id, `e` and its number.
pub struct EdgeIdJson(pub u32);

impl Serialize for EdgeIdJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut digits = [0u8; 11];
        let mut at = digits.len();
        let mut n = self.0;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        at -= 1;
        digits[at] = b'e';
        // ASCII digits and `e`: always UTF-8.
        s.serialize_str(std::str::from_utf8(&digits[at..]).unwrap_or("e"))
    }
}

/// A node as the API shows it (`NodeData` in the OpenAPI document), serialised straight from the
/// snapshot: `id` (`type:key`, or `type:p:…` for a viewer when the key is personal data), `type`,
/// `key` (masked for a viewer when personal data), `label`, `degree` (in plus out), `capped` (the
/// answer does not list all its neighbours), `pseudonym` (of a masked key), `risk` (the worst
/// level of the analysis clusters and alerts it is in) and `props` (masked per role).
pub struct NodeJson<'v, 'a> {
    view: &'v View<'a>,
    node: NodeId,
    capped: bool,
    id: NodeIdJson<'a>,
}

/// A node's properties in name order, null values left out.
struct PropsJson<'v, 'a> {
    view: &'v View<'a>,
    node: NodeId,
}

impl Serialize for PropsJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let view = self.view;
        let g = view.graph();
        let ty = g.node_type(self.node);
        let entity = g.schema().entity(ty);
        let mut map = s.serialize_map(None)?;
        for &i in &view.snap.node_prop_order[ty.0 as usize] {
            let value = g.node_prop(self.node, i);
            if value.is_null() {
                continue;
            }
            let p = &entity.properties[i];
            map.serialize_entry(&p.name, &view.shown(&entity.name, &p.name, p.ty, p.sensitive, value))?;
        }
        map.end()
    }
}

impl Serialize for NodeJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let view = self.view;
        let g = view.graph();
        let node = self.node;
        let entity = g.schema().entity(g.node_type(node));
        let id = self.id;
        let key: Cow<'_, str> = match id.bits {
            Some(_) => Cow::Owned(mask::key(id.ty, id.raw_key)),
            None => Cow::Borrowed(id.raw_key),
        };
        let label = view.label_prop(node).map(|i| {
            let p = &entity.properties[i];
            view.shown(&entity.name, &p.name, p.ty, p.sensitive, g.node_prop(node, i))
        });
        let label: &str = match &label {
            Some(Shown::Str(text)) if !text.is_empty() => text,
            _ => &key,
        };
        let risk = view.snap.analysis.risk.get(&node).map(|l| l.name());
        let mut st = s.serialize_struct("NodeData", 9)?;
        st.serialize_field("id", &id)?;
        st.serialize_field("type", &entity.name)?;
        st.serialize_field("key", &*key)?;
        st.serialize_field("label", label)?;
        st.serialize_field("degree", &view.degree(node))?;
        st.serialize_field("capped", &self.capped)?;
        if let Some(bits) = id.bits {
            let mut text = String::with_capacity(14);
            push_pseudonym(&mut text, bits);
            st.serialize_field("pseudonym", &text)?;
        }
        if let Some(risk) = risk {
            st.serialize_field("risk", risk)?;
        }
        st.serialize_field("props", &PropsJson { view, node })?;
        st.end()
    }
}

/// An edge as the API shows it, serialised straight from the snapshot: `id` (`e` and the edge
/// id), `source`, `target`, `relation`, `t` (its time in seconds since the epoch, for time
/// sliders) and its properties flattened in (`amount`, `time`, `share` ...; names the fields
/// above use become `prop_…`).
pub struct EdgeJson<'v, 'a> {
    view: &'v View<'a>,
    edge: EdgeId,
    source: NodeIdJson<'a>,
    target: NodeIdJson<'a>,
}

impl Serialize for EdgeJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let view = self.view;
        let g = view.graph();
        let rel_id = g.edge_relation(self.edge);
        let rel = g.schema().relation(rel_id);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("id", &EdgeIdJson(self.edge.0))?;
        map.serialize_entry("source", &self.source)?;
        map.serialize_entry("target", &self.target)?;
        map.serialize_entry("relation", &rel.name)?;
        if let Some(t) = g.edge_time(self.edge) {
            map.serialize_entry("t", &t)?;
        }
        for (name, i) in &view.snap.edge_prop_names[rel_id.0 as usize] {
            let value = g.edge_prop(self.edge, *i);
            if value.is_null() {
                continue;
            }
            let p = &rel.properties[*i];
            map.serialize_entry(name, &view.shown(&rel.name, &p.name, p.ty, p.sensitive, value))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_written_as_their_formatted_forms() {
        for bits in [0u64, 1, 0xabc, 0xffff_ffff_ffff, 0x1234_5678_9abc] {
            let mut text = String::new();
            push_pseudonym(&mut text, bits);
            assert_eq!(text, mask::format_pseudonym(bits));
            let id = NodeIdJson { ty: "person", raw_key: "110", bits: Some(bits) };
            assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"person:{}\"", mask::format_pseudonym(bits)));
        }
        let id = NodeIdJson { ty: "phone", raw_key: "138\"x", bits: None };
        assert_eq!(serde_json::to_string(&id).unwrap(), serde_json::to_string("phone:138\"x").unwrap());
        for e in [0u32, 7, 10, 65, 4_294_967_295] {
            assert_eq!(serde_json::to_string(&EdgeIdJson(e)).unwrap(), format!("\"e{e}\""));
        }
    }

    #[test]
    fn shown_values_serialise_like_json_values() {
        for (shown, json) in [
            (Shown::Null, Json::Null),
            (Shown::Int(-3), serde_json::json!(-3)),
            (Shown::Float(17347.12), serde_json::json!(17347.12)),
            (Shown::Float(f64::NAN), Json::Null),
            (Shown::Bool(true), Json::Bool(true)),
            (Shown::Str(Cow::Borrowed("张\"三")), serde_json::json!("张\"三")),
        ] {
            assert_eq!(serde_json::to_string(&shown).unwrap(), serde_json::to_string(&json).unwrap());
        }
    }
}
