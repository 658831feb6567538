//! The circuit breaker counts failures in a row of clients that exist:
//! a failure long after the last one starts the count again, and a
//! delivery failing after its client was deleted counts for no one.

use consent_link::oauth2::client::Client;
use consent_link::oauth2::scope::Scopes;
use consent_link::webhooks::Delivery;

use super::{client_with_webhook, deliver_due, deliverer, receiver};
use crate::support::*;

/// Four failures, then two hours of quiet (the backoffs are over), then
/// four more: the count started again, so the endpoint is not paused and
/// all four are tried (before, the fifth failure in all paused it, for
/// failures days apart alike).
#[tokio::test]
async fn failures_hours_apart_do_not_add_up_to_open_the_breaker() {
    let app = TestApp::new().await;
    let (r, url) = receiver(vec![500]).await;
    let client = client_with_webhook(&app, &url).await;
    for _ in 0..4 {
        let id = consent_link::webhooks::new_event_id();
        assert!(app
            .store
            .insert_webhook_event(&id, &client, "{}", T0)
            .await
            .unwrap());
    }
    let d = deliverer(&app, &client);
    assert_retried(deliver_due(&d, 10).await, 4);
    app.clock.advance(2 * 3600);
    assert_retried(deliver_due(&d, 10).await, 4);
    assert_eq!(r.seen.lock().unwrap().len(), 8);
}

fn assert_retried(outcomes: Vec<Delivery>, n: usize) {
    assert!(
        outcomes.len() == n && outcomes.iter().all(|o| *o == Delivery::Retried),
        "expected {n} retried, got {outcomes:?}"
    );
}

fn client_named(id: &str) -> Client {
    Client {
        id: id.into(),
        name: "Acme".into(),
        callback_uris: vec!["https://acme.example/cb".into()],
        allowed_scopes: Scopes::parse("info").unwrap(),
        styles_origins: vec![],
        test_allowed: true,
        confidential: false,
    }
}

/// A failure counted after `delete_client` (a delivery that was in flight)
/// counts for no one: a client created again under that ID starts with no
/// failures.
#[tokio::test]
async fn a_failure_after_the_client_was_deleted_is_not_inherited_by_a_new_client_of_that_id() {
    let store = store().await;
    let id = format!("breaker-{}", uuid::Uuid::new_v4());
    store
        .insert_client(&client_named(&id), None, T0)
        .await
        .unwrap();
    let since = T0 - secs(600);
    assert_eq!(
        store.count_webhook_failure(&id, T0, since).await.unwrap(),
        1
    );
    assert!(store.delete_client(&id).await.unwrap());
    assert_eq!(
        store.count_webhook_failure(&id, T0, since).await.unwrap(),
        0
    );
    store
        .insert_client(&client_named(&id), None, T0)
        .await
        .unwrap();
    assert_eq!(
        store.count_webhook_failure(&id, T0, since).await.unwrap(),
        1
    );
}
