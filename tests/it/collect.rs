//! Calls to a data source (issue 14, first slice): a real HTTP server on
//! loopback plays the source; each answer it can give is classified as
//! SPEC.md's source contract says.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use consent_link::collect::source::{call, Attempt, Request};
use consent_link::oauth2::scope::Scope;
use serde_json::{json, Value};

use consent_link::Clock;

use crate::support::*;
use consent_link::consent::EndedBy;

mod timing;

/// One answer: status, body, `Retry-After`.
pub(crate) type Answer = (u16, String, Option<&'static str>);

/// What the fake source answers, and what it saw.
#[derive(Clone, Default)]
pub(crate) struct Fake {
    answer: Arc<Mutex<Vec<Answer>>>,
    pub(crate) seen: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    delay: Arc<Mutex<Duration>>,
    /// When each request came and when each answer went, by the system
    /// clock.
    arrived: Arc<Mutex<Vec<SystemTime>>>,
    answered: Arc<Mutex<Vec<SystemTime>>>,
}

async fn collect(State(fake): State<Fake>, headers: HeaderMap, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    fake.arrived.lock().unwrap().push(SystemTime::now());
    fake.seen.lock().unwrap().push((headers, body));
    let delay = *fake.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let (status, text, retry_after) = {
        let mut answers = fake.answer.lock().unwrap();
        if answers.len() > 1 {
            answers.remove(0)
        } else {
            answers[0].clone()
        }
    };
    let mut res = (StatusCode::from_u16(status).unwrap(), text).into_response();
    if let Some(after) = retry_after {
        res.headers_mut()
            .insert("retry-after", after.parse().unwrap());
    }
    fake.answered.lock().unwrap().push(SystemTime::now());
    res
}

/// Starts the fake source; returns it and its URL.
pub(crate) async fn fake_source(answers: Vec<Answer>) -> (Fake, String) {
    let fake = Fake::default();
    *fake.answer.lock().unwrap() = answers;
    let app = Router::new()
        .route("/collect", post(collect))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (fake, format!("http://{addr}/collect"))
}

fn source(url: &str, extra: &str) -> consent_link::sources::Source {
    let text = format!(
        "[[source]]\nid = \"fake\"\nscopes = [\"info\", \"income\"]\nurl = \"{url}\"\ntoken_env = \"T\"\n{extra}"
    );
    let sources = consent_link::sources::parse(&text, &|_| Some("s3cret".into())).unwrap();
    sources.all()[0].clone()
}

const SCOPES: [Scope; 2] = [Scope::Info, Scope::Income];

async fn attempt(url: &str, extra: &str) -> Attempt {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let req = Request {
        request_id: "5d37d32f-637f-4ef8-8a76-cabb1681ed45",
        national_id: "15878512345",
        scopes: &SCOPES,
        tax_entities: &[],
        attempt: 1,
    };
    call(&http, &source(url, extra), &req).await
}

fn kari() -> &'static consent_link::test_persons::TestPerson {
    consent_link::test_persons::find("kari").unwrap()
}

/// Kari's bodies as the data API has them (the test data's).
pub(crate) fn info_body() -> Value {
    json!({ "personal": consent_link::testdata::personal(kari()) })
}

pub(crate) fn income_body() -> Value {
    json!({
        "income": consent_link::testdata::income(kari()),
        "employment": consent_link::testdata::employment(kari()),
    })
}

fn ok_body() -> String {
    json!({
        "data": {"info": info_body()},
        "errors": {"income": "no employer reported"}
    })
    .to_string()
}

