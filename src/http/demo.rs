//! The demo integrator: a page that starts the redirect and iframe flows
//! with the test-mode `demo` client, and the callback that shows what came
//! back. It plays the integrator's part, so it is kept apart from Link.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use tower::ServiceExt;

use super::pages::{render, PagePolicy};
use super::{AppError, AppState};
use crate::i18n::{self, Tr};
use crate::oauth2::params::Params;
use crate::views::{DemoCallbackPage, DemoPage, PageCtx};

const DEMO_SCOPES: &str = "info,income,unsecured_loans,student_loan,vehicles,e_invoices";

fn link(entry: &str, locale: &str, extra: &str) -> String {
    format!("{entry}?client_id={}&scope={DEMO_SCOPES}&test=true&locale={locale}&state=demo-{locale}{extra}", crate::DEMO_CLIENT_ID)
}

pub async fn index(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let locale = i18n::negotiate(
        None,
        headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    let view = DemoPage {
        redirect_en: link("/link", "en", ""),
        redirect_nb: link("/link", "nb", ""),
        oauth: link("/oauth/authorize", &locale, "&response_type=code"),
        client_id: crate::DEMO_CLIENT_ID,
        scope: DEMO_SCOPES,
        callback_uri: format!("{}/demo/callback", app.issuer),
        page: PageCtx::plain(Tr::new(&locale)),
    };
    let policy = PagePolicy {
        frame_src: Some(app.issuer.clone()),
        ..PagePolicy::default()
    };
    render(StatusCode::OK, &view, &policy)
}

pub async fn callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let params = Params::parse(query.as_deref().unwrap_or(""));
    // The demo's redirect links say their language in `state` (`demo-nb`),
    // as a lender would know it from its own session.
    let state_locale = params
        .get("state")
        .ok()
        .flatten()
        .and_then(|s| s.strip_prefix("demo-"));
    let locale = i18n::negotiate(
        state_locale,
        headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    let code = params.get("code").ok().flatten().map(str::to_owned);
    // `iss` marks a result of the OAuth2 entry: `code` is an authorization
    // code to exchange. Without it, `code` is the Link entry's user ID.
    let oauth = params.get("iss").ok().flatten().is_some();
    let (calls, data) = match code {
        Some(code) => read_data(&app, &code, oauth).await?,
        None => (Vec::new(), None),
    };
    let tr = Tr::new(&locale);
    let view = DemoCallbackPage {
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
    let mut rows = Vec::new();
    if let Some(born) = data
        .pointer("/personal/birth_date")
        .and_then(Value::as_str)
        .and_then(|d| tr.date(d))
    {
        rows.push((tr.t("demo-summary-born"), born));
    }
    if let Some(loans) = data.get("loans").and_then(Value::as_array) {
        let debt: f64 = loans
            .iter()
            .filter_map(|l| l.get("balance").and_then(Value::as_f64))
            .sum();
        rows.push((tr.t("demo-summary-debt"), tr.amount_nok(debt)));
    }
    let last_payslip = data
        .pointer("/income/payslips")
        .and_then(Value::as_array)
        .and_then(|p| p.last());
    if let Some(payslip) = last_payslip {
        let net = payslip.get("netto").and_then(Value::as_f64);
        let end = payslip
            .get("period_end")
            .and_then(Value::as_str)
            .and_then(|d| tr.date(d));
        if let (Some(net), Some(end)) = (net, end) {
            let value = tr.t_args(
                "demo-summary-pay-value",
                &[("amount", &tr.amount_nok(net)), ("date", &end)],
            );
            rows.push((tr.t("demo-summary-pay"), value));
        }
    }
    if let Some(invoices) = data.get("invoices").and_then(Value::as_array) {
        let unpaid: f64 = invoices
            .iter()
            .filter(|i| i.get("paid").and_then(Value::as_bool) != Some(true))
            .filter_map(|i| i.get("amount").and_then(Value::as_f64))
            .sum();
        rows.push((tr.t("demo-summary-invoices"), tr.amount_nok(unpaid)));
    }
    rows
}

/// Plays the integrator's server: gets a token the way the entry calls for,
/// then reads `loan_applications`. Each call goes through the real router,
/// in process, exactly as an integrator's HTTP call would.
async fn read_data(
    app: &AppState,
    code: &str,
    oauth: bool,
) -> Result<(Vec<(String, u16)>, Option<Value>), AppError> {
    let secret = app.key.demo_client_secret();
    // The OAuth2 entry exchanges its code; the Link entry's code is the
    // user ID, read with a client token.
    let (call_name, req, token_field) = if oauth {
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
    } else {
        let req = Request::post("/api/1.0/auth")
            .header("Client-ID", crate::DEMO_CLIENT_ID)
            .header("Secret-Key", &secret)
            .body(Body::empty());
        ("POST /api/1.0/auth", req, "token")
    };
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
    let path = format!("/api/1.0/loan_applications/{}", enc(id));
    let req = Request::get(&path)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty());
    let (status, data) = call(app, req).await?;
    calls.push((format!("GET {path}"), status.as_u16()));
    Ok((calls, Some(data)))
}

async fn call(
    app: &AppState,
    req: Result<Request<Body>, axum::http::Error>,
) -> Result<(StatusCode, Value), AppError> {
    let req = req.map_err(|e| AppError::Internal(format!("demo request: {e}")))?;
    let res = match super::router(app.clone()).oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    };
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .map_err(|e| AppError::Internal(format!("demo response: {e}")))?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
