//! consent-link: the Link page a lender sends its customer to, with an
//! OAuth2 surface. `main.rs` and the tests both build the app through
//! [`app`].
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![warn(unreachable_pub)]

pub mod cli;
pub mod collect;
pub mod config;
pub mod consent;
pub mod crypto;
mod data;
pub mod flow;
pub mod http;
pub mod i18n;
pub mod methods;
pub mod metrics;
pub mod net;
pub mod oauth2;
pub mod receipt;
pub mod serve;
mod service;
pub mod sources;
pub mod store;
pub mod test_persons;
pub mod testdata;
pub mod theme;
pub mod time;
pub mod upstream;
mod views;
pub mod webhooks;

/// Entry points for the fuzz targets (`fuzz/`, README "Fuzzing") into
/// parsers of outside input that are not public; each only forwards.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::upstream::fuzzing::{discovery, id_token, jwks, IdTokenCase};

    /// A source's `Retry-After` header value, read as a worker reads it.
    pub fn retry_after(value: &[u8]) -> Option<std::time::Duration> {
        let value = reqwest::header::HeaderValue::from_bytes(value).ok()?;
        crate::collect::source::retry_after(Some(&value))
    }
}

use std::sync::Arc;

pub use http::{metrics_router, router as app, router_with as app_with, AppState};
pub use service::consent::{
    granted as consent_granted, of_person as consents_of_person, sweep as sweep_consents,
    ConsentWithHistory, Swept,
};
pub use service::upgrade::{upgrade_stored_secrets, UpgradeReport};
pub use time::{Clock, SystemClock, UnixTime};

use crate::crypto::ServerKey;
use crate::oauth2::client::Client;
use crate::oauth2::scope::{Scope, Scopes};
use crate::store::{Store, StoreError};

/// Why `serve` cannot get a server key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// PostgreSQL is the production store: a key kept beside the hashes it
    /// keys would let whoever reads the database reverse them.
    #[error(
        "on PostgreSQL, serve needs --secret-key or CONSENT_LINK_SECRET_KEY (at least 32 \
         random characters, the same on every instance); it is never generated into the database"
    )]
    Required,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Receipt(#[from] receipt::ReceiptKeyError),
}

/// The server key: the configured one; else, on SQLite only (the embedded
/// default), one generated once and kept in the database so that every
/// instance shares it. On PostgreSQL a key must be configured.
pub async fn server_key(
    store: &dyn Store,
    configured: Option<&str>,
    database_url: &str,
) -> Result<ServerKey, KeyError> {
    if let Some(k) = configured {
        return Ok(ServerKey::new(k.as_bytes()));
    }
    if !database_url.starts_with("sqlite:") {
        return Err(KeyError::Required);
    }
    let fresh = crypto::random_token(&mut rand::thread_rng());
    let key = store.setting_get_or_insert("server_key", &fresh).await?;
    Ok(ServerKey::new(key.as_bytes()))
}

/// Builds the state the router serves.
pub async fn state(
    store: Arc<dyn Store>,
    database_url: &str,
    issuer: &str,
    secret_key: Option<&str>,
    session_ttl: std::time::Duration,
    upstream: upstream::Upstream,
    metrics: metrics::Metrics,
) -> Result<AppState, KeyError> {
    let key = server_key(store.as_ref(), secret_key, database_url).await?;
    // Version 1; `serve` sets the configured version and earlier ones.
    let receipt_keys = Arc::new(receipt::KeyRing::new(&key, 1, &[])?);
    Ok(AppState {
        store,
        key,
        issuer: issuer.trim_end_matches('/').to_owned(),
        session_ttl,
        clock: Arc::new(SystemClock),
        upstream: Arc::new(upstream),
        metrics: Arc::new(metrics),
        themes: Arc::new(theme::Themes::new(theme::ThemeLimits::default())),
        sources: Arc::new(sources::Sources::default()),
        receipt_keys,
    })
}

/// The ID of the demo client that `serve --demo` creates (reserved:
/// `client create` refuses it).
pub const DEMO_CLIENT_ID: &str = "demo";

