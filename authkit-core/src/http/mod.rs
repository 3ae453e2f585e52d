//! The wire contract, framework-free: routes, request parsing and limits, client IPs, rate
//! limits, and the rendering of every answer.
//!
//! An adapter (axum, actix-web, ...) only moves bytes: for each [`Route`] it collects an
//! [`HttpRequest`] (header values, peer address, body) and writes back the [`HttpResponse`]
//! that [`HttpApi::handle`] returns. Every status, `code`, header and JSON shape is decided
//! here, once, so two adapters cannot drift apart.

mod client_ip;
mod openapi;
mod rate_limit;

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
use crate::error::{AuthError, ErrorCode, PROBLEM_CONTENT_TYPE, Problem, retry_after_secs};
use crate::model::ClientInfo;

pub use client_ip::{InvalidIpNet, IpNet, TrustedProxies};
pub use rate_limit::RateLimiter;

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
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            prefix: "/auth".into(),
            ip_rate_limit: 60,
            trusted_proxies: TrustedProxies::none(),
            password_grant: false,
        }
    }
}

/// Every route of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is named after its route; see `Route::ALL`
pub enum Route {
    Register,
    Login,
    Token,
    Refresh,
    Logout,
    LogoutAll,
    GetMe,
    UpdateMe,
    DeleteMe,
    ChangePassword,
    ResetRequest,
    ResetConfirm,
    VerifyRequest,
    Verify,
    ChangeEmail,
    ListSessions,
    RevokeSession,
    AdminListUsers,
    AdminGetUser,
    AdminUpdateUser,
    AdminDeleteUser,
    Jwks,
    Healthz,
    Readyz,
    OpenApi,
    Docs,
    DocsScript,
    DocsStyle,
}

/// HTTP methods the contract uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Route {
    /// Every route, in contract order.
    pub const ALL: [Route; 28] = [
        Route::Register,
        Route::Login,
        Route::Token,
        Route::Refresh,
        Route::Logout,
        Route::LogoutAll,
        Route::GetMe,
        Route::UpdateMe,
        Route::DeleteMe,
        Route::ChangePassword,
        Route::ResetRequest,
        Route::ResetConfirm,
        Route::VerifyRequest,
        Route::Verify,
        Route::ChangeEmail,
        Route::ListSessions,
        Route::RevokeSession,
        Route::AdminListUsers,
        Route::AdminGetUser,
        Route::AdminUpdateUser,
        Route::AdminDeleteUser,
        Route::Jwks,
        Route::Healthz,
        Route::Readyz,
        Route::OpenApi,
        Route::Docs,
        Route::DocsScript,
        Route::DocsStyle,
    ];

    /// The method and path template (`{id}` marks the path parameter). Auth routes are
    /// relative to the prefix; the others ([`Route::is_auth`] false) are absolute.
    pub const fn endpoint(self) -> (Method, &'static str) {
        use Method::*;
        match self {
            Route::Register => (Post, "/register"),
            Route::Login => (Post, "/login"),
            Route::Token => (Post, "/token"),
            Route::Refresh => (Post, "/refresh"),
            Route::Logout => (Post, "/logout"),
            Route::LogoutAll => (Post, "/logout-all"),
            Route::GetMe => (Get, "/me"),
            Route::UpdateMe => (Patch, "/me"),
            Route::DeleteMe => (Delete, "/me"),
            Route::ChangePassword => (Post, "/password/change"),
            Route::ResetRequest => (Post, "/password-reset/request"),
            Route::ResetConfirm => (Post, "/password-reset/confirm"),
            Route::VerifyRequest => (Post, "/email/verify/request"),
            Route::Verify => (Post, "/email/verify"),
            Route::ChangeEmail => (Post, "/email/change"),
            Route::ListSessions => (Get, "/sessions"),
            Route::RevokeSession => (Delete, "/sessions/{id}"),
            Route::AdminListUsers => (Get, "/admin/users"),
            Route::AdminGetUser => (Get, "/admin/users/{id}"),
            Route::AdminUpdateUser => (Patch, "/admin/users/{id}"),
            Route::AdminDeleteUser => (Delete, "/admin/users/{id}"),
            Route::Jwks => (Get, "/.well-known/jwks.json"),
            Route::Healthz => (Get, "/healthz"),
            Route::Readyz => (Get, "/readyz"),
            Route::OpenApi => (Get, "/openapi.json"),
            Route::Docs => (Get, "/docs"),
            Route::DocsScript => (Get, "/docs/swagger-ui-bundle.js"),
            Route::DocsStyle => (Get, "/docs/swagger-ui.css"),
        }
    }

    /// Whether the route lives under the auth prefix (and is rate limited).
    pub const fn is_auth(self) -> bool {
        !matches!(
            self,
            Route::Jwks
                | Route::Healthz
                | Route::Readyz
                | Route::OpenApi
                | Route::Docs
                | Route::DocsScript
                | Route::DocsStyle
        )
    }

    /// The full path template under `prefix`.
    pub fn path(self, prefix: &str) -> String {
        let (_, path) = self.endpoint();
        if self.is_auth() {
            format!("{}{path}", prefix.trim_end_matches('/'))
        } else {
            path.to_owned()
        }
    }
}

