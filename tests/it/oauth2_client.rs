//! The OAuth2 flow as an integrator writes it with the `oauth2` crate: its
//! authorize URL with PKCE, the pages, its code exchange, then a data read.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, ExtraTokenFields,
    PkceCodeChallenge, RedirectUrl, Scope, StandardRevocableToken, StandardTokenResponse,
    TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

use crate::support::*;

/// consent-link's addition to the token response.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct LinkFields {
    user_data_id: String,
}

impl ExtraTokenFields for LinkFields {}

type LinkClient<A, T> = oauth2::Client<
    BasicErrorResponse,
    StandardTokenResponse<LinkFields, BasicTokenType>,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    A,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    T,
>;

/// The crate's HTTP client, answered by the router in process.
async fn send(
    router: Router,
    req: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, std::io::Error> {
    let (parts, body) = req.into_parts();
    let res = router
        .oneshot(Request::from_parts(parts, Body::from(body)))
        .await
        .map_err(std::io::Error::other)?;
    let (parts, body) = res.into_parts();
    let bytes = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    Ok(oauth2::HttpResponse::from_parts(parts, bytes.to_vec()))
}

#[tokio::test]
async fn the_oauth2_crate_completes_the_flow_with_pkce_and_reads_data() {
    let app = TestApp::new().await;
    let client_id = app.client().await;
    let client: LinkClient<oauth2::EndpointSet, oauth2::EndpointSet> =
        LinkClient::new(ClientId::new(client_id.clone()))
            .set_client_secret(ClientSecret::new("secret".into()))
            .set_auth_uri(AuthUrl::new(format!("{ISSUER}/oauth/authorize")).unwrap())
            .set_token_uri(TokenUrl::new(format!("{ISSUER}/oauth/token")).unwrap())
            .set_redirect_uri(RedirectUrl::new("https://acme.example/cb".into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("info".into()))
        .add_scope(Scope::new("income".into()))
        .add_extra_param("test", "true")
        .set_pkce_challenge(challenge)
        .url();
    assert!(url.as_str().starts_with(ISSUER));
    let params = app
        .consent_as(url.path(), url.query().unwrap(), "ola")
        .await;
    assert_eq!(&params["state"], state.secret());
    assert_eq!(params["iss"], ISSUER);

    let router = app.router.clone();
    let http = move |req| send(router.clone(), req);
    let token = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap_or_else(|e| panic!("exchange failed: {e:?}"));
    assert_eq!(*token.token_type(), BasicTokenType::Bearer);
    let scopes: Vec<&str> = token.scopes().unwrap().iter().map(|s| s.as_str()).collect();
    assert_eq!(scopes, ["info", "income"]);
    let user = &token.extra_fields().user_data_id;
    app.collect().await;
    let res = app
        .api_get(
            &format!("/api/1.0/personal/{user}"),
            token.access_token().secret(),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["personal"]["ssn"], "03917823456");

    // The crate sees a replay as the RFC error it is.
    let (_, verifier) = PkceCodeChallenge::new_random_sha256();
    let replay = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await;
    match replay {
        Err(oauth2::RequestTokenError::ServerResponse(e)) => {
            assert_eq!(e.error().as_ref(), "invalid_grant")
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}
