//! consent-link as an OpenID Connect relying party of the configured
//! providers (BankID directly or through a broker), with the `openidconnect`
//! crate: authorization code flow with PKCE, `state` and `nonce`; the ID
//! token checked for signature (the provider's JWKS), `iss`, `aud`, `azp`,
//! `exp`, `iat`, `nonce`, `auth_time` and, where the method asks for a
//! level, `acr`.
//!
//! Provider metadata and keys are cached per process (they are not flow
//! state) for [`METADATA_TTL`]; a token whose signature the cached
//! keys do not verify (an unknown key ID, or a key changed under the same
//! ID) makes one fresh JWKS fetch before it is refused, at most once per
//! [`KEYS_REFETCH_INTERVAL`] per provider, so a provider's key
//! rotation needs no restart and bad tokens cannot make us hammer it.

mod checks;
mod discovery;
pub(crate) mod fuzzing;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, IdToken, IdTokenClaims, JsonWebKeySet, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::methods::{Method, Provider};
use crate::time::UnixTime;
use checks::{
    check_authorized_party, check_issued_at, check_name, keys_may_be_stale, response_issuer,
    signing_algs, verifier_time,
};
use discovery::Metadata;

/// How long a provider's metadata and keys are trusted before they are
/// fetched again.
pub const METADATA_TTL: Duration = Duration::from_secs(60 * 60);
/// How long the end user has to sign in at the provider; also the
/// `max_age` asked for.
pub const SIGN_IN_TTL: Duration = Duration::from_secs(10 * 60);
/// How far a provider's clock may be behind ours when it says when the
/// end user signed in.
const AUTH_TIME_SKEW: Duration = Duration::from_secs(2 * 60);
/// How far ahead of our clock a provider's clock may be when it says
/// when it issued an ID token.
pub const IAT_SKEW: Duration = Duration::from_secs(2 * 60);
/// A provider's keys are fetched again, after a token the cached keys do
/// not verify, at most this often.
pub const KEYS_REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// How long one call to a provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// Why an upstream sign-in did not give an identity.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The provider could not be reached or answered wrongly: the end
    /// user may try again (`temporarily_unavailable`).
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// The ID token failed the named check (`server_error`).
    #[error("ID token failed the {check} check: {detail}")]
    Rejected { check: &'static str, detail: String },
}

/// The per-sign-in secrets, all derived from the upstream `state` (kept in
/// the leaf `crypto`, which derives them).
pub use crate::crypto::UpstreamSecrets as Secrets;

/// Claims beyond the standard ones, kept as they came, so that any claim
/// can carry the national identity number.
#[derive(Debug, Deserialize, Serialize)]
struct OtherClaims {
    #[serde(flatten)]
    claims: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for OtherClaims {}

type ProviderIdToken = IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type Claims = IdTokenClaims<OtherClaims, CoreGenderClaim>;

struct Cached {
    metadata: Arc<Metadata>,
    fetched_at: UnixTime,
    /// When the keys were last fetched again after a token they did not
    /// verify; outlives a fresh discovery.
    keys_refetched_at: Option<UnixTime>,
}

/// The configured methods and what is known of their providers.
pub struct Upstream {
    methods: Vec<Arc<Method>>,
    /// See [`Upstream::form_sources`]; fixed by the configuration.
    form_sources: Vec<String>,
    redirect_uri: RedirectUrl,
    http: openidconnect::reqwest::Client,
    cache: RwLock<HashMap<String, Cached>>,
}

impl Upstream {
    /// `public_url` is this service's; providers send end users back to
    /// `<public_url>/oidc/callback`, which must be registered with them.
    pub fn new(methods: Vec<Method>, public_url: &str) -> Result<Upstream, String> {
        let redirect_uri = RedirectUrl::new(format!(
            "{}/oidc/callback",
            public_url.trim_end_matches('/')
        ))
        .map_err(|e| format!("redirect URI: {e}"))?;
        // No redirects: a provider's endpoints answer directly (a redirect
        // could be steered to an internal address).
        let http = openidconnect::reqwest::Client::builder()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Upstream {
            form_sources: form_sources(&methods),
            methods: methods.into_iter().map(Arc::new).collect(),
            redirect_uri,
            http,
            cache: RwLock::new(HashMap::new()),
        })
    }

    pub fn methods(&self) -> &[Arc<Method>] {
        &self.methods
    }

    pub fn method(&self, id: &str) -> Option<&Arc<Method>> {
        self.methods.iter().find(|m| m.id == id)
    }

    /// Where a form that starts a sign-in may lead, as CSP `form-action`
    /// sources; empty when no method is configured.
    pub fn form_sources(&self) -> &[String] {
        &self.form_sources
    }

    pub fn redirect_uri(&self) -> &str {
        self.redirect_uri.as_str()
    }

