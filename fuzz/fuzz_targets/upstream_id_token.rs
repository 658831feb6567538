//! A provider's ID token, checked as a sign-in checks it. The first byte
//! chooses how the rest is read: as a whole token (the JWS parser and
//! everything before the signature), or as the claims of a token this
//! harness signs with the provider's key, so that every check after the
//! signature (`iss`, `aud`, `exp`, `iat`, `nonce`, `auth_time`, `acr`,
//! `azp`, the identity claim) sees fuzzed claims too.
#![no_main]

use std::sync::LazyLock;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use consent_link::fuzzing::{id_token, IdTokenCase};
use consent_link::UnixTime;
use libfuzzer_sys::fuzz_target;
use openidconnect::core::{CoreEdDsaPrivateSigningKey, CoreJwsSigningAlgorithm};
use openidconnect::{JsonWebKeyId, JsonWebKeySet, PrivateSigningKey};

const METADATA: &str = r#"{
  "issuer": "https://op.example",
  "authorization_endpoint": "https://op.example/auth",
  "token_endpoint": "https://op.example/token",
  "jwks_uri": "https://op.example/jwks",
  "response_types_supported": ["code"],
  "subject_types_supported": ["public"],
  "id_token_signing_alg_values_supported": ["EdDSA", "RS256", "HS256"]
}"#;

/// The provider's signing key: Ed25519 (fast to sign with) from a fixed
/// seed, in PKCS #8 as the crate reads it. A fuzzing fixture, no secret.
static KEY: LazyLock<CoreEdDsaPrivateSigningKey> = LazyLock::new(|| {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&[7u8; 32]);
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(der)
    );
    CoreEdDsaPrivateSigningKey::from_ed25519_pem(&pem, Some(JsonWebKeyId::new("k1".into())))
        .expect("fixed key parses")
});

static JWKS: LazyLock<String> = LazyLock::new(|| {
    serde_json::to_string(&JsonWebKeySet::new(vec![KEY.as_verification_key()]))
        .expect("key set serializes")
});

fn signed(claims: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","kid":"k1"}"#);
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims));
    let signature = KEY
        .sign(&CoreJwsSigningAlgorithm::EdDsa, input.as_bytes())
        .expect("EdDSA signs");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let raw = if mode % 2 == 0 {
        match std::str::from_utf8(rest) {
            Ok(token) => token.to_owned(),
            Err(_) => return,
        }
    } else {
        signed(rest)
    };
    let case = IdTokenCase {
        metadata: METADATA.as_bytes(),
        jwks: JWKS.as_bytes(),
        client_id: "consent-link",
        identity_claim: if mode & 2 == 0 { "pid" } else { "sub" },
        acr_values: (mode & 4 == 0).then_some("idporten-loa-high"),
        nonce: "n-0S6_WzA2Mj",
        began: UnixTime::from_secs(1_700_000_000),
        now: UnixTime::from_secs(1_700_000_060),
    };
    if let Ok(identity) = id_token(&case, &raw) {
        assert!(!identity.trim().is_empty());
    }
});
