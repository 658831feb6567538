//! Issue 11: the relying party hardened against a provider's metadata,
//! keys and answers that are not what they should be. Uses the scripted
//! provider of the parent module.

use consent_link::Clock;

use super::*;
use crate::logs::capture;

/// Whether a log line names `check`.
fn logged_check(logged: &str, check: &str) -> bool {
    logged.contains(&format!("check=\"{check}\"")) || logged.contains(&format!("check={check} "))
}

#[tokio::test]
async fn a_callback_without_iss_is_refused_where_the_provider_promises_it() {
    // Issue 11: RFC 9207 2.4, a provider whose metadata says it sends
    // `iss`: a response without it may be another provider's (mix-up).
    let logs = capture();
    let op = Op::start().await;
    op.0.lock().unwrap().sends_iss = true;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    // With the promised `iss`: signed in.
    assert!(link_as(&app, &op, &client, NIN).await.contains_key("code"));
    // Without it, whatever the answer says: a mix-up.
    for answer in ["code=CODE", "error=access_denied"] {
        let query = format!("client_id={client}&scope=info&response_type=code&state=st-i");
        let leg = leave_for_provider(&app, "/oauth/authorize", &query).await;
        let code = op.sign_in(&leg.request, NIN);
        let back = come_back(&app, &leg, &answer.replace("CODE", &code)).await;
        assert_eq!(back.location(), Some(leg.sid.as_str()), "{}", back.body);
        let params = result_params(&app.get(&leg.sid).await);
        assert_eq!(params["error"], "server_error", "{answer}: {params:?}");
        assert_eq!(params["state"], "st-i");
        assert!(!params.contains_key("code"));
    }
    assert!(logged_check(&logs.text(), "iss"), "{}", logs.text());
    // A provider that does not promise it may leave it out (the other
    // tests come back without it).
}

#[tokio::test]
async fn an_id_token_issued_in_the_future_is_refused() {
    let logs = capture();
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    // Ten minutes ahead: beyond any clock skew.
    let params = with_defects(&op, &app, defect(|d| d.issued_ahead = Some(10 * 60))).await;
    assert_eq!(params["error"], "server_error", "{params:?}");
    assert!(!params.contains_key("code"));
    assert!(logged_check(&logs.text(), "iat"), "{}", logs.text());
    // A minute ahead is a provider's clock, not a forgery.
    let client = app.client().await;
    op.misbehave(defect(|d| d.issued_ahead = Some(60)));
    let params = link_as(&app, &op, &client, NIN).await;
    op.misbehave(Defects::default());
    assert!(params.contains_key("code"), "{params:?}");
}

#[tokio::test]
async fn an_id_token_issued_to_another_party_is_refused() {
    // OpenID Connect Core 3.1.3.7 (5): `azp` must be us where present.
    let logs = capture();
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let params = with_defects(&op, &app, defect(|d| d.azp = Some("someone-else".into()))).await;
    assert_eq!(params["error"], "server_error", "{params:?}");
    assert!(!params.contains_key("code"));
    assert!(logged_check(&logs.text(), "azp"), "{}", logs.text());
    // Naming us is fine.
    let client = app.client().await;
    op.misbehave(defect(|d| d.azp = Some(OP_CLIENT.into())));
    let params = link_as(&app, &op, &client, NIN).await;
    op.misbehave(Defects::default());
    assert!(params.contains_key("code"), "{params:?}");
}

#[tokio::test]
async fn a_key_changed_under_the_same_kid_is_fetched_again_and_accepted() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let fetches = || op.0.lock().unwrap().jwks_fetches;
    link_as(&app, &op, &client, NIN).await;
    assert_eq!(fetches(), 1);
    // The provider replaces key a's material but keeps its ID.
    {
        let mut s = op.0.lock().unwrap();
        s.published = vec![2];
        s.signing = 2;
    }
    let params = link_as(&app, &op, &client, NIN).await;
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(fetches(), 2, "one fetch of the new keys");
    // The new keys are cached.
    link_as(&app, &op, &client, NIN).await;
    assert_eq!(fetches(), 2);
}

/// Sign-ins whose ID tokens are signed with key `sign_with`, at the given
/// clock steps: the provider's keys are fetched again at most once a
/// minute, and each sign-in fails the signature check.
async fn bad_signatures_fetch_keys_at_most_once_a_minute(sign_with: usize) {
    let logs = capture();
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let fetches = || op.0.lock().unwrap().jwks_fetches;
    // Discovery fetches the keys once; the first bad token once more;
    // then not again until a minute after that.
    for (advance, expected) in [(0, 2), (0, 2), (30, 2), (29, 2), (1, 3), (0, 3), (59, 3)] {
        app.clock.advance(advance);
        op.0.lock().unwrap().now = app.clock.now();
        let params = with_defects(&op, &app, defect(|d| d.sign_with = Some(sign_with))).await;
        assert_eq!(params["error"], "server_error", "{params:?}");
        assert!(!params.contains_key("code"));
        assert_eq!(fetches(), expected, "after {advance}s more");
    }
    assert!(logged_check(&logs.text(), "signature"), "{}", logs.text());
    // The provider's good tokens still verify by the cached keys.
    let client = app.client().await;
    assert!(link_as(&app, &op, &client, NIN).await.contains_key("code"));
    assert_eq!(fetches(), 3);
}

#[tokio::test]
async fn a_bad_signature_under_a_known_kid_fetches_keys_at_most_once_a_minute() {
    // Key b's material under key a's ID, never published.
    bad_signatures_fetch_keys_at_most_once_a_minute(2).await;
}

#[tokio::test]
async fn an_unknown_kid_fetches_keys_at_most_once_a_minute() {
    // Key b, never published.
    bad_signatures_fetch_keys_at_most_once_a_minute(1).await;
}

#[tokio::test]
async fn endpoints_are_checked_before_any_is_called() {
    // Every endpoint the metadata names is checked (the userinfo endpoint,
    // which consent-link does not call today, included), and before any
    // is called: the keys are not fetched from a provider whose metadata
    // is refused.
    for field in ["userinfo_endpoint", "token_endpoint", "jwks_uri"] {
        let logs = capture();
        let op = Op::start().await;
        op.0.lock()
            .unwrap()
            .extra_metadata
            .insert(field.into(), "http://op.example/x".into());
        let app = app_with(&op.issuer()).await;
        let client = app.client().await;
        let (_, page) = sign_in_that_cannot_start(&app, &client, "st-u").await;
        assert!(page.body.contains("error=TEMPORARY_ERROR"), "{}", page.body);
        assert!(logs.text().contains(field), "{}", logs.text());
        assert_eq!(op.0.lock().unwrap().jwks_fetches, 0, "{field}");
    }
}
