//! Configuration, built and validated once at startup.
//!
//! [`AuthConfig::builder`] checks every setting when [`build`](AuthConfigBuilder::build) is
//! called, and a bad one is a [`ConfigError`] naming it: a deployment with a short JWT secret or
//! a nonsensical TTL never starts, rather than failing at the first request.

use std::fmt;

use time::Duration;

use crate::jwt::{JwtKey, KeyRing};
use crate::model::Role;
use crate::password::HashParams;
use crate::policy::PasswordPolicy;

pub use crate::error::ConfigError;

mod knobs;

pub use knobs::{FeedMode, LoginThrottle, RevocationFeed, SessionCheck, StaleAnswer};

/// The validated configuration of an [`Auth`](crate::Auth) service.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub(crate) keys: KeyRing,
    pub(crate) issuer: String,
    pub(crate) audience: String,
    pub(crate) access_ttl: Duration,
    pub(crate) leeway: Duration,
    pub(crate) refresh_idle_ttl: Duration,
    pub(crate) refresh_absolute_ttl: Duration,
    pub(crate) refresh_grace: Duration,
    pub(crate) verify_token_ttl: Duration,
    pub(crate) reset_token_ttl: Duration,
    pub(crate) email_change_ttl: Duration,
    pub(crate) require_email_verification: bool,
    pub(crate) welcome_mail: bool,
    pub(crate) policy: PasswordPolicy,
    pub(crate) registration_roles: Vec<Role>,
    pub(crate) hash_params: HashParams,
    pub(crate) hash_concurrency: usize,
    pub(crate) public_url: String,
    pub(crate) session_check: SessionCheck,
    pub(crate) throttle: LoginThrottle,
    pub(crate) verified_token_cache: usize,
    pub(crate) revocation_feed: RevocationFeed,
}

impl AuthConfig {
    /// A builder with the secure defaults (SECURITY.md lists them); only a signing key is required.
    ///
    /// ```
    /// use authkit_core::AuthConfig;
    ///
    /// let config = AuthConfig::builder()
    ///     .hs256_secret("a secret of at least thirty-two bytes!!")
    ///     .issuer("https://auth.example.com")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(config.issuer(), "https://auth.example.com");
    ///
    /// let err = AuthConfig::builder().hs256_secret("short").build().unwrap_err();
    /// assert_eq!(err.setting, "hs256_secret");
    /// ```
    pub fn builder() -> AuthConfigBuilder {
        AuthConfigBuilder::default()
    }

    /// The `iss` of minted tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `aud` of minted tokens.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The access-token lifetime.
    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    /// The base of links in mails.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Whether login needs a verified address.
    pub fn require_email_verification(&self) -> bool {
        self.require_email_verification
    }

    /// The session check mode.
    pub fn session_check(&self) -> SessionCheck {
        self.session_check
    }

    /// The revocation feed settings.
    pub fn revocation_feed(&self) -> RevocationFeed {
        self.revocation_feed
    }

    /// The password policy.
    pub fn policy(&self) -> &PasswordPolicy {
        &self.policy
    }

    /// The roles a user may choose at registration besides `user`.
    pub fn registration_roles(&self) -> &[Role] {
        &self.registration_roles
    }

    /// The key ring.
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }
}

/// Builds an [`AuthConfig`]; see [`AuthConfig::builder`].
#[derive(Default)]
pub struct AuthConfigBuilder {
    hs256_secret: Option<Vec<u8>>,
    keys: Option<KeyRing>,
    issuer: Option<String>,
    audience: Option<String>,
    access_ttl: Option<Duration>,
    leeway: Option<Duration>,
    refresh_idle_ttl: Option<Duration>,
    refresh_absolute_ttl: Option<Duration>,
    refresh_grace: Option<Duration>,
    verify_token_ttl: Option<Duration>,
    reset_token_ttl: Option<Duration>,
    email_change_ttl: Option<Duration>,
    require_email_verification: bool,
    welcome_mail: bool,
    password_min_length: Option<usize>,
    password_min_strength: Option<u8>,
    registration_roles: Vec<String>,
    hash_params: Option<HashParams>,
    hash_concurrency: Option<usize>,
    public_url: Option<String>,
    session_check: SessionCheck,
    throttle: Option<LoginThrottle>,
    verified_token_cache: Option<usize>,
    revocation_feed: RevocationFeed,
}

