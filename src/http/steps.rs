//! The steps of a link session, each a plain HTML form: method selection,
//! the test BankID, consent. Each POST is checked (session, step, CSRF
//! token, expiry), applied by one guarded write, and answered by a 303 to
//! the session page (or, at the end, the result).

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::Value;

use super::error::error_page;
use super::pages::{render, PagePolicy};
use super::{AppError, AppState};
use crate::crypto;
use crate::flow::{self, FlowError, LinkSession, Step, Transition, CODE_TTL_SECS, TEST_BANKID};
use crate::i18n::{self, Tr};
use crate::oauth2::authorize::{Delivery, Entry};
use crate::oauth2::error::{ErrorCode, OAuthError};
use crate::oauth2::result::{self, Outcome};
use crate::store::{Advance, Mover, NewAuthorizationCode, NewConsent, Rekey};
use crate::test_persons::{self, Behaviour, TEST_PERSONS};
use crate::views::{
    ConsentPage, FrameMessages, MethodOption, MethodPage, PageCtx, PersonOption, ResultPage,
    ScopeLine, TestBankIdPage, UpstreamPage,
};

/// Every step form's fields; each step reads the ones it needs.
#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    csrf: Option<String>,
    method: Option<String>,
    person: Option<String>,
    decision: Option<String>,
}

pub async fn show(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let session = match load(&app, &sid, &headers).await? {
        Ok(s) => s,
        Err(page) => return Ok(page),
    };
    if let Err(e) = flow::check_viewable(&session, app.clock.now()) {
        return flow_error_page(&session, e);
    }
    if session.step == Step::Failed {
        return deliver_failure(&app, &session);
    }
    render_step(&app, &session, &sid)
}

/// The session's step, for the iframe page that waits while the end user
/// signs in in another window.
pub async fn step_status(
    State(app): State<AppState>,
    Path(sid): Path<String>,
) -> Result<Response, AppError> {
    let id_hash = crypto::hash_token(&sid);
    let row = app.store.get_link_session(&id_hash).await?;
    let (status, body) = match row {
        Some(r) => (StatusCode::OK, serde_json::json!({ "step": r.step })),
        // Signed in: the session goes on under an ID only the browser
        // that signed in knows. Say so, and nothing more (a 200, so that
        // the waiting frame's poll is no console error).
        None if app.store.get_moved_link_session(&id_hash).await?.is_some() => (
            StatusCode::OK,
            serde_json::json!({ "step": null, "moved": true }),
        ),
        None => (StatusCode::NOT_FOUND, serde_json::json!({ "step": null })),
    };
    Ok((
        status,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response())
}

pub async fn method_post(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<StepForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let c = match checked(&app, &sid, &headers, &form, Transition::SelectMethod.from()).await? {
        Ok(c) => c,
        Err(page) => return Ok(page),
    };
    let session = &c.session;
    let method = form.method.as_deref().unwrap_or("");
    if !available_methods(&app, session).iter().any(|m| m == method) {
        return session_error_page(session, StatusCode::BAD_REQUEST, "error-invalid-form");
    }
    let advance = Advance {
        method: Some(method),
        ..c.advance(Transition::SelectMethod)
    };
    match app.upstream.method(method) {
        // In a window of its own the end user goes straight to the
        // provider; in iframe mode the next page opens it in a new window.
        Some(m) if !session.delivery.iframe => {
            if app.store.advance_link_session(&advance).await?.is_none() {
                return refused(&app, &sid, &form, advance.transition).await;
            }
            super::upstream::begin(&app, &sid, session, m, c.now).await
        }
        _ => apply(&app, &sid, &form, advance).await,
    }
}

/// Starts (again) the sign-in at the session's configured provider.
pub async fn upstream_post(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<StepForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let c = match checked(&app, &sid, &headers, &form, Some(Step::MethodSelected)).await? {
        Ok(c) => c,
        Err(page) => return Ok(page),
    };
    let Some(method) = c
        .session
        .method
        .as_deref()
        .and_then(|m| app.upstream.method(m))
    else {
        return session_error_page(&c.session, StatusCode::BAD_REQUEST, "error-invalid-form");
    };
    super::upstream::begin(&app, &sid, &c.session, method, c.now).await
}

pub async fn authenticate_post(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<StepForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let c = match checked(&app, &sid, &headers, &form, Transition::Authenticate.from()).await? {
        Ok(c) => c,
        Err(page) => return Ok(page),
    };
    let session = &c.session;
    let person = form.person.as_deref().and_then(test_persons::find);
    let (Some(person), Some(TEST_BANKID)) = (person, session.method.as_deref()) else {
        return session_error_page(session, StatusCode::BAD_REQUEST, "error-invalid-form");
    };
    if person.behaviour == Behaviour::CancelsAtBankId {
        // This test person cancels at the BankID.
        let advance = c.advance(Transition::Cancel);
        return finish(
            &app,
            &sid,
            session,
            &form,
            advance,
            Outcome::Error(OAuthError::cancelled()),
        )
        .await;
    }
    let subject_hash = app.key.subject_hash(person.national_id);
    let next = NewSessionId::new(&app);
    let advance = Advance {
        subject_hash: Some(&subject_hash),
        test_person: Some(person.key),
        rekey: Some(next.rekey()),
        ..c.advance(Transition::Authenticate)
    };
    if app.store.advance_link_session(&advance).await?.is_none() {
        return refused(&app, &sid, &form, advance.transition).await;
    }
    Ok(Redirect::to(&next.path()).into_response())
}

/// The new ID a session gets when its end user signs in: only the browser
/// that signed in learns it (in the answer to that step), so someone who
/// sent that person the link, or saw it, cannot finish the flow in their
/// own name. The ID it had before then reaches nothing.
pub(super) struct NewSessionId {
    sid: String,
    id_hash: String,
    csrf_hash: String,
}

impl NewSessionId {
    pub(super) fn new(app: &AppState) -> NewSessionId {
        let sid = crypto::random_token(&mut rand::thread_rng());
        NewSessionId {
            id_hash: crypto::hash_token(&sid),
            csrf_hash: crypto::hash_token(&app.key.csrf_token(&sid)),
            sid,
        }
    }

    pub(super) fn rekey(&self) -> Rekey<'_> {
        Rekey {
            id_hash: &self.id_hash,
            csrf_hash: &self.csrf_hash,
        }
    }

    /// The session page under the new ID.
    pub(super) fn path(&self) -> String {
        format!("/s/{}", self.sid)
    }
}

