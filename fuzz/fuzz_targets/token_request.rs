//! A token request: the `Authorization` header (HTTP Basic, both parts
//! form-urlencoded) and the form body, read as the token endpoint reads
//! them, then the code exchange and PKCE checks on what they carry. The
//! input is the header's value, a newline, then the body (no newline: no
//! header).
#![no_main]

use consent_link::oauth2::params::Params;
use consent_link::oauth2::pkce::CodeChallenge;
use consent_link::oauth2::scope::Scopes;
use consent_link::oauth2::token::{client_auth, credentials, exchange_code, StoredCode};
use consent_link::UnixTime;
use libfuzzer_sys::fuzz_target;

/// The names the token endpoint reads (`http::token`).
const TOKEN_PARAMETERS: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "client_id",
    "client_secret",
    "scope",
];

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (authorization, body) = match input.split_once('\n') {
        Some((header, body)) => (Some(header), body),
        None => (None, input),
    };
    let params = Params::parse(body);
    if params.first_repeated(TOKEN_PARAMETERS).is_some() {
        return;
    }
    let get = |name: &str| params.get(name).ok().flatten();
    if let Some(header) = authorization {
        let _ = credentials(header, "bearer");
    }
    let auth = client_auth(authorization, get("client_id"), get("client_secret"));
    if let (Ok(auth), Some(form_id)) = (&auth, get("client_id")) {
        assert_eq!(auth.client_id, form_id, "Basic and form name one client");
    }
    if let Some(scope) = get("scope") {
        let _ = Scopes::parse(scope);
    }
    let client = auth.map(|a| a.client_id).unwrap_or_default();
    for used in [false, true] {
        let code = StoredCode {
            client_id: "bank".into(),
            redirect_uri: "https://bank.example/cb".into(),
            redirect_given: true,
            // The S256 challenge of RFC 7636 appendix B's verifier.
            challenge: Some(CodeChallenge::from_stored(
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            )),
            expires_at: UnixTime::from_secs(1_000),
            used,
        };
        let _ = exchange_code(
            &code,
            &client,
            get("redirect_uri"),
            get("code_verifier"),
            UnixTime::from_secs(900),
        );
    }
});
