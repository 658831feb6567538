//! A registered client as the protocol logic sees it.

use super::scope::Scopes;

/// An integrator registered with this deployment.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: String,
    pub name: String,
    /// Compared as strings (RFC 9700 §2.1).
    pub callback_uris: Vec<String>,
    pub allowed_scopes: Scopes,
    /// Origins (`scheme://host[:port]`) that `styles_uri` may come from.
    pub styles_origins: Vec<String>,
    /// A test client: every flow is a test flow (the test BankID, static
    /// data, results and data marked `test`). A production client never
    /// runs one, whatever the request says.
    pub test_allowed: bool,
    /// Confidential clients hold a secret; public ones must use PKCE.
    pub confidential: bool,
}

/// Checks a callback URI for registration: absolute, no fragment
/// (RFC 6749 §3.1.2), https or http on a loopback host, no credentials.
pub fn validate_callback_uri(s: &str) -> Result<String, String> {
    let url = url::Url::parse(s)
        .map_err(|e| format!("callback URI '{s}' is not an absolute URL: {e}"))?;
    if url.fragment().is_some() {
        return Err(format!("callback URI '{s}' must not have a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("callback URI '{s}' must not carry credentials"));
    }
    if !crate::net::secure_or_loopback(&url) {
        return Err(format!(
            "callback URI '{s}' must use https (http only on loopback hosts)"
        ));
    }
    // Requests are compared to it as strings, and the code remembers the
    // callback as the URL parser writes it: the two must be one string,
    // or a client sending exactly what it registered would be refused at
    // the token endpoint (RFC 6749 §4.1.3).
    if url.as_str() != s {
        return Err(format!(
            "callback URI '{s}' must be written in its normal form: {url}"
        ));
    }
    Ok(s.to_owned())
}

/// Checks a styles origin: `scheme://host[:port]` and nothing more.
pub fn validate_styles_origin(s: &str) -> Result<String, String> {
    let url = url::Url::parse(s).map_err(|e| format!("styles origin '{s}' is not a URL: {e}"))?;
    let origin = url.origin().ascii_serialization();
    if origin != s.trim_end_matches('/') {
        return Err(format!(
            "styles origin '{s}' must be just scheme://host[:port], e.g. {origin}"
        ));
    }
    Ok(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_rules() {
        assert!(validate_callback_uri("https://acme.example/cb").is_ok());
        assert!(validate_callback_uri("http://127.0.0.1:8080/cb").is_ok());
        assert!(validate_callback_uri("http://acme.example/cb").is_err());
        assert!(validate_callback_uri("https://acme.example/cb#x").is_err());
        assert!(validate_callback_uri("/cb").is_err());
        // Only the form the URL parser writes, so that every comparison
        // sees one string.
        for (given, normal) in [
            ("https://acme.example:443/cb", "https://acme.example/cb"),
            ("https://acme.example", "https://acme.example/"),
            ("https://ACME.example/cb", "https://acme.example/cb"),
            ("https://blåbær.no/cb", "https://xn--blbr-roah.no/cb"),
        ] {
            let e = validate_callback_uri(given).unwrap_err();
            assert!(e.contains(normal), "{e}");
            assert!(validate_callback_uri(normal).is_ok(), "{normal}");
        }
    }

    #[test]
    fn styles_origin_rules() {
        assert_eq!(
            validate_styles_origin("https://cdn.example").unwrap(),
            "https://cdn.example"
        );
        assert!(validate_styles_origin("https://cdn.example/a.css").is_err());
    }
}
