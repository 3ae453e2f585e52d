//! Second factors: TOTP enrolment, the second step of a sign-in, recovery codes, removal. The
//! rules are in [`crate::mfa`].

use super::Auth;
use super::login::hex_digest;
use crate::dto::{
    MfaLoginRequest, MfaStatus, RecoveryCodes, SecondFactorProof, TokenPair, TotpEnrollment,
};
use crate::error::{AuthError, MfaChallenge};
use crate::events::EventKind;
use crate::jwt::AccessClaims;
use crate::mail::Mail;
use crate::mfa::{TotpConfig, TotpSecret};
use crate::model::{ClientInfo, User, UserId};
use crate::secret::SecretString;
use crate::store::{OneTimeToken, TokenPurpose, TotpCredential};
use crate::token::OpaqueToken;

/// How a second factor was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Factor {
    Totp,
    RecoveryCode,
}

impl Factor {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::RecoveryCode => "recovery_code",
        }
    }
}

/// The throttle counter of an account's second-factor codes: its own, so wrong codes and wrong
/// passwords do not share a budget.
fn mfa_throttle_key(id: UserId) -> String {
    hex_digest(&format!("mfa:{id}"))
}

impl Auth {
    /// The settings, or 404 when second factors are not offered.
    fn totp_config(&self) -> Result<&TotpConfig, AuthError> {
        self.inner.totp.as_ref().ok_or(AuthError::NotFound)
    }

    /// After a right password: when the account has a confirmed authenticator, issues a
    /// challenge and fails with [`AuthError::MfaRequired`] carrying it; otherwise does nothing.
    ///
    /// An account with an authenticator on a service that no longer offers second factors is
    /// refused (500, logged) rather than let in on its password alone.
    pub(super) async fn challenge_second_factor(
        &self,
        user: &User,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let Some(credential) = self.inner.store.totp(user.id).await? else {
            return Ok(());
        };
        if credential.confirmed_at.is_none() {
            return Ok(());
        }
        let Some(config) = &self.inner.totp else {
            tracing::error!(target: "authkit", user = %user.id,
                "the account has a TOTP authenticator but no TotpConfig is set; sign-in refused");
            return Err(AuthError::Internal(
                "second factors are not configured".into(),
            ));
        };
        #[cfg_attr(not(feature = "passkeys"), allow(unused_mut))]
        let mut methods = vec!["totp", "recovery_code"];
        #[cfg(feature = "passkeys")]
        if self.inner.passkeys.is_some() && !self.inner.store.passkeys(user.id).await?.is_empty() {
            methods.push("passkey");
        }
        let now = self.now();
        let token = OpaqueToken::generate();
        let challenge = OneTimeToken {
            hash: token.hash(),
            user_id: user.id,
            purpose: TokenPurpose::MfaChallenge,
            new_email: None,
            created_at: now,
            expires_at: now + config.challenge_ttl,
        };
        self.inner
            .store
            .issue_one_time_token(&challenge, false)
            .await?;
        self.emit(
            self.event(EventKind::MfaChallenged)
                .user(user.id)
                .ip(client.ip),
        )
        .await;
        Err(AuthError::MfaRequired(MfaChallenge {
            token: token.text().clone(),
            expires_in: config.challenge_ttl.whole_seconds(),
            methods,
        }))
    }

    /// Completes a sign-in that owes a second factor (`POST /auth/login/mfa`): the challenge
    /// and a TOTP code or a recovery code give the token pair, and spend the challenge and the
    /// code. A wrong code is 401 `invalid_mfa_code` and counts against the account's
    /// second-factor throttle (429 `too_many_attempts` past the login throttle's free
    /// attempts); the challenge stays usable until it expires. An unknown, expired or spent
    /// challenge is 401 `invalid_mfa_challenge`.
    pub async fn login_second_factor(
        &self,
        req: MfaLoginRequest,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let result = self.attempt_second_factor(&req, client).await;
        crate::telemetry::login(crate::telemetry::LoginOutcome::of(&result));
        result
    }

