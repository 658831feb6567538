//! Sign-in at a configured OpenID Connect provider (issue 5), against a
//! scripted provider on loopback that signs real ID tokens and can be told
//! to misbehave in each way a relying party must catch. (`.ci/run` also
//! runs the flow against oidc-provider from npm, in the browser suite.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use consent_link::upstream::Upstream;
use openidconnect::core::{
    CoreGenderClaim, CoreHmacKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    AdditionalClaims, Audience, IdToken, IdTokenClaims, IssuerUrl, JsonWebKeyId, JsonWebKeySet,
    Nonce, PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::logs::capture;
use crate::support::*;

/// Issue 14: two `serve` processes on one PostgreSQL.
mod cluster;
/// Issue 11: the relying party's hardening.
mod collection;
mod hardening;
/// One live sign-in per session; the sign-in rate limit.
mod one_sign_in;
/// Issue 12: rules of the README's Security section without a test before.
mod rules;

const OP_CLIENT: &str = "consent-link";
const OP_SECRET: &str = "op-secret";
const ACR: &str = "urn:grn:authn:no:bankid:high";
const NIN: &str = "01017012345";
const ADDRESS: &str = "Storgata 1, 0155 Oslo";

#[derive(Debug, Serialize, Deserialize)]
struct Pid {
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pid: serde_json::Value,
    /// Set only to send a standard claim with the wrong type.
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
}
impl AdditionalClaims for Pid {}

/// How the provider misbehaves in its next ID tokens.
#[derive(Clone, Default)]
struct Defects {
    issuer: Option<String>,
    audience: Option<String>,
    /// A second audience besides consent-link.
    extra_audience: Option<String>,
    /// Issued to another party (`azp`).
    azp: Option<String>,
    expired: bool,
    /// `iat` this many seconds ahead of the clock (and `exp` after it).
    issued_ahead: Option<i64>,
    nonce: Option<String>,
    acr: Option<String>,
    /// Sign with this key (an index into the keys), published or not.
    sign_with: Option<usize>,
    /// Sign with HS256 keyed by the client secret (the provider also
    /// names HS256 in its metadata).
    hmac: bool,
    /// Say the end user signed in an hour ago (a provider session).
    stale_login: bool,
    /// Leave out `auth_time`.
    no_auth_time: bool,
    /// Send the standard `address` claim as text, not an object.
    address_as_text: bool,
    /// Send the national identity number as a JSON number (it loses its
    /// leading zero).
    pid_as_number: bool,
    /// Leave out the national identity number, the nonce or the acr.
    no_pid: bool,
    no_nonce: bool,
    no_acr: bool,
    /// `alg: none`, unsigned.
    unsigned: bool,
    /// A token response without an ID token.
    no_id_token: bool,
    token_endpoint_fails: bool,
}

struct Grant {
    nonce: String,
    challenge: String,
    nin: String,
}

struct OpState {
    issuer: String,
    keys: Vec<CoreRsaPrivateSigningKey>,
    published: Vec<usize>,
    signing: usize,
    defects: Defects,
    grants: HashMap<String, Grant>,
    jwks_fetches: usize,
    /// Name a token endpoint over plain http off this machine.
    insecure_token_endpoint: bool,
    /// Say in the metadata that every authorization response carries
    /// `iss` (RFC 9207).
    sends_iss: bool,
    /// More metadata fields, or fields replaced.
    extra_metadata: serde_json::Map<String, serde_json::Value>,
    /// The provider's clock (the app's, moved along with it).
    now: UnixTime,
}

#[derive(Clone)]
struct Op(Arc<Mutex<OpState>>);

impl Op {
    async fn start() -> Op {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let key = |pem: &str, kid: &str| {
            CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new(kid.into()))).unwrap()
        };
        let op = Op(Arc::new(Mutex::new(OpState {
            issuer,
            keys: vec![
                key(include_str!("fixtures/op-key-a.pem"), "key-a"),
                key(include_str!("fixtures/op-key-b.pem"), "key-b"),
                // Key b's material under key a's ID: a key changed
                // without a new ID.
                key(include_str!("fixtures/op-key-b.pem"), "key-a"),
            ],
            published: vec![0],
            signing: 0,
            defects: Defects::default(),
            grants: HashMap::new(),
            jwks_fetches: 0,
            insecure_token_endpoint: false,
            sends_iss: false,
            extra_metadata: serde_json::Map::new(),
            now: T0,
        })));
        let router = axum::Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .with_state(op.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        op
    }

    fn issuer(&self) -> String {
        self.0.lock().unwrap().issuer.clone()
    }

    fn misbehave(&self, defects: Defects) {
        self.0.lock().unwrap().defects = defects;
    }

    /// The end user signs in as `nin`: the provider remembers what the
    /// authorization request asked for under a fresh code.
    fn sign_in(&self, request: &url::Url, nin: &str) -> String {
        let q: HashMap<String, String> = request.query_pairs().into_owned().collect();
        let code = format!("code-{}", uuid::Uuid::new_v4());
        self.0.lock().unwrap().grants.insert(
            code.clone(),
            Grant {
                nonce: q["nonce"].clone(),
                challenge: q["code_challenge"].clone(),
                nin: nin.into(),
            },
        );
        code
    }
}

