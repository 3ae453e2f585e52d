//! The wire contract's bodies, shared by every adapter: requests deserialize into these, answers
//! serialize from these, so both frameworks speak the same JSON by construction.
//!
//! Request bodies reject unknown fields (a typo such as `pasword` is a 400, not a silent
//! default). Secrets deserialize into [`SecretString`] and never appear in `Debug` output.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{Role, Session, SessionId, User, UserId, UserStatus};
use crate::secret::SecretString;

/// `POST /auth/register`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The address.
    pub email: String,
    /// The password.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub password: SecretString,
    /// An optional username.
    #[serde(default)]
    pub username: Option<String>,
    /// The role to register with: `user` when absent, otherwise one of the configured
    /// self-registration roles ([`AuthConfigBuilder::registration_roles`](crate::AuthConfigBuilder::registration_roles)).
    /// `admin` is never one.
    #[serde(default)]
    pub role: Option<String>,
}

/// `POST /auth/login`: an e-mail address or a username, and the password.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Sign in by address…
    #[serde(default)]
    pub email: Option<String>,
    /// …or by username.
    #[serde(default)]
    pub username: Option<String>,
    /// The password.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub password: SecretString,
}

/// `POST /auth/refresh`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token of the last pair.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub refresh_token: SecretString,
}

/// `PATCH /auth/me`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// The new username; `null` removes it.
    pub username: Option<String>,
}

/// `DELETE /auth/me`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = PasswordConfirmation))]
#[serde(deny_unknown_fields)]
pub struct DeleteMeRequest {
    /// The current password, to confirm.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub password: SecretString,
}

/// `POST /auth/password/change`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current password.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub current_password: SecretString,
    /// The new password.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub new_password: SecretString,
}

/// `POST /auth/password-reset/request` and `POST /auth/email/verify/request`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    /// The address.
    pub email: String,
}

/// `POST /auth/password-reset/confirm`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The token from the reset link.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub token: SecretString,
    /// The new password.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub new_password: SecretString,
}

/// `POST /auth/email/verify`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TokenBody))]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The token from the verification link.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub token: SecretString,
}

/// `POST /auth/email/change`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeEmailRequest {
    /// The new address.
    pub new_email: String,
    /// The current password, to confirm.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub password: SecretString,
}

/// `PATCH /auth/admin/users/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdminUpdateRequest {
    /// A new role.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub role: Option<Role>,
    /// A new status (disabling revokes every session).
    #[serde(default)]
    pub status: Option<UserStatus>,
}

/// `GET /auth/admin/users` query parameters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminListQuery {
    /// Page size, 1 to 100 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Only this role.
    #[serde(default)]
    pub role: Option<String>,
    /// Only this status (`active`, `disabled`).
    #[serde(default)]
    pub status: Option<String>,
    /// Only users whose address or username contains this text (case-insensitive).
    #[serde(default)]
    pub q: Option<String>,
}

/// `POST /auth/token` (OAuth2, form-encoded): `grant_type=password` with `username` (an address
/// or a username) and `password`, or `grant_type=refresh_token` with `refresh_token`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenRequest {
    /// `password` or `refresh_token`.
    #[serde(default)]
    pub grant_type: Option<String>,
    /// For the password grant.
    #[serde(default)]
    pub username: Option<String>,
    /// For the password grant.
    #[serde(default)]
    pub password: Option<SecretString>,
    /// For the refresh grant.
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    /// Accepted and ignored (authkit has no scopes).
    #[serde(default)]
    pub scope: Option<String>,
}

/// An access token and a refresh token. `Debug` hides both.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPair {
    /// The JWT access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The opaque refresh token (single use).
    pub refresh_token: String,
    /// Seconds until the session expires if not refreshed.
    pub refresh_expires_in: i64,
    /// The session (refresh-token family) id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub session_id: SessionId,
}

impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &"[redacted]")
            .field("refresh_expires_in", &self.refresh_expires_in)
            .field("session_id", &self.session_id)
            .finish()
    }
}

/// `POST /auth/login/mfa`: the challenge a right password was answered with, and a code.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MfaLoginRequest {
    /// The `mfa_challenge` of the `mfa_required` answer.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub challenge: SecretString,
    /// A six-digit TOTP code, or one of the recovery codes (`xxxx-xxxx-xxxx`).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub code: SecretString,
}

