//! The one-time upgrade of stored secrets that every `serve` runs at
//! start, before it serves: client secret hashes stored in an older form
//! are wrapped under the server key and bound to their client, and values
//! sealed before values were bound to their row are sealed again bound to
//! it. Each step is recorded when done and never runs again, so that an
//! older-form value written into the database later is refused, not
//! adopted. Each write replaces only the value that was read, so that
//! instances starting together do no harm.

use crate::crypto::ServerKey;
use crate::store::{SealedColumn, Store, StoreError, UnboundSealed};
use crate::time::UnixTime;

/// The recorded name of the wrap of older client secret hashes.
const WRAP_CLIENT_SECRETS: &str = "0016_wrap_client_secrets";
/// The recorded name of the re-seal of unbound sealed values.
const RESEAL_UNBOUND: &str = "0016_reseal_unbound";

/// What the upgrade changed at this start.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UpgradeReport {
    /// Client secret hashes wrapped.
    pub wrapped: usize,
    /// Sealed values sealed again, bound to their row.
    pub resealed: usize,
    /// Older sealed values that did not open (another key, or changed):
    /// left as they are, they open nowhere.
    pub unopenable: usize,
}

/// Runs the steps not yet recorded as done (see the module's doc).
pub async fn upgrade_stored_secrets(
    store: &dyn Store,
    key: &ServerKey,
    now: UnixTime,
) -> Result<UpgradeReport, StoreError> {
    let mut report = UpgradeReport::default();
    if !store.maintenance_done(WRAP_CLIENT_SECRETS).await? {
        report.wrapped = wrap_client_secrets(store, key).await?;
        store.record_maintenance(WRAP_CLIENT_SECRETS, now).await?;
    }
    if !store.maintenance_done(RESEAL_UNBOUND).await? {
        for column in SealedColumn::ALL {
            reseal_column(store, key, column, &mut report).await?;
        }
        store.record_maintenance(RESEAL_UNBOUND, now).await?;
    }
    if report != UpgradeReport::default() {
        tracing::info!(
            wrapped = report.wrapped,
            resealed = report.resealed,
            unopenable = report.unopenable,
            "stored secrets upgraded"
        );
    }
    Ok(report)
}

/// Wraps every client secret hash in an older form; how many.
async fn wrap_client_secrets(store: &dyn Store, key: &ServerKey) -> Result<usize, StoreError> {
    let mut wrapped = 0;
    for row in store.list_clients().await? {
        let id = &row.client.id;
        let Some(old) = row.secret_hash.as_deref() else {
            continue;
        };
        if let Some(new) = key.wrap_client_secret_hash(id, old) {
            if store.rehash_client_secret(id, old, &new).await? {
                wrapped += 1;
            }
        }
    }
    Ok(wrapped)
}

/// Seals every unbound value of `column` again, bound to its row.
async fn reseal_column(
    store: &dyn Store,
    key: &ServerKey,
    column: SealedColumn,
    report: &mut UpgradeReport,
) -> Result<(), StoreError> {
    let purpose = purpose_of(column);
    for value in store.unbound_sealed(column).await? {
        let Some(row) = row_of(column, &value) else {
            report.unopenable += 1;
            continue;
        };
        let Ok(plain) = key.open_unbound(purpose, &value.sealed) else {
            report.unopenable += 1;
            continue;
        };
        let sealed = key
            .seal(purpose, &row, &plain)
            .map_err(|e| StoreError::Corrupt(format!("re-sealing: {e}")))?;
        if store.replace_sealed(column, &value, &sealed).await? {
            report.resealed += 1;
        }
    }
    Ok(())
}

/// The purpose `column`'s values are sealed for.
fn purpose_of(column: SealedColumn) -> &'static str {
    match column {
        SealedColumn::CollectedData => crate::collect::worker::SEAL_DATA,
        SealedColumn::LinkSessionNationalId | SealedColumn::CollectionNationalId => {
            crate::collect::worker::SEAL_NATIONAL_ID
        }
        SealedColumn::ClientWebhookSecret => crate::webhooks::SEAL_SECRET,
    }
}

/// The row a value of `column` is bound to, as its sealing and opening
/// sites name it; `None` for a national ID whose subject is unknown.
fn row_of(column: SealedColumn, value: &UnboundSealed) -> Option<Vec<&str>> {
    match column {
        SealedColumn::CollectedData => Some(vec![value.key.as_str(), value.part.as_str()]),
        SealedColumn::LinkSessionNationalId | SealedColumn::CollectionNationalId => value
            .subject
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| vec![s]),
        SealedColumn::ClientWebhookSecret => Some(vec![value.key.as_str()]),
    }
}
