//! `GET /api/v1/search?q=&type=&limit=`: find entities by exact key (after the type's
//! normalisers: a resident ID typed with spaces or full-width digits, a phone with `+86`), by key
//! prefix, by name prefix, or by a pseudonym a viewer was shown.
//!
//! Viewers get exact matches only on personal keys and personal names: a prefix search there
//! would let them read a masked ID card or name back digit by digit.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use graph_schema::EntityTypeId;
use rustc_hash::FxHashSet;
use serde::Serialize;

use super::{answer, Params};
use crate::graph::NodeId;
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::mask;
use crate::server::state::{key_variants, AppState};
use crate::server::view::{NodeJson, View};

const PARAMS: &[&str] = &["q", "type", "limit"];

#[derive(Serialize)]
struct Hit<'v, 'a> {
    /// How it matched: `key`, `pseudonym`, `name`, `key_prefix` or `name_prefix`.
    #[serde(rename = "match")]
    how: &'static str,
    data: NodeJson<'v, 'a>,
}

#[derive(Serialize)]
struct Answer<'v, 'a> {
    results: Vec<Hit<'v, 'a>>,
    truncated: bool,
}

/// Searches keys and names.
pub async fn get(State(state): State<AppState>, caller: Caller, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), PARAMS)?;
    let query = params.get("q").map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| ApiError::missing_param("q"))?;
    if query.chars().count() > 200 {
        return Err(ApiError::limit("q (characters)", 200));
    }
    let limit = params.count("limit", 20, state.limits.max_limit)?;
    let snap = state.snapshot();
    let view = View::new(&snap, &state.masker, &caller);
    let g = view.graph();
    let types: Vec<EntityTypeId> = match params.get("type") {
        Some(t) => vec![view.entity_type(t)?],
        None => (0..g.schema().entities.len() as u16).map(EntityTypeId).collect(),
    };
    let mut seen: FxHashSet<NodeId> = FxHashSet::default();
    let mut hits: Vec<(&'static str, NodeId)> = Vec::new();
    let mut truncated = false;
    let mut push = |how: &'static str, node: NodeId, hits: &mut Vec<(&'static str, NodeId)>| -> bool {
        if view.hidden(node) || !seen.insert(node) {
            return true;
        }
        if hits.len() >= limit {
            truncated = true;
            return false;
        }
        hits.push((how, node));
        true
    };
    // 1. Exact keys, with the normalisers applied to the query; then pseudonyms; then `type:key`.
    let variants = key_variants(query);
    for &ty in &types {
        for v in &variants {
            if let Some(node) = g.find(ty, v) {
                push("key", node, &mut hits);
            }
        }
    }
    if let Some(bits) = mask::parse_pseudonym(query) {
        for &ty in &types {
            if let Some(node) = snap.by_pseudonym(ty, bits) {
                push("pseudonym", node, &mut hits);
            }
        }
    }
    if let Some((t, k)) = query.split_once(':') {
        if let (Some(ty), true) = (g.schema().entity_id(t), !k.is_empty()) {
            if types.contains(&ty) {
                if let Ok(node) = view.find(ty, k) {
                    push("key", node, &mut hits);
                }
            }
        }
    }
    // 2. Exact names.
    for (_, node) in snap.names_matching(query, true) {
        if types.contains(&g.node_type(node)) && !push("name", node, &mut hits) {
            break;
        }
    }
    // 3. Key prefixes (not of personal keys for viewers).
    let prefixes: Vec<&String> = variants.iter().take(2).collect();
    'keys: for &ty in &types {
        if view.masked && g.schema().entity(ty).sensitive_key {
            continue;
        }
        for p in &prefixes {
            for node in g.keys_with_prefix(ty, p, limit + 1) {
                if !push("key_prefix", node, &mut hits) {
                    break 'keys;
                }
            }
        }
    }
    // 4. Name prefixes (not of personal names for viewers).
    // The scan is bounded so that a one-character prefix over a million names stays cheap.
    for (_, node) in snap.names_matching(query, false).take(limit.saturating_mul(20).max(2000)) {
        let ty = g.node_type(node);
        if !types.contains(&ty) || (view.masked && snap.name_sensitive[ty.0 as usize]) {
            continue;
        }
        if !push("name_prefix", node, &mut hits) {
            break;
        }
    }
    let keys = hits.iter().map(|(_, n)| view.raw_id(*n)).collect();
    let results = hits.into_iter().map(|(how, node)| Hit { how, data: view.node_json(node, false) }).collect();
    answer(&Answer { results, truncated }, keys)
}
