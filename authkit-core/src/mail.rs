//! Outgoing mail: the [`Mailer`] trait, the messages authkit sends, and two mailers
//! (console for development, memory for tests).
//!
//! Links are built from the configured public URL, never from request headers, and carry the
//! token in the URL fragment (`{public_url}/reset-password#token=…`), so it is not sent to
//! servers or kept in their access logs.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;

/// Which message this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MailKind {
    /// "Confirm your address" with a verification link.
    VerifyEmail,
    /// "Reset your password" with a reset link.
    PasswordReset,
    /// "Your password was changed" (no link).
    PasswordChanged,
    /// To the new address: "confirm this address" with a link.
    EmailChangeConfirm,
    /// To the old address: "your address is being changed" (no link).
    EmailChangeNotice,
    /// To an existing account's owner: "someone tried to register with your address".
    RegistrationAttempt,
    /// To the registering address: "the username you chose is taken" (verification required).
    UsernameTaken,
    /// "Two-factor sign-in was turned on" (no link).
    MfaEnabled,
    /// "Two-factor sign-in was turned off", by the owner or an admin (no link).
    MfaDisabled,
    /// "A recovery code was used", with how many are left (no link).
    RecoveryCodeUsed,
    /// "Your sign-in code", with a six-digit code (no link).
    SignInCode,
    /// "Sign in", with a link that signs in once.
    SignInLink,
    /// "Welcome": once the registration's address is confirmed (when
    /// [`welcome_mail`](crate::AuthConfigBuilder::welcome_mail) is on).
    Welcome,
}

/// How many times authkit tries to hand one message to the [`Mailer`]: the first send and,
/// after a failure, two retries, 0.2 s and then 0.8 s later. Each failure is logged; the answer
/// to the request that caused the mail never waits for it or depends on it.
pub const DELIVERY_ATTEMPTS: u32 = 3;

/// The wait before the first retry; each later one waits four times longer.
pub const FIRST_RETRY_AFTER: std::time::Duration = std::time::Duration::from_millis(200);

/// One message. `Debug` shows the recipient, subject and kind only: the body holds a token.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// The link in the body, when there is one.
    pub link: Option<String>,
    /// Which message this is.
    pub kind: MailKind,
}

