//! One live sign-in at a provider per link session, and a per-address
//! rate limit on starting one: posting `/s/<sid>/upstream` over and over
//! neither piles up rows nor keeps earlier states alive.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use consent_link::http::{Options, Rate, RateLimits};

use super::*;

/// The rows of `table` in the database at `url`, counted behind the
/// store's back.
async fn count_rows(url: &str, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap()
    }
}

/// `POST <sid>/upstream` with the session page's CSRF token, from `peer`
/// over a socket when given (the rate limit counts by it).
async fn start_again(app: &TestApp, sid: &str, csrf: &str, peer: Option<&str>) -> Page {
    let mut req = Request::post(format!("{sid}/upstream"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", "nb-NO")
        .body(Body::from(format!("csrf={}", enc(csrf))))
        .unwrap();
    if let Some(peer) = peer {
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    }
    app.send(req).await
}

/// 300 sign-ins started for one session by someone holding its link (no
/// cookie of the end user's) leave one row, not 301; the end user's own
/// earlier state is refused at the callback; only the newest works.
#[tokio::test]
async fn repeated_sign_in_starts_keep_one_row_and_only_the_newest_state_works() {
    let op = Op::start().await;
    let url = own_database_url().await;
    let key = "test-key-test-key-test-key-test-key";
    let app = TestApp::on_database(&url, key, T0, upstream_for(&op.issuer())).await;
    let client = app.client().await;
    let users = leave_for_provider(&app, "/link", &format!("client_id={client}&scope=info")).await;
    let users_code = op.sign_in(&users.request, NIN);
    assert_eq!(count_rows(&url, "upstream_auth").await, 1);

    let page = app.get(&users.sid).await;
    let mut last = None;
    for _ in 0..300 {
        let res = start_again(&app, &users.sid, &page.csrf(), None).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        last = Some(res);
    }
    assert_eq!(
        count_rows(&url, "upstream_auth").await,
        1,
        "replaced, not added"
    );

    // The end user's earlier state is void, with the right cookie too.
    let stale = come_back(&app, &users, &format!("code={users_code}")).await;
    assert_eq!(stale.status, StatusCode::BAD_REQUEST, "{}", stale.body);
    assert!(stale.location().is_none());
    // The newest sign-in goes through.
    let newest = Leg::from_answer(&users.sid, page.csrf(), &last.unwrap());
    let code = op.sign_in(&newest.request, NIN);
    let back = come_back(&app, &newest, &format!("code={code}")).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let next = back.location().unwrap();
    assert!(next.starts_with("/s/") && next != users.sid, "{next}");
}

/// Over the per-address limit, starting a sign-in answers 429 with
/// `Retry-After`, as a page in the end user's language; another address
/// is not limited.
#[tokio::test]
async fn sign_in_starts_over_the_limit_get_a_429_page_with_retry_after() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let options = Options {
        rate_limits: RateLimits {
            sign_in: Rate::new(1, 3),
            ..RateLimits::default()
        },
        ..Options::default()
    };
    let app = TestApp {
        router: consent_link::app_with(app.state.clone(), &options),
        ..app
    };
    let client = app.client().await;
    let leg = leave_for_provider(&app, "/link", &format!("client_id={client}&scope=info")).await;
    let csrf = app.get(&leg.sid).await.csrf();
    let attacker = "198.51.100.66:40000";
    for _ in 0..3 {
        let res = start_again(&app, &leg.sid, &csrf, Some(attacker)).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let res = start_again(&app, &leg.sid, &csrf, Some(attacker)).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    assert!(res.header("content-type").unwrap().starts_with("text/html"));
    assert!(res.body.contains("lang=\"nb\""), "{}", res.body);
    assert!(res.body.contains("Vent litt"), "{}", res.body);
    assert!(res.location().is_none() && res.header("set-cookie").is_none());

    let other = start_again(&app, &leg.sid, &csrf, Some("198.51.100.67:40000")).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "{}", other.body);
}
