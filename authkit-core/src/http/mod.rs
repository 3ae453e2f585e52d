//! The wire contract, framework-free: routes, request parsing and limits, client IPs, rate
//! limits, and the rendering of every answer.
//!
//! An adapter (axum, actix-web, ...) only moves bytes: for each [`Route`] it collects an
//! [`HttpRequest`] (header values, peer address, body) and writes back the [`HttpResponse`]
//! that [`HttpApi::handle`] returns. Every status, `code`, header and JSON shape is decided
//! here, once, so two adapters cannot drift apart.
//!
//! Adapter-facing: [`HttpApi`] (`api.rs`), [`HttpRequest`] and [`HttpResponse`] (`wire.rs`),
//! [`Route`] and [`Method`] (`route.rs`, the route table), the header helpers (`headers.rs`) and
//! [`RoleName`]. Inside: the client IP (`client_ip.rs`), the per-IP limit (`rate_limit.rs`),
//! the OpenAPI document and docs page (`openapi.rs`), and, for browser applications, cookie
//! mode (`cookies.rs`, [`CookieConfig`]) with its CSRF protection (`csrf.rs`).

mod api;
mod client_ip;
pub mod cookies;
pub mod csrf;
mod headers;
mod openapi;
mod pages;
mod rate_limit;
mod route;
#[cfg(test)]
mod tests;
mod wire;

use std::net::IpAddr;
use std::time::Instant;

use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::auth::{Auth, Registration};
use crate::dto::{
    AdminListQuery, AdminUpdateRequest, ChangeEmailRequest, ChangePasswordRequest, DeleteMeRequest,
    EmailRequest, LoginRequest, OAuthError, RefreshRequest, RegisterRequest, RegisterResponse,
    ResetPasswordRequest, TokenPair, TokenRequest, UpdateMeRequest, UserView, VerifyEmailRequest,
};
#[cfg(feature = "totp")]
use crate::dto::{MfaLoginRequest, SecondFactorProof, TotpCodeRequest};
#[cfg(feature = "passkeys")]
use crate::dto::{
    MfaPasskeyBeginRequest, MfaPasskeyLoginRequest, PasskeyLoginRequest,
    PasskeyRegistrationRequest, RenamePasskeyRequest,
};
use crate::error::{AuthError, ErrorCode, PROBLEM_CONTENT_TYPE, Problem, retry_after_secs};
use crate::model::ClientInfo;

pub use api::HttpApi;
pub use client_ip::{InvalidIpNet, IpNet, TrustedProxies};
pub use cookies::{
    CookieConfig, CookieTokens, CsrfKey, RequestCredentials, SameSite, cookie_value,
    joined_cookie_text,
};
pub use headers::{bearer_token, header_text, joined_header_text};
pub use pages::{PAGES_POLICY, PageTemplates};
pub use rate_limit::RateLimiter;
pub use route::{Access, Method, PathRoutes, RateLimit, Route, Scope};
pub use wire::{API_POLICY, HttpRequest, HttpResponse};

pub use crate::principal::Principal;

/// Largest request body the auth routes accept (16 KiB); larger bodies get 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// HTTP settings of the auth routes.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Path prefix of the auth routes (default `/auth`).
    pub prefix: String,
    /// Requests per minute per client IP on the auth routes (default 60; 0 turns it off).
    pub ip_rate_limit: u32,
    /// Proxies whose `X-Forwarded-For` is believed (default none).
    pub trusted_proxies: TrustedProxies,
    /// Whether `POST /auth/token` accepts the OAuth2 password grant (default off). RFC 9700
    /// (2.4) says it MUST NOT be used beyond first-party clients: turn it on only when every
    /// client that sends it a password is your own, e.g. Swagger UI's "Authorize" on your own
    /// API docs. The refresh-token grant is always on; `POST /auth/login` is the JSON login.
    pub password_grant: bool,
    /// The application's own part of the OpenAPI document (default none): an OpenAPI 3.1
    /// fragment whose `paths`, `components` and `tags` are merged into authkit's, so that
    /// `/openapi.json` and `/docs` describe the application's routes beside authkit's. Its
    /// operations may name authkit's `bearer` security scheme and schemas (`Problem`, `User`,
    /// ...). On a clash authkit's entry stays and a warning is logged. See
    /// [`HttpApi::with_openapi`].
    pub openapi_extension: Option<serde_json::Value>,
    /// The origins a browser may call the API from (CORS), exactly as browsers send them:
    /// `https://app.example.com`, `http://localhost:5173` (default none: no CORS headers).
    /// There is no wildcard. An allowed origin's answers carry
    /// `Access-Control-Allow-Origin` with that origin and `Vary: Origin`, and its preflights
    /// are answered with the path's methods; any other origin gets no CORS header, so the
    /// browser refuses it.
    pub cors_origins: Vec<String>,
    /// Whether `/docs`, `/openapi.json`, `/healthz` and `/readyz` go under [`prefix`](Self::prefix)
    /// too (default `false`: at the root), for a service that owns only the paths under it.
    /// `/.well-known/jwks.json` stays at the root (RFC 8615).
    pub root_routes_under_prefix: bool,
    /// Cookie mode for browser applications (default `None`: off, tokens only in JSON and
    /// the `Authorization` header): the refresh token, and optionally the access token, in
    /// authkit's `HttpOnly` cookies, with CSRF protection. See [`cookies`] and [`csrf`].
    pub cookies: Option<CookieConfig>,
    /// The pages the links in authkit's mails open (`/verify-email`, `/reset-password`), for
    /// a service without a front end of its own (default `None`: not served, the links then
    /// need pages of the application's). See [`PageTemplates`].
    pub hosted_pages: Option<PageTemplates>,
}

impl HttpConfig {
    /// Where the root routes go: `""` (the root) or the prefix.
    pub(crate) fn root_prefix(&self) -> &str {
        if self.root_routes_under_prefix {
            &self.prefix
        } else {
            ""
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            prefix: "/auth".into(),
            ip_rate_limit: 60,
            trusted_proxies: TrustedProxies::none(),
            password_grant: false,
            openapi_extension: None,
            cors_origins: Vec::new(),
            root_routes_under_prefix: false,
            cookies: None,
            hosted_pages: None,
        }
    }
}

/// A set of roles an application defines, for the adapters' `RequireRole<R>` extractors; the
/// same type works with every adapter.
///
/// ```
/// use authkit_core::http::RoleName;
///
/// pub struct Hr;
/// impl RoleName for Hr {
///     const ROLES: &'static [&'static str] = &["hr", "admin"];
/// }
/// ```
pub trait RoleName: Send + Sync + 'static {
    /// The roles allowed (any one suffices).
    const ROLES: &'static [&'static str];
}

/// The `admin` role.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl RoleName for Admin {
    const ROLES: &'static [&'static str] = &[crate::model::Role::ADMIN];
}