    async fn attempt_second_factor(
        &self,
        req: &MfaLoginRequest,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let config = self.totp_config()?;
        let (user, hash) = self.challenged_user(&req.challenge).await?;
        let factor = self
            .prove_second_factor(config, &user, &req.code, "login", client)
            .await?;
        let user = self
            .consume_token(user.id, hash, TokenPurpose::MfaChallenge)
            .await?
            .ok_or(AuthError::InvalidMfaChallenge)?;
        let tokens = self.start_session(&user, client).await?;
        self.emit(
            self.event(EventKind::LoginSucceeded)
                .user(user.id)
                .session(tokens.session_id)
                .ip(client.ip)
                .detail(format!("mfa={}", factor.as_str())),
        )
        .await;
        Ok(tokens)
    }

    /// Checks and spends `code` (a TOTP code or a recovery code) of `user`, throttled: the
    /// factor it proved, or `invalid_mfa_code` (counted) / `too_many_attempts`.
    async fn prove_second_factor(
        &self,
        config: &TotpConfig,
        user: &User,
        code: &SecretString,
        context: &str,
        client: &ClientInfo,
    ) -> Result<Factor, AuthError> {
        let key = mfa_throttle_key(user.id);
        self.check_throttle(&key).await?;
        match self.spend_code(config, user, code.expose()).await? {
            Some(factor) => {
                self.inner.store.clear_login_failures(&key).await?;
                Ok(factor)
            }
            None => {
                self.record_failure(&key, Some(user), "wrong_second_factor", client)
                    .await?;
                self.emit(
                    self.event(EventKind::MfaFailed)
                        .user(user.id)
                        .ip(client.ip)
                        .detail(format!("during={context}")),
                )
                .await;
                Err(AuthError::InvalidMfaCode)
            }
        }
    }

    /// Spends `code` if it is a current, unused TOTP code or an unused recovery code of
    /// `user`'s: which one, or `None`.
    async fn spend_code(
        &self,
        config: &TotpConfig,
        user: &User,
        code: &str,
    ) -> Result<Option<Factor>, AuthError> {
        let store = &self.inner.store;
        if crate::mfa::looks_like_code(code) {
            let Some(credential) = store.totp(user.id).await? else {
                return Ok(None);
            };
            if credential.confirmed_at.is_none() {
                return Ok(None);
            }
            let secret = self.open_secret(config, &credential)?;
            let Some(step) = secret.verify(code, self.now()) else {
                return Ok(None);
            };
            let spent = store.use_totp_step(user.id, step).await?;
            return Ok(spent.then_some(Factor::Totp));
        }
        let Some(canonical) = crate::mfa::normalize_recovery_code(code) else {
            return Ok(None);
        };
        let digest = config.key.recovery_digest(user.id, &canonical);
        if !store
            .use_recovery_code(user.id, &digest, self.now())
            .await?
        {
            return Ok(None);
        }
        let left = store.recovery_codes_left(user.id).await?;
        self.emit(
            self.event(EventKind::RecoveryCodeUsed)
                .user(user.id)
                .detail(format!("left={left}")),
        )
        .await;
        self.send_mail(Mail::recovery_code_used(&user.email, left));
        Ok(Some(Factor::RecoveryCode))
    }

    fn open_secret(
        &self,
        config: &TotpConfig,
        credential: &TotpCredential,
    ) -> Result<TotpSecret, AuthError> {
        config
            .key
            .open(credential.user_id, &credential.sealed_secret)
            .ok_or_else(|| {
                AuthError::Internal(
                    "a stored TOTP secret does not open with the configured key".into(),
                )
            })
    }

    /// The caller's second factors (`GET /auth/mfa`).
    pub async fn mfa_status(&self, claims: &AccessClaims) -> Result<MfaStatus, AuthError> {
        self.totp_config()?;
        let user = self.active_user(claims).await?;
        let credential = self.inner.store.totp(user.id).await?;
        let confirmed = credential.as_ref().map(|c| c.confirmed_at.is_some());
        Ok(MfaStatus {
            totp_enabled: confirmed == Some(true),
            totp_pending: confirmed == Some(false),
            recovery_codes_left: self.inner.store.recovery_codes_left(user.id).await?,
        })
    }

