//! `POST /oauth/revoke` (RFC 7009) and `POST /oauth/introspect` (RFC
//! 7662): form bodies and client authentication as at the token endpoint,
//! its error format, and `no-store` on every answer. The rules live in
//! `service::introspect`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::token::{form_params, no_store, TokenEndpointError};
use super::AppState;
use crate::service::introspect::{self, Introspection, Revocation, TokenQuery};
use crate::service::token::Credentials;

/// The parameters both endpoints read; any other is ignored.
const PARAMETERS: &[&str] = &["token", "token_type_hint", "client_id", "client_secret"];

/// `POST /oauth/revoke`: `200` with an empty body whenever the token is
/// unusable afterwards; RFC 6749 §5.2 errors otherwise.
pub(super) async fn revoke(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TokenEndpointError> {
    let params = form_params(&headers, &body, PARAMETERS)?;
    let query = query(&headers, &params);
    let now = app.clock.now();
    match introspect::revoke(app.store.as_ref(), &app.key, &query, now).await? {
        Revocation::Done => Ok(no_store(StatusCode::OK.into_response())),
        Revocation::Refused(e) => Err(e.into()),
    }
}

/// `POST /oauth/introspect`: the RFC 7662 §2.2 body.
pub(super) async fn introspect(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TokenEndpointError> {
    let params = form_params(&headers, &body, PARAMETERS)?;
    let query = query(&headers, &params);
    let now = app.clock.now();
    let store = app.store.as_ref();
    match introspect::introspect(store, &app.key, &query, now, &app.issuer).await? {
        Introspection::Answer(body) => Ok(no_store(Json(body).into_response())),
        Introspection::Refused(e) => Err(e.into()),
    }
}

/// The request's token and client credentials. No parameter read here is
/// repeated ([`form_params`]), so `get` cannot fail.
fn query<'a>(headers: &'a HeaderMap, params: &'a crate::oauth2::params::Params) -> TokenQuery<'a> {
    let get = |name: &str| params.get(name).ok().flatten();
    TokenQuery {
        token: get("token"),
        credentials: Credentials {
            authorization: headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()),
            client_id: get("client_id"),
            client_secret: get("client_secret"),
        },
    }
}
