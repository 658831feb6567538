//! What the store keeps, as the rest of the crate reads and writes it:
//! parsed types, never the text of a row (that mapping is `rows`).

use crate::flow::Transition;
use crate::oauth2::client::Client;
use crate::oauth2::pkce::CodeChallenge;
use crate::oauth2::scope::Scopes;
use crate::time::UnixTime;

/// A registered client as the store keeps it: the protocol's [`Client`]
/// and what only the store knows of it.
#[derive(Clone, Debug)]
pub struct StoredClient {
    pub client: Client,
    /// The hash of its secret; `None` for a public client.
    pub secret_hash: Option<String>,
    pub created_at: UnixTime,
    /// Where webhook events go (the signing secret is kept sealed apart).
    pub webhook_url: Option<String>,
    /// Created by `serve --demo` (the only client it ever updates).
    pub demo: bool,
    /// How many days its consents last (before the purpose scopes' caps).
    pub consent_days: u32,
}

/// A person's consent to one client: what that client may read of them.
#[derive(Clone, Debug)]
pub struct Consent {
    pub user_data_id: String,
    pub client_id: String,
    pub subject_hash: String,
    pub test_person: Option<String>,
    pub scopes: Scopes,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
    /// When it was last given (granted or renewed).
    pub granted_at: UnixTime,
    /// When its current term ends.
    pub expires_at: UnixTime,
    /// Its status as stored; [`crate::consent::Status::at`] tells it at a
    /// moment (one past its term is expired before the sweep records it).
    pub status: crate::consent::Status,
    pub ended_at: Option<UnixTime>,
    pub ended_by: Option<crate::consent::EndedBy>,
    /// Given in a test flow (a test client's): its data says so.
    pub test: bool,
    /// The organisation numbers of the link consented to.
    pub tax_entities: Vec<String>,
}

impl Consent {
    /// Its status at `now`.
    pub fn status_at(&self, now: UnixTime) -> crate::consent::Status {
        crate::consent::Status::at(self.status, self.expires_at, now)
    }
}

/// An authorization code as issued (kept by its hash), single use.
#[derive(Clone, Debug)]
pub struct AuthorizationCode {
    pub code_hash: String,
    pub client_id: String,
    pub redirect_uri: String,
    /// Whether the request named the callback (then the exchange must too).
    pub redirect_given: bool,
    pub code_challenge: Option<CodeChallenge>,
    pub user_data_id: String,
    pub scopes: Scopes,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub used_at: Option<UnixTime>,
}

/// An API access token (kept by its hash).
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub token_hash: String,
    pub client_id: String,
    /// `None` for a client token.
    pub user_data_id: Option<String>,
    /// What it may read: a code-exchanged token's scopes, or the narrower
    /// scope a client token asked for; `None`: all its client may.
    pub scopes: Option<Scopes>,
    /// The code that issued it, so a replay of that code can revoke it.
    pub code_hash: Option<String>,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
}

/// One sign-in at an upstream provider, bound to one link session. Keyed
/// by the hash of the `state` sent to the provider; single use. (Every
/// field is stored as it is: its row is this type.)
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UpstreamSignIn {
    pub state_hash: String,
    /// The link session's `id_hash`.
    pub session_hash: String,
    /// The link session ID, masked under the server key and this state
    /// ([`crate::crypto::ServerKey::mask_session_id`]).
    pub session_masked: String,
    pub method: String,
    /// The hash of the secret in the cookie of the browser that started
    /// the sign-in; the callback must come from that browser.
    pub browser_hash: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub used_at: Option<UnixTime>,
}

/// A guarded [`Transition`]: applied only if the session is at its `from`
/// (or at any open step when `None`), the mover may move it and
/// `now < expires_at`.
#[derive(Debug)]
pub struct Advance<'a> {
    pub id_hash: &'a str,
    pub mover: Mover<'a>,
    pub transition: Transition,
    pub now: UnixTime,
    pub method: Option<&'a str>,
    pub subject_hash: Option<&'a str>,
    pub test_person: Option<&'a str>,
    pub error: Option<&'a str>,
    /// A new ID for the session (at sign-in): its old ID then reaches
    /// nothing.
    pub rekey: Option<Rekey<'a>>,
    /// At a sign-in: the national identity number, sealed, kept until the
    /// session completes (for its collection) or fails.
    pub national_id_sealed: Option<&'a str>,
}

/// Who moves a session.
#[derive(Clone, Copy, Debug)]
pub enum Mover<'a> {
    /// The end user's form, whose anti-CSRF token hashes to this.
    EndUser { csrf_hash: &'a str },
    /// The server on its own, on proof of its own (a provider's callback
    /// that took a single-use state bound to this browser).
    Server,
}

impl<'a> Mover<'a> {
    /// The CSRF hash the guarded write must match; `None` for the server.
    pub fn csrf_hash(self) -> Option<&'a str> {
        match self {
            Mover::EndUser { csrf_hash } => Some(csrf_hash),
            Mover::Server => None,
        }
    }
}

/// The hashes of a session's new ID and of its CSRF token.
#[derive(Clone, Copy, Debug)]
pub struct Rekey<'a> {
    pub id_hash: &'a str,
    pub csrf_hash: &'a str,
}

/// The collection a consent starts: its ID (the `request_id` sources
/// see) and one job per source.
#[derive(Debug)]
pub struct CollectionPlan<'a> {
    pub id: &'a str,
    pub jobs: &'a [crate::store::NewJob<'a>],
}

/// A consent to record. `user_data_id` is used only if this person has no
/// ID with this client yet.
#[derive(Debug)]
pub struct NewConsent<'a> {
    pub user_data_id: &'a str,
    pub client_id: &'a str,
    pub subject_hash: &'a str,
    pub test_person: Option<&'a str>,
    /// Given in a test flow.
    pub test: bool,
    /// The collection this consent starts (sources asked, one job each),
    /// written in the same transaction with the national ID the session
    /// kept sealed since sign-in; it ends at once as `error` when there is
    /// no job or no national ID.
    pub collection: CollectionPlan<'a>,
    pub scopes: &'a Scopes,
    pub now: UnixTime,
    /// When the term this consent starts ends.
    pub expires_at: UnixTime,
    /// Its history event and `consent.granted`, as the service builds them.
    pub granted: super::GrantedBy<'a>,
}

#[derive(Debug)]
pub struct NewAuthorizationCode<'a> {
    pub code_hash: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub redirect_given: bool,
    pub code_challenge: Option<&'a CodeChallenge>,
    pub scopes: &'a Scopes,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}
