//! Passkeys: registration and management, sign-in with a passkey alone, and a passkey as the
//! second step of a sign-in. The rules are in [`crate::passkey`].

use serde::Serialize;
use serde::de::DeserializeOwned;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, WebauthnError,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::Auth;
use crate::dto::{
    MfaPasskeyBeginRequest, MfaPasskeyLoginRequest, PasskeyList, PasskeyLoginRequest,
    PasskeyOptions, PasskeyRegistrationRequest, PasskeyView, TokenPair,
};
use crate::error::AuthError;
use crate::events::EventKind;
use crate::jwt::AccessClaims;
use crate::model::{ClientInfo, User, UserId, UserStatus, new_id};
use crate::passkey::{MAX_NAME_CHARS, PasskeyConfig};
use crate::secret::SecretString;
use crate::store::{
    CeremonyPurpose, CredentialChange, PasskeyCeremony, StoredPasskey, TokenPurpose,
};
use crate::token::OpaqueToken;

/// The name a passkey gets when its registration names none.
const DEFAULT_NAME: &str = "Passkey";

impl Auth {
    /// The settings, or 404 when passkeys are not offered.
    fn passkey_config(&self) -> Result<&PasskeyConfig, AuthError> {
        self.inner.passkeys.as_ref().ok_or(AuthError::NotFound)
    }

