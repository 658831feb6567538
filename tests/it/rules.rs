//! Rules of the README's "Security" and "Decisions" sections that had no
//! test of their own (issue 12 item 5), each tested the way an attacker or
//! an end user would meet it. SECURITY.md names each test.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::support::*;

const CB: &str = "https://acme.example/cb";

/// `Cache-Control: no-store` on every page: method, test BankID, consent,
/// result, the session's status, and every kind of error page. A shared
/// cache must never keep a page with an anti-CSRF token or personal data.
#[tokio::test]
async fn pages_are_never_cached() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let query = format!("client_id={client}&scope=info&test=true&iframe=true");
    let first = app.start("/link", &query).await;
    let sid = first.session_path();
    let csrf = first.csrf();
    let mut pages = vec![("method page", first)];
    app.post_form(
        &format!("{sid}/method"),
        &[("csrf", &csrf), ("method", "test_bankid")],
    )
    .await;
    pages.push(("test BankID page", app.get(&sid).await));
    let res = app
        .post_form(
            &format!("{sid}/authenticate"),
            &[("csrf", &csrf), ("person", "kari")],
        )
        .await;
    let next = res.location().unwrap().to_owned();
    let consent = app.get(&next).await;
    let result = app
        .post_form(
            &format!("{next}/consent"),
            &[("csrf", &consent.csrf()), ("decision", "accept")],
        )
        .await;
    pages.push(("consent page", consent));
    pages.push(("iframe result page", result));
    pages.push(("status", app.get(&format!("{next}/status")).await));
    pages.push(("completed session (409)", app.get(&next).await));
    pages.push(("moved session (409)", app.get(&sid).await));
    pages.push((
        "unknown client (400)",
        app.get("/link?client_id=nobody").await,
    ));
    pages.push(("unknown session (404)", app.get("/s/nothing-here").await));
    pages.push(("unknown page (404)", app.get("/no/such/page").await));
    let expiring = app.start("/link", &query).await;
    app.clock.advance(1800);
    pages.push((
        "expired session (410)",
        app.get(&expiring.session_path()).await,
    ));
    for (what, page) in &pages {
        assert_eq!(
            page.header("cache-control"),
            Some("no-store"),
            "{what}: {} {}",
            page.status,
            page.body
        );
    }
}

/// Decisions: a repeated callback (even with the same value) makes the
/// callback untrustworthy: the error page, never a redirect, on both
/// entries and under both names.
#[tokio::test]
async fn a_repeated_callback_uri_or_redirect_uri_shows_the_error_page() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let cb = enc(CB);
    for entry in ["/link", "/oauth/authorize"] {
        for repeated in [
            format!("callback_uri={cb}&callback_uri={cb}"),
            format!("redirect_uri={cb}&redirect_uri={cb}"),
            format!("redirect_uri={cb}&callback_uri={cb}&redirect_uri={cb}"),
        ] {
            let page = app
                .get(&format!(
                    "{entry}?client_id={client}&scope=info&test=true&state=st-1&{repeated}"
                ))
                .await;
            let why = format!("{entry}?…{repeated}");
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{why}: {}", page.body);
            assert!(page.location().is_none(), "{why}: {:?}", page.location());
            assert!(page.body.contains("<h1>"), "{why}: not a page");
            assert!(!page.body.contains("data-messages"), "{why}: a result");
        }
    }
    // The same callback given once under each name is one callback.
    let once = app
        .get(&format!(
            "/oauth/authorize?client_id={client}&scope=info&test=true&redirect_uri={cb}&callback_uri={cb}"
        ))
        .await;
    assert_eq!(once.status, StatusCode::OK, "{}", once.body);
}