    /// Where to send the end user to sign in with `method`.
    pub async fn authorization_url(
        &self,
        method: &Method,
        secrets: &Secrets<'_>,
        locale: &str,
        now: UnixTime,
    ) -> Result<Url, UpstreamError> {
        let metadata = self.metadata(&method.provider, now).await?;
        let client = self.client(&method.provider, &metadata);
        let state = secrets.state.to_owned();
        let nonce = secrets.nonce.clone();
        let verifier = PkceCodeVerifier::new(secrets.pkce_verifier.clone());
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier))
            // The person in front of the screen signs in now: a provider's
            // login session from someone earlier on a shared computer must
            // not answer for them. `max_age` makes `auth_time` required.
            .add_prompt(CoreAuthPrompt::Login)
            .set_max_age(SIGN_IN_TTL)
            .add_extra_param("ui_locales", locale.to_owned());
        for scope in method.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if let Some(acr) = &method.acr_values {
            request = request.add_extra_param("acr_values", acr.clone());
        }
        Ok(request.url().0)
    }

    /// Exchanges `code` and returns the national identity number from the
    /// validated ID token, which must say the end user signed in after
    /// `began` (when this sign-in was sent to the provider).
    pub async fn identify(
        &self,
        method: &Method,
        code: &str,
        secrets: &Secrets<'_>,
        began: UnixTime,
        now: UnixTime,
    ) -> Result<String, UpstreamError> {
        let provider = &method.provider;
        let metadata = self.metadata(provider, now).await?;
        let token = self.id_token(provider, &metadata, code, secrets).await?;
        let nonce = Nonce::new(secrets.nonce.clone());
        let metadata = match self.verify(&token, method, &metadata, &nonce, began, now) {
            Err(e) if keys_may_be_stale(&e) && self.claim_key_refetch(&provider.id, now) => {
                tracing::info!(provider = %provider.id, error = %e, "the cached keys do not verify the ID token: fetching the provider's keys again");
                self.refresh_keys(provider, &metadata).await?
            }
            _ => metadata,
        };
        let claims = self
            .verify(&token, method, &metadata, &nonce, began, now)
            .map_err(|e| rejected(check_name(&e), e.to_string()))?;
        check_issued_at(claims, now)?;
        check_authorized_party(claims, &provider.client_id)?;
        identity(claims, &method.identity_claim)
    }

    /// Exchanges `code` at the provider's token endpoint for its ID token,
    /// parsed but not yet verified.
    async fn id_token(
        &self,
        provider: &Provider,
        metadata: &Metadata,
        code: &str,
        secrets: &Secrets<'_>,
    ) -> Result<ProviderIdToken, UpstreamError> {
        let response = self
            .client(provider, metadata)
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| UpstreamError::Unavailable(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(secrets.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                UpstreamError::Unavailable(format!("token request: {}", token_error(&e)))
            })?;
        let raw = response
            .id_token()
            .and_then(|t| serde_json::to_value(t).ok())
            .and_then(|v| v.as_str().map(str::to_owned))
            .ok_or_else(|| rejected("id_token", "the token response has no ID token"))?;
        // Not the parser's message: it may quote a claim's value.
        ProviderIdToken::from_str(&raw)
            .map_err(|_| rejected("id_token", "the ID token could not be parsed"))
    }

    fn verify<'t>(
        &self,
        token: &'t ProviderIdToken,
        method: &Method,
        metadata: &Metadata,
        nonce: &Nonce,
        began: UnixTime,
        now: UnixTime,
    ) -> Result<&'t Claims, ClaimsVerificationError> {
        let client = self.client(&method.provider, metadata);
        let wanted: Vec<String> = method
            .acr_values
            .as_deref()
            .map(|a| a.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let verifier = client
            .id_token_verifier()
            .set_allowed_algs(signing_algs(metadata))
            .set_time_fn(move || verifier_time(now))
            .set_auth_time_verifier_fn(move |auth_time| match auth_time {
                Some(t) if UnixTime::from_datetime(t) >= began - AUTH_TIME_SKEW => Ok(()),
                Some(t) => Err(format!(
                    "signed in at {t}, before this sign-in began (a provider session)"
                )),
                None => Err("no auth_time claim".into()),
            })
            .set_auth_context_verifier_fn(move |acr| {
                if wanted.is_empty() {
                    return Ok(());
                }
                match acr {
                    Some(acr) if wanted.iter().any(|w| w == acr.as_str()) => Ok(()),
                    Some(acr) => Err(format!("acr {:?} was not asked for", acr.as_str())),
                    None => Err("no acr claim".into()),
                }
            });
        token.claims(&verifier, nonce)
    }

    fn client(
        &self,
        provider: &Provider,
        metadata: &Metadata,
    ) -> openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(provider.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect_uri.clone())
    }

    /// Checks the callback's RFC 9207 `iss` for `method`'s provider:
    /// where given, it must name the provider; where the provider's
    /// metadata says it always sends it, it must be given.
    pub async fn check_response_issuer(
        &self,
        method: &Method,
        iss: Option<&str>,
        now: UnixTime,
    ) -> Result<(), UpstreamError> {
        let promised = match iss {
            Some(_) => false,
            None => self
                .metadata(&method.provider, now)
                .await?
                .additional_metadata()
                .authorization_response_iss_parameter_supported
                .unwrap_or(false),
        };
        response_issuer(&method.provider.issuer, iss, promised)
    }

    /// The provider's metadata and keys, from the cache while fresh.
    async fn metadata(
        &self,
        provider: &Provider,
        now: UnixTime,
    ) -> Result<Arc<Metadata>, UpstreamError> {
        if let Some(c) = self.cached(&provider.id) {
            if now.since(c.1) < METADATA_TTL {
                return Ok(c.0);
            }
        }
        let metadata = discovery::discover(&self.http, &provider.issuer).await?;
        let metadata = Arc::new(metadata);
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        let keys_refetched_at = cache.get(&provider.id).and_then(|c| c.keys_refetched_at);
        cache.insert(
            provider.id.clone(),
            Cached {
                metadata: metadata.clone(),
                fetched_at: now,
                keys_refetched_at,
            },
        );
        Ok(metadata)
    }

    /// Whether the provider's keys may be fetched again now; if so, the
    /// next [`KEYS_REFETCH_INTERVAL`] are taken (decided under the
    /// lock, so concurrent sign-ins fetch once).
    fn claim_key_refetch(&self, provider_id: &str, now: UnixTime) -> bool {
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        let Some(c) = cache.get_mut(provider_id) else {
            return false;
        };
        if c.keys_refetched_at
            .is_some_and(|t| now.since(t) < KEYS_REFETCH_INTERVAL)
        {
            tracing::warn!(provider = %provider_id, "the cached keys do not verify the ID token; fetched again less than a minute ago");
            return false;
        }
        c.keys_refetched_at = Some(now);
        true
    }

    /// Fetches the provider's keys again (after a token the cached keys
    /// did not verify); the metadata keeps its age.
    async fn refresh_keys(
        &self,
        provider: &Provider,
        metadata: &Metadata,
    ) -> Result<Arc<Metadata>, UpstreamError> {
        let jwks = JsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| UpstreamError::Unavailable(format!("keys: {}", describe(&e))))?;
        let metadata = Arc::new(metadata.clone().set_jwks(jwks));
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.get_mut(&provider.id) {
            c.metadata = metadata.clone();
        }
        Ok(metadata)
    }

    fn cached(&self, provider_id: &str) -> Option<(Arc<Metadata>, UnixTime)> {
        let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
        cache
            .get(provider_id)
            .map(|c| (c.metadata.clone(), c.fetched_at))
    }
}

