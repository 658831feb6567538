//! The authorization request rules, with a fixed client.

use super::*;

fn client() -> Client {
    Client {
        id: "acme".into(),
        name: "Acme".into(),
        callback_uris: vec!["https://acme.example/cb".into()],
        allowed_scopes: Scopes::parse("info,income,vehicles").unwrap(),
        styles_origins: vec!["https://cdn.acme.example".into()],
        test_allowed: true,
        confidential: true,
    }
}

fn eval(entry: Entry, q: &str) -> Result<AuthorizationRequest, Rejection> {
    evaluate(entry, &Params::parse(q), &client(), &["en", "nb"])
}

fn delivered_code(r: Result<AuthorizationRequest, Rejection>) -> ErrorCode {
    match r {
        Err(Rejection::Deliver(_, e)) => e.code,
        other => panic!("expected a delivered error, got {other:?}"),
    }
}

#[test]
fn single_callback_may_be_omitted() {
    let r = eval(Entry::Link, "client_id=acme&scope=info").unwrap();
    assert_eq!(r.delivery.callback.as_str(), "https://acme.example/cb");
    assert!(!r.delivery.callback_given);
}

#[test]
fn callback_compared_as_string() {
    for cb in [
        "https://acme.example/cb/",
        "https://ACME.example/cb",
        "https://acme.example/cb?x=1",
    ] {
        let q = format!("client_id=acme&scope=info&callback_uri={}", urlencode(cb));
        assert_eq!(
            eval(Entry::Link, &q),
            Err(Rejection::Page(PageError::CallbackMismatch)),
            "{cb}"
        );
    }
}

#[test]
fn errors_after_callback_carry_state() {
    let r = eval(Entry::OAuth2, "client_id=acme&scope=bananas&state=s1");
    match r {
        Err(Rejection::Deliver(d, e)) => {
            assert_eq!(d.state.as_deref(), Some("s1"));
            assert_eq!(e.code, ErrorCode::InvalidScope);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn scope_outside_client_allowance_is_invalid_scope() {
    assert_eq!(
        delivered_code(eval(Entry::Link, "client_id=acme&scope=e_invoices")),
        ErrorCode::InvalidScope
    );
}

#[test]
fn response_type_other_than_code_is_refused() {
    assert_eq!(
        delivered_code(eval(
            Entry::OAuth2,
            "client_id=acme&scope=info&response_type=token"
        )),
        ErrorCode::UnsupportedResponseType
    );
}

#[test]
fn repeated_parameter_is_invalid_request() {
    assert_eq!(
        delivered_code(eval(
            Entry::OAuth2,
            "client_id=acme&scope=info&scope=income"
        )),
        ErrorCode::InvalidRequest
    );
}

#[test]
fn state_longer_than_512_bytes_is_refused() {
    let q = format!("client_id=acme&scope=info&state={}", "a".repeat(513));
    assert_eq!(
        delivered_code(eval(Entry::Link, &q)),
        ErrorCode::InvalidRequest
    );
    let q = format!("client_id=acme&scope=info&state={}", "a".repeat(512));
    assert!(eval(Entry::Link, &q).is_ok());
}

#[test]
fn styles_uri_must_be_registered_origin_and_secure() {
    let ok = "client_id=acme&scope=info&styles_uri=https%3A%2F%2Fcdn.acme.example%2Fa.css";
    assert!(eval(Entry::Link, ok).unwrap().styles_uri.is_some());
    for bad in [
        "http://cdn.acme.example/a.css",
        "https://evil.example/a.css",
        "javascript:alert(1)",
    ] {
        let q = format!("client_id=acme&scope=info&styles_uri={}", urlencode(bad));
        assert_eq!(
            delivered_code(eval(Entry::Link, &q)),
            ErrorCode::InvalidRequest,
            "{bad}"
        );
    }
}

#[test]
fn public_client_needs_pkce() {
    let mut c = client();
    c.confidential = false;
    let r = evaluate(
        Entry::OAuth2,
        &Params::parse("client_id=acme&scope=info"),
        &c,
        &["en"],
    );
    assert_eq!(delivered_code(r), ErrorCode::InvalidRequest);
}

#[test]
fn tax_entities_are_checked_and_kept_only_for_tax_data_pdf() {
    let mut c = client();
    c.allowed_scopes = Scopes::parse("info,tax_data_pdf").unwrap();
    let eval = |q: &str| evaluate(Entry::Link, &Params::parse(q), &c, &["en"]);
    let ok = eval("client_id=acme&scope=tax_data_pdf&tax_entities=974760673,923609016");
    assert_eq!(ok.unwrap().tax_entities, ["974760673", "923609016"]);
    let other = eval("client_id=acme&scope=info&tax_entities=974760673").unwrap();
    assert!(other.tax_entities.is_empty());
    for bad in ["974760674", "12345678", "974760673%3B923609016"] {
        let q = format!("client_id=acme&scope=tax_data_pdf&tax_entities={bad}");
        assert_eq!(delivered_code(eval(&q)), ErrorCode::InvalidRequest, "{bad}");
    }
}

#[test]
fn unsupported_locale_is_ignored() {
    assert_eq!(
        eval(Entry::Link, "client_id=acme&scope=info&locale=fr")
            .unwrap()
            .locale,
        None
    );
    assert_eq!(
        eval(Entry::Link, "client_id=acme&scope=info&locale=nb")
            .unwrap()
            .locale
            .as_deref(),
        Some("nb")
    );
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
