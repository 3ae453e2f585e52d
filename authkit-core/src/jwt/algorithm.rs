//! The signature algorithms an access-token key can be pinned to.

use super::*;

/// A signature algorithm for access tokens. Each key is pinned to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    /// HMAC with SHA-256 and a shared secret (the default).
    Hs256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, RSA keys of at least 2048 bits.
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// EdDSA on Ed25519.
    EdDsa,
}

impl JwtAlgorithm {
    /// The JOSE name, as in a token's `alg` header: `HS256`, `RS256`, `ES256` or `EdDSA`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }

    /// The algorithm with this exact (case-sensitive) JOSE name; `None` for anything else,
    /// including `none`.
    ///
    /// ```
    /// use authkit_core::jwt::JwtAlgorithm;
    ///
    /// assert_eq!(JwtAlgorithm::parse("EdDSA"), Some(JwtAlgorithm::EdDsa));
    /// assert_eq!(JwtAlgorithm::parse("none"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Hs256, Self::Rs256, Self::Es256, Self::EdDsa]
            .into_iter()
            .find(|alg| alg.as_str() == name)
    }

    pub(super) const fn jose(self) -> Algorithm {
        match self {
            Self::Hs256 => Algorithm::HS256,
            Self::Rs256 => Algorithm::RS256,
            Self::Es256 => Algorithm::ES256,
            Self::EdDsa => Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for JwtAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
