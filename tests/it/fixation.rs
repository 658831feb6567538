//! Consent fixation (issue 11): a stranger who started a flow and sent the
//! end user its `/s/<sid>` link must not be able to finish it once the end
//! user has signed in. The attacker and the end user are separate clients
//! here: nothing passes between them but the link the attacker sent.

use axum::http::StatusCode;

use crate::support::{enc, Page, TestApp};

/// What the attacker still holds: the session link it started and the
/// CSRF token printed on its first page.
struct Attacker {
    sid: String,
    csrf: String,
}

/// The attacker starts a flow at `entry` (in its own name, with its own
/// `state`) and keeps the link and the first page's token.
async fn attacker_starts(app: &TestApp, entry: &str, client: &str, iframe: bool) -> Attacker {
    let mut query = format!(
        "client_id={client}&scope=info&test=true&state=attackers-state&callback_uri={}&redirect_uri={}",
        enc("https://acme.example/cb"),
        enc("https://acme.example/cb"),
    );
    if entry == "/link" {
        query = query.replace(
            &format!("&redirect_uri={}", enc("https://acme.example/cb")),
            "",
        );
    } else {
        query = query.replace(
            &format!("&callback_uri={}", enc("https://acme.example/cb")),
            "",
        );
        query.push_str("&response_type=code");
    }
    if iframe {
        query.push_str("&iframe=true");
    }
    let first = app.start(entry, &query).await;
    Attacker {
        sid: first.session_path(),
        csrf: first.csrf(),
    }
}

