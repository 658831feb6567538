//! Rows as stored: the SQL mapping, private to the store. Each parses into
//! what the rest of the crate reads ([`super::records`]) and refuses, as
//! [`StoreError::Corrupt`], a row that does not parse rather than guess.

use url::Url;

use super::{AccessToken, AuthorizationCode, Consent, StoreError, StoredClient};
use crate::flow::{LinkSession, Step};
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
    pub(super) demo: bool,
    pub(super) consent_days: i32,
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
            demo: false,
            consent_days: 0,
        }
    }
}

/// Inserts a `ClientRow` (marked as the demo's or not) on `$executor`.
macro_rules! insert_client_row {
    ($c:expr, $executor:expr) => {{
        let c: &$crate::store::rows::ClientRow = $c;
        sqlx::query(
            "INSERT INTO clients (id, name, secret_hash, callback_uris, allowed_scopes, \
             styles_origins, test_allowed, confidential, created_at, demo) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&c.id)
        .bind(&c.name)
        .bind(&c.secret_hash)
        .bind(&c.callback_uris)
        .bind(&c.allowed_scopes)
        .bind(&c.styles_origins)
        .bind(c.test_allowed)
        .bind(c.confidential)
        .bind(c.created_at)
        .bind(c.demo)
        .execute($executor)
        .await?;
        Ok(())
    }};
}

pub(super) use insert_client_row;

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
            demo: self.demo,
            consent_days: u32::try_from(self.consent_days)
                .map_err(|_| StoreError::Corrupt("client: consent_days".into()))?,
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

/// An authorization code as stored: its scopes as product text.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(super) struct AuthorizationCodeRow {
    code_hash: String,
    client_id: String,
    redirect_uri: String,
    redirect_given: bool,
    code_challenge: Option<String>,
    user_data_id: String,
    scopes: String,
    created_at: UnixTime,
    expires_at: UnixTime,
    used_at: Option<UnixTime>,
}

impl Row for AuthorizationCodeRow {
    type Parsed = AuthorizationCode;
    fn parse(self) -> Result<AuthorizationCode, StoreError> {
        Ok(AuthorizationCode {
            scopes: Scopes::parse(&self.scopes)
                .map_err(|_| StoreError::Corrupt("authorization code: scopes".into()))?,
            code_hash: self.code_hash,
            client_id: self.client_id,
            redirect_uri: self.redirect_uri,
            redirect_given: self.redirect_given,
            code_challenge: self.code_challenge.map(CodeChallenge::from_stored),
            user_data_id: self.user_data_id,
            created_at: self.created_at,
            expires_at: self.expires_at,
            used_at: self.used_at,
        })
    }
}

/// An access token as stored: its scopes, if limited, as product text.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(super) struct AccessTokenRow {
    token_hash: String,
    client_id: String,
    user_data_id: Option<String>,
    scopes: Option<String>,
    code_hash: Option<String>,
    created_at: UnixTime,
    expires_at: UnixTime,
    revoked_at: Option<UnixTime>,
}

impl Row for AccessTokenRow {
    type Parsed = AccessToken;
    fn parse(self) -> Result<AccessToken, StoreError> {
        let scopes = self.scopes.as_deref().map(Scopes::parse).transpose();
        Ok(AccessToken {
            scopes: scopes.map_err(|_| StoreError::Corrupt("access token: scopes".into()))?,
            token_hash: self.token_hash,
            client_id: self.client_id,
            user_data_id: self.user_data_id,
            code_hash: self.code_hash,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// A consent as stored: its scopes as product text, its tax entities
/// comma-separated.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(super) struct ConsentRow {
    user_data_id: String,
    client_id: String,
    subject_hash: String,
    test_person: Option<String>,
    scopes: String,
    created_at: UnixTime,
    updated_at: UnixTime,
    granted_at: UnixTime,
    expires_at: UnixTime,
    status: String,
    ended_at: Option<UnixTime>,
    ended_by: Option<String>,
    test: bool,
    tax_entities: String,
}

impl Row for ConsentRow {
    type Parsed = Consent;
    fn parse(self) -> Result<Consent, StoreError> {
        Ok(Consent {
            scopes: Scopes::parse(&self.scopes)
                .map_err(|_| StoreError::Corrupt("consent: scopes".into()))?,
            tax_entities: split_list(&self.tax_entities),
            user_data_id: self.user_data_id,
            client_id: self.client_id,
            subject_hash: self.subject_hash,
            test_person: self.test_person,
            created_at: self.created_at,
            updated_at: self.updated_at,
            granted_at: self.granted_at,
            expires_at: self.expires_at,
            status: crate::consent::Status::parse(&self.status)
                .ok_or_else(|| StoreError::Corrupt("consent: status".into()))?,
            ended_at: self.ended_at,
            ended_by: match self.ended_by.as_deref() {
                None => None,
                Some(by) => Some(
                    crate::consent::EndedBy::parse(by)
                        .ok_or_else(|| StoreError::Corrupt("consent: ended_by".into()))?,
                ),
            },
            test: self.test,
        })
    }
}
