//! The route table: every route of the contract in one entry each — variant, method, path,
//! where the path lives, who may call it, its rate-limit class and what the OpenAPI document
//! says of it — and the paths each path serves (for `405` with `Allow`).
//!
//! Adding a route is one entry here and its arm in [`HttpApi`](super::HttpApi)'s dispatch
//! (the compiler asks for it); the adapters mount [`Route::paths`], the OpenAPI document
//! describes [`Route::ALL`], and the shared rules (authentication before the handler, the
//! per-client limit, the body limit, `no-store`) follow from the entry.

use super::openapi::{FORM, JSON, OpenApiDoc, listed, unlisted};

/// Where a route's path lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Under the configured prefix (`/auth` in the examples): the auth flows. Their answers
    /// are `no-store` and their bodies limited to [`MAX_BODY_BYTES`](super::MAX_BODY_BYTES).
    Prefixed,
    /// At the root whatever the prefix: keys, health, the documents.
    Root,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// A caller with a valid access token, authenticated before the handler runs.
    Bearer,
    /// A caller with a valid access token whose stored role is `admin` (the admin flows check
    /// the stored role; the table says so for the document's 403).
    Admin,
}

/// Which rate limit a route counts against.
///
/// The per-client limit is meant for credential guessing and mail flooding: every route that
/// takes a password, a token from a mail or a refresh token, or sends mail, counts. Reads by a
/// bearer token (`GET /auth/me`, the session list, the admin reads) do not: a token cannot be
/// guessed, and an application polling `/auth/me` must not lock its users out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimit {
    /// The per-client-IP limit (`HttpConfig::ip_rate_limit`).
    PerClient,
    /// None.
    Unlimited,
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

/// One entry of the table.
pub(super) struct RouteSpec {
    pub(super) method: Method,
    pub(super) path: &'static str,
    pub(super) scope: Scope,
    pub(super) access: Access,
    pub(super) limit: RateLimit,
    /// `None` for what the document does not describe (the docs page's own files).
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(super) doc: Option<OpenApiDoc>,
}

/// Declares [`Route`], [`Route::ALL`] and the table behind [`Route::spec`], one entry per route:
/// `Variant => METHOD "path", scope, access, rate limit, document;`.
macro_rules! route_table {
    ($($route:ident => $method:ident $path:literal, $scope:ident, $access:ident, $limit:ident,
        $doc:expr;)*) => {
        /// Every route of the contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)] // each variant is named after its route; see `Route::ALL`
        pub enum Route {
            $($route,)*
        }

        impl Route {
            /// Every route, in contract order.
            pub const ALL: [Route; [$(stringify!($route)),*].len()] = [$(Route::$route),*];

            /// The route's entry in the table.
            pub(super) const fn spec(self) -> RouteSpec {
                match self {
                    $(Route::$route => RouteSpec {
                        method: Method::$method,
                        path: $path,
                        scope: Scope::$scope,
                        access: Access::$access,
                        limit: RateLimit::$limit,
                        doc: $doc,
                    },)*
                }
            }
        }
    };
}

