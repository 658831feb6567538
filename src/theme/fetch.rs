//! Getting an integrator's sheet: only from its client's registered
//! origins, size and time limited, no redirects, cached per process, one
//! fetch of a URL at a time, and within a budget per link session and per
//! origin ([`super::budget`]).
//!
//! A per-process cache is enough: a theme is not flow state, and another
//! instance that has not seen the sheet fetches it once itself.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::OnceCell;
use url::Url;

use super::budget::{FetchBudget, FetchRate, OverBudget};
use super::{sanitize, MAX_SHEET_BYTES};
use crate::net::secure_or_loopback;
use crate::time::UnixTime;

/// How sheets are fetched and kept.
#[derive(Clone, Debug)]
pub struct ThemeLimits {
    /// The largest sheet read, in bytes.
    pub max_bytes: usize,
    /// The whole fetch: connecting, the answer and its body.
    pub timeout: Duration,
    /// How long a fetched theme is kept.
    pub ttl: Duration,
    /// How long a failure is kept (so a down sheet does not slow every
    /// page).
    pub failure_ttl: Duration,
    /// The most sheets kept at once.
    pub max_entries: usize,
    /// The fetches one link session may cause (a new sheet, or one whose
    /// time is up).
    pub per_session: FetchRate,
    /// The fetches all sessions together may cause at one origin.
    pub per_origin: FetchRate,
}

impl Default for ThemeLimits {
    fn default() -> Self {
        ThemeLimits {
            max_bytes: MAX_SHEET_BYTES,
            timeout: Duration::from_secs(5),
            ttl: Duration::from_secs(300),
            failure_ttl: Duration::from_secs(60),
            max_entries: 256,
            per_session: FetchRate {
                burst: NonZeroU32::MIN.saturating_add(1),
                every: Duration::from_secs(300),
            },
            per_origin: FetchRate {
                burst: NonZeroU32::MIN.saturating_add(9),
                every: Duration::from_secs(6),
            },
        }
    }
}

#[derive(Clone)]
struct Cached {
    /// The theme's stylesheet; `None` for the default theme.
    css: Option<Arc<str>>,
    expires_at: UnixTime,
}

/// A URL's place in the cache: its fetch, shared by every request that
/// comes while it is under way and then by those until it expires; and
/// what the fetch before it gave, served while the budget allows no new
/// one.
struct Entry {
    fetch: Arc<OnceCell<Cached>>,
    stale: Option<Arc<str>>,
}

impl Entry {
    fn new(stale: Option<Arc<str>>) -> Entry {
        Entry {
            fetch: Arc::new(OnceCell::new()),
            stale,
        }
    }

    /// When it may go: one without a fetched theme (under way, or left
    /// by a request over its budget) first, as it holds nothing yet.
    fn expires_at(&self) -> i64 {
        self.fetch
            .get()
            .map_or(i64::MIN, |c| c.expires_at.as_secs())
    }
}

/// Why a sheet gave no theme (logged with the URL's origin only).
#[derive(Debug, thiserror::Error, PartialEq)]
enum Refused {
    #[error("not https (http only on loopback), or carries credentials")]
    Insecure,
    #[error("origin not registered for the client")]
    Unregistered,
    #[error("no HTTP client")]
    NoClient,
    #[error("timed out")]
    Timeout,
    #[error("could not connect")]
    Connect,
    #[error("request failed")]
    Request,
    #[error("answered HTTP {0}, not 200 (redirects are not followed)")]
    Status(u16),
    #[error("larger than {0} bytes")]
    TooLarge(usize),
    #[error("not UTF-8")]
    NotUtf8,
}

impl From<reqwest::Error> for Refused {
    /// Only the kind: reqwest's message names the whole URL.
    fn from(e: reqwest::Error) -> Refused {
        if e.is_timeout() {
            Refused::Timeout
        } else if e.is_connect() {
            Refused::Connect
        } else {
            Refused::Request
        }
    }
}

/// The themes of `styles_uri` sheets, fetched on first use.
pub struct Themes {
    http: Option<reqwest::Client>,
    limits: ThemeLimits,
    cache: Mutex<HashMap<String, Entry>>,
    budget: FetchBudget,
}

