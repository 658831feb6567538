//! The steps of a link session and the rules between them. Pure: the store
//! makes each transition atomic; this module says which ones are allowed and
//! why a refused one was refused.

use std::time::Duration;

use crate::oauth2::authorize::Delivery;
use crate::oauth2::pkce::CodeChallenge;
use crate::oauth2::scope::Scopes;
use crate::time::UnixTime;
use url::Url;

/// How long a link session lives by default.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(30 * 60);
pub use crate::oauth2::code::CODE_TTL;
/// How long an API token (client or code-exchanged) lives.
pub const TOKEN_TTL: Duration = Duration::from_secs(60 * 60);

/// Where an end user is in the flow. Only forward moves are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Started,
    MethodSelected,
    Authenticated,
    /// Sign-in at a provider failed or was cancelled; the next view of the
    /// session page delivers that error (in iframe mode the sign-in window
    /// cannot reach the integrator itself).
    Failed,
    Completed,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Started => "started",
            Step::MethodSelected => "method_selected",
            Step::Authenticated => "authenticated",
            Step::Failed => "failed",
            Step::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        [
            Step::Started,
            Step::MethodSelected,
            Step::Authenticated,
            Step::Failed,
            Step::Completed,
        ]
        .into_iter()
        .find(|step| step.as_str() == s)
    }
}

/// A move of a link session: the only way a session changes step, each
/// applied by one guarded write that checks [`Transition::from`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The end user picked an authentication method.
    SelectMethod,
    /// The end user signed in (at the test BankID, or at a provider, whose
    /// callback the server takes).
    Authenticate,
    /// The sign-in at a provider failed or was cancelled there: a move the
    /// server makes on its own.
    FailSignIn,
    /// The end user decided at consent (accepted or declined).
    Complete,
    /// The end user cancelled, at any open step.
    Cancel,
}

impl Transition {
    /// The step the session must be at; `None`: any open step (not
    /// `failed`, whose failure is delivered as what it was).
    pub fn from(self) -> Option<Step> {
        match self {
            Transition::SelectMethod => Some(Step::Started),
            Transition::Authenticate | Transition::FailSignIn => Some(Step::MethodSelected),
            Transition::Complete => Some(Step::Authenticated),
            Transition::Cancel => None,
        }
    }

    pub fn to(self) -> Step {
        match self {
            Transition::SelectMethod => Step::MethodSelected,
            Transition::Authenticate => Step::Authenticated,
            Transition::FailSignIn => Step::Failed,
            Transition::Complete | Transition::Cancel => Step::Completed,
        }
    }
}

/// The built-in test method; the others are configured ([`crate::methods`]).
pub const TEST_BANKID: &str = "test_bankid";

/// A link session as the handlers see it.
#[derive(Clone, Debug)]
pub struct LinkSession {
    pub id_hash: String,
    pub csrf_hash: String,
    pub client_id: String,
    pub client_name: String,
    pub delivery: Delivery,
    pub scopes: Scopes,
    pub locale: String,
    pub styles_uri: Option<Url>,
    pub code_challenge: Option<CodeChallenge>,
    pub step: Step,
    pub method: Option<String>,
    pub subject_hash: Option<String>,
    pub test_person: Option<String>,
    /// At [`Step::Failed`]: the RFC 6749 error code to deliver.
    pub error: Option<String>,
    pub expires_at: UnixTime,
    /// Organisation numbers whose tax documents `tax_data_pdf` covers.
    pub tax_entities: Vec<String>,
}

/// Why a step was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowError {
    NotFound,
    Expired,
    BadCsrf,
    /// A step submitted before the steps that must come first.
    OutOfOrder,
    /// The session already delivered its result.
    AlreadyCompleted,
    /// The session got a new ID when the end user signed in; this one (the
    /// ID it had before) reaches nothing any more.
    Moved,
}

