//! The example apps' configuration, from the variables README.md lists.

use std::fmt;
use std::net::SocketAddr;

use authkit_core::http::{CookieConfig, CookieTokens, CsrfKey, SameSite, TrustedProxies};
use authkit_core::jwt::{JwtAlgorithm, JwtKey, KeyRing};
use authkit_core::mfa::TotpConfig;
use authkit_core::oauth::{
    Algorithm as OidcAlgorithm, OAuth2Endpoints, OAuthConfig, ProviderConfig,
};
use authkit_core::passkey::PasskeyConfig;
use authkit_core::passwordless::EmailSignIn;
use authkit_core::policy::hibp::HibpOptions;
use authkit_core::token::OpaqueToken;
use authkit_core::{
    AuthConfig, AuthConfigBuilder, FeedMode, PrunePolicy, RevocationFeed, SecretString,
    SessionCheck, StaleAnswer,
};
use time::Duration;

/// Log output format (`AUTHKIT_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// A variable with a bad value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The variable.
    pub variable: &'static str,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

impl std::error::Error for SettingsError {}

fn bad(variable: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        variable,
        message: message.into(),
    }
}

/// How access tokens are signed.
#[derive(Clone)]
pub enum JwtSettings {
    /// HS256 with a secret; `generated` when none was configured (tokens die with the process).
    Hs256 {
        /// The secret.
        secret: SecretString,
        /// Whether it was generated for this process.
        generated: bool,
    },
    /// An asymmetric algorithm with a PEM private key read from a file.
    Asymmetric {
        /// The algorithm.
        algorithm: JwtAlgorithm,
        /// The PEM text.
        pem: SecretString,
    },
}

/// Where the Prometheus metrics are served (`AUTHKIT_METRICS_PATH`, `AUTHKIT_METRICS_BIND`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsSettings {
    /// The path of the metrics page (default `/metrics`).
    pub path: String,
    /// A listener of their own (an internal address), instead of the app's public one.
    pub bind: Option<SocketAddr>,
}

/// Token and session lifetimes from the environment; `None` keeps the library's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lifetimes {
    /// `AUTHKIT_ACCESS_TTL`.
    pub access: Option<Duration>,
    /// `AUTHKIT_REFRESH_IDLE_TTL`.
    pub refresh_idle: Option<Duration>,
    /// `AUTHKIT_REFRESH_ABSOLUTE_TTL`.
    pub refresh_absolute: Option<Duration>,
}

/// A key that signed tokens before the current one: accepted for verification (and listed in
/// the JWKS when public), never used to sign.
#[derive(Clone)]
pub enum PreviousKey {
    /// An HS256 secret (`AUTHKIT_JWT_PREVIOUS_SECRETS`).
    Hs256(SecretString),
    /// A private key file's PEM (`AUTHKIT_JWT_PREVIOUS_KEY_FILES`) and its algorithm.
    Pem(JwtAlgorithm, SecretString),
}

/// Every setting of the example apps.
#[derive(Clone)]
pub struct Settings {
    /// `AUTHKIT_BIND` (default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// `DATABASE_URL` (default `sqlite://authkit.db?mode=rwc`).
    pub database_url: String,
    /// `AUTHKIT_JWT_ALG`, `AUTHKIT_JWT_SECRET`, `AUTHKIT_JWT_PRIVATE_KEY_FILE`.
    pub jwt: JwtSettings,
    /// `AUTHKIT_JWT_PREVIOUS_SECRETS` (comma-separated HS256 secrets) and
    /// `AUTHKIT_JWT_PREVIOUS_KEY_FILES` (comma-separated PEM files, each `ALG:path` or a path
    /// in `AUTHKIT_JWT_ALG`): the keys of a rotation, still accepted so nobody is logged out.
    pub previous_keys: Vec<PreviousKey>,
    /// `AUTHKIT_ISSUER` (default `authkit`).
    pub issuer: String,
    /// `AUTHKIT_AUDIENCE` (default `authkit`).
    pub audience: String,
    /// `AUTHKIT_PUBLIC_URL` (default `http://localhost:PORT`, the port of `AUTHKIT_BIND`; or
    /// its address when that is a specific one).
    pub public_url: String,
    /// `AUTHKIT_REQUIRE_EMAIL_VERIFICATION` (default false).
    pub require_email_verification: bool,
    /// `AUTHKIT_WELCOME_MAIL` (default false): mail a welcome once a registration's address is
    /// confirmed.
    pub welcome_mail: bool,
    /// `AUTHKIT_PASSWORD_MIN_LENGTH` (default 15).
    pub password_min_length: usize,
    /// `AUTHKIT_PASSWORD_MIN_STRENGTH`: the lowest zxcvbn score, 0 (off) to 4 (default 3).
    pub password_min_strength: u8,
    /// `AUTHKIT_REGISTRATION_ROLES`: roles a user may choose at registration besides `user`,
    /// comma-separated (default none).
    pub registration_roles: Vec<String>,
    /// `AUTHKIT_HIBP` (`on` or `off`, default off): refuse new passwords found by the Have I
    /// Been Pwned range API; `AUTHKIT_HIBP_URL` names a mirror (default the public API) and
    /// `AUTHKIT_HIBP_FAIL` (`open` or `closed`, default open) what an outage does.
    pub breach_check: Option<HibpOptions>,
    /// `AUTHKIT_ACCESS_TTL` (default 15m), `AUTHKIT_REFRESH_IDLE_TTL` (default 14d) and
    /// `AUTHKIT_REFRESH_ABSOLUTE_TTL` (default 30d): the lifetimes of access tokens and
    /// sessions; unset, the library's defaults.
    pub lifetimes: Lifetimes,
    /// `AUTHKIT_SESSION_CHECK` (`stateless`, the default, or `store`) and
    /// `AUTHKIT_SESSION_CACHE_TTL` (default 5s, with `store`).
    pub session_check: SessionCheck,
    /// `AUTHKIT_HASH_CONCURRENCY`: password hashes at once (default: the CPU count).
    pub hash_concurrency: Option<usize>,
    /// `AUTHKIT_CORS_ORIGINS`: origins a browser may call the API from, comma-separated,
    /// exactly (`https://app.example.com`; no wildcard, no path). Default none.
    pub cors_origins: Vec<String>,
    /// `AUTHKIT_IP_RATE_LIMIT` (default 60; 0 off).
    pub ip_rate_limit: u32,
    /// `AUTHKIT_TRUSTED_PROXIES` (default none).
    pub trusted_proxies: TrustedProxies,
    /// `AUTHKIT_ADMIN_EMAIL` and `AUTHKIT_ADMIN_PASSWORD`.
    pub admin: Option<(String, SecretString)>,
    /// `AUTHKIT_SMTP_URL`: where mail goes (unset: printed to the log). May hold credentials.
    pub smtp_url: Option<SecretString>,
    /// `AUTHKIT_MAIL_FROM` (default `authkit <no-reply@HOST>`, HOST from the public URL).
    pub mail_from: String,
    /// `AUTHKIT_LOG_FORMAT` (default text).
    pub log_format: LogFormat,
    /// `AUTHKIT_PASSWORD_GRANT` (default true in the example apps, so Swagger UI's "Authorize"
    /// works on their own docs; the library's default is off).
    pub password_grant: bool,
    /// `AUTHKIT_REFRESH_GRACE` (default 10 s): a rotated-out refresh token presented again this
    /// soon gets a new one instead of revoking its family.
    pub refresh_grace: Duration,
    /// `AUTHKIT_REVOCATION_FEED` (`auto`, `poll` or `off`), `AUTHKIT_REVOCATION_POLL_INTERVAL`
    /// (default 1 s), `AUTHKIT_REVOCATION_MAX_STALENESS` (default 10 s) and
    /// `AUTHKIT_REVOCATION_STALE_STATUS` (`503` or `401`, default 503).
    pub revocation_feed: RevocationFeed,
    /// `AUTHKIT_METRICS_PATH` (default `/metrics`; `off` serves none) and
    /// `AUTHKIT_METRICS_BIND` (default: on the app's own listener).
    pub metrics: Option<MetricsSettings>,
    /// `AUTHKIT_ROUTE_PREFIX` (default `/auth`): the path prefix of the auth routes.
    pub route_prefix: String,
    /// `AUTHKIT_ROUTE_PREFIX_ALL` (default false): `/docs`, `/openapi.json`, `/healthz` and
    /// `/readyz` go under the route prefix too.
    pub route_prefix_all: bool,
    /// `AUTHKIT_PRUNE_INTERVAL` (default 1h; `0` or `off`: no pruning task): how often the
    /// app deletes what has ended ([`Auth::prune`](authkit_core::Auth::prune)).
    pub prune_interval: Option<Duration>,
    /// `AUTHKIT_SESSION_RETENTION` (default 1d): how long ended sessions and used or expired
    /// one-time tokens are kept.
    pub session_retention: Duration,
    /// `AUTHKIT_EVENT_RETENTION` (default 90d): how long `auth_events` rows are kept.
    pub event_retention: Duration,
    /// `AUTHKIT_COOKIE_MODE` (`off`, the default; `refresh`: the refresh token in an HttpOnly
    /// cookie; `all`: the access token too), `AUTHKIT_COOKIE_SAMESITE` (`lax`, the default;
    /// `strict`; `none`, which needs secure cookies) and `AUTHKIT_COOKIE_SECURE` (default true,
    /// false when `AUTHKIT_PUBLIC_URL` is plain http on `localhost` or `127.0.0.1`).
    pub cookies: Option<CookieSettings>,
    /// `AUTHKIT_HOSTED_PAGES` (default true in the example apps): serve the pages the mail
    /// links open (`/verify-email`, `/reset-password`).
    pub hosted_pages: bool,
    /// `AUTHKIT_TOTP_KEY` (32 bytes in base64; unset: no second factors) and
    /// `AUTHKIT_TOTP_ISSUER` (default `AUTHKIT_ISSUER`): TOTP second factors, their secrets
    /// sealed under the key. Keep the key stable: enrolled authenticators need it.
    pub totp: Option<TotpConfig>,
    /// `AUTHKIT_EMAIL_SIGN_IN` (`off`, the default; `code`; `link`) and
    /// `AUTHKIT_EMAIL_SIGN_IN_TTL` (default 10m): sign-in by a code or link mailed to a
    /// verified address.
    pub email_sign_in: Option<EmailSignIn>,
    /// Sign-in with other providers, each with the redirect URI
    /// `{AUTHKIT_PUBLIC_URL}{AUTHKIT_ROUTE_PREFIX}/oauth/{name}/callback`:
    /// `AUTHKIT_OIDC_ISSUER`, `AUTHKIT_OIDC_CLIENT_ID`, `AUTHKIT_OIDC_CLIENT_SECRET`,
    /// `AUTHKIT_OIDC_NAME` (default `oidc`) and `AUTHKIT_OIDC_ALGORITHMS` (default `RS256`)
    /// for an OpenID Connect provider; `AUTHKIT_GITHUB_CLIENT_ID`,
    /// `AUTHKIT_GITHUB_CLIENT_SECRET` and `AUTHKIT_GITHUB_URL` (default github.com; another
    /// base serves GitHub Enterprise or a test) for GitHub; `AUTHKIT_OAUTH_JWKS_REFETCH`
    /// (default 30s) between JWKS fetches for an unknown key. Unset: no provider.
    pub oauth: Option<OAuthConfig>,
    /// Passkeys, on by default (they need no secret): `AUTHKIT_PASSKEYS` (default true),
    /// `AUTHKIT_PASSKEY_RP_ID` (default the host of `AUTHKIT_PUBLIC_URL`),
    /// `AUTHKIT_PASSKEY_ORIGINS` (comma-separated; default the origin of `AUTHKIT_PUBLIC_URL`)
    /// and `AUTHKIT_PASSKEY_RP_NAME` (default `AUTHKIT_ISSUER`). Left off, without an error,
    /// when neither the id nor the origins are given and the public URL cannot carry passkeys
    /// (an IP address, or plain http off `localhost`).
    pub passkeys: Option<PasskeyConfig>,
}

