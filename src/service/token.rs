//! Getting an API token: the OAuth2 token endpoint's two grants and the
//! product's client token. Takes the store, the time and the randomness;
//! the protocol rules are `oauth2::token`'s; the handler only matches the
//! outcome.

use rand::RngCore;
use serde_json::{json, Value};

use crate::crypto::{self, ServerKey};
use crate::flow::TOKEN_TTL;
use crate::oauth2::client::Client;
use crate::oauth2::scope::Scopes;
use crate::oauth2::token::{
    authenticate, client_auth, exchange_code, Authenticated, ClientAuth, Exchange, StoredCode,
    TokenError, TokenErrorCode,
};
use crate::store::{AccessToken, AuthorizationCode, Redemption, Store, StoreError, StoredClient};
use crate::time::UnixTime;

/// A token request's parameters, as read from the form and headers.
#[derive(Debug, Default)]
pub(crate) struct TokenRequest<'a> {
    pub grant_type: Option<&'a str>,
    pub code: Option<&'a str>,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub client_secret: Option<&'a str>,
    pub scope: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
}

/// What the token endpoint answers.
#[derive(Debug)]
pub(crate) enum TokenOutcome {
    /// RFC 6749 §5.1: the token response body.
    Issued(Value),
    /// RFC 6749 §5.2.
    Refused(TokenError),
}

impl From<TokenError> for TokenOutcome {
    fn from(e: TokenError) -> Self {
        TokenOutcome::Refused(e)
    }
}

/// Authenticates a client ([`authenticate`]); one whose secret was stored
/// in an older form (wrapped at start-up) gets it stored in the current one.
pub(crate) async fn authenticate_client(
    store: &dyn Store,
    key: &ServerKey,
    auth: &ClientAuth,
    row: Option<&StoredClient>,
    known: bool,
    confidential: bool,
) -> Result<Result<(), TokenError>, StoreError> {
    let secret_hash = row.and_then(|r| r.secret_hash.as_deref());
    match authenticate(key, auth, secret_hash, known, confidential) {
        Ok(Authenticated::AsStored) => Ok(Ok(())),
        Ok(Authenticated::Rehash(keyed)) => {
            if let Some(old) = secret_hash {
                store
                    .rehash_client_secret(&auth.client_id, old, &keyed)
                    .await?;
            }
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(e)),
    }
}

/// The client credentials of a request to the token endpoint or one of
/// its siblings (revocation, introspection): HTTP Basic or the form.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Credentials<'a> {
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub client_secret: Option<&'a str>,
}

/// The client that `credentials` authenticate (RFC 6749 §2.3), or the
/// `invalid_client` / `invalid_request` error to answer.
pub(crate) async fn authenticated(
    store: &dyn Store,
    key: &ServerKey,
    credentials: &Credentials<'_>,
) -> Result<Result<Client, TokenError>, StoreError> {
    let c = credentials;
    let auth = match client_auth(c.authorization, c.client_id, c.client_secret) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e)),
    };
    let row = store.get_client(&auth.client_id).await?;
    let confidential = row.as_ref().is_some_and(|r| r.client.confidential);
    let known = row.is_some();
    if let Err(e) =
        authenticate_client(store, key, &auth, row.as_ref(), known, confidential).await?
    {
        return Ok(Err(e));
    }
    match row {
        Some(StoredClient { client, .. }) => Ok(Ok(client)),
        None => Err(StoreError::Corrupt(
            "authenticated an unknown client".into(),
        )),
    }
}

/// `POST /oauth/token`: authenticates the client, then the grant.
pub(crate) async fn token(
    store: &dyn Store,
    key: &ServerKey,
    req: &TokenRequest<'_>,
    now: UnixTime,
    rng: &mut (dyn RngCore + Send),
) -> Result<TokenOutcome, StoreError> {
    let Some(grant_type) = req.grant_type else {
        return Ok(invalid_request("grant_type is required"));
    };
    if !matches!(grant_type, "client_credentials" | "authorization_code") {
        return Ok(TokenError::new(
            TokenErrorCode::UnsupportedGrantType,
            "grant_type must be authorization_code or client_credentials",
        )
        .into());
    }
    let credentials = Credentials {
        authorization: req.authorization,
        client_id: req.client_id,
        client_secret: req.client_secret,
    };
    let client = match authenticated(store, key, &credentials).await? {
        Ok(client) => client,
        Err(e) => return Ok(e.into()),
    };
    if grant_type == "client_credentials" {
        return client_credentials(store, &client, req.scope, now, rng).await;
    }
    let Some(code) = req.code else {
        return Ok(invalid_request("code is required"));
    };
    exchange(store, &client, code, req, now, rng).await
}