/// Browsers check `form-action` on every redirect after a form is sent,
/// and a provider's authorization endpoint need not be on its issuer's
/// origin (ID-porten: `idporten.no` signs in at `login.idporten.no`), nor
/// its login pages on either: so any https origin, and for a provider on
/// loopback over http (development) any port of its host.
fn form_sources(methods: &[Method]) -> Vec<String> {
    if methods.is_empty() {
        return Vec::new();
    }
    let mut sources = vec!["https:".to_owned()];
    for m in methods {
        if let Ok(issuer) = Url::parse(&m.provider.issuer) {
            if let (Some(host), "http") = (issuer.host_str(), issuer.scheme()) {
                sources.push(format!("http://{host}:*"));
            }
        }
    }
    sources.sort();
    sources.dedup();
    sources
}

/// The national identity number in `claim` of verified ID token claims:
/// text only (a number has lost any leading zero and would be another
/// person's identity), and not blank.
fn identity(claims: &Claims, claim: &str) -> Result<String, UpstreamError> {
    let identity = if claim == "sub" {
        Some(claims.subject().as_str().to_owned())
    } else {
        match claims.additional_claims().claims.get(claim) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    };
    identity.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        rejected(
            "identity_claim",
            format!("the ID token has no text claim {claim:?}"),
        )
    })
}

fn rejected(check: &'static str, detail: impl Into<String>) -> UpstreamError {
    UpstreamError::Rejected {
        check,
        detail: detail.into(),
    }
}

/// A failed token request, for a log line. A response that does not
/// parse is named by where it failed, not by the parser's message, which
/// quotes the offending value (ID-token claims are personal data).
fn token_error<RE, T>(e: &openidconnect::RequestTokenError<RE, T>) -> String
where
    RE: std::error::Error + 'static,
    T: openidconnect::ErrorResponse + 'static,
{
    match e {
        openidconnect::RequestTokenError::Parse(parse, _) => {
            format!("the token response does not parse at {}", parse.path())
        }
        other => describe(other),
    }
}

/// An error with its sources, for a log line.
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