/// One path of the contract with the routes it serves, by method: what an adapter mounts as one
/// resource. Methods it does not serve get [`HttpApi::other_method`]; `HEAD` is served as
/// `GET` without the body where there is a `GET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRoutes {
    /// The path template under the prefix (`{id}` marks the parameter).
    pub path: String,
    /// The routes at this path and their methods.
    pub routes: Vec<(Method, Route)>,
    /// The `Allow` header value: the methods served, `HEAD` after `GET`, then `OPTIONS`.
    pub allow: String,
}

impl Route {
    /// Every path of the contract under `prefix`, each with its routes, in contract order.
    pub fn paths(prefix: &str) -> Vec<PathRoutes> {
        let mut paths: Vec<PathRoutes> = Vec::new();
        for route in Route::ALL {
            let path = route.path(prefix);
            let (method, _) = route.endpoint();
            match paths.iter_mut().find(|p| p.path == path) {
                Some(entry) => entry.routes.push((method, route)),
                None => paths.push(PathRoutes {
                    path,
                    routes: vec![(method, route)],
                    allow: String::new(),
                }),
            }
        }
        for entry in &mut paths {
            let mut allow: Vec<&str> = Vec::new();
            for (method, _) in &entry.routes {
                allow.push(method.as_str());
                if *method == Method::Get {
                    allow.push("HEAD");
                }
            }
            allow.push("OPTIONS");
            entry.allow = allow.join(", ");
        }
        paths
    }
}

impl Method {
    /// The method's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A request as an adapter saw it: raw header values, the peer address and the body.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpRequest<'a> {
    /// The `{id}` path parameter, for routes that have one.
    pub path_id: Option<&'a str>,
    /// The raw query string (without `?`).
    pub query: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The `User-Agent` header.
    pub user_agent: Option<&'a str>,
    /// The `X-Forwarded-For` header (several headers joined with `,`).
    pub forwarded_for: Option<&'a str>,
    /// The TCP peer address.
    pub peer: Option<IpAddr>,
    /// The body, read up to [`MAX_BODY_BYTES`].
    pub body: &'a [u8],
    /// Whether the body was longer than [`MAX_BODY_BYTES`] (and was not read whole).
    pub body_too_large: bool,
}

