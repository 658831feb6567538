//! One client's failing receiver must not hold up another client's
//! webhooks: receivers on loopback that hang or fail, against the
//! deliverer `serve` runs (several deliveries at once, a few per
//! endpoint, a circuit breaker), and the marks every event carries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::Router;
use consent_link::webhooks::{Deliverer, Delivery};

use super::{client_with_webhook, deliver_due, deliverer, receiver, set_webhook};
use crate::support::*;

/// A receiver that never answers; counts the deliveries it was sent.
async fn hanging_receiver() -> (Arc<AtomicUsize>, String) {
    let started = Arc::new(AtomicUsize::new(0));
    let counter = started.clone();
    let app = Router::new().route(
        "/hook",
        post(move || async move {
            counter.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<()>().await;
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (started, format!("http://{addr}/hook"))
}

/// Records `n` due events for `client`.
async fn queue(app: &TestApp, client: &str, n: usize) {
    for _ in 0..n {
        let id = consent_link::webhooks::new_event_id();
        let body = consent_link::webhooks::event_body(
            "consent.withdrawn",
            T0,
            serde_json::json!({"user_data_id": "u-1"}),
        );
        assert!(app
            .store
            .insert_webhook_event(&id, client, &body, T0)
            .await
            .unwrap());
    }
}

/// `outcomes` are `n` times `expected`.
fn assert_n(outcomes: Vec<Delivery>, n: usize, expected: Delivery) {
    assert!(
        outcomes.len() == n && outcomes.iter().all(|o| *o == expected),
        "expected {n} × {expected:?}, got {outcomes:?}"
    );
}

/// Runs `d` in the background as `serve` does.
fn run(d: Deliverer) -> tokio::task::JoinHandle<()> {
    tokio::spawn(d.run(Duration::from_millis(20), std::future::pending()))
}

/// Client A's receiver hangs with four events queued; client B's event,
/// queued after them, still arrives at once (one at a time with a 10 s
/// time-out, it waited 40 s).
#[tokio::test]
async fn a_hanging_receiver_does_not_delay_another_clients_event() {
    // A database of its own: this deliverer serves every client in it.
    let url = own_database_url().await;
    let app =
        TestApp::on_database(&url, "webhook-fairness-key-0123456789ab", T0, no_methods()).await;
    let (a_started, a_url) = hanging_receiver().await;
    let a = client_with_webhook(&app, &a_url).await;
    queue(&app, &a, 4).await;
    let (b_seen, b_url) = receiver(vec![200]).await;
    let b = client_with_webhook(&app, &b_url).await;
    queue(&app, &b, 1).await;
    let mut d = deliverer(&app, &a);
    d.client = None;
    let started = Instant::now();
    let running = run(d);
    while b_seen.seen.lock().unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "client B's event waited behind client A's hanging receiver"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(a_started.load(Ordering::SeqCst) >= 1, "A's were tried too");
    assert_eq!(
        b_seen.seen.lock().unwrap()[0].3["data"]["client_id"],
        b.as_str()
    );
    running.abort();
}

/// Six events of one client and eight deliverers (eight instances, each
/// free to run many deliveries): only two are in flight at once.
#[tokio::test]
async fn at_most_two_events_of_one_endpoint_are_in_flight_at_once() {
    let app = TestApp::new().await;
    let (started, url) = hanging_receiver().await;
    let client = client_with_webhook(&app, &url).await;
    queue(&app, &client, 6).await;
    let running: Vec<_> = (0..8).map(|_| run(deliverer(&app, &client))).collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        started.load(Ordering::SeqCst),
        2,
        "two deliveries in flight to the hanging endpoint, no more, no fewer"
    );
    running.iter().for_each(|r| r.abort());
}

/// Five failures in a row open the endpoint's breaker: no event of the
/// client is taken (none spends an attempt) until the cool-down is over,
/// when they are delivered; a 2xx closes it (one failure after it does
/// not pause the endpoint again).
#[tokio::test]
async fn an_endpoint_failing_five_times_in_a_row_is_paused_for_the_cool_down() {
    let app = TestApp::new().await;
    let mut statuses = vec![500; 5];
    statuses.extend([200; 6]);
    statuses.push(500);
    let (r, url) = receiver(statuses).await;
    let client = client_with_webhook(&app, &url).await;
    queue(&app, &client, 5).await;
    let d = deliverer(&app, &client);
    assert_n(deliver_due(&d, 10).await, 5, Delivery::Retried);
    queue(&app, &client, 1).await;
    // Every backoff is over, the new event is due: the breaker is open.
    app.clock.advance(120);
    assert!(deliver_due(&d, 10).await.is_empty(), "the breaker is open");
    assert_eq!(r.seen.lock().unwrap().len(), 5, "nothing sent while open");
    app.clock.advance(180);
    assert_n(deliver_due(&d, 10).await, 6, Delivery::Delivered);
    queue(&app, &client, 2).await;
    // A 2xx closed the breaker: one failure does not open it again.
    assert_n(deliver_due(&d, 10).await, 2, Delivery::Retried);
}

/// A test client's events say `test: true`; every event names its client.
#[tokio::test]
async fn a_test_clients_events_carry_test_true_and_every_event_its_client_id() {
    let app = TestApp::new().await;
    let (r, url) = receiver(vec![200]).await;
    let test_client = client_with_webhook(&app, &url).await;
    let production = app
        .register(ClientSpec {
            test_allowed: false,
            ..Default::default()
        })
        .await;
    set_webhook(&app, &production, &url).await;
    queue(&app, &test_client, 1).await;
    queue(&app, &production, 1).await;
    for client in [&test_client, &production] {
        assert_eq!(
            deliver_due(&deliverer(&app, client), 5).await,
            [Delivery::Delivered]
        );
    }
    let seen = r.seen.lock().unwrap().clone();
    let (test, prod) = (&seen[0].3["data"], &seen[1].3["data"]);
    assert!(seen.iter().all(|(_, _, ok, _)| *ok), "signed as sent");
    assert_eq!(test["client_id"], test_client.as_str());
    assert_eq!(test["test"], true);
    assert_eq!(prod["client_id"], production.as_str());
    assert!(prod.get("test").is_none(), "{prod}");
}