    /// Starts a TOTP enrolment (`POST /auth/mfa/totp/enroll`) after checking the password:
    /// a new secret, stored sealed and pending, replacing a pending one. 409
    /// `mfa_already_enabled` when a confirmed authenticator exists (disable it first).
    pub async fn begin_totp(
        &self,
        claims: &AccessClaims,
        password: &SecretString,
    ) -> Result<TotpEnrollment, AuthError> {
        let config = self.totp_config()?;
        let user = self.active_user(claims).await?;
        if !self.check_password(Some(&user), password).await? {
            return Err(AuthError::InvalidCredentials);
        }
        let secret = TotpSecret::generate();
        let credential = TotpCredential {
            user_id: user.id,
            sealed_secret: config.key.seal(user.id, &secret),
            created_at: self.now(),
            confirmed_at: None,
            last_used_step: None,
        };
        if !self.inner.store.begin_totp(&credential).await? {
            return Err(AuthError::MfaAlreadyEnabled);
        }
        self.emit(self.event(EventKind::MfaEnrollmentStarted).user(user.id))
            .await;
        Ok(TotpEnrollment {
            secret: secret.to_base32().expose().to_owned(),
            otpauth_uri: secret
                .otpauth_uri(&config.issuer, &user.email)
                .expose()
                .to_owned(),
        })
    }

    /// Confirms the pending enrolment with a first code (`POST /auth/mfa/totp/confirm`): from
    /// now on sign-ins need a second factor. Answers the recovery codes, shown this once. A
    /// wrong code is 401 `invalid_mfa_code` (throttled); no enrolment started is 409
    /// `mfa_not_enabled`.
    pub async fn confirm_totp(
        &self,
        claims: &AccessClaims,
        code: &SecretString,
        client: &ClientInfo,
    ) -> Result<RecoveryCodes, AuthError> {
        let config = self.totp_config()?;
        let user = self.active_user(claims).await?;
        let pending = self
            .inner
            .store
            .totp(user.id)
            .await?
            .filter(|credential| credential.confirmed_at.is_none())
            .ok_or(AuthError::MfaNotEnabled("start an enrolment first"))?;
        let key = mfa_throttle_key(user.id);
        self.check_throttle(&key).await?;
        let secret = self.open_secret(config, &pending)?;
        let Some(step) = secret.verify(code.expose(), self.now()) else {
            self.record_failure(&key, Some(&user), "wrong_second_factor", client)
                .await?;
            self.emit(
                self.event(EventKind::MfaFailed)
                    .user(user.id)
                    .ip(client.ip)
                    .detail("during=confirm"),
            )
            .await;
            return Err(AuthError::InvalidMfaCode);
        };
        let (codes, digests) = self.new_recovery_codes(config, user.id);
        let confirmed = self
            .inner
            .store
            .confirm_totp(user.id, &pending.sealed_secret, step, &digests, self.now())
            .await?;
        if !confirmed {
            return Err(AuthError::MfaNotEnabled(
                "the enrolment was replaced; start again",
            ));
        }
        self.inner.store.clear_login_failures(&key).await?;
        self.emit(
            self.event(EventKind::MfaEnabled)
                .user(user.id)
                .ip(client.ip),
        )
        .await;
        self.send_mail(Mail::mfa_enabled(&user.email));
        Ok(codes)
    }

    /// Removes the caller's second factors (`DELETE /auth/mfa/totp`), proven by the password
    /// or a code. 409 `mfa_not_enabled` when there is no confirmed authenticator.
    pub async fn disable_totp(
        &self,
        claims: &AccessClaims,
        proof: &SecondFactorProof,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let config = self.totp_config()?;
        let user = self.enabled_owner(claims, proof, config, client).await?;
        if !self.inner.store.remove_second_factors(user.id).await? {
            return Err(AuthError::MfaNotEnabled("nothing to disable"));
        }
        self.emit(
            self.event(EventKind::MfaDisabled)
                .user(user.id)
                .ip(client.ip)
                .detail("by=owner"),
        )
        .await;
        self.send_mail(Mail::mfa_disabled(&user.email, false));
        Ok(())
    }

    /// Replaces the caller's recovery codes (`POST /auth/mfa/recovery-codes`), proven by the
    /// password or a code; the old ones stop working. Answers the new codes, shown this once.
    pub async fn regenerate_recovery_codes(
        &self,
        claims: &AccessClaims,
        proof: &SecondFactorProof,
        client: &ClientInfo,
    ) -> Result<RecoveryCodes, AuthError> {
        let config = self.totp_config()?;
        let user = self.enabled_owner(claims, proof, config, client).await?;
        let (codes, digests) = self.new_recovery_codes(config, user.id);
        self.inner
            .store
            .replace_recovery_codes(user.id, &digests, self.now())
            .await?;
        self.emit(
            self.event(EventKind::RecoveryCodesRegenerated)
                .user(user.id)
                .ip(client.ip),
        )
        .await;
        Ok(codes)
    }