route_table! {
    Register => Post "/register", Prefixed, Public, PerClient, listed(
        "Create an account",
        "account",
        Some((JSON, "RegisterRequest")),
        (201, Some("RegisterResponse")),
        &[
            (
                202,
                "Accepted: verification mail sent (when verification is required)",
            ),
            (400, "validation_failed, weak_password"),
            (409, "email_taken, username_taken"),
        ],
    );
    Login => Post "/login", Prefixed, Public, PerClient, listed(
        "Sign in with e-mail or username",
        "session",
        Some((JSON, "LoginRequest")),
        (200, Some("TokenPair")),
        &[
            (
                401,
                "invalid_credentials; mfa_required (with `mfa_challenge`: complete at /login/mfa)",
            ),
            (403, "email_not_verified"),
            (429, "too_many_attempts"),
        ],
    );
    MfaLogin => Post "/login/mfa", Prefixed, Public, PerClient, listed(
        "Complete a sign-in with a second factor (TOTP or recovery code)",
        "session",
        Some((JSON, "MfaLoginRequest")),
        (200, Some("TokenPair")),
        &[
            (401, "invalid_mfa_code, invalid_mfa_challenge"),
            (429, "too_many_attempts"),
        ],
    );
    Token => Post "/token", Prefixed, Public, PerClient, listed(
        "OAuth2 token endpoint (password and refresh_token grants)",
        "session",
        Some((FORM, "TokenRequest")),
        (200, Some("TokenPair")),
        &[(
            400,
            "invalid_grant, unsupported_grant_type, invalid_request (RFC 6749 5.2); \
             mfa_required when the account has a second factor (sign in at /login instead)",
        )],
    );
    Refresh => Post "/refresh", Prefixed, Public, PerClient, listed(
        "Rotate a refresh token",
        "session",
        Some((JSON, "RefreshRequest")),
        (200, Some("TokenPair")),
        &[(401, "invalid_refresh_token")],
    );
    Logout => Post "/logout", Prefixed, Bearer, PerClient, listed(
        "Revoke the current session",
        "session",
        None,
        (204, None),
        &[(401, "unauthorized, invalid_access_token")],
    );
    LogoutAll => Post "/logout-all", Prefixed, Bearer, PerClient, listed(
        "Revoke every session of the caller",
        "session",
        None,
        (204, None),
        &[(401, "unauthorized, invalid_access_token")],
    );
    GetMe => Get "/me", Prefixed, Bearer, Unlimited, listed(
        "The caller's account",
        "account",
        None,
        (200, Some("User")),
        &[(401, "unauthorized, invalid_access_token")],
    );
    UpdateMe => Patch "/me", Prefixed, Bearer, PerClient, listed(
        "Change the caller's username",
        "account",
        Some((JSON, "UpdateMeRequest")),
        (200, Some("User")),
        &[(401, "unauthorized"), (409, "username_taken")],
    );
    DeleteMe => Delete "/me", Prefixed, Bearer, PerClient, listed(
        "Delete the caller's account",
        "account",
        Some((JSON, "PasswordConfirmation")),
        (204, None),
        &[(401, "invalid_credentials")],
    );
    ChangePassword => Post "/password/change", Prefixed, Bearer, PerClient, listed(
        "Change the password (revokes the other sessions)",
        "account",
        Some((JSON, "ChangePasswordRequest")),
        (204, None),
        &[(400, "weak_password"), (401, "invalid_credentials")],
    );
    ResetRequest => Post "/password-reset/request", Prefixed, Public, PerClient, listed(
        "Mail a password reset link (answers 202 for any address)",
        "recovery",
        Some((JSON, "EmailRequest")),
        (202, None),
        &[(429, "too_many_requests")],
    );
    ResetConfirm => Post "/password-reset/confirm", Prefixed, Public, PerClient, listed(
        "Set a new password with a reset token (revokes every session)",
        "recovery",
        Some((JSON, "ResetPasswordRequest")),
        (204, None),
        &[(400, "invalid_token, weak_password")],
    );
    VerifyRequest => Post "/email/verify/request", Prefixed, Public, PerClient, listed(
        "Mail a new verification link (answers 202 for any address)",
        "recovery",
        Some((JSON, "EmailRequest")),
        (202, None),
        &[(429, "too_many_requests")],
    );
    Verify => Post "/email/verify", Prefixed, Public, PerClient, listed(
        "Confirm an address with a verification or e-mail change token",
        "recovery",
        Some((JSON, "TokenBody")),
        (200, Some("User")),
        &[(400, "invalid_token"), (409, "email_taken")],
    );
    ChangeEmail => Post "/email/change", Prefixed, Bearer, PerClient, listed(
        "Start an e-mail change (link to the new address)",
        "account",
        Some((JSON, "ChangeEmailRequest")),
        (202, None),
        &[(401, "invalid_credentials")],
    );
    ListSessions => Get "/sessions", Prefixed, Bearer, Unlimited, listed(
        "The caller's live sessions",
        "session",
        None,
        (200, Some("SessionList")),
        &[(401, "unauthorized")],
    );
    RevokeSession => Delete "/sessions/{id}", Prefixed, Bearer, PerClient, listed(
        "Revoke one of the caller's sessions",
        "session",
        None,
        (204, None),
        &[(404, "not_found")],
    );
    EmailSignInRequest => Post "/email-sign-in/request", Prefixed, Public, PerClient, listed(
        "Mail a sign-in code or link to a verified address (answers 202 for any address)",
        "session",
        Some((JSON, "EmailRequest")),
        (202, None),
        &[(429, "too_many_requests")],
    );
    EmailSignIn => Post "/email-sign-in", Prefixed, Public, PerClient, listed(
        "Sign in with a mailed code (with its address) or link token",
        "session",
        Some((JSON, "EmailSignInRequest")),
        (200, Some("TokenPair")),
        &[
            (400, "validation_failed"),
            (401, "invalid_sign_in_code, mfa_required"),
            (429, "too_many_attempts"),
        ],
    );
    MfaStatus => Get "/mfa", Prefixed, Bearer, Unlimited, listed(
        "The caller's second factors",
        "mfa",
        None,
        (200, Some("MfaStatus")),
        &[(401, "unauthorized")],
    );
    TotpEnroll => Post "/mfa/totp/enroll", Prefixed, Bearer, PerClient, listed(
        "Start a TOTP enrolment (password required): the secret and its otpauth URI",
        "mfa",
        Some((JSON, "PasswordConfirmation")),
        (200, Some("TotpEnrollment")),
        &[(401, "invalid_credentials"), (409, "mfa_already_enabled")],
    );
    TotpConfirm => Post "/mfa/totp/confirm", Prefixed, Bearer, PerClient, listed(
        "Confirm the enrolment with a first code: answers the recovery codes, once",
        "mfa",
        Some((JSON, "TotpCodeRequest")),
        (200, Some("RecoveryCodes")),
        &[
            (401, "invalid_mfa_code"),
            (409, "mfa_not_enabled"),
            (429, "too_many_attempts"),
        ],
    );
    TotpDisable => Delete "/mfa/totp", Prefixed, Bearer, PerClient, listed(
        "Turn second factors off (password or a code required)",
        "mfa",
        Some((JSON, "SecondFactorProof")),
        (204, None),
        &[
            (400, "validation_failed"),
            (401, "invalid_credentials, invalid_mfa_code"),
            (409, "mfa_not_enabled"),
        ],
    );
    RegenerateRecoveryCodes => Post "/mfa/recovery-codes", Prefixed, Bearer, PerClient, listed(
        "Replace the recovery codes (password or a code required)",
        "mfa",
        Some((JSON, "SecondFactorProof")),
        (200, Some("RecoveryCodes")),
        &[
            (400, "validation_failed"),
            (401, "invalid_credentials, invalid_mfa_code"),
            (409, "mfa_not_enabled"),
        ],
    );
    OAuthStart => Get "/oauth/{provider}/start", Prefixed, Public, PerClient, listed(
        "Start signing in with another provider: 302 to its authorization endpoint, with the \
         flow's cookie",
        "providers",
        None,
        (302, None),
        &[(404, "not_found (no such provider)"), (502, "oauth_provider_error")],
    );
    OAuthCallback => Get "/oauth/{provider}/callback", Prefixed, Public, PerClient, listed(
        "Finish a provider flow (the provider sends the browser here): the token pair of a \
         sign-in, or the Identity of a link",
        "providers",
        None,
        (200, Some("TokenPair")),
        &[
            (400, "invalid_oauth_state"),
            (
                401,
                "invalid_id_token, invalid_credentials; mfa_required (with `mfa_challenge`)",
            ),
            (403, "oauth_email_unverified, email_not_verified"),
            (404, "not_found (no such provider)"),
            (409, "oauth_account_exists, identity_already_linked"),
            (502, "oauth_provider_error"),
        ],
    );
    OAuthLink => Post "/oauth/{provider}/link", Prefixed, Bearer, PerClient, listed(
        "Start linking another provider to the caller: its authorization URL, with the flow's \
         cookie",
        "providers",
        None,
        (200, Some("AuthorizationRedirect")),
        &[(404, "not_found (no such provider)"), (502, "oauth_provider_error")],
    );
    ListIdentities => Get "/identities", Prefixed, Bearer, Unlimited, listed(
        "The caller's identities at other providers",
        "providers",
        None,
        (200, Some("IdentityList")),
        &[(401, "unauthorized"), (404, "not_found (no provider configured)")],
    );
    UnlinkIdentity => Delete "/identities/{id}", Prefixed, Bearer, PerClient, listed(
        "Unlink one of the caller's identities",
        "providers",
        None,
        (204, None),
        &[(404, "not_found"), (409, "last_sign_in_method")],
    );
    PasskeyRegisterBegin => Post "/passkeys/register/begin", Prefixed, Bearer, PerClient, listed(
        "Start registering a passkey: options for navigator.credentials.create",
        "passkeys",
        None,
        (200, Some("PasskeyOptions")),
        &[(401, "unauthorized")],
    );
    PasskeyRegister => Post "/passkeys/register", Prefixed, Bearer, PerClient, listed(
        "Finish registering a passkey",
        "passkeys",
        Some((JSON, "PasskeyRegistrationRequest")),
        (201, Some("Passkey")),
        &[
            (400, "invalid_passkey_ceremony, invalid_passkey_registration, validation_failed"),
            (409, "passkey_already_registered"),
        ],
    );
    ListPasskeys => Get "/passkeys", Prefixed, Bearer, Unlimited, listed(
        "The caller's passkeys, oldest first",
        "passkeys",
        None,
        (200, Some("PasskeyList")),
        &[(401, "unauthorized")],
    );
    RenamePasskey => Patch "/passkeys/{id}", Prefixed, Bearer, PerClient, listed(
        "Rename one of the caller's passkeys",
        "passkeys",
        Some((JSON, "RenamePasskeyRequest")),
        (200, Some("Passkey")),
        &[(400, "validation_failed"), (404, "not_found")],
    );
    DeletePasskey => Delete "/passkeys/{id}", Prefixed, Bearer, PerClient, listed(
        "Delete one of the caller's passkeys",
        "passkeys",
        None,
        (204, None),
        &[(404, "not_found")],
    );
    PasskeyLoginBegin => Post "/login/passkey/begin", Prefixed, Public, PerClient, listed(
        "Start a sign-in with a passkey alone: options for navigator.credentials.get",
        "session",
        None,
        (200, Some("PasskeyOptions")),
        &[],
    );
    PasskeyLogin => Post "/login/passkey", Prefixed, Public, PerClient, listed(
        "Sign in with a passkey alone",
        "session",
        Some((JSON, "PasskeyLoginRequest")),
        (200, Some("TokenPair")),
        &[
            (400, "invalid_passkey_ceremony"),
            (401, "invalid_passkey, passkey_counter_regressed"),
            (403, "email_not_verified"),
        ],
    );
    MfaPasskeyBegin => Post "/login/mfa/passkey/begin", Prefixed, Public, PerClient, listed(
        "Start the passkey step of a sign-in that owes a second factor",
        "session",
        Some((JSON, "MfaPasskeyBeginRequest")),
        (200, Some("PasskeyOptions")),
        &[(401, "invalid_mfa_challenge"), (409, "mfa_not_enabled")],
    );
    MfaPasskeyLogin => Post "/login/mfa/passkey", Prefixed, Public, PerClient, listed(
        "Complete a sign-in that owes a second factor with a passkey",
        "session",
        Some((JSON, "MfaPasskeyLoginRequest")),
        (200, Some("TokenPair")),
        &[
            (400, "invalid_passkey_ceremony"),
            (401, "invalid_mfa_challenge, invalid_passkey, passkey_counter_regressed"),
        ],
    );
    AdminListUsers => Get "/admin/users", Prefixed, Admin, Unlimited, listed(
        "List users (cursor pagination, filters)",
        "admin",
        None,
        (200, Some("UserPage")),
        &[(400, "validation_failed"), (403, "forbidden")],
    );
    AdminGetUser => Get "/admin/users/{id}", Prefixed, Admin, Unlimited, listed(
        "One user",
        "admin",
        None,
        (200, Some("User")),
        &[(403, "forbidden"), (404, "not_found")],
    );
    AdminUpdateUser => Patch "/admin/users/{id}", Prefixed, Admin, PerClient, listed(
        "Change a user's role or status (disabling revokes sessions)",
        "admin",
        Some((JSON, "AdminUpdateRequest")),
        (200, Some("User")),
        &[
            (400, "validation_failed"),
            (403, "forbidden"),
            (404, "not_found"),
        ],
    );
    AdminDeleteUser => Delete "/admin/users/{id}", Prefixed, Admin, PerClient, listed(
        "Delete a user",
        "admin",
        None,
        (204, None),
        &[(403, "forbidden"), (404, "not_found")],
    );
    AdminResetMfa => Delete "/admin/users/{id}/mfa", Prefixed, Admin, PerClient, listed(
        "Remove a user's second factors",
        "admin",
        None,
        (204, None),
        &[(403, "forbidden"), (404, "not_found"), (409, "mfa_not_enabled")],
    );
    Jwks => Get "/.well-known/jwks.json", Root, Public, Unlimited, listed(
        "Public keys of the access tokens (JWKS)",
        "keys",
        None,
        (200, Some("Jwks")),
        &[],
    );
    Healthz => Get "/healthz", Root, Public, Unlimited, listed("Liveness", "health", None, (200, None), &[]);
    Readyz => Get "/readyz", Root, Public, Unlimited, listed(
        "Readiness: the database answers",
        "health",
        None,
        (200, None),
        &[(503, "unavailable")],
    );
    OpenApi => Get "/openapi.json", Root, Public, Unlimited, listed("This document", "docs", None, (200, None), &[]);
    Docs => Get "/docs", Root, Public, Unlimited, listed("Swagger UI", "docs", None, (200, None), &[]);
    DocsScript => Get "/docs/swagger-ui-bundle.js", Root, Public, Unlimited, unlisted();
    DocsStyle => Get "/docs/swagger-ui.css", Root, Public, Unlimited, unlisted();
    VerifyEmailPage => Get "/verify-email", Root, Public, Unlimited, unlisted();
    ResetPasswordPage => Get "/reset-password", Root, Public, Unlimited, unlisted();
    PagesScript => Get "/pages/authkit-pages.js", Root, Public, Unlimited, unlisted();
    PagesStyle => Get "/pages/authkit-pages.css", Root, Public, Unlimited, unlisted();
}

