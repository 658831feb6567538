//! The harness: a real app on a real database, a fixed clock, and helpers
//! that read pages the way a browser would.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use consent_link::crypto::ServerKey;
use consent_link::oauth2::client::Client;
use consent_link::oauth2::scope::Scopes;
use consent_link::store::Store;
pub use consent_link::UnixTime;
use consent_link::{AppState, Clock};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const T0: UnixTime = UnixTime::from_secs(1_800_000_000);
pub const ISSUER: &str = "https://link.example";

/// A clock the test moves by hand.
pub struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.0.load(Ordering::SeqCst))
    }
}

/// `n` seconds, to move a time by: `T0 + secs(100)`.
pub const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

impl TestClock {
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

/// The database for one test: a fresh SQLite file, or the PostgreSQL
/// database named by `TEST_DATABASE_URL` (shared by the run; every test
/// uses its own client IDs).
pub fn database_url() -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            let dir = std::env::temp_dir().join("consent-link-tests");
            let _ = std::fs::create_dir_all(&dir);
            format!("sqlite://{}/{}.db", dir.display(), uuid::Uuid::new_v4())
        }
    }
}

/// A database no other test reads: a fresh SQLite file, or on PostgreSQL
/// a new database beside `TEST_DATABASE_URL`'s. For a test that plants
/// rows the store would never write ([`execute_raw`]): in the shared
/// database another test listing clients would read them.
pub async fn own_database_url() -> String {
    let url = database_url();
    if !url.starts_with("postgres") {
        return url;
    }
    let name = format!("own_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    let mut own = url::Url::parse(&url).unwrap();
    own.set_path(&name);
    own.to_string()
}

/// Runs `sql` with `binds` on the database at `url` behind the store's
/// back: how a test plants a row the store itself would never write.
pub async fn execute_raw(url: &str, sql: &str, binds: &[&str]) {
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let mut query = sqlx::query(sql);
        for value in binds {
            query = query.bind(*value);
        }
        query.execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let mut query = sqlx::query(sql);
        for value in binds {
            query = query.bind(*value);
        }
        query.execute(&pool).await.unwrap();
    }
}

pub async fn store() -> Arc<dyn Store> {
    consent_link::store::connect(&database_url()).await.unwrap()
}

pub struct TestApp {
    /// What the router serves, for routers a test builds around it.
    pub state: AppState,
    pub router: Router,
    /// `GET /metrics`, on the operators' listener.
    pub metrics_router: Router,
    pub store: Arc<dyn Store>,
    pub clock: Arc<TestClock>,
    pub key: ServerKey,
}

/// What a registered test client looks like; adjust before `register`.
pub struct ClientSpec {
    pub callbacks: Vec<&'static str>,
    pub scopes: &'static str,
    pub styles_origins: Vec<&'static str>,
    pub test_allowed: bool,
    pub confidential: bool,
}

impl Default for ClientSpec {
    fn default() -> Self {
        ClientSpec {
            callbacks: vec!["https://acme.example/cb"],
            scopes: "info,income,vehicles,unsecured_loans",
            styles_origins: vec!["https://cdn.acme.example"],
            test_allowed: true,
            confidential: true,
        }
    }
}

/// An app without configured authentication methods (only test mode's
/// test BankID).
pub fn no_methods() -> consent_link::upstream::Upstream {
    consent_link::upstream::Upstream::new(Vec::new(), ISSUER).unwrap()
}

/// A `--sources` file with one source serving `scopes` (comma-separated)
/// on a loopback port where nothing listens: what a production client's
/// link needs to start (a scope no source serves is refused), for tests
/// that run no collection. Its ID is unique (the database may be shared).
pub fn uncalled_source(scopes: &str) -> String {
    let quoted: Vec<String> = scopes.split(',').map(|s| format!("{s:?}")).collect();
    format!(
        "[[source]]\nid = \"uncalled-{}\"\nscopes = [{}]\nurl = \"http://127.0.0.1:9/collect\"\n",
        uuid::Uuid::new_v4(),
        quoted.join(", ")
    )
}

