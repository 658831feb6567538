//! Where integrators get API tokens: the product's `POST /api/1.0/auth`, the
//! OAuth2 token endpoint, and its RFC 8414 metadata. The rules live in
//! `oauth2::token`; this is extraction, the store, and the wire format.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use rand::rngs::OsRng;

use super::api::ApiError;
use super::error::{Fault, FaultContext, SurfaceError};
use super::AppState;

use crate::flow::TOKEN_TTL;
use crate::oauth2::error::repeated_description;
use crate::oauth2::params::Params;
use crate::oauth2::scope::Scope;
use crate::oauth2::token::{TokenError, TokenErrorCode};
use crate::service::{self, token::TokenOutcome, token::TokenRequest};
use crate::store::StoreError;

/// What the token endpoint answers when it issues no token: an RFC 6749
/// §5.2 error, or a server fault (`server_error` with only the request
/// ID; the detail goes to the log).
#[derive(Debug)]
pub(crate) enum TokenEndpointError {
    Refused(TokenError),
    Fault(String),
}

impl From<TokenError> for TokenEndpointError {
    fn from(e: TokenError) -> Self {
        TokenEndpointError::Refused(e)
    }
}

impl From<StoreError> for TokenEndpointError {
    fn from(e: StoreError) -> Self {
        TokenEndpointError::Fault(format!("store: {e}"))
    }
}

impl IntoResponse for TokenEndpointError {
    fn into_response(self) -> Response {
        match self {
            TokenEndpointError::Refused(e) => token_error(&e),
            TokenEndpointError::Fault(detail) => Fault::response::<Self>(detail),
        }
    }
}

impl SurfaceError for TokenEndpointError {
    fn fault(detail: String) -> Self {
        TokenEndpointError::Fault(detail)
    }

    fn show_fault(cx: &FaultContext) -> Response {
        token_error(&TokenError::new(
            TokenErrorCode::ServerError,
            cx.reference(),
        ))
    }
}

/// `POST /oauth/token` (RFC 6749 §3.2): `client_credentials` and
/// `authorization_code`; every answer is `no-store`.
pub(super) async fn oauth_token(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TokenEndpointError> {
    let params = token_params(&headers, &body)?;
    // No parameter read here is repeated (token_params), so `get` cannot
    // fail from here on.
    let get = |name: &str| params.get(name).ok().flatten();
    let req = TokenRequest {
        grant_type: get("grant_type"),
        code: get("code"),
        redirect_uri: get("redirect_uri"),
        code_verifier: get("code_verifier"),
        client_id: get("client_id"),
        client_secret: get("client_secret"),
        scope: get("scope"),
        authorization: headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()),
    };
    let now = app.clock.now();
    match service::token::token(app.store.as_ref(), &app.key, &req, now, &mut OsRng).await? {
        TokenOutcome::Issued(body) => Ok(no_store((StatusCode::OK, Json(body)).into_response())),
        TokenOutcome::Refused(e) => Err(e.into()),
    }
}

/// The parameters the token endpoint reads; any other is ignored, repeated
/// or not (RFC 6749 §3.2).
const TOKEN_PARAMETERS: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "client_id",
    "client_secret",
    "scope",
];

/// A token request's form body, none of its parameters repeated.
fn token_params(headers: &HeaderMap, body: &[u8]) -> Result<Params, TokenError> {
    form_params(headers, body, TOKEN_PARAMETERS)
}

/// A form body's parameters, none of `read` repeated.
pub(super) fn form_params(
    headers: &HeaderMap,
    body: &[u8],
    read: &[&str],
) -> Result<Params, TokenError> {
    let invalid = |d: &str| TokenError::new(TokenErrorCode::InvalidRequest, d);
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form {
        return Err(invalid(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let Ok(body) = std::str::from_utf8(body) else {
        return Err(invalid("the body is not UTF-8"));
    };
    let params = Params::parse(body);
    if let Some(name) = params.first_repeated(read) {
        return Err(invalid(&repeated_description(name)));
    }
    Ok(params)
}

/// An RFC 6749 §5.2 error response (also used for `server_error`).
pub(super) fn token_error(e: &TokenError) -> Response {
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut res = (
        status,
        Json(json!({ "error": e.code.as_str(), "error_description": e.description })),
    )
        .into_response();
    if e.code == TokenErrorCode::InvalidClient {
        res.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"consent-link\""),
        );
    }
    no_store(res)
}

pub(super) fn no_store(mut res: Response) -> Response {
    let headers = res.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

/// `POST /api/1.0/auth` with headers `Client-ID` and `Secret-Key`: the
/// product's way to the same client token as `client_credentials`.
pub(super) async fn product_auth(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(client_id), Some(secret)) = (header("client-id"), header("secret-key")) else {
        return Err(ApiError::bad_request(
            "headers Client-ID and Secret-Key are required",
        ));
    };
    let row = app.store.get_client(client_id).await?;
    let auth = crate::oauth2::token::ClientAuth {
        client_id: client_id.to_owned(),
        secret: Some(secret.to_owned()),
    };
    let known = row.as_ref().is_some_and(|r| r.client.confidential);
    let store = app.store.as_ref();
    let checked =
        service::token::authenticate_client(store, &app.key, &auth, row.as_ref(), known, known);
    if checked.await?.is_err() {
        return Err(ApiError::wrong_client_secret());
    }
    let now = app.clock.now();
    let token =
        service::token::client_token(app.store.as_ref(), client_id, None, now, &mut OsRng).await?;
    // The product's own format (its docs): `MM-DD-YYYY HH:MM`, in UTC.
    let expire_at = (now + TOKEN_TTL)
        .to_datetime()
        .map(|t| t.format("%m-%d-%Y %H:%M").to_string())
        .ok_or_else(|| ApiError::fault("token expiry out of range"))?;
    Ok(no_store(
        Json(json!({ "token": token, "expire_at": expire_at })).into_response(),
    ))
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
pub(super) async fn metadata(State(app): State<AppState>) -> Response {
    let issuer = &app.issuer;
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint": format!("{issuer}/oauth/introspect"),
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": Scope::ALL.map(Scope::as_str),
        "authorization_response_iss_parameter_supported": true,
        "ui_locales_supported": crate::i18n::supported(),
    }))
    .into_response()
}
