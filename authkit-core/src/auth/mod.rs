//! The [`Auth`] service: every flow of the wire contract as one async method.
//!
//! Adapters parse a request, call one method, and render its result; no rule lives anywhere
//! else. The flows are split by concern: [`register`](Auth::register) and
//! [`login`](Auth::login) in `login.rs`, refresh rotation and sessions in `session.rs`,
//! verification and password reset in `recovery.rs`, self-service account changes in
//! `account.rs`, administration in `admin.rs`, deleting what has ended in `prune.rs`, second
//! factors in `mfa.rs`, sign-in by e-mail in `email_sign_in.rs`, passkeys in `passkey.rs`,
//! sign-in with other providers and identities in `oauth.rs`.

mod account;
mod admin;
#[cfg(feature = "email-sign-in")]
mod email_sign_in;
mod feed;
mod login;
#[cfg(feature = "totp")]
mod mfa;
#[cfg(feature = "oidc")]
mod oauth;
#[cfg(feature = "passkeys")]
mod passkey;
mod prune;
mod recovery;
mod session;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use crate::clock::{Clock, SystemClock};
use crate::config::AuthConfig;
use crate::dto::TokenPair;
use crate::error::AuthError;
use crate::events::{AuthEvent, EventKind, EventSink, TracingSink};
use crate::jwt::{AccessClaims, JwtCodec};
use crate::mail::{ConsoleMailer, Mail, Mailer};
use crate::model::{ClientInfo, PasswordHash, Session, SessionId, User, UserStatus, new_id};
use crate::password::{PasswordHasher, Verification};
use crate::policy::{NewPassword, PasswordCheck, normalize};
use crate::revocation::Revocations;
use crate::secret::SecretString;
use crate::store::Store;
use crate::token::RefreshToken;

pub use login::Registration;
#[cfg(feature = "oidc")]
pub use oauth::{OAuthOutcome, OAuthStart};
pub use prune::{PrunePolicy, PruneReport};

