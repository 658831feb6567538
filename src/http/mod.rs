//! Thin handlers: extract, call `oauth2::`/`flow`, call the store, render.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tower_http::request_id::PropagateRequestIdLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::crypto::ServerKey;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::theme::Themes;
use crate::time::Clock;
use crate::upstream::Upstream;

/// The largest request body read, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

mod api;
mod assets;
mod authorize;
mod demo;
mod error;
mod health;
mod introspect;
pub mod limits;
mod pages;
mod receipts;
mod render;
mod routes;
mod steps;
mod theme;
mod token;
mod upstream;

pub use limits::{ClientIp, Rate, RateLimits};
pub use routes::{data_api, token_endpoint};

/// How the public router is put together: what the operator chose at
/// `serve` (see `config::ServeArgs`).
#[derive(Clone, Debug)]
pub struct Options {
    /// Serve the demo integrator at `/demo` (`serve --demo`).
    pub demo: bool,
    pub rate_limits: RateLimits,
    /// Where a client's address comes from, for the rate limits.
    pub client_ip: ClientIp,
    /// How long a request may take in all, body and answer (then 503).
    pub request_timeout: Duration,
    /// How long the body may pause between two pieces (then 408).
    pub body_timeout: Duration,
}

impl Default for Options {
    /// What `serve` does without flags, less the demo.
    fn default() -> Self {
        Options {
            demo: false,
            rate_limits: RateLimits::default(),
            client_ip: ClientIp::Peer,
            request_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub key: ServerKey,
    /// The public URL, used as the OAuth2 issuer (`iss`).
    pub issuer: String,
    pub session_ttl: Duration,
    pub clock: Arc<dyn Clock>,
    /// The configured authentication methods and their providers.
    pub upstream: Arc<Upstream>,
    pub metrics: Arc<Metrics>,
    /// Integrators' `styles_uri` sheets, fetched and checked.
    pub themes: Arc<Themes>,
    /// The configured data sources.
    pub sources: Arc<crate::sources::Sources>,
    /// The keys consent receipts are signed with and verified by.
    pub receipt_keys: Arc<crate::receipt::KeyRing>,
}

const REQUEST_ID: &str = "x-request-id";

/// The route template of a request, for logs and metrics; never its path:
/// paths carry session IDs and queries carry codes and state.
fn route_of(req: &Request) -> &str {
    req.extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("<unmatched>")
}

/// Counts and times every request by method, route template and status.
async fn count_request(
    axum::extract::State(app): axum::extract::State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // The method is the client's choice: only the standard ones get a
    // series of their own.
    let method: &'static str = match req.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let route = route_of(&req).to_owned();
    let began = std::time::Instant::now();
    let res = next.run(req).await;
    app.metrics.request(
        method,
        &route,
        res.status().as_u16(),
        began.elapsed().as_secs_f64(),
    );
    res
}

/// A client's own `X-Request-Id`: never used as ours, only logged apart,
/// escaped and cut to [`CLIENT_REQUEST_ID_MAX`] characters.
#[derive(Clone, Debug)]
struct ClientRequestId(String);

const CLIENT_REQUEST_ID_MAX: usize = 64;

/// Gives every request a fresh request ID of ours, whatever the client
/// sent; the client's value is kept apart for the log.
async fn assign_request_id(
    mut req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if let Some(theirs) = req.headers_mut().remove(REQUEST_ID) {
        let theirs: String = String::from_utf8_lossy(theirs.as_bytes())
            .chars()
            .take(CLIENT_REQUEST_ID_MAX)
            .collect();
        req.extensions_mut().insert(ClientRequestId(theirs));
    }
    let ours = uuid::Uuid::new_v4().to_string();
    if let Ok(value) = HeaderValue::from_str(&ours) {
        req.headers_mut().insert(REQUEST_ID, value);
    }
    next.run(req).await
}

/// The public router with [`Options::default`] (no demo).
pub fn router(state: AppState) -> Router {
    router_with(state, &Options::default())
}

/// The public router. `/metrics` is not on it: see [`metrics_router`].
pub fn router_with(state: AppState, options: &Options) -> Router {
    with_layers(routes::routes(options), state, options)
}

/// What every public request goes through, around `routes`: request IDs,
/// the trace span, metrics, security headers, faults (a panic too)
/// rendered as a page or JSON with the request ID, body and time limits.
pub fn with_layers(routes: Router<AppState>, state: AppState, options: &Options) -> Router {
    let x_request_id = axum::http::HeaderName::from_static(REQUEST_ID);
    routes
        // A handler that takes too long is cut off (503); a body that
        // stalls is refused (408).
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            options.request_timeout,
        ))
        .layer(from_fn_with_state(options.body_timeout, body_timeout))
        // Every form and token request is small; a larger body is refused
        // (413) before it is read.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A panic becomes a fault response first, so that the renderer
        // outside it logs it once and shows only the request ID: as a page,
        // unless the routes it happened in are another surface's
        // (`token_endpoint`, `data_api`), which catch their own.
        .layer(error::catch_panics::<pages::PageError>())
        .layer(axum::middleware::from_fn(error::render_internal_errors))
        .layer(axum::middleware::from_fn(pages::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_request,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_served)
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id))
        .layer(from_fn(assign_request_id))
        .with_state(state)
}

/// The one span of a request: its method, route template and request ID
/// (and the client's own, apart).
fn request_span(req: &Request) -> Span {
    let route = route_of(req);
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let span = tracing::info_span!(
        "request",
        method = ?req.method(),
        route,
        request_id,
        client_request_id = tracing::field::Empty
    );
    // Recorded as a string field: the log writes it quoted, with control
    // characters escaped.
    if let Some(ClientRequestId(theirs)) = req.extensions().get() {
        span.record("client_request_id", theirs.as_str());
    }
    span
}

/// The one line each answered request logs.
fn log_served(res: &axum::response::Response, latency: Duration, _: &Span) {
    tracing::info!(
        status = res.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "served"
    );
}

/// `GET /metrics`, for the operators' own listener (`--metrics-bind`).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(health::metrics))
        .with_state(state)
}

/// Refuses a request whose body stalls for `limit` between two pieces
/// with 408, whatever the handler made of the failed read.
async fn body_timeout(
    axum::extract::State(limit): axum::extract::State<Duration>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use http_body_util::BodyExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    let stalled = Arc::new(AtomicBool::new(false));
    let flag = stalled.clone();
    let req = req.map(|body| {
        axum::body::Body::new(tower_http::timeout::TimeoutBody::new(limit, body).map_err(
            move |e| {
                if e.is::<tower_http::timeout::TimeoutError>() {
                    flag.store(true, Ordering::Relaxed);
                }
                e
            },
        ))
    });
    let res = next.run(req).await;
    if stalled.load(Ordering::Relaxed) {
        tracing::info!("request body stalled");
        return (
            StatusCode::REQUEST_TIMEOUT,
            [(axum::http::header::CONNECTION, "close")],
        )
            .into_response();
    }
    res
}
