//! One error type for every flow, with a stable wire `code` and the HTTP status it maps to.
//!
//! Adapters render an [`AuthError`] with [`AuthError::problem`] (RFC 9457 problem details) and
//! never look inside it: what a client sees is decided here, once. Internal causes (store and
//! hashing failures) are kept as [`std::error::Error::source`] for logs and never reach the body.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::policy::PolicyViolation;
use crate::store::StoreError;

/// The stable, snake_case error codes of the wire contract.
///
/// A code is never renamed once released; clients may match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request body or a parameter is malformed or out of range (400).
    ValidationFailed,
    /// The request body is not valid JSON or does not have the expected shape (400).
    MalformedBody,
    /// The new password breaks the password policy (400).
    WeakPassword,
    /// The e-mail address belongs to another account (409).
    EmailTaken,
    /// The username belongs to another account (409).
    UsernameTaken,
    /// Login failed: unknown account, wrong password or disabled account, all alike (401).
    InvalidCredentials,
    /// The password was right but the address is not verified yet (403).
    EmailNotVerified,
    /// Too many failed logins for this account; retry after `Retry-After` (429).
    TooManyAttempts,
    /// Too many requests from this client; retry after `Retry-After` (429).
    TooManyRequests,
    /// The refresh token is unknown, expired, revoked or reused (401).
    InvalidRefreshToken,
    /// A one-time token (verification, reset, e-mail change) is unknown, expired or used (400).
    InvalidToken,
    /// No access token was presented (401).
    Unauthorized,
    /// The access token is malformed, expired, revoked or not ours (401).
    InvalidAccessToken,
    /// The caller lacks the role the route needs (403).
    Forbidden,
    /// The resource does not exist, or is not the caller's (404).
    NotFound,
    /// The path exists but does not serve this method; `Allow` lists those it does (405).
    MethodNotAllowed,
    /// The request body is larger than the auth routes accept (413).
    PayloadTooLarge,
    /// The request body has the wrong content type (415).
    UnsupportedMediaType,
    /// OAuth2 token endpoint: the grant is invalid (400, RFC 6749 5.2).
    InvalidGrant,
    /// OAuth2 token endpoint: the grant type is not supported (400, RFC 6749 5.2).
    UnsupportedGrantType,
    /// OAuth2 token endpoint: a parameter is missing or malformed (400, RFC 6749 5.2).
    InvalidRequest,
    /// A backing service (the database) is unreachable or saturated (503).
    Unavailable,
    /// An unexpected internal failure (500).
    Internal,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ValidationFailed => "validation_failed",
            Self::MalformedBody => "malformed_body",
            Self::WeakPassword => "weak_password",
            Self::EmailTaken => "email_taken",
            Self::UsernameTaken => "username_taken",
            Self::InvalidCredentials => "invalid_credentials",
            Self::EmailNotVerified => "email_not_verified",
            Self::TooManyAttempts => "too_many_attempts",
            Self::TooManyRequests => "too_many_requests",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::InvalidToken => "invalid_token",
            Self::Unauthorized => "unauthorized",
            Self::InvalidAccessToken => "invalid_access_token",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::InvalidGrant => "invalid_grant",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidRequest => "invalid_request",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    /// The HTTP status this code is answered with.
    pub const fn status(self) -> u16 {
        match self {
            Self::ValidationFailed
            | Self::MalformedBody
            | Self::WeakPassword
            | Self::InvalidToken
            | Self::InvalidGrant
            | Self::UnsupportedGrantType
            | Self::InvalidRequest => 400,
            Self::InvalidCredentials
            | Self::InvalidRefreshToken
            | Self::Unauthorized
            | Self::InvalidAccessToken => 401,
            Self::EmailNotVerified | Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::EmailTaken | Self::UsernameTaken => 409,
            Self::MethodNotAllowed => 405,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::TooManyAttempts | Self::TooManyRequests => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }

    /// A short human title for the problem document.
    pub const fn title(self) -> &'static str {
        match self {
            Self::ValidationFailed => "The request is invalid",
            Self::MalformedBody => "The request body is malformed",
            Self::WeakPassword => "The password is too weak",
            Self::EmailTaken => "The e-mail address is already registered",
            Self::UsernameTaken => "The username is already taken",
            Self::InvalidCredentials => "Invalid credentials",
            Self::EmailNotVerified => "The e-mail address is not verified",
            Self::TooManyAttempts => "Too many failed attempts",
            Self::TooManyRequests => "Too many requests",
            Self::InvalidRefreshToken => "Invalid refresh token",
            Self::InvalidToken => "Invalid or expired token",
            Self::Unauthorized => "Authentication required",
            Self::InvalidAccessToken => "Invalid access token",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::PayloadTooLarge => "The request body is too large",
            Self::UnsupportedMediaType => "Unsupported content type",
            Self::InvalidGrant => "Invalid grant",
            Self::UnsupportedGrantType => "Unsupported grant type",
            Self::InvalidRequest => "Invalid request",
            Self::Unavailable => "Service unavailable",
            Self::Internal => "Internal error",
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
    /// A storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Password hashing failed (a malformed stored hash, a panicked worker).
    #[error("password hashing failed: {0}")]
    Hashing(String),
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
            Self::Store(StoreError::Unavailable(_)) => ErrorCode::Unavailable,
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
        }
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
