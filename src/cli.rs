//! `consent-link client create|list|delete`.

use std::io::BufRead;

use serde_json::json;

use crate::config::{ClientCommand, ClientCreateArgs};
use crate::crypto;
use crate::oauth2::client::{validate_callback_uri, validate_styles_origin, Client};
use crate::oauth2::scope::Scopes;
use crate::store::{Store, StoreError};
use crate::time::UnixTime;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs a client command, returning what to print. A secret to keep
/// (`--secret-stdin`) is read from this process's standard input.
pub async fn run(
    store: &dyn Store,
    database_url: &str,
    cmd: ClientCommand,
    now: UnixTime,
) -> Result<String, CliError> {
    // The database in use is the one the command line names.
    let env = |name: &str| match name {
        "DATABASE_URL" => Some(database_url.to_owned()),
        _ => std::env::var(name).ok(),
    };
    run_with(store, cmd, now, &mut std::io::stdin().lock(), &env).await
}

/// [`run`] with standard input and the environment given.
pub async fn run_with(
    store: &dyn Store,
    cmd: ClientCommand,
    now: UnixTime,
    stdin: &mut dyn BufRead,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, CliError> {
    match cmd {
        ClientCommand::Create(mut args) => {
            let id = new_client_id(&mut args)?;
            let kept = kept_secret(&args, stdin, env)?;
            // The server key keys the secret's hash and seals the webhook's.
            let key = match (args.public, &args.webhook_url) {
                (true, None) => None,
                _ => Some(cli_server_key(store, env).await?),
            };
            let webhook = match (&args.webhook_url, &key) {
                (Some(url), Some(key)) => Some(new_webhook(key, &id, url)?),
                _ => None,
            };
            create(store, key.as_ref(), args, kept, webhook, now).await
        }
        ClientCommand::Update(args) => update(store, args, env).await,
        ClientCommand::List { json } => list(store, json).await,
        ClientCommand::Delete { id } => {
            if store.delete_client(&id).await? {
                Ok(format!("deleted client {id}"))
            } else {
                Err(CliError::Invalid(format!("no client {id}")))
            }
        }
    }
}

/// The ID `client create` gives: `--id` or a fresh UUID, never the demo
/// client's (only `serve --demo` creates that one).
fn new_client_id(args: &mut ClientCreateArgs) -> Result<String, CliError> {
    if args.id.as_deref() == Some(crate::DEMO_CLIENT_ID) {
        return Err(CliError::Invalid(format!(
            "the client ID {:?} is reserved for the demo client that `serve --demo` creates",
            crate::DEMO_CLIENT_ID
        )));
    }
    Ok(args
        .id
        .get_or_insert_with(|| uuid::Uuid::new_v4().to_string())
        .clone())
}

/// The server key: `CONSENT_LINK_SECRET_KEY`, or on SQLite the one kept in
/// the database.
async fn cli_server_key(
    store: &dyn Store,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<crypto::ServerKey, CliError> {
    let database_url = env("DATABASE_URL").unwrap_or_default();
    crate::server_key(
        store,
        env("CONSENT_LINK_SECRET_KEY").as_deref(),
        &database_url,
    )
    .await
    .map_err(|e| CliError::Invalid(format!("the server key keys and seals client secrets: {e}")))
}

/// Shortest secret that may be kept: what a guess must not reach.
pub const MIN_KEPT_SECRET_LEN: usize = 16;

/// The secret to keep, if `--secret-from-env` or `--secret-stdin` asks for
/// one: at least [`MIN_KEPT_SECRET_LEN`] characters, visible ASCII only (a
/// trailing line end from standard input is not part of it), and not
/// guessable ([`weakness`]).
fn kept_secret(
    args: &ClientCreateArgs,
    stdin: &mut dyn BufRead,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<String>, CliError> {
    let secret = match (&args.secret_from_env, args.secret_stdin) {
        (Some(var), _) => env(var)
            .ok_or_else(|| CliError::Invalid(format!("environment variable {var} is not set")))?,
        (None, true) => {
            let mut line = String::new();
            stdin
                .read_line(&mut line)
                .map_err(|e| CliError::Invalid(format!("reading the secret: {e}")))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
        (None, false) => return Ok(None),
    };
    if args.public {
        return Err(CliError::Invalid("a public client has no secret".into()));
    }
    if secret.len() < MIN_KEPT_SECRET_LEN || !secret.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(CliError::Invalid(format!(
            "the secret to keep must be at least {MIN_KEPT_SECRET_LEN} visible ASCII characters"
        )));
    }
    if let Some(why) = weakness(&secret) {
        return Err(CliError::Invalid(format!(
            "the secret to keep is too weak: {why}; give a random one (e.g. `openssl rand -base64 32`)"
        )));
    }
    Ok(Some(secret))
}

/// Why a secret of enough visible characters is still weak, if it is:
/// zxcvbn's estimate of the guesses it takes (common passwords and words,
/// keyboard walks, repeats, sequences, dates) gives it a score below the
/// top one, 4 (more than 10^10 guesses; the hash is keyed, so guesses
/// must be made against the service). Guessable secrets of 16 characters
/// (`Password123456!!`, `qwertyuiopasdfgh`, `acmebankacmebank`) are at
/// 10^8 or below; random ones of 16 hex or base64 characters at 10^12 or
/// above. zxcvbn's warning, if it gives one, says what makes it guessable.
fn weakness(secret: &str) -> Option<String> {
    let estimate = zxcvbn::zxcvbn(secret, &[]);
    if estimate.score() >= zxcvbn::Score::Four {
        return None;
    }
    let why = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| format!("{w} "))
        .unwrap_or_default();
    Some(format!(
        "{why}(it would take about 10^{:.0} guesses, not more than 10^10)",
        estimate.guesses_log10()
    ))
}

/// A webhook to set: the URL, the fresh signing secret to show once, and
/// that secret sealed under the server key for the store.
struct NewWebhook {
    url: String,
    secret: String,
    sealed: String,
}

/// Checks a webhook URL (https, or http on loopback; no credentials or
/// fragment) and makes its signing secret, sealed under the server key
/// bound to client `id`.
fn new_webhook(key: &crypto::ServerKey, id: &str, url: &str) -> Result<NewWebhook, CliError> {
    let parsed =
        url::Url::parse(url).map_err(|e| CliError::Invalid(format!("webhook URL {url:?}: {e}")))?;
    if !crate::net::secure_or_loopback(&parsed)
        || !parsed.username().is_empty()
        || parsed.password().is_some()
        || parsed.fragment().is_some()
    {
        return Err(CliError::Invalid(format!(
            "webhook URL {url:?} must be https (http only on loopback), without credentials or fragment"
        )));
    }
    let secret = crate::webhooks::new_secret(&mut rand::thread_rng());
    let sealed = key
        .seal(crate::webhooks::SEAL_SECRET, &[id], secret.as_bytes())
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    Ok(NewWebhook {
        url: parsed.to_string(),
        secret,
        sealed,
    })
}

/// `client update ID`: sets, rotates or removes the webhook.
async fn update(
    store: &dyn Store,
    args: crate::config::ClientUpdateArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, CliError> {
    let Some(stored) = store.get_client(&args.id).await? else {
        return Err(CliError::Invalid(format!("no client {}", args.id)));
    };
    let id = &stored.client.id;
    if args.no_webhook {
        store.set_client_webhook(id, None, None).await?;
        return Ok(format!("client {id}: webhook removed"));
    }
    let url = match (&args.webhook_url, &stored.webhook_url) {
        (Some(url), _) => url.clone(),
        (None, Some(url)) if args.rotate_webhook_secret => url.clone(),
        _ => {
            return Err(CliError::Invalid(
                "give --webhook-url URL, --rotate-webhook-secret or --no-webhook".into(),
            ))
        }
    };
    let key = cli_server_key(store, env).await?;
    let hook = new_webhook(&key, id, &url)?;
    store
        .set_client_webhook(id, Some(&hook.url), Some(&hook.sealed))
        .await?;
    Ok(format!(
        "client {id}: webhook {}\nwebhook signing secret (shown once, store it now): {}",
        hook.url, hook.secret
    ))
}

async fn create(
    store: &dyn Store,
    key: Option<&crypto::ServerKey>,
    args: ClientCreateArgs,
    kept: Option<String>,
    webhook: Option<NewWebhook>,
    now: UnixTime,
) -> Result<String, CliError> {
    let as_json = args.json;
    let consent_days = args.consent_days;
    let client = new_client(args)?;
    let kept_given = kept.is_some();
    let secret = match kept {
        Some(kept) => Some(kept),
        None => client
            .confidential
            .then(|| crypto::random_token(&mut rand::thread_rng())),
    };
    let secret_hash = match (&secret, key) {
        (Some(secret), Some(key)) => Some(key.client_secret_hash(&client.id, secret)),
        (None, _) => None,
        (Some(_), None) => {
            return Err(CliError::Invalid("no server key to hash the secret".into()))
        }
    };
    // A kept secret is the integrator's already: never echoed.
    let secret = secret.filter(|_| !kept_given);
    let inserted = store.insert_client(&client, secret_hash.as_deref(), now);
    inserted.await.map_err(|e| match e {
        StoreError::Conflict(_) => CliError::Invalid(format!("client {} exists", client.id)),
        e => CliError::Store(e),
    })?;
    store
        .set_client_consent_days(&client.id, consent_days)
        .await?;
    if let Some(hook) = &webhook {
        store
            .set_client_webhook(&client.id, Some(&hook.url), Some(&hook.sealed))
            .await?;
    }
    if as_json {
        return Ok(created_json(&client, secret, webhook.as_ref()));
    }
    Ok(created_text(&client, secret, kept_given, webhook.as_ref()))
}

/// The client that `client create` describes, checked.
fn new_client(args: ClientCreateArgs) -> Result<Client, CliError> {
    let callback_uris = args
        .callbacks
        .iter()
        .map(|c| validate_callback_uri(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Invalid)?;
    let styles_origins = args
        .styles_origins
        .iter()
        .map(|o| validate_styles_origin(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Invalid)?;
    let allowed_scopes =
        Scopes::parse(&args.scopes).map_err(|e| CliError::Invalid(e.to_string()))?;
    Ok(Client {
        id: args.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        name: args.name,
        callback_uris,
        allowed_scopes,
        styles_origins,
        test_allowed: args.test,
        confidential: !args.public,
    })
}

/// A created client as `--json` prints it, with the secrets shown once.
fn created_json(client: &Client, secret: Option<String>, webhook: Option<&NewWebhook>) -> String {
    let mut out = client_json(client);
    out["client_secret"] = json!(secret);
    if let Some(hook) = webhook {
        out["webhook_url"] = json!(hook.url);
        out["webhook_secret"] = json!(hook.secret);
    }
    out.to_string()
}

/// A created client for a person, with the secrets shown once.
fn created_text(
    client: &Client,
    secret: Option<String>,
    kept_given: bool,
    webhook: Option<&NewWebhook>,
) -> String {
    let mut out = format!("created client {} ({})\n", client.id, client.name);
    match secret {
        Some(s) => out.push_str(&format!("client secret (shown once, store it now): {s}")),
        None if kept_given => out.push_str("client secret: the one given (kept, not shown)"),
        None => out.push_str("public client: no secret; PKCE is required"),
    }
    if let Some(hook) = webhook {
        out.push_str(&format!(
            "\nwebhook {}\nwebhook signing secret (shown once, store it now): {}",
            hook.url, hook.secret
        ));
    }
    out
}

async fn list(store: &dyn Store, as_json: bool) -> Result<String, CliError> {
    let clients: Vec<Client> = store
        .list_clients()
        .await?
        .into_iter()
        .map(|stored| stored.client)
        .collect();
    if as_json {
        return Ok(serde_json::Value::Array(clients.iter().map(client_json).collect()).to_string());
    }
    let mut out = String::from("ID\tNAME\tTYPE\tTEST\tSCOPES\tCALLBACKS");
    for r in &clients {
        out.push_str(&format!(
            "\n{}\t{}\t{}\t{}\t{}\t{}",
            r.id,
            r.name,
            if r.confidential {
                "confidential"
            } else {
                "public"
            },
            if r.test_allowed { "yes" } else { "no" },
            r.allowed_scopes.to_product_string(),
            r.callback_uris.join(" ")
        ));
    }
    Ok(out)
}

fn client_json(c: &Client) -> serde_json::Value {
    json!({
        "client_id": c.id,
        "name": c.name,
        "confidential": c.confidential,
        "test_allowed": c.test_allowed,
        "scopes": c.allowed_scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "callback_uris": c.callback_uris,
        "styles_origins": c.styles_origins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn guessable_secrets_of_enough_length_are_weak() {
        for weak in [
            "Password123456!!",
            "qwertyuiopasdfgh",
            "acmebankacmebank",
            "1q2w3e4r5t6y7u8i",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abcdefghijklmnopqrstuvwxyz",
            "0123456789012345678901234567",
        ] {
            assert!(weakness(weak).is_some(), "{weak}");
        }
    }

    #[test]
    fn random_secrets_of_16_hex_or_base64_characters_are_strong() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for alphabet in [
            &b"0123456789abcdef"[..],
            b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_",
        ] {
            for _ in 0..1000 {
                let secret: String = (0..16)
                    .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
                    .collect();
                assert_eq!(weakness(&secret), None, "{secret}");
            }
        }
        assert_eq!(weakness("gs_live_5f3c9a7e21d04b8f9c6a"), None);
    }
}
