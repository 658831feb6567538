//! The end user's path: steps, results, and the rules between them.

use axum::http::StatusCode;

use crate::support::*;

fn link_query(client: &str) -> String {
    format!("client_id={client}&scope=info,income&test=true&state=st-1")
}

#[tokio::test]
async fn link_entry_consent_returns_user_id_by_303() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let params = app.consent_as("/link", &link_query(&client), "kari").await;
    let code = params.get("code").expect("code");
    assert!(
        uuid::Uuid::parse_str(code).is_ok(),
        "user ID is a UUID: {code}"
    );
    assert_eq!(params.get("state").map(String::as_str), Some("st-1"));
    assert!(
        !params.contains_key("iss"),
        "the Link entry keeps the product's format"
    );
}

#[tokio::test]
async fn root_path_is_the_link_entry_too() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let params = app.consent_as("/", &link_query(&client), "ola").await;
    assert!(uuid::Uuid::parse_str(&params["code"]).is_ok());
}

#[tokio::test]
async fn oauth_entry_consent_returns_code_and_iss() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let query =
        format!("client_id={client}&scope=info%20income&test=true&state=st-1&response_type=code");
    let params = app.consent_as("/oauth/authorize", &query, "kari").await;
    let code = params.get("code").expect("code");
    assert!(
        uuid::Uuid::parse_str(code).is_err(),
        "an authorization code, not the user ID"
    );
    assert!(code.len() >= 43, "at least 256 bits: {code}");
    assert_eq!(params.get("iss").map(String::as_str), Some(ISSUER));
    assert_eq!(params.get("state").map(String::as_str), Some("st-1"));
}

#[tokio::test]
async fn same_person_same_id_per_client_and_another_for_another_client() {
    let app = TestApp::new().await;
    let a = app.client().await;
    let b = app.client().await;
    let a1 = app.consent_as("/link", &link_query(&a), "kari").await["code"].clone();
    let a2 = app.consent_as("/link", &link_query(&a), "kari").await["code"].clone();
    let b1 = app.consent_as("/link", &link_query(&b), "kari").await["code"].clone();
    let a_other = app.consent_as("/link", &link_query(&a), "ola").await["code"].clone();
    assert_eq!(a1, a2, "stable per person and client");
    assert_ne!(a1, b1, "pairwise: another client gets another ID");
    assert_ne!(a1, a_other, "another person gets another ID");
}

#[tokio::test]
async fn decline_gives_user_cancelled_and_no_code() {
    let app = TestApp::new().await;
    let client = app.client().await;
    for (entry, expected) in [
        ("/link", "USER_CANCELLED"),
        ("/oauth/authorize", "access_denied"),
    ] {
        let first = app.start(entry, &link_query(&client)).await;
        let (sid, csrf) = app.sign_in(&first, "kari").await;
        let res = app
            .post_form(
                &format!("{sid}/consent"),
                &[("csrf", &csrf), ("decision", "decline")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let params = res.callback_params();
        assert_eq!(params.get("error").map(String::as_str), Some(expected));
        assert_eq!(params.get("state").map(String::as_str), Some("st-1"));
        assert!(!params.contains_key("code"));
    }
}

#[tokio::test]
async fn test_person_who_cancels_at_bankid_gives_user_cancelled() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app.start("/oauth/authorize", &link_query(&client)).await;
    let sid = first.session_path();
    let csrf = first.csrf();
    app.post_form(
        &format!("{sid}/method"),
        &[("csrf", &csrf), ("method", "test_bankid")],
    )
    .await;
    let res = app
        .post_form(
            &format!("{sid}/authenticate"),
            &[("csrf", &csrf), ("person", "per")],
        )
        .await;
    let params = res.callback_params();
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("access_denied")
    );
    assert!(!params.contains_key("code"));
}

#[tokio::test]
async fn cancel_button_gives_user_cancelled() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app.start("/link", &link_query(&client)).await;
    let res = app
        .post_form(
            &format!("{}/cancel", first.session_path()),
            &[("csrf", &first.csrf())],
        )
        .await;
    assert_eq!(
        res.callback_params().get("error").map(String::as_str),
        Some("USER_CANCELLED")
    );
}

#[tokio::test]
async fn consent_before_authentication_is_refused() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app.start("/link", &link_query(&client)).await;
    let sid = first.session_path();
    let csrf = first.csrf();
    let res = app
        .post_form(
            &format!("{sid}/consent"),
            &[("csrf", &csrf), ("decision", "accept")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.location().is_none());
    let res = app
        .post_form(
            &format!("{sid}/authenticate"),
            &[("csrf", &csrf), ("person", "kari")],
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::CONFLICT,
        "authentication before method selection"
    );
    // The session is unharmed: the steps in order still work.
    let (sid, csrf) = app.sign_in(&first, "kari").await;
    let res = app
        .post_form(
            &format!("{sid}/consent"),
            &[("csrf", &csrf), ("decision", "accept")],
        )
        .await;
    assert!(res.callback_params().contains_key("code"));
}

