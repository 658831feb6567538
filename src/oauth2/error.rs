//! Protocol errors with their RFC 6749 names and the product's statuses.

use std::fmt;

/// An RFC 6749 error code (§4.1.2.1 and §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidScope,
    UnauthorizedClient,
    UnsupportedResponseType,
    AccessDenied,
    ServerError,
    TemporarilyUnavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }

    pub fn parse(s: &str) -> Option<ErrorCode> {
        [
            ErrorCode::InvalidRequest,
            ErrorCode::InvalidScope,
            ErrorCode::UnauthorizedClient,
            ErrorCode::UnsupportedResponseType,
            ErrorCode::AccessDenied,
            ErrorCode::ServerError,
            ErrorCode::TemporarilyUnavailable,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// The product's status for this error, as the Link entry and every
    /// iframe message report it.
    pub fn product_status(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest
            | ErrorCode::InvalidScope
            | ErrorCode::UnauthorizedClient
            | ErrorCode::UnsupportedResponseType => "BAD_REQUEST",
            ErrorCode::AccessDenied => "USER_CANCELLED",
            ErrorCode::ServerError => "INTERNAL_ERROR",
            ErrorCode::TemporarilyUnavailable => "TEMPORARY_ERROR",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error result for the integrator: a code and a human-readable text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: String,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        OAuthError {
            code,
            description: description.into(),
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        OAuthError::new(ErrorCode::InvalidRequest, description)
    }

    pub fn cancelled() -> Self {
        OAuthError::new(ErrorCode::AccessDenied, "Cancelled by user")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_maps_to_the_spec_status() {
        assert_eq!(ErrorCode::InvalidScope.product_status(), "BAD_REQUEST");
        assert_eq!(
            ErrorCode::UnsupportedResponseType.product_status(),
            "BAD_REQUEST"
        );
        assert_eq!(ErrorCode::AccessDenied.product_status(), "USER_CANCELLED");
        assert_eq!(ErrorCode::ServerError.product_status(), "INTERNAL_ERROR");
        assert_eq!(
            ErrorCode::TemporarilyUnavailable.product_status(),
            "TEMPORARY_ERROR"
        );
    }
}