/// Decisions: consenting again keeps the user ID and replaces the scopes:
/// what was consented before and not now is no longer readable.
#[tokio::test]
async fn consenting_again_replaces_the_scopes() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let token = app.client_token(&client).await;
    let first = app.link_user(&client, "info,income", "kari").await;
    let income = format!("/api/1.0/income/{first}");
    assert_eq!(app.api_get(&income, &token).await.status, StatusCode::OK);
    let again = app.link_user(&client, "vehicles", "kari").await;
    assert_eq!(again, first, "the same user ID");
    let consent = app.store.get_consent(&first).await.unwrap().unwrap();
    assert_eq!(consent.scopes.to_product_string(), "vehicles");
    for gone in ["income", "personal"] {
        let read = app
            .api_get(&format!("/api/1.0/{gone}/{first}"), &token)
            .await;
        assert_eq!(read.status, StatusCode::FORBIDDEN, "{gone}: {}", read.body);
    }
    let vehicles = app
        .api_get(&format!("/api/1.0/vehicles/{first}"), &token)
        .await;
    assert_eq!(vehicles.status, StatusCode::OK, "{}", vehicles.body);
}

/// Decisions: a consent the integrator withdrew comes back, under the same
/// user ID, when the end user links again; the data is readable again.
#[tokio::test]
async fn a_withdrawn_consent_comes_back_with_the_same_user_id() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let token = app.client_token(&client).await;
    let user = app.link_user(&client, "info", "kari").await;
    let withdraw = app
        .send(
            Request::delete(format!("/api/1.0/consents/{user}"))
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(withdraw.status, StatusCode::NO_CONTENT, "{}", withdraw.body);
    let uri = format!("/api/1.0/personal/{user}");
    assert_eq!(app.api_get(&uri, &token).await.status, StatusCode::GONE);
    let again = app.link_user(&client, "info", "kari").await;
    assert_eq!(again, user);
    let consent = app.store.get_consent(&user).await.unwrap().unwrap();
    assert_eq!(consent.ended_at, None);
    assert_eq!(consent.status, consent_link::consent::Status::Active);
    let read = app.api_get(&uri, &token).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
}