/// The Content-Security-Policy of every answer but the docs page: JSON needs nothing loaded,
/// and no answer may be framed.
pub const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// An answer, ready to write: status, headers and body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    fn json(status: u16, value: &impl Serialize) -> Self {
        Self::with_body(
            status,
            "application/json",
            serde_json::to_vec(value).unwrap_or_default(),
        )
    }

    /// Every answer carries `X-Content-Type-Options: nosniff` (a browser never guesses another
    /// type than the one given: a JSON error rendered as HTML, say) and a Content-Security-Policy
    /// that lets nothing load and nobody frame it ([`API_POLICY`]); the docs page replaces the
    /// latter with its own.
    fn with_body(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![
                ("content-type", content_type.to_owned()),
                ("x-content-type-options", "nosniff".to_owned()),
                ("content-security-policy", API_POLICY.to_owned()),
            ],
            body,
        }
    }

    fn no_content() -> Self {
        Self {
            status: 204,
            headers: vec![
                ("x-content-type-options", "nosniff".to_owned()),
                ("content-security-policy", API_POLICY.to_owned()),
            ],
            body: Vec::new(),
        }
    }

    /// Replaces the Content-Security-Policy.
    fn policy(mut self, policy: &str) -> Self {
        for (name, value) in &mut self.headers {
            if *name == "content-security-policy" {
                *value = policy.to_owned();
            }
        }
        self
    }

    fn accepted() -> Self {
        Self::json(202, &serde_json::json!({ "status": "accepted" }))
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The value of header `name`, if set.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The problem answer for `err`, with `WWW-Authenticate` and `Retry-After` where they apply.
    /// Server-side failures are logged here (with their cause) and answered without it.
    pub fn from_error(err: &AuthError) -> Self {
        if !err.is_client_error() {
            tracing::error!(target: "authkit", error = %err, "request failed");
        }
        let problem = err.problem();
        let mut response = Self::problem(&problem);
        if let Some(value) = err.www_authenticate() {
            response = response.header("www-authenticate", value);
        }
        if let Some(wait) = err.retry_after() {
            response = response.header("retry-after", retry_after_secs(wait).to_string());
        }
        response
    }

    fn problem(problem: &Problem) -> Self {
        Self::with_body(
            problem.status,
            PROBLEM_CONTENT_TYPE,
            serde_json::to_vec(problem).unwrap_or_default(),
        )
    }

    fn no_store(self) -> Self {
        self.header("cache-control", "no-store")
            .header("pragma", "no-cache")
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

/// The HTTP face of an [`Auth`] service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HttpApi {
    inner: std::sync::Arc<ApiInner>,
}

#[derive(Debug)]
struct ApiInner {
    auth: Auth,
    config: HttpConfig,
    limiter: RateLimiter,
    openapi: Vec<u8>,
    docs: Vec<u8>,
    docs_policy: String,
}

impl HttpApi {
    /// The API of `auth` with `config`.
    pub fn new(auth: Auth, config: HttpConfig) -> Self {
        let openapi =
            serde_json::to_vec_pretty(&openapi::document(&config.prefix, config.password_grant))
                .expect("the OpenAPI document serializes");
        let docs = openapi::docs_page(&config.prefix).into_bytes();
        Self {
            inner: std::sync::Arc::new(ApiInner {
                limiter: RateLimiter::new(config.ip_rate_limit),
                auth,
                config,
                openapi,
                docs,
                docs_policy: openapi::docs_policy(),
            }),
        }
    }

    /// The service.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The settings.
    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    /// The client's IP for a request from `peer` (trusted proxies considered).
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        peer.map(|peer| {
            self.inner
                .config
                .trusted_proxies
                .client_ip(peer, forwarded_for)
        })
    }

    /// Authenticates an `Authorization` header value: the caller, or the 401 answer (RFC 6750).
    /// The scheme is case-insensitive; tokens are never taken from anywhere else.
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
    ) -> Result<Principal, HttpResponse> {
        self.caller(authorization)
            .await
            .map_err(|e| HttpResponse::from_error(&e))
    }

    /// [`authenticate`](Self::authenticate) without waiting, when no I/O is needed (the steady
    /// state); `None` when it is (see [`Auth::authenticate_now`]).
    pub fn authenticate_now(
        &self,
        authorization: Option<&str>,
    ) -> Option<Result<Principal, HttpResponse>> {
        let token = match bearer_token(authorization) {
            Ok(token) => token,
            Err(err) => return Some(Err(HttpResponse::from_error(&err))),
        };
        self.inner
            .auth
            .authenticate_now(token)
            .map(|result| result.map_err(|e| HttpResponse::from_error(&e)))
    }

    /// The answer to a method that `path` does not serve: `OPTIONS` is 204 with `Allow`, any
    /// other method 405 `method_not_allowed` with `Allow` (RFC 9110 15.5.6).
    pub fn other_method(path: &PathRoutes, options: bool) -> HttpResponse {
        let response = if options {
            HttpResponse::no_content()
        } else {
            problem(ErrorCode::MethodNotAllowed, None)
        };
        response.header("allow", path.allow.clone())
    }

    /// Checks the caller holds one of `roles` (its current role, see [`Principal::role`]):
    /// `Ok`, or the 403 answer (`insufficient_scope`).
    pub fn require_role(caller: &Principal, roles: &[&str]) -> Result<(), HttpResponse> {
        if caller.has_any_role(roles) {
            Ok(())
        } else {
            Err(HttpResponse::from_error(&AuthError::Forbidden))
        }
    }

    /// Answers one request to `route`.
    pub async fn handle(&self, route: Route, req: HttpRequest<'_>) -> HttpResponse {
        let client = ClientInfo::new(self.client_ip(req.peer, req.forwarded_for), req.user_agent);
        if route.is_auth() {
            if let Some(ip) = client.ip
                && let Err(retry_after) = self.inner.limiter.check(ip, Instant::now())
            {
                return HttpResponse::from_error(&AuthError::TooManyRequests { retry_after });
            }
            if req.body_too_large || req.body.len() > MAX_BODY_BYTES {
                return problem(ErrorCode::PayloadTooLarge, None);
            }
        }
        let response = self
            .dispatch(route, &req, &client)
            .await
            .unwrap_or_else(|e| HttpResponse::from_error(&e));
        if route.is_auth() && response.header_value("cache-control").is_none() {
            response.no_store()
        } else {
            response
        }
    }

    async fn dispatch(
        &self,
        route: Route,
        req: &HttpRequest<'_>,
        client: &ClientInfo,
    ) -> Result<HttpResponse, AuthError> {
        let auth = &self.inner.auth;
        let ok_user = |user: crate::model::User| HttpResponse::json(200, &UserView::from(user));
        Ok(match route {
            Route::Register => {
                let body: RegisterRequest = json_body(req)?;
                match auth.register(body, client).await? {
                    Registration::Created { user, tokens } => HttpResponse::json(
                        201,
                        &RegisterResponse {
                            user: UserView::from(*user),
                            tokens: Some(tokens),
                        },
                    ),
                    Registration::VerificationPending => HttpResponse::accepted(),
                }
            }
            Route::Token => self.token(req, client).await,
            Route::Login => {
                let body: LoginRequest = json_body(req)?;
                tokens(&auth.login(body, client).await?)
            }
            Route::Refresh => {
                let body: RefreshRequest = json_body(req)?;
                tokens(&auth.refresh(body.refresh_token.expose(), client).await?)
            }
            Route::Logout => {
                auth.logout(&self.caller(req.authorization).await?.claims)
                    .await?;
                HttpResponse::no_content()
            }
            Route::LogoutAll => {
                auth.logout_all(&self.caller(req.authorization).await?.claims)
                    .await?;
                HttpResponse::no_content()
            }
            Route::GetMe => ok_user(
                auth.me(&self.caller(req.authorization).await?.claims)
                    .await?,
            ),
            Route::UpdateMe => {
                let caller = self.caller(req.authorization).await?;
                let claims = &*caller.claims;
                let body: UpdateMeRequest = json_body(req)?;
                ok_user(auth.update_me(claims, body).await?)
            }
            Route::DeleteMe => {
                let caller = self.caller(req.authorization).await?;
                let claims = &*caller.claims;
                let body: DeleteMeRequest = json_body(req)?;
                auth.delete_me(claims, &body.password).await?;
                HttpResponse::no_content()
            }
            Route::ChangePassword => {
                let caller = self.caller(req.authorization).await?;
                let claims = &*caller.claims;
                let body: ChangePasswordRequest = json_body(req)?;
                auth.change_password(claims, body).await?;
                HttpResponse::no_content()
            }
            Route::ResetRequest => {
                let body: EmailRequest = json_body(req)?;
                auth.request_password_reset(&body.email).await?;
                HttpResponse::accepted()
            }
            Route::ResetConfirm => {
                let body: ResetPasswordRequest = json_body(req)?;
                auth.confirm_password_reset(&body.token, &body.new_password)
                    .await?;
                HttpResponse::no_content()
            }
            Route::VerifyRequest => {
                let body: EmailRequest = json_body(req)?;
                auth.request_email_verification(&body.email).await?;
                HttpResponse::accepted()
            }
            Route::Verify => {
                let body: VerifyEmailRequest = json_body(req)?;
                ok_user(auth.verify_email(&body.token).await?)
            }
            Route::ChangeEmail => {
                let caller = self.caller(req.authorization).await?;
                let claims = &*caller.claims;
                let body: ChangeEmailRequest = json_body(req)?;
                auth.request_email_change(claims, body).await?;
                HttpResponse::accepted()
            }
            Route::ListSessions => HttpResponse::json(
                200,
                &auth
                    .sessions(&self.caller(req.authorization).await?.claims)
                    .await?,
            ),
            Route::RevokeSession => {
                let caller = self.caller(req.authorization).await?;
                let claims = &*caller.claims;
                auth.revoke_own_session(claims, path_id(req)?).await?;
                HttpResponse::no_content()
            }
            Route::AdminListUsers => {
                let caller = self.caller(req.authorization).await?;
                let claims = &*caller.claims;
                let query: AdminListQuery = serde_urlencoded::from_str(req.query.unwrap_or(""))
                    .map_err(|e| AuthError::Validation(format!("query: {e}")))?;
                HttpResponse::json(200, &auth.admin_list_users(claims, &query).await?)
            }
            Route::AdminGetUser => {
                let caller = self.caller(req.authorization).await?;
                let claims = &*caller.claims;
                ok_user(
                    auth.admin_get_user(claims, admin_target(&caller, req)?)
                        .await?,
                )
            }
            Route::AdminUpdateUser => {
                let caller = self.caller(req.authorization).await?;
                let claims = &*caller.claims;
                let id = admin_target(&caller, req)?;
                let body: AdminUpdateRequest = json_body(req)?;
                ok_user(auth.admin_update_user(claims, id, body).await?)
            }
            Route::AdminDeleteUser => {
                let caller = self.caller(req.authorization).await?;
                let claims = &*caller.claims;
                auth.admin_delete_user(claims, admin_target(&caller, req)?)
                    .await?;
                HttpResponse::no_content()
            }
            Route::Jwks => {
                HttpResponse::json(200, auth.jwks()).header("cache-control", "public, max-age=300")
            }
            Route::Healthz => HttpResponse::json(200, &serde_json::json!({ "status": "ok" })),
            Route::Readyz => {
                auth.ready().await?;
                HttpResponse::json(200, &serde_json::json!({ "status": "ready" }))
            }
            Route::OpenApi => {
                HttpResponse::with_body(200, "application/json", self.inner.openapi.clone())
            }
            Route::Docs => {
                HttpResponse::with_body(200, "text/html; charset=utf-8", self.inner.docs.clone())
                    .policy(&self.inner.docs_policy)
                    .header("x-frame-options", "DENY")
            }
            Route::DocsScript => {
                openapi::asset(openapi::SWAGGER_UI_SCRIPT, "text/javascript; charset=utf-8")
            }
            Route::DocsStyle => {
                openapi::asset(openapi::SWAGGER_UI_STYLE, "text/css; charset=utf-8")
            }
        })
    }

    /// The caller behind the bearer token in an `Authorization` header value.
    async fn caller(&self, authorization: Option<&str>) -> Result<Principal, AuthError> {
        let token = bearer_token(authorization)?;
        self.inner.auth.authenticate(token).await
    }

    /// The OAuth2 token endpoint (RFC 6749 4.3 and 6): form in, token pair or RFC 6749 5.2
    /// error out.
    async fn token(&self, req: &HttpRequest<'_>, client: &ClientInfo) -> HttpResponse {
        if !content_type_is(req.content_type, "application/x-www-form-urlencoded") {
            return problem(
                ErrorCode::UnsupportedMediaType,
                Some("use application/x-www-form-urlencoded"),
            );
        }
        let Ok(form) = serde_urlencoded::from_bytes::<TokenRequest>(req.body) else {
            return oauth_error(ErrorCode::InvalidRequest, "the form is malformed");
        };
        let auth = &self.inner.auth;
        let result = match form.grant_type.as_deref() {
            Some("password") if !self.inner.config.password_grant => {
                return oauth_error(ErrorCode::UnsupportedGrantType, "the password grant is off");
            }
            Some("password") => match (form.username.as_deref(), form.password.as_ref()) {
                (Some(username), Some(password)) => {
                    auth.login_password_grant(username, password, client).await
                }
                _ => {
                    return oauth_error(
                        ErrorCode::InvalidRequest,
                        "username and password are required",
                    );
                }
            },
            Some("refresh_token") => match form.refresh_token.as_ref() {
                Some(token) => auth.refresh(token.expose(), client).await,
                None => return oauth_error(ErrorCode::InvalidRequest, "refresh_token is required"),
            },
            Some(_) => {
                return oauth_error(
                    ErrorCode::UnsupportedGrantType,
                    "use password or refresh_token",
                );
            }
            None => return oauth_error(ErrorCode::InvalidRequest, "grant_type is required"),
        };
        match result {
            Ok(pair) => tokens(&pair),
            Err(err) => match err.code() {
                ErrorCode::InvalidCredentials
                | ErrorCode::InvalidRefreshToken
                | ErrorCode::EmailNotVerified => {
                    oauth_error(ErrorCode::InvalidGrant, err.code().title())
                }
                ErrorCode::ValidationFailed => {
                    oauth_error(ErrorCode::InvalidRequest, err.code().title())
                }
                _ => HttpResponse::from_error(&err),
            },
        }
    }
}