#[tokio::test]
async fn replayed_consent_issues_nothing_new() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app.start("/oauth/authorize", &link_query(&client)).await;
    let (sid, csrf) = app.sign_in(&first, "kari").await;
    let ok = app
        .post_form(
            &format!("{sid}/consent"),
            &[("csrf", &csrf), ("decision", "accept")],
        )
        .await;
    assert!(ok.callback_params().contains_key("code"));
    for decision in ["accept", "decline"] {
        let again = app
            .post_form(
                &format!("{sid}/consent"),
                &[("csrf", &csrf), ("decision", decision)],
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.location().is_none(), "no second result");
    }
    let cancel = app
        .post_form(&format!("{sid}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(cancel.status, StatusCode::CONFLICT);
    assert_eq!(app.get(&sid).await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn expired_session_says_so() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app.start("/link", &link_query(&client)).await;
    let sid = first.session_path();
    let csrf = first.csrf();
    app.clock.advance(1800);
    let page = app.get(&sid).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(
        page.body.contains("<h1>This link has expired</h1>"),
        "the heading says what happened: {}",
        page.body
    );
    assert!(page.body.contains("role=\"alert\""), "announced");
    let post = app
        .post_form(
            &format!("{sid}/method"),
            &[("csrf", &csrf), ("method", "test_bankid")],
        )
        .await;
    assert_eq!(post.status, StatusCode::GONE);
    assert!(post.location().is_none());
}

#[tokio::test]
async fn the_test_bankid_page_writes_birth_dates_as_the_language_does() {
    let app = TestApp::new().await;
    let client = app.client().await;
    for (locale, kari, per) in [
        ("en", "Born 15 July 1985.", "Born 9 February 1966."),
        ("nb", "Født 15. juli 1985.", "Født 9. februar 1966."),
        ("sv", "Född 15 juli 1985.", "Född 9 februari 1966."),
        ("da", "Født 15. juli 1985.", "Født 9. februar 1966."),
    ] {
        let query = format!("{}&locale={locale}", link_query(&client));
        let first = app.start("/link", &query).await;
        let sid = first.session_path();
        app.post_form(
            &format!("{sid}/method"),
            &[("csrf", &first.csrf()), ("method", "test_bankid")],
        )
        .await;
        let page = app.get(&sid).await;
        assert_eq!(page.status, StatusCode::OK);
        let body = html_unescape(&page.body);
        assert!(body.contains(kari), "{locale}: {body}");
        assert!(body.contains(per), "{locale}: {body}");
    }
}

#[tokio::test]
async fn session_is_alive_just_before_expiry() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app.start("/link", &link_query(&client)).await;
    app.clock.advance(1799);
    assert_eq!(app.get(&first.session_path()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn csrf_token_missing_or_from_another_session_is_refused() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app.start("/link", &link_query(&client)).await;
    let other = app.start("/link", &link_query(&client)).await;
    let sid = first.session_path();
    assert_ne!(first.csrf(), other.csrf());
    for fields in [
        vec![("method", "test_bankid")],
        vec![("csrf", ""), ("method", "test_bankid")],
        vec![
            ("csrf", other.csrf().leak() as &str),
            ("method", "test_bankid"),
        ],
    ] {
        let res = app.post_form(&format!("{sid}/method"), &fields).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{fields:?}");
    }
    let res = app
        .post_form(&format!("{sid}/cancel"), &[("csrf", &other.csrf())])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Still at the first step: nothing was applied.
    assert!(app.get(&sid).await.body.contains("/method\""));
}

#[tokio::test]
async fn unknown_session_is_404_page() {
    let app = TestApp::new().await;
    let page = app.get("/s/not-a-session").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let post = app
        .post_form(
            "/s/not-a-session/consent",
            &[("csrf", "x"), ("decision", "accept")],
        )
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn method_not_offered_is_refused() {
    // A production client's link needs a source for its scopes.
    let app = TestApp::new().await.with_sources(&uncalled_source("info"));
    let client = app
        .register(ClientSpec {
            test_allowed: false,
            ..ClientSpec::default()
        })
        .await;
    let live = app
        .start("/link", &format!("client_id={client}&scope=info"))
        .await;
    let res = app
        .post_form(
            &format!("{}/method", live.session_path()),
            &[("csrf", &live.csrf()), ("method", "test_bankid")],
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::BAD_REQUEST,
        "test BankID outside test mode"
    );
}

#[tokio::test]
async fn iframe_flow_posts_statuses_and_code_to_callback_origin_only() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app
        .start("/link", &format!("{}&iframe=true", link_query(&client)))
        .await;
    let csp = first.header("content-security-policy").unwrap();
    assert!(
        csp.contains("frame-ancestors https://acme.example;"),
        "{csp}"
    );
    assert!(first.header("x-frame-options").is_none());
    assert!(first.body.contains("src=\"/static/link-frame.js\""));
    let mut statuses = Vec::new();
    let mut collect = |page: &Page| {
        let (origin, messages) = page.frame_messages();
        assert_eq!(origin, "https://acme.example", "never '*'");
        for m in messages {
            assert_eq!(m["state"], "st-1", "state in every message: {m}");
            statuses.push(m);
        }
    };
    collect(&first);
    let (sid, csrf) = app.sign_in(&first, "kari").await;
    collect(&app.get(&sid).await);
    let done = app
        .post_form(
            &format!("{sid}/consent"),
            &[("csrf", &csrf), ("decision", "accept")],
        )
        .await;
    assert_eq!(
        done.status,
        StatusCode::OK,
        "iframe results are posted, not redirected"
    );
    assert!(done.location().is_none());
    collect(&done);
    let kinds: Vec<String> = statuses
        .iter()
        .map(|m| {
            m["status"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| m["type"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "loaded",
            "authenticated",
            "consent_shown",
            "completed",
            "code"
        ]
    );
    let code = statuses.last().unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&code).is_ok());
    // The intermediate page shows method_selected.
    let again = app
        .start("/link", &format!("{}&iframe=true", link_query(&client)))
        .await;
    let sid2 = again.session_path();
    app.post_form(
        &format!("{sid2}/method"),
        &[("csrf", &again.csrf()), ("method", "test_bankid")],
    )
    .await;
    let (_, m) = app.get(&sid2).await.frame_messages();
    assert_eq!(m[0]["status"], "method_selected");
}

#[tokio::test]
async fn iframe_decline_posts_user_cancelled() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app
        .start(
            "/oauth/authorize",
            &format!("{}&iframe=1", link_query(&client)),
        )
        .await;
    let (sid, csrf) = app.sign_in(&first, "kari").await;
    let done = app
        .post_form(
            &format!("{sid}/consent"),
            &[("csrf", &csrf), ("decision", "decline")],
        )
        .await;
    let (_, messages) = done.frame_messages();
    let last = messages.last().unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["error"]["status"], "USER_CANCELLED");
    assert_eq!(last["error"]["error"], "access_denied");
    assert!(last.get("code").is_none());
}

#[tokio::test]
async fn state_with_html_is_escaped() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let state = "<script>alert(1)</script>\"'&";
    let query = format!(
        "client_id={client}&scope=info&test=true&iframe=true&state={}",
        enc(state)
    );
    let first = app.start("/link", &query).await;
    assert!(
        !first.body.contains("<script>alert"),
        "raw HTML in the page"
    );
    let (_, messages) = first.frame_messages();
    assert_eq!(messages[0]["state"], state, "echoed back unchanged");
    // And in a redirect, unchanged after decoding.
    let params = app
        .consent_as("/link", &query.replace("&iframe=true", ""), "kari")
        .await;
    assert_eq!(params["state"], state);
}