    /// Starts registering a passkey for the caller (`POST /auth/passkeys/register/begin`): the
    /// options for `navigator.credentials.create`, asking for a discoverable credential with
    /// user verification and excluding the caller's passkeys.
    pub async fn begin_passkey_registration(
        &self,
        claims: &AccessClaims,
    ) -> Result<PasskeyOptions, AuthError> {
        let config = self.passkey_config()?;
        let user = self.active_user(claims).await?;
        let exclude = self
            .inner
            .store
            .passkeys(user.id)
            .await?
            .into_iter()
            .map(|p| p.credential_id)
            .collect();
        let display_name = user.username.as_deref().unwrap_or(&user.email);
        let (mut options, state) = config
            .webauthn
            .start_passkey_registration(user.id, &user.email, display_name, Some(exclude))
            .map_err(|e| AuthError::Internal(format!("starting a passkey registration: {e}")))?;
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.require_resident_key = true;
            selection.resident_key = Some(ResidentKeyRequirement::Required);
        }
        let answer = self
            .issue_ceremony(
                config,
                Some(user.id),
                CeremonyPurpose::Registration,
                &state,
                &options,
            )
            .await?;
        self.emit(
            self.event(EventKind::PasskeyRegistrationStarted)
                .user(user.id),
        )
        .await;
        Ok(answer)
    }

    /// Finishes a registration (`POST /auth/passkeys/register`): verifies what the browser
    /// answered against the ceremony and stores the passkey. 400 `invalid_passkey_ceremony`
    /// for an unknown, expired, used or someone else's ceremony, 400
    /// `invalid_passkey_registration` for a refused credential, 409
    /// `passkey_already_registered` when its credential id is registered already.
    pub async fn finish_passkey_registration(
        &self,
        claims: &AccessClaims,
        req: &PasskeyRegistrationRequest,
        client: &ClientInfo,
    ) -> Result<PasskeyView, AuthError> {
        let config = self.passkey_config()?;
        let user = self.active_user(claims).await?;
        let name = passkey_name(req.name.as_deref().unwrap_or(DEFAULT_NAME))?;
        let credential: RegisterPublicKeyCredential = parse_credential(&req.credential)?;
        let (owner, state): (_, PasskeyRegistration) = self
            .take_ceremony(&req.ceremony, CeremonyPurpose::Registration)
            .await?;
        if owner != Some(user.id) {
            return Err(AuthError::InvalidPasskeyCeremony);
        }
        let passkey = match config
            .webauthn
            .finish_passkey_registration(&credential, &state)
        {
            Ok(passkey) => passkey,
            Err(e) => {
                self.passkey_failed(Some(user.id), "registration", &e, client)
                    .await;
                return Err(AuthError::InvalidPasskeyRegistration(e.to_string()));
            }
        };
        let serialised = serialise(&passkey)?;
        let stored = StoredPasskey {
            id: new_id(),
            user_id: user.id,
            credential_id: passkey.cred_id().to_vec(),
            name,
            sign_count: stored_counter(&serialised),
            credential: serialised,
            created_at: self.now(),
            last_used_at: None,
        };
        self.inner.store.add_passkey(&stored).await?;
        self.emit(
            self.event(EventKind::PasskeyRegistered)
                .user(user.id)
                .ip(client.ip)
                .detail(format!("passkey={}", stored.id)),
        )
        .await;
        Ok(PasskeyView::from(&stored))
    }

    /// The caller's passkeys, oldest first (`GET /auth/passkeys`).
    pub async fn passkeys(&self, claims: &AccessClaims) -> Result<PasskeyList, AuthError> {
        self.passkey_config()?;
        let user = self.active_user(claims).await?;
        let passkeys = self.inner.store.passkeys(user.id).await?;
        Ok(PasskeyList {
            passkeys: passkeys.iter().map(PasskeyView::from).collect(),
        })
    }

    /// Renames one of the caller's passkeys (`PATCH /auth/passkeys/{id}`); 404 when it is not
    /// theirs.
    pub async fn rename_passkey(
        &self,
        claims: &AccessClaims,
        id: uuid::Uuid,
        name: &str,
    ) -> Result<PasskeyView, AuthError> {
        self.passkey_config()?;
        let user = self.active_user(claims).await?;
        let name = passkey_name(name)?;
        if !self.inner.store.rename_passkey(user.id, id, &name).await? {
            return Err(AuthError::NotFound);
        }
        self.emit(
            self.event(EventKind::PasskeyRenamed)
                .user(user.id)
                .detail(format!("passkey={id}")),
        )
        .await;
        let passkeys = self.inner.store.passkeys(user.id).await?;
        passkeys
            .iter()
            .find(|p| p.id == id)
            .map(PasskeyView::from)
            .ok_or(AuthError::NotFound)
    }

    /// Deletes one of the caller's passkeys (`DELETE /auth/passkeys/{id}`); 404 when it is not
    /// theirs. Never the account's last way to sign in: every account has a password.
    pub async fn delete_passkey(
        &self,
        claims: &AccessClaims,
        id: uuid::Uuid,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        self.passkey_config()?;
        let user = self.active_user(claims).await?;
        if !self.inner.store.delete_passkey(user.id, id).await? {
            return Err(AuthError::NotFound);
        }
        self.emit(
            self.event(EventKind::PasskeyDeleted)
                .user(user.id)
                .ip(client.ip)
                .detail(format!("by=owner passkey={id}")),
        )
        .await;
        Ok(())
    }

    /// Starts a sign-in with a passkey alone (`POST /auth/login/passkey/begin`): options for
    /// `navigator.credentials.get` with no credential listed, so the authenticator offers its
    /// own. Takes no identifier, so it tells nothing about any account.
    pub async fn begin_passkey_login(&self) -> Result<PasskeyOptions, AuthError> {
        let config = self.passkey_config()?;
        let (mut options, state) = config
            .webauthn
            .start_discoverable_authentication()
            .map_err(|e| AuthError::Internal(format!("starting a passkey sign-in: {e}")))?;
        // A modal request by default; a page that wants autofill asks for it itself.
        options.mediation = None;
        self.issue_ceremony(config, None, CeremonyPurpose::SignIn, &state, &options)
            .await
    }

    /// Completes a sign-in with a passkey alone (`POST /auth/login/passkey`): the token pair
    /// of the passkey's owner. 400 `invalid_passkey_ceremony`, 401 `invalid_passkey` (also for
    /// a disabled account), 401 `passkey_counter_regressed`, 403 `email_not_verified` as for
    /// a password.
    pub async fn login_passkey(
        &self,
        req: &PasskeyLoginRequest,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let result = self.attempt_passkey_login(req, client).await;
        crate::telemetry::login(crate::telemetry::LoginOutcome::of(&result));
        result
    }

    async fn attempt_passkey_login(
        &self,
        req: &PasskeyLoginRequest,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let config = self.passkey_config()?;
        let credential: PublicKeyCredential = parse_credential(&req.credential)?;
        let (_, state): (_, DiscoverableAuthentication) = self
            .take_ceremony(&req.ceremony, CeremonyPurpose::SignIn)
            .await?;
        let refuse = |why: &str| AuthError::InvalidPasskey(why.to_owned());
        let stored = match self
            .inner
            .store
            .passkey_by_credential_id(credential.raw_id.as_slice())
            .await?
        {
            Some(stored) => stored,
            None => {
                return Err(self
                    .refused(None, "sign_in", refuse("unknown credential"), client)
                    .await);
            }
        };
        if credential.get_user_unique_id() != Some(stored.user_id.as_bytes().as_slice()) {
            let err = refuse("the user handle is not the passkey's owner");
            return Err(self
                .refused(Some(stored.user_id), "sign_in", err, client)
                .await);
        }
        let user = match self.inner.store.user_by_id(stored.user_id).await? {
            Some(user) if user.status == UserStatus::Active => user,
            _ => {
                let err = refuse("the account is disabled");
                return Err(self
                    .refused(Some(stored.user_id), "sign_in", err, client)
                    .await);
            }
        };
        let passkey = open_passkey(&stored)?;
        let verified =
            config
                .webauthn
                .finish_discoverable_authentication_v2(&credential, state, &passkey);
        self.record_passkey_use(&user, &stored, passkey, verified, "sign_in", client)
            .await?;
        if self.inner.config.require_email_verification && !user.email_verified {
            return Err(AuthError::EmailNotVerified);
        }
        let tokens = self.start_session(&user, client).await?;
        self.emit(
            self.event(EventKind::LoginSucceeded)
                .user(user.id)
                .session(tokens.session_id)
                .ip(client.ip)
                .detail(format!("method=passkey passkey={}", stored.id)),
        )
        .await;
        Ok(tokens)
    }

    /// Starts the passkey step of a sign-in that owes a second factor
    /// (`POST /auth/login/mfa/passkey/begin`): options listing the account's passkeys. 401
    /// `invalid_mfa_challenge` for an unknown, expired or used challenge, 409
    /// `mfa_not_enabled` when the account has no passkey.
    pub async fn begin_passkey_second_factor(
        &self,
        req: &MfaPasskeyBeginRequest,
        client: &ClientInfo,
    ) -> Result<PasskeyOptions, AuthError> {
        let config = self.passkey_config()?;
        let (user, _) = self.challenged_user(&req.challenge).await?;
        let passkeys = self
            .inner
            .store
            .passkeys(user.id)
            .await?
            .iter()
            .map(open_passkey)
            .collect::<Result<Vec<_>, _>>()?;
        if passkeys.is_empty() {
            return Err(AuthError::MfaNotEnabled("the account has no passkey"));
        }
        let (options, state) = config
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|e| AuthError::Internal(format!("starting a passkey step: {e}")))?;
        let answer = self
            .issue_ceremony(
                config,
                Some(user.id),
                CeremonyPurpose::SecondFactor,
                &state,
                &options,
            )
            .await?;
        self.emit(
            self.event(EventKind::PasskeyChallenged)
                .user(user.id)
                .ip(client.ip)
                .detail("for=second_factor"),
        )
        .await;
        Ok(answer)
    }

    /// Completes a sign-in that owes a second factor with a passkey
    /// (`POST /auth/login/mfa/passkey`): the token pair, spending the challenge. 401
    /// `invalid_mfa_challenge`, 400 `invalid_passkey_ceremony` (also for a ceremony begun for
    /// another challenge's account), 401 `invalid_passkey`, 401 `passkey_counter_regressed`.
    /// A refused passkey leaves the challenge usable until it expires.
    pub async fn login_passkey_second_factor(
        &self,
        req: &MfaPasskeyLoginRequest,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let result = self.attempt_passkey_second_factor(req, client).await;
        crate::telemetry::login(crate::telemetry::LoginOutcome::of(&result));
        result
    }

    async fn attempt_passkey_second_factor(
        &self,
        req: &MfaPasskeyLoginRequest,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let config = self.passkey_config()?;
        let (user, challenge) = self.challenged_user(&req.challenge).await?;
        let credential: PublicKeyCredential = parse_credential(&req.credential)?;
        let (owner, state): (_, PasskeyAuthentication) = self
            .take_ceremony(&req.ceremony, CeremonyPurpose::SecondFactor)
            .await?;
        if owner != Some(user.id) {
            return Err(AuthError::InvalidPasskeyCeremony);
        }
        let stored = self
            .inner
            .store
            .passkeys(user.id)
            .await?
            .into_iter()
            .find(|p| p.credential_id == credential.raw_id.as_slice());
        let Some(stored) = stored else {
            let err = AuthError::InvalidPasskey("not one of the account's passkeys".into());
            return Err(self
                .refused(Some(user.id), "second_factor", err, client)
                .await);
        };
        let passkey = open_passkey(&stored)?;
        let verified = config
            .webauthn
            .finish_passkey_authentication(&credential, &state);
        self.record_passkey_use(&user, &stored, passkey, verified, "second_factor", client)
            .await?;
        let consume = CredentialChange {
            user_id: user.id,
            consume: Some((challenge, TokenPurpose::MfaChallenge)),
            ..CredentialChange::default()
        };
        let user = self
            .inner
            .store
            .apply_credential_change(&consume, self.now())
            .await?
            .ok_or(AuthError::InvalidMfaChallenge)?;
        let tokens = self.start_session(&user, client).await?;
        self.emit(
            self.event(EventKind::LoginSucceeded)
                .user(user.id)
                .session(tokens.session_id)
                .ip(client.ip)
                .detail(format!("mfa=passkey passkey={}", stored.id)),
        )
        .await;
        Ok(tokens)
    }

    /// After webauthn-rs checked an assertion: refuses it (`invalid_passkey`, or
    /// `passkey_counter_regressed` with the clone event), or stores the passkey's new counter,
    /// which succeeds for one caller per count.
    async fn record_passkey_use(
        &self,
        user: &User,
        stored: &StoredPasskey,
        mut passkey: Passkey,
        verified: Result<AuthenticationResult, WebauthnError>,
        during: &str,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let result = match verified {
            Ok(result) => result,
            Err(WebauthnError::CredentialPossibleCompromise) => {
                return Err(self.clone_detected(user.id, stored, None, client).await);
            }
            Err(e) => {
                let err = AuthError::InvalidPasskey(e.to_string());
                return Err(self.refused(Some(user.id), during, err, client).await);
            }
        };
        passkey.update_credential(&result);
        let used = self
            .inner
            .store
            .use_passkey(
                user.id,
                stored.id,
                result.counter(),
                &serialise(&passkey)?,
                self.now(),
            )
            .await?;
        if !used {
            return Err(self
                .clone_detected(user.id, stored, Some(result.counter()), client)
                .await);
        }
        Ok(())
    }

    /// Records a counter that did not move forward, and the error to answer.
    async fn clone_detected(
        &self,
        user: UserId,
        stored: &StoredPasskey,
        presented: Option<u32>,
        client: &ClientInfo,
    ) -> AuthError {
        tracing::warn!(target: "authkit", %user, passkey = %stored.id, stored = stored.sign_count,
            ?presented, "a passkey's signature counter did not move forward; sign-in refused");
        let presented = presented.map_or_else(|| "not_above".to_owned(), |n| n.to_string());
        self.emit(
            self.event(EventKind::PasskeyCloneDetected)
                .user(user)
                .ip(client.ip)
                .detail(format!(
                    "passkey={} stored_count={} presented_count={presented}",
                    stored.id, stored.sign_count
                )),
        )
        .await;
        AuthError::PasskeyCounterRegressed
    }

    /// Records a refused passkey and returns `err`.
    async fn refused(
        &self,
        user: Option<UserId>,
        during: &str,
        err: AuthError,
        client: &ClientInfo,
    ) -> AuthError {
        tracing::info!(target: "authkit", user = ?user, during, error = %err, "passkey refused");
        let mut event = self
            .event(EventKind::PasskeyFailed)
            .ip(client.ip)
            .detail(format!("during={during}"));
        if let Some(user) = user {
            event = event.user(user);
        }
        self.emit(event).await;
        err
    }

    async fn passkey_failed(
        &self,
        user: Option<UserId>,
        during: &str,
        cause: &WebauthnError,
        client: &ClientInfo,
    ) {
        let err = AuthError::InvalidPasskey(cause.to_string());
        self.refused(user, during, err, client).await;
    }

    /// Stores a ceremony's state under a fresh id, and answers the id with `options`.
    async fn issue_ceremony(
        &self,
        config: &PasskeyConfig,
        user_id: Option<UserId>,
        purpose: CeremonyPurpose,
        state: &impl Serialize,
        options: &impl Serialize,
    ) -> Result<PasskeyOptions, AuthError> {
        let token = OpaqueToken::generate();
        let now = self.now();
        let ceremony = PasskeyCeremony {
            hash: token.hash(),
            user_id,
            purpose,
            state: serialise(state)?,
            created_at: now,
            expires_at: now + config.ceremony_ttl,
        };
        self.inner.store.issue_passkey_ceremony(&ceremony).await?;
        let options = serde_json::to_value(options)
            .map_err(|e| AuthError::Internal(format!("serialising passkey options: {e}")))?;
        Ok(PasskeyOptions {
            ceremony: token.text().expose().to_owned(),
            options,
        })
    }

    /// Takes the ceremony `presented` names for `purpose`: its account and state; 400
    /// `invalid_passkey_ceremony` when there is no such live ceremony.
    async fn take_ceremony<S: DeserializeOwned>(
        &self,
        presented: &SecretString,
        purpose: CeremonyPurpose,
    ) -> Result<(Option<UserId>, S), AuthError> {
        let hash = OpaqueToken::hash_presented(presented.expose())
            .ok_or(AuthError::InvalidPasskeyCeremony)?;
        let ceremony = self
            .inner
            .store
            .take_passkey_ceremony(&hash, purpose, self.now())
            .await?
            .ok_or(AuthError::InvalidPasskeyCeremony)?;
        let state = serde_json::from_str(&ceremony.state)
            .map_err(|e| AuthError::Internal(format!("a stored passkey ceremony: {e}")))?;
        Ok((ceremony.user_id, state))
    }
}