fn tokens(pair: &TokenPair) -> HttpResponse {
    HttpResponse::json(200, pair).no_store()
}

fn problem(code: ErrorCode, detail: Option<&str>) -> HttpResponse {
    HttpResponse::problem(&Problem::new(code, detail.map(str::to_owned))).no_store()
}

fn oauth_error(error: ErrorCode, description: &str) -> HttpResponse {
    let body = OAuthError {
        error: error.as_str().to_owned(),
        error_description: Some(description.to_owned()),
    };
    HttpResponse::json(400, &body).no_store()
}

/// A header value as text: `Some` when every byte is visible ASCII, space or tab, exactly when
/// `http::HeaderValue::to_str` succeeds. Adapters read headers through this: it checks the
/// bytes without a branch per byte, so a 300-byte bearer token costs a few vector
/// instructions instead of a byte loop (the largest cost of an extractor before it).
///
/// ```
/// use authkit_core::http::header_text;
///
/// assert_eq!(header_text(b"Bearer abc.def.ghi"), Some("Bearer abc.def.ghi"));
/// assert_eq!(header_text(b"tab\tok"), Some("tab\tok"));
/// assert_eq!(header_text(b"caf\xc3\xa9"), None);
/// assert_eq!(header_text(b"nul\0"), None);
/// ```
pub fn header_text(raw: &[u8]) -> Option<&str> {
    let visible = raw.iter().fold(true, |all, &b| {
        all & ((b.wrapping_sub(b' ') < 0x5f) | (b == b'\t'))
    });
    if visible {
        std::str::from_utf8(raw).ok()
    } else {
        None
    }
}

