//! OpenID Connect Discovery, done by hand so that the endpoints a
//! provider's metadata names are checked before any of them is called
//! (the `openidconnect` crate's `discover_async` fetches `jwks_uri` first).

use std::net::{Ipv4Addr, Ipv6Addr};

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{AdditionalProviderMetadata, IssuerUrl, JsonWebKeySet, ProviderMetadata};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{describe, UpstreamError};

/// The metadata fields consent-link reads beyond the crate's own.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(super) struct Extra {
    /// RFC 9207: the provider sends `iss` with every authorization
    /// response, so one without it is not the provider's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
}

impl AdditionalProviderMetadata for Extra {}

pub(super) type Metadata = ProviderMetadata<
    Extra,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

fn unavailable(what: String) -> UpstreamError {
    UpstreamError::Unavailable(format!("discovery: {what}"))
}

/// Fetches `issuer`'s metadata, checks that it names `issuer` and only
/// endpoints [`check_endpoints`] allows, then fetches its keys.
pub(super) async fn discover(
    http: &openidconnect::reqwest::Client,
    issuer: &str,
) -> Result<Metadata, UpstreamError> {
    let issuer_url =
        IssuerUrl::new(issuer.to_owned()).map_err(|e| unavailable(format!("issuer: {e}")))?;
    let metadata = fetch_metadata(http, &issuer_url).await?;
    if metadata.issuer() != &issuer_url {
        return Err(unavailable(format!(
            "the metadata names the issuer {} (expected {issuer})",
            metadata.issuer().as_str()
        )));
    }
    let issuer = Url::parse(issuer).map_err(|e| unavailable(format!("issuer: {e}")))?;
    check_endpoints(&issuer, endpoints(&metadata)).map_err(unavailable)?;
    let jwks = JsonWebKeySet::fetch_async(metadata.jwks_uri(), http)
        .await
        .map_err(|e| UpstreamError::Unavailable(format!("keys: {}", describe(&e))))?;
    Ok(metadata.set_jwks(jwks))
}

/// The document at the issuer's `.well-known/openid-configuration`.
async fn fetch_metadata(
    http: &openidconnect::reqwest::Client,
    issuer_url: &IssuerUrl,
) -> Result<Metadata, UpstreamError> {
    let url = issuer_url
        .join(".well-known/openid-configuration")
        .map_err(|e| unavailable(format!("issuer: {e}")))?;
    let response = http
        .get(url.as_str())
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| unavailable(describe(&e)))?;
    if !response.status().is_success() {
        return Err(unavailable(format!(
            "HTTP status {} at {url}",
            response.status()
        )));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| unavailable(describe(&e)))?;
    serde_json::from_slice(&body)
        .map_err(|e| unavailable(format!("the metadata does not parse: {e}")))
}

/// The endpoints the metadata names that consent-link would call or
/// send the end user to, by their metadata names.
pub(super) fn endpoints(metadata: &Metadata) -> Vec<(&'static str, &Url)> {
    [
        (
            "authorization_endpoint",
            Some(metadata.authorization_endpoint().url()),
        ),
        ("token_endpoint", metadata.token_endpoint().map(|u| u.url())),
        ("jwks_uri", Some(metadata.jwks_uri().url())),
        (
            "userinfo_endpoint",
            metadata.userinfo_endpoint().map(|u| u.url()),
        ),
    ]
    .into_iter()
    .filter_map(|(name, url)| Some((name, url?)))
    .collect()
}