/// Cookie mode, as read from `AUTHKIT_COOKIE_*` (see [`Settings::cookies`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieSettings {
    /// Which tokens go in cookies.
    pub tokens: CookieTokens,
    /// The `SameSite` attribute.
    pub same_site: SameSite,
    /// Whether the cookies are `Secure`.
    pub secure: bool,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("database_url", &redact_url(&self.database_url))
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("public_url", &self.public_url)
            .field(
                "require_email_verification",
                &self.require_email_verification,
            )
            .field("password_min_length", &self.password_min_length)
            .field("password_min_strength", &self.password_min_strength)
            .field("registration_roles", &self.registration_roles)
            .field("breach_check", &self.breach_check)
            .field("ip_rate_limit", &self.ip_rate_limit)
            .field("admin", &self.admin.as_ref().map(|(email, _)| email))
            .field(
                "smtp_url",
                &self.smtp_url.as_ref().map(|url| redact_url(url.expose())),
            )
            .field("mail_from", &self.mail_from)
            .field("refresh_grace", &self.refresh_grace)
            .field("revocation_feed", &self.revocation_feed)
            .field("metrics", &self.metrics)
            .field("route_prefix", &self.route_prefix)
            .field("route_prefix_all", &self.route_prefix_all)
            .field("hosted_pages", &self.hosted_pages)
            .field("prune_interval", &self.prune_interval)
            .field("session_retention", &self.session_retention)
            .field("event_retention", &self.event_retention)
            .field("cookies", &self.cookies)
            .field("totp", &self.totp)
            .field("email_sign_in", &self.email_sign_in)
            .field("oauth", &self.oauth)
            .field("passkeys", &self.passkeys)
            .finish_non_exhaustive()
    }
}

