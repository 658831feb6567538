//! The accept loop: HTTP/1.1 connections with the limits `axum::serve`
//! does not offer. A request head must arrive within the header-read
//! timeout (counted from when the connection is ready for it: opened, or
//! the previous answer sent), an answered connection that stays idle is
//! closed after the keep-alive timeout, and at most `max_connections` are
//! open at once: past that, new connections wait in the kernel's backlog
//! and cost no file descriptor, so a crowd of half-open connections
//! cannot starve the process. Each request carries its peer's address
//! (`ConnectInfo`) for the rate limits. An answer the client does not
//! read (say, pipelined requests whose answers it never takes) may wait
//! at most the write timeout for the next byte to go out; then the
//! connection is dropped, so a slow reader cannot keep its slot. A
//! request head, and the pipelined input buffered per connection, are
//! capped. Shutdown stops accepting, lets requests under way finish (up
//! to a grace period), closes idle connections and drops whatever is
//! still open at the end of the grace period.

mod watched;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use watched::{Watched, WriteProgress};

/// What a connection may cost us.
#[derive(Clone, Debug)]
pub struct ConnLimits {
    /// For a request head, from when the connection is ready for it.
    pub header_read_timeout: Duration,
    /// How long an answered connection may wait for its next request;
    /// zero: one request per connection. (Never longer than
    /// `header_read_timeout`, which also runs while a connection waits.)
    pub keep_alive_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
    /// Connections open at once from one address (IPv4, or an IPv6 /64);
    /// 0: no limit. Without it one client could hold every connection
    /// slot with slow keep-alive requests.
    pub max_per_address: usize,
    /// How long shutdown waits for requests under way; then the
    /// connections still open are dropped.
    pub shutdown_grace: Duration,
    /// How long an answer may wait for the client to read it (no byte
    /// written); then the connection is dropped. Also how long a
    /// connection closed for being idle may take to close.
    pub write_timeout: Duration,
    /// Bytes: the largest request head (a larger one is answered 431) and
    /// the most unparsed input, such as pipelined requests, buffered per
    /// connection. Below 8192 counts as 8192.
    pub max_head_bytes: usize,
}

impl Default for ConnLimits {
    /// The README's defaults.
    fn default() -> Self {
        ConnLimits {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
            max_connections: 512,
            max_per_address: 64,
            shutdown_grace: Duration::from_secs(30),
            write_timeout: Duration::from_secs(10),
            max_head_bytes: 32 * 1024,
        }
    }
}

/// When a connection last finished answering, and whether it is answering.
struct Activity {
    began: Instant,
    in_flight: AtomicUsize,
    /// Milliseconds after `began` that the last answer was made; 0: none yet.
    last_answer_ms: AtomicU64,
}

impl Activity {
    /// How long the connection has been idle since its last answer; `None`
    /// while it answers or before its first request (the header-read
    /// timeout governs that).
    fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let last = self.last_answer_ms.load(Ordering::SeqCst);
        (last > 0).then(|| {
            self.began
                .elapsed()
                .saturating_sub(Duration::from_millis(last))
        })
    }
}

/// Connections open per address, for [`ConnLimits::max_per_address`].
#[derive(Clone, Default)]
struct PerAddress(Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>);

/// One open connection counted against its address; uncounted on drop.
struct Slot {
    of: PerAddress,
    key: std::net::IpAddr,
}

impl PerAddress {
    /// A slot for a connection from `peer`, unless its address holds `max`
    /// already (`max` 0: no limit).
    fn take(&self, peer: SocketAddr, max: usize) -> Option<Slot> {
        let key = crate::http::limits::key(peer.ip());
        let mut open = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(key).or_insert(0);
        if max > 0 && *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            of: self.clone(),
            key,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.of.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = PerAddress::default();
    // At shutdown: the moment the connections still open are dropped.
    let (stop_tx, stop_rx) = watch::channel(None::<Instant>);
    let builder = http1_builder(&limits);
    let times = Times::of(&limits);
    tokio::pin!(shutdown);
    while let Some((permit, stream, peer)) = accept(&listener, &permits, shutdown.as_mut()).await {
        let Some(slot) = per_address.take(peer, limits.max_per_address) else {
            // Closed at once; the permit goes back with it.
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let conn = serve_connection(
            builder.clone(),
            stream,
            peer,
            app.clone(),
            times,
            stop_rx.clone(),
        );
        tokio::spawn(async move {
            conn.await;
            drop(slot);
            drop(permit);
        });
    }
    drop(listener);
    let deadline = Instant::now() + limits.shutdown_grace;
    let _ = stop_tx.send(Some(deadline));
    drain(&permits, &limits, deadline).await;
}

fn http1_builder(limits: &ConnLimits) -> Arc<http1::Builder> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(!limits.keep_alive_timeout.is_zero())
        // hyper's minimum; it panics below it.
        .max_buf_size(limits.max_head_bytes.max(8192));
    Arc::new(builder)
}

/// The next connection with the permit it holds; `None` at shutdown.
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
    mut shutdown: Pin<&mut impl Future<Output = ()>>,
) -> Option<(OwnedSemaphorePermit, TcpStream, SocketAddr)> {
    loop {
        // A permit first: past the cap, connections stay in the backlog.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.ok()?,
            () = &mut shutdown => return None,
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => return Some((permit, stream, peer)),
                Err(e) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a little rather than spin.
                    tracing::warn!(error = ?e.to_string(), "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => return None,
        }
    }
}