impl fmt::Debug for AuthConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfigBuilder")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("keys", &self.keys)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl AuthConfigBuilder {
    /// Signs with HS256 under this secret (at least 32 bytes), key id `hs256-1`.
    pub fn hs256_secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.hs256_secret = Some(secret.as_ref().to_vec());
        self
    }

    /// Signs and verifies with this key ring (any algorithm, several verification keys).
    pub fn key_ring(mut self, keys: KeyRing) -> Self {
        self.keys = Some(keys);
        self
    }

    /// The `iss` claim (default `authkit`).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The `aud` claim (default `authkit`).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Access-token lifetime (default 15 min; 10 s to 24 h).
    pub fn access_ttl(mut self, ttl: Duration) -> Self {
        self.access_ttl = Some(ttl);
        self
    }

    /// Clock-skew leeway on `exp`/`nbf` (default 10 s; at most 5 min).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// A session expires after this long unused (default 14 days).
    pub fn refresh_idle_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_idle_ttl = Some(ttl);
        self
    }

    /// A session expires this long after login, however used (default 30 days).
    pub fn refresh_absolute_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_absolute_ttl = Some(ttl);
        self
    }

    /// A rotated-out refresh token presented within this window after its rotation gets a new
    /// token in the same family instead of revoking it (default 0: any reuse revokes; at most 60 s).
    pub fn refresh_grace(mut self, grace: Duration) -> Self {
        self.refresh_grace = Some(grace);
        self
    }

    /// E-mail verification token lifetime (default 24 h).
    pub fn verify_token_ttl(mut self, ttl: Duration) -> Self {
        self.verify_token_ttl = Some(ttl);
        self
    }

    /// Password reset token lifetime (default 1 h).
    pub fn reset_token_ttl(mut self, ttl: Duration) -> Self {
        self.reset_token_ttl = Some(ttl);
        self
    }

    /// E-mail change token lifetime (default 24 h).
    pub fn email_change_ttl(mut self, ttl: Duration) -> Self {
        self.email_change_ttl = Some(ttl);
        self
    }

    /// Login needs a verified address, and registration answers alike for new and taken
    /// addresses (default off).
    pub fn require_email_verification(mut self, required: bool) -> Self {
        self.require_email_verification = required;
        self
    }

    /// Mail a welcome once the address a registration gave is confirmed (default off).
    pub fn welcome_mail(mut self, on: bool) -> Self {
        self.welcome_mail = on;
        self
    }

    /// Policy minimum password length in code points (default 15; at least 8).
    pub fn password_min_length(mut self, min: usize) -> Self {
        self.password_min_length = Some(min);
        self
    }

    /// The lowest zxcvbn score, 0 to 4, a new password needs (default 3; 0 turns the
    /// estimator off). See [`crate::policy`].
    pub fn password_min_strength(mut self, score: u8) -> Self {
        self.password_min_strength = Some(score);
        self
    }

    /// The roles a user may choose at registration besides `user` (default none), e.g.
    /// `["candidate", "hr"]`. Any other role in a registration is 400 `validation_failed`;
    /// `admin` may not be listed (admins are made by an admin or
    /// [`Auth::ensure_admin`](crate::Auth::ensure_admin)).
    pub fn registration_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.registration_roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// Argon2id parameters (default m=19456 KiB, t=2, p=1). Lower them only in tests.
    pub fn hash_params(mut self, params: HashParams) -> Self {
        self.hash_params = Some(params);
        self
    }

    /// How many hashes may run at once (default: the number of cores).
    pub fn hash_concurrency(mut self, permits: usize) -> Self {
        self.hash_concurrency = Some(permits);
        self
    }

    /// The base URL of links in mails (default `http://localhost:8080`).
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Whether extractors also check the session (default [`SessionCheck::Stateless`]).
    pub fn session_check(mut self, check: SessionCheck) -> Self {
        self.session_check = check;
        self
    }

    /// Failed-login throttling (default: 5 free attempts, then 1 s doubling to 15 min).
    pub fn login_throttle(mut self, throttle: LoginThrottle) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// How many verified access tokens are remembered, so a token presented again skips its
    /// signature check (default 16,384, about 12 MiB when full, about 700 bytes a token; 0 turns
    /// it off). A token is kept from its second verification on, so one-off tokens cost
    /// nothing. The whole token is the key and expiry is still checked on every use, so a hit
    /// never accepts what a full check would refuse.
    pub fn verified_token_cache(mut self, capacity: usize) -> Self {
        self.verified_token_cache = Some(capacity);
        self
    }

    /// How revocations reach this instance (default: pushed where possible, polled every
    /// second, fail closed with 503 after 10 s without a successful read).
    pub fn revocation_feed(mut self, feed: RevocationFeed) -> Self {
        self.revocation_feed = feed;
        self
    }

    /// Validates every setting.
    pub fn build(self) -> Result<AuthConfig, ConfigError> {
        let keys = match (self.keys, self.hs256_secret) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "hs256_secret",
                    "set either hs256_secret or key_ring, not both",
                ));
            }
            (Some(keys), None) => keys,
            (None, Some(secret)) => KeyRing::new(JwtKey::hs256("hs256-1", &secret)?),
            (None, None) => {
                return Err(ConfigError::new(
                    "hs256_secret",
                    "no signing key: set hs256_secret (32+ bytes) or key_ring",
                ));
            }
        };

        let issuer = non_empty("issuer", self.issuer.unwrap_or_else(|| "authkit".into()))?;
        let audience = non_empty(
            "audience",
            self.audience.unwrap_or_else(|| "authkit".into()),
        )?;
        let access_ttl = within(
            "access_ttl",
            self.access_ttl.unwrap_or(Duration::minutes(15)),
            Duration::seconds(10),
            Duration::hours(24),
        )?;
        let leeway = within(
            "leeway",
            self.leeway.unwrap_or(Duration::seconds(10)),
            Duration::ZERO,
            Duration::minutes(5),
        )?;
        let refresh_idle_ttl = within(
            "refresh_idle_ttl",
            self.refresh_idle_ttl.unwrap_or(Duration::days(14)),
            Duration::minutes(1),
            Duration::days(400),
        )?;
        let refresh_absolute_ttl = within(
            "refresh_absolute_ttl",
            self.refresh_absolute_ttl.unwrap_or(Duration::days(30)),
            Duration::minutes(1),
            Duration::days(400),
        )?;
        if refresh_absolute_ttl < refresh_idle_ttl {
            return Err(ConfigError::new(
                "refresh_absolute_ttl",
                "must not be shorter than refresh_idle_ttl",
            ));
        }
        if refresh_idle_ttl <= access_ttl {
            return Err(ConfigError::new(
                "refresh_idle_ttl",
                "must be longer than access_ttl",
            ));
        }
        let refresh_grace = within(
            "refresh_grace",
            self.refresh_grace.unwrap_or(Duration::ZERO),
            Duration::ZERO,
            Duration::seconds(60),
        )?;
        let token_ttl = |name, value: Option<Duration>, default| {
            within(
                name,
                value.unwrap_or(default),
                Duration::minutes(1),
                Duration::days(7),
            )
        };
        let verify_token_ttl = token_ttl(
            "verify_token_ttl",
            self.verify_token_ttl,
            Duration::hours(24),
        )?;
        let reset_token_ttl =
            token_ttl("reset_token_ttl", self.reset_token_ttl, Duration::hours(1))?;
        let email_change_ttl = token_ttl(
            "email_change_ttl",
            self.email_change_ttl,
            Duration::hours(24),
        )?;

        let policy = PasswordPolicy::new(
            self.password_min_length
                .unwrap_or(PasswordPolicy::DEFAULT_MIN_LENGTH),
        )?
        .with_min_strength(
            self.password_min_strength
                .unwrap_or(PasswordPolicy::DEFAULT_MIN_STRENGTH),
        )?;
        let hash_params = self.hash_params.unwrap_or_default();
        let hash_concurrency = self
            .hash_concurrency
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        if hash_concurrency == 0 {
            return Err(ConfigError::new("hash_concurrency", "must be at least 1"));
        }

        let public_url = self
            .public_url
            .unwrap_or_else(|| "http://localhost:8080".into());
        if !(public_url.starts_with("https://") || public_url.starts_with("http://"))
            || public_url.contains(['#', '?', ' '])
        {
            return Err(ConfigError::new(
                "public_url",
                format!("{public_url:?} is not an http(s) base URL without query or fragment"),
            ));
        }
        let public_url = public_url.trim_end_matches('/').to_owned();

        if let SessionCheck::Store { cache_ttl } = self.session_check {
            within(
                "session_check",
                cache_ttl,
                Duration::ZERO,
                Duration::minutes(5),
            )?;
        }
        let throttle = self.throttle.unwrap_or_default();
        if throttle.free_attempts == 0
            || throttle.base_delay <= Duration::ZERO
            || throttle.max_delay < throttle.base_delay
            || throttle.reset_after < throttle.max_delay
        {
            return Err(ConfigError::new(
                "login_throttle",
                "need free_attempts >= 1, 0 < base_delay <= max_delay <= reset_after",
            ));
        }

        let feed = self.revocation_feed;
        within(
            "revocation_feed",
            feed.poll_interval,
            Duration::milliseconds(100),
            Duration::seconds(60),
        )?;
        if feed.max_staleness <= feed.poll_interval || feed.max_staleness > Duration::minutes(10) {
            return Err(ConfigError::new(
                "revocation_feed",
                "max_staleness must be longer than poll_interval and at most 10 minutes",
            ));
        }

        let registration_roles = self
            .registration_roles
            .iter()
            .map(|name| match Role::new(name.as_str()) {
                Ok(role) if role.is_admin() => Err(ConfigError::new(
                    "registration_roles",
                    "`admin` cannot be chosen at registration: make admins with the admin routes \
                     or Auth::ensure_admin",
                )),
                Ok(role) => Ok(role),
                Err(err) => Err(ConfigError::new("registration_roles", err.to_string())),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AuthConfig {
            keys,
            issuer,
            audience,
            access_ttl,
            leeway,
            refresh_idle_ttl,
            refresh_absolute_ttl,
            refresh_grace,
            verify_token_ttl,
            reset_token_ttl,
            email_change_ttl,
            require_email_verification: self.require_email_verification,
            welcome_mail: self.welcome_mail,
            policy,
            registration_roles,
            hash_params,
            hash_concurrency,
            public_url,
            session_check: self.session_check,
            throttle,
            verified_token_cache: self.verified_token_cache.unwrap_or(16_384),
            revocation_feed: feed,
        })
    }
}

fn non_empty(setting: &'static str, value: String) -> Result<String, ConfigError> {
    if value.trim().is_empty() {
        Err(ConfigError::new(setting, "must not be empty"))
    } else {
        Ok(value)
    }
}

fn within(
    setting: &'static str,
    value: Duration,
    min: Duration,
    max: Duration,
) -> Result<Duration, ConfigError> {
    if value < min || value > max {
        Err(ConfigError::new(
            setting,
            format!("{value} is outside {min}..={max}"),
        ))
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests;