/// `POST /auth/email-sign-in`: the address and the mailed code (code mode), or the link's
/// token (link mode).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailSignInRequest {
    /// Code mode: the address the code was mailed to.
    #[serde(default)]
    pub email: Option<String>,
    /// Code mode: the six-digit code.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Password))]
    pub code: Option<SecretString>,
    /// Link mode: the token from the link's fragment.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Password))]
    pub token: Option<SecretString>,
}

/// `POST /auth/mfa/totp/confirm`: the first code of the new authenticator.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpCodeRequest {
    /// A six-digit TOTP code.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub code: SecretString,
}

/// `DELETE /auth/mfa/totp` and `POST /auth/mfa/recovery-codes`: proof that the caller is the
/// owner, by exactly one of the password and a second-factor code.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SecondFactorProof {
    /// The current password…
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Password))]
    pub password: Option<SecretString>,
    /// …or a TOTP code or recovery code.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Password))]
    pub code: Option<SecretString>,
}

/// The answer to `POST /auth/mfa/totp/enroll`: what the authenticator app needs. `Debug` hides
/// both.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpEnrollment {
    /// The shared secret in base32, to type in.
    pub secret: String,
    /// The `otpauth://totp/…` URI, to show as a QR code.
    pub otpauth_uri: String,
}

impl fmt::Debug for TotpEnrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpEnrollment { secret: [redacted], otpauth_uri: [redacted] }")
    }
}

/// Recovery codes, shown once: the answer to confirming an authenticator and to asking for new
/// codes. `Debug` hides them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    /// Ten single-use codes (`xxxx-xxxx-xxxx`).
    pub recovery_codes: Vec<String>,
}

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecoveryCodes([{} redacted])", self.recovery_codes.len())
    }
}

/// `GET /auth/mfa`: the caller's second factors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MfaStatus {
    /// Whether a confirmed authenticator protects sign-ins.
    pub totp_enabled: bool,
    /// Whether an enrolment was started and awaits its first code.
    pub totp_pending: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
}

/// The answer to beginning a passkey ceremony: its id, to send back with the finish, and the
/// options to pass to `navigator.credentials.create` or `.get` (`{"publicKey": {…}}`, bytes in
/// base64url). `Debug` hides the id.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyOptions {
    /// The ceremony id (single use, minutes long).
    pub ceremony: String,
    /// The WebAuthn options.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: serde_json::Value,
}

impl fmt::Debug for PasskeyOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasskeyOptions")
            .field("ceremony", &"[redacted]")
            .field("options", &self.options)
            .finish()
    }
}

/// `POST /auth/passkeys/register`: the ceremony, what `navigator.credentials.create` answered,
/// and a name for the passkey.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyRegistrationRequest {
    /// The `ceremony` of the begin step.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub ceremony: SecretString,
    /// The name to list it under (at most 64 characters; default `Passkey`).
    #[serde(default)]
    pub name: Option<String>,
    /// The `PublicKeyCredential` in its JSON form (`id`, `rawId`, `response` with
    /// `attestationObject` and `clientDataJSON`, `type`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// One of the caller's passkeys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Passkey))]
pub struct PasskeyView {
    /// The passkey's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// RFC 3339, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// RFC 3339, UTC; `null` until it signs a sign-in.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

impl From<&crate::store::StoredPasskey> for PasskeyView {
    fn from(p: &crate::store::StoredPasskey) -> Self {
        Self {
            id: p.id,
            name: p.name.clone(),
            created_at: p.created_at,
            last_used_at: p.last_used_at,
        }
    }
}

/// `GET /auth/passkeys`: the caller's passkeys, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyList {
    /// The passkeys.
    pub passkeys: Vec<PasskeyView>,
}

/// `PATCH /auth/passkeys/{id}`: a new name.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RenamePasskeyRequest {
    /// The name (1 to 64 characters).
    pub name: String,
}

/// `POST /auth/login/passkey`: the ceremony and what `navigator.credentials.get` answered.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyLoginRequest {
    /// The `ceremony` of the begin step.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub ceremony: SecretString,
    /// The `PublicKeyCredential` in its JSON form (`id`, `rawId`, `response` with
    /// `authenticatorData`, `clientDataJSON`, `signature` and `userHandle`, `type`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// `POST /auth/login/mfa/passkey/begin`: the challenge a right password was answered with.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MfaPasskeyBeginRequest {
    /// The `mfa_challenge` of the `mfa_required` answer.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub challenge: SecretString,
}

