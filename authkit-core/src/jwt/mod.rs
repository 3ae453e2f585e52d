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

mod cache;
mod claims;
mod verifier;

use crate::config::ConfigError;
use crate::error::AuthError;
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

    const fn jose(self) -> Algorithm {
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

/// One key of a [`KeyRing`]: a `kid`, a pinned algorithm, and the key material.
///
/// A key made from a secret or a private key can sign and verify; a key made with
/// [`from_public_pem`](Self::from_public_pem) can only verify (a retired key during rotation, or
/// one whose private half lives elsewhere). `Debug` shows the `kid` and algorithm only.
#[derive(Clone)]
pub struct JwtKey {
    kid: String,
    alg: JwtAlgorithm,
    /// The base64url header segment authkit mints with this key.
    header: String,
    signing: Option<EncodingKey>,
    /// Prepared once, used for every verification.
    verifier: Arc<Verifier>,
    /// The public key as a JWK (`kid`, `alg`, `use=sig`); `None` for HS256.
    public_jwk: Option<Jwk>,
}

impl JwtKey {
    /// An HS256 key from a shared secret of at least 32 bytes.
    ///
    /// # Errors
    ///
    /// A secret shorter than 32 bytes (setting `hs256_secret`), an empty `kid` (`key_ring`).
    pub fn hs256(kid: impl Into<String>, secret: &[u8]) -> Result<Self, ConfigError> {
        install_crypto_provider();
        let kid = checked_kid(kid.into())?;
        if secret.len() < MIN_HS256_SECRET_LEN {
            return Err(ConfigError::new(
                SECRET_SETTING,
                format!(
                    "must be at least {MIN_HS256_SECRET_LEN} bytes, got {}",
                    secret.len()
                ),
            ));
        }
        Ok(Self {
            header: minted_header(&kid, JwtAlgorithm::Hs256),
            kid,
            alg: JwtAlgorithm::Hs256,
            signing: Some(EncodingKey::from_secret(secret)),
            verifier: Arc::new(Verifier::hs256(secret)),
            public_jwk: None,
        })
    }

    /// A signing key from a PEM private key: RS256 (RSA of at least 2048 bits, PKCS#8 or PKCS#1),
    /// ES256 (P-256, PKCS#8) or EdDSA (Ed25519, PKCS#8), as `openssl genpkey` writes them.
    ///
    /// The public key is derived (for verification and the JWKS) and a test signature is made and
    /// checked, so a key that cannot sign fails here, at startup.
    ///
    /// # Errors
    ///
    /// Setting `jwt_private_key`: not a PEM private key, a key of another algorithm than `alg`
    /// (or `alg` is HS256), an RSA key under 2048 bits. An empty `kid`: `key_ring`.
    pub fn from_private_pem(
        kid: impl Into<String>,
        alg: JwtAlgorithm,
        pem: &[u8],
    ) -> Result<Self, ConfigError> {
        install_crypto_provider();
        let kid = checked_kid(kid.into())?;
        let invalid = |detail: String| {
            ConfigError::new(
                PRIVATE_KEY_SETTING,
                format!(
                    "not a usable {alg} private key ({detail}); expected an unencrypted PKCS#8 PEM \
                     (BEGIN PRIVATE KEY) as `openssl genpkey` writes, or PKCS#1 for RSA"
                ),
            )
        };
        let signing = match alg {
            JwtAlgorithm::Hs256 => return Err(pem_for_hs256(PRIVATE_KEY_SETTING)),
            JwtAlgorithm::Rs256 => EncodingKey::from_rsa_pem(pem),
            JwtAlgorithm::Es256 => EncodingKey::from_ec_pem(pem),
            JwtAlgorithm::EdDsa => EncodingKey::from_ed_pem(pem),
        }
        .map_err(|e| invalid(e.to_string()))?;
        let jwk =
            Jwk::from_encoding_key(&signing, alg.jose()).map_err(|e| invalid(e.to_string()))?;
        let key = Self::asymmetric(kid, alg, Some(signing), jwk, PRIVATE_KEY_SETTING)?;
        key.self_test()
            .map_err(|detail| invalid(format!("test signature failed: {detail}")))?;
        Ok(key)
    }

    /// A verify-only key from a PEM public key (`-----BEGIN PUBLIC KEY-----`, or
    /// `RSA PUBLIC KEY` for RS256): a retired key during rotation, or a key whose private half
    /// is held elsewhere. It cannot be a ring's signing key.
    ///
    /// # Errors
    ///
    /// Setting `jwt_public_key`: not a PEM public key, a key of another algorithm than `alg`
    /// (or `alg` is HS256), an RSA key under 2048 bits. An empty `kid`: `key_ring`.
    pub fn from_public_pem(
        kid: impl Into<String>,
        alg: JwtAlgorithm,
        pem: &[u8],
    ) -> Result<Self, ConfigError> {
        install_crypto_provider();
        let kid = checked_kid(kid.into())?;
        let invalid = |detail: String| {
            ConfigError::new(
                PUBLIC_KEY_SETTING,
                format!(
                    "not a usable {alg} public key ({detail}); expected a PEM public key \
                     (BEGIN PUBLIC KEY) as `openssl pkey -pubout` writes, or PKCS#1 for RSA"
                ),
            )
        };
        let public = match alg {
            JwtAlgorithm::Hs256 => return Err(pem_for_hs256(PUBLIC_KEY_SETTING)),
            JwtAlgorithm::Rs256 => DecodingKey::from_rsa_pem(pem),
            JwtAlgorithm::Es256 => DecodingKey::from_ec_pem(pem),
            JwtAlgorithm::EdDsa => DecodingKey::from_ed_pem(pem),
        }
        .map_err(|e| invalid(e.to_string()))?;
        let jwk = Jwk::from_decoding_key(&public, Some(alg.jose()))
            .map_err(|e| invalid(e.to_string()))?;
        Self::asymmetric(kid, alg, None, jwk, PUBLIC_KEY_SETTING)
    }

    /// The key id, sent in the `kid` header of the tokens it signs.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm this key is pinned to.
    pub fn algorithm(&self) -> JwtAlgorithm {
        self.alg
    }

    /// Whether this key can sign (made from a secret or a private key).
    pub fn can_sign(&self) -> bool {
        self.signing.is_some()
    }

    /// An asymmetric key whose public half is `jwk`; the verifying key is built from that JWK,
    /// so what authkit verifies with is exactly what it publishes.
    fn asymmetric(
        kid: String,
        alg: JwtAlgorithm,
        signing: Option<EncodingKey>,
        mut jwk: Jwk,
        setting: &'static str,
    ) -> Result<Self, ConfigError> {
        let invalid = |detail: String| ConfigError::new(setting, detail);
        check_public_key(alg, &jwk).map_err(invalid)?;
        let verifier = Verifier::from_jwk(alg, &jwk).map_err(invalid)?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        Ok(Self {
            header: minted_header(&kid, alg),
            kid,
            alg,
            signing,
            verifier: Arc::new(verifier),
            public_jwk: Some(jwk),
        })
    }

    /// Signs `message`; fails for a verify-only key.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let key = self.signing.as_ref().ok_or("verify-only key")?;
        let signer =
            (DEFAULT_PROVIDER.signer_factory)(&self.alg.jose(), key).map_err(|e| e.to_string())?;
        signer.try_sign(message).map_err(|e| e.to_string())
    }

    /// Whether `signature` is this key's signature of `message`, with the pinned algorithm.
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verifier.verify(message, signature)
    }

    /// Signs a probe and verifies it with the public half.
    fn self_test(&self) -> Result<(), String> {
        const PROBE: &[u8] = b"authkit key self-test";
        let signature = self.sign(PROBE)?;
        if self.verify(PROBE, &signature) {
            Ok(())
        } else {
            Err("the derived public key does not verify it".into())
        }
    }
}

impl fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

fn checked_kid(kid: String) -> Result<String, ConfigError> {
    if kid.is_empty() {
        return Err(ConfigError::new(
            KEY_RING_SETTING,
            "a key id (kid) must not be empty",
        ));
    }
    Ok(kid)
}

