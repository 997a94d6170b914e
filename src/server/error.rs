//! The one error type of the HTTP API. Every failure leaves the server as
//! `{"error":{"code","message"}}`: client mistakes carry a 4xx status, a stable code and a
//! message saying what would be valid; internal faults are logged and shown only as `internal`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answer of the API.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code (documented in the OpenAPI document).
    pub code: &'static str,
    /// A sentence for people: what was wrong and what is valid.
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

/// Every code this API answers with, and its status: the table the OpenAPI document lists.
pub const CODES: &[(&str, u16, &str)] = &[
    ("bad_parameter", 400, "a query or body parameter has a bad value; the message names it"),
    ("unknown_parameter", 400, "a query parameter this endpoint does not take; the message lists valid ones"),
    ("missing_parameter", 400, "a required parameter is absent"),
    ("unknown_type", 400, "an entity type that the snapshot does not have; the message lists valid ones"),
    ("unknown_relation", 400, "a relation type that the snapshot does not have; the message lists valid ones"),
    ("limit_exceeded", 400, "a parameter above its cap (hops, max_nodes, limit, k, max_hops)"),
    ("bad_body", 400, "the request body is not the JSON object this endpoint takes"),
    ("unauthorized", 401, "no `Authorization: Bearer` token"),
    ("invalid_token", 401, "the token is not in the tokens file"),
    ("forbidden", 403, "the token's role may not do this"),
    ("not_found", 404, "no such entity, cluster or route"),
    ("method_not_allowed", 405, "the route exists but not with this method"),
    ("reload_failed", 409, "the new snapshot could not be opened; the previous one is still served"),
    ("query_too_broad", 422, "the query would visit too much of the graph; narrow it"),
    ("body_too_large", 413, "the request body is above the server's limit"),
    ("not_available", 501, "a feature whose backing module is not built into this server yet"),
    ("time_budget_exceeded", 503, "the request took longer than the server's per-request time budget"),
    ("audit_unavailable", 503, "the audit log could not be written, so no entity data is released"),
    ("internal", 500, "a server fault; details are in the server log, never in the answer"),
];

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }

    /// A parameter with a value that cannot be used; names the parameter.
    pub fn bad_param(name: &str, why: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_parameter", format!("parameter `{name}`: {why}"))
    }

    /// A parameter this endpoint does not know.
    pub fn unknown_param(name: &str, valid: &[&str]) -> ApiError {
        let name: String = name.chars().take(64).collect();
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_parameter",
            format!("unknown parameter `{name}`; this endpoint takes: {}", valid.join(", ")),
        )
    }

    /// A required parameter is absent.
    pub fn missing_param(name: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "missing_parameter", format!("parameter `{name}` is required"))
    }

    /// A parameter above its cap.
    pub fn limit(name: &str, max: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "limit_exceeded", format!("parameter `{name}` is at most {max}"))
    }

    /// An entity type the snapshot does not have.
    pub fn unknown_type(given: &str, valid: &str) -> ApiError {
        let given: String = given.chars().take(64).collect();
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_type",
            format!("unknown entity type `{given}`; valid types: {valid}"),
        )
    }

    /// A relation type the snapshot does not have.
    pub fn unknown_relation(given: &str, valid: &str) -> ApiError {
        let given: String = given.chars().take(64).collect();
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_relation",
            format!("unknown relation type `{given}`; valid relations: {valid}"),
        )
    }

    /// A body that is not the JSON this endpoint takes.
    pub fn bad_body(why: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_body", format!("request body: {why}"))
    }

    /// Nothing there. The message never repeats a sensitive key back.
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    /// No bearer token.
    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "send `Authorization: Bearer <token>`")
    }

    /// A token that is not in the tokens file.
    pub fn invalid_token() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", "the bearer token is not valid on this server")
    }

    /// The role may not do this.
    pub fn forbidden(needed: &str) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", format!("this needs the `{needed}` role"))
    }

    /// The route exists, not with this method.
    pub fn method_not_allowed() -> ApiError {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not take that method")
    }

    /// A body above the limit.
    pub fn body_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("request bodies are at most {limit} bytes"),
        )
    }

    /// The per-request time budget ran out.
    pub fn timeout(budget: std::time::Duration) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "time_budget_exceeded",
            format!("the request took longer than the {} ms budget; narrow it (fewer hops, type filters, a smaller max_nodes)", budget.as_millis()),
        )
    }

    /// A query the algorithms refused as too broad.
    pub fn too_broad(why: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "query_too_broad", why)
    }

    /// A reload that failed; the old snapshot stays.
    pub fn reload_failed(why: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "reload_failed", format!("{why}; still serving the previous snapshot"))
    }

    /// A feature whose module is not built in yet.
    pub fn not_available(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_IMPLEMENTED, "not_available", what.to_owned())
    }

    /// The audit log cannot be written: fail closed.
    pub fn audit_unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "audit_unavailable",
            "the audit log cannot be written, so no entity data is released; tell the administrator",
        )
    }

    /// A server fault: logged here with its detail, shown to the client only as `internal`.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!("internal error: {detail}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; the server log has the details")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body { error: Inner { code: self.code, message: &self.message } };
        let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"error\":{\"code\":\"internal\"}}".to_vec());
        let mut response = (self.status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
