//! The key ring: one signing key, any number of verification keys, and their JWKS.

use super::*;

/// One signing key and any number of verification keys, each found by its `kid`.
///
/// Keys rotate without logging anyone out: sign with the new key and keep the old one as a
/// verification key until the tokens it signed have expired. `Debug` shows the kids only.
#[derive(Clone)]
pub struct KeyRing {
    pub(super) signing: JwtKey,
    pub(super) verifying: Vec<JwtKey>,
    pub(super) jwks: JwkSet,
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

    pub(super) fn keys(&self) -> impl Iterator<Item = &JwtKey> {
        std::iter::once(&self.signing).chain(&self.verifying)
    }

    pub(super) fn key(&self, kid: &str) -> Option<&JwtKey> {
        self.keys().find(|key| key.kid == kid)
    }

    /// The key whose minted header is exactly `segment`.
    pub(super) fn key_minting_header(&self, segment: &str) -> Option<&JwtKey> {
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
