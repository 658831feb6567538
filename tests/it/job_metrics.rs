//! The collection job gauges on `/metrics` (issue 14, item 6): counted in
//! the database at scrape time, so that with several instances each
//! reports every instance's jobs, and a job whose instance died shows as
//! queued again once its lease runs out.

use consent_link::store::{NewCollection, NewJob};

use crate::support::*;

/// `consent_link_collection_jobs{source,state}` for `source` in a scrape:
/// (queued, running), `None` when absent.
async fn gauges(app: &TestApp, source: &str) -> Option<(i64, i64)> {
    let page = app.metrics().await;
    assert_eq!(page.status, 200, "{}", page.body);
    let value = |state: &str| {
        let series =
            format!("consent_link_collection_jobs{{source=\"{source}\",state=\"{state}\"}} ");
        page.body
            .lines()
            .find_map(|line| line.strip_prefix(&series))
            .map(|v| v.parse::<i64>().unwrap())
    };
    Some((value("queued")?, value("running")?))
}

#[tokio::test]
async fn metrics_count_queued_and_running_jobs_by_source() {
    let app = TestApp::new().await;
    // This test's own source: the database may be shared.
    let source = format!("src-{}", uuid::Uuid::new_v4().simple());
    let text = format!(
        "[[source]]\nid = \"{source}\"\nscopes = [\"info\"]\nurl = \"http://127.0.0.1:9/\"\n"
    );
    let app = app.with_sources(&text);
    // A configured source without jobs is 0, not absent; so is the
    // built-in test source, which every instance runs.
    assert_eq!(gauges(&app, &source).await, Some((0, 0)));
    let test_source = app.state.sources.test_source().to_owned();
    assert_eq!(gauges(&app, &test_source).await, Some((0, 0)));

    let now = T0;
    let collection = uuid::Uuid::new_v4().to_string();
    app.store
        .insert_collection(
            &NewCollection {
                id: &collection,
                user_data_id: &uuid::Uuid::new_v4().to_string(),
                client_id: "c",
                scopes: "info",
                tax_entities: "[]",
                national_id_sealed: "sealed",
                now,
            },
            &[NewJob {
                id: &uuid::Uuid::new_v4().to_string(),
                source_id: &source,
                scopes: "info",
            }],
        )
        .await
        .unwrap();
    assert_eq!(gauges(&app, &source).await, Some((1, 0)));

    let job = app
        .store
        .take_job(&source, now, secs(60), "w")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gauges(&app, &source).await, Some((0, 1)));
    // The worker's process died: once the lease runs out, queued again.
    app.clock.advance(60);
    assert_eq!(gauges(&app, &source).await, Some((1, 0)));

    let again = app
        .store
        .take_job(&source, now + secs(60), secs(60), "w2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.id, job.id);
    assert_eq!(gauges(&app, &source).await, Some((0, 1)));
    app.store
        .finish_job(&again.id, "w2", &[], now + secs(61))
        .await
        .unwrap();
    assert_eq!(gauges(&app, &source).await, Some((0, 0)));
}