/// `authorization_code`: the code's checks and its single redemption.
async fn exchange(
    store: &dyn Store,
    client: &Client,
    code: &str,
    req: &TokenRequest<'_>,
    now: UnixTime,
    rng: &mut (dyn RngCore + Send),
) -> Result<TokenOutcome, StoreError> {
    let code_hash = crypto::hash_token(code);
    let Some(stored) = store.get_authorization_code(&code_hash).await? else {
        return Ok(
            TokenError::new(TokenErrorCode::InvalidGrant, "unknown authorization code").into(),
        );
    };
    let check = stored_code(&stored);
    let mut decision = exchange_code(&check, &client.id, req.redirect_uri, req.code_verifier, now);
    if decision == Exchange::Redeem {
        match redeem(store, &client.id, &stored, &code_hash, now, rng).await? {
            Some(issued) => return Ok(issued),
            None => decision = Exchange::lost_race(),
        }
    }
    let Exchange::Refuse { error, revoke } = decision else {
        return Err(StoreError::Corrupt(
            "an exchange neither issued nor refused".into(),
        ));
    };
    if revoke {
        store.revoke_tokens_of_code(&code_hash, now).await?;
    }
    Ok(error.into())
}

/// What the exchange rules need to know of a stored code.
fn stored_code(stored: &AuthorizationCode) -> StoredCode {
    StoredCode {
        client_id: stored.client_id.clone(),
        redirect_uri: stored.redirect_uri.clone(),
        redirect_given: stored.redirect_given,
        challenge: stored.code_challenge.clone(),
        expires_at: stored.expires_at,
        used: stored.used_at.is_some(),
    }
}

/// Redeems a code the rules allow: its single use and the user token, in
/// one write. `None` when another redemption took the code first.
async fn redeem(
    store: &dyn Store,
    client_id: &str,
    stored: &AuthorizationCode,
    code_hash: &str,
    now: UnixTime,
    rng: &mut (dyn RngCore + Send),
) -> Result<Option<TokenOutcome>, StoreError> {
    let (token, client_token) = mint(client_id, now, rng);
    let issued = AccessToken {
        user_data_id: Some(stored.user_data_id.clone()),
        scopes: Some(stored.scopes.clone()),
        code_hash: Some(code_hash.to_owned()),
        ..client_token
    };
    match store
        .redeem_authorization_code(code_hash, now, &issued)
        .await?
    {
        Redemption::Issued => {}
        Redemption::Refused => return Ok(None),
    }
    let scope = stored.scopes.to_oauth_string();
    Ok(Some(TokenOutcome::Issued(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL.as_secs(),
        "scope": scope,
        "user_data_id": stored.user_data_id,
    }))))
}

/// `client_credentials`: a client token, which reads any of this client's
/// users within each one's consent. Only confidential clients get one (a
/// public client cannot keep a secret, so it could not keep this either).
async fn client_credentials(
    store: &dyn Store,
    client: &Client,
    scope: Option<&str>,
    now: UnixTime,
    rng: &mut (dyn RngCore + Send),
) -> Result<TokenOutcome, StoreError> {
    if !client.confidential {
        return Ok(TokenError::new(
            TokenErrorCode::UnauthorizedClient,
            "public clients may not use client_credentials",
        )
        .into());
    }
    let allowed = &client.allowed_scopes;
    // A narrower scope asked for is what the token reads (RFC 6749 §3.3).
    let granted = match scope.map(Scopes::parse) {
        None => None,
        Some(Ok(asked)) if asked.is_subset(allowed) => Some(asked),
        Some(_) => {
            return Ok(TokenError::new(
                TokenErrorCode::InvalidScope,
                "scope must be a subset of the client's allowed scopes",
            )
            .into())
        }
    };
    let token = client_token(store, &client.id, granted.as_ref(), now, rng).await?;
    Ok(TokenOutcome::Issued(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL.as_secs(),
        "scope": granted.as_ref().unwrap_or(allowed).to_oauth_string(),
    })))
}

/// Stores a fresh client token, limited to `scopes` when given; returns it.
pub(crate) async fn client_token(
    store: &dyn Store,
    client_id: &str,
    scopes: Option<&Scopes>,
    now: UnixTime,
    rng: &mut (dyn RngCore + Send),
) -> Result<String, StoreError> {
    let (token, mut row) = mint(client_id, now, rng);
    row.scopes = scopes.cloned();
    store.insert_access_token(&row).await?;
    Ok(token)
}

/// A fresh token and its row as a client token (no user, no scope limit);
/// a code exchange narrows the row to its user.
fn mint(client_id: &str, now: UnixTime, rng: &mut (dyn RngCore + Send)) -> (String, AccessToken) {
    let token = crypto::random_token(rng);
    let row = AccessToken {
        token_hash: crypto::hash_token(&token),
        client_id: client_id.to_owned(),
        user_data_id: None,
        scopes: None,
        code_hash: None,
        created_at: now,
        expires_at: now + TOKEN_TTL,
        revoked_at: None,
    };
    (token, row)
}

fn invalid_request(description: &str) -> TokenOutcome {
    TokenError::new(TokenErrorCode::InvalidRequest, description).into()
}
