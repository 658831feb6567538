//! The storage seam: one trait, two backends (SQLite, PostgreSQL) sharing one
//! SQL dialect, proved alike by one contract test suite. No flow state lives
//! in process memory: every step reads and writes here.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::flow::LinkSession;
use crate::oauth2::client::Client;
use crate::time::UnixTime;

mod consents;
pub(crate) mod jobs;
mod lifecycle;
mod postgres;
mod records;
mod sql;
mod sqlite;
mod unix_time;
pub(crate) mod upgrade;
pub(crate) mod webhooks;

pub use consents::ConsentStore;
pub use jobs::{Collection, JobCount, JobStore, NewCollection, NewJob, TakenJob};
pub use lifecycle::{ConsentEnd, Granted, GrantedBy, HistoryEvent, LifecycleStore};
pub use records::*;
pub use upgrade::{SealedColumn, UnboundSealed, UpgradeStore};
pub use webhooks::{TakenEvent, WebhookStore};
mod rows;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (e.g. a client ID that exists).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Stored data that does not parse: a bug or a hand edit.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            _ => StoreError::Database(e),
        }
    }
}

#[async_trait]
pub trait Store:
    ConsentStore + LifecycleStore + JobStore + WebhookStore + UpgradeStore + Send + Sync + 'static
{
    /// One trivial query: is the database reachable?
    async fn ping(&self) -> Result<(), StoreError>;
    /// Closes the connection pool: every later call fails as with a
    /// database that is down (what `/readyz` and the error pages are
    /// tested against).
    async fn close(&self);

    /// Registers `client`; its secret's hash is `None` for a public one.
    async fn insert_client(
        &self,
        client: &Client,
        secret_hash: Option<&str>,
        created_at: UnixTime,
    ) -> Result<(), StoreError>;
    /// Inserts the demo's own client, marked as such in the same
    /// statement (see [`StoredClient::demo`]).
    async fn insert_demo_client(
        &self,
        client: &Client,
        secret_hash: &str,
        created_at: UnixTime,
    ) -> Result<(), StoreError>;
    async fn get_client(&self, id: &str) -> Result<Option<StoredClient>, StoreError>;
    async fn list_clients(&self) -> Result<Vec<StoredClient>, StoreError>;
    /// Deletes a client with its sessions, consents and codes.
    async fn delete_client(&self, id: &str) -> Result<bool, StoreError>;

    /// The value of `key`, inserting `value` first if there is none. Every
    /// instance gets the same answer.
    async fn setting_get_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError>;

    async fn insert_link_session(
        &self,
        session: &LinkSession,
        created_at: UnixTime,
    ) -> Result<(), StoreError>;
    async fn get_link_session(&self, id_hash: &str) -> Result<Option<LinkSession>, StoreError>;
    /// The signed-in persons (subject hashes) of `client_id`'s completed
    /// link sessions that were started with `state`.
    async fn completed_subjects(
        &self,
        client_id: &str,
        state: &str,
    ) -> Result<Vec<String>, StoreError>;
    /// The session that was known by the ID hashing to `prior_hash` before
    /// its sign-in gave it a new one.
    async fn get_moved_link_session(
        &self,
        prior_hash: &str,
    ) -> Result<Option<LinkSession>, StoreError>;
    /// Moves a session one step forward if, atomically, it is at the
    /// expected step, the CSRF token matches and it has not expired.
    /// `None` when any of those did not hold.
    async fn advance_link_session(
        &self,
        advance: &Advance<'_>,
    ) -> Result<Option<LinkSession>, StoreError>;
    /// Stores `sign_in` as its session's one live sign-in at a provider,
    /// replacing any earlier one of that session (whose state then no
    /// longer works): repeated starts never add rows.
    async fn replace_upstream_auth(&self, sign_in: &UpstreamSignIn) -> Result<(), StoreError>;
    /// Marks an upstream sign-in used and returns it, if it is unused,
    /// unexpired at `now` and was started by the browser whose cookie
    /// hashes to `browser_hash`: of any number of callbacks with one
    /// `state`, at most one gets it, and one from another browser does
    /// not use it up.
    async fn take_upstream_auth(
        &self,
        state_hash: &str,
        browser_hash: &str,
        now: UnixTime,
    ) -> Result<Option<UpstreamSignIn>, StoreError>;

    /// Replaces a client's secret hash (`None`: a public client).
    /// `false` if there is no such client.
    async fn set_client_secret_hash(
        &self,
        id: &str,
        secret_hash: Option<&str>,
    ) -> Result<bool, StoreError>;

    /// Replaces a client's secret hash `old` by `new` (the same secret,
    /// hashed anew), only if it is still `old`: a client deleted and
    /// created again meanwhile keeps its own. `false` if it was not.
    async fn rehash_client_secret(
        &self,
        id: &str,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError>;

    /// Marks a client as the demo's own (see [`StoredClient::demo`]).
    /// `false` if there is no such client.
    async fn mark_demo_client(&self, id: &str) -> Result<bool, StoreError>;

    /// Deletes link sessions, upstream sign-ins and access tokens that expired before `before`,
    /// and authorization codes that expired [`CODE_RETENTION`] before
    /// it; returns how many rows went.
    async fn purge_expired(&self, before: UnixTime) -> Result<u64, StoreError>;

    async fn get_authorization_code(
        &self,
        code_hash: &str,
    ) -> Result<Option<AuthorizationCode>, StoreError>;
    /// Marks the code used and stores `token`, atomically, if the code is
    /// unused and unexpired at `now`; otherwise writes nothing. Of any
    /// number of concurrent redemptions, at most one issues. (What a
    /// refused one means, revoking, is `oauth2::token::Exchange`'s rule.)
    async fn redeem_authorization_code(
        &self,
        code_hash: &str,
        now: UnixTime,
        token: &AccessToken,
    ) -> Result<Redemption, StoreError>;
    /// Revokes every token a code issued (the code was presented again).
    async fn revoke_tokens_of_code(
        &self,
        code_hash: &str,
        now: UnixTime,
    ) -> Result<u64, StoreError>;

    async fn insert_access_token(&self, token: &AccessToken) -> Result<(), StoreError>;
    /// Revokes one token of `client_id` (RFC 7009); whether it was live
    /// until now (not revoked before; expiry is not looked at).
    async fn revoke_access_token(
        &self,
        token_hash: &str,
        client_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
    async fn get_access_token(&self, token_hash: &str) -> Result<Option<AccessToken>, StoreError>;
}

/// How long after it expires a used authorization code is kept: as long as
/// a token it issued lives, so that presenting the code again still revokes
/// that token (RFC 6749 §4.1.2).
pub const CODE_RETENTION: Duration = crate::flow::TOKEN_TTL;

/// What became of an attempt to redeem an authorization code.
#[derive(Debug, PartialEq, Eq)]
pub enum Redemption {
    /// The code was unused and unexpired; it is now used and the token stored.
    Issued,
    /// The code was used before (or expired meanwhile): nothing was issued.
    Refused,
}

/// Connects to `url` (`sqlite:` or `postgres:`) and runs that backend's migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgres::PostgresStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    } else {
        Err(StoreError::Database(sqlx::Error::Configuration(
            "DATABASE_URL must start with sqlite: or postgres:".into(),
        )))
    }
}