impl FlowError {
    pub fn status(self) -> u16 {
        match self {
            FlowError::NotFound => 404,
            FlowError::Expired => 410,
            FlowError::BadCsrf => 403,
            FlowError::OutOfOrder | FlowError::AlreadyCompleted | FlowError::Moved => 409,
        }
    }

    pub fn message_key(self) -> &'static str {
        match self {
            FlowError::NotFound => "error-session-not-found",
            FlowError::Expired => "error-session-expired",
            FlowError::BadCsrf => "error-csrf",
            FlowError::OutOfOrder => "error-out-of-order",
            FlowError::AlreadyCompleted => "error-already-completed",
            FlowError::Moved => "error-session-moved",
        }
    }
}

/// Whether a session may be viewed at all.
pub fn check_viewable(session: &LinkSession, now: UnixTime) -> Result<(), FlowError> {
    if session.step == Step::Completed {
        return Err(FlowError::AlreadyCompleted);
    }
    if now >= session.expires_at {
        return Err(FlowError::Expired);
    }
    Ok(())
}

/// Why a transition from `expected` (or, for `None`, from any open step)
/// was refused, given the session as stored. `Ok` means it should have
/// been allowed, so a store that refused it lost a race.
pub fn diagnose(
    session: &LinkSession,
    csrf_hash: &str,
    expected: Option<Step>,
    now: UnixTime,
) -> Result<(), FlowError> {
    check_viewable(session, now)?;
    if !crate::crypto::constant_time_eq(session.csrf_hash.as_bytes(), csrf_hash.as_bytes()) {
        return Err(FlowError::BadCsrf);
    }
    match expected {
        Some(step) if step != session.step => Err(FlowError::OutOfOrder),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth2::authorize::Entry;

    const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);
    const TEN_SECS: Duration = Duration::from_secs(10);

    fn session(step: Step) -> LinkSession {
        LinkSession {
            id_hash: "h".into(),
            csrf_hash: "c".into(),
            client_id: "acme".into(),
            client_name: "Acme".into(),
            delivery: Delivery {
                entry: Entry::Link,
                callback: Url::parse("https://acme.example/cb").unwrap(),
                callback_given: false,
                iframe: false,
                state: None,
                test: true,
            },
            scopes: Scopes::parse("info").unwrap(),
            locale: "en".into(),
            styles_uri: None,
            code_challenge: None,
            step,
            method: None,
            subject_hash: None,
            test_person: None,
            error: None,
            expires_at: NOW + TEN_SECS,
            tax_entities: Vec::new(),
        }
    }

    #[test]
    fn consent_before_authentication_is_out_of_order() {
        let s = session(Step::Started);
        assert_eq!(
            diagnose(&s, "c", Some(Step::Authenticated), NOW),
            Err(FlowError::OutOfOrder)
        );
    }

    #[test]
    fn expiry_wins_over_everything_but_completion() {
        let s = session(Step::Authenticated);
        assert_eq!(
            diagnose(&s, "x", Some(Step::Authenticated), NOW + TEN_SECS),
            Err(FlowError::Expired)
        );
        assert_eq!(
            diagnose(&session(Step::Completed), "c", None, NOW + TEN_SECS),
            Err(FlowError::AlreadyCompleted)
        );
    }

    #[test]
    fn transitions_move_only_forward_and_end_in_a_final_step() {
        use Transition::*;
        for t in [SelectMethod, Authenticate, FailSignIn, Complete, Cancel] {
            let from = t.from();
            assert_ne!(from, Some(Step::Completed), "{t:?}");
            assert_ne!(from, Some(Step::Failed), "{t:?}: failed is final");
            assert_ne!(from, Some(t.to()), "{t:?} stays put");
        }
        assert_eq!(Cancel.from(), None);
        assert_eq!(FailSignIn.to(), Step::Failed);
    }

    #[test]
    fn wrong_csrf_is_refused() {
        assert_eq!(
            diagnose(&session(Step::Started), "x", None, NOW),
            Err(FlowError::BadCsrf)
        );
        assert_eq!(diagnose(&session(Step::Started), "c", None, NOW), Ok(()));
    }
}
