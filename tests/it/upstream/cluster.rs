//! Two `serve` processes on one PostgreSQL (issue 14, "How it is
//! checked"): many collections, each reaching the source once (retries
//! aside) and each ending final; then one process killed (SIGKILL) while it
//! holds a job, which the other finishes once the lease runs out.
//!
//! The consents come from real flows (a production client, a sign-in at
//! the mock provider) through the in-process app on the same database and
//! server key: they write the collections and their jobs exactly as a
//! `serve` would. The two processes, the built binary, run only the
//! collection: the part under test. The source is a real HTTP server on
//! loopback; each process sends it its own token (`token_env`), so the
//! source knows which process called.
//!
//! PostgreSQL only (SQLite is one writer on one machine): the test makes a
//! database of its own on `TEST_DATABASE_URL`'s server, since a `serve`
//! process purges by the real clock and delivers every client's webhooks,
//! which would disturb the other tests sharing that database.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{json, Value};
use sqlx::Connection;

use super::*;

/// The server key of the app and both processes.
const KEY: &str = "cluster-test-key-cluster-test-key-0123";
const SOURCE: &str = "cluster";
/// Per attempt; the lease is this plus `LEASE_MARGIN`.
const TIMEOUT_SECS: u64 = 4;
const LEASE_MARGIN: u64 = 2;
const COLLECTIONS: usize = 20;

