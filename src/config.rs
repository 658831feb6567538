//! Command line and environment, with clap.

use std::net::SocketAddr;

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
    Serve(ServeArgs),
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
    /// characters). Default: one generated once and kept in the database,
    /// shared by every instance.
    #[arg(long, env = "CONSENT_LINK_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// How long a link session lives, in seconds.
    #[arg(long, env = "CONSENT_LINK_SESSION_TTL", default_value_t = 1800,
          value_parser = clap::value_parser!(i64).range(1..=86_400))]
    pub session_ttl: i64,

    /// The authentication methods: a TOML file of OpenID Connect providers
    /// and the methods they back (see the README). Without it, only test
    /// mode's test BankID is offered.
    #[arg(long, env = "CONSENT_LINK_METHODS")]
    pub methods: Option<std::path::PathBuf>,

    /// Do not create the test-mode `demo` client.
    #[arg(long, env = "CONSENT_LINK_NO_DEMO")]
    pub no_demo: bool,
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
    /// Allowed scopes, comma-separated. Default: all.
    #[arg(
        long,
        default_value = "vehicles,unsecured_loans,info,income,student_loan,e_invoices"
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
    #[arg(long)]
    pub public: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command};

    fn ttl(value: &str) -> Result<i64, clap::Error> {
        let cli = Cli::try_parse_from(["consent-link", "serve", "--session-ttl", value])?;
        match cli.command {
            Command::Serve(args) => Ok(args.session_ttl),
            Command::Client(_) => unreachable!("parsed serve"),
        }
    }

    #[test]
    fn session_ttl_must_be_a_positive_number_of_seconds_up_to_a_day() {
        assert_eq!(ttl("5").unwrap(), 5);
        assert_eq!(ttl("86400").unwrap(), 86_400);
        for bad in ["0", "-1", "86401", "soon"] {
            assert!(ttl(bad).is_err(), "--session-ttl {bad} was accepted");
        }
    }
}
