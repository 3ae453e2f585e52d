//! Second factors: a TOTP authenticator (RFC 6238) per account, with single-use recovery codes,
//! and the two-step sign-in they ask for. Behind the cargo feature `totp` (on by default) and
//! served once [`AuthBuilder::totp`](crate::AuthBuilder::totp) is given a [`TotpConfig`].
//!
//! ## The flows
//! - **Enrol**: `POST {prefix}/mfa/totp/enroll` with the password answers the secret and its
//!   `otpauth://` URI ([`Auth::begin_totp`](crate::Auth::begin_totp)); nothing is protected
//!   yet. `POST {prefix}/mfa/totp/confirm` with a first code turns it on and answers ten
//!   recovery codes, shown this once.
//! - **Sign in**: once an account has a confirmed authenticator, a right password answers 401
//!   `mfa_required` with a challenge (an opaque single-use token, five minutes by default)
//!   instead of tokens. `POST {prefix}/login/mfa` with the challenge and a code (a TOTP code
//!   or a recovery code) completes it and answers the token pair. Unknown accounts and wrong
//!   passwords answer exactly as without second factors; the challenge is only ever given
//!   after a right password.
//! - **Disable** (`DELETE {prefix}/mfa/totp`) and **new recovery codes**
//!   (`POST {prefix}/mfa/recovery-codes`) need the password or a code. An admin can remove a
//!   user's second factors (`DELETE {prefix}/admin/users/{id}/mfa`).
//!
//! ## What holds
//! - A code is accepted for its own 30-second step and one step either side, and never twice:
//!   the store records the last step used in one conditional update
//!   ([`SecondFactorStore::use_totp_step`](crate::store::SecondFactorStore::use_totp_step)),
//!   so of any number of concurrent submissions, on any number of instances, one wins. A
//!   recovery code is spent the same way.
//! - Wrong codes count against a per-account throttle like failed logins (the login
//!   throttle's settings, its own counter).
//! - The shared secret is stored sealed with AES-256-GCM under a key derived from the
//!   configured one and bound to the account; recovery codes are stored as HMAC-SHA-256
//!   digests under another derived key, so a copy of the database alone yields neither.
//! - Every step is an event; turning the factor on or off, an admin's reset and the use of a
//!   recovery code are also mailed to the account's address.

mod recovery;
mod totp;

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use aws_lc_rs::hmac;
use base64::Engine;
use time::Duration;

use crate::error::ConfigError;
use crate::model::UserId;
use crate::token::TokenHash;

pub use recovery::RECOVERY_CODES;
pub(crate) use recovery::{
    generate as generate_recovery_codes, normalize as normalize_recovery_code,
};
pub(crate) use totp::looks_like_code;
pub use totp::{DIGITS, SECRET_BYTES, STEP_SECONDS, TOLERANCE_STEPS, TotpSecret, step_at};

/// Bytes of the configured key.
pub const KEY_BYTES: usize = 32;
/// How long a sign-in challenge lasts unless configured.
pub const DEFAULT_CHALLENGE_TTL: Duration = Duration::minutes(5);

/// The settings of TOTP second factors: the key that seals secrets at rest, the name
/// authenticator apps show, and how long a sign-in challenge lasts.
///
/// ```
/// use authkit_core::mfa::TotpConfig;
///
/// let config = TotpConfig::new(&[7u8; 32]).unwrap().issuer("Example");
/// assert_eq!(config.issuer_name(), "Example");
/// assert!(TotpConfig::new(b"too short").is_err());
/// assert!(!format!("{config:?}").contains("7, 7"));
/// ```
#[derive(Clone)]
pub struct TotpConfig {
    pub(crate) key: SealingKey,
    pub(crate) issuer: String,
    pub(crate) challenge_ttl: Duration,
}

impl fmt::Debug for TotpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpConfig")
            .field("key", &"[redacted]")
            .field("issuer", &self.issuer)
            .field("challenge_ttl", &self.challenge_ttl)
            .finish()
    }
}

impl TotpConfig {
    /// Settings with `key`: exactly [`KEY_BYTES`] random bytes, kept secret and stable (secrets
    /// sealed under one key cannot be opened under another, and recovery codes digested under
    /// one do not match under another).
    pub fn new(key: &[u8]) -> Result<Self, ConfigError> {
        if key.len() != KEY_BYTES {
            return Err(ConfigError::new(
                "totp_key",
                format!("must be exactly {KEY_BYTES} bytes, not {}", key.len()),
            ));
        }
        Ok(Self {
            key: SealingKey::derive(key),
            issuer: "authkit".to_owned(),
            challenge_ttl: DEFAULT_CHALLENGE_TTL,
        })
    }

    /// Settings with a key given as standard or URL-safe base64 (with or without padding), as
    /// an environment variable carries it.
    pub fn from_base64(text: &str) -> Result<Self, ConfigError> {
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        let text = text.trim().trim_end_matches('=');
        let key = zeroize::Zeroizing::new(
            STANDARD_NO_PAD
                .decode(text)
                .or_else(|_| URL_SAFE_NO_PAD.decode(text))
                .map_err(|_| ConfigError::new("totp_key", "is not base64"))?,
        );
        Self::new(&key)
    }

    /// The name authenticator apps list the account under (the `otpauth://` issuer; default
    /// `authkit`).
    pub fn issuer(mut self, name: impl Into<String>) -> Self {
        self.issuer = name.into();
        self
    }