/// `POST /auth/login/mfa/passkey`: the challenge, the ceremony its begin step answered, and
/// what `navigator.credentials.get` answered.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MfaPasskeyLoginRequest {
    /// The `mfa_challenge` of the `mfa_required` answer.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub challenge: SecretString,
    /// The `ceremony` of the begin step.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub ceremony: SecretString,
    /// The `PublicKeyCredential` in its JSON form.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// A user as the wire shows it: never the hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = User))]
pub struct UserView {
    /// The id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: UserId,
    /// The address as given.
    pub email: String,
    /// The username, if any.
    pub username: Option<String>,
    /// The role.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub role: Role,
    /// `active` or `disabled`.
    pub status: UserStatus,
    /// Whether the address is verified.
    pub email_verified: bool,
    /// RFC 3339, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// RFC 3339, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            username: u.username.clone(),
            role: u.role.clone(),
            status: u.status,
            email_verified: u.email_verified,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self::from(&u)
    }
}

/// `201` answer of `POST /auth/register`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterResponse {
    /// The new account.
    pub user: UserView,
    /// A first token pair (the user is signed in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<TokenPair>,
}

/// One entry of `GET /auth/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Session))]
pub struct SessionView {
    /// The session id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: SessionId,
    /// RFC 3339, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// RFC 3339, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub last_used_at: OffsetDateTime,
    /// The client's user agent at login.
    pub user_agent: Option<String>,
    /// The client's IP at login.
    pub ip: Option<String>,
    /// Whether this is the session of the token that asked.
    pub current: bool,
}

impl SessionView {
    /// The view of `s`, marked current when it is `current`.
    pub fn new(s: &Session, current: SessionId) -> Self {
        Self {
            id: s.id,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            user_agent: s.user_agent.clone(),
            ip: s.ip.map(|ip| ip.to_string()),
            current: s.id == current,
        }
    }
}

/// A page of `GET /auth/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPage {
    /// The users, ordered by id (creation order).
    pub items: Vec<UserView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// One entry of `GET /auth/identities`: an identity at another provider linked to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Identity))]
pub struct IdentityView {
    /// The identity's id (for `DELETE /auth/identities/{id}`).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: crate::model::IdentityId,
    /// The provider's configured name.
    pub provider: String,
    /// The provider's id of the account.
    pub subject: String,
    /// The address the provider asserted when it was linked.
    pub email: Option<String>,
    /// RFC 3339, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<&crate::model::Identity> for IdentityView {
    fn from(i: &crate::model::Identity) -> Self {
        Self {
            id: i.id,
            provider: i.provider.clone(),
            subject: i.subject.clone(),
            email: i.email.clone(),
            created_at: i.created_at,
        }
    }
}

/// The answer of `POST /auth/oauth/{provider}/link`: where to send the browser (which also
/// received the flow's cookie).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthorizationRedirect {
    /// The provider's authorization URL for this flow.
    pub authorization_url: String,
}

/// The query of `GET /auth/oauth/{provider}/callback`, as the provider sends it.
#[derive(Clone, Default, Deserialize)]
pub struct OAuthCallbackQuery {
    /// The authorization code.
    #[serde(default)]
    pub code: Option<SecretString>,
    /// The `state` the flow sent.
    #[serde(default)]
    pub state: Option<String>,
    /// The provider's refusal (`access_denied`, ...).
    #[serde(default)]
    pub error: Option<String>,
    /// The issuer of the answer (RFC 9207), when the provider names it.
    #[serde(default)]
    pub iss: Option<String>,
}

impl fmt::Debug for OAuthCallbackQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthCallbackQuery")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("error", &self.error)
            .field("iss", &self.iss)
            .finish_non_exhaustive()
    }
}

/// An RFC 6749 5.2 error body, for the OAuth2 token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthError {
    /// `invalid_grant`, `unsupported_grant_type`, `invalid_request`, ...
    pub error: String,
    /// A human explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// Parses an admin cursor (a user id).
pub(crate) fn parse_cursor(cursor: &str) -> Option<Uuid> {
    Uuid::parse_str(cursor).ok()
}
