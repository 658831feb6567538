//! Which existing `demo` client `serve --demo` adopts as its own: only
//! one exactly as the demo makes it (a test client calling back to this
//! service's `/demo/callback`, with a hash of the derived demo secret),
//! never an operator's client an earlier version of the demo overwrote.

use consent_link::oauth2::client::Client;
use consent_link::oauth2::scope::Scopes;

use super::own_app;
use crate::support::*;

/// A `demo` client with `callbacks` and test mode `test`, not marked.
fn unmarked(callbacks: &[&str], test: bool) -> Client {
    Client {
        id: "demo".into(),
        name: "Operator's own".into(),
        callback_uris: callbacks.iter().map(|c| c.to_string()).collect(),
        allowed_scopes: Scopes::parse("info").unwrap(),
        styles_origins: vec![],
        test_allowed: test,
        confidential: true,
    }
}

/// An operator's production client `demo` whose secret an earlier
/// version of the demo overwrote with the derived secret's unkeyed hash
/// is not adopted: refused as taken, left unmarked, its callbacks and
/// production mode as they were (before and after the start-up wrap).
#[tokio::test]
async fn an_operators_demo_client_the_earlier_version_overwrote_is_refused_as_taken() {
    for wrap_first in [false, true] {
        let (app, _) = own_app().await;
        let hijacked = consent_link::crypto::hash_token(&app.key.demo_client_secret());
        let callback = format!("{ISSUER}/demo/callback");
        for (callbacks, test) in [
            (vec!["https://acme.example/cb"], false),
            (vec!["https://acme.example/cb"], true),
            (vec![callback.as_str()], false),
            (vec![callback.as_str(), "https://acme.example/cb"], true),
        ] {
            app.store.delete_client("demo").await.unwrap();
            let client = unmarked(&callbacks, test);
            app.store
                .insert_client(&client, Some(&hijacked), T0)
                .await
                .unwrap();
            if wrap_first {
                consent_link::upgrade_stored_secrets(app.store.as_ref(), &app.key, T0)
                    .await
                    .unwrap();
            }
            let err = consent_link::ensure_demo_client(app.store.as_ref(), &app.key, ISSUER, T0)
                .await
                .unwrap_err();
            assert!(
                err.to_string().contains("did not create"),
                "{callbacks:?} {test}: {err}"
            );
            let row = app.store.get_client("demo").await.unwrap().unwrap();
            assert!(!row.demo, "{callbacks:?} {test}");
            assert_eq!(row.client.callback_uris, callbacks);
            assert_eq!(row.client.test_allowed, test);
        }
    }
}

/// A demo client inserted with the demo's own (current) hash and shape
/// but not marked (as an instance could leave it between the two
/// statements the earlier version used) is adopted: marked, kept.
#[tokio::test]
async fn a_demo_client_inserted_but_not_yet_marked_is_adopted() {
    let (app, _) = own_app().await;
    let callback = format!("{ISSUER}/demo/callback");
    let keyed = app
        .key
        .client_secret_hash("demo", &app.key.demo_client_secret());
    let client = unmarked(&[&callback], true);
    app.store
        .insert_client(&client, Some(&keyed), T0)
        .await
        .unwrap();
    consent_link::ensure_demo_client(app.store.as_ref(), &app.key, ISSUER, T0)
        .await
        .unwrap();
    let row = app.store.get_client("demo").await.unwrap().unwrap();
    assert!(row.demo, "marked as the demo's own");
    assert_eq!(row.secret_hash.as_deref(), Some(keyed.as_str()));
}

/// The demo inserts its client marked in the one statement that creates
/// it: there is no moment at which it exists unmarked.
#[tokio::test]
async fn the_demo_client_is_inserted_marked_in_one_statement() {
    let (app, _) = own_app().await;
    let callback = format!("{ISSUER}/demo/callback");
    let client = unmarked(&[&callback], true);
    let keyed = app.key.client_secret_hash("demo", "s");
    app.store
        .insert_demo_client(&client, &keyed, T0)
        .await
        .unwrap();
    assert!(app.store.get_client("demo").await.unwrap().unwrap().demo);
    let other = Client {
        id: "not-demo".into(),
        ..client
    };
    app.store
        .insert_client(&other, Some(&keyed), T0)
        .await
        .unwrap();
    assert!(
        !app.store
            .get_client("not-demo")
            .await
            .unwrap()
            .unwrap()
            .demo
    );
}
