//! Consents in the store: recording one (with its code, its collection
//! and its `consent.granted` event, in one transaction), reading one, and
//! withdrawing one (with everything that must go with it). One SQL text
//! for both backends, like the rest of the store.

use async_trait::async_trait;

use super::{Advance, ConsentRow, NewAuthorizationCode, NewConsent, StoreError};

#[async_trait]
pub trait ConsentStore: Send + Sync + 'static {
    async fn get_consent(&self, user_data_id: &str) -> Result<Option<ConsentRow>, StoreError>;
    /// Withdraws a consent and revokes the tokens issued for that user;
    /// forgets what was collected and records `consent.withdrawn`.
    /// `false` if there was no such consent or it was withdrawn already.
    async fn withdraw_consent(&self, user_data_id: &str, now: i64) -> Result<bool, StoreError>;

    /// Completes a session with consent, in one transaction: the advance,
    /// the pairwise user ID (created once per person and client, reused
    /// after), for the OAuth2 entry an authorization code, the collection
    /// the consent starts, and `consent.granted`. `None` when the advance
    /// did not hold; then nothing is written.
    async fn complete_with_consent(
        &self,
        advance: &Advance<'_>,
        consent: &NewConsent<'_>,
        code: Option<&NewAuthorizationCode<'_>>,
    ) -> Result<Option<String>, StoreError>;
}

/// Implements [`ConsentStore`] for `$store` (with a `pool`).
macro_rules! impl_consent_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::ConsentStore for $store {
            async fn get_consent(
                &self,
                user_data_id: &str,
            ) -> Result<Option<$crate::store::ConsentRow>, $crate::store::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM consents WHERE user_data_id = $1")
                    .bind(user_data_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn withdraw_consent(
                &self,
                user_data_id: &str,
                now: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                let withdrawn = sqlx::query(
                    "UPDATE consents SET withdrawn_at = $2 WHERE user_data_id = $1 AND withdrawn_at IS NULL",
                )
                .bind(user_data_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query(
                    "UPDATE access_tokens SET revoked_at = $2 WHERE user_data_id = $1 AND revoked_at IS NULL",
                )
                .bind(user_data_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                // A code issued before the withdrawal must not yield a
                // token afterwards (one that would read again if the end
                // user linked again).
                sqlx::query(
                    "UPDATE authorization_codes SET used_at = $2 WHERE user_data_id = $1 AND used_at IS NULL",
                )
                .bind(user_data_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                $crate::store::jobs::forget_collected!(&mut *tx, user_data_id, now)?;
                if withdrawn > 0 {
                    let (client_id,): (String,) =
                        sqlx::query_as("SELECT client_id FROM consents WHERE user_data_id = $1")
                            .bind(user_data_id)
                            .fetch_one(&mut *tx)
                            .await?;
                    let event = $crate::webhooks::event_body(
                        "consent.withdrawn",
                        now,
                        serde_json::json!({ "user_data_id": user_data_id }),
                    );
                    $crate::store::webhooks::insert_webhook_event!(
                        &mut *tx, $crate::webhooks::new_event_id(), &client_id, event, now
                    )?;
                }
                tx.commit().await?;
                Ok(withdrawn > 0)
            }

            async fn complete_with_consent(
                &self,
                a: &$crate::store::Advance<'_>,
                consent: &$crate::store::NewConsent<'_>,
                code: Option<&$crate::store::NewAuthorizationCode<'_>>,
            ) -> Result<Option<String>, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                // The sealed national ID, read before the advance clears it.
                // A write, not a SELECT: on SQLite a transaction that reads
                // first and writes later cannot wait for the write lock (it
                // fails at once under concurrency); one that writes first
                // waits its turn.
                let sealed: Option<String> = sqlx::query_scalar(
                    "UPDATE link_sessions SET national_id_sealed = national_id_sealed \
                     WHERE id_hash = $1 RETURNING national_id_sealed",
                )
                .bind(a.id_hash)
                .fetch_optional(&mut *tx)
                .await?
                .flatten();
                let advanced: Option<$crate::store::LinkSessionRow> =
                    advance_query!(a).fetch_optional(&mut *tx).await?;
                let Some(advanced) = advanced else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                let (user_data_id,): (String,) = sqlx::query_as(
                    "INSERT INTO consents (user_data_id, client_id, subject_hash, test_person, scopes, \
                     created_at, updated_at, withdrawn_at, test, tax_entities) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6, NULL, $7, $8) \
                     ON CONFLICT (client_id, subject_hash) DO UPDATE SET scopes = excluded.scopes, \
                     test_person = excluded.test_person, updated_at = excluded.updated_at, \
                     test = excluded.test, tax_entities = excluded.tax_entities, \
                     withdrawn_at = NULL \
                     RETURNING user_data_id",
                )
                .bind(consent.user_data_id)
                .bind(consent.client_id)
                .bind(consent.subject_hash)
                .bind(consent.test_person)
                .bind(consent.scopes)
                .bind(consent.now)
                .bind(consent.test)
                // What the session was asked for: a consent is to its link.
                .bind(&advanced.tax_entities)
                .fetch_one(&mut *tx)
                .await?;
                if let Some(c) = code {
                    sqlx::query(
                        "INSERT INTO authorization_codes (code_hash, client_id, redirect_uri, \
                         redirect_given, code_challenge, user_data_id, scopes, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(c.code_hash)
                    .bind(c.client_id)
                    .bind(c.redirect_uri)
                    .bind(c.redirect_given)
                    .bind(c.code_challenge)
                    .bind(&user_data_id)
                    .bind(c.scopes)
                    .bind(c.created_at)
                    .bind(c.expires_at)
                    .execute(&mut *tx)
                    .await?;
                }
                if let (Some(plan), Some(sealed)) = (&consent.collection, &sealed) {
                    let tax_entities = serde_json::Value::from(
                        advanced
                            .tax_entities
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .collect::<Vec<_>>(),
                    )
                    .to_string();
                    let collection = $crate::store::NewCollection {
                        id: plan.id,
                        user_data_id: &user_data_id,
                        client_id: consent.client_id,
                        scopes: consent.scopes,
                        tax_entities: &tax_entities,
                        national_id_sealed: sealed,
                        now: consent.now,
                    };
                    $crate::store::jobs::insert_collection_rows!(&mut *tx, &collection, plan.jobs)?;
                }
                let granted = $crate::webhooks::consent_granted(&user_data_id, consent.scopes, consent.now);
                $crate::store::webhooks::insert_webhook_event!(
                    &mut *tx, $crate::webhooks::new_event_id(), consent.client_id, granted, consent.now
                )?;
                tx.commit().await?;
                Ok(Some(user_data_id))
            }
        }
    };
}

pub(super) use impl_consent_store;
