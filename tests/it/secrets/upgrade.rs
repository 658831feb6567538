//! The start-up upgrade of stored secrets (`upgrade_stored_secrets`, run
//! by every `serve` before it serves): older client secret hashes are
//! wrapped and bound to their client, older sealed values re-sealed bound
//! to their row, once; from then on the older forms authenticate and
//! open nothing, wherever someone with write access to the database puts
//! them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;
use consent_link::webhooks::{Deliverer, Delivery};

use super::{auth, create_with, kari_and_ola, own_app, personal, seal_as_before, TEST_KEY};
use crate::support::*;

const SECRET: &str = "gs_live_5f3c9a7e21d04b8f9c6a";

/// What `serve` runs at start.
async fn start(app: &TestApp) -> consent_link::UpgradeReport {
    consent_link::upgrade_stored_secrets(app.store.as_ref(), &app.key, T0)
        .await
        .unwrap()
}

/// A confidential client as the older version stored it: its secret's
/// hash in `hash`.
async fn older_client(app: &TestApp, hash: &str) -> String {
    let id = format!("older-{}", uuid::Uuid::new_v4());
    let client = consent_link::oauth2::client::Client {
        id: id.clone(),
        name: "Acme Bank".into(),
        callback_uris: vec!["https://acme.example/cb".into()],
        allowed_scopes: consent_link::oauth2::scope::Scopes::parse("info").unwrap(),
        styles_origins: vec![],
        test_allowed: true,
        confidential: true,
    };
    app.store
        .insert_client(&client, Some(hash), T0)
        .await
        .unwrap();
    id
}

/// The first keyed form, not bound to the client, as it was stored.
fn unbound_keyed_hash(secret: &str) -> String {
    let mac = consent_link::crypto::hmac_sha256(
        TEST_KEY.as_bytes(),
        &[b"client-secret:", secret.as_bytes()],
    );
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    format!("hmac-sha256:{hex}")
}

/// Someone with write access to the database (not the server key) puts
/// the SHA-256 of a secret of their choice into a client's row, after the
/// start-up wrap: it does not authenticate, not even after another start.
#[tokio::test]
async fn a_planted_unkeyed_hash_does_not_authenticate_after_the_start_up_wrap() {
    let (app, url) = own_app().await;
    let id = format!("victim-{}", uuid::Uuid::new_v4());
    create_with(&app, &id, SECRET).await.unwrap();
    start(&app).await;
    let planted = consent_link::crypto::hash_token("attacker-chosen");
    let plant = "UPDATE clients SET secret_hash = $1 WHERE id = $2";
    execute_raw(&url, plant, &[&planted, &id]).await;
    assert_eq!(
        auth(&app, &id, "attacker-chosen").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(start(&app).await.wrapped, 0, "the wrap runs once");
    assert_eq!(
        auth(&app, &id, "attacker-chosen").await,
        StatusCode::UNAUTHORIZED
    );
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", "attacker-chosen"),
    ];
    let res = app.post_form("/oauth/token", &form).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
}

/// Client A's stored hash copied into client B's row: A's integrator
/// cannot authenticate as B with A's secret (the hash is bound to A).
#[tokio::test]
async fn a_keyed_hash_copied_to_another_client_does_not_authenticate_as_it() {
    let (app, url) = own_app().await;
    let a = format!("keyed-a-{}", uuid::Uuid::new_v4());
    let b = format!("keyed-b-{}", uuid::Uuid::new_v4());
    create_with(&app, &a, SECRET).await.unwrap();
    create_with(&app, &b, "gs_live_Qx81LmZr0Tk4Wy7Ne2Pv")
        .await
        .unwrap();
    let copy = "UPDATE clients SET secret_hash = \
                (SELECT secret_hash FROM clients WHERE id = $1) WHERE id = $2";
    execute_raw(&url, copy, &[&a, &b]).await;
    assert_eq!(auth(&app, &b, SECRET).await, StatusCode::UNAUTHORIZED);
    assert_eq!(auth(&app, &a, SECRET).await, StatusCode::OK);
    // So with a wrapped older hash.
    let (c, d) = (older_client(&app, "x").await, older_client(&app, "y").await);
    let old = consent_link::crypto::hash_token(SECRET);
    execute_raw(
        &url,
        "UPDATE clients SET secret_hash = $1 WHERE id = $2",
        &[&old, &c],
    )
    .await;
    start(&app).await;
    execute_raw(&url, copy, &[&c, &d]).await;
    assert_eq!(auth(&app, &d, SECRET).await, StatusCode::UNAUTHORIZED);
    assert_eq!(auth(&app, &c, SECRET).await, StatusCode::OK);
}

