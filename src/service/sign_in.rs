//! Sign-in at a configured OpenID Connect provider: the way there
//! ([`begin`]) and the way back ([`callback`]).
//!
//! The upstream `state` is random, stored only as a hash, single use,
//! bound to one link session and to the browser that left for the
//! provider (a cookie's secret, so a sign-in link sent to someone else
//! cannot complete another person's session). `nonce` and the PKCE
//! verifier are derived from the state under the server key. The
//! session's moves here are the server's own ([`Mover::Server`]), on the
//! proof of that single-use state: no anti-CSRF token is involved. A
//! session has one live sign-in: starting another replaces it.

use url::Url;

use super::link::NewSessionId;
use super::{Ctx, Rng, ServiceError};
use crate::crypto;
use crate::flow::{self, FlowError, LinkSession, Step, Transition};
use crate::methods::Method;
use crate::oauth2::error::ErrorCode;
use crate::store::{Advance, Mover, UpstreamSignIn};
use crate::time::UnixTime;
use crate::upstream::{UpstreamError, SIGN_IN_TTL};

/// What starting a sign-in led to.
#[derive(Debug)]
pub(crate) enum Begun {
    /// Off to the provider at `url`; the browser keeps `binding` (in a
    /// cookie) until it comes back.
    ToProvider { url: Url, binding: BrowserBinding },
    /// The sign-in could not start.
    Ended(Ended),
}

/// The secret that binds a sign-in to the browser that started it, and
/// the name it is kept under (one per sign-in, so that sign-ins in several
/// tabs do not clash).
pub(crate) struct BrowserBinding {
    pub(crate) name: String,
    pub(crate) secret: String,
}

impl std::fmt::Debug for BrowserBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserBinding")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The name of the binding of the sign-in with `state`.
pub(crate) fn binding_name(state: &str) -> String {
    name_of(&crypto::hash_token(state))
}

fn name_of(state_hash: &str) -> String {
    format!("cl_up_{}", &state_hash[..16.min(state_hash.len())])
}

/// How a sign-in ended for its link session.
#[derive(Debug)]
pub(crate) enum Ended {
    /// Signed in: the session goes on under `next`, a new ID that only
    /// this browser learns.
    SignedIn {
        session: Box<LinkSession>,
        next: NewSessionId,
    },
    /// The sign-in ended with `code`, now recorded on the session `sid`,
    /// whose page delivers it.
    Failed {
        session: Box<LinkSession>,
        sid: String,
        code: ErrorCode,
    },
    /// Another request moved the session first.
    Raced(Box<LinkSession>),
}

/// Starts the sign-in of session `sid` at `method`'s provider.
pub(crate) async fn begin(
    ctx: Ctx<'_>,
    sid: &str,
    session: &LinkSession,
    method: &Method,
    now: UnixTime,
    rng: Rng<'_>,
) -> Result<Begun, ServiceError> {
    let state = crypto::random_token(rng);
    let browser_secret = crypto::random_token(rng);
    let secrets = ctx.key.upstream_secrets(&state);
    let url = match ctx
        .upstream
        .authorization_url(method, &secrets, &session.locale, now)
        .await
    {
        Ok(url) => url,
        Err(e) => {
            tracing::warn!(method = %method.id, error = ?e.to_string(), "sign-in could not start");
            let ended = fail(ctx, sid, session, ErrorCode::TemporarilyUnavailable, now).await?;
            return Ok(Begun::Ended(ended));
        }
    };
    let session_masked = ctx
        .key
        .mask_session_id(&state, sid)
        .ok_or(ServiceError::Internal("a session ID that is not a token"))?;
    let state_hash = crypto::hash_token(&state);
    // The session's one live sign-in: an earlier one's state is void.
    ctx.store
        .replace_upstream_auth(&UpstreamSignIn {
            state_hash: state_hash.clone(),
            session_hash: session.id_hash.clone(),
            session_masked,
            method: method.id.clone(),
            browser_hash: crypto::hash_token(&browser_secret),
            created_at: now,
            expires_at: (now + SIGN_IN_TTL).min(session.expires_at),
            used_at: None,
        })
        .await?;
    Ok(Begun::ToProvider {
        url,
        binding: BrowserBinding {
            name: name_of(&state_hash),
            secret: browser_secret,
        },
    })
}

/// The provider's answer as the browser brought it back.
#[derive(Debug, Default)]
pub(crate) struct Callback<'a> {
    pub(crate) state: Option<&'a str>,
    /// The secret of this sign-in's [`BrowserBinding`], if the browser
    /// has it.
    pub(crate) browser_secret: Option<&'a str>,
    /// RFC 9207: the provider that answered, checked where given, and
    /// required where the provider's metadata promises it.
    pub(crate) iss: Option<&'a str>,
    pub(crate) code: Option<&'a str>,
    pub(crate) error: Option<&'a str>,
}

