//! The collection jobs' part of the store (issue 14): rows written with
//! the consent, taken by any instance's workers under a lease, finished in
//! one transaction with the data they collected. One SQL text for both
//! backends; PostgreSQL adds `FOR UPDATE SKIP LOCKED` so that workers do
//! not queue behind each other (the lease condition alone already keeps a
//! job to one worker at a time, on either backend).

use std::time::Duration;

use async_trait::async_trait;

use super::StoreError;
use crate::collect::job::Status;
use crate::oauth2::scope::Scopes;
use crate::time::UnixTime;

/// A collection to start: one per consent given.
#[derive(Debug)]
pub struct NewCollection<'a> {
    /// The `request_id` its sources see.
    pub id: &'a str,
    pub user_data_id: &'a str,
    pub client_id: &'a str,
    /// Product form (`info,income`).
    pub scopes: &'a str,
    /// JSON list of organisation numbers.
    pub tax_entities: &'a str,
    /// The national identity number, sealed, kept until the collection ends.
    pub national_id_sealed: &'a str,
    pub now: UnixTime,
}

/// One source's part of a collection.
#[derive(Debug)]
pub struct NewJob<'a> {
    pub id: &'a str,
    pub source_id: &'a str,
    /// Product form.
    pub scopes: &'a str,
}

/// A job a worker took, with what its call needs.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TakenJob {
    pub id: String,
    pub collection_id: String,
    pub source_id: String,
    pub scopes: String,
    /// Attempts made, this one included.
    pub attempts: i32,
    /// This worker's hold on the job: later writes must name it.
    pub leased_by: String,
    pub user_data_id: String,
    pub tax_entities: String,
    pub national_id_sealed: Option<String>,
    /// The subject hash of the collection's consent: what the sealed
    /// national ID is bound to (empty for a collection without a consent).
    pub subject_hash: String,
}

/// A source's jobs at one moment, for `/metrics`.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct JobCount {
    pub source_id: String,
    /// Not held by a worker: due, waiting for a retry, or left by a worker
    /// whose lease ran out.
    pub queued: i64,
    /// Held by a worker under a lease that has not run out.
    pub running: i64,
}

/// A collection: one consent's data being collected, or collected.
#[derive(Clone, Debug)]
pub struct Collection {
    /// The `request_id` its sources see.
    pub id: String,
    pub user_data_id: String,
    pub client_id: String,
    pub scopes: Scopes,
    /// Organisation numbers whose tax documents it asks for.
    pub tax_entities: Vec<String>,
    /// The national identity number, sealed; gone once it has ended.
    pub national_id_sealed: Option<String>,
    pub status: Status,
    pub created_at: UnixTime,
    pub finished_at: Option<UnixTime>,
}

/// A collection as its row holds it; [`Collection`] once parsed.
#[derive(sqlx::FromRow)]
pub(crate) struct CollectionRow {
    id: String,
    user_data_id: String,
    client_id: String,
    scopes: String,
    tax_entities: String,
    national_id_sealed: Option<String>,
    status: String,
    created_at: UnixTime,
    finished_at: Option<UnixTime>,
}

impl CollectionRow {
    /// The one place a collection row that does not parse is corrupt.
    pub(crate) fn parse(self) -> Result<Collection, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("collection {}: {what}", self.id));
        let scopes = Scopes::parse(&self.scopes).map_err(|_| corrupt("scopes"))?;
        let status = Status::parse(&self.status).ok_or_else(|| corrupt("status"))?;
        let tax_entities =
            serde_json::from_str(&self.tax_entities).map_err(|_| corrupt("tax_entities"))?;
        Ok(Collection {
            id: self.id,
            user_data_id: self.user_data_id,
            client_id: self.client_id,
            scopes,
            tax_entities,
            national_id_sealed: self.national_id_sealed,
            status,
            created_at: self.created_at,
            finished_at: self.finished_at,
        })
    }
}

