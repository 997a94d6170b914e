//! `GET /api/v1/alerts?rule=&level=&limit=&offset=`: the rule alerts of the analysis
//! (`<snapshot>.analysis/alerts.jsonl`), highest score first; an empty list when there is none.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{json, Value as Json};

use super::{answer, Params};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::state::{AppState, Level};
use crate::server::view::View;

const PARAMS: &[&str] = &["rule", "level", "limit", "offset"];

/// Parses a comma-separated list of levels.
pub fn levels(params: &Params) -> Result<Option<Vec<Level>>, ApiError> {
    let names = params.list("level");
    if names.is_empty() {
        return Ok(None);
    }
    names
        .iter()
        .map(|n| Level::parse(n).ok_or_else(|| ApiError::bad_param("level", "valid levels: red, orange, yellow, blue")))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// One alert as this caller may see it; adds the raw keys it carries to `keys`.
pub fn alert_json(view: &View<'_>, index: usize, keys: &mut Vec<String>) -> Json {
    let a = &view.snap.analysis;
    let alert = &a.alerts[index];
    let node = a.alert_nodes[index].filter(|&n| !view.hidden(n));
    let g = view.graph();
    let mut around: Vec<crate::graph::NodeId> = Vec::new();
    if let Some(n) = node {
        keys.push(view.raw_id(n));
        around.push(n);
        if view.masked {
            around.extend(g.out_edges(n).chain(g.in_edges(n)).take(200).map(|adj| adj.other));
        }
    }
    let known = view.known_personal(around);
    let mut out = json!({
        "rule": alert.rule,
        "record": view.entity_ref(&alert.record, node),
        "score": alert.score,
        "level": alert.level,
        "reasons": alert.reasons.iter().map(|r| view.text(r, &known)).collect::<Vec<_>>(),
    });
    if let Json::Object(map) = &mut out {
        for (k, v) in &alert.extra {
            map.entry(k.clone()).or_insert_with(|| view.json(v.clone(), &known));
        }
    }
    out
}

/// Lists alerts.
pub async fn list(State(state): State<AppState>, caller: Caller, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), PARAMS)?;
    let limit = params.count("limit", 50, state.limits.max_limit)?;
    let offset = params.offset("offset")?;
    let levels = levels(&params)?;
    let rules = params.list("rule");
    let snap = state.snapshot();
    let view = View::new(&snap, &state.masker, &caller);
    let a = &snap.analysis;
    let selected: Vec<usize> = (0..a.alerts.len())
        .filter(|&i| {
            let alert = &a.alerts[i];
            (rules.is_empty() || rules.contains(&alert.rule))
                && levels.as_ref().is_none_or(|l| l.contains(&alert.level))
                && !matches!(a.alert_nodes[i], Some(n) if view.hidden(n))
        })
        .collect();
    let mut keys = Vec::new();
    let alerts: Vec<Json> =
        selected.iter().skip(offset).take(limit).map(|&i| alert_json(&view, i, &mut keys)).collect();
    answer(&json!({"total": selected.len(), "offset": offset, "alerts": alerts}), keys)
}
