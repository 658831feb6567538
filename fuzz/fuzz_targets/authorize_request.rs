//! An authorization request's query (`/`, `/link`, `/oauth/authorize`),
//! evaluated for two registered clients. Besides never panicking, what
//! the evaluation decides must keep the rules an attacker would attack:
//! a result only ever goes to a callback the client registered, with
//! scopes it allows, `state` within bounds, styles from its origins.
#![no_main]

use std::sync::LazyLock;

use consent_link::oauth2::authorize::{
    client_id, evaluate, AuthorizationRequest, Delivery, Entry, Rejection, MAX_STATE_BYTES,
};
use consent_link::oauth2::client::Client;
use consent_link::oauth2::error::OAuthError;
use consent_link::oauth2::params::Params;
use consent_link::oauth2::result::{message, redirect_url, Outcome};
use consent_link::oauth2::scope::Scopes;
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://link.example";

fn client(id: &str, callbacks: &[&str], scopes: &str, test: bool, confidential: bool) -> Client {
    Client {
        id: id.into(),
        name: id.into(),
        callback_uris: callbacks.iter().map(|c| (*c).to_owned()).collect(),
        allowed_scopes: Scopes::parse(scopes).expect("fixed scopes parse"),
        styles_origins: vec!["https://bank.example".into()],
        test_allowed: test,
        confidential,
    }
}

static CLIENTS: LazyLock<[Client; 2]> = LazyLock::new(|| {
    [
        client(
            "bank",
            &["https://bank.example/cb"],
            "info,income,tax_data_pdf",
            true,
            true,
        ),
        client(
            "app",
            &["https://app.example/one?x=1", "http://127.0.0.1:8080/two"],
            "vehicles,e_invoices,unsecured_loans",
            false,
            false,
        ),
    ]
});

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let params = Params::parse(query);
    let _ = client_id(&params);
    for client in CLIENTS.iter() {
        for entry in [Entry::Link, Entry::OAuth2] {
            match evaluate(entry, &params, client, &["en", "nb"]) {
                Ok(request) => accepted(&request, client),
                Err(Rejection::Deliver(delivery, error)) => delivered(&delivery, client, &error),
                Err(Rejection::Page(e)) => {
                    let _ = e.message_key();
                }
            }
        }
    }
});

fn accepted(request: &AuthorizationRequest, client: &Client) {
    assert!(request.scopes.is_subset(&client.allowed_scopes));
    if let Some(styles) = &request.styles_uri {
        let origin = styles.origin().ascii_serialization();
        assert!(client.styles_origins.contains(&origin), "{styles}");
    }
    let code = Outcome::Code("c0de".into());
    check_delivery(&request.delivery, client, &code);
}

fn delivered(delivery: &Delivery, client: &Client, error: &OAuthError) {
    check_delivery(delivery, client, &Outcome::Error(error.clone()));
}

fn check_delivery(delivery: &Delivery, client: &Client, outcome: &Outcome) {
    let callback = delivery.callback.as_str();
    assert!(
        client.callback_uris.iter().any(|c| c == callback),
        "delivered to {callback}"
    );
    assert!(delivery
        .state
        .as_ref()
        .is_none_or(|s| s.len() <= MAX_STATE_BYTES));
    let url = redirect_url(delivery, outcome, ISSUER);
    assert_eq!(url.origin(), delivery.callback.origin());
    assert_eq!(url.path(), delivery.callback.path());
    assert!(url.fragment().is_none());
    let _ = message(delivery, outcome, ISSUER).to_string();
}