fn pem_for_hs256(setting: &'static str) -> ConfigError {
    ConfigError::new(
        setting,
        "HS256 uses a shared secret, not a PEM key: use JwtKey::hs256",
    )
}

/// The base64url header segment of the tokens minted with this `kid` and `alg`: the JSON object
/// `{"alg","kid","typ"}` with its members in that order.
fn minted_header(kid: &str, alg: JwtAlgorithm) -> String {
    let json = serde_json::json!({ "alg": alg.as_str(), "kid": kid, "typ": TOKEN_TYPE });
    URL_SAFE_NO_PAD.encode(json.to_string())
}

/// Checks that a public key fits its pinned algorithm: RSA of at least 2048 bits, P-256, Ed25519.
fn check_public_key(alg: JwtAlgorithm, jwk: &Jwk) -> Result<(), String> {
    match (alg, &jwk.algorithm) {
        (JwtAlgorithm::Rs256, AlgorithmParameters::RSA(rsa)) => {
            let bits = rsa_modulus_bits(&rsa.n);
            if bits >= MIN_RSA_BITS {
                Ok(())
            } else {
                Err(format!(
                    "RSA keys need at least {MIN_RSA_BITS} bits, this one has {bits}"
                ))
            }
        }
        (JwtAlgorithm::Es256, AlgorithmParameters::EllipticCurve(ec))
            if ec.curve == EllipticCurve::P256 =>
        {
            Ok(())
        }
        (JwtAlgorithm::EdDsa, AlgorithmParameters::OctetKeyPair(okp))
            if okp.curve == EllipticCurve::Ed25519 =>
        {
            Ok(())
        }
        _ => Err(format!("not a {alg} key")),
    }
}

/// The size in bits of a base64url big-endian RSA modulus (0 if it does not decode).
fn rsa_modulus_bits(n: &str) -> usize {
    let bytes = URL_SAFE_NO_PAD.decode(n).unwrap_or_default();
    let significant: Vec<u8> = bytes.into_iter().skip_while(|&b| b == 0).collect();
    match significant.first() {
        Some(top) => significant.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    }
}

/// One signing key and any number of verification keys, each found by its `kid`.
///
/// Keys rotate without logging anyone out: sign with the new key and keep the old one as a
/// verification key until the tokens it signed have expired. `Debug` shows the kids only.
#[derive(Clone)]
pub struct KeyRing {
    signing: JwtKey,
    verifying: Vec<JwtKey>,
    jwks: JwkSet,
}

impl KeyRing {
    /// A ring that signs with `signing`, which must be able to sign: a key from
    /// [`JwtKey::hs256`] or [`JwtKey::from_private_pem`].
    ///
    /// # Panics
    ///
    /// If `signing` is verify-only (from [`JwtKey::from_public_pem`]): a programming error. Use
    /// [`try_new`](Self::try_new) when the key comes from configuration of unknown kind.
    pub fn new(signing: JwtKey) -> Self {
        match Self::try_new(signing) {
            Ok(ring) => ring,
            Err(e) => panic!("KeyRing::new: {e}"),
        }
    }

    /// A ring that signs with `signing`.
    ///
    /// # Errors
    ///
    /// Setting `key_ring`: `signing` is verify-only.
    pub fn try_new(signing: JwtKey) -> Result<Self, ConfigError> {
        if !signing.can_sign() {
            return Err(ConfigError::new(
                KEY_RING_SETTING,
                format!(
                    "the signing key `{}` is a public key and cannot sign; load its private key",
                    signing.kid
                ),
            ));
        }
        let jwks = JwkSet {
            keys: signing.public_jwk.iter().cloned().collect(),
        };
        Ok(Self {
            signing,
            verifying: Vec::new(),
            jwks,
        })
    }

    /// Adds a key that is accepted for verification but never signs (the previous key during a
    /// rotation). Its public half, if asymmetric, joins the JWKS.
    ///
    /// # Errors
    ///
    /// Setting `key_ring`: the ring already has a key with this `kid`.
    pub fn with_verification_key(mut self, key: JwtKey) -> Result<Self, ConfigError> {
        if self.key(&key.kid).is_some() {
            return Err(ConfigError::new(
                KEY_RING_SETTING,
                format!("duplicate key id `{}`", key.kid),
            ));
        }
        self.jwks.keys.extend(key.public_jwk.iter().cloned());
        self.verifying.push(key);
        Ok(self)
    }

    /// The `kid` new tokens are signed with.
    pub fn signing_kid(&self) -> &str {
        &self.signing.kid
    }

    /// The JWKS to publish at `/.well-known/jwks.json`: the public keys of the ring's asymmetric
    /// keys, each with `kid`, `alg` and `use: "sig"`. HS256 secrets are never in it.
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    fn keys(&self) -> impl Iterator<Item = &JwtKey> {
        std::iter::once(&self.signing).chain(&self.verifying)
    }

    fn key(&self, kid: &str) -> Option<&JwtKey> {
        self.keys().find(|key| key.kid == kid)
    }

    /// The key whose minted header is exactly `segment`.
    fn key_minting_header(&self, segment: &str) -> Option<&JwtKey> {
        self.keys().find(|key| key.header == segment)
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verification: Vec<&str> = self.verifying.iter().map(JwtKey::kid).collect();
        f.debug_struct("KeyRing")
            .field("signing", &self.signing)
            .field("verification", &verification)
            .finish()
    }
}

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

/// Which parsers a validation may use.
#[derive(Clone, Copy)]
enum Paths {
    /// The fast paths for what authkit mints, the general parsers for anything else.
    Fast,
    /// The general parsers only.
    General,
}

/// Mints and validates access tokens with a [`KeyRing`]. Cheap to clone (shared inside).
///
/// ```
/// use authkit_core::Role;
/// use authkit_core::jwt::{JwtCodec, JwtKey, KeyRing};
/// use time::{Duration, OffsetDateTime};
/// use uuid::Uuid;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = JwtKey::hs256("hs256-1", b"an example secret of 32+ bytes!!")?;
/// let codec = JwtCodec::new(
///     KeyRing::new(key),
///     "https://auth.example.com".to_owned(),
///     "api".to_owned(),
///     Duration::minutes(15),
///     Duration::seconds(10),
/// );
///
/// let now = OffsetDateTime::now_utc();
/// let (token, claims) = codec.mint(Uuid::now_v7(), Uuid::now_v7(), &Role::user(), now)?;
/// assert_eq!(codec.validate(&token, now)?, claims);
/// assert!(codec.validate(&token, now + Duration::hours(1)).is_err());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct JwtCodec {
    inner: Arc<CodecInner>,
}

struct CodecInner {
    keys: KeyRing,
    issuer: String,
    audience: String,
    ttl: Duration,
    /// Clock-skew leeway in whole seconds, never negative.
    leeway: i64,
    /// Recently verified tokens, when enabled.
    cache: Option<VerifiedCache>,
}

impl JwtCodec {
    /// A codec that mints tokens for `issuer` and `audience`, valid for `ttl`, and accepts them
    /// with `leeway` of clock skew on `exp` and `nbf` (a negative leeway counts as zero; both
    /// durations are used in whole seconds).
    pub fn new(
        keys: KeyRing,
        issuer: String,
        audience: String,
        ttl: Duration,
        leeway: Duration,
    ) -> Self {
        install_crypto_provider();
        Self {
            inner: Arc::new(CodecInner {
                keys,
                issuer,
                audience,
                ttl,
                leeway: leeway.whole_seconds().max(0),
                cache: None,
            }),
        }
    }

    /// Remembers up to about `capacity` verified tokens (about 700 bytes each), so a token
    /// presented again skips its signature check and claim parsing (a lookup costs about a
    /// twentieth of an HS256 check and a three-hundredth of an RS256 one); expiry and
    /// not-before are still checked on every use, and the whole token is the key. A token is
    /// admitted on its second verification, so tokens seen once cost no more than without a
    /// cache. 0 turns the cache off.
    pub fn with_verified_cache(self, capacity: usize) -> Self {
        let inner = &*self.inner;
        Self {
            inner: Arc::new(CodecInner {
                keys: inner.keys.clone(),
                issuer: inner.issuer.clone(),
                audience: inner.audience.clone(),
                ttl: inner.ttl,
                leeway: inner.leeway,
                cache: (capacity > 0).then(|| VerifiedCache::new(capacity)),
            }),
        }
    }

