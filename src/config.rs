//! Command line and environment, with clap.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "consent-link",
    version,
    about = "Hosted OAuth2 consent service"
)]
pub struct Cli {
    /// Where data lives: sqlite://FILE (embedded default) or postgres://...
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://consent-link.db",
        global = true
    )]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service.
    Serve(Box<ServeArgs>),
    /// Manage registered clients (integrators).
    #[command(subcommand)]
    Client(ClientCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CONSENT_LINK_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// The public URL of this service, used as the OAuth2 issuer (`iss`).
    /// Default: http://<bind>.
    #[arg(long, env = "CONSENT_LINK_PUBLIC_URL")]
    pub public_url: Option<url::Url>,

    /// Server secret keying subject hashes and anti-CSRF tokens (at least 32
    /// characters), the same on every instance. Required on PostgreSQL; on
    /// SQLite, default: one generated once and kept in the database.
    #[arg(long, env = "CONSENT_LINK_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// How long a link session lives, in seconds.
    #[arg(long, env = "CONSENT_LINK_SESSION_TTL", default_value_t = 1800,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub session_ttl: u64,

    /// The authentication methods: a TOML file of OpenID Connect providers
    /// and the methods they back (see the README). Without it, only test
    /// mode's test BankID is offered.
    #[arg(long, env = "CONSENT_LINK_METHODS")]
    pub methods: Option<std::path::PathBuf>,

    /// The data sources: a TOML file of adapters speaking the source
    /// contract, each collecting some scopes (see the README).
    #[arg(long, env = "CONSENT_LINK_SOURCES")]
    pub sources: Option<std::path::PathBuf>,

    /// How many days collected data is kept before it is deleted.
    #[arg(long, env = "CONSENT_LINK_DATA_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub data_retention_days: u32,

    /// How many days a consent's history (its events, without data) is
    /// kept before it is deleted.
    #[arg(long, env = "CONSENT_LINK_CONSENT_HISTORY_DAYS", default_value_t = 1825,
          value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub consent_history_days: u32,

    /// Collection workers in this process (each runs one job at a time).
    #[arg(long, env = "CONSENT_LINK_WORKERS", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,

    /// Seconds a collection worker holds a job beyond the longest source
    /// time-out; when a process dies mid-job, another takes the job over
    /// after that.
    #[arg(long, env = "CONSENT_LINK_LEASE_MARGIN", default_value_t = crate::collect::worker::LEASE_MARGIN.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub lease_margin: u64,

    /// Serve the demo integrator at /demo, with the test-mode `demo`
    /// client. Only on a loopback bind address.
    #[arg(long, env = "CONSENT_LINK_DEMO")]
    pub demo: bool,

    /// Where GET /metrics is served, apart from the public port.
    #[arg(
        long,
        env = "CONSENT_LINK_METRICS_BIND",
        default_value = "127.0.0.1:9100"
    )]
    pub metrics_bind: SocketAddr,

    /// The version of the key consent receipts are signed with; raise it
    /// by one to rotate (README: Consent receipts).
    #[arg(long, env = "CONSENT_LINK_RECEIPT_KEY_VERSION", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub receipt_key_version: u32,

    /// Earlier receipt key versions still published, so that receipts
    /// they signed verify: comma-separated, or `none`. Default: the
    /// version before the current one.
    #[arg(long, env = "CONSENT_LINK_RECEIPT_PREVIOUS_KEY_VERSIONS",
          value_parser = parse_key_versions)]
    pub receipt_previous_key_versions: Option<KeyVersions>,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Receipt key versions (`--receipt-previous-key-versions`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyVersions(pub Vec<u32>);

fn parse_key_versions(s: &str) -> Result<KeyVersions, String> {
    if s.trim() == "none" {
        return Ok(KeyVersions(Vec::new()));
    }
    s.split(',')
        .map(|v| match v.trim().parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{v:?} is not a key version (1 and up)")),
        })
        .collect::<Result<_, _>>()
        .map(KeyVersions)
}