/// The providers of `AUTHKIT_OIDC_*` and `AUTHKIT_GITHUB_*` (see [`Settings::oauth`]).
fn oauth_settings(
    get: &impl Fn(&str) -> Option<String>,
    public_url: &str,
    route_prefix: &str,
) -> Result<Option<OAuthConfig>, SettingsError> {
    let callback = |name: &str| {
        format!(
            "{}{}/oauth/{name}/callback",
            public_url.trim_end_matches('/'),
            route_prefix.trim_end_matches('/')
        )
    };
    let required = |name: &'static str| get(name).ok_or_else(|| bad(name, "is required"));
    let mut config = OAuthConfig::new();
    let mut any = false;
    if let Some(interval) = get("AUTHKIT_OAUTH_JWKS_REFETCH") {
        let interval = parse_duration(&interval)
            .filter(|d| !d.is_negative())
            .ok_or_else(|| bad("AUTHKIT_OAUTH_JWKS_REFETCH", "use a duration such as 30s"))?;
        config = config.jwks_refetch_interval(interval.unsigned_abs());
    }
    if let Some(issuer) = get("AUTHKIT_OIDC_ISSUER") {
        let name = get("AUTHKIT_OIDC_NAME").unwrap_or_else(|| "oidc".into());
        let algorithms = get("AUTHKIT_OIDC_ALGORITHMS")
            .unwrap_or_else(|| "RS256".into())
            .split(',')
            .map(|alg| {
                alg.trim().parse::<OidcAlgorithm>().map_err(|_| {
                    bad(
                        "AUTHKIT_OIDC_ALGORITHMS",
                        format!("{alg:?} is not an algorithm"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let provider = ProviderConfig::oidc(
            &name,
            issuer.trim(),
            &required("AUTHKIT_OIDC_CLIENT_ID")?,
            &required("AUTHKIT_OIDC_CLIENT_SECRET")?,
            &callback(&name),
        )
        .algorithms(&algorithms);
        config = config
            .provider(provider)
            .map_err(|e| bad("AUTHKIT_OIDC_ISSUER", e.message))?;
        any = true;
    }
    if let Some(client_id) = get("AUTHKIT_GITHUB_CLIENT_ID") {
        let secret = required("AUTHKIT_GITHUB_CLIENT_SECRET")?;
        let provider = match get("AUTHKIT_GITHUB_URL") {
            Some(base) => ProviderConfig::oauth2(
                "github",
                OAuth2Endpoints::github_at(base.trim(), base.trim()),
                &client_id,
                &secret,
                &callback("github"),
            )
            .scopes(&["read:user", "user:email"]),
            None => ProviderConfig::github("github", &client_id, &secret, &callback("github")),
        };
        config = config
            .provider(provider)
            .map_err(|e| bad("AUTHKIT_GITHUB_CLIENT_ID", e.message))?;
        any = true;
    }
    Ok(any.then_some(config))
}

/// The links' base when `AUTHKIT_PUBLIC_URL` is unset: where the server listens, with
/// `localhost` for a loopback or unspecified address.
fn default_public_url(bind: SocketAddr) -> String {
    let ip = bind.ip();
    if ip.is_loopback() || ip.is_unspecified() {
        format!("http://localhost:{}", bind.port())
    } else {
        format!("http://{bind}")
    }
}

/// The URL with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `var` (tests pass a map).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let bind = match get("AUTHKIT_BIND") {
            Some(v) => v
                .parse()
                .map_err(|_| bad("AUTHKIT_BIND", format!("{v:?} is not an address:port")))?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let algorithm = match get("AUTHKIT_JWT_ALG") {
            Some(v) => JwtAlgorithm::parse(&v)
                .ok_or_else(|| bad("AUTHKIT_JWT_ALG", "use HS256, RS256, ES256 or EdDSA"))?,
            None => JwtAlgorithm::Hs256,
        };
        let jwt = if algorithm == JwtAlgorithm::Hs256 {
            match get("AUTHKIT_JWT_SECRET") {
                Some(secret) => JwtSettings::Hs256 {
                    secret: secret.into(),
                    generated: false,
                },
                None => JwtSettings::Hs256 {
                    secret: OpaqueToken::generate().text().clone(),
                    generated: true,
                },
            }
        } else {
            let path = get("AUTHKIT_JWT_PRIVATE_KEY_FILE").ok_or_else(|| {
                bad(
                    "AUTHKIT_JWT_PRIVATE_KEY_FILE",
                    format!("required with AUTHKIT_JWT_ALG={}", algorithm.as_str()),
                )
            })?;
            let pem = std::fs::read_to_string(&path)
                .map_err(|e| bad("AUTHKIT_JWT_PRIVATE_KEY_FILE", format!("{path}: {e}")))?;
            JwtSettings::Asymmetric {
                algorithm,
                pem: pem.into(),
            }
        };
        let mut previous_keys = Vec::new();
        if let Some(secrets) = get("AUTHKIT_JWT_PREVIOUS_SECRETS") {
            previous_keys.extend(
                secrets
                    .split(',')
                    .map(str::trim)
                    .filter(|secret| !secret.is_empty())
                    .map(|secret| PreviousKey::Hs256(secret.into())),
            );
        }
        if let Some(files) = get("AUTHKIT_JWT_PREVIOUS_KEY_FILES") {
            for entry in files.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                let (previous_algorithm, path) = entry
                    .split_once(':')
                    .and_then(|(name, path)| Some((JwtAlgorithm::parse(name)?, path)))
                    .unwrap_or((algorithm, entry));
                let pem = std::fs::read_to_string(path)
                    .map_err(|e| bad("AUTHKIT_JWT_PREVIOUS_KEY_FILES", format!("{path}: {e}")))?;
                previous_keys.push(PreviousKey::Pem(previous_algorithm, pem.into()));
            }
        }
        let flag = |name: &'static str| match get(name).as_deref().map(str::to_ascii_lowercase) {
            None => Ok(false),
            Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => Ok(true),
            Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => Ok(false),
            Some(v) => Err(bad(name, format!("{v:?} is not true or false"))),
        };
        let number = |name: &'static str, default: u32| match get(name) {
            Some(v) => v
                .trim()
                .parse::<u32>()
                .map_err(|_| bad(name, format!("{v:?} is not a whole number"))),
            None => Ok(default),
        };
        let trusted_proxies = match get("AUTHKIT_TRUSTED_PROXIES") {
            Some(v) => TrustedProxies::parse(&v)
                .map_err(|e| bad("AUTHKIT_TRUSTED_PROXIES", e.to_string()))?,
            None => TrustedProxies::none(),
        };
        let admin = match (get("AUTHKIT_ADMIN_EMAIL"), get("AUTHKIT_ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => Some((email, SecretString::from(password))),
            (None, None) => None,
            _ => {
                return Err(bad(
                    "AUTHKIT_ADMIN_EMAIL",
                    "set both AUTHKIT_ADMIN_EMAIL and AUTHKIT_ADMIN_PASSWORD, or neither",
                ));
            }
        };
        let smtp_url = get("AUTHKIT_SMTP_URL").map(SecretString::from);
        if let Some(url) = &smtp_url
            && !(url.expose().starts_with("smtp://") || url.expose().starts_with("smtps://"))
        {
            return Err(bad(
                "AUTHKIT_SMTP_URL",
                "use smtp://host:port or smtps://user:pass@host",
            ));
        }
        let public_url = get("AUTHKIT_PUBLIC_URL").unwrap_or_else(|| default_public_url(bind));
        let public_host = public_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .filter(|host| !host.is_empty())
            .unwrap_or("localhost")
            .to_owned();
        let log_format = match get("AUTHKIT_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(bad(
                    "AUTHKIT_LOG_FORMAT",
                    format!("{other:?}: use text or json"),
                ));
            }
        };
        let duration = |name: &'static str, default: Duration| match get(name) {
            Some(v) => parse_duration(&v).ok_or_else(|| {
                bad(
                    name,
                    format!("{v:?} is not a duration (e.g. 10s, 500ms, 2m)"),
                )
            }),
            None => Ok(default),
        };
        let password_min_strength = match number("AUTHKIT_PASSWORD_MIN_STRENGTH", 3)? {
            score @ 0..=4 => score as u8,
            other => {
                return Err(bad(
                    "AUTHKIT_PASSWORD_MIN_STRENGTH",
                    format!("{other} is not a zxcvbn score from 0 to 4"),
                ));
            }
        };
        let breach_check = if flag("AUTHKIT_HIBP")? {
            let defaults = HibpOptions::default();
            let fail_open = match get("AUTHKIT_HIBP_FAIL").as_deref().map(str::trim) {
                None | Some("open") => true,
                Some("closed") => false,
                Some(other) => {
                    return Err(bad(
                        "AUTHKIT_HIBP_FAIL",
                        format!("{other:?}: use open or closed"),
                    ));
                }
            };
            Some(HibpOptions {
                range_url: get("AUTHKIT_HIBP_URL").unwrap_or(defaults.range_url),
                fail_open,
                ..defaults
            })
        } else {
            None
        };
        let optional_duration = |name: &'static str| match get(name) {
            Some(v) => parse_duration(&v).map(Some).ok_or_else(|| {
                bad(
                    name,
                    format!("{v:?} is not a duration (e.g. 15m, 12h, 30d)"),
                )
            }),
            None => Ok(None),
        };
        let lifetimes = Lifetimes {
            access: optional_duration("AUTHKIT_ACCESS_TTL")?,
            refresh_idle: optional_duration("AUTHKIT_REFRESH_IDLE_TTL")?,
            refresh_absolute: optional_duration("AUTHKIT_REFRESH_ABSOLUTE_TTL")?,
        };
        let session_check = match get("AUTHKIT_SESSION_CHECK").as_deref().map(str::trim) {
            None | Some("stateless") => SessionCheck::Stateless,
            Some("store") => SessionCheck::Store {
                cache_ttl: duration("AUTHKIT_SESSION_CACHE_TTL", Duration::seconds(5))?,
            },
            Some(other) => {
                return Err(bad(
                    "AUTHKIT_SESSION_CHECK",
                    format!("{other:?}: use stateless or store"),
                ));
            }
        };
        let hash_concurrency = match get("AUTHKIT_HASH_CONCURRENCY") {
            Some(_) => match number("AUTHKIT_HASH_CONCURRENCY", 0)? {
                0 => return Err(bad("AUTHKIT_HASH_CONCURRENCY", "must be at least 1")),
                n => Some(n as usize),
            },
            None => None,
        };
        let mut cors_origins = Vec::new();
        for origin in get("AUTHKIT_CORS_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
        {
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            match host {
                Some(host) if !host.is_empty() && !host.contains(['/', '*', '?', '#']) => {
                    cors_origins.push(origin.to_owned());
                }
                _ => {
                    return Err(bad(
                        "AUTHKIT_CORS_ORIGINS",
                        format!(
                            "{origin:?} is not an origin: use scheme://host[:port], without a \
                             path or a wildcard"
                        ),
                    ));
                }
            }
        }
        let defaults = RevocationFeed::default();
        let mode = match get("AUTHKIT_REVOCATION_FEED") {
            Some(v) => FeedMode::parse(v.trim())
                .ok_or_else(|| bad("AUTHKIT_REVOCATION_FEED", "use auto, poll or off"))?,
            None => defaults.mode,
        };
        let when_stale = match get("AUTHKIT_REVOCATION_STALE_STATUS")
            .as_deref()
            .map(str::trim)
        {
            None | Some("503") => StaleAnswer::Unavailable,
            Some("401") => StaleAnswer::Unauthorized,
            Some(other) => {
                return Err(bad(
                    "AUTHKIT_REVOCATION_STALE_STATUS",
                    format!("{other:?}: use 503 or 401"),
                ));
            }
        };
        let revocation_feed = RevocationFeed {
            mode,
            poll_interval: duration("AUTHKIT_REVOCATION_POLL_INTERVAL", defaults.poll_interval)?,
            max_staleness: duration("AUTHKIT_REVOCATION_MAX_STALENESS", defaults.max_staleness)?,
            when_stale,
        };
        let path = |variable: &'static str, value: String| {
            let plain = value.len() > 1
                && value.starts_with('/')
                && !value.ends_with('/')
                && !value.contains("//")
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b));
            if plain {
                Ok(value)
            } else {
                Err(bad(
                    variable,
                    format!("{value:?}: use a path such as /auth (a leading /, no trailing /)"),
                ))
            }
        };
        let metrics = match get("AUTHKIT_METRICS_PATH").map(|v| v.trim().to_owned()) {
            Some(off) if off == "off" => None,
            configured => Some(MetricsSettings {
                path: match configured {
                    Some(value) => path("AUTHKIT_METRICS_PATH", value)?,
                    None => "/metrics".into(),
                },
                bind: match get("AUTHKIT_METRICS_BIND") {
                    Some(v) => Some(v.trim().parse().map_err(|_| {
                        bad(
                            "AUTHKIT_METRICS_BIND",
                            format!("{v:?} is not an address:port"),
                        )
                    })?),
                    None => None,
                },
            }),
        };
        let route_prefix = match get("AUTHKIT_ROUTE_PREFIX") {
            Some(value) => path("AUTHKIT_ROUTE_PREFIX", value.trim().to_owned())?,
            None => "/auth".into(),
        };
        let prune_interval = match get("AUTHKIT_PRUNE_INTERVAL").as_deref().map(str::trim) {
            Some("off") => None,
            _ => Some(duration("AUTHKIT_PRUNE_INTERVAL", DEFAULT_PRUNE_INTERVAL)?)
                .filter(|interval| interval.is_positive()),
        };
        let cookies = cookie_settings(&get, &public_url)?;
        let issuer = get("AUTHKIT_ISSUER").unwrap_or_else(|| "authkit".into());
        let totp = match get("AUTHKIT_TOTP_KEY") {
            Some(key) => Some(
                TotpConfig::from_base64(&key)
                    .map_err(|e| bad("AUTHKIT_TOTP_KEY", e.message))?
                    .issuer(get("AUTHKIT_TOTP_ISSUER").unwrap_or_else(|| issuer.clone())),
            ),
            None => None,
        };
        let email_sign_in_mode =
            get("AUTHKIT_EMAIL_SIGN_IN").map(|mode| mode.trim().to_ascii_lowercase());
        let email_sign_in = match email_sign_in_mode.as_deref() {
            None | Some("" | "off") => None,
            Some(mode @ ("code" | "link")) => {
                let config = if mode == "code" {
                    EmailSignIn::code()
                } else {
                    EmailSignIn::link()
                };
                Some(
                    config
                        .ttl(duration(
                            "AUTHKIT_EMAIL_SIGN_IN_TTL",
                            Duration::minutes(10),
                        )?)
                        .map_err(|e| bad("AUTHKIT_EMAIL_SIGN_IN_TTL", e.message))?,
                )
            }
            Some(_) => return Err(bad("AUTHKIT_EMAIL_SIGN_IN", "use off, code or link")),
        };
        let oauth = oauth_settings(&get, &public_url, &route_prefix)?;
        let passkeys = match get("AUTHKIT_PASSKEYS") {
            Some(_) if !flag("AUTHKIT_PASSKEYS")? => None,
            _ => passkey_settings(&get, &public_url, &public_host, &issuer)?,
        };
        let defaults = PrunePolicy::default();
        let session_retention =
            duration("AUTHKIT_SESSION_RETENTION", defaults.session_retention())?;
        let event_retention = duration("AUTHKIT_EVENT_RETENTION", defaults.event_retention())?;
        Ok(Self {
            oauth,
            cookies,
            totp,
            email_sign_in,
            passkeys,
            metrics,
            route_prefix,
            route_prefix_all: flag("AUTHKIT_ROUTE_PREFIX_ALL")?,
            hosted_pages: match get("AUTHKIT_HOSTED_PAGES") {
                None => true,
                Some(_) => flag("AUTHKIT_HOSTED_PAGES")?,
            },
            bind,
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://authkit.db?mode=rwc".into()),
            jwt,
            previous_keys,
            cors_origins,
            lifetimes,
            session_check,
            hash_concurrency,
            issuer,
            audience: get("AUTHKIT_AUDIENCE").unwrap_or_else(|| "authkit".into()),
            public_url,
            require_email_verification: flag("AUTHKIT_REQUIRE_EMAIL_VERIFICATION")?,
            welcome_mail: flag("AUTHKIT_WELCOME_MAIL")?,
            password_min_length: number("AUTHKIT_PASSWORD_MIN_LENGTH", 15)? as usize,
            password_min_strength,
            registration_roles: get("AUTHKIT_REGISTRATION_ROLES")
                .map(|roles| {
                    roles
                        .split(',')
                        .map(str::trim)
                        .filter(|role| !role.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            breach_check,
            ip_rate_limit: number("AUTHKIT_IP_RATE_LIMIT", 60)?,
            trusted_proxies,
            admin,
            smtp_url,
            mail_from: get("AUTHKIT_MAIL_FROM")
                .unwrap_or_else(|| format!("authkit <no-reply@{public_host}>")),
            log_format,
            password_grant: match get("AUTHKIT_PASSWORD_GRANT") {
                None => true,
                Some(_) => flag("AUTHKIT_PASSWORD_GRANT")?,
            },
            refresh_grace: duration("AUTHKIT_REFRESH_GRACE", DEFAULT_REFRESH_GRACE)?,
            revocation_feed,
            prune_interval,
            session_retention,
            event_retention,
        })
    }

    /// The pruning policy these settings describe (the retentions, the default batch size),
    /// for the app's pruning task and for tools that prune the same database.
    pub fn prune_policy(&self) -> Result<PrunePolicy, SettingsError> {
        let defaults = PrunePolicy::default();
        PrunePolicy::new(
            self.session_retention,
            self.event_retention,
            defaults.batch_size(),
        )
        .map_err(|e| match e.setting {
            "event_retention" => bad("AUTHKIT_EVENT_RETENTION", e.message),
            _ => bad("AUTHKIT_SESSION_RETENTION", e.message),
        })
    }

    /// Cookie mode for [`HttpConfig::cookies`](authkit_core::http::HttpConfig::cookies), or
    /// `None` when it is off: the public URL's origin is trusted for CSRF (besides the CORS
    /// origins), and the CSRF key is derived from the HS256 secret, so instances sharing it
    /// accept each other's tokens (random per process with an asymmetric key).
    pub fn cookie_config(&self) -> Option<CookieConfig> {
        let wanted = self.cookies?;
        let csrf_key = match &self.jwt {
            JwtSettings::Hs256 { secret, .. } => CsrfKey::derive(secret.expose().as_bytes()),
            JwtSettings::Asymmetric { .. } => CsrfKey::random(),
        };
        Some(CookieConfig {
            tokens: wanted.tokens,
            secure: wanted.secure,
            same_site: wanted.same_site,
            trusted_origins: origin_of(&self.public_url).into_iter().collect(),
            csrf_key,
        })
    }

    /// Whether the JWT secret was generated for this process (tokens die with it: say so loudly).
    pub fn jwt_secret_generated(&self) -> bool {
        matches!(
            self.jwt,
            JwtSettings::Hs256 {
                generated: true,
                ..
            }
        )
    }

    /// The core configuration these settings describe (validated when built).
    pub fn auth_config(&self) -> Result<AuthConfigBuilder, SettingsError> {
        let builder = AuthConfig::builder()
            .issuer(&self.issuer)
            .audience(&self.audience)
            .public_url(&self.public_url)
            .require_email_verification(self.require_email_verification)
            .welcome_mail(self.welcome_mail)
            .password_min_length(self.password_min_length)
            .password_min_strength(self.password_min_strength)
            .registration_roles(self.registration_roles.iter().cloned())
            .refresh_grace(self.refresh_grace)
            .revocation_feed(self.revocation_feed)
            .session_check(self.session_check);
        let builder = match self.lifetimes.access {
            Some(ttl) => builder.access_ttl(ttl),
            None => builder,
        };
        let builder = match self.lifetimes.refresh_idle {
            Some(ttl) => builder.refresh_idle_ttl(ttl),
            None => builder,
        };
        let builder = match self.lifetimes.refresh_absolute {
            Some(ttl) => builder.refresh_absolute_ttl(ttl),
            None => builder,
        };
        let builder = match self.hash_concurrency {
            Some(permits) => builder.hash_concurrency(permits),
            None => builder,
        };
        let signing = match &self.jwt {
            JwtSettings::Hs256 { secret, .. } => hs256_key(secret, "AUTHKIT_JWT_SECRET")?,
            JwtSettings::Asymmetric { algorithm, pem } => {
                pem_key(*algorithm, pem, "AUTHKIT_JWT_PRIVATE_KEY_FILE")?
            }
        };
        let mut ring = KeyRing::try_new(signing)
            .map_err(|e| bad("AUTHKIT_JWT_PRIVATE_KEY_FILE", e.to_string()))?;
        for previous in &self.previous_keys {
            let (key, variable) = match previous {
                PreviousKey::Hs256(secret) => (
                    hs256_key(secret, "AUTHKIT_JWT_PREVIOUS_SECRETS")?,
                    "AUTHKIT_JWT_PREVIOUS_SECRETS",
                ),
                PreviousKey::Pem(algorithm, pem) => (
                    pem_key(*algorithm, pem, "AUTHKIT_JWT_PREVIOUS_KEY_FILES")?,
                    "AUTHKIT_JWT_PREVIOUS_KEY_FILES",
                ),
            };
            ring = ring
                .with_verification_key(key)
                .map_err(|e| bad(variable, e.to_string()))?;
        }
        Ok(builder.key_ring(ring))
    }
}

/// The example apps' refresh grace: long enough for a client to retry a refresh whose answer
/// it lost, short enough that a stolen token replayed later still revokes its family.
pub const DEFAULT_REFRESH_GRACE: Duration = Duration::seconds(10);

/// How often the example apps prune when `AUTHKIT_PRUNE_INTERVAL` is unset.
pub const DEFAULT_PRUNE_INTERVAL: Duration = Duration::hours(1);

/// A duration as written in a variable: `10s`, `500ms`, `2m`, or bare seconds (`10`).
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: i64 = number.parse().ok()?;
    match unit {
        "ms" => Some(Duration::milliseconds(n)),
        "s" => Some(Duration::seconds(n)),
        "m" => Some(Duration::minutes(n)),
        "h" => Some(Duration::hours(n)),
        "d" => Some(Duration::days(n)),
        _ => None,
    }
}

