//! The link flow: a session started from an evaluated authorization
//! request, its steps (method, test BankID, consent, cancel) and what its
//! page shows. Each step is checked against the session as stored
//! (step, anti-CSRF token, expiry), applied by one guarded write of a
//! [`Transition`], and answered with an outcome; a write that does not
//! apply (someone moved the session in between) is explained afresh.
//! The steps themselves are in `link/steps.rs`; here are the session's
//! start, its page, and the checks every step shares.

use std::sync::Arc;
use std::time::Duration;

mod steps;
pub(crate) use steps::{
    authenticate_test, cancel, decide, resume_sign_in, select_method, AuthenticateOutcome,
    EndOutcome, MethodOutcome, SignInOutcome,
};

use super::{Ctx, Rng, ServiceError};
use crate::crypto::{self, ServerKey};
use crate::flow::{self, FlowError, LinkSession, Step, Transition, TEST_BANKID};
use crate::i18n;
use crate::methods::Method;
use crate::oauth2::authorize::{self, AuthorizationRequest, Delivery, Entry, Rejection};
use crate::oauth2::client::Client;
use crate::oauth2::error::{ErrorCode, OAuthError};
use crate::oauth2::params::Params;
use crate::oauth2::result::Outcome;
use crate::sources::Sources;
use crate::store::{Advance, Mover, Rekey, Store};
use crate::time::UnixTime;
use crate::upstream::Upstream;

/// Why a step was refused, with the session (its language, its frame)
/// where there is one.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// No session has this ID.
    NotFound,
    /// The session refuses the step (expired, completed, moved, out of
    /// order, a wrong anti-CSRF token).
    Flow(Box<LinkSession>, FlowError),
    /// The form does not fit the step: a method not offered, an unknown
    /// test person, no decision.
    InvalidForm(Box<LinkSession>),
}

/// The end of a flow, to be delivered to the integrator.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) session: Box<LinkSession>,
    pub(crate) outcome: Outcome,
    /// Show the result page even outside iframe mode: a failed sign-in
    /// says what happened; a result or a cancellation goes straight back.
    pub(crate) explain: bool,
}

/// What became of an authorization request.
#[derive(Debug)]
pub(crate) enum StartOutcome {
    /// Refused before the callback is known to be the client's: an error
    /// page, never a redirect.
    Refused(authorize::PageError),
    /// Refused to the client's (validated) callback.
    Deliver {
        delivery: Box<Delivery>,
        error: OAuthError,
        client_name: String,
    },
    /// A new session at its first step, known by `sid` (to the browser only).
    Started {
        sid: String,
        session: Box<LinkSession>,
    },
}

/// Evaluates an authorization request at `entry` and starts its link
/// session. `locale` is the one negotiated for the browser.
pub(crate) async fn start(
    ctx: Ctx<'_>,
    entry: Entry,
    params: &Params,
    locale: &str,
    ttl: Duration,
    now: UnixTime,
    rng: Rng<'_>,
) -> Result<StartOutcome, ServiceError> {
    let client_id = match authorize::client_id(params) {
        Ok(id) => id,
        Err(e) => return Ok(StartOutcome::Refused(e)),
    };
    let Some(stored) = ctx.store.get_client(client_id).await? else {
        return Ok(StartOutcome::Refused(authorize::PageError::UnknownClient));
    };
    let client = stored.client;
    let refused = |delivery, error| StartOutcome::Deliver {
        delivery,
        error,
        client_name: client.name.clone(),
    };
    let request = match authorize::evaluate(entry, params, &client, &i18n::supported()) {
        Ok(request) => request,
        Err(Rejection::Page(e)) => return Ok(StartOutcome::Refused(e)),
        Err(Rejection::Deliver(delivery, error)) => return Ok(refused(delivery, error)),
    };
    if let Some(error) = uncollectable(&request, ctx.sources) {
        tracing::warn!(client = %client.id, error = %error.description, "link refused: a scope no data source serves");
        return Ok(refused(Box::new(request.delivery), error));
    }
    let id = NewSessionId::new(ctx.key, rng);
    let session = new_session(&id, client, request, locale, now + ttl);
    ctx.store.insert_link_session(&session, now).await?;
    Ok(StartOutcome::Started {
        sid: id.sid,
        session: Box::new(session),
    })
}

/// SPEC.md, "Data collection": outside test mode, a link asking for a
/// scope that no configured source serves is refused at the start, never
/// collected as nothing. A test flow collects from the built-in test
/// source, which serves every scope.
fn uncollectable(request: &AuthorizationRequest, sources: &Sources) -> Option<OAuthError> {
    if request.delivery.test {
        return None;
    }
    let scope = sources.first_unserved(&request.scopes)?;
    Some(OAuthError::new(
        ErrorCode::InvalidScope,
        format!("scope '{scope}' cannot be collected: no data source serves it"),
    ))
}