async fn discovery(State(op): State<Op>) -> Json<serde_json::Value> {
    let issuer = op.issuer();
    let (sends_iss, extra) = {
        let s = op.0.lock().unwrap();
        (s.sends_iss, s.extra_metadata.clone())
    };
    let token_endpoint = if op.0.lock().unwrap().insecure_token_endpoint {
        "http://op.example/token".to_owned()
    } else {
        format!("{issuer}/token")
    };
    let mut metadata = serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": token_endpoint,
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "HS256"],
    });
    if sends_iss {
        metadata["authorization_response_iss_parameter_supported"] = true.into();
    }
    for (k, v) in extra {
        metadata[k] = v;
    }
    Json(metadata)
}

async fn jwks(State(op): State<Op>) -> Json<serde_json::Value> {
    let mut s = op.0.lock().unwrap();
    s.jwks_fetches += 1;
    let keys = s
        .published
        .iter()
        .map(|i| s.keys[*i].as_verification_key())
        .collect();
    Json(serde_json::to_value(JsonWebKeySet::new(keys)).unwrap())
}

async fn token(
    State(op): State<Op>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let s = op.0.lock().unwrap();
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{OP_CLIENT}:{OP_SECRET}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    if s.defects.token_endpoint_fails {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let Some(grant) = form.get("code").and_then(|c| s.grants.get(c)) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != grant.challenge {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    let d = &s.defects;
    // The app's clock, not the machine's.
    let now = s.now.to_datetime().unwrap();
    let exp = if d.expired {
        now - chrono::Duration::minutes(5)
    } else {
        now + chrono::Duration::minutes(5) + chrono::Duration::seconds(d.issued_ahead.unwrap_or(0))
    };
    let iat = match d.issued_ahead {
        Some(ahead) => now + chrono::Duration::seconds(ahead),
        None => now - chrono::Duration::minutes(6),
    };
    let mut audiences = vec![Audience::new(
        d.audience.clone().unwrap_or_else(|| OP_CLIENT.into()),
    )];
    audiences.extend(d.extra_audience.clone().map(Audience::new));
    let claims = IdTokenClaims::new(
        IssuerUrl::new(d.issuer.clone().unwrap_or_else(|| s.issuer.clone())).unwrap(),
        audiences,
        exp,
        iat,
        StandardClaims::new(SubjectIdentifier::new(format!("sub-{}", grant.nin))),
        Pid {
            pid: if d.no_pid {
                serde_json::Value::Null
            } else if d.pid_as_number {
                serde_json::json!(grant.nin.parse::<u64>().unwrap())
            } else {
                serde_json::json!(grant.nin)
            },
            address: d.address_as_text.then(|| ADDRESS.to_owned()),
        },
    )
    .set_authorized_party(d.azp.clone().map(openidconnect::ClientId::new))
    .set_nonce(
        (!d.no_nonce).then(|| Nonce::new(d.nonce.clone().unwrap_or_else(|| grant.nonce.clone()))),
    )
    .set_auth_context_ref((!d.no_acr).then(|| {
        openidconnect::AuthenticationContextClass::new(d.acr.clone().unwrap_or_else(|| ACR.into()))
    }))
    .set_auth_time(match (d.no_auth_time, d.stale_login) {
        (true, _) => None,
        (false, true) => Some(now - chrono::Duration::hours(1)),
        (false, false) => Some(now - chrono::Duration::seconds(20)),
    });
    let id_token: IdToken<
        Pid,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    > = if d.hmac {
        IdToken::new(
            claims,
            &CoreHmacKey::new(OP_SECRET.as_bytes()),
            CoreJwsSigningAlgorithm::HmacSha256,
            None,
            None,
        )
    } else {
        IdToken::new(
            claims,
            &s.keys[d.sign_with.unwrap_or(s.signing)],
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            None,
            None,
        )
    }
    .unwrap();
    let mut id_token = id_token.to_string();
    if d.unsigned {
        // The same claims under `alg: none`, with no signature.
        let payload = id_token.split('.').nth(1).unwrap().to_owned();
        id_token = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#));
    }
    let mut response = serde_json::json!({
        "access_token": "op-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    });
    if d.no_id_token {
        response.as_object_mut().unwrap().remove("id_token");
    }
    Json(response).into_response()
}

fn methods_toml(issuer: &str) -> String {
    format!(
        r#"
[[provider]]
id = "broker"
issuer = "{issuer}"
client_id = "{OP_CLIENT}"
client_secret = "{OP_SECRET}"

[[method]]
id = "bankid"
provider = "broker"
acr_values = "{ACR}"
identity_claim = "pid"
name = {{ en = "BankID", nb = "BankID på nett" }}
"#
    )
}

async fn app_with(issuer: &str) -> TestApp {
    TestApp::with_upstream(upstream_for(issuer)).await
}

/// The methods of `methods_toml(issuer)`.
fn upstream_for(issuer: &str) -> Upstream {
    let methods = consent_link::methods::parse(
        &methods_toml(issuer),
        std::path::Path::new("."),
        &|_| None,
        &consent_link::i18n::supported(),
    )
    .unwrap();
    Upstream::new(methods, ISSUER).unwrap()
}

/// One sign-in under way: where the provider was asked to, and the
/// cookie of the browser that went there.
struct Leg {
    sid: String,
    csrf: String,
    request: url::Url,
    cookie: String,
}

impl Leg {
    /// The sign-in that `res` (the answer sending the browser to the
    /// provider) started for session `sid`.
    fn from_answer(sid: &str, csrf: String, res: &Page) -> Leg {
        Leg {
            sid: sid.to_owned(),
            csrf,
            request: url::Url::parse(res.location().unwrap()).unwrap(),
            cookie: res
                .header("set-cookie")
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned(),
        }
    }

    fn state(&self) -> String {
        self.request
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned()
    }
}

/// Starts a redirect-mode flow and picks BankID: the browser is sent to
/// the provider.
async fn leave_for_provider(app: &TestApp, entry: &str, query: &str) -> Leg {
    let first = app.start(entry, query).await;
    assert!(first.body.contains("value=\"bankid\""), "{}", first.body);
    let sid = first.session_path();
    let res = app
        .post_form(
            &format!("{sid}/method"),
            &[("csrf", &first.csrf()), ("method", "bankid")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    Leg::from_answer(&sid, first.csrf(), &res)
}

/// The provider sends the browser back with `query`.
async fn come_back(app: &TestApp, leg: &Leg, query: &str) -> Page {
    app.get_with(
        &format!("/oidc/callback?{query}&state={}", enc(&leg.state())),
        &[("cookie", &leg.cookie)],
    )
    .await
}

/// Signs in as `nin`, consents, and returns the callback's parameters.
async fn link_as(app: &TestApp, op: &Op, client: &str, nin: &str) -> HashMap<String, String> {
    link_for(app, op, client, nin, "info").await
}

/// A Link flow for `scope`, signed in at the provider as `nin`, consented.
async fn link_for(
    app: &TestApp,
    op: &Op,
    client: &str,
    nin: &str,
    scope: &str,
) -> HashMap<String, String> {
    let leg = leave_for_provider(app, "/link", &format!("client_id={client}&scope={scope}")).await;
    let code = op.sign_in(&leg.request, nin);
    // With RFC 9207's `iss`, naming the right provider.
    let back = come_back(app, &leg, &format!("code={code}&iss={}", enc(&op.issuer()))).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    // Signed in: the session goes on under a new ID (issue 11).
    let next = back.location().unwrap().to_owned();
    assert!(next.starts_with("/s/") && next != leg.sid, "{next}");
    let consent = app.get(&next).await;
    assert!(consent.body.contains("decision"), "{}", consent.body);
    let done = app
        .post_form(
            &format!("{next}/consent"),
            &[("csrf", &consent.csrf()), ("decision", "accept")],
        )
        .await;
    done.callback_params()
}

#[tokio::test]
async fn sign_in_through_the_provider_gives_one_pairwise_id_per_client() {
    let op = Op::start().await;
    // A production client's link needs a source for its scopes.
    let app = app_with(&op.issuer())
        .await
        .with_sources(&uncalled_source("info"));
    let a = app
        .register(ClientSpec {
            test_allowed: false,
            ..ClientSpec::default()
        })
        .await;
    let b = app.client().await;

    let first = link_as(&app, &op, &a, NIN).await;
    let user = first["code"].clone();
    assert!(uuid::Uuid::parse_str(&user).is_ok(), "{first:?}");
    // A production client's results and data are not marked test.
    assert!(!first.contains_key("test"), "{first:?}");
    let token = app.client_token(&a).await;
    let body = app
        .api_get(&format!("/api/1.0/personal/{user}"), &token)
        .await
        .json();
    assert!(body.get("test").is_none(), "{body}");
    assert_eq!(link_as(&app, &op, &a, NIN).await["code"], user);
    assert_ne!(link_as(&app, &op, &b, NIN).await["code"], user);
    assert_ne!(link_as(&app, &op, &a, "02028012345").await["code"], user);

    // Only a keyed hash of the national identity number is stored.
    let consent = app.store.get_consent(&user).await.unwrap().unwrap();
    assert_eq!(consent.subject_hash, app.key.subject_hash(NIN));
    assert!(!consent.subject_hash.contains(NIN));
}

#[tokio::test]
async fn the_authorization_request_has_state_nonce_pkce_and_acr() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let leg = leave_for_provider(
        &app,
        "/link",
        &format!("client_id={client}&scope=info&locale=nb"),
    )
    .await;
    assert!(leg
        .request
        .as_str()
        .starts_with(&format!("{}/auth?", op.issuer())));
    let q: HashMap<String, String> = leg.request.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], OP_CLIENT);
    assert_eq!(q["redirect_uri"], format!("{ISSUER}/oidc/callback"));
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["acr_values"], ACR);
    assert_eq!(q["ui_locales"], "nb");
    // A fresh sign-in, not a provider session someone left behind.
    assert_eq!(q["prompt"], "login");
    assert_eq!(q["max_age"], "600");
    assert!(q["scope"].split(' ').any(|s| s == "openid"));
    for k in ["state", "nonce", "code_challenge"] {
        assert!(q[k].len() >= 43, "{k} carries 256 bits: {}", q[k]);
    }
    assert_ne!(q["state"], q["nonce"]);
    // The browser is bound to this sign-in by an HttpOnly cookie.
    assert!(leg.cookie.starts_with("cl_up_"), "{}", leg.cookie);
    // The session ID never goes to the provider.
    assert!(!leg
        .request
        .as_str()
        .contains(leg.sid.trim_start_matches("/s/")));
}

#[tokio::test]
async fn cancel_at_the_provider_gives_access_denied() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let query = format!("client_id={client}&scope=info&response_type=code&state=st-9");
    let leg = leave_for_provider(&app, "/oauth/authorize", &query).await;
    let back = come_back(&app, &leg, "error=access_denied&error_description=aborted").await;
    assert_eq!(back.location(), Some(leg.sid.as_str()));
    let result = app.get(&leg.sid).await;
    let params = result.callback_params();
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st-9");
    assert!(!params.contains_key("code"));
    // Link entry: the product's status.
    let leg = leave_for_provider(&app, "/link", &format!("client_id={client}&scope=info")).await;
    come_back(&app, &leg, "error=access_denied").await;
    assert_eq!(
        app.get(&leg.sid).await.callback_params()["error"],
        "USER_CANCELLED"
    );
}

/// The provider's usual behaviour but for what `f` changes.
fn defect(f: impl FnOnce(&mut Defects)) -> Defects {
    let mut d = Defects::default();
    f(&mut d);
    d
}

/// Starts Link with `state` and picks BankID, whose sign-in cannot start:
/// the browser comes straight back to the session page. The session path
/// and that page.
async fn sign_in_that_cannot_start(app: &TestApp, client: &str, state: &str) -> (String, Page) {
    let first = app
        .start(
            "/link",
            &format!("client_id={client}&scope=info&state={state}"),
        )
        .await;
    let sid = first.session_path();
    let res = app
        .post_form(
            &format!("{sid}/method"),
            &[("csrf", &first.csrf()), ("method", "bankid")],
        )
        .await;
    assert_eq!(res.location(), Some(sid.as_str()), "{}", res.body);
    let page = app.get(&sid).await;
    (sid, page)
}

/// A flow whose ID token has `defects`: what the integrator gets.
async fn with_defects(op: &Op, app: &TestApp, defects: Defects) -> HashMap<String, String> {
    with_defects_traced(op, app, defects).await.0
}

/// [`with_defects`], and the request ID of the callback, which its log
/// lines carry (the capture buffer is shared by the whole binary).
async fn with_defects_traced(
    op: &Op,
    app: &TestApp,
    defects: Defects,
) -> (HashMap<String, String>, String) {
    let client = app.client().await;
    let query = format!("client_id={client}&scope=info&response_type=code&state=st-1");
    let leg = leave_for_provider(app, "/oauth/authorize", &query).await;
    let code = op.sign_in(&leg.request, NIN);
    op.misbehave(defects);
    let back = come_back(app, &leg, &format!("code={code}")).await;
    op.misbehave(Defects::default());
    assert_eq!(back.location(), Some(leg.sid.as_str()), "{}", back.body);
    let request_id = back.header("x-request-id").unwrap().to_owned();
    (result_params(&app.get(&leg.sid).await), request_id)
}

/// What a session page after a failed sign-in delivers: a page that says
/// what happened, with a link that takes the result back.
fn result_params(page: &Page) -> HashMap<String, String> {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let href =
        html_unescape(&page.body[page.body.find("href=\"https://acme.example/cb").unwrap() + 6..]);
    let href = &href[..href.find('"').unwrap()];
    url::Url::parse(href)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

#[tokio::test]
async fn an_id_token_that_fails_a_check_is_server_error_and_logged_by_check() {
    let logs = capture();
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let cases: Vec<(&str, Defects)> = vec![
        (
            "iss",
            defect(|d| d.issuer = Some("https://evil.example".into())),
        ),
        ("aud", defect(|d| d.audience = Some("someone-else".into()))),
        // Also for us, but for someone else too (an audience we do not
        // trust), even naming us as the authorized party.
        (
            "aud",
            defect(|d| {
                d.extra_audience = Some("someone-else".into());
                d.azp = Some(OP_CLIENT.into());
            }),
        ),
        ("exp", defect(|d| d.expired = true)),
        ("nonce", defect(|d| d.nonce = Some("not-the-nonce".into()))),
        (
            "acr",
            defect(|d| d.acr = Some("urn:grn:authn:no:bankid:substantial".into())),
        ),
        ("signature", defect(|d| d.sign_with = Some(1))),
        // Keyed with our own client secret: not the provider's signature.
        ("signature", defect(|d| d.hmac = true)),
        // The provider answered from a login session older than this
        // sign-in (someone earlier on a shared computer), or did not say.
        ("auth_time", defect(|d| d.stale_login = true)),
        ("auth_time", defect(|d| d.no_auth_time = true)),
        // Claims that must be there.
        ("nonce", defect(|d| d.no_nonce = true)),
        ("acr", defect(|d| d.no_acr = true)),
        ("identity_claim", defect(|d| d.no_pid = true)),
        ("id_token", defect(|d| d.no_id_token = true)),
        ("signature", defect(|d| d.unsigned = true)),
        // 01017012345 as a number is 1017012345: not the same person's
        // number, so not an identity.
        ("identity_claim", defect(|d| d.pid_as_number = true)),
    ];
    for (check, defects) in cases {
        let (params, request_id) = with_defects_traced(&op, &app, defects).await;
        assert_eq!(params["error"], "server_error", "{check}: {params:?}");
        assert_eq!(params["state"], "st-1");
        assert!(!params.contains_key("code"), "{check}");
        // Only this case's callback, at ERROR (issue 12).
        let logged = logs.text();
        let names_check = |line: &&str| {
            line.contains(&request_id)
                && line.contains(" ERROR ")
                && (line.contains(&format!("check=\"{check}\""))
                    || line.contains(&format!("check={check} ")))
        };
        assert!(
            logged.lines().any(|line| names_check(&line)),
            "no ERROR line of request {request_id} names the {check} check"
        );
    }
    assert!(!logs.text().contains(NIN), "the national ID was logged");
}

#[tokio::test]
async fn cancel_after_a_failed_sign_in_delivers_the_failure() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let query = format!("client_id={client}&scope=info&response_type=code&state=st-f");
    let leg = leave_for_provider(&app, "/oauth/authorize", &query).await;
    let code = op.sign_in(&leg.request, NIN);
    op.misbehave(defect(|d| d.nonce = Some("not-the-nonce".into())));
    come_back(&app, &leg, &format!("code={code}")).await;
    op.misbehave(Defects::default());
    // The end user presses Cancel (say, in the frame, before it noticed).
    let res = app
        .post_form(&format!("{}/cancel", leg.sid), &[("csrf", &leg.csrf)])
        .await;
    let body = html_unescape(&res.body);
    assert!(body.contains("error=server_error"), "{body}");
    assert!(!body.contains("access_denied"), "{body}");
    assert!(res.location().is_none(), "a page says what happened first");
    // A failed session is final: opening it again shows the same failure
    // and changes nothing (a GET never moves a session).
    let again = html_unescape(&app.get(&leg.sid).await.body);
    assert!(again.contains("error=server_error"), "{again}");
    let row = app
        .store
        .get_link_session(&consent_link::crypto::hash_token(
            leg.sid.trim_start_matches("/s/"),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.step, consent_link::flow::Step::Failed);
}

#[tokio::test]
async fn every_step_may_land_on_another_instance() {
    // Two instances behind a load balancer, one database (SPEC: no flow
    // state in a process's memory), taking turns.
    let op = Op::start().await;
    let a = app_with(&op.issuer()).await;
    let b = a.redeployed(upstream_for(&op.issuer()));
    let client = a.client().await;
    let leg = leave_for_provider(
        &a,
        "/link",
        &format!("client_id={client}&scope=info&state=st-lb"),
    )
    .await;
    let code = op.sign_in(&leg.request, NIN);
    let back = come_back(&b, &leg, &format!("code={code}")).await;
    let next = back.location().unwrap().to_owned();
    assert!(next.starts_with("/s/") && next != leg.sid, "{}", back.body);
    let consent = a.get(&next).await;
    assert!(consent.body.contains("decision"), "{}", consent.body);
    let done = b
        .post_form(
            &format!("{next}/consent"),
            &[("csrf", &consent.csrf()), ("decision", "accept")],
        )
        .await;
    let params = done.callback_params();
    assert_eq!(params["state"], "st-lb");
    assert_eq!(params["code"], link_as(&a, &op, &client, NIN).await["code"]);
}

#[tokio::test]
async fn a_method_removed_while_the_end_user_signs_in_is_a_clear_page() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    // A live (not test-mode) session that chose the configured BankID...
    let leg = leave_for_provider(&app, "/link", &format!("client_id={client}&scope=info")).await;
    // ...and a deploy without it before the end user comes back.
    let after = app.redeployed(no_methods());
    let page = after.get(&leg.sid).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("no longer available"), "{}", page.body);
    assert!(!page.body.contains("person-kari"), "never the test persons");
    // A test-mode session that chose the test BankID still gets its page.
    let test = after
        .start("/link", &format!("client_id={client}&scope=info&test=true"))
        .await;
    let sid = test.session_path();
    after
        .post_form(
            &format!("{sid}/method"),
            &[("csrf", &test.csrf()), ("method", "test_bankid")],
        )
        .await;
    assert!(after.get(&sid).await.body.contains("person-kari"));
}

