//! The entry points' request rules (SPEC.md "Request errors").

use axum::http::StatusCode;

use crate::support::*;

const CB: &str = "https://acme.example/cb";

fn q(client: &str, rest: &str) -> String {
    format!("client_id={client}&scope=info&test=true{rest}")
}

/// A refused request that must show a page and never redirect.
fn assert_page_no_redirect(page: &Page, why: &str) {
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{why}: {}", page.body);
    assert!(
        page.location().is_none(),
        "{why}: redirected to {:?}",
        page.location()
    );
    assert!(page.body.contains("<h1>"), "{why}: not a page");
}

#[tokio::test]
async fn authorize_never_redirects_to_unregistered_callback() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let variants = [
        "https://acme.example/CB",
        "https://ACME.example/cb",
        "https://acme.example/cb/",
        "https://acme.example/cb?x=1",
        "https://acme.example/cb/more",
        "https://acme.example/cbmore",
        "https://user@acme.example/cb",
        "https://acme.example@evil.example/cb",
        "https://acme.example/cb/%2e%2e/cb",
        "https://acme.example/cb/%252e%252e/cb",
        "https://acme.example/cb\\..\\x",
        "https://acme.example\\cb",
        "https://evil.example/cb",
        "http://acme.example/cb",
        "https://acme.example:443/cb",
        "https://acme.example/cb#frag",
        "//acme.example/cb",
    ];
    for entry in ["/link", "/oauth/authorize"] {
        for param in ["callback_uri", "redirect_uri"] {
            for cb in variants {
                let page = app
                    .get(&format!("{entry}?{}&{param}={}", q(&client, ""), enc(cb)))
                    .await;
                assert_page_no_redirect(&page, &format!("{entry} {param}={cb}"));
            }
        }
    }
}

#[tokio::test]
async fn callback_required_when_several_are_registered() {
    let app = TestApp::new().await;
    let client = app
        .register(ClientSpec {
            callbacks: vec![CB, "https://acme.example/other"],
            ..Default::default()
        })
        .await;
    assert_page_no_redirect(
        &app.get(&format!("/link?{}", q(&client, ""))).await,
        "no callback",
    );
    let ok = app
        .get(&format!(
            "/link?{}&callback_uri={}",
            q(&client, ""),
            enc("https://acme.example/other")
        ))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_or_missing_client_shows_page() {
    let app = TestApp::new().await;
    assert_page_no_redirect(
        &app.get(&format!("/link?{}", q("nobody", ""))).await,
        "unknown",
    );
    assert_page_no_redirect(&app.get("/link?scope=info").await, "missing");
    assert_page_no_redirect(&app.get("/oauth/authorize?scope=info").await, "missing");
    let client = app.client().await;
    let twice = format!("/link?{}&client_id={client}", q(&client, ""));
    assert_page_no_redirect(&app.get(&twice).await, "client_id twice");
    let conflicting = format!(
        "/oauth/authorize?{}&redirect_uri={}&callback_uri={}",
        q(&client, ""),
        enc(CB),
        enc("https://acme.example/other")
    );
    assert_page_no_redirect(&app.get(&conflicting).await, "conflicting callbacks");
}

#[tokio::test]
async fn error_page_is_localised() {
    let app = TestApp::new().await;
    let en = app.get("/link?client_id=nobody&scope=info").await;
    let nb = app.get("/link?client_id=nobody&scope=info&locale=nb").await;
    let nb_header = app
        .get_with(
            "/link?client_id=nobody&scope=info",
            &[("accept-language", "nb-NO,nb;q=0.9")],
        )
        .await;
    assert!(en.body.contains("lang=\"en\""));
    assert!(nb.body.contains("lang=\"nb\"") && nb.body.contains("Noe gikk galt"));
    assert!(nb_header.body.contains("lang=\"nb\""));
}

/// Requests refused after the callback is validated go back to it, with
/// `state`, by 303.
async fn delivered(
    app: &TestApp,
    entry: &str,
    query: &str,
) -> std::collections::HashMap<String, String> {
    let page = app.get(&format!("{entry}?{query}")).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "{entry}?{query}: {}",
        page.body
    );
    assert!(
        page.location().unwrap().starts_with(CB),
        "{:?}",
        page.location()
    );
    let params = page.callback_params();
    assert_eq!(
        params.get("state").map(String::as_str),
        Some("st-1"),
        "{query}"
    );
    assert!(!params.contains_key("code"));
    params
}

