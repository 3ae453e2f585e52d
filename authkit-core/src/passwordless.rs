//! Sign-in by e-mail: a one-time code or a magic link mailed to an account's verified address,
//! instead of the password. Behind the cargo feature `email-sign-in` (on by default) and served
//! once [`AuthBuilder::email_sign_in`](crate::AuthBuilder::email_sign_in) chose a mode.
//!
//! ## The flow
//! `POST {prefix}/email-sign-in/request` with an address answers 202 whatever the address is;
//! only an active account with that verified address is mailed, and a new request voids the
//! mail before. Then `POST {prefix}/email-sign-in` with the address and the code
//! ([`EmailSignIn::code`]), or with the link's token ([`EmailSignIn::link`]), answers the token
//! pair, once. An account with a second factor is then asked for it (`mfa_required`), as after
//! a password.
//!
//! ## What holds
//! - **No enumeration**: requests answer alike for every address; a wrong code, an expired or
//!   used one and an address without an account are all 401 `invalid_sign_in_code`.
//! - **Single use, short-lived**: a code or link is a one-time token consumed atomically
//!   ([`UserStore::apply_credential_change`](crate::store::UserStore::apply_credential_change)),
//!   ten minutes by default.
//! - **Throttled**: wrong codes count per account (per typed address when there is no account)
//!   like failed logins, with their own counters; past the free attempts, 429
//!   `too_many_attempts`. A six-digit code has a million values: five guesses per throttle
//!   window, against a code that lives ten minutes, leave an attacker about one chance in
//!   100,000. A link's token has 256 bits and needs no throttle.
//! - **Stored as digests**: a code's digest includes the account id, so codes of different
//!   accounts never collide and the table alone does not say whose a code is.

use sha2::{Digest, Sha256};
use time::Duration;

use crate::error::ConfigError;
use crate::model::UserId;
use crate::secret::SecretString;
use crate::token::TokenHash;

/// Digits in a sign-in code.
pub const CODE_DIGITS: usize = 6;
/// How long a code or link works unless configured.
pub const DEFAULT_TTL: Duration = Duration::minutes(10);

/// What the mail carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailSignInMode {
    /// A six-digit code, typed into the app (works across devices).
    Code,
    /// A link to `{public_url}/sign-in#token=…`, whose page posts the token.
    Link,
}

impl EmailSignInMode {
    /// The mode's name in events and settings: `code` or `link`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Link => "link",
        }
    }
}

/// The settings of sign-in by e-mail.
///
/// ```
/// use authkit_core::passwordless::{EmailSignIn, EmailSignInMode};
///
/// let codes = EmailSignIn::code();
/// assert_eq!(codes.mode(), EmailSignInMode::Code);
/// assert!(EmailSignIn::link().ttl(time::Duration::hours(2)).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailSignIn {
    pub(crate) mode: EmailSignInMode,
    pub(crate) ttl: Duration,
}

impl EmailSignIn {
    /// Sign-in by a mailed six-digit code.
    pub const fn code() -> Self {
        Self {
            mode: EmailSignInMode::Code,
            ttl: DEFAULT_TTL,
        }
    }

    /// Sign-in by a mailed link (a magic link).
    pub const fn link() -> Self {
        Self {
            mode: EmailSignInMode::Link,
            ttl: DEFAULT_TTL,
        }
    }

    /// How long a code or link works (default ten minutes; one to thirty).
    pub fn ttl(mut self, ttl: Duration) -> Result<Self, ConfigError> {
        if ttl < Duration::minutes(1) || ttl > Duration::minutes(30) {
            return Err(ConfigError::new(
                "email_sign_in_ttl",
                "must be between one and thirty minutes",
            ));
        }
        self.ttl = ttl;
        Ok(self)
    }

    /// The mode.
    pub const fn mode(&self) -> EmailSignInMode {
        self.mode
    }
}

/// A fresh code: [`CODE_DIGITS`] uniform digits.
///
/// # Panics
/// If the operating system cannot provide randomness.
pub(crate) fn generate_code() -> SecretString {
    // The largest multiple of 10^6 that fits in a u32: values at or above it are drawn again,
    // so every code is equally likely.
    const LIMIT: u32 = u32::MAX - u32::MAX % 1_000_000;
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).expect("the OS random number generator failed");
        let value = u32::from_be_bytes(bytes);
        if value < LIMIT {
            return SecretString::new(format!("{:06}", value % 1_000_000));
        }
    }
}

/// Whether `text` has the shape of a code.
pub(crate) fn is_code(text: &str) -> bool {
    text.len() == CODE_DIGITS && text.bytes().all(|b| b.is_ascii_digit())
}

/// The stored digest of `user`'s code.
pub(crate) fn code_digest(user: UserId, code: &str) -> TokenHash {
    let digest = Sha256::new()
        .chain_update(b"authkit email sign-in code\0")
        .chain_update(user.as_bytes())
        .chain_update(code.as_bytes())
        .finalize();
    TokenHash(digest.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::new_id;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: Vec<String> = (0..50)
            .map(|_| generate_code().expose().to_owned())
            .collect();
        assert!(codes.iter().all(|code| is_code(code)), "{codes:?}");
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert!(unique.len() > 45, "{codes:?}");
    }

    #[test]
    fn code_digests_are_per_account() {
        let (ada, bob) = (new_id(), new_id());
        assert_eq!(code_digest(ada, "123456"), code_digest(ada, "123456"));
        assert_ne!(code_digest(ada, "123456"), code_digest(bob, "123456"));
        assert_ne!(code_digest(ada, "123456"), code_digest(ada, "123457"));
    }

    #[test]
    fn only_six_ascii_digits_are_a_code() {
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦"] {
            assert!(!is_code(bad), "{bad:?}");
        }
        assert!(is_code("012345"));
    }

    #[test]
    fn the_lifetime_is_bounded() {
        assert!(EmailSignIn::code().ttl(Duration::seconds(30)).is_err());
        assert_eq!(
            EmailSignIn::code().ttl(Duration::minutes(5)).unwrap().ttl,
            Duration::minutes(5)
        );
    }
}
