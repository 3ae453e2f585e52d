//! Sign-in by a code or link mailed to a verified address. The rules are in
//! [`crate::passwordless`].

use super::Auth;
use super::login::{Identifier, account_throttle_key, hex_digest};
use crate::dto::{EmailSignInRequest, TokenPair};
use crate::email::normalize_email;
use crate::error::AuthError;
use crate::events::EventKind;
use crate::mail::Mail;
use crate::model::{ClientInfo, User, UserStatus};
use crate::passwordless::{EmailSignIn, EmailSignInMode, code_digest, generate_code, is_code};
use crate::store::{OneTimeToken, TokenPurpose};
use crate::token::{OpaqueToken, TokenHash};

impl Auth {
    /// The settings, or 404 when sign-in by e-mail is not offered.
    fn email_sign_in_config(&self) -> Result<EmailSignIn, AuthError> {
        self.inner.email_sign_in.ok_or(AuthError::NotFound)
    }

    /// Mails a sign-in code or link (`POST /auth/email-sign-in/request`) if the address is an
    /// active account's verified address, voiding the one mailed before. Answers the same
    /// (202) whatever the address is.
    pub async fn request_email_sign_in(&self, email: &str) -> Result<(), AuthError> {
        let config = self.email_sign_in_config()?;
        let (_, canonical) = normalize_email(email)?;
        let Some(user) = self.inner.store.user_by_email(&canonical).await? else {
            return Ok(());
        };
        if user.status != UserStatus::Active || !user.email_verified {
            return Ok(());
        }
        let now = self.now();
        let (hash, mail) = match config.mode {
            EmailSignInMode::Code => {
                let code = generate_code();
                let mail = Mail::sign_in_code(&user.email, code.expose(), config.ttl);
                (code_digest(user.id, code.expose()), mail)
            }
            EmailSignInMode::Link => {
                let token = OpaqueToken::generate();
                let public_url = &self.inner.config.public_url;
                let mail = Mail::sign_in_link(&user.email, public_url, token.text().expose());
                (token.hash(), mail)
            }
        };
        let token = OneTimeToken {
            hash,
            user_id: user.id,
            purpose: TokenPurpose::EmailSignIn,
            new_email: None,
            created_at: now,
            expires_at: now + config.ttl,
        };
        self.inner.store.issue_one_time_token(&token, true).await?;
        self.emit(
            self.event(EventKind::EmailSignInRequested)
                .user(user.id)
                .detail(format!("mode={}", config.mode.as_str())),
        )
        .await;
        self.send_mail(mail);
        Ok(())
    }

    /// Signs in with a mailed code (with its address) or link token (`POST
    /// /auth/email-sign-in`), once. Every refusal is 401 `invalid_sign_in_code`; wrong codes are
    /// throttled (429 `too_many_attempts`). An account with a second factor is then asked for
    /// it (401 `mfa_required`).
    pub async fn email_sign_in(
        &self,
        req: &EmailSignInRequest,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let result = self.attempt_email_sign_in(req, client).await;
        crate::telemetry::login(crate::telemetry::LoginOutcome::of(&result));
        result
    }

    async fn attempt_email_sign_in(
        &self,
        req: &EmailSignInRequest,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let config = self.email_sign_in_config()?;
        let user = match (config.mode, &req.email, &req.code, &req.token) {
            (EmailSignInMode::Code, Some(email), Some(code), None) => {
                self.redeem_code(email, code.expose(), client).await?
            }
            (EmailSignInMode::Link, None, None, Some(token)) => {
                let hash = OpaqueToken::hash_presented(token.expose())
                    .ok_or(AuthError::InvalidSignInCode)?;
                self.redeem(hash, None)
                    .await?
                    .ok_or(AuthError::InvalidSignInCode)?
            }
            (EmailSignInMode::Code, ..) => {
                return Err(AuthError::Validation("give `email` and `code`".into()));
            }
            (EmailSignInMode::Link, ..) => {
                return Err(AuthError::Validation("give `token`".into()));
            }
        };
        #[cfg(feature = "totp")]
        self.challenge_second_factor(&user, client).await?;
        let tokens = self.start_session(&user, client).await?;
        self.emit(
            self.event(EventKind::LoginSucceeded)
                .user(user.id)
                .session(tokens.session_id)
                .ip(client.ip)
                .detail(format!("method=email_{}", config.mode.as_str())),
        )
        .await;
        Ok(tokens)
    }

    /// The account a code of `email` signs in, spending the code; throttled like a login, and
    /// alike for addresses without an account.
    async fn redeem_code(
        &self,
        email: &str,
        code: &str,
        client: &ClientInfo,
    ) -> Result<User, AuthError> {
        let identifier = Identifier::parse(Some(email), None)?;
        let user = match &identifier {
            Identifier::Email(canonical) => self.inner.store.user_by_email(canonical).await?,
            _ => None,
        };
        let key = hex_digest(&format!(
            "email-sign-in:{}",
            match &user {
                Some(user) => account_throttle_key(user.id),
                None => identifier.throttle_key(),
            }
        ));
        self.check_throttle(&key).await?;
        // An address without an account costs the same lookup as one with.
        let owner = user.as_ref().map_or_else(uuid::Uuid::nil, |user| user.id);
        let redeemed = match is_code(code) {
            true => self.redeem(code_digest(owner, code), Some(owner)).await?,
            false => None,
        };
        match redeemed {
            Some(user) => {
                self.inner.store.clear_login_failures(&key).await?;
                Ok(user)
            }
            None => {
                self.record_failure(&key, user.as_ref(), "wrong_sign_in_code", client)
                    .await?;
                Err(AuthError::InvalidSignInCode)
            }
        }
    }

    /// Consumes the sign-in token with this digest (of `owner`, when given) and returns its
    /// active account, or `None`.
    async fn redeem(
        &self,
        hash: TokenHash,
        owner: Option<uuid::Uuid>,
    ) -> Result<Option<User>, AuthError> {
        let Some(token) = self
            .inner
            .store
            .find_one_time_token(&hash, self.now())
            .await?
        else {
            return Ok(None);
        };
        if token.purpose != TokenPurpose::EmailSignIn || owner.is_some_and(|id| id != token.user_id)
        {
            return Ok(None);
        }
        let user = self
            .consume_token(token.user_id, hash, TokenPurpose::EmailSignIn)
            .await?;
        Ok(user.filter(|user| user.status == UserStatus::Active))
    }
}