impl Route {
    /// The method and path template (`{id}` or `{provider}` marks the path parameter). Prefixed routes are
    /// relative to the prefix; the others ([`Scope::Root`]) are absolute.
    pub const fn endpoint(self) -> (Method, &'static str) {
        let spec = self.spec();
        (spec.method, spec.path)
    }

    /// The path parameter of `path`, a request path matched to this route (`{id}`, or
    /// `{provider}` on the provider routes), or `None` when the route has none. Counted from
    /// the end, so any prefix works.
    ///
    /// ```
    /// use authkit_core::http::Route;
    ///
    /// assert_eq!(Route::AdminGetUser.id_in("/auth/admin/users/42"), Some("42"));
    /// assert_eq!(Route::AdminResetMfa.id_in("/x/admin/users/42/mfa"), Some("42"));
    /// assert_eq!(Route::OAuthStart.id_in("/auth/oauth/github/start"), Some("github"));
    /// assert_eq!(Route::GetMe.id_in("/auth/me"), None);
    /// ```
    pub fn id_in(self, path: &str) -> Option<&str> {
        let (_, template) = self.endpoint();
        let (_, rest) = template.split_once('{')?;
        let (_, after) = rest.split_once('}')?;
        let trailing = after.matches('/').count();
        path.rsplit('/').nth(trailing)
    }

