//! Issue 11: what a connection may cost (`consent_link::serve`, on a real
//! socket on loopback), `/metrics` on its own listener, the demo only on
//! loopback, the server key on PostgreSQL, and shutdown on SIGTERM.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use consent_link::http::Options;
use consent_link::serve::ConnLimits;

use crate::support::*;

/// Serves `app`'s router with `limits` on a free loopback port until the
/// test ends.
async fn serve(app: &TestApp, limits: ConnLimits) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(consent_link::serve::run(
        listener,
        router,
        limits,
        std::future::pending(),
    ));
    addr
}

fn limits(header_read: u64, keep_alive: u64, max_connections: usize) -> ConnLimits {
    ConnLimits {
        header_read_timeout: Duration::from_secs(header_read),
        keep_alive_timeout: Duration::from_secs(keep_alive),
        max_connections,
        max_per_address: 0,
        shutdown_grace: Duration::from_secs(1),
        write_timeout: Duration::from_secs(5),
        max_head_bytes: 32 * 1024,
    }
}

/// Reads until the server closes the connection or `within` passes:
/// what it sent, and whether it closed.
fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let end = Instant::now() + within;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < end {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&got).into_owned(), true)
            }
            Err(_) => {}
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), false)
}

fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> tokio::task::JoinHandle<T> {
    tokio::task::spawn_blocking(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_that_never_ends_is_dropped_at_the_header_read_timeout() {
    let app = TestApp::new().await;
    let addr = serve(&app, limits(1, 1, 16)).await;
    let (_, closed, took) = blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
        let began = Instant::now();
        let (got, closed) = read_until_closed(&mut s, Duration::from_secs(5));
        (got, closed, began.elapsed())
    })
    .await
    .unwrap();
    assert!(closed, "the connection was held open");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_at_the_keep_alive_timeout() {
    let app = TestApp::new().await;
    let addr = serve(&app, limits(30, 1, 16)).await;
    let (got, closed, took) = blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let began = Instant::now();
        let (got, closed) = read_until_closed(&mut s, Duration::from_secs(6));
        (got, closed, began.elapsed())
    })
    .await
    .unwrap();
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(
        closed,
        "an idle connection was kept past the keep-alive timeout"
    );
    assert!(took < Duration::from_secs(4), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_wait_until_one_closes() {
    let app = TestApp::new().await;
    let addr = serve(&app, limits(30, 5, 2)).await;
    let (waited, served) = blocking(move || {
        // Two half-open connections take every slot.
        let hog_a = TcpStream::connect(addr).unwrap();
        let _hog_b = TcpStream::connect(addr).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").unwrap();
        let (waited, _) = read_until_closed(&mut s, Duration::from_millis(700));
        drop(hog_a);
        let (served, _) = read_until_closed(&mut s, Duration::from_secs(5));
        (waited, served)
    })
    .await
    .unwrap();
    assert_eq!(waited, "", "served past the connection cap");
    assert!(served.starts_with("HTTP/1.0 200"), "{served}");
}

/// One address cannot hold every connection slot: past its own cap its
/// connections are closed at once, while another address is still served
/// (review of issue 11: 512 keep-alive connections from one client made
/// the service unreachable).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_hold_every_connection() {
    let app = TestApp::new().await;
    let addr = serve(
        &app,
        ConnLimits {
            max_per_address: 2,
            ..limits(30, 5, 10)
        },
    )
    .await;
    let from = |source: &'static str| async move {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
        socket.connect(addr).await.unwrap().into_std().unwrap()
    };
    let hog_a = from("127.0.0.1").await;
    let hog_b = from("127.0.0.1").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let third = from("127.0.0.1").await;
    let other = from("127.0.0.2").await;
    let (third, other) = blocking(move || {
        let _hogs = (hog_a, hog_b);
        let (mut third, mut other) = (third, other);
        third.set_nonblocking(false).unwrap();
        other.set_nonblocking(false).unwrap();
        let _ = third.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
        other.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").unwrap();
        (
            read_until_closed(&mut third, Duration::from_secs(3)),
            read_until_closed(&mut other, Duration::from_secs(3)),
        )
    })
    .await
    .unwrap();
    assert_eq!(third, (String::new(), true), "closed unanswered");
    assert!(other.0.starts_with("HTTP/1.0 200"), "{other:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_408_and_a_slow_request_503() {
    let app = TestApp::new().await;
    let slow_body = app.with_options(&Options {
        body_timeout: Duration::from_secs(1),
        ..Options::default()
    });
    let slow_request = app.with_options(&Options {
        request_timeout: Duration::from_secs(1),
        ..Options::default()
    });
    for (app, status) in [(slow_body, "408"), (slow_request, "503")] {
        let addr = serve(&app, limits(30, 5, 16)).await;
        let got = blocking(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(
                b"POST /oauth/token HTTP/1.1\r\nHost: x\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\n\
                  Content-Length: 100\r\n\r\ngrant_type=",
            )
            .unwrap();
            read_until_closed(&mut s, Duration::from_secs(5)).0
        })
        .await
        .unwrap();
        assert!(got.starts_with(&format!("HTTP/1.1 {status}")), "{got}");
    }
}