/// The values of a header sent several times (e.g. `X-Forwarded-For`), as one list joined with
/// `,` (RFC 9110 5.3), skipping values that are not [text](header_text); `None` when none is.
///
/// ```
/// use authkit_core::http::joined_header_text;
///
/// let values: [&[u8]; 3] = [b"203.0.113.7", b"caf\xc3\xa9", b"10.0.0.1"];
/// assert_eq!(joined_header_text(values).as_deref(), Some("203.0.113.7,10.0.0.1"));
/// assert_eq!(joined_header_text(Vec::<&[u8]>::new()), None);
/// ```
pub fn joined_header_text<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Option<String> {
    let texts: Vec<&str> = values.into_iter().filter_map(header_text).collect();
    (!texts.is_empty()).then(|| texts.join(","))
}

/// The token of an `Authorization: Bearer …` header (scheme case-insensitive).
pub fn bearer_token(header: Option<&str>) -> Result<&str, AuthError> {
    let header = header.ok_or(AuthError::Unauthorized)?;
    let (scheme, token) = header
        .trim()
        .split_once(' ')
        .ok_or(AuthError::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Unauthorized);
    }
    Ok(token.trim_start())
}

fn content_type_is(header: Option<&str>, expected: &str) -> bool {
    header
        .and_then(|h| h.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case(expected))
}

