//! Per-address rate limits on what costs us a database write and can be
//! called without any secret: starting a link session, starting a sign-in
//! at a provider, and the token endpoints. Over the limit, the answer
//! is `429` with `Retry-After`, in the format of the surface asked (a page,
//! RFC 6749 JSON, the product's JSON). The client's address is the socket
//! peer's, or the right-most entry of a header set by a trusted load
//! balancer, and only when the operator names that header.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::api::ApiError;
use super::error::error_page;
use super::pages::PagePolicy;
use crate::i18n::negotiate;
use crate::oauth2::params::Params;

/// A sustained rate per address, and how many requests may come at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Rate {
    /// `per_second` 0 means no limit.
    pub fn new(per_second: u32, burst: u32) -> Option<Rate> {
        Some(Rate {
            per_second: NonZeroU32::new(per_second)?,
            burst: NonZeroU32::new(burst.max(1))?,
        })
    }
}

/// The limits of each surface; `None` is no limit.
#[derive(Clone, Debug)]
pub struct RateLimits {
    /// `GET /`, `/link` and `/oauth/authorize`, together.
    pub link_start: Option<Rate>,
    /// `POST /oauth/token`, `/oauth/revoke`, `/oauth/introspect` and
    /// `POST /api/1.0/auth`, together.
    pub token: Option<Rate>,
    /// `POST /s/{sid}/upstream`: a sign-in at a provider started (again).
    pub sign_in: Option<Rate>,
}

impl Default for RateLimits {
    /// The README's defaults: generous for people and for an integrator's
    /// test suite.
    fn default() -> Self {
        RateLimits {
            link_start: Rate::new(20, 100),
            token: Rate::new(50, 200),
            sign_in: Rate::new(5, 30),
        }
    }
}

/// Where the client's address comes from.
#[derive(Clone, Debug, Default)]
pub enum ClientIp {
    /// The socket peer; forwarding headers are ignored.
    #[default]
    Peer,
    /// The right-most entry of this header (as a trusted load balancer
    /// appends it), else the socket peer.
    Header(HeaderName),
}

impl ClientIp {
    /// The client's address; `None` when the request came in without a
    /// socket (in process).
    pub fn of(&self, req: &Request) -> Option<IpAddr> {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        match self {
            ClientIp::Peer => peer,
            ClientIp::Header(name) => req
                .headers()
                .get_all(name)
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(parse_addr)
                .or(peer),
        }
    }
}

/// An address as a forwarding header writes it, with or without a port.
fn parse_addr(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

/// What is counted: an IPv4 address, or an IPv6 address's /64 (one
/// subscriber gets a whole /64 and could rotate through it).
pub(crate) fn key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(
            u128::from(v6) & 0xffff_ffff_ffff_ffff_0000_0000_0000_0000,
        )),
        v4 => v4,
    }
}

/// Which answer a refused request gets.
#[derive(Clone, Copy, Debug)]
pub enum Surface {
    /// An end user's browser: a page in their language.
    LinkStart,
    /// A sign-in started again from a session page: a page too.
    SignIn,
    /// RFC 6749 §5.2 JSON.
    OAuthToken,
    /// The product API's JSON.
    ProductAuth,
}

/// One limit, shared by the routes it guards; cheap to clone.
#[derive(Clone)]
pub struct Limiter {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    client_ip: ClientIp,
    checks: Arc<AtomicU64>,
}

/// How many checks between sweeps of addresses whose buckets are full
/// again, which keeps memory bounded by the addresses seen recently.
const SWEEP_EVERY: u64 = 4096;

impl Limiter {
    pub fn new(rate: Rate, client_ip: ClientIp) -> Limiter {
        let quota = Quota::per_second(rate.per_second).allow_burst(rate.burst);
        Limiter {
            limiter: Arc::new(governor::RateLimiter::keyed(quota)),
            client_ip,
            checks: Arc::new(AtomicU64::new(0)),
        }
    }

    /// `Err(seconds to wait)` when the client is over the limit.
    fn check(&self, req: &Request) -> Result<(), u64> {
        let Some(ip) = self.client_ip.of(req) else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(&key(ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// The middleware: lets the request through, or answers 429.
pub async fn limit(
    State((limiter, surface)): State<(Limiter, Surface)>,
    req: Request,
    next: Next,
) -> Response {
    match limiter.check(&req) {
        Ok(()) => next.run(req).await,
        Err(wait) => too_many_requests(surface, &req, wait.max(1)),
    }
}

fn too_many_requests(surface: Surface, req: &Request, wait: u64) -> Response {
    tracing::info!(
        surface = ?surface,
        retry_after = wait,
        "rate limit reached"
    );
    let mut res = match surface {
        Surface::LinkStart | Surface::SignIn => {
            let params = Params::parse(req.uri().query().unwrap_or(""));
            let locale = negotiate(
                params.get("locale").ok().flatten(),
                req.headers()
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            );
            error_page(
                StatusCode::TOO_MANY_REQUESTS,
                &locale,
                "error-too-many-requests",
                &PagePolicy::default(),
            )
            .unwrap_or_else(|e| e.into_response())
        }
        Surface::OAuthToken => {
            let body = serde_json::json!({
                "error": "temporarily_unavailable",
                "error_description": format!("too many requests from this address; retry after {wait} seconds"),
            });
            let mut res = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            res.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Surface::ProductAuth => ApiError::too_many_requests(wait).into(),
    };
    res.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(wait));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, headers: &[(&str, &str)]) -> Request {
        let mut req = axum::http::Request::get("/link");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = req.body(axum::body::Body::empty()).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        req
    }

    #[test]
    fn forwarding_headers_count_only_when_configured_and_only_their_last_entry() {
        let spoofed = request(
            "10.0.0.9:5000",
            &[("x-forwarded-for", "1.1.1.1, 203.0.113.7")],
        );
        assert_eq!(
            ClientIp::Peer.of(&spoofed),
            Some("10.0.0.9".parse().unwrap())
        );
        let header = ClientIp::Header(HeaderName::from_static("x-forwarded-for"));
        assert_eq!(header.of(&spoofed), Some("203.0.113.7".parse().unwrap()));
        let bare = request("10.0.0.9:5000", &[]);
        assert_eq!(header.of(&bare), Some("10.0.0.9".parse().unwrap()));
        let with_port = request("10.0.0.9:5000", &[("x-forwarded-for", "[2001:db8::1]:443")]);
        assert_eq!(header.of(&with_port), Some("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn an_ipv6_subscriber_is_counted_by_its_slash_64() {
        let a = key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = key("2001:db8:1:2:bbbb::2".parse().unwrap());
        let other = key("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, other);
        assert_eq!(
            key("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
    }
}