#[tokio::test]
async fn a_fitting_answer_is_data_and_errors_and_the_request_is_the_contracts() {
    let (fake, url) = fake_source(vec![(200, ok_body(), None)]).await;
    let Attempt::Answered { data, errors } = attempt(&url, "").await else {
        panic!("a fitting answer was not taken");
    };
    assert_eq!(data[&Scope::Info]["personal"]["first_name"], "KARI");
    assert_eq!(errors[&Scope::Income], "no employer reported");
    let seen = fake.seen.lock().unwrap();
    let (headers, body) = &seen[0];
    assert_eq!(
        headers["idempotency-key"],
        "5d37d32f-637f-4ef8-8a76-cabb1681ed45"
    );
    assert_eq!(headers["authorization"], "Bearer s3cret");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        *body,
        json!({
            "request_id": "5d37d32f-637f-4ef8-8a76-cabb1681ed45",
            "national_id": "15878512345",
            "scopes": ["info", "income"],
            "tax_entities": [],
        })
    );
}

#[tokio::test]
async fn server_errors_and_429_are_retried_client_errors_and_misfits_are_not() {
    let (_, url) = fake_source(vec![(503, "down".into(), None)]).await;
    assert!(matches!(
        attempt(&url, "").await,
        Attempt::Retry { after: None, .. }
    ));
    let (_, url) = fake_source(vec![(429, "slow down".into(), Some("7"))]).await;
    assert_eq!(
        attempt(&url, "").await,
        Attempt::Retry {
            reason: "answered 429".into(),
            after: Some(Duration::from_secs(7))
        }
    );
    for (status, body) in [
        (400, ok_body()),
        (404, ok_body()),
        (200, "not json".into()),
        (200, json!({"data": {"info": info_body()}}).to_string()),
        (
            200,
            json!({"data": {"info": info_body()}, "errors": {"income": 5}}).to_string(),
        ),
        (302, ok_body()),
    ] {
        let (_, url) = fake_source(vec![(status, body.clone(), None)]).await;
        assert!(
            matches!(attempt(&url, "").await, Attempt::Failed(_)),
            "{status} {body}"
        );
    }
}

#[tokio::test]
async fn a_source_that_does_not_answer_in_time_or_at_all_is_retried() {
    let (fake, url) = fake_source(vec![(200, ok_body(), None)]).await;
    *fake.delay.lock().unwrap() = Duration::from_secs(3);
    let began = std::time::Instant::now();
    let got = attempt(&url, "timeout_secs = 1\n").await;
    assert!(matches!(got, Attempt::Retry { .. }), "{got:?}");
    assert!(began.elapsed() < Duration::from_millis(2500));
    // Nothing listens: refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let got = attempt(&format!("http://127.0.0.1:{port}/collect"), "").await;
    assert!(matches!(got, Attempt::Retry { .. }), "{got:?}");
}

/// A worker over this test's store, its clock and `url` as the source
/// `fake` (attempts 3).
fn worker(app: &TestApp, url: &str) -> consent_link::collect::worker::Worker {
    let text = format!(
        "[[source]]\nid = \"{}\"\nscopes = [\"info\", \"income\"]\nurl = \"{url}\"\nattempts = 3\ntimeout_secs = 2\n",
        source_id(url)
    );
    consent_link::collect::worker::Worker {
        store: app.store.clone(),
        sources: Arc::new(
            consent_link::sources::parse(&text, &|_| None)
                .unwrap()
                .with_test_source_id(app.state.sources.test_source()),
        ),
        key: app.key.clone(),
        http: consent_link::collect::worker::Worker::http_client().unwrap(),
        clock: app.clock.clone(),
        id: format!("w-{}", uuid::Uuid::new_v4()),
        metrics: app.state.metrics.clone(),
        lease_margin: consent_link::collect::worker::LEASE_MARGIN,
    }
}

/// The source's ID in one test: its own (the database may be shared).
fn source_id(url: &str) -> String {
    let port: String = url.chars().filter(char::is_ascii_digit).collect();
    format!("fake-{port}")
}

/// A collection of info and income for Kari, due now, from the source at
/// `url`.
async fn kari_collection(app: &TestApp, url: &str) -> String {
    kari_collection_for(app, url, &uuid::Uuid::new_v4().to_string()).await
}