#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    /// Records a collection (status `new`) and its jobs, due at once.
    async fn insert_collection(
        &self,
        collection: &NewCollection<'_>,
        jobs: &[NewJob<'_>],
    ) -> Result<(), StoreError>;

    /// Takes one due job of `source_id`, if any, for `lease`: no other
    /// worker gets it until the lease runs out, at `now + lease`. Counts
    /// the attempt and marks its collection `in_progress`. (A worker asks
    /// only for the sources it is configured with, so that during a deploy
    /// an instance never takes a job it cannot run.) `now` is whole
    /// seconds, rounded down: a job due at `now` is due. A caller that
    /// read its clock to a fraction of a second passes a lease rounded up
    /// so that `now + lease` is no earlier than its lease's real end
    /// ([`crate::time::Moment::after`]).
    async fn take_job(
        &self,
        source_id: &str,
        now: UnixTime,
        lease: Duration,
        leased_by: &str,
    ) -> Result<Option<TakenJob>, StoreError>;

    /// Gives a taken job back to be tried again at `run_after` (a time
    /// rounded up: [`crate::time::Moment::after`]). `false`, and nothing
    /// written, if the lease was lost: it ran out by `now` (whether or not
    /// another worker has taken the job since), or another worker has it.
    async fn retry_job(
        &self,
        job_id: &str,
        leased_by: &str,
        run_after: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    /// Ends a taken job in one transaction: stores its `data` (scope, sealed
    /// body), removes the job, and when it was its collection's last, sets
    /// the collection's final status from `asked` and what was collected,
    /// and forgets the national ID. `None` if the lease was lost (nothing
    /// written): it ran out by `now`, even if no other worker has taken the
    /// job yet, or another worker has it. Else the collection's status
    /// after this.
    async fn finish_job(
        &self,
        job_id: &str,
        leased_by: &str,
        data: &[(&str, &str)],
        now: UnixTime,
    ) -> Result<Option<String>, StoreError>;

    async fn get_collection(&self, id: &str) -> Result<Option<Collection>, StoreError>;

    /// A user's most recent collection (a new consent starts a new one).
    async fn latest_collection(&self, user_data_id: &str)
        -> Result<Option<Collection>, StoreError>;

    /// Deletes data collected before `before` (the retention period);
    /// returns how many scopes' data went.
    async fn purge_collected_data(&self, before: UnixTime) -> Result<u64, StoreError>;

    /// Forgets the sealed national ID of every link session that expired
    /// before `now` without a consent taking it; returns how many.
    async fn forget_expired_national_ids(&self, now: UnixTime) -> Result<u64, StoreError>;

    /// The sources of jobs due before `before` and still not ended: a
    /// source among them that no instance is configured with would keep its
    /// collections open for ever.
    async fn overdue_job_sources(&self, before: UnixTime) -> Result<Vec<String>, StoreError>;

    /// A collection's data as stored: (scope, sealed body).
    async fn get_collected_data(
        &self,
        collection_id: &str,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// Every instance's jobs at `now`, by source (only sources with a job):
    /// one pass over the jobs not yet ended.
    async fn count_jobs(&self, now: UnixTime) -> Result<Vec<JobCount>, StoreError>;
}

/// Implements [`JobStore`] for `$store` (with a `pool`); `$lock` is what
/// the backend adds to the job pick.
macro_rules! impl_job_store {
    ($store:ty, $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::JobStore for $store {
            async fn insert_collection(
                &self,
                c: &$crate::store::NewCollection<'_>,
                jobs: &[$crate::store::NewJob<'_>],
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                $crate::store::jobs::insert_collection_rows!(&mut *tx, c, jobs)?;
                tx.commit().await?;
                Ok(())
            }

            async fn take_job(
                &self,
                source_id: &str,
                now: $crate::time::UnixTime,
                lease: std::time::Duration,
                leased_by: &str,
            ) -> Result<Option<$crate::store::TakenJob>, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                // The lease condition is in the outer WHERE too: a worker
                // that waited for another's row lock sees the row as that
                // one left it, leased, and takes nothing.
                let taken: Option<(String,)> = sqlx::query_as(concat!(
                    "UPDATE collection_jobs SET lease_until = $2, leased_by = $3, \
                     attempts = attempts + 1 \
                     WHERE id = (SELECT id FROM collection_jobs WHERE source_id = $4 \
                     AND run_after <= $1 AND (lease_until IS NULL OR lease_until <= $1) \
                     ORDER BY run_after LIMIT 1 ",
                    $lock,
                    ") AND (lease_until IS NULL OR lease_until <= $1) RETURNING id"
                ))
                .bind(now)
                .bind(now + lease)
                .bind(leased_by)
                .bind(source_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((id,)) = taken else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                let job: $crate::store::TakenJob = sqlx::query_as(
                    "SELECT j.id, j.collection_id, j.source_id, j.scopes, j.attempts, \
                     j.leased_by, c.user_data_id, c.tax_entities, c.national_id_sealed, \
                     COALESCE((SELECT s.subject_hash FROM consents s \
                     WHERE s.user_data_id = c.user_data_id), '') AS subject_hash \
                     FROM collection_jobs j JOIN collections c ON c.id = j.collection_id \
                     WHERE j.id = $1",
                )
                .bind(&id)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE collections SET status = 'in_progress' WHERE id = $1 AND status = 'new'",
                )
                .bind(&job.collection_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(job))
            }

            async fn retry_job(
                &self,
                job_id: &str,
                leased_by: &str,
                run_after: $crate::time::UnixTime,
                now: $crate::time::UnixTime,
            ) -> Result<bool, $crate::store::StoreError> {
                // A lease that ran out is lost even before another worker
                // takes the job: a write after its end is refused.
                Ok(sqlx::query(
                    "UPDATE collection_jobs SET run_after = $3, lease_until = NULL, leased_by = NULL \
                     WHERE id = $1 AND leased_by = $2 AND lease_until > $4",
                )
                .bind(job_id)
                .bind(leased_by)
                .bind(run_after)
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    > 0)
            }

            async fn finish_job(
                &self,
                job_id: &str,
                leased_by: &str,
                data: &[(&str, &str)],
                now: $crate::time::UnixTime,
            ) -> Result<Option<String>, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                // Only under a lease that has not run out by `now`.
                let gone: Option<(String,)> = sqlx::query_as(
                    "DELETE FROM collection_jobs WHERE id = $1 AND leased_by = $2 \
                     AND lease_until > $3 RETURNING collection_id",
                )
                .bind(job_id)
                .bind(leased_by)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((collection_id,)) = gone else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                // Lock order everywhere: job, then collection, then data.
                // The collection's row lock makes the last two jobs of one
                // collection finish one after the other, so exactly one of
                // them counts no job left and ends it (on PostgreSQL each
                // statement after the wait sees the other's commit).
                let collection: Option<$crate::store::jobs::JobCollection> = sqlx::query_as(
                    "UPDATE collections SET status = status WHERE id = $1 \
                     RETURNING id, user_data_id, scopes, client_id",
                )
                .bind(&collection_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(collection) = collection else {
                    // Replaced by a new consent meanwhile: nothing to write.
                    tx.rollback().await?;
                    return Ok(None);
                };
                $crate::store::jobs::insert_collected_data!(&mut *tx, &collection, data, now)?;
                let (left,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM collection_jobs WHERE collection_id = $1")
                        .bind(&collection_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let status = if left > 0 {
                    "in_progress"
                } else {
                    $crate::store::jobs::finish_collection!(&mut *tx, &collection, now)?.as_str()
                };
                tx.commit().await?;
                Ok(Some(status.to_owned()))
            }

            async fn get_collection(
                &self,
                id: &str,
            ) -> Result<Option<$crate::store::Collection>, $crate::store::StoreError> {
                let row: Option<$crate::store::jobs::CollectionRow> =
                    sqlx::query_as("SELECT * FROM collections WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map($crate::store::jobs::CollectionRow::parse).transpose()
            }

            async fn latest_collection(
                &self,
                user_data_id: &str,
            ) -> Result<Option<$crate::store::Collection>, $crate::store::StoreError> {
                let row: Option<$crate::store::jobs::CollectionRow> = sqlx::query_as(
                    "SELECT * FROM collections WHERE user_data_id = $1 \
                     ORDER BY created_at DESC, id DESC LIMIT 1",
                )
                .bind(user_data_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map($crate::store::jobs::CollectionRow::parse).transpose()
            }

            async fn purge_collected_data(
                &self,
                before: $crate::time::UnixTime,
            ) -> Result<u64, $crate::store::StoreError> {
                Ok(sqlx::query("DELETE FROM collected_data WHERE collected_at < $1")
                    .bind(before)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn forget_expired_national_ids(
                &self,
                now: $crate::time::UnixTime,
            ) -> Result<u64, $crate::store::StoreError> {
                Ok(sqlx::query(
                    "UPDATE link_sessions SET national_id_sealed = NULL \
                     WHERE expires_at < $1 AND national_id_sealed IS NOT NULL",
                )
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected())
            }

            async fn overdue_job_sources(
                &self,
                before: $crate::time::UnixTime,
            ) -> Result<Vec<String>, $crate::store::StoreError> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT DISTINCT source_id FROM collection_jobs WHERE run_after < $1 \
                     AND (lease_until IS NULL OR lease_until < $1)",
                )
                .bind(before)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(s,)| s).collect())
            }

            async fn get_collected_data(
                &self,
                collection_id: &str,
            ) -> Result<Vec<(String, String)>, $crate::store::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT scope, body_sealed FROM collected_data WHERE collection_id = $1 \
                     ORDER BY scope",
                )
                .bind(collection_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn count_jobs(
                &self,
                now: $crate::time::UnixTime,
            ) -> Result<Vec<$crate::store::JobCount>, $crate::store::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT source_id, \
                     COUNT(CASE WHEN lease_until IS NULL OR lease_until <= $1 THEN 1 END) AS queued, \
                     COUNT(CASE WHEN lease_until > $1 THEN 1 END) AS running \
                     FROM collection_jobs GROUP BY source_id ORDER BY source_id",
                )
                .bind(now)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}

pub(super) use impl_job_store;
mod writes;
pub(crate) use writes::{
    drop_collections, finish_collection, forget_collected, insert_collected_data,
    insert_collection_rows, JobCollection, DELETE_USERS_DATA, DELETE_USERS_JOBS,
};
