//! A delivery writes what came of it only under its own lease: one lease
//! token per take (not one per deliverer, whose many deliveries run at
//! once), and only while the lease lasts (the store contract, on SQLite
//! and PostgreSQL alike, and a real deliverer against a receiver on
//! loopback).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use consent_link::webhooks::Delivery;
use tokio::sync::{mpsc, Mutex};

use super::{client_with_webhook, deliverer};
use crate::support::*;

const LEASE: Duration = Duration::from_secs(25);

/// A client with a webhook and one event of it, due at T0.
async fn one_event(app: &TestApp) -> (String, String) {
    let client = client_with_webhook(app, "http://127.0.0.1:9/hook").await;
    let id = consent_link::webhooks::new_event_id();
    assert!(app
        .store
        .insert_webhook_event(&id, &client, "{}", T0)
        .await
        .unwrap());
    (client, id)
}

/// Taken at T0 for 25 s and never taken over: at T0 + 25 s the lease has
/// run out, and neither giving the event back nor removing it is accepted
/// from its holder any more; the next take gets it and may write.
#[tokio::test]
async fn a_webhook_write_after_the_lease_ran_out_is_refused_though_no_one_took_the_event() {
    let app = TestApp::new().await;
    let (client, id) = one_event(&app).await;
    let store = &app.store;
    let taken = store
        .take_webhook_event(T0, LEASE, "d-1-first", Some(&client), 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (taken.id.as_str(), taken.lease_until),
        (id.as_str(), T0 + LEASE)
    );
    let late = T0 + LEASE;
    assert!(!store
        .retry_webhook_event(&id, "d-1-first", late, late)
        .await
        .unwrap());
    assert!(!store
        .remove_webhook_event(&id, "d-1-first", late)
        .await
        .unwrap());
    let again = store
        .take_webhook_event(late, LEASE, "d-1-second", Some(&client), 2)
        .await
        .unwrap()
        .expect("still there, taken again");
    assert_eq!(again.attempts, 2);
    assert!(store
        .remove_webhook_event(&id, "d-1-second", late + secs(1))
        .await
        .unwrap());
}

/// A receiver that counts the requests it was sent and answers each with
/// the next status sent on the channel it returns, one at a time (a
/// request waits until then).
async fn held_receiver() -> (Arc<AtomicUsize>, mpsc::UnboundedSender<u16>, String) {
    let started = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::unbounded_channel::<u16>();
    let rx = Arc::new(Mutex::new(rx));
    let counter = started.clone();
    let app = Router::new().route(
        "/hook",
        post(move || async move {
            counter.fetch_add(1, Ordering::SeqCst);
            let status = rx.lock().await.recv().await.unwrap_or(500);
            StatusCode::from_u16(status).unwrap()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (started, tx, format!("http://{addr}/hook"))
}

async fn until_started(started: &AtomicUsize, n: usize) {
    for _ in 0..200 {
        if started.load(Ordering::SeqCst) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the receiver was not sent {n} requests");
}

/// One deliverer (one instance), two of its deliveries of one event: the
/// first is still in flight when its lease runs out and a second takes the
/// event over; the first then fails. Its write must not give back the
/// event the second still holds (with one lease name per deliverer it did,
/// and a third delivery sent the event again while the second was in
/// flight).
#[tokio::test]
async fn a_deliverys_late_failure_does_not_release_the_event_a_sibling_delivery_holds() {
    let app = TestApp::new().await;
    let (started, answer, url) = held_receiver().await;
    let client = client_with_webhook(&app, &url).await;
    let id = consent_link::webhooks::new_event_id();
    assert!(app
        .store
        .insert_webhook_event(&id, &client, "{}", T0)
        .await
        .unwrap());
    let d = Arc::new(deliverer(&app, &client));
    let first = tokio::spawn({
        let d = d.clone();
        async move { d.run_one().await.unwrap() }
    });
    until_started(&started, 1).await;
    app.clock.advance(30);
    let second = tokio::spawn({
        let d = d.clone();
        async move { d.run_one().await.unwrap() }
    });
    until_started(&started, 2).await;
    answer.send(500).unwrap();
    assert_eq!(first.await.unwrap(), Some(Delivery::Retried));
    app.clock.advance(10);
    assert_eq!(
        d.run_one().await.unwrap(),
        None,
        "held by the second delivery"
    );
    assert_eq!(
        started.load(Ordering::SeqCst),
        2,
        "sent twice, not three times"
    );
    answer.send(200).unwrap();
    assert_eq!(second.await.unwrap(), Some(Delivery::Delivered));
}