/// The auth service. Cheap to clone (one `Arc`); share one per process.
///
/// ```
/// use std::sync::Arc;
/// use authkit_core::{Auth, AuthConfig, ClientInfo};
/// use authkit_core::dto::{LoginRequest, RegisterRequest};
/// use authkit_core::memory::MemoryStore;
/// use authkit_core::password::HashParams;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let config = AuthConfig::builder()
///     .hs256_secret("a secret of at least thirty-two bytes!!")
///     .hash_params(HashParams::insecure_fast_for_tests())
///     .build()?;
/// let auth = Auth::builder(config, Arc::new(MemoryStore::new())).build();
///
/// let register = RegisterRequest {
///     email: "ada@example.com".into(),
///     password: "a long and unusual passphrase".into(),
///     username: None,
///     role: None,
/// };
/// auth.register(register, &ClientInfo::default()).await?;
///
/// let login = LoginRequest {
///     email: Some("ada@example.com".into()),
///     username: None,
///     password: "a long and unusual passphrase".into(),
/// };
/// let tokens = auth.login(login, &ClientInfo::default()).await?;
/// let caller = auth.authenticate(&tokens.access_token).await?;
/// assert_eq!(caller.role().as_str(), "user");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    config: AuthConfig,
    store: Arc<dyn Store>,
    hasher: PasswordHasher,
    jwt: JwtCodec,
    mailer: Arc<dyn Mailer>,
    events: Arc<dyn EventSink>,
    clock: Arc<dyn Clock>,
    password_checks: Vec<Arc<dyn PasswordCheck>>,
    session_cache: Mutex<HashMap<SessionId, (bool, OffsetDateTime)>>,
    /// The revocation view; `None` when the feed is off.
    revocations: Option<Revocations>,
    /// Second factors' settings; `None` when they are not offered.
    #[cfg(feature = "totp")]
    totp: Option<crate::mfa::TotpConfig>,
    /// Sign-in by e-mail's settings; `None` when it is not offered.
    #[cfg(feature = "email-sign-in")]
    email_sign_in: Option<crate::passwordless::EmailSignIn>,
    /// Other providers' settings; `None` when none is offered.
    #[cfg(feature = "oidc")]
    oauth: Option<crate::oauth::OAuthConfig>,
    /// Passkeys' settings; `None` when they are not offered.
    #[cfg(feature = "passkeys")]
    passkeys: Option<crate::passkey::PasskeyConfig>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Auth`]; see [`Auth::builder`].
pub struct AuthBuilder {
    config: AuthConfig,
    store: Arc<dyn Store>,
    mailer: Arc<dyn Mailer>,
    events: Arc<dyn EventSink>,
    clock: Arc<dyn Clock>,
    password_checks: Vec<Arc<dyn PasswordCheck>>,
    #[cfg(feature = "totp")]
    totp: Option<crate::mfa::TotpConfig>,
    #[cfg(feature = "email-sign-in")]
    email_sign_in: Option<crate::passwordless::EmailSignIn>,
    #[cfg(feature = "oidc")]
    oauth: Option<crate::oauth::OAuthConfig>,
    #[cfg(feature = "passkeys")]
    passkeys: Option<crate::passkey::PasskeyConfig>,
}

impl AuthBuilder {
    /// Offers sign-in with these providers (default: none; the provider and identity routes
    /// answer 404). See [`crate::oauth`].
    #[cfg(feature = "oidc")]
    pub fn oauth(mut self, config: crate::oauth::OAuthConfig) -> Self {
        self.oauth = Some(config);
        self
    }

    /// Offers sign-in by a code or link mailed to a verified address (default: not offered;
    /// its routes answer 404). See [`crate::passwordless`].
    #[cfg(feature = "email-sign-in")]
    pub fn email_sign_in(mut self, config: crate::passwordless::EmailSignIn) -> Self {
        self.email_sign_in = Some(config);
        self
    }

    /// Offers TOTP second factors with these settings (default: not offered; the second-factor
    /// routes answer 404). See [`crate::mfa`].
    #[cfg(feature = "totp")]
    pub fn totp(mut self, config: crate::mfa::TotpConfig) -> Self {
        self.totp = Some(config);
        self
    }

    /// Offers passkeys with these settings (default: not offered; the passkey routes answer
    /// 404). See [`crate::passkey`].
    #[cfg(feature = "passkeys")]
    pub fn passkeys(mut self, config: crate::passkey::PasskeyConfig) -> Self {
        self.passkeys = Some(config);
        self
    }

    /// Where mail goes (default: [`ConsoleMailer`], which logs links — development only).
    pub fn mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    /// Where events go (default: [`TracingSink`]).
    pub fn events(mut self, events: Arc<dyn EventSink>) -> Self {
        self.events = events;
        self
    }

    /// The clock (default: [`SystemClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Adds an application's own check of new passwords, run after the
    /// [policy](crate::policy) accepted one and before it is hashed; checks run in the order
    /// they were added (default: none).
    pub fn password_check(mut self, check: Arc<dyn PasswordCheck>) -> Self {
        self.password_checks.push(check);
        self
    }

    /// The service. Inside a Tokio runtime this also starts the task that keeps its
    /// [revocation view](crate::revocation) current; otherwise the first authentication in
    /// a runtime starts it.
    pub fn build(self) -> Auth {
        let c = &self.config;
        let jwt = JwtCodec::new(
            c.keys.clone(),
            c.issuer.clone(),
            c.audience.clone(),
            c.access_ttl,
            c.leeway,
        )
        .with_verified_cache(c.verified_token_cache);
        let hasher = PasswordHasher::new(c.hash_params, c.hash_concurrency);
        // A record matters while a token minted before it can be valid: lifetime + leeway
        // (+1 s for the whole-second rounding of `iat`).
        let horizon = (c.access_ttl + c.leeway).whole_seconds() + 1;
        let revocations = Revocations::new(c.revocation_feed, horizon);
        let auth = Auth {
            inner: Arc::new(Inner {
                jwt,
                hasher,
                config: self.config,
                store: self.store,
                mailer: self.mailer,
                events: self.events,
                clock: self.clock,
                password_checks: self.password_checks,
                session_cache: Mutex::new(HashMap::new()),
                revocations,
                #[cfg(feature = "totp")]
                totp: self.totp,
                #[cfg(feature = "email-sign-in")]
                email_sign_in: self.email_sign_in,
                #[cfg(feature = "oidc")]
                oauth: self.oauth,
                #[cfg(feature = "passkeys")]
                passkeys: self.passkeys,
            }),
        };
        if let Some(revocations) = &auth.inner.revocations {
            auth.start_feed(revocations);
        }
        auth
    }
}

impl Auth {
    /// A builder over `store`, with the console mailer, the tracing event sink and the system
    /// clock until told otherwise.
    pub fn builder(config: AuthConfig, store: Arc<dyn Store>) -> AuthBuilder {
        AuthBuilder {
            config,
            store,
            mailer: Arc::new(ConsoleMailer),
            events: Arc::new(TracingSink),
            clock: Arc::new(SystemClock),
            password_checks: Vec::new(),
            #[cfg(feature = "totp")]
            totp: None,
            #[cfg(feature = "email-sign-in")]
            email_sign_in: None,
            #[cfg(feature = "oidc")]
            oauth: None,
            #[cfg(feature = "passkeys")]
            passkeys: None,
        }
    }