#[tokio::test]
async fn bad_requests_are_delivered_with_state_on_both_entries() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let no_test = app
        .register(ClientSpec {
            test_allowed: false,
            ..Default::default()
        })
        .await;
    let cases: Vec<(String, &str)> = vec![
        (
            format!("client_id={client}&scope=bananas&state=st-1"),
            "invalid_scope",
        ),
        (
            format!("client_id={client}&scope=e_invoices&state=st-1"),
            "invalid_scope",
        ),
        (format!("client_id={client}&state=st-1"), "invalid_scope"),
        (
            format!("client_id={no_test}&scope=info&test=true&state=st-1"),
            "unauthorized_client",
        ),
        (
            format!(
                "{}&state=st-1&styles_uri={}",
                q(&client, ""),
                enc("https://evil.example/a.css")
            ),
            "invalid_request",
        ),
        (
            format!(
                "{}&state=st-1&styles_uri={}",
                q(&client, ""),
                enc("http://cdn.acme.example/a.css")
            ),
            "invalid_request",
        ),
        (
            format!("{}&state=st-1&scope=income", q(&client, "")),
            "invalid_request",
        ),
        (
            format!("{}&state=st-1&locale=en&locale=nb", q(&client, "")),
            "invalid_request",
        ),
        (
            format!("{}&state=st-1&test=maybe", q(&client, "")),
            "invalid_request",
        ),
    ];
    for (query, rfc) in &cases {
        let oauth = delivered(&app, "/oauth/authorize", query).await;
        assert_eq!(
            oauth.get("error").map(String::as_str),
            Some(*rfc),
            "{query}"
        );
        assert!(oauth.contains_key("error_description"), "{query}");
        assert_eq!(
            oauth.get("iss").map(String::as_str),
            Some(ISSUER),
            "iss on error results: {query}"
        );
        let link = delivered(&app, "/link", query).await;
        assert_eq!(
            link.get("error").map(String::as_str),
            Some("BAD_REQUEST"),
            "{query}"
        );
        assert!(link.contains_key("message"), "{query}");
        assert!(!link.contains_key("iss"));
    }
}

#[tokio::test]
async fn pkce_is_s256_only() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let good = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let bad = [
        format!("&code_challenge={good}"),
        format!("&code_challenge={good}&code_challenge_method=plain"),
        format!("&code_challenge={}&code_challenge_method=S256", &good[..42]),
        format!("&code_challenge={good}A&code_challenge_method=S256"),
        format!(
            "&code_challenge={}&code_challenge_method=S256",
            good.replace('-', "+")
        ),
        "&code_challenge_method=S256".to_string(),
    ];
    for extra in &bad {
        let query = format!("{}&state=st-1{extra}", q(&client, ""));
        let params = delivered(&app, "/oauth/authorize", &query).await;
        assert_eq!(
            params.get("error").map(String::as_str),
            Some("invalid_request"),
            "{extra}"
        );
    }
    let ok = app
        .get(&format!(
            "/oauth/authorize?{}&code_challenge={good}&code_challenge_method=S256",
            q(&client, "")
        ))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

#[tokio::test]
async fn public_client_must_use_pkce() {
    let app = TestApp::new().await;
    let client = app
        .register(ClientSpec {
            confidential: false,
            ..Default::default()
        })
        .await;
    let params = delivered(
        &app,
        "/oauth/authorize",
        &format!("{}&state=st-1", q(&client, "")),
    )
    .await;
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn unsupported_response_type_is_delivered() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let params = delivered(
        &app,
        "/oauth/authorize",
        &format!("{}&state=st-1&response_type=token", q(&client, "")),
    )
    .await;
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("unsupported_response_type")
    );
}

#[tokio::test]
async fn a_crafted_link_cannot_put_its_own_text_in_the_error() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let frozen = "Your+account+is+frozen.+Call+%2B47+000+00+000+%22now%22";
    for (entry, extra, text) in [
        (
            "/oauth/authorize",
            format!("&response_type={frozen}"),
            "error_description",
        ),
        (
            "/oauth/authorize",
            format!("&scope=info,{frozen}"),
            "error_description",
        ),
        ("/link", format!("&scope=info,{frozen}"), "message"),
        // A repeated parameter we do not know is ignored (RFC 6749
        // §3.1); a repeated known one names only itself.
        (
            "/oauth/authorize",
            format!("&{frozen}=1&{frozen}=2&iframe=0&iframe=0"),
            "error_description",
        ),
    ] {
        let query = format!("client_id={client}&state=st-1{extra}");
        let query = if extra.contains("scope=") {
            query
        } else {
            format!("{query}&scope=info")
        };
        let params = delivered(&app, entry, &query).await;
        let description = &params[text];
        assert!(
            !description.contains("frozen"),
            "{entry}{extra}: {description}"
        );
        assert!(!description.contains('"'), "{description}");
    }
}

#[tokio::test]
async fn state_longer_than_512_bytes_is_refused_without_echo() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let long = "s".repeat(513);
    let page = app
        .get(&format!("/oauth/authorize?{}&state={long}", q(&client, "")))
        .await;
    let params = page.callback_params();
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("invalid_request")
    );
    assert!(!params.contains_key("state"));
}

#[tokio::test]
async fn scope_accepts_commas_and_spaces() {
    let app = TestApp::new().await;
    let client = app.client().await;
    for scope in [
        "info,income",
        "info%20income",
        "info+income",
        "info,%20income",
    ] {
        let first = app
            .start(
                "/oauth/authorize",
                &format!("client_id={client}&scope={scope}&test=true"),
            )
            .await;
        // Both scopes reach the consent page.
        let (sid, _) = app.sign_in(&first, "kari").await;
        let consent = app.get(&sid).await;
        let mut listed: Vec<&str> = consent
            .body
            .split("<li><strong>")
            .skip(1)
            .filter_map(|item| item.split("</strong>").next())
            .collect();
        listed.sort();
        assert_eq!(listed, ["Income", "Personal information"], "{scope}");
    }
}

#[tokio::test]
async fn errors_in_iframe_mode_are_posted_to_callback_origin() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let page = app
        .get(&format!(
            "/link?client_id={client}&scope=bananas&iframe=true&state=st-1"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let (origin, messages) = page.frame_messages();
    assert_eq!(origin, "https://acme.example");
    let last = messages.last().unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["error"]["status"], "BAD_REQUEST");
    assert_eq!(last["state"], "st-1");
}