/// A client from `source` (a loopback address) that pipelines a stream
/// of requests for a 6 KiB script and never reads an answer: the answers
/// fill its small receive buffer and our send buffer, and our writes stop.
async fn slow_reader(addr: SocketAddr, source: &str) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.unwrap().into_std().unwrap();
    blocking(move || {
        let mut s = stream;
        s.set_nonblocking(false).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        let requests = "GET /static/link.js HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1500);
        // The server may stop reading; what it took is enough.
        let _ = s.write_all(requests.as_bytes());
        s
    })
    .await
    .unwrap()
}

/// Whether the server has closed `s`, seen without reading from it (a read
/// would let the server's writes go on): writing to a socket the server
/// closed fails, while one it holds open takes the bytes or is full.
fn closed_by_server(s: &mut TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    for _ in 0..20 {
        match s.write(b"\r\n") {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return true,
            Ok(_) => {}
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// `GET /healthz` from `source`: the answer, or what came within `within`.
async fn healthz_from(addr: SocketAddr, source: &str, within: Duration) -> String {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    let stream = socket.connect(addr).await.unwrap().into_std().unwrap();
    blocking(move || {
        let mut s = stream;
        s.set_nonblocking(false).unwrap();
        let _ = s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
        read_until_closed(&mut s, within).0
    })
    .await
    .unwrap()
}

/// Pipelined requests whose answers are never read: the connection is
/// dropped once an answer has waited the write timeout, and its slot goes
/// to the next client (before, such a connection was held for minutes,
/// past the keep-alive and every other timeout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_never_read_are_dropped_at_the_write_timeout() {
    let app = TestApp::new().await;
    let addr = serve(
        &app,
        ConnLimits {
            // Only the write timeout can end the hog's connection in time.
            write_timeout: Duration::from_secs(1),
            ..limits(30, 30, 1)
        },
    )
    .await;
    let mut hog = slow_reader(addr, "127.0.0.1").await;
    let began = Instant::now();
    let got = healthz_from(addr, "127.0.0.1", Duration::from_secs(6)).await;
    assert!(
        got.starts_with("HTTP/1.0 200"),
        "the slot was held: {got:?}"
    );
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "{:?}",
        began.elapsed()
    );
    assert!(blocking(move || closed_by_server(&mut hog)).await.unwrap());
}

/// Slow readers from several addresses, each within its per-address cap,
/// fill every slot: `/healthz` from another address is still answered
/// once their answers have waited the write timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_readers_from_several_addresses_cannot_starve_healthz() {
    let app = TestApp::new().await;
    let addr = serve(
        &app,
        ConnLimits {
            max_per_address: 2,
            write_timeout: Duration::from_secs(1),
            ..limits(30, 5, 4)
        },
    )
    .await;
    let mut hogs = Vec::new();
    for source in ["127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3"] {
        hogs.push(slow_reader(addr, source).await);
    }
    let began = Instant::now();
    let got = healthz_from(addr, "127.0.0.4", Duration::from_secs(6)).await;
    assert!(got.starts_with("HTTP/1.0 200"), "starved: {got:?}");
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "{:?}",
        began.elapsed()
    );
}

