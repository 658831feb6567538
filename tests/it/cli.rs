//! `consent-link client create|list|delete`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use consent_link::config::{Cli, ClientCommand, ClientCreateArgs};
use consent_link::crypto;

use crate::support::*;

fn create_args(id: &str, callback: &str) -> ClientCreateArgs {
    ClientCreateArgs {
        name: "Acme Bank".into(),
        id: Some(id.into()),
        callbacks: vec![callback.into()],
        scopes: "info,income".into(),
        styles_origins: vec!["https://cdn.acme.example".into()],
        test: true,
        public: false,
        secret_from_env: None,
        secret_stdin: false,
        json: true,
        webhook_url: None,
        consent_days: 90,
    }
}

#[tokio::test]
async fn create_prints_secret_once_and_stores_only_its_hash() {
    let store = store().await;
    let id = format!("cli-{}", uuid::Uuid::new_v4());
    let out = consent_link::cli::run(
        store.as_ref(),
        "sqlite:",
        ClientCommand::Create(create_args(&id, "https://acme.example/cb")),
        T0,
    )
    .await
    .unwrap();
    let created: serde_json::Value = serde_json::from_str(&out).unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 43);
    let row = store.get_client(&id).await.unwrap().unwrap();
    // Keyed under the server key (here the one SQLite keeps), not SHA-256.
    let key = consent_link::server_key(store.as_ref(), None, "sqlite:")
        .await
        .unwrap();
    assert_eq!(
        row.secret_hash.as_deref(),
        Some(key.client_secret_hash(&id, secret).as_str())
    );
    assert_ne!(
        row.secret_hash.as_deref(),
        Some(crypto::hash_token(secret).as_str())
    );
    assert!(!serde_json::to_string(&row.secret_hash)
        .unwrap()
        .contains(secret));

    let listed = consent_link::cli::run(
        store.as_ref(),
        "sqlite:",
        ClientCommand::List { json: true },
        T0,
    )
    .await
    .unwrap();
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == id.as_str())
        .unwrap();
    assert_eq!(mine["scopes"], serde_json::json!(["info", "income"]));
    assert!(
        mine.get("client_secret").is_none(),
        "list never shows a secret"
    );
    assert!(!listed.to_string().contains(secret));

    consent_link::cli::run(
        store.as_ref(),
        "sqlite:",
        ClientCommand::Delete { id: id.clone() },
        T0,
    )
    .await
    .unwrap();
    assert!(store.get_client(&id).await.unwrap().is_none());
    assert!(
        consent_link::cli::run(store.as_ref(), "sqlite:", ClientCommand::Delete { id }, T0)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn create_refuses_bad_callbacks_and_duplicates() {
    let store = store().await;
    let id = format!("cli-{}", uuid::Uuid::new_v4());
    for bad in [
        "http://acme.example/cb",
        "https://acme.example/cb#x",
        "not a url",
        "https://acme.example:443/cb",
    ] {
        let res = consent_link::cli::run(
            store.as_ref(),
            "sqlite:",
            ClientCommand::Create(create_args(&id, bad)),
            T0,
        )
        .await;
        assert!(res.is_err(), "{bad}");
    }
    let ok = create_args(&id, "https://acme.example/cb");
    consent_link::cli::run(store.as_ref(), "sqlite:", ClientCommand::Create(ok), T0)
        .await
        .unwrap();
    let again = consent_link::cli::run(
        store.as_ref(),
        "sqlite:",
        ClientCommand::Create(create_args(&id, "https://acme.example/cb")),
        T0,
    )
    .await;
    assert!(again.unwrap_err().to_string().contains("exists"));
}

/// What an integrator moving from the original has: its client ID and
/// secret there.
const KEPT_SECRET: &str = "gs_live_5f3c9a7e21d04b8f9c6a";

/// The server key of `TestApp::new`.
const TEST_KEY: &str = "test-key-test-key-test-key-test-key";

/// `POST /api/1.0/auth` with `id` and `secret`: the status.
async fn auth(app: &TestApp, id: &str, secret: &str) -> StatusCode {
    let req = Request::post("/api/1.0/auth")
        .header("Client-ID", id)
        .header("Secret-Key", secret)
        .body(Body::empty())
        .unwrap();
    app.send(req).await.status
}

#[tokio::test]
async fn create_keeps_an_existing_id_and_secret_from_the_environment_or_stdin() {
    let app = TestApp::new().await;
    let env = |name: &str| match name {
        "GOSCORE_SECRET" => Some(KEPT_SECRET.to_owned()),
        // The same server key serve uses (the test app's).
        "CONSENT_LINK_SECRET_KEY" => Some(TEST_KEY.to_owned()),
        _ => None,
    };
    for source in ["env", "stdin"] {
        let id = format!("goscore-{}", uuid::Uuid::new_v4());
        let mut args = create_args(&id, "https://acme.example/cb");
        args.json = false;
        match source {
            "env" => args.secret_from_env = Some("GOSCORE_SECRET".into()),
            _ => args.secret_stdin = true,
        }
        let mut stdin = std::io::Cursor::new(format!("{KEPT_SECRET}\n"));
        let out = consent_link::cli::run_with(
            app.store.as_ref(),
            ClientCommand::Create(args),
            T0,
            &mut stdin,
            &env,
        )
        .await
        .unwrap();
        assert!(out.contains(&id), "{out}");
        assert!(!out.contains(KEPT_SECRET), "a kept secret is never echoed");
        // The integrator's code works unchanged: same ID, same secret.
        assert_eq!(
            auth(&app, &id, KEPT_SECRET).await,
            StatusCode::OK,
            "{source}"
        );
        assert_eq!(
            auth(&app, &id, "another-secret-x").await,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn a_kept_secret_must_be_given_safely_and_be_strong_enough() {
    let store = store().await;
    let env = |name: &str| match name {
        "SHORT" => Some("short".to_owned()),
        "SPACES" => Some("has spaces in the secret".to_owned()),
        _ => None,
    };
    for (var, why) in [
        ("UNSET", "is not set"),
        ("SHORT", "at least 16"),
        ("SPACES", "visible ASCII"),
    ] {
        let mut args = create_args(
            &format!("cli-{}", uuid::Uuid::new_v4()),
            "https://acme.example/cb",
        );
        args.secret_from_env = Some(var.into());
        let mut stdin = std::io::Cursor::new(String::new());
        let err = consent_link::cli::run_with(
            store.as_ref(),
            ClientCommand::Create(args),
            T0,
            &mut stdin,
            &env,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains(why), "{var}: {err}");
    }
    // An empty standard input is no secret.
    let mut args = create_args(
        &format!("cli-{}", uuid::Uuid::new_v4()),
        "https://acme.example/cb",
    );
    args.secret_stdin = true;
    let mut stdin = std::io::Cursor::new(String::new());
    assert!(consent_link::cli::run_with(
        store.as_ref(),
        ClientCommand::Create(args),
        T0,
        &mut stdin,
        &env
    )
    .await
    .is_err());
    // There is no flag that takes the secret itself, and the two sources
    // (or a source and --public) do not go together.
    let base = [
        "consent-link",
        "client",
        "create",
        "--name",
        "A",
        "--callback",
        "https://a.example/cb",
    ];
    for extra in [
        &["--secret", "gs_live_5f3c9a7e21d04b8f9c6a"][..],
        &["--client-secret", "gs_live_5f3c9a7e21d04b8f9c6a"],
        &["--secret-from-env", "X", "--secret-stdin"],
        &["--secret-stdin", "--public"],
    ] {
        let argv: Vec<&str> = base.iter().chain(extra).copied().collect();
        assert!(Cli::try_parse_from(&argv).is_err(), "{extra:?}");
    }
    let argv: Vec<&str> = base
        .iter()
        .chain(&["--id", "acme", "--secret-from-env", "X"])
        .copied()
        .collect();
    assert!(Cli::try_parse_from(&argv).is_ok());
}

/// `client create --webhook-url` prints a signing secret once and seals it
/// under the server key; events then reach the URL signed with it;
/// `client update` rotates it or removes the webhook (issue 14).
#[tokio::test]
async fn a_webhook_is_registered_rotated_and_removed_from_the_command_line() {
    use consent_link::config::ClientUpdateArgs;
    let app = TestApp::new().await;
    let id = format!("cli-{}", uuid::Uuid::new_v4());
    // The same server key serve uses (the test app's).
    let env = |name: &str| match name {
        "CONSENT_LINK_SECRET_KEY" => Some("test-key-test-key-test-key-test-key".to_owned()),
        "DATABASE_URL" => Some(database_url()),
        _ => None,
    };
    let run = |cmd| {
        let store = app.store.clone();
        async move {
            let mut stdin = std::io::Cursor::new(String::new());
            consent_link::cli::run_with(store.as_ref(), cmd, T0, &mut stdin, &env).await
        }
    };
    let bad = ClientCreateArgs {
        webhook_url: Some("http://hooks.example/x".into()),
        ..create_args(&format!("{id}-bad"), "https://acme.example/cb")
    };
    assert!(
        run(ClientCommand::Create(bad)).await.is_err(),
        "plain http off loopback"
    );
    let args = ClientCreateArgs {
        webhook_url: Some("https://hooks.acme.example/consent-link".into()),
        ..create_args(&id, "https://acme.example/cb")
    };
    let out: serde_json::Value =
        serde_json::from_str(&run(ClientCommand::Create(args)).await.unwrap()).unwrap();
    let first = out["webhook_secret"].as_str().unwrap().to_owned();
    assert!(first.starts_with("whsec_"), "{out}");
    let row = app.store.get_client(&id).await.unwrap().unwrap();
    assert_eq!(
        row.webhook_url.as_deref(),
        Some("https://hooks.acme.example/consent-link")
    );
    // An event is recorded for it, and its secret opens under the key.
    let event = consent_link::webhooks::new_event_id();
    assert!(app
        .store
        .insert_webhook_event(&event, &id, "{}", T0)
        .await
        .unwrap());
    let taken = app
        .store
        .take_webhook_event(T0, secs(30), "d", Some(&id), 1)
        .await
        .unwrap()
        .unwrap();
    let opened = app
        .key
        .open(
            "webhook_secret",
            &[&id],
            taken.webhook_secret_sealed.as_deref().unwrap(),
        )
        .unwrap();
    assert_eq!(String::from_utf8(opened).unwrap(), first);

    let rotate = ClientUpdateArgs {
        id: id.clone(),
        webhook_url: None,
        rotate_webhook_secret: true,
        no_webhook: false,
    };
    let out = run(ClientCommand::Update(rotate)).await.unwrap();
    assert!(out.contains("whsec_") && !out.contains(&first), "{out}");
    let remove = ClientUpdateArgs {
        id: id.clone(),
        webhook_url: None,
        rotate_webhook_secret: false,
        no_webhook: true,
    };
    run(ClientCommand::Update(remove)).await.unwrap();
    let event = consent_link::webhooks::new_event_id();
    assert!(
        !app.store
            .insert_webhook_event(&event, &id, "{}", T0)
            .await
            .unwrap(),
        "no events without a webhook"
    );
}
