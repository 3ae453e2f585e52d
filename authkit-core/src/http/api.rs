//! [`HttpApi`]: dispatch of a request to its flow, the token endpoint, and body parsing.

use super::*;

/// The HTTP face of an [`Auth`] service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HttpApi {
    pub(super) inner: std::sync::Arc<ApiInner>,
}

#[derive(Debug)]
pub(super) struct ApiInner {
    pub(super) auth: Auth,
    pub(super) config: HttpConfig,
    pub(super) limiter: RateLimiter,
    pub(super) openapi: Vec<u8>,
    pub(super) docs: Vec<u8>,
    pub(super) docs_policy: String,
    pub(super) pages: Option<pages::Pages>,
}

impl HttpApi {
    /// The API of `auth` with `config`.
    pub fn new(auth: Auth, config: HttpConfig) -> Self {
        let roles: Vec<&str> = std::iter::once(crate::model::Role::USER)
            .chain(
                auth.config()
                    .registration_roles()
                    .iter()
                    .map(|r| r.as_str()),
            )
            .collect();
        let unserved: Vec<Route> = Route::ALL
            .into_iter()
            .filter(|route| !Self::offers(&auth, &config, *route))
            .collect();
        let openapi = openapi::served_document(
            &config.prefix,
            config.root_prefix(),
            config.password_grant,
            &roles,
            config.openapi_extension.as_ref(),
            config.cookies.is_some(),
            &unserved,
        );
        let pages = config
            .hosted_pages
            .as_ref()
            .map(|t| pages::Pages::render(t, &config.prefix, config.root_prefix()));
        Self {
            inner: std::sync::Arc::new(ApiInner {
                pages,
                limiter: RateLimiter::new(config.ip_rate_limit),
                auth,
                config,
                openapi,
                docs: openapi::docs_page().into_bytes(),
                docs_policy: openapi::docs_policy(),
            }),
        }
    }

    /// The same API with `extension` merged into its OpenAPI document (see
    /// [`HttpConfig::openapi_extension`]): what an application calls with the description of
    /// its own routes.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use authkit_core::{Auth, AuthConfig, memory::MemoryStore};
    /// use authkit_core::http::{HttpApi, HttpConfig};
    /// use serde_json::json;
    ///
    /// # let config = AuthConfig::builder().hs256_secret("an example secret of 32+ bytes!!").build().unwrap();
    /// # let auth = Auth::builder(config, Arc::new(MemoryStore::new())).build();
    /// let api = HttpApi::new(auth, HttpConfig::default()).with_openapi(json!({
    ///     "paths": { "/hello": { "get": {
    ///         "summary": "Greets the caller",
    ///         "security": [{ "bearer": [] }],
    ///         "responses": { "200": { "description": "A greeting" } }
    ///     } } }
    /// }));
    /// # let _ = api;
    /// ```
    pub fn with_openapi(self, extension: serde_json::Value) -> Self {
        let config = HttpConfig {
            openapi_extension: Some(extension),
            ..self.inner.config.clone()
        };
        Self::new(self.inner.auth.clone(), config)
    }

    /// The service.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The settings.
    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    /// Every path this API serves, each with its routes: what an adapter mounts (auth routes
    /// under [`HttpConfig::prefix`], the others where
    /// [`HttpConfig::root_routes_under_prefix`] puts them).
    pub fn paths(&self) -> Vec<PathRoutes> {
        let config = &self.inner.config;
        Route::paths_of(&config.prefix, config.root_prefix(), |route| {
            self.serves(route)
        })
    }

    /// Whether this API serves `route`: built into this build ([`Route::is_built`]) and, for
    /// the routes of an optional capability, configured (the hosted pages, second factors,
    /// sign-in by e-mail, passkeys, other providers). Neither mounted nor documented otherwise; answered 404.
    pub fn serves(&self, route: Route) -> bool {
        Self::offers(&self.inner.auth, &self.inner.config, route)
    }