    /// The key ring.
    pub fn keys(&self) -> &KeyRing {
        &self.inner.keys
    }

    /// Mints an access token for `user_id` in session `session_id`, signed with the ring's
    /// signing key: `iat = nbf = now`, `exp = now + ttl`, a fresh UUID v7 `jti`.
    ///
    /// # Errors
    ///
    /// [`AuthError::Internal`] if signing fails (it does not with a key the ring accepted) or
    /// `now + ttl` overflows.
    pub fn mint(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        role: &Role,
        now: OffsetDateTime,
    ) -> Result<(String, AccessClaims), AuthError> {
        let inner = &*self.inner;
        let iat = now.unix_timestamp();
        let exp = iat
            .checked_add(inner.ttl.whole_seconds())
            .ok_or_else(|| AuthError::Internal("access token expiry overflows".into()))?;
        let claims = AccessClaims {
            iss: inner.issuer.clone(),
            aud: inner.audience.clone(),
            sub: user_id,
            sid: session_id,
            role: role.clone(),
            iat,
            nbf: iat,
            exp,
            jti: Uuid::now_v7(),
            revocation_memo: Default::default(),
        };
        let token = self.sign(&claims)?;
        Ok((token, claims))
    }

    /// Validates an access token at `now` and returns its claims. Pure: no I/O, no clock.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidAccessToken`] with the reason, see the [module docs](crate::jwt).
    pub fn validate(&self, token: &str, now: OffsetDateTime) -> Result<AccessClaims, AuthError> {
        match &self.inner.cache {
            Some(_) => self.validate_shared(token, now).map(Arc::unwrap_or_clone),
            None => self.verify(token, now.unix_timestamp()),
        }
    }

    /// [`validate`](Self::validate), sharing the claims with the verified-token cache: a token
    /// seen before costs a lookup and the expiry checks, without copying its claims. This is
    /// what the extractors use.
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate).
    pub fn validate_shared(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Arc<AccessClaims>, AuthError> {
        self.validate_shared_at(token, now.unix_timestamp())
    }

    /// [`validate_shared`](Self::validate_shared) at `now` in Unix seconds.
    pub(crate) fn validate_shared_at(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Arc<AccessClaims>, AuthError> {
        let Some(cache) = &self.inner.cache else {
            return self.verify(token, now).map(Arc::new);
        };
        let key = cache.key(token);
        if let Some(claims) = cache.get_keyed(key, token) {
            self.check_period(&claims, now)?;
            return Ok(claims);
        }
        let claims = Arc::new(self.verify(token, now)?);
        cache.insert_keyed(key, token, &claims);
        Ok(claims)
    }

    /// [`validate`](Self::validate) through the general parsers only: no verified-token
    /// cache, no fast path for minted headers or claims. The fast paths must decide exactly as
    /// this does; the differential tests and the fuzz harness hold them to it.
    #[doc(hidden)]
    pub fn validate_general(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<AccessClaims, AuthError> {
        self.verify_with(token, now.unix_timestamp(), Paths::General)
    }

    /// Every check of a token, without the cache.
    fn verify(&self, token: &str, now: i64) -> Result<AccessClaims, AuthError> {
        self.verify_with(token, now, Paths::Fast)
    }

    fn verify_with(&self, token: &str, now: i64, paths: Paths) -> Result<AccessClaims, AuthError> {
        let parts = Parts::split(token)?;
        let key = match paths {
            Paths::Fast => self.key_for_header(parts.header)?,
            Paths::General => self.key_for_parsed_header(parts.header)?,
        };
        let mut signature = [0u8; MAX_SIGNATURE_LEN];
        let len = URL_SAFE_NO_PAD
            .decode_slice(parts.signature, &mut signature)
            .map_err(|_| reject(reason::MALFORMED))?;
        if !key.verify(parts.signed.as_bytes(), &signature[..len]) {
            return Err(reject(reason::BAD_SIGNATURE));
        }
        let mut stack = [0u8; PAYLOAD_STACK_LEN];
        let heap;
        let payload: &[u8] = match URL_SAFE_NO_PAD.decode_slice(parts.payload, &mut stack) {
            Ok(len) => &stack[..len],
            Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
                heap = decode_segment(parts.payload)?;
                &heap
            }
            Err(_) => return Err(reject(reason::MALFORMED)),
        };
        let minted = match paths {
            Paths::Fast => claims::parse_minted(payload),
            Paths::General => None,
        };
        let claims = match minted {
            Some(minted) => self.check_minted(minted)?,
            None => {
                let raw: RawClaims = parse_object(payload).ok_or(reject(reason::BAD_CLAIMS))?;
                self.check_claims(raw)?
            }
        };
        self.check_period(&claims, now)?;
        Ok(claims)
    }

    /// `header.payload.signature`, signed with the signing key.
    fn sign(&self, claims: &AccessClaims) -> Result<String, AuthError> {
        let key = &self.inner.keys.signing;
        let payload = serde_json::to_vec(claims)
            .map_err(|e| AuthError::Internal(format!("encoding access token claims: {e}")))?;
        let mut token = format!("{}.", key.header);
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = key.sign(token.as_bytes()).map_err(|e| {
            AuthError::Internal(format!("signing with key `{}` failed: {e}", key.kid))
        })?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }

    /// The key a header segment asks for: the fast path when it is exactly a header authkit
    /// mints, the strict checks otherwise.
    fn key_for_header(&self, segment: &str) -> Result<&JwtKey, AuthError> {
        if let Some(key) = self.inner.keys.key_minting_header(segment) {
            return Ok(key);
        }
        self.key_for_parsed_header(segment)
    }

    /// The key a header segment asks for, by the strict checks alone.
    fn key_for_parsed_header(&self, segment: &str) -> Result<&JwtKey, AuthError> {
        let keys = &self.inner.keys;
        let header: RawHeader =
            parse_object(&decode_segment(segment)?).ok_or(reject(reason::BAD_HEADER))?;
        if header.crit {
            return Err(reject(reason::CRITICAL_HEADER));
        }
        if !header.typ.as_deref().is_some_and(is_access_token_type) {
            return Err(reject(reason::WRONG_TYPE));
        }
        let kid = header.kid.ok_or(reject(reason::MISSING_KID))?;
        let key = keys.key(&kid).ok_or(reject(reason::UNKNOWN_KEY))?;
        if header.alg != key.alg.as_str() {
            return Err(reject(reason::ALGORITHM_MISMATCH));
        }
        Ok(key)
    }

    /// Checks issuer and audience of claims read from the minted layout.
    fn check_minted(&self, c: claims::MintedClaims<'_>) -> Result<AccessClaims, AuthError> {
        let inner = &*self.inner;
        let role = Role::new(c.role).map_err(|_| reject(reason::BAD_CLAIMS))?;
        if c.iss != inner.issuer {
            return Err(reject(reason::WRONG_ISSUER));
        }
        if c.aud != inner.audience {
            return Err(reject(reason::WRONG_AUDIENCE));
        }
        Ok(AccessClaims {
            iss: inner.issuer.clone(),
            aud: inner.audience.clone(),
            sub: c.sub,
            sid: c.sid,
            role,
            iat: c.iat,
            nbf: c.nbf,
            exp: c.exp,
            jti: c.jti,
            revocation_memo: Default::default(),
        })
    }

    /// Checks issuer and audience of claims in any other layout.
    fn check_claims(&self, claims: RawClaims) -> Result<AccessClaims, AuthError> {
        let inner = &*self.inner;
        if claims.iss != inner.issuer {
            return Err(reject(reason::WRONG_ISSUER));
        }
        if !claims.aud.contains(&inner.audience) {
            return Err(reject(reason::WRONG_AUDIENCE));
        }
        Ok(AccessClaims {
            iss: claims.iss,
            aud: inner.audience.clone(),
            sub: claims.sub,
            sid: claims.sid,
            role: claims.role,
            iat: claims.iat,
            nbf: claims.nbf,
            exp: claims.exp,
            jti: claims.jti,
            revocation_memo: Default::default(),
        })
    }

    /// Checks the validity period at `now` (Unix seconds), with the leeway.
    fn check_period(&self, claims: &AccessClaims, now: i64) -> Result<(), AuthError> {
        let leeway = self.inner.leeway;
        if now >= claims.exp.saturating_add(leeway) {
            return Err(reject(reason::EXPIRED));
        }
        if now.saturating_add(leeway) < claims.nbf {
            return Err(reject(reason::NOT_YET_VALID));
        }
        Ok(())
    }
}

impl fmt::Debug for JwtCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("JwtCodec")
            .field("keys", &inner.keys)
            .field("issuer", &inner.issuer)
            .field("audience", &inner.audience)
            .field("ttl", &inner.ttl)
            .field("leeway_seconds", &inner.leeway)
            .finish()
    }
}

