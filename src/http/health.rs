//! Liveness (the process answers), readiness (the database answers) and
//! metrics.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::pages::PageError;
use super::AppState;
use crate::metrics::JobGauge;
use crate::store::JobCount;

pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// The metrics in the Prometheus text format, with the collection jobs
/// counted in the database now: every source this instance runs (the
/// configured ones and the built-in test source; 0 when idle) and any other
/// source with jobs. Without the database the rest is still served.
pub(super) async fn metrics(State(app): State<AppState>) -> Result<Response, PageError> {
    let counts = match app.store.count_jobs(app.clock.now()).await {
        Ok(counts) => counts,
        Err(e) => {
            tracing::warn!(error = ?e.to_string(), "metrics: counting the collection jobs failed");
            Vec::new()
        }
    };
    let gauges = job_gauges(&app, &counts);
    let text = app
        .metrics
        .encode_with_jobs(&gauges)
        .map_err(|e| PageError::Internal(format!("metrics: {e}")))?;
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response())
}

/// The gauges of `counts`, with 0 for each source this instance runs that
/// has no job.
fn job_gauges<'a>(app: &'a AppState, counts: &'a [JobCount]) -> Vec<JobGauge<'a>> {
    let mut gauges: Vec<JobGauge<'_>> = counts
        .iter()
        .map(|c| JobGauge {
            source: &c.source_id,
            queued: c.queued,
            running: c.running,
        })
        .collect();
    let runs = app.sources.all().iter().map(|s| s.id.as_str());
    for source in runs.chain([app.sources.test_source()]) {
        if !gauges.iter().any(|g| g.source == source) {
            gauges.push(JobGauge {
                source,
                queued: 0,
                running: 0,
            });
        }
    }
    gauges
}

pub(super) async fn readyz(State(app): State<AppState>) -> (StatusCode, &'static str) {
    match app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = ?e.to_string(), "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