impl fmt::Debug for Mail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mail")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Mail {
    fn with_link(to: &str, kind: MailKind, subject: &str, intro: &str, link: String) -> Self {
        Self {
            to: to.to_owned(),
            subject: subject.to_owned(),
            body: format!("{intro}\n\n{link}\n\nIf you did not ask for this, ignore this message."),
            link: Some(link),
            kind,
        }
    }

    fn notice(to: &str, kind: MailKind, subject: &str, body: &str) -> Self {
        Self {
            to: to.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
            link: None,
            kind,
        }
    }

    /// The welcome message, once an account's address is confirmed.
    pub fn welcome(to: &str, public_url: &str) -> Self {
        Self::notice(
            to,
            MailKind::Welcome,
            "Welcome",
            &format!(
                "Your e-mail address is confirmed and your account is ready. Sign in at {}.",
                public_url.trim_end_matches('/')
            ),
        )
    }

    /// The e-mail verification message.
    pub fn verify_email(to: &str, public_url: &str, token: &str) -> Self {
        Self::with_link(
            to,
            MailKind::VerifyEmail,
            "Confirm your e-mail address",
            "Open this link to confirm your e-mail address:",
            link(public_url, "verify-email", token),
        )
    }

    /// The password reset message.
    pub fn password_reset(to: &str, public_url: &str, token: &str) -> Self {
        Self::with_link(
            to,
            MailKind::PasswordReset,
            "Reset your password",
            "Open this link to choose a new password (it works once, for one hour):",
            link(public_url, "reset-password", token),
        )
    }

    /// The confirmation sent to a new address.
    pub fn email_change_confirm(to: &str, public_url: &str, token: &str) -> Self {
        Self::with_link(
            to,
            MailKind::EmailChangeConfirm,
            "Confirm your new e-mail address",
            "Open this link to use this address for your account:",
            link(public_url, "verify-email", token),
        )
    }

    /// The notice sent to the old address when a change is requested.
    pub fn email_change_notice(to: &str, new_email: &str) -> Self {
        Self::notice(
            to,
            MailKind::EmailChangeNotice,
            "Your e-mail address is being changed",
            &format!(
                "A change of your account's e-mail address to {new_email} was requested. \
                 If this was not you, change your password now."
            ),
        )
    }

    /// The notice sent after a password change or reset.
    pub fn password_changed(to: &str) -> Self {
        Self::notice(
            to,
            MailKind::PasswordChanged,
            "Your password was changed",
            "The password of your account was changed. If this was not you, reset it now.",
        )
    }

    /// The notice sent when an authenticator was confirmed.
    pub fn mfa_enabled(to: &str) -> Self {
        Self::notice(
            to,
            MailKind::MfaEnabled,
            "Two-factor sign-in is on",
            "Signing in to your account now asks for a code from your authenticator app. \
             If this was not you, reset your password and contact support now.",
        )
    }

    /// The notice sent when the second factors were removed, by the owner or an admin.
    pub fn mfa_disabled(to: &str, by_admin: bool) -> Self {
        let by = if by_admin {
            "An administrator turned off"
        } else {
            "You turned off"
        };
        Self::notice(
            to,
            MailKind::MfaDisabled,
            "Two-factor sign-in is off",
            &format!(
                "{by} two-factor sign-in for your account: a password alone signs in again. \
                 If this was not expected, reset your password now."
            ),
        )
    }

    /// The notice sent when a recovery code was spent.
    pub fn recovery_code_used(to: &str, left: u32) -> Self {
        Self::notice(
            to,
            MailKind::RecoveryCodeUsed,
            "A recovery code was used",
            &format!(
                "A recovery code was used to sign in to your account; {left} remain. If this \
                 was not you, reset your password and make new recovery codes now."
            ),
        )
    }

    /// A sign-in code (sign-in by e-mail in code mode).
    pub fn sign_in_code(to: &str, code: &str, ttl: time::Duration) -> Self {
        Self::notice(
            to,
            MailKind::SignInCode,
            "Your sign-in code",
            &format!(
                "Your sign-in code is {code}. It works once, for {} minutes. If you did not \
                 ask to sign in, ignore this mail: nobody can use the code without it.",
                ttl.whole_minutes()
            ),
        )
    }

    /// A sign-in link (sign-in by e-mail in link mode).
    pub fn sign_in_link(to: &str, public_url: &str, token: &str) -> Self {
        Self::with_link(
            to,
            MailKind::SignInLink,
            "Sign in",
            "Open this link to sign in (it works once, for a few minutes). If you did not ask \
             to sign in, ignore this mail:",
            link(public_url, "sign-in", token),
        )
    }

    /// The notice sent to an address that someone tried to register again.
    pub fn registration_attempt(to: &str, public_url: &str) -> Self {
        Self::notice(
            to,
            MailKind::RegistrationAttempt,
            "Someone tried to register with your address",
            &format!(
                "Someone tried to create an account with this address, which already has one. \
                 If it was you, sign in or reset your password at {}.",
                public_url.trim_end_matches('/')
            ),
        )
    }

    /// The notice sent when a registration (with verification required) asked for a taken
    /// username: the answer was the usual 202, so the mail says what happened.
    pub fn username_taken(to: &str, username: &str) -> Self {
        Self::notice(
            to,
            MailKind::UsernameTaken,
            "Your registration was not completed",
            &format!(
                "The username {username} is already taken, so no account was created. \
                 Register again with another username."
            ),
        )
    }
}

fn link(public_url: &str, path: &str, token: &str) -> String {
    format!("{}/{path}#token={token}", public_url.trim_end_matches('/'))
}