/// A passkey's name, trimmed: 1 to [`MAX_NAME_CHARS`] characters, no control characters.
fn passkey_name(name: &str) -> Result<String, AuthError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AuthError::Validation(format!(
            "name: 1 to {MAX_NAME_CHARS} characters, no control characters"
        )));
    }
    Ok(name.to_owned())
}

/// The browser's credential in the shape webauthn-rs reads; 400 `malformed_body` otherwise.
fn parse_credential<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, AuthError> {
    T::deserialize(value).map_err(|e| AuthError::MalformedBody(format!("credential: {e}")))
}

fn serialise(value: &impl Serialize) -> Result<String, AuthError> {
    serde_json::to_string(value)
        .map_err(|e| AuthError::Internal(format!("serialising passkey state: {e}")))
}

fn open_passkey(stored: &StoredPasskey) -> Result<Passkey, AuthError> {
    serde_json::from_str(&stored.credential)
        .map_err(|e| AuthError::Internal(format!("a stored passkey does not parse: {e}")))
}

/// The signature counter inside a serialised [`Passkey`] (0 when absent).
fn stored_counter(serialised: &str) -> u32 {
    serde_json::from_str::<serde_json::Value>(serialised)
        .ok()
        .and_then(|value| value["cred"]["counter"].as_u64())
        .and_then(|counter| u32::try_from(counter).ok())
        .unwrap_or(0)
}
