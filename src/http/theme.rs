//! `GET /s/{sid}/theme.css`: the session's theme, served from our origin so
//! that pages allow only `style-src 'self'`.

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::pages::PageError;
use super::AppState;
use crate::crypto;

/// The checked custom properties of the session's `styles_uri`, or an
/// empty sheet (the default theme) when there are none or it cannot be
/// fetched. Reading it changes nothing.
pub(super) async fn theme_css(
    State(app): State<AppState>,
    Path(sid): Path<String>,
) -> Result<Response, PageError> {
    let Some(session) = app
        .store
        .get_link_session(&crypto::hash_token(&sid))
        .await?
    else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let css = match &session.styles_uri {
        Some(url) => {
            // The client as it is now: an origin removed since the session
            // started is no longer fetched.
            let origins = app
                .store
                .get_client(&session.client_id)
                .await?
                .map(|c| c.client.styles_origins)
                .unwrap_or_default();
            let now = app.clock.now();
            app.themes.css(url, &origins, &session.id_hash, now).await
        }
        None => None,
    };
    Ok((
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "private, max-age=300"),
        ],
        css.map(|c| c.to_string()).unwrap_or_default(),
    )
        .into_response())
}
