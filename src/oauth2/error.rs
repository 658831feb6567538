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

/// `value`, taken from a request, as an error description may quote it:
/// a plain name (a-z, 0-9, `_`, `-`, at most 32 characters) in quotes,
/// else a placeholder. A description reaches the integrator looking as if
/// it came from us, so a crafted link must not put its own text there.
pub fn quoted(value: &str) -> String {
    let plain = !value.is_empty()
        && value.len() <= 32
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if plain {
        format!("'{value}'")
    } else {
        "(a value not shown)".to_owned()
    }
}

/// The description of a parameter given more than once (RFC 6749 §3.1),
/// on either endpoint.
pub fn repeated_description(name: &str) -> String {
    format!("parameter {} is given more than once", quoted(name))
}

/// `text` within the characters RFC 6749 §4.1.2.1 and §5.2 allow in
/// `error_description` (printable ASCII but `"` and `\`).
pub fn description_text(text: String) -> String {
    let allowed = |c: &char| matches!(*c as u32, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E);
    if text.chars().all(|c| allowed(&c)) {
        text
    } else {
        text.chars().filter(allowed).collect()
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
            description: description_text(description.into()),
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
    fn descriptions_quote_only_plain_names_and_keep_to_the_rfc_charset() {
        assert_eq!(quoted("info"), "'info'");
        assert_eq!(quoted("Your account is frozen"), "(a value not shown)");
        assert_eq!(quoted(&"a".repeat(33)), "(a value not shown)");
        assert_eq!(quoted(""), "(a value not shown)");
        let e = OAuthError::invalid_request("a \"quoted\\ blåbær\u{7}");
        assert_eq!(e.description, "a quoted blbr");
    }

    #[test]
    fn every_code_maps_to_the_spec_status() {
        // SPEC.md "Results": every RFC 6749 code, its product status.
        let table = [
            (ErrorCode::InvalidRequest, "invalid_request", "BAD_REQUEST"),
            (ErrorCode::InvalidScope, "invalid_scope", "BAD_REQUEST"),
            (
                ErrorCode::UnauthorizedClient,
                "unauthorized_client",
                "BAD_REQUEST",
            ),
            (
                ErrorCode::UnsupportedResponseType,
                "unsupported_response_type",
                "BAD_REQUEST",
            ),
            (ErrorCode::AccessDenied, "access_denied", "USER_CANCELLED"),
            (ErrorCode::ServerError, "server_error", "INTERNAL_ERROR"),
            (
                ErrorCode::TemporarilyUnavailable,
                "temporarily_unavailable",
                "TEMPORARY_ERROR",
            ),
        ];
        for (code, rfc, status) in table {
            // No wildcard: a new code stops this compiling, here beside
            // the table it must join.
            match code {
                ErrorCode::InvalidRequest
                | ErrorCode::InvalidScope
                | ErrorCode::UnauthorizedClient
                | ErrorCode::UnsupportedResponseType
                | ErrorCode::AccessDenied
                | ErrorCode::ServerError
                | ErrorCode::TemporarilyUnavailable => {}
            }
            assert_eq!(code.as_str(), rfc);
            assert_eq!(code.to_string(), rfc);
            assert_eq!(ErrorCode::parse(rfc), Some(code), "{rfc}");
            assert_eq!(code.product_status(), status, "{rfc}");
        }
        let mut codes: Vec<&str> = table.iter().map(|(_, rfc, _)| *rfc).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 7, "every code once");
        assert_eq!(ErrorCode::parse("invalid_grant"), None);
    }
}