/// A database of this test's own, dropped when the test ends.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    async fn create(admin: &str) -> Database {
        let name = format!("cl_cluster_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let mut url = url::Url::parse(admin).unwrap();
        url.set_path(&name);
        Database {
            admin: admin.to_owned(),
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Its own runtime: a test's runtime may be ending.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .map(|_| ())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

/// One call the source got.
#[derive(Clone, Debug)]
struct Call {
    key: String,
    /// Which process: the token it was given.
    token: String,
    national_id: String,
    at: Instant,
}

#[derive(Default)]
struct Script {
    calls: Vec<Call>,
    /// National IDs whose first call answers 503.
    fail_first: HashSet<String>,
    /// The national ID whose first call is never answered.
    hang: Option<String>,
}

#[derive(Clone, Default)]
struct Source(Arc<Mutex<Script>>);

impl Source {
    async fn start() -> (Source, String) {
        let source = Source::default();
        let app = axum::Router::new()
            .route("/collect", post(collect))
            .with_state(source.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/collect", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (source, url)
    }

    fn calls(&self) -> Vec<Call> {
        self.0.lock().unwrap().calls.clone()
    }
}

async fn collect(State(source): State<Source>, headers: HeaderMap, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let text = |v: Option<&axum::http::HeaderValue>| {
        v.and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
    };
    let call = Call {
        key: text(headers.get("idempotency-key")),
        token: text(headers.get("authorization")),
        national_id: body["national_id"].as_str().unwrap_or("").to_owned(),
        at: Instant::now(),
    };
    let (hang, fail) = {
        let mut s = source.0.lock().unwrap();
        let first = !s.calls.iter().any(|c| c.key == call.key);
        let hang = first && s.hang.as_deref() == Some(call.national_id.as_str());
        let fail = first && s.fail_first.contains(&call.national_id);
        s.calls.push(call);
        (hang, fail)
    };
    if hang {
        std::future::pending::<()>().await;
    }
    // Long enough that both processes' workers get some of the work.
    tokio::time::sleep(Duration::from_millis(200)).await;
    if fail {
        return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
    }
    Json(json!({"data": {"info": crate::collect::info_body()}})).into_response()
}

/// A `consent-link serve` process; killed if the test ends first.
struct Instance {
    child: std::process::Child,
    token: String,
    metrics: String,
    log: PathBuf,
}

impl Instance {
    /// Starts `serve` on `db` with `sources`, sending the source `token`,
    /// once it says it is running.
    async fn start(db: &str, sources: &std::path::Path, token: &str) -> Instance {
        let metrics = format!("127.0.0.1:{}", free_port());
        let log = sources.with_file_name(format!("{token}.log"));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_consent-link"))
            .args(["serve", "--bind", "127.0.0.1:0", "--metrics-bind", &metrics])
            .args([
                "--workers",
                "3",
                "--lease-margin",
                &LEASE_MARGIN.to_string(),
            ])
            .arg("--sources")
            .arg(sources)
            .env("DATABASE_URL", db)
            .env("CONSENT_LINK_SECRET_KEY", KEY)
            .env("CLUSTER_SOURCE_TOKEN", token)
            .env("RUST_LOG", "warn")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line).unwrap();
            line
        })
        .await
        .unwrap();
        let instance = Instance {
            child,
            token: format!("Bearer {token}"),
            metrics,
            log,
        };
        assert!(line.contains("running"), "{line} {}", instance.logs());
        instance
    }

    /// What it logged, escape sequences taken out.
    fn logs(&self) -> String {
        let raw = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut out = String::new();
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                chars.by_ref().find(|c| c.is_ascii_alphabetic());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// `consent_link_collection_jobs{source="cluster",state}` on its
    /// `/metrics`: every instance's jobs, counted in the database.
    async fn jobs_gauge(&self, state: &str) -> i64 {
        let text = reqwest::get(format!("http://{}/metrics", self.metrics))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let series =
            format!("consent_link_collection_jobs{{source=\"{SOURCE}\",state=\"{state}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&series))
            .unwrap_or_else(|| panic!("no {series} in {text}"))
            .parse()
            .unwrap()
    }

    /// SIGKILL: no shutdown, the job it holds is left as it is.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- {} logged:\n{}", self.token, self.logs());
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn national_id(n: usize) -> String {
    format!("0202803{n:04}")
}

/// The sources file both processes serve (and the app's sources).
fn sources_toml(url: &str) -> String {
    format!(
        "[[source]]\nid = \"{SOURCE}\"\nscopes = [\"info\"]\nurl = \"{url}\"\n\
         token_env = \"CLUSTER_SOURCE_TOKEN\"\ntimeout_secs = {TIMEOUT_SECS}\nattempts = 3\n"
    )
}

/// Waits until the latest collection of each of `users` is final; returns
/// them by user.
async fn all_final(
    app: &TestApp,
    users: &[String],
    within: Duration,
) -> HashMap<String, consent_link::store::Collection> {
    let end = Instant::now() + within;
    loop {
        let mut rows = HashMap::new();
        for user in users {
            let row = app.store.latest_collection(user).await.unwrap().unwrap();
            if row.finished_at.is_some() {
                rows.insert(user.clone(), row);
            }
        }
        if rows.len() == users.len() {
            return rows;
        }
        assert!(
            Instant::now() < end,
            "{} of {} collections final",
            rows.len(),
            users.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The app and provider on the real clock: the processes' workers take
/// jobs due by it.
async fn app_on(db: &Database, op: &Op, sources: &str) -> (TestApp, String) {
    let now = consent_link::Clock::now(&consent_link::SystemClock);
    op.0.lock().unwrap().now = now;
    let mut app = TestApp::on_database(&db.url, KEY, now, upstream_for(&op.issuer())).await;
    app.state.sources =
        Arc::new(consent_link::sources::parse(sources, &|_| Some("in-process".into())).unwrap());
    app.router = consent_link::app(app.state.clone());
    let client = app
        .register(ClientSpec {
            test_allowed: false,
            ..ClientSpec::default()
        })
        .await;
    (app, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_processes_share_the_collections_and_take_over_a_killed_ones_job() {
    let admin = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => url,
        _ => {
            eprintln!("skipped: two serve processes need PostgreSQL (set TEST_DATABASE_URL)");
            return;
        }
    };
    let db = Database::create(&admin).await;
    let op = Op::start().await;
    let (source, url) = Source::start().await;
    let sources = sources_toml(&url);
    let (app, client) = app_on(&db, &op, &sources).await;
    let dir = std::env::temp_dir().join(format!("cl-cluster-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sources.toml");
    std::fs::write(&file, &sources).unwrap();
    let mut a = Instance::start(&db.url, &file, "process-a").await;
    let mut b = Instance::start(&db.url, &file, "process-b").await;

    many_collections_reach_the_source_once(&app, &op, &client, &source, [&a, &b]).await;
    the_holder_killed_the_other_finishes(&app, &op, &client, &source, &mut a, &mut b).await;
    drop((a, b));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Many consents while both processes run: each collection reaches the
/// source once per `request_id` (twice for those whose first call got a
/// 503), with the signed-in person's number, and ends `done`; both
/// processes took part.
async fn many_collections_reach_the_source_once(
    app: &TestApp,
    op: &Op,
    client: &str,
    source: &Source,
    instances: [&Instance; 2],
) {
    let fail_first: HashSet<String> = (0..COLLECTIONS).step_by(5).map(national_id).collect();
    source.0.lock().unwrap().fail_first = fail_first.clone();
    let mut users = Vec::new();
    let mut person = HashMap::new();
    for n in 0..COLLECTIONS {
        let user = link_as(app, op, client, &national_id(n)).await["code"].clone();
        person.insert(user.clone(), national_id(n));
        users.push(user);
    }
    let rows = all_final(app, &users, Duration::from_secs(30)).await;
    let calls = source.calls();
    for (user, row) in &rows {
        assert_eq!(row.status.as_str(), "done", "{row:?}");
        assert!(row.national_id_sealed.is_none(), "the national ID is kept");
        let mine: Vec<&Call> = calls.iter().filter(|c| c.key == row.id).collect();
        let nin = &person[user];
        let expected = if fail_first.contains(nin) { 2 } else { 1 };
        assert_eq!(mine.len(), expected, "{nin}: {mine:?}");
        assert!(mine.iter().all(|c| &c.national_id == nin), "{mine:?}");
    }
    assert_eq!(calls.len(), COLLECTIONS + fail_first.len(), "{calls:?}");
    for instance in instances {
        assert!(
            calls.iter().any(|c| c.token == instance.token),
            "{} collected nothing: {calls:?}",
            instance.token
        );
    }
    // Each source failure is logged with the source and the reason; never
    // with a national ID.
    let logs = instances[0].logs() + &instances[1].logs();
    let retried: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("source failed"))
        .collect();
    assert_eq!(retried.len(), fail_first.len(), "{logs}");
    for line in retried {
        assert!(
            line.contains("source=cluster") && line.contains("reason=answered 503"),
            "{line}"
        );
    }
    assert!(
        !logs.contains("0202803"),
        "a national ID was logged: {logs}"
    );
    let name = crate::collect::info_body()["personal"]["last_name"].clone();
    let name = name.as_str().unwrap();
    assert!(!logs.contains(name), "collected data was logged: {logs}");
}

/// A collection whose first call the source never answers: the process
/// holding it is killed; the other, which meanwhile reports the job as
/// running, calls the source again for it once the lease (the longest
/// time-out plus the margin) has run out, not before, and finishes it.
async fn the_holder_killed_the_other_finishes(
    app: &TestApp,
    op: &Op,
    client: &str,
    source: &Source,
    a: &mut Instance,
    b: &mut Instance,
) {
    source.0.lock().unwrap().hang = Some(national_id(99));
    let user = link_as(app, op, client, &national_id(99)).await["code"].clone();
    let first = first_call_of(source, &national_id(99)).await;
    let (dead, alive) = if first.token == a.token {
        (a, b)
    } else {
        (b, a)
    };
    dead.kill();
    // The survivor sees the dead one's job, still leased, as running.
    assert_eq!(alive.jobs_gauge("running").await, 1);
    let rows = all_final(app, std::slice::from_ref(&user), Duration::from_secs(20)).await;
    assert_eq!(rows[&user].status.as_str(), "done");
    assert_eq!(alive.jobs_gauge("queued").await, 0);
    assert_eq!(alive.jobs_gauge("running").await, 0);

    let calls: Vec<Call> = source.calls();
    let again: Vec<&Call> = calls.iter().filter(|c| c.key == first.key).collect();
    assert_eq!(again.len(), 2, "{again:?}");
    assert_eq!(again[1].token, alive.token);
    let waited = again[1].at - first.at;
    // Give or take the clock's whole seconds.
    assert!(
        waited >= Duration::from_secs(TIMEOUT_SECS + LEASE_MARGIN - 2),
        "taken over after {waited:?}, before the lease ran out"
    );
}

/// Waits for the source's first call for `nin`.
async fn first_call_of(source: &Source, nin: &str) -> Call {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(c) = source.calls().into_iter().find(|c| c.national_id == nin) {
            return c;
        }
        assert!(Instant::now() < end, "no process took the job");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