/// Why `serve --demo` cannot set up its client.
#[derive(Debug, thiserror::Error)]
pub enum DemoClientError {
    #[error(
        "a client with the ID \"demo\" exists that `serve --demo` did not create: the demo \
         never takes over or changes an operator's client. Serve without --demo, or give \
         that client another ID (create it again) and delete this one \
         (`consent-link client delete demo`)"
    )]
    Taken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates the test-mode `demo` client, calling back to this service's
/// `/demo/callback`, marked as the demo's own in the same statement,
/// unless it exists. Its secret is derived from the server key
/// ([`ServerKey::demo_client_secret`]), so only the demo's own server side
/// knows it; the demo's existing client gets that secret's current hash.
/// A `demo` client the demo did not create is never changed:
/// [`DemoClientError::Taken`]. A client is never deleted here, and a plain
/// `serve` leaves the demo client alone (another instance may be serving
/// the demo with it).
pub async fn ensure_demo_client(
    store: &dyn Store,
    key: &ServerKey,
    issuer: &str,
    now: UnixTime,
) -> Result<(), DemoClientError> {
    let issuer = issuer.trim_end_matches('/');
    if let Some(existing) = store.get_client(DEMO_CLIENT_ID).await? {
        return keep_demo_client(store, key, &existing, issuer).await;
    }
    let client = Client {
        id: DEMO_CLIENT_ID.into(),
        name: "Demo Bank".into(),
        callback_uris: vec![demo_callback(issuer)],
        allowed_scopes: Scopes::parse(&Scope::ALL.map(Scope::as_str).join(","))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        styles_origins: vec![issuer.to_owned()],
        test_allowed: true,
        confidential: true,
    };
    let secret_hash = key.client_secret_hash(DEMO_CLIENT_ID, &key.demo_client_secret());
    match store.insert_demo_client(&client, &secret_hash, now).await {
        Ok(()) => Ok(()),
        // Another instance created it just now: check it is the demo's.
        Err(StoreError::Conflict(_)) => match store.get_client(DEMO_CLIENT_ID).await? {
            Some(c) => keep_demo_client(store, key, &c, issuer).await,
            None => Err(DemoClientError::Taken),
        },
        Err(e) => Err(e.into()),
    }
}

fn demo_callback(issuer: &str) -> String {
    format!("{issuer}/demo/callback")
}

/// The existing `demo` client, kept if it is the demo's own
/// ([`is_the_demos`]): marked, with the current hash of its secret.
async fn keep_demo_client(
    store: &dyn Store,
    key: &ServerKey,
    existing: &store::StoredClient,
    issuer: &str,
) -> Result<(), DemoClientError> {
    if !is_the_demos(key, existing, issuer) {
        return Err(DemoClientError::Taken);
    }
    if !existing.demo {
        store.mark_demo_client(DEMO_CLIENT_ID).await?;
    }
    let secret_hash = key.client_secret_hash(DEMO_CLIENT_ID, &key.demo_client_secret());
    if existing.secret_hash.as_deref() != Some(secret_hash.as_str()) {
        store
            .set_client_secret_hash(DEMO_CLIENT_ID, Some(&secret_hash))
            .await?;
    }
    Ok(())
}

/// Whether `existing` is the demo's own client: marked as such; or not
/// (yet) marked but exactly as the demo makes it (a test client whose only
/// callback is this service's `/demo/callback`) and stored with a hash of
/// the derived demo secret, in any form. An operator's client with the
/// demo secret's hash (an earlier version of the demo overwrote it) but
/// its own callbacks or production mode is not the demo's.
fn is_the_demos(key: &ServerKey, existing: &store::StoredClient, issuer: &str) -> bool {
    if existing.demo {
        return true;
    }
    let c = &existing.client;
    let shaped = c.test_allowed && c.callback_uris == [demo_callback(issuer)];
    let secret = key.demo_client_secret();
    let ours = existing.secret_hash.as_deref().is_some_and(|stored| {
        stored == crypto::hash_token(&secret)
            || key.check_client_secret(DEMO_CLIENT_ID, stored, &secret)
                != crypto::SecretMatch::Wrong
    });
    shaped && ours
}
