//! Thin handlers: extract, call `oauth2::`/`flow`, call the store, render.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::routing::{delete, get, post};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::crypto::ServerKey;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::theme::Themes;
use crate::upstream::Upstream;

/// The largest request body read, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

mod api;
mod assets;
mod authorize;
mod demo;
mod error;
mod health;
mod pages;
mod steps;
mod theme;
mod token;
mod upstream;

pub use error::AppError;

/// The time source. Handlers take the time here, once, and pass it on.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        unix_seconds(std::time::SystemTime::now())
    }
}

/// A time far in the future, still far from overflow when durations are
/// added to it.
const CLOCK_BROKEN: i64 = 1 << 40;

/// Seconds since the Unix epoch. A clock before 1970 is broken: rather
/// than 0 (when every token and ID token would look unexpired), it reads
/// as the far future, when everything has expired. It fails closed.
fn unix_seconds(t: std::time::SystemTime) -> i64 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs())
            .unwrap_or(CLOCK_BROKEN)
            .min(CLOCK_BROKEN),
        Err(_) => {
            tracing::error!("the system clock is before 1970; everything reads as expired");
            CLOCK_BROKEN
        }
    }
}

#[cfg(test)]
mod clock_tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::{unix_seconds, CLOCK_BROKEN};

    #[test]
    fn a_clock_before_1970_fails_closed() {
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_secs(5)), 5);
        assert_eq!(
            unix_seconds(UNIX_EPOCH - Duration::from_secs(5)),
            CLOCK_BROKEN
        );
        // Expiry times built on it do not overflow.
        assert!(CLOCK_BROKEN.checked_add(86_400 * 365 * 100).is_some());
    }
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub key: ServerKey,
    /// The public URL, used as the OAuth2 issuer (`iss`).
    pub issuer: String,
    pub session_ttl_secs: i64,
    pub clock: Arc<dyn Clock>,
    /// The configured authentication methods and their providers.
    pub upstream: Arc<Upstream>,
    pub metrics: Arc<Metrics>,
    /// Integrators' `styles_uri` sheets, fetched and checked.
    pub themes: Arc<Themes>,
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

pub fn router(state: AppState) -> Router {
    let x_request_id = axum::http::HeaderName::from_static(REQUEST_ID);
    Router::new()
        .route("/", get(authorize::link_entry))
        .route("/link", get(authorize::link_entry))
        .route("/oauth/authorize", get(authorize::oauth_entry))
        .route("/s/{sid}", get(steps::show))
        .route("/s/{sid}/method", post(steps::method_post))
        .route("/s/{sid}/authenticate", post(steps::authenticate_post))
        .route("/s/{sid}/consent", post(steps::consent_post))
        .route("/s/{sid}/cancel", post(steps::cancel_post))
        .route("/s/{sid}/upstream", post(steps::upstream_post))
        .route("/s/{sid}/status", get(steps::step_status))
        .route("/s/{sid}/theme.css", get(theme::theme_css))
        .route("/oidc/callback", get(upstream::callback))
        .route("/methods/{id}/logo", get(assets::method_logo))
        .route("/oauth/token", post(token::oauth_token))
        .route(
            "/.well-known/oauth-authorization-server",
            get(token::metadata),
        )
        .route("/api/1.0/auth", post(token::product_auth))
        .route("/api/1.0/personal/{id}", get(api::personal))
        .route("/api/1.0/loans/{id}", get(api::loans))
        .route("/api/1.0/vehicles/{id}", get(api::vehicles))
        .route("/api/1.0/income/{id}", get(api::income))
        .route("/api/1.0/invoices/{id}", get(api::invoices))
        .route(
            "/api/1.0/loan_applications/{id}",
            get(api::loan_applications),
        )
        .route("/api/1.0/consents/{id}", delete(api::withdraw))
        .route("/demo", get(demo::index))
        .route("/demo/callback", get(demo::callback))
        .route("/static/{file}", get(assets::file))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .fallback(error::not_found)
        // Every form and token request is small; a larger body is refused
        // (413) before it is read.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(error::render_internal_errors))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(axum::middleware::from_fn(pages::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_request,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let route = route_of(req);
                    let request_id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), route, request_id)
                })
                .on_request(())
                .on_response(
                    |res: &axum::response::Response, latency: Duration, _: &Span| {
                        tracing::info!(
                            status = res.status().as_u16(),
                            latency_ms = latency.as_secs_f64() * 1000.0,
                            "served"
                        );
                    },
                )
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}
