//! The demo integrator: a page that starts the redirect and iframe flows
//! with the test-mode `demo` client, and the callback that shows what came
//! back. It plays the integrator's part, so it is kept apart from Link.
//!
//! Like a careful integrator, it reads data only for a flow this browser
//! started: `/demo` gives the browser a random secret in an `HttpOnly`,
//! `SameSite=Lax` cookie and puts the secret's hash in the `state` of each
//! flow it starts; the callback reads data only when the `state` it gets
//! back is the hash of the cookie it gets back. A user ID or code given
//! alone (or with another browser's cookie) reads nothing. Nothing is kept
//! in process memory, so any instance can answer.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use subtle::ConstantTimeEq;
use tower::ServiceExt;

use super::pages::{render, PageError, PagePolicy};
use super::AppState;
use crate::crypto;
use crate::data::DataStatus;
use crate::i18n::{self, Tr};
use crate::oauth2::params::Params;
use crate::views::{DemoCallbackPage, DemoPage, PageCtx};

const DEMO_SCOPES: &str = "info,income,unsecured_loans,student_loan,vehicles,e_invoices";

/// The cookie that holds this browser's demo secret.
const COOKIE_NAME: &str = "demo_browser";

/// The `state` of a flow this browser starts: its language (as a lender
/// would know it from its own session) and the hash of its secret.
fn flow_state(locale: &str, browser_hash: &str) -> String {
    format!("demo.{locale}.{browser_hash}")
}

fn link(entry: &str, locale: &str, state: &str, extra: &str) -> String {
    format!(
        "{entry}?client_id={}&scope={DEMO_SCOPES}&test=true&locale={locale}&state={state}{extra}",
        crate::DEMO_CLIENT_ID
    )
}

/// This browser's demo secret, if it sent one.
fn browser_secret(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE_NAME && value.len() >= 43)
        .map(|(_, value)| value)
}

pub(super) async fn index(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let locale = i18n::negotiate(
        None,
        headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    // A browser keeps its secret, so that flows started in two tabs both
    // come back to it.
    let (secret, fresh) = match browser_secret(&headers) {
        Some(s) => (s.to_owned(), false),
        None => (crypto::random_token(&mut rand::thread_rng()), true),
    };
    let view = demo_page(&app, &locale, &crypto::hash_token(&secret));
    let policy = PagePolicy {
        frame_src: Some(app.issuer.clone()),
        ..PagePolicy::default()
    };
    let mut res = render(StatusCode::OK, &view, &policy)?;
    if fresh {
        res.headers_mut()
            .append(SET_COOKIE, browser_cookie(&app, &secret)?);
    }
    Ok(res)
}

/// The demo page: flows that come back to the browser of `browser_hash`.
fn demo_page(app: &AppState, locale: &str, browser_hash: &str) -> DemoPage {
    DemoPage {
        redirect_en: link("/link", "en", &flow_state("en", browser_hash), ""),
        redirect_nb: link("/link", "nb", &flow_state("nb", browser_hash), ""),
        oauth: link(
            "/oauth/authorize",
            locale,
            &flow_state(locale, browser_hash),
            "&response_type=code",
        ),
        client_id: crate::DEMO_CLIENT_ID,
        scope: DEMO_SCOPES,
        callback_uri: format!("{}/demo/callback", app.issuer),
        state: flow_state(locale, browser_hash),
        page: PageCtx::plain(Tr::new(locale)),
    }
}

/// The cookie that gives a browser its demo `secret`.
fn browser_cookie(app: &AppState, secret: &str) -> Result<HeaderValue, PageError> {
    let secure = if app.issuer.starts_with("https:") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE_NAME}={secret}; Path=/demo; HttpOnly; SameSite=Lax; Max-Age=86400{secure}"
    );
    HeaderValue::from_str(&cookie).map_err(|e| PageError::Internal(format!("demo cookie: {e}")))
}

