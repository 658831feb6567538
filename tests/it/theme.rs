//! Issue 11: an integrator's `styles_uri` cannot hide what the end user
//! consents to. The sheet is fetched by the server from a real HTTP server
//! on loopback; pages link only our `/s/<sid>/theme.css`, which holds the
//! checked `--cl-*` properties alone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::support::*;

/// One fetch per URL at a time; budgets per session and per origin.
mod fetch_limits;

/// A sheet that tries everything: hide the scope list, relabel Accept,
/// import another sheet, and make text invisible through custom properties.
pub const HOSTILE: &str = r#"
@import url("/more.css");
.scopes, .scopes li { display: none !important }
button[value=accept] { font-size: 0 }
button[value=accept]::after { content: "Decline"; font-size: 1rem }
:root { --cl-primary: rgb(120, 20, 90); --cl-radius: 2px; display: none;
        --cl-text: #ffffff; --cl-font: url(https://evil.example/f); }
:root { --cl-primary-text: #ffffff; } } .scopes { visibility: hidden }
"#;

/// What [`HOSTILE`] becomes: white text on the white card is dropped.
pub const HOSTILE_THEME: &str =
    ":root {\n  --cl-primary: #78145a;\n  --cl-primary-text: #ffffff;\n  --cl-radius: 2px;\n}\n";

/// The integrator's styles origin: a real server on 127.0.0.1.
struct StylesHost {
    origin: &'static str,
    hits: Arc<AtomicUsize>,
}

async fn styles_host() -> StylesHost {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let css =
        |body: String| -> Response { ([(header::CONTENT_TYPE, "text/css")], body).into_response() };
    let router = Router::new()
        .route(
            "/hostile.css",
            get(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                async move { css(HOSTILE.to_owned()) }
            }),
        )
        .route(
            "/slow.css",
            get(move || async move {
                tokio::time::sleep(Duration::from_secs(5)).await;
                css(HOSTILE.to_owned())
            }),
        )
        .route(
            "/big.css",
            get(move || async move { css(format!("{HOSTILE}/*{}*/", "x".repeat(70 * 1024))) }),
        )
        .route(
            "/redirect.css",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/hostile.css")]) }),
        )
        .route(
            "/secret-path-5d1e.css",
            get(|| async { StatusCode::NOT_FOUND }),
        )
        .route(
            "/latin1.css",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/css")], vec![b':', 0xff, 0xfe]).into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    StylesHost {
        origin: origin.leak(),
        hits,
    }
}

/// A raw HTTP/1.1 server that answers every request with `script`: bytes
/// to write, each after a pause. For what axum would not send: a chunked
/// body without Content-Length, a body that drips.
async fn raw_server(script: Vec<(Duration, Vec<u8>)>) -> &'static str {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let script = Arc::new(script);
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let script = script.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.ends_with(b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                for (pause, bytes) in script.iter() {
                    tokio::time::sleep(*pause).await;
                    if conn.write_all(bytes).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    origin.leak()
}

fn chunk(s: &str) -> Vec<u8> {
    format!("{:x}\r\n{s}\r\n", s.len()).into_bytes()
}

const CHUNKED_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: text/css\r\ntransfer-encoding: chunked\r\n\r\n";

/// An app with a client whose styles origin is `origin`, and the first page
/// of a Link flow with `styles_uri=<origin><path>`.
async fn flow_with_sheet(origin: &'static str, path: &str) -> (TestApp, Page) {
    let app = TestApp::new().await;
    let client = app
        .register(ClientSpec {
            styles_origins: vec![origin],
            ..ClientSpec::default()
        })
        .await;
    let first = app
        .start(
            "/link",
            &format!(
                "client_id={client}&scope=info,income&test=true&state=st-1&styles_uri={}",
                enc(&format!("{origin}{path}"))
            ),
        )
        .await;
    (app, first)
}

/// The theme a page links, fetched from our own origin.
async fn theme_of(app: &TestApp, page: &Page) -> Page {
    let href = format!("{}/theme.css", page.session_path());
    assert!(
        page.body
            .contains(&format!("<link rel=\"stylesheet\" href=\"{href}\">")),
        "the page links our theme: {}",
        page.body
    );
    let theme = app.get(&href).await;
    assert_eq!(theme.status, StatusCode::OK);
    assert_eq!(
        theme.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    theme
}

#[tokio::test]
async fn styles_uri_is_served_from_our_origin_with_only_the_allowed_declarations() {
    let host = styles_host().await;
    let (app, first) = flow_with_sheet(host.origin, "/hostile.css").await;
    // The page never names the integrator's sheet, and the CSP allows
    // styles from our origin only.
    assert!(!first.body.contains(host.origin), "{}", first.body);
    let csp = first.header("content-security-policy").unwrap();
    assert!(csp.contains("style-src 'self';"), "{csp}");
    assert!(!csp.contains(host.origin), "{csp}");
    let theme = theme_of(&app, &first).await;
    assert_eq!(theme.body, HOSTILE_THEME);

    // The consent page too: the scope list is there, themed by the same
    // checked sheet and nothing else.
    let (sid, _) = app.sign_in(&first, "kari").await;
    let consent = app.get(&sid).await;
    assert!(consent.body.contains("class=\"scopes\""));
    assert!(!consent.body.contains(host.origin));
    assert!(!consent
        .header("content-security-policy")
        .unwrap()
        .contains(host.origin));
    assert_eq!(theme_of(&app, &consent).await.body, HOSTILE_THEME);
}

#[tokio::test]
async fn a_page_without_styles_uri_links_no_theme() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app
        .start("/link", &format!("client_id={client}&scope=info&test=true"))
        .await;
    assert!(!first.body.contains("theme.css"));
    let theme = app
        .get(&format!("{}/theme.css", first.session_path()))
        .await;
    assert_eq!((theme.status, theme.body.as_str()), (StatusCode::OK, ""));
    assert_eq!(
        app.get("/s/not-a-session/theme.css").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_sheet_is_fetched_once_and_cached_until_its_time_is_up() {
    let host = styles_host().await;
    let (app, first) = flow_with_sheet(host.origin, "/hostile.css").await;
    for _ in 0..3 {
        assert_eq!(theme_of(&app, &first).await.body, HOSTILE_THEME);
    }
    assert_eq!(host.hits.load(Ordering::SeqCst), 1);
    app.clock.advance(301);
    assert_eq!(theme_of(&app, &first).await.body, HOSTILE_THEME);
    assert_eq!(host.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_sheet_that_cannot_be_used_gives_the_default_theme() {
    let host = styles_host().await;
    // Nothing listens on a port we bound and let go.
    let down = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", l.local_addr().unwrap());
        drop(l);
        &*origin.leak()
    };
    let padding = " ".repeat(1024);
    let stream = raw_server(
        std::iter::once((Duration::ZERO, CHUNKED_HEAD.to_vec()))
            .chain(std::iter::once((Duration::ZERO, chunk(HOSTILE))))
            .chain((0..80).map(|_| (Duration::ZERO, chunk(&padding))))
            .chain(std::iter::once((Duration::ZERO, b"0\r\n\r\n".to_vec())))
            .collect(),
    )
    .await;
    let drip = raw_server(vec![
        (Duration::ZERO, CHUNKED_HEAD.to_vec()),
        (Duration::ZERO, chunk(HOSTILE)),
        (Duration::from_secs(5), b"0\r\n\r\n".to_vec()),
    ])
    .await;
    for (origin, path, why) in [
        (host.origin, "/slow.css", "timed out"),
        // Headers at once, then a body that does not finish in time.
        (drip, "/drip.css", "timed out"),
        (host.origin, "/big.css", "larger than 65536 bytes"),
        // No Content-Length: the limit holds while the body streams in.
        (stream, "/stream.css", "larger than 65536 bytes"),
        (host.origin, "/redirect.css", "HTTP 302"),
        (host.origin, "/secret-path-5d1e.css", "HTTP 404"),
        (host.origin, "/latin1.css", "not UTF-8"),
        (down, "/a.css", "could not connect"),
    ] {
        let captured = crate::logs::capture();
        let (app, first) = flow_with_sheet(origin, path).await;
        let began = std::time::Instant::now();
        let theme = theme_of(&app, &first).await;
        assert_eq!(theme.body, "", "{why}: the default theme");
        assert!(
            began.elapsed() < Duration::from_secs(3),
            "{why}: took {:?}",
            began.elapsed()
        );
        // The end user's page itself never fails.
        assert_eq!(
            app.get(&first.session_path()).await.status,
            StatusCode::OK,
            "{why}"
        );
        let logs = captured.text();
        let logged = logs
            .lines()
            .rfind(|l| l.contains("styles_uri not used") && l.contains(origin))
            .unwrap_or("");
        assert!(logged.contains(why), "expected {why:?}, logged {logged:?}");
    }
}

#[tokio::test]
async fn a_failed_fetch_is_logged_by_origin_only() {
    let captured = crate::logs::capture();
    let host = styles_host().await;
    let (app, first) = flow_with_sheet(host.origin, "/secret-path-5d1e.css").await;
    theme_of(&app, &first).await;
    let logs = captured.text();
    let line = logs
        .lines()
        .find(|l| l.contains("styles_uri not used") && l.contains(host.origin))
        .unwrap_or_else(|| panic!("no warning naming {} in {logs}", host.origin));
    assert!(line.contains("WARN"), "{line}");
    assert!(!logs.contains("secret-path-5d1e"), "the path is not logged");
}
