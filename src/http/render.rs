//! The link flow's pages: each step's page (what [`link::page`] says the
//! session shows) and the result, delivered to the integrator.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use super::pages::{render, PageError, PagePolicy};
use super::AppState;
use crate::flow::{FlowError, LinkSession, Step};
use crate::i18n::Tr;
use crate::methods::Method;
use crate::oauth2::authorize::Delivery;
use crate::oauth2::error::ErrorCode;
use crate::oauth2::result::{self, Outcome};
use crate::oauth2::scope::Scope;
use crate::service::link::{self, Finished, MethodChoice, SessionPage};
use crate::test_persons::TEST_PERSONS;
use crate::views::{
    ConsentPage, FrameMessages, MethodOption, MethodPage, PageCtx, PersonOption, ResultPage,
    ScopeLine, TestBankIdPage, UpstreamPage,
};

/// The address of the session page of `sid`.
pub(super) fn session_path(sid: &str) -> String {
    format!("/s/{sid}")
}

/// The page for the session's current step.
pub(super) fn render_step(
    app: &AppState,
    session: &LinkSession,
    sid: &str,
) -> Result<Response, PageError> {
    let page = page_ctx(session, sid);
    let mut policy = PagePolicy::for_session(session);
    if matches!(session.step, Step::Started | Step::MethodSelected) {
        // The method and sign-in forms redirect to the provider.
        policy.providers = app.upstream.form_sources().to_vec();
    }
    let form = StepForm {
        csrf: app.key.csrf_token(sid),
        sid,
        policy,
    };
    match link::page(&app.upstream, session) {
        SessionPage::ChooseMethod(methods) => method_page(form, page, session, methods),
        SessionPage::SignInAt(method) => upstream_page(form, page, session, &method),
        SessionPage::TestBankId => test_bankid_page(form, page),
        SessionPage::Consent => consent_page(form, page, session),
        SessionPage::MethodUnavailable => Err(PageError::session(
            session,
            StatusCode::SERVICE_UNAVAILABLE,
            "error-method-unavailable",
        )),
        SessionPage::Done => Err(PageError::flow(session, FlowError::AlreadyCompleted)),
    }
}

/// What every step's page has: the integrator's theme, the progress, and
/// in iframe mode the status messages for the embedding page.
fn page_ctx(session: &LinkSession, sid: &str) -> PageCtx {
    let statuses: &[&str] = match session.step {
        Step::Started => &["loaded"],
        Step::MethodSelected => &["method_selected"],
        Step::Authenticated => &["authenticated", "consent_shown"],
        Step::Failed | Step::Completed => &[],
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
    PageCtx {
        theme_css: session
            .styles_uri
            .as_ref()
            .map(|_| format!("/s/{sid}/theme.css")),
        frame: frame_messages(&session.delivery, messages),
        progress: Some(progress),
        tr: Tr::new(&session.locale),
    }
}

/// What every step's form needs.
struct StepForm<'a> {
    sid: &'a str,
    csrf: String,
    policy: PagePolicy,
}

impl StepForm<'_> {
    fn action(&self, step: &str) -> String {
        format!("/s/{}/{step}", self.sid)
    }
}

fn method_page(
    form: StepForm<'_>,
    page: PageCtx,
    session: &LinkSession,
    methods: Vec<MethodChoice>,
) -> Result<Response, PageError> {
    let tr = &page.tr;
    let methods = methods
        .into_iter()
        .map(|choice| match choice {
            MethodChoice::Configured(m) => MethodOption {
                label: m.name(tr.code()).to_owned(),
                hint: tr.t1("method-hint", "method", m.name(tr.code())),
                logo: m.logo.as_ref().map(|_| format!("/methods/{}/logo", m.id)),
                id: m.id.clone(),
            },
            MethodChoice::TestBankId => MethodOption {
                id: choice.id().to_owned(),
                label: tr.t("method-test-bankid"),
                hint: tr.t("method-test-bankid-hint"),
                logo: None,
            },
        })
        .collect();
    let view = MethodPage {
        client_name: session.client_name.clone(),
        action: form.action("method"),
        cancel_action: form.action("cancel"),
        csrf: form.csrf,
        methods,
        page,
    };
    render(StatusCode::OK, &view, &form.policy)
}

fn upstream_page(
    form: StepForm<'_>,
    page: PageCtx,
    session: &LinkSession,
    method: &Method,
) -> Result<Response, PageError> {
    let tr = &page.tr;
    let name = method.name(tr.code());
    let new_window = session.delivery.iframe;
    let (intro, open) = if new_window {
        ("upstream-intro-window", "upstream-open")
    } else {
        ("upstream-intro-redirect", "upstream-go")
    };
    let view = UpstreamPage {
        title: tr.t1("upstream-title", "method", name),
        intro: tr.t1(intro, "method", name),
        open_label: tr.t1(open, "method", name),
        action: form.action("upstream"),
        cancel_action: form.action("cancel"),
        status_url: form.action("status"),
        continue_href: session_path(form.sid),
        csrf: form.csrf,
        new_window,
        page,
    };
    render(StatusCode::OK, &view, &form.policy)
}

