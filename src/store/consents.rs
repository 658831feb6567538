//! Consents in the store: recording one (with its code, its collection,
//! and the history event and `consent.granted` the service built, in one
//! transaction) and reading one. Ending one is the lifecycle store's. One
//! SQL text for both backends, like the rest of the store.

use async_trait::async_trait;

use super::{Advance, Consent, NewAuthorizationCode, NewConsent, StoreError};

#[async_trait]
pub trait ConsentStore: Send + Sync + 'static {
    async fn get_consent(&self, user_data_id: &str) -> Result<Option<Consent>, StoreError>;
    /// The consent of the person with `subject_hash` to `client_id`, if any.
    async fn find_consent(
        &self,
        client_id: &str,
        subject_hash: &str,
    ) -> Result<Option<Consent>, StoreError>;

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
            ) -> Result<Option<$crate::store::Consent>, $crate::store::StoreError> {
                let row: Option<$crate::store::rows::ConsentRow> =
                    sqlx::query_as("SELECT * FROM consents WHERE user_data_id = $1")
                        .bind(user_data_id)
                        .fetch_optional(&self.pool)
                        .await?;
                $crate::store::rows::parsed(row)
            }

            async fn find_consent(
                &self,
                client_id: &str,
                subject_hash: &str,
            ) -> Result<Option<$crate::store::Consent>, $crate::store::StoreError> {
                let row: Option<$crate::store::rows::ConsentRow> = sqlx::query_as(
                    "SELECT * FROM consents WHERE client_id = $1 AND subject_hash = $2",
                )
                .bind(client_id)
                .bind(subject_hash)
                .fetch_optional(&self.pool)
                .await?;
                $crate::store::rows::parsed(row)
            }

            async fn complete_with_consent(
                &self,
                a: &$crate::store::Advance<'_>,
                consent: &$crate::store::NewConsent<'_>,
                code: Option<&$crate::store::NewAuthorizationCode<'_>>,
            ) -> Result<Option<String>, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                // The sealed national ID, read before the advance clears it.
                let sealed =
                    $crate::store::consents::lock_sealed_national_id!(&mut *tx, a.id_hash)?;
                let advanced: Option<$crate::store::rows::LinkSessionRow> =
                    advance_query!(a).fetch_optional(&mut *tx).await?;
                let Some(advanced) = advanced else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                // What the session was asked for: a consent is to its link.
                let tax_entities = advanced.tax_entities.as_str();
                let scopes = consent.scopes.to_product_string();
                let user_data_id = $crate::store::consents::upsert_consent!(
                    &mut *tx,
                    consent,
                    &scopes,
                    tax_entities
                )?;
                if let Some(c) = code {
                    $crate::store::consents::insert_authorization_code!(
                        &mut *tx,
                        c,
                        &user_data_id
                    )?;
                }
                // The collection it starts replaces any earlier one. One
                // that cannot start (no source serves a consented scope any
                // more, or a session signed in before national IDs were
                // kept) ends at once as `error`, never `new` for ever.
                let plan = &consent.collection;
                let startable = !plan.jobs.is_empty() && sealed.is_some();
                let tax_entities = $crate::store::consents::tax_entities_json(tax_entities);
                let collection = $crate::store::NewCollection {
                    id: plan.id,
                    user_data_id: &user_data_id,
                    client_id: consent.client_id,
                    scopes: &scopes,
                    tax_entities: &tax_entities,
                    national_id_sealed: sealed.as_deref().unwrap_or(""),
                    now: consent.now,
                };
                let jobs = if startable { plan.jobs } else { &[] };
                $crate::store::jobs::insert_collection_rows!(&mut *tx, &collection, jobs)?;
                if !startable {
                    let ended = $crate::store::jobs::JobCollection {
                        id: plan.id.to_owned(),
                        user_data_id: user_data_id.clone(),
                        scopes: scopes.clone(),
                        client_id: consent.client_id.to_owned(),
                    };
                    $crate::store::jobs::finish_collection!(&mut *tx, &ended, consent.now)?;
                }
                // The same person again: the same ID, renewed.
                let renewed = user_data_id != consent.user_data_id;
                let granted = (consent.granted.0)(&user_data_id, renewed);
                $crate::store::lifecycle::insert_consent_event!(
                    &mut *tx,
                    &user_data_id,
                    &granted.event,
                    consent.now
                )?;
                $crate::store::webhooks::insert_webhook_event!(
                    &mut *tx,
                    &granted.webhook_id,
                    consent.client_id,
                    &granted.webhook,
                    consent.now
                )?;
                tx.commit().await?;
                Ok(Some(user_data_id))
            }
        }
    };
}

