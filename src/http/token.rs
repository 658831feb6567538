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

use super::api::ApiError;
use super::{AppError, AppState};
use crate::crypto;
use crate::flow::TOKEN_TTL_SECS;
use crate::oauth2::error::repeated_description;
use crate::oauth2::params::Params;
use crate::oauth2::pkce::CodeChallenge;
use crate::oauth2::scope::{Scope, Scopes};
use crate::oauth2::token::{
    authenticate, check_code, client_auth, StoredCode, TokenError, TokenErrorCode,
};
use crate::store::{AccessTokenRow, ClientRow, Redemption};

/// `POST /oauth/token` (RFC 6749 §3.2): `client_credentials` and
/// `authorization_code`; every answer is `no-store`.
pub async fn oauth_token(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    Ok(match exchange(&app, &headers, &body).await? {
        Ok(body) => no_store((StatusCode::OK, Json(body)).into_response()),
        Err(e) => token_error(&e),
    })
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

async fn exchange(
    app: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Result<serde_json::Value, TokenError>, AppError> {
    let invalid = |d: &str| Err(TokenError::new(TokenErrorCode::InvalidRequest, d));
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form {
        return Ok(invalid(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let Ok(body) = std::str::from_utf8(body) else {
        return Ok(invalid("the body is not UTF-8"));
    };
    let params = Params::parse(body);
    if let Some(name) = params.first_repeated(TOKEN_PARAMETERS) {
        return Ok(invalid(&repeated_description(name)));
    }
    // No parameter read here is repeated, so `get` cannot fail from here on.
    let get = |name: &str| params.get(name).ok().flatten();
    let Some(grant_type) = get("grant_type") else {
        return Ok(invalid("grant_type is required"));
    };
    if !matches!(grant_type, "client_credentials" | "authorization_code") {
        return Ok(Err(TokenError::new(
            TokenErrorCode::UnsupportedGrantType,
            "grant_type must be authorization_code or client_credentials",
        )));
    }
    let authorization = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let auth = match client_auth(authorization, get("client_id"), get("client_secret")) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e)),
    };
    let row = app.store.get_client(&auth.client_id).await?;
    if let Err(e) = authenticate(
        &auth,
        row.as_ref().and_then(|r| r.secret_hash.as_deref()),
        row.is_some(),
        row.as_ref().is_some_and(|r| r.confidential),
    ) {
        return Ok(Err(e));
    }
    let Some(row) = row else {
        return Err(AppError::Internal("authenticated an unknown client".into()));
    };
    let now = app.clock.now();
    if grant_type == "client_credentials" {
        return client_credentials(app, &row, get("scope"), now).await;
    }
    let Some(code) = get("code") else {
        return Ok(invalid("code is required"));
    };
    let code_hash = crypto::hash_token(code);
    let Some(stored) = app.store.get_authorization_code(&code_hash).await? else {
        return Ok(Err(TokenError::new(
            TokenErrorCode::InvalidGrant,
            "unknown authorization code",
        )));
    };
    if stored.used_at.is_some() && stored.client_id == row.id {
        // RFC 6749 §4.1.2: a code presented twice revokes what it issued.
        app.store.revoke_tokens_of_code(&code_hash, now).await?;
    }
    let check = StoredCode {
        client_id: stored.client_id.clone(),
        redirect_uri: stored.redirect_uri.clone(),
        redirect_given: stored.redirect_given,
        challenge: stored
            .code_challenge
            .clone()
            .map(CodeChallenge::from_stored),
        expires_at: stored.expires_at,
        used: stored.used_at.is_some(),
    };
    if let Err(e) = check_code(
        &check,
        &row.id,
        get("redirect_uri"),
        get("code_verifier"),
        now,
    ) {
        return Ok(Err(e));
    }
    let (token, client_token) = mint(&row.id, now);
    let issued = AccessTokenRow {
        user_data_id: Some(stored.user_data_id.clone()),
        scopes: Some(stored.scopes.clone()),
        code_hash: Some(code_hash.clone()),
        ..client_token
    };
    match app
        .store
        .redeem_authorization_code(&code_hash, now, &issued)
        .await?
    {
        Redemption::Issued => {}
        Redemption::Refused => {
            return Ok(Err(TokenError::new(
                TokenErrorCode::InvalidGrant,
                "authorization code was already used",
            )))
        }
    }
    let scope = Scopes::parse(&stored.scopes)
        .map(|s| s.to_oauth_string())
        .map_err(|e| AppError::Internal(format!("stored code scopes: {e}")))?;
    Ok(Ok(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_SECS,
        "scope": scope,
        "user_data_id": stored.user_data_id,
    })))
}

