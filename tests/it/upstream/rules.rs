//! Issue 12: rules of the README's "Security" section about sign-in at a
//! provider that had no test of their own. Uses the scripted provider of
//! the parent module.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::header::LOCATION;
use consent_link::Clock;

use super::*;

/// The attributes of a `Set-Cookie` value after its `name=value`.
fn cookie_attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_owned())
        .collect()
}

/// The browser-binding cookie cannot be read by script (`HttpOnly`), is
/// not sent on a cross-site sub-request (`SameSite=Lax`), goes only to the
/// callback (`Path=/oidc/callback`), only over https on an https issuer
/// (`Secure`), and lives as long as the sign-in (10 minutes). Cleared
/// with the same attributes when it has done its work.
#[tokio::test]
async fn the_sign_in_cookie_is_http_only_same_site_lax_callback_only_and_secure() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    assert!(ISSUER.starts_with("https://"));
    let client = app.client().await;
    let first = app
        .start("/link", &format!("client_id={client}&scope=info"))
        .await;
    let sid = first.session_path();
    let res = app
        .post_form(
            &format!("{sid}/method"),
            &[("csrf", &first.csrf()), ("method", "bankid")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let set = res.header("set-cookie").unwrap().to_owned();
    let mut attributes = cookie_attributes(&set);
    attributes.sort();
    assert_eq!(
        attributes,
        [
            "HttpOnly",
            "Max-Age=600",
            "Path=/oidc/callback",
            "SameSite=Lax",
            "Secure"
        ],
        "{set}"
    );
    let (pair, _) = set.split_once(';').unwrap();
    let (name, value) = pair.split_once('=').unwrap();
    assert!(value.len() >= 43, "a 256-bit secret: {value}");
    // The session ID and the state are not the cookie's value.
    assert!(!sid.contains(value));

    let leg = Leg {
        sid: sid.clone(),
        csrf: first.csrf(),
        request: url::Url::parse(res.location().unwrap()).unwrap(),
        cookie: pair.to_owned(),
    };
    assert_ne!(leg.state(), value);
    let code = op.sign_in(&leg.request, NIN);
    let back = come_back(&app, &leg, &format!("code={code}")).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let cleared = back
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{name}=;")))
        .expect("the cookie is cleared");
    let mut attributes = cookie_attributes(&cleared);
    attributes.sort();
    assert_eq!(
        attributes,
        [
            "HttpOnly",
            "Max-Age=0",
            "Path=/oidc/callback",
            "SameSite=Lax",
            "Secure"
        ],
        "{cleared}"
    );
}

/// Moves the app's clock and the provider's together.
fn advance(app: &TestApp, op: &Op, secs: i64) {
    app.clock.advance(secs);
    op.0.lock().unwrap().now = app.clock.now();
}

/// The upstream `state` lives 10 minutes: coming back a second before
/// signs in; coming back at 10 minutes is refused (the end user starts
/// the sign-in again), though the link session itself (30 minutes) lives.
#[tokio::test]
async fn the_upstream_state_expires_after_ten_minutes() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let query = format!("client_id={client}&scope=info");

    let leg = leave_for_provider(&app, "/link", &query).await;
    let code = op.sign_in(&leg.request, NIN);
    advance(&app, &op, 599);
    let back = come_back(&app, &leg, &format!("code={code}")).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert_ne!(back.location(), Some(leg.sid.as_str()), "signed in");

    let leg = leave_for_provider(&app, "/link", &query).await;
    let code = op.sign_in(&leg.request, NIN);
    advance(&app, &op, 600);
    let late = come_back(&app, &leg, &format!("code={code}")).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "{}", late.body);
    assert!(late.location().is_none());
    // The session did not move: it still waits at the method it chose.
    let status = app.get(&format!("{}/status", leg.sid)).await.json();
    assert_eq!(status["step"], "method_selected", "{status}");
}

/// Provider metadata and keys are cached for an hour, then fetched again
/// (the keys come with every discovery, so their fetches count them).
#[tokio::test]
async fn provider_metadata_is_cached_for_an_hour_then_fetched_again() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let discoveries = || op.0.lock().unwrap().jwks_fetches;
    assert!(link_as(&app, &op, &client, NIN).await.contains_key("code"));
    assert_eq!(discoveries(), 1);
    advance(&app, &op, METADATA_TTL - 1);
    assert!(link_as(&app, &op, &client, NIN).await.contains_key("code"));
    assert_eq!(discoveries(), 1, "still cached just before the hour");
    advance(&app, &op, 1);
    assert!(link_as(&app, &op, &client, NIN).await.contains_key("code"));
    assert_eq!(discoveries(), 2, "fetched again after the hour");
    assert!(link_as(&app, &op, &client, NIN).await.contains_key("code"));
    assert_eq!(discoveries(), 2, "and cached again");
}