impl ServeArgs {
    /// The receipt key versions published besides the current one.
    pub fn receipt_previous_versions(&self) -> Vec<u32> {
        match &self.receipt_previous_key_versions {
            Some(KeyVersions(v)) => v.clone(),
            None => crate::receipt::KeyRing::default_previous(self.receipt_key_version),
        }
    }
}

/// Timeouts, the connection cap and the rate limits (README: Limits).
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Seconds for a request's headers to arrive, from when the connection
    /// is ready for them (opened, or the previous answer sent).
    #[arg(long, env = "CONSENT_LINK_HEADER_READ_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_read_timeout: u64,

    /// Seconds a request may take in all (then 503).
    #[arg(long, env = "CONSENT_LINK_REQUEST_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,

    /// Seconds a request body may pause between two pieces (then 408).
    #[arg(long, env = "CONSENT_LINK_BODY_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout: u64,

    /// Seconds an answered connection may wait for its next request; 0:
    /// one request per connection. At most the header-read timeout.
    #[arg(long, env = "CONSENT_LINK_KEEP_ALIVE_TIMEOUT", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub keep_alive_timeout: u64,

    /// Connections open at once; more wait in the listen backlog. Keep it
    /// below the open-file limit.
    #[arg(long, env = "CONSENT_LINK_MAX_CONNECTIONS", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,

    /// Connections open at once from one address (an IPv6 address's /64);
    /// more are closed at once. 0: no limit (behind a load balancer that
    /// does not pass client connections through, every connection comes
    /// from its address: set 0 or at least the balancer's pool).
    #[arg(
        long,
        env = "CONSENT_LINK_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 64
    )]
    pub max_connections_per_address: u32,

    /// Seconds an answer may wait for the client to read it (not a byte
    /// written); then the connection is dropped, so a client that never
    /// reads cannot keep its connection slot.
    #[arg(long, env = "CONSENT_LINK_WRITE_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub write_timeout: u64,

    /// Bytes: the largest request head (request line and headers; larger
    /// is answered 431), also the most unparsed input (pipelined requests)
    /// buffered per connection.
    #[arg(long, env = "CONSENT_LINK_MAX_HEADER_BYTES", default_value_t = 32768,
          value_parser = clap::value_parser!(u32).range(8192..=1_048_576))]
    pub max_header_bytes: u32,

    /// Link sessions started per second per client address (GET /, /link,
    /// /oauth/authorize); 0: no limit.
    #[arg(long, env = "CONSENT_LINK_RATE_LIMIT_LINK", default_value_t = 20)]
    pub rate_limit_link: u32,

    /// How many link starts an address may make at once.
    #[arg(long, env = "CONSENT_LINK_RATE_LIMIT_LINK_BURST", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_link_burst: u32,

    /// Token requests per second per client address (POST /oauth/token and
    /// /api/1.0/auth together); 0: no limit.
    #[arg(long, env = "CONSENT_LINK_RATE_LIMIT_TOKEN", default_value_t = 50)]
    pub rate_limit_token: u32,

    /// How many token requests an address may make at once.
    #[arg(long, env = "CONSENT_LINK_RATE_LIMIT_TOKEN_BURST", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_token_burst: u32,

    /// Sign-ins at a provider started per second per client address
    /// (POST /s/<session>/upstream); 0: no limit.
    #[arg(long, env = "CONSENT_LINK_RATE_LIMIT_SIGN_IN", default_value_t = 5)]
    pub rate_limit_sign_in: u32,

    /// How many sign-ins an address may start at once.
    #[arg(long, env = "CONSENT_LINK_RATE_LIMIT_SIGN_IN_BURST", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_sign_in_burst: u32,

    /// A header that a trusted load balancer sets to the client's address
    /// (e.g. X-Forwarded-For; its right-most entry counts). Without it the
    /// socket peer's address is used and such headers are ignored.
    #[arg(long, env = "CONSENT_LINK_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<axum::http::HeaderName>,
}

