//! The demo integrator: a page that starts the redirect and iframe flows
//! with the test-mode `demo` client, and the callback that shows what came
//! back. It plays the integrator's part, so it is kept apart from Link.

use axum::extract::{RawQuery, State};
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

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
        iframe_src: link("/link", &locale, "&iframe=true"),
        page: PageCtx::plain(Tr::new(&locale)),
    };
    let policy = PagePolicy {
        frame_src: Some(app.issuer.clone()),
        ..PagePolicy::default()
    };
    render(StatusCode::OK, &view, &policy)
}

pub async fn callback(headers: HeaderMap, RawQuery(query): RawQuery) -> Result<Response, AppError> {
    let locale = i18n::negotiate(
        None,
        headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    let params = Params::parse(query.as_deref().unwrap_or(""));
    let view = DemoCallbackPage {
        params: params.into_pairs(),
        page: PageCtx::plain(Tr::new(&locale)),
    };
    render(StatusCode::OK, &view, &PagePolicy::default())
}
