//! `GET /.well-known/jwks.json`, the keys consent receipts verify with,
//! and `GET /s/{sid}/receipt`, the receipt of a session's consent for the
//! browser that holds the session.

use axum::extract::{Path, State};
use axum::http::header::{
    ACCEPT_LANGUAGE, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::pages::PageError;
use super::AppState;
use crate::flow::FlowError;
use crate::i18n;
use crate::service::receipts::{self, ReceiptOutcome, Receipts};

/// The public receipt keys; cacheable for five minutes, so that a key
/// published at a rotation reaches verifiers soon, and readable by a
/// verifier's script on any origin (they are public).
pub(super) async fn jwks(State(app): State<AppState>) -> Response {
    let keys = app.receipt_keys.jwks();
    (
        StatusCode::OK,
        [
            (CACHE_CONTROL, "public, max-age=300"),
            (ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        Json(keys),
    )
        .into_response()
}

/// The signed receipt, as a download; the same "not found" page for
/// every session that has none for this browser.
pub(super) async fn receipt(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let ctx = Receipts {
        store: app.store.as_ref(),
        key: &app.key,
        keys: &app.receipt_keys,
        upstream: &app.upstream,
        issuer: &app.issuer,
        session_ttl: app.session_ttl,
    };
    match receipts::for_session(ctx, &sid, app.clock.now()).await? {
        ReceiptOutcome::Issued(jws) => Ok((
            StatusCode::OK,
            [
                (CONTENT_TYPE, "application/jwt"),
                (
                    CONTENT_DISPOSITION,
                    "attachment; filename=\"consent-receipt.jwt\"",
                ),
                (CACHE_CONTROL, "no-store"),
            ],
            jws,
        )
            .into_response()),
        ReceiptOutcome::Refused => Err(PageError::Flow {
            error: FlowError::NotFound,
            locale: i18n::negotiate(
                None,
                headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
            ),
            policy: Box::default(),
        }),
    }
}
