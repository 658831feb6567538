//! The checks of an ID token and an authorization response beyond what
//! the `openidconnect` crate's verifier does, and how a failed one is
//! named in the log.

use openidconnect::core::CoreJwsSigningAlgorithm;
use openidconnect::{ClaimsVerificationError, SignatureVerificationError};

use super::discovery::Metadata;
use super::{rejected, Claims, UpstreamError, IAT_SKEW};
use crate::time::UnixTime;

/// The signature algorithms accepted for ID tokens: the public-key ones the
/// provider names (RS256 when it names none). Never `none`, and never an
/// HMAC keyed with our client secret: a token must be the provider's own
/// signature, checkable by its published keys.
pub(super) fn signing_algs(metadata: &Metadata) -> Vec<CoreJwsSigningAlgorithm> {
    use CoreJwsSigningAlgorithm as A;
    let algs: Vec<CoreJwsSigningAlgorithm> = metadata
        .id_token_signing_alg_values_supported()
        .iter()
        .filter(|a| {
            matches!(
                a,
                A::RsaSsaPkcs1V15Sha256
                    | A::RsaSsaPkcs1V15Sha384
                    | A::RsaSsaPkcs1V15Sha512
                    | A::RsaSsaPssSha256
                    | A::RsaSsaPssSha384
                    | A::RsaSsaPssSha512
                    | A::EcdsaP256Sha256
                    | A::EcdsaP384Sha384
                    | A::EcdsaP521Sha512
                    | A::EdDsa
            )
        })
        .cloned()
        .collect();
    if algs.is_empty() {
        vec![A::RsaSsaPkcs1V15Sha256]
    } else {
        algs
    }
}

/// RFC 9207: the `iss` of an authorization response, `given`, names the
/// provider the sign-in went to, `expected`; where the provider promised
/// it (`promised`), a response without one is not the provider's either.
pub(super) fn response_issuer(
    expected: &str,
    given: Option<&str>,
    promised: bool,
) -> Result<(), UpstreamError> {
    match given {
        Some(iss) if iss == expected => Ok(()),
        Some(_) => Err(rejected("iss", "the callback names another issuer")),
        None if promised => Err(rejected(
            "iss",
            "the callback has no iss, which the provider's metadata promises",
        )),
        None => Ok(()),
    }
}

/// A token the provider says it issued in the future (beyond clock
/// skew) is not one to trust: its lifetime is not what it says.
pub(super) fn check_issued_at(claims: &Claims, now: UnixTime) -> Result<(), UpstreamError> {
    let iat = UnixTime::from_datetime(claims.issue_time());
    if iat > now + IAT_SKEW {
        return Err(rejected(
            "iat",
            format!("issued {}s in the future", iat.secs_since(now)),
        ));
    }
    Ok(())
}

/// `now` as the ID-token verifier's clock. A time beyond the calendar
/// reads as its end, when every token has expired: failing closed, as the
/// clock does (never as 1970, when none has).
pub(super) fn verifier_time(now: UnixTime) -> chrono::DateTime<chrono::Utc> {
    now.to_datetime()
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
}

/// OpenID Connect Core 3.1.3.7 (5): a token issued to another party
/// (`azp`) is not ours, whatever its audiences.
pub(super) fn check_authorized_party(
    claims: &Claims,
    client_id: &str,
) -> Result<(), UpstreamError> {
    match claims.authorized_party() {
        Some(azp) if azp.as_str() != client_id => Err(rejected(
            "azp",
            format!("issued to the authorized party {:?}", azp.as_str()),
        )),
        _ => Ok(()),
    }
}

/// Whether fresh keys might verify what the cached ones did not: an
/// unknown key ID, or a key changed under the same ID. Not a refused
/// algorithm or a missing signature.
pub(super) fn keys_may_be_stale(e: &ClaimsVerificationError) -> bool {
    use SignatureVerificationError as S;
    matches!(
        e,
        ClaimsVerificationError::SignatureVerification(
            S::NoMatchingKey | S::CryptoError(_) | S::InvalidKey(_) | S::AmbiguousKeyId(_)
        )
    )
}

/// The name of the ID-token check that failed, for the log line.
pub(super) fn check_name(e: &ClaimsVerificationError) -> &'static str {
    match e {
        ClaimsVerificationError::Expired(_) => "exp",
        ClaimsVerificationError::InvalidAudience(_) => "aud",
        ClaimsVerificationError::InvalidIssuer(_) => "iss",
        ClaimsVerificationError::InvalidNonce(_) => "nonce",
        ClaimsVerificationError::InvalidAuthContext(_) => "acr",
        ClaimsVerificationError::InvalidAuthTime(_) => "auth_time",
        ClaimsVerificationError::InvalidSubject(_) => "sub",
        ClaimsVerificationError::SignatureVerification(_) => "signature",
        _ => "claims",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OP: &str = "https://op.example";

    #[test]
    fn the_verifier_clock_fails_closed_beyond_the_calendar() {
        let t = UnixTime::from_secs(1_800_000_000);
        assert_eq!(UnixTime::from_datetime(verifier_time(t)), t);
        let beyond = verifier_time(UnixTime::from_secs(i64::MAX));
        assert_eq!(beyond, chrono::DateTime::<chrono::Utc>::MAX_UTC, "not 1970");
    }

    #[test]
    fn a_callback_must_name_the_provider_where_given_or_promised() {
        assert!(response_issuer(OP, Some(OP), true).is_ok());
        assert!(response_issuer(OP, Some(OP), false).is_ok());
        assert!(response_issuer(OP, None, false).is_ok());
        for (given, promised) in [
            (None, true),
            (Some("https://evil.example"), false),
            (Some("https://evil.example"), true),
            // Character for character: no normalising.
            (Some("https://op.example/"), true),
        ] {
            match response_issuer(OP, given, promised) {
                Err(UpstreamError::Rejected { check: "iss", .. }) => {}
                other => panic!("{given:?} {promised}: {other:?}"),
            }
        }
    }

    #[test]
    fn only_signature_failures_fresh_keys_may_cure_refetch() {
        use SignatureVerificationError as S;
        let sig = ClaimsVerificationError::SignatureVerification;
        assert!(keys_may_be_stale(&sig(S::NoMatchingKey)));
        assert!(keys_may_be_stale(&sig(S::CryptoError("bad".into()))));
        assert!(!keys_may_be_stale(&sig(S::DisallowedAlg("HS256".into()))));
        assert!(!keys_may_be_stale(&sig(S::NoSignature)));
        assert!(!keys_may_be_stale(&ClaimsVerificationError::Expired(
            "exp".into()
        )));
    }
}
