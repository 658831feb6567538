//! What a provider sends — its metadata, its keys, an ID token — through
//! the same parsers and checks [`Upstream`] runs on them, without the
//! network: entry points for the fuzz targets (`fuzz/`, through
//! `consent_link::fuzzing`). Nothing in the service calls these.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use openidconnect::core::CoreJsonWebKey;
use openidconnect::{IssuerUrl, JsonWebKeySet, Nonce};
use url::Url;

use super::checks::{check_authorized_party, check_issued_at, signing_algs};
use super::discovery::{check_endpoints, endpoints, Metadata};
use super::{identity, ProviderIdToken, Upstream};
use crate::methods::{Method, Provider};
use crate::time::UnixTime;

/// A metadata document as `discovery::discover` takes it once fetched:
/// it must parse, name `issuer` and only endpoints it may name.
pub fn discovery(issuer: &str, body: &[u8]) -> Result<(), String> {
    let issuer_url = IssuerUrl::new(issuer.to_owned()).map_err(|e| e.to_string())?;
    let metadata: Metadata = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if metadata.issuer() != &issuer_url {
        return Err("the metadata names another issuer".into());
    }
    let issuer = Url::parse(issuer).map_err(|e| e.to_string())?;
    check_endpoints(&issuer, endpoints(&metadata))?;
    signing_algs(&metadata);
    Ok(())
}

/// A key set as fetched from `jwks_uri`; how many keys it holds.
pub fn jwks(body: &[u8]) -> Result<usize, String> {
    let set: JsonWebKeySet<CoreJsonWebKey> =
        serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok(set.keys().len())
}

/// The provider and sign-in an ID token is checked against.
pub struct IdTokenCase<'a> {
    /// The provider's metadata document and key set (JSON).
    pub metadata: &'a [u8],
    pub jwks: &'a [u8],
    pub client_id: &'a str,
    pub identity_claim: &'a str,
    pub acr_values: Option<&'a str>,
    pub nonce: &'a str,
    pub began: UnixTime,
    pub now: UnixTime,
}

/// An ID token as `Upstream::identify` checks it once received: parsed,
/// verified (signature, `iss`, `aud`, `exp`, `nonce`, `auth_time`,
/// `acr`), then `iat`, `azp` and the identity claim.
pub fn id_token(case: &IdTokenCase<'_>, raw: &str) -> Result<String, String> {
    let upstream = upstream()?;
    let metadata: Metadata = serde_json::from_slice(case.metadata).map_err(|e| e.to_string())?;
    let jwks = serde_json::from_slice(case.jwks).map_err(|e| e.to_string())?;
    let metadata = metadata.set_jwks(jwks);
    let method = Method {
        id: "fuzz".into(),
        provider: Arc::new(Provider {
            id: "fuzz".into(),
            issuer: metadata.issuer().to_string(),
            client_id: case.client_id.into(),
            client_secret: "fuzz-secret".into(),
        }),
        scopes: vec!["openid".into()],
        acr_values: case.acr_values.map(str::to_owned),
        identity_claim: case.identity_claim.into(),
        names: BTreeMap::new(),
        logo: None,
    };
    let token = ProviderIdToken::from_str(raw).map_err(|e| e.to_string())?;
    let nonce = Nonce::new(case.nonce.to_owned());
    let claims = upstream
        .verify(&token, &method, &metadata, &nonce, case.began, case.now)
        .map_err(|e| e.to_string())?;
    check_issued_at(claims, case.now).map_err(|e| e.to_string())?;
    check_authorized_party(claims, case.client_id).map_err(|e| e.to_string())?;
    identity(claims, case.identity_claim).map_err(|e| e.to_string())
}

/// One [`Upstream`] for every call: building its HTTP client is slow.
fn upstream() -> Result<&'static Upstream, String> {
    static UPSTREAM: OnceLock<Result<Upstream, String>> = OnceLock::new();
    UPSTREAM
        .get_or_init(|| Upstream::new(Vec::new(), "http://127.0.0.1:1"))
        .as_ref()
        .map_err(Clone::clone)
}
