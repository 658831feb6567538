//! The link session's steps: choosing a method, signing in at the test
//! BankID, the decision at consent, cancelling. Each is checked against
//! the session as stored, applied by one guarded write of its
//! [`Transition`], and answered with an outcome.

use super::{check, failure, offered, Checked, Finished, NewSessionId, Refusal};
use crate::flow::{Step, Transition, TEST_BANKID};
use crate::oauth2::authorize::Entry;
use crate::oauth2::code;
use crate::oauth2::error::OAuthError;
use crate::oauth2::result::Outcome;
use crate::service::{sign_in, Ctx, Rng, ServiceError};
use crate::sources::Sources;
use crate::store::{
    Advance, CollectionPlan, GrantedBy, NewAuthorizationCode, NewConsent, NewJob, Store,
};
use crate::test_persons::{self, Behaviour};
use crate::time::UnixTime;

/// What the choice of a method led to.
#[derive(Debug)]
pub(crate) enum MethodOutcome {
    /// Chosen: the session page shows the next step.
    Chosen,
    /// Chosen, and in a window of its own the end user goes straight to
    /// the provider (in iframe mode the next page opens it in a new window).
    SignIn(sign_in::Begun),
    Refused(Refusal),
}

pub(crate) async fn select_method(
    ctx: Ctx<'_>,
    sid: &str,
    csrf: &str,
    method: &str,
    now: UnixTime,
    rng: Rng<'_>,
) -> Result<MethodOutcome, ServiceError> {
    let transition = Transition::SelectMethod;
    let c = match check(ctx.store, sid, csrf, transition.from(), now).await? {
        Ok(c) => c,
        Err(r) => return Ok(MethodOutcome::Refused(r)),
    };
    if !offered(ctx.upstream, &c.session)
        .iter()
        .any(|m| m.id() == method)
    {
        return Ok(MethodOutcome::Refused(c.invalid_form()));
    }
    let advance = Advance {
        method: Some(method),
        ..c.advance(transition)
    };
    if ctx.store.advance_link_session(&advance).await?.is_none() {
        return Ok(MethodOutcome::Refused(
            c.lost_race(ctx.store, transition).await?,
        ));
    }
    match ctx.upstream.method(method) {
        Some(m) if !c.session.delivery.iframe => {
            let begun = sign_in::begin(ctx, sid, &c.session, m, now, rng).await?;
            Ok(MethodOutcome::SignIn(begun))
        }
        _ => Ok(MethodOutcome::Chosen),
    }
}

/// What asking (again) for the sign-in at the chosen provider led to.
#[derive(Debug)]
pub(crate) enum SignInOutcome {
    SignIn(sign_in::Begun),
    Refused(Refusal),
}

/// Starts (again) the sign-in at the session's chosen provider.
pub(crate) async fn resume_sign_in(
    ctx: Ctx<'_>,
    sid: &str,
    csrf: &str,
    now: UnixTime,
    rng: Rng<'_>,
) -> Result<SignInOutcome, ServiceError> {
    let c = match check(ctx.store, sid, csrf, Some(Step::MethodSelected), now).await? {
        Ok(c) => c,
        Err(r) => return Ok(SignInOutcome::Refused(r)),
    };
    let Some(method) = c
        .session
        .method
        .as_deref()
        .and_then(|m| ctx.upstream.method(m))
    else {
        return Ok(SignInOutcome::Refused(c.invalid_form()));
    };
    let begun = sign_in::begin(ctx, sid, &c.session, method, now, rng).await?;
    Ok(SignInOutcome::SignIn(begun))
}

/// What a sign-in at the test BankID led to.
#[derive(Debug)]
pub(crate) enum AuthenticateOutcome {
    /// Signed in: the session goes on under `next`, which only this
    /// browser learns.
    SignedIn(NewSessionId),
    /// The test person cancelled at the BankID: the flow ends.
    Finished(Finished),
    Refused(Refusal),
}

