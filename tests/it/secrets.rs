//! Stored secrets: sealed values bound to their row, client secrets kept
//! under a keyed hash (imported ones strong enough), and the demo client's
//! reserved ID.

use std::io::Read;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use consent_link::config::{ClientCommand, ClientCreateArgs};

use crate::support::*;

mod demo;
mod upgrade;

/// An app on a database of its own (raw SQL plants rows in it), and its URL.
async fn own_app() -> (TestApp, String) {
    let url = own_database_url().await;
    let app = TestApp::on_database(&url, TEST_KEY, T0, no_methods()).await;
    (app, url)
}

/// The server key of the test apps.
const TEST_KEY: &str = "test-key-test-key-test-key-test-key";

/// Two people's consents to one client (Kari's and Ola's), their user IDs
/// and their collections' IDs.
async fn kari_and_ola(app: &TestApp, client: &str) -> [(String, String); 2] {
    let mut out = Vec::new();
    for person in ["kari", "ola"] {
        let user = app.link_user(client, "info", person).await;
        let collection = app.store.latest_collection(&user).await.unwrap().unwrap();
        out.push((user, collection.id));
    }
    [out[0].clone(), out[1].clone()]
}

/// A person's `personal` read by the client holding `token`.
async fn personal(app: &TestApp, token: &str, user: &str) -> Page {
    app.api_get(&format!("/api/1.0/personal/{user}"), token)
        .await
}

/// Someone with write access to the database copies Kari's sealed data
/// into Ola's row: the read of Ola's data answers a server error, never
/// Kari's data.
#[tokio::test]
async fn a_sealed_body_copied_into_another_users_row_is_never_served() {
    let (app, url) = own_app().await;
    let client = app.client().await;
    let token = app.client_token(&client).await;
    let [(kari, kari_collection), (ola, ola_collection)] = kari_and_ola(&app, &client).await;
    app.collect().await;
    let karis = personal(&app, &token, &kari).await.json();
    let first_name = karis["personal"]["first_name"].as_str().unwrap().to_owned();
    let olas = personal(&app, &token, &ola).await.json();
    assert_ne!(
        olas["personal"]["first_name"],
        first_name.as_str(),
        "{olas}"
    );

    let copy = "UPDATE collected_data SET body_sealed = \
                (SELECT body_sealed FROM collected_data WHERE collection_id = $1 AND scope = 'info') \
                WHERE collection_id = $2 AND scope = 'info'";
    execute_raw(&url, copy, &[&kari_collection, &ola_collection]).await;
    let res = personal(&app, &token, &ola).await;
    assert_eq!(
        res.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        res.body
    );
    assert!(!res.body.contains(&first_name), "{}", res.body);
    // Kari's own row still reads.
    assert_eq!(personal(&app, &token, &kari).await.status, StatusCode::OK);
}

/// The same with the sealed national identity number: copied into Ola's
/// collection before it runs, it does not open, so no source is asked for
/// Kari's data on Ola's consent.
#[tokio::test]
async fn a_sealed_national_id_copied_into_another_users_collection_does_not_open() {
    let (app, url) = own_app().await;
    let client = app.client().await;
    let token = app.client_token(&client).await;
    let [(kari, kari_collection), (ola, ola_collection)] = kari_and_ola(&app, &client).await;
    let copy = "UPDATE collections SET national_id_sealed = \
                (SELECT national_id_sealed FROM collections WHERE id = $1) WHERE id = $2";
    execute_raw(&url, copy, &[&kari_collection, &ola_collection]).await;
    app.collect().await;
    let karis = personal(&app, &token, &kari).await.json();
    let first_name = karis["personal"]["first_name"].as_str().unwrap().to_owned();
    let olas = personal(&app, &token, &ola).await;
    assert!(!olas.body.contains(&first_name), "{}", olas.body);
    assert!(olas.json()["personal"].is_null(), "{}", olas.body);
    assert!(app
        .store
        .get_collected_data(&ola_collection)
        .await
        .unwrap()
        .is_empty());
}