pub async fn consent_post(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<StepForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let c = match checked(&app, &sid, &headers, &form, Transition::Complete.from()).await? {
        Ok(c) => c,
        Err(page) => return Ok(page),
    };
    let session = &c.session;
    let advance = c.advance(Transition::Complete);
    match form.decision.as_deref() {
        Some("decline") => {
            finish(
                &app,
                &sid,
                session,
                &form,
                advance,
                Outcome::Error(OAuthError::cancelled()),
            )
            .await
        }
        Some("accept") => accept(&app, &sid, session, &form, advance).await,
        _ => session_error_page(session, StatusCode::BAD_REQUEST, "error-invalid-form"),
    }
}

pub async fn cancel_post(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<StepForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let c = match checked(&app, &sid, &headers, &form, Transition::Cancel.from()).await? {
        Ok(c) => c,
        Err(page) => return Ok(page),
    };
    let session = &c.session;
    if session.step == Step::Failed {
        // The sign-in already failed: that is what the integrator hears.
        return deliver_failure(&app, session);
    }
    let advance = c.advance(Transition::Cancel);
    finish(
        &app,
        &sid,
        session,
        &form,
        advance,
        Outcome::Error(OAuthError::cancelled()),
    )
    .await
}

/// Records consent and delivers the user ID (Link) or a fresh
/// authorization code (OAuth2).
async fn accept(
    app: &AppState,
    sid: &str,
    session: &LinkSession,
    form: &StepForm,
    advance: Advance<'_>,
) -> Result<Response, AppError> {
    let Some(subject_hash) = session.subject_hash.as_deref() else {
        return Err(AppError::Internal(
            "authenticated session without subject".into(),
        ));
    };
    let candidate_id = uuid::Uuid::new_v4().to_string();
    let scopes = session.scopes.to_product_string();
    let consent = NewConsent {
        user_data_id: &candidate_id,
        client_id: &session.client_id,
        subject_hash,
        test_person: session.test_person.as_deref(),
        test: session.delivery.test,
        scopes: &scopes,
        now: advance.now,
    };
    let code = match session.delivery.entry {
        Entry::Link => None,
        Entry::OAuth2 => Some(crypto::random_token(&mut rand::thread_rng())),
    };
    let code_hash = code.as_deref().map(crypto::hash_token);
    let redirect_uri = session.delivery.callback.to_string();
    let new_code = code_hash.as_deref().map(|code_hash| NewAuthorizationCode {
        code_hash,
        client_id: &session.client_id,
        redirect_uri: &redirect_uri,
        redirect_given: session.delivery.callback_given,
        code_challenge: session.code_challenge.as_ref().map(|c| c.as_str()),
        scopes: &scopes,
        created_at: advance.now,
        expires_at: advance.now + CODE_TTL_SECS,
    });
    let Some(user_data_id) = app
        .store
        .complete_with_consent(&advance, &consent, new_code.as_ref())
        .await?
    else {
        return refused(app, sid, form, Transition::Complete).await;
    };
    let outcome = Outcome::Code(code.unwrap_or(user_data_id));
    deliver(
        app,
        &session.delivery,
        &outcome,
        &session.client_name,
        &session.locale,
        &PagePolicy::for_session(session),
    )
}

