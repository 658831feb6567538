//! A consent starts a collection (issue 14): a production client's end
//! user signs in at a provider (the mock OpenID provider), consents, and
//! the collection written with the consent runs against a source on
//! loopback; the data API then serves what the source gave.

use std::sync::Arc;

use consent_link::collect::worker::Worker;

use serde_json::{json, Value};

use super::*;
use crate::collect::{both_body, fake_source};

#[tokio::test]
async fn a_consent_starts_a_collection_that_the_data_api_serves() {
    let op = Op::start().await;
    let mut app = app_with(&op.issuer()).await;
    let (fake, url) = fake_source(vec![(200, both_body(), None)]).await;
    let port: String = url.chars().filter(char::is_ascii_digit).collect();
    let text = format!(
        "[[source]]\nid = \"src-{port}\"\nscopes = [\"info\", \"income\"]\nurl = \"{url}\"\n"
    );
    let sources = Arc::new(
        consent_link::sources::parse(&text, &|_| None)
            .unwrap()
            .with_test_source_id(app.state.sources.test_source()),
    );
    app.state.sources = sources.clone();
    app.router = consent_link::app(app.state.clone());
    let client = app
        .register(ClientSpec {
            test_allowed: false,
            ..ClientSpec::default()
        })
        .await;

    let leg = leave_for_provider(
        &app,
        "/link",
        &format!("client_id={client}&scope=info,income"),
    )
    .await;
    let code = op.sign_in(&leg.request, NIN);
    let back = come_back(&app, &leg, &format!("code={code}")).await;
    let next = back.location().unwrap().to_owned();
    let consent = app.get(&next).await;
    let done = app
        .post_form(
            &format!("{next}/consent"),
            &[("csrf", &consent.csrf()), ("decision", "accept")],
        )
        .await;
    let user = done.callback_params()["code"].clone();

    // Written with the consent: new, with the national ID sealed.
    let collection = app.store.latest_collection(&user).await.unwrap().unwrap();
    assert_eq!(collection.status.as_str(), "new");
    let sealed = collection.national_id_sealed.clone().unwrap();
    assert!(!sealed.contains(NIN));
    let token = app.client_token(&client).await;
    let body = app
        .api_get(&format!("/api/1.0/personal/{user}"), &token)
        .await
        .json();
    assert_eq!(body["status"], "new", "{body}");

    // A worker runs it: the source gets the signed-in person's number.
    let worker = Worker {
        store: app.store.clone(),
        sources,
        key: app.key.clone(),
        http: Worker::http_client().unwrap(),
        clock: app.clock.clone(),
        id: "w-e2e".into(),
        metrics: app.state.metrics.clone(),
        lease_margin: consent_link::collect::worker::LEASE_MARGIN,
    };
    assert!(worker.run_one().await.unwrap());
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].1["national_id"], NIN);
    assert_eq!(seen[0].1["request_id"], collection.id.as_str());
    let body = app
        .api_get(&format!("/api/1.0/loan_applications/{user}"), &token)
        .await
        .json();
    assert_eq!(body["status"], "done", "{body}");
    assert_eq!(body["personal"]["first_name"], "KARI");
    assert!(body.get("test").is_none());
    let ended = app.collection(&collection.id).await;
    assert!(
        ended.national_id_sealed.is_none(),
        "the national ID is gone"
    );
}

#[tokio::test]
async fn a_test_flow_collects_from_the_test_source_never_from_the_configured_ones() {
    let op = Op::start().await;
    let mut app = app_with(&op.issuer()).await;
    let (fake, url) = fake_source(vec![(200, both_body(), None)]).await;
    let text = format!("[[source]]\nid = \"t\"\nscopes = [\"info\"]\nurl = \"{url}\"\n");
    let test_source = app.state.sources.test_source().to_owned();
    app.state.sources = Arc::new(
        consent_link::sources::parse(&text, &|_| None)
            .unwrap()
            .with_test_source_id(&test_source),
    );
    app.router = consent_link::app(app.state.clone());
    let client = app.client().await; // a test client
    let user = app.link_user(&client, "info", "kari").await;
    let collection = app.store.latest_collection(&user).await.unwrap().unwrap();
    assert_eq!(collection.status.as_str(), "new");
    assert_eq!(app.collect().await, 1, "one job, the test source's");
    assert!(fake.seen.lock().unwrap().is_empty());
    let collection = app.collection(&collection.id).await;
    assert_eq!(collection.status.as_str(), "done");
    assert!(
        collection.national_id_sealed.is_none(),
        "forgotten when it ended"
    );
}

