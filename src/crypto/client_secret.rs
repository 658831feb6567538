//! How a client secret is stored: HMAC-SHA256 under the server key, bound
//! to the client's ID, so that neither a hash written into the database
//! nor one copied from another client's row authenticates.
//!
//! Two stored forms are accepted, each with its own tag:
//! - `hmac-sha256:v2:` + hex(HMAC(key, domain, id, 0x00, secret)): the
//!   form every secret is stored in from now on;
//! - `hmac-sha256-legacy:` + hex(HMAC(key, domain, id, 0x00, old)): an
//!   older stored form `old` (plain SHA-256 hex, or the first keyed form
//!   `hmac-sha256:` + hex(HMAC(key, secret)) that was not bound to the
//!   client) wrapped once at start-up
//!   ([`ServerKey::wrap_client_secret_hash`]); stored in the current form
//!   at the client's next sign-in.
//!
//! Anything else (an untagged SHA-256 hash, the unbound keyed form)
//! authenticates no one.

use super::{constant_time_eq, hash_token, hex, ServerKey};

/// The tag of the current form.
const BOUND: &str = "hmac-sha256:v2:";
/// The tag of a wrapped older form.
const WRAPPED: &str = "hmac-sha256-legacy:";
/// The tag of the first keyed form (not bound to the client): only ever
/// wrapped, never checked as it is.
const UNBOUND_KEYED: &str = "hmac-sha256:";

/// How a presented client secret compares with the stored form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretMatch {
    /// It matches the current form.
    Current,
    /// It matches a wrapped older form: to be stored in the current form.
    Wrapped,
    Wrong,
}

impl ServerKey {
    /// The stored form of `client_id`'s secret (see the module's doc).
    pub fn client_secret_hash(&self, client_id: &str, secret: &str) -> String {
        format!(
            "{BOUND}{}",
            self.bound_mac(b"client-secret-v2:", client_id, secret)
        )
    }

    /// Compares a secret presented for `client_id` with its stored form:
    /// only the current and the wrapped forms can match.
    pub fn check_client_secret(&self, client_id: &str, stored: &str, given: &str) -> SecretMatch {
        if stored.starts_with(BOUND) {
            let expected = self.client_secret_hash(client_id, given);
            return match constant_time_eq(stored.as_bytes(), expected.as_bytes()) {
                true => SecretMatch::Current,
                false => SecretMatch::Wrong,
            };
        }
        if stored.starts_with(WRAPPED) {
            let unkeyed = hash_token(given);
            let keyed = self.unbound_keyed_hash(given);
            let mut found = false;
            for old in [unkeyed.as_str(), keyed.as_str()] {
                let expected = self.wrapped(client_id, old);
                found |= constant_time_eq(stored.as_bytes(), expected.as_bytes());
            }
            if found {
                return SecretMatch::Wrapped;
            }
        }
        SecretMatch::Wrong
    }

    /// The wrapped form of an older stored hash of `client_id`'s secret;
    /// `None` if `stored` is in the current or the wrapped form already.
    pub fn wrap_client_secret_hash(&self, client_id: &str, stored: &str) -> Option<String> {
        if stored.starts_with(BOUND) || stored.starts_with(WRAPPED) {
            return None;
        }
        Some(self.wrapped(client_id, stored))
    }

    fn wrapped(&self, client_id: &str, old: &str) -> String {
        format!(
            "{WRAPPED}{}",
            self.bound_mac(b"client-secret-legacy:", client_id, old)
        )
    }

    /// The first keyed form, as it was stored (for wrapped rows only).
    fn unbound_keyed_hash(&self, secret: &str) -> String {
        format!(
            "{UNBOUND_KEYED}{}",
            hex(&self.mac(b"client-secret:", secret))
        )
    }

    /// HMAC(key, domain || id || 0x00 || value), hex. A client ID never
    /// holds a NUL byte, so no two (id, value) pairs give the same input.
    fn bound_mac(&self, domain: &[u8], client_id: &str, value: &str) -> String {
        let parts: [&[u8]; 4] = [domain, client_id.as_bytes(), b"\0", value.as_bytes()];
        hex(&super::hmac_sha256(&self.0, &parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "gs_live_5f3c9a7e21d04b8f9c6a";

    fn key(k: &[u8]) -> ServerKey {
        ServerKey::new(k)
    }

    #[test]
    fn a_secret_is_stored_keyed_and_bound_to_its_client() {
        let k = key(b"k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k");
        let stored = k.client_secret_hash("a", SECRET);
        assert!(stored.starts_with("hmac-sha256:v2:"), "{stored}");
        assert!(!stored.contains(&hash_token(SECRET)));
        assert_eq!(
            k.check_client_secret("a", &stored, SECRET),
            SecretMatch::Current
        );
        assert_eq!(
            k.check_client_secret("a", &stored, "other"),
            SecretMatch::Wrong
        );
        assert_eq!(
            k.check_client_secret("b", &stored, SECRET),
            SecretMatch::Wrong
        );
        let other = key(b"o-o-o-o-o-o-o-o-o-o-o-o-o-o-o-o-o");
        assert_eq!(
            other.check_client_secret("a", &stored, SECRET),
            SecretMatch::Wrong
        );
    }

    #[test]
    fn untagged_and_unbound_keyed_hashes_authenticate_no_one() {
        let k = key(b"k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k");
        let unkeyed = hash_token(SECRET);
        let unbound = k.unbound_keyed_hash(SECRET);
        for stored in [unkeyed.as_str(), unbound.as_str(), "", SECRET] {
            assert_eq!(
                k.check_client_secret("a", stored, SECRET),
                SecretMatch::Wrong
            );
        }
    }

    #[test]
    fn older_forms_wrapped_for_their_client_match_their_secret_only_there() {
        let k = key(b"k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k");
        for old in [hash_token(SECRET), k.unbound_keyed_hash(SECRET)] {
            let wrapped = k.wrap_client_secret_hash("a", &old).unwrap();
            assert!(wrapped.starts_with("hmac-sha256-legacy:"), "{wrapped}");
            assert_eq!(
                k.check_client_secret("a", &wrapped, SECRET),
                SecretMatch::Wrapped
            );
            assert_eq!(
                k.check_client_secret("a", &wrapped, "x"),
                SecretMatch::Wrong
            );
            assert_eq!(
                k.check_client_secret("b", &wrapped, SECRET),
                SecretMatch::Wrong
            );
            assert_eq!(k.wrap_client_secret_hash("a", &wrapped), None);
        }
        let current = k.client_secret_hash("a", SECRET);
        assert_eq!(k.wrap_client_secret_hash("a", &current), None);
    }
}
