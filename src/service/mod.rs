//! Orchestration between the HTTP handlers and the rules: each function
//! takes the store, the time and the randomness, applies the pure rules
//! of [`crate::oauth2`] and [`crate::flow`] through the store's guarded
//! writes, and returns an outcome enum that a handler only matches (and
//! turns into a page, a redirect or JSON). Nothing here knows HTTP.

use rand::RngCore;

use crate::crypto::ServerKey;
use crate::sources::Sources;
use crate::store::{Store, StoreError};
use crate::upstream::Upstream;

pub(crate) mod consent;
pub(crate) mod data;
pub(crate) mod introspect;
pub(crate) mod link;
pub(crate) mod receipts;
pub(crate) mod sign_in;
pub(crate) mod token;
pub(crate) mod upgrade;

/// What the services work with, besides the time and the randomness.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) key: &'a ServerKey,
    /// The configured authentication methods and their providers.
    pub(crate) upstream: &'a Upstream,
    /// The configured data sources.
    pub(crate) sources: &'a Sources,
}

/// The randomness a service draws from: a CSPRNG that may be held across
/// an `.await` (handlers pass `OsRng`, tests a seeded one).
pub(crate) type Rng<'r> = &'r mut (dyn RngCore + Send);

/// A fault on our side: the store, or a state that cannot be (logged and
/// shown as an internal error, with the request ID).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ServiceError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(&'static str),
}
