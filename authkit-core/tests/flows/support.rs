//! The test harness: an `Auth` over the memory store with a manual clock, an in-memory mailer
//! and an in-memory event sink.

use std::sync::Arc;

use authkit_core::dto::{LoginRequest, RegisterRequest, TokenPair};
use authkit_core::events::MemorySink;
use authkit_core::jwt::AccessClaims;
use authkit_core::mail::{MailKind, MemoryMailer};
use authkit_core::memory::MemoryStore;
use authkit_core::password::HashParams;
use authkit_core::{
    Auth, AuthBuilder, AuthConfig, AuthConfigBuilder, ClientInfo, ManualClock, Registration,
    SecretString, User,
};

pub const SECRET: &str = "test-secret-of-at-least-32-bytes!!";
pub const PASSWORD: &str = "correct horse battery staple 42";
pub const OTHER_PASSWORD: &str = "an entirely different passphrase";

pub struct Harness {
    pub auth: Auth,
    pub store: Arc<MemoryStore>,
    pub mailer: Arc<MemoryMailer>,
    pub events: Arc<MemorySink>,
    pub clock: Arc<ManualClock>,
}

pub fn config() -> AuthConfigBuilder {
    AuthConfig::builder()
        .hs256_secret(SECRET)
        .hash_params(HashParams::insecure_fast_for_tests())
}

impl Harness {
    pub fn new() -> Self {
        Self::with(config())
    }

    pub fn with(config: AuthConfigBuilder) -> Self {
        Self::with_builder(config, |builder| builder)
    }

    /// A harness whose `Auth` builder `extend` adds to (password checks, say).
    pub fn with_builder(
        config: AuthConfigBuilder,
        extend: impl FnOnce(AuthBuilder) -> AuthBuilder,
    ) -> Self {
        let store = Arc::new(MemoryStore::new());
        let mailer = Arc::new(MemoryMailer::new());
        let events = Arc::new(MemorySink::new());
        let clock = Arc::new(ManualClock::starting_now());
        let builder = Auth::builder(config.build().expect("test config is valid"), store.clone())
            .mailer(mailer.clone())
            .events(events.clone())
            .clock(clock.clone());
        let auth = extend(builder).build();
        Self {
            auth,
            store,
            mailer,
            events,
            clock,
        }
    }

    /// Registers `email` with [`PASSWORD`] (verification not required) and returns the user
    /// and their first tokens.
    pub async fn register(&self, email: &str) -> (User, TokenPair) {
        match self
            .auth
            .register(register_request(email, PASSWORD), &client())
            .await
            .expect("registration succeeds")
        {
            Registration::Created { user, tokens } => (*user, tokens),
            Registration::VerificationPending => panic!("verification is not required here"),
        }
    }

    pub async fn login(
        &self,
        email: &str,
        password: &str,
    ) -> Result<TokenPair, authkit_core::AuthError> {
        self.auth
            .login(login_request(email, password), &client())
            .await
    }

    pub fn claims(&self, tokens: &TokenPair) -> Arc<AccessClaims> {
        self.auth
            .validate_access_token(&tokens.access_token)
            .expect("fresh access token validates")
    }
}

pub fn client() -> ClientInfo {
    ClientInfo::new(Some("203.0.113.7".parse().unwrap()), Some("flows-test/1.0"))
}

pub fn register_request(email: &str, password: &str) -> RegisterRequest {
    RegisterRequest {
        email: email.into(),
        password: password.into(),
        username: None,
        role: None,
    }
}

pub fn login_request(email: &str, password: &str) -> LoginRequest {
    LoginRequest {
        email: Some(email.into()),
        username: None,
        password: password.into(),
    }
}

/// Requests a password reset for `email` and returns the token of the `nth` reset mail.
pub async fn reset_token(h: &Harness, email: &str, nth: usize) -> SecretString {
    h.auth.request_password_reset(email).await.unwrap();
    let mail = h
        .mailer
        .wait_for(email, MailKind::PasswordReset, nth)
        .await
        .expect("reset mail sent");
    let link = mail.link.unwrap();
    let (_, token) = link.split_once("#token=").expect("token in the fragment");
    SecretString::from(token)
}

impl Harness {
    /// The last event of `kind`.
    pub fn last_event(
        &self,
        kind: authkit_core::events::EventKind,
    ) -> authkit_core::events::AuthEvent {
        self.events
            .events()
            .into_iter()
            .rfind(|event| event.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} event"))
    }

    pub fn clock_now(&self) -> time::OffsetDateTime {
        use authkit_core::Clock;
        self.clock.now()
    }
}
