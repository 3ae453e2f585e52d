//! One error type for every flow, with a stable wire `code` and the HTTP status it maps to.
//!
//! Adapters render an [`AuthError`] with [`AuthError::problem`] (RFC 9457 problem details) and
//! never look inside it: what a client sees is decided here, once. Internal causes (store and
//! hashing failures) are kept as [`std::error::Error::source`] for logs and never reach the body.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::policy::{PasswordCheckError, PolicyViolation};
use crate::secret::SecretString;
use crate::store::StoreError;

/// A rejected setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid setting `{setting}`: {message}")]
pub struct ConfigError {
    /// The setting's name, as the builder method is called.
    pub setting: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    /// An error about `setting`.
    pub fn new(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            message: message.into(),
        }
    }
}

/// Declares [`ErrorCode`] from one table: each variant with its wire code, HTTP status and
/// problem title side by side, so the three can never drift apart.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = ($code:literal, $status:literal, $title:literal),)*) => {
        /// The stable, snake_case error codes of the wire contract.
        ///
        /// A code is never renamed once released; clients may match on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// The code as it appears on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            /// The HTTP status this code is answered with.
            pub const fn status(self) -> u16 {
                match self {
                    $(Self::$variant => $status,)*
                }
            }

            /// A short human title for the problem document.
            pub const fn title(self) -> &'static str {
                match self {
                    $(Self::$variant => $title,)*
                }
            }
        }
    };
}

