//! One module per resource of `/api/v1`, each with its handlers; this file holds what they
//! share: query-parameter parsing that names the bad parameter, the answer type that carries the
//! entity keys for the audit log, the request deadline, and the guard middleware
//! (authentication, then the audit line once the handler has answered).

pub mod admin;
pub mod alerts;
pub mod clusters;
pub mod communities;
pub mod entities;
pub mod export;
pub mod health;
pub mod neighbourhood;
pub mod paths;
pub mod search;
pub mod stats;
pub mod whoami;

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value as Json;

use super::audit::AuditEntry;
use super::error::ApiError;
use super::state::AppState;

/// Raw `type:key` of the entities an answer carries, for the audit line, as the JSON array the
/// line holds (rendered by the handler, which has the keys at hand).
#[derive(Debug, Clone)]
pub struct AuditKeys(pub String);

impl AuditKeys {
    /// From `type:key` strings.
    pub fn new(keys: &[String]) -> AuditKeys {
        AuditKeys(super::audit::keys_json(keys))
    }
}

/// A POST body as the audit line records it.
#[derive(Debug, Clone)]
pub struct AuditBody(pub Json);

/// A JSON answer that names the entities it carries for the audit log.
pub fn answer(body: &impl Serialize, keys: Vec<String>) -> Result<Response, ApiError> {
    answer_with(body, AuditKeys::new(&keys), 4096)
}

/// [`answer`] with the audit keys already rendered and a size hint for the body buffer, so a
/// large answer is serialised straight into one buffer instead of growing it step by step.
pub fn answer_with(body: &impl Serialize, keys: AuditKeys, size_hint: usize) -> Result<Response, ApiError> {
    let mut bytes = Vec::with_capacity(size_hint);
    serde_json::to_writer(&mut bytes, body).map_err(ApiError::internal)?;
    let mut response = (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], bytes).into_response();
    response.extensions_mut().insert(keys);
    Ok(response)
}

/// A JSON answer without entity data.
pub fn plain(body: &impl Serialize) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// Runs graph work off the async workers, so a long query delays no other request and the
/// time-budget layer can still answer while it finishes. At most one such task per core runs at
/// a time; the others wait in a fair queue, which keeps tail latency flat under load instead of
/// letting dozens of threads fight over two cores.
pub async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let permit = state.compute.clone().acquire_owned().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(ApiError::internal)?
}

/// Runs graph work right here on the async worker. For work known to be small (a 2-hop
/// neighbourhood capped at a thousand nodes, a single shortest path): handing it to the blocking
/// pool costs two thread hand-offs, about as much as the work itself, and each pool thread
/// would grow its own per-thread search scratch. Long loops inside still check their
/// [`Deadline`].
pub fn inline<T>(work: impl FnOnce() -> Result<T, ApiError>) -> Result<T, ApiError> {
    work()
}

/// The point in time a request must be done by; long loops check it.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
    budget: Duration,
}

impl Deadline {
    /// `budget` from now.
    pub fn after(budget: Duration) -> Deadline {
        Deadline { at: Instant::now() + budget, budget }
    }

    /// Fails once the budget is spent.
    pub fn check(&self) -> Result<(), ApiError> {
        if Instant::now() > self.at {
            Err(ApiError::timeout(self.budget))
        } else {
            Ok(())
        }
    }
}

/// Query parameters of one request, checked against the names an endpoint takes.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses a raw query string; a name not in `allowed` is a `400 unknown_parameter`.
    pub fn parse(query: Option<&str>, allowed: &[&str]) -> Result<Params, ApiError> {
        let pairs: Vec<(String, String)> = match query {
            None | Some("") => Vec::new(),
            Some(q) => serde_urlencoded::from_str(q).map_err(|e| ApiError::bad_param("query", e))?,
        };
        if let Some((name, _)) = pairs.iter().find(|(n, _)| !allowed.contains(&n.as_str())) {
            return Err(ApiError::unknown_param(name, allowed));
        }
        Ok(Params { pairs })
    }

    /// The last value of a parameter, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str())
    }

    /// Every comma-separated item of every occurrence of a parameter.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// A count parameter with a default and a cap; 0 and non-numbers are named errors.
    pub fn count(&self, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.get(name) {
            None => Ok(default.min(max)),
            Some(v) => parse_count(name, v, max),
        }
    }

    /// An offset (0 allowed).
    pub fn offset(&self, name: &str) -> Result<usize, ApiError> {
        match self.get(name) {
            None => Ok(0),
            Some(v) => {
                v.trim().parse::<usize>().map_err(|_| ApiError::bad_param(name, "must be a whole number from 0 up"))
            }
        }
    }

    /// A boolean parameter.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some("true" | "1" | "yes") => Ok(true),
            Some("false" | "0" | "no") => Ok(false),
            Some(_) => Err(ApiError::bad_param(name, "must be true or false")),
        }
    }

    /// A point in time: seconds since the epoch, or a date / date-time such as `2023-01-31`.
    pub fn time(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name).map(|v| parse_time(name, v)).transpose()
    }

    /// The parameters as a JSON object, for the audit line.
    pub fn to_json(query: Option<&str>) -> Json {
        let pairs: Vec<(String, String)> = query.and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
        let mut map = serde_json::Map::new();
        for (n, v) in pairs {
            match map.get_mut(&n) {
                Some(Json::Array(items)) => items.push(Json::String(v)),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Json::Array(vec![first, Json::String(v)]);
                }
                None => {
                    map.insert(n, Json::String(v));
                }
            }
        }
        Json::Object(map)
    }
}