impl Themes {
    pub fn new(limits: ThemeLimits) -> Themes {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout)
            .user_agent("consent-link")
            .build();
        let http = match http {
            Ok(c) => Some(c),
            Err(e) => {
                // Pages still work, with the default theme.
                tracing::error!(error = %e, "no HTTP client for styles_uri; default theme only");
                None
            }
        };
        Themes {
            http,
            budget: FetchBudget::new(limits.per_session, limits.per_origin),
            limits,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The theme stylesheet for `url`, `None` for the default theme, for
    /// the link session `session` (a key for its fetch budget). Never an
    /// error: a sheet that cannot be used is logged and left out.
    pub async fn css(
        &self,
        url: &Url,
        allowed_origins: &[String],
        session: &str,
        now: UnixTime,
    ) -> Option<Arc<str>> {
        let origin = url.origin().ascii_serialization();
        if let Err(why) = allowed(url, &origin, allowed_origins) {
            tracing::warn!(%origin, reason = %why, "styles_uri not fetched; default theme");
            return None;
        }
        let (fetch, stale) = self.entry(url.as_str(), now);
        // A sheet that gave a theme before is fetched again when its time
        // is up without spending any budget: its TTL already bounds that
        // to one fetch per URL and TTL, and made-up URLs spending an
        // origin's budget cannot take an integrator's own sheet away.
        let known = stale.is_some();
        // Requests that come while the fetch is under way wait for it.
        let done = fetch.get_or_try_init(|| async {
            if !known {
                self.budget.spend(session, &origin)?;
            }
            Ok::<_, OverBudget>(self.fetch_theme(url, &origin, now).await)
        });
        match done.await {
            Ok(cached) => cached.css.clone(),
            Err(why) => {
                tracing::warn!(%origin, reason = %why, "styles_uri not fetched: over its fetch budget (README: Theming)");
                self.forget_unfetched(url.as_str(), &fetch);
                stale
            }
        }
    }

    /// Fetches and checks the sheet: what is kept for it, and for how long.
    async fn fetch_theme(&self, url: &Url, origin: &str, now: UnixTime) -> Cached {
        let css = match self.fetch(url).await {
            Ok(sheet) => {
                let theme = sanitize(&sheet);
                if theme.dropped > 0 || theme.is_empty() {
                    tracing::warn!(
                        %origin,
                        kept = theme.props().len(),
                        dropped = theme.dropped,
                        "styles_uri: declarations left out (README: Theming)"
                    );
                }
                (!theme.is_empty()).then(|| Arc::from(theme.css()))
            }
            Err(why) => {
                tracing::warn!(%origin, reason = %why, "styles_uri not used; default theme");
                None
            }
        };
        let ttl = if css.is_some() {
            self.limits.ttl
        } else {
            self.limits.failure_ttl
        };
        Cached {
            css,
            expires_at: now + ttl,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A poisoned cache is still a valid map.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The fetch of `key` to share (done and unexpired, under way, or
    /// new), and what an expired one before it gave.
    fn entry(&self, key: &str, now: UnixTime) -> (Arc<OnceCell<Cached>>, Option<Arc<str>>) {
        let mut cache = self.lock();
        let expired = cache
            .get(key)
            .and_then(|e| e.fetch.get())
            .filter(|c| c.expires_at <= now)
            .map(|c| c.css.clone());
        if let Some(stale) = expired {
            cache.insert(key.to_owned(), Entry::new(stale));
        }
        if !cache.contains_key(key) {
            self.make_room(&mut cache, now);
            if self.limits.max_entries == 0 {
                return (Arc::new(OnceCell::new()), None);
            }
            cache.insert(key.to_owned(), Entry::new(None));
        }
        match cache.get(key) {
            Some(e) => (e.fetch.clone(), e.stale.clone()),
            None => (Arc::new(OnceCell::new()), None),
        }
    }

    /// Drops the entry of `key` if it is still `fetch`, never fetched and
    /// nothing before it was: URLs over the budget take no room.
    fn forget_unfetched(&self, key: &str, fetch: &Arc<OnceCell<Cached>>) {
        let mut cache = self.lock();
        let unfetched = cache.get(key).is_some_and(|e| {
            Arc::ptr_eq(&e.fetch, fetch) && e.fetch.get().is_none() && e.stale.is_none()
        });
        if unfetched {
            cache.remove(key);
        }
    }

    /// Makes room for one more entry: expired entries go, then the one
    /// that expires soonest (one without a fetched theme before any).
    fn make_room(&self, cache: &mut HashMap<String, Entry>, now: UnixTime) {
        if cache.len() < self.limits.max_entries {
            return;
        }
        cache.retain(|_, e| e.fetch.get().is_none_or(|c| c.expires_at > now));
        while cache.len() >= self.limits.max_entries.max(1) {
            let soonest = cache
                .iter()
                .min_by_key(|(_, e)| e.expires_at())
                .map(|(k, _)| k.clone());
            match soonest {
                Some(k) => cache.remove(&k),
                None => break,
            };
        }
    }

    async fn fetch(&self, url: &Url) -> Result<String, Refused> {
        let http = self.http.as_ref().ok_or(Refused::NoClient)?;
        let max = self.limits.max_bytes;
        let read = async {
            let mut res = http
                .get(url.clone())
                .header(reqwest::header::ACCEPT, "text/css")
                .send()
                .await?;
            if res.status() != reqwest::StatusCode::OK {
                return Err(Refused::Status(res.status().as_u16()));
            }
            if res.content_length().is_some_and(|n| n > max as u64) {
                return Err(Refused::TooLarge(max));
            }
            let mut body = Vec::new();
            while let Some(chunk) = res.chunk().await? {
                if body.len() + chunk.len() > max {
                    return Err(Refused::TooLarge(max));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        };
        // reqwest's timeout covers the body too; this one is the promise.
        let body = tokio::time::timeout(self.limits.timeout, read)
            .await
            .map_err(|_| Refused::Timeout)??;
        let text = String::from_utf8(body).map_err(|_| Refused::NotUtf8)?;
        Ok(text.trim_start_matches('\u{feff}').to_owned())
    }
}

/// The rule `styles_uri` was accepted by (oauth2::authorize), checked again
/// against the client as it is now.
fn allowed(url: &Url, origin: &str, allowed_origins: &[String]) -> Result<(), Refused> {
    if !secure_or_loopback(url) || !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::Insecure);
    }
    if !allowed_origins.iter().any(|o| o == origin) {
        return Err(Refused::Unregistered);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn the_defaults_are_the_documented_limits() {
        let d = ThemeLimits::default();
        assert_eq!(d.max_bytes, 64 * 1024);
        assert_eq!(d.timeout, Duration::from_secs(5));
        assert!(d.max_entries > 0 && d.max_entries <= 1024);
        assert_eq!(d.per_session.burst.get(), 2);
        assert_eq!(d.per_session.every, Duration::from_secs(300));
        assert_eq!(d.per_origin.burst.get(), 10);
        assert_eq!(d.per_origin.every, Duration::from_secs(6));
    }

    #[test]
    fn only_registered_secure_origins_are_fetched() {
        let reg = vec![
            "https://cdn.acme.example".to_owned(),
            "http://127.0.0.1:8080".to_owned(),
            "http://cdn.acme.example".to_owned(),
        ];
        let check = |u: &str| {
            let u = url(u);
            allowed(&u, &u.origin().ascii_serialization(), &reg)
        };
        assert_eq!(check("https://cdn.acme.example/a.css"), Ok(()));
        assert_eq!(check("http://127.0.0.1:8080/a.css"), Ok(()));
        assert_eq!(
            check("https://evil.example/a.css"),
            Err(Refused::Unregistered)
        );
        assert_eq!(
            check("https://cdn.acme.example:444/a.css"),
            Err(Refused::Unregistered)
        );
        // Registered, but plain http off loopback: refused all the same.
        assert_eq!(
            check("http://cdn.acme.example/a.css"),
            Err(Refused::Insecure)
        );
        assert_eq!(
            check("https://u:p@cdn.acme.example/a.css"),
            Err(Refused::Insecure)
        );
        assert_eq!(check("file:///etc/passwd"), Err(Refused::Insecure));
    }

    #[tokio::test]
    async fn a_refused_origin_is_never_fetched_nor_cached() {
        let themes = Themes::new(ThemeLimits::default());
        let css = themes
            .css(
                &url("https://evil.example/a.css"),
                &[],
                "session",
                UnixTime::from_secs(0),
            )
            .await;
        assert!(css.is_none());
        assert!(themes.lock().is_empty());
    }

    #[test]
    fn the_cache_stays_within_its_bound() {
        let at = UnixTime::from_secs;
        let themes = Themes::new(ThemeLimits {
            max_entries: 3,
            ..ThemeLimits::default()
        });
        let done = |i: i64| Cached {
            css: Some(Arc::from(format!("/* {i} */"))),
            expires_at: at(100 + i),
        };
        for i in 0..50 {
            let (fetch, _) = themes.entry(&format!("https://a.example/{i}.css"), at(0));
            assert!(fetch.set(done(i)).is_ok());
            assert!(themes.lock().len() <= 3);
        }
        // The newest stay, shared by the next request.
        let (fetch, _) = themes.entry("https://a.example/49.css", at(0));
        assert!(fetch.get().is_some());
        assert!(!themes.lock().contains_key("https://a.example/0.css"));
        // Expired: a new fetch is due, with the old theme kept to fall
        // back on.
        let (fetch, stale) = themes.entry("https://a.example/49.css", at(149));
        assert!(fetch.get().is_none());
        assert_eq!(stale.as_deref(), Some("/* 49 */"));
    }

    #[tokio::test]
    async fn a_url_over_its_budget_takes_no_room_in_the_cache() {
        let themes = Themes::new(ThemeLimits {
            per_origin: FetchRate {
                burst: NonZeroU32::MIN,
                every: Duration::from_secs(3600),
            },
            ..ThemeLimits::default()
        });
        let origins = ["http://127.0.0.1:9".to_owned()];
        let now = UnixTime::from_secs(0);
        // The first spends the origin's budget (nothing listens: a failure
        // kept a minute); the others are over it.
        for i in 0..20 {
            let u = url(&format!("http://127.0.0.1:9/a.css?v={i}"));
            assert!(themes
                .css(&u, &origins, &format!("s{i}"), now)
                .await
                .is_none());
        }
        assert_eq!(themes.lock().len(), 1);
    }
}