/// A short key id from the key itself (the first 8 hex digits of a SHA-256), the same in every
/// process and release, so each key of a rotation has its own `kid` and tokens keep theirs
/// across restarts. For a secret it tells nothing a token signed with it does not.
fn short_digest(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("authkit key id\n{text}").as_bytes());
    digest[..4]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The HS256 key of `secret`, its `kid` from the secret.
fn hs256_key(secret: &SecretString, variable: &'static str) -> Result<JwtKey, SettingsError> {
    let kid = format!("hs256-{}", short_digest(secret.expose()));
    JwtKey::hs256(kid, secret.expose().as_bytes()).map_err(|e| bad(variable, e.to_string()))
}

/// The key of a private PEM, its `kid` from the PEM.
fn pem_key(
    algorithm: JwtAlgorithm,
    pem: &SecretString,
    variable: &'static str,
) -> Result<JwtKey, SettingsError> {
    let kid = format!(
        "{}-{}",
        algorithm.as_str().to_lowercase(),
        short_digest(pem.expose())
    );
    JwtKey::from_private_pem(kid, algorithm, pem.expose().as_bytes())
        .map_err(|e| bad(variable, e.to_string()))
}

/// `AUTHKIT_COOKIE_MODE`, `AUTHKIT_COOKIE_SAMESITE` and `AUTHKIT_COOKIE_SECURE`.
fn cookie_settings(
    get: &impl Fn(&str) -> Option<String>,
    public_url: &str,
) -> Result<Option<CookieSettings>, SettingsError> {
    let lower = |name: &str| get(name).map(|v| v.trim().to_ascii_lowercase());
    let tokens = match lower("AUTHKIT_COOKIE_MODE").as_deref() {
        None | Some("" | "off") => return Ok(None),
        Some("refresh") => CookieTokens::Refresh,
        Some("all") => CookieTokens::RefreshAndAccess,
        Some(other) => {
            return Err(bad(
                "AUTHKIT_COOKIE_MODE",
                format!("{other:?}: use off, refresh or all"),
            ));
        }
    };
    let same_site = match lower("AUTHKIT_COOKIE_SAMESITE").as_deref() {
        None | Some("" | "lax") => SameSite::Lax,
        Some("strict") => SameSite::Strict,
        Some("none") => SameSite::None,
        Some(other) => {
            return Err(bad(
                "AUTHKIT_COOKIE_SAMESITE",
                format!("{other:?}: use lax, strict or none"),
            ));
        }
    };
    let local_http = ["http://localhost", "http://127.0.0.1"].iter().any(|base| {
        public_url
            .strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
    });
    let secure = match lower("AUTHKIT_COOKIE_SECURE").as_deref() {
        None | Some("") => !local_http,
        Some("1" | "true" | "yes" | "on") => true,
        Some("0" | "false" | "no" | "off") => false,
        Some(other) => {
            return Err(bad(
                "AUTHKIT_COOKIE_SECURE",
                format!("{other:?} is not true or false"),
            ));
        }
    };
    if same_site == SameSite::None && !secure {
        return Err(bad(
            "AUTHKIT_COOKIE_SAMESITE",
            "none needs secure cookies (browsers refuse SameSite=None without Secure): \
             set AUTHKIT_COOKIE_SECURE=true and serve over https",
        ));
    }
    Ok(Some(CookieSettings {
        tokens,
        same_site,
        secure,
    }))
}

