//! Rendering pages with their security headers.

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::error::{error_page, fault_page, Fault, FaultContext, SurfaceError};
use crate::flow::{FlowError, LinkSession};
use crate::oauth2::authorize::Delivery;
use crate::service::ServiceError;
use crate::store::StoreError;

/// What a page handler answers when it does not answer its page: the
/// page surface's one error type. An end user's mistake (or a session
/// that refuses the step) is an error page in their language; a server
/// fault goes to the internal-error renderer (logged once, shown with only
/// the request ID).
#[derive(Debug)]
pub(crate) enum PageError {
    /// A session refused the request: the flow error's status and message.
    Flow {
        error: FlowError,
        locale: String,
        policy: Box<PagePolicy>,
    },
    /// Any other error page for the end user: `key` names the message.
    Page {
        status: StatusCode,
        key: &'static str,
        locale: String,
        policy: Box<PagePolicy>,
    },
    Store(StoreError),
    Internal(String),
}

impl PageError {
    /// `error` on the page of `session`: its language, its frame.
    pub(crate) fn flow(session: &LinkSession, error: FlowError) -> PageError {
        PageError::Flow {
            error,
            locale: session.locale.clone(),
            policy: Box::new(PagePolicy::for_session(session)),
        }
    }

    /// The message `key` with `status`, on the page of `session`.
    pub(crate) fn session(
        session: &LinkSession,
        status: StatusCode,
        key: &'static str,
    ) -> PageError {
        PageError::Page {
            status,
            key,
            locale: session.locale.clone(),
            policy: Box::new(PagePolicy::for_session(session)),
        }
    }

    /// The message `key` with `status`, in `locale`, framed by no one.
    pub(crate) fn plain(status: StatusCode, key: &'static str, locale: &str) -> PageError {
        PageError::Page {
            status,
            key,
            locale: locale.to_owned(),
            policy: Box::default(),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Store(e)
    }
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Store(e) => PageError::Store(e),
            ServiceError::Internal(detail) => PageError::Internal(detail.to_owned()),
        }
    }
}

impl SurfaceError for PageError {
    fn fault(detail: String) -> Self {
        PageError::Internal(detail)
    }

    fn show_fault(cx: &FaultContext) -> Response {
        fault_page(cx)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = match self {
            PageError::Flow {
                error,
                locale,
                policy,
            } => {
                let status =
                    StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
                error_page(status, &locale, error.message_key(), &policy)
            }
            PageError::Page {
                status,
                key,
                locale,
                policy,
            } => error_page(status, &locale, key, &policy),
            PageError::Store(e) => Ok(Fault::response::<PageError>(format!("store: {e}"))),
            PageError::Internal(detail) => Ok(Fault::response::<PageError>(detail)),
        };
        page.unwrap_or_else(IntoResponse::into_response)
    }
}

/// What a page's Content-Security-Policy allows beyond our own origin.
#[derive(Clone, Debug, Default)]
pub(super) struct PagePolicy {
    /// In iframe mode, the one origin allowed to frame the page.
    pub frame_ancestor: Option<String>,
    /// The callback's origin, so a form may redirect there.
    pub form_target: Option<String>,
    /// Origins this page may frame (only the demo integrator page frames).
    pub frame_src: Option<String>,
    /// Identity providers a form on this page redirects to.
    pub providers: Vec<String>,
}

impl PagePolicy {
    pub(super) fn for_session(s: &LinkSession) -> PagePolicy {
        PagePolicy::for_delivery(&s.delivery)
    }

    /// A page on the way to `delivery`'s callback: framed by it in iframe
    /// mode, with a form that may lead there.
    pub(crate) fn for_delivery(delivery: &Delivery) -> PagePolicy {
        let callback_origin = delivery.callback.origin().ascii_serialization();
        PagePolicy {
            frame_ancestor: delivery.iframe.then(|| callback_origin.clone()),
            form_target: Some(callback_origin),
            frame_src: None,
            providers: Vec::new(),
        }
    }

    fn csp(&self) -> String {
        let extra = |o: &Option<String>| o.as_ref().map(|o| format!(" {o}")).unwrap_or_default();
        let frame_src = self
            .frame_src
            .as_ref()
            .map(|o| format!("; frame-src {o}"))
            .unwrap_or_default();
        let providers: String = self.providers.iter().map(|o| format!(" {o}")).collect();
        format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self'; form-action 'self'{}{providers}; frame-ancestors {}; \
             base-uri 'none'{}",
            extra(&self.form_target),
            self.frame_ancestor.as_deref().unwrap_or("'none'"),
            frame_src,
        )
    }
}

/// Renders `view` with `status` and the CSP of `policy`.
pub(super) fn render(
    status: StatusCode,
    view: &impl askama::Template,
    policy: &PagePolicy,
) -> Result<Response, PageError> {
    let body = view
        .render()
        .map_err(|e| PageError::Internal(format!("template: {e}")))?;
    let mut res = (status, Html(body)).into_response();
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&policy.csp()) {
        headers.insert(CONTENT_SECURITY_POLICY, v);
    }
    if policy.frame_ancestor.is_none() {
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    // Pages carry anti-CSRF tokens and personal data: never cached.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// Headers every response gets; a response without its own CSP gets the
/// strictest one.
pub(super) async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_has_no_unsafe_inline_and_frames_only_when_asked() {
        let strict = PagePolicy::default().csp();
        assert!(strict.contains("frame-ancestors 'none'"));
        assert!(!strict.contains("unsafe-inline"));
        let framed = PagePolicy {
            frame_ancestor: Some("https://acme.example".into()),
            form_target: Some("https://acme.example".into()),
            frame_src: None,
            providers: vec!["https:".into()],
        }
        .csp();
        assert!(framed.contains("frame-ancestors https://acme.example;"));
        assert!(framed.contains("form-action 'self' https://acme.example https:;"));
    }
}