/// A request head larger than the cap is refused (431, or closed), not
/// buffered and answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_request_head_is_refused() {
    let app = TestApp::new().await;
    let addr = serve(&app, limits(30, 5, 16)).await;
    let got = blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(3))).unwrap();
        // Few headers (their count has a cap of its own), 200 KiB in all.
        let filler = format!("X-Filler: {}\r\n", "a".repeat(50 * 1024)).repeat(4);
        let head = format!("GET /healthz HTTP/1.1\r\nHost: x\r\n{filler}\r\n");
        // The server may close before it has all of it.
        let _ = s.write_all(head.as_bytes());
        read_until_closed(&mut s, Duration::from_secs(5))
    })
    .await
    .unwrap();
    assert!(
        got.0.starts_with("HTTP/1.1 431") || got == (String::new(), true),
        "a 200 KiB head was served: {:?}",
        got.0.lines().next()
    );
}

/// Shutdown ends within its grace period even when a connection's answer
/// is stuck on a client that does not read: that connection is dropped
/// then, not left open for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drops_a_stuck_writer_at_the_end_of_its_grace() {
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(consent_link::serve::run(
        listener,
        app.router.clone(),
        // Only the grace period (1 s) can end the stuck connection.
        ConnLimits {
            write_timeout: Duration::from_secs(60),
            ..limits(60, 60, 16)
        },
        async {
            let _ = stopped.await;
        },
    ));
    let mut hog = slow_reader(addr, "127.0.0.1").await;
    // Time for its answers to fill the buffers and our write to stick.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let began = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("shutdown outlasted its grace")
        .unwrap();
    assert!(
        began.elapsed() < Duration::from_secs(3),
        "{:?}",
        began.elapsed()
    );
    assert!(
        blocking(move || closed_by_server(&mut hog)).await.unwrap(),
        "the stuck connection outlived shutdown"
    );
}

/// A port nothing listens on just now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn sqlite_url() -> String {
    let dir = std::env::temp_dir().join("consent-link-tests");
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite://{}/{}.db", dir.display(), uuid::Uuid::new_v4())
}

/// The status code of `GET path` and the whole answer.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\n\r\n").unwrap();
    let answer = read_until_closed(&mut s, Duration::from_secs(5)).0;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

/// A `serve` process, killed if the test fails before it stops.
struct Serve(std::process::Child);

impl Serve {
    /// `consent-link serve <args>` on a fresh SQLite file, once it says it
    /// is running.
    fn start(args: &[&str]) -> Serve {
        Serve::start_on(&sqlite_url(), args)
    }

