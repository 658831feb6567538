//! Evaluates an authorization request. Until `client_id` and the callback are
//! validated, every error is shown on a page and nothing is redirected
//! (RFC 6749 §4.1.2.1); after that, errors go back to the callback.

use url::Url;

use super::client::Client;
use super::error::{quoted, repeated_description, ErrorCode, OAuthError};
use super::params::{parse_flag, Params, Repeated};
use super::pkce::CodeChallenge;
use super::scope::{ScopeError, Scopes};

/// Longest `state` echoed back, in bytes (SPEC.md).
pub const MAX_STATE_BYTES: usize = 512;

/// Which entry point a request came through; it decides the result format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `/` and `/link`: the product-compatible entry; `code` is the user ID.
    Link,
    /// `/oauth/authorize`: RFC 6749; `code` is an authorization code.
    OAuth2,
}

impl Entry {
    pub fn as_str(self) -> &'static str {
        match self {
            Entry::Link => "link",
            Entry::OAuth2 => "oauth2",
        }
    }

    pub fn parse(s: &str) -> Option<Entry> {
        match s {
            "link" => Some(Entry::Link),
            "oauth2" => Some(Entry::OAuth2),
            _ => None,
        }
    }
}

/// Where and how a result goes back to the integrator. Known only once the
/// client and its callback are validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub entry: Entry,
    pub callback: Url,
    /// Whether the callback was given in the request (RFC 6749 §4.1.3 then
    /// requires it again at the token endpoint).
    pub callback_given: bool,
    pub iframe: bool,
    pub state: Option<String>,
    /// A test flow (the client is a test client): results say so.
    pub test: bool,
}

/// Errors shown to the end user on a page, never redirected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageError {
    MissingClientId,
    UnknownClient,
    /// `client_id` or the callback given twice, or both callback names given
    /// with different values.
    AmbiguousParameter(String),
    CallbackMismatch,
    /// The client has several callbacks and the request named none.
    CallbackRequired,
}

impl PageError {
    /// The locale message key that explains this error to the end user.
    pub fn message_key(&self) -> &'static str {
        match self {
            PageError::MissingClientId | PageError::UnknownClient => "error-unknown-client",
            PageError::AmbiguousParameter(_) => "error-ambiguous-parameter",
            PageError::CallbackMismatch | PageError::CallbackRequired => "error-callback",
        }
    }
}

/// A request that was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    Page(PageError),
    Deliver(Box<Delivery>, OAuthError),
}

/// The parameters the entries read; any other is ignored, repeated or not
/// (RFC 6749 §3.1).
pub const AUTHORIZE_PARAMETERS: &[&str] = &[
    "client_id",
    "scope",
    "callback_uri",
    "redirect_uri",
    "state",
    "locale",
    "iframe",
    "test",
    "styles_uri",
    "response_type",
    "code_challenge",
    "code_challenge_method",
    "tax_entities",
];

/// A valid authorization request, ready to become a link session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationRequest {
    pub delivery: Delivery,
    pub scopes: Scopes,
    /// The `locale` parameter, when it names a supported language.
    pub locale: Option<String>,
    pub styles_uri: Option<Url>,
    pub code_challenge: Option<CodeChallenge>,
    /// Organisation numbers for `tax_data_pdf`; empty without that scope.
    pub tax_entities: Vec<String>,
}

/// The `client_id` of a request, or the page error for its absence.
pub fn client_id(params: &Params) -> Result<&str, PageError> {
    params
        .get("client_id")
        .map_err(|Repeated(name)| PageError::AmbiguousParameter(name))?
        .ok_or(PageError::MissingClientId)
}

