//! What pages can make the server send to an integrator's styles origin:
//! one fetch of a URL however many requests wait for it, and a bounded
//! number however many sessions ask with new query strings. Counted by a
//! real CSS server on loopback.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;

use super::{flow_with_sheet, HOSTILE, HOSTILE_THEME};
use crate::support::*;

/// The per-origin budget's burst, and its refill (README: Theming).
const ORIGIN_BURST: u64 = 10;
const ORIGIN_REFILL_SECS: u64 = 6;

/// A styles origin that counts every request for `/sheet.css`, answering
/// after `delay`.
async fn counting_host(delay: Duration) -> (&'static str, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let router = Router::new().route(
        "/sheet.css",
        get(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::time::sleep(delay).await;
                ([(header::CONTENT_TYPE, "text/css")], HOSTILE).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (origin.leak(), hits)
}

/// `GET <session>/theme.css`, from a client of its own (no cookies).
async fn theme_css(router: Router, session: String) -> Page {
    let req = Request::get(format!("{session}/theme.css"))
        .body(Body::empty())
        .unwrap();
    Page::read(router.oneshot(req).await.unwrap()).await
}

#[tokio::test]
async fn forty_concurrent_theme_requests_make_one_fetch() {
    let (origin, hits) = counting_host(Duration::from_millis(300)).await;
    let (app, first) = flow_with_sheet(origin, "/sheet.css").await;
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..40 {
        requests.spawn(theme_css(app.router.clone(), first.session_path()));
    }
    while let Some(theme) = requests.join_next().await {
        let theme = theme.unwrap();
        assert_eq!(theme.status, StatusCode::OK);
        assert_eq!(theme.body, HOSTILE_THEME, "every waiter gets the one fetch");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn new_query_strings_per_session_make_a_bounded_number_of_fetches() {
    let (origin, hits) = counting_host(Duration::ZERO).await;
    let (app, _) = flow_with_sheet(origin, "/sheet.css").await;
    let client = app.register(ClientSpec {
        styles_origins: vec![origin],
        ..ClientSpec::default()
    });
    let client = client.await;
    let began = Instant::now();
    let mut themed = 0;
    for i in 0..40 {
        let sheet = enc(&format!("{origin}/sheet.css?v={i}"));
        let query = format!("client_id={client}&scope=info&test=true&styles_uri={sheet}");
        let page = app.start("/link", &query).await;
        let theme = theme_css(app.router.clone(), page.session_path()).await;
        assert_eq!(theme.status, StatusCode::OK);
        if theme.body == HOSTILE_THEME {
            themed += 1;
        } else {
            assert_eq!(theme.body, "", "past the budget: the default theme");
        }
    }
    let bound = ORIGIN_BURST + began.elapsed().as_secs() / ORIGIN_REFILL_SECS;
    let fetched = hits.load(Ordering::SeqCst) as u64;
    assert!(fetched <= bound, "{fetched} fetches, at most {bound}");
    assert_eq!(themed, fetched, "each fetch themed its session");
}

#[tokio::test]
async fn an_expired_sheet_is_fetched_again_once_per_ttl_however_often_asked() {
    let (origin, hits) = counting_host(Duration::ZERO).await;
    let (app, first) = flow_with_sheet(origin, "/sheet.css").await;
    for _ in 0..5 {
        for _ in 0..4 {
            let theme = theme_css(app.router.clone(), first.session_path()).await;
            assert_eq!(theme.body, HOSTILE_THEME);
        }
        app.clock.advance(301);
    }
    assert_eq!(hits.load(Ordering::SeqCst), 5, "one fetch per TTL");
}

/// Made-up URLs on an integrator's origin (anyone can start a link with
/// its public client ID) use up that origin's budget for new URLs; its
/// own sheet, fetched before, is still refreshed when its time is up.
#[tokio::test]
async fn a_known_sheet_is_refreshed_though_made_up_urls_used_up_its_origins_budget() {
    let (origin, hits) = counting_host(Duration::ZERO).await;
    let (app, first) = flow_with_sheet(origin, "/sheet.css").await;
    let theme = theme_css(app.router.clone(), first.session_path()).await;
    assert_eq!(theme.body, HOSTILE_THEME);
    let client = app
        .register(ClientSpec {
            styles_origins: vec![origin],
            ..ClientSpec::default()
        })
        .await;
    for i in 0..(ORIGIN_BURST + 2) {
        let sheet = enc(&format!("{origin}/sheet.css?junk={i}"));
        let query = format!("client_id={client}&scope=info&test=true&styles_uri={sheet}");
        let page = app.start("/link", &query).await;
        theme_css(app.router.clone(), page.session_path()).await;
    }
    let spent = hits.load(Ordering::SeqCst);
    assert!(spent as u64 <= 1 + ORIGIN_BURST + 1, "{spent}");
    app.clock.advance(301);
    let theme = theme_css(app.router.clone(), first.session_path()).await;
    assert_eq!(theme.body, HOSTILE_THEME, "the integrator's theme, fresh");
    assert_eq!(hits.load(Ordering::SeqCst), spent + 1, "fetched again");
}