#[tokio::test]
async fn a_token_response_that_does_not_parse_is_logged_without_its_data() {
    let logs = capture();
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let params = with_defects(&op, &app, defect(|d| d.address_as_text = true)).await;
    assert_eq!(params["error"], "temporarily_unavailable", "{params:?}");
    let logged = logs.text();
    assert!(logged.contains("does not parse at"), "{logged}");
    assert!(
        !logged.contains("Storgata"),
        "claim data was logged: {logged}"
    );
    assert!(!logged.contains(NIN), "the national ID was logged");
}

/// Issue 11: a provider's `error`, as the browser brings it, cannot
/// write a line of its own into the log, nor colour the terminal.
#[tokio::test]
async fn a_provider_error_with_a_newline_or_escape_is_logged_escaped_on_one_line() {
    let logs = capture();
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let leg = leave_for_provider(&app, "/link", &format!("client_id={client}&scope=info")).await;
    let marker = format!("mark{}", uuid::Uuid::new_v4().simple());
    let forged = format!("{marker}%0A2026-01-01T00:00:00Z%20%20INFO%20forged{marker}%1B%5B31m");
    come_back(&app, &leg, &format!("error={forged}")).await;
    let logged = logs.text();
    let lines: Vec<&str> = logged.lines().filter(|l| l.contains(&marker)).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("provider_error="), "{}", lines[0]);
    assert!(lines[0].contains("\\n2026-01-01"), "{}", lines[0]);
    assert!(lines[0].contains("\\u{1b}[31m"), "{}", lines[0]);
    assert!(!logged.contains('\u{1b}'), "a raw escape reached the log");
}

