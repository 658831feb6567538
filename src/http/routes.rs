//! The public routes by surface, each with its rate limit. The surface a
//! route is on decides how a fault in it (a panic too) is shown: the token
//! endpoint's and the data API's routes in their JSON; any other as a page.

use axum::middleware::from_fn_with_state;
use axum::routing::{get, post, MethodRouter};
use axum::Router;

use super::limits::{self, Limiter, Surface};
use super::{
    api, assets, authorize, demo, error, health, introspect, receipts, steps, theme, token,
    upstream,
};
use super::{AppState, Options, Rate};

/// The public routes.
pub(super) fn routes(options: &Options) -> Router<AppState> {
    let limits = RouteLimits::new(options);
    page_routes(&limits, options.demo)
        .merge(token_endpoint(token_endpoint_routes(&limits)))
        .merge(data_api(data_api_routes(&limits)))
        .fallback(error::not_found)
}

/// `routes` as the OAuth2 token endpoint's: a fault in them, a panic too,
/// answers RFC 6749's `server_error` with only the request ID.
pub fn token_endpoint(routes: Router<AppState>) -> Router<AppState> {
    routes.layer(error::catch_panics::<token::TokenEndpointError>())
}

/// `routes` as the data API's: a fault in them, a panic too, answers the
/// product's `INTERNAL_ERROR` with only the request ID.
pub fn data_api(routes: Router<AppState>) -> Router<AppState> {
    routes.layer(error::catch_panics::<api::ApiError>())
}

/// The rate limits of the routes: one for the three entries, one for the
/// token endpoints (with revocation and introspection), one for starting a sign-in at a provider.
struct RouteLimits {
    link_start: Option<Limiter>,
    token: Option<Limiter>,
    sign_in: Option<Limiter>,
}

impl RouteLimits {
    fn new(options: &Options) -> RouteLimits {
        let limiter = |rate: Option<Rate>| rate.map(|r| Limiter::new(r, options.client_ip.clone()));
        RouteLimits {
            link_start: limiter(options.rate_limits.link_start),
            token: limiter(options.rate_limits.token),
            sign_in: limiter(options.rate_limits.sign_in),
        }
    }

    /// `handler` behind the sign-in limit.
    fn sign_in(&self, handler: MethodRouter<AppState>) -> MethodRouter<AppState> {
        Self::limited(&self.sign_in, Surface::SignIn, handler)
    }

    /// `handler` behind the link-start limit.
    fn link_start(&self, handler: MethodRouter<AppState>) -> MethodRouter<AppState> {
        Self::limited(&self.link_start, Surface::LinkStart, handler)
    }

    /// `handler` behind the token limit, answering over it as `surface`.
    fn token(&self, surface: Surface, handler: MethodRouter<AppState>) -> MethodRouter<AppState> {
        Self::limited(&self.token, surface, handler)
    }

    fn limited(
        limiter: &Option<Limiter>,
        surface: Surface,
        handler: MethodRouter<AppState>,
    ) -> MethodRouter<AppState> {
        match limiter {
            Some(l) => handler.layer(from_fn_with_state((l.clone(), surface), limits::limit)),
            None => handler,
        }
    }
}

/// The pages: the entries, the steps of a session, the sign-in callback,
/// their assets, health, and the demo when asked for.
fn page_routes(limits: &RouteLimits, demo: bool) -> Router<AppState> {
    let routes = Router::new()
        .route("/", limits.link_start(get(authorize::link_entry)))
        .route("/link", limits.link_start(get(authorize::link_entry)))
        .route(
            "/oauth/authorize",
            limits.link_start(get(authorize::oauth_entry)),
        )
        .route("/s/{sid}", get(steps::show))
        .route("/s/{sid}/method", post(steps::method_post))
        .route("/s/{sid}/authenticate", post(steps::authenticate_post))
        .route("/s/{sid}/consent", post(steps::consent_post))
        .route("/s/{sid}/cancel", post(steps::cancel_post))
        .route(
            "/s/{sid}/upstream",
            limits.sign_in(post(steps::upstream_post)),
        )
        .route("/s/{sid}/status", get(steps::step_status))
        .route("/s/{sid}/theme.css", get(theme::theme_css))
        .route("/s/{sid}/receipt", get(receipts::receipt))
        .route("/.well-known/jwks.json", get(receipts::jwks))
        .route("/oidc/callback", get(upstream::callback))
        .route("/methods/{id}/logo", get(assets::method_logo))
        .route(
            "/.well-known/oauth-authorization-server",
            get(token::metadata),
        )
        .route("/static/{file}", get(assets::file))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz));
    if !demo {
        return routes;
    }
    routes
        .route("/demo", get(demo::index))
        .route("/demo/callback", get(demo::callback))
}

/// `POST /oauth/token` and its siblings, revocation and introspection
/// (one rate limit for all, and the token endpoint's error format).
fn token_endpoint_routes(limits: &RouteLimits) -> Router<AppState> {
    Router::new()
        .route(
            "/oauth/token",
            limits.token(Surface::OAuthToken, post(token::oauth_token)),
        )
        .route(
            "/oauth/revoke",
            limits.token(Surface::OAuthToken, post(introspect::revoke)),
        )
        .route(
            "/oauth/introspect",
            limits.token(Surface::OAuthToken, post(introspect::introspect)),
        )
}

/// The product's API: its client token and the data.
fn data_api_routes(limits: &RouteLimits) -> Router<AppState> {
    Router::new()
        .route(
            "/api/1.0/auth",
            limits.token(Surface::ProductAuth, post(token::product_auth)),
        )
        .route("/api/1.0/personal/{id}", get(api::personal))
        .route("/api/1.0/loans/{id}", get(api::loans))
        .route("/api/1.0/vehicles/{id}", get(api::vehicles))
        .route("/api/1.0/income/{id}", get(api::income))
        .route("/api/1.0/invoices/{id}", get(api::invoices))
        .route(
            "/api/1.0/loan_applications/{id}",
            get(api::loan_applications),
        )
        .route(
            "/api/1.0/consents/{id}",
            get(api::consent).delete(api::withdraw),
        )
}
