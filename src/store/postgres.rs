//! PostgreSQL, the production store.

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use super::sql::{advance_query, impl_sql_store, insert_token, ADVANCE_SQL};
use super::StoreError;

pub(super) struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub(super) async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStore { pool })
    }
}

impl_sql_store!(PostgresStore);
super::consents::impl_consent_store!(PostgresStore);
super::lifecycle::impl_lifecycle_store!(PostgresStore, relaxed_commit: Some("SET LOCAL synchronous_commit TO OFF"));
super::jobs::impl_job_store!(PostgresStore, "FOR UPDATE SKIP LOCKED");
// Takes wait for each other (a transaction-scoped advisory lock), so a
// client's leased events are counted exactly over all instances.
super::webhooks::impl_webhook_store!(
    PostgresStore,
    "FOR UPDATE SKIP LOCKED",
    serialize = "SELECT pg_advisory_xact_lock(7340314)"
);
super::upgrade::impl_upgrade_store!(PostgresStore);
