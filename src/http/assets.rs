//! Static files, compiled into the binary so that it runs from anywhere.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &str)] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../static/style.css"),
    ),
    (
        "link-frame.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/link-frame.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../static/favicon.svg"),
    ),
    (
        "link.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/link.js"),
    ),
    (
        "link.d.ts",
        "application/typescript; charset=utf-8",
        include_str!("../../static/link.d.ts"),
    ),
    (
        "popup.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/popup.js"),
    ),
    (
        "demo.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/demo.js"),
    ),
];

pub(super) async fn file(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => (
            [
                (CONTENT_TYPE, *content_type),
                (CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A configured method's logo.
pub(super) async fn method_logo(
    axum::extract::State(app): axum::extract::State<super::AppState>,
    Path(id): Path<String>,
) -> Response {
    match app.upstream.method(&id).and_then(|m| m.logo.clone()) {
        Some(logo) => (
            [
                (CONTENT_TYPE, logo.content_type),
                (CACHE_CONTROL, "public, max-age=3600"),
            ],
            logo.bytes.as_ref().clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
