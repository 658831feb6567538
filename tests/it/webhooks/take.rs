//! Taking an event stays cheap however long one client's backlog is: a
//! client with thousands of due events and two in flight must not make
//! every take (on PostgreSQL, under the lock every instance's takes wait
//! for) walk and count its backlog row by row.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use consent_link::webhooks::Delivery;
use consent_link::Clock;

use super::{client_with_webhook, deliverer, receiver};
use crate::support::*;

/// Plants `n` due events of client `busy`, two of them under a lease, and
/// one due event of client `other` queued after them all.
async fn plant_backlog(url: &str, n: usize) {
    let t0 = T0.as_secs();
    let bulk = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
         INSERT INTO webhook_events (id, client_id, body, attempts, run_after, lease_until, \
         leased_by, created_at) \
         SELECT 'busy-' || i, 'busy', '{{}}', 0, {t0}, \
         CASE WHEN i <= 2 THEN {far} ELSE NULL END, \
         CASE WHEN i <= 2 THEN 'elsewhere' ELSE NULL END, {t0} FROM n",
        far = t0 + 100_000
    );
    execute_raw(url, &bulk, &[]).await;
    let other = format!(
        "INSERT INTO webhook_events (id, client_id, body, attempts, run_after, lease_until, \
         leased_by, created_at) VALUES ('other-1', 'other', '{{}}', 0, {}, NULL, NULL, {t0})",
        t0 + 1
    );
    execute_raw(url, &other, &[]).await;
}

/// 6 000 due events of a client with two in flight: one take reaches
/// another client's event in well under two seconds (counting the busy
/// client's leases for each of its rows took about nine on SQLite), and
/// takes none of the busy client's.
#[tokio::test]
async fn a_clients_backlog_does_not_slow_down_a_take_of_another_clients_event() {
    let url = own_database_url().await;
    let app =
        TestApp::on_database(&url, "webhook-take-key-0123456789abcdef", T0, no_methods()).await;
    plant_backlog(&url, 6000).await;
    let now = T0 + Duration::from_secs(10);
    let began = Instant::now();
    let taken = app
        .store
        .take_webhook_event(now, Duration::from_secs(25), "d-1", None, 2)
        .await
        .unwrap()
        .expect("the other client's event");
    let took = began.elapsed();
    assert_eq!(taken.id, "other-1");
    assert!(took < Duration::from_secs(2), "one take took {took:?}");
    let next = app
        .store
        .take_webhook_event(now, Duration::from_secs(25), "d-2", None, 2)
        .await
        .unwrap();
    assert!(
        next.is_none(),
        "the busy client has two in flight: {next:?}"
    );
}

/// A clock that reads `T0` once (when the event is taken) and `T0 + 10 s`
/// ever after: a take that waited ten seconds for the store.
struct SlowTake(AtomicBool);

impl Clock for SlowTake {
    fn now(&self) -> UnixTime {
        if self.0.swap(true, Ordering::SeqCst) {
            T0 + Duration::from_secs(10)
        } else {
            T0
        }
    }
}

/// An event whose lease was mostly spent by the time its take returned is
/// given back unsent (sent then, it could be taken over and sent twice
/// while still in flight) and is delivered by the next take.
#[tokio::test]
async fn an_event_whose_lease_ran_short_during_the_take_is_given_back_unsent() {
    let app = TestApp::new().await;
    let (r, url) = receiver(vec![200]).await;
    let client = client_with_webhook(&app, &url).await;
    let id = consent_link::webhooks::new_event_id();
    assert!(app
        .store
        .insert_webhook_event(&id, &client, "{}", T0)
        .await
        .unwrap());
    let mut slow = deliverer(&app, &client);
    slow.clock = Arc::new(SlowTake(AtomicBool::new(false)));
    assert_eq!(slow.run_one().await.unwrap(), Some(Delivery::Retried));
    assert!(r.seen.lock().unwrap().is_empty(), "sent on a short lease");
    app.clock.advance(10);
    let d = deliverer(&app, &client);
    assert_eq!(d.run_one().await.unwrap(), Some(Delivery::Delivered));
    assert_eq!(r.seen.lock().unwrap().len(), 1);
}
