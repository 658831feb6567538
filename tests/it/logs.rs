//! Logs help and never leak: one line per request naming the route
//! template, never a session ID, code, state, CSRF token or national ID.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use consent_link::test_persons::TEST_PERSONS;

use crate::support::*;

#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything the test binary logs, from the first call on. A global
/// subscriber: a thread-scoped one misses callsites that other test threads
/// registered first.
pub fn capture() -> Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
            captured
        })
        .clone()
}

#[tokio::test]
async fn logs_never_carry_secrets_or_identities() {
    let captured = capture();

    let app = TestApp::new().await;
    let client = app.client().await;
    let state = "state-value-4f1d9c";
    let query = format!("client_id={client}&scope=info&test=true&state={state}");
    let first = app.start("/oauth/authorize", &query).await;
    let (sid, csrf) = app.sign_in(&first, "kari").await;
    let done = app
        .post_form(
            &format!("{sid}/consent"),
            &[("csrf", &csrf), ("decision", "accept")],
        )
        .await;
    let code = done.callback_params()["code"].clone();
    app.get(&format!(
        "/oauth/authorize?client_id={client}&scope=bananas&state={state}"
    ))
    .await;
    app.post_form(
        &format!("{sid}/consent"),
        &[("csrf", "wrong"), ("decision", "accept")],
    )
    .await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("route=\"/s/{sid}/consent\""),
        "route templates are logged"
    );
    assert!(logs.contains("status=303"), "status is logged");
    assert!(logs.contains("latency_ms="), "latency is logged");
    assert!(logs.contains("request_id="), "request ID is logged");
    let session_id = sid.trim_start_matches("/s/");
    for (what, secret) in [
        ("session ID", session_id),
        ("CSRF token", &csrf),
        ("code", &code),
        ("state", state),
    ] {
        assert!(!logs.contains(secret), "{what} leaked into the logs");
    }
    for person in TEST_PERSONS {
        assert!(!logs.contains(person.national_id), "national ID leaked");
    }
}

/// The lines of the shared log that carry `marker`.
fn lines_with(captured: &Captured, marker: &str) -> Vec<String> {
    captured
        .text()
        .lines()
        .filter(|l| l.contains(marker))
        .map(str::to_owned)
        .collect()
}

/// Issue 11: a client's `X-Request-Id` is logged apart from ours, quoted
/// and cut short; ours is a fresh UUID.
#[tokio::test]
async fn a_client_request_id_is_logged_apart_quoted_and_capped() {
    let captured = capture();
    let app = TestApp::new().await;
    let marker = format!("mark{}", uuid::Uuid::new_v4().simple());
    let theirs = format!("{marker}\"{}", "x".repeat(500));
    let page = app
        .get_with("/healthz", &[("x-request-id", theirs.as_str())])
        .await;
    let ours = page.header("x-request-id").unwrap().to_owned();
    let lines = lines_with(&captured, &marker);
    assert!(!lines.is_empty(), "the client's request ID was not logged");
    for line in &lines {
        assert!(line.contains(&format!("request_id=\"{ours}\"")), "{line}");
        // Quoted, its quote escaped, and no more than 64 characters of it.
        assert!(
            line.contains(&format!("client_request_id=\"{marker}\\\"x")),
            "{line}"
        );
        assert!(!line.contains(&"x".repeat(64)), "not capped: {line}");
    }
}