/// The session's sealed national ID, through `$executor`. A write, not a
/// SELECT: on SQLite a transaction that reads first and writes later
/// cannot wait for the write lock (it fails at once under concurrency);
/// one that writes first waits its turn.
macro_rules! lock_sealed_national_id {
    ($executor:expr, $id_hash:expr) => {
        sqlx::query_scalar::<_, Option<String>>(
            "UPDATE link_sessions SET national_id_sealed = national_id_sealed \
             WHERE id_hash = $1 RETURNING national_id_sealed",
        )
        .bind($id_hash)
        .fetch_optional($executor)
        .await
        .map(Option::flatten)
    };
}

/// Records a consent (its scopes as `$scopes`, product text), through `$executor`: the pairwise user ID of this
/// person and client, created once and reused after (a withdrawn consent
/// comes back with the same ID). Returns the user ID.
macro_rules! upsert_consent {
    ($executor:expr, $consent:expr, $scopes:expr, $tax_entities:expr) => {{
        let consent: &$crate::store::NewConsent<'_> = $consent;
        sqlx::query_scalar::<_, String>(
            "INSERT INTO consents (user_data_id, client_id, subject_hash, test_person, scopes, \
             created_at, updated_at, ended_at, test, tax_entities, granted_at, expires_at, \
             status, ended_by, expiring_sent_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, NULL, $7, $8, $6, $9, 'active', NULL, NULL) \
             ON CONFLICT (client_id, subject_hash) DO UPDATE SET scopes = excluded.scopes, \
             test_person = excluded.test_person, updated_at = excluded.updated_at, \
             test = excluded.test, tax_entities = excluded.tax_entities, \
             granted_at = excluded.granted_at, expires_at = excluded.expires_at, \
             status = 'active', ended_at = NULL, ended_by = NULL, expiring_sent_at = NULL \
             RETURNING user_data_id",
        )
        .bind(consent.user_data_id)
        .bind(consent.client_id)
        .bind(consent.subject_hash)
        .bind(consent.test_person)
        .bind($scopes)
        .bind(consent.now)
        .bind(consent.test)
        .bind($tax_entities)
        .bind(consent.expires_at)
        .fetch_one($executor)
        .await
    }};
}

/// Stores an authorization code for `$user_data_id`, through `$executor`.
macro_rules! insert_authorization_code {
    ($executor:expr, $code:expr, $user_data_id:expr) => {{
        let c: &$crate::store::NewAuthorizationCode<'_> = $code;
        sqlx::query(
            "INSERT INTO authorization_codes (code_hash, client_id, redirect_uri, \
             redirect_given, code_challenge, user_data_id, scopes, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(c.code_hash)
        .bind(c.client_id)
        .bind(c.redirect_uri)
        .bind(c.redirect_given)
        .bind(
            c.code_challenge
                .map($crate::oauth2::pkce::CodeChallenge::as_str),
        )
        .bind($user_data_id)
        .bind(c.scopes.to_product_string())
        .bind(c.created_at)
        .bind(c.expires_at)
        .execute($executor)
        .await
        .map(|_| ())
    }};
}

/// Revokes, through `$executor`, the tokens issued for a user, and the
/// codes not yet used: a code issued before a withdrawal must not yield a
/// token afterwards (one that would read again if the end user linked
/// again).
macro_rules! revoke_grants {
    ($executor:expr, $user_data_id:expr, $now:expr) => {
        async {
            sqlx::query(
                "UPDATE access_tokens SET revoked_at = $2 WHERE user_data_id = $1 AND revoked_at IS NULL",
            )
            .bind($user_data_id)
            .bind($now)
            .execute(&mut *$executor)
            .await?;
            sqlx::query(
                "UPDATE authorization_codes SET used_at = $2 WHERE user_data_id = $1 AND used_at IS NULL",
            )
            .bind($user_data_id)
            .bind($now)
            .execute(&mut *$executor)
            .await
            .map(|_| ())
        }
        .await
    };
}

/// A session's comma-separated tax entities as the JSON list a
/// collection keeps.
pub(crate) fn tax_entities_json(tax_entities: &str) -> String {
    serde_json::Value::from(
        tax_entities
            .split(',')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>(),
    )
    .to_string()
}

pub(super) use impl_consent_store;
pub(super) use {
    insert_authorization_code, lock_sealed_national_id, revoke_grants, upsert_consent,
};
