//! The webhook outbox in the store (issue 14): an event row written in the
//! same transaction as what it reports (only for a client with a webhook
//! URL), taken by any instance's deliverers under a lease, removed when
//! delivered or given up.

use std::time::Duration;

use async_trait::async_trait;

use super::StoreError;
use crate::time::UnixTime;

/// An event a deliverer took, with where and how to send it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TakenEvent {
    /// `webhook-id`: the same on every retry.
    pub id: String,
    pub client_id: String,
    pub body: String,
    /// Attempts made, this one included.
    pub attempts: i32,
    pub created_at: UnixTime,
    pub leased_by: String,
    /// When the lease this take gave ends.
    pub lease_until: UnixTime,
    pub webhook_url: Option<String>,
    pub webhook_secret_sealed: Option<String>,
    /// The client is a test client (`false` if it is gone).
    pub test_client: bool,
}

#[async_trait]
pub trait WebhookStore: Send + Sync + 'static {
    /// Sets (or with `None`, removes) a client's webhook URL and sealed
    /// signing secret. `false` if there is no such client.
    async fn set_client_webhook(
        &self,
        client_id: &str,
        url: Option<&str>,
        secret_sealed: Option<&str>,
    ) -> Result<bool, StoreError>;

    /// Records an event for `client_id` if it has a webhook URL; `true` if
    /// it was recorded. (Events that report a write are recorded in that
    /// write's transaction instead, by the store itself.)
    async fn insert_webhook_event(
        &self,
        id: &str,
        client_id: &str,
        body: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    /// Takes one due event for `lease` under the lease token `leased_by`
    /// (the deliverer makes a fresh one per take, so that only this
    /// delivery's writes name it); only `client_id`'s when given (a
    /// deliverer may serve one client); never one of a client whose
    /// endpoint is paused or that has `per_client` events under a lease
    /// already (over all instances: on PostgreSQL takes wait for each
    /// other).
    async fn take_webhook_event(
        &self,
        now: UnixTime,
        lease: Duration,
        leased_by: &str,
        client_id: Option<&str>,
        per_client: u32,
    ) -> Result<Option<TakenEvent>, StoreError>;

    /// Counts a failed delivery at `now` to `client_id`'s endpoint, one
    /// more in a row if the one before came at `since` or later (else it
    /// is the first); returns how many in a row there are now, 0 if there
    /// is no such client (nothing is counted for a deleted one).
    async fn count_webhook_failure(
        &self,
        client_id: &str,
        now: UnixTime,
        since: UnixTime,
    ) -> Result<i32, StoreError>;

    /// Takes no event of `client_id` before `until`.
    async fn pause_webhook_endpoint(
        &self,
        client_id: &str,
        until: UnixTime,
    ) -> Result<(), StoreError>;

    /// Forgets `client_id`'s failures in a row and any pause.
    async fn clear_webhook_failures(&self, client_id: &str) -> Result<(), StoreError>;

    /// Removes an event that was delivered or given up. `false` (nothing
    /// written) if the lease `leased_by` was lost: taken over, or run out
    /// by `now` even if no one took the event.
    async fn remove_webhook_event(
        &self,
        id: &str,
        leased_by: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    /// Gives an event back to be sent again at `run_after`; `false`
    /// (nothing written) if the lease was lost, as for removing.
    async fn retry_webhook_event(
        &self,
        id: &str,
        leased_by: &str,
        now: UnixTime,
        run_after: UnixTime,
    ) -> Result<bool, StoreError>;
}

/// Records a webhook event through `$executor` if the client has a URL.
macro_rules! insert_webhook_event {
    ($executor:expr, $id:expr, $client_id:expr, $body:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO webhook_events (id, client_id, body, attempts, run_after, lease_until, \
             leased_by, created_at) SELECT $1, id, $3, 0, $4, NULL, NULL, $4 FROM clients \
             WHERE id = $2 AND webhook_url IS NOT NULL",
        )
        .bind($id)
        .bind($client_id)
        .bind($body)
        .bind($now)
        .execute($executor)
        .await
        .map(|r| r.rows_affected() > 0)
    };
}

