//! The entry points: `/` and `/link` (product) and `/oauth/authorize` (OAuth2).

use axum::extract::{RawQuery, State};
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::error::error_page;
use super::pages::PagePolicy;
use super::steps::{deliver, render_step};
use super::{AppError, AppState};
use crate::crypto;
use crate::flow::{LinkSession, Step};
use crate::i18n;
use crate::oauth2::authorize::{self, Entry, Rejection};
use crate::oauth2::params::Params;
use crate::oauth2::result::Outcome;
use crate::store::LinkSessionRow;

pub async fn link_entry(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    entry(app, Entry::Link, &headers, query.as_deref().unwrap_or("")).await
}

pub async fn oauth_entry(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    entry(app, Entry::OAuth2, &headers, query.as_deref().unwrap_or("")).await
}

async fn entry(
    app: AppState,
    entry: Entry,
    headers: &HeaderMap,
    query: &str,
) -> Result<Response, AppError> {
    let params = Params::parse(query);
    let accept_language = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let locale = i18n::negotiate(params.get("locale").ok().flatten(), accept_language);
    let page_error = |e: authorize::PageError| {
        tracing::debug!(error = ?e, "authorization request refused on a page");
        error_page(
            StatusCode::BAD_REQUEST,
            &locale,
            e.message_key(),
            &PagePolicy::default(),
        )
    };

    let client_id = match authorize::client_id(&params) {
        Ok(id) => id,
        Err(e) => return page_error(e),
    };
    let Some(row) = app.store.get_client(client_id).await? else {
        return page_error(authorize::PageError::UnknownClient);
    };
    let client = row.to_client()?;
    let request = match authorize::evaluate(entry, &params, &client, &i18n::supported()) {
        Ok(request) => request,
        Err(Rejection::Page(e)) => return page_error(e),
        Err(Rejection::Deliver(delivery, error)) => {
            tracing::debug!(code = %error.code, "authorization request refused to the callback");
            let policy = PagePolicy {
                frame_ancestor: delivery
                    .iframe
                    .then(|| delivery.callback.origin().ascii_serialization()),
                form_target: Some(delivery.callback.origin().ascii_serialization()),
                frame_src: None,
                providers: Vec::new(),
            };
            return deliver(
                &app,
                &delivery,
                &Outcome::Error(error),
                &client.name,
                &locale,
                &policy,
            );
        }
    };

    let session_id = crypto::random_token(&mut rand::thread_rng());
    let now = app.clock.now();
    let session = LinkSession {
        id_hash: crypto::hash_token(&session_id),
        csrf_hash: crypto::hash_token(&app.key.csrf_token(&session_id)),
        client_id: client.id.clone(),
        client_name: client.name.clone(),
        delivery: request.delivery,
        scopes: request.scopes,
        locale: request.locale.unwrap_or(locale),
        styles_uri: request.styles_uri,
        code_challenge: request.code_challenge,
        step: Step::Started,
        method: None,
        subject_hash: None,
        test_person: None,
        error: None,
        expires_at: now + app.session_ttl_secs,
        tax_entities: request.tax_entities,
    };
    app.store
        .insert_link_session(&LinkSessionRow::from_session(&session, now))
        .await?;
    render_step(&app, &session, &session_id)
}