#[tokio::test]
async fn a_provider_naming_a_plain_http_endpoint_is_not_used() {
    let op = Op::start().await;
    op.0.lock().unwrap().insecure_token_endpoint = true;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    // The sign-in does not start: the client secret would travel in clear.
    let (_, page) = sign_in_that_cannot_start(&app, &client, "st-h").await;
    assert!(page.body.contains("error=TEMPORARY_ERROR"), "{}", page.body);
    assert!(page.body.contains("state=st-h"), "{}", page.body);
}

#[tokio::test]
async fn a_misbehaving_token_endpoint_is_temporarily_unavailable() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let params = with_defects(&op, &app, defect(|d| d.token_endpoint_fails = true)).await;
    assert_eq!(params["error"], "temporarily_unavailable");
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_accepted() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    link_as(&app, &op, &client, NIN).await;
    assert_eq!(op.0.lock().unwrap().jwks_fetches, 1);
    // Cached keys serve the next sign-in without a fetch.
    link_as(&app, &op, &client, NIN).await;
    assert_eq!(op.0.lock().unwrap().jwks_fetches, 1);
    {
        let mut s = op.0.lock().unwrap();
        s.published = vec![0, 1];
        s.signing = 1;
    }
    let params = link_as(&app, &op, &client, NIN).await;
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(op.0.lock().unwrap().jwks_fetches, 2);
}

