//! The codec: minting, and validation in the order the [module docs](super) give.

use super::compact::{
    Parts, RawClaims, RawHeader, decode_segment, is_access_token_type, parse_object,
};
use super::*;

/// Which parsers a validation may use.
#[derive(Clone, Copy)]
pub(super) enum Paths {
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
/// assert_eq!(*codec.validate(&token, now)?, claims);
/// assert!(codec.validate(&token, now + Duration::hours(1)).is_err());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct JwtCodec {
    pub(super) inner: Arc<CodecInner>,
}

pub(super) struct CodecInner {
    pub(super) keys: KeyRing,
    pub(super) issuer: String,
    pub(super) audience: String,
    pub(super) ttl: Duration,
    /// Clock-skew leeway in whole seconds, never negative.
    pub(super) leeway: i64,
    /// Recently verified tokens, when enabled.
    pub(super) cache: Option<VerifiedCache>,
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

    /// Validates an access token at `now` and returns its claims: the one validation entry
    /// point, in the order the [module docs](crate::jwt) give. Pure: no I/O, no clock.
    ///
    /// With the verified-token cache on ([`with_verified_cache`](Self::with_verified_cache)),
    /// a token seen before costs a lookup and the expiry checks, and its claims are shared
    /// with the cache rather than copied (`Arc::unwrap_or_clone` gives an owned copy).
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidAccessToken`] with the reason, see the [module docs](crate::jwt).
    pub fn validate(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Arc<AccessClaims>, AuthError> {
        self.validate_at(token, now.unix_timestamp())
    }

    /// [`validate`](Self::validate) at `now` in Unix seconds: the extractors' clock reads
    /// seconds, and building a calendar date per request would cost more than a cache hit.
    pub(crate) fn validate_at(
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
    pub(super) fn verify(&self, token: &str, now: i64) -> Result<AccessClaims, AuthError> {
        self.verify_with(token, now, Paths::Fast)
    }

    pub(super) fn verify_with(
        &self,
        token: &str,
        now: i64,
        paths: Paths,
    ) -> Result<AccessClaims, AuthError> {
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
            Paths::Fast => minted::parse_minted(payload),
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
    pub(super) fn sign(&self, claims: &AccessClaims) -> Result<String, AuthError> {
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
    pub(super) fn key_for_header(&self, segment: &str) -> Result<&JwtKey, AuthError> {
        if let Some(key) = self.inner.keys.key_minting_header(segment) {
            return Ok(key);
        }
        self.key_for_parsed_header(segment)
    }

    /// The key a header segment asks for, by the strict checks alone.
    pub(super) fn key_for_parsed_header(&self, segment: &str) -> Result<&JwtKey, AuthError> {
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
    pub(super) fn check_minted(
        &self,
        c: minted::MintedClaims<'_>,
    ) -> Result<AccessClaims, AuthError> {
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
    pub(super) fn check_claims(&self, claims: RawClaims) -> Result<AccessClaims, AuthError> {
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
    pub(super) fn check_period(&self, claims: &AccessClaims, now: i64) -> Result<(), AuthError> {
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