pub(crate) async fn authenticate_test(
    ctx: Ctx<'_>,
    sid: &str,
    csrf: &str,
    person: &str,
    now: UnixTime,
    rng: Rng<'_>,
) -> Result<AuthenticateOutcome, ServiceError> {
    let transition = Transition::Authenticate;
    let c = match check(ctx.store, sid, csrf, transition.from(), now).await? {
        Ok(c) => c,
        Err(r) => return Ok(AuthenticateOutcome::Refused(r)),
    };
    let person = test_persons::find(person);
    let (Some(person), Some(TEST_BANKID)) = (person, c.session.method.as_deref()) else {
        return Ok(AuthenticateOutcome::Refused(c.invalid_form()));
    };
    if person.behaviour == Behaviour::CancelsAtBankId {
        return Ok(
            match close(ctx.store, c, Transition::Cancel, cancelled()).await? {
                EndOutcome::Finished(f) => AuthenticateOutcome::Finished(f),
                EndOutcome::Refused(r) => AuthenticateOutcome::Refused(r),
            },
        );
    }
    let subject_hash = ctx.key.subject_hash(person.national_id);
    let next = NewSessionId::new(ctx.key, rng);
    // The test source gets the (synthetic) national ID as any source would.
    let sealed =
        crate::service::sign_in::seal_national_id(ctx.key, &subject_hash, person.national_id)?;
    let advance = Advance {
        subject_hash: Some(&subject_hash),
        test_person: Some(person.key),
        rekey: Some(next.rekey()),
        national_id_sealed: Some(&sealed),
        ..c.advance(transition)
    };
    if ctx.store.advance_link_session(&advance).await?.is_none() {
        return Ok(AuthenticateOutcome::Refused(
            c.lost_race(ctx.store, transition).await?,
        ));
    }
    Ok(AuthenticateOutcome::SignedIn(next))
}

/// What a step that ends the flow (consent, cancel) led to.
#[derive(Debug)]
pub(crate) enum EndOutcome {
    Finished(Finished),
    Refused(Refusal),
}

/// The end user's decision at consent: `accept` records the consent and
/// delivers the user ID (Link) or a fresh authorization code (OAuth2);
/// `decline` delivers a cancellation.
pub(crate) async fn decide(
    store: &dyn Store,
    sources: &Sources,
    sid: &str,
    csrf: &str,
    decision: Option<&str>,
    now: UnixTime,
    rng: Rng<'_>,
) -> Result<EndOutcome, ServiceError> {
    let c = match check(store, sid, csrf, Transition::Complete.from(), now).await? {
        Ok(c) => c,
        Err(r) => return Ok(EndOutcome::Refused(r)),
    };
    match decision {
        Some("accept") => accept(store, sources, c, rng).await,
        Some("decline") => close(store, c, Transition::Complete, cancelled()).await,
        _ => Ok(EndOutcome::Refused(c.invalid_form())),
    }
}

/// Cancels the flow at any open step. After a failed sign-in, that
/// failure is what the integrator hears (and nothing is written).
pub(crate) async fn cancel(
    store: &dyn Store,
    sid: &str,
    csrf: &str,
    now: UnixTime,
) -> Result<EndOutcome, ServiceError> {
    let c = match check(store, sid, csrf, Transition::Cancel.from(), now).await? {
        Ok(c) => c,
        Err(r) => return Ok(EndOutcome::Refused(r)),
    };
    if c.session.step == Step::Failed {
        return Ok(EndOutcome::Finished(failure(c.session)));
    }
    close(store, c, Transition::Cancel, cancelled()).await
}

/// The jobs (ID, source, scopes in product form) of the collection a
/// consent to `session` starts.
fn plan_jobs(
    sources: &Sources,
    session: &crate::flow::LinkSession,
    rng: Rng<'_>,
) -> Vec<(String, String, String)> {
    if session.delivery.test {
        let all = session
            .scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>();
        return vec![(
            user_data_id(rng),
            sources.test_source().to_owned(),
            all.join(","),
        )];
    }
    sources
        .all()
        .iter()
        .filter_map(|source| {
            let asked: Vec<&str> = session
                .scopes
                .iter()
                .filter(|s| source.scopes.contains(s))
                .map(|s| s.as_str())
                .collect();
            (!asked.is_empty()).then(|| (user_data_id(rng), source.id.clone(), asked.join(",")))
        })
        .collect()
}