/// Waits, until `deadline` (and a moment for the connections to notice
/// it), for every connection to close: each holds a permit, so all of
/// them back means all closed.
async fn drain(permits: &Semaphore, limits: &ConnLimits, deadline: Instant) {
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let by = tokio::time::Instant::from_std(deadline) + Duration::from_millis(200);
    if tokio::time::timeout_at(by, permits.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period");
    }
}

/// The connection timeouts a connection task enforces itself.
#[derive(Clone, Copy)]
struct Times {
    keep_alive: Duration,
    write: Duration,
    /// How often the task looks at its connection.
    tick: Duration,
}

impl Times {
    fn of(limits: &ConnLimits) -> Self {
        let shortest = match limits.keep_alive_timeout {
            zero if zero.is_zero() => limits.write_timeout,
            keep_alive => keep_alive.min(limits.write_timeout),
        };
        Times {
            keep_alive: limits.keep_alive_timeout,
            write: limits.write_timeout,
            tick: (shortest / 4).clamp(Duration::from_millis(50), Duration::from_secs(1)),
        }
    }
}

/// What a look at a connection decides.
enum Step {
    Keep,
    /// Close it gracefully, and drop it if not closed by then.
    Close(Instant),
    Drop,
}

/// The step for a connection: dropped when an answer has waited the write
/// timeout for the client to read, closed when idle past the keep-alive
/// timeout (unless closing already).
fn step(
    times: Times,
    activity: &Activity,
    writes: &WriteProgress,
    close_by: Option<Instant>,
) -> Step {
    if writes.stalled_for().is_some_and(|w| w >= times.write) {
        tracing::debug!("dropping a connection whose answer is not read");
        return Step::Drop;
    }
    match close_by {
        Some(_) => Step::Keep,
        None if times.keep_alive.is_zero() => Step::Keep,
        None => match activity.idle_for() {
            Some(idle) if idle >= times.keep_alive => Step::Close(Instant::now() + times.write),
            _ => Step::Keep,
        },
    }
}

/// Completes at `deadline`; never without one.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The service answering one connection's requests with `app`, each
/// tagged with the peer's address and counted in `activity`.
fn answering(
    app: Router,
    peer: SocketAddr,
    activity: Arc<Activity>,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send,
> + Send {
    hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        let seen = activity.clone();
        seen.in_flight.fetch_add(1, Ordering::SeqCst);
        async move {
            let res = app.oneshot(req).await;
            let ms = u64::try_from(seen.began.elapsed().as_millis()).unwrap_or(u64::MAX);
            seen.last_answer_ms.store(ms.max(1), Ordering::SeqCst);
            seen.in_flight.fetch_sub(1, Ordering::SeqCst);
            res
        }
    })
}

async fn serve_connection(
    builder: Arc<http1::Builder>,
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    times: Times,
    mut stop: watch::Receiver<Option<Instant>>,
) {
    let activity = Arc::new(Activity {
        began: Instant::now(),
        in_flight: AtomicUsize::new(0),
        last_answer_ms: AtomicU64::new(0),
    });
    let writes = Arc::new(WriteProgress::new());
    let io = TokioIo::new(Watched::new(stream, writes.clone()));
    let conn = builder.serve_connection(io, answering(app, peer, activity.clone()));
    tokio::pin!(conn);
    let mut ticks = tokio::time::interval(times.tick);
    let mut close_by: Option<Instant> = None;
    let mut stopping = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            // Closing is overdue: dropped.
            () = until(close_by) => return,
            _ = stop.changed(), if !stopping => {
                stopping = true;
                let Some(deadline) = *stop.borrow() else { continue };
                conn.as_mut().graceful_shutdown();
                close_by = Some(close_by.map_or(deadline, |by| by.min(deadline)));
            }
            _ = ticks.tick() => match step(times, &activity, &writes, close_by) {
                Step::Keep => {}
                Step::Close(by) => {
                    conn.as_mut().graceful_shutdown();
                    close_by = Some(by);
                }
                Step::Drop => return,
            },
        }
    }
}

/// Completes at Ctrl-C or, on Unix, SIGTERM (what `docker stop` sends to
/// the image's PID 1).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down: finishing requests under way");
}
