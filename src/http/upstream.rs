//! Sign-in at a configured OpenID Connect provider: the way there
//! ([`begin`]) and the way back (`GET /oidc/callback`).
//!
//! The upstream `state` is random, stored only as a hash, single use,
//! bound to one link session and to the browser that left for the
//! provider (a cookie's secret, so a sign-in link sent to someone else
//! cannot complete another person's session). `nonce` and the PKCE
//! verifier are derived from the state under the server key.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::error::error_page;
use super::pages::{render, PagePolicy};
use super::steps::NewSessionId;
use super::{AppError, AppState};
use crate::crypto;
use crate::flow::{self, FlowError, LinkSession, Step, Transition};
use crate::i18n::{self, Tr};
use crate::methods::Method;
use crate::oauth2::error::ErrorCode;
use crate::store::{Advance, Mover, UpstreamAuthRow};
use crate::upstream::{UpstreamError, SIGN_IN_TTL_SECS};
use crate::views::{PageCtx, PopupPage};

/// Sends the end user to `method`'s provider for the session `sid`.
pub(super) async fn begin(
    app: &AppState,
    sid: &str,
    session: &LinkSession,
    method: &Method,
    now: i64,
) -> Result<Response, AppError> {
    let (state, browser_secret) = {
        let mut rng = rand::thread_rng();
        (
            crypto::random_token(&mut rng),
            crypto::random_token(&mut rng),
        )
    };
    let secrets = app.key.upstream_secrets(&state);
    let url = match app
        .upstream
        .authorization_url(method, &secrets, &session.locale, now)
        .await
    {
        Ok(url) => url,
        Err(e) => {
            tracing::warn!(method = %method.id, error = ?e.to_string(), "sign-in could not start");
            return fail(app, sid, session, ErrorCode::TemporarilyUnavailable, now).await;
        }
    };
    let session_masked = app
        .key
        .mask_session_id(&state, sid)
        .ok_or_else(|| AppError::Internal("a session ID that is not a token".into()))?;
    let state_hash = crypto::hash_token(&state);
    app.store
        .insert_upstream_auth(&UpstreamAuthRow {
            state_hash: state_hash.clone(),
            session_hash: session.id_hash.clone(),
            session_masked,
            method: method.id.clone(),
            browser_hash: crypto::hash_token(&browser_secret),
            created_at: now,
            expires_at: (now + SIGN_IN_TTL_SECS).min(session.expires_at),
            used_at: None,
        })
        .await?;
    let cookie = format!(
        "{}={browser_secret}; Path=/oidc/callback; Max-Age={SIGN_IN_TTL_SECS}; HttpOnly; SameSite=Lax{}",
        cookie_name(&state_hash),
        secure_attribute(app),
    );
    let mut res = StatusCode::SEE_OTHER.into_response();
    let headers = res.headers_mut();
    headers.insert(
        LOCATION,
        HeaderValue::from_str(url.as_str())
            .map_err(|_| AppError::Internal("provider URL is not a header value".into()))?,
    );
    headers.insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie)
            .map_err(|_| AppError::Internal("cookie is not a header value".into()))?,
    );
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    /// RFC 9207: the provider that answered, checked where given, and
    /// required where the provider's metadata promises it.
    iss: Option<String>,
}

/// The provider sends the end user back here.
pub async fn callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let now = app.clock.now();
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let locale = i18n::negotiate(
        None,
        headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    let refuse = |reason: &str| {
        tracing::warn!(reason, "sign-in callback refused");
        error_page(
            StatusCode::BAD_REQUEST,
            &locale,
            "error-upstream-state",
            &PagePolicy::default(),
        )
    };
    let Some(state) = q.state.as_deref().filter(|s| !s.is_empty()) else {
        return refuse("no state");
    };
    let state_hash = crypto::hash_token(state);
    // Checked in the same write that uses the state up, so that a request
    // from another browser that has seen the state cannot spoil it.
    let Some(browser_secret) = browser_cookie(&headers, &state_hash) else {
        return refuse("no sign-in cookie: another browser");
    };
    let browser_hash = crypto::hash_token(browser_secret);
    let Some(row) = app
        .store
        .take_upstream_auth(&state_hash, &browser_hash, now)
        .await?
    else {
        return refuse("unknown, used or expired state, or another browser's");
    };
    let sid = app
        .key
        .mask_session_id(state, &row.session_masked)
        .ok_or_else(|| AppError::Internal("stored session ID does not unmask".into()))?;
    let Some(session) = app
        .store
        .get_link_session(&row.session_hash)
        .await?
        .map(|r| r.to_session())
        .transpose()?
    else {
        return refuse("the link session is gone");
    };
    if let Err(e) = flow::check_viewable(&session, now) {
        return session_page(&session, e);
    }
    if session.step != Step::MethodSelected || session.method.as_deref() != Some(&row.method) {
        return session_page(&session, FlowError::OutOfOrder);
    }
    let method = app.upstream.method(&row.method);
    if let Some(m) = method {
        // A mix-up: another provider's answer, or none where the provider
        // always names itself (RFC 9207).
        match app
            .upstream
            .check_response_issuer(m, q.iss.as_deref(), now)
            .await
        {
            Ok(()) => {}
            Err(UpstreamError::Rejected { check, detail }) => {
                tracing::error!(method = %m.id, check, detail, "the callback is not the provider's answer");
                return fail(&app, &sid, &session, ErrorCode::ServerError, now).await;
            }
            Err(e @ UpstreamError::Unavailable(_)) => {
                tracing::warn!(method = %m.id, error = %e, "sign-in failed at the provider");
                return fail(&app, &sid, &session, ErrorCode::TemporarilyUnavailable, now).await;
            }
        }
    }
    let outcome = match (method, &q.code, &q.error) {
        (_, _, Some(error)) if error == "access_denied" => Err(ErrorCode::AccessDenied),
        (_, _, Some(error)) => {
            tracing::warn!(method = ?row.method, provider_error = ?error, "the provider refused the sign-in");
            Err(ErrorCode::TemporarilyUnavailable)
        }
        (Some(method), Some(code), None) => {
            let secrets = app.key.upstream_secrets(state);
            match app
                .upstream
                .identify(method, code, &secrets, row.created_at, now)
                .await
            {
                Ok(national_id) => Ok(national_id),
                Err(e @ UpstreamError::Unavailable(_)) => {
                    tracing::warn!(method = %method.id, error = ?e.to_string(), "sign-in failed at the provider");
                    Err(ErrorCode::TemporarilyUnavailable)
                }
                Err(UpstreamError::Rejected { check, detail }) => {
                    tracing::error!(method = %method.id, check, detail, "ID token failed validation");
                    Err(ErrorCode::ServerError)
                }
            }
        }
        (None, _, _) => {
            tracing::warn!(method = ?row.method, "the method is no longer configured");
            Err(ErrorCode::TemporarilyUnavailable)
        }
        (Some(_), None, None) => {
            tracing::warn!(method = ?row.method, "the provider sent neither code nor error");
            Err(ErrorCode::TemporarilyUnavailable)
        }
    };
    let mut res = match outcome {
        Ok(national_id) => signed_in(&app, &session, &national_id, now).await?,
        Err(code) => fail(&app, &sid, &session, code, now).await?,
    };
    // The cookie has done its work.
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{}=; Path=/oidc/callback; Max-Age=0; HttpOnly; SameSite=Lax{}",
        cookie_name(&state_hash),
        secure_attribute(&app),
    )) {
        res.headers_mut().append(SET_COOKIE, v);
    }
    Ok(res)
}

