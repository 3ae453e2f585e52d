//! Errors as authkit answers them, and the JSON body extractor that produces them.
//!
//! Every error is an RFC 9457 problem document in authkit's format (`type`
//! `urn:authkit:error:{code}`, `title`, `status`, `code`, `detail`), rendered by authkit itself
//! ([`HttpResponse::from_error`]) wherever authkit has a code for it, so a client handles the
//! credits routes and the auth routes alike. The one code of this service's own is
//! [`INSUFFICIENT_CREDITS`] (409).

use authkit_core::error::PROBLEM_CONTENT_TYPE;
use authkit_core::http::{HttpResponse, MAX_BODY_BYTES};
use authkit_core::store::StoreError;
use authkit_core::{AuthError, ErrorCode, Problem};
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::store::CreditsError;

/// The `code` of a spend the balance does not cover (409).
pub const INSUFFICIENT_CREDITS: &str = "insufficient_credits";

/// Why a credits request failed; renders as a problem document.
#[derive(Debug)]
pub enum ApiError {
    /// A failure authkit has a code for (validation, 403, 404, 415, 503, 500...).
    Auth(AuthError),
    /// The request body is larger than [`MAX_BODY_BYTES`] (413 `payload_too_large`).
    BodyTooLarge,
    /// The balance does not cover the amount (409 `insufficient_credits`).
    InsufficientCredits {
        /// The balance.
        balance: i64,
        /// The amount asked for.
        requested: i64,
    },
}

impl ApiError {
    /// 400 `validation_failed` with `detail` for the client.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::Auth(AuthError::Validation(detail.into()))
    }
}

impl From<CreditsError> for ApiError {
    fn from(err: CreditsError) -> Self {
        match err {
            CreditsError::InsufficientCredits { balance, requested } => {
                Self::InsufficientCredits { balance, requested }
            }
            CreditsError::UnknownUser => Self::Auth(AuthError::NotFound),
            CreditsError::InvalidInput(why) => Self::invalid(why),
            // 5xx: `from_error` logs the cause; the body never carries it.
            CreditsError::Unavailable(e) => {
                Self::Auth(AuthError::Store(StoreError::Unavailable(e.to_string())))
            }
            other => Self::Auth(AuthError::Store(StoreError::Backend(other.to_string()))),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Auth(err) => authkit_axum::into_response(HttpResponse::from_error(&err)),
            Self::BodyTooLarge => problem(&Problem::new(ErrorCode::PayloadTooLarge, None)),
            Self::InsufficientCredits { balance, requested } => problem(&Problem::custom(
                INSUFFICIENT_CREDITS,
                409,
                "Not enough credits",
                Some(format!(
                    "the balance is {balance}, which does not cover {requested}"
                )),
            )),
        }
    }
}

fn problem(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE)], body).into_response()
}

/// A JSON request body, read the way authkit reads its own: `application/json` or 415
/// `unsupported_media_type`, at most [`MAX_BODY_BYTES`] or 413, and 400 `malformed_body` (with
/// serde's reason) when it is not the expected shape.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::Auth(AuthError::UnsupportedMediaType));
        }
        let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| ApiError::BodyTooLarge)?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::Auth(AuthError::MalformedBody(e.to_string())))
    }
}