/// The session an evaluated request starts, at its first step.
fn new_session(
    id: &NewSessionId,
    client: Client,
    request: AuthorizationRequest,
    locale: &str,
    expires_at: UnixTime,
) -> LinkSession {
    LinkSession {
        id_hash: id.id_hash.clone(),
        csrf_hash: id.csrf_hash.clone(),
        client_id: client.id,
        client_name: client.name,
        delivery: request.delivery,
        scopes: request.scopes,
        locale: request.locale.unwrap_or_else(|| locale.to_owned()),
        styles_uri: request.styles_uri,
        code_challenge: request.code_challenge,
        step: Step::Started,
        method: None,
        subject_hash: None,
        test_person: None,
        error: None,
        expires_at,
        tax_entities: request.tax_entities,
    }
}

/// What the session page answers.
#[derive(Debug)]
pub(crate) enum View {
    /// The page of the session's step ([`page`]).
    Page(Box<LinkSession>),
    /// A failed sign-in, delivered as what it was.
    Finished(Finished),
    Refused(Refusal),
}

/// The session page of `sid`. A `GET` never moves a session: a failed one
/// is final, so opening it again delivers the same failure.
pub(crate) async fn view(
    store: &dyn Store,
    sid: &str,
    now: UnixTime,
) -> Result<View, ServiceError> {
    let session = match load(store, sid).await? {
        Ok(s) => s,
        Err(r) => return Ok(View::Refused(r)),
    };
    if let Err(e) = flow::check_viewable(&session, now) {
        return Ok(View::Refused(Refusal::flow(session, e)));
    }
    if session.step == Step::Failed {
        return Ok(View::Finished(failure(session)));
    }
    Ok(View::Page(Box::new(session)))
}

/// What the page of a session at its step shows.
#[derive(Debug)]
pub(crate) enum SessionPage {
    /// The methods to choose from.
    ChooseMethod(Vec<MethodChoice>),
    /// Sign in at the chosen method's provider.
    SignInAt(Arc<Method>),
    /// Pick a test person at the test BankID.
    TestBankId,
    /// The chosen method is not configured any more (a deploy in between):
    /// no sign-in can finish here.
    MethodUnavailable,
    Consent,
    /// The session delivered its result already.
    Done,
}

#[derive(Debug)]
pub(crate) enum MethodChoice {
    TestBankId,
    Configured(Arc<Method>),
}

impl MethodChoice {
    pub(crate) fn id(&self) -> &str {
        match self {
            MethodChoice::TestBankId => TEST_BANKID,
            MethodChoice::Configured(m) => &m.id,
        }
    }
}

pub(crate) fn page(upstream: &Upstream, session: &LinkSession) -> SessionPage {
    match session.step {
        Step::Started => SessionPage::ChooseMethod(offered(upstream, session)),
        Step::MethodSelected => match session.method.as_deref() {
            Some(m) if let Some(method) = upstream.method(m) => {
                SessionPage::SignInAt(method.clone())
            }
            Some(TEST_BANKID) if session.delivery.test => SessionPage::TestBankId,
            _ => SessionPage::MethodUnavailable,
        },
        Step::Authenticated => SessionPage::Consent,
        Step::Failed | Step::Completed => SessionPage::Done,
    }
}

/// The methods a session offers: the configured ones, after the test
/// BankID in test mode.
fn offered(upstream: &Upstream, session: &LinkSession) -> Vec<MethodChoice> {
    let test = session.delivery.test.then_some(MethodChoice::TestBankId);
    test.into_iter()
        .chain(
            upstream
                .methods()
                .iter()
                .cloned()
                .map(MethodChoice::Configured),
        )
        .collect()
}

/// Where a session is, for the iframe page that waits while the end user
/// signs in in another window.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StepStatus {
    At(Step),
    /// Signed in: the session goes on under an ID only the browser that
    /// signed in knows.
    Moved,
    NotFound,
}

pub(crate) async fn status(store: &dyn Store, sid: &str) -> Result<StepStatus, ServiceError> {
    let id_hash = crypto::hash_token(sid);
    if let Some(session) = store.get_link_session(&id_hash).await? {
        return Ok(StepStatus::At(session.step));
    }
    Ok(match store.get_moved_link_session(&id_hash).await? {
        Some(_) => StepStatus::Moved,
        None => StepStatus::NotFound,
    })
}

/// The new ID a session gets when its end user signs in: only the browser
/// that signed in learns it (in the answer to that step), so someone who
/// sent that person the link, or saw it, cannot finish the flow in their
/// own name. The ID it had before then reaches nothing. (A new session
/// gets its first ID the same way.)
pub(crate) struct NewSessionId {
    sid: String,
    id_hash: String,
    csrf_hash: String,
}

