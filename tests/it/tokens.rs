//! Tokens: `POST /oauth/token` (both grants, both client authentications,
//! PKCE), `POST /api/1.0/auth`, and the RFC 8414 metadata.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use consent_link::crypto;
use tower::ServiceExt;

use crate::support::*;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn basic(client: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{client}:{secret}")))
}

/// An authorization code for `client` (scopes info and income), consented
/// by kari; `extra` is added to the authorize query.
async fn code_for(app: &TestApp, client: &str, extra: &str) -> String {
    app.oauth_code(client, "info%20income", extra).await
}

async fn exchange(app: &TestApp, client: &str, code: &str, extra: &[(&str, &str)]) -> Page {
    let mut fields = vec![("grant_type", "authorization_code"), ("code", code)];
    fields.extend_from_slice(extra);
    app.post_form_with(
        "/oauth/token",
        &fields,
        &[("authorization", &basic(client, "secret"))],
    )
    .await
}

fn assert_token_error(res: &Page, status: StatusCode, error: &str) {
    assert_eq!(res.status, status, "{}", res.body);
    assert_eq!(res.json()["error"], error, "{}", res.body);
    assert!(res.json()["error_description"].is_string());
    assert_eq!(res.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn code_exchange_issues_a_user_token_that_is_not_cached() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let code = code_for(&app, &client, "").await;
    let res = exchange(&app, &client, &code, &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.header("pragma"), Some("no-cache"));
    let body = res.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "info income");
    let user = body["user_data_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(user).is_ok());
    let token = body["access_token"].as_str().unwrap();
    assert!(token.len() >= 43, "at least 256 bits");
    // Stored only as a hash.
    assert!(app.store.get_access_token(token).await.unwrap().is_none());
    assert!(app
        .store
        .get_access_token(&crypto::hash_token(token))
        .await
        .unwrap()
        .is_some());
    let read = app
        .api_get(&format!("/api/1.0/personal/{user}"), token)
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
}

#[tokio::test]
async fn client_may_authenticate_in_the_form_but_not_both_ways() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let code = code_for(&app, &client, "").await;
    let both = exchange(&app, &client, &code, &[("client_secret", "secret")]).await;
    assert_token_error(&both, StatusCode::BAD_REQUEST, "invalid_request");
    let form = app
        .post_form(
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &client),
                ("client_secret", "secret"),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
}