/// The three segments of a compact JWS.
struct Parts<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    /// `header.payload`, the signed bytes.
    signed: &'a str,
}

impl<'a> Parts<'a> {
    /// Splits a token into exactly three non-empty base64url segments.
    fn split(token: &'a str) -> Result<Self, AuthError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(reject(reason::TOO_LONG));
        }
        let mut segments = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(reject(reason::MALFORMED));
        };
        // The alphabet is checked where each segment is decoded (or, for a minted header,
        // compared byte for byte).
        if [header, payload, signature].iter().any(|s| s.is_empty()) {
            return Err(reject(reason::MALFORMED));
        }
        let signed = &token[..header.len() + 1 + payload.len()];
        Ok(Self {
            header,
            payload,
            signature,
            signed,
        })
    }
}

/// Strict unpadded base64url (canonical trailing bits).
fn decode_segment(segment: &str) -> Result<Vec<u8>, AuthError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| reject(reason::MALFORMED))
}

/// Parses a JSON object (not an array, which serde would also map onto a struct); duplicate
/// members are an error.
fn parse_object<T: DeserializeOwned>(json: &[u8]) -> Option<T> {
    if json.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    serde_json::from_slice(json).ok()
}

fn is_access_token_type(typ: &str) -> bool {
    typ.eq_ignore_ascii_case(TOKEN_TYPE) || typ.eq_ignore_ascii_case("application/at+jwt")
}

/// The header members validation looks at; all others (`jwk`, `jku`, `x5u`, `x5c`, ...) are
/// ignored.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    kid: Option<String>,
    /// Whether a `crit` member is present, whatever its value.
    #[serde(default, deserialize_with = "present")]
    crit: bool,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer)?;
    Ok(true)
}

/// The claims as presented: every member required, with its exact type.
#[derive(Deserialize)]
struct RawClaims {
    iss: String,
    aud: Audience,
    sub: Uuid,
    sid: Uuid,
    role: Role,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: Uuid,
}