    /// Whether second factors are offered: the `totp` feature is built and
    /// [`AuthBuilder::totp`] was given settings.
    pub fn offers_second_factors(&self) -> bool {
        #[cfg(feature = "totp")]
        return self.inner.totp.is_some();
        #[cfg(not(feature = "totp"))]
        false
    }

    /// Whether sign-in by e-mail is offered: the `email-sign-in` feature is built and
    /// [`AuthBuilder::email_sign_in`] chose a mode.
    pub fn offers_email_sign_in(&self) -> bool {
        #[cfg(feature = "email-sign-in")]
        return self.inner.email_sign_in.is_some();
        #[cfg(not(feature = "email-sign-in"))]
        false
    }

    /// Whether passkeys are offered: the `passkeys` feature is built and
    /// [`AuthBuilder::passkeys`] was given settings.
    pub fn offers_passkeys(&self) -> bool {
        #[cfg(feature = "passkeys")]
        return self.inner.passkeys.is_some();
        #[cfg(not(feature = "passkeys"))]
        false
    }

    /// Whether sign-in with other providers is offered: the `oidc` feature is built and
    /// providers were configured.
    pub fn offers_providers(&self) -> bool {
        #[cfg(feature = "oidc")]
        return !self.oauth_providers().is_empty();
        #[cfg(not(feature = "oidc"))]
        false
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The store (for readiness checks and for applications that share it).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The password hasher (its `verifications()` counter is useful in tests and metrics).
    pub fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// The JWT codec: minting and validation.
    pub fn jwt(&self) -> &JwtCodec {
        &self.inner.jwt
    }

    /// The public keys, as served at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> &jsonwebtoken::jwk::JwkSet {
        self.inner.config.keys.jwks()
    }