#[tokio::test]
async fn an_unreachable_provider_is_a_clear_page_and_temporarily_unavailable() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let app = app_with(&issuer).await;
    let client = app.client().await;
    let (sid, page) = sign_in_that_cannot_start(&app, &client, "st-2").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("not available right now"),
        "{}",
        page.body
    );
    assert!(page.body.contains("error=TEMPORARY_ERROR"), "{}", page.body);
    assert!(page.body.contains("state=st-2"), "{}", page.body);
    // A failed session is final: opening it again shows the same failure.
    let again = app.get(&sid).await;
    assert!(
        again.body.contains("error=TEMPORARY_ERROR"),
        "{}",
        again.body
    );

    // In iframe mode the same error reaches the embedding page.
    let first = app
        .start(
            "/link",
            &format!("client_id={client}&scope=info&iframe=true&state=st-3"),
        )
        .await;
    let sid = first.session_path();
    app.post_form(
        &format!("{sid}/method"),
        &[("csrf", &first.csrf()), ("method", "bankid")],
    )
    .await;
    let waiting = app.get(&sid).await;
    let res = app
        .post_form(&format!("{sid}/upstream"), &[("csrf", &waiting.csrf())])
        .await;
    assert_eq!(res.status, StatusCode::OK, "the sign-in window says so");
    let (_, messages) = app.get(&sid).await.frame_messages();
    let error = messages.iter().find(|m| m["type"] == "error").unwrap();
    assert_eq!(error["error"]["status"], "TEMPORARY_ERROR");
    assert_eq!(error["state"], "st-3");
}