/// Evaluates a request for `client`, which the caller looked up by
/// [`client_id`]. `supported_locales` are the languages this deployment speaks.
pub fn evaluate(
    entry: Entry,
    params: &Params,
    client: &Client,
    supported_locales: &[&str],
) -> Result<AuthorizationRequest, Rejection> {
    let callback = validate_callback(entry, params, client).map_err(Rejection::Page)?;
    let (callback, callback_given) = callback;

    // The delivery is settled first, so that every later error carries `state`.
    let (state, state_problem) = state_param(params);
    let (iframe, iframe_problem) = iframe_param(params);
    let delivery = Delivery {
        entry,
        callback,
        callback_given,
        iframe,
        state,
        // A client is a test client or a production client; the request
        // cannot turn one into the other.
        test: client.test_allowed,
    };
    if let Some(error) = state_problem.or(iframe_problem) {
        return Err(Rejection::Deliver(Box::new(delivery), error));
    }
    match evaluate_rest(entry, params, client, supported_locales) {
        Ok(rest) => Ok(AuthorizationRequest {
            delivery,
            scopes: rest.scopes,
            locale: rest.locale,
            styles_uri: rest.styles_uri,
            code_challenge: rest.code_challenge,
            tax_entities: rest.tax_entities,
        }),
        Err(error) => Err(Rejection::Deliver(Box::new(delivery), error)),
    }
}

/// The `state` to deliver with (none when it is not usable), and what is
/// wrong with it.
fn state_param(params: &Params) -> (Option<String>, Option<OAuthError>) {
    match params.get("state") {
        Ok(Some(s)) if s.len() > MAX_STATE_BYTES => (
            None,
            Some(OAuthError::invalid_request(format!(
                "state is longer than {MAX_STATE_BYTES} bytes"
            ))),
        ),
        Ok(s) => (s.map(str::to_owned), None),
        Err(Repeated(name)) => (None, Some(repeated(&name))),
    }
}

/// Whether to deliver in iframe mode (not when `iframe` is not usable),
/// and what is wrong with it.
fn iframe_param(params: &Params) -> (bool, Option<OAuthError>) {
    match params.get("iframe").map(parse_flag) {
        Ok(Some(flag)) => (flag, None),
        Ok(None) => (
            false,
            Some(OAuthError::invalid_request(
                "iframe must be true, 1, false or 0",
            )),
        ),
        Err(Repeated(name)) => (false, Some(repeated(&name))),
    }
}

struct Rest {
    scopes: Scopes,
    locale: Option<String>,
    styles_uri: Option<Url>,
    code_challenge: Option<CodeChallenge>,
    tax_entities: Vec<String>,
}

/// Everything of the request besides its delivery.
fn evaluate_rest(
    entry: Entry,
    params: &Params,
    client: &Client,
    supported_locales: &[&str],
) -> Result<Rest, OAuthError> {
    if let Some(name) = params.first_repeated(AUTHORIZE_PARAMETERS) {
        return Err(repeated(name));
    }
    if entry == Entry::OAuth2 {
        check_response_type(params)?;
    }
    let scopes = requested_scopes(params, client)?;
    check_test_mode(params, client)?;
    let styles_uri = param(params, "styles_uri")?
        .map(|s| validate_styles_uri(s, client))
        .transpose()?;
    let code_challenge = match entry {
        Entry::OAuth2 => code_challenge(params, client)?,
        Entry::Link => None,
    };
    let locale = param(params, "locale")?
        .filter(|l| supported_locales.contains(l))
        .map(str::to_owned);
    let tax_entities = tax_entities(params, &scopes)?;
    Ok(Rest {
        scopes,
        locale,
        styles_uri,
        code_challenge,
        tax_entities,
    })
}

/// A parameter of the request; a repeated one is an error.
fn param<'p>(params: &'p Params, name: &str) -> Result<Option<&'p str>, OAuthError> {
    params.get(name).map_err(|Repeated(name)| repeated(&name))
}

/// The OAuth2 entry speaks only `response_type=code` (or none).
fn check_response_type(params: &Params) -> Result<(), OAuthError> {
    match param(params, "response_type")? {
        None | Some("code") => Ok(()),
        Some(other) => Err(OAuthError::new(
            ErrorCode::UnsupportedResponseType,
            format!(
                "response_type {} is not supported; use 'code'",
                quoted(other)
            ),
        )),
    }
}

