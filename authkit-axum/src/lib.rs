//! # authkit-axum
//!
//! authkit on [axum]: the whole wire contract as a [`Router`], extractors for your own handlers
//! ([`AuthUser`], [`OptionalAuthUser`], [`RequireRole`]) and a role guard layer for sub-routers
//! ([`RequireRoleLayer`]).
//!
//! The adapter is thin on purpose: every status, `code`, header and JSON shape comes from
//! [`authkit_core::http::HttpApi`], shared with the actix-web adapter, so both frameworks answer
//! byte for byte alike. This crate only moves requests and responses between axum and it.
//!
//! ## Quick start
//! ```no_run
//! use std::net::SocketAddr;
//! use axum::{Router, routing::get};
//! use authkit_axum::{AuthUser, RequireRole, Admin};
//! use authkit_core::http::{HttpApi, HttpConfig};
//!
//! async fn hello(user: AuthUser) -> String {
//!     format!("hello {}", user.user_id)
//! }
//!
//! async fn admin_only(RequireRole(admin, ..): RequireRole<Admin>) -> String {
//!     format!("hello admin {}", admin.user_id)
//! }
//!
//! # async fn run(auth: authkit_core::Auth) -> std::io::Result<()> {
//! let api = HttpApi::new(auth, HttpConfig::default());
//! let app = Router::new()
//!     .route("/hello", get(hello))
//!     .route("/admin-only", get(admin_only))
//!     .merge(authkit_axum::routes(api.clone()))
//!     .layer(authkit_axum::AuthLayer::new(api));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! // With the peer address, which authkit needs for rate limits and session records.
//! authkit_axum::serve(listener, app, std::future::pending()).await
//! # }
//! ```
//!
//! ## What it deliberately does not do
//! It reads tokens from the `Authorization: Bearer` header and, only in core's optional cookie
//! mode ([`authkit_core::http::cookies`]), from authkit's own `HttpOnly` cookies with CSRF
//! protection; never from the query string. It makes no decision of its own: an extractor that cannot find the
//! [`AuthLayer`] answers 500 and logs exactly what to add, rather than a misleading 401.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod extract;
mod role;

use std::net::SocketAddr;
use std::sync::Once;

use authkit_core::http::{HttpApi, HttpRequest, HttpResponse, MAX_BODY_BYTES, Method, Route};
use authkit_core::telemetry::{self, RequestId};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use tracing::Instrument;

pub use authkit_core::http::{Admin, Principal, RoleName};
pub use extract::{AuthUser, OptionalAuthUser, RequireRole};
pub use role::{RequireRoleLayer, RequireRoleService};

/// The auth routes (under the configured prefix), `/.well-known/jwks.json`, `/healthz`,
/// `/readyz`, `/openapi.json` and `/docs`, ready to [`Router::merge`] into any router.
///
/// Each path answers the methods it does not serve as core decides ([`HttpApi::other_method`]:
/// 405 with `Allow`, `OPTIONS` 204 with `Allow`); `HEAD` is served as `GET` without the body.
pub fn routes<S: Clone + Send + Sync + 'static>(api: HttpApi) -> Router<S> {
    api.paths().into_iter().fold(Router::new(), |router, path| {
        let mut methods = MethodRouter::new();
        for (method, route) in path.routes.iter().copied() {
            let api = api.clone();
            let handler = move |request: Request| {
                let api = api.clone();
                async move { handle(&api, route, request).await }
            };
            methods = methods.on(method_filter(method), handler);
        }
        let at = path.path.clone();
        let api = api.clone();
        let other = move |request: Request| {
            let options = request.method() == axum::http::Method::OPTIONS;
            let headers = request.headers();
            let answer = api.other_method_from(
                &path,
                options,
                text(headers, header::ORIGIN),
                text(headers, header::ACCESS_CONTROL_REQUEST_METHOD),
            );
            async move { into_response(answer) }
        };
        router.route(&at, methods.fallback(other))
    })
}

fn method_filter(method: Method) -> MethodFilter {
    match method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Patch => MethodFilter::PATCH,
        Method::Delete => MethodFilter::DELETE,
    }
}

/// Makes the [`HttpApi`] available to the extractors and the role layer. Add it outermost:
/// `router.layer(AuthLayer::new(api))`.
#[derive(Debug, Clone)]
pub struct AuthLayer(HttpApi);

