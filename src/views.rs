//! One askama view per page. Every string comes from the locale files
//! through `page.t(..)`; askama escapes everything it prints.

use askama::Template;

use crate::i18n::Tr;
use crate::oauth2::scope::Scope;

/// What every page shares.
pub(crate) struct PageCtx {
    pub tr: Tr,
    /// The integrator's theme as we serve it (`/s/<sid>/theme.css`: the
    /// checked custom properties of its `styles_uri`), loaded after ours.
    pub theme_css: Option<String>,
    /// In iframe mode: the messages the external script posts to the parent.
    pub frame: Option<FrameMessages>,
    /// The progress line's locale key.
    pub progress: Option<&'static str>,
}

pub(crate) struct FrameMessages {
    /// The only origin messages are posted to: the validated callback's.
    pub origin: String,
    /// A JSON array of message objects; each is stringified when posted.
    pub messages: String,
}

impl PageCtx {
    pub(crate) fn plain(tr: Tr) -> PageCtx {
        PageCtx {
            tr,
            theme_css: None,
            frame: None,
            progress: None,
        }
    }

    pub(crate) fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    pub(crate) fn t1(&self, key: &str, name: &'static str, value: &str) -> String {
        self.tr.t1(key, name, value)
    }

    pub(crate) fn lang(&self) -> &str {
        self.tr.code()
    }
}

pub(crate) struct MethodOption {
    pub id: String,
    pub label: String,
    pub hint: String,
    /// Where the method's logo is served, if it has one.
    pub logo: Option<String>,
}

#[derive(Template)]
#[template(path = "method.html")]
pub(crate) struct MethodPage {
    pub page: PageCtx,
    pub client_name: String,
    pub action: String,
    pub cancel_action: String,
    pub csrf: String,
    pub methods: Vec<MethodOption>,
}

pub(crate) struct PersonOption {
    pub key: &'static str,
    pub name: &'static str,
    pub description: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "test_bankid.html")]
pub(crate) struct TestBankIdPage {
    pub page: PageCtx,
    pub action: String,
    pub cancel_action: String,
    pub csrf: String,
    pub persons: Vec<PersonOption>,
}

pub(crate) struct ScopeLine {
    pub title: String,
    pub description: String,
    /// What the scope covers item by item (the organisations whose tax
    /// documents `tax_data_pdf` reads), each a line of its own.
    pub details: Vec<String>,
}

impl ScopeLine {
    pub(crate) fn new(tr: &Tr, scope: Scope) -> ScopeLine {
        let key = format!("scope-{}", scope.as_str().replace('_', "-"));
        ScopeLine {
            title: tr.t(&key),
            description: tr.t(&format!("{key}-desc")),
            details: Vec::new(),
        }
    }

    /// `tax_data_pdf` for a request naming `entities`: the end user sees
    /// each organisation number whose documents are read, not a summary.
    pub(crate) fn tax_documents(tr: &Tr, entities: &[String]) -> ScopeLine {
        let mut line = ScopeLine::new(tr, Scope::TaxDataPdf);
        if !entities.is_empty() {
            line.description = tr.t("scope-tax-data-pdf-desc-entities");
            line.details = entities
                .iter()
                .map(|number| tr.t1("consent-tax-entity", "number", &spaced(number)))
                .collect();
        }
        line
    }
}

/// An organisation number as it is written for people: `923 609 016`.
fn spaced(number: &str) -> String {
    let mut out = String::with_capacity(number.len() + 2);
    for (i, c) in number.chars().enumerate() {
        if i > 0 && i % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Sign-in at a configured provider: a button that goes there (in iframe
/// mode, in a new window, while this page waits for the sign-in).
#[derive(Template)]
#[template(path = "upstream.html")]
pub(crate) struct UpstreamPage {
    pub page: PageCtx,
    pub title: String,
    pub intro: String,
    pub open_label: String,
    pub action: String,
    pub cancel_action: String,
    pub csrf: String,
    pub new_window: bool,
    pub status_url: String,
    pub continue_href: String,
}

/// The last page of the sign-in window (iframe mode).
#[derive(Template)]
#[template(path = "popup.html")]
pub(crate) struct PopupPage {
    pub page: PageCtx,
    pub title: String,
    pub message: String,
    /// After a sign-in: the session's new path, handed to the Link frame
    /// that opened this window.
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub(crate) struct ConsentPage {
    pub page: PageCtx,
    pub client_name: String,
    pub action: String,
    pub csrf: String,
    pub scopes: Vec<ScopeLine>,
}

/// The last page in iframe mode: the script posts the result; without
/// script, a link takes the whole window to the callback.
#[derive(Template)]
#[template(path = "result.html")]
pub(crate) struct ResultPage {
    pub page: PageCtx,
    pub title: String,
    pub message: String,
    pub continue_label: String,
    pub continue_href: String,
    /// Show the link to the callback even with script (a page that
    /// explains a failure before the end user returns).
    pub always_continue: bool,
    /// After consent: where the person downloads the consent receipt.
    pub receipt_href: Option<String>,
    pub receipt_label: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub page: PageCtx,
    pub title: String,
    pub message: String,
    pub request_id: Option<String>,
}

#[derive(Template)]
#[template(path = "demo.html")]
pub(crate) struct DemoPage {
    pub page: PageCtx,
    pub redirect_en: String,
    pub redirect_nb: String,
    pub oauth: String,
    /// The iframe flow, started by the SDK (`/static/link.js`).
    pub client_id: &'static str,
    pub scope: &'static str,
    pub callback_uri: String,
    /// The iframe flow's `state`: ties its result to this browser.
    pub state: String,
}

#[derive(Template)]
#[template(path = "demo_callback.html")]
pub(crate) struct DemoCallbackPage {
    pub page: PageCtx,
    /// The `state` is not one this browser's demo page gave out: no data
    /// is read.
    pub not_this_browser: bool,
    pub params: Vec<(String, String)>,
    /// The demo server's calls to the API: method and path, and status.
    pub calls: Vec<(String, u16)>,
    /// What the last call answered, pretty-printed JSON.
    pub data: Option<String>,
    /// The first things a lender reads off the data, in the page's
    /// language: label and value.
    pub summary: Vec<(String, String)>,
}
