//! Token revocation (RFC 7009) and introspection (RFC 7662), driven as
//! integrators would: each client with its own credentials.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::support::*;

/// `POST {endpoint}` for `token`, authenticated as `client` (form
/// credentials, test secret).
async fn ask(app: &TestApp, endpoint: &str, client: &str, token: &str) -> Page {
    app.post_form(
        endpoint,
        &[
            ("token", token),
            ("client_id", client),
            ("client_secret", "secret"),
        ],
    )
    .await
}

async fn introspect(app: &TestApp, client: &str, token: &str) -> serde_json::Value {
    let res = ask(app, "/oauth/introspect", client, token).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    res.json()
}

#[tokio::test]
async fn introspection_describes_a_live_user_token_and_revocation_ends_it() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let (token, user) = app.user_token(&client, "info%20income").await;

    let about = introspect(&app, &client, &token).await;
    assert_eq!(about["active"], true, "{about}");
    assert_eq!(about["sub"], user.as_str());
    assert_eq!(about["client_id"], client.as_str());
    assert_eq!(about["scope"], "info income");
    assert_eq!(about["token_type"], "Bearer");
    assert_eq!(about["iss"], ISSUER);
    let exp = about["exp"].as_i64().unwrap();
    assert_eq!(exp - about["iat"].as_i64().unwrap(), 3600);

    let res = ask(&app, "/oauth/revoke", &client, &token).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.is_empty(), "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    // The token reads nothing now, and says so when asked.
    let read = app
        .api_get(&format!("/api/1.0/personal/{user}"), &token)
        .await;
    assert_eq!(read.status, StatusCode::UNAUTHORIZED, "{}", read.body);
    assert_eq!(
        introspect(&app, &client, &token).await,
        serde_json::json!({"active": false})
    );
    // Revoking it again, or revoking what was never a token, is fine.
    for again in [token.as_str(), "never-a-token"] {
        let res = ask(&app, "/oauth/revoke", &client, again).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
}

#[tokio::test]
async fn a_client_can_neither_revoke_nor_inspect_another_clients_token() {
    let app = TestApp::new().await;
    let victim = app.client().await;
    let attacker = app.client().await;
    let (token, user) = app.user_token(&victim, "info").await;

    let res = ask(&app, "/oauth/revoke", &attacker, &token).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(res.json()["error"], "unauthorized_client");
    let read = app
        .api_get(&format!("/api/1.0/personal/{user}"), &token)
        .await;
    assert_eq!(read.status, StatusCode::OK, "still revoked: {}", read.body);

    // Another client's live token is inactive to this one: nothing about
    // it (not its user, not its scopes) is told.
    assert_eq!(
        introspect(&app, &attacker, &token).await,
        serde_json::json!({"active": false})
    );
    assert_eq!(introspect(&app, &victim, &token).await["active"], true);
}

#[tokio::test]
async fn revocation_and_introspection_authenticate_the_client_as_the_token_endpoint() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let token = app.client_token(&client).await;
    for endpoint in ["/oauth/revoke", "/oauth/introspect"] {
        let anonymous = app.post_form(endpoint, &[("token", &token)]).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{endpoint}");
        assert_eq!(anonymous.json()["error"], "invalid_client");
        let wrong = app
            .post_form(
                endpoint,
                &[
                    ("token", &token),
                    ("client_id", &client),
                    ("client_secret", "wrong"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{endpoint}");
        assert!(wrong.header("www-authenticate").is_some());
        let missing = app
            .post_form(
                endpoint,
                &[("client_id", &client), ("client_secret", "secret")],
            )
            .await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{endpoint}");
        assert_eq!(missing.json()["error"], "invalid_request");
        let repeated = app
            .post_form(
                endpoint,
                &[
                    ("token", &token),
                    ("token", "other"),
                    ("client_id", &client),
                    ("client_secret", "secret"),
                ],
            )
            .await;
        assert_eq!(repeated.json()["error"], "invalid_request", "{endpoint}");
    }
    // HTTP Basic works too; none of the above revoked the token.
    let basic = app
        .post_form_with(
            "/oauth/introspect",
            &[("token", &token)],
            &[(
                "authorization",
                &format!("Basic {}", b64(&format!("{client}:secret"))),
            )],
        )
        .await;
    let about = basic.json();
    assert_eq!(about["active"], true, "{about}");
    assert!(about.get("sub").is_none(), "a client token has no user");
    assert_eq!(about["scope"], "vehicles unsecured_loans info income");
}

#[tokio::test]
async fn a_public_client_may_revoke_but_not_introspect() {
    let app = TestApp::new().await;
    let public = app
        .register(ClientSpec {
            confidential: false,
            ..ClientSpec::default()
        })
        .await;
    let res = app
        .post_form(
            "/oauth/introspect",
            &[("token", "anything"), ("client_id", &public)],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(res.json()["error"], "unauthorized_client");
    let res = app
        .post_form(
            "/oauth/revoke",
            &[("token", "anything"), ("client_id", &public)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn a_withdrawn_consents_tokens_are_inactive() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let (token, user) = app.user_token(&client, "info").await;
    let res = app
        .send(
            Request::delete(format!("/api/1.0/consents/{user}"))
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(res.status.is_success(), "{} {}", res.status, res.body);
    assert_eq!(introspect(&app, &client, &token).await["active"], false);
}

#[tokio::test]
async fn the_metadata_lists_revocation_and_introspection() {
    let app = TestApp::new().await;
    let meta = app
        .get("/.well-known/oauth-authorization-server")
        .await
        .json();
    assert_eq!(
        meta["revocation_endpoint"],
        format!("{ISSUER}/oauth/revoke").as_str()
    );
    assert_eq!(
        meta["introspection_endpoint"],
        format!("{ISSUER}/oauth/introspect").as_str()
    );
    let methods = meta["introspection_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap();
    assert!(!methods.iter().any(|m| m == "none"), "{methods:?}");
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}
