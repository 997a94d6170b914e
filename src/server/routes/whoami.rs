//! `GET /api/v1/whoami`: the caller's token id and role, so the viewer can say who is signed in
//! and whether it is being sent masked data. Any role; no entity data.

use axum::extract::RawQuery;
use axum::response::Response;
use serde_json::json;

use super::{plain, Params};
use crate::server::auth::Caller;
use crate::server::error::ApiError;

/// Who the token belongs to.
pub async fn get(caller: Caller, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    Params::parse(q.as_deref(), &[])?;
    plain(&json!({"token_id": caller.token_id, "role": caller.role.name(), "masked": caller.masked()}))
}
