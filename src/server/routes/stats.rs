//! `GET /api/v1/stats`: counts, snapshot provenance (what `clew info` prints) and when the
//! analysis ran. Any role; no entity data.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::json;

use super::{plain, Params};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::state::AppState;

/// Counts and provenance of the served snapshot and its analysis.
pub async fn get(State(state): State<AppState>, _caller: Caller, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    Params::parse(q.as_deref(), &[])?;
    let snap = state.snapshot();
    let info = crate::graph::info::describe(&snap.graph, snap.open_ms);
    let a = &snap.analysis;
    let mut by_level = serde_json::Map::new();
    for c in &a.clusters {
        let n = by_level.entry(c.level.name()).or_insert(json!(0));
        *n = json!(n.as_u64().unwrap_or(0) + 1);
    }
    let mut alerts_by_rule = serde_json::Map::new();
    for alert in &a.alerts {
        let n = alerts_by_rule.entry(alert.rule.clone()).or_insert(json!(0));
        *n = json!(n.as_u64().unwrap_or(0) + 1);
    }
    plain(&json!({
        "snapshot": info,
        "loaded_at": graph_schema::normalise::format_secs(snap.loaded_at),
        "analysis": {
            "present": a.analysed_at.is_some(),
            "analysed_at": a.analysed_at.map(graph_schema::normalise::format_secs),
            "clusters": a.clusters.len(),
            "clusters_by_level": by_level,
            "alerts": a.alerts.len(),
            "alerts_by_rule": alerts_by_rule,
            "skipped_lines": a.skipped_lines,
        },
        "server": {
            "uptime_seconds": state.started.elapsed().as_secs(),
            "reloads": state.reloads(),
            "limits": {
                "max_hops": state.limits.max_hops,
                "max_nodes": state.limits.max_nodes,
                "default_max_nodes": state.limits.default_max_nodes,
                "supernode_degree": state.limits.supernode_degree,
                "max_limit": state.limits.max_limit,
                "max_path_hops": state.limits.max_path_hops,
                "max_paths": state.limits.max_paths,
                "body_bytes": state.limits.body_bytes,
                "time_budget_ms": state.limits.time_budget.as_millis() as u64,
            },
        },
    }))
}
