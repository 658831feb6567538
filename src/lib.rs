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

use std::sync::Arc;

pub use http::{metrics_router, router as app, router_with as app_with, AppState};
pub use service::consent::{
    granted as consent_granted, of_person as consents_of_person, sweep as sweep_consents,
    ConsentWithHistory, Swept,
};
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
/// `/demo/callback`, marked as the demo's own, unless it exists. Its
/// secret is derived from the server key ([`ServerKey::demo_client_secret`]),
/// so only the demo's own server side knows it; the demo's existing client
/// gets that secret's keyed hash. A `demo` client the demo did not create
/// is never changed: [`DemoClientError::Taken`]. A client is never deleted
/// here, and a plain `serve` leaves the demo client alone (another
/// instance may be serving the demo with it).
pub async fn ensure_demo_client(
    store: &dyn Store,
    key: &ServerKey,
    issuer: &str,
    now: UnixTime,
) -> Result<(), DemoClientError> {
    let secret = key.demo_client_secret();
    let secret_hash = key.client_secret_hash(&secret);
    if let Some(existing) = store.get_client(DEMO_CLIENT_ID).await? {
        return keep_demo_client(store, &existing, &secret, &secret_hash).await;
    }
    let issuer = issuer.trim_end_matches('/');
    let client = Client {
        id: DEMO_CLIENT_ID.into(),
        name: "Demo Bank".into(),
        callback_uris: vec![format!("{issuer}/demo/callback")],
        allowed_scopes: Scopes::parse(&Scope::ALL.map(Scope::as_str).join(","))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        styles_origins: vec![issuer.to_owned()],
        test_allowed: true,
        confidential: true,
    };
    match store.insert_client(&client, Some(&secret_hash), now).await {
        Ok(()) => {
            store.mark_demo_client(DEMO_CLIENT_ID).await?;
            Ok(())
        }
        // Another instance created it just now: check it is the demo's.
        Err(StoreError::Conflict(_)) => match store.get_client(DEMO_CLIENT_ID).await? {
            Some(c) if c.demo || c.secret_hash.as_deref() == Some(secret_hash.as_str()) => Ok(()),
            _ => Err(DemoClientError::Taken),
        },
        Err(e) => Err(e.into()),
    }
}

/// The existing `demo` client, kept if it is the demo's own (marked, or
/// made by an earlier version: unmarked, stored with the unkeyed hash of
/// this very derived secret), with the keyed hash of `secret`.
async fn keep_demo_client(
    store: &dyn Store,
    existing: &store::StoredClient,
    secret: &str,
    secret_hash: &str,
) -> Result<(), DemoClientError> {
    let earlier = existing.secret_hash.as_deref() == Some(&crypto::hash_token(secret));
    if !existing.demo && !earlier {
        return Err(DemoClientError::Taken);
    }
    store.mark_demo_client(DEMO_CLIENT_ID).await?;
    if existing.secret_hash.as_deref() != Some(secret_hash) {
        store
            .set_client_secret_hash(DEMO_CLIENT_ID, Some(secret_hash))
            .await?;
    }
    Ok(())
}