#[tokio::test]
async fn wrong_missing_or_unknown_client_credentials_are_invalid_client() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let code = code_for(&app, &client, "").await;
    for (fields, auth) in [
        (vec![], Some(basic(&client, "wrong"))),
        (vec![], Some(basic("nobody", "secret"))),
        (vec![("client_id", client.as_str())], None),
        (vec![], None),
    ] {
        let mut all = vec![("grant_type", "authorization_code"), ("code", &code)];
        all.extend(fields);
        let headers: Vec<(&str, &str)> = auth
            .as_deref()
            .map(|a| vec![("authorization", a)])
            .unwrap_or_default();
        let res = app.post_form_with("/oauth/token", &all, &headers).await;
        assert_token_error(&res, StatusCode::UNAUTHORIZED, "invalid_client");
        assert_eq!(
            res.header("www-authenticate"),
            Some("Basic realm=\"consent-link\"")
        );
    }
    // The code survived all of that.
    assert_eq!(
        exchange(&app, &client, &code, &[]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_replayed_code_fails_and_revokes_the_first_token() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let code = code_for(&app, &client, "").await;
    let first = exchange(&app, &client, &code, &[]).await.json();
    let token = first["access_token"].as_str().unwrap();
    let user = first["user_data_id"].as_str().unwrap();
    let path = format!("/api/1.0/personal/{user}");
    assert_eq!(app.api_get(&path, token).await.status, StatusCode::OK);
    let again = exchange(&app, &client, &code, &[]).await;
    assert_token_error(&again, StatusCode::BAD_REQUEST, "invalid_grant");
    let read = app.api_get(&path, token).await;
    assert_eq!(read.status, StatusCode::UNAUTHORIZED, "{}", read.body);
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_issue_exactly_one_token() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let code = code_for(&app, &client, "").await;
    let body = format!("grant_type=authorization_code&code={}", enc(&code));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let router = app.router.clone();
            let req = Request::post("/oauth/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("authorization", basic(&client, "secret"))
                .body(Body::from(body.clone()))
                .unwrap();
            tokio::spawn(async move {
                let res = router.oneshot(req).await.unwrap();
                let status = res.status();
                let body = axum::body::to_bytes(res.into_body(), 1 << 16)
                    .await
                    .unwrap();
                (
                    status,
                    serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
                )
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let statuses: Vec<StatusCode> = results.iter().map(|(s, _)| *s).collect();
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{statuses:?}");
    assert!(statuses
        .iter()
        .all(|s| *s == StatusCode::OK || *s == StatusCode::BAD_REQUEST));
    // The others were replays, so the one token issued is revoked
    // (RFC 6749 §4.1.2).
    let (_, won) = results.iter().find(|(s, _)| *s == StatusCode::OK).unwrap();
    let read = app
        .api_get(
            &format!(
                "/api/1.0/personal/{}",
                won["user_data_id"].as_str().unwrap()
            ),
            won["access_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(read.status, StatusCode::UNAUTHORIZED, "{}", read.body);
}

#[tokio::test]
async fn pkce_verifier_is_required_checked_and_refused_without_challenge() {
    let app = TestApp::new().await;
    let public = app
        .register(ClientSpec {
            confidential: false,
            ..ClientSpec::default()
        })
        .await;
    let pkce = format!("&code_challenge={CHALLENGE}&code_challenge_method=S256");
    let exchange_public = |code: String, verifier: Option<&'static str>| {
        let public = public.clone();
        let app = &app;
        async move {
            let mut fields = vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("client_id", public),
            ];
            if let Some(v) = verifier {
                fields.push(("code_verifier", v.to_owned()));
            }
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form("/oauth/token", &fields).await
        }
    };
    let missing = exchange_public(code_for(&app, &public, &pkce).await, None).await;
    assert_token_error(&missing, StatusCode::BAD_REQUEST, "invalid_grant");
    let wrong = exchange_public(
        code_for(&app, &public, &pkce).await,
        Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl"),
    )
    .await;
    assert_token_error(&wrong, StatusCode::BAD_REQUEST, "invalid_grant");
    let right = exchange_public(code_for(&app, &public, &pkce).await, Some(VERIFIER)).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    // A public client has no secret to send.
    let code = code_for(&app, &public, &pkce).await;
    let with_secret = app
        .post_form(
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &public),
                ("client_secret", "secret"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_token_error(&with_secret, StatusCode::UNAUTHORIZED, "invalid_client");

    // A verifier for a code that had no challenge is refused.
    let confidential = app.client().await;
    let code = code_for(&app, &confidential, "").await;
    let res = exchange(&app, &confidential, &code, &[("code_verifier", VERIFIER)]).await;
    assert_token_error(&res, StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let code = code_for(&app, &client, "").await;
    app.clock.advance(300);
    let res = exchange(&app, &client, &code, &[]).await;
    assert_token_error(&res, StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn an_expired_token_reads_nothing() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let code = code_for(&app, &client, "").await;
    let body = exchange(&app, &client, &code, &[]).await.json();
    let path = format!(
        "/api/1.0/personal/{}",
        body["user_data_id"].as_str().unwrap()
    );
    let token = body["access_token"].as_str().unwrap();
    app.clock.advance(3599);
    assert_eq!(app.api_get(&path, token).await.status, StatusCode::OK);
    app.clock.advance(1);
    let res = app.api_get(&path, token).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res
        .header("www-authenticate")
        .unwrap()
        .contains("error=\"invalid_token\""));
}

#[tokio::test]
async fn a_code_of_another_client_is_invalid_grant() {
    let app = TestApp::new().await;
    let (a, b) = (app.client().await, app.client().await);
    let code = code_for(&app, &a, "").await;
    let res = exchange(&app, &b, &code, &[]).await;
    assert_token_error(&res, StatusCode::BAD_REQUEST, "invalid_grant");
    // ...and that attempt did not burn the code for its own client.
    assert_eq!(exchange(&app, &a, &code, &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn redirect_uri_must_match_the_authorization_request() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let given = format!("&redirect_uri={}", enc("https://acme.example/cb"));
    for (sent, ok) in [
        (None, false),
        (Some("https://acme.example/cb/"), false),
        (Some("https://acme.example/CB"), false),
        (Some("https://acme.example/cb"), true),
    ] {
        let code = code_for(&app, &client, &given).await;
        let extra: Vec<(&str, &str)> = sent.map(|s| vec![("redirect_uri", s)]).unwrap_or_default();
        let res = exchange(&app, &client, &code, &extra).await;
        if ok {
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        } else {
            assert_token_error(&res, StatusCode::BAD_REQUEST, "invalid_grant");
        }
    }
}

#[tokio::test]
async fn bad_token_requests_get_rfc_6749_errors() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let auth = basic(&client, "secret");
    let headers = [("authorization", auth.as_str())];
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[], "invalid_request"),
        (&[("grant_type", "password")], "unsupported_grant_type"),
        (
            &[
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials"),
            ],
            "invalid_request",
        ),
        (&[("grant_type", "authorization_code")], "invalid_request"),
        (
            &[("grant_type", "authorization_code"), ("code", "nope")],
            "invalid_grant",
        ),
    ];
    for (fields, error) in cases {
        let res = app.post_form_with("/oauth/token", fields, &headers).await;
        assert_token_error(&res, StatusCode::BAD_REQUEST, error);
    }
    // Not a form body.
    let res = app
        .send(
            Request::post("/oauth/token")
                .header("content-type", "application/json")
                .header("authorization", &auth)
                .body(Body::from("{\"grant_type\":\"client_credentials\"}"))
                .unwrap(),
        )
        .await;
    assert_token_error(&res, StatusCode::BAD_REQUEST, "invalid_request");
    // The media type is case-insensitive (RFC 9110 §8.3.1).
    let res = app
        .send(
            Request::post("/oauth/token")
                .header(
                    "content-type",
                    "Application/X-WWW-Form-URLEncoded; charset=UTF-8",
                )
                .header("authorization", &auth)
                .body(Body::from("grant_type=client_credentials"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn a_huge_token_request_is_refused_before_it_is_read() {
    let app = TestApp::new().await;
    let client = app.client().await;
    // Hundreds of thousands of distinct parameters, no credentials.
    let body: String = (0..200_000).map(|i| format!("{i}=&")).collect();
    let res = app
        .send(
            Request::post("/oauth/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Just under the limit, many parameters are still answered as an
    // ordinary bad request.
    let body: String = (0..8_000).map(|i| format!("{i}=&")).collect();
    assert!(body.len() < consent_link::http::MAX_BODY_BYTES);
    let res = app
        .send(
            Request::post("/oauth/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("authorization", basic(&client, "secret"))
                .body(Body::from(format!(
                    "{body}grant_type=client_credentials&scope=info&scope=info"
                )))
                .unwrap(),
        )
        .await;
    assert_token_error(&res, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn client_credentials_is_for_confidential_clients_within_their_scopes() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let auth = basic(&client, "secret");
    let ok = app
        .post_form_with(
            "/oauth/token",
            &[("grant_type", "client_credentials")],
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.header("cache-control"), Some("no-store"));
    assert_eq!(ok.json()["token_type"], "Bearer");
    assert!(ok.json().get("user_data_id").is_none());
    // The same client token as /api/1.0/auth: it reads any of its users.
    let user = app.link_user(&client, "info", "ola").await;
    let token = ok.json()["access_token"].as_str().unwrap().to_owned();
    let read = app
        .api_get(&format!("/api/1.0/personal/{user}"), &token)
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let wider = app
        .post_form_with(
            "/oauth/token",
            &[
                ("grant_type", "client_credentials"),
                ("scope", "e_invoices"),
            ],
            &[("authorization", &auth)],
        )
        .await;
    assert_token_error(&wider, StatusCode::BAD_REQUEST, "invalid_scope");
    // A narrower scope is what the token reads (RFC 6749 §3.3).
    let narrow = app
        .post_form_with(
            "/oauth/token",
            &[("grant_type", "client_credentials"), ("scope", "info")],
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(narrow.status, StatusCode::OK, "{}", narrow.body);
    assert_eq!(narrow.json()["scope"], "info");
    let both = app.link_user(&client, "info,income", "kari").await;
    let token = narrow.json()["access_token"].as_str().unwrap().to_owned();
    let info = app
        .api_get(&format!("/api/1.0/personal/{both}"), &token)
        .await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    let income = app
        .api_get(&format!("/api/1.0/income/{both}"), &token)
        .await;
    assert_eq!(income.status, StatusCode::FORBIDDEN, "{}", income.body);
    let public = app
        .register(ClientSpec {
            confidential: false,
            ..ClientSpec::default()
        })
        .await;
    let res = app
        .post_form(
            "/oauth/token",
            &[("grant_type", "client_credentials"), ("client_id", &public)],
        )
        .await;
    assert_token_error(&res, StatusCode::BAD_REQUEST, "unauthorized_client");
}

#[tokio::test]
async fn product_auth_gives_a_client_token_that_expires_in_an_hour() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let auth = |secret: &'static str| {
        Request::post("/api/1.0/auth")
            .header("Client-ID", client.as_str())
            .header("Secret-Key", secret)
            .body(Body::empty())
            .unwrap()
    };
    let res = app.send(auth("secret")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    assert_eq!(body["expire_at"], "01-15-2027 09:00"); // T0 + 3600, as the docs write it
    let token = body["token"].as_str().unwrap();
    let stored = app
        .store
        .get_access_token(&crypto::hash_token(token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.expires_at, T0 + secs(3600));
    assert_eq!(stored.user_data_id, None);

    let wrong = app.send(auth("wrong")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["error"]["status"], "UNAUTHORIZED");
    // A 401 says how to authenticate (RFC 9110 §15.5.2).
    assert_eq!(
        wrong.header("www-authenticate"),
        Some("Secret-Key realm=\"consent-link\"")
    );
    let missing = app.post_form("/api/1.0/auth", &[]).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.json()["error"]["status"], "BAD_REQUEST");
}

#[tokio::test]
async fn a_client_deleted_and_created_again_inherits_no_token() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let token = app.client_token(&client).await;
    let stored = app.store.get_client(&client).await.unwrap().unwrap();
    assert!(app.store.delete_client(&client).await.unwrap());
    let again = app.store.insert_client(
        &stored.client,
        stored.secret_hash.as_deref(),
        stored.created_at,
    );
    again.await.unwrap();
    let user = app.link_user(&client, "info", "kari").await;
    let read = app
        .api_get(&format!("/api/1.0/personal/{user}"), &token)
        .await;
    assert_eq!(read.status, StatusCode::UNAUTHORIZED, "{}", read.body);
}

#[tokio::test]
async fn a_code_issued_before_a_withdrawal_is_not_redeemed_after_it() {
    let app = TestApp::new().await;
    let client = app.client().await;
    // The person links once (a user ID), then again: a fresh code.
    let user = app.link_user(&client, "info", "kari").await;
    let code = code_for(&app, &client, "").await;
    let token = app.client_token(&client).await;
    let withdraw = app
        .send(
            Request::delete(format!("/api/1.0/consents/{user}"))
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(withdraw.status, StatusCode::NO_CONTENT, "{}", withdraw.body);
    let res = exchange(&app, &client, &code, &[]).await;
    assert_token_error(&res, StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn metadata_names_the_issuer_sent_in_results() {
    let app = TestApp::new().await;
    let res = app.get("/.well-known/oauth-authorization-server").await;
    assert_eq!(res.status, StatusCode::OK);
    let meta = res.json();
    let client = app.client().await;
    let params = app
        .consent_as(
            "/oauth/authorize",
            &format!("client_id={client}&scope=info&test=true&response_type=code"),
            "kari",
        )
        .await;
    assert_eq!(meta["issuer"], params["iss"].as_str());
    assert_eq!(meta["token_endpoint"], format!("{ISSUER}/oauth/token"));
    assert_eq!(
        meta["authorization_endpoint"],
        format!("{ISSUER}/oauth/authorize")
    );
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(meta["authorization_response_iss_parameter_supported"], true);
}

/// RFC 6749 §2.3.1: Basic credentials are form-urlencoded as a whole, so
/// `acme&x=y` is a client ID of its own, never `acme` (issue 11).
#[tokio::test]
async fn basic_credentials_with_ampersand_do_not_authenticate_as_a_prefix() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let auth = format!("Basic {}", STANDARD.encode(format!("{client}&x=y:secret")));
    let res = app
        .post_form_with(
            "/oauth/token",
            &[("grant_type", "client_credentials")],
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert_eq!(res.json()["error"], "invalid_client");
    // The same client, written right, does authenticate.
    let auth = format!("Basic {}", STANDARD.encode(format!("{client}:secret")));
    let res = app
        .post_form_with(
            "/oauth/token",
            &[("grant_type", "client_credentials")],
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// RFC 6749 §3.1/§3.2: parameters the server does not recognise are
/// ignored, even repeated; a repeated known one is still refused.
#[tokio::test]
async fn repeated_unknown_token_parameters_are_ignored() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let res = app
        .post_form(
            "/oauth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client),
                ("client_secret", "secret"),
                ("utm", "1"),
                ("utm", "2"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app
        .post_form(
            "/oauth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client),
                ("client_secret", "secret"),
                ("scope", "info"),
                ("scope", "info"),
            ],
        )
        .await;
    assert_eq!(res.json()["error"], "invalid_request");
    let page = app
        .get(&format!("/link?client_id={client}&scope=info&utm=1&utm=2"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let res = app
        .get(&format!(
            "/link?client_id={client}&scope=info&locale=en&locale=nb"
        ))
        .await;
    assert_eq!(res.callback_params()["error"], "BAD_REQUEST");
}
