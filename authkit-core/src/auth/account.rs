//! Self-service account changes: profile, password, e-mail address, deletion.

use super::Auth;
use crate::dto::{ChangeEmailRequest, ChangePasswordRequest, UpdateMeRequest};
use crate::email::{normalize_email, normalize_username};
use crate::error::AuthError;
use crate::events::EventKind;
use crate::jwt::AccessClaims;
use crate::mail::Mail;
use crate::model::{Role, User, UserId, UserStatus};
use crate::secret::SecretString;
use crate::store::{CredentialChange, SessionRevocation, TokenPurpose, UserQuery, UserUpdate};

impl Auth {
    /// The caller's account (`GET /auth/me`).
    pub async fn me(&self, claims: &AccessClaims) -> Result<User, AuthError> {
        self.active_user(claims).await
    }

    /// Sets or clears the caller's username (`PATCH /auth/me`); 409 `username_taken` on a clash.
    pub async fn update_me(
        &self,
        claims: &AccessClaims,
        req: UpdateMeRequest,
    ) -> Result<User, AuthError> {
        self.active_user(claims).await?;
        let username = req
            .username
            .as_deref()
            .map(normalize_username)
            .transpose()?;
        let update = UserUpdate {
            username: Some(username),
            ..UserUpdate::default()
        };
        let user = self
            .inner
            .store
            .update_user(claims.sub, &update, self.now())
            .await?
            .ok_or(AuthError::InvalidAccessToken("account gone"))?;
        self.emit(
            self.event(EventKind::UserUpdated)
                .user(user.id)
                .detail("field=username"),
        )
        .await;
        Ok(user)
    }

    /// Changes the caller's password. In one transaction: the hash is replaced, every other
    /// session revoked (the caller's stays) and outstanding one-time tokens voided.
    pub async fn change_password(
        &self,
        claims: &AccessClaims,
        req: ChangePasswordRequest,
    ) -> Result<(), AuthError> {
        let user = self.active_user(claims).await?;
        if !self
            .check_password(Some(&user), &req.current_password)
            .await?
        {
            return Err(AuthError::InvalidCredentials);
        }
        let password_hash = self
            .accept_new_password(&req.new_password, &user.email, user.username.as_deref())
            .await?;
        let change = CredentialChange {
            user_id: user.id,
            password_hash: Some(password_hash),
            revoke_sessions: SessionRevocation::AllExcept(claims.sid),
            void_one_time_tokens: true,
            ..CredentialChange::default()
        };
        self.inner
            .store
            .apply_credential_change(&change, self.now())
            .await?
            .ok_or(AuthError::InvalidAccessToken("account gone"))?;
        self.clear_session_cache();
        self.revoked(None).await;
        self.send_mail(Mail::password_changed(&user.email));
        self.emit(
            self.event(EventKind::PasswordChanged)
                .user(user.id)
                .session(claims.sid),
        )
        .await;
        Ok(())
    }

    /// Starts an e-mail change: after the password is confirmed, a link goes to the new
    /// address and a notice to the old one. The account switches when the link is opened
    /// ([`verify_email`](Self::verify_email)). Answers the same whether or not the new address
    /// is taken (then nothing is sent to it), so it does not enumerate accounts.
    pub async fn request_email_change(
        &self,
        claims: &AccessClaims,
        req: ChangeEmailRequest,
    ) -> Result<(), AuthError> {
        let user = self.active_user(claims).await?;
        let (new_email, canonical) = normalize_email(&req.new_email)?;
        if !self.check_password(Some(&user), &req.password).await? {
            return Err(AuthError::InvalidCredentials);
        }
        if canonical == user.email_canonical {
            return Err(AuthError::Validation(
                "new_email: is the account's current address".into(),
            ));
        }
        if self.inner.store.user_by_email(&canonical).await?.is_none() {
            let token = self
                .issue_token(
                    &user,
                    TokenPurpose::ChangeEmail,
                    Some(new_email.clone()),
                    self.inner.config.email_change_ttl,
                )
                .await?;
            self.send_mail(Mail::email_change_confirm(
                &new_email,
                &self.inner.config.public_url,
                token.text().expose(),
            ));
        }
        self.send_mail(Mail::email_change_notice(&user.email, &new_email));
        self.emit(self.event(EventKind::EmailChangeRequested).user(user.id))
            .await;
        Ok(())
    }

    /// Deletes the caller's account and everything attached to it, after confirming the
    /// password (`DELETE /auth/me`). The last active admin cannot delete itself (400
    /// `validation_failed`), as on the admin routes: someone must be left to administer.
    pub async fn delete_me(
        &self,
        claims: &AccessClaims,
        password: &SecretString,
    ) -> Result<(), AuthError> {
        let user = self.active_user(claims).await?;
        if !self.check_password(Some(&user), password).await? {
            return Err(AuthError::InvalidCredentials);
        }
        if user.role.is_admin() && !self.another_active_admin(user.id).await? {
            return Err(AuthError::Validation(
                "the last admin cannot delete their own account: make another account admin first"
                    .into(),
            ));
        }
        self.inner.store.delete_user(user.id, self.now()).await?;
        self.clear_session_cache();
        self.revoked(None).await;
        self.emit(
            self.event(EventKind::UserDeleted)
                .user(user.id)
                .detail("by=self"),
        )
        .await;
        Ok(())
    }

    /// Whether an active admin other than `me` exists.
    pub(super) async fn another_active_admin(&self, me: UserId) -> Result<bool, AuthError> {
        let query = UserQuery {
            limit: 2,
            after: None,
            role: Some(Role::admin()),
            status: Some(UserStatus::Active),
            search: None,
        };
        let admins = self.inner.store.list_users(&query).await?;
        Ok(admins.iter().any(|admin| admin.id != me))
    }
}
