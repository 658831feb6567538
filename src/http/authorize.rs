//! The entry points: `/` and `/link` (product) and `/oauth/authorize` (OAuth2).

use axum::extract::{RawQuery, State};
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rand::rngs::OsRng;

use super::pages::{PageError, PagePolicy};
use super::render::{deliver, render_step};
use super::AppState;
use crate::i18n;
use crate::oauth2::authorize::Entry;
use crate::oauth2::params::Params;
use crate::oauth2::result::Outcome;
use crate::service::link::{self, StartOutcome};

pub(crate) async fn link_entry(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    entry(app, Entry::Link, &headers, query.as_deref().unwrap_or("")).await
}

pub(crate) async fn oauth_entry(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    entry(app, Entry::OAuth2, &headers, query.as_deref().unwrap_or("")).await
}

async fn entry(
    app: AppState,
    entry: Entry,
    headers: &HeaderMap,
    query: &str,
) -> Result<Response, PageError> {
    let params = Params::parse(query);
    let accept_language = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let locale = i18n::negotiate(params.get("locale").ok().flatten(), accept_language);
    let (ctx, ttl, now) = (app.services(), app.session_ttl, app.clock.now());
    match link::start(ctx, entry, &params, &locale, ttl, now, &mut OsRng).await? {
        StartOutcome::Refused(e) => {
            tracing::debug!(error = ?e, "authorization request refused on a page");
            Err(PageError::plain(
                StatusCode::BAD_REQUEST,
                e.message_key(),
                &locale,
            ))
        }
        StartOutcome::Deliver {
            delivery,
            error,
            client_name,
        } => {
            tracing::debug!(code = %error.code, "authorization request refused to the callback");
            let policy = PagePolicy::for_delivery(&delivery);
            let outcome = Outcome::Error(error);
            deliver(&app, &delivery, &outcome, &client_name, &locale, &policy)
        }
        StartOutcome::Started { sid, session } => render_step(&app, &session, &sid),
    }
}