/// Decisions: with no method (a production client, no `--methods`), the
/// page says so and offers only Cancel, which returns `USER_CANCELLED`.
#[tokio::test]
async fn no_method_available_shows_a_page_whose_cancel_gives_user_cancelled() {
    // A production client's link needs a source for its scopes.
    let app = TestApp::new().await.with_sources(&uncalled_source("info"));
    let client = app
        .register(ClientSpec {
            test_allowed: false,
            ..ClientSpec::default()
        })
        .await;
    for (entry, expected) in [
        ("/link", "USER_CANCELLED"),
        ("/oauth/authorize", "access_denied"),
    ] {
        let page = app
            .start(entry, &format!("client_id={client}&scope=info&state=st-n"))
            .await;
        assert!(
            page.body
                .contains("No sign-in method is available for this link"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("name=\"method\""), "{}", page.body);
        let sid = page.session_path();
        let res = app
            .post_form(&format!("{sid}/cancel"), &[("csrf", &page.csrf())])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let params = res.callback_params();
        assert_eq!(params["error"], expected, "{entry}: {params:?}");
        assert_eq!(params["state"], "st-n");
        assert!(!params.contains_key("code"));
    }
}

/// Decisions: without JavaScript in iframe mode, the last page offers a
/// link that takes the whole window to the callback with the result (the
/// same result the script posts).
#[tokio::test]
async fn the_iframe_result_page_links_to_the_callback_without_javascript() {
    let app = TestApp::new().await;
    let client = app.client().await;
    for (entry, decision) in [
        ("/link", "accept"),
        ("/oauth/authorize", "accept"),
        ("/link", "decline"),
    ] {
        let first = app
            .start(
                entry,
                &format!("client_id={client}&scope=info&test=true&iframe=true&state=st-j"),
            )
            .await;
        let (sid, csrf) = app.sign_in(&first, "kari").await;
        let done = app
            .post_form(
                &format!("{sid}/consent"),
                &[("csrf", &csrf), ("decision", decision)],
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let noscript = done
            .body
            .split("<noscript>")
            .nth(1)
            .and_then(|rest| rest.split("</noscript>").next())
            .unwrap_or_else(|| panic!("no <noscript> in {}", done.body));
        assert!(noscript.contains("target=\"_top\""), "{noscript}");
        let start = noscript.find("href=\"").unwrap() + 6;
        let href = html_unescape(&noscript[start..start + noscript[start..].find('"').unwrap()]);
        let url = url::Url::parse(&href).unwrap();
        assert!(url.as_str().starts_with(CB), "{href}");
        let params: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        assert_eq!(params["state"], "st-j");
        let (_, messages) = done.frame_messages();
        let last = messages.last().unwrap();
        if decision == "accept" {
            assert_eq!(params["code"], last["code"].as_str().unwrap(), "{entry}");
        } else {
            assert_eq!(params["error"], "USER_CANCELLED");
            assert!(!params.contains_key("code"));
        }
    }
}

/// An authorization code is kept only as its SHA-256: whoever reads the
/// database cannot redeem what it finds there.
#[tokio::test]
async fn authorization_codes_are_stored_only_as_hashes() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let code = app.oauth_code(&client, "info", "").await;
    assert!(app
        .store
        .get_authorization_code(&code)
        .await
        .unwrap()
        .is_none());
    let row = app
        .store
        .get_authorization_code(&consent_link::crypto::hash_token(&code))
        .await
        .unwrap()
        .unwrap();
    assert!(!format!("{row:?}").contains(&code), "{row:?}");
    // What the database holds is no code: exchanging it fails.
    let hash = consent_link::crypto::hash_token(&code);
    let res = app
        .post_form(
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &hash),
                ("client_id", &client),
                ("client_secret", "secret"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(res.json()["error"], "invalid_grant");
}

/// `/readyz` asks the database: with it down, 503, so that a load balancer
/// stops sending requests; `/healthz` (the process) still answers.
#[tokio::test]
async fn readyz_is_503_when_the_database_is_down() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    app.store.close().await;
    let ready = app.get("/readyz").await;
    assert_eq!(
        ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        ready.body
    );
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

/// A server fault shows the end user (and an API caller) only a request ID
/// to quote, never what failed inside.
#[tokio::test]
async fn a_server_fault_shows_only_a_request_id() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let token = app.client_token(&client).await;
    app.store.close().await;
    let internals = [
        "sqlx", "pool", "Pool", "closed", "store:", "database", "Database",
    ];
    let requests = [
        format!("/link?client_id={client}&scope=info&test=true"),
        "/s/some-session".to_owned(),
    ];
    for uri in &requests {
        let page = app.get(uri).await;
        assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        let id = page.header("x-request-id").unwrap().to_owned();
        assert!(!id.is_empty());
        assert!(
            page.body.contains(&id),
            "{uri}: no request ID: {}",
            page.body
        );
        assert!(page.body.contains("<h1>"), "{uri}: a page");
        for word in internals {
            assert!(!page.body.contains(word), "{uri}: {word} in {}", page.body);
        }
    }
    // The data API and the token endpoint: their own JSON, the same rule.
    let api = app
        .api_get(
            &format!("/api/1.0/personal/{}", uuid::Uuid::new_v4()),
            &token,
        )
        .await;
    let token_res = app
        .post_form(
            "/oauth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client),
                ("client_secret", "secret"),
            ],
        )
        .await;
    for (what, res) in [("data API", api), ("token endpoint", token_res)] {
        assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        let id = res.header("x-request-id").unwrap().to_owned();
        assert!(res.body.contains(&id), "{what}: {}", res.body);
        res.json();
        for word in internals {
            assert!(!res.body.contains(word), "{what}: {word} in {}", res.body);
        }
    }
}

/// The demo client's secret is derived from the server key (so no one
/// else can compute it) and stored only as a hash.
#[tokio::test]
async fn the_demo_clients_secret_is_derived_from_the_key_and_stored_only_as_a_hash() {
    let app = TestApp::new().await;
    consent_link::ensure_demo_client(app.store.as_ref(), &app.key, ISSUER, T0)
        .await
        .unwrap();
    let secret = app.key.demo_client_secret();
    assert!(secret.len() >= 43, "at least 256 bits: {secret}");
    let other = consent_link::crypto::ServerKey::new(b"another-key-another-key-another-key");
    assert_ne!(other.demo_client_secret(), secret, "derived from the key");
    let row = app
        .store
        .get_client(consent_link::DEMO_CLIENT_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.secret_hash.as_deref(),
        Some(app.key.client_secret_hash("demo", &secret).as_str())
    );
    assert!(row.demo, "marked as the demo's own");
    assert!(!format!("{row:?}").contains(&secret), "{row:?}");
}
