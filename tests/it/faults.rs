//! Faults behave as documented (issue 12): a handler that panics gives the
//! end user the error page with only a request ID, and the log one error
//! line with that ID.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::logs::capture;
use crate::support::*;

#[tokio::test]
async fn a_panicking_handler_gives_the_request_id_page_and_an_error_log_line_issue_12() {
    let logs = capture();
    let app = TestApp::new().await;
    let routes = Router::new().route(
        "/boom",
        get(|| async {
            if true {
                panic!("secret-detail-from-the-panic");
            }
            "never"
        }),
    );
    let router = consent_link::http::with_layers(routes, app.state.clone(), &Default::default());
    let res = router
        .oneshot(
            Request::get("/boom")
                .header("accept-language", "nb")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(body.contains(&id), "the page names the request ID: {body}");
    assert!(body.contains("lang=\"nb\""), "{body}");
    assert!(!body.contains("secret-detail"), "{body}");
    // One error line, with the request ID, from this request.
    let text = logs.text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(&id) && l.contains("ERROR"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("request failed"), "{}", lines[0]);
}