/// Passkeys from `AUTHKIT_PASSKEY_*`, defaulting to the public URL (see
/// [`Settings::passkeys`]).
fn passkey_settings(
    get: &impl Fn(&str) -> Option<String>,
    public_url: &str,
    public_host: &str,
    issuer: &str,
) -> Result<Option<PasskeyConfig>, SettingsError> {
    let rp_id = get("AUTHKIT_PASSKEY_RP_ID");
    let origins = get("AUTHKIT_PASSKEY_ORIGINS");
    let explicit = rp_id.is_some() || origins.is_some();
    let rp_id = rp_id.unwrap_or_else(|| public_host.to_owned());
    let origins: Vec<String> = match origins {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect(),
        None => origin_of(public_url).into_iter().collect(),
    };
    let origins: Vec<&str> = origins.iter().map(String::as_str).collect();
    match PasskeyConfig::new(&rp_id, &origins) {
        Ok(config) => Ok(Some(config.rp_name(
            get("AUTHKIT_PASSKEY_RP_NAME").unwrap_or_else(|| issuer.to_owned()),
        ))),
        Err(_) if !explicit => Ok(None),
        Err(e) => Err(SettingsError {
            variable: if e.setting == "passkey_rp_id" {
                "AUTHKIT_PASSKEY_RP_ID"
            } else {
                "AUTHKIT_PASSKEY_ORIGINS"
            },
            message: e.message,
        }),
    }
}

