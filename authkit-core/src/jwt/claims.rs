//! The claims of an access token.

use super::*;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer: the configured issuer.
    pub iss: String,
    /// Audience: the configured audience.
    pub aud: String,
    /// Subject: the user's id.
    pub sub: Uuid,
    /// The session (refresh-token family) the token was minted for.
    pub sid: Uuid,
    /// The user's role when the token was minted.
    pub role: Role,
    /// Issued at, in Unix seconds.
    pub iat: i64,
    /// Not before, in Unix seconds (equal to `iat` when minted by authkit).
    pub nbf: i64,
    /// Expiry, in Unix seconds.
    pub exp: i64,
    /// Unique token id (UUID v7).
    pub jti: Uuid,
    /// Not a claim: the revocation view's memo of its last check of this token.
    #[serde(skip)]
    pub(crate) revocation_memo: crate::revocation::CheckMemo,
}
