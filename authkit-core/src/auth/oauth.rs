//! Sign-in with other providers, and the identities it links. The rules are in
//! [`crate::oauth`].

use sha2::{Digest, Sha256};

use super::Auth;
use crate::dto::{OAuthCallbackQuery, TokenPair};
use crate::email::normalize_email;
use crate::error::AuthError;
use crate::events::EventKind;
use crate::jwt::AccessClaims;
use crate::model::{
    ClientInfo, Identity, IdentityId, PasswordHash, Role, User, UserStatus, new_id,
};
use crate::oauth::{OAuthConfig, Provider, ProviderUser, pkce_pair};
use crate::secret::SecretString;
use crate::store::{OAuthFlow, StoreError, UniqueField, Unlink};
use crate::token::{OpaqueToken, TokenHash};

/// A started flow: where to send the browser, and the value of the cookie that binds the flow
/// to it. `Debug` hides the binding.
#[derive(Clone)]
pub struct OAuthStart {
    /// The provider's authorization URL.
    pub authorization_url: String,
    /// The random value for the flow's cookie (only its digest is stored).
    pub binding: SecretString,
    /// Seconds the flow (and so the cookie) lives.
    pub max_age: i64,
    /// Whether the cookie must be `Secure` (the redirect URI is `https`).
    pub secure: bool,
}

impl std::fmt::Debug for OAuthStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthStart")
            .field("authorization_url", &self.authorization_url)
            .field("binding", &"[redacted]")
            .field("max_age", &self.max_age)
            .finish()
    }
}

/// What a callback did.
#[derive(Debug, Clone)]
pub enum OAuthOutcome {
    /// A sign-in: the session's first token pair.
    SignedIn(TokenPair),
    /// A link started by a signed-in user: the identity, now theirs.
    Linked(Identity),
}

fn digest(text: &str) -> TokenHash {
    TokenHash(Sha256::digest(text.as_bytes()).into())
}

impl Auth {
    /// The settings, or 404 when no provider is offered.
    fn oauth_config(&self) -> Result<&OAuthConfig, AuthError> {
        self.inner.oauth.as_ref().ok_or(AuthError::NotFound)
    }

    /// The provider named `name`, or 404.
    fn provider(&self, name: &str) -> Result<std::sync::Arc<Provider>, AuthError> {
        self.oauth_config()?
            .find(name)
            .cloned()
            .ok_or(AuthError::NotFound)
    }

    /// The configured providers' names (empty when none is offered).
    pub fn oauth_providers(&self) -> Vec<&str> {
        self.inner
            .oauth
            .as_ref()
            .map(OAuthConfig::provider_names)
            .unwrap_or_default()
    }

    /// Starts a sign-in at `provider` (`GET /auth/oauth/{provider}/start`), or, with `link`,
    /// the link of an identity to the signed-in caller (`POST /auth/oauth/{provider}/link`):
    /// stores the flow and answers the authorization URL and the browser binding. 404 for an
    /// unknown provider.
    pub async fn oauth_start(
        &self,
        provider: &str,
        link: Option<&AccessClaims>,
    ) -> Result<OAuthStart, AuthError> {
        let config = self.oauth_config()?;
        let provider = self.provider(provider)?;
        let link_user = match link {
            Some(claims) => Some(self.active_user(claims).await?.id),
            None => None,
        };
        let (state, nonce, binding) = (
            OpaqueToken::generate(),
            OpaqueToken::generate(),
            OpaqueToken::generate(),
        );
        let (verifier, challenge) = pkce_pair();
        let authorization_url = provider
            .authorization_url(state.text().expose(), nonce.text().expose(), &challenge)
            .await?;
        let now = self.now();
        let redirect_uri = provider.config.redirect_uri().to_owned();
        let flow = OAuthFlow {
            state: state.hash(),
            provider: provider.name().to_owned(),
            binding: binding.hash(),
            nonce: digest(nonce.text().expose()),
            pkce_verifier: verifier,
            redirect_uri: redirect_uri.clone(),
            link_user,
            created_at: now,
            expires_at: now + config.flow_ttl,
        };
        self.inner.store.begin_oauth_flow(&flow).await?;
        Ok(OAuthStart {
            authorization_url,
            binding: binding.text().clone(),
            max_age: config.flow_ttl.whole_seconds(),
            secure: redirect_uri.starts_with("https://"),
        })
    }

    /// Whether the flow cookie of `provider` is `Secure` (its redirect URI is `https`); `None`
    /// for an unknown provider.
    pub fn oauth_cookie_secure(&self, provider: &str) -> Option<bool> {
        self.provider(provider)
            .ok()
            .map(|p| p.config.redirect_uri().starts_with("https://"))
    }