/// The origin (`scheme://host[:port]`) of a URL, as a browser sends it in `Origin`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_need_no_variable_and_generate_a_secret() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://authkit.db?mode=rwc");
        assert!(s.jwt_secret_generated());
        assert_eq!(s.ip_rate_limit, 60);
        s.auth_config()
            .unwrap()
            .build()
            .expect("a valid configuration");
    }

    #[test]
    fn lifetimes_session_checking_and_hashing_come_from_their_variables() {
        let defaults = settings(&[]).unwrap();
        assert_eq!(defaults.lifetimes, Lifetimes::default());
        assert_eq!(defaults.session_check, SessionCheck::Stateless);
        let built = defaults.auth_config().unwrap().build().unwrap();
        assert_eq!(
            built.access_ttl(),
            Duration::minutes(15),
            "the library's default"
        );

        let s = settings(&[
            ("AUTHKIT_ACCESS_TTL", "5m"),
            ("AUTHKIT_REFRESH_IDLE_TTL", "12h"),
            ("AUTHKIT_REFRESH_ABSOLUTE_TTL", "7d"),
            ("AUTHKIT_SESSION_CHECK", "store"),
            ("AUTHKIT_SESSION_CACHE_TTL", "2s"),
            ("AUTHKIT_HASH_CONCURRENCY", "3"),
        ])
        .unwrap();
        assert_eq!(
            s.lifetimes,
            Lifetimes {
                access: Some(Duration::minutes(5)),
                refresh_idle: Some(Duration::hours(12)),
                refresh_absolute: Some(Duration::days(7)),
            }
        );
        let built = s.auth_config().unwrap().build().unwrap();
        assert_eq!(built.access_ttl(), Duration::minutes(5));
        assert_eq!(
            built.session_check(),
            SessionCheck::Store {
                cache_ttl: Duration::seconds(2)
            }
        );
        assert_eq!(s.hash_concurrency, Some(3));
    }

    #[test]
    fn mail_links_follow_the_listen_address_unless_told_otherwise() {
        assert_eq!(settings(&[]).unwrap().public_url, "http://localhost:8080");
        let on = |bind: &str| settings(&[("AUTHKIT_BIND", bind)]).unwrap().public_url;
        assert_eq!(on("0.0.0.0:3000"), "http://localhost:3000");
        assert_eq!(on("192.0.2.7:8443"), "http://192.0.2.7:8443");
        let told = settings(&[
            ("AUTHKIT_BIND", "0.0.0.0:3000"),
            ("AUTHKIT_PUBLIC_URL", "https://app.example.com"),
        ])
        .unwrap();
        assert_eq!(told.public_url, "https://app.example.com");
    }

    #[test]
    fn providers_are_read_with_redirect_uris_under_the_public_url() {
        assert!(settings(&[]).unwrap().oauth.is_none());
        let both = settings(&[
            ("AUTHKIT_PUBLIC_URL", "https://app.example.com/"),
            ("AUTHKIT_OIDC_ISSUER", "https://accounts.example.com"),
            ("AUTHKIT_OIDC_CLIENT_ID", "client"),
            ("AUTHKIT_OIDC_CLIENT_SECRET", "hunter2-oidc"),
            ("AUTHKIT_OIDC_ALGORITHMS", "RS256, ES256"),
            ("AUTHKIT_GITHUB_CLIENT_ID", "gh-client"),
            ("AUTHKIT_GITHUB_CLIENT_SECRET", "hunter2-github"),
        ])
        .unwrap();
        let oauth = both.oauth.as_ref().unwrap();
        assert_eq!(oauth.provider_names(), ["oidc", "github"]);
        let shown = format!("{both:?}");
        assert!(
            shown.contains("https://app.example.com/auth/oauth/oidc/callback"),
            "{shown}"
        );
        assert!(
            shown.contains("https://app.example.com/auth/oauth/github/callback"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        let no_secret = settings(&[
            ("AUTHKIT_OIDC_ISSUER", "https://accounts.example.com"),
            ("AUTHKIT_OIDC_CLIENT_ID", "client"),
        ])
        .unwrap_err();
        assert_eq!(no_secret.variable, "AUTHKIT_OIDC_CLIENT_SECRET");
        let hmac = settings(&[
            ("AUTHKIT_OIDC_ISSUER", "https://accounts.example.com"),
            ("AUTHKIT_OIDC_CLIENT_ID", "client"),
            ("AUTHKIT_OIDC_CLIENT_SECRET", "secret"),
            ("AUTHKIT_OIDC_ALGORITHMS", "HS256"),
        ])
        .unwrap_err();
        assert_eq!(hmac.variable, "AUTHKIT_OIDC_ISSUER");
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("AUTHKIT_BIND", "nowhere"),
            ("AUTHKIT_JWT_ALG", "HS512"),
            ("AUTHKIT_IP_RATE_LIMIT", "lots"),
            ("AUTHKIT_REQUIRE_EMAIL_VERIFICATION", "maybe"),
            ("AUTHKIT_TRUSTED_PROXIES", "10.0.0.0/99"),
            ("AUTHKIT_LOG_FORMAT", "xml"),
            ("AUTHKIT_ADMIN_EMAIL", "root@example.com"),
            ("AUTHKIT_SMTP_URL", "http://mail.example.com"),
            ("AUTHKIT_REFRESH_GRACE", "soon"),
            ("AUTHKIT_PASSWORD_GRANT", "sometimes"),
            ("AUTHKIT_REVOCATION_FEED", "push"),
            ("AUTHKIT_REVOCATION_POLL_INTERVAL", "1h30"),
            ("AUTHKIT_REVOCATION_MAX_STALENESS", "-"),
            ("AUTHKIT_REVOCATION_STALE_STATUS", "500"),
            ("AUTHKIT_PASSWORD_MIN_STRENGTH", "5"),
            ("AUTHKIT_ACCESS_TTL", "soon"),
            ("AUTHKIT_SESSION_CHECK", "sometimes"),
            ("AUTHKIT_HASH_CONCURRENCY", "0"),
            ("AUTHKIT_CORS_ORIGINS", "*"),
            ("AUTHKIT_HIBP", "hibp"),
            ("AUTHKIT_METRICS_PATH", "metrics"),
            ("AUTHKIT_METRICS_PATH", "/metrics/"),
            ("AUTHKIT_METRICS_BIND", "internal"),
            ("AUTHKIT_ROUTE_PREFIX", "/"),
            ("AUTHKIT_ROUTE_PREFIX", "/api/auth?x"),
            ("AUTHKIT_ROUTE_PREFIX_ALL", "everything"),
            ("AUTHKIT_HOSTED_PAGES", "sometimes"),
        ] {
            assert_eq!(settings(&[(var, value)]).unwrap_err().variable, var);
        }
        let err = settings(&[("AUTHKIT_JWT_ALG", "RS256")]).unwrap_err();
        assert_eq!(err.variable, "AUTHKIT_JWT_PRIVATE_KEY_FILE");
    }

    #[test]
    fn sign_in_by_email_is_off_unless_a_mode_is_chosen() {
        assert_eq!(settings(&[]).unwrap().email_sign_in, None);
        let codes = settings(&[("AUTHKIT_EMAIL_SIGN_IN", "Code")]).unwrap();
        assert_eq!(codes.email_sign_in, Some(EmailSignIn::code()));
        let links = settings(&[
            ("AUTHKIT_EMAIL_SIGN_IN", "link"),
            ("AUTHKIT_EMAIL_SIGN_IN_TTL", "5m"),
        ])
        .unwrap();
        assert_eq!(
            links.email_sign_in,
            Some(EmailSignIn::link().ttl(Duration::minutes(5)).unwrap())
        );
        let bad_mode = settings(&[("AUTHKIT_EMAIL_SIGN_IN", "sms")]).unwrap_err();
        assert_eq!(bad_mode.variable, "AUTHKIT_EMAIL_SIGN_IN");
        let long = settings(&[
            ("AUTHKIT_EMAIL_SIGN_IN", "code"),
            ("AUTHKIT_EMAIL_SIGN_IN_TTL", "2h"),
        ])
        .unwrap_err();
        assert_eq!(long.variable, "AUTHKIT_EMAIL_SIGN_IN_TTL");
    }

    #[test]
    fn second_factors_are_offered_with_a_key_and_named_after_the_issuer() {
        assert!(settings(&[]).unwrap().totp.is_none());
        let key = "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=";
        let named = settings(&[("AUTHKIT_TOTP_KEY", key), ("AUTHKIT_ISSUER", "Acme")]).unwrap();
        assert_eq!(named.totp.unwrap().issuer_name(), "Acme");
        let own = settings(&[
            ("AUTHKIT_TOTP_KEY", key),
            ("AUTHKIT_TOTP_ISSUER", "Acme ID"),
        ])
        .unwrap();
        assert_eq!(own.totp.as_ref().unwrap().issuer_name(), "Acme ID");
        assert!(!format!("{own:?}").contains(key));
        let short = settings(&[("AUTHKIT_TOTP_KEY", "a2tr")]).unwrap_err();
        assert_eq!(short.variable, "AUTHKIT_TOTP_KEY");
        assert!(short.message.contains("32 bytes"), "{}", short.message);
    }

    #[test]
    fn metrics_and_the_route_prefix_are_read_from_their_variables() {
        let defaults = settings(&[]).unwrap();
        assert_eq!(
            defaults.metrics,
            Some(MetricsSettings {
                path: "/metrics".into(),
                bind: None
            })
        );
        assert_eq!(defaults.route_prefix, "/auth");
        let s = settings(&[
            ("AUTHKIT_METRICS_PATH", "/internal/metrics"),
            ("AUTHKIT_METRICS_BIND", "127.0.0.1:9100"),
            ("AUTHKIT_ROUTE_PREFIX", "/api/v1/auth"),
        ])
        .unwrap();
        assert_eq!(
            s.metrics,
            Some(MetricsSettings {
                path: "/internal/metrics".into(),
                bind: Some("127.0.0.1:9100".parse().unwrap())
            })
        );
        assert_eq!(s.route_prefix, "/api/v1/auth");
        assert!(!s.route_prefix_all);
        assert!(s.hosted_pages);
        let off = settings(&[("AUTHKIT_HOSTED_PAGES", "false")]).unwrap();
        assert!(!off.hosted_pages);
        let all = settings(&[("AUTHKIT_ROUTE_PREFIX_ALL", "true")]).unwrap();
        assert!(all.route_prefix_all);
        assert_eq!(
            settings(&[("AUTHKIT_METRICS_PATH", "off")])
                .unwrap()
                .metrics,
            None
        );
    }

    #[test]
    fn cookie_mode_is_off_by_default_and_read_from_its_variables() {
        assert_eq!(settings(&[]).unwrap().cookies, None);
        assert!(settings(&[]).unwrap().cookie_config().is_none());
        assert_eq!(
            settings(&[("AUTHKIT_COOKIE_MODE", "off")]).unwrap().cookies,
            None
        );
        // Plain http on localhost: not secure by default.
        let dev = settings(&[("AUTHKIT_COOKIE_MODE", "refresh")]).unwrap();
        assert_eq!(
            dev.cookies,
            Some(CookieSettings {
                tokens: CookieTokens::Refresh,
                same_site: SameSite::Lax,
                secure: false,
            })
        );
        let config = dev.cookie_config().unwrap();
        assert_eq!(config.trusted_origins, ["http://localhost:8080"]);
        assert_eq!(config.refresh_cookie_name(), "authkit_refresh");
        let public = settings(&[
            ("AUTHKIT_COOKIE_MODE", "ALL"),
            ("AUTHKIT_COOKIE_SAMESITE", "strict"),
            ("AUTHKIT_PUBLIC_URL", "https://example.com/app"),
        ])
        .unwrap();
        assert_eq!(
            public.cookies,
            Some(CookieSettings {
                tokens: CookieTokens::RefreshAndAccess,
                same_site: SameSite::Strict,
                secure: true,
            })
        );
        assert_eq!(
            public.cookie_config().unwrap().trusted_origins,
            ["https://example.com"]
        );
        // A look-alike host is not localhost.
        let lookalike = settings(&[
            ("AUTHKIT_COOKIE_MODE", "refresh"),
            ("AUTHKIT_PUBLIC_URL", "http://localhost.example.com"),
        ])
        .unwrap();
        assert!(lookalike.cookies.unwrap().secure);
        let told = settings(&[
            ("AUTHKIT_COOKIE_MODE", "refresh"),
            ("AUTHKIT_COOKIE_SECURE", "true"),
        ])
        .unwrap();
        assert!(told.cookies.unwrap().secure);
    }

    #[test]
    fn bad_cookie_settings_name_their_variable() {
        for (vars, variable) in [
            (
                vec![("AUTHKIT_COOKIE_MODE", "sometimes")],
                "AUTHKIT_COOKIE_MODE",
            ),
            (
                vec![
                    ("AUTHKIT_COOKIE_MODE", "refresh"),
                    ("AUTHKIT_COOKIE_SAMESITE", "loose"),
                ],
                "AUTHKIT_COOKIE_SAMESITE",
            ),
            (
                vec![
                    ("AUTHKIT_COOKIE_MODE", "refresh"),
                    ("AUTHKIT_COOKIE_SECURE", "maybe"),
                ],
                "AUTHKIT_COOKIE_SECURE",
            ),
            (
                vec![
                    ("AUTHKIT_COOKIE_MODE", "refresh"),
                    ("AUTHKIT_COOKIE_SAMESITE", "none"),
                ],
                "AUTHKIT_COOKIE_SAMESITE",
            ),
        ] {
            let err = settings(&vars).unwrap_err();
            assert!(err.to_string().contains(variable), "{vars:?}: {err}");
        }
    }

    #[test]
    fn the_password_strength_and_the_breach_check_are_read_from_their_variables() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.password_min_strength, 3);
        assert_eq!(s.breach_check, None);
        let s = settings(&[
            ("AUTHKIT_PASSWORD_MIN_STRENGTH", "4"),
            ("AUTHKIT_HIBP", "on"),
        ])
        .unwrap();
        assert_eq!(s.password_min_strength, 4);
        assert_eq!(s.breach_check, Some(HibpOptions::default()));
        assert_eq!(
            s.auth_config()
                .unwrap()
                .build()
                .unwrap()
                .policy()
                .min_strength(),
            4
        );
        let s = settings(&[
            ("AUTHKIT_HIBP", "on"),
            ("AUTHKIT_HIBP_URL", "http://127.0.0.1:9000/range/"),
            ("AUTHKIT_HIBP_FAIL", "closed"),
        ])
        .unwrap();
        let options = s.breach_check.unwrap();
        assert_eq!(options.range_url, "http://127.0.0.1:9000/range/");
        assert!(!options.fail_open);
        let err = settings(&[("AUTHKIT_HIBP", "on"), ("AUTHKIT_HIBP_FAIL", "maybe")]).unwrap_err();
        assert_eq!(err.variable, "AUTHKIT_HIBP_FAIL");
    }

    #[test]
    fn durations_and_the_revocation_feed_are_read_from_their_variables() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.refresh_grace, Duration::seconds(10));
        assert_eq!(s.revocation_feed, RevocationFeed::default());
        let s = settings(&[
            ("AUTHKIT_REFRESH_GRACE", "0"),
            ("AUTHKIT_REVOCATION_FEED", "poll"),
            ("AUTHKIT_REVOCATION_POLL_INTERVAL", "250ms"),
            ("AUTHKIT_REVOCATION_MAX_STALENESS", "2m"),
            ("AUTHKIT_REVOCATION_STALE_STATUS", "401"),
        ])
        .unwrap();
        assert_eq!(s.refresh_grace, Duration::ZERO);
        assert_eq!(
            s.revocation_feed,
            RevocationFeed {
                mode: FeedMode::Poll,
                poll_interval: Duration::milliseconds(250),
                max_staleness: Duration::minutes(2),
                when_stale: StaleAnswer::Unauthorized,
            }
        );
        s.auth_config().unwrap().build().expect("valid");
        let s = settings(&[("AUTHKIT_REVOCATION_MAX_STALENESS", "500ms")]).unwrap();
        let err = s.auth_config().unwrap().build().unwrap_err();
        assert_eq!(err.setting, "revocation_feed", "bound below the interval");
    }

    #[test]
    fn pruning_is_hourly_with_a_day_for_sessions_and_90_days_for_events_unless_told() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.prune_interval, Some(Duration::hours(1)));
        assert_eq!(s.prune_policy().unwrap(), PrunePolicy::default());
        assert_eq!(s.session_retention, Duration::days(1));
        assert_eq!(s.event_retention, Duration::days(90));

        let s = settings(&[
            ("AUTHKIT_PRUNE_INTERVAL", "15m"),
            ("AUTHKIT_SESSION_RETENTION", "0"),
            ("AUTHKIT_EVENT_RETENTION", "365d"),
        ])
        .unwrap();
        assert_eq!(s.prune_interval, Some(Duration::minutes(15)));
        let policy = s.prune_policy().unwrap();
        assert_eq!(policy.session_retention(), Duration::ZERO);
        assert_eq!(policy.event_retention(), Duration::days(365));
        assert_eq!(policy.batch_size(), 1_000);

        for off in ["0", "off", "0s", " off "] {
            let s = settings(&[("AUTHKIT_PRUNE_INTERVAL", off)]).unwrap();
            assert_eq!(s.prune_interval, None, "{off:?}");
        }
        for (var, value) in [
            ("AUTHKIT_PRUNE_INTERVAL", "hourly"),
            ("AUTHKIT_PRUNE_INTERVAL", "-1h"),
            ("AUTHKIT_SESSION_RETENTION", "a week"),
            ("AUTHKIT_EVENT_RETENTION", "-90d"),
        ] {
            assert_eq!(
                settings(&[(var, value)]).unwrap_err().variable,
                var,
                "{value}"
            );
        }
        let debug = format!("{:?}", settings(&[]).unwrap());
        for shown in [
            "prune_interval: Some(SignedDuration { seconds: 3600,",
            "session_retention: SignedDuration { seconds: 86400,",
            "event_retention: SignedDuration { seconds: 7776000,",
        ] {
            assert!(debug.contains(shown), "{debug}");
        }
    }

    #[test]
    fn a_short_secret_fails_at_startup_naming_the_variable() {
        let s = settings(&[("AUTHKIT_JWT_SECRET", "short")]).unwrap();
        let err = s.auth_config().expect_err("refused");
        assert_eq!(err.variable, "AUTHKIT_JWT_SECRET");
        let s = settings(&[
            (
                "AUTHKIT_JWT_SECRET",
                "a current secret of at least 32 bytes",
            ),
            ("AUTHKIT_JWT_PREVIOUS_SECRETS", "short"),
        ])
        .unwrap();
        let err = s.auth_config().expect_err("refused");
        assert_eq!(err.variable, "AUTHKIT_JWT_PREVIOUS_SECRETS");
    }

    /// A codec over the key ring the settings describe.
    fn codec(vars: &[(&str, &str)]) -> authkit_core::jwt::JwtCodec {
        let config = settings(vars)
            .unwrap()
            .auth_config()
            .unwrap()
            .build()
            .unwrap();
        authkit_core::jwt::JwtCodec::new(
            config.keys().clone(),
            config.issuer().to_owned(),
            config.audience().to_owned(),
            time::Duration::minutes(15),
            time::Duration::seconds(10),
        )
    }

    #[test]
    fn a_rotated_hs256_secret_keeps_its_tokens_valid_and_new_tokens_use_the_new_kid() {
        const OLD: &str = "the secret of last month (32+ bytes long)";
        const NEW: &str = "the secret of this month (32+ bytes long)";
        let now = time::OffsetDateTime::now_utc();
        let (user, session) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let before = codec(&[("AUTHKIT_JWT_SECRET", OLD)]);
        let (old_token, _) = before
            .mint(user, session, &authkit_core::Role::user(), now)
            .unwrap();

        let rotated = codec(&[
            ("AUTHKIT_JWT_SECRET", NEW),
            ("AUTHKIT_JWT_PREVIOUS_SECRETS", OLD),
        ]);
        assert_eq!(
            rotated.validate(&old_token, now).unwrap().sub,
            user,
            "still valid"
        );
        let (new_token, _) = rotated
            .mint(user, session, &authkit_core::Role::user(), now)
            .unwrap();
        assert_ne!(rotated.keys().signing_kid(), before.keys().signing_kid());
        assert!(rotated.keys().signing_kid().starts_with("hs256-"));
        let header = |token: &str| token.split('.').next().unwrap().to_owned();
        assert_ne!(header(&new_token), header(&old_token), "a new kid");

        let after = codec(&[("AUTHKIT_JWT_SECRET", NEW)]);
        assert!(
            after.validate(&old_token, now).is_err(),
            "retired with the variable"
        );
        // The kid is the same in every process: a restart keeps tokens valid.
        assert_eq!(
            codec(&[("AUTHKIT_JWT_SECRET", NEW)]).keys().signing_kid(),
            rotated.keys().signing_kid()
        );
    }

    #[test]
    fn a_previous_key_file_joins_the_jwks_and_verifies_its_tokens() {
        let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/../../authkit-core/tests/keys");
        let (rsa, ec) = (format!("{keys}/rsa.pem"), format!("{keys}/ec.pem"));
        let now = time::OffsetDateTime::now_utc();
        let before = codec(&[
            ("AUTHKIT_JWT_ALG", "ES256"),
            ("AUTHKIT_JWT_PRIVATE_KEY_FILE", &ec),
        ]);
        let (old_token, _) = before
            .mint(
                uuid::Uuid::now_v7(),
                uuid::Uuid::now_v7(),
                &authkit_core::Role::user(),
                now,
            )
            .unwrap();
        let previous = format!("ES256:{ec}");
        let rotated = codec(&[
            ("AUTHKIT_JWT_ALG", "RS256"),
            ("AUTHKIT_JWT_PRIVATE_KEY_FILE", &rsa),
            ("AUTHKIT_JWT_PREVIOUS_KEY_FILES", &previous),
        ]);
        rotated
            .validate(&old_token, now)
            .expect("the previous key still verifies");
        let kids: Vec<String> = rotated
            .keys()
            .jwks()
            .keys
            .iter()
            .filter_map(|jwk| jwk.common.key_id.clone())
            .collect();
        assert_eq!(kids.len(), 2, "{kids:?}");
        assert!(
            kids.contains(&before.keys().signing_kid().to_owned()),
            "{kids:?}"
        );
        assert!(
            kids.contains(&rotated.keys().signing_kid().to_owned()),
            "{kids:?}"
        );
    }

    #[test]
    fn debug_output_hides_secrets_and_database_passwords() {
        let s = settings(&[
            (
                "DATABASE_URL",
                "postgres://app:hunter2@db.internal:5432/auth",
            ),
            (
                "AUTHKIT_JWT_SECRET",
                "super-secret-value-of-32-bytes-or-more",
            ),
            ("AUTHKIT_ADMIN_EMAIL", "root@example.com"),
            ("AUTHKIT_ADMIN_PASSWORD", "admin password not to be shown"),
            (
                "AUTHKIT_SMTP_URL",
                "smtps://mailer:smtp-secret@mail.example.com",
            ),
        ])
        .unwrap();
        let debug = format!("{s:?}");
        for secret in ["hunter2", "super-secret", "not to be shown", "smtp-secret"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(
            debug.contains("postgres://app:***@db.internal:5432/auth"),
            "{debug}"
        );
    }
}
