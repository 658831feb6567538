//! Test mode runs through the collection pipeline (issue 14, item 4): a
//! test flow's consent writes a collection for the built-in test source,
//! workers run it as any other, and the test persons show each status an
//! integrator's polling and webhook code must handle.

use consent_link::Clock;
use serde_json::Value;

use crate::support::*;

const ALL_BUT_TAX: &str = "info,unsecured_loans,student_loan,vehicles,income,e_invoices";

async fn setup(person: &str, scope: &str) -> (TestApp, String, String) {
    let app = TestApp::new().await;
    let client = app
        .register(ClientSpec {
            scopes: ALL_BUT_TAX,
            ..ClientSpec::default()
        })
        .await;
    let user = app.link_user(&client, scope, person).await;
    let token = app.client_token(&client).await;
    (app, user, token)
}

async fn read(app: &TestApp, user: &str, token: &str) -> Value {
    let res = app
        .api_get(&format!("/api/1.0/loan_applications/{user}"), token)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

#[tokio::test]
async fn a_test_consent_is_new_until_a_worker_collects_it_from_the_test_source() {
    let (app, user, token) = setup("kari", ALL_BUT_TAX).await;
    let body = read(&app, &user, &token).await;
    assert_eq!(body["status"], "new", "{body}");
    assert!(body.get("personal").is_none(), "nothing before collection");
    assert_eq!(body["test"], true);
    let collection = app.store.latest_collection(&user).await.unwrap().unwrap();
    assert!(collection.national_id_sealed.is_some());

    assert_eq!(app.collect().await, 1);
    let body = read(&app, &user, &token).await;
    assert_eq!(body["status"], "done", "{body}");
    assert_eq!(body["personal"]["ssn"], "15878512345");
    assert_eq!(body["loans"].as_array().map(Vec::len), Some(3));
    assert_eq!(body["test"], true);
    let ended = app.collection(&collection.id).await;
    assert!(ended.national_id_sealed.is_none(), "forgotten at the end");
}

#[tokio::test]
async fn the_slow_test_person_stays_in_progress_for_about_ten_seconds() {
    let (app, user, token) = setup("tone", "info,income").await;
    assert_eq!(
        app.collect().await,
        1,
        "the first attempt: still collecting"
    );
    let body = read(&app, &user, &token).await;
    assert_eq!(body["status"], "in_progress", "{body}");
    assert!(body.get("personal").is_none());
    app.clock.advance(9);
    assert_eq!(app.collect().await, 0, "not due before ten seconds");
    assert_eq!(read(&app, &user, &token).await["status"], "in_progress");
    app.clock.advance(1);
    assert_eq!(app.collect().await, 1);
    let body = read(&app, &user, &token).await;
    assert_eq!(body["status"], "done", "{body}");
    assert_eq!(body["personal"]["first_name"], "TONE");
    assert!(body["income"]["payslips"].is_array());
}

#[tokio::test]
async fn the_partial_test_person_has_everything_but_income() {
    let (app, user, token) = setup("hans", "info,income,vehicles").await;
    app.collect().await;
    let body = read(&app, &user, &token).await;
    assert_eq!(body["status"], "partially_done", "{body}");
    assert_eq!(body["personal"]["ssn"], "21868223456");
    assert!(body["vehicles"].is_object());
    assert!(
        body.get("income").is_none() && body.get("employment").is_none(),
        "income failed: {body}"
    );
    // With only income asked, nothing is collected.
    let client = app
        .register(ClientSpec {
            scopes: "income",
            ..ClientSpec::default()
        })
        .await;
    let only_income = app.link_user(&client, "income", "hans").await;
    app.collect().await;
    let token = app.client_token(&client).await;
    let body = app
        .api_get(&format!("/api/1.0/income/{only_income}"), &token)
        .await
        .json();
    assert_eq!(body["status"], "error", "{body}");
}

#[tokio::test]
async fn the_failing_test_person_ends_in_error_with_no_data() {
    let (app, user, token) = setup("sigrid", ALL_BUT_TAX).await;
    app.collect().await;
    let body = read(&app, &user, &token).await;
    assert_eq!(body["status"], "error", "{body}");
    for key in ["personal", "loans", "vehicles", "income", "invoices"] {
        assert!(body.get(key).is_none(), "{key}: {body}");
    }
}

#[tokio::test]
async fn consenting_again_replaces_the_previous_collection_and_its_data() {
    let (app, user, token) = setup("kari", "info,income").await;
    app.collect().await;
    let first = app.store.latest_collection(&user).await.unwrap().unwrap();
    assert_eq!(first.status.as_str(), "done");
    assert_eq!(
        app.store.get_collected_data(&first.id).await.unwrap().len(),
        2
    );
    // The same person consents again to the same client, in the same
    // second, to less: one collection, the new one, and none of the old data.
    let client = app
        .store
        .get_consent(&user)
        .await
        .unwrap()
        .unwrap()
        .client_id;
    assert_eq!(app.link_user(&client, "info", "kari").await, user);
    let latest = app.store.latest_collection(&user).await.unwrap().unwrap();
    assert_ne!(latest.id, first.id);
    assert!(app.store.get_collection(&first.id).await.unwrap().is_none());
    assert!(app
        .store
        .get_collected_data(&first.id)
        .await
        .unwrap()
        .is_empty());
    let body = read(&app, &user, &token).await;
    assert_eq!(body["status"], "new", "{body}");
    assert!(body.get("income").is_none(), "{body}");
}

#[tokio::test]
async fn deleting_a_client_deletes_its_collections_jobs_and_data() {
    let (app, done_user, _) = setup("kari", "info").await;
    app.collect().await;
    let client = app
        .store
        .get_consent(&done_user)
        .await
        .unwrap()
        .unwrap()
        .client_id;
    let pending_user = app.link_user(&client, "info", "ola").await;
    let done = app
        .store
        .latest_collection(&done_user)
        .await
        .unwrap()
        .unwrap();
    let pending = app
        .store
        .latest_collection(&pending_user)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.store.get_collected_data(&done.id).await.unwrap().len(),
        1
    );
    assert!(app.store.delete_client(&client).await.unwrap());
    for c in [&done, &pending] {
        assert!(app.store.get_collection(&c.id).await.unwrap().is_none());
        assert!(app
            .store
            .get_collected_data(&c.id)
            .await
            .unwrap()
            .is_empty());
    }
    assert_eq!(app.collect().await, 0, "no job is left to call a source");
}

#[tokio::test]
async fn an_expired_sign_in_forgets_its_national_id() {
    let app = TestApp::new().await;
    // Long before every other test's sessions: the purge forgets every
    // expired session's number in a shared database, so this one's must
    // be the only sessions that expire by then.
    app.clock.advance(400_000 - app.clock.now().as_secs());
    let client = app.client().await;
    let first = app
        .start("/link", &format!("client_id={client}&scope=info"))
        .await;
    app.sign_in(&first, "kari").await; // sealed on the session, not consented
    let now = app.clock.now();
    assert_eq!(
        app.store.forget_expired_national_ids(now).await.unwrap(),
        0,
        "kept while the session lives"
    );
    app.clock.advance(1801);
    assert!(
        app.store
            .forget_expired_national_ids(app.clock.now())
            .await
            .unwrap()
            >= 1
    );
}