impl LimitArgs {
    /// The router's part of these settings.
    pub fn router_options(&self, demo: bool) -> crate::http::Options {
        crate::http::Options {
            demo,
            rate_limits: crate::http::RateLimits {
                link_start: crate::http::Rate::new(
                    self.rate_limit_link,
                    self.rate_limit_link_burst,
                ),
                token: crate::http::Rate::new(self.rate_limit_token, self.rate_limit_token_burst),
                sign_in: crate::http::Rate::new(
                    self.rate_limit_sign_in,
                    self.rate_limit_sign_in_burst,
                ),
            },
            client_ip: match &self.client_ip_header {
                Some(name) => crate::http::ClientIp::Header(name.clone()),
                None => crate::http::ClientIp::Peer,
            },
            request_timeout: Duration::from_secs(self.request_timeout),
            body_timeout: Duration::from_secs(self.body_timeout),
        }
    }

    /// The accept loop's part.
    pub fn conn_limits(&self) -> crate::serve::ConnLimits {
        crate::serve::ConnLimits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout),
            keep_alive_timeout: Duration::from_secs(self.keep_alive_timeout),
            max_connections: self.max_connections as usize,
            max_per_address: self.max_connections_per_address as usize,
            shutdown_grace: Duration::from_secs(self.request_timeout),
            write_timeout: Duration::from_secs(self.write_timeout),
            max_head_bytes: self.max_header_bytes as usize,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client. Prints its secret once.
    Create(ClientCreateArgs),
    /// List clients.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Delete a client with its sessions, consents and codes.
    Delete { id: String },
    /// Set, rotate or remove a client's webhook. Prints a new signing
    /// secret once.
    Update(ClientUpdateArgs),
}

#[derive(Debug, Args)]
pub struct ClientUpdateArgs {
    pub id: String,
    /// Where events go (https, or http on loopback); a new signing secret
    /// is made.
    #[arg(long, conflicts_with = "no_webhook")]
    pub webhook_url: Option<String>,
    /// A new signing secret for the webhook URL the client has.
    #[arg(long, conflicts_with = "no_webhook")]
    pub rotate_webhook_secret: bool,
    /// Remove the webhook: no more events are recorded for the client.
    #[arg(long)]
    pub no_webhook: bool,
}

