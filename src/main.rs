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
        Command::Serve(args) => serve(store, &cli.database_url, args).await,
        Command::Client(cmd) => {
            let out = consent_link::cli::run(store.as_ref(), cmd, SystemClock.now()).await?;
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
    if args.secret_key.as_ref().is_some_and(|k| k.len() < 32) {
        return Err("CONSENT_LINK_SECRET_KEY must be at least 32 characters".into());
    }
    if args.demo && !args.bind.ip().is_loopback() {
        return Err(format!(
            "--demo is for trying consent-link on this machine (a test-mode client anyone \
             can use): only on a loopback address (e.g. --bind 127.0.0.1:3000), not on {}",
            args.bind
        )
        .into());
    }
    let issuer = match &args.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => format!("http://{}", args.bind),
    };
    let methods = match &args.methods {
        Some(path) => consent_link::methods::load(
            path,
            &|var| std::env::var(var).ok(),
            &consent_link::i18n::supported(),
        )?,
        None => Vec::new(),
    };
    let upstream = consent_link::upstream::Upstream::new(methods, &issuer)?;
    for m in upstream.methods() {
        tracing::info!(method = %m.id, issuer = %m.provider.issuer, "authentication method");
    }
    let state = consent_link::state(
        store.clone(),
        database_url,
        &issuer,
        args.secret_key.as_deref(),
        args.session_ttl,
        upstream,
        consent_link::metrics::Metrics::new()?,
    )
    .await?;
    let listener = tokio::net::TcpListener::bind(args.bind).await?;
    let metrics_listener = tokio::net::TcpListener::bind(args.metrics_bind)
        .await
        .map_err(|e| format!("--metrics-bind {}: {e}", args.metrics_bind))?;
    let metrics_addr = metrics_listener.local_addr()?;
    if args.demo {
        consent_link::ensure_demo_client(store.as_ref(), &state.key, &issuer, SystemClock.now())
            .await?;
    }
    tokio::spawn(purge_expired(store.clone()));
    tracing::info!(bind = %args.bind, metrics = %metrics_addr, issuer = %issuer, "consent-link listening");
    if args.demo {
        println!("consent-link is running. Open {issuer}/demo to try it (test mode, demo client).");
    } else {
        println!("consent-link is running at {issuer}");
    }
    let conn_limits = args.limits.conn_limits();
    let app = consent_link::app_with(state.clone(), &args.limits.router_options(args.demo));
    // The operators' listener stops with the public one.
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
    Ok(())
}

/// Every ten minutes, deletes link sessions and codes that expired over an
/// hour ago. Any instance may do it; the deletes are idempotent.
async fn purge_expired(store: std::sync::Arc<dyn consent_link::store::Store>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        match store.purge_expired(SystemClock.now() - 3600).await {
            Ok(n) if n > 0 => tracing::info!(rows = n, "purged expired sessions and codes"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e.to_string(), "purging expired rows failed"),
        }
    }
}
