//! Server faults, whatever the surface. Each surface (pages, the token
//! endpoint, the data API) has one error type, a [`SurfaceError`]: client
//! mistakes it renders itself, where they happen; a server fault it
//! answers with a [`Fault`] marker that carries the surface's own way to
//! show a fault. [`render_internal_errors`] logs each fault once and shows
//! it that way, with only the request ID. A panic is a fault of the
//! surface whose routes it happened in ([`catch_panics`]).

use std::any::Any;

use axum::extract::Request;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;

use super::pages::{render, PageError, PagePolicy};
use crate::i18n::{negotiate, Tr};
use crate::views::{ErrorPage, PageCtx};

/// The error type of one surface.
pub(crate) trait SurfaceError: IntoResponse {
    /// A server fault: `detail` goes to the log only.
    fn fault(detail: String) -> Self;

    /// What a caller of this surface is shown for a fault: that it was
    /// ours, and the request ID; never the detail.
    fn show_fault(cx: &FaultContext) -> Response;
}

/// What a fault's body may tell: the request ID, in the caller's language.
pub(crate) struct FaultContext {
    pub(crate) request_id: Option<String>,
    pub(crate) locale: String,
}

impl FaultContext {
    /// The message for a machine: the request ID, nothing else.
    pub(crate) fn reference(&self) -> String {
        format!(
            "internal error; request ID {}",
            self.request_id.as_deref().unwrap_or("-")
        )
    }
}

/// Marks a response as a server fault for [`render_internal_errors`]:
/// the detail for the log, and how the surface that failed shows it.
#[derive(Clone)]
pub(crate) struct Fault {
    detail: String,
    show: fn(&FaultContext) -> Response,
}

impl Fault {
    /// A 500 that [`render_internal_errors`] logs and replaces with what
    /// `E`'s surface shows for a fault.
    pub(crate) fn response<E: SurfaceError>(detail: String) -> Response {
        let mut res = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        res.extensions_mut().insert(Fault {
            detail,
            show: E::show_fault,
        });
        res
    }
}

/// A layer that turns a panic in what it wraps into a fault of `E`'s
/// surface. It must sit inside [`render_internal_errors`].
pub(crate) fn catch_panics<E: SurfaceError>(
) -> CatchPanicLayer<fn(Box<dyn Any + Send + 'static>) -> Response> {
    CatchPanicLayer::custom(panicked::<E>)
}

fn panicked<E: SurfaceError>(_: Box<dyn Any + Send + 'static>) -> Response {
    E::fault("handler panicked".into()).into_response()
}

/// Logs each server fault once and shows it as the surface that failed
/// shows faults: in the caller's language, with only the request ID.
pub(super) async fn render_internal_errors(req: Request, next: Next) -> Response {
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
    let res = next.run(req).await;
    let Some(fault) = res.extensions().get::<Fault>().cloned() else {
        return res;
    };
    tracing::error!(error = ?fault.detail, "request failed");
    (fault.show)(&FaultContext { request_id, locale })
}

/// The page a fault shows the end user: their language, the request ID.
pub(super) fn fault_page(cx: &FaultContext) -> Response {
    let tr = Tr::new(&cx.locale);
    let view = ErrorPage {
        title: tr.t("error-title"),
        message: tr.t("error-internal"),
        page: PageCtx::plain(tr),
        request_id: cx.request_id.clone(),
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
pub(super) fn error_page(
    status: StatusCode,
    locale: &str,
    message_key: &str,
    policy: &PagePolicy,
) -> Result<Response, PageError> {
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

pub(super) async fn not_found(headers: axum::http::HeaderMap) -> Result<Response, PageError> {
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