/// A client token: reads any of this client's users, within each one's
/// consent. Only confidential clients get one (a public client cannot keep
/// a secret, so it could not keep this token either).
async fn client_credentials(
    app: &AppState,
    client: &ClientRow,
    scope: Option<&str>,
    now: i64,
) -> Result<Result<serde_json::Value, TokenError>, AppError> {
    if !client.confidential {
        return Ok(Err(TokenError::new(
            TokenErrorCode::UnauthorizedClient,
            "public clients may not use client_credentials",
        )));
    }
    let allowed = client.to_client()?.allowed_scopes;
    // A narrower scope asked for is what the token reads (RFC 6749 §3.3).
    let granted = match scope.map(Scopes::parse) {
        None => None,
        Some(Ok(asked)) if asked.is_subset(&allowed) => Some(asked),
        Some(_) => {
            return Ok(Err(TokenError::new(
                TokenErrorCode::InvalidScope,
                "scope must be a subset of the client's allowed scopes",
            )))
        }
    };
    let token = issue_client_token(app, &client.id, granted.as_ref(), now).await?;
    Ok(Ok(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_SECS,
        "scope": granted.as_ref().unwrap_or(&allowed).to_oauth_string(),
    })))
}

/// A fresh token and its row as a client token (no user, no scope limit);
/// a code exchange narrows the row to its user.
fn mint(client_id: &str, now: i64) -> (String, AccessTokenRow) {
    let token = crypto::random_token(&mut rand::thread_rng());
    let row = AccessTokenRow {
        token_hash: crypto::hash_token(&token),
        client_id: client_id.to_owned(),
        user_data_id: None,
        scopes: None,
        code_hash: None,
        created_at: now,
        expires_at: now + TOKEN_TTL_SECS,
        revoked_at: None,
    };
    (token, row)
}

/// A client token, limited to `scopes` when given.
async fn issue_client_token(
    app: &AppState,
    client_id: &str,
    scopes: Option<&Scopes>,
    now: i64,
) -> Result<String, AppError> {
    let (token, mut row) = mint(client_id, now);
    row.scopes = scopes.map(Scopes::to_oauth_string);
    app.store.insert_access_token(&row).await?;
    Ok(token)
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

fn no_store(mut res: Response) -> Response {
    let headers = res.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

/// `POST /api/1.0/auth` with headers `Client-ID` and `Secret-Key`: the
/// product's way to the same client token as `client_credentials`.
pub async fn product_auth(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(client_id), Some(secret)) = (header("client-id"), header("secret-key")) else {
        return Ok(ApiError::bad_request("headers Client-ID and Secret-Key are required").into());
    };
    let row = app.store.get_client(client_id).await?;
    let auth = crate::oauth2::token::ClientAuth {
        client_id: client_id.to_owned(),
        secret: Some(secret.to_owned()),
    };
    let known = row.as_ref().is_some_and(|r| r.confidential);
    if authenticate(
        &auth,
        row.as_ref().and_then(|r| r.secret_hash.as_deref()),
        known,
        known,
    )
    .is_err()
    {
        return Ok(ApiError::wrong_client_secret().into());
    }
    let now = app.clock.now();
    let token = issue_client_token(&app, client_id, None, now).await?;
    // The product's own format (its docs): `MM-DD-YYYY HH:MM`, in UTC.
    let expire_at = chrono::DateTime::from_timestamp(now + TOKEN_TTL_SECS, 0)
        .map(|t| t.format("%m-%d-%Y %H:%M").to_string())
        .ok_or_else(|| AppError::Internal("token expiry out of range".into()))?;
    Ok(no_store(
        Json(json!({ "token": token, "expire_at": expire_at })).into_response(),
    ))
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
pub async fn metadata(State(app): State<AppState>) -> Response {
    let issuer = &app.issuer;
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
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
