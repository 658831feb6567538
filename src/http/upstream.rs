//! Sign-in at a configured OpenID Connect provider, as HTTP: the redirect
//! there with the browser's binding cookie, and `GET /oidc/callback`. The
//! rules are [`crate::service::sign_in`]'s.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use rand::rngs::OsRng;
use serde::Deserialize;
use url::Url;

use super::pages::{render, PageError, PagePolicy};
use super::render::session_path;
use super::AppState;
use crate::flow::{FlowError, LinkSession};
use crate::i18n::{self, Tr};
use crate::oauth2::error::ErrorCode;
use crate::service::sign_in::{self, Begun, BrowserBinding, Callback, CallbackOutcome, Ended};
use crate::upstream::SIGN_IN_TTL;
use crate::views::{PageCtx, PopupPage};

/// The answer to a sign-in started: off to the provider, or the page of
/// a sign-in that could not start.
pub(super) fn begun(app: &AppState, begun: Begun) -> Result<Response, PageError> {
    match begun {
        Begun::ToProvider { url, binding } => to_provider(app, &url, &binding),
        Begun::Ended(ended) => ended_page(ended),
    }
}

fn to_provider(app: &AppState, url: &Url, binding: &BrowserBinding) -> Result<Response, PageError> {
    let cookie = format!(
        "{}={}; Path=/oidc/callback; Max-Age={}; HttpOnly; SameSite=Lax{}",
        binding.name,
        binding.secret,
        SIGN_IN_TTL.as_secs(),
        secure_attribute(app),
    );
    let header = |value: &str, what: &str| {
        HeaderValue::from_str(value)
            .map_err(|_| PageError::Internal(format!("{what} is not a header value")))
    };
    let mut res = StatusCode::SEE_OTHER.into_response();
    let headers = res.headers_mut();
    headers.insert(LOCATION, header(url.as_str(), "provider URL")?);
    headers.insert(SET_COOKIE, header(&cookie, "cookie")?);
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// The provider sends the end user back here.
pub(crate) async fn callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let binding = q.state.as_deref().map(sign_in::binding_name);
    let answer = Callback {
        state: q.state.as_deref(),
        browser_secret: binding.as_deref().and_then(|n| browser_cookie(&headers, n)),
        iss: q.iss.as_deref(),
        code: q.code.as_deref(),
        error: q.error.as_deref(),
    };
    let now = app.clock.now();
    match sign_in::callback(app.services(), &answer, now, &mut OsRng).await? {
        CallbackOutcome::BadState(reason) => {
            tracing::warn!(reason, "sign-in callback refused");
            let accept_language = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
            let locale = i18n::negotiate(None, accept_language);
            Err(PageError::plain(
                StatusCode::BAD_REQUEST,
                "error-upstream-state",
                &locale,
            ))
        }
        CallbackOutcome::Refused { session, error } => Err(session_page(&session, error)),
        CallbackOutcome::Ended(ended) => {
            let mut res = ended_page(ended).into_response();
            // The cookie has done its work.
            if let Some(v) = binding.and_then(|name| clear_cookie(&app, &name)) {
                res.headers_mut().append(SET_COOKIE, v);
            }
            Ok(res)
        }
    }
}

/// Back from the provider (or not gone there): how the sign-in ended.
fn ended_page(ended: Ended) -> Result<Response, PageError> {
    match ended {
        Ended::SignedIn { session, next } => {
            after(&session_path(next.sid()), &session, "popup-done", true)
        }
        Ended::Failed { session, sid, code } => {
            let key = if code == ErrorCode::AccessDenied {
                "popup-cancelled"
            } else {
                "popup-failed"
            };
            after(&session_path(&sid), &session, key, false)
        }
        Ended::Raced(session) => Err(session_page(&session, FlowError::OutOfOrder)),
    }
}

/// In a window of its own, the session page; in the window opened beside
/// the iframe, a page that says where to go on. After a sign-in
/// (`hand_over`) that page hands the session's new path to the Link frame
/// that opened it (by `postMessage` to our own origin), or goes there
/// itself when nothing opened it; after a failure the frame notices by
/// itself.
fn after(
    next: &str,
    session: &LinkSession,
    message_key: &str,
    hand_over: bool,
) -> Result<Response, PageError> {
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

/// A flow error on the sign-in's way back: the session's language, in a
/// window of its own.
fn session_page(session: &LinkSession, error: FlowError) -> PageError {
    PageError::Flow {
        error,
        locale: session.locale.clone(),
        policy: Box::default(),
    }
}

fn clear_cookie(app: &AppState, name: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{name}=; Path=/oidc/callback; Max-Age=0; HttpOnly; SameSite=Lax{}",
        secure_attribute(app),
    ))
    .ok()
}

fn secure_attribute(app: &AppState) -> &'static str {
    if app.issuer.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// The value of the cookie `name`, if the request carries it.
fn browser_cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}
