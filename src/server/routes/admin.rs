//! `POST /api/v1/admin/reload` (admin role): reopen the snapshot file, rebuilt in place by
//! `clew build`, and swap it in. Requests in flight finish on the snapshot they started with; a
//! snapshot that cannot be opened is refused with `409 reload_failed` and the old one stays.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::json;

use super::{plain, Params};
use crate::server::auth::{Caller, Role};
use crate::server::error::ApiError;
use crate::server::state::AppState;

/// Reloads the snapshot.
pub async fn reload(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    Params::parse(q.as_deref(), &[])?;
    match state.reload().await {
        Ok(snap) => plain(&json!({
            "reloaded": true,
            "nodes": snap.graph.n_nodes(),
            "edges": snap.graph.n_edges(),
            "built_at": graph_schema::normalise::format_secs(snap.graph.manifest().built_at),
            "open_ms": snap.open_ms,
            "clusters": snap.analysis.clusters.len(),
            "alerts": snap.analysis.alerts.len(),
        })),
        Err(err) => {
            tracing::warn!("reload refused: {err}");
            Err(ApiError::reload_failed(err))
        }
    }
}
