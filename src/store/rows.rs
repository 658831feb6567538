//! Rows as stored. Conversions to the protocol's types live with them, and
//! refuse rows that do not parse rather than guess.

use url::Url;

use super::{StoreError, StoredClient};
use crate::flow::{LinkSession, Step, Transition};
use crate::oauth2::authorize::{Delivery, Entry};
use crate::oauth2::client::Client;
use crate::oauth2::pkce::CodeChallenge;
use crate::oauth2::scope::Scopes;
use crate::time::UnixTime;

/// A client as stored: its lists as JSON, its scopes as product text.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(super) struct ClientRow {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) secret_hash: Option<String>,
    pub(super) callback_uris: String,
    pub(super) allowed_scopes: String,
    pub(super) styles_origins: String,
    pub(super) test_allowed: bool,
    pub(super) confidential: bool,
    pub(super) created_at: UnixTime,
    pub(super) webhook_url: Option<String>,
}

impl ClientRow {
    pub(super) fn new(
        client: &Client,
        secret_hash: Option<&str>,
        created_at: UnixTime,
    ) -> ClientRow {
        ClientRow {
            id: client.id.clone(),
            name: client.name.clone(),
            secret_hash: secret_hash.map(str::to_owned),
            callback_uris: json_list(&client.callback_uris),
            allowed_scopes: client.allowed_scopes.to_product_string(),
            styles_origins: json_list(&client.styles_origins),
            test_allowed: client.test_allowed,
            confidential: client.confidential,
            created_at,
            webhook_url: None,
        }
    }
}

impl Row for ClientRow {
    type Parsed = StoredClient;
    fn parse(self) -> Result<StoredClient, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("client {}: {what}", self.id));
        let client = Client {
            callback_uris: serde_json::from_str(&self.callback_uris)
                .map_err(|_| corrupt("callback_uris"))?,
            allowed_scopes: Scopes::parse(&self.allowed_scopes)
                .map_err(|_| corrupt("allowed_scopes"))?,
            styles_origins: serde_json::from_str(&self.styles_origins)
                .map_err(|_| corrupt("styles_origins"))?,
            id: self.id,
            name: self.name,
            test_allowed: self.test_allowed,
            confidential: self.confidential,
        };
        Ok(StoredClient {
            client,
            secret_hash: self.secret_hash,
            created_at: self.created_at,
            webhook_url: self.webhook_url,
        })
    }
}

fn json_list(items: &[String]) -> String {
    serde_json::Value::from(items.to_vec()).to_string()
}

/// A link session as stored: [`LinkSession`] with its enums, URLs and lists
/// as text.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(super) struct LinkSessionRow {
    pub(super) id_hash: String,
    pub(super) csrf_hash: String,
    pub(super) client_id: String,
    pub(super) client_name: String,
    pub(super) entry: String,
    pub(super) callback_uri: String,
    pub(super) callback_given: bool,
    pub(super) iframe: bool,
    pub(super) state: Option<String>,
    pub(super) scopes: String,
    pub(super) locale: String,
    pub(super) test: bool,
    pub(super) styles_uri: Option<String>,
    pub(super) code_challenge: Option<String>,
    pub(super) step: String,
    pub(super) method: Option<String>,
    pub(super) subject_hash: Option<String>,
    pub(super) test_person: Option<String>,
    pub(super) error: Option<String>,
    pub(super) created_at: UnixTime,
    pub(super) expires_at: UnixTime,
    /// The `tax_entities` organisation numbers, comma-separated.
    pub(super) tax_entities: String,
}

impl LinkSessionRow {
    pub(super) fn from_session(s: &LinkSession, created_at: UnixTime) -> LinkSessionRow {
        LinkSessionRow {
            id_hash: s.id_hash.clone(),
            csrf_hash: s.csrf_hash.clone(),
            client_id: s.client_id.clone(),
            client_name: s.client_name.clone(),
            entry: s.delivery.entry.as_str().to_owned(),
            callback_uri: s.delivery.callback.to_string(),
            callback_given: s.delivery.callback_given,
            iframe: s.delivery.iframe,
            state: s.delivery.state.clone(),
            scopes: s.scopes.to_product_string(),
            locale: s.locale.clone(),
            test: s.delivery.test,
            styles_uri: s.styles_uri.as_ref().map(Url::to_string),
            code_challenge: s.code_challenge.as_ref().map(|c| c.as_str().to_owned()),
            step: s.step.as_str().to_owned(),
            method: s.method.clone(),
            subject_hash: s.subject_hash.clone(),
            test_person: s.test_person.clone(),
            error: s.error.clone(),
            created_at,
            expires_at: s.expires_at,
            tax_entities: s.tax_entities.join(","),
        }
    }

