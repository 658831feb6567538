//! The token endpoint's rules (RFC 6749 §3.2.1, §4.1.3, §5.2; RFC 7636
//! §4.6): who the client is, and whether a code may be exchanged.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::pkce::CodeChallenge;
use crate::crypto;
use crate::time::UnixTime;

/// An RFC 6749 §5.2 error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    /// RFC 6749 §5.2 has no server error; this is `server_error` as in
    /// §4.1.2.1, answered with 500 when something broke on our side.
    ServerError,
}

impl TokenErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenErrorCode::InvalidRequest => "invalid_request",
            TokenErrorCode::InvalidClient => "invalid_client",
            TokenErrorCode::InvalidGrant => "invalid_grant",
            TokenErrorCode::UnauthorizedClient => "unauthorized_client",
            TokenErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            TokenErrorCode::InvalidScope => "invalid_scope",
            TokenErrorCode::ServerError => "server_error",
        }
    }

    /// `invalid_client` is 401 (with `WWW-Authenticate`); the rest 400.
    pub fn http_status(self) -> u16 {
        match self {
            TokenErrorCode::InvalidClient => 401,
            TokenErrorCode::ServerError => 500,
            _ => 400,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenError {
    pub code: TokenErrorCode,
    pub description: String,
}

impl TokenError {
    pub fn new(code: TokenErrorCode, description: impl Into<String>) -> TokenError {
        TokenError {
            code,
            description: super::error::description_text(description.into()),
        }
    }

    fn grant(description: &str) -> TokenError {
        TokenError::new(TokenErrorCode::InvalidGrant, description)
    }

    fn client(description: &str) -> TokenError {
        TokenError::new(TokenErrorCode::InvalidClient, description)
    }
}

/// The credentials a request presented.
#[derive(PartialEq, Eq)]
pub struct ClientAuth {
    pub client_id: String,
    pub secret: Option<String>,
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuth")
            .field("client_id", &self.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The credentials of an `Authorization` header in `scheme` (compared
/// case-insensitively, RFC 9110 §11.1), e.g. the token of `Bearer <token>`.
pub fn credentials<'a>(authorization: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = authorization.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// Reads client credentials from HTTP Basic (RFC 6749 §2.3.1: both parts
/// form-urlencoded) or from the form. Using both is refused.
pub fn client_auth(
    authorization: Option<&str>,
    form_client_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<ClientAuth, TokenError> {
    let basic = authorization.and_then(|h| credentials(h, "basic"));
    match (basic, form_client_id) {
        (Some(_), _) if form_secret.is_some() => Err(TokenError::new(
            TokenErrorCode::InvalidRequest,
            "use one client authentication method, not both",
        )),
        (Some(encoded), _) => basic_credentials(encoded, form_client_id),
        (None, Some(id)) => Ok(ClientAuth {
            client_id: id.to_owned(),
            secret: form_secret.map(str::to_owned),
        }),
        (None, None) => Err(TokenError::client("client authentication is required")),
    }
}

/// HTTP Basic credentials: base64 of `id:secret`, each part
/// form-urlencoded as a whole (`&` and `=` in it are data, never
/// separators). A `client_id` in the form too must be the same. A public
/// client may send an empty password.
fn basic_credentials(
    encoded: &str,
    form_client_id: Option<&str>,
) -> Result<ClientAuth, TokenError> {
    let malformed = || TokenError::client("malformed Basic credentials");
    let decoded = STANDARD
        .decode(encoded)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(malformed)?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .map(|d| d.into_owned())
            .map_err(|_| malformed())
    };
    let client_id = decode(id)?;
    if form_client_id.is_some_and(|f| f != client_id) {
        return Err(TokenError::new(
            TokenErrorCode::InvalidRequest,
            "client_id differs from Basic credentials",
        ));
    }
    Ok(ClientAuth {
        client_id,
        secret: Some(decode(secret)?).filter(|s| !s.is_empty()),
    })
}

/// A client that authenticated.
#[derive(Debug, PartialEq, Eq)]
pub enum Authenticated {
    /// As stored: nothing to do.
    AsStored,
    /// By an older stored form of its secret (wrapped at start-up): store
    /// this current one now.
    Rehash(String),
}

/// Checks presented credentials against the registered client: a
/// confidential client must present its secret (and one without a stored
/// secret cannot authenticate at all); a public one presents none. The
/// secret is compared with its stored hash, keyed under `key` and bound
/// to the client ID ([`crypto::ServerKey::check_client_secret`]).
pub fn authenticate(
    key: &crypto::ServerKey,
    auth: &ClientAuth,
    secret_hash: Option<&str>,
    known: bool,
    confidential: bool,
) -> Result<Authenticated, TokenError> {
    if !known {
        return Err(TokenError::client("unknown client"));
    }
    if confidential && secret_hash.is_none() {
        return Err(TokenError::client("the client has no secret"));
    }
    let id = auth.client_id.as_str();
    match (secret_hash, auth.secret.as_deref()) {
        (Some(stored), Some(given)) => match key.check_client_secret(id, stored, given) {
            crypto::SecretMatch::Current => Ok(Authenticated::AsStored),
            crypto::SecretMatch::Wrapped => {
                Ok(Authenticated::Rehash(key.client_secret_hash(id, given)))
            }
            crypto::SecretMatch::Wrong => Err(TokenError::client("wrong client secret")),
        },
        (Some(_), None) => Err(TokenError::client("client secret is required")),
        (None, None) => Ok(Authenticated::AsStored),
        (None, Some(_)) => Err(TokenError::client("public clients have no secret")),
    }
}

/// An authorization code as stored, for checking.
pub struct StoredCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub redirect_given: bool,
    pub challenge: Option<CodeChallenge>,
    pub expires_at: UnixTime,
    pub used: bool,
}

/// What to do with a code a client presents at the token endpoint.
#[derive(Debug, PartialEq, Eq)]
pub enum Exchange {
    /// Redeem it (the store still makes sure only one redemption wins).
    Redeem,
    /// Refuse it with `error`; `revoke`: revoke every token the code issued
    /// (RFC 6749 §4.1.2: a code presented again by its client).
    Refuse { error: TokenError, revoke: bool },
}

impl Exchange {
    /// The code looked unused, but another redemption took it first: the
    /// same as presenting it again.
    pub fn lost_race() -> Exchange {
        Exchange::Refuse {
            error: TokenError::grant("authorization code was already used"),
            revoke: true,
        }
    }
}

/// The one place that decides a code exchange, the revoke-on-replay rule
/// included: a used code presented again by the client it was issued to
/// revokes what it issued (another client's replay revokes nothing).
pub fn exchange_code(
    code: &StoredCode,
    client_id: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
    now: UnixTime,
) -> Exchange {
    match check_code(code, client_id, redirect_uri, verifier, now) {
        Ok(()) => Exchange::Redeem,
        Err(error) => Exchange::Refuse {
            error,
            revoke: code.used && code.client_id == client_id,
        },
    }
}

/// Whether `client_id` may exchange `code` with these parameters now.
fn check_code(
    code: &StoredCode,
    client_id: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
    now: UnixTime,
) -> Result<(), TokenError> {
    if code.used {
        return Err(TokenError::grant("authorization code was already used"));
    }
    if code.client_id != client_id {
        return Err(TokenError::grant(
            "authorization code was issued to another client",
        ));
    }
    if now >= code.expires_at {
        return Err(TokenError::grant("authorization code has expired"));
    }
    match (code.redirect_given, redirect_uri) {
        (true, None) => {
            return Err(TokenError::grant(
                "redirect_uri is required: the authorization request had one",
            ))
        }
        (_, Some(given)) if given != code.redirect_uri => {
            return Err(TokenError::grant(
                "redirect_uri does not match the authorization request",
            ))
        }
        _ => {}
    }
    match (&code.challenge, verifier) {
        (Some(challenge), Some(v)) if challenge.is_answered_by(v) => Ok(()),
        (Some(_), Some(_)) => Err(TokenError::grant(
            "code_verifier does not match the code_challenge",
        )),
        (Some(_), None) => Err(TokenError::grant("code_verifier is required")),
        (None, Some(_)) => Err(TokenError::grant(
            "code_verifier given but the authorization request had no code_challenge",
        )),
        (None, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const NOW: UnixTime = UnixTime::from_secs(1_000);
    const EXPIRES: UnixTime = UnixTime::from_secs(1_060);

    fn code(challenge: bool, redirect_given: bool) -> StoredCode {
        StoredCode {
            client_id: "acme".into(),
            redirect_uri: "https://acme.example/cb".into(),
            redirect_given,
            challenge: challenge.then(|| CodeChallenge::from_stored(CHALLENGE.into())),
            expires_at: EXPIRES,
            used: false,
        }
    }

    fn code_of(r: Result<(), TokenError>) -> Option<TokenErrorCode> {
        r.err().map(|e| e.code)
    }

    #[test]
    fn a_replay_by_its_client_revokes_and_by_another_does_not() {
        let mut used = code(false, false);
        used.used = true;
        let Exchange::Refuse { error, revoke } = exchange_code(&used, "acme", None, None, NOW)
        else {
            panic!("a used code was redeemed");
        };
        assert_eq!(error.code, TokenErrorCode::InvalidGrant);
        assert!(revoke);
        assert!(matches!(
            exchange_code(&used, "mallory", None, None, NOW),
            Exchange::Refuse { revoke: false, .. }
        ));
        // A refusal of an unused code (a wrong verifier) revokes nothing.
        let fresh = code(true, false);
        assert!(matches!(
            exchange_code(&fresh, "acme", None, Some("wrong"), NOW),
            Exchange::Refuse { revoke: false, .. }
        ));
        assert_eq!(
            exchange_code(&fresh, "acme", None, Some(VERIFIER), NOW),
            Exchange::Redeem
        );
        assert!(matches!(
            Exchange::lost_race(),
            Exchange::Refuse { revoke: true, .. }
        ));
    }

    #[test]
    fn pkce_verifier_rules() {
        assert_eq!(
            check_code(&code(true, false), "acme", None, Some(VERIFIER), NOW),
            Ok(())
        );
        let bad = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl";
        assert_eq!(
            code_of(check_code(&code(true, false), "acme", None, Some(bad), NOW)),
            Some(TokenErrorCode::InvalidGrant)
        );
        assert_eq!(
            code_of(check_code(&code(true, false), "acme", None, None, NOW)),
            Some(TokenErrorCode::InvalidGrant)
        );
        assert_eq!(
            code_of(check_code(
                &code(false, false),
                "acme",
                None,
                Some(VERIFIER),
                NOW
            )),
            Some(TokenErrorCode::InvalidGrant)
        );
    }

    #[test]
    fn binding_and_expiry() {
        let c = code(false, true);
        assert!(check_code(&c, "acme", Some("https://acme.example/cb"), None, NOW).is_ok());
        assert!(check_code(&c, "acme", None, None, NOW).is_err());
        assert!(check_code(&c, "acme", Some("https://acme.example/cb/"), None, NOW).is_err());
        assert!(check_code(&c, "other", Some("https://acme.example/cb"), None, NOW).is_err());
        assert!(check_code(&c, "acme", Some("https://acme.example/cb"), None, EXPIRES).is_err());
        assert!(check_code(
            &StoredCode {
                used: true,
                ..code(false, false)
            },
            "acme",
            None,
            None,
            NOW
        )
        .is_err());
    }

    #[test]
    fn basic_auth_is_form_decoded_and_exclusive() {
        let header = format!("Basic {}", STANDARD.encode("my%20client:s%3Acret"));
        let auth = client_auth(Some(&header), None, None).unwrap();
        assert_eq!(
            auth,
            ClientAuth {
                client_id: "my client".into(),
                secret: Some("s:cret".into())
            }
        );
        assert!(client_auth(Some(&header), None, Some("x")).is_err());
        assert_eq!(
            client_auth(None, None, None).unwrap_err().code,
            TokenErrorCode::InvalidClient
        );
        assert!(
            !format!("{auth:?}").contains("s:cret"),
            "secrets never in Debug"
        );
    }

    #[test]
    fn basic_parts_are_decoded_as_a_whole_rfc_6749_2_3_1() {
        // `&` and `=` are data: this is client `acme&x=y`, not `acme`.
        let header = format!("Basic {}", STANDARD.encode("acme&x=y:secret"));
        let auth = client_auth(Some(&header), None, None).unwrap();
        assert_eq!(auth.client_id, "acme&x=y");
        let header = format!("Basic {}", STANDARD.encode("acme%26x%3Dy:a+b%2B"));
        let auth = client_auth(Some(&header), None, None).unwrap();
        assert_eq!(auth.client_id, "acme&x=y");
        assert_eq!(auth.secret.as_deref(), Some("a b+"));
        let header = format!("Basic {}", STANDARD.encode("acme%FF:s"));
        assert_eq!(
            client_auth(Some(&header), None, None).unwrap_err().code,
            TokenErrorCode::InvalidClient
        );
    }

    #[test]
    fn secrets_are_checked() {
        let key = crypto::ServerKey::new(b"k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k");
        let stored = key.client_secret_hash("a", "right");
        let with = |s: Option<&str>| ClientAuth {
            client_id: "a".into(),
            secret: s.map(str::to_owned),
        };
        let check = |auth, stored, known, confidential| {
            authenticate(&key, &auth, stored, known, confidential)
        };
        assert_eq!(
            check(with(Some("right")), Some(&stored), true, true),
            Ok(Authenticated::AsStored)
        );
        assert!(check(with(Some("wrong")), Some(&stored), true, true).is_err());
        assert!(check(with(None), Some(&stored), true, true).is_err());
        assert!(check(with(None), None, true, false).is_ok());
        assert!(check(with(Some("x")), None, true, false).is_err());
        assert!(check(with(Some("right")), Some(&stored), false, true).is_err());
        // A confidential client whose secret is missing from the store
        // authenticates with nothing.
        assert!(check(with(None), None, true, true).is_err());
        assert!(check(with(Some("x")), None, true, true).is_err());
        // Under another server key the stored hash does not match.
        let other = crypto::ServerKey::new(b"o-o-o-o-o-o-o-o-o-o-o-o-o-o-o-o-o");
        assert!(authenticate(&other, &with(Some("right")), Some(&stored), true, true).is_err());
    }

    #[test]
    fn a_wrapped_older_hash_authenticates_and_is_rehashed_an_unwrapped_one_does_not() {
        let key = crypto::ServerKey::new(b"k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k-k");
        let old = crypto::hash_token("right");
        let wrapped = key.wrap_client_secret_hash("a", &old).unwrap();
        let auth = ClientAuth {
            client_id: "a".into(),
            secret: Some("right".into()),
        };
        assert_eq!(
            authenticate(&key, &auth, Some(&wrapped), true, true),
            Ok(Authenticated::Rehash(key.client_secret_hash("a", "right")))
        );
        assert!(authenticate(&key, &auth, Some(&old), true, true).is_err());
        let wrong = ClientAuth {
            secret: Some("wrong".into()),
            ..auth
        };
        assert!(authenticate(&key, &wrong, Some(&wrapped), true, true).is_err());
    }
}
