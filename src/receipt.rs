//! Signed consent receipts: what a person agreed to, to whom, for what and
//! until when, as a compact JWS (EdDSA, Ed25519) whose claims use the
//! Kantara Consent Receipt v1.1 names, plus `iss`, `iat`, `exp` and `sub`.
//! Any JOSE library verifies one against `/.well-known/jwks.json`.
//!
//! The signing keys are derived from the server key and a key version
//! ([`ServerKey::receipt_signing_seed`]): every instance signs with the
//! same key, a restart keeps it, and nothing is stored. Rotating is moving
//! to the next version while the previous ones stay published
//! ([`KeyRing`]). Pure: no HTTP, no store; the time is a parameter.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::crypto::ServerKey;
use crate::oauth2::authorize::Entry;
use crate::oauth2::scope::{Scope, Scopes};
use crate::time::UnixTime;

/// The Kantara Consent Receipt specification version the claims follow.
pub const KANTARA_VERSION: &str = "KI-CR-v1.1.0";

/// The jurisdiction the consents are given under.
pub const JURISDICTION: &str = "NO";

/// A receipt signing key could not be made.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptKeyError {
    /// Key versions start at 1.
    #[error("receipt key versions start at 1")]
    ZeroVersion,
    #[error("the receipt signing key does not derive")]
    Derive,
}

/// One version's Ed25519 signing key, derived from the server key.
pub struct SigningKey {
    version: u32,
    kid: String,
    /// The public key, base64url (the JWK's `x`).
    x: String,
    pair: Ed25519KeyPair,
}

impl SigningKey {
    /// The key of `version` (1 and up) under `key`: the same on every
    /// instance and after every restart.
    pub fn derive(key: &ServerKey, version: u32) -> Result<SigningKey, ReceiptKeyError> {
        if version == 0 {
            return Err(ReceiptKeyError::ZeroVersion);
        }
        let seed = key.receipt_signing_seed(version);
        let pair =
            Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|_| ReceiptKeyError::Derive)?;
        let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        Ok(SigningKey {
            version,
            kid: thumbprint(&x),
            x,
            pair,
        })
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    /// The key's ID: its RFC 7638 JWK thumbprint.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP",
            crv: "Ed25519",
            x: self.x.clone(),
            kid: self.kid.clone(),
            alg: "EdDSA",
            use_: "sig",
        }
    }

    /// `claims` signed as a compact JWS.
    fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": "EdDSA", "typ": "JWT", "kid": self.kid });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.pair.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(v{}, kid {})", self.version, self.kid)
    }
}

/// RFC 7638: base64url SHA-256 of the required members in order.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// A public key as RFC 7517 and RFC 8037 write it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Jwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub x: String,
    pub kid: String,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
}

/// The key set served at `/.well-known/jwks.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// The current signing key and the earlier versions still published, so
/// that receipts signed before a rotation still verify.
#[derive(Debug)]
pub struct KeyRing {
    current: SigningKey,
    previous: Vec<SigningKey>,
}