impl NewSessionId {
    pub(crate) fn new(key: &ServerKey, rng: Rng<'_>) -> NewSessionId {
        let sid = crypto::random_token(rng);
        NewSessionId {
            id_hash: crypto::hash_token(&sid),
            csrf_hash: crypto::hash_token(&key.csrf_token(&sid)),
            sid,
        }
    }

    pub(crate) fn rekey(&self) -> Rekey<'_> {
        Rekey {
            id_hash: &self.id_hash,
            csrf_hash: &self.csrf_hash,
        }
    }

    /// The new ID itself, for the browser's next address.
    pub(crate) fn sid(&self) -> &str {
        &self.sid
    }
}

impl std::fmt::Debug for NewSessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewSessionId(<redacted>)")
    }
}

/// The error that a failed sign-in left on the session: a cancellation
/// goes straight back, anything else with a page that says what happened.
fn failure(session: LinkSession) -> Finished {
    let code = session
        .error
        .as_deref()
        .and_then(ErrorCode::parse)
        .unwrap_or(ErrorCode::ServerError);
    Finished {
        session: Box::new(session),
        outcome: Outcome::Error(sign_in_error(code)),
        explain: code != ErrorCode::AccessDenied,
    }
}

/// The error an integrator gets for a sign-in that ended with `code`.
fn sign_in_error(code: ErrorCode) -> OAuthError {
    match code {
        ErrorCode::AccessDenied => OAuthError::cancelled(),
        ErrorCode::TemporarilyUnavailable => OAuthError::new(
            code,
            "The identity provider is unavailable; try again later",
        ),
        _ => OAuthError::new(code, "Sign-in failed"),
    }
}

impl Refusal {
    fn flow(session: LinkSession, e: FlowError) -> Refusal {
        Refusal::Flow(Box::new(session), e)
    }
}

/// A session that passed the checks of a step, with the hash of the
/// submitted anti-CSRF token, which the guarded write checks again.
struct Checked<'s> {
    sid: &'s str,
    session: LinkSession,
    csrf_hash: String,
    now: UnixTime,
}

impl Checked<'_> {
    fn advance(&self, transition: Transition) -> Advance<'_> {
        Advance {
            id_hash: &self.session.id_hash,
            mover: Mover::EndUser {
                csrf_hash: &self.csrf_hash,
            },
            transition,
            now: self.now,
            method: None,
            subject_hash: None,
            test_person: None,
            error: None,
            rekey: None,
            national_id_sealed: None,
        }
    }

    fn invalid_form(&self) -> Refusal {
        Refusal::InvalidForm(Box::new(self.session.clone()))
    }

    /// A guarded write that did not apply: someone else moved the session
    /// between our check and our write. Explained with a fresh look.
    async fn lost_race(
        &self,
        store: &dyn Store,
        transition: Transition,
    ) -> Result<Refusal, ServiceError> {
        let session = match load(store, self.sid).await? {
            Ok(s) => s,
            Err(r) => return Ok(r),
        };
        let e = flow::diagnose(&session, &self.csrf_hash, transition.from(), self.now)
            .err()
            .unwrap_or(FlowError::OutOfOrder);
        Ok(Refusal::flow(session, e))
    }
}

/// Loads the session `sid` and checks a step from `expected` against it
/// (anti-CSRF token, step, expiry).
async fn check<'s>(
    store: &dyn Store,
    sid: &'s str,
    csrf: &str,
    expected: Option<Step>,
    now: UnixTime,
) -> Result<Result<Checked<'s>, Refusal>, ServiceError> {
    let session = match load(store, sid).await? {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    let csrf_hash = crypto::hash_token(csrf);
    match flow::diagnose(&session, &csrf_hash, expected, now) {
        Ok(()) => Ok(Ok(Checked {
            sid,
            session,
            csrf_hash,
            now,
        })),
        Err(e) => {
            tracing::debug!(error = ?e, "step refused");
            Ok(Err(Refusal::flow(session, e)))
        }
    }
}

/// The session `sid`, or why there is none to work with: a session that
/// got a new ID at sign-in is [`FlowError::Moved`] under its old one.
async fn load(store: &dyn Store, sid: &str) -> Result<Result<LinkSession, Refusal>, ServiceError> {
    let id_hash = crypto::hash_token(sid);
    if let Some(session) = store.get_link_session(&id_hash).await? {
        return Ok(Ok(session));
    }
    Ok(Err(match store.get_moved_link_session(&id_hash).await? {
        Some(moved) => Refusal::flow(moved, FlowError::Moved),
        None => Refusal::NotFound,
    }))
}

#[cfg(test)]
mod tests;