async fn kari_collection_for(app: &TestApp, url: &str, user: &str) -> String {
    use consent_link::store::{NewCollection, NewJob};
    let id = uuid::Uuid::new_v4().to_string();
    // Bound to the subject of the consent to `user` (none: empty).
    let consent = app.store.get_consent(user).await.unwrap();
    let subject = consent.map(|c| c.subject_hash).unwrap_or_default();
    let sealed = app
        .key
        .seal("national_id", &[&subject], b"15878512345")
        .unwrap();
    let job = uuid::Uuid::new_v4().to_string();
    app.store
        .insert_collection(
            &NewCollection {
                id: &id,
                user_data_id: user,
                client_id: "c",
                scopes: "info,income",
                tax_entities: "[]",
                national_id_sealed: &sealed,
                now: app.clock.now(),
            },
            &[NewJob {
                id: &job,
                source_id: &source_id(url),
                scopes: "info,income",
            }],
        )
        .await
        .unwrap();
    id
}

pub(crate) fn both_body() -> String {
    json!({"data": {"info": info_body(), "income": income_body()}}).to_string()
}

#[tokio::test]
async fn a_source_that_fails_twice_then_answers_is_collected_with_one_request_id() {
    let app = TestApp::new().await;
    let (fake, url) = fake_source(vec![
        (503, "down".into(), None),
        (500, "down".into(), None),
        (200, both_body(), None),
    ])
    .await;
    let worker = worker(&app, &url);
    let id = kari_collection(&app, &url).await;
    assert!(worker.run_one().await.unwrap());
    let status = |app: &TestApp, id: String| {
        let store = app.store.clone();
        async move { store.get_collection(&id).await.unwrap().unwrap() }
    };
    assert_eq!(
        status(&app, id.clone()).await.status.as_str(),
        "in_progress"
    );
    // Not due again before the backoff (1 s, then 2 s).
    assert!(!worker.run_one().await.unwrap());
    app.clock.advance(1);
    assert!(worker.run_one().await.unwrap());
    app.clock.advance(2);
    assert!(worker.run_one().await.unwrap());
    let done = status(&app, id.clone()).await;
    assert_eq!(done.status.as_str(), "done");
    assert!(done.national_id_sealed.is_none(), "the national ID is gone");
    // Three attempts, one request ID, the signed-in person's number.
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    for (headers, body) in &seen {
        assert_eq!(headers["idempotency-key"], id.as_str());
        assert_eq!(body["request_id"], id.as_str());
        assert_eq!(body["national_id"], "15878512345");
    }
    // Stored sealed, and opens to what the source sent.
    let data = app.store.get_collected_data(&id).await.unwrap();
    assert_eq!(data.len(), 2);
    for (_, sealed) in &data {
        assert!(!sealed.contains("KARI"));
    }
    let info = app
        .key
        .open("collected_data", &[&id, "info"], &data[1].1)
        .unwrap();
    assert_eq!(data[1].0, "info");
    assert!(String::from_utf8(info).unwrap().contains("KARI"));
    // Operators see it: two retries and one collection, for this source.
    let metrics = app.metrics().await.body;
    let source = source_id(&url);
    for (outcome, n) in [("retried", 2), ("collected", 1)] {
        let line = format!(
            "consent_link_collection_attempts_total{{outcome=\"{outcome}\",source=\"{source}\"}} {n}"
        );
        assert!(metrics.contains(&line), "no {line} in\n{metrics}");
    }
    assert!(metrics.contains("consent_link_source_call_duration_seconds_bucket"));
}

#[tokio::test]
async fn a_source_that_always_fails_ends_in_error_after_its_attempts() {
    let app = TestApp::new().await;
    let (fake, url) = fake_source(vec![(500, "down".into(), None)]).await;
    let worker = worker(&app, &url);
    let id = kari_collection(&app, &url).await;
    for _ in 0..3 {
        assert!(worker.run_one().await.unwrap());
        app.clock.advance(60);
    }
    assert!(!worker.run_one().await.unwrap(), "no fourth attempt");
    assert_eq!(fake.seen.lock().unwrap().len(), 3);
    let c = app.collection(&id).await;
    assert_eq!(c.status.as_str(), "error");
    assert!(c.national_id_sealed.is_none());
    assert!(app.store.get_collected_data(&id).await.unwrap().is_empty());
}

