//! Signed consent receipts: verified by an independent JOSE library
//! (`jsonwebtoken`, not the code that signs them) against the served
//! `/.well-known/jwks.json`; keys derived alike on every instance; old
//! keys published after a rotation; a receipt only for the browser that
//! holds the session.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use tower::ServiceExt;

use crate::support::*;
use consent_link::crypto::ServerKey;
use consent_link::receipt::KeyRing;

const KARI_NATIONAL_ID: &str = "15878512345";

async fn get(router: &Router, uri: &str) -> Page {
    let req = Request::get(uri).body(Body::empty()).unwrap();
    Page::read(router.clone().oneshot(req).await.unwrap()).await
}

/// The same deployment (store, clock) served under `key` with receipt
/// key `version` current and `previous` published.
fn instance(app: &TestApp, key: &[u8], version: u32, previous: &[u32]) -> Router {
    let mut state = app.state.clone();
    state.key = ServerKey::new(key);
    state.receipt_keys = Arc::new(KeyRing::new(&state.key, version, previous).unwrap());
    consent_link::app(state)
}

/// An iframe Link flow `person` consents to: the result page and the
/// session path (the browser's own).
async fn consent_in_frame(app: &TestApp, client: &str, person: &str) -> (Page, String) {
    let query = format!("client_id={client}&scope=info,income&test=true&iframe=true&state=s1");
    let first = app.start("/link", &query).await;
    let (sid, csrf) = app.sign_in(&first, person).await;
    let done = app
        .post_form(
            &format!("{sid}/consent"),
            &[("csrf", &csrf), ("decision", "accept")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    (done, sid)
}

/// The user ID the result page posts to the integrator.
fn posted_user_id(done: &Page) -> String {
    let (_, messages) = done.frame_messages();
    let code = messages.iter().find_map(|m| m["code"].as_str());
    code.expect("a code in the messages").to_owned()
}

async fn receipt_of(router: &Router, sid: &str) -> String {
    let res = get(router, &format!("{sid}/receipt")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("content-type"), Some("application/jwt"));
    let disposition = res.header("content-disposition").unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(res.header("cache-control"), Some("no-store"));
    res.body
}

async fn jwks_of(router: &Router) -> JwkSet {
    let res = get(router, "/.well-known/jwks.json").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let cache = res.header("cache-control").unwrap();
    assert!(cache.contains("max-age="), "{cache}");
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    serde_json::from_str(&res.body).unwrap()
}

/// `jws` verified by `jsonwebtoken` with the key its `kid` names in
/// `jwks`: the claims, or why not.
fn verify(jws: &str, jwks: &JwkSet) -> Result<Value, String> {
    let header = jsonwebtoken::decode_header(jws).map_err(|e| e.to_string())?;
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let kid = header.kid.ok_or("no kid")?;
    let jwk = jwks
        .find(&kid)
        .ok_or_else(|| format!("kid {kid} not published"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    // `exp` is on the test clock, not the system's: the tests check it.
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(jws, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_receipt_verifies_with_an_independent_jose_library_against_the_served_jwks() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let (done, sid) = consent_in_frame(&app, &client, "kari").await;
    let href = format!("href=\"{sid}/receipt\"");
    assert!(done.body.contains(&href), "no receipt link: {}", done.body);
    let jws = receipt_of(&app.router, &sid).await;
    let claims = verify(&jws, &jwks_of(&app.router).await).unwrap();
    let user_id = posted_user_id(&done);
    assert_eq!(claims["piiPrincipalId"], user_id.as_str());
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["piiControllers"][0]["piiController"], "Acme Bank");
    assert_eq!(claims["version"], "KI-CR-v1.1.0");
    assert_eq!(claims["consentTimestamp"], T0.as_secs());
    assert_eq!(claims["iat"], T0.as_secs());
    assert_eq!(claims["exp"], T0.as_secs() + 90 * 86_400);
    assert_eq!(
        claims["collectionMethod"],
        "consent-link: Link flow, test BankID"
    );
    let purpose = &claims["services"][0]["purposes"][0];
    assert_eq!(purpose["piiCategory"].as_array().unwrap().len(), 2);
    let termination = purpose["termination"].as_str().unwrap();
    assert!(termination.ends_with("withdraw at https://link.example/me"));
    // Never the national ID, nor its hash, anywhere in the token.
    let payload = jws.split('.').nth(1).unwrap();
    assert!(!jws.contains(KARI_NATIONAL_ID));
    assert!(!claims.to_string().contains(KARI_NATIONAL_ID));
    let subject_hash = app.key.subject_hash(KARI_NATIONAL_ID);
    assert!(!claims.to_string().contains(&subject_hash), "{payload}");
    // The same grant: the same receipt ID when issued again.
    let again = verify(
        &receipt_of(&app.router, &sid).await,
        &jwks_of(&app.router).await,
    );
    assert_eq!(
        again.unwrap()["consentReceiptID"],
        claims["consentReceiptID"]
    );
}

#[tokio::test]
async fn the_result_page_links_the_receipt_in_every_language() {
    let app = TestApp::new().await;
    let client = app.client().await;
    for (lang, label) in [
        ("en", "Download your consent receipt"),
        ("nb", "Last ned samtykkekvitteringen din"),
        ("sv", "Ladda ned ditt samtyckeskvitto"),
        ("da", "Hent din samtykkekvittering"),
    ] {
        let query = format!("client_id={client}&scope=info&test=true&iframe=true&locale={lang}");
        let first = app.start("/link", &query).await;
        let (sid, csrf) = app.sign_in(&first, "kari").await;
        let form = [("csrf", csrf.as_str()), ("decision", "accept")];
        let done = app.post_form(&format!("{sid}/consent"), &form).await;
        assert!(done.body.contains(label), "{lang}: {}", done.body);
    }
}

#[tokio::test]
async fn the_metadata_names_the_jwks_uri() {
    let app = TestApp::new().await;
    let meta = app
        .get("/.well-known/oauth-authorization-server")
        .await
        .json();
    assert_eq!(
        meta["jwks_uri"],
        "https://link.example/.well-known/jwks.json"
    );
    let jwks = app.get("/.well-known/jwks.json").await.json();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert_eq!(key["use"], "sig");
    assert!(key["d"].is_null(), "never the private key: {key}");
}

#[tokio::test]
async fn receipt_keys_are_the_same_on_every_instance_with_one_server_key() {
    let app = TestApp::new().await;
    let url = database_url();
    let make = |key: &'static str| {
        let store = app.store.clone();
        let url = url.clone();
        async move {
            let metrics = consent_link::metrics::Metrics::new().unwrap();
            let state = consent_link::state(
                store,
                &url,
                ISSUER,
                Some(key),
                secs(1800),
                no_methods(),
                metrics,
            )
            .await
            .unwrap();
            consent_link::app(state)
        }
    };
    let one = make("one-key-one-key-one-key-one-key-one-key").await;
    let two = make("one-key-one-key-one-key-one-key-one-key").await;
    let other = make("another-key-another-key-another-key-xx").await;
    let kids = |set: JwkSet| -> Vec<String> {
        set.keys
            .into_iter()
            .map(|k| k.common.key_id.unwrap())
            .collect()
    };
    let first = kids(jwks_of(&one).await);
    assert_eq!(first.len(), 1);
    assert_eq!(first, kids(jwks_of(&two).await));
    assert_ne!(first, kids(jwks_of(&other).await));
}

#[tokio::test]
async fn after_a_rotation_the_old_key_is_still_published_and_old_receipts_verify() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let key = b"test-key-test-key-test-key-test-key";
    let (_, sid) = consent_in_frame(&app, &client, "kari").await;
    let v1 = instance(&app, key, 1, &[]);
    let old = receipt_of(&v1, &sid).await;
    let v2 = instance(&app, key, 2, &KeyRing::default_previous(2));
    let jwks = jwks_of(&v2).await;
    assert_eq!(jwks.keys.len(), 2);
    verify(&old, &jwks).unwrap();
    let new = receipt_of(&v2, &sid).await;
    let kid = |jws: &str| jsonwebtoken::decode_header(jws).unwrap().kid.unwrap();
    assert_ne!(kid(&new), kid(&old));
    assert_eq!(
        jwks.keys[0].common.key_id.as_deref(),
        Some(kid(&new).as_str())
    );
    verify(&new, &jwks).unwrap();
    // With the old version no longer published, its receipts no longer verify.
    let retired = jwks_of(&instance(&app, key, 2, &[])).await;
    assert!(verify(&old, &retired)
        .unwrap_err()
        .contains("not published"));
    verify(&new, &retired).unwrap();
}

#[tokio::test]
async fn a_sessions_receipt_is_refused_to_every_other_session_and_after_it_ends() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let query = format!("client_id={client}&scope=info,income&test=true&iframe=true");
    let first = app.start("/link", &query).await;
    let before_sign_in = first.session_path();
    let (sid, csrf) = app.sign_in(&first, "kari").await;
    let not_yet = get(&app.router, &format!("{sid}/receipt")).await;
    assert_eq!(not_yet.status, StatusCode::NOT_FOUND, "before consent");
    let form = [("csrf", csrf.as_str()), ("decision", "accept")];
    let done = app.post_form(&format!("{sid}/consent"), &form).await;
    let kari = posted_user_id(&done);
    // An attacker's own browser: another client, another person. Its
    // own sessions, finished or not, give no receipt of kari's.
    let other_client = app.client().await;
    let (_, theirs) = consent_in_frame(&app, &other_client, "ola").await;
    let claims = verify(
        &receipt_of(&app.router, &theirs).await,
        &jwks_of(&app.router).await,
    );
    assert_ne!(claims.unwrap()["sub"], kari.as_str());
    let open = app
        .start(
            "/link",
            &format!("client_id={other_client}&scope=info&test=true"),
        )
        .await;
    let guessed = format!(
        "/s/{}",
        consent_link::crypto::random_token(&mut rand::thread_rng())
    );
    // kari's session's ID before she signed in reaches nothing now.
    for path in [open.session_path(), guessed, before_sign_in] {
        let res = get(&app.router, &format!("{path}/receipt")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
        assert!(!res.body.contains(&kari), "{path}");
    }
    // kari again, later, declining: that session gives no receipt, not
    // even of the consent she gave before.
    app.clock.advance(60);
    let again = app.start("/link", &query).await;
    let (declined, csrf) = app.sign_in(&again, "kari").await;
    let form = [("csrf", csrf.as_str()), ("decision", "decline")];
    let res = app.post_form(&format!("{declined}/consent"), &form).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        !res.body.contains("/receipt"),
        "no receipt link: {}",
        res.body
    );
    let res = get(&app.router, &format!("{declined}/receipt")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "declined: {}", res.body);
    // The receipt is there while the session lasts, not after.
    receipt_of(&app.router, &sid).await;
    app.clock.advance(1741);
    let ended = get(&app.router, &format!("{sid}/receipt")).await;
    assert_eq!(ended.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_withdrawn_consent_has_no_receipt() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let (done, sid) = consent_in_frame(&app, &client, "kari").await;
    receipt_of(&app.router, &sid).await;
    let token = app.client_token(&client).await;
    let user_id = posted_user_id(&done);
    let req = Request::delete(format!("/api/1.0/consents/{user_id}"))
        .header("Authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert!(res.status.is_success(), "{} {}", res.status, res.body);
    let refused = get(&app.router, &format!("{sid}/receipt")).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}