    /// Checks the store answers (for `/readyz`).
    pub async fn ready(&self) -> Result<(), AuthError> {
        Ok(self.inner.store.ping().await?)
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    async fn emit(&self, event: AuthEvent) {
        crate::telemetry::event(event.kind);
        if let (Some(user), Some(session)) = (event.user_id, event.session_id) {
            crate::telemetry::session(user, session);
        }
        self.inner.events.record(event).await;
    }

    fn event(&self, kind: EventKind) -> AuthEvent {
        AuthEvent::new(kind, self.now())
    }

    /// Sends `mail` in the background, after the change that caused it was committed: neither
    /// a slow mail server nor its failure delays or changes the answer (which would tell
    /// whether an address has an account). Up to
    /// [`DELIVERY_ATTEMPTS`](crate::mail::DELIVERY_ATTEMPTS) tries, each failure logged.
    fn send_mail(&self, mail: Mail) {
        use crate::mail::{DELIVERY_ATTEMPTS, FIRST_RETRY_AFTER};
        let mailer = Arc::clone(&self.inner.mailer);
        let delivery = async move {
            let (to, kind) = (mail.to.clone(), mail.kind);
            let mut wait = FIRST_RETRY_AFTER;
            for attempt in 1..=DELIVERY_ATTEMPTS {
                let Err(err) = mailer.send(mail.clone()).await else {
                    crate::telemetry::mail(true);
                    return;
                };
                if attempt == DELIVERY_ATTEMPTS {
                    crate::telemetry::mail(false);
                    tracing::error!(target: "authkit::mail", %err, ?kind, %to, attempt,
                        "mail not delivered; giving up");
                    return;
                }
                tracing::warn!(target: "authkit::mail", %err, ?kind, %to, attempt,
                    "mail not delivered; retrying");
                tokio::time::sleep(wait).await;
                wait *= 4;
            }
        };
        // In the request's span, so its log lines carry the request id.
        tokio::spawn(tracing::Instrument::in_current_span(delivery));
    }

    /// Verifies `password` against the stored hash of `user`, or against a dummy hash when
    /// there is no user, so both cost one verification.
    async fn check_password(
        &self,
        user: Option<&User>,
        password: &SecretString,
    ) -> Result<bool, AuthError> {
        let Some(user) = user else {
            self.inner.hasher.verify_dummy(password).await;
            return Ok(false);
        };
        match self
            .inner
            .hasher
            .verify(password, &user.password_hash)
            .await?
        {
            Verification::Invalid => Ok(false),
            Verification::Valid { needs_rehash } => {
                if needs_rehash {
                    self.rehash(user, password).await;
                }
                Ok(true)
            }
        }
    }

    /// Accepts a new password for the account with `email` and `username`, and hashes it: the
    /// [policy](crate::policy) first, then the application's [`PasswordCheck`]s in order, then
    /// the hasher. Every flow that sets a password comes through here.
    async fn accept_new_password(
        &self,
        password: &SecretString,
        email: &str,
        username: Option<&str>,
    ) -> Result<PasswordHash, AuthError> {
        let policy = self.inner.config.policy.clone();
        let (candidate, account) = (
            password.clone(),
            (email.to_owned(), username.map(str::to_owned)),
        );
        self.inner
            .hasher
            .run_check(move || policy.check(&candidate, &account.0, account.1.as_deref()))
            .await??;
        if !self.inner.password_checks.is_empty() {
            let normalized = SecretString::from(normalize(password.expose()));
            let new = NewPassword::new(normalized.expose(), email, username);
            for check in &self.inner.password_checks {
                check.check(&new).await?;
            }
        }
        self.inner.hasher.hash(password).await
    }

    /// Replaces a legacy or weaker hash after a successful verification. Best effort: a failure
    /// is logged and the next login tries again.
    async fn rehash(&self, user: &User, password: &SecretString) {
        let result = async {
            let hash = self.inner.hasher.hash(password).await?;
            self.inner
                .store
                .set_password_hash(user.id, &hash, self.now())
                .await?;
            Ok::<_, AuthError>(())
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(target: "authkit", user = %user.id, %err, "password rehash failed");
        }
    }

    /// Starts a session for `user` and returns its first token pair.
    async fn start_session(
        &self,
        user: &User,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let now = self.now();
        let c = &self.inner.config;
        let session = Session {
            id: new_id(),
            user_id: user.id,
            created_at: now,
            last_used_at: now,
            idle_expires_at: now + c.refresh_idle_ttl,
            expires_at: now + c.refresh_absolute_ttl,
            revoked_at: None,
            user_agent: client.user_agent.clone(),
            ip: client.ip,
        };
        let refresh = RefreshToken::generate();
        self.inner
            .store
            .create_session(&session, &refresh.key())
            .await?;
        self.token_pair(user, &session, &refresh, now)
    }

    fn token_pair(
        &self,
        user: &User,
        session: &Session,
        refresh: &RefreshToken,
        now: OffsetDateTime,
    ) -> Result<TokenPair, AuthError> {
        let (access_token, claims) = self.inner.jwt.mint(user.id, session.id, &user.role, now)?;
        let refresh_expires = session.idle_expires_at.min(session.expires_at);
        Ok(TokenPair {
            access_token,
            token_type: "Bearer".into(),
            expires_in: claims.exp - claims.iat,
            refresh_token: refresh.text().expose().to_owned(),
            refresh_expires_in: (refresh_expires - now).whole_seconds(),
            session_id: session.id,
        })
    }

    /// Consumes `user_id`'s one-time token with this digest and purpose (one winner among
    /// concurrent attempts) and returns the account, or `None` when it was not consumable.
    #[cfg(any(feature = "totp", feature = "email-sign-in"))]
    async fn consume_token(
        &self,
        user_id: crate::model::UserId,
        hash: crate::token::TokenHash,
        purpose: crate::store::TokenPurpose,
    ) -> Result<Option<User>, AuthError> {
        let consume = crate::store::CredentialChange {
            user_id,
            consume: Some((hash, purpose)),
            ..crate::store::CredentialChange::default()
        };
        Ok(self
            .inner
            .store
            .apply_credential_change(&consume, self.now())
            .await?)
    }

    /// The active account a live (unconsumed, unexpired) sign-in challenge names, and the
    /// challenge's hash; 401 `invalid_mfa_challenge` otherwise.
    #[cfg(any(feature = "totp", feature = "passkeys"))]
    async fn challenged_user(
        &self,
        challenge: &crate::secret::SecretString,
    ) -> Result<(User, crate::token::TokenHash), AuthError> {
        let hash = crate::token::OpaqueToken::hash_presented(challenge.expose())
            .ok_or(AuthError::InvalidMfaChallenge)?;
        let token = self
            .inner
            .store
            .find_one_time_token(&hash, self.now())
            .await?
            .filter(|token| token.purpose == crate::store::TokenPurpose::MfaChallenge)
            .ok_or(AuthError::InvalidMfaChallenge)?;
        let user = self
            .inner
            .store
            .user_by_id(token.user_id)
            .await?
            .filter(|user| user.status == UserStatus::Active)
            .ok_or(AuthError::InvalidMfaChallenge)?;
        Ok((user, hash))
    }

    /// Loads the account behind a token's `sub`; a deleted or disabled account is treated like
    /// an invalid token.
    async fn active_user(&self, claims: &AccessClaims) -> Result<User, AuthError> {
        match self.inner.store.user_by_id(claims.sub).await? {
            Some(user) if user.status == UserStatus::Active => Ok(user),
            _ => Err(AuthError::InvalidAccessToken("account gone or disabled")),
        }
    }
}