/// Completes the session without consent and delivers `outcome`.
async fn finish(
    app: &AppState,
    sid: &str,
    session: &LinkSession,
    form: &StepForm,
    advance: Advance<'_>,
    outcome: Outcome,
) -> Result<Response, AppError> {
    if app.store.advance_link_session(&advance).await?.is_none() {
        return refused(app, sid, form, advance.transition).await;
    }
    deliver(
        app,
        &session.delivery,
        &outcome,
        &session.client_name,
        &session.locale,
        &PagePolicy::for_session(session),
    )
}

/// Applies a step forward and sends the browser to the next page.
async fn apply(
    app: &AppState,
    sid: &str,
    form: &StepForm,
    advance: Advance<'_>,
) -> Result<Response, AppError> {
    if app.store.advance_link_session(&advance).await?.is_none() {
        return refused(app, sid, form, advance.transition).await;
    }
    Ok(Redirect::to(&format!("/s/{sid}")).into_response())
}

/// A session that passed the checks of a step, with the hash of the
/// submitted CSRF token, which the guarded write checks again.
struct Checked {
    session: LinkSession,
    csrf_hash: String,
    now: i64,
}

impl Checked {
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
        }
    }
}

/// Delivers the error that a failed sign-in left on the session: a
/// cancellation straight away, anything else with a page that says what
/// happened. A failed session is final, so this writes nothing: a `GET`
/// never moves a session, and opening it again shows the same result.
fn deliver_failure(app: &AppState, session: &LinkSession) -> Result<Response, AppError> {
    let code = session
        .error
        .as_deref()
        .and_then(ErrorCode::parse)
        .unwrap_or(ErrorCode::ServerError);
    let outcome = Outcome::Error(sign_in_error(code));
    let policy = PagePolicy::for_session(session);
    let (delivery, name, locale) = (&session.delivery, &session.client_name, &session.locale);
    if code == ErrorCode::AccessDenied {
        deliver(app, delivery, &outcome, name, locale, &policy)
    } else {
        app.metrics.result(delivery.entry, &outcome);
        result_page(app, delivery, &outcome, name, locale, &policy)
    }
}

/// The error an integrator gets for a sign-in that ended with `code`.
pub fn sign_in_error(code: ErrorCode) -> OAuthError {
    match code {
        ErrorCode::AccessDenied => OAuthError::cancelled(),
        ErrorCode::TemporarilyUnavailable => OAuthError::new(
            code,
            "The identity provider is unavailable; try again later",
        ),
        _ => OAuthError::new(code, "Sign-in failed"),
    }
}

/// Loads the session and checks the request against it (step, CSRF token,
/// expiry); on refusal, the page that explains why.
async fn checked(
    app: &AppState,
    sid: &str,
    headers: &HeaderMap,
    form: &StepForm,
    expected: Option<Step>,
) -> Result<Result<Checked, Response>, AppError> {
    let session = match load(app, sid, headers).await? {
        Ok(s) => s,
        Err(page) => return Ok(Err(page)),
    };
    let now = app.clock.now();
    let csrf_hash = crypto::hash_token(form.csrf.as_deref().unwrap_or(""));
    match flow::diagnose(&session, &csrf_hash, expected, now) {
        Ok(()) => Ok(Ok(Checked {
            session,
            csrf_hash,
            now,
        })),
        Err(e) => {
            tracing::debug!(error = ?e, "step refused");
            Ok(Err(flow_error_page(&session, e)?))
        }
    }
}

/// A guarded write that did not apply: someone else moved the session
/// between our check and our write. Explain with a fresh look.
async fn refused(
    app: &AppState,
    sid: &str,
    form: &StepForm,
    transition: Transition,
) -> Result<Response, AppError> {
    let session = match load(app, sid, &HeaderMap::new()).await? {
        Ok(s) => s,
        Err(page) => return Ok(page),
    };
    let csrf_hash = crypto::hash_token(form.csrf.as_deref().unwrap_or(""));
    let e = flow::diagnose(&session, &csrf_hash, transition.from(), app.clock.now())
        .err()
        .unwrap_or(FlowError::OutOfOrder);
    flow_error_page(&session, e)
}