/// Two sources, one of which keeps failing: the other's scope is served,
/// the failed one is absent, and the status says `partially_done`.
#[tokio::test]
async fn two_sources_where_one_fails_is_partially_done() {
    let op = Op::start().await;
    let (good, good_url) = fake_source(vec![(
        200,
        json!({"data": {"info": crate::collect::info_body()}}).to_string(),
        None,
    )])
    .await;
    let (bad, bad_url) = fake_source(vec![(503, "down".into(), None)]).await;
    let port = |url: &str| url.chars().filter(char::is_ascii_digit).collect::<String>();
    let text = format!(
        "[[source]]\nid = \"good-{}\"\nscopes = [\"info\"]\nurl = \"{good_url}\"\n\
         [[source]]\nid = \"bad-{}\"\nscopes = [\"income\"]\nurl = \"{bad_url}\"\nattempts = 2\n",
        port(&good_url),
        port(&bad_url)
    );
    let app = app_with(&op.issuer()).await.with_sources(&text);
    let client = app
        .register(ClientSpec {
            test_allowed: false,
            ..ClientSpec::default()
        })
        .await;
    let user = super::link_for(&app, &op, &client, NIN, "info,income").await["code"].clone();
    assert_eq!(app.collect().await, 2, "each source once");
    app.clock.advance(60);
    assert_eq!(app.collect().await, 1, "the failing source's retry");
    let token = app.client_token(&client).await;
    let body = app
        .api_get(&format!("/api/1.0/loan_applications/{user}"), &token)
        .await
        .json();
    assert_eq!(body["status"], "partially_done", "{body}");
    assert_eq!(body["personal"]["ssn"], "15878512345");
    assert!(body.get("income").is_none() && body.get("employment").is_none());
    let scopes_seen = |fake: &crate::collect::Fake| -> Vec<Value> {
        fake.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| b["scopes"].clone())
            .collect()
    };
    assert_eq!(scopes_seen(&good), [json!(["info"])]);
    assert_eq!(scopes_seen(&bad), [json!(["income"]), json!(["income"])]);
}

/// A consent whose collection cannot start (here: the source serving its
/// scope was removed between the link's start and the consent) ends at
/// once as `error`, never `new` for ever, and replaces any earlier one.
#[tokio::test]
async fn a_consent_whose_collection_cannot_start_ends_as_error() {
    let op = Op::start().await;
    let before = super::app_with(&op.issuer())
        .await
        .with_sources(&uncalled_source("info"));
    let client = before
        .register(ClientSpec {
            test_allowed: false,
            ..ClientSpec::default()
        })
        .await;
    let leg =
        super::leave_for_provider(&before, "/link", &format!("client_id={client}&scope=info"))
            .await;
    let code = op.sign_in(&leg.request, NIN);
    // The deploy that drops the source: same database and key.
    let after = before.redeployed(super::upstream_for(&op.issuer()));
    let back = super::come_back(&after, &leg, &format!("code={code}")).await;
    let next = back.location().unwrap().to_owned();
    let consent = after.get(&next).await;
    let done = after
        .post_form(
            &format!("{next}/consent"),
            &[("csrf", &consent.csrf()), ("decision", "accept")],
        )
        .await;
    let user = done.callback_params()["code"].clone();
    let collection = after.store.latest_collection(&user).await.unwrap().unwrap();
    assert_eq!(collection.status.as_str(), "error");
    assert!(collection.national_id_sealed.is_none());
    let token = after.client_token(&client).await;
    let body = after
        .api_get(&format!("/api/1.0/personal/{user}"), &token)
        .await
        .json();
    assert_eq!(body["status"], "error", "{body}");
}