fn test_bankid_page(form: StepForm<'_>, page: PageCtx) -> Result<Response, PageError> {
    let tr = &page.tr;
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
        action: form.action("authenticate"),
        cancel_action: form.action("cancel"),
        csrf: form.csrf,
        persons,
        page,
    };
    render(StatusCode::OK, &view, &form.policy)
}

fn consent_page(
    form: StepForm<'_>,
    page: PageCtx,
    session: &LinkSession,
) -> Result<Response, PageError> {
    let scopes = session
        .scopes
        .iter()
        .map(|s| match s {
            Scope::TaxDataPdf => ScopeLine::tax_documents(&page.tr, &session.tax_entities),
            s => ScopeLine::new(&page.tr, s),
        })
        .collect();
    let view = ConsentPage {
        client_name: session.client_name.clone(),
        action: form.action("consent"),
        csrf: form.csrf,
        scopes,
        page,
    };
    render(StatusCode::OK, &view, &form.policy)
}

/// Delivers the end of a flow: a failed sign-in with a page that says
/// what happened, anything else as [`deliver`] does.
pub(super) fn finish(app: &AppState, finished: &Finished) -> Result<Response, PageError> {
    finish_with(app, finished, None)
}

/// [`finish`] for the consent step of session `sid`: a result page after
/// consent links the consent receipt, which only this browser can fetch.
pub(super) fn finish_consent(
    app: &AppState,
    finished: &Finished,
    sid: &str,
) -> Result<Response, PageError> {
    let receipt = matches!(finished.outcome, Outcome::Code(_)).then(|| receipt_path(sid));
    finish_with(app, finished, receipt.as_deref())
}

/// The address of the consent receipt of the session `sid`.
fn receipt_path(sid: &str) -> String {
    format!("/s/{sid}/receipt")
}

fn finish_with(
    app: &AppState,
    finished: &Finished,
    receipt: Option<&str>,
) -> Result<Response, PageError> {
    let session = &finished.session;
    let policy = PagePolicy::for_session(session);
    let (delivery, name, locale) = (&session.delivery, &session.client_name, &session.locale);
    if finished.explain {
        app.metrics.result(delivery.entry, &finished.outcome);
        result_page(
            app,
            delivery,
            &finished.outcome,
            name,
            locale,
            &policy,
            None,
        )
    } else {
        let outcome = &finished.outcome;
        deliver_with(app, delivery, outcome, name, locale, &policy, receipt)
    }
}

fn frame_messages(delivery: &Delivery, messages: Vec<Value>) -> Option<FrameMessages> {
    delivery.iframe.then(|| FrameMessages {
        origin: result::target_origin(delivery),
        messages: Value::Array(messages).to_string(),
    })
}

/// Sends `outcome` to the integrator: a 303 to the callback, or in iframe
/// mode a page whose script posts it to the callback's origin.
pub(super) fn deliver(
    app: &AppState,
    delivery: &Delivery,
    outcome: &Outcome,
    client_name: &str,
    locale: &str,
    policy: &PagePolicy,
) -> Result<Response, PageError> {
    deliver_with(app, delivery, outcome, client_name, locale, policy, None)
}

/// [`deliver`], linking the consent receipt at `receipt` on a result page.
fn deliver_with(
    app: &AppState,
    delivery: &Delivery,
    outcome: &Outcome,
    client_name: &str,
    locale: &str,
    policy: &PagePolicy,
    receipt: Option<&str>,
) -> Result<Response, PageError> {
    app.metrics.result(delivery.entry, outcome);
    if !delivery.iframe {
        let url = result::redirect_url(delivery, outcome, &app.issuer);
        return Ok(Redirect::to(url.as_str()).into_response());
    }
    result_page(app, delivery, outcome, client_name, locale, policy, receipt)
}

/// The result as a page. In iframe mode its script posts the result to the
/// integrator (a link does without script); otherwise it explains what
/// happened and links to the callback with the result.
fn result_page(
    app: &AppState,
    delivery: &Delivery,
    outcome: &Outcome,
    client_name: &str,
    locale: &str,
    policy: &PagePolicy,
    receipt: Option<&str>,
) -> Result<Response, PageError> {
    let url = result::redirect_url(delivery, outcome, &app.issuer);
    let tr = Tr::new(locale);
    let messages = vec![
        result::status_message(delivery, "completed"),
        result::message(delivery, outcome, &app.issuer),
    ];
    let (title, message) = match outcome {
        Outcome::Code(_) => ("result-done-title", "result-done"),
        Outcome::Error(e) if e.code == ErrorCode::AccessDenied => {
            ("result-error-title", "result-cancelled")
        }
        Outcome::Error(e) if e.code == ErrorCode::TemporarilyUnavailable => {
            ("result-unavailable-title", "result-unavailable")
        }
        Outcome::Error(_) => ("result-error-title", "result-failed"),
    };
    let view = ResultPage {
        continue_label: tr.t1("result-continue", "client", client_name),
        continue_href: url.to_string(),
        always_continue: !delivery.iframe,
        title: tr.t(title),
        message: tr.t1(message, "client", client_name),
        receipt_href: receipt.map(str::to_owned),
        receipt_label: tr.t("result-receipt"),
        page: PageCtx {
            tr,
            theme_css: None,
            frame: frame_messages(delivery, messages),
            progress: None,
        },
    };
    render(StatusCode::OK, &view, policy)
}
