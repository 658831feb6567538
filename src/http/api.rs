//! The data API at the product's paths: who may read which user's data,
//! and the JSON errors. What the bodies hold is `crate::data`.

use axum::extract::{Path, RawQuery, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use serde_json::{json, Value};

use super::error::{Fault, FaultContext, SurfaceError};
use super::AppState;
use crate::consent::{EndedBy, Purpose, Status};
use crate::data::{Endpoint, Page};
use crate::oauth2::params::Params;
use crate::oauth2::token::credentials;
use crate::service::consent::{self as consent_service, rfc3339};
use crate::service::data::{self, Denied, ReadOutcome, WithdrawOutcome};
use crate::service::ServiceError;
use crate::store::HistoryEvent;
use crate::store::StoreError;
use crate::time::UnixTime;
use crate::ConsentWithHistory;

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
    /// the request ID ([`SurfaceError::show_fault`]), never shown.
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

    fn expired() -> ApiError {
        ApiError::new(
            StatusCode::GONE,
            "CONSENT_EXPIRED",
            "the consent for this user data has expired",
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
            return Fault::response::<ApiError>(detail);
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

impl SurfaceError for ApiError {
    fn fault(detail: String) -> Self {
        ApiError::fault(detail)
    }

    fn show_fault(cx: &FaultContext) -> Response {
        ApiError::internal(cx.reference()).into_response()
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        ApiError::fault(e.to_string())
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> ApiError {
        match denied {
            Denied::NoToken => ApiError::no_token(),
            Denied::InvalidToken => ApiError::invalid_token(),
            Denied::NotFound => ApiError::not_found(),
            Denied::Withdrawn => ApiError::withdrawn(),
            Denied::Expired(_) => ApiError::expired(),
            Denied::NotConsented => {
                ApiError::forbidden("the end user did not consent to this data")
            }
            Denied::BadPage(message) => ApiError::bad_request(message),
        }
    }
}

/// The Bearer token of a data API call, if there is one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| credentials(v, "bearer"))
}

async fn read(
    app: AppState,
    headers: HeaderMap,
    id: String,
    query: Option<String>,
    endpoint: Endpoint,
) -> Result<Response, ApiError> {
    let page = Page::parse(&Params::parse(query.as_deref().unwrap_or("")));
    let now = app.clock.now();
    match data::read(app.services(), bearer(&headers), &id, endpoint, page, now).await? {
        ReadOutcome::Body(body) => {
            let mut res = Json(body).into_response();
            res.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(res)
        }
        ReadOutcome::Denied(denied) => Err(denied.into()),
    }
}

macro_rules! read_endpoint {
    ($name:ident, $endpoint:expr) => {
        pub(crate) async fn $name(
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
pub(super) async fn withdraw(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let now = app.clock.now();
    match data::withdraw(app.services(), bearer(&headers), &id, now).await? {
        WithdrawOutcome::Withdrawn => Ok(StatusCode::NO_CONTENT.into_response()),
        WithdrawOutcome::Denied(denied) => Err(denied.into()),
    }
}

/// `GET /api/1.0/consents/:id`: the consent object with its history, for
/// the client's token or that user's token (another client's ID or an
/// unknown one: 404). `receipt` is filled where receipts are signed.
pub(super) async fn consent(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let now = app.clock.now();
    let seen = consent_service::view(app.services(), bearer(&headers), &id, now).await?;
    let body = consent_json(&seen.map_err(ApiError::from)?, now, Value::Null);
    let mut res = Json(body).into_response();
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The consent object as the API answers it, at `now` (one past its term
/// is expired, by expiry, from its end), with `receipt` as given.
pub(crate) fn consent_json(c: &ConsentWithHistory, now: UnixTime, receipt: Value) -> Value {
    let consent = &c.consent;
    let status = consent.status_at(now);
    let unswept = status == Status::Expired && consent.status == Status::Active;
    let ended_at = if unswept {
        Some(consent.expires_at)
    } else {
        consent.ended_at
    };
    let ended_by = if unswept {
        Some(EndedBy::Expiry)
    } else {
        consent.ended_by
    };
    let history: Vec<Value> = c.history.iter().map(history_json).collect();
    json!({
        "user_data_id": consent.user_data_id,
        "scopes": consent.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "purpose": Purpose::of(&consent.scopes).as_str(),
        "granted_at": rfc3339(consent.granted_at),
        "expires_at": rfc3339(consent.expires_at),
        "status": status.as_str(),
        "ended_at": ended_at.map(rfc3339),
        "ended_by": ended_by.map(EndedBy::as_str),
        "test": consent.test,
        "history": history,
        "receipt": receipt,
    })
}

/// One history event: its type, time and its one detail under its name
/// (`endpoint` of a read, `status` of a collection, `ended_by`).
fn history_json(e: &HistoryEvent) -> Value {
    let mut event = json!({ "type": e.kind, "at": rfc3339(e.at) });
    let name = match e.kind.as_str() {
        "read" => "endpoint",
        "data_collected" => "status",
        _ => "ended_by",
    };
    if let Some(detail) = &e.detail {
        event[name] = json!(detail);
    }
    event
}