async fn load(
    app: &AppState,
    sid: &str,
    headers: &HeaderMap,
) -> Result<Result<LinkSession, Response>, AppError> {
    let id_hash = crypto::hash_token(sid);
    match app.store.get_link_session(&id_hash).await? {
        Some(row) => Ok(Ok(row.to_session()?)),
        None if let Some(moved) = app.store.get_moved_link_session(&id_hash).await? => {
            let session = moved.to_session()?;
            Ok(Err(flow_error_page(&session, FlowError::Moved)?))
        }
        None => {
            let locale = i18n::negotiate(
                None,
                headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
            );
            let e = FlowError::NotFound;
            Ok(Err(error_page(
                status(e),
                &locale,
                e.message_key(),
                &PagePolicy::default(),
            )?))
        }
    }
}

fn status(e: FlowError) -> StatusCode {
    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST)
}

fn flow_error_page(session: &LinkSession, e: FlowError) -> Result<Response, AppError> {
    session_error_page(session, status(e), e.message_key())
}

fn session_error_page(
    session: &LinkSession,
    status: StatusCode,
    key: &str,
) -> Result<Response, AppError> {
    error_page(
        status,
        &session.locale,
        key,
        &PagePolicy::for_session(session),
    )
}

/// The methods this session offers: the configured ones, after the test
/// BankID in test mode.
fn available_methods(app: &AppState, session: &LinkSession) -> Vec<String> {
    let test = session.delivery.test.then(|| TEST_BANKID.to_owned());
    test.into_iter()
        .chain(app.upstream.methods().iter().map(|m| m.id.clone()))
        .collect()
}

fn frame_messages(delivery: &Delivery, messages: Vec<Value>) -> Option<FrameMessages> {
    delivery.iframe.then(|| FrameMessages {
        origin: result::target_origin(delivery),
        messages: Value::Array(messages).to_string(),
    })
}

/// The page for the session's current step.
pub fn render_step(app: &AppState, session: &LinkSession, sid: &str) -> Result<Response, AppError> {
    let tr = Tr::new(&session.locale);
    let csrf = app.key.csrf_token(sid);
    let statuses: &[&str] = match session.step {
        Step::Started => &["loaded"],
        Step::MethodSelected => &["method_selected"],
        Step::Authenticated => &["authenticated", "consent_shown"],
        Step::Failed | Step::Completed => {
            return flow_error_page(session, FlowError::AlreadyCompleted)
        }
    };
    let messages = statuses
        .iter()
        .map(|s| result::status_message(&session.delivery, s))
        .collect();
    let progress = match session.step {
        Step::Started => "step-1",
        Step::MethodSelected => "step-2",
        _ => "step-3",
    };
    let page = PageCtx {
        theme_css: session
            .styles_uri
            .as_ref()
            .map(|_| format!("/s/{sid}/theme.css")),
        frame: frame_messages(&session.delivery, messages),
        progress: Some(progress),
        tr: tr.clone(),
    };
    let mut policy = PagePolicy::for_session(session);
    if matches!(session.step, Step::Started | Step::MethodSelected) {
        // The method and sign-in forms redirect to the provider.
        policy.providers = app.upstream.form_sources().to_vec();
    }
    let cancel_action = format!("/s/{sid}/cancel");
    match session.step {
        Step::Started => {
            let methods = available_methods(app, session)
                .into_iter()
                .map(|id| match app.upstream.method(&id) {
                    Some(m) => MethodOption {
                        label: m.name(tr.code()).to_owned(),
                        hint: tr.t1("method-hint", "method", m.name(tr.code())),
                        logo: m.logo.as_ref().map(|_| format!("/methods/{id}/logo")),
                        id,
                    },
                    None => MethodOption {
                        id,
                        label: tr.t("method-test-bankid"),
                        hint: tr.t("method-test-bankid-hint"),
                        logo: None,
                    },
                })
                .collect();
            let view = MethodPage {
                page,
                client_name: session.client_name.clone(),
                action: format!("/s/{sid}/method"),
                cancel_action,
                csrf,
                methods,
            };
            render(StatusCode::OK, &view, &policy)
        }
        Step::MethodSelected
            if let Some(m) = session
                .method
                .as_deref()
                .and_then(|m| app.upstream.method(m)) =>
        {
            let name = m.name(tr.code());
            let new_window = session.delivery.iframe;
            let intro = if new_window {
                "upstream-intro-window"
            } else {
                "upstream-intro-redirect"
            };
            let view = UpstreamPage {
                title: tr.t1("upstream-title", "method", name),
                intro: tr.t1(intro, "method", name),
                open_label: tr.t1(
                    if new_window {
                        "upstream-open"
                    } else {
                        "upstream-go"
                    },
                    "method",
                    name,
                ),
                action: format!("/s/{sid}/upstream"),
                cancel_action,
                csrf,
                new_window,
                status_url: format!("/s/{sid}/status"),
                continue_href: format!("/s/{sid}"),
                page,
            };
            render(StatusCode::OK, &view, &policy)
        }
        // The method was configured when chosen and is not any more (a
        // deploy in between): no sign-in can finish here.
        Step::MethodSelected
            if !(session.delivery.test && session.method.as_deref() == Some(TEST_BANKID)) =>
        {
            session_error_page(
                session,
                StatusCode::SERVICE_UNAVAILABLE,
                "error-method-unavailable",
            )
        }
        Step::MethodSelected => {
            let persons = TEST_PERSONS
                .iter()
                .enumerate()
                .map(|(i, p)| PersonOption {
                    key: p.key,
                    name: p.name,
                    description: tr.t_args(
                        "person-hint",
                        &[
                            ("date", &tr.date(&p.birth_date()).unwrap_or_default()),
                            ("description", &tr.t(p.description_key())),
                        ],
                    ),
                    checked: i == 0,
                })
                .collect();
            let view = TestBankIdPage {
                page,
                action: format!("/s/{sid}/authenticate"),
                cancel_action,
                csrf,
                persons,
            };
            render(StatusCode::OK, &view, &policy)
        }
        _ => {
            let scopes = session
                .scopes
                .iter()
                .map(|s| ScopeLine::new(&tr, s))
                .collect();
            let view = ConsentPage {
                page,
                client_name: session.client_name.clone(),
                action: format!("/s/{sid}/consent"),
                csrf,
                scopes,
            };
            render(StatusCode::OK, &view, &policy)
        }
    }
}

