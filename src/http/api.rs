//! The data API at the product's paths: who may read which user's data,
//! and the JSON errors. What the bodies hold is `crate::data`.

use axum::extract::{Path, RawQuery, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::BTreeMap;

use serde_json::json;

use super::{AppError, AppState};
use crate::collect::worker::SEAL_DATA;
use crate::crypto;
use crate::data::{self, DataStatus, Endpoint, Page, Subject};
use crate::oauth2::params::Params;
use crate::oauth2::scope::{Scope, Scopes};
use crate::oauth2::token::credentials;
use crate::store::{ConsentRow, StoreError};

/// A data API error, as the product's docs write every error:
/// `{"type": "error", "error": {"status", "message"}}`, where `status` is a
/// stable machine-readable name and `message` is for people.
#[derive(Debug)]
pub struct ApiError {
    http: StatusCode,
    status: &'static str,
    message: String,
    /// RFC 6750 §3: the `WWW-Authenticate` challenge of a 401 for a
    /// missing or invalid Bearer token.
    challenge: Option<&'static str>,
    /// A server fault: logged once and answered as `INTERNAL_ERROR` with
    /// the request ID (`super::error::render_internal_errors`), never shown.
    fault: Option<String>,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::fault(format!("store: {e}"))
    }
}

impl ApiError {
    fn new(http: StatusCode, status: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            http,
            status,
            message: message.into(),
            challenge: None,
            fault: None,
        }
    }

    /// A server fault; `detail` goes to the log only.
    pub fn fault(detail: impl Into<String>) -> ApiError {
        ApiError {
            fault: Some(detail.into()),
            ..ApiError::internal("internal error")
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }

    /// Over the rate limit; the caller adds `Retry-After`.
    pub fn too_many_requests(retry_after_secs: u64) -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            format!("too many requests from this address; retry after {retry_after_secs} seconds"),
        )
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", message)
    }

    /// Wrong or missing `Client-ID`/`Secret-Key` at `/api/1.0/auth`. A 401
    /// names how to authenticate (RFC 9110 §11.6.1): here the product's
    /// own header pair, as a scheme of its own.
    pub fn wrong_client_secret() -> ApiError {
        ApiError {
            challenge: Some("Secret-Key realm=\"consent-link\""),
            ..ApiError::unauthorized("wrong Client-ID or Secret-Key")
        }
    }

    fn no_token() -> ApiError {
        ApiError {
            challenge: Some("Bearer realm=\"consent-link\""),
            ..ApiError::unauthorized("an API token is required: Authorization: Bearer <token>")
        }
    }

    fn invalid_token() -> ApiError {
        ApiError {
            challenge: Some("Bearer realm=\"consent-link\", error=\"invalid_token\""),
            ..ApiError::unauthorized("the API token is unknown, expired or revoked")
        }
    }

    fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no user data with this ID for this token",
        )
    }

    fn withdrawn() -> ApiError {
        ApiError::new(
            StatusCode::GONE,
            "CONSENT_WITHDRAWN",
            "the consent for this user data was withdrawn",
        )
    }

    fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }
}

impl From<ApiError> for Response {
    fn from(e: ApiError) -> Response {
        e.into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self;
        if let Some(detail) = e.fault {
            return AppError::Internal(detail).into_response();
        }
        let mut res = (
            e.http,
            Json(json!({
                "type": "error",
                "error": { "status": e.status, "message": e.message },
            })),
        )
            .into_response();
        let headers = res.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(challenge) = e.challenge {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        res
    }
}

/// What a valid token may read of one user.
struct Access {
    consent: ConsentRow,
    scopes: Vec<Scope>,
}

/// The token's right to user `id`: 401 without a valid token; 404 for an
/// unknown ID, another client's ID, or (for a code-exchanged token) another
/// user's ID; 410 once the consent is withdrawn.
async fn access(app: &AppState, headers: &HeaderMap, id: &str) -> Result<Access, ApiError> {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| credentials(v, "bearer"));
    let Some(bearer) = bearer.filter(|t| !t.is_empty()) else {
        return Err(ApiError::no_token());
    };
    let now = app.clock.now();
    let token = app
        .store
        .get_access_token(&crypto::hash_token(bearer))
        .await?
        .filter(|t| t.revoked_at.is_none() && now < t.expires_at)
        .ok_or_else(ApiError::invalid_token)?;
    if token.user_data_id.as_deref().is_some_and(|u| u != id) {
        return Err(ApiError::not_found());
    }
    let consent = app
        .store
        .get_consent(id)
        .await?
        .filter(|c| c.client_id == token.client_id)
        .ok_or_else(ApiError::not_found)?;
    if consent.withdrawn_at.is_some() {
        return Err(ApiError::withdrawn());
    }
    let parse =
        |s: &str| Scopes::parse(s).map_err(|e| ApiError::fault(format!("stored scopes: {e}")));
    let consented = parse(&consent.scopes)?;
    let limited = token.scopes.as_deref().map(parse).transpose()?;
    let scopes = data::effective_scopes(&consented, limited.as_ref());
    Ok(Access { consent, scopes })
}

