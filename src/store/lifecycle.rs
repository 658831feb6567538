//! The consent lifecycle in the store: plain writes of what the service
//! decided (an ending with its history event and webhook body already
//! built), a consent's history, and the consents the sweep is due to end
//! or to announce. One SQL text for both backends.

use async_trait::async_trait;

use super::{Consent, StoreError};
use crate::consent::{EndedBy, Event, Status};
use crate::time::UnixTime;

/// One ending of a consent, as the service built it: written only if the
/// consent is still active (and, for an expiry, its term has run out), by
/// one guarded update; then, in the same transaction, its tokens and
/// codes are revoked, its collected data and jobs deleted, `event` added
/// to its history and `webhook` (a body) to its client's outbox.
#[derive(Debug)]
pub struct ConsentEnd<'a> {
    pub user_data_id: &'a str,
    pub client_id: &'a str,
    pub status: Status,
    pub ended_by: EndedBy,
    pub event: &'a Event,
    /// The webhook event's ID and body.
    pub webhook_id: &'a str,
    pub webhook: &'a str,
    pub now: UnixTime,
}

/// What recording a consent adds to its history and to its client's
/// outbox (`consent.granted`), built by the service from the two facts
/// only the transaction knows: the user ID and whether it was renewed.
#[derive(Debug)]
pub struct Granted {
    pub event: Event,
    pub webhook_id: String,
    pub webhook: String,
}

/// The service's builder of [`Granted`], called with the user ID and
/// whether the person renewed.
pub struct GrantedBy<'a>(pub &'a (dyn Fn(&str, bool) -> Granted + Send + Sync));

impl std::fmt::Debug for GrantedBy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GrantedBy(..)")
    }
}

/// One event of a consent's history.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct HistoryEvent {
    pub kind: String,
    pub detail: Option<String>,
    pub at: UnixTime,
}

#[async_trait]
pub trait LifecycleStore: Send + Sync + 'static {
    /// Ends a consent as `end` says; `false` (nothing written) if it was
    /// not active, or for an expiry if its term had not run out: of any
    /// number of concurrent endings one writes.
    async fn end_consent(&self, end: &ConsentEnd<'_>) -> Result<bool, StoreError>;
    /// Records an integrator's read in a consent's history: its own small
    /// write, committed without waiting for the disk where the backend
    /// allows (PostgreSQL: `synchronous_commit` off for this transaction
    /// alone; SQLite's commits are like that already), so that a read does
    /// not cost a flush. An operating-system crash may lose the last
    /// fraction of a second of read records; nothing else.
    async fn insert_read_event(
        &self,
        user_data_id: &str,
        event: &Event,
        now: UnixTime,
    ) -> Result<(), StoreError>;
    /// Adds `event` to a consent's history, durably.
    async fn insert_consent_event(
        &self,
        user_data_id: &str,
        event: &Event,
        now: UnixTime,
    ) -> Result<(), StoreError>;
    /// A consent's history, oldest first.
    async fn consent_history(&self, user_data_id: &str) -> Result<Vec<HistoryEvent>, StoreError>;
    /// Every consent a person (by subject hash) gave, newest first.
    async fn consents_of_subject(&self, subject_hash: &str) -> Result<Vec<Consent>, StoreError>;
    /// Up to `limit` active consents whose term ended at or before `now`.
    async fn due_expiries(&self, now: UnixTime, limit: i64) -> Result<Vec<Consent>, StoreError>;
    /// Up to `limit` active consents ending at or before `until` whose
    /// current term was not yet announced as expiring.
    async fn due_expiring(&self, until: UnixTime, limit: i64) -> Result<Vec<Consent>, StoreError>;
    /// Marks a consent's term (ending at `expires_at`) announced and adds
    /// `webhook` (its ID and body) to the outbox, if it was not announced yet and is still
    /// that term of an active consent; whether this call did.
    async fn mark_expiring(
        &self,
        consent: &Consent,
        webhook: (&str, &str),
        now: UnixTime,
    ) -> Result<bool, StoreError>;
    /// Sets how many days a client's consents last; `false` if there is
    /// no such client.
    async fn set_client_consent_days(&self, client_id: &str, days: u32)
        -> Result<bool, StoreError>;
    /// Deletes history events older than `before`; how many went.
    async fn purge_consent_history(&self, before: UnixTime) -> Result<u64, StoreError>;
}

/// Inserts a history event, through `$executor`: only of a consent that
/// exists (a collection planted without one, in a test, has no history).
macro_rules! insert_consent_event {
    ($executor:expr, $user_data_id:expr, $event:expr, $now:expr) => {{
        let event: &$crate::consent::Event = $event;
        sqlx::query(
            "INSERT INTO consent_events (user_data_id, kind, detail, at) \
             SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM consents WHERE user_data_id = $1)",
        )
        .bind($user_data_id)
        .bind(event.kind())
        .bind(event.detail())
        .bind($now)
        .execute($executor)
        .await
        .map(|_| ())
    }};
}

