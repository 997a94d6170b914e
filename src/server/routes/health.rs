//! `GET /api/v1/health`: liveness for load balancers and scripts; no token needed, no entity data.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::plain;
use crate::server::error::ApiError;
use crate::server::state::AppState;

/// Says the server is up and which snapshot it serves.
pub async fn get(State(state): State<AppState>) -> Result<Response, ApiError> {
    let snap = state.snapshot();
    plain(&json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "snapshot": {
            "built_at": graph_schema::normalise::format_secs(snap.graph.manifest().built_at),
            "loaded_at": graph_schema::normalise::format_secs(snap.loaded_at),
            "nodes": snap.graph.n_nodes(),
            "edges": snap.graph.n_edges(),
        },
        "uptime_seconds": state.started.elapsed().as_secs(),
        // The viewer reads this to skip its sign-in form without provoking a 401.
        "auth": if matches!(state.auth, crate::server::auth::AuthMode::NoAuth) { "none" } else { "tokens" },
    }))
}