/// Parses a positive count with a cap, naming the parameter.
pub fn parse_count(name: &str, v: &str, max: usize) -> Result<usize, ApiError> {
    let n: usize =
        v.trim().parse().map_err(|_| ApiError::bad_param(name, format!("must be a whole number from 1 to {max}")))?;
    if n == 0 {
        return Err(ApiError::bad_param(name, format!("must be a whole number from 1 to {max}")));
    }
    if n > max {
        return Err(ApiError::limit(name, max));
    }
    Ok(n)
}

/// Parses a time parameter: epoch seconds or a date / date-time in the loaders' default formats.
pub fn parse_time(name: &str, v: &str) -> Result<i64, ApiError> {
    if let Ok(secs) = v.trim().parse::<i64>() {
        return Ok(secs);
    }
    graph_schema::normalise::datetime_secs(v, &[]).map_err(|_| {
        ApiError::bad_param(name, "give seconds since the epoch or a date such as 2023-01-31 or 2023-01-31T08:00:00Z")
    })
}

/// Reads a POST body as JSON of type `T`, naming what is wrong.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_body("empty; send a JSON object"));
    }
    serde_json::from_slice(body).map_err(ApiError::bad_body)
}

/// Path segments as strings; a segment that is not UTF-8 once percent-decoded is a named 400,
/// not axum's plain-text rejection.
pub fn path_segments<T>(
    path: Result<axum::extract::Path<T>, axum::extract::rejection::PathRejection>,
) -> Result<T, ApiError> {
    path.map(|p| p.0).map_err(|rejection| ApiError::bad_param("path", rejection.body_text()))
}

/// The error for a body that could not be read: too large, or broken off.
pub fn body_rejection(rejection: &axum::extract::rejection::BytesRejection, limit: usize) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::body_too_large(limit)
    } else {
        ApiError::bad_body(rejection.body_text())
    }
}

/// Authenticates a request and, for `audited` routes, writes the audit line after the handler
/// answered and before the answer leaves. An audit line that cannot be written turns the answer
/// into `503 audit_unavailable`: no entity data leaves unlogged.
async fn guard(state: AppState, mut req: Request, next: Next, audited: bool) -> Response {
    let endpoint = format!(
        "{} {}",
        req.method(),
        req.extensions()
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned())
            .unwrap_or_else(|| req.uri().path().to_owned())
    );
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let header = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let caller = state.auth.authenticate(header);
    let response = match &caller {
        Err(err) => err.clone().into_response(),
        Ok(caller) => {
            req.extensions_mut().insert(caller.clone());
            next.run(req).await
        }
    };
    if !audited {
        return response;
    }
    let Some(log) = &state.audit else { return response };
    let mut parameters = Params::to_json(query.as_deref());
    if let (Some(AuditBody(body)), Json::Object(map)) = (response.extensions().get::<AuditBody>(), &mut parameters) {
        map.insert("body".to_owned(), body.clone());
    }
    let keys = response.extensions().get::<AuditKeys>().map(|k| k.0.as_str()).unwrap_or("[]");
    let entry = AuditEntry {
        token_id: caller.as_ref().ok().map(|c| c.token_id.as_str()),
        role: caller.as_ref().ok().map(|c| c.role.name()),
        endpoint: &endpoint,
        path: &path,
        parameters: &parameters,
        entity_keys: keys,
        status: response.status().as_u16(),
    };
    match log.write(&entry).await {
        Ok(()) => response,
        Err(err) => {
            tracing::error!("audit log {}: {err}", log.path().display());
            ApiError::audit_unavailable().into_response()
        }
    }
}

/// Guard for routes that return entity data: authenticate and audit.
pub async fn guard_audited(State(state): State<AppState>, req: Request, next: Next) -> Response {
    guard(state, req, next, true).await
}

/// Guard for routes without entity data: authenticate only.
pub async fn guard_plain(State(state): State<AppState>, req: Request, next: Next) -> Response {
    guard(state, req, next, false).await
}