/// Implements [`WebhookStore`] for `$store`; `$lock` as for jobs;
/// `$serialize`, if given, runs first in every take's transaction, so that
/// takes on several connections count each other's leases.
macro_rules! impl_webhook_store {
    ($store:ty, $lock:literal $(, serialize = $serialize:literal)?) => {
        #[async_trait::async_trait]
        impl $crate::store::WebhookStore for $store {
            async fn set_client_webhook(
                &self,
                client_id: &str,
                url: Option<&str>,
                secret_sealed: Option<&str>,
            ) -> Result<bool, $crate::store::StoreError> {
                let set = sqlx::query(
                    "UPDATE clients SET webhook_url = $2, webhook_secret_sealed = $3 WHERE id = $1",
                )
                .bind(client_id)
                .bind(url)
                .bind(secret_sealed)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    > 0;
                // A new endpoint starts with a closed breaker.
                $crate::store::WebhookStore::clear_webhook_failures(self, client_id).await?;
                Ok(set)
            }

            async fn insert_webhook_event(
                &self,
                id: &str,
                client_id: &str,
                body: &str,
                now: $crate::time::UnixTime,
            ) -> Result<bool, $crate::store::StoreError> {
                Ok($crate::store::webhooks::insert_webhook_event!(
                    &self.pool, id, client_id, body, now
                )?)
            }

            async fn take_webhook_event(
                &self,
                now: $crate::time::UnixTime,
                lease: std::time::Duration,
                leased_by: &str,
                client_id: Option<&str>,
                per_client: u32,
            ) -> Result<Option<$crate::store::TakenEvent>, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                $(sqlx::query($serialize).execute(&mut *tx).await?;)?
                // The busy clients are counted once per take (not once per
                // due row), so a client's backlog costs a take one cheap
                // look-up per row, not a count of its leases per row.
                let taken: Option<(String,)> = sqlx::query_as(concat!(
                    "WITH busy AS (SELECT client_id FROM webhook_events \
                     WHERE lease_until > $1 GROUP BY client_id HAVING COUNT(*) >= $5) \
                     UPDATE webhook_events SET lease_until = $2, leased_by = $3, \
                     attempts = attempts + 1 \
                     WHERE id = (SELECT id FROM webhook_events e WHERE run_after <= $1 \
                     AND (CAST($4 AS TEXT) IS NULL OR client_id = $4) \
                     AND (lease_until IS NULL OR lease_until <= $1) \
                     AND client_id NOT IN (SELECT client_id FROM busy) \
                     AND NOT EXISTS (SELECT 1 FROM webhook_endpoints p \
                     WHERE p.client_id = e.client_id AND p.paused_until > $1) \
                     ORDER BY run_after LIMIT 1 ",
                    $lock,
                    ") AND (lease_until IS NULL OR lease_until <= $1) RETURNING id"
                ))
                .bind(now)
                .bind(now + lease)
                .bind(leased_by)
                .bind(client_id)
                .bind(i64::from(per_client))
                .fetch_optional(&mut *tx)
                .await?;
                let Some((id,)) = taken else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                let event = sqlx::query_as(
                    "SELECT e.id, e.client_id, e.body, e.attempts, e.created_at, e.leased_by, \
                     e.lease_until, c.webhook_url, c.webhook_secret_sealed, \
                     COALESCE(c.test_allowed, FALSE) AS test_client \
                     FROM webhook_events e LEFT JOIN clients c ON c.id = e.client_id \
                     WHERE e.id = $1",
                )
                .bind(&id)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(event))
            }

            async fn count_webhook_failure(
                &self,
                client_id: &str,
                now: $crate::time::UnixTime,
                since: $crate::time::UnixTime,
            ) -> Result<i32, $crate::store::StoreError> {
                // Only for a client that exists: a delivery failing after
                // its client was deleted leaves no row behind.
                let failures: Option<i32> = sqlx::query_scalar(
                    "INSERT INTO webhook_endpoints (client_id, failures, last_failure_at) \
                     SELECT id, 1, $2 FROM clients WHERE id = $1 \
                     ON CONFLICT (client_id) DO UPDATE SET failures = CASE \
                     WHEN webhook_endpoints.last_failure_at >= $3 \
                     THEN webhook_endpoints.failures + 1 ELSE 1 END, last_failure_at = $2 \
                     RETURNING failures",
                )
                .bind(client_id)
                .bind(now)
                .bind(since)
                .fetch_optional(&self.pool)
                .await?;
                Ok(failures.unwrap_or(0))
            }

            async fn pause_webhook_endpoint(
                &self,
                client_id: &str,
                until: $crate::time::UnixTime,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE webhook_endpoints SET paused_until = $2 WHERE client_id = $1")
                    .bind(client_id)
                    .bind(until)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn clear_webhook_failures(
                &self,
                client_id: &str,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM webhook_endpoints WHERE client_id = $1")
                    .bind(client_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn remove_webhook_event(
                &self,
                id: &str,
                leased_by: &str,
                now: $crate::time::UnixTime,
            ) -> Result<bool, $crate::store::StoreError> {
                // A lease that ran out is lost even before another
                // deliverer takes the event over.
                Ok(sqlx::query(
                    "DELETE FROM webhook_events WHERE id = $1 AND leased_by = $2 \
                     AND lease_until > $3",
                )
                .bind(id)
                .bind(leased_by)
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    > 0)
            }

            async fn retry_webhook_event(
                &self,
                id: &str,
                leased_by: &str,
                now: $crate::time::UnixTime,
                run_after: $crate::time::UnixTime,
            ) -> Result<bool, $crate::store::StoreError> {
                Ok(sqlx::query(
                    "UPDATE webhook_events SET run_after = $4, lease_until = NULL, leased_by = NULL \
                     WHERE id = $1 AND leased_by = $2 AND lease_until > $3",
                )
                .bind(id)
                .bind(leased_by)
                .bind(now)
                .bind(run_after)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    > 0)
            }
        }
    };
}

pub(crate) use {impl_webhook_store, insert_webhook_event};