impl AuthLayer {
    /// A layer carrying `api`.
    pub fn new(api: HttpApi) -> Self {
        Self(api)
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = <axum::Extension<HttpApi> as tower::Layer<S>>::Service;

    fn layer(&self, inner: S) -> Self::Service {
        axum::Extension(self.0.clone()).layer(inner)
    }
}

async fn handle(api: &HttpApi, route: Route, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if peer.is_none() {
        warn_missing_connect_info();
    }
    let (body, body_too_large) = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => (bytes, false),
        Err(_) => (Default::default(), true),
    };
    let headers = &parts.headers;
    let forwarded_for = joined(headers, "x-forwarded-for");
    let cookie = cookies(api, headers);
    let path_id = route.id_in(parts.uri.path());
    let request = HttpRequest {
        path_id,
        query: parts.uri.query(),
        authorization: text(headers, header::AUTHORIZATION),
        content_type: text(headers, header::CONTENT_TYPE),
        user_agent: text(headers, header::USER_AGENT),
        forwarded_for: forwarded_for.as_deref(),
        peer,
        origin: text(headers, header::ORIGIN),
        cookie: cookie.as_deref(),
        sec_fetch_site: text(headers, SEC_FETCH_SITE),
        csrf_token: text(headers, CSRF_TOKEN),
        body: &body,
        body_too_large,
    };
    into_response(api.handle(route, request).await)
}

pub(crate) fn text(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
    headers
        .get(name)
        .and_then(|v| authkit_core::http::header_text(v.as_bytes()))
}

/// The `Cookie` header(s), joined, when `api` reads cookies (cookie mode); otherwise `None`
/// without touching them, so a browser's cookies cost nothing on the bearer path.
pub(crate) fn cookies(api: &HttpApi, headers: &HeaderMap) -> Option<String> {
    if !api.reads_cookies() {
        return None;
    }
    authkit_core::http::joined_cookie_text(
        headers.get_all(header::COOKIE).iter().map(|v| v.as_bytes()),
    )
}

pub(crate) const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
pub(crate) const CSRF_TOKEN: HeaderName = HeaderName::from_static("x-csrf-token");

fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    authkit_core::http::joined_header_text(headers.get_all(name).iter().map(|v| v.as_bytes()))
}

fn warn_missing_connect_info() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        tracing::warn!(
            target: "authkit",
            "no client address: serve the app with `authkit_axum::serve` (or axum's \
             `into_make_service_with_connect_info::<SocketAddr>()`) so authkit can rate-limit \
             per client and record session IPs"
        );
    });
}

/// Request tracing for every route of the router, authkit's and the application's: add it
/// with `router.layer(axum::middleware::from_fn(authkit_axum::trace_requests))`.
///
/// Each request runs in a span ([`telemetry::request_span`]) with its method, matched route,
/// request id and, once authenticated, its user and session; its answer carries the id in
/// `X-Request-Id` (the client's own when acceptable, see [`RequestId::from_header`]); a closing
/// line is logged and the latency counted ([`telemetry::finish_request`]). Handlers can read
/// the [`RequestId`] from the request's extensions.
pub async fn trace_requests(mut request: Request, next: axum::middleware::Next) -> Response {
    let started = std::time::Instant::now();
    let id = RequestId::from_header(text(request.headers(), REQUEST_ID));
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(telemetry::UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_owned();
    let span = telemetry::request_span(&method, Some(&route), &id);
    request.extensions_mut().insert(id.clone());
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    telemetry::finish_request(&span, &method, &route, status, started.elapsed());
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

const REQUEST_ID: HeaderName = HeaderName::from_static(telemetry::REQUEST_ID_HEADER);

/// Serves `router` on `listener` until `shutdown` resolves, then finishes the requests in
/// flight. Each request carries its peer address ([`ConnectInfo`]), which authkit reads for the
/// per-client rate limit and the IP recorded on sessions; `axum::serve` without
/// `into_make_service_with_connect_info::<SocketAddr>()` would lose it.
///
/// # Errors
///
/// What accepting connections fails with.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Writes an [`HttpResponse`] as an axum response.
pub fn into_response(response: HttpResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = (status, Body::from(response.body)).into_response();
    for (name, value) in response.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            out.headers_mut()
                .append(HeaderName::from_static(name), value);
        }
    }
    out
}