/// Sends `outcome` to the integrator: a 303 to the callback, or in iframe
/// mode a page whose script posts it to the callback's origin.
pub fn deliver(
    app: &AppState,
    delivery: &Delivery,
    outcome: &Outcome,
    client_name: &str,
    locale: &str,
    policy: &PagePolicy,
) -> Result<Response, AppError> {
    app.metrics.result(delivery.entry, outcome);
    if !delivery.iframe {
        let url = result::redirect_url(delivery, outcome, &app.issuer);
        return Ok(Redirect::to(url.as_str()).into_response());
    }
    result_page(app, delivery, outcome, client_name, locale, policy)
}

/// The result as a page. In iframe mode its script posts the result to the
/// integrator (a link does without script); otherwise it explains what
/// happened and links to the callback with the result.
pub fn result_page(
    app: &AppState,
    delivery: &Delivery,
    outcome: &Outcome,
    client_name: &str,
    locale: &str,
    policy: &PagePolicy,
) -> Result<Response, AppError> {
    let url = result::redirect_url(delivery, outcome, &app.issuer);
    let tr = Tr::new(locale);
    let messages = vec![
        result::status_message(delivery, "completed"),
        result::message(delivery, outcome, &app.issuer),
    ];
    let (title, message) = match outcome {
        Outcome::Code(_) => (
            tr.t("result-done-title"),
            tr.t1("result-done", "client", client_name),
        ),
        Outcome::Error(e) if e.code == ErrorCode::AccessDenied => (
            tr.t("result-error-title"),
            tr.t1("result-cancelled", "client", client_name),
        ),
        Outcome::Error(e) if e.code == ErrorCode::TemporarilyUnavailable => (
            tr.t("result-unavailable-title"),
            tr.t1("result-unavailable", "client", client_name),
        ),
        Outcome::Error(_) => (
            tr.t("result-error-title"),
            tr.t1("result-failed", "client", client_name),
        ),
    };
    let view = ResultPage {
        continue_label: tr.t1("result-continue", "client", client_name),
        continue_href: url.to_string(),
        always_continue: !delivery.iframe,
        title,
        message,
        page: PageCtx {
            tr,
            theme_css: None,
            frame: frame_messages(delivery, messages),
            progress: None,
        },
    };
    render(StatusCode::OK, &view, policy)
}