/// Whether `state` is one this browser's `/demo` page gave out: its
/// language, if so.
fn own_flow<'s>(state: Option<&'s str>, headers: &HeaderMap) -> Option<&'s str> {
    let (locale, hash) = state?.strip_prefix("demo.")?.split_once('.')?;
    let expected = crypto::hash_token(browser_secret(headers)?);
    bool::from(expected.as_bytes().ct_eq(hash.as_bytes())).then_some(locale)
}

/// Whether the Link entry's `user_id` (a permanent identifier, not a
/// proof) came from a flow this browser completed: one of the demo's
/// completed sessions started with this browser's `state` signed in the
/// person whose consent it names. An attacker's own cookie and state with
/// someone else's user ID read nothing. (An OAuth2 code proves itself: it
/// is single use and bound to the demo client and its callback.)
async fn from_own_flow(app: &AppState, state: &str, user_id: &str) -> Result<bool, PageError> {
    let Some(consent) = app.store.get_consent(user_id).await? else {
        return Ok(false);
    };
    if consent.client_id != crate::DEMO_CLIENT_ID {
        return Ok(false);
    }
    let subjects = app
        .store
        .completed_subjects(crate::DEMO_CLIENT_ID, state)
        .await?;
    Ok(subjects.contains(&consent.subject_hash))
}

pub(super) async fn callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(query.as_deref().unwrap_or(""));
    let own = own_flow(params.get("state").ok().flatten(), &headers);
    let locale = i18n::negotiate(
        own,
        headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    let code = params.get("code").ok().flatten().map(str::to_owned);
    // `iss` marks a result of the OAuth2 entry: `code` is an authorization
    // code to exchange. Without it, `code` is the Link entry's user ID.
    let oauth = params.get("iss").ok().flatten().is_some();
    let state = params.get("state").ok().flatten().unwrap_or("");
    let (calls, data) = match (code, own) {
        (Some(code), Some(_)) if oauth || from_own_flow(&app, state, &code).await? => {
            read_data(&app, &code, oauth).await?
        }
        _ => (Vec::new(), None),
    };
    let tr = Tr::new(&locale);
    let view = DemoCallbackPage {
        not_this_browser: own.is_none(),
        params: params.into_pairs(),
        calls,
        summary: data.as_ref().map(|d| summary(&tr, d)).unwrap_or_default(),
        data: data.map(|d| serde_json::to_string_pretty(&d).unwrap_or_default()),
        page: PageCtx::plain(tr),
    };
    render(StatusCode::OK, &view, &PagePolicy::default())
}

