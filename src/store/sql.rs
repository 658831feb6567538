//! The one SQL implementation of [`Store`](super::Store), written once and
//! instantiated for each backend's pool. The dialect is the common subset
//! of PostgreSQL and SQLite (≥ 3.35): `$n` parameters, `ON CONFLICT`,
//! `RETURNING`. Backend-specific code is only connecting and migrating.

macro_rules! impl_sql_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            async fn insert_client(
                &self,
                client: &$crate::oauth2::client::Client,
                secret_hash: Option<&str>,
                created_at: $crate::time::UnixTime,
            ) -> Result<(), $crate::store::StoreError> {
                let c = &$crate::store::rows::ClientRow::new(client, secret_hash, created_at);
                $crate::store::rows::insert_client_row!(c, &self.pool)
            }

            async fn insert_demo_client(
                &self,
                client: &$crate::oauth2::client::Client,
                secret_hash: &str,
                created_at: $crate::time::UnixTime,
            ) -> Result<(), $crate::store::StoreError> {
                let c = &$crate::store::rows::ClientRow {
                    demo: true,
                    ..$crate::store::rows::ClientRow::new(client, Some(secret_hash), created_at)
                };
                $crate::store::rows::insert_client_row!(c, &self.pool)
            }

            async fn get_client(
                &self,
                id: &str,
            ) -> Result<Option<$crate::store::StoredClient>, $crate::store::StoreError> {
                let row: Option<$crate::store::rows::ClientRow> =
                    sqlx::query_as("SELECT * FROM clients WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                $crate::store::rows::parsed(row)
            }

            async fn list_clients(
                &self,
            ) -> Result<Vec<$crate::store::StoredClient>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::rows::ClientRow> =
                    sqlx::query_as("SELECT * FROM clients ORDER BY id")
                        .fetch_all(&self.pool)
                        .await?;
                $crate::store::rows::all_parsed(rows)
            }

            async fn delete_client(&self, id: &str) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                // Its sign-ins in progress, then everything else it owns:
                // a client created again with this ID inherits nothing,
                // not even a live token.
                sqlx::query(
                    "DELETE FROM upstream_auth WHERE session_hash IN \
                     (SELECT id_hash FROM link_sessions WHERE client_id = $1)",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                // Its collections, jobs first (finish_job's lock order), so
                // that no source is called for it again, and its webhooks.
                sqlx::query(
                    "DELETE FROM collection_jobs WHERE collection_id IN \
                     (SELECT id FROM collections WHERE client_id = $1)",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "DELETE FROM collected_data WHERE collection_id IN \
                     (SELECT id FROM collections WHERE client_id = $1)",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                for table in [
                    "collections",
                    "webhook_events",
                    "webhook_endpoints",
                    "access_tokens",
                    "link_sessions",
                    "consents",
                    "authorization_codes",
                ] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE client_id = $1"))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                let deleted = sqlx::query("DELETE FROM clients WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(deleted > 0)
            }

            async fn setting_get_or_insert(
                &self,
                key: &str,
                value: &str,
            ) -> Result<String, $crate::store::StoreError> {
                sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind(key)
                    .bind(value)
                    .execute(&self.pool)
                    .await?;
                let (value,): (String,) = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(value)
            }

            async fn insert_link_session(
                &self,
                session: &$crate::flow::LinkSession,
                created_at: $crate::time::UnixTime,
            ) -> Result<(), $crate::store::StoreError> {
                let s = &$crate::store::rows::LinkSessionRow::from_session(session, created_at);
                sqlx::query(
                    "INSERT INTO link_sessions (id_hash, csrf_hash, client_id, client_name, entry, \
                     callback_uri, callback_given, iframe, state, scopes, locale, test, styles_uri, \
                     code_challenge, step, method, subject_hash, test_person, error, created_at, \
                     expires_at, tax_entities) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                     $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
                )
                .bind(&s.id_hash)
                .bind(&s.csrf_hash)
                .bind(&s.client_id)
                .bind(&s.client_name)
                .bind(&s.entry)
                .bind(&s.callback_uri)
                .bind(s.callback_given)
                .bind(s.iframe)
                .bind(&s.state)
                .bind(&s.scopes)
                .bind(&s.locale)
                .bind(s.test)
                .bind(&s.styles_uri)
                .bind(&s.code_challenge)
                .bind(&s.step)
                .bind(&s.method)
                .bind(&s.subject_hash)
                .bind(&s.test_person)
                .bind(&s.error)
                .bind(s.created_at)
                .bind(s.expires_at)
                .bind(&s.tax_entities)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn get_link_session(
                &self,
                id_hash: &str,
            ) -> Result<Option<$crate::flow::LinkSession>, $crate::store::StoreError> {
                let row: Option<$crate::store::rows::LinkSessionRow> =
                    sqlx::query_as("SELECT * FROM link_sessions WHERE id_hash = $1")
                        .bind(id_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                $crate::store::rows::parsed(row)
            }

            async fn completed_subjects(
                &self,
                client_id: &str,
                state: &str,
            ) -> Result<Vec<String>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT subject_hash FROM link_sessions WHERE client_id = $1 AND state = $2 \
                     AND step = 'completed' AND subject_hash IS NOT NULL",
                )
                .bind(client_id)
                .bind(state)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn get_moved_link_session(
                &self,
                prior_hash: &str,
            ) -> Result<Option<$crate::flow::LinkSession>, $crate::store::StoreError> {
                let row: Option<$crate::store::rows::LinkSessionRow> =
                    sqlx::query_as("SELECT * FROM link_sessions WHERE prior_hash = $1")
                        .bind(prior_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                $crate::store::rows::parsed(row)
            }

            async fn advance_link_session(
                &self,
                a: &$crate::store::Advance<'_>,
            ) -> Result<Option<$crate::flow::LinkSession>, $crate::store::StoreError> {
                let row: Option<$crate::store::rows::LinkSessionRow> =
                    advance_query!(a).fetch_optional(&self.pool).await?;
                $crate::store::rows::parsed(row)
            }

            async fn purge_expired(&self, before: $crate::time::UnixTime) -> Result<u64, $crate::store::StoreError> {
                let mut purged = 0;
                // A code is kept as long as a token it issued may live, so
                // that presenting it again still revokes that token.
                for (table, before) in [
                    ("link_sessions", before),
                    ("upstream_auth", before),
                    ("access_tokens", before),
                    (
                        "authorization_codes",
                        before - $crate::store::CODE_RETENTION,
                    ),
                ] {
                    purged += sqlx::query(&format!("DELETE FROM {table} WHERE expires_at < $1"))
                        .bind(before)
                        .execute(&self.pool)
                        .await?
                        .rows_affected();
                }
                Ok(purged)
            }

            async fn replace_upstream_auth(
                &self,
                u: &$crate::store::UpstreamSignIn,
            ) -> Result<(), $crate::store::StoreError> {
                // One row per session (a unique index): a new sign-in
                // overwrites the session's previous one, state and all.
                sqlx::query(
                    "INSERT INTO upstream_auth (state_hash, session_hash, session_masked, method, \
                     browser_hash, created_at, expires_at, used_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (session_hash) DO UPDATE SET state_hash = excluded.state_hash, \
                     session_masked = excluded.session_masked, method = excluded.method, \
                     browser_hash = excluded.browser_hash, created_at = excluded.created_at, \
                     expires_at = excluded.expires_at, used_at = excluded.used_at",
                )
                .bind(&u.state_hash)
                .bind(&u.session_hash)
                .bind(&u.session_masked)
                .bind(&u.method)
                .bind(&u.browser_hash)
                .bind(u.created_at)
                .bind(u.expires_at)
                .bind(u.used_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn take_upstream_auth(
                &self,
                state_hash: &str,
                browser_hash: &str,
                now: $crate::time::UnixTime,
            ) -> Result<Option<$crate::store::UpstreamSignIn>, $crate::store::StoreError> {
                Ok(sqlx::query_as(
                    "UPDATE upstream_auth SET used_at = $2 \
                     WHERE state_hash = $1 AND browser_hash = $3 AND used_at IS NULL \
                     AND expires_at > $2 RETURNING *",
                )
                .bind(state_hash)
                .bind(now)
                .bind(browser_hash)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn set_client_secret_hash(
                &self,
                id: &str,
                secret_hash: Option<&str>,
            ) -> Result<bool, $crate::store::StoreError> {
                Ok(sqlx::query("UPDATE clients SET secret_hash = $2 WHERE id = $1")
                    .bind(id)
                    .bind(secret_hash)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    > 0)
            }

            async fn rehash_client_secret(
                &self,
                id: &str,
                old: &str,
                new: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                Ok(sqlx::query(
                    "UPDATE clients SET secret_hash = $3 WHERE id = $1 AND secret_hash = $2",
                )
                .bind(id)
                .bind(old)
                .bind(new)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    > 0)
            }

            async fn mark_demo_client(&self, id: &str) -> Result<bool, $crate::store::StoreError> {
                Ok(sqlx::query("UPDATE clients SET demo = TRUE WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    > 0)
            }

            async fn get_authorization_code(
                &self,
                code_hash: &str,
            ) -> Result<Option<$crate::store::AuthorizationCode>, $crate::store::StoreError> {
                let row: Option<$crate::store::rows::AuthorizationCodeRow> =
                    sqlx::query_as("SELECT * FROM authorization_codes WHERE code_hash = $1")
                        .bind(code_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                $crate::store::rows::parsed(row)
            }

            async fn redeem_authorization_code(
                &self,
                code_hash: &str,
                now: $crate::time::UnixTime,
                token: &$crate::store::AccessToken,
            ) -> Result<$crate::store::Redemption, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                let taken = sqlx::query(
                    "UPDATE authorization_codes SET used_at = $2 \
                     WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
                )
                .bind(code_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if taken == 0 {
                    tx.rollback().await?;
                    return Ok($crate::store::Redemption::Refused);
                }
                insert_token!(&mut *tx, token)?;
                tx.commit().await?;
                Ok($crate::store::Redemption::Issued)
            }

            async fn revoke_tokens_of_code(
                &self,
                code_hash: &str,
                now: $crate::time::UnixTime,
            ) -> Result<u64, $crate::store::StoreError> {
                Ok(sqlx::query(
                    "UPDATE access_tokens SET revoked_at = $2 WHERE code_hash = $1 AND revoked_at IS NULL",
                )
                .bind(code_hash)
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected())
            }

            async fn insert_access_token(
                &self,
                token: &$crate::store::AccessToken,
            ) -> Result<(), $crate::store::StoreError> {
                Ok(insert_token!(&self.pool, token)?)
            }

            async fn revoke_access_token(
                &self,
                token_hash: &str,
                client_id: &str,
                now: $crate::time::UnixTime,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE access_tokens SET revoked_at = $3 \
                     WHERE token_hash = $1 AND client_id = $2 AND revoked_at IS NULL",
                )
                .bind(token_hash)
                .bind(client_id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn get_access_token(
                &self,
                token_hash: &str,
            ) -> Result<Option<$crate::store::AccessToken>, $crate::store::StoreError> {
                let row: Option<$crate::store::rows::AccessTokenRow> =
                    sqlx::query_as("SELECT * FROM access_tokens WHERE token_hash = $1")
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                $crate::store::rows::parsed(row)
            }
        }
    };
}

/// The guarded step forward, shared by `advance_link_session` and
/// `complete_with_consent`. `$2` is the end user's CSRF hash, NULL for a
/// move the server makes on its own ([`Mover::Server`](super::Mover)). `$10`/`$11`, when given, are the session's new
/// ID and CSRF hashes (a rekey at sign-in); the old ID's hash is kept in
/// `prior_hash` (every right-hand side reads the row as it was). `$3` NULL means "from any open step" (not
/// `failed`: a failed sign-in is delivered as what it was). The
/// `CAST`s give PostgreSQL the parameter types SQLite does not need.
pub(super) const ADVANCE_SQL: &str = "UPDATE link_sessions SET step = $4, \
     prior_hash = CASE WHEN CAST($10 AS TEXT) IS NULL THEN prior_hash ELSE id_hash END, \
     id_hash = COALESCE(CAST($10 AS TEXT), id_hash), \
     csrf_hash = COALESCE(CAST($11 AS TEXT), csrf_hash), \
     national_id_sealed = CASE WHEN $4 IN ('completed', 'failed') THEN NULL \
       ELSE COALESCE(CAST($12 AS TEXT), national_id_sealed) END, \
     method = COALESCE(CAST($6 AS TEXT), method), \
     subject_hash = COALESCE(CAST($7 AS TEXT), subject_hash), \
     test_person = COALESCE(CAST($8 AS TEXT), test_person), \
     error = COALESCE(CAST($9 AS TEXT), error) \
     WHERE id_hash = $1 AND (CAST($2 AS TEXT) IS NULL OR csrf_hash = $2) AND expires_at > $5 \
     AND step <> 'completed' \
     AND ((CAST($3 AS TEXT) IS NULL AND step <> 'failed') OR step = $3) \
     RETURNING *";

/// [`ADVANCE_SQL`] with an [`Advance`](super::Advance)'s parameters bound,
/// for `advance_link_session` and `complete_with_consent` alike.
macro_rules! advance_query {
    ($a:expr) => {{
        let a: &$crate::store::Advance<'_> = $a;
        sqlx::query_as(ADVANCE_SQL)
            .bind(a.id_hash)
            .bind(a.mover.csrf_hash())
            .bind(a.transition.from().map($crate::flow::Step::as_str))
            .bind(a.transition.to().as_str())
            .bind(a.now)
            .bind(a.method)
            .bind(a.subject_hash)
            .bind(a.test_person)
            .bind(a.error)
            .bind(a.rekey.map(|r| r.id_hash))
            .bind(a.rekey.map(|r| r.csrf_hash))
            .bind(a.national_id_sealed)
    }};
}

/// Inserts an access token through `$executor` (pool or transaction).
macro_rules! insert_token {
    ($executor:expr, $t:expr) => {{
        let t: &$crate::store::AccessToken = $t;
        sqlx::query(
            "INSERT INTO access_tokens (token_hash, client_id, user_data_id, scopes, code_hash, \
             created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&t.token_hash)
        .bind(&t.client_id)
        .bind(&t.user_data_id)
        .bind(
            t.scopes
                .as_ref()
                .map($crate::oauth2::scope::Scopes::to_product_string),
        )
        .bind(&t.code_hash)
        .bind(t.created_at)
        .bind(t.expires_at)
        .bind(t.revoked_at)
        .execute($executor)
        .await
        .map(|_| ())
    }};
}

pub(super) use {advance_query, impl_sql_store, insert_token};