/// Themes as in production, with a 1-second fetch timeout so that a test
/// of a slow sheet does not wait the full 5 seconds.
pub fn test_themes() -> consent_link::theme::Themes {
    consent_link::theme::Themes::new(consent_link::theme::ThemeLimits {
        timeout: std::time::Duration::from_secs(1),
        ..Default::default()
    })
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with_upstream(no_methods()).await
    }

    /// An app whose authentication methods are `upstream`'s.
    pub async fn with_upstream(upstream: consent_link::upstream::Upstream) -> TestApp {
        let store = store().await;
        let clock = Arc::new(TestClock(AtomicI64::new(T0.as_secs())));
        let key = ServerKey::new(b"test-key-test-key-test-key-test-key");
        TestApp::serve(store, clock, key, upstream, &Default::default())
    }

    /// One deployment: its state, served with `options`.
    fn serve(
        store: Arc<dyn Store>,
        clock: Arc<TestClock>,
        key: ServerKey,
        upstream: consent_link::upstream::Upstream,
        options: &consent_link::http::Options,
    ) -> TestApp {
        let receipt_keys = Arc::new(consent_link::receipt::KeyRing::new(&key, 1, &[]).unwrap());
        let state = AppState {
            receipt_keys,
            store: store.clone(),
            key: key.clone(),
            issuer: ISSUER.into(),
            session_ttl: secs(1800),
            clock: clock.clone(),
            upstream: Arc::new(upstream),
            metrics: Arc::new(consent_link::metrics::Metrics::new().unwrap()),
            themes: Arc::new(test_themes()),
            // Each app's test flows collect under a test source ID of
            // their own: tests share one PostgreSQL database.
            sources: Arc::new(
                consent_link::sources::Sources::default()
                    .with_test_source_id(&format!("test-{}", uuid::Uuid::new_v4())),
            ),
        };
        TestApp {
            metrics_router: consent_link::metrics_router(state.clone()),
            router: consent_link::app_with(state.clone(), options),
            state,
            store,
            clock,
            key,
        }
    }

    /// The same deployment (store, key, clock) started again with other
    /// authentication methods.
    pub fn redeployed(&self, upstream: consent_link::upstream::Upstream) -> TestApp {
        let (store, clock, key) = (self.store.clone(), self.clock.clone(), self.key.clone());
        TestApp::serve(store, clock, key, upstream, &Default::default())
    }

    /// The same deployment served with other router options (the demo,
    /// rate limits, timeouts).
    pub fn with_options(&self, options: &consent_link::http::Options) -> TestApp {
        let (store, clock, key) = (self.store.clone(), self.clock.clone(), self.key.clone());
        TestApp::serve(store, clock, key, no_methods(), options)
    }

    /// [`Self::with_options`] with the demo on.
    pub fn with_demo(&self) -> TestApp {
        self.with_options(&consent_link::http::Options {
            demo: true,
            ..Default::default()
        })
    }

    /// This deployment with the data sources of `toml` (a `--sources`
    /// file's text), served with the default router options. TestApp runs
    /// no collection workers, so no source is called.
    pub fn with_sources(self, toml: &str) -> TestApp {
        let test_source = self.state.sources.test_source().to_owned();
        let mut state = self.state;
        state.sources = Arc::new(
            consent_link::sources::parse(toml, &|_| None)
                .unwrap()
                .with_test_source_id(&test_source),
        );
        TestApp {
            metrics_router: consent_link::metrics_router(state.clone()),
            router: consent_link::app_with(state.clone(), &Default::default()),
            state,
            ..self
        }
    }

    /// Registers a client with a unique ID and returns the ID.
    pub async fn register(&self, spec: ClientSpec) -> String {
        let id = format!("c-{}", uuid::Uuid::new_v4());
        let client = Client {
            id: id.clone(),
            name: "Acme Bank".into(),
            callback_uris: spec.callbacks.iter().map(|s| s.to_string()).collect(),
            allowed_scopes: Scopes::parse(spec.scopes).unwrap(),
            styles_origins: spec.styles_origins.iter().map(|s| s.to_string()).collect(),
            test_allowed: spec.test_allowed,
            confidential: spec.confidential,
        };
        let secret = spec
            .confidential
            .then(|| self.key.client_secret_hash(&id, "secret"));
        self.store
            .insert_client(&client, secret.as_deref(), T0)
            .await
            .unwrap();
        id
    }

    pub async fn client(&self) -> String {
        self.register(ClientSpec::default()).await
    }

    /// Runs the collection workers of a `serve` (the built-in test source
    /// and this app's configured sources) until no job is due now: what a
    /// worker does in the background, at a moment the test chooses.
    pub async fn collect(&self) -> usize {
        let worker = consent_link::collect::worker::Worker {
            store: self.store.clone(),
            sources: self.state.sources.clone(),
            key: self.key.clone(),
            http: consent_link::collect::worker::Worker::http_client().unwrap(),
            clock: self.clock.clone(),
            id: format!("w-{}", uuid::Uuid::new_v4()),
            metrics: self.state.metrics.clone(),
            lease_margin: consent_link::collect::worker::LEASE_MARGIN,
        };
        let mut ran = 0;
        while worker.run_one().await.unwrap() {
            ran += 1;
        }
        ran
    }

    /// The collection `id`, which must exist.
    pub async fn collection(&self, id: &str) -> consent_link::store::Collection {
        self.store.get_collection(id).await.unwrap().unwrap()
    }

    /// `GET /metrics` on the operators' listener.
    pub async fn metrics(&self) -> Page {
        let req = Request::get("/metrics").body(Body::empty()).unwrap();
        Page::read(self.metrics_router.clone().oneshot(req).await.unwrap()).await
    }

    pub async fn get(&self, uri: &str) -> Page {
        self.get_with(uri, &[]).await
    }

    pub async fn get_with(&self, uri: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = Request::get(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    pub async fn post_form(&self, uri: &str, fields: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// A form POST with extra headers (e.g. `Authorization`).
    pub async fn post_form_with(
        &self,
        uri: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut req =
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// A data API read with a Bearer token.
    pub async fn api_get(&self, uri: &str, token: &str) -> Page {
        self.get_with(uri, &[("authorization", &format!("Bearer {token}"))])
            .await
    }

    /// A client token for `client_id` (whose test secret is `secret`).
    pub async fn client_token(&self, client_id: &str) -> String {
        let res = self
            .send(
                Request::post("/api/1.0/auth")
                    .header("Client-ID", client_id)
                    .header("Secret-Key", "secret")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json()["token"].as_str().unwrap().to_owned()
    }

    /// A Link-entry flow for `client_id` as `person`; returns the user ID.
    pub async fn link_user(&self, client_id: &str, scope: &str, person: &str) -> String {
        let params = self
            .consent_as(
                "/link",
                &format!(
                    "client_id={client_id}&scope={scope}&test=true&callback_uri={}",
                    enc("https://acme.example/cb")
                ),
                person,
            )
            .await;
        params["code"].clone()
    }

    /// An OAuth2-entry flow for `client_id` that kari consents to; `extra`
    /// is added to the authorize query. Returns the authorization code.
    pub async fn oauth_code(&self, client_id: &str, scope: &str, extra: &str) -> String {
        let query =
            format!("client_id={client_id}&scope={scope}&test=true&response_type=code{extra}");
        self.consent_as("/oauth/authorize", &query, "kari").await["code"].clone()
    }

    /// [`Self::oauth_code`] exchanged with form credentials: the user token
    /// and the user ID.
    pub async fn user_token(&self, client_id: &str, scope: &str) -> (String, String) {
        let code = self.oauth_code(client_id, scope, "").await;
        let res = self
            .post_form(
                "/oauth/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("client_id", client_id),
                    ("client_secret", "secret"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let body = res.json();
        let field = |k: &str| body[k].as_str().unwrap().to_owned();
        (field("access_token"), field("user_data_id"))
    }

    pub async fn send(&self, req: Request<Body>) -> Page {
        Page::read(self.router.clone().oneshot(req).await.unwrap()).await
    }

    /// Starts a flow at `entry?query` and returns the first page.
    pub async fn start(&self, entry: &str, query: &str) -> Page {
        let page = self.get(&format!("{entry}?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "start failed: {}", page.body);
        page
    }

    /// Walks a started flow through method selection and the test BankID
    /// as `person`, returning the session path and its CSRF token.
    pub async fn sign_in(&self, first: &Page, person: &str) -> (String, String) {
        let res = self.authenticate(first, person).await;
        // Signed in: the session goes on under a new ID (issue 11).
        self.follow_session(&res).await
    }

    /// Method selection and the test BankID as `person`: the answer to
    /// the sign-in.
    pub async fn authenticate(&self, first: &Page, person: &str) -> Page {
        let sid = first.session_path();
        let csrf = first.csrf();
        let res = self
            .post_form(
                &format!("{sid}/method"),
                &[("csrf", &csrf), ("method", "test_bankid")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let res = self
            .post_form(
                &format!("{sid}/authenticate"),
                &[("csrf", &csrf), ("person", person)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        res
    }

    /// Follows a redirect to the session page under its (new) ID and
    /// returns that path and its CSRF token.
    pub async fn follow_session(&self, res: &Page) -> (String, String) {
        let next = res
            .location()
            .expect("a redirect to the session")
            .to_owned();
        assert!(next.starts_with("/s/"), "not a session page: {next}");
        let page = self.get(&next).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        (next, page.csrf())
    }

    /// A whole flow that consents; returns the callback's query parameters.
    pub async fn consent_as(
        &self,
        entry: &str,
        query: &str,
        person: &str,
    ) -> HashMap<String, String> {
        let first = self.start(entry, query).await;
        let (sid, csrf) = self.sign_in(&first, person).await;
        let res = self
            .post_form(
                &format!("{sid}/consent"),
                &[("csrf", &csrf), ("decision", "accept")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        res.callback_params()
    }
}

pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    /// A router's whole answer: status, headers and the body as text.
    pub async fn read(res: axum::response::Response) -> Page {
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    /// The query parameters of the redirect's target.
    pub fn callback_params(&self) -> HashMap<String, String> {
        let location = self
            .location()
            .unwrap_or_else(|| panic!("no redirect: {} {}", self.status, self.body));
        let url = url::Url::parse(location).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let map: HashMap<String, String> = pairs.iter().cloned().collect();
        assert_eq!(map.len(), pairs.len(), "a parameter repeated in {location}");
        map
    }

    /// The `/s/<id>` path that this page's forms post under.
    pub fn session_path(&self) -> String {
        let start = self.body.find("action=\"/s/").expect("no session form") + "action=\"".len();
        let rest = &self.body[start..];
        let end = rest[3..].find('/').unwrap() + 3;
        rest[..end].to_owned()
    }

    pub fn csrf(&self) -> String {
        attr_after(&self.body, "name=\"csrf\" value=\"")
    }

    /// The iframe messages the page's script would post, and their origin.
    pub fn frame_messages(&self) -> (String, Vec<serde_json::Value>) {
        let origin = attr_after(&self.body, "data-origin=\"");
        let json = html_unescape(&attr_after(&self.body, "data-messages=\""));
        (origin, serde_json::from_str(&json).unwrap())
    }
}

fn attr_after(body: &str, marker: &str) -> String {
    let start = body
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {body}"))
        + marker.len();
    let end = body[start..].find('"').unwrap();
    body[start..start + end].to_owned()
}

pub fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl TestApp {
    /// An app on the database at `url` (one a test made for itself), keyed
    /// by `key`, its clock at `now`, with `upstream`'s methods.
    pub async fn on_database(
        url: &str,
        key: &str,
        now: UnixTime,
        upstream: consent_link::upstream::Upstream,
    ) -> TestApp {
        let store = consent_link::store::connect(url).await.unwrap();
        let clock = Arc::new(TestClock(AtomicI64::new(now.as_secs())));
        let key = ServerKey::new(key.as_bytes());
        TestApp::serve(store, clock, key, upstream, &Default::default())
    }
}
