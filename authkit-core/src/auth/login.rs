//! Registration and login, with failed-login throttling.

use sha2::{Digest, Sha256};

use super::Auth;
use crate::dto::{LoginRequest, RegisterRequest, TokenPair};
use crate::email::{normalize_email, normalize_username};
use crate::error::AuthError;
use crate::events::EventKind;
use crate::mail::Mail;
use crate::model::{ClientInfo, PasswordHash, Role, User, UserStatus, new_id};
use crate::secret::SecretString;
use crate::store::{StoreError, UniqueField};

/// Presented passwords longer than this many bytes are refused without hashing (at most 256
/// code points of 4 bytes each can ever have been set).
const MAX_PRESENTED_PASSWORD_BYTES: usize = 4 * 256;

/// What a registration did.
#[derive(Debug, Clone)]
pub enum Registration {
    /// The account exists and is signed in (verification not required): answer 201.
    Created {
        /// The new account.
        user: Box<User>,
        /// Its first token pair.
        tokens: TokenPair,
    },
    /// Verification is required: a mail went to the address, whether or not it already had an
    /// account. Answer 202, the same in both cases.
    VerificationPending,
}

impl Auth {
    /// Registers an account.
    ///
    /// Without required verification the answer is [`Registration::Created`] (a verification
    /// mail is still sent) or 409 `email_taken`/`username_taken`. With required verification it
    /// is always [`Registration::VerificationPending`]: for a taken address its owner is mailed
    /// instead, for a taken username the address is told by mail, so the answer does not
    /// enumerate accounts. The
    /// password is hashed in both cases so the timing does not tell either.
    pub async fn register(
        &self,
        req: RegisterRequest,
        client: &ClientInfo,
    ) -> Result<Registration, AuthError> {
        let (email, email_canonical) = normalize_email(&req.email)?;
        let username = req
            .username
            .as_deref()
            .map(normalize_username)
            .transpose()?;
        let role = self.registration_role(req.role.as_deref())?;
        let password_hash = self
            .accept_new_password(
                &req.password,
                &email,
                username.as_ref().map(|(given, _)| given.as_str()),
            )
            .await?;
        let verification_required = self.inner.config.require_email_verification;

        if verification_required
            && let Some(owner) = self.inner.store.user_by_email(&email_canonical).await?
        {
            self.send_mail(Mail::registration_attempt(
                &owner.email,
                &self.inner.config.public_url,
            ));
            return Ok(Registration::VerificationPending);
        }

        let user = self.new_user((email, email_canonical), username, password_hash, role);
        match self.inner.store.create_user(&user).await {
            Ok(()) => {}
            Err(StoreError::Conflict(UniqueField::Email)) if verification_required => {
                // Lost a race with a concurrent registration of the same address: answer as if
                // it had been taken all along.
                return Ok(Registration::VerificationPending);
            }
            Err(StoreError::Conflict(UniqueField::Username)) if verification_required => {
                // Every answer is 202 in this mode; the address's owner learns why by mail.
                let username = user.username.as_deref().unwrap_or_default();
                self.send_mail(Mail::username_taken(&user.email, username));
                return Ok(Registration::VerificationPending);
            }
            Err(err) => return Err(err.into()),
        }
        self.emit(
            self.event(EventKind::UserCreated)
                .user(user.id)
                .ip(client.ip),
        )
        .await;
        self.issue_verification(&user).await?;

        if verification_required {
            return Ok(Registration::VerificationPending);
        }
        let tokens = self.start_session(&user, client).await?;
        Ok(Registration::Created {
            user: Box::new(user),
            tokens,
        })
    }

    /// The role a registration asks for: `user` when it names none, or one of the configured
    /// self-registration roles; anything else (`admin` always) is `validation_failed`.
    fn registration_role(&self, requested: Option<&str>) -> Result<Role, AuthError> {
        let allowed = &self.inner.config.registration_roles;
        match requested {
            None | Some(Role::USER) => Ok(Role::user()),
            Some(name) => allowed
                .iter()
                .find(|role| role.as_str() == name)
                .cloned()
                .ok_or_else(|| {
                    let choices: Vec<&str> = std::iter::once(Role::USER)
                        .chain(allowed.iter().map(Role::as_str))
                        .collect();
                    // Echo the name only when it is one (the body is the caller's).
                    let shown = match Role::new(name) {
                        Ok(_) => format!("`{name}`"),
                        Err(_) => "this role".to_owned(),
                    };
                    AuthError::Validation(format!(
                        "role: {shown} cannot be chosen at registration; choose one of {}",
                        choices.join(", ")
                    ))
                }),
        }
    }

    pub(super) fn new_user(
        &self,
        (email, email_canonical): (String, String),
        username: Option<(String, String)>,
        password_hash: PasswordHash,
        role: Role,
    ) -> User {
        let now = self.now();
        let (username, username_canonical) = username.unzip();
        User {
            id: new_id(),
            email,
            email_canonical,
            username,
            username_canonical,
            password_hash,
            role,
            status: UserStatus::Active,
            email_verified: false,
            created_at: now,
            updated_at: now,
        }
    }

    /// Signs in by e-mail or username.
    ///
    /// Unknown account, wrong password and disabled account fail alike with
    /// `invalid_credentials`, each after exactly one password verification. After the
    /// configured number of failures for one identifier, attempts are answered 429 with the
    /// wait, for known and unknown identifiers alike. `email_not_verified` is only ever said
    /// after a correct password.
    pub async fn login(
        &self,
        req: LoginRequest,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let identifier = Identifier::parse(req.email.as_deref(), req.username.as_deref())?;
        self.login_with(&identifier, &req.password, client).await
    }

