//! Security events: every flow reports what happened to an [`EventSink`].
//!
//! The default sink, [`TracingSink`], writes them to `tracing`; the sqlx store keeps them in its
//! `auth_events` table (an audit trail, usable as an outbox). Events carry ids, never secrets.

use std::net::IpAddr;
use std::sync::Mutex;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::model::{SessionId, UserId};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// An account was created.
    UserCreated,
    /// A login succeeded.
    LoginSucceeded,
    /// A login failed (any cause).
    LoginFailed,
    /// An identifier reached the failure threshold and is being throttled.
    UserLocked,
    /// A refresh token was rotated.
    TokenRefreshed,
    /// A rotated-out refresh token was presented: its family was revoked.
    TokenReuseDetected,
    /// A session was revoked (logout, logout-all, session deletion, admin action).
    SessionRevoked,
    /// A password was changed by its owner.
    PasswordChanged,
    /// A password was reset through a reset token.
    PasswordReset,
    /// A password reset was requested for an existing account.
    PasswordResetRequested,
    /// An address was verified.
    EmailVerified,
    /// An e-mail change was requested.
    EmailChangeRequested,
    /// The account's address was changed.
    EmailChanged,
    /// An account's profile, role or status was changed.
    UserUpdated,
    /// An account was deleted.
    UserDeleted,
    /// A TOTP enrolment was started (nothing is protected until it is confirmed).
    MfaEnrollmentStarted,
    /// A TOTP authenticator was confirmed: sign-ins now need a second factor.
    MfaEnabled,
    /// The second factors were removed (`detail`: `by=owner` or `by=admin`).
    MfaDisabled,
    /// A right password was answered with a second-factor challenge.
    MfaChallenged,
    /// A second-factor code was refused (`detail`: where).
    MfaFailed,
    /// A recovery code was spent (`detail`: how many are left).
    RecoveryCodeUsed,
    /// New recovery codes replaced the old ones.
    RecoveryCodesRegenerated,
    /// A sign-in code or link was mailed (`detail`: `mode=code` or `mode=link`).
    EmailSignInRequested,
    /// An identity at another provider was linked (`detail`: `provider=… by=owner`, `by=auto`
    /// for a verified address, or `by=sign_up` for a first sign-in).
    IdentityLinked,
    /// An identity at another provider was unlinked (`detail`: `provider=…`).
    IdentityUnlinked,
    /// A passkey registration was started (`detail`: nothing is stored until it finishes).
    PasskeyRegistrationStarted,
    /// A passkey was registered (`detail`: its id).
    PasskeyRegistered,
    /// A passkey was renamed (`detail`: its id).
    PasskeyRenamed,
    /// Passkeys were deleted (`detail`: `by=owner id=…`, or `by=admin count=…`).
    PasskeyDeleted,
    /// A passkey sign-in was started (`detail`: `for=sign_in` or `for=second_factor`).
    PasskeyChallenged,
    /// A passkey registration or assertion was refused (`detail`: where, and the cause).
    PasskeyFailed,
    /// A passkey's signature counter did not move forward: a copy of the authenticator may be
    /// in use, and the sign-in was refused (`detail`: the passkey's id and the counts).
    PasskeyCloneDetected,
}

impl EventKind {
    /// The event's stable name, e.g. `auth.login.success`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UserCreated => "auth.user_created",
            Self::LoginSucceeded => "auth.login.success",
            Self::LoginFailed => "auth.login.failed",
            Self::UserLocked => "auth.user_locked",
            Self::TokenRefreshed => "auth.token.refreshed",
            Self::TokenReuseDetected => "auth.token.reuse_detected",
            Self::SessionRevoked => "auth.session.revoked",
            Self::PasswordChanged => "auth.password.changed",
            Self::PasswordReset => "auth.password.reset",
            Self::PasswordResetRequested => "auth.password.reset_requested",
            Self::EmailVerified => "auth.email.verified",
            Self::EmailChangeRequested => "auth.email.change_requested",
            Self::EmailChanged => "auth.email.changed",
            Self::UserUpdated => "auth.user.updated",
            Self::UserDeleted => "auth.user.deleted",
            Self::MfaEnrollmentStarted => "auth.mfa.enrollment_started",
            Self::MfaEnabled => "auth.mfa.enabled",
            Self::MfaDisabled => "auth.mfa.disabled",
            Self::MfaChallenged => "auth.mfa.challenged",
            Self::MfaFailed => "auth.mfa.failed",
            Self::RecoveryCodeUsed => "auth.mfa.recovery_code_used",
            Self::RecoveryCodesRegenerated => "auth.mfa.recovery_codes_regenerated",
            Self::EmailSignInRequested => "auth.email_sign_in.requested",
            Self::IdentityLinked => "auth.identity.linked",
            Self::IdentityUnlinked => "auth.identity.unlinked",
            Self::PasskeyRegistrationStarted => "auth.passkey.registration_started",
            Self::PasskeyRegistered => "auth.passkey.registered",
            Self::PasskeyRenamed => "auth.passkey.renamed",
            Self::PasskeyDeleted => "auth.passkey.deleted",
            Self::PasskeyChallenged => "auth.passkey.challenged",
            Self::PasskeyFailed => "auth.passkey.failed",
            Self::PasskeyCloneDetected => "auth.passkey.clone_detected",
        }
    }
}

