//! PKCE (RFC 7636), S256 only. The transform itself is the `oauth2` crate's.

use oauth2::{PkceCodeChallenge, PkceCodeVerifier};

/// A validated S256 code challenge: base64url without padding of a SHA-256
/// digest, so exactly 43 characters of the URL-safe alphabet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeChallenge(String);

/// Why PKCE parameters were refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    #[error("code_challenge_method is required with code_challenge; only S256 is supported")]
    MethodMissing,
    #[error("code_challenge_method must be S256")]
    MethodUnsupported,
    #[error("code_challenge_method given without code_challenge")]
    ChallengeMissing,
    #[error("code_challenge must be 43 characters of base64url (S256)")]
    Malformed,
}

impl CodeChallenge {
    /// Parses the pair of authorize parameters. `Ok(None)` when neither is given.
    pub fn from_params(
        challenge: Option<&str>,
        method: Option<&str>,
    ) -> Result<Option<CodeChallenge>, PkceError> {
        match (challenge, method) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(PkceError::ChallengeMissing),
            (Some(_), None) => Err(PkceError::MethodMissing),
            (Some(_), Some(m)) if m != "S256" => Err(PkceError::MethodUnsupported),
            (Some(c), Some(_)) => {
                let well_formed = c.len() == 43
                    && c.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if well_formed {
                    Ok(Some(CodeChallenge(c.to_owned())))
                } else {
                    Err(PkceError::Malformed)
                }
            }
        }
    }

    /// A challenge read back from the store, where only valid ones are written.
    pub fn from_stored(s: String) -> CodeChallenge {
        CodeChallenge(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `verifier` answers this challenge (RFC 7636 §4.6).
    pub fn is_answered_by(&self, verifier: &str) -> bool {
        let verifier_ok = (43..=128).contains(&verifier.len())
            && verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        if !verifier_ok {
            return false;
        }
        let computed = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            verifier.to_owned(),
        ));
        crate::crypto::constant_time_eq(computed.as_str().as_bytes(), self.0.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn accepts_s256_and_verifies_rfc_example() {
        let c = CodeChallenge::from_params(Some(CHALLENGE), Some("S256"))
            .unwrap()
            .unwrap();
        assert!(c.is_answered_by(VERIFIER));
        assert!(!c.is_answered_by("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl"));
    }

    #[test]
    fn refuses_plain_missing_method_and_bad_length() {
        assert_eq!(
            CodeChallenge::from_params(Some(CHALLENGE), None),
            Err(PkceError::MethodMissing)
        );
        assert_eq!(
            CodeChallenge::from_params(Some(CHALLENGE), Some("plain")),
            Err(PkceError::MethodUnsupported)
        );
        assert_eq!(
            CodeChallenge::from_params(Some("abc"), Some("S256")),
            Err(PkceError::Malformed)
        );
        assert_eq!(
            CodeChallenge::from_params(None, Some("S256")),
            Err(PkceError::ChallengeMissing)
        );
        assert_eq!(CodeChallenge::from_params(None, None), Ok(None));
    }
}