    fn into_session(self) -> Result<LinkSession, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("link session: {what}"));
        Ok(LinkSession {
            delivery: Delivery {
                entry: Entry::parse(&self.entry).ok_or_else(|| corrupt("entry"))?,
                callback: Url::parse(&self.callback_uri).map_err(|_| corrupt("callback_uri"))?,
                callback_given: self.callback_given,
                iframe: self.iframe,
                state: self.state,
                test: self.test,
            },
            scopes: Scopes::parse(&self.scopes).map_err(|_| corrupt("scopes"))?,
            styles_uri: self
                .styles_uri
                .as_deref()
                .map(Url::parse)
                .transpose()
                .map_err(|_| corrupt("styles_uri"))?,
            step: Step::parse(&self.step).ok_or_else(|| corrupt("step"))?,
            tax_entities: split_list(&self.tax_entities),
            code_challenge: self.code_challenge.map(CodeChallenge::from_stored),
            id_hash: self.id_hash,
            csrf_hash: self.csrf_hash,
            client_id: self.client_id,
            client_name: self.client_name,
            locale: self.locale,
            method: self.method,
            subject_hash: self.subject_hash,
            test_person: self.test_person,
            error: self.error,
            expires_at: self.expires_at,
        })
    }
}

/// A comma-separated list as stored, without empty items.
fn split_list(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A row as read, and what it stands for once parsed: a row that does
/// not parse is [`StoreError::Corrupt`], never a guess.
pub(super) trait Row {
    type Parsed;
    fn parse(self) -> Result<Self::Parsed, StoreError>;
}

impl Row for LinkSessionRow {
    type Parsed = LinkSession;
    fn parse(self) -> Result<LinkSession, StoreError> {
        self.into_session()
    }
}

/// The rows read, parsed.
pub(super) fn all_parsed<R: Row>(rows: Vec<R>) -> Result<Vec<R::Parsed>, StoreError> {
    rows.into_iter().map(R::parse).collect()
}

/// The row read, if any, parsed.
pub(super) fn parsed<R: Row>(row: Option<R>) -> Result<Option<R::Parsed>, StoreError> {
    row.map(R::parse).transpose()
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
    pub scopes: &'a str,
    pub now: UnixTime,
}

#[derive(Debug)]
pub struct NewAuthorizationCode<'a> {
    pub code_hash: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub redirect_given: bool,
    pub code_challenge: Option<&'a str>,
    pub scopes: &'a str,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuthorizationCodeRow {
    pub code_hash: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub redirect_given: bool,
    pub code_challenge: Option<String>,
    pub user_data_id: String,
    pub scopes: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub used_at: Option<UnixTime>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccessTokenRow {
    pub token_hash: String,
    pub client_id: String,
    /// `None` for a client token.
    pub user_data_id: Option<String>,
    /// The scopes of a code-exchanged token; `None` for a client token.
    pub scopes: Option<String>,
    /// The code that issued it, so a replay of that code can revoke it.
    pub code_hash: Option<String>,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConsentRow {
    pub user_data_id: String,
    pub client_id: String,
    pub subject_hash: String,
    pub test_person: Option<String>,
    pub scopes: String,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
    pub withdrawn_at: Option<UnixTime>,
    /// Given in a test flow (a test client's): its data says so.
    pub test: bool,
    /// The `tax_entities` of the link consented to, comma-separated.
    pub tax_entities: String,
}

/// One sign-in at an upstream provider, bound to one link session. Keyed
/// by the hash of the `state` sent to the provider; single use.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UpstreamAuthRow {
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