error_codes! {
    /// The request body or a parameter is malformed or out of range (400).
    ValidationFailed = ("validation_failed", 400, "The request is invalid"),
    /// The request body is not valid JSON or does not have the expected shape (400).
    MalformedBody = ("malformed_body", 400, "The request body is malformed"),
    /// The new password breaks the password policy (400).
    WeakPassword = ("weak_password", 400, "The password is too weak"),
    /// The e-mail address belongs to another account (409).
    EmailTaken = ("email_taken", 409, "The e-mail address is already registered"),
    /// The username belongs to another account (409).
    UsernameTaken = ("username_taken", 409, "The username is already taken"),
    /// Login failed: unknown account, wrong password or disabled account, all alike (401).
    InvalidCredentials = ("invalid_credentials", 401, "Invalid credentials"),
    /// The password was right but the address is not verified yet (403).
    EmailNotVerified = ("email_not_verified", 403, "The e-mail address is not verified"),
    /// Too many failed logins for this account; retry after `Retry-After` (429).
    TooManyAttempts = ("too_many_attempts", 429, "Too many failed attempts"),
    /// Too many requests from this client; retry after `Retry-After` (429).
    TooManyRequests = ("too_many_requests", 429, "Too many requests"),
    /// The refresh token is unknown, expired, revoked or reused (401).
    InvalidRefreshToken = ("invalid_refresh_token", 401, "Invalid refresh token"),
    /// A one-time token (verification, reset, e-mail change) is unknown, expired or used (400).
    InvalidToken = ("invalid_token", 400, "Invalid or expired token"),
    /// No access token was presented (401).
    Unauthorized = ("unauthorized", 401, "Authentication required"),
    /// The access token is malformed, expired, revoked or not ours (401).
    InvalidAccessToken = ("invalid_access_token", 401, "Invalid access token"),
    /// The caller lacks the role the route needs (403).
    Forbidden = ("forbidden", 403, "Forbidden"),
    /// Cookie mode: a state-changing request authenticated by a cookie came from an origin
    /// that is not allowed (`Origin`, or `Sec-Fetch-Site` saying cross-site) (403).
    CsrfOriginRefused = ("csrf_origin_refused", 403, "The request's origin is not allowed"),
    /// Cookie mode: a state-changing request authenticated by a cookie, whose origin cannot be
    /// established, lacks a valid `X-CSRF-Token` matching the `csrf` cookie (403).
    CsrfTokenMissingOrInvalid = (
        "csrf_token_missing_or_invalid",
        403,
        "The CSRF token is missing or invalid"
    ),
    /// The password was right and the account has a second factor: the problem carries an
    /// `mfa_challenge` to complete with `POST {prefix}/login/mfa` (401). On the OAuth2 token
    /// endpoint this is the `error` of a 400 (an RFC 6749 8.5 extension).
    MfaRequired = ("mfa_required", 401, "A second factor is required"),
    /// The TOTP or recovery code is wrong, was already used, or the account has none (401).
    InvalidMfaCode = ("invalid_mfa_code", 401, "Invalid second-factor code"),
    /// The sign-in challenge is unknown, expired or used: sign in again (401).
    InvalidMfaChallenge = (
        "invalid_mfa_challenge",
        401,
        "The sign-in challenge is invalid or expired"
    ),
    /// The account already has a confirmed authenticator (409).
    MfaAlreadyEnabled = ("mfa_already_enabled", 409, "A second factor is already enabled"),
    /// The account has no confirmed authenticator (or, to confirm, no enrolment started) (409).
    MfaNotEnabled = ("mfa_not_enabled", 409, "No second factor is enabled"),
    /// Sign-in by e-mail: the code or link is wrong, expired or used, or the address has no
    /// account, all alike (401).
    InvalidSignInCode = ("invalid_sign_in_code", 401, "Invalid or expired sign-in code"),
    /// Sign-in with another provider: the callback's `state` is unknown, used, expired, of
    /// another provider, or the browser is not the one that started the flow: start again
    /// (400).
    InvalidOAuthState = (
        "invalid_oauth_state",
        400,
        "The sign-in flow is invalid or expired: start again"
    ),
    /// Sign-in with another provider: the provider refused (its `error`, such as
    /// `access_denied` or `invalid_grant`, is the `detail`), could not be reached, or answered
    /// something unusable (502).
    OAuthProviderError = (
        "oauth_provider_error",
        502,
        "The identity provider refused or failed"
    ),
    /// Sign-in with OpenID Connect: the ID token failed validation (signature, issuer,
    /// audience, expiry, nonce, `at_hash`) (401).
    InvalidIdToken = ("invalid_id_token", 401, "The identity provider's ID token is invalid"),
    /// The provider's identity is linked to another account already (409).
    IdentityAlreadyLinked = (
        "identity_already_linked",
        409,
        "This identity is linked to another account"
    ),
    /// An account with the provider's address exists and cannot be linked automatically
    /// (the provider or the account did not verify the address): sign in, then link (409).
    OAuthAccountExists = (
        "oauth_account_exists",
        409,
        "An account with this address exists: sign in and link the provider"
    ),
    /// The provider did not verify the address it gave, so no account is made from it (403).
    OAuthEmailUnverified = (
        "oauth_email_unverified",
        403,
        "The identity provider has not verified the e-mail address"
    ),
    /// The identity is the account's last way to sign in (no password, no other identity) (409).
    LastSignInMethod = (
        "last_sign_in_method",
        409,
        "This is the account's last way to sign in"
    ),
    /// The passkey is registered already (to this account or another) (409).
    PasskeyAlreadyRegistered = (
        "passkey_already_registered",
        409,
        "The passkey is already registered"
    ),
    /// The passkey registration was refused: a wrong origin or relying party, no user
    /// verification, a malformed or unsupported credential (400).
    InvalidPasskeyRegistration = (
        "invalid_passkey_registration",
        400,
        "The passkey registration was refused"
    ),
    /// The passkey assertion was refused: a wrong origin, a bad signature, no user
    /// verification, an unknown credential or one of another account (401).
    InvalidPasskey = ("invalid_passkey", 401, "The passkey was refused"),
    /// The passkey's signature counter did not move forward: a copy of the authenticator may
    /// be in use; the sign-in is refused (401).
    PasskeyCounterRegressed = (
        "passkey_counter_regressed",
        401,
        "The passkey's signature counter went backwards"
    ),
    /// The passkey ceremony is unknown, expired or used: begin again (400).
    InvalidPasskeyCeremony = (
        "invalid_passkey_ceremony",
        400,
        "The passkey ceremony is invalid or expired"
    ),
    /// The resource does not exist, or is not the caller's (404).
    NotFound = ("not_found", 404, "Not found"),
    /// The path exists but does not serve this method; `Allow` lists those it does (405).
    MethodNotAllowed = ("method_not_allowed", 405, "Method not allowed"),
    /// The request body is larger than the auth routes accept (413).
    PayloadTooLarge = ("payload_too_large", 413, "The request body is too large"),
    /// The request body has the wrong content type (415).
    UnsupportedMediaType = ("unsupported_media_type", 415, "Unsupported content type"),
    /// OAuth2 token endpoint: the grant is invalid (400, RFC 6749 5.2).
    InvalidGrant = ("invalid_grant", 400, "Invalid grant"),
    /// OAuth2 token endpoint: the grant type is not supported (400, RFC 6749 5.2).
    UnsupportedGrantType = ("unsupported_grant_type", 400, "Unsupported grant type"),
    /// OAuth2 token endpoint: a parameter is missing or malformed (400, RFC 6749 5.2).
    InvalidRequest = ("invalid_request", 400, "Invalid request"),
    /// A backing service (the database) is unreachable or saturated (503).
    Unavailable = ("unavailable", 503, "Service unavailable"),
    /// An unexpected internal failure (500).
    Internal = ("internal", 500, "Internal error"),
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl From<PasswordCheckError> for AuthError {
    fn from(err: PasswordCheckError) -> Self {
        match err {
            PasswordCheckError::Refused(violation) => Self::WeakPassword(violation),
            PasswordCheckError::Unavailable(reason) => Self::PasswordCheckUnavailable(reason),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a flow can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Input failed validation; the message says which field and why (safe to show).
    #[error("validation failed: {0}")]
    Validation(String),
    /// The new password breaks the policy.
    #[error("weak password: {0}")]
    WeakPassword(#[from] PolicyViolation),
    /// The e-mail address is taken.
    #[error("e-mail address already registered")]
    EmailTaken,
    /// The username is taken.
    #[error("username already taken")]
    UsernameTaken,
    /// Unknown account, wrong password or disabled account: deliberately indistinguishable.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Correct password, unverified address, while verification is required.
    #[error("e-mail address not verified")]
    EmailNotVerified,
    /// Login throttled after repeated failures.
    #[error("too many failed attempts; retry in {}s", retry_after.as_secs())]
    TooManyAttempts {
        /// How long the client should wait.
        retry_after: Duration,
    },
    /// Client-level rate limit hit.
    #[error("too many requests; retry in {}s", retry_after.as_secs())]
    TooManyRequests {
        /// How long the client should wait.
        retry_after: Duration,
    },
    /// Refresh token unknown, expired, revoked or reused.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// One-time token unknown, expired, consumed or of another purpose.
    #[error("invalid or expired token")]
    InvalidToken,
    /// No access token presented.
    #[error("authentication required")]
    Unauthorized,
    /// Access token rejected; the reason is for logs only.
    #[error("invalid access token: {0}")]
    InvalidAccessToken(&'static str),
    /// The caller lacks a role.
    #[error("forbidden")]
    Forbidden,
    /// The request body is not the JSON the route expects; the message says where.
    #[error("malformed body: {0}")]
    MalformedBody(String),
    /// The request body has the wrong content type.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The resource does not exist or is not the caller's.
    #[error("not found")]
    NotFound,
    /// Cookie mode: a cookie-authenticated, state-changing request from a refused origin.
    #[error("cross-site request refused: origin not allowed")]
    CsrfOriginRefused,
    /// Cookie mode: a cookie-authenticated, state-changing request without a valid CSRF token.
    #[error("cross-site request refused: CSRF token missing or invalid")]
    CsrfTokenMissingOrInvalid,
    /// The password was right; a second factor must complete the sign-in.
    #[error("a second factor is required")]
    MfaRequired(MfaChallenge),
    /// A wrong, used or missing second-factor code.
    #[error("invalid second-factor code")]
    InvalidMfaCode,
    /// The sign-in challenge is unknown, expired or used.
    #[error("invalid or expired sign-in challenge")]
    InvalidMfaChallenge,
    /// The account already has a confirmed authenticator.
    #[error("a second factor is already enabled")]
    MfaAlreadyEnabled,
    /// The account has no (confirmed, or for confirmation pending) authenticator.
    #[error("no second factor is enabled: {0}")]
    MfaNotEnabled(&'static str),
    /// A wrong, expired or used e-mail sign-in code or link, or an address without an account.
    #[error("invalid or expired sign-in code")]
    InvalidSignInCode,
    /// The provider flow's `state` or browser binding was refused.
    #[error("invalid or expired sign-in flow")]
    InvalidOAuthState,
    /// The provider refused or failed; its (safe) error code, if it gave one.
    #[error("the identity provider refused or failed: {0:?}")]
    OAuthProviderError(Option<String>),
    /// The ID token failed validation; the reason is for logs only.
    #[error("invalid ID token: {0}")]
    InvalidIdToken(&'static str),
    /// The identity is linked to another account.
    #[error("identity linked to another account")]
    IdentityAlreadyLinked,
    /// An account with the provider's address exists and is not linked automatically.
    #[error("an account with this address exists")]
    OAuthAccountExists,
    /// The provider did not verify the address.
    #[error("the provider has not verified the address")]
    OAuthEmailUnverified,
    /// Unlinking the account's last way to sign in.
    #[error("the last sign-in method cannot be removed")]
    LastSignInMethod,
    /// A passkey registration was refused; the reason is for logs only.
    #[error("passkey registration refused: {0}")]
    InvalidPasskeyRegistration(String),
    /// A passkey assertion was refused; the reason is for logs only.
    #[error("passkey refused: {0}")]
    InvalidPasskey(String),
    /// A passkey's signature counter did not move forward.
    #[error("passkey signature counter went backwards")]
    PasskeyCounterRegressed,
    /// The passkey ceremony is unknown, expired, used or of another purpose.
    #[error("invalid or expired passkey ceremony")]
    InvalidPasskeyCeremony,
    /// A storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Password hashing failed (a malformed stored hash, a panicked worker).
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// An application's [`PasswordCheck`](crate::policy::PasswordCheck) could not decide
    /// (503 `unavailable`); the text is for logs.
    #[error("password check unavailable: {0}")]
    PasswordCheckUnavailable(String),
    /// Anything else that should not happen.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AuthError {
    /// The stable wire code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Validation(_) => ErrorCode::ValidationFailed,
            Self::WeakPassword(_) => ErrorCode::WeakPassword,
            Self::EmailTaken => ErrorCode::EmailTaken,
            Self::UsernameTaken => ErrorCode::UsernameTaken,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::EmailNotVerified => ErrorCode::EmailNotVerified,
            Self::TooManyAttempts { .. } => ErrorCode::TooManyAttempts,
            Self::TooManyRequests { .. } => ErrorCode::TooManyRequests,
            Self::InvalidRefreshToken => ErrorCode::InvalidRefreshToken,
            Self::InvalidToken => ErrorCode::InvalidToken,
            Self::Unauthorized => ErrorCode::Unauthorized,
            Self::InvalidAccessToken(_) => ErrorCode::InvalidAccessToken,
            Self::Forbidden => ErrorCode::Forbidden,
            Self::MalformedBody(_) => ErrorCode::MalformedBody,
            Self::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Self::NotFound => ErrorCode::NotFound,
            Self::CsrfOriginRefused => ErrorCode::CsrfOriginRefused,
            Self::CsrfTokenMissingOrInvalid => ErrorCode::CsrfTokenMissingOrInvalid,
            Self::MfaRequired(_) => ErrorCode::MfaRequired,
            Self::InvalidMfaCode => ErrorCode::InvalidMfaCode,
            Self::InvalidMfaChallenge => ErrorCode::InvalidMfaChallenge,
            Self::InvalidSignInCode => ErrorCode::InvalidSignInCode,
            Self::MfaAlreadyEnabled => ErrorCode::MfaAlreadyEnabled,
            Self::MfaNotEnabled(_) => ErrorCode::MfaNotEnabled,
            Self::InvalidOAuthState => ErrorCode::InvalidOAuthState,
            Self::OAuthProviderError(_) => ErrorCode::OAuthProviderError,
            Self::InvalidIdToken(_) => ErrorCode::InvalidIdToken,
            Self::IdentityAlreadyLinked => ErrorCode::IdentityAlreadyLinked,
            Self::OAuthAccountExists => ErrorCode::OAuthAccountExists,
            Self::OAuthEmailUnverified => ErrorCode::OAuthEmailUnverified,
            Self::LastSignInMethod => ErrorCode::LastSignInMethod,
            Self::InvalidPasskeyRegistration(_) => ErrorCode::InvalidPasskeyRegistration,
            Self::InvalidPasskey(_) => ErrorCode::InvalidPasskey,
            Self::PasskeyCounterRegressed => ErrorCode::PasskeyCounterRegressed,
            Self::InvalidPasskeyCeremony => ErrorCode::InvalidPasskeyCeremony,
            Self::Store(StoreError::Conflict(crate::store::UniqueField::PasskeyCredential)) => {
                ErrorCode::PasskeyAlreadyRegistered
            }
            Self::Store(StoreError::Unavailable(_)) | Self::PasswordCheckUnavailable(_) => {
                ErrorCode::Unavailable
            }
            Self::Store(StoreError::Conflict(crate::store::UniqueField::Email)) => {
                ErrorCode::EmailTaken
            }
            Self::Store(StoreError::Conflict(crate::store::UniqueField::Username)) => {
                ErrorCode::UsernameTaken
            }
            Self::Store(_) | Self::Hashing(_) | Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.code().status()
    }

    /// How long to wait before retrying, for the 429 answers (`Retry-After`, whole seconds,
    /// rounded up).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::TooManyAttempts { retry_after } | Self::TooManyRequests { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }

    /// The `WWW-Authenticate` value a 401/403 on a protected route carries (RFC 6750 3), if any.
    pub fn www_authenticate(&self) -> Option<&'static str> {
        match self.code() {
            ErrorCode::Unauthorized => Some("Bearer"),
            ErrorCode::InvalidAccessToken => Some("Bearer error=\"invalid_token\""),
            ErrorCode::Forbidden => Some("Bearer error=\"insufficient_scope\""),
            _ => None,
        }
    }

    /// The RFC 9457 problem document a client sees. Internal causes never appear in it.
    pub fn problem(&self) -> Problem {
        let code = self.code();
        let detail = match self {
            Self::Validation(msg) => Some(msg.clone()),
            Self::MalformedBody(msg) => Some(msg.chars().take(200).collect()),
            Self::UnsupportedMediaType => Some("use application/json".to_owned()),
            Self::WeakPassword(violation) => Some(violation.to_string()),
            Self::TooManyAttempts { retry_after } | Self::TooManyRequests { retry_after } => Some(
                format!("retry in {} seconds", retry_after_secs(*retry_after)),
            ),
            Self::MfaNotEnabled(why) => Some((*why).to_owned()),
            Self::OAuthProviderError(code) => code.clone(),
            Self::MfaRequired(challenge) => {
                let mut problem = Problem::new(
                    code,
                    Some("complete the sign-in with a second factor".into()),
                );
                problem.extensions = challenge.members();
                return problem;
            }
            _ => None,
        };
        Problem::new(code, detail)
    }

    /// Whether this error is the caller's (4xx) rather than the server's (5xx).
    pub fn is_client_error(&self) -> bool {
        self.status() < 500
    }
}

/// A duration in whole seconds, rounded up, at least 1: the `Retry-After` value.
pub fn retry_after_secs(d: Duration) -> u64 {
    let rounded_up = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    rounded_up.max(1)
}

/// An RFC 9457 problem document: `{"type","title","status","code","detail"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Problem {
    /// A URI naming the problem type: `urn:authkit:error:{code}`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short human title.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// The stable code.
    pub code: String,
    /// A human explanation of this occurrence, when there is something safe to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Members particular to the problem type (RFC 9457 3.2), e.g. `mfa_required`'s challenge.
    #[serde(flatten, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// The problem document for `code`, with an optional detail.
    pub fn new(code: ErrorCode, detail: Option<String>) -> Self {
        Self {
            type_uri: format!("urn:authkit:error:{}", code.as_str()),
            title: code.title().to_owned(),
            status: code.status(),
            code: code.as_str().to_owned(),
            detail,
            extensions: serde_json::Map::new(),
        }
    }

    /// An application's own problem, in the same shape: `type` is `urn:authkit:error:{code}`.
    ///
    /// ```
    /// use authkit_core::Problem;
    ///
    /// let problem = Problem::custom("insufficient_credits", 409, "Not enough credits", None);
    /// assert_eq!(problem.type_uri, "urn:authkit:error:insufficient_credits");
    /// ```
    pub fn custom(code: &str, status: u16, title: &str, detail: Option<String>) -> Self {
        Self {
            type_uri: format!("urn:authkit:error:{code}"),
            title: title.to_owned(),
            status,
            code: code.to_owned(),
            detail,
            extensions: serde_json::Map::new(),
        }
    }
}

/// What a sign-in that owes a second factor answers: the challenge to present with the code.
/// `Debug` hides the challenge.
#[derive(Clone)]
pub struct MfaChallenge {
    /// The opaque, single-use challenge token.
    pub token: SecretString,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// What may complete it: `totp`, `recovery_code`.
    pub methods: Vec<&'static str>,
}

impl fmt::Debug for MfaChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaChallenge")
            .field("token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("methods", &self.methods)
            .finish()
    }
}

impl MfaChallenge {
    /// The problem document's extension members: `mfa_challenge`, `mfa_methods`, `expires_in`.
    pub fn members(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut members = serde_json::Map::new();
        members.insert("mfa_challenge".into(), self.token.expose().into());
        members.insert("mfa_methods".into(), self.methods.clone().into());
        members.insert("expires_in".into(), self.expires_in.into());
        members
    }
}

/// The content type of problem documents.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_never_leak_into_the_problem_body() {
        let err = AuthError::Store(StoreError::Backend("password=hunter2 at db:5432".into()));
        let problem = err.problem();
        assert_eq!(problem.status, 500);
        assert_eq!(problem.code, "internal");
        let body = serde_json::to_string(&problem).unwrap();
        assert!(!body.contains("hunter2"), "{body}");
        assert!(!body.contains("5432"), "{body}");
    }

    #[test]
    fn unavailable_store_maps_to_503() {
        let err = AuthError::Store(StoreError::Unavailable("pool timed out".into()));
        assert_eq!(err.status(), 503);
        assert_eq!(err.code().as_str(), "unavailable");
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn www_authenticate_follows_rfc_6750() {
        assert_eq!(AuthError::Unauthorized.www_authenticate(), Some("Bearer"));
        assert_eq!(
            AuthError::InvalidAccessToken("expired").www_authenticate(),
            Some("Bearer error=\"invalid_token\"")
        );
        assert_eq!(
            AuthError::Forbidden.www_authenticate(),
            Some("Bearer error=\"insufficient_scope\"")
        );
        assert_eq!(AuthError::InvalidCredentials.www_authenticate(), None);
    }

    #[test]
    fn problem_document_has_the_contract_shape() {
        let json = serde_json::to_value(AuthError::EmailTaken.problem()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "urn:authkit:error:email_taken",
                "title": "The e-mail address is already registered",
                "status": 409,
                "code": "email_taken"
            })
        );
    }
}
