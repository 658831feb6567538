//! `consent-link serve` and `consent-link client …`: parse the command line,
//! init tracing, connect the store, run.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::ExitCode;

use clap::Parser;
use consent_link::config::{Cli, Command, ServeArgs};
use consent_link::{Clock, SystemClock};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let store = consent_link::store::connect(&cli.database_url).await?;
    match cli.command {
        Command::Serve(args) => serve(store, &cli.database_url, *args).await,
        Command::Client(cmd) => {
            let out =
                consent_link::cli::run(store.as_ref(), &cli.database_url, cmd, SystemClock.now())
                    .await?;
            println!("{out}");
            Ok(())
        }
    }
}

async fn serve(
    store: std::sync::Arc<dyn consent_link::store::Store>,
    database_url: &str,
    args: ServeArgs,
) -> Result<(), Box<dyn std::error::Error>> {
    check_serve_args(&args)?;
    let issuer = match &args.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => format!("http://{}", args.bind),
    };
    let upstream = load_methods(&args, &issuer)?;
    let mut state = consent_link::state(
        store.clone(),
        database_url,
        &issuer,
        args.secret_key.as_deref(),
        std::time::Duration::from_secs(args.session_ttl),
        upstream,
        consent_link::metrics::Metrics::new()?,
    )
    .await?;
    // Before serving: older stored secrets are wrapped and re-sealed once.
    consent_link::upgrade_stored_secrets(store.as_ref(), &state.key, SystemClock.now()).await?;
    let listener = tokio::net::TcpListener::bind(args.bind).await?;
    let metrics_listener = tokio::net::TcpListener::bind(args.metrics_bind)
        .await
        .map_err(|e| format!("--metrics-bind {}: {e}", args.metrics_bind))?;
    let metrics_addr = metrics_listener.local_addr()?;
    keep_demo_client_with_demo(store.as_ref(), &state.key, args.demo, &issuer).await?;
    let sources = load_sources(&args)?;
    // A check for the operator, not a reason to stay down.
    if let Err(e) = warn_if_production_links_are_refused(store.as_ref(), &sources).await {
        tracing::warn!(error = %e, "could not check the clients against the sources");
    }
    state.sources = std::sync::Arc::new(sources);
    state.receipt_keys = std::sync::Arc::new(consent_link::receipt::KeyRing::new(
        &state.key,
        args.receipt_key_version,
        &args.receipt_previous_versions(),
    )?);
    let retention = std::time::Duration::from_secs(u64::from(args.data_retention_days) * 86_400);
    let history = std::time::Duration::from_secs(u64::from(args.consent_history_days) * 86_400);
    tokio::spawn(purge_expired(store.clone(), retention, history));
    tokio::spawn(sweep_consents(store.clone()));
    let lease_margin = std::time::Duration::from_secs(args.lease_margin);
    let background = background_work(&state, args.workers, lease_margin)?;
    announce(&args, &issuer, metrics_addr);
    serve_until_shutdown(state, &args, listener, metrics_listener).await;
    // Workers stop between jobs; a job under way is taken over by another
    // instance when its lease runs out.
    let _ = background.send(true);
    Ok(())
}

/// Refuses a short server key, and `--demo` anywhere but on this machine.
fn check_serve_args(args: &ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.secret_key.as_ref().is_some_and(|k| k.len() < 32) {
        return Err("CONSENT_LINK_SECRET_KEY must be at least 32 characters".into());
    }
    if args.demo
        && args
            .public_url
            .as_ref()
            .is_some_and(|u| !consent_link::net::is_loopback_host(u))
    {
        return Err(format!(
            "--demo is for trying consent-link on this machine: not with a public URL off it ({})",
            args.public_url.as_ref().map(|u| u.as_str()).unwrap_or("")
        )
        .into());
    }
    if args.demo && !args.bind.ip().is_loopback() {
        return Err(format!(
            "--demo is for trying consent-link on this machine (a test-mode client anyone \
             can use): only on a loopback address (e.g. --bind 127.0.0.1:3000), not on {}",
            args.bind
        )
        .into());
    }
    Ok(())
}

/// The authentication methods of `--methods` (none without it), logged.
fn load_methods(
    args: &ServeArgs,
    issuer: &str,
) -> Result<consent_link::upstream::Upstream, Box<dyn std::error::Error>> {
    let methods = match &args.methods {
        Some(path) => consent_link::methods::load(
            path,
            &|var| std::env::var(var).ok(),
            &consent_link::i18n::supported(),
        )?,
        None => Vec::new(),
    };
    let upstream = consent_link::upstream::Upstream::new(methods, issuer)?;
    for m in upstream.methods() {
        tracing::info!(method = %m.id, issuer = %m.provider.issuer, "authentication method");
    }
    Ok(upstream)
}

/// `serve --demo` sets up its own `demo` client (refusing to start if an
/// operator's client has that ID). A plain `serve` never deletes it:
/// another instance may be serving the demo with it, and without `/demo`
/// it is of no use (its only callback is `/demo/callback`, its secret is
/// known only to the demo's server side).
async fn keep_demo_client_with_demo(
    store: &dyn consent_link::store::Store,
    key: &consent_link::crypto::ServerKey,
    demo: bool,
    issuer: &str,
) -> Result<(), consent_link::DemoClientError> {
    if demo {
        consent_link::ensure_demo_client(store, key, issuer, SystemClock.now()).await?;
    }
    Ok(())
}

