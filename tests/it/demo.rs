//! Issue 11: the demo is opt-in, and its callback reads data only for a
//! flow the same browser started from `/demo`.

use axum::http::StatusCode;

use crate::headers::{demo_cookie, demo_link};
use crate::support::*;

#[tokio::test]
async fn the_demo_routes_exist_only_when_the_demo_is_on() {
    let app = TestApp::new().await;
    consent_link::ensure_demo_client(app.store.as_ref(), &app.key, ISSUER, T0)
        .await
        .unwrap();
    assert_eq!(app.get("/demo").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/demo/callback?code=x").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.with_demo().get("/demo").await.status, StatusCode::OK);
}

/// The query the demo's callback gets back from a flow.
fn query_of(params: &std::collections::HashMap<String, String>) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={}&", enc(v)))
        .collect()
}

fn read_data(page: &Page) -> bool {
    html_unescape(&page.body).contains("\"ssn\"")
}

#[tokio::test]
async fn the_demo_callback_reads_nothing_for_a_code_it_is_given_alone() {
    let app = TestApp::new().await.with_demo();
    consent_link::ensure_demo_client(app.store.as_ref(), &app.key, ISSUER, T0)
        .await
        .unwrap();
    let victim_demo = app.get("/demo").await;
    let victim_cookie = demo_cookie(&victim_demo);
    let attacker_demo = app.get("/demo").await;
    let attacker_cookie = demo_cookie(&attacker_demo);
    assert_ne!(victim_cookie, attacker_cookie);

    // The victim's Link-entry flow: the code is her permanent user ID.
    let (path, query) = demo_link(&victim_demo, "demo-redirect-en");
    let victim = app.consent_as(&path, &query, "kari").await;
    let user_id = &victim["code"];
    let attacks = [
        (format!("code={}", enc(user_id)), None),
        (query_of(&victim), None),
        (query_of(&victim), Some(attacker_cookie.as_str())),
        (
            format!("code={}", enc(user_id)),
            Some(attacker_cookie.as_str()),
        ),
    ];
    for (query, cookie) in &attacks {
        let headers: Vec<(&str, &str)> = cookie.iter().map(|c| ("cookie", *c)).collect();
        let page = app
            .get_with(&format!("/demo/callback?{query}"), &headers)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!read_data(&page), "data read for {query} {cookie:?}");
        assert!(!page.body.contains("/api/1.0/auth"), "{}", page.body);
        assert!(page.body.contains("id=\"demo-not-this-browser\""));
    }

    // The attacker's own cookie and the state of its own completed flow
    // (as Ola), with the victim's user ID: still nothing.
    let (path, query) = demo_link(&attacker_demo, "demo-redirect-en");
    let own = app.consent_as(&path, &query, "ola").await;
    app.collect().await;
    let forged = format!("code={}&state={}", enc(user_id), enc(&own["state"]));
    let page = app
        .get_with(
            &format!("/demo/callback?{forged}"),
            &[("cookie", &attacker_cookie)],
        )
        .await;
    assert!(!read_data(&page), "the attacker read the victim's data");
    // Its own result, as it came back, does read (Ola's data).
    let page = app
        .get_with(
            &format!("/demo/callback?{}", query_of(&own)),
            &[("cookie", &attacker_cookie)],
        )
        .await;
    assert!(read_data(&page), "{}", page.body);

    // The victim's OAuth2-entry code, lifted before she came back: the
    // attacker's browser reads nothing and does not use the code up.
    let (path, query) = demo_link(&victim_demo, "demo-oauth");
    let victim = app.consent_as(&path, &query, "kari").await;
    app.collect().await;
    let page = app
        .get_with(
            &format!("/demo/callback?{}", query_of(&victim)),
            &[("cookie", &attacker_cookie)],
        )
        .await;
    assert!(!read_data(&page));
    let own = app
        .get_with(
            &format!("/demo/callback?{}", query_of(&victim)),
            &[("cookie", &victim_cookie)],
        )
        .await;
    assert!(read_data(&own), "{}", own.body);
}
