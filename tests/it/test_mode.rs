//! A client is a test client or a production client (issue 11): an end
//! user cannot switch a production client's link into test mode, and
//! everything a test flow gives the integrator says `test`.

use axum::http::StatusCode;

use crate::support::*;

async fn production_client(app: &TestApp) -> String {
    app.register(ClientSpec {
        test_allowed: false,
        ..ClientSpec::default()
    })
    .await
}

#[tokio::test]
async fn an_end_user_cannot_switch_a_production_client_to_test_mode() {
    // A production client's link needs a source for its scopes.
    let app = TestApp::new().await.with_sources(&uncalled_source("info"));
    let client = production_client(&app).await;
    for flag in ["true", "1"] {
        // Redirect: the integrator hears of it; no test BankID is offered.
        let res = app
            .get(&format!(
                "/link?client_id={client}&scope=info&test={flag}&state=s"
            ))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let params = res.callback_params();
        assert_eq!(params["error"], "BAD_REQUEST");
        assert_eq!(params["state"], "s");
        assert!(!params.contains_key("test"));
        let res = app
            .get(&format!(
                "/oauth/authorize?client_id={client}&scope=info&test={flag}&response_type=code"
            ))
            .await;
        assert_eq!(res.callback_params()["error"], "unauthorized_client");
    }
    // Without the flag, the test BankID is neither shown nor accepted.
    let page = app
        .get(&format!("/link?client_id={client}&scope=info"))
        .await;
    assert!(!page.body.contains("test_bankid"), "{}", page.body);
    let res = app
        .post_form(
            &format!("{}/method", page.session_path()),
            &[("csrf", &page.csrf()), ("method", "test_bankid")],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_test_client_runs_test_flows_and_every_result_says_test() {
    let app = TestApp::new().await;
    let client = app.client().await;
    // No `test` parameter needed: the client is a test client.
    for entry in ["/link", "/oauth/authorize"] {
        let query = format!("client_id={client}&scope=info&response_type=code");
        let params = app.consent_as(entry, &query, "kari").await;
        assert_eq!(params["test"], "true", "{entry}: {params:?}");
        let res = app
            .get(&format!(
                "{entry}?client_id={client}&scope=bananas&response_type=code"
            ))
            .await;
        assert_eq!(res.callback_params()["test"], "true", "errors too");
    }
    // Iframe messages, status and result alike.
    let first = app
        .start(
            "/link",
            &format!("client_id={client}&scope=info&iframe=true"),
        )
        .await;
    let (_, messages) = first.frame_messages();
    assert!(messages.iter().all(|m| m["test"] == true), "{messages:?}");
    let (sid, csrf) = app.sign_in(&first, "kari").await;
    let done = app
        .post_form(
            &format!("{sid}/consent"),
            &[("csrf", &csrf), ("decision", "accept")],
        )
        .await;
    let (_, messages) = done.frame_messages();
    let code = messages.iter().find(|m| m["type"] == "code").unwrap();
    assert_eq!(code["test"], true);
    // Data bodies too.
    let user = code["code"].as_str().unwrap();
    let token = app.client_token(&client).await;
    for path in ["personal", "loan_applications"] {
        let body = app
            .api_get(&format!("/api/1.0/{path}/{user}"), &token)
            .await
            .json();
        assert_eq!(body["test"], true, "{path}: {body}");
    }
}

#[tokio::test]
async fn oauth2_iframe_results_name_the_issuer_rfc_9207() {
    let app = TestApp::new().await;
    let client = app.client().await;
    for (decision, kind) in [("decline", "error"), ("accept", "code")] {
        let first = app
            .start(
                "/oauth/authorize",
                &format!("client_id={client}&scope=info&iframe=true&response_type=code"),
            )
            .await;
        let (sid, csrf) = app.sign_in(&first, "kari").await;
        let done = app
            .post_form(
                &format!("{sid}/consent"),
                &[("csrf", &csrf), ("decision", decision)],
            )
            .await;
        let (_, messages) = done.frame_messages();
        let result = messages.iter().find(|m| m["type"] == kind).unwrap();
        assert_eq!(result["iss"], ISSUER, "{decision}: {result}");
    }
}
