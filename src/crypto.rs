//! Random tokens and the hashes they are stored as. Every secret made here
//! is a random 256-bit value, so a fast hash is right: no password
//! hashing. A client secret may be imported (weaker than random), so it is
//! stored under a keyed hash ([`ServerKey::client_secret_hash`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

mod client_secret;
pub use client_secret::SecretMatch;

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

    /// The seed of consent receipts' Ed25519 signing key of `version`:
    /// derived, so that every instance signs with the same key and no
    /// key is ever stored. A new version is a new key ([`crate::receipt`]).
    pub fn receipt_signing_seed(&self, version: u32) -> [u8; 32] {
        let label = format!("receipt-signing-key v{version}");
        hmac_sha256(&self.0, &[label.as_bytes()])
    }

    /// The 16 bytes a consent receipt's ID is made of: one grant (the
    /// consent `user_data_id` given at `granted_at`, in seconds) always
    /// gives the same ID, unknowable without the server key.
    pub fn receipt_id_bytes(&self, user_data_id: &str, granted_at: i64) -> [u8; 16] {
        let mac = self.mac(b"receipt-id:", &format!("{user_data_id}@{granted_at}"));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&mac[..16]);
        bytes
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
    /// collection ends, collected data at rest, a webhook signing secret)
    /// with AES-256-GCM under a key derived from the server key for
    /// `purpose`. The associated data is `purpose` and `row`: what the
    /// stored value belongs to (its collection and scope, its subject, its
    /// client), so that a value copied into another row does not open
    /// there. A fresh random nonce each time; the result is
    /// `v2.` + base64url(nonce || ciphertext || tag).
    pub fn seal(&self, purpose: &str, row: &[&str], plain: &[u8]) -> Result<String, SealError> {
        use ring::aead::{Aad, LessSafeKey, Nonce, NONCE_LEN};
        use ring::rand::{SecureRandom, SystemRandom};
        let key = LessSafeKey::new(self.aead_key(purpose)?);
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealError)?;
        let mut out = plain.to_vec();
        let aad = bound_aad(purpose, row);
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_slice()),
            &mut out,
        )
        .map_err(|_| SealError)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&out);
        Ok(format!("{SEALED_V2}{}", URL_SAFE_NO_PAD.encode(sealed)))
    }

    /// Opens what [`ServerKey::seal`] sealed for `purpose` and `row`; `Err`
    /// if it was sealed under another key, purpose or row, or was changed.
    /// A value without the `v2.` prefix (sealed before values were bound
    /// to their row) does not open here: the start-up re-seal binds it
    /// ([`ServerKey::open_unbound`]).
    pub fn open(&self, purpose: &str, row: &[&str], sealed: &str) -> Result<Vec<u8>, SealError> {
        let encoded = sealed.strip_prefix(SEALED_V2).ok_or(SealError)?;
        self.open_with_aad(purpose, &bound_aad(purpose, row), encoded)
    }

    /// Opens a value sealed before values were bound to their row (no
    /// `v2.` prefix, the purpose alone as associated data): only for
    /// re-sealing it bound to its row once, at start-up.
    pub fn open_unbound(&self, purpose: &str, sealed: &str) -> Result<Vec<u8>, SealError> {
        if sealed.starts_with(SEALED_V2) {
            return Err(SealError);
        }
        self.open_with_aad(purpose, purpose.as_bytes(), sealed)
    }

    fn open_with_aad(
        &self,
        purpose: &str,
        aad: &[u8],
        encoded: &str,
    ) -> Result<Vec<u8>, SealError> {
        use ring::aead::{Aad, LessSafeKey, Nonce, NONCE_LEN};
        let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| SealError)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError);
        }
        let (nonce, cipher) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError)?;
        let key = LessSafeKey::new(self.aead_key(purpose)?);
        let mut buf = cipher.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(aad), &mut buf)
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

/// The prefix of a value sealed bound to its row (base64url has no `.`,
/// so an older value never starts with it).
const SEALED_V2: &str = "v2.";

/// The associated data of a bound sealed value: a version tag, then the
/// purpose and each part of the row, each length-prefixed so that no two
/// different lists give the same bytes.
fn bound_aad(purpose: &str, row: &[&str]) -> Vec<u8> {
    let mut aad = b"consent-link sealed v2".to_vec();
    for part in std::iter::once(&purpose).chain(row) {
        aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
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
        let a = key.seal("nin", &["s1"], b"15878512345").unwrap();
        let b = key.seal("nin", &["s1"], b"15878512345").unwrap();
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("15878512345"));
        assert_eq!(key.open("nin", &["s1"], &a).unwrap(), b"15878512345");
        assert_eq!(key.open("data", &["s1"], &a), Err(SealError));
        let other = ServerKey::new(b"o-o-o-o-o-o-o-o-o-o-o-o-o-o-o-o-o");
        assert_eq!(other.open("nin", &["s1"], &a), Err(SealError));
        let body = a.strip_prefix(SEALED_V2).unwrap();
        let mut tampered = URL_SAFE_NO_PAD.decode(body).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let tampered = format!("{SEALED_V2}{}", URL_SAFE_NO_PAD.encode(tampered));
        assert_eq!(key.open("nin", &["s1"], &tampered), Err(SealError));
        assert_eq!(key.open("nin", &["s1"], "short"), Err(SealError));
    }

    #[test]
    fn a_sealed_value_opens_only_for_the_row_it_was_sealed_for() {
        let key = ServerKey::new(b"k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k");
        let a = key.seal("data", &["c1", "income"], b"{}").unwrap();
        assert!(a.starts_with("v2."), "{a}");
        assert_eq!(key.open("data", &["c1", "income"], &a).unwrap(), b"{}");
        for row in [
            &["c2", "income"][..],
            &["c1", "info"],
            &["c1"],
            &["c1income"],
        ] {
            assert_eq!(key.open("data", row, &a), Err(SealError), "{row:?}");
        }
        // Without its version tag, a bound value is not taken for an old one.
        assert_eq!(
            key.open("data", &["c1", "income"], a.strip_prefix("v2.").unwrap()),
            Err(SealError)
        );
    }

    /// What `seal` wrote before values were bound to their row: the
    /// purpose alone as the associated data, no version tag.
    fn seal_unbound(key: &ServerKey, purpose: &str, plain: &[u8]) -> String {
        use ring::aead::{Aad, LessSafeKey, Nonce, NONCE_LEN};
        let sealing = LessSafeKey::new(key.aead_key(purpose).unwrap());
        let nonce = [7u8; NONCE_LEN];
        let mut out = plain.to_vec();
        sealing
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose.as_bytes()),
                &mut out,
            )
            .unwrap();
        URL_SAFE_NO_PAD.encode([&nonce[..], &out].concat())
    }

    #[test]
    fn a_value_sealed_before_row_binding_opens_only_for_its_re_seal() {
        let key = ServerKey::new(b"k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k");
        let old = seal_unbound(&key, "national_id", b"15878512345");
        assert_eq!(key.open("national_id", &["any row"], &old), Err(SealError));
        assert_eq!(
            key.open_unbound("national_id", &old).unwrap(),
            b"15878512345"
        );
        assert_eq!(key.open_unbound("collected_data", &old), Err(SealError));
        // Tagged as bound, the old bytes do not open.
        assert_eq!(
            key.open("national_id", &["any row"], &format!("v2.{old}")),
            Err(SealError)
        );
        let bound = key.seal("national_id", &["s1"], b"1").unwrap();
        assert_eq!(key.open_unbound("national_id", &bound), Err(SealError));
    }
}