    /// Removes a user's second factors (`DELETE /auth/admin/users/{id}/mfa`), for an owner who
    /// lost both the authenticator and the recovery codes: the authenticator, the recovery
    /// codes and the passkeys (lost with the same devices, most likely). 404 when there is no
    /// such user, 409 `mfa_not_enabled` when they have neither an authenticator nor a passkey.
    pub async fn admin_reset_second_factors(
        &self,
        claims: &AccessClaims,
        target: UserId,
    ) -> Result<(), AuthError> {
        self.totp_config()?;
        let admin = self.stored_admin(claims).await?;
        let user = self
            .inner
            .store
            .user_by_id(target)
            .await?
            .ok_or(AuthError::NotFound)?;
        if !self
            .reset_second_factors(&user, &format!("admin={}", admin.id))
            .await?
        {
            return Err(AuthError::MfaNotEnabled("the user has no second factor"));
        }
        Ok(())
    }

    /// Removes `user`'s second factors (the authenticator, the recovery codes and the passkeys)
    /// for an operator (the admin route after its checks, a command line), whether or not
    /// second factors are offered: an `auth.mfa.disabled` event with `by=admin` and `actor` in
    /// its detail (and `auth.passkey.deleted` when passkeys went), and a mail to the owner.
    /// `false` (nothing done) when the user had neither a confirmed authenticator nor a
    /// passkey. It authorizes nothing itself.
    pub async fn reset_second_factors(&self, user: &User, actor: &str) -> Result<bool, AuthError> {
        let totp = self.inner.store.remove_second_factors(user.id).await?;
        let passkeys = self.inner.store.remove_passkeys(user.id).await?;
        if !totp && passkeys == 0 {
            return Ok(false);
        }
        self.emit(
            self.event(EventKind::MfaDisabled)
                .user(user.id)
                .detail(format!("by=admin {actor} totp={totp}")),
        )
        .await;
        if passkeys > 0 {
            self.emit(
                self.event(EventKind::PasskeyDeleted)
                    .user(user.id)
                    .detail(format!("by=admin {actor} count={passkeys}")),
            )
            .await;
        }
        self.send_mail(Mail::mfa_disabled(&user.email, true));
        Ok(true)
    }

    /// The caller, if they have a confirmed authenticator and `proof` proves them: exactly one
    /// of the password (401 `invalid_credentials`) and a code (401 `invalid_mfa_code`,
    /// throttled).
    async fn enabled_owner(
        &self,
        claims: &AccessClaims,
        proof: &SecondFactorProof,
        config: &TotpConfig,
        client: &ClientInfo,
    ) -> Result<User, AuthError> {
        let user = self.active_user(claims).await?;
        let enabled = self
            .inner
            .store
            .totp(user.id)
            .await?
            .is_some_and(|credential| credential.confirmed_at.is_some());
        if !enabled {
            return Err(AuthError::MfaNotEnabled("no authenticator is confirmed"));
        }
        match (&proof.password, &proof.code) {
            (Some(password), None) => {
                if !self.check_password(Some(&user), password).await? {
                    return Err(AuthError::InvalidCredentials);
                }
            }
            (None, Some(code)) => {
                self.prove_second_factor(config, &user, code, "owner_proof", client)
                    .await?;
            }
            _ => {
                return Err(AuthError::Validation(
                    "give exactly one of `password` and `code`".into(),
                ));
            }
        }
        Ok(user)
    }

    /// Fresh recovery codes: as shown to the user, and as stored.
    fn new_recovery_codes(
        &self,
        config: &TotpConfig,
        user: UserId,
    ) -> (RecoveryCodes, Vec<crate::token::TokenHash>) {
        let codes = crate::mfa::generate_recovery_codes();
        let digests = codes
            .iter()
            .map(|code| {
                let canonical = crate::mfa::normalize_recovery_code(code.expose())
                    .expect("generated codes are canonical apart from dashes");
                config.key.recovery_digest(user, &canonical)
            })
            .collect();
        let shown = codes.iter().map(|code| code.expose().to_owned()).collect();
        (
            RecoveryCodes {
                recovery_codes: shown,
            },
            digests,
        )
    }
}