    /// The issuer name.
    pub fn issuer_name(&self) -> &str {
        &self.issuer
    }

    /// How long a sign-in challenge lasts (default five minutes; one to fifteen).
    pub fn challenge_ttl(mut self, ttl: Duration) -> Result<Self, ConfigError> {
        if ttl < Duration::minutes(1) || ttl > Duration::minutes(15) {
            return Err(ConfigError::new(
                "totp_challenge_ttl",
                "must be between one and fifteen minutes",
            ));
        }
        self.challenge_ttl = ttl;
        Ok(self)
    }
}

/// The keys derived from the configured one: AES-256-GCM for secrets, HMAC-SHA-256 for
/// recovery codes.
#[derive(Clone)]
pub(crate) struct SealingKey {
    aead: std::sync::Arc<RandomizedNonceKey>,
    recovery: hmac::Key,
}

/// The first byte of a sealed secret: the format, so a later one can be told apart.
const SEALED_V1: u8 = 1;

impl SealingKey {
    fn derive(key: &[u8]) -> Self {
        let root = hmac::Key::new(hmac::HMAC_SHA256, key);
        let derive =
            |label: &[u8]| zeroize::Zeroizing::new(hmac::sign(&root, label).as_ref().to_vec());
        let aead = RandomizedNonceKey::new(&AES_256_GCM, &derive(b"authkit totp secret v1"))
            .expect("a 32-byte AES-256-GCM key");
        let recovery = hmac::Key::new(hmac::HMAC_SHA256, &derive(b"authkit recovery code v1"));
        Self {
            aead: std::sync::Arc::new(aead),
            recovery,
        }
    }

    /// `secret` sealed for `user`: the format byte, the nonce, the ciphertext and its tag. The
    /// account id is authenticated data, so a sealed secret copied to another account does not
    /// open.
    pub(crate) fn seal(&self, user: UserId, secret: &TotpSecret) -> Vec<u8> {
        let mut in_out = secret.as_bytes().to_vec();
        let nonce = self
            .aead
            .seal_in_place_append_tag(Aad::from(user.as_bytes()), &mut in_out)
            .expect("AES-GCM sealing of a short secret");
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + in_out.len());
        sealed.push(SEALED_V1);
        sealed.extend_from_slice(nonce.as_ref());
        sealed.extend_from_slice(&in_out);
        sealed
    }

    /// The secret sealed by [`seal`](Self::seal) for `user`, or `None` when it was not (another
    /// key, another account, altered bytes).
    pub(crate) fn open(&self, user: UserId, sealed: &[u8]) -> Option<TotpSecret> {
        let (&version, rest) = sealed.split_first()?;
        if version != SEALED_V1 || rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut in_out = zeroize::Zeroizing::new(ciphertext.to_vec());
        let plain = self
            .aead
            .open_in_place(nonce, Aad::from(user.as_bytes()), &mut in_out)
            .ok()?;
        Some(TotpSecret::from_bytes(plain))
    }

    /// The stored digest of `user`'s recovery code in canonical form.
    pub(crate) fn recovery_digest(&self, user: UserId, canonical: &str) -> TokenHash {
        let mut context = hmac::Context::with_key(&self.recovery);
        context.update(user.as_bytes());
        context.update(canonical.as_bytes());
        let tag = context.sign();
        TokenHash::from_slice(tag.as_ref()).expect("HMAC-SHA-256 tags are 32 bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::new_id;

    #[test]
    fn a_sealed_secret_opens_for_its_account_only() {
        let key = SealingKey::derive(&[1; 32]);
        let (ada, bob) = (new_id(), new_id());
        let secret = TotpSecret::generate();
        let sealed = key.seal(ada, &secret);
        assert_eq!(sealed.len(), 1 + NONCE_LEN + SECRET_BYTES + 16);
        assert_eq!(
            key.open(ada, &sealed).unwrap().as_bytes(),
            secret.as_bytes()
        );
        assert!(key.open(bob, &sealed).is_none());
        assert!(SealingKey::derive(&[2; 32]).open(ada, &sealed).is_none());
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(key.open(ada, &altered).is_none());
        assert!(key.open(ada, &[]).is_none());
        assert_ne!(key.seal(ada, &secret), sealed, "a fresh nonce each time");
    }

    #[test]
    fn recovery_digests_depend_on_key_account_and_code() {
        let key = SealingKey::derive(&[1; 32]);
        let (ada, bob) = (new_id(), new_id());
        let digest = key.recovery_digest(ada, "abcdefghjkmn");
        assert_eq!(digest, key.recovery_digest(ada, "abcdefghjkmn"));
        assert_ne!(digest, key.recovery_digest(bob, "abcdefghjkmn"));
        assert_ne!(digest, key.recovery_digest(ada, "abcdefghjkmp"));
        assert_ne!(
            digest,
            SealingKey::derive(&[2; 32]).recovery_digest(ada, "abcdefghjkmn")
        );
    }

    #[test]
    fn keys_are_checked_for_length_and_encoding() {
        assert_eq!(TotpConfig::new(&[0; 31]).unwrap_err().setting, "totp_key");
        assert!(TotpConfig::from_base64(&"A".repeat(43)).is_ok());
        assert!(TotpConfig::from_base64("not base64!").is_err());
        assert!(
            TotpConfig::new(&[0; 32])
                .unwrap()
                .challenge_ttl(Duration::hours(1))
                .is_err()
        );
    }
}