const METADATA_TTL: i64 = consent_link::upstream::METADATA_TTL.as_secs() as i64;

/// A provider on loopback whose discovery document or keys answer with a
/// redirect (to a document that would work). Counts what was fetched.
struct Mover {
    issuer: String,
    followed: Arc<AtomicUsize>,
}

impl Mover {
    async fn start(redirect_keys: bool) -> Mover {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let followed = Arc::new(AtomicUsize::new(0));
        let moved = |to: &'static str| {
            move || async move { (StatusCode::TEMPORARY_REDIRECT, [(LOCATION, to)]) }
        };
        let metadata = {
            let (issuer, followed) = (issuer.clone(), followed.clone());
            move || {
                let (issuer, followed) = (issuer.clone(), followed.clone());
                async move {
                    if !redirect_keys {
                        followed.fetch_add(1, Ordering::SeqCst);
                    }
                    let keys = if redirect_keys { "jwks-moved" } else { "jwks" };
                    Json(serde_json::json!({
                        "issuer": issuer,
                        "authorization_endpoint": format!("{issuer}/auth"),
                        "token_endpoint": format!("{issuer}/token"),
                        "jwks_uri": format!("{issuer}/{keys}"),
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }))
                }
            }
        };
        let keys = {
            let followed = followed.clone();
            move || {
                let followed = followed.clone();
                async move {
                    if redirect_keys {
                        followed.fetch_add(1, Ordering::SeqCst);
                    }
                    Json(serde_json::json!({"keys": []}))
                }
            }
        };
        let router = if redirect_keys {
            axum::Router::new()
                .route("/.well-known/openid-configuration", get(metadata))
                .route("/jwks-moved", get(moved("/jwks")))
                .route("/jwks", get(keys))
        } else {
            axum::Router::new()
                .route(
                    "/.well-known/openid-configuration",
                    get(moved("/moved/openid-configuration")),
                )
                .route("/moved/openid-configuration", get(metadata))
                .route("/jwks", get(keys))
        };
        tokio::spawn(async move { axum::serve(listener, router).await });
        Mover { issuer, followed }
    }
}

/// Calls to providers follow no redirects (a redirect could steer them to
/// an internal address): a discovery document or key set behind one is
/// not fetched, and the provider is not used.
#[tokio::test]
async fn calls_to_providers_follow_no_redirects() {
    for redirect_keys in [false, true] {
        let mover = Mover::start(redirect_keys).await;
        let app = app_with(&mover.issuer).await;
        let client = app.client().await;
        let (_, page) = sign_in_that_cannot_start(&app, &client, "st-r").await;
        assert!(page.body.contains("error=TEMPORARY_ERROR"), "{}", page.body);
        assert!(page.body.contains("state=st-r"), "{}", page.body);
        assert_eq!(
            mover.followed.load(Ordering::SeqCst),
            0,
            "a redirect was followed (keys: {redirect_keys})"
        );
    }
}

/// Discovery refuses a provider whose authorization or keys endpoint is
/// plain http off this machine: the end user would sign in over clear
/// text, and the keys that decide who signed in could be forged on the
/// way. The sign-in does not start and nothing is fetched from it.
#[tokio::test]
async fn a_provider_naming_a_plain_http_authorization_or_keys_endpoint_is_not_used() {
    for field in ["authorization_endpoint", "jwks_uri"] {
        let op = Op::start().await;
        op.0.lock()
            .unwrap()
            .extra_metadata
            .insert(field.into(), "http://op.example/x".into());
        let app = app_with(&op.issuer()).await;
        let client = app.client().await;
        let (_, page) = sign_in_that_cannot_start(&app, &client, "st-p").await;
        assert!(
            page.body.contains("error=TEMPORARY_ERROR"),
            "{field}: {}",
            page.body
        );
        assert!(!page.body.contains("op.example"), "{field}: {}", page.body);
        assert_eq!(op.0.lock().unwrap().jwks_fetches, 0, "{field}");
    }
}

