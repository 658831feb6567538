//! Where traffic may go: a leaf of URL rules shared by the protocol logic,
//! the methods file, provider discovery and theme fetching.

use url::Url;

/// Whether a URL's host is a loopback address or `localhost`.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// https anywhere; http only where the traffic never leaves the machine.
pub fn secure_or_loopback(url: &Url) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => is_loopback_host(url),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        for (url, ok) in [
            ("https://idp.example/", true),
            ("http://127.0.0.1:8080/", true),
            ("http://[::1]/", true),
            ("http://localhost/", true),
            ("http://idp.example/", false),
            ("http://localhost.evil.example/", false),
            ("ftp://127.0.0.1/", false),
        ] {
            assert_eq!(secure_or_loopback(&Url::parse(url).unwrap()), ok, "{url}");
        }
    }
}
