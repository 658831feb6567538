//! The SQL the job store shares with the consent store's transactions,
//! as macros over an executor (so that a consent, a withdrawal and a
//! client's deletion write their collections in their own transaction).
//! One lock order everywhere: job, then collection, then data.

/// Deletes a user's collections with their jobs and data, through
/// `$executor`: a new consent replaces the previous one. Jobs, then
/// collections, then data (the lock order of finish_job): a worker
/// finishing meanwhile either commits first, and its data is deleted here,
/// or finds its job gone.
macro_rules! drop_collections {
    ($executor:expr, $user_data_id:expr) => {
        async {
            sqlx::query($crate::store::jobs::DELETE_USERS_JOBS)
                .bind($user_data_id)
                .execute(&mut *$executor)
                .await?;
            sqlx::query("DELETE FROM collections WHERE user_data_id = $1")
                .bind($user_data_id)
                .execute(&mut *$executor)
                .await?;
            sqlx::query($crate::store::jobs::DELETE_USERS_DATA)
                .bind($user_data_id)
                .execute(&mut *$executor)
                .await?;
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}

/// Inserts a collection (status `new`) and its jobs, due at once, through
/// `$executor`.
macro_rules! insert_collection_rows {
    ($executor:expr, $c:expr, $jobs:expr) => {
        async {
            let c: &$crate::store::NewCollection<'_> = $c;
            // A new consent replaces the person's previous one: its
            // collection goes, with its data and any job not yet run (a
            // worker that finishes one later finds it gone and writes
            // nothing), so the latest collection is the only one.
            $crate::store::jobs::drop_collections!(&mut *$executor, c.user_data_id)?;
            sqlx::query(
                "INSERT INTO collections (id, user_data_id, client_id, scopes, tax_entities, \
                 national_id_sealed, status, created_at, finished_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'new', $7, NULL)",
            )
            .bind(c.id)
            .bind(c.user_data_id)
            .bind(c.client_id)
            .bind(c.scopes)
            .bind(c.tax_entities)
            .bind(c.national_id_sealed)
            .bind(c.now)
            .execute(&mut *$executor)
            .await?;
            for j in $jobs {
                sqlx::query(
                    "INSERT INTO collection_jobs (id, collection_id, source_id, scopes, \
                     attempts, run_after, lease_until, leased_by) \
                     VALUES ($1, $2, $3, $4, 0, $5, NULL, NULL)",
                )
                .bind(j.id)
                .bind(c.id)
                .bind(j.source_id)
                .bind(j.scopes)
                .bind(c.now)
                .execute(&mut *$executor)
                .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}

/// Stores a finished job's data, `(scope, sealed body)` pairs, through
/// `$executor`.
macro_rules! insert_collected_data {
    ($executor:expr, $collection:expr, $data:expr, $now:expr) => {
        async {
            let c: &$crate::store::jobs::JobCollection = $collection;
            for (scope, body) in $data {
                sqlx::query(
                    "INSERT INTO collected_data (collection_id, user_data_id, scope, \
                     body_sealed, collected_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&c.id)
                .bind(&c.user_data_id)
                .bind(*scope)
                .bind(*body)
                .bind($now)
                .execute(&mut *$executor)
                .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}

/// The collection a finished job was part of.
#[derive(sqlx::FromRow)]
pub(crate) struct JobCollection {
    pub(crate) id: String,
    pub(crate) user_data_id: String,
    /// The scopes asked for, comma-separated.
    pub(crate) scopes: String,
    pub(crate) client_id: String,
}

/// Ends a collection whose last job is done, through `$executor`: its
/// final status (by how many of the scopes asked for were collected), the
/// sealed national ID forgotten, and `data.collected` reported and kept in
/// the consent's history in the same transaction. Returns the status.
macro_rules! finish_collection {
    ($executor:expr, $collection:expr, $now:expr) => {
        async {
            let c: &$crate::store::jobs::JobCollection = $collection;
            let (collected,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM collected_data WHERE collection_id = $1")
                    .bind(&c.id)
                    .fetch_one(&mut *$executor)
                    .await?;
            let asked = c.scopes.split(',').filter(|s| !s.is_empty()).count();
            let status =
                $crate::collect::job::Status::of(usize::try_from(collected).unwrap_or(0), asked);
            sqlx::query(
                "UPDATE collections SET status = $2, finished_at = $3, \
                 national_id_sealed = NULL WHERE id = $1",
            )
            .bind(&c.id)
            .bind(status.as_str())
            .bind($now)
            .execute(&mut *$executor)
            .await?;
            let collected = $crate::consent::Event::DataCollected(status.as_str().to_owned());
            $crate::store::lifecycle::insert_consent_event!(
                &mut *$executor,
                &c.user_data_id,
                &collected,
                $now
            )?;
            let event = $crate::webhooks::event_body(
                "data.collected",
                $now,
                serde_json::json!({ "user_data_id": c.user_data_id, "status": status.as_str() }),
            );
            $crate::store::webhooks::insert_webhook_event!(
                &mut *$executor,
                $crate::webhooks::new_event_id(),
                &c.client_id,
                event,
                $now
            )?;
            Ok::<_, sqlx::Error>(status)
        }
        .await
    };
}

/// Forgets what was collected for a user (a withdrawn consent), through
/// `$executor`: the data, the jobs not yet run, the sealed national ID; a
/// collection still under way ends as `error`. A worker that finishes one
/// of its jobs afterwards finds the job gone and writes nothing.
macro_rules! forget_collected {
    ($executor:expr, $user_data_id:expr, $now:expr) => {
        async {
            // Jobs, then collections, then data: finish_job's lock order,
            // so a worker finishing meanwhile either commits first (and
            // its data is deleted below) or finds its job gone.
            sqlx::query($crate::store::jobs::DELETE_USERS_JOBS)
                .bind($user_data_id)
                .execute(&mut *$executor)
                .await?;
            sqlx::query(
                "UPDATE collections SET national_id_sealed = NULL, \
                 status = CASE WHEN finished_at IS NULL THEN 'error' ELSE status END, \
                 finished_at = COALESCE(finished_at, $2) WHERE user_data_id = $1",
            )
            .bind($user_data_id)
            .bind($now)
            .execute(&mut *$executor)
            .await?;
            sqlx::query($crate::store::jobs::DELETE_USERS_DATA)
                .bind($user_data_id)
                .execute(&mut *$executor)
                .await
                .map(|_| ())
        }
        .await
    };
}

/// A user's jobs not yet ended (bind the user data ID).
pub(crate) const DELETE_USERS_JOBS: &str = "DELETE FROM collection_jobs WHERE collection_id IN \
     (SELECT id FROM collections WHERE user_data_id = $1)";

/// A user's collected data (bind the user data ID).
pub(crate) const DELETE_USERS_DATA: &str = "DELETE FROM collected_data WHERE user_data_id = $1";

pub(crate) use {
    drop_collections, finish_collection, forget_collected, insert_collected_data,
    insert_collection_rows,
};