/// The scopes asked for: at least one, each allowed for the client.
fn requested_scopes(params: &Params, client: &Client) -> Result<Scopes, OAuthError> {
    let scopes = match param(params, "scope")? {
        None => Err(ScopeError::Empty),
        Some(s) => Scopes::parse(s),
    }
    .map_err(|e| OAuthError::new(ErrorCode::InvalidScope, e.to_string()))?;
    if let Some(missing) = scopes.first_missing_from(&client.allowed_scopes) {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("scope '{missing}' is not allowed for this client"),
        ));
    }
    Ok(scopes)
}

/// `test` is a flag, and test mode only for test clients.
fn check_test_mode(params: &Params, client: &Client) -> Result<(), OAuthError> {
    let test = parse_flag(param(params, "test")?)
        .ok_or_else(|| OAuthError::invalid_request("test must be true, 1, false or 0"))?;
    if test && !client.test_allowed {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "test mode is only for test clients; this is a production client",
        ));
    }
    Ok(())
}

/// The OAuth2 entry's PKCE challenge, which a public client must give.
fn code_challenge(params: &Params, client: &Client) -> Result<Option<CodeChallenge>, OAuthError> {
    let challenge = CodeChallenge::from_params(
        param(params, "code_challenge")?,
        param(params, "code_challenge_method")?,
    )
    .map_err(|e| OAuthError::invalid_request(e.to_string()))?;
    if challenge.is_none() && !client.confidential {
        return Err(OAuthError::invalid_request(
            "public clients must use PKCE (code_challenge)",
        ));
    }
    Ok(challenge)
}

/// `tax_entities`: checked whenever given; kept only for the scope it is
/// for.
fn tax_entities(params: &Params, scopes: &Scopes) -> Result<Vec<String>, OAuthError> {
    let tax_entities = super::tax_entities::parse(param(params, "tax_entities")?.unwrap_or(""))
        .map_err(OAuthError::invalid_request)?;
    if scopes.contains(super::scope::Scope::TaxDataPdf) {
        Ok(tax_entities)
    } else {
        Ok(Vec::new())
    }
}

fn repeated(name: &str) -> OAuthError {
    OAuthError::invalid_request(repeated_description(name))
}

/// The callback to deliver to, and whether the request named it.
fn validate_callback(
    entry: Entry,
    params: &Params,
    client: &Client,
) -> Result<(Url, bool), PageError> {
    let ambiguous = |Repeated(name)| PageError::AmbiguousParameter(name);
    let callback_uri = params.get("callback_uri").map_err(ambiguous)?;
    let redirect_uri = params.get("redirect_uri").map_err(ambiguous)?;
    let given = match (entry, redirect_uri, callback_uri) {
        (_, Some(r), Some(c)) if r != c => {
            return Err(PageError::AmbiguousParameter("redirect_uri".into()))
        }
        (_, Some(uri), _) | (_, None, Some(uri)) => Some(uri),
        (_, None, None) => None,
    };
    let chosen = match given {
        Some(uri) => client
            .callback_uris
            .iter()
            .find(|registered| registered.as_str() == uri)
            .ok_or(PageError::CallbackMismatch)?,
        None => match client.callback_uris.as_slice() {
            [only] => only,
            _ => return Err(PageError::CallbackRequired),
        },
    };
    // Registered callbacks are validated absolute URLs; one that no longer
    // parses is treated as a mismatch rather than trusted.
    let url = Url::parse(chosen).map_err(|_| PageError::CallbackMismatch)?;
    Ok((url, given.is_some()))
}

fn validate_styles_uri(s: &str, client: &Client) -> Result<Url, OAuthError> {
    let bad = |why: &str| OAuthError::invalid_request(format!("styles_uri {why}"));
    let url = Url::parse(s).map_err(|_| bad("is not an absolute URL"))?;
    if !crate::net::secure_or_loopback(&url) {
        return Err(bad("must use https (http only on loopback hosts)"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    let origin = url.origin().ascii_serialization();
    if !client.styles_origins.iter().any(|o| o == &origin) {
        return Err(bad("is not from an origin registered for this client"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests;