    fn offers(auth: &Auth, config: &HttpConfig, route: Route) -> bool {
        route.is_built()
            && (!route.is_hosted_page() || config.hosted_pages.is_some())
            && (!route.is_second_factor() || auth.offers_second_factors())
            && (!route.is_email_sign_in() || auth.offers_email_sign_in())
            && (!route.is_passkey() || auth.offers_passkeys())
            && (!route.is_provider() || auth.offers_providers())
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

    /// Authenticates a request to an application route, as the adapters' extractors do: by its
    /// `Authorization` header when it has one (cookies are then never looked at), otherwise, in
    /// cookie mode with [`CookieTokens::RefreshAndAccess`], by the access cookie, a
    /// state-changing method then having to pass the [CSRF check](super::csrf) (403
    /// `csrf_origin_refused` or `csrf_token_missing_or_invalid`). The caller, or the answer.
    pub async fn authenticate_request(
        &self,
        credentials: &RequestCredentials<'_>,
    ) -> Result<Principal, HttpResponse> {
        let token = self
            .access_token(credentials)
            .map_err(|e| HttpResponse::from_error(&e))?;
        self.inner
            .auth
            .authenticate(token)
            .await
            .map(Self::noted)
            .map_err(|e| HttpResponse::from_error(&e))
    }

    /// [`authenticate_request`](Self::authenticate_request) without waiting, when no I/O is
    /// needed; `None` when it is.
    pub fn authenticate_request_now(
        &self,
        credentials: &RequestCredentials<'_>,
    ) -> Option<Result<Principal, HttpResponse>> {
        let token = match self.access_token(credentials) {
            Ok(token) => token,
            Err(err) => return Some(Err(HttpResponse::from_error(&err))),
        };
        self.inner.auth.authenticate_now(token).map(|result| {
            result
                .map(Self::noted)
                .map_err(|e| HttpResponse::from_error(&e))
        })
    }

    /// Whether this API reads cookies at all (cookie mode is on, or providers are configured,
    /// whose callbacks read the flow's cookie): an adapter need not collect the `Cookie` header
    /// otherwise.
    pub fn reads_cookies(&self) -> bool {
        self.inner.config.cookies.is_some() || self.inner.auth.offers_providers()
    }

    /// Whether a request presents credentials [`authenticate_request`](Self::authenticate_request)
    /// would read: an `Authorization` header, or the access cookie in cookie mode. What the
    /// optional extractors ask before treating a request as anonymous.
    pub fn presents_credentials(&self, credentials: &RequestCredentials<'_>) -> bool {
        credentials.authorization.is_some()
            || self.access_cookies().is_some_and(|cookies| {
                cookie_value(credentials.cookie, cookies.access_cookie_name()).is_some()
            })
    }

    /// Cookie mode's settings when the access token travels in a cookie.
    fn access_cookies(&self) -> Option<&CookieConfig> {
        self.inner
            .config
            .cookies
            .as_ref()
            .filter(|cookies| cookies.access_in_cookie())
    }

    /// The access token a request presents: its bearer token, or its access cookie (after the
    /// CSRF check for a state-changing method).
    fn access_token<'r>(&self, credentials: &RequestCredentials<'r>) -> Result<&'r str, AuthError> {
        if credentials.authorization.is_some() {
            return bearer_token(credentials.authorization);
        }
        let cookies = self.access_cookies().ok_or(AuthError::Unauthorized)?;
        let token = cookie_value(credentials.cookie, cookies.access_cookie_name())
            .ok_or(AuthError::Unauthorized)?;
        if !credentials.is_safe_method() {
            self.check_csrf(cookies, credentials, true)?;
        }
        Ok(token)
    }

    /// The [CSRF decision](super::csrf) for a request; `token_required` is false for login and
    /// registration, which only get the origin steps.
    fn check_csrf(
        &self,
        cookies: &CookieConfig,
        credentials: &RequestCredentials<'_>,
        token_required: bool,
    ) -> Result<(), AuthError> {
        let token_ok = token_required.then(|| {
            csrf::token_matches(
                &cookies.csrf_key,
                credentials.csrf_token,
                cookie_value(credentials.cookie, cookies.csrf_cookie_name()),
            )
        });
        let inputs = csrf::Inputs {
            origin: credentials.origin,
            sec_fetch_site: credentials.sec_fetch_site,
            token_ok,
        };
        let config = &self.inner.config;
        csrf::decide(inputs, |origin| {
            config.cors_origins.iter().any(|o| o == origin)
                || cookies.trusted_origins.iter().any(|o| o == origin)
        })
    }

    /// The credentials of a request to one of authkit's routes.
    fn credentials<'r>(route: Route, req: &HttpRequest<'r>) -> RequestCredentials<'r> {
        RequestCredentials {
            method: route.endpoint().0.as_str(),
            authorization: req.authorization,
            cookie: req.cookie,
            origin: req.origin,
            sec_fetch_site: req.sec_fetch_site,
            csrf_token: req.csrf_token,
        }
    }

    /// A token answer: the pair in JSON, or, in cookie mode, the JSON without `refresh_token`
    /// and the cookies set. `keep_csrf` is the request's CSRF cookie, kept when still valid (a
    /// refresh); a new one is made otherwise.
    fn session_answer(
        &self,
        status: u16,
        body: &impl Serialize,
        pair: &TokenPair,
        keep_csrf: Option<&str>,
    ) -> HttpResponse {
        let Some(cookies) = &self.inner.config.cookies else {
            return HttpResponse::json(status, body).no_store();
        };
        let mut body = serde_json::to_value(body).unwrap_or_default();
        let tokens = match body.get_mut("tokens") {
            Some(tokens) => tokens,
            None => &mut body,
        };
        if let Some(tokens) = tokens.as_object_mut() {
            tokens.remove("refresh_token");
        }
        let csrf = keep_csrf
            .filter(|token| csrf::is_signed(&cookies.csrf_key, token))
            .map_or_else(|| csrf::new_token(&cookies.csrf_key), str::to_owned);
        cookies
            .issued(&self.inner.config.prefix, pair, &csrf)
            .into_iter()
            .fold(
                HttpResponse::json(status, &body).no_store(),
                |answer, cookie| answer.header("set-cookie", cookie),
            )
    }

    /// `response` with every cookie of cookie mode cleared (unchanged without cookie mode).
    fn clearing_cookies(&self, response: HttpResponse) -> HttpResponse {
        match &self.inner.config.cookies {
            Some(cookies) => cookies
                .cleared(&self.inner.config.prefix)
                .into_iter()
                .fold(response, |answer, cookie| {
                    answer.header("set-cookie", cookie)
                }),
            None => response,
        }
    }

    /// `POST {prefix}/refresh` in cookie mode: the body's token when it has one (answered as
    /// without cookie mode), otherwise the refresh cookie's, after the CSRF check.
    async fn refresh_by_cookie(
        &self,
        cookies: &CookieConfig,
        route: Route,
        req: &HttpRequest<'_>,
        client: &ClientInfo,
    ) -> Result<HttpResponse, AuthError> {
        #[derive(Default, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct CookieRefresh {
            refresh_token: Option<crate::SecretString>,
        }
        let auth = &self.inner.auth;
        let body: CookieRefresh = if req.body.iter().all(u8::is_ascii_whitespace) {
            CookieRefresh::default()
        } else {
            json_body(req)?
        };
        if let Some(token) = body.refresh_token {
            return Ok(tokens(&auth.refresh(token.expose(), client).await?));
        }
        self.check_csrf(cookies, &Self::credentials(route, req), true)?;
        let token = cookie_value(req.cookie, cookies.refresh_cookie_name())
            .ok_or(AuthError::InvalidRefreshToken)?;
        match auth.refresh(token, client).await {
            Ok(pair) => Ok(self.session_answer(
                200,
                &pair,
                &pair,
                cookie_value(req.cookie, cookies.csrf_cookie_name()),
            )),
            Err(err) if err.code() == ErrorCode::InvalidRefreshToken => {
                Ok(self.clearing_cookies(HttpResponse::from_error(&err)))
            }
            Err(err) => Err(err),
        }
    }

    /// Login CSRF: in cookie mode, a login or registration from a refused origin sets no
    /// cookie (the origin steps of the [CSRF check](super::csrf); no token is asked for).
    fn check_login_origin(&self, route: Route, req: &HttpRequest<'_>) -> Result<(), AuthError> {
        match &self.inner.config.cookies {
            Some(cookies) => self.check_csrf(cookies, &Self::credentials(route, req), false),
            None => Ok(()),
        }
    }

    /// Notes the caller on the request's span.
    fn noted(principal: Principal) -> Principal {
        crate::telemetry::caller(&principal);
        principal
    }

    /// [`authenticate`](Self::authenticate) without waiting, when no I/O is needed (the steady
    /// state); `None` when it is (see [`Auth::authenticate_now`]).
    pub fn authenticate_now(
        &self,
        authorization: Option<&str>,
    ) -> Option<Result<Principal, HttpResponse>> {
        // Without a cookie, a request is authenticated by its `Authorization` header alone.
        self.authenticate_request_now(&RequestCredentials {
            authorization,
            ..RequestCredentials::default()
        })
    }

    /// The answer to a method that `path` does not serve, as [`other_method`](Self::other_method),
    /// and to a CORS preflight: an `OPTIONS` from an allowed `origin` that names the method it
    /// wants (`Access-Control-Request-Method`) is 204 with the path's methods, the request
    /// headers authkit reads (`authorization`, `content-type`, and in cookie mode
    /// `x-csrf-token`) and a 10-minute `Max-Age`.
    pub fn other_method_from(
        &self,
        path: &PathRoutes,
        options: bool,
        origin: Option<&str>,
        request_method: Option<&str>,
    ) -> HttpResponse {
        let response = Self::other_method(path, options);
        let allowed = self.cors_origin(origin);
        match (options, allowed, request_method) {
            (true, Some(origin), Some(_)) => {
                let methods = path.allow.replace(", OPTIONS", "");
                self.with_cors(response, Some(origin))
                    .header("access-control-allow-methods", methods)
                    .header(
                        "access-control-allow-headers",
                        if self.inner.config.cookies.is_some() {
                            "authorization, content-type, x-csrf-token"
                        } else {
                            "authorization, content-type"
                        },
                    )
                    .header("access-control-max-age", "600")
            }
            _ => self.with_cors(response, None),
        }
    }

    /// `origin` when it is one of [`HttpConfig::cors_origins`].
    fn cors_origin<'o>(&self, origin: Option<&'o str>) -> Option<&'o str> {
        origin.filter(|origin| self.inner.config.cors_origins.iter().any(|o| o == origin))
    }

    /// `response` with the CORS headers for an allowed `origin` (none for any other), and
    /// `Vary: Origin` whenever CORS is configured, so that caches keep answers apart. In cookie
    /// mode an allowed origin also gets `Access-Control-Allow-Credentials: true`, so that its
    /// `fetch(…, { credentials: "include" })` sends and receives the cookies.
    fn with_cors(&self, response: HttpResponse, origin: Option<&str>) -> HttpResponse {
        if self.inner.config.cors_origins.is_empty() {
            return response;
        }
        let response = response.header("vary", "Origin");
        match origin {
            Some(origin) => {
                let response = response
                    .header("access-control-allow-origin", origin.to_owned())
                    .header(
                        "access-control-expose-headers",
                        "retry-after, www-authenticate",
                    );
                if self.inner.config.cookies.is_some() {
                    response.header("access-control-allow-credentials", "true")
                } else {
                    response
                }
            }
            None => response,
        }
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

    /// Answers one request to `route`, with the CORS headers its origin is allowed.
    pub async fn handle(&self, route: Route, req: HttpRequest<'_>) -> HttpResponse {
        let origin = self.cors_origin(req.origin);
        let response = self.answer(route, req).await;
        self.with_cors(response, origin)
    }

    async fn answer(&self, route: Route, req: HttpRequest<'_>) -> HttpResponse {
        if !self.serves(route) {
            return HttpResponse::from_error(&AuthError::NotFound);
        }
        let client = ClientInfo::new(self.client_ip(req.peer, req.forwarded_for), req.user_agent);
        if route.rate_limit() == RateLimit::PerClient
            && let Some(ip) = client.ip
            && let Err(retry_after) = self.inner.limiter.check(ip, Instant::now())
        {
            crate::telemetry::rate_limited();
            return HttpResponse::from_error(&AuthError::TooManyRequests { retry_after });
        }
        if route.is_auth() && (req.body_too_large || req.body.len() > MAX_BODY_BYTES) {
            return problem(ErrorCode::PayloadTooLarge, None);
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
        // The table says which routes need a caller; they are authenticated before their arm.
        let caller = match route.access() {
            Access::Public => None,
            Access::Bearer | Access::Admin => {
                let token = self.access_token(&Self::credentials(route, req))?;
                Some(auth.authenticate(token).await.map(Self::noted)?)
            }
        };
        let signed_in = || {
            caller.as_ref().ok_or_else(|| {
                AuthError::Internal(format!("the route table lists {route:?} as public"))
            })
        };
        let ok_user = |user: crate::model::User| HttpResponse::json(200, &UserView::from(user));
        Ok(match route {
            Route::Register => {
                self.check_login_origin(route, req)?;
                let body: RegisterRequest = json_body(req)?;
                match auth.register(body, client).await? {
                    Registration::Created { user, tokens } => {
                        let body = RegisterResponse {
                            user: UserView::from(*user),
                            tokens: Some(tokens.clone()),
                        };
                        self.session_answer(201, &body, &tokens, None)
                    }
                    Registration::VerificationPending => HttpResponse::accepted(),
                }
            }
            Route::Token => self.token(req, client).await,
            Route::Login => {
                self.check_login_origin(route, req)?;
                let body: LoginRequest = json_body(req)?;
                let pair = auth.login(body, client).await?;
                self.session_answer(200, &pair, &pair, None)
            }
            Route::Refresh => match &self.inner.config.cookies {
                Some(cookies) => {
                    return self.refresh_by_cookie(cookies, route, req, client).await;
                }
                None => {
                    let body: RefreshRequest = json_body(req)?;
                    tokens(&auth.refresh(body.refresh_token.expose(), client).await?)
                }
            },
            Route::Logout => {
                auth.logout(&signed_in()?.claims).await?;
                self.clearing_cookies(HttpResponse::no_content())
            }
            Route::LogoutAll => {
                auth.logout_all(&signed_in()?.claims).await?;
                self.clearing_cookies(HttpResponse::no_content())
            }
            Route::GetMe => ok_user(auth.me(&signed_in()?.claims).await?),
            Route::UpdateMe => {
                let caller = signed_in()?;
                let claims = &*caller.claims;
                let body: UpdateMeRequest = json_body(req)?;
                ok_user(auth.update_me(claims, body).await?)
            }
            Route::DeleteMe => {
                let caller = signed_in()?;
                let claims = &*caller.claims;
                let body: DeleteMeRequest = json_body(req)?;
                auth.delete_me(claims, &body.password).await?;
                self.clearing_cookies(HttpResponse::no_content())
            }
            Route::ChangePassword => {
                let caller = signed_in()?;
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
                let caller = signed_in()?;
                let claims = &*caller.claims;
                let body: ChangeEmailRequest = json_body(req)?;
                auth.request_email_change(claims, body).await?;
                HttpResponse::accepted()
            }
            Route::ListSessions => {
                HttpResponse::json(200, &auth.sessions(&signed_in()?.claims).await?)
            }
            Route::RevokeSession => {
                let caller = signed_in()?;
                let claims = &*caller.claims;
                let id = path_id(req)?;
                auth.revoke_own_session(claims, id).await?;
                if id == caller.session_id {
                    self.clearing_cookies(HttpResponse::no_content())
                } else {
                    HttpResponse::no_content()
                }
            }
            Route::EmailSignInRequest | Route::EmailSignIn => {
                return self.email_sign_in(route, req, client).await;
            }
            Route::OAuthStart
            | Route::OAuthCallback
            | Route::OAuthLink
            | Route::ListIdentities
            | Route::UnlinkIdentity => {
                return self.providers(route, req, caller.as_ref(), client).await;
            }
            Route::MfaLogin
            | Route::MfaStatus
            | Route::TotpEnroll
            | Route::TotpConfirm
            | Route::TotpDisable
            | Route::RegenerateRecoveryCodes
            | Route::AdminResetMfa => {
                return self
                    .second_factor(route, req, caller.as_ref(), client)
                    .await;
            }
            Route::PasskeyRegisterBegin
            | Route::PasskeyRegister
            | Route::ListPasskeys
            | Route::RenamePasskey
            | Route::DeletePasskey
            | Route::PasskeyLoginBegin
            | Route::PasskeyLogin
            | Route::MfaPasskeyBegin
            | Route::MfaPasskeyLogin => {
                return self.passkey(route, req, caller.as_ref(), client).await;
            }
            Route::AdminListUsers => {
                let caller = signed_in()?;
                let claims = &*caller.claims;
                let query: AdminListQuery = serde_urlencoded::from_str(req.query.unwrap_or(""))
                    .map_err(|e| AuthError::Validation(format!("query: {e}")))?;
                HttpResponse::json(200, &auth.admin_list_users(claims, &query).await?)
            }
            Route::AdminGetUser => {
                let caller = signed_in()?;
                let claims = &*caller.claims;
                ok_user(
                    auth.admin_get_user(claims, admin_target(caller, req)?)
                        .await?,
                )
            }
            Route::AdminUpdateUser => {
                let caller = signed_in()?;
                let claims = &*caller.claims;
                let id = admin_target(caller, req)?;
                let body: AdminUpdateRequest = json_body(req)?;
                ok_user(auth.admin_update_user(claims, id, body).await?)
            }
            Route::AdminDeleteUser => {
                let caller = signed_in()?;
                let claims = &*caller.claims;
                auth.admin_delete_user(claims, admin_target(caller, req)?)
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
            Route::DocsScript => openapi::asset(openapi::Asset::Script),
            Route::DocsStyle => openapi::asset(openapi::Asset::Style),
            Route::VerifyEmailPage
            | Route::ResetPasswordPage
            | Route::PagesScript
            | Route::PagesStyle => match &self.inner.pages {
                Some(pages) => pages.answer(route),
                None => HttpResponse::from_error(&AuthError::NotFound),
            },
        })
    }

    /// The second-factor routes (cargo feature `totp`).
    #[cfg(feature = "totp")]
    async fn second_factor(
        &self,
        route: Route,
        req: &HttpRequest<'_>,
        caller: Option<&Principal>,
        client: &ClientInfo,
    ) -> Result<HttpResponse, AuthError> {
        let auth = &self.inner.auth;
        let claims = || {
            caller.map(|caller| &*caller.claims).ok_or_else(|| {
                AuthError::Internal(format!("the route table lists {route:?} as public"))
            })
        };
        Ok(match route {
            Route::MfaLogin => {
                self.check_login_origin(route, req)?;
                let body: MfaLoginRequest = json_body(req)?;
                let pair = auth.login_second_factor(body, client).await?;
                self.session_answer(200, &pair, &pair, None)
            }
            Route::MfaStatus => HttpResponse::json(200, &auth.mfa_status(claims()?).await?),
            Route::TotpEnroll => {
                let body: DeleteMeRequest = json_body(req)?;
                HttpResponse::json(200, &auth.begin_totp(claims()?, &body.password).await?)
            }
            Route::TotpConfirm => {
                let body: TotpCodeRequest = json_body(req)?;
                let codes = auth.confirm_totp(claims()?, &body.code, client).await?;
                HttpResponse::json(200, &codes)
            }
            Route::TotpDisable => {
                let body: SecondFactorProof = json_body(req)?;
                auth.disable_totp(claims()?, &body, client).await?;
                HttpResponse::no_content()
            }
            Route::RegenerateRecoveryCodes => {
                let body: SecondFactorProof = json_body(req)?;
                let codes = auth
                    .regenerate_recovery_codes(claims()?, &body, client)
                    .await?;
                HttpResponse::json(200, &codes)
            }
            Route::AdminResetMfa => {
                let caller = caller.ok_or(AuthError::Unauthorized)?;
                let target = admin_target(caller, req)?;
                auth.admin_reset_second_factors(&caller.claims, target)
                    .await?;
                HttpResponse::no_content()
            }
            _ => {
                return Err(AuthError::Internal(format!(
                    "{route:?} is not a second-factor route"
                )));
            }
        })
    }

    /// Without the cargo feature `totp` the second-factor routes are not built (404 before
    /// dispatch).
    #[cfg(not(feature = "totp"))]
    async fn second_factor(
        &self,
        _route: Route,
        _req: &HttpRequest<'_>,
        _caller: Option<&Principal>,
        _client: &ClientInfo,
    ) -> Result<HttpResponse, AuthError> {
        Err(AuthError::NotFound)
    }

    /// Sign-in by e-mail's routes (cargo feature `email-sign-in`).
    #[cfg(feature = "email-sign-in")]
    async fn email_sign_in(
        &self,
        route: Route,
        req: &HttpRequest<'_>,
        client: &ClientInfo,
    ) -> Result<HttpResponse, AuthError> {
        let auth = &self.inner.auth;
        if route == Route::EmailSignInRequest {
            let body: EmailRequest = json_body(req)?;
            auth.request_email_sign_in(&body.email).await?;
            return Ok(HttpResponse::accepted());
        }
        self.check_login_origin(route, req)?;
        let body: crate::dto::EmailSignInRequest = json_body(req)?;
        let pair = auth.email_sign_in(&body, client).await?;
        Ok(self.session_answer(200, &pair, &pair, None))
    }

    /// Without the cargo feature `email-sign-in` its routes are not built (404 before
    /// dispatch).
    #[cfg(not(feature = "email-sign-in"))]
    async fn email_sign_in(
        &self,
        _route: Route,
        _req: &HttpRequest<'_>,
        _client: &ClientInfo,
    ) -> Result<HttpResponse, AuthError> {
        Err(AuthError::NotFound)
    }

    /// The passkey routes (cargo feature `passkeys`).
    #[cfg(feature = "passkeys")]
    async fn passkey(
        &self,
        route: Route,
        req: &HttpRequest<'_>,
        caller: Option<&Principal>,
        client: &ClientInfo,
    ) -> Result<HttpResponse, AuthError> {
        let auth = &self.inner.auth;
        let claims = || {
            caller.map(|caller| &*caller.claims).ok_or_else(|| {
                AuthError::Internal(format!("the route table lists {route:?} as public"))
            })
        };
        Ok(match route {
            Route::PasskeyRegisterBegin => {
                HttpResponse::json(200, &auth.begin_passkey_registration(claims()?).await?)
            }
            Route::PasskeyRegister => {
                let body: PasskeyRegistrationRequest = json_body(req)?;
                let passkey = auth
                    .finish_passkey_registration(claims()?, &body, client)
                    .await?;
                HttpResponse::json(201, &passkey)
            }
            Route::ListPasskeys => HttpResponse::json(200, &auth.passkeys(claims()?).await?),
            Route::RenamePasskey => {
                let id = path_id(req)?;
                let body: RenamePasskeyRequest = json_body(req)?;
                HttpResponse::json(200, &auth.rename_passkey(claims()?, id, &body.name).await?)
            }
            Route::DeletePasskey => {
                auth.delete_passkey(claims()?, path_id(req)?, client)
                    .await?;
                HttpResponse::no_content()
            }
            Route::PasskeyLoginBegin => HttpResponse::json(200, &auth.begin_passkey_login().await?),
            Route::PasskeyLogin => {
                self.check_login_origin(route, req)?;
                let body: PasskeyLoginRequest = json_body(req)?;
                let pair = auth.login_passkey(&body, client).await?;
                self.session_answer(200, &pair, &pair, None)
            }
            Route::MfaPasskeyBegin => {
                let body: MfaPasskeyBeginRequest = json_body(req)?;
                HttpResponse::json(200, &auth.begin_passkey_second_factor(&body, client).await?)
            }
            Route::MfaPasskeyLogin => {
                self.check_login_origin(route, req)?;
                let body: MfaPasskeyLoginRequest = json_body(req)?;
                let pair = auth.login_passkey_second_factor(&body, client).await?;
                self.session_answer(200, &pair, &pair, None)
            }
            _ => {
                return Err(AuthError::Internal(format!(
                    "{route:?} is not a passkey route"
                )));
            }
        })
    }

    /// Without the cargo feature `passkeys` the passkey routes are not built (404 before
    /// dispatch).
    #[cfg(not(feature = "passkeys"))]
    async fn passkey(
        &self,
        _route: Route,
        _req: &HttpRequest<'_>,
        _caller: Option<&Principal>,
        _client: &ClientInfo,
    ) -> Result<HttpResponse, AuthError> {
        Err(AuthError::NotFound)
    }

    /// The routes of other providers and identities (cargo feature `oidc`).
    #[cfg(feature = "oidc")]
    async fn providers(
        &self,
        route: Route,
        req: &HttpRequest<'_>,
        caller: Option<&Principal>,
        client: &ClientInfo,
    ) -> Result<HttpResponse, AuthError> {
        use crate::dto::{AuthorizationRedirect, IdentityView, OAuthCallbackQuery};
        let auth = &self.inner.auth;
        let prefix = &self.inner.config.prefix;
        let claims = || {
            caller.map(|caller| &*caller.claims).ok_or_else(|| {
                AuthError::Internal(format!("the route table lists {route:?} as public"))
            })
        };
        let provider = || req.path_id.ok_or(AuthError::NotFound);
        let flow_cookie = |start: &crate::auth::OAuthStart| {
            cookies::oauth_cookie(prefix, start.binding.expose(), start.max_age, start.secure)
        };
        Ok(match route {
            Route::OAuthStart => {
                let start = auth.oauth_start(provider()?, None).await?;
                HttpResponse::redirect(&start.authorization_url)
                    .header("set-cookie", flow_cookie(&start))
            }
            Route::OAuthLink => {
                let start = auth.oauth_start(provider()?, Some(claims()?)).await?;
                let body = AuthorizationRedirect {
                    authorization_url: start.authorization_url.clone(),
                };
                HttpResponse::json(200, &body).header("set-cookie", flow_cookie(&start))
            }
            Route::OAuthCallback => {
                let name = provider()?;
                let secure = auth.oauth_cookie_secure(name).ok_or(AuthError::NotFound)?;
                let query: OAuthCallbackQuery = serde_urlencoded::from_str(req.query.unwrap_or(""))
                    .map_err(|e| AuthError::Validation(format!("query: {e}")))?;
                let binding = cookie_value(req.cookie, cookies::oauth_cookie_name(secure));
                // The flow is spent whatever happens: its cookie goes.
                let clear = cookies::oauth_cookie(prefix, "", 0, secure);
                match auth.oauth_callback(name, &query, binding, client).await {
                    Ok(crate::auth::OAuthOutcome::SignedIn(pair)) => self
                        .session_answer(200, &pair, &pair, None)
                        .header("set-cookie", clear),
                    Ok(crate::auth::OAuthOutcome::Linked(identity)) => {
                        HttpResponse::json(200, &IdentityView::from(&identity))
                            .header("set-cookie", clear)
                    }
                    Err(err) => HttpResponse::from_error(&err).header("set-cookie", clear),
                }
            }
            Route::ListIdentities => {
                let identities = auth.identities(claims()?).await?;
                let views: Vec<IdentityView> = identities.iter().map(IdentityView::from).collect();
                HttpResponse::json(200, &views)
            }
            Route::UnlinkIdentity => {
                auth.unlink_identity(claims()?, path_id(req)?).await?;
                HttpResponse::no_content()
            }
            _ => {
                return Err(AuthError::Internal(format!(
                    "{route:?} is not a provider route"
                )));
            }
        })
    }

    /// Without the cargo feature `oidc` the provider routes are not built (404 before
    /// dispatch).
    #[cfg(not(feature = "oidc"))]
    async fn providers(
        &self,
        _route: Route,
        _req: &HttpRequest<'_>,
        _caller: Option<&Principal>,
        _client: &ClientInfo,
    ) -> Result<HttpResponse, AuthError> {
        Err(AuthError::NotFound)
    }

    /// The caller behind the bearer token in an `Authorization` header value.
    async fn caller(&self, authorization: Option<&str>) -> Result<Principal, AuthError> {
        let token = bearer_token(authorization)?;
        self.inner.auth.authenticate(token).await.map(Self::noted)
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
            Err(AuthError::MfaRequired(_)) => oauth_error(
                ErrorCode::MfaRequired,
                &format!(
                    "the account has a second factor: sign in at {prefix}/login, then \
                     {prefix}/login/mfa",
                    prefix = self.inner.config.prefix.trim_end_matches('/')
                ),
            ),
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

pub(super) fn tokens(pair: &TokenPair) -> HttpResponse {
    HttpResponse::json(200, pair).no_store()
}

pub(super) fn problem(code: ErrorCode, detail: Option<&str>) -> HttpResponse {
    HttpResponse::problem(&Problem::new(code, detail.map(str::to_owned))).no_store()
}

pub(super) fn oauth_error(error: ErrorCode, description: &str) -> HttpResponse {
    let body = OAuthError {
        error: error.as_str().to_owned(),
        error_description: Some(description.to_owned()),
    };
    HttpResponse::json(400, &body).no_store()
}

pub(super) fn content_type_is(header: Option<&str>, expected: &str) -> bool {
    header
        .and_then(|h| h.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case(expected))
}

/// A request body: JSON of the expected shape, and always an object (serde would also read a
/// struct from an array such as `["a@b.c", "pw"]`, which no client of the contract sends).
pub(super) fn json_body<T: DeserializeOwned>(req: &HttpRequest<'_>) -> Result<T, BodyError> {
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
pub(super) enum BodyError {
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

pub(super) fn path_id(req: &HttpRequest<'_>) -> Result<Uuid, AuthError> {
    req.path_id
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or(AuthError::NotFound)
}

/// The `{id}` of an admin route; checked after the role, so a non-admin learns nothing from it.
/// (The flow checks the stored caller too.)
pub(super) fn admin_target(caller: &Principal, req: &HttpRequest<'_>) -> Result<Uuid, AuthError> {
    if !caller.role().is_admin() {
        return Err(AuthError::Forbidden);
    }
    path_id(req)
}
