//! Reading a user's data (the data API's policy): which token may read
//! which user, what a withdrawn consent means, and the body a read gets
//! from the user's latest collection. Handlers only turn the outcome into
//! JSON and an HTTP status.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{consent, Ctx, ServiceError};
use crate::collect::worker::SEAL_DATA;
use crate::consent::{EndedBy, Event, Status};
use crate::crypto;
use crate::data::{self, DataStatus, Endpoint, Page, Subject};
use crate::oauth2::scope::{Scope, Scopes};
use crate::store::{Consent, StoreError};
use crate::test_persons::{self, Behaviour};
use crate::testdata;
use crate::time::UnixTime;

/// Why a read or a withdrawal is refused.
#[derive(Debug)]
pub(crate) enum Denied {
    /// No `Authorization: Bearer` token.
    NoToken,
    /// A token that is unknown, expired or revoked.
    InvalidToken,
    /// An unknown ID, another client's, or another user's (for a token
    /// from the OAuth2 entry).
    NotFound,
    /// The consent was withdrawn.
    Withdrawn,
    /// The consent's term ran out (the consent, for the sweep to end if
    /// it has not yet).
    Expired(Box<Consent>),
    /// The consent does not cover this endpoint's data.
    NotConsented,
    /// A bad `page`/`per_page`.
    BadPage(String),
}

/// What a read led to.
#[derive(Debug)]
pub(crate) enum ReadOutcome {
    Body(Value),
    Denied(Denied),
}

/// What a withdrawal led to. Withdrawing again is withdrawn too, so that
/// a retry is safe.
#[derive(Debug)]
pub(crate) enum WithdrawOutcome {
    Withdrawn,
    Denied(Denied),
}

/// What a valid token may read of one user.
struct Access {
    consent: Consent,
    scopes: Vec<Scope>,
}

/// Whether a token may read one user.
enum Gate {
    Open(Access),
    Shut(Denied),
}

/// The consent to user `id` that `bearer` may see, whatever its status,
/// with the scopes the token was issued for (`None`: the client's token).
pub(crate) async fn owned_consent(
    ctx: Ctx<'_>,
    bearer: Option<&str>,
    id: &str,
    now: UnixTime,
) -> Result<Result<(Consent, Option<Scopes>), Denied>, ServiceError> {
    let Some(bearer) = bearer.filter(|t| !t.is_empty()) else {
        return Ok(Err(Denied::NoToken));
    };
    let token = ctx
        .store
        .get_access_token(&crypto::hash_token(bearer))
        .await?
        .filter(|t| t.revoked_at.is_none() && now < t.expires_at);
    let Some(token) = token else {
        return Ok(Err(Denied::InvalidToken));
    };
    if token.user_data_id.as_deref().is_some_and(|u| u != id) {
        return Ok(Err(Denied::NotFound));
    }
    let consent = ctx.store.get_consent(id).await?;
    match consent.filter(|c| c.client_id == token.client_id) {
        Some(consent) => Ok(Ok((consent, token.scopes))),
        None => Ok(Err(Denied::NotFound)),
    }
}

/// The token's right to user `id`: only under an active consent (one
/// whose term has run out is expired from that second, swept or not).
async fn access(
    ctx: Ctx<'_>,
    bearer: Option<&str>,
    id: &str,
    now: UnixTime,
) -> Result<Gate, ServiceError> {
    let (consent, token_scopes) = match owned_consent(ctx, bearer, id, now).await? {
        Ok(owned) => owned,
        Err(denied) => return Ok(Gate::Shut(denied)),
    };
    match consent.status_at(now) {
        Status::Active => {}
        Status::Withdrawn => return Ok(Gate::Shut(Denied::Withdrawn)),
        Status::Expired => return Ok(Gate::Shut(Denied::Expired(Box::new(consent)))),
    }
    let scopes = data::effective_scopes(&consent.scopes, token_scopes.as_ref());
    Ok(Gate::Open(Access { consent, scopes }))
}