/// What the provider's answer led to.
#[derive(Debug)]
pub(crate) enum CallbackOutcome {
    /// Not a live sign-in of this browser (no state; another browser's;
    /// used, expired or unknown; its session gone): why, for the log.
    BadState(&'static str),
    /// The session cannot take a sign-in now.
    Refused {
        session: Box<LinkSession>,
        error: FlowError,
    },
    /// The state is used up: how the sign-in ended.
    Ended(Ended),
}

/// Takes the provider's answer: the state (single use, this browser's),
/// the session's step, the mix-up check (RFC 9207), then the provider's
/// result.
pub(crate) async fn callback(
    ctx: Ctx<'_>,
    answer: &Callback<'_>,
    now: UnixTime,
    rng: Rng<'_>,
) -> Result<CallbackOutcome, ServiceError> {
    let Taken {
        state,
        row,
        sid,
        session,
    } = match take(ctx, answer, now).await? {
        Ok(taken) => taken,
        Err(reason) => return Ok(CallbackOutcome::BadState(reason)),
    };
    let refused = |session: LinkSession, error| CallbackOutcome::Refused {
        session: Box::new(session),
        error,
    };
    if let Err(e) = flow::check_viewable(&session, now) {
        return Ok(refused(session, e));
    }
    if session.step != Step::MethodSelected || session.method.as_deref() != Some(&row.method) {
        return Ok(refused(session, FlowError::OutOfOrder));
    }
    let method = ctx.upstream.method(&row.method).map(|m| m.as_ref());
    let result = match method {
        Some(m) => match mix_up(ctx, m, answer.iss, now).await {
            Ok(()) => provider_result(ctx, Some(m), &row, state, answer, now).await,
            Err(code) => Err(code),
        },
        None => provider_result(ctx, None, &row, state, answer, now).await,
    };
    let ended = match result {
        Ok(national_id) => signed_in(ctx, &session, &national_id, now, rng).await?,
        Err(code) => fail(ctx, &sid, &session, code, now).await?,
    };
    Ok(CallbackOutcome::Ended(ended))
}

/// A sign-in used up by its callback, with the session it belongs to.
struct Taken<'a> {
    state: &'a str,
    row: UpstreamSignIn,
    sid: String,
    session: LinkSession,
}

/// Uses up the sign-in that the callback's state names, if it is live and
/// this browser's; else why not (for the log).
async fn take<'a>(
    ctx: Ctx<'_>,
    answer: &Callback<'a>,
    now: UnixTime,
) -> Result<Result<Taken<'a>, &'static str>, ServiceError> {
    let Some(state) = answer.state.filter(|s| !s.is_empty()) else {
        return Ok(Err("no state"));
    };
    // Checked in the same write that uses the state up, so that a request
    // from another browser that has seen the state cannot spoil it.
    let Some(browser_secret) = answer.browser_secret else {
        return Ok(Err("no sign-in cookie: another browser"));
    };
    let state_hash = crypto::hash_token(state);
    let browser_hash = crypto::hash_token(browser_secret);
    let taken = ctx
        .store
        .take_upstream_auth(&state_hash, &browser_hash, now);
    let Some(row) = taken.await? else {
        return Ok(Err("unknown, used or expired state, or another browser's"));
    };
    let sid = ctx
        .key
        .mask_session_id(state, &row.session_masked)
        .ok_or(ServiceError::Internal("stored session ID does not unmask"))?;
    let Some(session) = ctx.store.get_link_session(&row.session_hash).await? else {
        return Ok(Err("the link session is gone"));
    };
    Ok(Ok(Taken {
        state,
        session,
        row,
        sid,
    }))
}

/// A mix-up: another provider's answer, or none where the provider always
/// names itself (RFC 9207).
async fn mix_up(
    ctx: Ctx<'_>,
    method: &Method,
    iss: Option<&str>,
    now: UnixTime,
) -> Result<(), ErrorCode> {
    match ctx.upstream.check_response_issuer(method, iss, now).await {
        Ok(()) => Ok(()),
        Err(UpstreamError::Rejected { check, detail }) => {
            tracing::error!(method = %method.id, check, detail, "the callback is not the provider's answer");
            Err(ErrorCode::ServerError)
        }
        Err(e @ UpstreamError::Unavailable(_)) => {
            tracing::warn!(method = %method.id, error = %e, "sign-in failed at the provider");
            Err(ErrorCode::TemporarilyUnavailable)
        }
    }
}

