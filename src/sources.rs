//! The data sources an operator configures (SPEC.md, "Data collection"):
//! each collects some scopes from an adapter that speaks the source
//! contract. Read once at start, like the methods file; a mistake stops
//! `serve` with a message that names the source and the field.
//!
//! ```toml
//! [[source]]
//! id = "gjeld"
//! scopes = ["unsecured_loans"]
//! url = "https://adapter.example/collect"
//! token_env = "GJELD_TOKEN"   # optional: sent as Authorization: Bearer <token>
//! timeout_secs = 20           # per attempt (default 20)
//! attempts = 5                # (default 5), with exponential backoff from 1 s
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::collect::test_source::TEST_SOURCE;
use crate::methods::{check_id, ConfigError};
use crate::net::secure_or_loopback;
use crate::oauth2::scope::{Scope, Scopes};

pub const DEFAULT_TIMEOUT_SECS: u64 = 20;
pub const DEFAULT_ATTEMPTS: u32 = 5;
const MAX_TIMEOUT_SECS: u64 = 300;
const MAX_ATTEMPTS: u32 = 20;

/// One configured source.
#[derive(Clone)]
pub struct Source {
    pub id: String,
    pub scopes: Vec<Scope>,
    pub url: Url,
    /// Sent as `Authorization: Bearer <token>`; never logged.
    pub token: Option<String>,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// How many attempts a collection makes before its scopes fail.
    pub attempts: u32,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("id", &self.id)
            .field("scopes", &self.scopes)
            .field("url", &self.url.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// The configured sources, each scope served by at most one, and the ID
/// of the built-in test source that test flows collect from.
#[derive(Clone, Debug)]
pub struct Sources {
    list: Vec<Source>,
    test_source: String,
}

impl Default for Sources {
    fn default() -> Sources {
        Sources {
            list: Vec::new(),
            test_source: TEST_SOURCE.to_owned(),
        }
    }
}

impl Sources {
    pub fn all(&self) -> &[Source] {
        &self.list
    }

    /// The source that collects `scope`, if any does.
    pub fn serving(&self, scope: Scope) -> Option<&Source> {
        self.list.iter().find(|s| s.scopes.contains(&scope))
    }

    /// The ID on the jobs of the built-in test source.
    pub fn test_source(&self) -> &str {
        &self.test_source
    }

    /// The same sources with the test source's jobs under another ID:
    /// for tests that share one database and must each run only their
    /// own test flows' jobs.
    pub fn with_test_source_id(mut self, id: &str) -> Sources {
        self.test_source = id.to_owned();
        self
    }

    /// The first of `scopes` that no source serves: a production link
    /// asking for it would be collected as nothing.
    pub fn first_unserved(&self, scopes: &Scopes) -> Option<Scope> {
        scopes.iter().find(|scope| self.serving(*scope).is_none())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    source: Vec<SourceConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceConfig {
    id: String,
    scopes: Vec<String>,
    url: String,
    token_env: Option<String>,
    timeout_secs: Option<u64>,
    attempts: Option<u32>,
}

/// Reads the sources file at `path`; `env` looks up `token_env`.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Sources, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        message: format!("cannot read: {e}"),
    })?;
    parse(&text, env).map_err(|message| ConfigError { file, message })
}

/// Parses and checks a sources file's text.
pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Sources, String> {
    let config: FileConfig = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut sources: Vec<Source> = Vec::new();
    let mut served: BTreeMap<Scope, String> = BTreeMap::new();
    for (i, s) in config.source.into_iter().enumerate() {
        let at = format!("source[{i}] ({:?})", s.id);
        let source = source(s, env).map_err(|m| format!("{at}: {m}"))?;
        if sources.iter().any(|other| other.id == source.id) {
            return Err(format!("{at}: id: {:?} is used twice", source.id));
        }
        for scope in &source.scopes {
            if let Some(other) = served.insert(*scope, source.id.clone()) {
                return Err(format!(
                    "{at}: scopes: {:?} is served by source {other:?} already",
                    scope.as_str()
                ));
            }
        }
        sources.push(source);
    }
    Ok(Sources {
        list: sources,
        ..Sources::default()
    })
}

fn source(s: SourceConfig, env: &dyn Fn(&str) -> Option<String>) -> Result<Source, String> {
    check_id(&s.id)?;
    if s.id == TEST_SOURCE {
        return Err(format!("id: {:?} is the built-in test source", s.id));
    }
    let scopes = source_scopes(&s.scopes)?;
    let url = Url::parse(&s.url).map_err(|e| format!("url: {e}"))?;
    if !secure_or_loopback(&url) || !url.username().is_empty() || url.password().is_some() {
        return Err(
            "url: must be https (http only on a loopback host), without credentials".into(),
        );
    }
    let token = match s.token_env {
        None => None,
        Some(var) => Some(
            env(&var)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| format!("token_env: the variable {var} is not set"))?,
        ),
    };
    let timeout_secs = s.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS);
    if !(1..=MAX_TIMEOUT_SECS).contains(&timeout_secs) {
        return Err(format!("timeout_secs: must be 1 to {MAX_TIMEOUT_SECS}"));
    }
    let attempts = s.attempts.unwrap_or(DEFAULT_ATTEMPTS);
    if !(1..=MAX_ATTEMPTS).contains(&attempts) {
        return Err(format!("attempts: must be 1 to {MAX_ATTEMPTS}"));
    }
    Ok(Source {
        id: s.id,
        scopes,
        url,
        token,
        timeout: Duration::from_secs(timeout_secs),
        attempts,
    })
}