/// A mail delivery failure; the message is for logs.
#[derive(Debug, thiserror::Error)]
#[error("mail delivery failed: {0}")]
pub struct MailError(pub String);

/// Delivers mail. authkit sends in a background task and logs failures, so a slow mail server
/// never slows a response (nor tells, by its timing, whether an address has an account).
///
/// ```
/// use authkit_core::mail::{Mail, MailError, Mailer};
///
/// struct Discard;
///
/// #[async_trait::async_trait]
/// impl Mailer for Discard {
///     async fn send(&self, _mail: Mail) -> Result<(), MailError> {
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Delivers one message.
    async fn send(&self, mail: Mail) -> Result<(), MailError>;
}

/// Prints each mail to the log (recipient, subject and link on one line each): for development.
/// The link holds a live token, so never use it in production.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleMailer;

#[async_trait]
impl Mailer for ConsoleMailer {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let content = match &mail.link {
            Some(link) => format!("link: {link}"),
            None => format!("body: {}", mail.body),
        };
        // Without a subscriber, log lines go nowhere: the links would vanish silently.
        if !tracing::dispatcher::has_been_set() {
            eprintln!(
                "authkit mail to {} (no tracing subscriber is installed, so it is printed \
                 here): {}; {content}",
                mail.to, mail.subject
            );
            return Ok(());
        }
        tracing::info!(target: "authkit::mail", "mail to: {}", mail.to);
        tracing::info!(target: "authkit::mail", "subject: {}", mail.subject);
        tracing::info!(target: "authkit::mail", "{content}");
        Ok(())
    }
}

/// Keeps mail in memory: for tests.
#[derive(Debug, Default)]
pub struct MemoryMailer {
    outbox: Mutex<Vec<Mail>>,
    arrived: Notify,
}

impl MemoryMailer {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every mail sent so far.
    pub fn sent(&self) -> Vec<Mail> {
        self.outbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Mail sent to `to` so far.
    pub fn sent_to(&self, to: &str) -> Vec<Mail> {
        self.sent().into_iter().filter(|m| m.to == to).collect()
    }

    /// Waits (up to five seconds) until `count` mails of `kind` have gone to `to`, and returns
    /// the last of them; `None` on time-out. Mail goes out in a background task, so tests wait.
    pub async fn wait_for(&self, to: &str, kind: MailKind, count: usize) -> Option<Mail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let arrived = self.arrived.notified();
            let matching: Vec<Mail> = self
                .sent()
                .into_iter()
                .filter(|m| m.to == to && m.kind == kind)
                .collect();
            if matching.len() >= count {
                return matching.into_iter().last();
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return None;
            }
        }
    }

    /// The token in the link of the last mail of `kind` to `to`, waiting for it as
    /// [`wait_for`](Self::wait_for) does.
    pub async fn token_for(&self, to: &str, kind: MailKind) -> Option<String> {
        let mail = self.wait_for(to, kind, 1).await?;
        let link = mail.link?;
        link.split_once("#token=").map(|(_, t)| t.to_owned())
    }
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        self.outbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(mail);
        self.arrived.notify_waiters();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_use_the_public_url_and_carry_the_token_in_the_fragment() {
        let m = Mail::password_reset("a@example.com", "https://app.example.com/", "TOKEN123");
        assert_eq!(
            m.link.as_deref(),
            Some("https://app.example.com/reset-password#token=TOKEN123")
        );
        let v = Mail::verify_email("a@example.com", "http://localhost:8080", "T");
        assert_eq!(
            v.link.as_deref(),
            Some("http://localhost:8080/verify-email#token=T")
        );
        assert!(
            v.body
                .contains("http://localhost:8080/verify-email#token=T")
        );
    }

    #[test]
    fn debug_hides_body_and_link() {
        let m = Mail::password_reset("a@example.com", "https://x", "SECRETTOKEN");
        let debug = format!("{m:?}");
        assert!(debug.contains("a@example.com"));
        assert!(!debug.contains("SECRETTOKEN"), "{debug}");
    }
}
