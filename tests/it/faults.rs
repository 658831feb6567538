//! Faults behave as documented (issue 12): a server fault, a panic too,
//! gives the caller only a request ID, in the format of the surface it
//! called (a page, the token endpoint's RFC 6749 JSON, the data API's
//! JSON), and the log one error line with that ID. The surface decides
//! the format, never the path.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use consent_link::http::{data_api, token_endpoint, with_layers};
use consent_link::oauth2::client::Client;
use consent_link::AppState;
use tower::ServiceExt;

use crate::logs::capture;
use crate::support::*;

/// A handler that panics with a detail that must never be shown.
async fn boom() -> &'static str {
    if true {
        panic!("secret-detail-from-the-panic");
    }
    "never"
}

/// Sends `req` to `routes` behind every public layer.
async fn send(app: &TestApp, routes: Router<AppState>, req: Request<Body>) -> Page {
    let router = with_layers(routes, app.state.clone(), &Default::default());
    Page::read(router.oneshot(req).await.unwrap()).await
}

/// A 500 that names its request ID (returned) and leaks no detail, with
/// one ERROR line in the log for it.
fn assert_fault(res: &Page, logs: &crate::logs::Captured) -> String {
    assert_eq!(
        res.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        res.body
    );
    let id = res.header("x-request-id").unwrap().to_owned();
    assert!(res.body.contains(&id), "names the request ID: {}", res.body);
    assert!(!res.body.contains("secret-detail"), "{}", res.body);
    let text = logs.text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(&id) && l.contains("ERROR"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("request failed"), "{}", lines[0]);
    id
}

fn assert_page(res: &Page) {
    let content_type = res.header("content-type").unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
}

/// RFC 6749 §5.2 `server_error`, whose description is only the request ID.
fn assert_token_server_error(res: &Page, id: &str) {
    let body = res.json();
    assert_eq!(body["error"], "server_error", "{}", res.body);
    assert_eq!(
        body["error_description"],
        format!("internal error; request ID {id}")
    );
    assert_eq!(res.header("cache-control"), Some("no-store"));
}

/// The product's error format with `INTERNAL_ERROR` and the request ID.
fn assert_api_internal_error(res: &Page, id: &str) {
    let body = res.json();
    assert_eq!(body["type"], "error", "{}", res.body);
    assert_eq!(body["error"]["status"], "INTERNAL_ERROR", "{}", res.body);
    assert_eq!(
        body["error"]["message"],
        format!("internal error; request ID {id}")
    );
}

#[tokio::test]
async fn a_panicking_handler_gives_the_request_id_page_and_an_error_log_line() {
    let logs = capture();
    let app = TestApp::new().await;
    let routes = Router::new().route("/boom", get(boom));
    let req = Request::get("/boom")
        .header("accept-language", "nb")
        .body(Body::empty())
        .unwrap();
    let res = send(&app, routes, req).await;
    assert_fault(&res, &logs);
    assert_page(&res);
    assert!(res.body.contains("lang=\"nb\""), "{}", res.body);
}

#[tokio::test]
async fn a_panic_at_the_token_endpoint_is_its_server_error_with_the_request_id() {
    let logs = capture();
    let app = TestApp::new().await;
    let routes = token_endpoint(Router::new().route("/boom", post(boom)));
    let req = Request::post("/boom").body(Body::empty()).unwrap();
    let res = send(&app, routes, req).await;
    let id = assert_fault(&res, &logs);
    assert_token_server_error(&res, &id);
}

#[tokio::test]
async fn a_panic_in_the_data_api_is_its_internal_error_with_the_request_id() {
    let logs = capture();
    let app = TestApp::new().await;
    let routes = data_api(Router::new().route("/boom", get(boom)));
    let req = Request::get("/boom").body(Body::empty()).unwrap();
    let res = send(&app, routes, req).await;
    let id = assert_fault(&res, &logs);
    assert_api_internal_error(&res, &id);
}

#[tokio::test]
async fn the_surface_decides_a_faults_format_not_the_path() {
    let logs = capture();
    let app = TestApp::new().await;
    // Routes at the token endpoint's and the data API's paths that are
    // not those surfaces' fail as pages.
    for path in ["/oauth/token", "/api/1.0/personal/x"] {
        let routes = Router::new().route(path, get(boom));
        let req = Request::get(path).body(Body::empty()).unwrap();
        let res = send(&app, routes, req).await;
        assert_fault(&res, &logs);
        assert_page(&res);
    }
}

#[tokio::test]
async fn a_store_fault_at_the_token_endpoint_is_server_error_with_only_the_request_id() {
    let logs = capture();
    let url = own_database_url().await;
    let app = TestApp::on_database(
        &url,
        "test-key-test-key-test-key-test-key",
        T0,
        no_methods(),
    )
    .await;
    // A client whose stored scopes no longer parse: the server's fault.
    let client = Client {
        id: format!("c-{}", uuid::Uuid::new_v4()),
        name: "Acme Bank".into(),
        callback_uris: vec!["https://acme.example/cb".into()],
        allowed_scopes: consent_link::oauth2::scope::Scopes::parse("info").unwrap(),
        styles_origins: vec![],
        test_allowed: true,
        confidential: true,
    };
    let secret = app.key.client_secret_hash(&client.id, "secret");
    let inserted = app.store.insert_client(&client, Some(&secret), T0);
    inserted.await.unwrap();
    let corrupt = "UPDATE clients SET allowed_scopes = 'bananas' WHERE id = $1";
    execute_raw(&url, corrupt, &[&client.id]).await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client.id.as_str()),
        ("client_secret", "secret"),
    ];
    let res = app.post_form("/oauth/token", &form).await;
    let id = assert_fault(&res, &logs);
    assert_token_server_error(&res, &id);
    assert!(!res.body.contains("bananas"), "{}", res.body);
}
