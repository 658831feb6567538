//! What the start-up upgrade of stored secrets needs from the store
//! (`service::upgrade`): a record of which one-time steps are done, and
//! the sealed values still in the format that was not bound to its row,
//! each replaced only if it is still the value that was read.

use async_trait::async_trait;

use super::StoreError;
use crate::time::UnixTime;

/// A column that holds values sealed under the server key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedColumn {
    /// `collected_data.body_sealed`, keyed by collection and scope.
    CollectedData,
    /// `link_sessions.national_id_sealed`, keyed by the session's ID hash.
    LinkSessionNationalId,
    /// `collections.national_id_sealed`, keyed by the collection's ID.
    CollectionNationalId,
    /// `clients.webhook_secret_sealed`, keyed by the client's ID.
    ClientWebhookSecret,
}

impl SealedColumn {
    pub const ALL: [SealedColumn; 4] = [
        SealedColumn::CollectedData,
        SealedColumn::LinkSessionNationalId,
        SealedColumn::CollectionNationalId,
        SealedColumn::ClientWebhookSecret,
    ];

    /// Its values without the `v2.` prefix: key, part, subject, sealed.
    pub(crate) fn select_sql(self) -> &'static str {
        match self {
            SealedColumn::CollectedData => {
                "SELECT collection_id AS key, scope AS part, CAST(NULL AS TEXT) AS subject, \
                 body_sealed AS sealed FROM collected_data WHERE body_sealed NOT LIKE 'v2.%'"
            }
            SealedColumn::LinkSessionNationalId => {
                "SELECT id_hash AS key, CAST('' AS TEXT) AS part, subject_hash AS subject, \
                 national_id_sealed AS sealed FROM link_sessions \
                 WHERE national_id_sealed NOT LIKE 'v2.%'"
            }
            SealedColumn::CollectionNationalId => {
                "SELECT c.id AS key, CAST('' AS TEXT) AS part, (SELECT s.subject_hash \
                 FROM consents s WHERE s.user_data_id = c.user_data_id) AS subject, \
                 c.national_id_sealed AS sealed FROM collections c \
                 WHERE c.national_id_sealed NOT LIKE 'v2.%'"
            }
            SealedColumn::ClientWebhookSecret => {
                "SELECT id AS key, CAST('' AS TEXT) AS part, CAST(NULL AS TEXT) AS subject, \
                 webhook_secret_sealed AS sealed FROM clients \
                 WHERE webhook_secret_sealed NOT LIKE 'v2.%'"
            }
        }
    }

    /// Replaces the value of row ($1, $2) by $4 if it is still $3.
    pub(crate) fn replace_sql(self) -> &'static str {
        match self {
            SealedColumn::CollectedData => {
                "UPDATE collected_data SET body_sealed = $4 \
                 WHERE collection_id = $1 AND scope = $2 AND body_sealed = $3"
            }
            SealedColumn::LinkSessionNationalId => {
                "UPDATE link_sessions SET national_id_sealed = $4 \
                 WHERE id_hash = $1 AND $2 = $2 AND national_id_sealed = $3"
            }
            SealedColumn::CollectionNationalId => {
                "UPDATE collections SET national_id_sealed = $4 \
                 WHERE id = $1 AND $2 = $2 AND national_id_sealed = $3"
            }
            SealedColumn::ClientWebhookSecret => {
                "UPDATE clients SET webhook_secret_sealed = $4 \
                 WHERE id = $1 AND $2 = $2 AND webhook_secret_sealed = $3"
            }
        }
    }
}

/// A value sealed before values were bound to their row, and where it is.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnboundSealed {
    /// The row's ID (a collection, link session or client).
    pub key: String,
    /// The scope of collected data; empty elsewhere.
    pub part: String,
    /// The subject hash a sealed national ID belongs to, if known.
    pub subject: Option<String>,
    pub sealed: String,
}

#[async_trait]
pub trait UpgradeStore: Send + Sync + 'static {
    /// Whether the one-time step `name` was recorded as done.
    async fn maintenance_done(&self, name: &str) -> Result<bool, StoreError>;
    /// Records the one-time step `name` as done (again: no change).
    async fn record_maintenance(&self, name: &str, now: UnixTime) -> Result<(), StoreError>;
    /// The values of `column` without the `v2.` prefix.
    async fn unbound_sealed(&self, column: SealedColumn) -> Result<Vec<UnboundSealed>, StoreError>;
    /// Replaces `value`'s sealed value by `new` if it is still
    /// `value.sealed`; whether it was.
    async fn replace_sealed(
        &self,
        column: SealedColumn,
        value: &UnboundSealed,
        new: &str,
    ) -> Result<bool, StoreError>;
}

macro_rules! impl_upgrade_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::UpgradeStore for $store {
            async fn maintenance_done(
                &self,
                name: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT name FROM maintenance WHERE name = $1")
                        .bind(name)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.is_some())
            }

            async fn record_maintenance(
                &self,
                name: &str,
                now: $crate::time::UnixTime,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO maintenance (name, done_at) VALUES ($1, $2) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(name)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn unbound_sealed(
                &self,
                column: $crate::store::SealedColumn,
            ) -> Result<Vec<$crate::store::UnboundSealed>, $crate::store::StoreError> {
                Ok(sqlx::query_as(column.select_sql())
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn replace_sealed(
                &self,
                column: $crate::store::SealedColumn,
                value: &$crate::store::UnboundSealed,
                new: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                Ok(sqlx::query(column.replace_sql())
                    .bind(&value.key)
                    .bind(&value.part)
                    .bind(&value.sealed)
                    .bind(new)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    > 0)
            }
        }
    };
}

pub(super) use impl_upgrade_store;
