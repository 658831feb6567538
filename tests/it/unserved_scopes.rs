//! A scope is served by at most one source; outside test mode, a link
//! asking for a scope that no source serves is refused at the start
//! (`BAD_REQUEST` / `invalid_scope`), never collected as nothing (SPEC.md,
//! "Data collection"; issue 14).

use std::collections::HashMap;

use axum::http::StatusCode;

use crate::support::*;

async fn production_client(app: &TestApp) -> String {
    app.register(ClientSpec {
        test_allowed: false,
        ..ClientSpec::default()
    })
    .await
}

/// The Link and the OAuth2 entry's answers to `client` asking for `scope`.
async fn both_entries(app: &TestApp, client: &str, scope: &str) -> [Page; 2] {
    let callback = enc("https://acme.example/cb");
    let link = format!("/link?client_id={client}&scope={scope}&state=st-v&callback_uri={callback}");
    let oauth = format!(
        "/oauth/authorize?client_id={client}&scope={scope}&state=st-v&redirect_uri={callback}&response_type=code"
    );
    [app.get(&link).await, app.get(&oauth).await]
}

/// The callback's parameters of a refused start, which went back to the
/// (validated) callback with `state`.
fn refused(page: &Page) -> HashMap<String, String> {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(
        page.location()
            .is_some_and(|l| l.starts_with("https://acme.example/cb?")),
        "{:?}",
        page.location()
    );
    let params = page.callback_params();
    assert_eq!(params["state"], "st-v", "{params:?}");
    assert!(!params.contains_key("code"), "{params:?}");
    params
}

fn assert_refused_for_vehicles(pages: &[Page; 2]) {
    let link = refused(&pages[0]);
    assert_eq!(link["error"], "BAD_REQUEST", "{link:?}");
    assert!(link["message"].contains("'vehicles'"), "{link:?}");
    let oauth = refused(&pages[1]);
    assert_eq!(oauth["error"], "invalid_scope", "{oauth:?}");
    assert!(
        oauth["error_description"].contains("'vehicles'"),
        "{oauth:?}"
    );
    assert_eq!(oauth["iss"], ISSUER, "{oauth:?}");
}

fn assert_started(pages: &[Page; 2]) {
    for page in pages {
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("action=\"/s/"), "{}", page.body);
    }
}

#[tokio::test]
async fn a_production_link_for_a_scope_no_source_serves_is_refused_at_the_start() {
    // No sources at all.
    let app = TestApp::new().await;
    let client = production_client(&app).await;
    assert_refused_for_vehicles(&both_entries(&app, &client, "vehicles").await);
    // Sources, but none for vehicles: one unserved scope refuses the link.
    let app = app.with_sources(&uncalled_source("info,income"));
    assert_refused_for_vehicles(&both_entries(&app, &client, "info,vehicles").await);
    assert_started(&both_entries(&app, &client, "info,income").await);
}

#[tokio::test]
async fn a_production_link_starts_when_a_source_serves_every_scope() {
    let app = TestApp::new()
        .await
        .with_sources(&uncalled_source("info,vehicles"));
    let client = production_client(&app).await;
    assert_started(&both_entries(&app, &client, "vehicles").await);
    assert_started(&both_entries(&app, &client, "info,vehicles").await);
}

#[tokio::test]
async fn a_test_client_is_never_refused_for_want_of_a_source() {
    let app = TestApp::new().await;
    let client = app.client().await;
    assert_started(&both_entries(&app, &client, "vehicles").await);
    // And its flow goes through to the result.
    for entry in ["/link", "/oauth/authorize"] {
        let query = format!("client_id={client}&scope=vehicles&response_type=code&state=st-t");
        let params = app.consent_as(entry, &query, "kari").await;
        assert!(params.contains_key("code"), "{entry}: {params:?}");
    }
}

async fn insert_client(store: &dyn consent_link::store::Store, test: bool) {
    use consent_link::oauth2::client::Client;
    let client = Client {
        id: format!("c-{}", uuid::Uuid::new_v4()),
        name: "Acme Bank".into(),
        callback_uris: vec!["https://acme.example/cb".into()],
        allowed_scopes: consent_link::oauth2::scope::Scopes::parse("info").unwrap(),
        styles_origins: vec![],
        test_allowed: test,
        confidential: false,
    };
    store.insert_client(&client, None, T0).await.unwrap();
}

/// What `serve` logs at start on the SQLite database `url`, with `args`.
fn serve_log(url: &str, args: &[&str]) -> String {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_consent-link"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--metrics-bind",
            "127.0.0.1:0",
        ])
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    let running = line.contains("running");
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(running, "serve did not start: {line} {log}");
    log
}

/// `serve` with production clients and no sources says once, at start,
/// that their links will be refused, and starts all the same.
#[tokio::test]
async fn serve_warns_at_start_when_production_links_will_be_refused() {
    let dir = std::env::temp_dir().join(format!("cl-unserved-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/db.sqlite", dir.display());
    let warning = "production clients' links will be refused";
    // A test client only: nothing to say.
    let store = consent_link::store::connect(&url).await.unwrap();
    insert_client(store.as_ref(), true).await;
    assert!(!serve_log(&url, &[]).contains(warning));
    // A production client and no sources: one WARN line.
    insert_client(store.as_ref(), false).await;
    let log = serve_log(&url, &[]);
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(warning)).collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(lines[0].contains("WARN"), "{log}");
    // With sources: nothing to say.
    let file = dir.join("sources.toml");
    std::fs::write(&file, uncalled_source("info")).unwrap();
    let log = serve_log(&url, &["--sources", file.to_str().unwrap()]);
    assert!(!log.contains(warning), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
