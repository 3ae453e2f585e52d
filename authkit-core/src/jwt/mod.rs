//! Access tokens: signing keys, the key ring, minting and validation.
//!
//! An access token is a compact JWS (RFC 7515) in the JWT access-token profile (RFC 9068):
//!
//! - header `{"alg":…,"kid":…,"typ":"at+jwt"}`: always a `kid`, always the `at+jwt` type, so an
//!   ID token or any other JWT signed with the same key is never mistaken for an access token;
//! - claims `iss aud sub sid role iat nbf exp jti`, see [`AccessClaims`].
//!
//! # Keys and rotation
//!
//! A [`JwtKey`] is one key with a `kid` and a pinned [`JwtAlgorithm`]: an HS256 secret (at least
//! 32 bytes), or an RS256 (RSA, at least 2048 bits), ES256 (P-256) or EdDSA (Ed25519) key read
//! from PEM. A [`KeyRing`] holds one signing key and any number of verification keys. To rotate
//! without logging anyone out, sign with the new key and keep the old one as a verification key
//! (its public PEM is enough) until the longest-lived token it signed has expired:
//!
//! ```
//! # use authkit_core::jwt::{JwtKey, KeyRing};
//! # fn main() -> Result<(), authkit_core::ConfigError> {
//! let old = JwtKey::hs256("2024-01", b"the secret we used until yesterday!!")?;
//! let new = JwtKey::hs256("2024-02", b"the secret we sign with from today!!")?;
//! let ring = KeyRing::new(new).with_verification_key(old)?;
//! assert_eq!(ring.signing_kid(), "2024-02");
//! # Ok(()) }
//! ```
//!
//! The public halves of the asymmetric keys are published as a JWKS ([`KeyRing::jwks`]), so other
//! services can verify tokens without calling authkit. HS256 secrets are never published.
//!
//! # Validation, by hand
//!
//! [`JwtCodec::validate`] runs on every authenticated request, so it is a pure function: no I/O,
//! and the time comes from its `now` argument, never from the system clock (which is why it does
//! not use `jsonwebtoken::decode`, whose `Validation` reads the clock). It checks, in this order,
//! and stops at the first failure:
//!
//! 1. shape: at most 8 KiB, exactly three non-empty base64url (unpadded) segments;
//! 2. header: either byte-for-byte the header authkit mints for one of the ring's keys (the fast
//!    path, no JSON parsing), or a JSON object whose `typ` is `at+jwt` or `application/at+jwt`
//!    (any case), whose `kid` names a key of the ring, whose `alg` is exactly that key's pinned
//!    algorithm (so `none`, or HS256 presented for an RS256 key, is refused) and which has no
//!    `crit` member. `jwk`, `jku`, `x5u` and `x5c` are ignored: a token never chooses its own key;
//! 3. signature, with the key's pinned algorithm;
//! 4. claims, only once the signature is known good: every claim present with its exact type
//!    (numbers for times, UUIDs for `sub`, `sid` and `jti`), `iss` and `aud` equal to the
//!    configured ones (`aud` may also be an array containing ours), `now < exp + leeway` and
//!    `nbf <= now + leeway`.
//!
//! A rejection is [`AuthError::InvalidAccessToken`] with a short, fixed reason for the logs; the
//! client only ever sees `invalid_access_token`.
//!
//! # Layout
//!
//! `algorithm.rs` the algorithms; `key.rs` one key and PEM loading; `ring.rs` the ring and its
//! JWKS; `claims.rs` [`AccessClaims`]; `codec.rs` minting and the validation steps above;
//! `compact.rs` splitting a compact JWS and the strict serde forms of header and claims;
//! `minted.rs` the hand parser for the claims layout authkit mints; `verifier.rs` prepared
//! signature checks; `cache.rs` the verified-token cache; `tests.rs` the tests.

use std::fmt;
use std::sync::{Arc, Once};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

mod algorithm;
mod cache;
mod claims;
mod codec;
mod compact;
mod key;
mod minted;
mod ring;
#[cfg(test)]
mod tests;
mod verifier;

pub use algorithm::JwtAlgorithm;
pub use claims::AccessClaims;
pub use codec::JwtCodec;
pub use key::JwtKey;
pub use ring::KeyRing;

use crate::error::AuthError;
use crate::error::ConfigError;
use crate::model::Role;
use cache::VerifiedCache;
use verifier::Verifier;

/// The `typ` header of every access token authkit mints (RFC 9068).
const TOKEN_TYPE: &str = "at+jwt";
/// The longest token [`JwtCodec::validate`] looks at.
const MAX_TOKEN_LEN: usize = 8 * 1024;
/// Longest signature accepted (RSA-8192).
const MAX_SIGNATURE_LEN: usize = 1024;
/// Payloads up to this size are decoded on the stack.
const PAYLOAD_STACK_LEN: usize = 1024;
/// The shortest HS256 secret accepted (RFC 7518 3.2: at least the hash size).
const MIN_HS256_SECRET_LEN: usize = 32;
/// The smallest RSA modulus accepted.
const MIN_RSA_BITS: usize = 2048;

/// Settings named in the [`ConfigError`]s of this module.
const SECRET_SETTING: &str = "hs256_secret";
const PRIVATE_KEY_SETTING: &str = "jwt_private_key";
const PUBLIC_KEY_SETTING: &str = "jwt_public_key";
const KEY_RING_SETTING: &str = "key_ring";

/// The reasons a token is rejected with (for logs; the client sees one code for all of them).
mod reason {
    pub const TOO_LONG: &str = "token too long";
    pub const MALFORMED: &str = "malformed token";
    pub const BAD_HEADER: &str = "malformed header";
    pub const WRONG_TYPE: &str = "wrong token type";
    pub const CRITICAL_HEADER: &str = "critical header";
    pub const MISSING_KID: &str = "missing kid";
    pub const UNKNOWN_KEY: &str = "unknown key";
    pub const ALGORITHM_MISMATCH: &str = "algorithm mismatch";
    pub const BAD_SIGNATURE: &str = "bad signature";
    pub const BAD_CLAIMS: &str = "malformed claims";
    pub const WRONG_ISSUER: &str = "wrong issuer";
    pub const WRONG_AUDIENCE: &str = "wrong audience";
    pub const EXPIRED: &str = "expired";
    pub const NOT_YET_VALID: &str = "not yet valid";
}

fn reject(reason: &'static str) -> AuthError {
    AuthError::InvalidAccessToken(reason)
}

/// Makes `jsonwebtoken` use its aws-lc-rs crypto provider.
///
/// `jsonwebtoken` panics at first use when it cannot tell which provider to use (none or both of
/// its crypto features enabled somewhere in the dependency graph). Every [`JwtKey`] constructor
/// and [`JwtCodec::new`] call this, so applications never need to. Idempotent and cheap; if the
/// application installed a provider of its own first, that one is kept.
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // An error means a provider is already installed, which is all we need.
        let _ = DEFAULT_PROVIDER.install_default();
    });
}