/// Records consent and delivers the user ID (Link) or a fresh
/// authorization code (OAuth2), in one transaction with the move.
async fn accept(
    store: &dyn Store,
    sources: &Sources,
    c: Checked<'_>,
    rng: Rng<'_>,
) -> Result<EndOutcome, ServiceError> {
    let session = &c.session;
    let Some(subject_hash) = session.subject_hash.as_deref() else {
        return Err(ServiceError::Internal(
            "authenticated session without subject",
        ));
    };
    let candidate_id = user_data_id(rng);
    let consent_days = store
        .get_client(&session.client_id)
        .await?
        .map_or(crate::consent::DEFAULT_DAYS, |c| c.consent_days);
    // The collection this consent starts: one job per source that serves
    // a consented scope (a test flow: the built-in test source, for all).
    let collection_id = user_data_id(rng);
    let planned = plan_jobs(sources, session, rng);
    let jobs: Vec<NewJob<'_>> = planned
        .iter()
        .map(|(id, source_id, scopes)| NewJob {
            id,
            source_id,
            scopes,
        })
        .collect();
    let scopes = session.scopes.to_product_string();
    let granted = |user_data_id: &str, renewed: bool| {
        crate::service::consent::granted(user_data_id, &scopes, renewed, c.now)
    };
    let consent = NewConsent {
        collection: CollectionPlan {
            id: &collection_id,
            jobs: &jobs,
        },
        user_data_id: &candidate_id,
        client_id: &session.client_id,
        subject_hash,
        test_person: session.test_person.as_deref(),
        test: session.delivery.test,
        scopes: &session.scopes,
        now: c.now,
        expires_at: crate::consent::expires_at(c.now, consent_days, &session.scopes),
        granted: GrantedBy(&granted),
    };
    let code = match session.delivery.entry {
        Entry::Link => None,
        Entry::OAuth2 => Some(code::issue(c.now, rng)),
    };
    let redirect_uri = session.delivery.callback.to_string();
    let new_code = code.as_ref().map(|code| NewAuthorizationCode {
        code_hash: &code.code_hash,
        client_id: &session.client_id,
        redirect_uri: &redirect_uri,
        redirect_given: session.delivery.callback_given,
        code_challenge: session.code_challenge.as_ref(),
        scopes: &session.scopes,
        created_at: c.now,
        expires_at: code.expires_at,
    });
    let advance = c.advance(Transition::Complete);
    let completed = store
        .complete_with_consent(&advance, &consent, new_code.as_ref())
        .await?;
    let Some(user_data_id) = completed else {
        return Ok(EndOutcome::Refused(
            c.lost_race(store, Transition::Complete).await?,
        ));
    };
    let outcome = Outcome::Code(code.map(|code| code.code).unwrap_or(user_data_id));
    Ok(EndOutcome::Finished(Finished {
        session: Box::new(c.session),
        outcome,
        explain: false,
    }))
}

/// A pairwise user ID to offer, used if this person has none with the
/// client yet: a random (version 4) UUID.
fn user_data_id(rng: Rng<'_>) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Applies `transition` and ends the flow with `outcome` (no consent).
async fn close(
    store: &dyn Store,
    c: Checked<'_>,
    transition: Transition,
    outcome: Outcome,
) -> Result<EndOutcome, ServiceError> {
    if store
        .advance_link_session(&c.advance(transition))
        .await?
        .is_none()
    {
        return Ok(EndOutcome::Refused(c.lost_race(store, transition).await?));
    }
    Ok(EndOutcome::Finished(Finished {
        session: Box::new(c.session),
        outcome,
        explain: false,
    }))
}

fn cancelled() -> Outcome {
    Outcome::Error(OAuthError::cancelled())
}
