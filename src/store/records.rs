//! What the store keeps, as the rest of the crate reads and writes it:
//! parsed types, never the text of a row (that mapping is `rows`).

use crate::oauth2::client::Client;
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
}