    /// [`Serve::start`] on the database at `url`.
    fn start_on(url: &str, args: &[&str]) -> Serve {
        let mut child = Serve(
            std::process::Command::new(env!("CARGO_BIN_EXE_consent-link"))
                .arg("serve")
                .args(args)
                .env("DATABASE_URL", url)
                .env("RUST_LOG", "warn")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let mut line = String::new();
        let mut out = std::io::BufReader::new(child.0.stdout.take().unwrap());
        std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        assert!(line.contains("running"), "{line}");
        child
    }

    /// Sends SIGTERM (as `docker stop` does to PID 1) and waits for a clean
    /// exit.
    fn terminate(&mut self) {
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
    }

    fn wait_for_clean_exit(&mut self) {
        let end = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < end, "serve did not stop at SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "{status:?}: not a graceful stop");
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn metrics_are_on_their_own_listener_and_sigterm_stops_serve_cleanly() {
    let (public, metrics) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    let mut child = Serve::start(&["--bind", &public, "--metrics-bind", &metrics]);

    assert_eq!(http_get(&public, "/metrics").0, 404);
    let (status, on_metrics) = http_get(&metrics, "/metrics");
    assert_eq!(status, 200, "{on_metrics}");
    assert!(
        on_metrics.contains("consent_link_http_requests_total"),
        "{on_metrics}"
    );
    assert_eq!(http_get(&metrics, "/link").0, 404);
    // The demo is off unless asked for.
    assert_eq!(http_get(&public, "/demo").0, 404);

    // `docker stop` sends SIGTERM to PID 1.
    child.terminate();
    child.wait_for_clean_exit();
}

/// `docker stop` sends SIGTERM to PID 1 while requests are under way:
/// serve stops taking new connections but answers the request it is in
/// the middle of, then exits cleanly (issue 12).
#[test]
fn sigterm_mid_request_still_answers_that_request_then_stops() {
    let public = format!("127.0.0.1:{}", free_port());
    let mut child = Serve::start(&["--bind", &public, "--metrics-bind", "127.0.0.1:0"]);

    // A token request whose body is half sent when the signal comes.
    let body = "grant_type=client_credentials&client_id=nobody&client_secret=x";
    let mut s = TcpStream::connect(&public).unwrap();
    write!(
        s,
        "POST /oauth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..20]
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    child.terminate();
    std::thread::sleep(Duration::from_millis(300));
    s.write_all(&body.as_bytes()[20..]).unwrap();
    let (answer, closed) = read_until_closed(&mut s, Duration::from_secs(5));
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "the request in flight was answered: {answer:?}"
    );
    assert!(answer.contains("invalid_client"), "{answer}");
    assert!(closed);
    child.wait_for_clean_exit();
}

#[test]
fn the_demo_is_refused_on_a_non_loopback_bind() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_consent-link"))
        .args([
            "serve",
            "--demo",
            "--bind",
            "0.0.0.0:0",
            "--metrics-bind",
            "127.0.0.1:0",
        ])
        .env("DATABASE_URL", sqlite_url())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--demo") && stderr.contains("loopback"),
        "{stderr}"
    );
}

/// Issue 11: whoever reads a PostgreSQL database must not find the key
/// that reverses its national-ID hashes beside them.
#[tokio::test]
async fn serve_on_postgresql_requires_a_configured_server_key() {
    let url = database_url();
    let store = consent_link::store::connect(&url).await.unwrap();
    let generated = consent_link::server_key(store.as_ref(), None, &url).await;
    if url.starts_with("postgres") {
        let Err(err) = generated else {
            panic!("a key was generated into PostgreSQL")
        };
        assert!(err.to_string().contains("--secret-key"), "{err}");
        let configured = "a-configured-key-of-at-least-32-characters";
        consent_link::server_key(store.as_ref(), Some(configured), &url)
            .await
            .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_consent-link"))
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--metrics-bind",
                "127.0.0.1:0",
            ])
            .env("DATABASE_URL", &url)
            .env_remove("CONSENT_LINK_SECRET_KEY")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("CONSENT_LINK_SECRET_KEY"), "{stderr}");
    } else {
        // SQLite, the embedded default, keeps a generated key.
        let first = generated.unwrap();
        let again = consent_link::server_key(store.as_ref(), None, &url)
            .await
            .unwrap();
        assert_eq!(first.demo_client_secret(), again.demo_client_secret());
    }
}

/// A mistake in the sources file stops serve with a message naming the
/// file, the source and the field (issue 14).
#[test]
fn serve_stops_at_a_sources_file_mistake_naming_the_source_and_field() {
    let dir = std::env::temp_dir().join(format!("cl-sources-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sources.toml");
    std::fs::write(
        &file,
        "[[source]]\nid = \"gjeld\"\nscopes = [\"unsecured_loans\"]\nurl = \"http://adapter.example/\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_consent-link"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--metrics-bind",
            "127.0.0.1:0",
            "--sources",
        ])
        .arg(&file)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/db.sqlite", dir.display()),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("sources.toml"), "{stderr}");
    assert!(stderr.contains("source[0] (\"gjeld\"): url"), "{stderr}");
}

/// The demo is refused with a public URL off this machine too (behind a
/// proxy on the same host it would be public), and its test client does
/// not outlive `--demo` (review of issue 11).
#[test]
fn the_demo_stays_on_this_machine_and_its_client_goes_without_demo() {
    let db = sqlite_url();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_consent-link"))
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--metrics-bind",
            "127.0.0.1:0",
        ])
        .args(["--public-url", "https://link.example"])
        .env("DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--demo"));

    let public = format!("127.0.0.1:{}", free_port());
    let with_demo = |demo: bool| {
        let mut args = vec!["--bind", public.as_str(), "--metrics-bind", "127.0.0.1:0"];
        if demo {
            args.push("--demo");
        }
        let mut child = Serve::start_on(&db, &args);
        let status = http_get(&public, "/link?client_id=demo&scope=info").0;
        child.terminate();
        child.wait_for_clean_exit();
        status
    };
    assert_eq!(with_demo(true), 200, "the demo client serves with --demo");
    assert_eq!(with_demo(false), 400, "and is gone without it");
}
