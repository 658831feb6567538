//! The steps of a link session, each a plain HTML form: method selection,
//! the test BankID, consent, cancel. Each handler hands the form to
//! [`crate::service::link`] and turns its outcome into a 303 to the next
//! page, the result, or an error page.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use rand::rngs::OsRng;
use serde::Deserialize;

use super::pages::PageError;
use super::render::{finish, finish_consent, render_step, session_path};
use super::AppState;
use crate::flow::FlowError;
use crate::i18n;
use crate::service::link::{
    self, AuthenticateOutcome, EndOutcome, MethodOutcome, Refusal, SignInOutcome, StepStatus, View,
};
use crate::service::Ctx;

/// Every step form's fields; each step reads the ones it needs.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StepForm {
    csrf: Option<String>,
    method: Option<String>,
    person: Option<String>,
    decision: Option<String>,
}

impl StepForm {
    fn from(form: Result<Form<StepForm>, FormRejection>) -> StepForm {
        form.map(|Form(f)| f).unwrap_or_default()
    }

    fn csrf(&self) -> &str {
        self.csrf.as_deref().unwrap_or("")
    }
}

impl AppState {
    /// What the services work with.
    pub(super) fn services(&self) -> Ctx<'_> {
        Ctx {
            store: self.store.as_ref(),
            key: &self.key,
            upstream: &self.upstream,
            sources: &self.sources,
        }
    }
}

pub(crate) async fn show(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    match link::view(app.store.as_ref(), &sid, app.clock.now()).await? {
        View::Page(session) => render_step(&app, &session, &sid),
        View::Finished(finished) => finish(&app, &finished),
        View::Refused(r) => Err(refusal(r, &headers)),
    }
}

/// The session's step, for the iframe page that waits while the end user
/// signs in in another window.
pub(crate) async fn step_status(
    State(app): State<AppState>,
    Path(sid): Path<String>,
) -> Result<Response, PageError> {
    let (status, body) = match link::status(app.store.as_ref(), &sid).await? {
        StepStatus::At(step) => (StatusCode::OK, serde_json::json!({ "step": step.as_str() })),
        // Signed in: say so, and nothing more (a 200, so that the waiting
        // frame's poll is no console error).
        StepStatus::Moved => (
            StatusCode::OK,
            serde_json::json!({ "step": null, "moved": true }),
        ),
        StepStatus::NotFound => (StatusCode::NOT_FOUND, serde_json::json!({ "step": null })),
    };
    Ok((status, [(CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

pub(crate) async fn method_post(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<StepForm>, FormRejection>,
) -> Result<Response, PageError> {
    let form = StepForm::from(form);
    let method = form.method.as_deref().unwrap_or("");
    let now = app.clock.now();
    match link::select_method(app.services(), &sid, form.csrf(), method, now, &mut OsRng).await? {
        MethodOutcome::Chosen => Ok(Redirect::to(&session_path(&sid)).into_response()),
        MethodOutcome::SignIn(begun) => super::upstream::begun(&app, begun),
        MethodOutcome::Refused(r) => Err(refusal(r, &headers)),
    }
}

/// Starts (again) the sign-in at the session's chosen provider.
pub(crate) async fn upstream_post(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<StepForm>, FormRejection>,
) -> Result<Response, PageError> {
    let form = StepForm::from(form);
    let now = app.clock.now();
    match link::resume_sign_in(app.services(), &sid, form.csrf(), now, &mut OsRng).await? {
        SignInOutcome::SignIn(begun) => super::upstream::begun(&app, begun),
        SignInOutcome::Refused(r) => Err(refusal(r, &headers)),
    }
}

/// A sign-in at the test BankID.
pub(crate) async fn authenticate_post(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<StepForm>, FormRejection>,
) -> Result<Response, PageError> {
    let form = StepForm::from(form);
    let person = form.person.as_deref().unwrap_or("");
    let now = app.clock.now();
    let ctx = app.services();
    match link::authenticate_test(ctx, &sid, form.csrf(), person, now, &mut OsRng).await? {
        // Only this browser learns the session's new ID.
        AuthenticateOutcome::SignedIn(next) => {
            Ok(Redirect::to(&session_path(next.sid())).into_response())
        }
        AuthenticateOutcome::Finished(finished) => finish(&app, &finished),
        AuthenticateOutcome::Refused(r) => Err(refusal(r, &headers)),
    }
}

pub(crate) async fn consent_post(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<StepForm>, FormRejection>,
) -> Result<Response, PageError> {
    let form = StepForm::from(form);
    let (store, now) = (app.store.as_ref(), app.clock.now());
    let decision = form.decision.as_deref();
    let sources = app.sources.as_ref();
    match link::decide(store, sources, &sid, form.csrf(), decision, now, &mut OsRng).await? {
        EndOutcome::Finished(finished) => finish_consent(&app, &finished, &sid),
        EndOutcome::Refused(r) => Err(refusal(r, &headers)),
    }
}

pub(crate) async fn cancel_post(
    State(app): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<StepForm>, FormRejection>,
) -> Result<Response, PageError> {
    let form = StepForm::from(form);
    let now = app.clock.now();
    match link::cancel(app.store.as_ref(), &sid, form.csrf(), now).await? {
        EndOutcome::Finished(finished) => finish(&app, &finished),
        EndOutcome::Refused(r) => Err(refusal(r, &headers)),
    }
}

/// The page that explains a refused step: in the session's language and
/// frame, or, without a session, in the browser's language.
fn refusal(r: Refusal, headers: &HeaderMap) -> PageError {
    match r {
        Refusal::NotFound => PageError::Flow {
            error: FlowError::NotFound,
            locale: i18n::negotiate(
                None,
                headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
            ),
            policy: Box::default(),
        },
        Refusal::Flow(session, e) => PageError::flow(&session, e),
        Refusal::InvalidForm(session) => {
            PageError::session(&session, StatusCode::BAD_REQUEST, "error-invalid-form")
        }
    }
}