/// The victim opens the link it was sent and signs in with the test
/// BankID as Kari; returns the new session path it was sent on to.
async fn victim_signs_in(app: &TestApp, link: &str) -> String {
    let page = app.get(link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    let res = app
        .post_form(
            &format!("{link}/method"),
            &[("csrf", &csrf), ("method", "test_bankid")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = app
        .post_form(
            &format!("{link}/authenticate"),
            &[("csrf", &csrf), ("person", "kari")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let next = res.location().unwrap().to_owned();
    assert_ne!(next, link, "the session kept the ID the attacker knows");
    next
}

/// Everything the attacker can try with the old link after the victim
/// signed in; each must give it nothing.
pub async fn attacker_gets_nothing(app: &TestApp, attacker_sid: &str, attacker_csrf: &str) {
    let page = app.get(attacker_sid).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(!page.body.contains("name=\"csrf\""), "{}", page.body);
    assert!(!page.body.contains("decision"), "{}", page.body);
    assert_no_result(&page);

    for decision in ["accept", "decline"] {
        let res = app
            .post_form(
                &format!("{attacker_sid}/consent"),
                &[("csrf", attacker_csrf), ("decision", decision)],
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_no_result(&res);
    }
    let res = app
        .post_form(
            &format!("{attacker_sid}/cancel"),
            &[("csrf", attacker_csrf)],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_no_result(&res);

    // The status says only that the session moved: no step.
    let status = app.get(&format!("{attacker_sid}/status")).await;
    assert_eq!(
        status.json(),
        serde_json::json!({"step": null, "moved": true}),
        "{}",
        status.body
    );
}

/// A response carries no result for the integrator: no redirect and no
/// message for the embedding page.
fn assert_no_result(page: &Page) {
    assert!(page.location().is_none(), "{:?}", page.location());
    assert!(!page.body.contains("data-messages"), "{}", page.body);
    assert!(!page.body.contains("acme.example/cb"), "{}", page.body);
}

/// The victim's own flow goes on under the new ID and completes.
async fn victim_consents(app: &TestApp, next: &str, iframe: bool) {
    let page = app.get(next).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("decision"), "{}", page.body);
    let res = app
        .post_form(
            &format!("{next}/consent"),
            &[("csrf", &page.csrf()), ("decision", "accept")],
        )
        .await;
    if iframe {
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let (_, messages) = res.frame_messages();
        assert!(messages.iter().any(|m| m["type"] == "code"), "{messages:?}");
    } else {
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert!(res.callback_params().contains_key("code"));
    }
}

#[tokio::test]
async fn fixation_a_stranger_cannot_finish_a_test_bankid_sign_in() {
    let app = TestApp::new().await;
    let client = app.client().await;
    for entry in ["/link", "/oauth/authorize"] {
        for iframe in [false, true] {
            let attacker = attacker_starts(&app, entry, &client, iframe).await;
            let next = victim_signs_in(&app, &attacker.sid).await;
            attacker_gets_nothing(&app, &attacker.sid, &attacker.csrf).await;
            victim_consents(&app, &next, iframe).await;
            // Even after the victim is done, the old link reaches nothing.
            attacker_gets_nothing(&app, &attacker.sid, &attacker.csrf).await;
        }
    }
}

#[tokio::test]
async fn the_old_link_says_where_the_session_went_in_the_end_users_language() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app
        .start(
            "/link",
            &format!("client_id={client}&scope=info&locale=nb&test=true"),
        )
        .await;
    let sid = first.session_path();
    victim_signs_in(&app, &sid).await;
    let page = app.get(&sid).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("lang=\"nb\""), "{}", page.body);
    assert!(page.body.contains("et annet vindu"), "{}", page.body);
}

#[tokio::test]
async fn a_session_id_is_stored_only_as_a_hash_and_changes_at_sign_in() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app
        .start("/link", &format!("client_id={client}&scope=info&test=true"))
        .await;
    let sid = first.session_path();
    let raw = sid.trim_start_matches("/s/");
    let old_hash = consent_link::crypto::hash_token(raw);
    assert!(app.store.get_link_session(raw).await.unwrap().is_none());
    assert!(app
        .store
        .get_link_session(&old_hash)
        .await
        .unwrap()
        .is_some());
    let next = victim_signs_in(&app, &sid).await;
    let new_hash = consent_link::crypto::hash_token(next.trim_start_matches("/s/"));
    assert!(app
        .store
        .get_link_session(&old_hash)
        .await
        .unwrap()
        .is_none());
    let row = app
        .store
        .get_link_session(&new_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.step, consent_link::flow::Step::Authenticated);
    let moved = app.store.get_moved_link_session(&old_hash).await.unwrap();
    assert_eq!(moved.unwrap().id_hash, new_hash);
}

/// Every stored field of a session, to compare before and after.
async fn snapshot(app: &TestApp, sid: &str) -> String {
    let hash = consent_link::crypto::hash_token(sid.trim_start_matches("/s/"));
    format!("{:?}", app.store.get_link_session(&hash).await.unwrap())
}

#[tokio::test]
async fn a_get_never_moves_a_session() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app
        .start(
            "/oauth/authorize",
            &format!("client_id={client}&scope=info&test=true&iframe=true"),
        )
        .await;
    let sid = first.session_path();
    let check = |sid: String| {
        let app = &app;
        async move {
            let before = snapshot(app, &sid).await;
            for path in [sid.clone(), format!("{sid}/status")] {
                app.get(&path).await;
                app.get(&path).await;
            }
            assert_eq!(snapshot(app, &sid).await, before);
        }
    };
    check(sid.clone()).await;
    let res = app
        .post_form(
            &format!("{sid}/method"),
            &[("csrf", &first.csrf()), ("method", "test_bankid")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    check(sid.clone()).await;
    let next = victim_signs_in_from_method_page(&app, &sid, &first.csrf()).await;
    check(next).await;
}

/// The test BankID step alone, for a session at method selection.
async fn victim_signs_in_from_method_page(app: &TestApp, sid: &str, csrf: &str) -> String {
    let res = app
        .post_form(
            &format!("{sid}/authenticate"),
            &[("csrf", csrf), ("person", "kari")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location().unwrap().to_owned()
}

/// In iframe mode the result page also carries the link to the callback
/// for when it is not framed (a sign-in window with no opener goes on by
/// itself): hidden, shown by script at top level (review of issue 11).
#[tokio::test]
async fn an_iframe_result_offers_the_callback_link_when_not_framed() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app
        .start(
            "/link",
            &format!("client_id={client}&scope=info&iframe=true&state=s-1"),
        )
        .await;
    let (sid, csrf) = app.sign_in(&first, "kari").await;
    let done = app
        .post_form(
            &format!("{sid}/consent"),
            &[("csrf", &csrf), ("decision", "accept")],
        )
        .await;
    let body = crate::support::html_unescape(&done.body);
    let at = body
        .find("id=\"cl-top-continue\" hidden><a href=\"https://acme.example/cb?code=")
        .unwrap_or_else(|| panic!("{body}"));
    assert!(body[at..].contains("state=s-1"), "{body}");
}
