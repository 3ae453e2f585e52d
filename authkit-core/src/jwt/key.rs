//! One signing or verification key: an HS256 secret or an asymmetric key read from PEM.

use super::*;

/// One key of a [`KeyRing`]: a `kid`, a pinned algorithm, and the key material.
///
/// A key made from a secret or a private key can sign and verify; a key made with
/// [`from_public_pem`](Self::from_public_pem) can only verify (a retired key during rotation, or
/// one whose private half lives elsewhere). `Debug` shows the `kid` and algorithm only.
#[derive(Clone)]
pub struct JwtKey {
    pub(super) kid: String,
    pub(super) alg: JwtAlgorithm,
    /// The base64url header segment authkit mints with this key.
    pub(super) header: String,
    pub(super) signing: Option<EncodingKey>,
    /// Prepared once, used for every verification.
    pub(super) verifier: Arc<Verifier>,
    /// The public key as a JWK (`kid`, `alg`, `use=sig`); `None` for HS256.
    pub(super) public_jwk: Option<Jwk>,
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
    pub(super) fn asymmetric(
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
    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let key = self.signing.as_ref().ok_or("verify-only key")?;
        let signer =
            (DEFAULT_PROVIDER.signer_factory)(&self.alg.jose(), key).map_err(|e| e.to_string())?;
        signer.try_sign(message).map_err(|e| e.to_string())
    }

    /// Whether `signature` is this key's signature of `message`, with the pinned algorithm.
    pub(super) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verifier.verify(message, signature)
    }

    /// Signs a probe and verifies it with the public half.
    pub(super) fn self_test(&self) -> Result<(), String> {
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

pub(super) fn checked_kid(kid: String) -> Result<String, ConfigError> {
    if kid.is_empty() {
        return Err(ConfigError::new(
            KEY_RING_SETTING,
            "a key id (kid) must not be empty",
        ));
    }
    Ok(kid)
}

pub(super) fn pem_for_hs256(setting: &'static str) -> ConfigError {
    ConfigError::new(
        setting,
        "HS256 uses a shared secret, not a PEM key: use JwtKey::hs256",
    )
}

/// The base64url header segment of the tokens minted with this `kid` and `alg`: the JSON object
/// `{"alg","kid","typ"}` with its members in that order.
pub(super) fn minted_header(kid: &str, alg: JwtAlgorithm) -> String {
    let json = serde_json::json!({ "alg": alg.as_str(), "kid": kid, "typ": TOKEN_TYPE });
    URL_SAFE_NO_PAD.encode(json.to_string())
}

/// Checks that a public key fits its pinned algorithm: RSA of at least 2048 bits, P-256, Ed25519.
pub(super) fn check_public_key(alg: JwtAlgorithm, jwk: &Jwk) -> Result<(), String> {
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
pub(super) fn rsa_modulus_bits(n: &str) -> usize {
    let bytes = URL_SAFE_NO_PAD.decode(n).unwrap_or_default();
    let significant: Vec<u8> = bytes.into_iter().skip_while(|&b| b == 0).collect();
    match significant.first() {
        Some(top) => significant.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    }
}