/// Where a provider's metadata may send consent-link (the client secret
/// goes to the token endpoint, the keys that decide who signed in come
/// from `jwks_uri`): https, or http on this machine; and for an issuer
/// off this machine, never to this machine or a private network (a
/// metadata document must not turn consent-link into a way in: SSRF),
/// unless on the issuer's own host.
pub(super) fn check_endpoints<'u>(
    issuer: &Url,
    endpoints: impl IntoIterator<Item = (&'static str, &'u Url)>,
) -> Result<(), String> {
    let local_issuer = issuer.host().is_some_and(|h| is_loopback(&h));
    for (name, url) in endpoints {
        if !crate::net::secure_or_loopback(url) {
            return Err(format!("{name} {url} is not https"));
        }
        let Some(host) = url.host() else {
            return Err(format!("{name} {url} has no host"));
        };
        if local_issuer || issuer.host() == Some(host.clone()) {
            continue;
        }
        if url.scheme() != "https" {
            return Err(format!("{name} {url} is not https"));
        }
        if is_loopback(&host) || is_private(&host) {
            return Err(format!(
                "{name} {url} is on this machine or a private network, the issuer is not"
            ));
        }
    }
    Ok(())
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Addresses that are not on the public internet: private, link-local
/// (169.254.169.254 answers with cloud credentials), shared, unspecified
/// or broadcast. Names are not resolved here.
fn is_private(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(_) => false,
        url::Host::Ipv4(ip) => private_v4(*ip),
        url::Host::Ipv6(ip) => private_v6(*ip),
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || a == 0
        // 100.64.0.0/10, carrier-grade NAT (RFC 6598).
        || (a == 100 && (64..128).contains(&b))
}

fn private_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return private_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_unspecified()
        // fc00::/7, unique local.
        || (first & 0xfe00) == 0xfc00
        // fe80::/10, link-local.
        || (first & 0xffc0) == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(issuer: &str, endpoint: &str) -> Result<(), String> {
        let issuer = Url::parse(issuer).unwrap();
        let endpoint = Url::parse(endpoint).unwrap();
        check_endpoints(&issuer, [("token_endpoint", &endpoint)])
    }

    #[test]
    fn a_remote_issuer_may_name_https_endpoints_on_other_public_hosts() {
        for endpoint in [
            "https://idp.example/token",
            "https://login.idp.example/authorize",
            "https://203.0.113.7/jwks",
            "https://[2001:db8::1]/jwks",
        ] {
            assert_eq!(check("https://idp.example", endpoint), Ok(()), "{endpoint}");
        }
    }

    #[test]
    fn a_remote_issuer_may_not_point_at_this_machine_or_a_private_network() {
        for endpoint in [
            // Loopback, by address or by name.
            "https://127.0.0.1/token",
            "https://127.8.9.10:8443/token",
            "https://[::1]/token",
            "https://[::ffff:127.0.0.1]/token",
            "https://localhost/token",
            "https://LOCALHOST./token",
            "https://admin.localhost/token",
            // Cloud metadata and other link-local addresses.
            "https://169.254.169.254/latest/meta-data/",
            "https://[fe80::1]/token",
            // Private networks.
            "https://10.0.0.1/token",
            "https://172.16.5.4/token",
            "https://192.168.1.1/token",
            "https://[fd00::1]/token",
            "https://[::ffff:10.1.2.3]/token",
            "https://100.64.0.1/token",
            "https://0.0.0.0/token",
            "https://[::]/token",
            // Plain http: anywhere, loopback included.
            "http://idp.example/token",
            "http://127.0.0.1/token",
            "http://localhost:8080/token",
            "http://[::1]/token",
            // Not a web address.
            "ftp://idp.example/token",
        ] {
            let err = check("https://idp.example", endpoint).unwrap_err();
            assert!(err.contains("token_endpoint"), "{err}");
        }
    }

    #[test]
    fn a_loopback_issuer_may_keep_loopback_endpoints() {
        for (issuer, endpoint) in [
            ("http://127.0.0.1:9000", "http://127.0.0.1:9000/token"),
            ("http://127.0.0.1:9000", "http://127.0.0.1:9001/token"),
            ("http://localhost:9000", "http://localhost:9000/token"),
            ("http://[::1]:9000", "http://[::1]:9001/token"),
            ("http://127.0.0.1:9000", "https://idp.example/token"),
        ] {
            assert_eq!(check(issuer, endpoint), Ok(()), "{issuer} {endpoint}");
        }
        // But not plain http off this machine.
        assert!(check("http://127.0.0.1:9000", "http://idp.example/token").is_err());
        assert!(check("http://127.0.0.1:9000", "http://10.0.0.1/token").is_err());
    }

    #[test]
    fn an_issuer_on_a_private_address_may_name_its_own_host() {
        assert_eq!(
            check(
                "https://10.0.0.5/realms/x",
                "https://10.0.0.5/realms/x/token"
            ),
            Ok(())
        );
        assert!(check("https://10.0.0.5", "https://10.0.0.6/token").is_err());
        assert!(check("https://10.0.0.5", "https://127.0.0.1/token").is_err());
        assert!(check("https://10.0.0.5", "http://10.0.0.5/token").is_err());
    }

    #[test]
    fn every_endpoint_is_checked() {
        let issuer = Url::parse("https://idp.example").unwrap();
        let good = Url::parse("https://idp.example/ok").unwrap();
        let bad = Url::parse("https://169.254.169.254/").unwrap();
        let err =
            check_endpoints(&issuer, [("token_endpoint", &good), ("jwks_uri", &bad)]).unwrap_err();
        assert!(err.starts_with("jwks_uri"), "{err}");
    }
}
