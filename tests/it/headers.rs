//! Security headers, health endpoints, request IDs, static files.

use axum::http::StatusCode;

use crate::support::*;

#[tokio::test]
async fn every_page_has_strict_headers() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let pages = [
        app.start("/link", &format!("client_id={client}&scope=info&test=true"))
            .await,
        app.get("/link?client_id=nobody&scope=info").await,
        app.get("/no/such/page").await,
        app.get("/demo").await,
        app.get("/healthz").await,
    ];
    for page in &pages {
        let csp = page.header("content-security-policy").expect("CSP");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(!csp.contains('*'), "{csp}");
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(page.header("x-frame-options"), Some("DENY"));
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(page.header("x-request-id").is_some_and(|id| !id.is_empty()));
        assert!(!page.body.contains("<script>"), "no inline script");
        assert!(!page.body.contains("<style"), "no inline style");
        assert!(
            !page.body.contains(" style=\""),
            "no inline style attribute"
        );
    }
}

#[tokio::test]
async fn redirect_mode_pages_allow_form_redirect_to_callback_only() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let page = app
        .start("/link", &format!("client_id={client}&scope=info&test=true"))
        .await;
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("form-action 'self' https://acme.example;"),
        "{csp}"
    );
}

#[tokio::test]
async fn request_id_is_echoed() {
    let app = TestApp::new().await;
    let page = app
        .get_with("/healthz", &[("x-request-id", "req-123")])
        .await;
    assert_eq!(page.header("x-request-id"), Some("req-123"));
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::new().await;
    let live = app.get("/healthz").await;
    assert_eq!(live.status, StatusCode::OK);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
}

#[tokio::test]
async fn static_files_are_served_and_unknown_ones_are_not() {
    let app = TestApp::new().await;
    let css = app.get("/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.body.contains("--cl-primary"));
    let js = app.get("/static/link-frame.js").await;
    assert!(js.body.contains("postMessage") && !js.body.contains("\"*\""));
    assert_eq!(
        app.get("/static/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn demo_page_runs_both_integrations() {
    let app = TestApp::new().await;
    consent_link::ensure_demo_client(app.store.as_ref(), ISSUER, T0)
        .await
        .unwrap();
    let demo = app.get("/demo").await;
    assert_eq!(demo.status, StatusCode::OK);
    let csp = demo.header("content-security-policy").unwrap();
    assert!(csp.contains(&format!("frame-src {ISSUER}")), "{csp}");
    let href = demo.body.split("id=\"demo-redirect-en\"").next().unwrap();
    let start = href.rfind("href=\"").unwrap() + 6;
    let link = html_unescape(&href[start..href.len() - 2]);
    let params = app
        .consent_as(
            link.split('?').next().unwrap(),
            link.split('?').nth(1).unwrap(),
            "kari",
        )
        .await;
    assert!(params.contains_key("code"));
    let callback = app
        .get(&format!(
            "/demo/callback?code={}&state=demo-en",
            params["code"]
        ))
        .await;
    assert!(callback.body.contains(&params["code"]));
}