impl KeyRing {
    /// Signs with version `current`; publishes it and `previous` (the
    /// current version and repeats among them are left out).
    pub fn new(
        key: &ServerKey,
        current: u32,
        previous: &[u32],
    ) -> Result<KeyRing, ReceiptKeyError> {
        let mut versions: Vec<u32> = previous.iter().copied().filter(|v| *v != current).collect();
        versions.sort_unstable_by(|a, b| b.cmp(a));
        versions.dedup();
        Ok(KeyRing {
            current: SigningKey::derive(key, current)?,
            previous: versions
                .into_iter()
                .map(|v| SigningKey::derive(key, v))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The versions published by default with `current`: the one before.
    pub fn default_previous(current: u32) -> Vec<u32> {
        current
            .checked_sub(1)
            .filter(|v| *v > 0)
            .into_iter()
            .collect()
    }

    pub fn current(&self) -> &SigningKey {
        &self.current
    }

    /// The current key first, then the earlier ones, newest first.
    pub fn jwks(&self) -> Jwks {
        let keys = std::iter::once(&self.current).chain(&self.previous);
        Jwks {
            keys: keys.map(SigningKey::jwk).collect(),
        }
    }
}

/// What a receipt says, as plain facts: one grant of one consent.
#[derive(Clone, Debug)]
pub struct ReceiptFacts {
    /// The pairwise user ID: the receipt's subject (never a national ID).
    pub user_data_id: String,
    pub client_id: String,
    pub client_name: String,
    pub scopes: Scopes,
    /// What the data is for, in words.
    pub purpose: String,
    pub granted_at: UnixTime,
    pub expires_at: UnixTime,
    /// The language the consent was given in.
    pub language: String,
    pub entry: Entry,
    /// How the person signed in, e.g. "BankID".
    pub sign_in: String,
    /// The public URL: the issuer, and where `/me` is.
    pub issuer: String,
    /// The receipt's ID, the same for every copy of one grant
    /// ([`receipt_id`]).
    pub receipt_id: uuid::Uuid,
}

/// The ID of the receipt of the grant of `user_data_id` at `granted_at`:
/// a UUID (version 8, custom) made under the server key, so the same
/// receipt can be issued again with the same ID.
pub fn receipt_id(key: &ServerKey, user_data_id: &str, granted_at: UnixTime) -> uuid::Uuid {
    let bytes = key.receipt_id_bytes(user_data_id, granted_at.as_secs());
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The receipt of `facts`, signed with `key` at `now`.
pub fn issue(facts: &ReceiptFacts, key: &SigningKey, now: UnixTime) -> String {
    key.sign(&claims(facts, now))
}

/// The receipt's claims.
pub fn claims(facts: &ReceiptFacts, now: UnixTime) -> Value {
    let entry = match facts.entry {
        Entry::Link => "Link",
        Entry::OAuth2 => "OAuth2",
    };
    json!({
        "version": KANTARA_VERSION,
        "jurisdiction": JURISDICTION,
        "consentTimestamp": facts.granted_at.as_secs(),
        "collectionMethod": format!("consent-link: {entry} flow, {}", facts.sign_in),
        "consentReceiptID": facts.receipt_id.to_string(),
        "language": facts.language,
        "piiPrincipalId": facts.user_data_id,
        "piiControllers": [{
            "piiController": facts.client_name,
            "piiControllerId": facts.client_id,
        }],
        "services": [{
            "service": format!("{}: data shared through consent-link", facts.client_name),
            "purposes": [purpose(facts)],
        }],
        "sensitive": false,
        "spiCat": [],
        "iss": facts.issuer,
        "iat": now.as_secs(),
        "exp": facts.expires_at.as_secs(),
        "sub": facts.user_data_id,
    })
}

/// The one purpose of the consent, with a PII category per scope.
fn purpose(facts: &ReceiptFacts) -> Value {
    let until = facts
        .expires_at
        .to_datetime()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    let categories: Vec<&str> = facts.scopes.iter().map(pii_category).collect();
    json!({
        "purpose": facts.purpose,
        "purposeCategory": ["Contracted Service"],
        "consentType": "EXPLICIT",
        "piiCategory": categories,
        "primaryPurpose": true,
        "termination": format!("{until}; withdraw at {}/me", facts.issuer),
        "thirdPartyDisclosure": false,
    })
}

/// What consenting to `scopes` is for, in words: the debt register's
/// purposes where asked for, else the service the person asked for.
pub fn purpose_of(scopes: &Scopes) -> &'static str {
    if scopes.contains(Scope::UnsecuredLoansProcessing) {
        "Credit decision on the person's application"
    } else if scopes.contains(Scope::UnsecuredLoansPresentation) {
        "Showing the person their own debt"
    } else {
        "The service the person asked the controller for"
    }
}

/// The kind of personal data a scope shares, in words.
pub fn pii_category(scope: Scope) -> &'static str {
    match scope {
        Scope::Vehicles => "vehicles: registered vehicles",
        Scope::UnsecuredLoans => "unsecured_loans: unsecured debt",
        Scope::Info => "info: name and address",
        Scope::Income => "income: income and tax assessment",
        Scope::StudentLoan => "student_loan: student loans",
        Scope::EInvoices => "e_invoices: e-invoice agreements",
        Scope::UnsecuredLoansPresentation => {
            "unsecured_loans_presentation: unsecured debt, to show the person"
        }
        Scope::UnsecuredLoansProcessing => {
            "unsecured_loans_processing: unsecured debt, for a credit decision"
        }
        Scope::TaxDataPdf => "tax_data_pdf: tax documents",
    }
}

#[cfg(test)]
mod tests;
