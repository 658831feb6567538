//! Token revocation (RFC 7009) and introspection (RFC 7662): the token
//! endpoint's siblings, authenticated as it is. A client revokes and
//! inspects only its own tokens; a user token is active only while the
//! consent it reads under is.

use serde_json::{json, Map, Value};

use super::token::{authenticated, Credentials};
use crate::consent::Status;
use crate::crypto::{self, ServerKey};
use crate::data::effective_scopes;
use crate::oauth2::client::Client;
use crate::oauth2::token::{TokenError, TokenErrorCode};
use crate::store::{AccessToken, Store, StoreError};
use crate::time::UnixTime;

/// A revocation or introspection request: the token and the client's
/// credentials. A `token_type_hint` is read past: there is one kind of
/// token to look for.
#[derive(Debug, Default)]
pub(crate) struct TokenQuery<'a> {
    pub token: Option<&'a str>,
    pub credentials: Credentials<'a>,
}

/// What the revocation endpoint answers.
#[derive(Debug)]
pub(crate) enum Revocation {
    /// `200` with an empty body: revoked now, or already unusable, or
    /// never a token (RFC 7009 §2.2: the client cannot do more about it).
    Done,
    Refused(TokenError),
}

/// What the introspection endpoint answers.
#[derive(Debug)]
pub(crate) enum Introspection {
    /// `200` with this RFC 7662 §2.2 body (`{"active": false}` or more).
    Answer(Value),
    Refused(TokenError),
}

/// `POST /oauth/revoke`: the client's own token stops working at once. A
/// token issued to another client is refused, and stays as it was (RFC
/// 7009 §2.1).
pub(crate) async fn revoke(
    store: &dyn Store,
    key: &ServerKey,
    query: &TokenQuery<'_>,
    now: UnixTime,
) -> Result<Revocation, StoreError> {
    let (client, token) = match checked(store, key, query).await? {
        Ok(found) => found,
        Err(e) => return Ok(Revocation::Refused(e)),
    };
    let Some(token) = token else {
        return Ok(Revocation::Done);
    };
    if token.client_id != client.id {
        return Ok(Revocation::Refused(TokenError::new(
            TokenErrorCode::UnauthorizedClient,
            "the token was not issued to this client",
        )));
    }
    store
        .revoke_access_token(&token.token_hash, &client.id, now)
        .await?;
    Ok(Revocation::Done)
}

/// `POST /oauth/introspect`: whether the client's own token is active,
/// and what it is. Only confidential clients may ask (a public client's
/// `client_id` proves nothing); another client's token, like an unknown,
/// expired or revoked one, is `{"active": false}`.
pub(crate) async fn introspect(
    store: &dyn Store,
    key: &ServerKey,
    query: &TokenQuery<'_>,
    now: UnixTime,
    issuer: &str,
) -> Result<Introspection, StoreError> {
    let (client, token) = match checked(store, key, query).await? {
        Ok(found) => found,
        Err(e) => return Ok(Introspection::Refused(e)),
    };
    if !client.confidential {
        return Ok(Introspection::Refused(TokenError::new(
            TokenErrorCode::UnauthorizedClient,
            "public clients may not introspect tokens",
        )));
    }
    let live = token.filter(|t| t.client_id == client.id && is_live(t, now));
    let Some(token) = live else {
        return Ok(Introspection::Answer(inactive()));
    };
    Ok(Introspection::Answer(
        describe(store, &client, &token, issuer, now).await?,
    ))
}

/// The authenticated client and the token it names, if that is a token.
async fn checked(
    store: &dyn Store,
    key: &ServerKey,
    query: &TokenQuery<'_>,
) -> Result<Result<(Client, Option<AccessToken>), TokenError>, StoreError> {
    let client = match authenticated(store, key, &query.credentials).await? {
        Ok(client) => client,
        Err(e) => return Ok(Err(e)),
    };
    let Some(token) = query.token.filter(|t| !t.is_empty()) else {
        return Ok(Err(TokenError::new(
            TokenErrorCode::InvalidRequest,
            "token is required",
        )));
    };
    let found = store.get_access_token(&crypto::hash_token(token)).await?;
    Ok(Ok((client, found)))
}

fn is_live(token: &AccessToken, now: UnixTime) -> bool {
    token.revoked_at.is_none() && now < token.expires_at
}

fn inactive() -> Value {
    json!({ "active": false })
}

/// An active token's RFC 7662 §2.2 members; a user token's only while
/// the consent it reads under is active at `now` (not withdrawn, its term
/// not run out; then its effective scopes).
async fn describe(
    store: &dyn Store,
    client: &Client,
    token: &AccessToken,
    issuer: &str,
    now: UnixTime,
) -> Result<Value, StoreError> {
    let mut body = Map::new();
    let scope = match &token.user_data_id {
        Some(user) => {
            let consent = store.get_consent(user).await?;
            let Some(consent) =
                consent.filter(|c| c.client_id == client.id && c.status_at(now) == Status::Active)
            else {
                return Ok(inactive());
            };
            body.insert("sub".into(), json!(user));
            let scopes = effective_scopes(&consent.scopes, token.scopes.as_ref());
            scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        }
        None => token
            .scopes
            .as_ref()
            .unwrap_or(&client.allowed_scopes)
            .to_oauth_string(),
    };
    body.insert("active".into(), json!(true));
    body.insert("scope".into(), json!(scope));
    body.insert("client_id".into(), json!(client.id));
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("exp".into(), json!(token.expires_at.as_secs()));
    body.insert("iat".into(), json!(token.created_at.as_secs()));
    body.insert("iss".into(), json!(issuer));
    Ok(Value::Object(body))
}