    /// The OAuth2 password grant: `username` may be an address or a username.
    pub async fn login_password_grant(
        &self,
        username: &str,
        password: &SecretString,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let identifier = if username.contains('@') {
            Identifier::parse(Some(username), None)?
        } else {
            Identifier::parse(None, Some(username))?
        };
        self.login_with(&identifier, password, client).await
    }

    /// A login attempt, counted by outcome in `authkit_logins_total`.
    async fn login_with(
        &self,
        identifier: &Identifier,
        password: &SecretString,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let result = self.attempt_login(identifier, password, client).await;
        crate::telemetry::login(crate::telemetry::LoginOutcome::of(&result));
        result
    }

    async fn attempt_login(
        &self,
        identifier: &Identifier,
        password: &SecretString,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let user = match identifier {
            Identifier::Email(canonical) => self.inner.store.user_by_email(canonical).await?,
            Identifier::Username(canonical) => self.inner.store.user_by_username(canonical).await?,
            Identifier::Malformed(_) => None,
        };
        // One budget per account, however it is named (address or username); one per
        // identifier when none matches. Both cost the same store calls and answer alike.
        let throttle_key = match &user {
            Some(user) => account_throttle_key(user.id),
            None => identifier.throttle_key(),
        };
        self.check_throttle(&throttle_key).await?;
        let password_ok = if password.expose().len() > MAX_PRESENTED_PASSWORD_BYTES {
            false
        } else {
            self.check_password(user.as_ref(), password).await?
        };

        let user = match user {
            Some(user) if password_ok && user.status == UserStatus::Active => user,
            user => {
                let reason = match &user {
                    None => "unknown_account",
                    Some(u) if u.status != UserStatus::Active => "disabled",
                    Some(_) => "wrong_password",
                };
                self.record_failure(&throttle_key, user.as_ref(), reason, client)
                    .await?;
                return Err(AuthError::InvalidCredentials);
            }
        };

        self.inner.store.clear_login_failures(&throttle_key).await?;
        if self.inner.config.require_email_verification && !user.email_verified {
            return Err(AuthError::EmailNotVerified);
        }
        #[cfg(feature = "totp")]
        self.challenge_second_factor(&user, client).await?;
        let tokens = self.start_session(&user, client).await?;
        self.emit(
            self.event(EventKind::LoginSucceeded)
                .user(user.id)
                .session(tokens.session_id)
                .ip(client.ip),
        )
        .await;
        Ok(tokens)
    }

    pub(super) async fn check_throttle(&self, key: &str) -> Result<(), AuthError> {
        let Some(failures) = self.inner.store.login_failures(key).await? else {
            return Ok(());
        };
        let throttle = &self.inner.config.throttle;
        let now = self.now();
        if now - failures.last_failure_at > throttle.reset_after {
            return Ok(());
        }
        let wait_until = failures.last_failure_at + throttle.delay_after(failures.count);
        if now < wait_until {
            let retry_after = (wait_until - now).unsigned_abs();
            return Err(AuthError::TooManyAttempts { retry_after });
        }
        Ok(())
    }

    pub(super) async fn record_failure(
        &self,
        key: &str,
        user: Option<&User>,
        reason: &str,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let throttle = &self.inner.config.throttle;
        let count = self
            .inner
            .store
            .record_login_failure(key, self.now(), throttle.reset_after)
            .await?;
        let with_user = |mut e: crate::events::AuthEvent| {
            e.user_id = user.map(|u| u.id);
            e.ip(client.ip)
        };
        self.emit(with_user(self.event(EventKind::LoginFailed)).detail(format!("reason={reason}")))
            .await;
        if count == throttle.free_attempts {
            self.emit(
                with_user(self.event(EventKind::UserLocked)).detail(format!("count={count}")),
            )
            .await;
        }
        Ok(())
    }
}

/// The throttle counter's key of an account: a digest like the identifiers' keys, so the two
/// kinds look alike in the store.
pub(super) fn account_throttle_key(id: crate::model::UserId) -> String {
    hex_digest(&format!("account:{id}"))
}

pub(super) fn hex_digest(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a login names the account by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Identifier {
    /// A syntactically valid address, canonical.
    Email(String),
    /// A syntactically valid username, canonical.
    Username(String),
    /// Neither: no account can match, but it is throttled and answered like one.
    Malformed(String),
}

impl Identifier {
    pub(crate) fn parse(email: Option<&str>, username: Option<&str>) -> Result<Self, AuthError> {
        match (email, username) {
            (Some(email), None) => Ok(normalize_email(email).map_or_else(
                |_| Self::Malformed(email.trim().to_lowercase()),
                |(_, canonical)| Self::Email(canonical),
            )),
            (None, Some(name)) => Ok(normalize_username(name).map_or_else(
                |_| Self::Malformed(name.trim().to_lowercase()),
                |(_, canonical)| Self::Username(canonical),
            )),
            _ => Err(AuthError::Validation(
                "give exactly one of `email` and `username`".into(),
            )),
        }
    }

    /// The throttle counter's key: a digest, so the store never keeps the identifiers that
    /// strangers typed.
    pub(crate) fn throttle_key(&self) -> String {
        let (tag, value) = match self {
            Self::Email(v) => ("email", v),
            Self::Username(v) => ("username", v),
            Self::Malformed(v) => ("other", v),
        };
        hex_digest(&format!("{tag}:{value}"))
    }
}