    /// Whether the route lives under the auth prefix.
    pub const fn is_auth(self) -> bool {
        matches!(self.spec().scope, Scope::Prefixed)
    }

    /// Who may call the route.
    pub const fn access(self) -> Access {
        self.spec().access
    }

    /// Which rate limit the route counts against.
    pub const fn rate_limit(self) -> RateLimit {
        self.spec().limit
    }

    /// Whether this build serves the route: `/openapi.json` needs the cargo feature `openapi`,
    /// `/docs` and its files the feature `swagger-ui`, the second-factor routes the feature
    /// `totp`, sign-in by e-mail the feature `email-sign-in`, the passkey routes the feature
    /// `passkeys` (all on by default), the provider and identity routes the feature `oidc`.
    /// [`Route::paths`] leaves out the routes a build does not serve.
    pub const fn is_built(self) -> bool {
        let openapi = cfg!(feature = "openapi");
        let swagger_ui = cfg!(feature = "swagger-ui");
        match self {
            Route::OpenApi => openapi,
            Route::Docs | Route::DocsScript | Route::DocsStyle => swagger_ui,
            _ if self.is_second_factor() => cfg!(feature = "totp"),
            _ if self.is_email_sign_in() => cfg!(feature = "email-sign-in"),
            _ if self.is_passkey() => cfg!(feature = "passkeys"),
            _ if self.is_provider() => cfg!(feature = "oidc"),
            _ => true,
        }
    }