    /// Finishes a flow at its callback (`GET /auth/oauth/{provider}/callback`): takes the flow
    /// named by `state` (once), checks the browser's `binding`, exchanges the code, validates
    /// who the provider says the user is, then signs in (creating or linking the account as
    /// [`crate::oauth`] says) or links the identity to the user who started a link. A sign-in
    /// owes the account's second factor like a password does (401 `mfa_required`).
    pub async fn oauth_callback(
        &self,
        provider: &str,
        query: &OAuthCallbackQuery,
        binding: Option<&str>,
        client: &ClientInfo,
    ) -> Result<OAuthOutcome, AuthError> {
        let result = self
            .attempt_oauth_callback(provider, query, binding, client)
            .await;
        if !matches!(result, Ok(OAuthOutcome::Linked(_))) {
            crate::telemetry::login(crate::telemetry::LoginOutcome::of(&result));
        }
        result
    }

    async fn attempt_oauth_callback(
        &self,
        name: &str,
        query: &OAuthCallbackQuery,
        binding: Option<&str>,
        client: &ClientInfo,
    ) -> Result<OAuthOutcome, AuthError> {
        let provider = self.provider(name)?;
        let state = query
            .state
            .as_deref()
            .and_then(OpaqueToken::hash_presented)
            .ok_or(AuthError::InvalidOAuthState)?;
        let now = self.now();
        let flow = self
            .inner
            .store
            .take_oauth_flow(&state, now)
            .await?
            .filter(|flow| flow.provider == provider.name())
            .ok_or(AuthError::InvalidOAuthState)?;
        let bound = binding
            .and_then(OpaqueToken::hash_presented)
            .is_some_and(|presented| presented == flow.binding);
        if !bound {
            tracing::warn!(target: "authkit::oauth", provider = name,
                "a callback from a browser that did not start the flow");
            return Err(AuthError::InvalidOAuthState);
        }
        // RFC 9207: an answer naming another issuer is a mix-up.
        if let (Some(iss), Some(issuer)) = (&query.iss, provider.issuer())
            && iss != issuer
        {
            return Err(AuthError::InvalidOAuthState);
        }
        if let Some(error) = &query.error {
            tracing::info!(target: "authkit::oauth", provider = name, error = %error.chars().take(64).collect::<String>(),
                "the provider refused the authorization");
            return Err(AuthError::OAuthProviderError(
                crate::oauth::safe_error_code(error),
            ));
        }
        let code = query
            .code
            .as_ref()
            .filter(|code| !code.expose().is_empty())
            .ok_or(AuthError::OAuthProviderError(None))?;
        let tokens = provider
            .exchange(code.expose(), &flow.pkce_verifier, &flow.redirect_uri)
            .await?;
        let user = provider.user(&tokens, &flow.nonce, self.now()).await?;
        match flow.link_user {
            Some(owner) => self.link(&provider, owner, user, client).await,
            None => self.sign_in_with(&provider, user, client).await,
        }
    }

    /// Links `user`'s identity to `owner`, who started the link while signed in.
    async fn link(
        &self,
        provider: &Provider,
        owner: crate::model::UserId,
        user: ProviderUser,
        client: &ClientInfo,
    ) -> Result<OAuthOutcome, AuthError> {
        let store = &self.inner.store;
        store
            .user_by_id(owner)
            .await?
            .filter(|u| u.status == UserStatus::Active)
            .ok_or(AuthError::InvalidAccessToken("account gone or disabled"))?;
        if let Some(existing) = store
            .identity_by_subject(provider.name(), &user.subject)
            .await?
        {
            return match existing.user_id == owner {
                true => Ok(OAuthOutcome::Linked(existing)),
                false => Err(AuthError::IdentityAlreadyLinked),
            };
        }
        let identity = self.identity(provider, owner, &user);
        if !store.link_identity(&identity).await? {
            return Err(AuthError::IdentityAlreadyLinked);
        }
        self.linked(&identity, "owner", client).await;
        Ok(OAuthOutcome::Linked(identity))
    }