#[tokio::test]
async fn pages_speak_norwegian_throughout() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app
        .start("/link", &format!("{}&locale=nb", link_query(&client)))
        .await;
    assert!(
        first.body.contains("lang=\"nb\"") && first.body.contains("Velg hvordan du vil logge inn")
    );
    let (sid, _) = app.sign_in(&first, "kari").await;
    let consent = app.get(&sid).await;
    assert!(
        consent.body.contains("Del informasjonen din"),
        "{}",
        consent.body
    );
    assert!(consent.body.contains("Inntekt"));
    assert!(!consent.body.contains("Unknown localization"));
}

#[tokio::test]
async fn consent_page_names_client_and_each_scope() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let first = app
        .start(
            "/link",
            &format!("client_id={client}&scope=vehicles,unsecured_loans&test=true"),
        )
        .await;
    let (sid, _) = app.sign_in(&first, "ingrid").await;
    let consent = app.get(&sid).await;
    assert!(consent.body.contains("Acme Bank"));
    assert!(consent.body.contains("Vehicles") && consent.body.contains("Unsecured debt"));
    assert!(
        !consent.body.contains("Income"),
        "only requested scopes are listed"
    );
}

#[tokio::test]
async fn styles_uri_becomes_our_theme_loaded_after_ours_and_the_csp_stays_self() {
    // Issue 11: the integrator's sheet is never linked; our checked copy is.
    let app = TestApp::new().await;
    let client = app.client().await;
    let css = "https://cdn.acme.example/brand.css";
    let first = app
        .start(
            "/link",
            &format!("{}&styles_uri={}", link_query(&client), enc(css)),
        )
        .await;
    let ours = first.body.find("/static/style.css").unwrap();
    let theme = first
        .body
        .find(&format!("{}/theme.css", first.session_path()))
        .unwrap();
    assert!(ours < theme);
    assert!(!first.body.contains("cdn.acme.example"), "{}", first.body);
    let csp = first.header("content-security-policy").unwrap();
    assert!(csp.contains("style-src 'self';"), "{csp}");
    assert!(!csp.contains("cdn.acme.example"), "{csp}");
    let plain = app.start("/link", &link_query(&client)).await;
    assert!(!plain.body.contains("theme.css"));
}