/// A request body: JSON of the expected shape, and always an object (serde would also read a
/// struct from an array such as `["a@b.c", "pw"]`, which no client of the contract sends).
fn json_body<T: DeserializeOwned>(req: &HttpRequest<'_>) -> Result<T, BodyError> {
    if !content_type_is(req.content_type, "application/json") {
        return Err(BodyError::MediaType);
    }
    let first = req.body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(BodyError::Malformed(
            "the body must be a JSON object".into(),
        ));
    }
    serde_json::from_slice(req.body).map_err(|e| BodyError::Malformed(e.to_string()))
}

/// Why a body was refused; turned into the matching problem.
enum BodyError {
    MediaType,
    Malformed(String),
}

impl From<BodyError> for AuthError {
    fn from(err: BodyError) -> Self {
        match err {
            BodyError::MediaType => AuthError::UnsupportedMediaType,
            BodyError::Malformed(why) => AuthError::MalformedBody(why),
        }
    }
}

fn path_id(req: &HttpRequest<'_>) -> Result<Uuid, AuthError> {
    req.path_id
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or(AuthError::NotFound)
}

/// The `{id}` of an admin route; checked after the role, so a non-admin learns nothing from it.
/// (The flow checks the stored caller too.)
fn admin_target(caller: &Principal, req: &HttpRequest<'_>) -> Result<Uuid, AuthError> {
    if !caller.role().is_admin() {
        return Err(AuthError::Forbidden);
    }
    path_id(req)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::memory::MemoryStore;
    use crate::password::HashParams;
    use crate::{AuthConfig, ManualClock};

    fn api(config: HttpConfig) -> HttpApi {
        let auth_config = AuthConfig::builder()
            .hs256_secret("http-layer-test-secret-of-32-bytes!")
            .hash_params(HashParams::insecure_fast_for_tests())
            .build()
            .unwrap();
        let auth = Auth::builder(auth_config, Arc::new(MemoryStore::new()))
            .mailer(Arc::new(crate::mail::MemoryMailer::new()))
            .clock(Arc::new(ManualClock::starting_now()))
            .build();
        HttpApi::new(auth, config)
    }

    fn json_request(body: &[u8]) -> HttpRequest<'_> {
        HttpRequest {
            content_type: Some("application/json"),
            peer: Some("192.0.2.10".parse().unwrap()),
            body,
            ..HttpRequest::default()
        }
    }

    fn code(response: &HttpResponse) -> String {
        let value: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        value["code"].as_str().unwrap_or_default().to_owned()
    }

    #[test]
    fn header_text_accepts_exactly_visible_ascii_space_and_tab() {
        for b in 0..=u8::MAX {
            let expected = b == b'\t' || (0x20..=0x7e).contains(&b);
            let value = [b; 40]; // long enough for the vector path
            assert_eq!(header_text(&value).is_some(), expected, "byte {b:#04x}");
            let mut token = *b"Bearer abcdefghijklmnopqrstuvwxyz0123456789-_.";
            token[20] = b;
            assert_eq!(
                header_text(&token).is_some(),
                expected,
                "byte {b:#04x} inside"
            );
        }
        assert_eq!(header_text(b""), Some(""));
    }

    #[test]
    fn paths_group_routes_and_say_what_they_allow() {
        let paths = Route::paths("/auth");
        let me = paths.iter().find(|p| p.path == "/auth/me").unwrap();
        assert_eq!(
            me.routes,
            [
                (Method::Get, Route::GetMe),
                (Method::Patch, Route::UpdateMe),
                (Method::Delete, Route::DeleteMe)
            ]
        );
        assert_eq!(me.allow, "GET, HEAD, PATCH, DELETE, OPTIONS");
        let login = paths.iter().find(|p| p.path == "/auth/login").unwrap();
        assert_eq!(login.allow, "POST, OPTIONS");
        let total: usize = paths.iter().map(|p| p.routes.len()).sum();
        assert_eq!(total, Route::ALL.len());
        let wrong = HttpApi::other_method(login, false);
        assert_eq!(
            (wrong.status, code(&wrong).as_str()),
            (405, "method_not_allowed")
        );
        assert_eq!(wrong.header_value("allow"), Some("POST, OPTIONS"));
        let options = HttpApi::other_method(login, true);
        assert_eq!(options.status, 204);
        assert_eq!(options.header_value("allow"), Some("POST, OPTIONS"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_required() {
        assert_eq!(bearer_token(Some("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer_token(Some("bEaReR  abc ")).unwrap(), "abc");
        assert!(matches!(bearer_token(None), Err(AuthError::Unauthorized)));
        assert!(matches!(
            bearer_token(Some("Basic abc")),
            Err(AuthError::Unauthorized)
        ));
        assert!(matches!(
            bearer_token(Some("Bearer")),
            Err(AuthError::Unauthorized)
        ));
        assert!(matches!(
            bearer_token(Some("Bearer   ")),
            Err(AuthError::Unauthorized)
        ));
    }

    #[tokio::test]
    async fn register_then_me_through_the_http_layer() {
        let api = api(HttpConfig::default());
        let body = br#"{"email":"ada@example.com","password":"correct horse battery staple 42"}"#;
        let created = api.handle(Route::Register, json_request(body)).await;
        assert_eq!(created.status, 201);
        assert_eq!(created.header_value("cache-control"), Some("no-store"));
        let value: serde_json::Value = serde_json::from_slice(&created.body).unwrap();
        let token = value["tokens"]["access_token"].as_str().unwrap();
        let bearer = format!("Bearer {token}");
        let me = api
            .handle(
                Route::GetMe,
                HttpRequest {
                    authorization: Some(&bearer),
                    ..HttpRequest::default()
                },
            )
            .await;
        assert_eq!(me.status, 200);
        let me: serde_json::Value = serde_json::from_slice(&me.body).unwrap();
        assert_eq!(me["email"], "ada@example.com");
    }

    #[tokio::test]
    async fn bodies_are_limited_typed_and_parsed_strictly() {
        let api = api(HttpConfig::default());
        let too_large = HttpRequest {
            body_too_large: true,
            ..json_request(b"{}")
        };
        let r = api.handle(Route::Login, too_large).await;
        assert_eq!((r.status, code(&r).as_str()), (413, "payload_too_large"));

        let text = HttpRequest {
            content_type: Some("text/plain"),
            ..json_request(b"{}")
        };
        let r = api.handle(Route::Login, text).await;
        assert_eq!(
            (r.status, code(&r).as_str()),
            (415, "unsupported_media_type")
        );

        let r = api.handle(Route::Login, json_request(b"{not json")).await;
        assert_eq!((r.status, code(&r).as_str()), (400, "malformed_body"));
        for array in [
            &br#"["a@b.co", "a long enough password"]"#[..],
            b" [null, null]",
            b"null",
        ] {
            let r = api.handle(Route::Login, json_request(array)).await;
            assert_eq!((r.status, code(&r).as_str()), (400, "malformed_body"));
        }
        assert_eq!(r.header_value("x-content-type-options"), Some("nosniff"));
        let r = api
            .handle(
                Route::Login,
                json_request(br#"{"email":"a@b.co","pasword":"x"}"#),
            )
            .await;
        assert_eq!((r.status, code(&r).as_str()), (400, "malformed_body"));
        assert_eq!(r.header_value("content-type"), Some(PROBLEM_CONTENT_TYPE));
    }

    #[tokio::test]
    async fn the_rate_limit_answers_429_with_retry_after() {
        let api = api(HttpConfig {
            ip_rate_limit: 2,
            ..HttpConfig::default()
        });
        for _ in 0..2 {
            let r = api.handle(Route::Login, json_request(b"{}")).await;
            assert_ne!(r.status, 429);
        }
        let r = api.handle(Route::Login, json_request(b"{}")).await;
        assert_eq!((r.status, code(&r).as_str()), (429, "too_many_requests"));
        assert_eq!(r.header_value("retry-after"), Some("30"));
        let health = api.handle(Route::Healthz, json_request(b"")).await;
        assert_eq!(health.status, 200, "only auth routes are limited");
    }

    #[tokio::test]
    async fn the_password_grant_is_off_by_default() {
        let api = api(HttpConfig::default());
        let body = br#"{"email":"ada@example.com","password":"correct horse battery staple 42"}"#;
        assert_eq!(
            api.handle(Route::Register, json_request(body)).await.status,
            201
        );
        let form = HttpRequest {
            content_type: Some("application/x-www-form-urlencoded"),
            body: b"grant_type=password&username=ada%40example.com&password=correct+horse+battery+staple+42",
            ..HttpRequest::default()
        };
        let r = api.handle(Route::Token, form).await;
        let value: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            (r.status, value["error"].as_str()),
            (400, Some("unsupported_grant_type"))
        );
        let doc: serde_json::Value = serde_json::from_slice(
            &api.handle(Route::OpenApi, HttpRequest::default())
                .await
                .body,
        )
        .unwrap();
        assert!(doc["components"]["securitySchemes"].get("oauth2").is_none());
    }

    #[tokio::test]
    async fn the_token_endpoint_accepts_the_form_swagger_ui_sends() {
        let api = api(HttpConfig {
            password_grant: true,
            ..HttpConfig::default()
        });
        let body = br#"{"email":"ada@example.com","password":"correct horse battery staple 42"}"#;
        assert_eq!(
            api.handle(Route::Register, json_request(body)).await.status,
            201
        );
        // Swagger UI's "Authorize" (OAuth2 password flow) posts these fields, some empty.
        let form = HttpRequest {
            content_type: Some("application/x-www-form-urlencoded"),
            authorization: Some("Basic Og=="),
            body: b"grant_type=password&username=ada%40example.com&password=correct+horse+battery+staple+42&scope=&client_id=&client_secret=",
            ..HttpRequest::default()
        };
        let r = api.handle(Route::Token, form).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let pair: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(pair["token_type"], "Bearer");
    }

    #[tokio::test]
    async fn the_token_endpoint_speaks_rfc_6749_errors() {
        let api = api(HttpConfig {
            password_grant: true,
            ..HttpConfig::default()
        });
        let form = |body: &'static [u8]| HttpRequest {
            content_type: Some("application/x-www-form-urlencoded"),
            body,
            ..HttpRequest::default()
        };
        let cases: [(&[u8], &str); 4] = [
            (b"grant_type=client_credentials", "unsupported_grant_type"),
            (b"grant_type=password&username=a%40b.co", "invalid_request"),
            (b"username=a", "invalid_request"),
            (
                b"grant_type=password&username=a%40b.co&password=wrong-password-here",
                "invalid_grant",
            ),
        ];
        for (body, error) in cases {
            let r = api.handle(Route::Token, form(body)).await;
            let value: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!((r.status, value["error"].as_str().unwrap()), (400, error));
            assert_eq!(r.header_value("cache-control"), Some("no-store"));
        }
    }
}
