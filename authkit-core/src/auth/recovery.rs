//! E-mail verification and password reset: one-time tokens, mailed as links.
//!
//! Requests answer the same whether or not the address has an account. Confirmation consumes
//! the token atomically in the same transaction as the change it authorises: of N concurrent
//! confirmations with one token, exactly one succeeds.

use super::Auth;
use crate::email::normalize_email;
use crate::error::AuthError;
use crate::events::EventKind;
use crate::mail::Mail;
use crate::model::{User, UserStatus};
use crate::secret::SecretString;
use crate::store::{CredentialChange, OneTimeToken, SessionRevocation, TokenPurpose};
use crate::token::OpaqueToken;

impl Auth {
    /// Issues a verification token for `user` and mails the link (voiding older ones).
    pub(super) async fn issue_verification(&self, user: &User) -> Result<(), AuthError> {
        let token = self
            .issue_token(
                user,
                TokenPurpose::VerifyEmail,
                None,
                self.inner.config.verify_token_ttl,
            )
            .await?;
        self.send_mail(Mail::verify_email(
            &user.email,
            &self.inner.config.public_url,
            token.text().expose(),
        ));
        Ok(())
    }

    pub(super) async fn issue_token(
        &self,
        user: &User,
        purpose: TokenPurpose,
        new_email: Option<String>,
        ttl: time::Duration,
    ) -> Result<OpaqueToken, AuthError> {
        let token = OpaqueToken::generate();
        let now = self.now();
        let stored = OneTimeToken {
            hash: token.hash(),
            user_id: user.id,
            purpose,
            new_email,
            created_at: now,
            expires_at: now + ttl,
        };
        self.inner.store.issue_one_time_token(&stored, true).await?;
        Ok(token)
    }

    /// Mails a new verification link if the address has an unverified, active account. Always
    /// succeeds the same way otherwise (202), so it does not tell whether an account exists.
    /// A malformed address is a 400 `validation_failed`: no account can have it.
    pub async fn request_email_verification(&self, email: &str) -> Result<(), AuthError> {
        let (_, canonical) = normalize_email(email)?;
        if let Some(user) = self.inner.store.user_by_email(&canonical).await?
            && !user.email_verified
            && user.status == UserStatus::Active
        {
            self.issue_verification(&user).await?;
        }
        Ok(())
    }

    /// Confirms an address with a token from a verification or e-mail-change link and returns
    /// the updated account. Unknown, expired, used and wrong-purpose tokens are all
    /// `invalid_token`. An e-mail change whose new address was taken in the meantime is
    /// `email_taken`.
    pub async fn verify_email(&self, token: &SecretString) -> Result<User, AuthError> {
        let hash = OpaqueToken::hash_presented(token.expose()).ok_or(AuthError::InvalidToken)?;
        let now = self.now();
        let stored = self
            .inner
            .store
            .find_one_time_token(&hash, now)
            .await?
            .ok_or(AuthError::InvalidToken)?;
        let (email, kind) = match stored.purpose {
            TokenPurpose::VerifyEmail => (None, EventKind::EmailVerified),
            TokenPurpose::ChangeEmail => {
                let new_email = stored.new_email.as_deref().ok_or_else(|| {
                    AuthError::Internal("e-mail change token without an address".into())
                })?;
                (Some(normalize_email(new_email)?), EventKind::EmailChanged)
            }
            TokenPurpose::PasswordReset
            | TokenPurpose::MfaChallenge
            | TokenPurpose::EmailSignIn => {
                return Err(AuthError::InvalidToken);
            }
        };
        let change = CredentialChange {
            user_id: stored.user_id,
            consume: Some((hash, stored.purpose)),
            email,
            mark_email_verified: true,
            ..CredentialChange::default()
        };
        let user = self
            .inner
            .store
            .apply_credential_change(&change, now)
            .await?
            .ok_or(AuthError::InvalidToken)?;
        self.emit(self.event(kind).user(user.id)).await;
        if stored.purpose == TokenPurpose::VerifyEmail && self.inner.config.welcome_mail {
            self.send_mail(Mail::welcome(&user.email, &self.inner.config.public_url));
        }
        Ok(user)
    }

    /// Mails a reset link if the address has an active account, voiding older reset links.
    /// Answers the same (202) whether or not it does.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), AuthError> {
        let (_, canonical) = normalize_email(email)?;
        let Some(user) = self.inner.store.user_by_email(&canonical).await? else {
            return Ok(());
        };
        if user.status != UserStatus::Active {
            return Ok(());
        }
        let token = self
            .issue_token(
                &user,
                TokenPurpose::PasswordReset,
                None,
                self.inner.config.reset_token_ttl,
            )
            .await?;
        self.send_mail(Mail::password_reset(
            &user.email,
            &self.inner.config.public_url,
            token.text().expose(),
        ));
        self.emit(self.event(EventKind::PasswordResetRequested).user(user.id))
            .await;
        Ok(())
    }

    /// Sets a new password with a reset token. In one transaction: the token is consumed, the
    /// password replaced, every session revoked and every other one-time token voided.
    pub async fn confirm_password_reset(
        &self,
        token: &SecretString,
        new_password: &SecretString,
    ) -> Result<(), AuthError> {
        let hash = OpaqueToken::hash_presented(token.expose()).ok_or(AuthError::InvalidToken)?;
        let stored = self
            .inner
            .store
            .find_one_time_token(&hash, self.now())
            .await?
            .filter(|t| t.purpose == TokenPurpose::PasswordReset)
            .ok_or(AuthError::InvalidToken)?;
        let user = self
            .inner
            .store
            .user_by_id(stored.user_id)
            .await?
            .ok_or(AuthError::InvalidToken)?;
        let password_hash = self
            .accept_new_password(new_password, &user.email, user.username.as_deref())
            .await?;
        let change = CredentialChange {
            user_id: user.id,
            consume: Some((hash, TokenPurpose::PasswordReset)),
            password_hash: Some(password_hash),
            revoke_sessions: SessionRevocation::All,
            void_one_time_tokens: true,
            ..CredentialChange::default()
        };
        let user = self
            .inner
            .store
            .apply_credential_change(&change, self.now())
            .await?
            .ok_or(AuthError::InvalidToken)?;
        self.clear_session_cache();
        self.revoked(None).await;
        self.send_mail(Mail::password_changed(&user.email));
        self.emit(self.event(EventKind::PasswordReset).user(user.id))
            .await;
        Ok(())
    }
}
