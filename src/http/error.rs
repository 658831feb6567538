//! One error type for handlers. Client mistakes are rendered where they
//! happen, in the end user's language; what reaches here is a server fault:
//! logged once, shown as a page with only the request ID.

use axum::extract::Request;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::pages::{render, PagePolicy};
use crate::i18n::{negotiate, Tr};
use crate::oauth2::token::{TokenError, TokenErrorCode};
use crate::store::StoreError;
use crate::views::{ErrorPage, PageCtx};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

/// Marks a response as a server fault for [`render_internal_errors`].
#[derive(Clone, Debug)]
struct InternalError(String);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        res.extensions_mut().insert(InternalError(self.to_string()));
        res
    }
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::Internal("handler panicked".into()).into_response()
}

/// Logs each server fault once and renders it as a page in the end user's
/// language, showing only the request ID.
pub async fn render_internal_errors(req: Request, next: Next) -> Response {
    let locale = negotiate(
        None,
        req.headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let request_id = req
        .headers()
        .get(super::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let Some(InternalError(detail)) = res.extensions().get::<InternalError>().cloned() else {
        return res;
    };
    tracing::error!(error = ?detail, "request failed");
    // Machines get JSON in the format of the API they called.
    let reference = format!(
        "internal error; request ID {}",
        request_id.as_deref().unwrap_or("-")
    );
    if path == "/oauth/token" {
        return super::token::token_error(&TokenError::new(TokenErrorCode::ServerError, reference));
    }
    if path.starts_with("/api/") {
        return super::api::ApiError::internal(reference).into();
    }
    let tr = Tr::new(&locale);
    let view = ErrorPage {
        title: tr.t("error-title"),
        message: tr.t("error-internal"),
        page: PageCtx::plain(tr),
        request_id,
    };
    render(
        StatusCode::INTERNAL_SERVER_ERROR,
        &view,
        &PagePolicy::default(),
    )
    .unwrap_or_else(|_| (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response())
}

/// An error page for the end user in `locale`. Its heading is the
/// message's own `<message_key>-title` where the language has one (an
/// expired link is not "something went wrong"), else the general one.
pub fn error_page(
    status: StatusCode,
    locale: &str,
    message_key: &str,
    policy: &PagePolicy,
) -> Result<Response, AppError> {
    let tr = Tr::new(locale);
    let own_title = format!("{message_key}-title");
    let title = if tr.has_own(&own_title) {
        tr.t(&own_title)
    } else {
        tr.t("error-title")
    };
    let view = ErrorPage {
        title,
        message: tr.t(message_key),
        page: PageCtx::plain(tr),
        request_id: None,
    };
    render(status, &view, policy)
}

pub async fn not_found(headers: axum::http::HeaderMap) -> Result<Response, AppError> {
    let locale = negotiate(
        None,
        headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    error_page(
        StatusCode::NOT_FOUND,
        &locale,
        "error-not-found",
        &PagePolicy::default(),
    )
}