/// `aud`: one string or an array of strings (RFC 7519 4.1.3).
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, audience: &str) -> bool {
        match self {
            Self::One(aud) => aud == audience,
            Self::Many(auds) => auds.iter().any(|aud| aud == audience),
        }
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Validation, crypto};
    use serde_json::{Value, json};
    use time::macros::datetime;

    use super::*;

    const RSA_PEM: &[u8] = include_bytes!("../../tests/keys/rsa.pem");
    const RSA_PUB_PEM: &[u8] = include_bytes!("../../tests/keys/rsa.pub.pem");
    const RSA_1024_PEM: &[u8] = include_bytes!("../../tests/keys/rsa1024.pem");
    const RSA_1024_PUB_PEM: &[u8] = include_bytes!("../../tests/keys/rsa1024.pub.pem");
    const EC_PEM: &[u8] = include_bytes!("../../tests/keys/ec.pem");
    const EC_PUB_PEM: &[u8] = include_bytes!("../../tests/keys/ec.pub.pem");
    const ED_PEM: &[u8] = include_bytes!("../../tests/keys/ed25519.pem");
    const ED_PUB_PEM: &[u8] = include_bytes!("../../tests/keys/ed25519.pub.pem");

    const SECRET: &[u8] = b"test secret, exactly 32 bytes!!!";
    const ISSUER: &str = "https://auth.example.com";
    const AUDIENCE: &str = "api";
    const NOW: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);
    const TTL_SECONDS: i64 = 900;
    const LEEWAY_SECONDS: i64 = 10;

    /// A codec for `key` with a verified-token cache of `capacity` (0: none).
    fn cached_codec(key: JwtKey, capacity: usize) -> JwtCodec {
        JwtCodec::new(
            KeyRing::new(key),
            "iss".into(),
            "aud".into(),
            Duration::minutes(15),
            Duration::ZERO,
        )
        .with_verified_cache(capacity)
    }

    #[test]
    fn the_verified_cache_serves_asymmetric_tokens_and_still_checks_expiry() {
        let key = JwtKey::from_private_pem("ec-1", JwtAlgorithm::Es256, EC_PEM).unwrap();
        let codec = cached_codec(key, 8);
        let now = OffsetDateTime::now_utc();
        let (token, claims) = codec
            .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::user(), now)
            .unwrap();
        assert_eq!(codec.validate(&token, now).unwrap(), claims);
        let cache = codec.inner.cache.as_ref().expect("enabled for ES256");
        assert_eq!(
            cache.len(),
            0,
            "a token is admitted on its second verification"
        );
        assert_eq!(codec.validate(&token, now).unwrap(), claims);
        assert_eq!(cache.len(), 1);
        assert_eq!(
            codec.validate(&token, now).unwrap(),
            claims,
            "served from the cache"
        );
        let err = codec
            .validate(&token, now + Duration::minutes(15))
            .unwrap_err();
        assert!(
            matches!(err, AuthError::InvalidAccessToken("expired")),
            "{err:?}"
        );
        let mut tampered = token.clone();
        tampered.push('A');
        assert!(
            codec.validate(&tampered, now).is_err(),
            "another string is verified afresh"
        );
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_cache_serves_hs256_tokens_too_and_can_be_turned_off() {
        let codec = |capacity| cached_codec(JwtKey::hs256("k", SECRET).unwrap(), capacity);
        let cached = codec(8);
        let now = OffsetDateTime::now_utc();
        let (token, claims) = cached
            .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::user(), now)
            .unwrap();
        assert_eq!(cached.validate(&token, now).unwrap(), claims);
        assert_eq!(cached.validate(&token, now).unwrap(), claims);
        assert_eq!(cached.inner.cache.as_ref().unwrap().len(), 1);
        assert!(codec(0).inner.cache.is_none());
    }

    #[test]
    fn a_cache_hit_shares_the_claims_and_a_changed_payload_is_verified_afresh() {
        let codec = cached_codec(JwtKey::hs256("k", SECRET).unwrap(), 8);
        let now = OffsetDateTime::now_utc();
        let (token, _) = codec
            .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::user(), now)
            .unwrap();
        codec.validate_shared(&token, now).unwrap(); // first sighting: not admitted yet
        let first = codec.validate_shared(&token, now).unwrap();
        let second = codec.validate_shared(&token, now).unwrap();
        assert!(Arc::ptr_eq(&first, &second), "a hit copies nothing");

        // Same signature (same bucket), another payload: a lookup miss, then a bad signature.
        let (header, rest) = token.split_once('.').unwrap();
        let (_, signature) = rest.rsplit_once('.').unwrap();
        let mut admin_claims = (*first).clone();
        admin_claims.role = Role::admin();
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&admin_claims).unwrap());
        let forged = format!("{header}.{payload}.{signature}");
        let err = codec.validate_shared(&forged, now).unwrap_err();
        assert!(
            matches!(err, AuthError::InvalidAccessToken("bad signature")),
            "{err:?}"
        );
        assert_eq!(codec.inner.cache.as_ref().unwrap().len(), 1);
    }

    fn hs_key() -> JwtKey {
        JwtKey::hs256("hs-1", SECRET).unwrap()
    }

    fn rsa_key() -> JwtKey {
        JwtKey::from_private_pem("rsa-1", JwtAlgorithm::Rs256, RSA_PEM).unwrap()
    }

    fn ec_key() -> JwtKey {
        JwtKey::from_private_pem("ec-1", JwtAlgorithm::Es256, EC_PEM).unwrap()
    }

    fn ed_key() -> JwtKey {
        JwtKey::from_private_pem("ed-1", JwtAlgorithm::EdDsa, ED_PEM).unwrap()
    }

    fn codec_with(keys: KeyRing) -> JwtCodec {
        JwtCodec::new(
            keys,
            ISSUER.to_owned(),
            AUDIENCE.to_owned(),
            Duration::seconds(TTL_SECONDS),
            Duration::seconds(LEEWAY_SECONDS),
        )
    }

    fn codec(key: JwtKey) -> JwtCodec {
        codec_with(KeyRing::new(key))
    }

    fn mint(codec: &JwtCodec) -> (String, AccessClaims) {
        codec
            .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::user(), NOW)
            .unwrap()
    }

    /// The reason of an `InvalidAccessToken` rejection.
    fn reason(result: Result<AccessClaims, AuthError>) -> &'static str {
        match result {
            Err(AuthError::InvalidAccessToken(reason)) => reason,
            other => panic!("expected InvalidAccessToken, got {other:?}"),
        }
    }

    fn b64(bytes: impl AsRef<[u8]>) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn header(alg: &str, kid: &str) -> Value {
        json!({ "alg": alg, "kid": kid, "typ": "at+jwt" })
    }

    fn claims() -> Value {
        let now = NOW.unix_timestamp();
        json!({
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": Uuid::now_v7(),
            "sid": Uuid::now_v7(),
            "role": "user",
            "iat": now,
            "nbf": now,
            "exp": now + TTL_SECONDS,
            "jti": Uuid::now_v7(),
        })
    }

    /// A hand-made token: `header` and `claims` as JSON, signed with jsonwebtoken.
    fn forge(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
        install_crypto_provider();
        let signed = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let signature = crypto::sign(signed.as_bytes(), key, alg).unwrap();
        format!("{signed}.{signature}")
    }

    /// A hand-made token signed with the `hs-1` secret.
    fn forge_hs(header: &Value, claims: &Value) -> String {
        forge(
            header,
            claims,
            &EncodingKey::from_secret(SECRET),
            Algorithm::HS256,
        )
    }

    /// A token whose payload is exactly `payload`, signed with the `hs-1` secret.
    fn forge_hs_raw(payload: &str) -> String {
        install_crypto_provider();
        let signed = format!(
            "{}.{}",
            b64(header("HS256", "hs-1").to_string()),
            b64(payload)
        );
        let key = EncodingKey::from_secret(SECRET);
        let signature = crypto::sign(signed.as_bytes(), &key, Algorithm::HS256).unwrap();
        format!("{signed}.{signature}")
    }

    /// The minted layout with `iat`, `nbf` and `exp` written as given.
    fn minted_payload(iat: &str, nbf: &str, exp: &str) -> String {
        format!(
            r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","sub":"{}","sid":"{}","role":"user","iat":{iat},"nbf":{nbf},"exp":{exp},"jti":"{}"}}"#,
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7()
        )
    }

    #[test]
    fn the_fast_claims_path_decides_exactly_as_the_general_parser() {
        let codec = codec(hs_key());
        let now = NOW.unix_timestamp().to_string();
        let exp = (NOW.unix_timestamp() + TTL_SECONDS).to_string();
        let cases = [
            minted_payload(&now, &now, &exp),
            minted_payload(&now, "-0", &exp),
            minted_payload("-0", &now, &exp),
            minted_payload(&now, "-1", &exp),
            minted_payload("0", "0", &exp),
            minted_payload(&now, &now, "-0"),
        ];
        for payload in &cases {
            // A leading space keeps the payload's meaning but forces the general parser.
            let general = format!(" {payload}");
            let fast = codec.validate(&forge_hs_raw(payload), NOW);
            let slow = codec.validate(&forge_hs_raw(&general), NOW);
            assert_eq!(
                fast.as_ref()
                    .map(|c| (c.iat, c.nbf, c.exp))
                    .map_err(|e| e.to_string()),
                slow.as_ref()
                    .map(|c| (c.iat, c.nbf, c.exp))
                    .map_err(|e| e.to_string()),
                "{payload}"
            );
        }
        assert!(
            codec
                .validate(&forge_hs_raw(&minted_payload(&now, "-0", &exp)), NOW)
                .is_err(),
            "`-0` is not an integer to serde"
        );
    }

    fn without(mut value: Value, member: &str) -> Value {
        value.as_object_mut().unwrap().remove(member);
        value
    }

    fn with(mut value: Value, member: &str, new: Value) -> Value {
        value[member] = new;
        value
    }

    fn assert_round_trip(key: JwtKey) {
        let kid = key.kid().to_owned();
        let alg = key.algorithm();
        let codec = codec(key);
        let user = Uuid::now_v7();
        let session = Uuid::now_v7();
        let role = Role::new("hr").unwrap();

        let (token, claims) = codec.mint(user, session, &role, NOW).unwrap();

        let quoted_kid = serde_json::to_string(&kid).unwrap();
        let expected_header = format!(r#"{{"alg":"{alg}","kid":{quoted_kid},"typ":"at+jwt"}}"#);
        let header_segment = token.split('.').next().unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(header_segment).unwrap(),
            expected_header.as_bytes()
        );
        assert_eq!(claims.iss, ISSUER);
        assert_eq!(claims.aud, AUDIENCE);
        assert_eq!((claims.sub, claims.sid), (user, session));
        assert_eq!(claims.role, role);
        assert_eq!(claims.iat, NOW.unix_timestamp());
        assert_eq!(claims.nbf, NOW.unix_timestamp());
        assert_eq!(claims.exp, NOW.unix_timestamp() + TTL_SECONDS);
        assert_eq!(claims.jti.get_version_num(), 7);
        assert_eq!(codec.validate(&token, NOW).unwrap(), claims);
    }

    #[test]
    fn hs256_token_round_trips() {
        assert_round_trip(hs_key());
    }

    #[test]
    fn rs256_token_round_trips() {
        assert_round_trip(rsa_key());
    }

    #[test]
    fn es256_token_round_trips() {
        assert_round_trip(ec_key());
    }

    #[test]
    fn eddsa_token_round_trips() {
        assert_round_trip(ed_key());
    }

    #[test]
    fn minted_tokens_carry_fresh_jtis() {
        let codec = codec(hs_key());
        assert_ne!(mint(&codec).1.jti, mint(&codec).1.jti);
    }

    #[test]
    fn kid_needing_json_escapes_round_trips() {
        assert_round_trip(JwtKey::hs256(r#"2024 "q\1""#, SECRET).unwrap());
    }

    #[test]
    fn validation_uses_the_given_time_not_the_system_clock() {
        let codec = codec(hs_key());
        let long_ago = datetime!(2001-02-03 04:05 UTC);
        let (token, claims) = codec
            .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::admin(), long_ago)
            .unwrap();
        assert_eq!(
            codec
                .validate(&token, long_ago + Duration::minutes(1))
                .unwrap(),
            claims
        );
    }

    #[test]
    fn hand_made_header_in_another_member_order_is_accepted() {
        let header = json!({ "typ": "at+jwt", "kid": "hs-1", "alg": "HS256", "x-extra": 1 });
        let token = forge_hs(&header, &claims());
        // Not byte-for-byte what authkit mints: this goes through the strict header parser.
        assert!(
            codec(hs_key())
                .keys()
                .key_minting_header(token.split('.').next().unwrap())
                .is_none()
        );
        assert!(codec(hs_key()).validate(&token, NOW).is_ok());
    }

    #[test]
    fn typ_application_at_jwt_in_any_case_is_accepted() {
        let codec = codec(hs_key());
        for typ in ["application/at+jwt", "AT+JWT", "Application/At+Jwt"] {
            let token = forge_hs(&with(header("HS256", "hs-1"), "typ", json!(typ)), &claims());
            assert!(codec.validate(&token, NOW).is_ok(), "typ {typ}");
        }
    }

    #[test]
    fn alg_none_is_rejected() {
        let codec = codec(hs_key());
        let unsigned = format!(
            "{}.{}",
            b64(header("none", "hs-1").to_string()),
            b64(claims().to_string())
        );
        assert_eq!(
            reason(codec.validate(&format!("{unsigned}."), NOW)),
            "malformed token"
        );
        assert_eq!(
            reason(codec.validate(&format!("{unsigned}.AAAA"), NOW)),
            "algorithm mismatch"
        );
    }

    #[test]
    fn hs256_token_signed_with_the_rsa_public_key_is_rejected_for_an_rs256_kid() {
        let codec = codec(rsa_key());
        let token = forge(
            &header("HS256", "rsa-1"),
            &claims(),
            &EncodingKey::from_secret(RSA_PUB_PEM),
            Algorithm::HS256,
        );
        assert_eq!(reason(codec.validate(&token, NOW)), "algorithm mismatch");
    }

    #[test]
    fn token_of_another_algorithm_than_the_keys_is_rejected() {
        let codec = codec_with(
            KeyRing::new(rsa_key())
                .with_verification_key(ec_key())
                .unwrap(),
        );
        let es256 = EncodingKey::from_ec_pem(EC_PEM).unwrap();
        let token = forge(
            &header("ES256", "rsa-1"),
            &claims(),
            &es256,
            Algorithm::ES256,
        );
        assert_eq!(reason(codec.validate(&token, NOW)), "algorithm mismatch");
    }

    #[test]
    fn wrong_typ_is_rejected() {
        let codec = codec(hs_key());
        for typ in [json!("JWT"), json!("at+jwt2"), json!(null)] {
            let token = forge_hs(&with(header("HS256", "hs-1"), "typ", typ), &claims());
            assert_eq!(reason(codec.validate(&token, NOW)), "wrong token type");
        }
    }

    #[test]
    fn missing_typ_is_rejected() {
        let token = forge_hs(&without(header("HS256", "hs-1"), "typ"), &claims());
        assert_eq!(
            reason(codec(hs_key()).validate(&token, NOW)),
            "wrong token type"
        );
    }

    #[test]
    fn crit_header_is_rejected() {
        let header = with(header("HS256", "hs-1"), "crit", json!(["exp"]));
        let token = forge_hs(&header, &claims());
        assert_eq!(
            reason(codec(hs_key()).validate(&token, NOW)),
            "critical header"
        );
    }

    #[test]
    fn header_with_a_duplicate_member_is_rejected() {
        install_crypto_provider();
        let header = r#"{"alg":"none","alg":"HS256","kid":"hs-1","typ":"at+jwt"}"#;
        let signed = format!("{}.{}", b64(header), b64(claims().to_string()));
        let signature = crypto::sign(
            signed.as_bytes(),
            &EncodingKey::from_secret(SECRET),
            Algorithm::HS256,
        )
        .unwrap();
        let token = format!("{signed}.{signature}");
        assert_eq!(
            reason(codec(hs_key()).validate(&token, NOW)),
            "malformed header"
        );
    }

    #[test]
    fn header_that_is_not_a_json_object_is_rejected() {
        let codec = codec(hs_key());
        for header in [r#"["HS256","at+jwt","hs-1"]"#, "null", "not json"] {
            let token = format!("{}.{}.AAAA", b64(header), b64(claims().to_string()));
            assert_eq!(
                reason(codec.validate(&token, NOW)),
                "malformed header",
                "{header}"
            );
        }
    }

    #[test]
    fn unknown_kid_is_rejected() {
        let token = forge_hs(&header("HS256", "hs-2"), &claims());
        assert_eq!(reason(codec(hs_key()).validate(&token, NOW)), "unknown key");
    }

    #[test]
    fn missing_kid_is_rejected() {
        let token = forge_hs(&without(header("HS256", "hs-1"), "kid"), &claims());
        assert_eq!(reason(codec(hs_key()).validate(&token, NOW)), "missing kid");
    }

    #[test]
    fn token_signed_by_another_key_with_the_same_kid_is_rejected() {
        let other = JwtKey::hs256("hs-1", b"another secret of at least 32 bytes").unwrap();
        let (token, _) = mint(&codec(other));
        assert_eq!(
            reason(codec(hs_key()).validate(&token, NOW)),
            "bad signature"
        );
    }

    #[test]
    fn jwk_jku_x5u_and_x5c_headers_do_not_choose_the_key() {
        install_crypto_provider();
        // An attacker's own Ed25519 key (PKCS#8 v1 = fixed 16-byte prefix + 32-byte seed).
        let mut der = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        der.extend_from_slice(&[7; 32]);
        let attacker = EncodingKey::from_ed_der(&der);
        let attacker_jwk = Jwk::from_encoding_key(&attacker, Algorithm::EdDSA).unwrap();
        let mut attack = header("EdDSA", "ed-1");
        attack["jwk"] = serde_json::to_value(&attacker_jwk).unwrap();
        attack["jku"] = json!("https://attacker.example/jwks.json");
        attack["x5u"] = json!("https://attacker.example/cert.pem");
        attack["x5c"] = json!(["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]);
        let codec = codec(ed_key());

        let forged = forge(&attack, &claims(), &attacker, Algorithm::EdDSA);
        assert_eq!(reason(codec.validate(&forged, NOW)), "bad signature");

        // The same header on a token the ring's key signed: the extra members are ignored.
        let genuine_key = EncodingKey::from_ed_pem(ED_PEM).unwrap();
        let genuine = forge(&attack, &claims(), &genuine_key, Algorithm::EdDSA);
        assert!(codec.validate(&genuine, NOW).is_ok());
    }

    #[test]
    fn wrong_issuer_is_rejected() {
        let token = forge_hs(
            &header("HS256", "hs-1"),
            &with(claims(), "iss", json!("evil")),
        );
        assert_eq!(
            reason(codec(hs_key()).validate(&token, NOW)),
            "wrong issuer"
        );
    }

    #[test]
    fn wrong_audience_is_rejected() {
        let codec = codec(hs_key());
        for aud in [json!("other-api"), json!(["other-api", "web"]), json!([])] {
            let token = forge_hs(&header("HS256", "hs-1"), &with(claims(), "aud", aud));
            assert_eq!(reason(codec.validate(&token, NOW)), "wrong audience");
        }
    }

    #[test]
    fn audience_array_containing_ours_is_accepted() {
        let claims = with(claims(), "aud", json!(["web", AUDIENCE]));
        let token = forge_hs(&header("HS256", "hs-1"), &claims);
        assert_eq!(codec(hs_key()).validate(&token, NOW).unwrap().aud, AUDIENCE);
    }

    #[test]
    fn expired_token_is_rejected_once_the_leeway_has_passed() {
        let codec = codec(hs_key());
        let (token, _) = mint(&codec);
        let expiry = NOW + Duration::seconds(TTL_SECONDS);
        let limit = expiry + Duration::seconds(LEEWAY_SECONDS);
        assert_eq!(reason(codec.validate(&token, limit)), "expired");
        assert_eq!(
            reason(codec.validate(&token, limit + Duration::days(1))),
            "expired"
        );
    }

    #[test]
    fn expired_token_is_accepted_within_the_leeway() {
        let codec = codec(hs_key());
        let (token, claims) = mint(&codec);
        let expiry = NOW + Duration::seconds(TTL_SECONDS);
        assert_eq!(codec.validate(&token, expiry).unwrap(), claims);
        let last_second = expiry + Duration::seconds(LEEWAY_SECONDS - 1);
        assert_eq!(codec.validate(&token, last_second).unwrap(), claims);
    }

    #[test]
    fn token_without_leeway_expires_at_exp() {
        let codec = JwtCodec::new(
            KeyRing::new(hs_key()),
            ISSUER.to_owned(),
            AUDIENCE.to_owned(),
            Duration::seconds(TTL_SECONDS),
            Duration::seconds(-5),
        );
        let (token, _) = mint(&codec);
        let expiry = NOW + Duration::seconds(TTL_SECONDS);
        assert!(
            codec
                .validate(&token, expiry - Duration::seconds(1))
                .is_ok()
        );
        assert_eq!(reason(codec.validate(&token, expiry)), "expired");
    }

    #[test]
    fn future_nbf_is_rejected_beyond_the_leeway() {
        let codec = codec(hs_key());
        let nbf = NOW.unix_timestamp() + LEEWAY_SECONDS + 1;
        let token = forge_hs(&header("HS256", "hs-1"), &with(claims(), "nbf", json!(nbf)));
        assert_eq!(reason(codec.validate(&token, NOW)), "not yet valid");
        assert!(codec.validate(&token, NOW + Duration::seconds(1)).is_ok());
    }

    #[test]
    fn future_nbf_within_the_leeway_is_accepted() {
        let nbf = NOW.unix_timestamp() + LEEWAY_SECONDS;
        let token = forge_hs(&header("HS256", "hs-1"), &with(claims(), "nbf", json!(nbf)));
        assert_eq!(codec(hs_key()).validate(&token, NOW).unwrap().nbf, nbf);
    }

    #[test]
    fn string_exp_is_rejected() {
        let exp = (NOW.unix_timestamp() + TTL_SECONDS).to_string();
        let token = forge_hs(&header("HS256", "hs-1"), &with(claims(), "exp", json!(exp)));
        assert_eq!(
            reason(codec(hs_key()).validate(&token, NOW)),
            "malformed claims"
        );
    }

    #[test]
    fn fractional_exp_is_rejected() {
        let exp = NOW.unix_timestamp() as f64 + 0.5;
        let token = forge_hs(&header("HS256", "hs-1"), &with(claims(), "exp", json!(exp)));
        assert_eq!(
            reason(codec(hs_key()).validate(&token, NOW)),
            "malformed claims"
        );
    }

    #[test]
    fn missing_required_claims_are_rejected() {
        let codec = codec(hs_key());
        for claim in [
            "exp", "sub", "iss", "aud", "sid", "role", "nbf", "iat", "jti",
        ] {
            let token = forge_hs(&header("HS256", "hs-1"), &without(claims(), claim));
            assert_eq!(
                reason(codec.validate(&token, NOW)),
                "malformed claims",
                "{claim}"
            );
        }
    }

    #[test]
    fn missing_exp_is_rejected() {
        let token = forge_hs(&header("HS256", "hs-1"), &without(claims(), "exp"));
        assert_eq!(
            reason(codec(hs_key()).validate(&token, NOW)),
            "malformed claims"
        );
    }

    #[test]
    fn missing_sub_is_rejected() {
        let token = forge_hs(&header("HS256", "hs-1"), &without(claims(), "sub"));
        assert_eq!(
            reason(codec(hs_key()).validate(&token, NOW)),
            "malformed claims"
        );
    }

    #[test]
    fn non_uuid_sub_or_sid_is_rejected() {
        let codec = codec(hs_key());
        for claim in ["sub", "sid"] {
            let token = forge_hs(
                &header("HS256", "hs-1"),
                &with(claims(), claim, json!("42")),
            );
            assert_eq!(
                reason(codec.validate(&token, NOW)),
                "malformed claims",
                "{claim}"
            );
        }
    }

    #[test]
    fn invalid_role_is_rejected() {
        let token = forge_hs(
            &header("HS256", "hs-1"),
            &with(claims(), "role", json!("Admin!")),
        );
        assert_eq!(
            reason(codec(hs_key()).validate(&token, NOW)),
            "malformed claims"
        );
    }

    #[test]
    fn tampered_payload_is_rejected() {
        let codec = codec(hs_key());
        let (token, claims) = mint(&codec);
        let [header, _, signature] = token.split('.').collect::<Vec<_>>()[..] else {
            panic!("not three segments: {token}");
        };
        let admin = AccessClaims {
            role: Role::admin(),
            ..claims
        };
        let payload = b64(serde_json::to_vec(&admin).unwrap());
        let tampered = format!("{header}.{payload}.{signature}");
        assert_eq!(reason(codec.validate(&tampered, NOW)), "bad signature");
    }

    #[test]
    fn tampered_signature_is_rejected() {
        for key in [hs_key(), rsa_key(), ec_key(), ed_key()] {
            let codec = codec(key);
            let (token, _) = mint(&codec);
            let (signed, signature) = token.rsplit_once('.').unwrap();
            let flipped = if signature.starts_with('A') { "B" } else { "A" };
            let tampered = format!("{signed}.{flipped}{}", &signature[1..]);
            assert_eq!(reason(codec.validate(&tampered, NOW)), "bad signature");
        }
    }

    #[test]
    fn truncated_signature_is_rejected() {
        let codec = codec(hs_key());
        let (token, _) = mint(&codec);
        // 43 characters of HS256 signature cut to 40: still canonical base64url.
        let truncated = &token[..token.len() - 3];
        assert_eq!(reason(codec.validate(truncated, NOW)), "bad signature");
    }

    #[test]
    fn garbage_is_rejected_as_malformed() {
        let codec = codec(hs_key());
        let (token, _) = mint(&codec);
        let (header, rest) = token.split_once('.').unwrap();
        let two_segments = format!("{header}.{}", rest.split_once('.').unwrap().0);
        let padded = format!("{token}==");
        let four_segments = format!("{token}.AAAA");
        let empty_payload = format!("{header}..AAAA");
        let inputs = [
            "",
            "garbage",
            "a.b",
            "...",
            "a.b.c.d",
            "a b.c.d",
            "é.b.c",
            &two_segments,
            &padded,
            &four_segments,
            &empty_payload,
        ];
        for input in inputs {
            assert_eq!(
                reason(codec.validate(input, NOW)),
                "malformed token",
                "{input:?}"
            );
        }
    }

    #[test]
    fn non_canonical_base64_is_rejected_as_malformed() {
        // "AB" has non-zero trailing bits: a second spelling of the byte "AA" encodes.
        let token = format!("{}.AAAA.AB", hs_key().header);
        assert_eq!(
            reason(codec(hs_key()).validate(&token, NOW)),
            "malformed token"
        );
    }

    #[test]
    fn oversize_token_is_rejected() {
        let codec = codec(hs_key());
        let (token, _) = mint(&codec);
        let oversize = format!("{token}{}", "A".repeat(MAX_TOKEN_LEN + 1 - token.len()));
        assert_eq!(oversize.len(), 8 * 1024 + 1);
        assert_eq!(reason(codec.validate(&oversize, NOW)), "token too long");
    }

    #[test]
    fn old_key_still_validates_after_rotation_and_new_tokens_use_the_new_key() {
        let old = codec(hs_key());
        let (old_token, old_claims) = mint(&old);

        let ring = KeyRing::new(rsa_key())
            .with_verification_key(hs_key())
            .unwrap();
        let rotated = codec_with(ring);
        assert_eq!(rotated.keys().signing_kid(), "rsa-1");
        assert_eq!(rotated.validate(&old_token, NOW).unwrap(), old_claims);

        let (new_token, new_claims) = mint(&rotated);
        let header = URL_SAFE_NO_PAD
            .decode(new_token.split('.').next().unwrap())
            .unwrap();
        assert_eq!(header, br#"{"alg":"RS256","kid":"rsa-1","typ":"at+jwt"}"#);
        assert_eq!(rotated.validate(&new_token, NOW).unwrap(), new_claims);
        assert_eq!(reason(old.validate(&new_token, NOW)), "unknown key");
    }

    #[test]
    fn old_key_tokens_are_rejected_once_the_key_leaves_the_ring() {
        let (old_token, _) = mint(&codec(hs_key()));
        assert_eq!(
            reason(codec(rsa_key()).validate(&old_token, NOW)),
            "unknown key"
        );
    }

    #[test]
    fn public_pem_key_verifies_tokens_of_its_private_key() {
        for (alg, private, public) in [
            (JwtAlgorithm::Rs256, RSA_PEM, RSA_PUB_PEM),
            (JwtAlgorithm::Es256, EC_PEM, EC_PUB_PEM),
            (JwtAlgorithm::EdDsa, ED_PEM, ED_PUB_PEM),
        ] {
            let retired = JwtKey::from_private_pem("old", alg, private).unwrap();
            let (token, claims) = mint(&codec(retired));
            let verify_only = JwtKey::from_public_pem("old", alg, public).unwrap();
            assert!(!verify_only.can_sign());
            let ring = KeyRing::new(hs_key())
                .with_verification_key(verify_only)
                .unwrap();
            assert_eq!(
                codec_with(ring).validate(&token, NOW).unwrap(),
                claims,
                "{alg}"
            );
        }
    }

    #[test]
    fn duplicate_kid_is_a_config_error() {
        let err = KeyRing::new(hs_key())
            .with_verification_key(hs_key())
            .unwrap_err();
        assert_eq!(err.setting, "key_ring");
        assert!(err.message.contains("hs-1"), "{err}");
    }

    #[test]
    fn verify_only_key_cannot_be_the_signing_key() {
        let public = JwtKey::from_public_pem("rsa-1", JwtAlgorithm::Rs256, RSA_PUB_PEM).unwrap();
        assert_eq!(KeyRing::try_new(public).unwrap_err().setting, "key_ring");
    }

    #[test]
    #[should_panic(expected = "cannot sign")]
    fn key_ring_new_panics_on_a_verify_only_key() {
        let public = JwtKey::from_public_pem("ec-1", JwtAlgorithm::Es256, EC_PUB_PEM).unwrap();
        let _ = KeyRing::new(public);
    }

    #[test]
    fn short_hs256_secret_is_a_config_error() {
        let err = JwtKey::hs256("hs-1", &SECRET[..31]).unwrap_err();
        assert_eq!(err.setting, "hs256_secret");
        assert!(err.message.contains("32 bytes"), "{err}");
    }

    #[test]
    fn empty_kid_is_a_config_error() {
        assert_eq!(JwtKey::hs256("", SECRET).unwrap_err().setting, "key_ring");
    }

    #[test]
    fn unusable_private_pem_is_a_config_error() {
        let cases: [(JwtAlgorithm, &[u8]); 9] = [
            (JwtAlgorithm::Rs256, b"not a pem"),
            (JwtAlgorithm::Rs256, EC_PEM),
            (JwtAlgorithm::Rs256, RSA_PUB_PEM),
            (JwtAlgorithm::Es256, RSA_PEM),
            (JwtAlgorithm::Es256, ED_PEM),
            (JwtAlgorithm::Es256, EC_PUB_PEM),
            (JwtAlgorithm::EdDsa, EC_PEM),
            (JwtAlgorithm::EdDsa, ED_PUB_PEM),
            (JwtAlgorithm::Hs256, RSA_PEM),
        ];
        for (alg, pem) in cases {
            let err = JwtKey::from_private_pem("k", alg, pem).unwrap_err();
            assert_eq!(err.setting, "jwt_private_key", "{alg}: {err}");
        }
    }

    #[test]
    fn unusable_public_pem_is_a_config_error() {
        let cases: [(JwtAlgorithm, &[u8]); 8] = [
            (JwtAlgorithm::Rs256, b"not a pem"),
            (JwtAlgorithm::Rs256, RSA_PEM),
            (JwtAlgorithm::Rs256, EC_PUB_PEM),
            (JwtAlgorithm::Es256, EC_PEM),
            (JwtAlgorithm::Es256, ED_PUB_PEM),
            (JwtAlgorithm::EdDsa, ED_PEM),
            (JwtAlgorithm::EdDsa, RSA_PUB_PEM),
            (JwtAlgorithm::Hs256, RSA_PUB_PEM),
        ];
        for (alg, pem) in cases {
            let err = JwtKey::from_public_pem("k", alg, pem).unwrap_err();
            assert_eq!(err.setting, "jwt_public_key", "{alg}: {err}");
        }
    }

    #[test]
    fn rsa_keys_under_2048_bits_are_refused() {
        let private = JwtKey::from_private_pem("k", JwtAlgorithm::Rs256, RSA_1024_PEM).unwrap_err();
        assert_eq!(private.setting, "jwt_private_key");
        let public =
            JwtKey::from_public_pem("k", JwtAlgorithm::Rs256, RSA_1024_PUB_PEM).unwrap_err();
        assert_eq!(public.setting, "jwt_public_key");
        assert!(public.message.contains("2048 bits"), "{public}");
    }

    #[test]
    fn jwks_holds_the_public_parts_of_asymmetric_keys_only() {
        let ec_public = JwtKey::from_public_pem("ec-old", JwtAlgorithm::Es256, EC_PUB_PEM).unwrap();
        let ring = KeyRing::new(rsa_key())
            .with_verification_key(ec_public)
            .and_then(|ring| ring.with_verification_key(ed_key()))
            .and_then(|ring| ring.with_verification_key(hs_key()))
            .unwrap();

        let jwks = serde_json::to_value(ring.jwks()).unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        let summary: Vec<(&str, &str, &str, &str)> = keys
            .iter()
            .map(|jwk| {
                let field = |name: &str| jwk[name].as_str().unwrap_or("-");
                (field("kid"), field("alg"), field("use"), field("kty"))
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("rsa-1", "RS256", "sig", "RSA"),
                ("ec-old", "ES256", "sig", "EC"),
                ("ed-1", "EdDSA", "sig", "OKP"),
            ]
        );
        for jwk in keys {
            for private_member in ["d", "p", "q", "dp", "dq", "qi", "k"] {
                assert!(
                    jwk.get(private_member).is_none(),
                    "{private_member} in {jwk}"
                );
            }
        }
    }

    #[test]
    fn hs256_ring_publishes_an_empty_jwks() {
        assert!(KeyRing::new(hs_key()).jwks().keys.is_empty());
    }

    #[test]
    fn minted_tokens_verify_with_jsonwebtoken_and_the_published_jwks() {
        for key in [rsa_key(), ec_key(), ed_key()] {
            let alg = key.algorithm().jose();
            let codec = codec(key);
            let now = OffsetDateTime::now_utc();
            let (token, claims) = codec
                .mint(Uuid::now_v7(), Uuid::now_v7(), &Role::user(), now)
                .unwrap();
            let public = DecodingKey::from_jwk(&codec.keys().jwks().keys[0]).unwrap();
            let mut validation = Validation::new(alg);
            validation.set_issuer(&[ISSUER]);
            validation.set_audience(&[AUDIENCE]);
            validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
            let decoded = jsonwebtoken::decode::<AccessClaims>(&token, &public, &validation);
            assert_eq!(decoded.unwrap().claims, claims, "{alg:?}");
        }
    }

    #[test]
    fn debug_output_shows_no_key_material() {
        let pem_body = std::str::from_utf8(RSA_PEM)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap();
        let secret = std::str::from_utf8(SECRET).unwrap();
        let ring = KeyRing::new(rsa_key())
            .with_verification_key(hs_key())
            .unwrap();
        let codec = codec_with(ring.clone());
        for debug in [
            format!("{:?}", hs_key()),
            format!("{:?}", rsa_key()),
            format!("{ring:?}"),
            format!("{codec:?}"),
        ] {
            assert!(!debug.contains(secret), "{debug}");
            assert!(!debug.contains(&b64(SECRET)), "{debug}");
            assert!(!debug.contains(pem_body), "{debug}");
            assert!(debug.contains("-1"), "kid missing from {debug}");
        }
        assert_eq!(
            format!("{:?}", hs_key()),
            r#"JwtKey { kid: "hs-1", alg: Hs256, .. }"#
        );
    }

    #[test]
    fn algorithm_names_round_trip() {
        for alg in [
            JwtAlgorithm::Hs256,
            JwtAlgorithm::Rs256,
            JwtAlgorithm::Es256,
            JwtAlgorithm::EdDsa,
        ] {
            assert_eq!(JwtAlgorithm::parse(alg.as_str()), Some(alg));
        }
        assert_eq!(JwtAlgorithm::EdDsa.as_str(), "EdDSA");
        for unknown in ["none", "hs256", "HS512", "PS256", ""] {
            assert_eq!(JwtAlgorithm::parse(unknown), None, "{unknown}");
        }
    }
}
