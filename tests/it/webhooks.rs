//! Webhooks (issue 14): a receiver on loopback checks every signature with
//! an implementation of its own (the Standard Webhooks rule written out
//! here with the hmac crate, not consent-link's), answers 500 before 200,
//! and sees each event at least once with a stable `webhook-id`.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use consent_link::webhooks::{Deliverer, Delivery};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::support::*;

mod breaker;
mod delivery;
mod leases;
mod take;

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// What the receiver saw: id, timestamp, signature valid, body.
type Seen = (String, i64, bool, Value);

#[derive(Clone)]
struct Receiver {
    statuses: Arc<Mutex<Vec<u16>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// The receiver's own check of a delivery.
fn valid(headers: &HeaderMap, body: &str) -> bool {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let key = STANDARD
        .decode(SECRET.trim_start_matches("whsec_"))
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.{body}",
            header("webhook-id"),
            header("webhook-timestamp")
        )
        .as_bytes(),
    );
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let id = headers["webhook-id"].to_str().unwrap().to_owned();
    let ts = headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let ok = valid(&headers, &body);
    r.seen
        .lock()
        .unwrap()
        .push((id, ts, ok, serde_json::from_str(&body).unwrap()));
    let mut statuses = r.statuses.lock().unwrap();
    let status = if statuses.len() > 1 {
        statuses.remove(0)
    } else {
        statuses[0]
    };
    StatusCode::from_u16(status).unwrap()
}

async fn receiver(statuses: Vec<u16>) -> (Receiver, String) {
    let r = Receiver {
        statuses: Arc::new(Mutex::new(statuses)),
        seen: Arc::new(Mutex::new(Vec::new())),
    };
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (r, format!("http://{addr}/hook"))
}

/// A deliverer of `client`'s events only (the database may be shared by
/// tests running at once).
fn deliverer(app: &TestApp, client: &str) -> Deliverer {
    Deliverer {
        store: app.store.clone(),
        key: app.key.clone(),
        http: reqwest::Client::new(),
        clock: app.clock.clone(),
        id: format!("d-{}", uuid::Uuid::new_v4()),
        client: Some(client.to_owned()),
        metrics: app.state.metrics.clone(),
        limits: Default::default(),
    }
}

/// A (test) client whose webhook goes to `url`.
async fn client_with_webhook(app: &TestApp, url: &str) -> String {
    let client = app.client().await;
    set_webhook(app, &client, url).await;
    client
}

/// Points `client`'s webhook at `url`, signed with [`SECRET`].
async fn set_webhook(app: &TestApp, client: &str, url: &str) {
    let sealed = app
        .key
        .seal("webhook_secret", &[client], SECRET.as_bytes())
        .unwrap();
    assert!(app
        .store
        .set_client_webhook(client, Some(url), Some(&sealed))
        .await
        .unwrap());
}

/// Runs the deliverer until nothing is due now (at most `n` times).
async fn deliver_due(d: &Deliverer, n: usize) -> Vec<Delivery> {
    let mut out = Vec::new();
    for _ in 0..n {
        match d.run_one().await.unwrap() {
            Some(x) => out.push(x),
            None => break,
        }
    }
    out
}

#[tokio::test]
async fn an_event_is_signed_retried_after_500_and_delivered_with_one_id() {
    let app = TestApp::new().await;
    let (r, url) = receiver(vec![500, 503, 200]).await;
    let client = client_with_webhook(&app, &url).await;
    let body = consent_link::webhooks::event_body(
        "consent.withdrawn",
        T0,
        serde_json::json!({"user_data_id": "u-1"}),
    );
    let id = consent_link::webhooks::new_event_id();
    assert!(app
        .store
        .insert_webhook_event(&id, &client, &body, T0)
        .await
        .unwrap());
    let d = deliverer(&app, &client);
    assert_eq!(deliver_due(&d, 5).await, [Delivery::Retried]);
    app.clock.advance(5);
    assert_eq!(deliver_due(&d, 5).await, [Delivery::Retried]);
    app.clock.advance(10);
    assert_eq!(deliver_due(&d, 5).await, [Delivery::Delivered]);
    app.clock.advance(3600);
    assert!(
        deliver_due(&d, 5).await.is_empty(),
        "delivered once, then gone"
    );
    let metrics = app.metrics().await.body;
    for line in [
        "consent_link_webhook_deliveries_total{outcome=\"retried\"} 2",
        "consent_link_webhook_deliveries_total{outcome=\"delivered\"} 1",
    ] {
        assert!(metrics.contains(line), "no {line} in\n{metrics}");
    }
    let seen = r.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    for (seen_id, ts, ok, json) in &seen {
        assert_eq!(seen_id, &id, "webhook-id is stable across retries");
        assert!(ok, "signature");
        assert!(*ts >= T0.as_secs());
        assert_eq!(json["type"], "consent.withdrawn");
        assert_eq!(json["data"]["user_data_id"], "u-1");
        assert!(json["timestamp"].as_str().unwrap().ends_with('Z'));
    }
}