    /// Whether this is one of the routes of sign-in by e-mail (served when
    /// [`AuthBuilder::email_sign_in`](crate::AuthBuilder::email_sign_in) chose a mode; 404
    /// otherwise).
    pub const fn is_email_sign_in(self) -> bool {
        matches!(self, Route::EmailSignInRequest | Route::EmailSignIn)
    }

    /// Whether this is one of the second-factor routes (served when
    /// [`AuthBuilder::totp`](crate::AuthBuilder::totp) configured them; 404 otherwise).
    pub const fn is_second_factor(self) -> bool {
        matches!(
            self,
            Route::MfaLogin
                | Route::MfaStatus
                | Route::TotpEnroll
                | Route::TotpConfirm
                | Route::TotpDisable
                | Route::RegenerateRecoveryCodes
                | Route::AdminResetMfa
        )
    }

    /// Whether this is one of the routes of other providers and identities (served when
    /// `AuthBuilder::oauth` (cargo feature `oidc`) configured providers; 404 otherwise).
    pub const fn is_provider(self) -> bool {
        matches!(
            self,
            Route::OAuthStart
                | Route::OAuthCallback
                | Route::OAuthLink
                | Route::ListIdentities
                | Route::UnlinkIdentity
        )
    }

    /// Whether this is one of the passkey routes (served when
    /// [`AuthBuilder::passkeys`](crate::AuthBuilder::passkeys) configured them; 404 otherwise).
    pub const fn is_passkey(self) -> bool {
        matches!(
            self,
            Route::PasskeyRegisterBegin
                | Route::PasskeyRegister
                | Route::ListPasskeys
                | Route::RenamePasskey
                | Route::DeletePasskey
                | Route::PasskeyLoginBegin
                | Route::PasskeyLogin
                | Route::MfaPasskeyBegin
                | Route::MfaPasskeyLogin
        )
    }

