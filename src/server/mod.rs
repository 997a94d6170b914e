//! The HTTP API of `clew serve`: axum on tokio over one mapped snapshot.
//!
//! [`app`] builds the router from an [`AppState`] (tests drive it in-process); [`serve`] binds,
//! prints the address, reloads on SIGHUP and shuts down gracefully on SIGINT/SIGTERM. Layers,
//! outermost first: request tracing, the per-request time budget (a JSON `503
//! time_budget_exceeded`), the body limit, then per route the guard (bearer token, then the audit
//! line for routes that return entity data) and the handler. Handlers live in `routes/`, one
//! module per resource; masking lives in `view` and `mask`; errors are one [`error::ApiError`].
//!
//! Invariant: only this module (and the CLI that starts it) knows about HTTP or tokio.

pub mod audit;
pub mod auth;
pub mod error;
pub mod key_index;
pub mod mask;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod summary;
pub mod view;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Router};
use tower::{ServiceBuilder, ServiceExt};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

pub use auth::{AuthMode, Caller, Role, Tokens};
pub use error::ApiError;
pub use state::{AppState, Limits, StateConfig};

/// The router of the whole server: `/api/v1/...` and the web viewer at `/`.
pub fn app(state: AppState) -> Router {
    let budget = state.limits.time_budget;
    let audited = Router::new()
        .route("/api/v1/search", get(routes::search::get))
        .route("/api/v1/entities/{type}/{key}", get(routes::entities::get))
        .route("/api/v1/neighbourhood", get(routes::neighbourhood::get).post(routes::neighbourhood::post))
        .route("/api/v1/paths", get(routes::paths::get))
        .route("/api/v1/clusters", get(routes::clusters::list))
        .route("/api/v1/clusters/{id}", get(routes::clusters::get))
        .route("/api/v1/alerts", get(routes::alerts::list))
        .route("/api/v1/communities", get(routes::communities::list))
        .route("/api/v1/export/clusters/{id}", get(routes::export::cluster))
        .route("/api/v1/admin/reload", post(routes::admin::reload))
        .route_layer(from_fn_with_state(state.clone(), routes::guard_audited));
    let authenticated = Router::new()
        .route("/api/v1/stats", get(routes::stats::get))
        .route("/api/v1/whoami", get(routes::whoami::get))
        .route_layer(from_fn_with_state(state.clone(), routes::guard_plain));
    let open = Router::new()
        .route("/api/v1/health", get(routes::health::get))
        .route("/api/v1/openapi.json", get(openapi_json));
    Router::new()
        .merge(audited)
        .merge(authenticated)
        .merge(open)
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(state.limits.body_bytes))
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(HandleErrorLayer::new(move |err: BoxError| async move {
                    if err.is::<tower::timeout::error::Elapsed>() {
                        ApiError::timeout(budget)
                    } else {
                        ApiError::internal(err)
                    }
                }))
                .timeout(budget),
        )
        .with_state(state)
}

async fn openapi_json(State(state): State<AppState>) -> Response {
    axum::Json(openapi::document(&state.limits)).into_response()
}

/// The page `/` shows when the web viewer has not been built: a clear message, not a blank page.
const VIEWER_NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>clew: viewer not built</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5}code{background:#eee;padding:0 .2em}</style>
</head><body>
<h1>The clew web viewer is not built</h1>
<p>This server is running and its API answers at <a href="/api/v1/openapi.json"><code>/api/v1</code></a>,
but there are no viewer files to show here.</p>
<p>Build the viewer and point the server at it:</p>
<pre><code>cd web &amp;&amp; npm ci &amp;&amp; npm run build
clew serve world.clew --web web/dist</code></pre>
</body></html>
"#;

/// Anything that is not an API route: the viewer's static files, or a page saying it is missing.
async fn fallback(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::not_found("no such route; GET /api/v1/openapi.json lists them").into_response();
    }
    if let Some(dir) = &state.web_dir {
        if dir.join("index.html").is_file() {
            return match ServeDir::new(dir).oneshot(req).await {
                Ok(response) => response.into_response(),
                Err(never) => match never {},
            };
        }
    }
    let status = if path == "/" || path == "/index.html" { StatusCode::OK } else { StatusCode::NOT_FOUND };
    (status, [(header::CACHE_CONTROL, "no-store")], Html(VIEWER_NOT_BUILT)).into_response()
}

