//! Random tokens and the hashes they are stored as. Every secret here is a
//! random 256-bit value, so a fast hash is right: no password hashing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A fresh random token: 256 bits, base64url without padding (43 characters).
pub fn random_token(rng: &mut dyn RngCore) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token, code, secret or session ID: SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The secrets of one upstream sign-in, all derived from its `state`
/// ([`ServerKey::upstream_secrets`]).
pub struct UpstreamSecrets<'a> {
    pub state: &'a str,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Sealing or opening failed: the value is not ours, was changed, or was
/// sealed for another purpose. Says nothing more, on purpose.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("sealed value does not open")]
pub struct SealError;

/// HMAC-SHA256 of `parts` in order, under `key`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// The server's secret key, shared by every instance. It keys the subject
/// hash, so that a national identity number is never stored (only
/// HMAC-SHA256(key, number) is, for lookups), and derives each link
/// session's anti-CSRF token.
#[derive(Clone)]
pub struct ServerKey(Vec<u8>);

impl ServerKey {
    pub fn new(key: &[u8]) -> ServerKey {
        ServerKey(key.to_vec())
    }

    pub fn subject_hash(&self, national_id: &str) -> String {
        hex(&self.mac(b"nin:", national_id))
    }

    /// The anti-CSRF token of a link session: bound to it, unknowable
    /// without the server key, and never stored (only its hash is).
    pub fn csrf_token(&self, session_id: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(b"csrf:", session_id))
    }

    /// The `demo` client's secret: derived, never stored (only its hash
    /// is), and only the demo's server side ever uses it.
    pub fn demo_client_secret(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(b"demo-client-secret:", ""))
    }

    /// The `nonce` and PKCE verifier of one upstream sign-in, derived from
    /// its `state`: never stored, and unknowable without the server key.
    pub fn upstream_secrets<'a>(&self, state: &'a str) -> UpstreamSecrets<'a> {
        UpstreamSecrets {
            state,
            nonce: URL_SAFE_NO_PAD.encode(self.mac(b"oidc-nonce:", state)),
            // 43 base64url characters: a valid RFC 7636 verifier.
            pkce_verifier: URL_SAFE_NO_PAD.encode(self.mac(b"oidc-pkce:", state)),
        }
    }

    /// Masks a link session ID (a 256-bit token) for storage beside the
    /// upstream `state` it is bound to, and unmasks it again: XOR with a
    /// pad that only the server key and that state give. The database so
    /// never holds a usable session ID. `None` if `value` is not a token.
    pub fn mask_session_id(&self, state: &str, value: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
        let pad = self.mac(b"oidc-session:", state);
        if bytes.len() != pad.len() {
            return None;
        }
        let masked: Vec<u8> = bytes.iter().zip(&pad).map(|(b, p)| b ^ p).collect();
        Some(URL_SAFE_NO_PAD.encode(masked))
    }

    /// Seals `plain` (a national identity number kept until its
    /// collection ends, collected data at rest) with AES-256-GCM under a
    /// key derived from the server key for `purpose`; `purpose` is also
    /// the associated data, so a value sealed for one use does not open
    /// for another. A fresh random nonce each time; the result is
    /// base64url(nonce || ciphertext || tag).
    pub fn seal(&self, purpose: &str, plain: &[u8]) -> Result<String, SealError> {
        use ring::aead::{Aad, LessSafeKey, Nonce, NONCE_LEN};
        use ring::rand::{SecureRandom, SystemRandom};
        let key = LessSafeKey::new(self.aead_key(purpose)?);
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealError)?;
        let mut out = plain.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(purpose.as_bytes()),
            &mut out,
        )
        .map_err(|_| SealError)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&out);
        Ok(URL_SAFE_NO_PAD.encode(sealed))
    }

    /// Opens what [`ServerKey::seal`] sealed for `purpose`; `Err` if it was
    /// sealed under another key or purpose, or was changed.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<Vec<u8>, SealError> {
        use ring::aead::{Aad, LessSafeKey, Nonce, NONCE_LEN};
        let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| SealError)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError);
        }
        let (nonce, cipher) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError)?;
        let key = LessSafeKey::new(self.aead_key(purpose)?);
        let mut buf = cipher.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut buf)
            .map_err(|_| SealError)?;
        Ok(plain.to_vec())
    }

    fn aead_key(&self, purpose: &str) -> Result<ring::aead::UnboundKey, SealError> {
        let key = self.mac(b"seal:", purpose);
        ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &key).map_err(|_| SealError)
    }

    fn mac(&self, domain: &[u8], input: &str) -> Vec<u8> {
        hmac_sha256(&self.0, &[domain, input.as_bytes()]).to_vec()
    }
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(<redacted>)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::mock::StepRng;

    #[test]
    fn tokens_are_256_bits_and_differ() {
        let mut rng = rand::thread_rng();
        let a = random_token(&mut rng);
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token(&mut rng));
        let mut fixed = StepRng::new(1, 1);
        assert_eq!(
            random_token(&mut fixed),
            random_token(&mut StepRng::new(1, 1))
        );
    }

    #[test]
    fn hashes_are_stable_and_keyed() {
        assert_eq!(hash_token("abc").len(), 64);
        let k1 = ServerKey::new(b"one");
        let k2 = ServerKey::new(b"two");
        assert_eq!(
            k1.subject_hash("01010112345"),
            k1.subject_hash("01010112345")
        );
        assert_ne!(
            k1.subject_hash("01010112345"),
            k2.subject_hash("01010112345")
        );
        assert!(!k1.subject_hash("01010112345").contains("01010112345"));
        assert_ne!(k1.csrf_token("s1"), k1.csrf_token("s2"));
        assert_ne!(k1.csrf_token("s1"), k2.csrf_token("s1"));
    }

    #[test]
    fn a_masked_session_id_unmasks_only_with_its_state_and_key() {
        let key = ServerKey::new(b"one");
        let sid = random_token(&mut rand::thread_rng());
        let masked = key.mask_session_id("state-1", &sid).unwrap();
        assert_ne!(masked, sid);
        assert_eq!(key.mask_session_id("state-1", &masked).unwrap(), sid);
        assert_ne!(key.mask_session_id("state-2", &masked).unwrap(), sid);
        assert_ne!(
            ServerKey::new(b"two")
                .mask_session_id("state-1", &masked)
                .unwrap(),
            sid
        );
        assert_eq!(key.mask_session_id("state-1", "not a token!"), None);
    }

    #[test]
    fn upstream_secrets_are_per_state_and_a_valid_pkce_verifier() {
        let key = ServerKey::new(b"one");
        let a = key.upstream_secrets("a");
        let b = key.upstream_secrets("b");
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.pkce_verifier, b.pkce_verifier);
        assert_ne!(a.nonce, a.pkce_verifier);
        assert_eq!(a.pkce_verifier.len(), 43);
        assert_eq!(key.upstream_secrets("a").nonce, a.nonce);
    }

    #[test]
    fn sealed_values_open_only_with_their_key_and_purpose() {
        let key = ServerKey::new(b"k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k");
        let a = key.seal("nin", b"15878512345").unwrap();
        let b = key.seal("nin", b"15878512345").unwrap();
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("15878512345"));
        assert_eq!(key.open("nin", &a).unwrap(), b"15878512345");
        assert_eq!(key.open("data", &a), Err(SealError));
        let other = ServerKey::new(b"o-o-o-o-o-o-o-o-o-o-o-o-o-o-o-o-o");
        assert_eq!(other.open("nin", &a), Err(SealError));
        let mut tampered = URL_SAFE_NO_PAD.decode(&a).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(
            key.open("nin", &URL_SAFE_NO_PAD.encode(tampered)),
            Err(SealError)
        );
        assert_eq!(key.open("nin", "short"), Err(SealError));
    }
}