/// A source's scopes: at least one, each a scope, none twice.
fn source_scopes(names: &[String]) -> Result<Vec<Scope>, String> {
    if names.is_empty() {
        return Err("scopes: must name at least one scope".into());
    }
    let mut scopes = Vec::new();
    for name in names {
        let scope = Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == name)
            .ok_or_else(|| format!("scopes: {name:?} is not a scope"))?;
        if scopes.contains(&scope) {
            return Err(format!("scopes: {name:?} is named twice"));
        }
        scopes.push(scope);
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(var: &str) -> Option<String> {
        (var == "GJELD_TOKEN").then(|| "t0ken".to_owned())
    }

    const GOOD: &str = r#"
[[source]]
id = "gjeld"
scopes = ["unsecured_loans"]
url = "https://adapter.example/collect"
token_env = "GJELD_TOKEN"
timeout_secs = 7

[[source]]
id = "local-income"
scopes = ["income", "info"]
url = "http://127.0.0.1:8080/collect"
"#;

    #[test]
    fn a_good_file_gives_its_sources_with_defaults() {
        let sources = parse(GOOD, &env).unwrap();
        let gjeld = sources.serving(Scope::UnsecuredLoans).unwrap();
        assert_eq!(gjeld.id, "gjeld");
        assert_eq!(gjeld.token.as_deref(), Some("t0ken"));
        assert_eq!(gjeld.timeout, Duration::from_secs(7));
        assert_eq!(gjeld.attempts, DEFAULT_ATTEMPTS);
        let local = sources.serving(Scope::Info).unwrap();
        assert_eq!(local.timeout, Duration::from_secs(DEFAULT_TIMEOUT_SECS));
        assert!(sources.serving(Scope::Vehicles).is_none());
        let asked = Scopes::parse("info,vehicles,unsecured_loans").unwrap();
        assert_eq!(sources.first_unserved(&asked), Some(Scope::Vehicles));
        let served = Scopes::parse("info,income,unsecured_loans").unwrap();
        assert_eq!(sources.first_unserved(&served), None);
        assert!(
            !format!("{gjeld:?}").contains("t0ken"),
            "tokens never in Debug"
        );
    }

    #[test]
    fn a_mistake_names_the_source_and_the_field() {
        let cases = [
            ("id = \"Gjeld!\"", "source[0] (\"Gjeld!\"): id:"),
            ("scopes = []", "source[0] (\"s\"): scopes: must name"),
            (
                "scopes = [\"bananas\"]",
                "scopes: \"bananas\" is not a scope",
            ),
            ("url = \"http://adapter.example/\"", "url: must be https"),
            (
                "url = \"https://u:p@adapter.example/\"",
                "url: must be https",
            ),
            (
                "token_env = \"MISSING\"",
                "token_env: the variable MISSING is not set",
            ),
            ("timeout_secs = 0", "timeout_secs: must be 1 to 300"),
            ("attempts = 99", "attempts: must be 1 to 20"),
            ("colour = \"blue\"", "unknown field"),
            ("id = \"test\"", "id: \"test\" is the built-in test source"),
        ];
        for (line, expected) in cases {
            let mut fields = vec![
                ("id", "id = \"s\""),
                ("scopes", "scopes = [\"income\"]"),
                ("url", "url = \"https://adapter.example/\""),
            ];
            let key = line.split(' ').next().unwrap();
            fields.retain(|(k, _)| *k != key);
            let body: Vec<&str> = fields.iter().map(|(_, v)| *v).chain([line]).collect();
            let text = format!("[[source]]\n{}\n", body.join("\n"));
            let err = parse(&text, &env).unwrap_err();
            assert!(err.contains(expected), "{line}: {err}");
        }
    }

    #[test]
    fn a_scope_is_served_by_at_most_one_source() {
        let text = r#"
[[source]]
id = "a"
scopes = ["income"]
url = "https://a.example/"

[[source]]
id = "b"
scopes = ["vehicles", "income"]
url = "https://b.example/"
"#;
        let err = parse(text, &env).unwrap_err();
        assert!(
            err.contains("source[1] (\"b\"): scopes: \"income\" is served by source \"a\""),
            "{err}"
        );
        let twice = "[[source]]\nid = \"a\"\nscopes = [\"a\"]\nurl = \"https://a.example/\"\n[[source]]\nid = \"a\"\nscopes = [\"income\"]\nurl = \"https://a.example/\"\n";
        assert!(parse(&twice.replace("[\"a\"]", "[\"info\"]"), &env)
            .unwrap_err()
            .contains("id: \"a\" is used twice"));
    }
}
