//! The authentication methods an operator configures: each is an OpenID
//! Connect provider (directly, or a broker that picks the eID by
//! `acr_values`) plus how to show it. Read once at start; a mistake stops
//! `serve` with a message that names the field.
//!
//! ```toml
//! [[provider]]
//! id = "broker"
//! issuer = "https://broker.example"
//! client_id = "consent-link"
//! client_secret_env = "BROKER_SECRET"   # or client_secret = "…"
//!
//! [[method]]
//! id = "bankid_no"
//! provider = "broker"
//! acr_values = "urn:grn:authn:no:bankid:high"
//! identity_claim = "pid"
//! name = { en = "BankID", nb = "BankID" }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use url::Url;

use crate::flow::TEST_BANKID;
use crate::net::secure_or_loopback;

/// One OpenID Connect provider as consent-link's client there.
#[derive(Clone)]
pub struct Provider {
    pub id: String,
    /// As configured, character for character: the provider's metadata
    /// must name exactly this issuer.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// One method the end user can pick.
#[derive(Clone, Debug)]
pub struct Method {
    pub id: String,
    pub provider: Arc<Provider>,
    /// Scopes asked of the provider; always includes `openid`.
    pub scopes: Vec<String>,
    pub acr_values: Option<String>,
    /// The ID-token claim that carries the national identity number.
    pub identity_claim: String,
    /// Display names by language; `en` is always present.
    pub names: BTreeMap<String, String>,
    pub logo: Option<Logo>,
}

impl Method {
    /// The name in `lang`, else the English one.
    pub fn name(&self, lang: &str) -> &str {
        self.names
            .get(lang)
            .or_else(|| self.names.get("en"))
            .map(String::as_str)
            .unwrap_or(self.id.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct Logo {
    pub content_type: &'static str,
    pub bytes: Arc<Vec<u8>>,
}

/// A configuration mistake, naming where it is.
#[derive(Debug, thiserror::Error)]
#[error("authentication methods ({file}): {message}")]
pub struct ConfigError {
    pub file: String,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    provider: Vec<ProviderConfig>,
    #[serde(default)]
    method: Vec<MethodConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderConfig {
    id: String,
    issuer: String,
    client_id: String,
    client_secret: Option<String>,
    client_secret_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MethodConfig {
    id: String,
    provider: String,
    #[serde(default)]
    scopes: Vec<String>,
    acr_values: Option<String>,
    identity_claim: String,
    name: BTreeMap<String, String>,
    logo: Option<PathBuf>,
}

/// Reads the methods file at `path`. `env` looks up environment variables
/// (for `client_secret_env`); `languages` are those the pages speak.
pub fn load(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    languages: &[&str],
) -> Result<Vec<Method>, ConfigError> {
    let file = path.display().to_string();
    let fail = |message: String| ConfigError {
        file: file.clone(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, base, env, languages).map_err(fail)
}

/// Parses and checks a methods file's text; relative logo paths are read
/// from `base`.
pub fn parse(
    text: &str,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    languages: &[&str],
) -> Result<Vec<Method>, String> {
    let config: FileConfig = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut providers: BTreeMap<String, Arc<Provider>> = BTreeMap::new();
    for (i, p) in config.provider.into_iter().enumerate() {
        let at = format!("provider[{i}] ({:?})", p.id);
        let provider = provider(p, env).map_err(|m| format!("{at}: {m}"))?;
        if providers.contains_key(&provider.id) {
            return Err(format!("{at}: id: {:?} is used twice", provider.id));
        }
        providers.insert(provider.id.clone(), Arc::new(provider));
    }
    let mut methods: Vec<Method> = Vec::new();
    for (i, m) in config.method.into_iter().enumerate() {
        let at = format!("method[{i}] ({:?})", m.id);
        let method = method(m, &providers, base, languages).map_err(|e| format!("{at}: {e}"))?;
        if methods.iter().any(|other| other.id == method.id) {
            return Err(format!("{at}: id: {:?} is used twice", method.id));
        }
        methods.push(method);
    }
    Ok(methods)
}

fn provider(p: ProviderConfig, env: &dyn Fn(&str) -> Option<String>) -> Result<Provider, String> {
    check_id(&p.id)?;
    let issuer = Url::parse(&p.issuer).map_err(|e| format!("issuer: {e}"))?;
    if !secure_or_loopback(&issuer) || issuer.query().is_some() || issuer.fragment().is_some() {
        return Err(
            "issuer: must be an https URL (http only on loopback) without query or fragment".into(),
        );
    }
    if p.client_id.trim().is_empty() {
        return Err("client_id: must not be empty".into());
    }
    let client_secret = match (p.client_secret, p.client_secret_env) {
        (Some(s), None) => s,
        (None, Some(var)) => {
            env(&var).ok_or_else(|| format!("client_secret_env: the variable {var} is not set"))?
        }
        _ => return Err("give exactly one of client_secret and client_secret_env".into()),
    };
    if client_secret.is_empty() {
        return Err("client_secret: must not be empty".into());
    }
    Ok(Provider {
        id: p.id,
        issuer: p.issuer,
        client_id: p.client_id,
        client_secret,
    })
}

fn method(
    m: MethodConfig,
    providers: &BTreeMap<String, Arc<Provider>>,
    base: &Path,
    languages: &[&str],
) -> Result<Method, String> {
    check_id(&m.id)?;
    if m.id == TEST_BANKID {
        return Err(format!("id: {TEST_BANKID:?} is the built-in test method"));
    }
    let provider = providers
        .get(&m.provider)
        .cloned()
        .ok_or_else(|| format!("provider: no provider has the id {:?}", m.provider))?;
    if m.identity_claim.trim().is_empty() {
        return Err("identity_claim: must not be empty".into());
    }
    check_names(&m.name, languages)?;
    let scopes = method_scopes(m.scopes)?;
    let logo = m.logo.map(|p| logo(&base.join(p))).transpose()?;
    Ok(Method {
        id: m.id,
        provider,
        scopes,
        acr_values: m.acr_values.filter(|a| !a.trim().is_empty()),
        identity_claim: m.identity_claim,
        names: m.name,
        logo,
    })
}

/// A method's names: one in English at least, each in a language this
/// deployment speaks, none blank.
fn check_names(names: &BTreeMap<String, String>, languages: &[&str]) -> Result<(), String> {
    if !names.contains_key("en") {
        return Err("name: needs at least an English name (name.en)".into());
    }
    for (lang, name) in names {
        if !languages.contains(&lang.as_str()) {
            return Err(format!(
                "name.{lang}: not a language this deployment speaks ({})",
                languages.join(", ")
            ));
        }
        if name.trim().is_empty() {
            return Err(format!("name.{lang}: must not be empty"));
        }
    }
    Ok(())
}

/// The scopes asked of the provider: `openid`, then each configured one
/// once.
fn method_scopes(configured: Vec<String>) -> Result<Vec<String>, String> {
    let mut scopes = vec!["openid".to_owned()];
    for s in configured {
        if s.is_empty() || s.contains(char::is_whitespace) {
            return Err(format!("scopes: {s:?} is not a scope"));
        }
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    Ok(scopes)
}

fn logo(path: &Path) -> Result<Logo, String> {
    let content_type = match path.extension().and_then(|e| e.to_str()) {
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => {
            return Err(format!(
                "logo: {} must be an .svg or .png file",
                path.display()
            ))
        }
    };
    let bytes = std::fs::read(path).map_err(|e| format!("logo: {}: {e}", path.display()))?;
    Ok(Logo {
        content_type,
        bytes: Arc::new(bytes),
    })
}

/// IDs appear in form values, URLs, logs and metrics labels: keep them
/// plain (methods, providers, data sources).
pub(crate) fn check_id(id: &str) -> Result<(), String> {
    let plain = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if plain {
        Ok(())
    } else {
        Err(format!(
            "id: {id:?} must be 1 to 64 of a-z, 0-9, '_' and '-'"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LANGS: &[&str] = &["da", "en", "nb", "sv"];

    fn env(var: &str) -> Option<String> {
        (var == "BROKER_SECRET").then(|| "s3cret".to_owned())
    }

    fn parse_ok(text: &str) -> Vec<Method> {
        parse(text, Path::new("."), &env, LANGS).unwrap()
    }

    fn parse_err(text: &str) -> String {
        parse(text, Path::new("."), &env, LANGS).unwrap_err()
    }

    const GOOD: &str = r#"
[[provider]]
id = "broker"
issuer = "https://broker.example"
client_id = "consent-link"
client_secret_env = "BROKER_SECRET"

[[method]]
id = "bankid_no"
provider = "broker"
acr_values = "urn:grn:authn:no:bankid:high"
identity_claim = "pid"
name = { en = "BankID", nb = "BankID" }

[[method]]
id = "bankid_se"
provider = "broker"
acr_values = "urn:grn:authn:se:bankid"
scopes = ["profile", "openid"]
identity_claim = "ssn"
name = { en = "Swedish BankID", sv = "BankID" }
"#;

    #[test]
    fn one_provider_backs_several_methods() {
        let methods = parse_ok(GOOD);
        assert_eq!(methods.len(), 2);
        assert!(Arc::ptr_eq(&methods[0].provider, &methods[1].provider));
        assert_eq!(methods[0].provider.client_secret, "s3cret");
        assert_eq!(methods[1].scopes, ["openid", "profile"]);
        assert_eq!(methods[1].name("sv"), "BankID");
        assert_eq!(methods[1].name("nb"), "Swedish BankID");
        assert!(!format!("{:?}", methods[0]).contains("s3cret"));
    }

    #[test]
    fn each_mistake_names_its_field() {
        let cases = [
            (
                GOOD.replace("https://broker.example", "ftp://broker.example"),
                "issuer",
            ),
            (GOOD.replace("https://broker", "http://broker"), "issuer"),
            (
                GOOD.replace(
                    "client_secret_env = \"BROKER_SECRET\"",
                    "client_secret_env = \"NOPE\"",
                ),
                "NOPE",
            ),
            (
                GOOD.replace("client_secret_env = \"BROKER_SECRET\"", ""),
                "client_secret",
            ),
            (
                GOOD.replacen("provider = \"broker\"", "provider = \"other\"", 1),
                "provider",
            ),
            (
                GOOD.replacen("identity_claim = \"pid\"", "identity_claim = \"\"", 1),
                "identity_claim",
            ),
            (
                GOOD.replacen("identity_claim = \"pid\"\n", "", 1),
                "identity_claim",
            ),
            (GOOD.replace("en = \"Swedish BankID\", ", ""), "name"),
            (
                GOOD.replace("nb = \"BankID\"", "fr = \"BankID\""),
                "name.fr",
            ),
            (
                GOOD.replace("id = \"bankid_se\"", "id = \"bankid_no\""),
                "used twice",
            ),
            (GOOD.replace("id = \"bankid_se\"", "id = \"Bank ID\""), "id"),
            (
                GOOD.replace("id = \"bankid_se\"", "id = \"test_bankid\""),
                "test method",
            ),
            (GOOD.replace("acr_values", "acr_value"), "acr_value"),
            (format!("{GOOD}logo = \"missing.svg\"\n"), "logo"),
        ];
        for (text, field) in cases {
            let err = parse_err(&text);
            assert!(err.contains(field), "{field:?} not named in {err:?}");
        }
    }

    #[test]
    fn http_issuers_only_on_loopback() {
        for (issuer, ok) in [
            ("https://idp.example", true),
            ("http://127.0.0.1:9000", true),
            ("http://localhost:9000/realm", true),
            ("http://[::1]:9000", true),
            ("http://idp.example", false),
            ("http://10.0.0.1", false),
        ] {
            assert_eq!(
                secure_or_loopback(&Url::parse(issuer).unwrap()),
                ok,
                "{issuer}"
            );
        }
    }
}