/// Decisions: a test flow signed in at a provider (a real person) is
/// collected like any test flow, `new` until a worker runs, and is served
/// the stand-in test person's data, never the signed-in person's number.
#[tokio::test]
async fn a_test_flow_signed_in_at_a_provider_gets_the_stand_ins_data() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let user = link_as(&app, &op, &client, NIN).await["code"].clone();
    let token = app.client_token(&client).await;
    for path in ["personal", "loan_applications"] {
        let res = app
            .api_get(&format!("/api/1.0/{path}/{user}"), &token)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        let body = res.json();
        assert_eq!(body["status"], "new", "{path}: {body}");
        assert_eq!(body["user_data_id"], user.as_str());
    }
    app.collect().await;
    let body = app
        .api_get(&format!("/api/1.0/personal/{user}"), &token)
        .await
        .json();
    assert_eq!(body["status"], "done", "{body}");
    assert_eq!(body["personal"]["ssn"], "15878512345", "Kari, the stand-in");
    assert_ne!(NIN, "15878512345");
    assert!(!body.to_string().contains(NIN));
}

/// Decisions: the test BankID and a real method share the user ID space:
/// the same national identity number gives the same user ID per client,
/// whichever carried it.
#[tokio::test]
async fn the_test_bankid_and_a_provider_give_one_user_id_for_one_national_id() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let kari = consent_link::test_persons::find("kari").unwrap();
    let by_test_bankid = app.link_user(&client, "info", "kari").await;
    let by_provider = link_as(&app, &op, &client, kari.national_id).await["code"].clone();
    assert_eq!(by_provider, by_test_bankid);
    let ola = consent_link::test_persons::find("ola").unwrap();
    let someone_else = link_as(&app, &op, &client, ola.national_id).await["code"].clone();
    assert_ne!(someone_else, by_test_bankid);
    assert_eq!(
        someone_else,
        app.link_user(&client, "info", "ola").await,
        "and the other way round"
    );
}

/// The upstream `state` is stored only as a hash: the raw value, which
/// travels through the browser and the provider, finds nothing in the
/// store (and so cannot use the sign-in up), while the browser that left
/// for the provider still comes back with it.
#[tokio::test]
async fn the_upstream_state_is_stored_only_as_a_hash() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let leg = leave_for_provider(&app, "/link", &format!("client_id={client}&scope=info")).await;
    let (_, browser_secret) = leg.cookie.split_once('=').unwrap();
    let browser_hash = consent_link::crypto::hash_token(browser_secret);
    let raw = app
        .store
        .take_upstream_auth(&leg.state(), &browser_hash, app.clock.now())
        .await
        .unwrap();
    assert!(raw.is_none(), "a row under the raw state: {raw:?}");
    let code = op.sign_in(&leg.request, NIN);
    let back = come_back(&app, &leg, &format!("code={code}")).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert_ne!(back.location(), Some(leg.sid.as_str()), "signed in");
}

/// A provider that accepts the connection and never answers is given up
/// after 10 seconds: the end user gets a clear page, not a hung request.
#[tokio::test]
async fn a_provider_that_never_answers_is_given_up_after_ten_seconds() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let app = app_with(&issuer).await;
    let client = app.client().await;
    let began = std::time::Instant::now();
    let (_, page) = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        sign_in_that_cannot_start(&app, &client, "st-t"),
    )
    .await
    .expect("the call to the provider never timed out");
    let waited = began.elapsed();
    assert!(page.body.contains("error=TEMPORARY_ERROR"), "{}", page.body);
    assert!(
        waited >= std::time::Duration::from_secs(9) && waited < std::time::Duration::from_secs(15),
        "gave up after {waited:?}"
    );
}

/// A provider's client secret is never logged, whatever happens to the
/// sign-in (it travels in the token request's Basic credentials).
#[tokio::test]
async fn provider_client_secrets_are_never_logged() {
    let logs = crate::logs::capture();
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    assert!(link_as(&app, &op, &client, NIN).await.contains_key("code"));
    for defects in [
        defect(|d| d.token_endpoint_fails = true),
        defect(|d| d.sign_with = Some(1)),
        defect(|d| d.address_as_text = true),
    ] {
        with_defects(&op, &app, defects).await;
    }
    let basic = STANDARD.encode(format!("{OP_CLIENT}:{OP_SECRET}"));
    let logged = logs.text();
    assert!(
        !logged.contains(OP_SECRET),
        "the provider's secret was logged"
    );
    assert!(
        !logged.contains(&basic),
        "the Basic credentials were logged"
    );
}