#[tokio::test]
async fn a_replayed_or_foreign_state_is_refused() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;

    let leg = leave_for_provider(&app, "/link", &format!("client_id={client}&scope=info")).await;
    let code = op.sign_in(&leg.request, NIN);
    // Another browser cannot use the state: without the cookie, or with
    // the cookie's name but not its value.
    let (name, _) = leg.cookie.split_once('=').unwrap();
    for cookie in [None, Some(format!("{name}=guessed"))] {
        let foreign = app
            .get_with(
                &format!("/oidc/callback?code={code}&state={}", enc(&leg.state())),
                &cookie
                    .as_deref()
                    .map(|c| vec![("cookie", c)])
                    .unwrap_or_default(),
            )
            .await;
        assert_eq!(foreign.status, StatusCode::BAD_REQUEST, "{cookie:?}");
        assert!(foreign.location().is_none());
    }
    // Nor use it up: the end user's own browser still comes back.
    let back = come_back(&app, &leg, &format!("code={code}")).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let replay = come_back(&app, &leg, &format!("code={code}")).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(replay.body.contains("already used"), "{}", replay.body);
    // An unknown state, and none at all.
    for q in ["code=x&state=made-up", "code=x"] {
        assert_eq!(
            app.get(&format!("/oidc/callback?{q}")).await.status,
            StatusCode::BAD_REQUEST
        );
    }
    // The session went on once, to consent, under its new ID.
    let next = back.location().unwrap();
    assert!(app.get(next).await.body.contains("decision"));
}

