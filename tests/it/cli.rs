//! `consent-link client create|list|delete`.

use consent_link::config::{ClientCommand, ClientCreateArgs};
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
        json: true,
    }
}

#[tokio::test]
async fn create_prints_secret_once_and_stores_only_its_hash() {
    let store = store().await;
    let id = format!("cli-{}", uuid::Uuid::new_v4());
    let out = consent_link::cli::run(
        store.as_ref(),
        ClientCommand::Create(create_args(&id, "https://acme.example/cb")),
        T0,
    )
    .await
    .unwrap();
    let created: serde_json::Value = serde_json::from_str(&out).unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 43);
    let row = store.get_client(&id).await.unwrap().unwrap();
    assert_eq!(
        row.secret_hash.as_deref(),
        Some(crypto::hash_token(secret).as_str())
    );
    assert!(!serde_json::to_string(&row.secret_hash)
        .unwrap()
        .contains(secret));

    let listed = consent_link::cli::run(store.as_ref(), ClientCommand::List { json: true }, T0)
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

    consent_link::cli::run(store.as_ref(), ClientCommand::Delete { id: id.clone() }, T0)
        .await
        .unwrap();
    assert!(store.get_client(&id).await.unwrap().is_none());
    assert!(
        consent_link::cli::run(store.as_ref(), ClientCommand::Delete { id }, T0)
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
            ClientCommand::Create(create_args(&id, bad)),
            T0,
        )
        .await;
        assert!(res.is_err(), "{bad}");
    }
    let ok = create_args(&id, "https://acme.example/cb");
    consent_link::cli::run(store.as_ref(), ClientCommand::Create(ok), T0)
        .await
        .unwrap();
    let again = consent_link::cli::run(
        store.as_ref(),
        ClientCommand::Create(create_args(&id, "https://acme.example/cb")),
        T0,
    )
    .await;
    assert!(again.unwrap_err().to_string().contains("exists"));
}
