//! Issue 11: per-address rate limits on link starts and the token
//! endpoints, answered by 429 with `Retry-After` in each surface's format;
//! the client's address from a forwarding header only when configured.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use consent_link::http::{ClientIp, Options, Rate, RateLimits};

use crate::support::*;

fn limited(link: Option<Rate>, token: Option<Rate>, client_ip: ClientIp) -> Options {
    Options {
        rate_limits: RateLimits {
            link_start: link,
            token,
            sign_in: None,
        },
        client_ip,
        ..Options::default()
    }
}

/// `req` as if it came from `peer` over a socket.
async fn from(app: &TestApp, peer: &str, req: axum::http::request::Builder) -> Page {
    let mut req = req.body(Body::empty()).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    app.send(req).await
}

fn link_start(headers: &[(&str, &str)]) -> axum::http::request::Builder {
    let mut req = Request::get("/link?client_id=nobody&scope=info");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req
}

#[tokio::test]
async fn a_burst_of_link_starts_over_the_limit_gets_a_429_page_with_retry_after() {
    let app = TestApp::new()
        .await
        .with_options(&limited(Rate::new(1, 3), None, ClientIp::Peer));
    for entry in ["/link", "/", "/oauth/authorize"] {
        let res = from(&app, "198.51.100.7:40000", Request::get(entry)).await;
        assert_ne!(res.status, StatusCode::TOO_MANY_REQUESTS, "{entry}");
    }
    // The three entries share one limit; in the end user's language.
    let res = from(
        &app,
        "198.51.100.7:40001",
        link_start(&[("accept-language", "nb-NO")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    assert!(res.header("content-type").unwrap().starts_with("text/html"));
    assert!(res.body.contains("lang=\"nb\""), "{}", res.body);
    assert!(res.body.contains("Vent litt"), "{}", res.body);
    assert!(res.header("content-security-policy").is_some());

    // Another address is not limited.
    let other = from(&app, "198.51.100.8:40000", link_start(&[])).await;
    assert_ne!(other.status, StatusCode::TOO_MANY_REQUESTS);
    // Pages that are not starts are not limited.
    let health = from(&app, "198.51.100.7:40002", Request::get("/healthz")).await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn the_token_endpoints_answer_429_in_their_own_json() {
    let app = TestApp::new()
        .await
        .with_options(&limited(None, Rate::new(1, 2), ClientIp::Peer));
    let token = || {
        Request::post("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", "Basic bm9ib2R5Ondyb25n")
    };
    let auth = || {
        Request::post("/api/1.0/auth")
            .header("client-id", "nobody")
            .header("secret-key", "wrong")
    };
    let peer = "203.0.113.9:5000";
    for first in [token(), auth()] {
        let res = from(&app, peer, first).await;
        assert!(res.status.is_client_error(), "{}", res.status);
        assert_ne!(res.status, StatusCode::TOO_MANY_REQUESTS);
    }

    let res = from(&app, peer, token()).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("retry"));

    let res = from(&app, peer, auth()).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.header("retry-after").is_some());
    assert_eq!(
        res.json()["error"]["status"],
        "TOO_MANY_REQUESTS",
        "{}",
        res.body
    );

    let other = from(&app, "203.0.113.10:5000", auth()).await;
    assert_eq!(other.status.as_u16(), 401);
}

#[tokio::test]
async fn a_forwarding_header_counts_only_when_configured() {
    // Without the flag, a client cannot escape its limit by making up
    // X-Forwarded-For values.
    let app = TestApp::new()
        .await
        .with_options(&limited(Rate::new(1, 2), None, ClientIp::Peer));
    let peer = "192.0.2.50:6000";
    let mut statuses = Vec::new();
    for i in 0..4 {
        let spoof = format!("10.9.8.{i}");
        let res = from(&app, peer, link_start(&[("x-forwarded-for", &spoof)])).await;
        statuses.push(res.status);
    }
    assert_eq!(statuses[2], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");

    // Behind a load balancer that appends the client's address: its
    // right-most entry counts, whatever the client put before it.
    let behind = TestApp::new().await.with_options(&limited(
        Rate::new(1, 2),
        None,
        ClientIp::Header(axum::http::HeaderName::from_static("x-forwarded-for")),
    ));
    let lb = "10.0.0.2:7000";
    for i in 0..2 {
        let xff = format!("6.6.6.{i}, 198.51.100.20");
        let res = from(&behind, lb, link_start(&[("x-forwarded-for", &xff)])).await;
        assert_ne!(res.status, StatusCode::TOO_MANY_REQUESTS);
    }
    let res = from(
        &behind,
        lb,
        link_start(&[("x-forwarded-for", "6.6.6.99, 198.51.100.20")]),
    )
    .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same load balancer is not limited.
    let res = from(
        &behind,
        lb,
        link_start(&[("x-forwarded-for", "198.51.100.21")]),
    )
    .await;
    assert_ne!(res.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn zero_turns_a_rate_limit_off() {
    assert_eq!(Rate::new(0, 100), None);
    let app = TestApp::new().await.with_options(&limited(
        Rate::new(0, 1),
        Rate::new(0, 1),
        ClientIp::Peer,
    ));
    for _ in 0..150 {
        let res = from(&app, "192.0.2.77:1", link_start(&[])).await;
        assert_ne!(res.status, StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test]
async fn the_defaults_allow_a_burst_of_100_link_starts() {
    let app = TestApp::new().await.with_options(&Options::default());
    let mut first_refused = None;
    for i in 0..300 {
        let res = from(&app, "192.0.2.88:1", Request::get("/link")).await;
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            first_refused = Some(i);
            break;
        }
    }
    let first = first_refused.expect("a limit by default");
    assert!(first >= 100, "refused after {first}");
}

/// Link starts from one address that get through `instances` behind a
/// balancer that sends request `i` to `pick(i)`; and how long it took.
async fn through(
    instances: &[TestApp],
    pick: impl Fn(usize) -> usize,
    n: usize,
) -> (usize, std::time::Duration) {
    let began = std::time::Instant::now();
    let mut passed = 0;
    for i in 0..n {
        let res = from(&instances[pick(i)], "192.0.2.99:1", link_start(&[])).await;
        if res.status != StatusCode::TOO_MANY_REQUESTS {
            passed += 1;
        }
    }
    (passed, began.elapsed())
}

#[tokio::test]
async fn rate_limits_count_per_instance_so_n_instances_let_at_most_n_bursts_through() {
    // The README's decision, with its numbers: limits live in each
    // instance's memory. Two instances on one database, the default
    // limit (20/s, burst 100), 240 link starts from one address at once.
    let app = TestApp::new().await;
    let two = [
        app.with_options(&Options::default()),
        app.with_options(&Options::default()),
    ];
    // Round robin: each instance counts half of them against its own
    // burst, so up to two bursts (plus what refills meanwhile) pass.
    let (passed, took) = through(&two, |i| i % 2, 240).await;
    let refill = 2 * (20.0 * took.as_secs_f64()).ceil() as usize;
    assert!(
        (200..=200 + refill).contains(&passed),
        "{passed} in {took:?}"
    );

    // Affinity by client address (what the README asks of the balancer):
    // one address meets one instance, and the limit holds as configured.
    let two = [
        app.with_options(&Options::default()),
        app.with_options(&Options::default()),
    ];
    let (passed, took) = through(&two, |_| 0, 240).await;
    let refill = (20.0 * took.as_secs_f64()).ceil() as usize;
    assert!(
        (100..=100 + refill).contains(&passed),
        "{passed} in {took:?}"
    );
}