/// `endpoint`'s body for user `id`, as `bearer` may read it.
pub(crate) async fn read(
    ctx: Ctx<'_>,
    bearer: Option<&str>,
    id: &str,
    endpoint: Endpoint,
    page: Result<Option<Page>, String>,
    now: UnixTime,
) -> Result<ReadOutcome, ServiceError> {
    let access = match access(ctx, bearer, id, now).await? {
        Gate::Open(access) => access,
        Gate::Shut(denied) => return Ok(ReadOutcome::Denied(denied)),
    };
    let scopes = endpoint.scopes_in(&access.scopes);
    if scopes.is_empty() {
        return Ok(ReadOutcome::Denied(Denied::NotConsented));
    }
    let page = match page {
        Ok(page) => page,
        Err(e) => return Ok(ReadOutcome::Denied(Denied::BadPage(e))),
    };
    let consent = &access.consent;
    let tax_entities = &consent.tax_entities;
    // What is read is kept in the consent's history: one small write per
    // read, not waiting for the disk (README: consent history), made
    // while the data is read rather than after it.
    let read = Event::Read(endpoint.path_template());
    let recorded = ctx.store.insert_read_event(id, &read, now);
    let collected = async {
        Ok::<_, ServiceError>(match ctx.store.latest_collection(id).await? {
            Some(c) => (c.status, opened(ctx, &c.id).await?),
            None => before_collections(consent, &scopes, tax_entities),
        })
    };
    let (recorded, collected) = tokio::join!(recorded, collected);
    recorded?;
    let (status, collected) = collected?;
    let subject = Subject {
        collected: &collected,
    };
    let mut body = data::body(endpoint, id, status, subject, &scopes, page);
    if consent.test {
        // Test data never passes for a real person's.
        body["test"] = Value::Bool(true);
    }
    Ok(ReadOutcome::Body(body))
}

/// The integrator withdraws the consent to user `id`: every token for it
/// is revoked, its collected data and pending jobs deleted. One whose term
/// ran out and that the sweep has not ended yet ends as expired.
pub(crate) async fn withdraw(
    ctx: Ctx<'_>,
    bearer: Option<&str>,
    id: &str,
    now: UnixTime,
) -> Result<WithdrawOutcome, ServiceError> {
    match access(ctx, bearer, id, now).await? {
        Gate::Open(access) => {
            consent::end(ctx.store, &access.consent, EndedBy::Integrator, now).await?;
            Ok(WithdrawOutcome::Withdrawn)
        }
        Gate::Shut(Denied::Expired(expired)) => {
            consent::end(ctx.store, &expired, EndedBy::Expiry, now).await?;
            Ok(WithdrawOutcome::Withdrawn)
        }
        Gate::Shut(Denied::Withdrawn) => Ok(WithdrawOutcome::Withdrawn),
        Gate::Shut(denied) => Ok(WithdrawOutcome::Denied(denied)),
    }
}

/// A collection's data, opened: each scope's body as the source gave it.
/// A body that does not open (sealed for another collection or scope: it
/// was moved in the database, or changed) or parse is a fault: the read
/// answers a server error, never that body.
async fn opened(
    ctx: Ctx<'_>,
    collection_id: &str,
) -> Result<BTreeMap<Scope, Map<String, Value>>, StoreError> {
    let mut out = BTreeMap::new();
    for (scope, sealed) in ctx.store.get_collected_data(collection_id).await? {
        let body = Scope::ALL.into_iter().find(|s| s.as_str() == scope).zip(
            ctx.key
                .open(SEAL_DATA, &[collection_id, &scope], &sealed)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok()),
        );
        match body {
            Some((scope, Value::Object(map))) => {
                out.insert(scope, map);
            }
            _ => {
                tracing::error!(scope = ?scope, "collected data does not open");
                return Err(StoreError::Corrupt("collected data does not open".into()));
            }
        }
    }
    Ok(out)
}

/// A consent without a collection: one recorded before collections
/// existed. A test person's then reads their static data as it did; any
/// other has none (`new`).
fn before_collections(
    consent: &Consent,
    scopes: &[Scope],
    tax_entities: &[String],
) -> (DataStatus, BTreeMap<Scope, Map<String, Value>>) {
    let person = consent.test_person.as_deref().and_then(test_persons::find);
    match person {
        Some(p) if consent.test && p.behaviour == Behaviour::DataCollectionFails => {
            (DataStatus::Error, BTreeMap::new())
        }
        Some(p) if consent.test => (
            DataStatus::Done,
            scopes
                .iter()
                .map(|&s| (s, testdata::scope_body(p, s, tax_entities)))
                .collect(),
        ),
        _ => (DataStatus::New, BTreeMap::new()),
    }
}
