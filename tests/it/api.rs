//! The data API: who reads what, the bodies' fields, withdrawal, pagination.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

use crate::support::*;

const ALL: &str = "info,income,vehicles,unsecured_loans,student_loan,e_invoices";

async fn all_scopes_client(app: &TestApp) -> String {
    app.register(ClientSpec {
        scopes: ALL,
        ..ClientSpec::default()
    })
    .await
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

fn assert_api_error(res: &Page, status: StatusCode, name: &str) {
    assert_eq!(res.status, status, "{}", res.body);
    let body = res.json();
    assert_eq!(
        body["type"], "error",
        "the docs' error format: {}",
        res.body
    );
    assert_eq!(body["error"]["status"], name, "{}", res.body);
    assert!(body["error"]["message"].is_string());
}

/// A read that must succeed, with the fields every body has.
async fn read_ok(app: &TestApp, path: &str, user: &str, token: &str) -> Value {
    let uri = format!("/api/1.0/{path}/{user}");
    let res = app.api_get(&uri, token).await;
    assert_eq!(res.status, StatusCode::OK, "{uri}: {}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    assert_eq!(body["user_data_id"], user);
    assert_eq!(body["status"], "done");
    body
}

async fn delete(app: &TestApp, uri: &str, token: &str) -> Page {
    app.send(
        Request::delete(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_client_token_reads_every_endpoint_in_the_products_field_names() {
    let app = TestApp::new().await;
    let client = all_scopes_client(&app).await;
    let user = app.link_user(&client, ALL, "kari").await;
    app.collect().await;
    let token = app.client_token(&client).await;
    let get = |path: &'static str| read_ok(&app, path, &user, &token);
    let personal = get("personal").await;
    assert_eq!(personal["personal"]["ssn"], "15878512345");
    for field in [
        "first_name",
        "last_name",
        "birth_date",
        "address",
        "marital_status",
    ] {
        assert!(
            personal["personal"].get(field).is_some(),
            "personal.{field}"
        );
    }
    let loans = get("loans").await;
    let types: Vec<&str> = loans["loans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    for t in ["credit_card", "consumner_loan", "charge_card"] {
        assert!(types.contains(&t), "{types:?}");
    }
    assert!(loans["student_loan"].get("balance").is_some());
    assert_eq!(loans["total"], types.len());
    let vehicles = get("vehicles").await;
    assert!(vehicles["vehicles"].get("vehicles_detailed").is_some());
    let income = get("income").await;
    assert!(income["income"]["payslips"].is_array());
    assert!(income["income"]["employers"].is_array());
    let invoices = get("invoices").await;
    assert_eq!(invoices["total"], 7);
    let combined = get("loan_applications").await;
    assert_eq!(
        keys(&combined),
        [
            "employment",
            "income",
            "invoices",
            "loans",
            "personal",
            "status",
            "student_loan",
            "test",
            "user_data_id",
            "vehicles"
        ]
    );
    assert_eq!(combined["personal"], personal["personal"]);
}

#[tokio::test]
async fn only_consented_scopes_are_returned_and_others_are_403() {
    let app = TestApp::new().await;
    let client = all_scopes_client(&app).await;
    let user = app.link_user(&client, "info,student_loan", "kari").await;
    app.collect().await;
    let token = app.client_token(&client).await;
    for path in ["vehicles", "income", "invoices"] {
        let res = app
            .api_get(&format!("/api/1.0/{path}/{user}"), &token)
            .await;
        assert_api_error(&res, StatusCode::FORBIDDEN, "FORBIDDEN");
    }
    // Loans answers with the student loan only: unsecured loans were not
    // consented.
    let loans = app
        .api_get(&format!("/api/1.0/loans/{user}"), &token)
        .await
        .json();
    assert!(loans.get("loans").is_none(), "{loans}");
    assert!(loans["student_loan"].get("balance").is_some());
    let combined = app
        .api_get(&format!("/api/1.0/loan_applications/{user}"), &token)
        .await
        .json();
    assert_eq!(
        keys(&combined),
        ["personal", "status", "student_loan", "test", "user_data_id"]
    );
}

#[tokio::test]
async fn unknown_ids_and_ids_of_other_clients_are_404_alike() {
    let app = TestApp::new().await;
    let (a, b) = (app.client().await, app.client().await);
    let user_a = app.link_user(&a, "info", "kari").await;
    let token_b = app.client_token(&b).await;
    let other = app
        .api_get(&format!("/api/1.0/personal/{user_a}"), &token_b)
        .await;
    assert_api_error(&other, StatusCode::NOT_FOUND, "NOT_FOUND");
    let unknown = app
        .api_get(
            &format!("/api/1.0/personal/{}", uuid::Uuid::new_v4()),
            &token_b,
        )
        .await;
    assert_api_error(&unknown, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert_eq!(other.body, unknown.body, "nothing tells the two apart");
    let withdraw = delete(&app, &format!("/api/1.0/consents/{user_a}"), &token_b).await;
    assert_api_error(&withdraw, StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[tokio::test]
async fn a_code_token_reads_only_its_own_user_within_its_scopes() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let other_user = app.link_user(&client, "info,income", "ola").await;
    let (token, user) = app.user_token(&client, "income").await;
    let (token, user) = (token.as_str(), user.as_str());
    // The same person re-consents on the Link entry with more scopes; the
    // token still reads only what its own code was for.
    assert_eq!(app.link_user(&client, "info,income", "kari").await, user);
    let income = app.api_get(&format!("/api/1.0/income/{user}"), token).await;
    assert_eq!(income.status, StatusCode::OK, "{}", income.body);
    let personal = app
        .api_get(&format!("/api/1.0/personal/{user}"), token)
        .await;
    assert_api_error(&personal, StatusCode::FORBIDDEN, "FORBIDDEN");
    let other = app
        .api_get(&format!("/api/1.0/income/{other_user}"), token)
        .await;
    assert_api_error(&other, StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[tokio::test]
async fn reads_without_a_valid_token_are_401() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let user = app.link_user(&client, "info", "kari").await;
    let uri = format!("/api/1.0/personal/{user}");
    let none = app.get(&uri).await;
    assert_api_error(&none, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    assert_eq!(
        none.header("www-authenticate"),
        Some("Bearer realm=\"consent-link\"")
    );
    let basic = app.get_with(&uri, &[("authorization", "Basic YTpi")]).await;
    assert_api_error(&basic, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    let made_up = app.api_get(&uri, "made-up-token").await;
    assert_api_error(&made_up, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    assert!(made_up
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_token"));
}

#[tokio::test]
async fn a_withdrawn_consent_reads_nothing_and_its_tokens_are_revoked() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let (user_token, user) = app.user_token(&client, "info").await;
    let user_token = user_token.as_str();
    let client_token = app.client_token(&client).await;
    let uri = format!("/api/1.0/personal/{user}");
    assert_eq!(
        app.api_get(&uri, &client_token).await.status,
        StatusCode::OK
    );

    let res = delete(&app, &format!("/api/1.0/consents/{user}"), &client_token).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let read = app.api_get(&uri, &client_token).await;
    assert_api_error(&read, StatusCode::GONE, "CONSENT_WITHDRAWN");
    let read = app.api_get(&uri, user_token).await;
    assert_api_error(&read, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    // Withdrawing again is harmless, so a retry is safe.
    let again = delete(&app, &format!("/api/1.0/consents/{user}"), &client_token).await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn lists_are_paginated_and_bad_page_parameters_are_400() {
    let app = TestApp::new().await;
    let client = all_scopes_client(&app).await;
    let user = app.link_user(&client, ALL, "kari").await;
    app.collect().await;
    let token = app.client_token(&client).await;
    let mut seen = Vec::new();
    for (page, expected) in [(1, 3), (2, 3), (3, 1), (4, 0)] {
        let body = app
            .api_get(
                &format!("/api/1.0/invoices/{user}?page={page}&per_page=3"),
                &token,
            )
            .await
            .json();
        assert_eq!(body["total"], 7);
        assert_eq!(body["page"], page);
        assert_eq!(body["per_page"], 3);
        let items = body["invoices"].as_array().unwrap();
        assert_eq!(items.len(), expected, "page {page}");
        seen.extend(items.iter().map(|i| i["id"].clone()));
    }
    let all = app
        .api_get(&format!("/api/1.0/invoices/{user}"), &token)
        .await
        .json();
    let ids: Vec<Value> = all["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(seen, ids, "pages in order");
    // Without `page`/`per_page` the answer is the whole list, not a page
    // ("by default shows all").
    assert_eq!(all["total"], 7);
    assert!(
        all.get("page").is_none() && all.get("per_page").is_none(),
        "{all}"
    );
    let first = app
        .api_get(&format!("/api/1.0/loans/{user}?per_page=1"), &token)
        .await
        .json();
    assert_eq!(first["loans"].as_array().unwrap().len(), 1);
    for bad in ["page=0", "per_page=101", "per_page=x", "page=1&page=2"] {
        let res = app
            .api_get(&format!("/api/1.0/invoices/{user}?{bad}"), &token)
            .await;
        assert_api_error(&res, StatusCode::BAD_REQUEST, "BAD_REQUEST");
    }
}

#[tokio::test]
async fn test_persons_data_statuses_and_empty_scopes() {
    let app = TestApp::new().await;
    let client = all_scopes_client(&app).await;
    let token = app.client_token(&client).await;
    let sigrid = app.link_user(&client, ALL, "sigrid").await;
    app.collect().await;
    let body = app
        .api_get(&format!("/api/1.0/loan_applications/{sigrid}"), &token)
        .await
        .json();
    assert_eq!(body["status"], "error");
    assert_eq!(body["user_data_id"], sigrid.as_str());
    let ingrid = app.link_user(&client, ALL, "ingrid").await;
    app.collect().await;
    let loans = app
        .api_get(&format!("/api/1.0/loans/{ingrid}"), &token)
        .await
        .json();
    assert_eq!(loans["status"], "done");
    assert_eq!(loans["loans"], serde_json::json!([]));
    assert_eq!(loans["student_loan"], serde_json::json!({}));
    let vehicles = app
        .api_get(&format!("/api/1.0/vehicles/{ingrid}"), &token)
        .await
        .json();
    assert_eq!(vehicles["vehicles"]["vehicles"], serde_json::json!([]));
}

#[tokio::test]
async fn a_server_fault_is_json_in_the_docs_error_format_with_only_the_request_id() {
    use consent_link::flow::Transition;
    use consent_link::store::NewConsent;

    let url = own_database_url().await;
    let app = TestApp::on_database(
        &url,
        "test-key-test-key-test-key-test-key",
        T0,
        no_methods(),
    )
    .await;
    let client = app.client().await;
    let token = app.client_token(&client).await;
    // A consent whose stored scopes no longer parse: the server's fault.
    let h = format!("s-{}", uuid::Uuid::new_v4());
    let mut row = crate::store_contract::session(&client, &h);
    row.step = consent_link::flow::Step::Authenticated;
    app.store.insert_link_session(&row, T0).await.unwrap();
    let user = uuid::Uuid::new_v4().to_string();
    let consent = NewConsent {
        user_data_id: &user,
        client_id: &client,
        subject_hash: "subject",
        test_person: Some("kari"),
        test: true,
        scopes: &consent_link::oauth2::scope::Scopes::parse("info").unwrap(),
        now: T0,
        expires_at: T0 + secs(90 * 86_400),
        granted: consent_link::store::GrantedBy(&|id, renewed| {
            consent_link::consent_granted(id, "info", renewed, T0)
        }),
        collection: consent_link::store::CollectionPlan {
            id: &uuid::Uuid::new_v4().to_string(),
            jobs: &[],
        },
    };
    let advance = crate::store_contract::advance(&h, Transition::Complete, T0);
    let stored = app.store.complete_with_consent(&advance, &consent, None);
    assert_eq!(stored.await.unwrap().as_deref(), Some(user.as_str()));
    let corrupt = "UPDATE consents SET scopes = 'bananas' WHERE user_data_id = $1";
    execute_raw(&url, corrupt, &[&user]).await;
    let res = app
        .api_get(&format!("/api/1.0/personal/{user}"), &token)
        .await;
    assert_api_error(&res, StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR");
    let message = res.json()["error"]["message"].as_str().unwrap().to_owned();
    let request_id = res.header("x-request-id").unwrap();
    assert!(message.contains(request_id), "{message}");
    assert!(
        !res.body.contains("bananas"),
        "no detail leaks: {}",
        res.body
    );
}