/// The data sources of `--sources` (none without it), logged.
fn load_sources(
    args: &ServeArgs,
) -> Result<consent_link::sources::Sources, Box<dyn std::error::Error>> {
    let sources = match &args.sources {
        Some(path) => consent_link::sources::load(path, &|var| std::env::var(var).ok())?,
        None => consent_link::sources::Sources::default(),
    };
    for s in sources.all() {
        let scopes: Vec<&str> = s.scopes.iter().map(|s| s.as_str()).collect();
        tracing::info!(source = %s.id, scopes = ?scopes, "data source");
    }
    Ok(sources)
}

/// Says where consent-link listens: in the log, and to whoever started it.
fn announce(args: &ServeArgs, issuer: &str, metrics_addr: std::net::SocketAddr) {
    tracing::info!(bind = %args.bind, metrics = %metrics_addr, issuer = %issuer, "consent-link listening");
    if args.demo {
        println!("consent-link is running. Open {issuer}/demo to try it (test mode, demo client).");
    } else {
        println!("consent-link is running at {issuer}");
    }
}

/// Serves the public router and the operators' metrics until a shutdown
/// signal; the operators' listener stops with the public one.
async fn serve_until_shutdown(
    state: consent_link::AppState,
    args: &ServeArgs,
    listener: tokio::net::TcpListener,
    metrics_listener: tokio::net::TcpListener,
) {
    let conn_limits = args.limits.conn_limits();
    let app = consent_link::app_with(state.clone(), &args.limits.router_options(args.demo));
    let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
    let metrics = tokio::spawn(consent_link::serve::run(
        metrics_listener,
        consent_link::metrics_router(state),
        conn_limits.clone(),
        async {
            let _ = metrics_stopped.await;
        },
    ));
    consent_link::serve::run(
        listener,
        app,
        conn_limits,
        consent_link::serve::shutdown_signal(),
    )
    .await;
    let _ = stop_metrics.send(());
    let _ = metrics.await;
}

/// Without sources, every production client's link is refused at the
/// start (a scope no source serves is never collected as nothing): the
/// operator hears of it once, and serve starts all the same (test clients
/// and a later `--sources` need it running).
async fn warn_if_production_links_are_refused(
    store: &dyn consent_link::store::Store,
    sources: &consent_link::sources::Sources,
) -> Result<(), consent_link::store::StoreError> {
    if !sources.all().is_empty() {
        return Ok(());
    }
    let production = store
        .list_clients()
        .await?
        .iter()
        .filter(|c| !c.client.test_allowed)
        .count();
    if production > 0 {
        tracing::warn!(
            production_clients = production,
            "no data sources configured (--sources): production clients' links will be refused"
        );
    }
    Ok(())
}

/// Starts this process's collection workers and webhook deliverer; they
/// run until the returned sender says stop.
fn background_work(
    state: &consent_link::AppState,
    workers: u32,
    lease_margin: std::time::Duration,
) -> Result<tokio::sync::watch::Sender<bool>, Box<dyn std::error::Error>> {
    use consent_link::collect::worker::Worker;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let sources = state.sources.clone();
    let http = Worker::http_client()?;
    let instance = uuid::Uuid::new_v4();
    let idle = std::time::Duration::from_secs(1);
    // Always: the built-in test source runs even without --sources.
    for n in 0..workers {
        let worker = Worker {
            store: state.store.clone(),
            sources: sources.clone(),
            key: state.key.clone(),
            http: http.clone(),
            clock: state.clock.clone(),
            id: format!("{instance}-{n}"),
            metrics: state.metrics.clone(),
            lease_margin,
        };
        tokio::spawn(worker.run(idle, until_stopped(stopped.clone())));
    }
    let deliverer = consent_link::webhooks::Deliverer {
        store: state.store.clone(),
        key: state.key.clone(),
        http,
        clock: state.clock.clone(),
        id: format!("{instance}-webhooks"),
        client: None,
        metrics: state.metrics.clone(),
        limits: Default::default(),
    };
    tokio::spawn(deliverer.run(idle, until_stopped(stopped)));
    Ok(stop)
}

/// Every ten minutes, deletes link sessions and codes that expired over an
/// hour ago (forgetting an expired session's national ID at once), and
/// collected data older than the retention period, and consent history
/// older than its own. Any
/// instance may do it; the deletes are idempotent.
async fn purge_expired(
    store: std::sync::Arc<dyn consent_link::store::Store>,
    retention: std::time::Duration,
    history: std::time::Duration,
) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = SystemClock.now();
        match store
            .purge_expired(now - std::time::Duration::from_secs(3600))
            .await
        {
            Ok(n) if n > 0 => tracing::info!(rows = n, "purged expired sessions and codes"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e.to_string(), "purging expired rows failed"),
        }
        match store.forget_expired_national_ids(now).await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "forgot expired sessions' national IDs"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e.to_string(), "forgetting national IDs failed"),
        }
        match store.purge_collected_data(now - retention).await {
            Ok(n) if n > 0 => tracing::info!(rows = n, "purged collected data past retention"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e.to_string(), "purging collected data failed"),
        }
        match store.purge_consent_history(now - history).await {
            Ok(n) if n > 0 => tracing::info!(rows = n, "purged consent history past retention"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e.to_string(), "purging consent history failed"),
        }
    }
}

/// Every minute, ends the consents whose term has run out (like a
/// withdrawal, as expired) and announces those ending within seven days.
/// Every instance sweeps; each consent is ended and announced once.
async fn sweep_consents(store: std::sync::Arc<dyn consent_link::store::Store>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        match consent_link::sweep_consents(store.as_ref(), SystemClock.now()).await {
            Ok(swept) if swept.expired + swept.expiring > 0 => tracing::info!(
                expired = swept.expired,
                expiring = swept.expiring,
                "swept consents"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e.to_string(), "sweeping consents failed"),
        }
    }
}
