//! SQLite, the embedded default: one file, WAL, a busy timeout so that
//! concurrent writers wait instead of failing.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use super::sql::{advance_query, impl_sql_store, insert_token, ADVANCE_SQL};
use super::StoreError;

pub(super) struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub(super) async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

impl_sql_store!(SqliteStore);
super::consents::impl_consent_store!(SqliteStore);
super::lifecycle::impl_lifecycle_store!(SqliteStore, relaxed_commit: None);
// One writer at a time: SQLite has no row locks to skip.
super::jobs::impl_job_store!(SqliteStore, "");
super::webhooks::impl_webhook_store!(SqliteStore, "");
super::upgrade::impl_upgrade_store!(SqliteStore);