    /// Whether this is one of the hosted pages (or their files), served only when
    /// [`HttpConfig::hosted_pages`](super::HttpConfig::hosted_pages) is set.
    pub const fn is_hosted_page(self) -> bool {
        matches!(
            self,
            Route::VerifyEmailPage
                | Route::ResetPasswordPage
                | Route::PagesScript
                | Route::PagesStyle
        )
    }

    /// The full path template under `prefix`, the root routes at the root.
    pub fn path(self, prefix: &str) -> String {
        self.path_within(prefix, "")
    }

    /// The full path template: an auth route under `prefix`, the documents and health checks
    /// under `root` (`""`: at the root; see
    /// [`HttpConfig::root_routes_under_prefix`](super::HttpConfig::root_routes_under_prefix)). The
    /// JWKS stays at `/.well-known/jwks.json` whatever `root` is (RFC 8615).
    pub fn path_within(self, prefix: &str, root: &str) -> String {
        let (_, path) = self.endpoint();
        if self.is_auth() {
            format!("{}{path}", prefix.trim_end_matches('/'))
        } else if self == Route::Jwks {
            path.to_owned()
        } else {
            format!("{}{path}", root.trim_end_matches('/'))
        }
    }
}

/// One path of the contract with the routes it serves, by method: what an adapter mounts as one
/// resource. Methods it does not serve get [`HttpApi::other_method`](super::HttpApi::other_method); `HEAD` is served as
/// `GET` without the body where there is a `GET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRoutes {
    /// The path template under the prefix (`{id}` or `{provider}` marks the parameter).
    pub path: String,
    /// The routes at this path and their methods.
    pub routes: Vec<(Method, Route)>,
    /// The `Allow` header value: the methods served, `HEAD` after `GET`, then `OPTIONS`.
    pub allow: String,
}

impl Route {
    /// Every path of the contract under `prefix` that this build serves, each with its routes,
    /// in contract order; the root routes at the root.
    pub fn paths(prefix: &str) -> Vec<PathRoutes> {
        Self::paths_within(prefix, "")
    }

    /// [`paths`](Self::paths) with the root routes under `root` (see [`Route::path_within`]).
    pub fn paths_within(prefix: &str, root: &str) -> Vec<PathRoutes> {
        Self::paths_of(prefix, root, Route::is_built)
    }

    /// [`paths_within`](Self::paths_within) of the routes `served` keeps: what an
    /// [`HttpApi`](super::HttpApi) mounts, without the optional routes it was not configured for.
    pub fn paths_of(prefix: &str, root: &str, served: impl Fn(Route) -> bool) -> Vec<PathRoutes> {
        let mut paths: Vec<PathRoutes> = Vec::new();
        for route in Route::ALL.into_iter().filter(|route| served(*route)) {
            let path = route.path_within(prefix, root);
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