#[tokio::test]
async fn one_scope_failing_at_the_source_is_partially_done() {
    let app = TestApp::new().await;
    let (_, url) = fake_source(vec![(200, ok_body(), None)]).await;
    let worker = worker(&app, &url);
    let id = kari_collection(&app, &url).await;
    assert!(worker.run_one().await.unwrap());
    let c = app.collection(&id).await;
    assert_eq!(c.status.as_str(), "partially_done");
}

/// Issue 14: a body that does not fit the data API's shape fails its
/// scope alone; the data API never serves it, and serves the one that fits.
#[tokio::test]
async fn a_body_that_does_not_fit_the_data_apis_shape_is_not_served() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let user = app.link_user(&client, "info,income", "kari").await;
    let token = app.client_token(&client).await;
    // A later collection than the test flow's own.
    app.clock.advance(1);
    let mut info = info_body();
    info["personal"]["kids"] = json!("two");
    let answer = json!({"data": {"info": info, "income": income_body()}});
    let (_, url) = fake_source(vec![(200, answer.to_string(), None)]).await;
    let id = kari_collection_for(&app, &url, &user).await;
    assert!(worker(&app, &url).run_one().await.unwrap());

    let c = app.collection(&id).await;
    assert_eq!(c.status.as_str(), "partially_done");
    let stored = app.store.get_collected_data(&id).await.unwrap();
    assert_eq!(
        stored.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
        ["income"]
    );
    let body = app
        .api_get(&format!("/api/1.0/loan_applications/{user}"), &token)
        .await
        .json();
    assert_eq!(body["status"], "partially_done", "{body}");
    assert!(body.get("personal").is_none(), "{body}");
    assert_eq!(body["income"], income_body()["income"]);
    assert_eq!(body["employment"], income_body()["employment"]);
}

/// Withdrawal during a collection leaves no data and no job, and the
/// worker that was running it writes nothing when it ends.
#[tokio::test]
async fn withdrawal_during_a_collection_leaves_no_data_and_no_job() {
    let db = database_url();
    let key = "test-key-test-key-test-key-test-key";
    let app = TestApp::on_database(&db, key, T0, no_methods()).await;
    let (_, url) = fake_source(vec![(200, both_body(), None)]).await;
    let user = uuid::Uuid::new_v4().to_string();
    // The consent the collections are under (a withdrawal ends only one).
    execute_raw(
        &db,
        "INSERT INTO consents (user_data_id, client_id, subject_hash, scopes, created_at, \
         updated_at, granted_at, expires_at) VALUES ($1, $2, '', 'info,income', 0, 0, 0, 4000000000)",
        &[&user, &format!("c-{user}")],
    )
    .await;
    // One finished earlier, one under way.
    let earlier = kari_collection_for(&app, &url, &user).await;
    let w = worker(&app, &url);
    assert!(w.run_one().await.unwrap());
    assert_eq!(
        app.store.get_collected_data(&earlier).await.unwrap().len(),
        2
    );
    // A new consent's collection replaces the earlier one and its data.
    let now_running = kari_collection_for(&app, &url, &user).await;
    assert!(app.store.get_collection(&earlier).await.unwrap().is_none());
    let source = source_id(&url);
    let job = app
        .store
        .take_job(&source, app.clock.now(), secs(60), "w-x")
        .await
        .unwrap()
        .unwrap();
    let consent = app.store.get_consent(&user).await.unwrap().unwrap();
    let withdrawn = consent_link::consent::Event::Withdrawn(EndedBy::Integrator);
    app.store
        .end_consent(&consent_link::store::ConsentEnd {
            user_data_id: &user,
            client_id: &consent.client_id,
            status: consent_link::consent::Status::Withdrawn,
            ended_by: EndedBy::Integrator,
            event: &withdrawn,
            webhook_id: "msg_withdrawn",
            webhook: "{}",
            now: app.clock.now(),
        })
        .await
        .unwrap();
    assert!(app
        .store
        .finish_job(&job.id, "w-x", &[("info", "late")], app.clock.now())
        .await
        .unwrap()
        .is_none());
    for id in [&earlier, &now_running] {
        assert!(app.store.get_collected_data(id).await.unwrap().is_empty());
    }
    let c = app.collection(&now_running).await;
    assert!(c.national_id_sealed.is_none());
    app.clock.advance(3600);
    assert!(!w.run_one().await.unwrap(), "no job is left");
    let c = app.collection(&now_running).await;
    assert_eq!(c.status.as_str(), "error");
}

