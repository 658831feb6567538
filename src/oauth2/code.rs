//! Minting an authorization code (RFC 6749 §4.1.2): a fresh random code,
//! the hash it is stored as, and when it expires. Pure: the time and the
//! randomness come in.

use std::time::Duration;

use rand::RngCore;

use crate::crypto;
use crate::time::UnixTime;

/// How long an authorization code lives (RFC 6749 §4.1.2: short, ≤ 10 min).
pub const CODE_TTL: Duration = Duration::from_secs(5 * 60);

/// A code just minted. The code itself goes to the integrator once; only
/// its hash is stored.
pub struct IssuedCode {
    pub code: String,
    pub code_hash: String,
    pub expires_at: UnixTime,
}

impl std::fmt::Debug for IssuedCode {
    /// Only a prefix of the code, as in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCode")
            .field(
                "code",
                &format!("{}…", &self.code[..6.min(self.code.len())]),
            )
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A new authorization code issued at `now`, expiring [`CODE_TTL`] later.
pub fn issue(now: UnixTime, rng: &mut dyn RngCore) -> IssuedCode {
    let code = crypto::random_token(rng);
    IssuedCode {
        code_hash: crypto::hash_token(&code),
        expires_at: now + CODE_TTL,
        code,
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::mock::StepRng;

    use super::*;

    const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

    #[test]
    fn a_code_expires_after_five_minutes_and_is_stored_as_its_hash() {
        let issued = issue(NOW, &mut StepRng::new(1, 1));
        assert_eq!(issued.expires_at, UnixTime::from_secs(1_700_000_300));
        assert_eq!(issued.code_hash, crypto::hash_token(&issued.code));
        assert_eq!(issued.code.len(), 43, "256 bits, base64url");
    }

    #[test]
    fn codes_differ_and_debug_shows_only_a_prefix() {
        let mut rng = StepRng::new(1, 7);
        let (a, b) = (issue(NOW, &mut rng), issue(NOW, &mut rng));
        assert_ne!(a.code, b.code);
        let shown = format!("{a:?}");
        assert!(!shown.contains(&a.code), "{shown}");
        assert!(!shown.contains(&a.code_hash), "{shown}");
    }
}
