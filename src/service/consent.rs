//! The consent lifecycle's use cases: ending a consent (withdrawal or
//! expiry: the rule from [`crate::consent`], the history event and the
//! webhook body built here, one unit of work for the store), the expiry
//! sweep every instance runs, and a consent with its history for the API
//! and for a person's own page.

use serde_json::json;

use crate::consent::{self, EndedBy, Ending, Event, Status};
use crate::store::{Consent, ConsentEnd, Granted, HistoryEvent, Store, StoreError};
use crate::time::UnixTime;
use crate::webhooks::{event_body, new_event_id};

/// How many consents one sweep step handles at most.
const SWEEP_BATCH: i64 = 100;

/// Ends `consent` by `by` at `now`, if the lifecycle's rule says it ends:
/// whether this call ended it (another instance or request may have).
pub(crate) async fn end(
    store: &dyn Store,
    consent: &Consent,
    by: EndedBy,
    now: UnixTime,
) -> Result<bool, StoreError> {
    let status = match consent::end(consent.status, consent.expires_at, by, now) {
        Ending::Ends(status) => status,
        Ending::AlreadyEnded | Ending::NotDue => return Ok(false),
    };
    // A consent past its term ends by expiry, whoever asked.
    let by = if status == Status::Expired {
        EndedBy::Expiry
    } else {
        by
    };
    let event = Event::ending(status, by);
    let webhook = ended_webhook(&consent.user_data_id, status, by, now);
    store
        .end_consent(&ConsentEnd {
            user_data_id: &consent.user_data_id,
            client_id: &consent.client_id,
            status,
            ended_by: by,
            event: &event,
            webhook_id: &new_event_id(),
            webhook: &webhook,
            now,
        })
        .await
}

/// What giving a consent records: `granted` or `renewed` in its history
/// and `consent.granted` (with `renewed`) for its client.
pub fn granted(user_data_id: &str, scopes: &str, renewed: bool, now: UnixTime) -> Granted {
    Granted {
        event: if renewed {
            Event::Renewed
        } else {
            Event::Granted
        },
        webhook_id: new_event_id(),
        webhook: crate::webhooks::consent_granted(user_data_id, scopes, renewed, now),
    }
}

/// `consent.expired`, or `consent.withdrawn` with who withdrew.
fn ended_webhook(user_data_id: &str, status: Status, by: EndedBy, now: UnixTime) -> String {
    match status {
        Status::Expired => event_body(
            "consent.expired",
            now,
            json!({ "user_data_id": user_data_id }),
        ),
        _ => event_body(
            "consent.withdrawn",
            now,
            json!({ "user_data_id": user_data_id, "ended_by": by.as_str() }),
        ),
    }
}

/// `consent.expiring`: the consent ends at `expires_at` (RFC 3339).
fn expiring_webhook(consent: &Consent, now: UnixTime) -> String {
    event_body(
        "consent.expiring",
        now,
        json!({ "user_data_id": consent.user_data_id, "expires_at": rfc3339(consent.expires_at) }),
    )
}

/// `t` as RFC 3339 in UTC, seconds.
pub(crate) fn rfc3339(t: UnixTime) -> String {
    t.to_datetime()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Consents this instance ended as expired.
    pub expired: u64,
    /// Consents this instance announced as expiring.
    pub expiring: u64,
}

/// Ends every consent whose term has run out at `now` as expired, and
/// announces those ending within the notice period, once. Instances may
/// sweep at once: each consent's ending and announcement is written by
/// exactly one of them (guarded updates), with its event and webhook.
pub async fn sweep(store: &dyn Store, now: UnixTime) -> Result<Swept, StoreError> {
    let mut swept = Swept::default();
    loop {
        let due = store.due_expiries(now, SWEEP_BATCH).await?;
        let mut ended = 0;
        for consent in &due {
            if end(store, consent, EndedBy::Expiry, now).await? {
                ended += 1;
            }
        }
        swept.expired += ended;
        // A batch another instance took entirely: it goes on with the rest.
        if due.len() < usize::try_from(SWEEP_BATCH).unwrap_or(usize::MAX) || ended == 0 {
            break;
        }
    }
    let until = now + consent::EXPIRING_NOTICE;
    for consent in store.due_expiring(until, SWEEP_BATCH).await? {
        if !consent::expiring_due(consent.expires_at, now) {
            continue;
        }
        if store
            .mark_expiring(
                &consent,
                (&new_event_id(), &expiring_webhook(&consent, now)),
                now,
            )
            .await?
        {
            swept.expiring += 1;
        }
    }
    Ok(swept)
}

/// A consent with its history.
#[derive(Debug)]
pub struct ConsentWithHistory {
    pub consent: Consent,
    pub history: Vec<HistoryEvent>,
}

/// `consent`'s history added.
pub(crate) async fn with_history(
    store: &dyn Store,
    consent: Consent,
) -> Result<ConsentWithHistory, StoreError> {
    let history = store.consent_history(&consent.user_data_id).await?;
    Ok(ConsentWithHistory { consent, history })
}

/// Every consent a person (by the keyed hash of their identity) gave,
/// with its history, newest first: what a person's own page lists.
pub async fn of_person(
    store: &dyn Store,
    subject_hash: &str,
) -> Result<Vec<ConsentWithHistory>, StoreError> {
    let mut out = Vec::new();
    for consent in store.consents_of_subject(subject_hash).await? {
        out.push(with_history(store, consent).await?);
    }
    Ok(out)
}

/// `GET /api/1.0/consents/:id`: the consent to user `id` with its history,
/// as `bearer` may see it (the data API's access rules, whatever the
/// consent's status: an ended consent is still shown).
pub(crate) async fn view(
    ctx: super::Ctx<'_>,
    bearer: Option<&str>,
    id: &str,
    now: UnixTime,
) -> Result<Result<ConsentWithHistory, super::data::Denied>, super::ServiceError> {
    match super::data::owned_consent(ctx, bearer, id, now).await? {
        Ok((consent, _)) => Ok(Ok(with_history(ctx.store, consent).await?)),
        Err(denied) => Ok(Err(denied)),
    }
}