#[tokio::test]
async fn a_callback_naming_another_issuer_is_refused() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let leg = leave_for_provider(&app, "/link", &format!("client_id={client}&scope=info")).await;
    let code = op.sign_in(&leg.request, NIN);
    come_back(
        &app,
        &leg,
        &format!("code={code}&iss={}", enc("https://evil.example")),
    )
    .await;
    let page = app.get(&leg.sid).await;
    assert!(page.body.contains("error=INTERNAL_ERROR"), "{}", page.body);
}

#[tokio::test]
async fn iframe_mode_signs_in_in_another_window_and_the_frame_goes_on() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    let first = app
        .start(
            "/link",
            &format!("client_id={client}&scope=info&iframe=true&state=st-4"),
        )
        .await;
    let sid = first.session_path();
    let res = app
        .post_form(
            &format!("{sid}/method"),
            &[("csrf", &first.csrf()), ("method", "bankid")],
        )
        .await;
    assert_eq!(res.location(), Some(sid.as_str()), "the frame stays");
    let waiting = app.get(&sid).await;
    assert!(
        waiting.body.contains("target=\"_blank\""),
        "{}",
        waiting.body
    );
    let (_, messages) = waiting.frame_messages();
    assert_eq!(messages[0]["status"], "method_selected");
    assert_eq!(
        app.get(&format!("{sid}/status")).await.json()["step"],
        "method_selected"
    );

    // The new window: to the provider and back.
    let res = app
        .post_form(&format!("{sid}/upstream"), &[("csrf", &waiting.csrf())])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let leg = Leg::from_answer(&sid, waiting.csrf(), &res);
    let code = op.sign_in(&leg.request, NIN);
    let back = come_back(&app, &leg, &format!("code={code}")).await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(back.body.contains("Close this window"), "{}", back.body);
    assert!(back
        .header("content-security-policy")
        .unwrap()
        .contains("frame-ancestors 'none'"));

    // The sign-in window hands the session's new path to the frame (by
    // postMessage to Link's own origin, in popup.js); the old path now
    // only says that the session moved.
    let next = attr(&back.body, "data-next=\"");
    assert!(next.starts_with("/s/") && next != sid, "{next}");
    let old = app.get(&format!("{sid}/status")).await.json();
    assert_eq!(old, serde_json::json!({"step": null, "moved": true}));
    assert_eq!(
        app.get(&format!("{next}/status")).await.json()["step"],
        "authenticated"
    );
    let consent = app.get(&next).await;
    let (_, messages) = consent.frame_messages();
    let statuses: Vec<_> = messages.iter().map(|m| m["status"].clone()).collect();
    assert_eq!(statuses, ["authenticated", "consent_shown"]);
    assert!(messages.iter().all(|m| m["state"] == "st-4"));
}

