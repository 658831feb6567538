//! Security headers, health endpoints, request IDs, static files.

use axum::body::Body;
use axum::http::{Request, StatusCode};

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
        app.with_demo().get("/demo").await,
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

/// Issue 11: a client's `X-Request-Id` is not ours to log as ours (it
/// could name another request, or carry anything); each answer gets a
/// fresh one.
#[tokio::test]
async fn a_client_request_id_is_replaced_by_a_fresh_one() {
    let app = TestApp::new().await;
    let page = app
        .get_with("/healthz", &[("x-request-id", "attacker")])
        .await;
    let ours = page.header("x-request-id").unwrap();
    assert_ne!(ours, "attacker");
    assert!(uuid::Uuid::parse_str(ours).is_ok(), "{ours}");
    let again = app
        .get_with("/healthz", &[("x-request-id", "attacker")])
        .await;
    assert_ne!(again.header("x-request-id"), Some(ours));
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
async fn metrics_count_requests_and_results_by_route_never_by_id() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let user = app.link_user(&client, "info", "kari").await;
    // Per cancels at the test BankID.
    let first = app
        .start(
            "/oauth/authorize",
            &format!("client_id={client}&scope=info&test=true&response_type=code"),
        )
        .await;
    app.authenticate(&first, "per").await;
    app.send(
        Request::builder()
            .method("BREW")
            .uri("/nowhere/at/all")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    // Not on the public port: on the operators' own listener.
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
    let res = app.metrics().await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    let text = &res.body;
    for line in [
        "consent_link_http_requests_total{method=\"POST\",route=\"/s/{sid}/consent\",status=\"303\"} 1",
        "consent_link_link_results_total{entry=\"link\",result=\"code\"} 1",
        "consent_link_link_results_total{entry=\"oauth2\",result=\"access_denied\"} 1",
        "consent_link_http_requests_total{method=\"other\",route=\"<unmatched>\",status=\"404\"} 1",
    ] {
        assert!(text.contains(line), "no {line} in\n{text}");
    }
    assert!(text.contains("consent_link_http_request_duration_seconds_bucket"));
    // Labels name routes, never a session, user or client.
    assert!(!text.contains(&user) && !text.contains(&client));
    for route in text.split("route=\"").skip(1) {
        let route = &route[..route.find('"').unwrap()];
        assert!(
            route == "<unmatched>" || route.split('/').all(|seg| seg.len() < 32),
            "a path, not a template: {route}"
        );
    }
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
    let sdk = app.get("/static/link.js").await;
    assert_eq!(sdk.status, StatusCode::OK);
    assert!(sdk
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert!(sdk.body.contains("event.source !== frame.contentWindow"));
    let types = app.get("/static/link.d.ts").await;
    assert!(types.body.contains("interface ConsentLinkOptions"));
    // `..` reaches the file handler itself only percent-encoded (the
    // router matches one segment; a raw `/static/../x` never gets there).
    for path in [
        "/static/..%2FCargo.toml",
        "/static/%2e%2e%2fCargo.toml",
        "/static/..%2F..%2Fwork%2FCargo.toml",
        "/static/%2FCargo.toml",
        "/static/..%5CCargo.toml",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
        assert!(!res.body.contains("[package]"), "{path}: {}", res.body);
    }
}

/// The demo's browser cookie that `/demo` set, as a `Cookie` header value.
pub fn demo_cookie(demo: &Page) -> String {
    let set = demo.header("set-cookie").expect("/demo sets its cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    set.split(';').next().unwrap().to_owned()
}

/// The `href` of the demo page's link with `id`.
pub fn demo_link(page: &Page, id: &str) -> (String, String) {
    let before = page.body.split(&format!("id=\"{id}\"")).next().unwrap();
    let start = before.rfind("href=\"").unwrap() + 6;
    let link = html_unescape(&before[start..before.len() - 2]);
    let (path, query) = link.split_once('?').unwrap();
    (path.to_owned(), query.to_owned())
}

#[tokio::test]
async fn demo_runs_both_entries_through_to_the_data_without_leaking_its_secret() {
    let app = TestApp::new().await.with_demo();
    consent_link::ensure_demo_client(app.store.as_ref(), &app.key, ISSUER, T0)
        .await
        .unwrap();
    let secret = app.key.demo_client_secret();
    let demo = app.get("/demo").await;
    assert_eq!(demo.status, StatusCode::OK);
    let cookie = demo_cookie(&demo);
    let csp = demo.header("content-security-policy").unwrap();
    assert!(csp.contains(&format!("frame-src {ISSUER}")), "{csp}");
    assert!(
        demo.body.contains("src=\"/static/link.js\"")
            && demo
                .body
                .contains(&format!("data-callback-uri=\"{ISSUER}/demo/callback\"")),
        "iframe flow offered through the SDK"
    );
    for (id, first_call) in [
        ("demo-redirect-en", "POST /api/1.0/auth"),
        ("demo-oauth", "POST /oauth/token"),
    ] {
        let (path, query) = demo_link(&demo, id);
        let params = app.consent_as(&path, &query, "kari").await;
        app.collect().await;
        let back: String = params
            .iter()
            .map(|(k, v)| format!("{k}={}&", enc(v)))
            .collect();
        let callback = app
            .get_with(&format!("/demo/callback?{back}"), &[("cookie", &cookie)])
            .await;
        assert_eq!(callback.status, StatusCode::OK);
        let body = html_unescape(&callback.body);
        assert!(body.contains(&params["code"]));
        assert!(
            body.contains(&format!("{first_call}</code> → <code>200")),
            "{body}"
        );
        assert!(body.contains("GET /api/1.0/loan_applications/"), "{body}");
        assert!(
            body.contains("\"ssn\": \"15878512345\""),
            "the data: {body}"
        );
        assert!(
            !callback.body.contains(&secret),
            "the secret stays server-side"
        );
        // What the lender reads first, with English dates and amounts.
        assert!(
            body.contains("<dt>Born</dt><dd>15 July 1985</dd>"),
            "{body}"
        );
        assert!(body.contains("<dt>Unsecured debt</dt><dd>NOK "), "{body}");
    }
    // The same in Norwegian: the link said so in its state.
    let (path, query) = demo_link(&demo, "demo-redirect-nb");
    let params = app.consent_as(&path, &query, "kari").await;
    app.collect().await;
    let back: String = params
        .iter()
        .map(|(k, v)| format!("{k}={}&", enc(v)))
        .collect();
    let callback = app
        .get_with(
            &format!("/demo/callback?{back}"),
            &[("accept-language", "en-GB"), ("cookie", &cookie)],
        )
        .await;
    let body = html_unescape(&callback.body);
    assert!(
        body.contains("<dt>Født</dt><dd>15. juli 1985</dd>"),
        "{body}"
    );
    let debt = body
        .split("<dt>Usikret gjeld</dt><dd>")
        .nth(1)
        .and_then(|rest| rest.split("</dd>").next())
        .unwrap_or_default();
    assert!(
        debt.ends_with(" kr") && debt.contains('\u{a0}'),
        "grouped with a no-break space, kroner after: {debt:?}"
    );
    assert!(!demo.body.contains(&secret));
}