/// One security event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthEvent {
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub at: OffsetDateTime,
    /// The account concerned, when known.
    pub user_id: Option<UserId>,
    /// The session concerned, when there is one.
    pub session_id: Option<SessionId>,
    /// The client's IP, when known.
    pub ip: Option<IpAddr>,
    /// A short, non-secret note (e.g. `"reason=disabled"`, `"count=5"`).
    pub detail: Option<String>,
}

impl AuthEvent {
    /// An event of `kind` at `at` with nothing else filled in.
    pub fn new(kind: EventKind, at: OffsetDateTime) -> Self {
        Self {
            kind,
            at,
            user_id: None,
            session_id: None,
            ip: None,
            detail: None,
        }
    }

    /// Sets the user.
    pub fn user(mut self, id: UserId) -> Self {
        self.user_id = Some(id);
        self
    }

    /// Sets the session.
    pub fn session(mut self, id: SessionId) -> Self {
        self.session_id = Some(id);
        self
    }

    /// Sets the client IP.
    pub fn ip(mut self, ip: Option<IpAddr>) -> Self {
        self.ip = ip;
        self
    }

    /// Sets the note.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Where events go. Recording must not fail the flow that reports: an implementation logs its
/// own failures and returns.
///
/// ```
/// use authkit_core::events::{AuthEvent, EventSink};
///
/// struct Stdout;
///
/// #[async_trait::async_trait]
/// impl EventSink for Stdout {
///     async fn record(&self, event: AuthEvent) {
///         println!("{} user={:?}", event.kind.as_str(), event.user_id);
///     }
/// }
/// ```
#[async_trait]
pub trait EventSink: Send + Sync + 'static {
    /// Records one event.
    async fn record(&self, event: AuthEvent);
}

/// Writes events to `tracing` at `info` (failures and reuse at `warn`), target `authkit::events`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingSink;

#[async_trait]
impl EventSink for TracingSink {
    async fn record(&self, e: AuthEvent) {
        let warn = matches!(
            e.kind,
            EventKind::LoginFailed | EventKind::UserLocked | EventKind::TokenReuseDetected
        );
        let user = e.user_id.map(|u| u.to_string());
        let session = e.session_id.map(|s| s.to_string());
        let ip = e.ip.map(|ip| ip.to_string());
        if warn {
            tracing::warn!(target: "authkit::events", event = e.kind.as_str(), user, session, ip, detail = e.detail);
        } else {
            tracing::info!(target: "authkit::events", event = e.kind.as_str(), user, session, ip, detail = e.detail);
        }
    }
}

/// Sends every event to several sinks, in order (e.g. the log and the audit table).
pub struct FanOut {
    sinks: Vec<std::sync::Arc<dyn EventSink>>,
}

impl FanOut {
    /// A sink that forwards to each of `sinks`.
    pub fn new(sinks: Vec<std::sync::Arc<dyn EventSink>>) -> Self {
        Self { sinks }
    }
}

impl std::fmt::Debug for FanOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FanOut")
            .field("sinks", &self.sinks.len())
            .finish()
    }
}

#[async_trait]
impl EventSink for FanOut {
    async fn record(&self, event: AuthEvent) {
        for sink in &self.sinks {
            sink.record(event.clone()).await;
        }
    }
}

/// Keeps events in memory: for tests.
#[derive(Debug, Default)]
pub struct MemorySink {
    events: Mutex<Vec<AuthEvent>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every event recorded so far.
    pub fn events(&self) -> Vec<AuthEvent> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How many events of `kind` were recorded.
    pub fn count(&self, kind: EventKind) -> usize {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|e| e.kind == kind)
            .count()
    }
}

#[async_trait]
impl EventSink for MemorySink {
    async fn record(&self, event: AuthEvent) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event);
    }
}