/// Records the signed-in person (only a keyed hash of the national
/// identity number) and moves on to consent, under a new session ID that
/// only this browser learns (see [`NewSessionId`]).
async fn signed_in(
    app: &AppState,
    session: &LinkSession,
    national_id: &str,
    now: i64,
) -> Result<Response, AppError> {
    let subject_hash = app.key.subject_hash(national_id);
    let next = NewSessionId::new(app);
    let advance = Advance {
        subject_hash: Some(&subject_hash),
        rekey: Some(next.rekey()),
        ..server_move(session, Transition::Authenticate, now)
    };
    if app.store.advance_link_session(&advance).await?.is_none() {
        return session_page(session, FlowError::OutOfOrder);
    }
    after(&next.path(), session, "popup-done", true)
}

/// Records that sign-in ended with `code`; the session page delivers it.
async fn fail(
    app: &AppState,
    sid: &str,
    session: &LinkSession,
    code: ErrorCode,
    now: i64,
) -> Result<Response, AppError> {
    let advance = Advance {
        error: Some(code.as_str()),
        ..server_move(session, Transition::FailSignIn, now)
    };
    if app.store.advance_link_session(&advance).await?.is_none() {
        return session_page(session, FlowError::OutOfOrder);
    }
    let key = if code == ErrorCode::AccessDenied {
        "popup-cancelled"
    } else {
        "popup-failed"
    };
    after(&format!("/s/{sid}"), session, key, false)
}

/// A move the server makes on its own, on the proof of the provider's
/// callback (a single-use state bound to this browser): no CSRF token.
fn server_move(session: &LinkSession, transition: Transition, now: i64) -> Advance<'_> {
    Advance {
        id_hash: &session.id_hash,
        mover: Mover::Server,
        transition,
        now,
        method: None,
        subject_hash: None,
        test_person: None,
        error: None,
        rekey: None,
    }
}

/// Back from the provider: in a window of its own, the session page; in
/// the window opened beside the iframe, a page that says where to go on.
/// After a sign-in (`hand_over`) that page hands the session's new path to
/// the Link frame that opened it (by `postMessage` to our own origin), or
/// goes there itself when nothing opened it; after a failure the frame
/// notices by itself.
fn after(
    next: &str,
    session: &LinkSession,
    message_key: &str,
    hand_over: bool,
) -> Result<Response, AppError> {
    if !session.delivery.iframe {
        return Ok(Redirect::to(next).into_response());
    }
    let tr = Tr::new(&session.locale);
    let title = if hand_over {
        tr.t("popup-done-title")
    } else {
        tr.t("result-error-title")
    };
    let view = PopupPage {
        title,
        message: tr.t1(message_key, "client", &session.client_name),
        next: hand_over.then(|| next.to_owned()),
        page: PageCtx::plain(tr),
    };
    render(StatusCode::OK, &view, &PagePolicy::default())
}

fn session_page(session: &LinkSession, e: FlowError) -> Result<Response, AppError> {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    error_page(
        status,
        &session.locale,
        e.message_key(),
        &PagePolicy::default(),
    )
}

/// One cookie per sign-in, so that sign-ins in several tabs do not clash.
fn cookie_name(state_hash: &str) -> String {
    format!("cl_up_{}", &state_hash[..16.min(state_hash.len())])
}

fn secure_attribute(app: &AppState) -> &'static str {
    if app.issuer.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// The value of the cookie set when this sign-in began, if the request
/// carries it.
fn browser_cookie<'h>(headers: &'h HeaderMap, state_hash: &str) -> Option<&'h str> {
    let name = cookie_name(state_hash);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}