    /// Signs in the account of `user`'s identity, linking or creating it first as the rules
    /// allow.
    async fn sign_in_with(
        &self,
        provider: &Provider,
        user: ProviderUser,
        client: &ClientInfo,
    ) -> Result<OAuthOutcome, AuthError> {
        let store = &self.inner.store;
        if let Some(identity) = store
            .identity_by_subject(provider.name(), &user.subject)
            .await?
        {
            return self.signed_in(provider, identity.user_id, client).await;
        }
        let Some(email) = user.email.as_deref() else {
            tracing::warn!(target: "authkit::oauth", provider = provider.name(),
                "the provider shared no e-mail address; no account is made");
            return Err(AuthError::OAuthProviderError(Some("no_email".into())));
        };
        let (email, canonical) = normalize_email(email).map_err(|_| {
            tracing::warn!(target: "authkit::oauth", provider = provider.name(),
                "the provider's e-mail address is not one authkit accepts");
            AuthError::OAuthProviderError(Some("invalid_email".into()))
        })?;
        let existing = store.user_by_email(&canonical).await?;
        if !user.email_verified {
            return Err(match existing {
                Some(_) => AuthError::OAuthAccountExists,
                None => AuthError::OAuthEmailUnverified,
            });
        }
        if let Some(account) = existing {
            // Both sides verified the same address: the same person.
            if !account.email_verified {
                return Err(AuthError::OAuthAccountExists);
            }
            let identity = self.identity(provider, account.id, &user);
            if store.link_identity(&identity).await? {
                self.linked(&identity, "auto", client).await;
            }
            return self.finish_sign_in(provider, account, client).await;
        }
        let now = self.now();
        let account = User {
            id: new_id(),
            email,
            email_canonical: canonical,
            username: None,
            username_canonical: None,
            password_hash: PasswordHash::unusable(),
            role: Role::user(),
            status: UserStatus::Active,
            email_verified: true,
            created_at: now,
            updated_at: now,
        };
        let identity = self.identity(provider, account.id, &user);
        match store.create_user_with_identity(&account, &identity).await {
            Ok(true) => {
                self.emit(
                    self.event(EventKind::UserCreated)
                        .user(account.id)
                        .ip(client.ip)
                        .detail(format!("provider={}", provider.name())),
                )
                .await;
                self.linked(&identity, "sign_up", client).await;
                self.finish_sign_in(provider, account, client).await
            }
            // A concurrent first sign-in of the same identity won: sign in to its account.
            Ok(false) | Err(StoreError::Conflict(UniqueField::Email)) => {
                match store
                    .identity_by_subject(provider.name(), &user.subject)
                    .await?
                {
                    Some(identity) => self.signed_in(provider, identity.user_id, client).await,
                    None => Err(AuthError::OAuthAccountExists),
                }
            }
            Err(err) => Err(err.into()),
        }
    }

    async fn signed_in(
        &self,
        provider: &Provider,
        user_id: crate::model::UserId,
        client: &ClientInfo,
    ) -> Result<OAuthOutcome, AuthError> {
        let account = self
            .inner
            .store
            .user_by_id(user_id)
            .await?
            .ok_or(AuthError::InvalidCredentials)?;
        self.finish_sign_in(provider, account, client).await
    }

    /// The rest of a sign-in, as after a password: the account must be active (and verified
    /// when verification is required), then its second factor, then the session.
    async fn finish_sign_in(
        &self,
        provider: &Provider,
        account: User,
        client: &ClientInfo,
    ) -> Result<OAuthOutcome, AuthError> {
        if account.status != UserStatus::Active {
            self.emit(
                self.event(EventKind::LoginFailed)
                    .user(account.id)
                    .ip(client.ip)
                    .detail(format!("reason=disabled provider={}", provider.name())),
            )
            .await;
            return Err(AuthError::InvalidCredentials);
        }
        if self.inner.config.require_email_verification && !account.email_verified {
            return Err(AuthError::EmailNotVerified);
        }
        #[cfg(feature = "totp")]
        self.challenge_second_factor(&account, client).await?;
        let tokens = self.start_session(&account, client).await?;
        self.emit(
            self.event(EventKind::LoginSucceeded)
                .user(account.id)
                .session(tokens.session_id)
                .ip(client.ip)
                .detail(format!("method=oauth provider={}", provider.name())),
        )
        .await;
        Ok(OAuthOutcome::SignedIn(tokens))
    }

    fn identity(
        &self,
        provider: &Provider,
        user_id: crate::model::UserId,
        user: &ProviderUser,
    ) -> Identity {
        Identity {
            id: new_id(),
            user_id,
            provider: provider.name().to_owned(),
            subject: user.subject.clone(),
            email: user.email.clone(),
            created_at: self.now(),
        }
    }

    async fn linked(&self, identity: &Identity, by: &str, client: &ClientInfo) {
        self.emit(
            self.event(EventKind::IdentityLinked)
                .user(identity.user_id)
                .ip(client.ip)
                .detail(format!("provider={} by={by}", identity.provider)),
        )
        .await;
    }

    /// The caller's linked identities, oldest first (`GET /auth/identities`).
    pub async fn identities(&self, claims: &AccessClaims) -> Result<Vec<Identity>, AuthError> {
        self.oauth_config()?;
        let user = self.active_user(claims).await?;
        Ok(self.inner.store.identities(user.id).await?)
    }

    /// Unlinks one of the caller's identities (`DELETE /auth/identities/{id}`): 404 when it is
    /// not theirs, 409 `last_sign_in_method` when the account has no password and no other
    /// identity.
    pub async fn unlink_identity(
        &self,
        claims: &AccessClaims,
        id: IdentityId,
    ) -> Result<(), AuthError> {
        self.oauth_config()?;
        let user = self.active_user(claims).await?;
        let identities = self.inner.store.identities(user.id).await?;
        let provider = identities
            .iter()
            .find(|i| i.id == id)
            .map(|i| i.provider.clone())
            .ok_or(AuthError::NotFound)?;
        match self.inner.store.unlink_identity(user.id, id).await? {
            Unlink::Removed => {
                self.emit(
                    self.event(EventKind::IdentityUnlinked)
                        .user(user.id)
                        .detail(format!("provider={provider}")),
                )
                .await;
                Ok(())
            }
            Unlink::NotFound => Err(AuthError::NotFound),
            Unlink::LastSignInMethod => Err(AuthError::LastSignInMethod),
        }
    }
}