#[tokio::test]
async fn an_event_that_fails_for_24_hours_is_given_up() {
    let app = TestApp::new().await;
    let (r, url) = receiver(vec![500]).await;
    let client = client_with_webhook(&app, &url).await;
    let id = consent_link::webhooks::new_event_id();
    app.store
        .insert_webhook_event(&id, &client, "{}", T0)
        .await
        .unwrap();
    let d = deliverer(&app, &client);
    let mut outcomes = Vec::new();
    for _ in 0..100 {
        outcomes.extend(deliver_due(&d, 5).await);
        if outcomes.last() == Some(&Delivery::GaveUp) {
            break;
        }
        app.clock.advance(3600);
    }
    assert_eq!(outcomes.last(), Some(&Delivery::GaveUp), "{outcomes:?}");
    assert!(
        outcomes.len() >= 24,
        "retried through the day: {}",
        outcomes.len()
    );
    let tries = r.seen.lock().unwrap().len();
    app.clock.advance(86_400);
    assert!(deliver_due(&d, 5).await.is_empty());
    assert_eq!(r.seen.lock().unwrap().len(), tries);
}

#[tokio::test]
async fn no_event_is_recorded_for_a_client_without_a_webhook() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let id = consent_link::webhooks::new_event_id();
    assert!(!app
        .store
        .insert_webhook_event(&id, &client, "{}", T0)
        .await
        .unwrap());
}

/// The final status of a collection is reported by `data.collected`,
/// recorded in the same transaction that ends the collection.
#[tokio::test]
async fn a_collection_that_ends_is_reported_by_data_collected() {
    use consent_link::store::{NewCollection, NewJob};
    let app = TestApp::new().await;
    let (r, url) = receiver(vec![200]).await;
    let client = client_with_webhook(&app, &url).await;
    let (cid, user, source) = (
        uuid::Uuid::new_v4().to_string(),
        uuid::Uuid::new_v4().to_string(),
        format!("s-{}", uuid::Uuid::new_v4()),
    );
    app.store
        .insert_collection(
            &NewCollection {
                id: &cid,
                user_data_id: &user,
                client_id: &client,
                scopes: "info",
                tax_entities: "[]",
                national_id_sealed: "x",
                now: T0,
            },
            &[NewJob {
                id: &uuid::Uuid::new_v4().to_string(),
                source_id: &source,
                scopes: "info",
            }],
        )
        .await
        .unwrap();
    let job = app
        .store
        .take_job(&source, T0, secs(60), "w")
        .await
        .unwrap()
        .unwrap();
    // Nothing to report while it runs.
    let d = deliverer(&app, &client);
    assert!(deliver_due(&d, 5).await.is_empty());
    app.store
        .finish_job(&job.id, "w", &[("info", "sealed")], T0)
        .await
        .unwrap();
    assert_eq!(deliver_due(&d, 5).await, [Delivery::Delivered]);
    let seen = r.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (_, _, ok, json) = &seen[0];
    assert!(ok);
    assert_eq!(json["type"], "data.collected");
    assert_eq!(json["data"]["user_data_id"], user.as_str());
    assert_eq!(json["data"]["status"], "done");
}

/// A consent and its withdrawal are reported, each recorded in the
/// transaction that writes it.
#[tokio::test]
async fn consent_granted_and_withdrawn_are_reported() {
    let app = TestApp::new().await;
    let (r, url) = receiver(vec![200]).await;
    let client = client_with_webhook(&app, &url).await;
    let user = app.link_user(&client, "info,income", "kari").await;
    let d = deliverer(&app, &client);
    assert_eq!(deliver_due(&d, 5).await, [Delivery::Delivered]);
    let token = app.client_token(&client).await;
    let res = app
        .send(
            axum::http::Request::delete(format!("/api/1.0/consents/{user}"))
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    // Withdrawing again reports nothing new.
    let again = app
        .send(
            axum::http::Request::delete(format!("/api/1.0/consents/{user}"))
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    assert_eq!(deliver_due(&d, 5).await, [Delivery::Delivered]);
    let seen = r.seen.lock().unwrap().clone();
    let kinds: Vec<_> = seen.iter().map(|(_, _, _, j)| j["type"].clone()).collect();
    assert_eq!(kinds, ["consent.granted", "consent.withdrawn"]);
    assert!(seen
        .iter()
        .all(|(_, _, ok, j)| *ok && j["data"]["user_data_id"] == user.as_str()));
    assert_eq!(
        seen[0].3["data"]["scopes"],
        serde_json::json!(["info", "income"])
    );
}

/// An integrator's whole test-mode loop: a test client with a webhook
/// hears `consent.granted` and then `data.collected` with the final
/// status of the test source's collection (Hans: income fails).
#[tokio::test]
async fn a_test_flow_reports_its_collection_by_webhook_end_to_end() {
    let app = TestApp::new().await;
    let (r, url) = receiver(vec![200]).await;
    let client = client_with_webhook(&app, &url).await;
    let user = app.link_user(&client, "info,income", "hans").await;
    let d = deliverer(&app, &client);
    assert_eq!(deliver_due(&d, 5).await, [Delivery::Delivered]);
    assert_eq!(app.collect().await, 1);
    assert_eq!(deliver_due(&d, 5).await, [Delivery::Delivered]);
    let seen = r.seen.lock().unwrap().clone();
    let types: Vec<&Value> = seen.iter().map(|(_, _, _, json)| &json["type"]).collect();
    assert_eq!(types, ["consent.granted", "data.collected"]);
    assert!(
        seen.iter().all(|(_, _, ok, _)| *ok),
        "every signature verifies"
    );
    let collected = &seen[1].3["data"];
    assert_eq!(collected["user_data_id"], user.as_str());
    assert_eq!(collected["status"], "partially_done");
    assert_eq!(collected["test"], true);
    assert_eq!(collected["client_id"], client.as_str());
}