/// What a lender reads off `loan_applications` first, with dates and
/// amounts written as the page's language writes them. Rows for data the
/// consent did not cover are left out.
fn summary(tr: &Tr, data: &Value) -> Vec<(String, String)> {
    [
        born(tr, data),
        debt(tr, data),
        last_pay(tr, data),
        unpaid_invoices(tr, data),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn born(tr: &Tr, data: &Value) -> Option<(String, String)> {
    let born = data
        .pointer("/personal/birth_date")
        .and_then(Value::as_str)
        .and_then(|d| tr.date(d))?;
    Some((tr.t("demo-summary-born"), born))
}

fn debt(tr: &Tr, data: &Value) -> Option<(String, String)> {
    let loans = data.get("loans").and_then(Value::as_array)?;
    let debt: f64 = loans
        .iter()
        .filter_map(|l| l.get("current_balance").and_then(Value::as_f64))
        .sum();
    Some((tr.t("demo-summary-debt"), tr.amount_nok(debt)))
}

fn last_pay(tr: &Tr, data: &Value) -> Option<(String, String)> {
    let payslip = data
        .pointer("/income/payslips")
        .and_then(Value::as_array)
        .and_then(|p| p.last())?;
    let net = payslip.get("netto").and_then(Value::as_f64)?;
    let end = payslip
        .get("period_end")
        .and_then(Value::as_str)
        .and_then(|d| tr.date(d))?;
    let value = tr.t_args(
        "demo-summary-pay-value",
        &[("amount", &tr.amount_nok(net)), ("date", &end)],
    );
    Some((tr.t("demo-summary-pay"), value))
}

fn unpaid_invoices(tr: &Tr, data: &Value) -> Option<(String, String)> {
    let invoices = data.get("invoices").and_then(Value::as_array)?;
    let unpaid: f64 = invoices
        .iter()
        .filter(|i| i.get("paid").and_then(Value::as_bool) != Some(true))
        .filter_map(|i| i.get("amount").and_then(Value::as_f64))
        .sum();
    Some((tr.t("demo-summary-invoices"), tr.amount_nok(unpaid)))
}

/// Plays the integrator's server: gets a token the way the entry calls for,
/// then reads `loan_applications`. Each call goes through the real router,
/// in process, exactly as an integrator's HTTP call would.
async fn read_data(
    app: &AppState,
    code: &str,
    oauth: bool,
) -> Result<(Vec<(String, u16)>, Option<Value>), PageError> {
    let (call_name, req, token_field) = token_request(app, code, oauth);
    let (status, body) = call(app, req).await?;
    let mut calls = vec![(call_name.to_owned(), status.as_u16())];
    let token = body.get(token_field).and_then(Value::as_str);
    let user_data_id = match oauth {
        true => body.get("user_data_id").and_then(Value::as_str),
        false => Some(code),
    };
    let (Some(token), Some(id)) = (token, user_data_id) else {
        return Ok((calls, Some(body)));
    };
    let data = poll_loan_applications(app, id, token, &mut calls).await?;
    Ok((calls, Some(data)))
}

type DemoRequest = Result<Request<Body>, axum::http::Error>;

/// How the demo gets its token: the OAuth2 entry exchanges its code; the
/// Link entry's code is the user ID, read with a client token. The call's
/// name, the request, and the answer's field with the token.
fn token_request(
    app: &AppState,
    code: &str,
    oauth: bool,
) -> (&'static str, DemoRequest, &'static str) {
    let secret = app.key.demo_client_secret();
    if !oauth {
        let req = Request::post("/api/1.0/auth")
            .header("Client-ID", crate::DEMO_CLIENT_ID)
            .header("Secret-Key", &secret)
            .body(Body::empty());
        return ("POST /api/1.0/auth", req, "token");
    }
    let basic = STANDARD.encode(format!("{}:{secret}", crate::DEMO_CLIENT_ID));
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .finish();
    let req = Request::post("/oauth/token")
        .header(AUTHORIZATION, format!("Basic {basic}"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form));
    ("POST /oauth/token", req, "access_token")
}

/// Reads `loan_applications` of user `id`. Collection is asynchronous:
/// polls once a second, as the docs ask, until the status is final (or a
/// few seconds have passed). Each call is added to `calls`.
async fn poll_loan_applications(
    app: &AppState,
    id: &str,
    token: &str,
    calls: &mut Vec<(String, u16)>,
) -> Result<Value, PageError> {
    let path = format!("/api/1.0/loan_applications/{}", enc(id));
    let mut polls = 0;
    loop {
        let req = Request::get(&path)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty());
        let (status, data) = call(app, req).await?;
        calls.push((format!("GET {path}"), status.as_u16()));
        polls += 1;
        let pending = data
            .get("status")
            .and_then(Value::as_str)
            .and_then(DataStatus::parse)
            .is_some_and(|s| !s.is_final());
        if !pending || polls >= DEMO_POLLS {
            return Ok(data);
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// How many times the demo reads the data before it shows what it has.
const DEMO_POLLS: u32 = 4;

async fn call(app: &AppState, req: DemoRequest) -> Result<(StatusCode, Value), PageError> {
    let req = req.map_err(|e| PageError::Internal(format!("demo request: {e}")))?;
    let res = match super::router(app.clone()).oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    };
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .map_err(|e| PageError::Internal(format!("demo response: {e}")))?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
