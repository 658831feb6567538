//! Liveness (the process answers), readiness (the database answers) and
//! metrics.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::pages::PageError;
use super::AppState;

pub async fn healthz() -> &'static str {
    "ok"
}

/// The metrics in the Prometheus text format.
pub async fn metrics(State(app): State<AppState>) -> Result<Response, PageError> {
    let text = app
        .metrics
        .encode()
        .map_err(|e| PageError::Internal(format!("metrics: {e}")))?;
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response())
}

pub async fn readyz(State(app): State<AppState>) -> (StatusCode, &'static str) {
    match app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = ?e.to_string(), "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