#[derive(Debug, Args)]
pub struct ClientCreateArgs {
    /// The integrator's name, shown to end users.
    #[arg(long)]
    pub name: String,
    /// Client ID. Default: a random UUID.
    #[arg(long)]
    pub id: Option<String>,
    /// A callback URI (repeat for several). Compared as strings.
    #[arg(long = "callback", required = true)]
    pub callbacks: Vec<String>,
    /// Allowed scopes, comma-separated: any of the nine. Default: all.
    #[arg(
        long,
        default_value = "vehicles,unsecured_loans,info,income,student_loan,e_invoices,\
                         unsecured_loans_presentation,unsecured_loans_processing,tax_data_pdf"
    )]
    pub scopes: String,
    /// An origin `styles_uri` may come from (repeat for several).
    #[arg(long = "styles-origin")]
    pub styles_origins: Vec<String>,
    /// A test client: every flow is a test flow (test BankID, static
    /// data, results marked test). Without it, a production client, which
    /// never runs one.
    #[arg(long)]
    pub test: bool,
    /// A public client: no secret, must use PKCE.
    #[arg(long, conflicts_with_all = ["secret_from_env", "secret_stdin"])]
    pub public: bool,
    /// Keep an existing secret (moving from the original product): read it
    /// from this environment variable instead of generating one. Never a
    /// flag value, so that it stays out of shell history and `ps`.
    #[arg(long, value_name = "VAR", conflicts_with = "secret_stdin")]
    pub secret_from_env: Option<String>,
    /// Keep an existing secret: read it from the first line of standard
    /// input instead of generating one.
    #[arg(long)]
    pub secret_stdin: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Where webhook events go (https, or http on loopback); prints the
    /// signing secret once.
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// How many days the client's consents last; the purpose scopes cap
    /// it (365 with unsecured_loans_presentation, 28 with
    /// unsecured_loans_processing).
    #[arg(long, default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub consent_days: u32,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command};

    fn ttl(value: &str) -> Result<u64, clap::Error> {
        let cli = Cli::try_parse_from(["consent-link", "serve", "--session-ttl", value])?;
        match cli.command {
            Command::Serve(args) => Ok(args.session_ttl),
            Command::Client(_) => unreachable!("parsed serve"),
        }
    }

    #[test]
    fn limits_default_to_the_readme_and_zero_turns_a_rate_limit_off() {
        let cli = Cli::try_parse_from(["consent-link", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            unreachable!("parsed serve")
        };
        assert!(!args.demo, "the demo is opt-in");
        assert_eq!(args.metrics_bind.to_string(), "127.0.0.1:9100");
        let options = args.limits.router_options(false);
        assert_eq!(
            options.rate_limits.link_start,
            crate::http::Rate::new(20, 100)
        );
        assert!(options.rate_limits.token.is_some());
        assert!(matches!(options.client_ip, crate::http::ClientIp::Peer));
        let conn = args.limits.conn_limits();
        assert_eq!(conn.header_read_timeout, std::time::Duration::from_secs(10));
        assert_eq!(conn.max_connections, 512);
        assert_eq!(conn.write_timeout, std::time::Duration::from_secs(10));
        assert_eq!(conn.max_head_bytes, 32 * 1024);

        let off = Cli::try_parse_from([
            "consent-link",
            "serve",
            "--rate-limit-link",
            "0",
            "--rate-limit-token",
            "0",
            "--client-ip-header",
            "X-Forwarded-For",
        ])
        .unwrap();
        let Command::Serve(args) = off.command else {
            unreachable!("parsed serve")
        };
        let options = args.limits.router_options(false);
        assert_eq!(options.rate_limits.link_start, None);
        assert_eq!(options.rate_limits.token, None);
        assert!(
            matches!(options.client_ip, crate::http::ClientIp::Header(ref h) if h == "x-forwarded-for")
        );
    }

    #[test]
    fn session_ttl_must_be_a_positive_number_of_seconds_up_to_a_day() {
        assert_eq!(ttl("5").unwrap(), 5);
        assert_eq!(ttl("86400").unwrap(), 86_400);
        for bad in ["0", "-1", "86401", "soon"] {
            assert!(ttl(bad).is_err(), "--session-ttl {bad} was accepted");
        }
    }

    #[test]
    fn receipt_keys_publish_the_version_before_unless_told_otherwise() {
        let previous = |extra: &[&str]| {
            let argv = ["consent-link", "serve"].iter().chain(extra);
            match Cli::try_parse_from(argv).map(|c| c.command) {
                Ok(Command::Serve(args)) => Ok(args.receipt_previous_versions()),
                Ok(_) => unreachable!("parsed serve"),
                Err(e) => Err(e),
            }
        };
        assert_eq!(previous(&[]).unwrap(), Vec::<u32>::new());
        assert_eq!(previous(&["--receipt-key-version", "3"]).unwrap(), vec![2]);
        let listed = [
            "--receipt-key-version",
            "3",
            "--receipt-previous-key-versions",
            "1,2",
        ];
        assert_eq!(previous(&listed).unwrap(), vec![1, 2]);
        let none = [
            "--receipt-key-version",
            "3",
            "--receipt-previous-key-versions",
            "none",
        ];
        assert_eq!(previous(&none).unwrap(), Vec::<u32>::new());
        assert!(previous(&["--receipt-key-version", "0"]).is_err());
        assert!(previous(&["--receipt-previous-key-versions", "0"]).is_err());
        assert!(previous(&["--receipt-previous-key-versions", "1,x"]).is_err());
    }

    #[test]
    fn the_sign_in_rate_limit_defaults_to_the_readme_and_zero_turns_it_off() {
        let limits = |extra: &[&str]| {
            let argv = ["consent-link", "serve"].iter().chain(extra);
            match Cli::try_parse_from(argv).map(|c| c.command) {
                Ok(Command::Serve(args)) => args.limits.router_options(false).rate_limits,
                _ => unreachable!("parsed serve"),
            }
        };
        assert_eq!(limits(&[]).sign_in, crate::http::Rate::new(5, 30));
        assert_eq!(limits(&["--rate-limit-sign-in", "0"]).sign_in, None);
    }
}