fn create_args(id: &str) -> ClientCreateArgs {
    ClientCreateArgs {
        name: "Acme Bank".into(),
        id: Some(id.into()),
        callbacks: vec!["https://acme.example/cb".into()],
        scopes: "info".into(),
        styles_origins: vec![],
        test: true,
        public: false,
        secret_from_env: Some("IMPORTED".into()),
        secret_stdin: false,
        json: true,
        webhook_url: None,
        consent_days: 90,
    }
}

/// `client create` with the secret in `IMPORTED`, on `app`'s store and key.
async fn create_with(app: &TestApp, id: &str, secret: &str) -> Result<String, String> {
    let env = |name: &str| match name {
        "IMPORTED" => Some(secret.to_owned()),
        "CONSENT_LINK_SECRET_KEY" => Some(TEST_KEY.to_owned()),
        _ => None,
    };
    let mut stdin = std::io::Cursor::new(String::new());
    let cmd = ClientCommand::Create(create_args(id));
    consent_link::cli::run_with(app.store.as_ref(), cmd, T0, &mut stdin, &env)
        .await
        .map_err(|e| e.to_string())
}

/// `POST /api/1.0/auth` with `id` and `secret`: the status.
async fn auth(app: &TestApp, id: &str, secret: &str) -> StatusCode {
    let req = Request::post("/api/1.0/auth")
        .header("Client-ID", id)
        .header("Secret-Key", secret)
        .body(Body::empty())
        .unwrap();
    app.send(req).await.status
}

/// An imported secret that is long enough but guessable (a common
/// password with digits, a keyboard walk, a repeated name, a sequence) is
/// refused, saying why; random ones of the same length, hex included, are
/// kept, and authenticate.
#[tokio::test]
async fn a_guessable_imported_secret_is_refused_and_a_random_one_is_kept() {
    let app = TestApp::new().await;
    for weak in [
        "Password123456!!",
        "qwertyuiopasdfgh",
        "acmebankacmebank",
        "1q2w3e4r5t6y7u8i",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "abcdefghijklmnopqrstuvwxyz",
        "0123456789012345678901234567",
    ] {
        let id = format!("weak-{}", uuid::Uuid::new_v4());
        let err = create_with(&app, &id, weak).await.unwrap_err();
        assert!(
            err.contains("too weak") && err.contains("guesses"),
            "{weak}: {err}"
        );
        assert!(app.store.get_client(&id).await.unwrap().is_none());
    }
    // An ID and secret as the original service issued them still import,
    // and so do random hex secrets of 16 characters.
    for strong in [
        "gs_live_5f3c9a7e21d04b8f9c6a",
        "9f86d081884c7d65",
        "3a7bd3e2360a3d29",
        "e3b0c44298fc1c14",
    ] {
        let id = format!("goscore-{}", uuid::Uuid::new_v4());
        create_with(&app, &id, strong).await.unwrap();
        assert_eq!(auth(&app, &id, strong).await, StatusCode::OK);
    }
}

/// A client secret is stored as HMAC-SHA256 under the server key, not as
/// SHA-256 of the secret: a copy of the database alone does not allow
/// checking guesses. It authenticates under its own key only.
#[tokio::test]
async fn a_client_secret_is_stored_keyed_and_checks_only_under_its_key() {
    let (app, url) = own_app().await;
    let id = format!("keyed-{}", uuid::Uuid::new_v4());
    let secret = "gs_live_5f3c9a7e21d04b8f9c6a";
    create_with(&app, &id, secret).await.unwrap();
    let stored = app
        .store
        .get_client(&id)
        .await
        .unwrap()
        .unwrap()
        .secret_hash;
    let stored = stored.unwrap();
    assert_ne!(stored, consent_link::crypto::hash_token(secret));
    assert_eq!(stored, app.key.client_secret_hash(&id, secret));
    assert_eq!(auth(&app, &id, secret).await, StatusCode::OK);
    let other = TestApp::on_database(
        &url,
        "another-key-another-key-another-key",
        T0,
        no_methods(),
    )
    .await;
    assert_eq!(auth(&other, &id, secret).await, StatusCode::UNAUTHORIZED);
}