#[tokio::test]
async fn the_method_page_offers_exactly_the_configured_methods_plus_test_mode() {
    let op = Op::start().await;
    // A production client's link needs a source for its scopes.
    let app = app_with(&op.issuer())
        .await
        .with_sources(&uncalled_source("info"));
    let live = app
        .register(ClientSpec {
            test_allowed: false,
            ..ClientSpec::default()
        })
        .await;
    let test = app.client().await;
    let page = app
        .start("/link", &format!("client_id={live}&scope=info&locale=nb"))
        .await;
    assert!(
        page.body.contains(">BankID på nett</button>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("test_bankid"));
    let page = app
        .start("/link", &format!("client_id={test}&scope=info&test=true"))
        .await;
    assert!(page.body.contains("value=\"test_bankid\""));
    assert!(page.body.contains("value=\"bankid\""));
    // A method that is not configured is refused.
    let res = app
        .post_form(
            &format!("{}/method", page.session_path()),
            &[("csrf", &page.csrf()), ("method", "minid")],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    // The method page's CSP lets its form go on to the provider, through
    // whatever origins its sign-in passes (a browser checks every redirect
    // hop): any https origin, and any port of a loopback provider's host.
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("form-action 'self' https://acme.example http://127.0.0.1:* https:;"),
        "{csp}"
    );
    // Pages after sign-in do not.
    let (sid, _) = app.sign_in(&page, "kari").await;
    let consent = app.get(&sid).await;
    assert!(
        consent.body.contains("value=\"accept\""),
        "{}",
        consent.body
    );
    let csp = consent.header("content-security-policy").unwrap();
    assert!(
        csp.contains("form-action 'self' https://acme.example;"),
        "{csp}"
    );
}

#[test]
fn serve_stops_at_a_config_error_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("cl-methods-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("methods.toml");
    std::fs::write(&file, methods_toml("ftp://idp.example")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_consent-link"))
        .args(["serve", "--bind", "127.0.0.1:0", "--methods"])
        .arg(&file)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/db.sqlite", dir.display()),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("issuer"), "{stderr}");
    assert!(stderr.contains("methods.toml"), "{stderr}");
}

/// The value of the attribute whose text starts after `marker`.
fn attr(body: &str, marker: &str) -> String {
    let start = body
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {body}"))
        + marker.len();
    html_unescape(&body[start..start + body[start..].find('"').unwrap()])
}

/// Consent fixation through a real provider (issue 11): the attacker starts
/// a flow, sends the victim the link; the victim signs in at the provider
/// in its own browser. The attacker (another client, no cookies) then
/// tries everything with the old link and gets nothing; the victim's flow
/// completes.
#[tokio::test]
async fn fixation_a_stranger_cannot_finish_a_sign_in_at_a_provider() {
    let op = Op::start().await;
    let app = app_with(&op.issuer()).await;
    let client = app.client().await;
    for entry in ["/link", "/oauth/authorize"] {
        for iframe in [false, true] {
            let mut query = format!("client_id={client}&scope=info&state=attackers-state");
            if entry != "/link" {
                query.push_str("&response_type=code");
            }
            if iframe {
                query.push_str("&iframe=true");
            }
            let attackers = app.start(entry, &query).await;
            let (sid, csrf) = (attackers.session_path(), attackers.csrf());
            // The victim opens the link and goes to the provider.
            let victims = app.get(&sid).await;
            let res = app
                .post_form(
                    &format!("{sid}/method"),
                    &[("csrf", &victims.csrf()), ("method", "bankid")],
                )
                .await;
            let res = if iframe {
                // The frame stays; the sign-in window posts on.
                assert_eq!(res.location(), Some(sid.as_str()));
                app.post_form(&format!("{sid}/upstream"), &[("csrf", &victims.csrf())])
                    .await
            } else {
                res
            };
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
            let leg = Leg::from_answer(&sid, victims.csrf(), &res);
            let code = op.sign_in(&leg.request, NIN);
            let back = come_back(&app, &leg, &format!("code={code}")).await;
            let next = if iframe {
                assert_eq!(back.status, StatusCode::OK, "{}", back.body);
                attr(&back.body, "data-next=\"")
            } else {
                assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
                back.location().unwrap().to_owned()
            };
            assert_ne!(next, sid);
            crate::fixation::attacker_gets_nothing(&app, &sid, &csrf).await;
            // The victim's own flow completes.
            let consent = app.get(&next).await;
            let done = app
                .post_form(
                    &format!("{next}/consent"),
                    &[("csrf", &consent.csrf()), ("decision", "accept")],
                )
                .await;
            if iframe {
                let (_, messages) = done.frame_messages();
                assert!(messages.iter().any(|m| m["type"] == "code"), "{messages:?}");
            } else {
                assert!(done.callback_params().contains_key("code"));
            }
            crate::fixation::attacker_gets_nothing(&app, &sid, &csrf).await;
        }
    }
}