/// Clients stored by older versions (plain SHA-256, or the first keyed
/// form not bound to the client) authenticate with their original
/// secrets after the start-up wrap, and are stored in the current form at
/// that sign-in.
#[tokio::test]
async fn older_secret_hashes_authenticate_after_the_wrap_with_their_original_secret() {
    let (app, _) = own_app().await;
    let unkeyed = older_client(&app, &consent_link::crypto::hash_token(SECRET)).await;
    let keyed = older_client(&app, &unbound_keyed_hash(SECRET)).await;
    assert_eq!(start(&app).await.wrapped, 2);
    for id in [unkeyed, keyed] {
        let row = app.store.get_client(&id).await.unwrap().unwrap();
        let wrapped = row.secret_hash.unwrap();
        assert!(wrapped.starts_with("hmac-sha256-legacy:"), "{wrapped}");
        assert_eq!(
            auth(&app, &id, "wrong-secret").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(auth(&app, &id, SECRET).await, StatusCode::OK);
        let row = app.store.get_client(&id).await.unwrap().unwrap();
        let current = app.key.client_secret_hash(&id, SECRET);
        assert_eq!(row.secret_hash.as_deref(), Some(current.as_str()));
        assert_eq!(auth(&app, &id, SECRET).await, StatusCode::OK);
    }
}

/// Kari's body as the older version sealed it (no `v2.`), kept from
/// before the start-up re-seal and copied into Ola's row afterwards: the
/// read of Ola's data fails; Kari's data is never served as Ola's.
#[tokio::test]
async fn an_older_format_body_copied_into_another_users_row_after_the_re_seal_is_never_served() {
    let (app, url) = own_app().await;
    let client = app.client().await;
    let token = app.client_token(&client).await;
    let [(_, kari_c), (ola, ola_c)] = kari_and_ola(&app, &client).await;
    app.collect().await;
    let old = older_body(&app, &kari_c, "KARI-FROM-BEFORE").await;
    let plant = "UPDATE collected_data SET body_sealed = $1 \
                 WHERE collection_id = $2 AND scope = 'info'";
    execute_raw(&url, plant, &[&old, &kari_c]).await;
    assert_eq!(start(&app).await.resealed, 1);
    execute_raw(&url, plant, &[&old, &ola_c]).await;
    let res = personal(&app, &token, &ola).await;
    assert_eq!(
        res.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        res.body
    );
    assert!(!res.body.contains("KARI-FROM-BEFORE"), "{}", res.body);
    assert_eq!(start(&app).await.resealed, 0, "the re-seal runs once");
    let res = personal(&app, &token, &ola).await;
    assert!(!res.body.contains("KARI-FROM-BEFORE"), "{}", res.body);
}

/// `collection`'s `info` body, its first name set to `name`, sealed as
/// the older version sealed it.
async fn older_body(app: &TestApp, collection: &str, name: &str) -> String {
    let stored = app.store.get_collected_data(collection).await.unwrap();
    let (_, sealed) = stored.iter().find(|(s, _)| s == "info").unwrap();
    let plain = app
        .key
        .open("collected_data", &[collection, "info"], sealed)
        .unwrap();
    let mut info: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    info["personal"]["first_name"] = name.into();
    seal_as_before(TEST_KEY, "collected_data", info.to_string().as_bytes())
}

/// A receiver on loopback counting the deliveries it gets, and its URL.
async fn receiver() -> (String, Arc<AtomicUsize>) {
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || async move {
            counter.fetch_add(1, Ordering::SeqCst);
            StatusCode::NO_CONTENT
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (hook, received)
}

/// A client with a webhook to `hook` whose secret is `sealed`.
async fn hooked_client(app: &TestApp, hook: &str, sealed: &str) -> String {
    let id = app.client().await;
    let set = app.store.set_client_webhook(&id, Some(hook), Some(sealed));
    assert!(set.await.unwrap());
    id
}

/// One event for `client`, and one delivery attempt of it.
async fn deliver_one(app: &TestApp, client: &str) -> Option<Delivery> {
    let event = consent_link::webhooks::new_event_id();
    let inserted = app.store.insert_webhook_event(&event, client, "{}", T0);
    assert!(inserted.await.unwrap());
    let deliverer = Deliverer {
        store: app.store.clone(),
        key: app.key.clone(),
        http: reqwest::Client::new(),
        clock: app.clock.clone(),
        id: format!("d-{}", uuid::Uuid::new_v4()),
        client: Some(client.to_owned()),
        metrics: app.state.metrics.clone(),
        limits: Default::default(),
    };
    deliverer.run_one().await.unwrap()
}

/// Client A's webhook secret as the older version sealed it, copied into
/// client B's row after the start-up re-seal: B's events are never signed
/// with A's secret (the delivery is retried, nothing is sent).
#[tokio::test]
async fn an_older_format_webhook_secret_copied_to_another_client_after_the_re_seal_never_signs() {
    let (app, url) = own_app().await;
    let (hook, received) = receiver().await;
    let old = seal_as_before(
        TEST_KEY,
        "webhook_secret",
        b"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    );
    let a = hooked_client(&app, &hook, &old).await;
    let b = hooked_client(&app, &hook, "placeholder").await;
    start(&app).await;
    let plant = "UPDATE clients SET webhook_secret_sealed = $1 WHERE id = $2";
    execute_raw(&url, plant, &[&old, &b]).await;
    assert_eq!(deliver_one(&app, &b).await, Some(Delivery::Retried));
    assert_eq!(received.load(Ordering::SeqCst), 0);
    // A's own, re-sealed, still signs A's events.
    assert_eq!(deliver_one(&app, &a).await, Some(Delivery::Delivered));
    assert_eq!(received.load(Ordering::SeqCst), 1);
}

/// Values the older version sealed, in their own rows, keep working after
/// the start-up re-seal: they are sealed again, bound to their row.
#[tokio::test]
async fn older_format_values_in_their_own_rows_work_after_the_re_seal() {
    let (app, url) = own_app().await;
    let client = app.client().await;
    let token = app.client_token(&client).await;
    let [(kari, kari_c), _] = kari_and_ola(&app, &client).await;
    app.collect().await;
    let old = older_body(&app, &kari_c, "KARI-FROM-BEFORE").await;
    let plant = "UPDATE collected_data SET body_sealed = $1 \
                 WHERE collection_id = $2 AND scope = 'info'";
    execute_raw(&url, plant, &[&old, &kari_c]).await;
    let (hook, received) = receiver().await;
    let secret = seal_as_before(
        TEST_KEY,
        "webhook_secret",
        b"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    );
    let hooked = hooked_client(&app, &hook, &secret).await;
    let report = start(&app).await;
    assert_eq!((report.resealed, report.unopenable), (2, 0));
    let stored = app.store.get_collected_data(&kari_c).await.unwrap();
    assert!(stored.iter().all(|(_, s)| s.starts_with("v2.")));
    let res = personal(&app, &token, &kari).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["personal"]["first_name"], "KARI-FROM-BEFORE");
    assert_eq!(deliver_one(&app, &hooked).await, Some(Delivery::Delivered));
    assert_eq!(received.load(Ordering::SeqCst), 1);
}

/// A national ID as the older version sealed it, in its own collection,
/// is re-sealed and collected; the same value kept from before the
/// re-seal and copied into another person's collection afterwards does
/// not open there, so no source is asked for Kari's data on Ola's consent.
#[tokio::test]
async fn an_older_format_national_id_is_collected_in_its_own_collection_and_nowhere_else() {
    let (app, url) = own_app().await;
    let client = app.client().await;
    let token = app.client_token(&client).await;
    let [(kari, kari_c), (ola, ola_c)] = kari_and_ola(&app, &client).await;
    let old = seal_as_before(TEST_KEY, "national_id", b"15878512345");
    let plant = "UPDATE collections SET national_id_sealed = $1 WHERE id = $2";
    execute_raw(&url, plant, &[&old, &kari_c]).await;
    assert_eq!(start(&app).await.resealed, 1);
    execute_raw(&url, plant, &[&old, &ola_c]).await;
    app.collect().await;
    let karis = personal(&app, &token, &kari).await;
    assert_eq!(karis.status, StatusCode::OK, "{}", karis.body);
    let first_name = karis.json()["personal"]["first_name"]
        .as_str()
        .unwrap()
        .to_owned();
    let olas = personal(&app, &token, &ola).await;
    assert!(!olas.body.contains(&first_name), "{}", olas.body);
    assert!(app
        .store
        .get_collected_data(&ola_c)
        .await
        .unwrap()
        .is_empty());
}

/// The store's side of the upgrade, alike on both backends: unbound
/// values are listed, replaced only over the value that was read (an
/// instance starting at the same time, or a client changed meanwhile,
/// keeps what it wrote), and a step is recorded once.
#[tokio::test]
async fn the_re_seal_replaces_only_the_value_it_read_and_a_step_is_recorded_once() {
    use consent_link::store::SealedColumn;
    let (app, _) = own_app().await;
    let old = seal_as_before(TEST_KEY, "webhook_secret", b"whsec_x");
    let id = hooked_client(&app, "https://acme.example/hook", &old).await;
    let store = app.store.as_ref();
    let unbound = store
        .unbound_sealed(SealedColumn::ClientWebhookSecret)
        .await
        .unwrap();
    let value = unbound.iter().find(|v| v.key == id).unwrap().clone();
    assert_eq!(value.sealed, old);
    let stale = consent_link::store::UnboundSealed {
        sealed: "another".into(),
        ..value.clone()
    };
    let column = SealedColumn::ClientWebhookSecret;
    assert!(!store
        .replace_sealed(column, &stale, "v2.new")
        .await
        .unwrap());
    assert!(store
        .replace_sealed(column, &value, "v2.new")
        .await
        .unwrap());
    assert!(!store
        .replace_sealed(column, &value, "v2.newer")
        .await
        .unwrap());
    assert!(store.unbound_sealed(column).await.unwrap().is_empty());
    assert!(!store.maintenance_done("a step").await.unwrap());
    store.record_maintenance("a step", T0).await.unwrap();
    store.record_maintenance("a step", T0).await.unwrap();
    assert!(store.maintenance_done("a step").await.unwrap());
}