/// `client create` refuses the demo client's ID: only `serve --demo`
/// creates that client.
#[tokio::test]
async fn client_create_refuses_the_reserved_demo_id() {
    let (app, _) = own_app().await;
    let err = create_with(&app, "demo", "gs_live_5f3c9a7e21d04b8f9c6a")
        .await
        .unwrap_err();
    assert!(
        err.contains("reserved") && err.contains("serve --demo"),
        "{err}"
    );
    assert!(app.store.get_client("demo").await.unwrap().is_none());
}

/// An operator's client called `demo` (registered before the ID was
/// reserved) is never taken over: the demo's set-up refuses, saying why,
/// and the client keeps its secret.
#[tokio::test]
async fn the_demo_never_takes_over_an_operators_demo_client() {
    let (app, _) = own_app().await;
    let client = consent_link::oauth2::client::Client {
        id: "demo".into(),
        name: "Operator's own".into(),
        callback_uris: vec!["https://acme.example/cb".into()],
        allowed_scopes: consent_link::oauth2::scope::Scopes::parse("info").unwrap(),
        styles_origins: vec![],
        test_allowed: false,
        confidential: true,
    };
    let secret = "gs_live_5f3c9a7e21d04b8f9c6a";
    let hash = app.key.client_secret_hash("demo", secret);
    app.store
        .insert_client(&client, Some(&hash), T0)
        .await
        .unwrap();
    let err = consent_link::ensure_demo_client(app.store.as_ref(), &app.key, ISSUER, T0)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("did not create"), "{err}");
    let row = app.store.get_client("demo").await.unwrap().unwrap();
    assert_eq!(row.secret_hash.as_deref(), Some(hash.as_str()));
    assert!(!row.demo && !row.client.test_allowed);
    assert_eq!(auth(&app, "demo", secret).await, StatusCode::OK);
}

/// What sealing wrote before values were bound to their row: AES-256-GCM
/// under HMAC-SHA256(server key, "seal:" + purpose), the purpose alone as
/// associated data, base64url(nonce || ciphertext || tag) with no prefix.
fn seal_as_before(key: &str, purpose: &str, plain: &[u8]) -> String {
    use base64::Engine;
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
    let derived =
        consent_link::crypto::hmac_sha256(key.as_bytes(), &[b"seal:", purpose.as_bytes()]);
    let sealing = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &derived).unwrap());
    let nonce = [9u8; 12];
    let mut out = plain.to_vec();
    sealing
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(purpose.as_bytes()),
            &mut out,
        )
        .unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([&nonce[..], &out].concat())
}