/// Implements [`LifecycleStore`] for `$store` (with a `pool`).
macro_rules! impl_lifecycle_store {
    ($store:ty, relaxed_commit: $relaxed:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::LifecycleStore for $store {
            async fn insert_read_event(
                &self,
                user_data_id: &str,
                event: &$crate::consent::Event,
                now: $crate::time::UnixTime,
            ) -> Result<(), $crate::store::StoreError> {
                let relaxed: Option<&str> = $relaxed;
                let mut tx = self.pool.begin().await?;
                if let Some(statement) = relaxed {
                    sqlx::query(statement).execute(&mut *tx).await?;
                }
                $crate::store::lifecycle::insert_consent_event!(&mut *tx, user_data_id, event, now)?;
                tx.commit().await?;
                Ok(())
            }

            async fn end_consent(
                &self,
                end: &$crate::store::ConsentEnd<'_>,
            ) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                // An expiry holds only once the term has run out; any
                // ending only of an active consent.
                let expiry = end.ended_by == $crate::consent::EndedBy::Expiry;
                let ended = sqlx::query(
                    "UPDATE consents SET status = $2, ended_at = $3, ended_by = $4 \
                     WHERE user_data_id = $1 AND status = 'active' \
                     AND (NOT $5 OR expires_at <= $3)",
                )
                .bind(end.user_data_id)
                .bind(end.status.as_str())
                .bind(end.now)
                .bind(end.ended_by.as_str())
                .bind(expiry)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if ended == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                $crate::store::consents::revoke_grants!(&mut *tx, end.user_data_id, end.now)?;
                $crate::store::jobs::forget_collected!(&mut *tx, end.user_data_id, end.now)?;
                $crate::store::lifecycle::insert_consent_event!(
                    &mut *tx, end.user_data_id, end.event, end.now
                )?;
                $crate::store::webhooks::insert_webhook_event!(
                    &mut *tx, end.webhook_id, end.client_id, end.webhook, end.now
                )?;
                tx.commit().await?;
                Ok(true)
            }

            async fn insert_consent_event(
                &self,
                user_data_id: &str,
                event: &$crate::consent::Event,
                now: $crate::time::UnixTime,
            ) -> Result<(), $crate::store::StoreError> {
                $crate::store::lifecycle::insert_consent_event!(&self.pool, user_data_id, event, now)?;
                Ok(())
            }

            async fn consent_history(
                &self,
                user_data_id: &str,
            ) -> Result<Vec<$crate::store::HistoryEvent>, $crate::store::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT kind, detail, at FROM consent_events WHERE user_data_id = $1 \
                     ORDER BY at, id",
                )
                .bind(user_data_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn consents_of_subject(
                &self,
                subject_hash: &str,
            ) -> Result<Vec<$crate::store::Consent>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::rows::ConsentRow> = sqlx::query_as(
                    "SELECT * FROM consents WHERE subject_hash = $1 \
                     ORDER BY granted_at DESC, user_data_id",
                )
                .bind(subject_hash)
                .fetch_all(&self.pool)
                .await?;
                $crate::store::rows::all_parsed(rows)
            }

            async fn due_expiries(
                &self,
                now: $crate::time::UnixTime,
                limit: i64,
            ) -> Result<Vec<$crate::store::Consent>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::rows::ConsentRow> = sqlx::query_as(
                    "SELECT * FROM consents WHERE status = 'active' AND expires_at <= $1 \
                     ORDER BY expires_at LIMIT $2",
                )
                .bind(now)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                $crate::store::rows::all_parsed(rows)
            }

            async fn due_expiring(
                &self,
                until: $crate::time::UnixTime,
                limit: i64,
            ) -> Result<Vec<$crate::store::Consent>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::rows::ConsentRow> = sqlx::query_as(
                    "SELECT * FROM consents WHERE status = 'active' AND expires_at <= $1 \
                     AND expiring_sent_at IS NULL ORDER BY expires_at LIMIT $2",
                )
                .bind(until)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                $crate::store::rows::all_parsed(rows)
            }

            async fn mark_expiring(
                &self,
                consent: &$crate::store::Consent,
                (webhook_id, webhook): (&str, &str),
                now: $crate::time::UnixTime,
            ) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                let marked = sqlx::query(
                    "UPDATE consents SET expiring_sent_at = $3 WHERE user_data_id = $1 \
                     AND status = 'active' AND expires_at = $2 AND expiring_sent_at IS NULL",
                )
                .bind(&consent.user_data_id)
                .bind(consent.expires_at)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if marked == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                $crate::store::webhooks::insert_webhook_event!(
                    &mut *tx, webhook_id, &consent.client_id, webhook, now
                )?;
                tx.commit().await?;
                Ok(true)
            }

            async fn set_client_consent_days(
                &self,
                client_id: &str,
                days: u32,
            ) -> Result<bool, $crate::store::StoreError> {
                let set = sqlx::query("UPDATE clients SET consent_days = $2 WHERE id = $1")
                    .bind(client_id)
                    .bind(i32::try_from(days).unwrap_or(i32::MAX))
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(set > 0)
            }

            async fn purge_consent_history(
                &self,
                before: $crate::time::UnixTime,
            ) -> Result<u64, $crate::store::StoreError> {
                Ok(sqlx::query("DELETE FROM consent_events WHERE at < $1")
                    .bind(before)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }
        }
    };
}

pub(super) use {impl_lifecycle_store, insert_consent_event};
