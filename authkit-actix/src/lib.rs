//! # authkit-actix
//!
//! authkit on [actix-web]: the whole wire contract through `App::configure`, `FromRequest`
//! extractors for your own handlers ([`AuthUser`], [`OptionalAuthUser`], [`RequireRole`]) and
//! a role-guard middleware for scopes ([`RequireRoleMiddleware`]).
//!
//! Every status, `code`, header and JSON shape comes from [`authkit_core::http::HttpApi`],
//! shared with the axum adapter: this crate only moves requests and responses between
//! actix-web and it, so both frameworks answer alike.
//!
//! ## Quick start
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use authkit_actix::{Admin, AuthUser, RequireRole};
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
//! HttpServer::new(move || {
//!     App::new()
//!         .configure(authkit_actix::configure(api.clone()))
//!         .route("/hello", web::get().to(hello))
//!         .route("/admin-only", web::get().to(admin_only))
//! })
//! .bind("127.0.0.1:8080")?
//! .run()
//! .await
//! # }
//! ```
//!
//! ## What it deliberately does not do
//! It reads tokens from the `Authorization: Bearer` header and, only in core's optional cookie
//! mode ([`authkit_core::http::cookies`]), from authkit's own `HttpOnly` cookies with CSRF
//! protection; never from the query string. It makes no decision of its own: an extractor that cannot find the service (registered by [`configure`]) answers 500 and
//! logs what to add, rather than a misleading 401.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod extract;
mod role;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest as ActixRequest, HttpResponse as ActixResponse, web};
use authkit_core::http::{HttpApi, HttpRequest, HttpResponse, MAX_BODY_BYTES, Method, Route};
use authkit_core::telemetry::{self, RequestId};
use futures_util::StreamExt;
use tracing::Instrument;

pub use authkit_core::http::{Admin, Principal, RoleName};
pub use extract::{AuthUser, OptionalAuthUser, Rejection, RequireRole};
pub use role::{RequireRoleMiddleware, RequireRoleService};

/// Registers the auth routes (under the configured prefix), `/.well-known/jwks.json`,
/// `/healthz`, `/readyz`, `/openapi.json` and `/docs`, and makes `api` available to the
/// extractors: `App::new().configure(authkit_actix::configure(api))`.
///
/// Each path is one resource: the methods it does not serve are answered as core decides
/// ([`HttpApi::other_method`]: 405 with `Allow`, `OPTIONS` 204 with `Allow`), and `HEAD` is
/// served as `GET` (actix-web drops the body of a `HEAD` answer).
pub fn configure(api: HttpApi) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(api.clone()));
        for path in api.paths() {
            let mut resource = web::resource(path.path.as_str());
            for (method, route) in path.routes.iter().copied() {
                let api = api.clone();
                let handler = move |req: ActixRequest, payload: web::Payload| {
                    let api = api.clone();
                    async move { handle(&api, route, req, payload).await }
                };
                if method == Method::Get {
                    resource = resource.route(web::head().to(handler.clone()));
                }
                resource = resource.route(method_route(method).to(handler));
            }
            let api = api.clone();
            let other = move |req: ActixRequest| {
                let options = req.method() == actix_web::http::Method::OPTIONS;
                let headers = req.headers();
                let answer = api.other_method_from(
                    &path,
                    options,
                    text(headers, header::ORIGIN),
                    text(headers, header::ACCESS_CONTROL_REQUEST_METHOD),
                );
                async move { into_response(answer) }
            };
            cfg.service(resource.default_service(web::to(other)));
        }
    }
}

fn method_route(method: Method) -> actix_web::Route {
    match method {
        Method::Get => web::get(),
        Method::Post => web::post(),
        Method::Patch => web::patch(),
        Method::Delete => web::delete(),
    }
}

async fn handle(
    api: &HttpApi,
    route: Route,
    req: ActixRequest,
    payload: web::Payload,
) -> ActixResponse {
    let (body, body_too_large) = read_limited(payload).await;
    let headers = req.headers();
    let forwarded_for = joined(headers, "x-forwarded-for");
    let cookie = cookies(api, headers);
    let request = HttpRequest {
        path_id: route.id_in(req.path()),
        query: Some(req.query_string()).filter(|q| !q.is_empty()),
        authorization: text(headers, header::AUTHORIZATION),
        content_type: text(headers, header::CONTENT_TYPE),
        user_agent: text(headers, header::USER_AGENT),
        forwarded_for: forwarded_for.as_deref(),
        peer: req.peer_addr().map(|addr| addr.ip()),
        origin: text(headers, header::ORIGIN),
        cookie: cookie.as_deref(),
        sec_fetch_site: text(headers, SEC_FETCH_SITE),
        csrf_token: text(headers, CSRF_TOKEN),
        body: &body,
        body_too_large,
    };
    into_response(api.handle(route, request).await)
}

/// Reads at most [`MAX_BODY_BYTES`]; reports a longer body instead of buffering it.
async fn read_limited(mut payload: web::Payload) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return (Vec::new(), false);
        };
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return (Vec::new(), true);
        }
        body.extend_from_slice(&chunk);
    }
    (body, false)
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
    authkit_core::http::joined_cookie_text(headers.get_all(header::COOKIE).map(|v| v.as_bytes()))
}

pub(crate) const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
pub(crate) const CSRF_TOKEN: HeaderName = HeaderName::from_static("x-csrf-token");

fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    authkit_core::http::joined_header_text(headers.get_all(name).map(|v| v.as_bytes()))
}

/// Request tracing for every route of the app, authkit's and the application's: add it with
/// `App::new().wrap(actix_web::middleware::from_fn(authkit_actix::trace_requests))`.
///
/// Each request runs in a span ([`telemetry::request_span`]) with its method, request id,
/// matched route and, once authenticated, its user and session; its answer carries the id in
/// `X-Request-Id` (the client's own when acceptable, see [`RequestId::from_header`]); a closing
/// line is logged and the latency counted ([`telemetry::finish_request`]). Handlers can read
/// the [`RequestId`] from the request's extensions.
///
/// # Errors
///
/// What the wrapped service fails with, unchanged.
pub async fn trace_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let id = RequestId::from_header(text(req.headers(), REQUEST_ID));
    let method = req.method().as_str().to_owned();
    // The route is known once the app has routed the request.
    let span = telemetry::request_span(&method, None, &id);
    req.extensions_mut().insert(id.clone());
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    match result {
        Ok(mut res) => {
            let route = res
                .request()
                .match_pattern()
                .unwrap_or_else(|| telemetry::UNMATCHED_ROUTE.to_owned());
            let status = res.status().as_u16();
            span.record("route", route.as_str());
            telemetry::finish_request(&span, &method, &route, status, elapsed);
            if let Ok(value) = HeaderValue::from_str(id.as_str()) {
                res.headers_mut().insert(REQUEST_ID, value);
            }
            Ok(res)
        }
        Err(err) => {
            let status = err.as_response_error().status_code().as_u16();
            span.record("route", telemetry::UNMATCHED_ROUTE);
            telemetry::finish_request(&span, &method, telemetry::UNMATCHED_ROUTE, status, elapsed);
            Err(err)
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static(telemetry::REQUEST_ID_HEADER);

/// Writes an [`HttpResponse`] as an actix-web response.
pub fn into_response(response: HttpResponse) -> ActixResponse {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = ActixResponse::build(status);
    for (name, value) in &response.headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            out.append_header((HeaderName::from_static(name), value));
        }
    }
    out.body(response.body)
}