async fn read(
    app: AppState,
    headers: HeaderMap,
    id: String,
    query: Option<String>,
    endpoint: Endpoint,
) -> Result<Response, ApiError> {
    let access = access(&app, &headers, &id).await?;
    let scopes = endpoint.scopes_in(&access.scopes);
    if scopes.is_empty() {
        return Err(ApiError::forbidden(
            "the end user did not consent to this data",
        ));
    }
    let page = Page::parse(&Params::parse(query.as_deref().unwrap_or("")))
        .map_err(ApiError::bad_request)?;
    let collection = app.store.latest_collection(&id).await?;
    let collected = match &collection {
        Some(c) => Some(collected_data(&app, &c.id).await?),
        None => None,
    };
    let (status, person) = match &collection {
        Some(c) => (
            DataStatus::parse(&c.status)
                .ok_or_else(|| StoreError::Corrupt(format!("collection status {:?}", c.status)))?,
            None,
        ),
        // No collection: a test person's static data (test mode).
        None => data::collect(access.consent.test_person.as_deref()),
    };
    let tax_entities: Vec<String> = access
        .consent
        .tax_entities
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let subject = Subject {
        person,
        tax_entities: &tax_entities,
        collected: collected.as_ref(),
    };
    let mut body = data::body(endpoint, &id, status, subject, &scopes, page);
    if access.consent.test {
        // Test data never passes for a real person's.
        body["test"] = serde_json::Value::Bool(true);
    }
    let mut res = Json(body).into_response();
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

macro_rules! read_endpoint {
    ($name:ident, $endpoint:expr) => {
        pub async fn $name(
            State(app): State<AppState>,
            headers: HeaderMap,
            Path(id): Path<String>,
            RawQuery(query): RawQuery,
        ) -> Result<Response, ApiError> {
            read(app, headers, id, query, $endpoint).await
        }
    };
}

read_endpoint!(personal, Endpoint::Personal);
read_endpoint!(loans, Endpoint::Loans);
read_endpoint!(vehicles, Endpoint::Vehicles);
read_endpoint!(income, Endpoint::Income);
read_endpoint!(invoices, Endpoint::Invoices);
read_endpoint!(loan_applications, Endpoint::LoanApplications);

/// `DELETE /api/1.0/consents/:id`: the integrator withdraws the consent.
/// Every token issued for that user is revoked and data reads answer 410.
/// Withdrawing again answers 204 too, so that a retry is safe.
pub async fn withdraw(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match access(&app, &headers, &id).await {
        Ok(_) => {
            app.store.withdraw_consent(&id, app.clock.now()).await?;
        }
        Err(e) if e.http == StatusCode::GONE => {}
        Err(e) => return Err(e),
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A collection's data, opened: each scope's body as the source gave it.
/// A body that does not open or parse is left out (and logged): its scope
/// reads as not collected.
async fn collected_data(
    app: &AppState,
    collection_id: &str,
) -> Result<BTreeMap<Scope, serde_json::Map<String, serde_json::Value>>, StoreError> {
    let mut out = BTreeMap::new();
    for (scope, sealed) in app.store.get_collected_data(collection_id).await? {
        let body = Scope::ALL.into_iter().find(|s| s.as_str() == scope).zip(
            app.key
                .open(SEAL_DATA, &sealed)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok()),
        );
        match body {
            Some((scope, serde_json::Value::Object(map))) => {
                out.insert(scope, map);
            }
            _ => tracing::error!(scope = ?scope, "collected data does not open"),
        }
    }
    Ok(out)
}
