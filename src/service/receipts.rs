//! The consent receipt of a link session: the signed receipt of the
//! consent the person gave in it, for the browser that holds the
//! session's ID, while the session lasts and the consent is in force.

use std::time::Duration;

use super::ServiceError;
use crate::consent::Status;
use crate::crypto::{self, ServerKey};
use crate::flow::{LinkSession, Step, TEST_BANKID};
use crate::receipt::{self, KeyRing, ReceiptFacts};
use crate::store::{Consent, Store};
use crate::time::UnixTime;
use crate::upstream::Upstream;

/// What a receipt request gets.
#[derive(Debug)]
pub(crate) enum ReceiptOutcome {
    /// The compact JWS.
    Issued(String),
    /// No such session, not completed, expired, or no consent in force:
    /// all alike, so that the answer tells nothing about a session.
    Refused,
}

/// What the receipt service works with.
#[derive(Clone, Copy)]
pub(crate) struct Receipts<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) key: &'a ServerKey,
    pub(crate) keys: &'a KeyRing,
    pub(crate) upstream: &'a Upstream,
    pub(crate) issuer: &'a str,
    /// How long a link session lives (`--session-ttl`).
    pub(crate) session_ttl: Duration,
}

/// The receipt for the session `sid`, signed at `now`.
pub(crate) async fn for_session(
    r: Receipts<'_>,
    sid: &str,
    now: UnixTime,
) -> Result<ReceiptOutcome, ServiceError> {
    let Some(session) = r.store.get_link_session(&crypto::hash_token(sid)).await? else {
        return Ok(ReceiptOutcome::Refused);
    };
    let subject = session.subject_hash.as_deref();
    let (Step::Completed, Some(subject)) = (session.step, subject) else {
        return Ok(ReceiptOutcome::Refused);
    };
    if now >= session.expires_at {
        return Ok(ReceiptOutcome::Refused);
    }
    // The consent given in this session: none for a session that ended
    // without one, whatever the person consented to before.
    let started = session.expires_at - r.session_ttl;
    let consent = r.store.find_consent(&session.client_id, subject).await?;
    let in_force = |c: &Consent| c.status_at(now) == Status::Active && c.granted_at >= started;
    let Some(consent) = consent.filter(in_force) else {
        return Ok(ReceiptOutcome::Refused);
    };
    let facts = facts(r, &session, &consent);
    Ok(ReceiptOutcome::Issued(receipt::issue(
        &facts,
        r.keys.current(),
        now,
    )))
}

/// The facts of the latest grant of `consent`, given in `session`.
fn facts(r: Receipts<'_>, session: &LinkSession, consent: &Consent) -> ReceiptFacts {
    let granted_at = consent.granted_at;
    ReceiptFacts {
        user_data_id: consent.user_data_id.clone(),
        client_id: consent.client_id.clone(),
        client_name: session.client_name.clone(),
        scopes: consent.scopes.clone(),
        purpose: receipt::purpose_of(&consent.scopes).to_owned(),
        granted_at,
        expires_at: consent.expires_at,
        language: session.locale.clone(),
        entry: session.delivery.entry,
        sign_in: sign_in_name(r.upstream, session.method.as_deref()),
        issuer: r.issuer.to_owned(),
        receipt_id: receipt::receipt_id(r.key, &consent.user_data_id, granted_at),
    }
}

/// The sign-in method's name, in English.
fn sign_in_name(upstream: &Upstream, method: Option<&str>) -> String {
    match method {
        Some(TEST_BANKID) => "test BankID".to_owned(),
        Some(id) => upstream.method(id).map_or(id, |m| m.name("en")).to_owned(),
        None => "unknown sign-in".to_owned(),
    }
}
