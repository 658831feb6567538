//! The consent lifecycle over real HTTP on a real database: a term per
//! client capped by the purpose scopes, renewal under the same ID, expiry
//! at the second the term ends (reads, tokens, data), one expiry and one
//! announcement however many instances sweep, the history and
//! `GET /api/1.0/consents/:id`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use consent_link::consent::{EndedBy, Status};
use serde_json::Value;

use crate::support::*;
use consent_link::Clock;

const DAY: u64 = 86_400;
const LOAN_SCOPES: &str =
    "info,unsecured_loans,unsecured_loans_presentation,unsecured_loans_processing";

/// A client allowed the loan purpose scopes, with a webhook URL so that
/// its events are recorded (nothing here delivers them).
async fn loan_client(app: &TestApp) -> String {
    let client = app
        .register(ClientSpec {
            scopes: LOAN_SCOPES,
            ..Default::default()
        })
        .await;
    let sealed = app
        .key
        .seal("webhook_secret", &[&client], b"whsec_dGVzdA==")
        .unwrap();
    assert!(app
        .store
        .set_client_webhook(&client, Some("https://hooks.acme.example/x"), Some(&sealed))
        .await
        .unwrap());
    client
}

/// The events recorded for `client`, oldest first (taken, so each once).
async fn events(app: &TestApp, client: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let far = app.clock.now() + secs(400 * DAY);
    while let Some(e) = app
        .store
        .take_webhook_event(far, secs(60), "test", Some(client), 1000)
        .await
        .unwrap()
    {
        out.push(serde_json::from_str(&e.body).unwrap());
    }
    out
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

async fn api_delete(app: &TestApp, uri: &str, token: &str) -> Page {
    app.send(
        Request::delete(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn consent_object(app: &TestApp, user: &str, token: &str) -> Value {
    let res = app
        .api_get(&format!("/api/1.0/consents/{user}"), token)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

fn history_kinds(object: &Value) -> Vec<&str> {
    object["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_consent_lasts_the_clients_days_capped_by_the_purpose_scopes() {
    let app = TestApp::new().await;
    for (days, scope, expected) in [
        (90, "info", 90),
        (400, "info", 400),
        (400, "unsecured_loans_presentation", 365),
        (90, "unsecured_loans_presentation", 90),
        (400, "unsecured_loans_processing", 28),
        (
            400,
            "unsecured_loans_presentation,unsecured_loans_processing",
            28,
        ),
    ] {
        let client = loan_client(&app).await;
        assert!(app
            .store
            .set_client_consent_days(&client, days)
            .await
            .unwrap());
        let user = app.link_user(&client, scope, "kari").await;
        let consent = app.store.get_consent(&user).await.unwrap().unwrap();
        assert_eq!(consent.granted_at, T0, "{scope}");
        assert_eq!(
            consent.expires_at,
            T0 + secs(expected * DAY),
            "{days} {scope}"
        );
        assert_eq!(consent.status, Status::Active);
    }
}

#[tokio::test]
async fn client_create_sets_the_consent_days() {
    let app = TestApp::new().await;
    let id = format!("days-{}", uuid::Uuid::new_v4());
    let args = consent_link::config::ClientCreateArgs {
        name: "Acme Bank".into(),
        id: Some(id.clone()),
        callbacks: vec!["https://acme.example/cb".into()],
        scopes: "info".into(),
        styles_origins: vec![],
        test: true,
        public: true,
        secret_from_env: None,
        secret_stdin: false,
        json: true,
        webhook_url: None,
        consent_days: 400,
    };
    let cmd = consent_link::config::ClientCommand::Create(args);
    let mut stdin = std::io::Cursor::new(String::new());
    consent_link::cli::run_with(app.store.as_ref(), cmd, T0, &mut stdin, &|_| None)
        .await
        .unwrap();
    let client = app.store.get_client(&id).await.unwrap().unwrap();
    assert_eq!(client.consent_days, 400);
}

#[tokio::test]
async fn consenting_again_renews_under_the_same_user_id() {
    let app = TestApp::new().await;
    let client = loan_client(&app).await;
    let user = app.link_user(&client, "info", "kari").await;
    app.clock.advance(10 * DAY as i64);
    let again = app.link_user(&client, "info,unsecured_loans", "kari").await;
    assert_eq!(again, user);
    let consent = app.store.get_consent(&user).await.unwrap().unwrap();
    assert_eq!(consent.granted_at, T0 + secs(10 * DAY));
    assert_eq!(consent.expires_at, T0 + secs(100 * DAY));
    let scopes: Vec<_> = consent.scopes.iter().map(|s| s.as_str()).collect();
    assert_eq!(scopes.len(), 2);
    assert!(scopes.contains(&"unsecured_loans"), "the new scopes");
    let granted: Vec<_> = events(&app, &client)
        .await
        .into_iter()
        .filter(|e| e["type"] == "consent.granted")
        .map(|e| e["data"]["renewed"].clone())
        .collect();
    assert_eq!(granted, [false, true]);
    let token = app.client_token(&client).await;
    let object = consent_object(&app, &user, &token).await;
    assert_eq!(history_kinds(&object)[..2], ["granted", "renewed"]);
}

/// At the second its term ends a consent reads nothing (410
/// `CONSENT_EXPIRED`), its user token is inactive, and the sweep deletes
/// its data and revokes its tokens as a withdrawal would.
#[tokio::test]
async fn expiry_at_the_boundary_stops_reads_and_tokens_and_deletes_data() {
    let (app, url) = own_app().await;
    let client = loan_client(&app).await;
    let (user_token, user) = app.user_token(&client, "info").await;
    app.collect().await;
    // A term that ends within the user token's hour.
    let end = "UPDATE consents SET expires_at = CAST($1 AS BIGINT) WHERE user_data_id = $2";
    let ends_at = (T0 + secs(1800)).as_secs().to_string();
    execute_raw(&url, end, &[&ends_at, &user]).await;
    let client_token = app.client_token(&client).await;
    let uri = format!("/api/1.0/personal/{user}");
    app.clock.advance(1799);
    assert_eq!(
        app.api_get(&uri, &client_token).await.status,
        StatusCode::OK
    );
    app.clock.advance(1);
    for token in [&client_token, &user_token] {
        let res = app.api_get(&uri, token).await;
        assert_eq!(res.status, StatusCode::GONE, "{}", res.body);
        assert_eq!(res.json()["error"]["status"], "CONSENT_EXPIRED");
    }
    let introspected = app
        .post_form(
            "/oauth/introspect",
            &[
                ("token", &user_token),
                ("client_id", &client),
                ("client_secret", "secret"),
            ],
        )
        .await;
    assert_eq!(
        introspected.json()["active"],
        false,
        "{}",
        introspected.body
    );
    let collection = app.store.latest_collection(&user).await.unwrap().unwrap();
    assert!(!app
        .store
        .get_collected_data(&collection.id)
        .await
        .unwrap()
        .is_empty());
    let swept = consent_link::sweep_consents(app.store.as_ref(), app.clock.now())
        .await
        .unwrap();
    assert_eq!(swept.expired, 1);
    assert!(app
        .store
        .get_collected_data(&collection.id)
        .await
        .unwrap()
        .is_empty());
    let token = app
        .store
        .get_access_token(&consent_link::crypto::hash_token(&user_token))
        .await
        .unwrap()
        .unwrap();
    assert!(token.revoked_at.is_some());
    let consent = app.store.get_consent(&user).await.unwrap().unwrap();
    assert_eq!(consent.status, Status::Expired);
    assert_eq!(consent.ended_by, Some(EndedBy::Expiry));
    assert_eq!(consent.ended_at, Some(app.clock.now()));
    let kinds_seen = kinds(&events(&app, &client).await).join(",");
    assert!(kinds_seen.ends_with("consent.expired"), "{kinds_seen}");
}

/// Two instances sweeping one database at once: each consent is expired
/// once, with one `consent.expired` and one history event.
#[tokio::test]
async fn two_instances_sweeping_at_once_expire_each_consent_once() {
    let (app, url) = own_app().await;
    let client = loan_client(&app).await;
    assert!(app.store.set_client_consent_days(&client, 1).await.unwrap());
    let mut users = Vec::new();
    for person in ["kari", "ola", "ingrid"] {
        users.push(app.link_user(&client, "info", person).await);
    }
    app.clock.advance(DAY as i64);
    let now = app.clock.now();
    let other = consent_link::store::connect(&url).await.unwrap();
    let (a, b) = tokio::join!(
        consent_link::sweep_consents(app.store.as_ref(), now),
        consent_link::sweep_consents(other.as_ref(), now),
    );
    assert_eq!(a.unwrap().expired + b.unwrap().expired, 3);
    let expired: Vec<_> = events(&app, &client)
        .await
        .into_iter()
        .filter(|e| e["type"] == "consent.expired")
        .collect();
    assert_eq!(expired.len(), 3);
    for user in &users {
        let history = app.store.consent_history(user).await.unwrap();
        let ends = history.iter().filter(|e| e.kind == "expired").count();
        assert_eq!(ends, 1, "{user}");
    }
}

/// `consent.expiring` is announced once, seven days before the end,
/// however many instances sweep; a renewal's new term once again.
#[tokio::test]
async fn expiring_is_announced_once_seven_days_ahead() {
    let (app, url) = own_app().await;
    let client = loan_client(&app).await;
    assert!(app
        .store
        .set_client_consent_days(&client, 30)
        .await
        .unwrap());
    let user = app.link_user(&client, "info", "kari").await;
    let other = consent_link::store::connect(&url).await.unwrap();
    app.clock.advance(23 * DAY as i64 - 1);
    let early = consent_link::sweep_consents(app.store.as_ref(), app.clock.now()).await;
    assert_eq!(early.unwrap().expiring, 0);
    app.clock.advance(1);
    let now = app.clock.now();
    let (a, b) = tokio::join!(
        consent_link::sweep_consents(app.store.as_ref(), now),
        consent_link::sweep_consents(other.as_ref(), now),
    );
    assert_eq!(a.unwrap().expiring + b.unwrap().expiring, 1);
    let later = consent_link::sweep_consents(app.store.as_ref(), now + secs(DAY)).await;
    assert_eq!(later.unwrap().expiring, 0);
    let expiring: Vec<_> = events(&app, &client)
        .await
        .into_iter()
        .filter(|e| e["type"] == "consent.expiring")
        .collect();
    assert_eq!(expiring.len(), 1);
    assert_eq!(expiring[0]["data"]["user_data_id"], user.as_str());
    assert!(expiring[0]["data"]["expires_at"].is_string());
    // An instance that listed it before another announced it does not
    // announce it again.
    let consent = app.store.get_consent(&user).await.unwrap().unwrap();
    assert!(!app
        .store
        .mark_expiring(&consent, ("msg_x", "{}"), now)
        .await
        .unwrap());
    // A renewal's new term is announced in its own last week.
    app.link_user(&client, "info", "kari").await;
    app.clock.advance(23 * DAY as i64);
    let renewed = consent_link::sweep_consents(app.store.as_ref(), app.clock.now()).await;
    assert_eq!(renewed.unwrap().expiring, 1);
}

/// Every read by the integrator is in the history with its endpoint, and
/// the history outlives the withdrawal (which says who withdrew, also in
/// `consent.withdrawn`).
#[tokio::test]
async fn history_records_reads_and_survives_withdrawal() {
    let app = TestApp::new().await;
    let client = loan_client(&app).await;
    let user = app.link_user(&client, "info,unsecured_loans", "kari").await;
    app.collect().await;
    let token = app.client_token(&client).await;
    for path in ["personal", "loans"] {
        let res = app
            .api_get(&format!("/api/1.0/{path}/{user}"), &token)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let res = api_delete(&app, &format!("/api/1.0/consents/{user}"), &token).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let object = consent_object(&app, &user, &token).await;
    assert_eq!(
        history_kinds(&object),
        ["granted", "data_collected", "read", "read", "withdrawn"]
    );
    let history = object["history"].as_array().unwrap();
    assert_eq!(history[1]["status"], "done");
    assert_eq!(history[2]["endpoint"], "/api/1.0/personal/:id");
    assert_eq!(history[3]["endpoint"], "/api/1.0/loans/:id");
    assert_eq!(history[4]["ended_by"], "integrator");
    assert_eq!(object["status"], "withdrawn");
    assert_eq!(object["ended_by"], "integrator");
    assert!(
        !object.to_string().contains("15878512345"),
        "no national ID"
    );
    let withdrawn: Vec<_> = events(&app, &client)
        .await
        .into_iter()
        .filter(|e| e["type"] == "consent.withdrawn")
        .collect();
    assert_eq!(withdrawn.len(), 1);
    assert_eq!(withdrawn[0]["data"]["ended_by"], "integrator");
}

#[tokio::test]
async fn get_consent_answers_the_object_with_its_history() {
    let app = TestApp::new().await;
    let client = loan_client(&app).await;
    assert!(app
        .store
        .set_client_consent_days(&client, 400)
        .await
        .unwrap());
    let (user_token, user) = app
        .user_token(&client, "info,unsecured_loans_presentation")
        .await;
    let object = consent_object(&app, &user, &user_token).await;
    assert_eq!(object["user_data_id"], user.as_str());
    assert_eq!(object["purpose"], "unsecured_loans_presentation");
    assert_eq!(object["status"], "active");
    assert_eq!(object["granted_at"], "2027-01-15T08:00:00Z");
    assert_eq!(object["expires_at"], "2028-01-15T08:00:00Z");
    assert_eq!(object["ended_at"], Value::Null);
    assert_eq!(object["receipt"], Value::Null);
    assert_eq!(history_kinds(&object), ["granted"]);
    // Past its term, before any sweep: expired, by expiry.
    app.clock.advance(365 * DAY as i64);
    let client_token = app.client_token(&client).await;
    let object = consent_object(&app, &user, &client_token).await;
    assert_eq!(object["status"], "expired");
    assert_eq!(object["ended_by"], "expiry");
}

/// Another client's user ID and an unknown one both answer 404, and a
/// user token sees only its own user's consent.
#[tokio::test]
async fn get_consent_of_another_client_or_user_is_not_found() {
    let app = TestApp::new().await;
    let client = loan_client(&app).await;
    let other = loan_client(&app).await;
    let (kari_token, user) = app.user_token(&client, "info").await;
    let ola = app.link_user(&client, "info", "ola").await;
    assert_ne!(ola, user);
    let other_token = app.client_token(&other).await;
    for (uri, token) in [
        (format!("/api/1.0/consents/{user}"), &other_token),
        (
            format!("/api/1.0/consents/{}", uuid::Uuid::new_v4()),
            &app.client_token(&client).await,
        ),
        (format!("/api/1.0/consents/{ola}"), &kari_token),
    ] {
        let res = app.api_get(&uri, token).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{uri}: {}", res.body);
        assert_eq!(res.json()["error"]["status"], "NOT_FOUND");
    }
}

/// An app on a database of its own (sweeps see every consent of their
/// database) and that database's URL, for a second instance or a row
/// planted behind the store's back.
async fn own_app() -> (TestApp, String) {
    let url = own_database_url().await;
    let key = "test-key-test-key-test-key-test-key";
    (TestApp::on_database(&url, key, T0, no_methods()).await, url)
}

/// History is kept for its days, then purged; it goes with its client.
#[tokio::test]
async fn history_is_purged_after_its_days_and_with_its_client() {
    // A database of its own: the purge sees every consent's history.
    let (app, _) = own_app().await;
    let client = loan_client(&app).await;
    let user = app.link_user(&client, "info", "kari").await;
    let token = app.client_token(&client).await;
    app.clock.advance(DAY as i64);
    let read = app
        .api_get(&format!("/api/1.0/personal/{user}"), &token)
        .await;
    assert_eq!(read.status, StatusCode::UNAUTHORIZED, "the token expired");
    let token = app.client_token(&client).await;
    let read = app
        .api_get(&format!("/api/1.0/personal/{user}"), &token)
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    // Older than T0 + 1 s: the grant goes, the read a day later stays.
    app.store.purge_consent_history(T0 + secs(1)).await.unwrap();
    let kinds: Vec<_> = app
        .store
        .consent_history(&user)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["read"]);
    assert!(app.store.delete_client(&client).await.unwrap());
    assert!(app.store.consent_history(&user).await.unwrap().is_empty());
}

/// A person's consents across every client, each with its history, and
/// no one else's: what a person's own page lists.
#[tokio::test]
async fn a_persons_consents_are_listed_across_clients_with_their_history() {
    // A database of its own: every test's kari is one person.
    let (app, _) = own_app().await;
    let first = loan_client(&app).await;
    let second = loan_client(&app).await;
    let kari_first = app.link_user(&first, "info", "kari").await;
    app.clock.advance(60);
    let kari_second = app.link_user(&second, "info", "kari").await;
    let ola = app.link_user(&first, "info", "ola").await;
    let subject = app
        .store
        .get_consent(&kari_first)
        .await
        .unwrap()
        .unwrap()
        .subject_hash;
    let listed = consent_link::consents_of_person(app.store.as_ref(), &subject)
        .await
        .unwrap();
    let ids: Vec<_> = listed
        .iter()
        .map(|c| c.consent.user_data_id.clone())
        .collect();
    assert_eq!(ids, [kari_second, kari_first], "newest first");
    assert!(!ids.contains(&ola));
    assert!(listed
        .iter()
        .all(|c| c.history.len() == 1 && c.history[0].kind == "granted"));
}