/// The provider's result: the national identity number from a validated
/// ID token, or the error the integrator gets. A cancellation at the
/// provider is a cancellation; its other refusals and its outages are
/// `temporarily_unavailable`; an ID token that fails a check is
/// `server_error`.
async fn provider_result(
    ctx: Ctx<'_>,
    method: Option<&Method>,
    row: &UpstreamSignIn,
    state: &str,
    answer: &Callback<'_>,
    now: UnixTime,
) -> Result<String, ErrorCode> {
    match (method, answer.code, answer.error) {
        (_, _, Some("access_denied")) => Err(ErrorCode::AccessDenied),
        (_, _, Some(error)) => {
            tracing::warn!(method = ?row.method, provider_error = ?error, "the provider refused the sign-in");
            Err(ErrorCode::TemporarilyUnavailable)
        }
        (Some(method), Some(code), None) => {
            let secrets = ctx.key.upstream_secrets(state);
            match ctx
                .upstream
                .identify(method, code, &secrets, row.created_at, now)
                .await
            {
                Ok(national_id) => Ok(national_id),
                Err(e @ UpstreamError::Unavailable(_)) => {
                    tracing::warn!(method = %method.id, error = ?e.to_string(), "sign-in failed at the provider");
                    Err(ErrorCode::TemporarilyUnavailable)
                }
                Err(UpstreamError::Rejected { check, detail }) => {
                    tracing::error!(method = %method.id, check, detail, "ID token failed validation");
                    Err(ErrorCode::ServerError)
                }
            }
        }
        (None, _, _) => {
            tracing::warn!(method = ?row.method, "the method is no longer configured");
            Err(ErrorCode::TemporarilyUnavailable)
        }
        (Some(_), None, None) => {
            tracing::warn!(method = ?row.method, "the provider sent neither code nor error");
            Err(ErrorCode::TemporarilyUnavailable)
        }
    }
}

/// Records the signed-in person (only a keyed hash of the national
/// identity number) and moves on to consent, under a new session ID that
/// only this browser learns (see [`NewSessionId`]).
async fn signed_in(
    ctx: Ctx<'_>,
    session: &LinkSession,
    national_id: &str,
    now: UnixTime,
    rng: Rng<'_>,
) -> Result<Ended, ServiceError> {
    let subject_hash = ctx.key.subject_hash(national_id);
    let next = NewSessionId::new(ctx.key, rng);
    // Kept sealed for the collection a consent starts. A test flow keeps
    // no real person's number: the test source serves the stand-in.
    let collected_for = if session.delivery.test {
        crate::test_persons::find(crate::test_persons::STAND_IN)
            .map_or(national_id, |p| p.national_id)
    } else {
        national_id
    };
    let sealed = Some(seal_national_id(ctx.key, collected_for)?);
    let advance = Advance {
        subject_hash: Some(&subject_hash),
        rekey: Some(next.rekey()),
        national_id_sealed: sealed.as_deref(),
        ..server_move(session, Transition::Authenticate, now)
    };
    if ctx.store.advance_link_session(&advance).await?.is_none() {
        return Ok(Ended::Raced(Box::new(session.clone())));
    }
    Ok(Ended::SignedIn {
        session: Box::new(session.clone()),
        next,
    })
}

/// Records that sign-in ended with `code`; the session page delivers it.
async fn fail(
    ctx: Ctx<'_>,
    sid: &str,
    session: &LinkSession,
    code: ErrorCode,
    now: UnixTime,
) -> Result<Ended, ServiceError> {
    let advance = Advance {
        error: Some(code.as_str()),
        ..server_move(session, Transition::FailSignIn, now)
    };
    if ctx.store.advance_link_session(&advance).await?.is_none() {
        return Ok(Ended::Raced(Box::new(session.clone())));
    }
    Ok(Ended::Failed {
        session: Box::new(session.clone()),
        sid: sid.to_owned(),
        code,
    })
}

/// A move the server makes on its own, on the proof of the provider's
/// callback (a single-use state bound to this browser): no CSRF token.
fn server_move(session: &LinkSession, transition: Transition, now: UnixTime) -> Advance<'_> {
    Advance {
        id_hash: &session.id_hash,
        mover: Mover::Server,
        transition,
        now,
        method: None,
        subject_hash: None,
        test_person: None,
        error: None,
        rekey: None,
        national_id_sealed: None,
    }
}

/// The national identity number, sealed for the collection a consent
/// starts (and forgotten when it ends).
pub(crate) fn seal_national_id(
    key: &crate::crypto::ServerKey,
    national_id: &str,
) -> Result<String, ServiceError> {
    key.seal(
        crate::collect::worker::SEAL_NATIONAL_ID,
        national_id.as_bytes(),
    )
    .map_err(|_| ServiceError::Internal("sealing the national ID failed"))
}
