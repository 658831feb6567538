//! Data collection (issue 14): calling the configured sources as SPEC.md's
//! source contract says, and what each answer means for a collection.
//!
//! Every source is a [`DataSource`]: the HTTP source speaking the source
//! contract ([`source::Http`]) and the built-in test source serving the test
//! persons ([`test_source::TestSource`]). Workers run both through the same
//! jobs, statuses, checks and webhooks, so test mode is production's path.

use std::time::Duration;

use async_trait::async_trait;

pub mod job;
pub mod shape;
pub mod source;
pub mod test_source;
pub mod worker;

pub use source::{Attempt, Request};

/// One place data is collected from.
#[async_trait]
pub trait DataSource: Send + Sync {
    /// The ID its jobs carry.
    fn id(&self) -> &str;
    /// How long one attempt may take (a worker's lease covers it).
    fn timeout(&self) -> Duration;
    /// How many attempts a collection makes before its scopes fail.
    fn attempts(&self) -> u32;
    /// One attempt at collecting `req`.
    async fn collect(&self, req: &Request<'_>) -> Attempt;
}