/// Everything `clew serve` can be told.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The snapshot.
    pub snapshot: PathBuf,
    /// Where to listen.
    pub addr: SocketAddr,
    /// Tokens file.
    pub tokens: Option<PathBuf>,
    /// No authentication (loopback only).
    pub no_auth: bool,
    /// Audit log path; `None` means `<snapshot>.audit.jsonl`.
    pub audit: Option<PathBuf>,
    /// No audit log (only together with `no_auth`).
    pub no_audit: bool,
    /// Static files of the web viewer.
    pub web: Option<PathBuf>,
    /// File holding the pseudonym secret; `None` generates one per start.
    pub secret_file: Option<PathBuf>,
    /// Request caps.
    pub limits: Limits,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// `--no-auth` on an address other people can reach.
    #[error("--no-auth is only allowed on a loopback address, not {addr}; give --tokens FILE")]
    NoAuthNotLoopback {
        /// The address.
        addr: SocketAddr,
    },
    /// Neither tokens nor `--no-auth`.
    #[error("give --tokens FILE (see `clew serve --hash-token`) or, for a demo on loopback, --no-auth")]
    NoAuthChoice,
    /// Both tokens and `--no-auth`.
    #[error("--tokens and --no-auth contradict each other; give one")]
    BothAuth,
    /// `--no-audit` with authentication on.
    #[error("--no-audit is only allowed with --no-auth (a demo); investigations are always audited")]
    AuditRequired,
    /// The tokens file.
    #[error(transparent)]
    Tokens(#[from] auth::TokensError),
    /// The secret file.
    #[error("{}: {why}", path.display())]
    Secret {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The snapshot.
    #[error(transparent)]
    Snapshot(#[from] crate::graph::SnapshotError),
    /// The audit log.
    #[error("audit log {}: {source}", path.display())]
    Audit {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// Binding or serving.
    #[error("{addr}: {source}")]
    Net {
        /// The address.
        addr: SocketAddr,
        /// The IO error.
        source: std::io::Error,
    },
}

fn secret(options: &ServeOptions) -> Result<Vec<u8>, ServeError> {
    match &options.secret_file {
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| ServeError::Secret { path: path.clone(), why: e.to_string() })?;
            let trimmed = bytes.trim_ascii().to_vec();
            if trimmed.len() < 16 {
                return Err(ServeError::Secret {
                    path: path.clone(),
                    why: format!(
                        "{} bytes; a secret needs at least 16 (e.g. `head -c 32 /dev/urandom | base64`)",
                        trimmed.len()
                    ),
                });
            }
            Ok(trimmed)
        }
        None => {
            use rand::RngCore;
            let mut bytes = vec![0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            tracing::info!("no --secret-file: pseudonyms are valid until this server stops");
            Ok(bytes)
        }
    }
}

/// Checks the options and opens everything: the state [`app`] serves.
pub fn state_from_options(options: &ServeOptions) -> Result<AppState, ServeError> {
    let auth = match (&options.tokens, options.no_auth) {
        (Some(_), true) => return Err(ServeError::BothAuth),
        (None, false) => return Err(ServeError::NoAuthChoice),
        (None, true) if !options.addr.ip().is_loopback() => {
            return Err(ServeError::NoAuthNotLoopback { addr: options.addr })
        }
        (None, true) => AuthMode::NoAuth,
        (Some(path), false) => AuthMode::Tokens(Tokens::load(path)?),
    };
    if options.no_audit && !options.no_auth {
        return Err(ServeError::AuditRequired);
    }
    let audit = if options.no_audit {
        None
    } else {
        let path = options.audit.clone().unwrap_or_else(|| crate::build::sidecar(&options.snapshot, "audit.jsonl"));
        Some(audit::AuditLog::open(&path).map_err(|source| ServeError::Audit { path, source })?)
    };
    let web_dir = options.web.clone().or_else(|| Some(PathBuf::from("web/dist")));
    Ok(AppState::new(StateConfig {
        snapshot: options.snapshot.clone(),
        auth,
        secret: secret(options)?,
        audit,
        limits: options.limits.clone(),
        web_dir,
    })?)
}

/// Serves until SIGINT or SIGTERM; SIGHUP reloads the snapshot. Prints the bound address on
/// stdout first (`listening on http://ADDR`), so a caller that asked for port 0 can find it.
pub async fn serve(options: ServeOptions) -> Result<(), ServeError> {
    let state = state_from_options(&options)?;
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|source| ServeError::Net { addr: options.addr, source })?;
    let local = listener.local_addr().map_err(|source| ServeError::Net { addr: options.addr, source })?;
    let auth = match &options.tokens {
        Some(path) => format!("tokens from {}", path.display()),
        None => "none (--no-auth, loopback only)".to_owned(),
    };
    let audit = match &state.audit {
        Some(log) => log.path().display().to_string(),
        None => "off".to_owned(),
    };
    // Written, not println!'d: a closed stdout (the caller read the address and went away) must
    // not bring the server down.
    let mut stdout = std::io::stdout();
    let _ = writeln!(
        stdout,
        "clew: serving {} — listening on http://{local} (auth: {auth}; audit: {audit})",
        options.snapshot.display()
    );
    let _ = stdout.flush();
    spawn_reload_on_hangup(state.clone());
    // Answers are small and written once: Nagle's algorithm would hold a response's last segment
    // back until the client's delayed ACK (tens of milliseconds).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|source| ServeError::Net { addr: local, source })?;
    let _ = writeln!(std::io::stdout(), "clew: stopped");
    Ok(())
}

fn spawn_reload_on_hangup(state: AppState) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; reload with POST /api/v1/admin/reload");
            return;
        };
        while hangups.recv().await.is_some() {
            match state.reload().await {
                Ok(_) => tracing::info!("SIGHUP: snapshot reloaded"),
                Err(err) => tracing::error!("SIGHUP: reload refused, still serving the previous snapshot: {err}"),
            }
        }
    });
    #[cfg(not(unix))]
    let _ = state;
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Time budget default, for the CLI's help text.
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(10);