/// The data API serves what was collected, with the collection's status;
/// a scope the source could not give is absent from the body.
#[tokio::test]
async fn the_data_api_serves_collected_data_with_its_status() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let user = app.link_user(&client, "info,income", "kari").await;
    let token = app.client_token(&client).await;
    let read = |path: &'static str| {
        let (app, user, token) = (&app, user.clone(), token.clone());
        async move {
            app.api_get(&format!("/api/1.0/{path}/{user}"), &token)
                .await
                .json()
        }
    };
    // A later collection (the test flow's own is a second older), under
    // way.
    app.clock.advance(1);
    let (_, url) = fake_source(vec![(200, ok_body(), None)]).await;
    let id = kari_collection_for(&app, &url, &user).await;
    let body = read("loan_applications").await;
    assert_eq!(body["status"], "new", "{body}");
    assert!(
        body.get("personal").is_none(),
        "nothing collected yet: {body}"
    );
    // Done, with one scope refused by the source.
    assert!(worker(&app, &url).run_one().await.unwrap());
    assert_eq!(app.collection(&id).await.status.as_str(), "partially_done");
    let body = read("loan_applications").await;
    assert_eq!(body["status"], "partially_done");
    assert_eq!(body["personal"]["first_name"], "KARI");
    assert!(
        body.get("income").is_none() && body.get("employment").is_none(),
        "{body}"
    );
    let personal = read("personal").await;
    assert_eq!(personal["personal"], info_body()["personal"]);
    assert_eq!(personal["status"], "partially_done");
}

/// A job whose source was removed from every instance's `--sources`
/// would keep its collection open, and the national ID sealed, for ever:
/// after ORPHAN_AFTER a worker ends it as failed.
#[tokio::test]
async fn a_job_of_a_source_no_longer_configured_is_ended_after_a_while() {
    let app = TestApp::new().await;
    // Long before every other test's jobs (jobs_contract's start at
    // 1 000 000), so that the sweep, which ends any unknown source's
    // overdue job in a shared database, ends only this test's.
    app.clock.advance(500_000 - app.clock.now().as_secs());
    let (_, url) = fake_source(vec![(200, both_body(), None)]).await;
    let (_, gone_url) = fake_source(vec![(200, both_body(), None)]).await;
    let kept = kari_collection(&app, &url).await;
    let orphan = kari_collection(&app, &gone_url).await;
    let w = worker(&app, &url); // knows `url`'s source only
    assert_eq!(w.end_orphaned_jobs().await.unwrap(), 0, "not overdue yet");
    let overdue = consent_link::collect::worker::ORPHAN_AFTER.as_secs() as i64 + 1;
    app.clock.advance(overdue);
    assert!(w.end_orphaned_jobs().await.unwrap() >= 1);
    let c = app.collection(&orphan).await;
    assert_eq!(c.status.as_str(), "error");
    assert!(c.national_id_sealed.is_none());
    let c = app.collection(&kept).await;
    assert_eq!(
        c.status.as_str(),
        "new",
        "a known source's job is left to run"
    );
}