/// A webhook signing secret is bound to its client: copied into another
/// client's row, it does not open, so that client's events are never
/// signed with the first client's secret (the delivery is retried, and
/// nothing reaches the receiver).
#[tokio::test]
async fn a_webhook_secret_copied_to_another_client_never_signs_its_events() {
    use consent_link::webhooks::{Deliverer, Delivery};
    let (app, url) = own_app().await;
    let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = received.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || async move {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            StatusCode::NO_CONTENT
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let mut clients = Vec::new();
    for name in ["a", "b"] {
        let id = format!("hook-{name}-{}", uuid::Uuid::new_v4());
        let env = |var: &str| match var {
            "CONSENT_LINK_SECRET_KEY" => Some(TEST_KEY.to_owned()),
            _ => None,
        };
        let args = ClientCreateArgs {
            webhook_url: Some(hook.clone()),
            secret_from_env: None,
            ..create_args(&id)
        };
        let mut stdin = std::io::Cursor::new(String::new());
        let cmd = ClientCommand::Create(args);
        consent_link::cli::run_with(app.store.as_ref(), cmd, T0, &mut stdin, &env)
            .await
            .unwrap();
        clients.push(id);
    }
    let copy = "UPDATE clients SET webhook_secret_sealed = \
                (SELECT webhook_secret_sealed FROM clients WHERE id = $1) WHERE id = $2";
    execute_raw(&url, copy, &[&clients[0], &clients[1]]).await;
    let event = consent_link::webhooks::new_event_id();
    assert!(app
        .store
        .insert_webhook_event(&event, &clients[1], "{}", T0)
        .await
        .unwrap());
    let deliverer = Deliverer {
        store: app.store.clone(),
        key: app.key.clone(),
        http: reqwest::Client::new(),
        clock: app.clock.clone(),
        id: format!("d-{}", uuid::Uuid::new_v4()),
        client: Some(clients[1].clone()),
        metrics: app.state.metrics.clone(),
        limits: Default::default(),
    };
    assert_eq!(deliverer.run_one().await.unwrap(), Some(Delivery::Retried));
    assert_eq!(received.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// Storing a secret's hash anew happens only over the hash that was
/// checked: a client created again under the ID meanwhile (another
/// secret) keeps its own.
#[tokio::test]
async fn a_secret_is_rehashed_only_over_the_hash_that_was_checked() {
    let app = TestApp::new().await;
    let id = app.client().await;
    let store = app.store.as_ref();
    let old = store.get_client(&id).await.unwrap().unwrap().secret_hash;
    let old = old.unwrap();
    let keyed = app.key.client_secret_hash(&id, "another secret");
    assert!(!store
        .rehash_client_secret(&id, "another", &keyed)
        .await
        .unwrap());
    let row = store.get_client(&id).await.unwrap().unwrap();
    assert_eq!(row.secret_hash.as_deref(), Some(old.as_str()));
    assert!(store.rehash_client_secret(&id, &old, &keyed).await.unwrap());
    let row = store.get_client(&id).await.unwrap().unwrap();
    assert_eq!(row.secret_hash.as_deref(), Some(keyed.as_str()));
}

/// `serve --demo` never takes over an operator's client that is called
/// `demo`: it refuses to start, saying why, and leaves the client as it is.
#[test]
fn serve_demo_refuses_to_start_over_an_operators_demo_client() {
    let dir = std::env::temp_dir().join("consent-link-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/{}.db", dir.display(), uuid::Uuid::new_v4());
    let secret_hash = consent_link::crypto::hash_token("gs_live_5f3c9a7e21d04b8f9c6a");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = runtime.block_on(consent_link::store::connect(&db)).unwrap();
    let client = consent_link::oauth2::client::Client {
        id: "demo".into(),
        name: "Operator's own".into(),
        callback_uris: vec!["https://acme.example/cb".into()],
        allowed_scopes: consent_link::oauth2::scope::Scopes::parse("info").unwrap(),
        styles_origins: vec![],
        test_allowed: false,
        confidential: true,
    };
    runtime
        .block_on(store.insert_client(&client, Some(&secret_hash), T0))
        .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_consent-link"))
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--metrics-bind",
            "127.0.0.1:0",
        ])
        .env("DATABASE_URL", &db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > end {
            child.kill().unwrap();
            panic!("serve --demo started over an operator's `demo` client");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!status.success());
    assert!(
        stderr.contains("\"demo\"") && stderr.contains("did not create"),
        "{stderr}"
    );
    let row = runtime.block_on(store.get_client("demo")).unwrap().unwrap();
    // Wrapped at start (as every older hash is), never replaced.
    let key = runtime
        .block_on(consent_link::server_key(store.as_ref(), None, "sqlite:"))
        .unwrap();
    let wrapped = key.wrap_client_secret_hash("demo", &secret_hash);
    assert_eq!(row.secret_hash, wrapped);
    assert!(!row.client.test_allowed);
}

/// A demo client made by an earlier version (unmarked, stored with the
/// unkeyed hash of the derived demo secret) is recognised as the demo's:
/// marked, and its hash stored keyed.
#[tokio::test]
async fn a_demo_client_made_by_an_earlier_version_is_kept_and_marked() {
    let (app, url) = own_app().await;
    consent_link::ensure_demo_client(app.store.as_ref(), &app.key, ISSUER, T0)
        .await
        .unwrap();
    let earlier = consent_link::crypto::hash_token(&app.key.demo_client_secret());
    let unmark = "UPDATE clients SET demo = FALSE, secret_hash = $1 WHERE id = 'demo'";
    execute_raw(&url, unmark, &[&earlier]).await;
    consent_link::ensure_demo_client(app.store.as_ref(), &app.key, ISSUER, T0)
        .await
        .unwrap();
    let row = app.store.get_client("demo").await.unwrap().unwrap();
    assert!(row.demo);
    let keyed = app
        .key
        .client_secret_hash("demo", &app.key.demo_client_secret());
    assert_eq!(row.secret_hash.as_deref(), Some(keyed.as_str()));
}
