//! The password policy: which new passwords are accepted (NIST SP 800-63B-4, 3.1.1.2).
//!
//! The policy follows the current NIST guidance and nothing more:
//!
//! - **Length is the only strength rule.** It is counted in Unicode code points after NFKC
//!   normalisation ([`code_points`]), so `"ﬁ"` (one ligature) counts as the two letters it
//!   normalises to, fullwidth `"Ａ"` as `"A"`, and an emoji such as 😀 (U+1F600) as one. An emoji
//!   built from several code points counts all of them: 👩‍💻 is *woman* + ZERO WIDTH JOINER +
//!   *laptop*, three code points, although it renders as one glyph. The minimum is
//!   configurable ([`PasswordPolicy::new`], default 15 via the configuration, never below
//!   [`PasswordPolicy::MIN_ALLOWED`]); the maximum is [`PasswordPolicy::MAX_LENGTH`]. A longer
//!   password is rejected as [`PolicyViolation::TooLong`], never truncated, and the caller must
//!   not hash it.
//! - **No composition rules**: no "one digit, one symbol". Any character is allowed, spaces too.
//! - **Obviously guessable passwords are rejected**, all compared case-insensitively on the NFKC
//!   form with surrounding whitespace ignored:
//!   - a run of one repeated character, a short unit (up to 4 code points) repeated across the
//!     whole password (`"abababab…"`), or a purely sequential run of digits or ASCII letters,
//!     ascending or descending, wrapping around (`"abcdefghijklmnop"`, `"123456789012345"`,
//!     `"987654321098765"`): [`PolicyViolation::Repetitive`];
//!   - the account's own e-mail address, its local part, or its username:
//!     [`PolicyViolation::MatchesAccount`];
//!   - an entry of the blocklist of common passwords shipped in `data/common-passwords.txt`
//!     (keyboard walks, `"password1"` and friends, popular phrases such as
//!     `"correcthorsebatterystaple"`): [`PolicyViolation::Common`];
//!   - a password that an attacker's guessing strategy finds early, as the
//!     [zxcvbn](https://docs.rs/zxcvbn) estimator scores it: its dictionaries (30,000 common
//!     passwords, names, English words), keyboard patterns (`"qwertyuiopasdfgh"`), dates,
//!     l33t substitutions and combinations of these (`"password123456789"`), with the account's
//!     e-mail address and username as extra dictionary words. A score below the policy's
//!     minimum strength ([`PasswordPolicy::with_min_strength`], default
//!     [3](PasswordPolicy::DEFAULT_MIN_STRENGTH): "safely unguessable", more than 10¹⁰
//!     guesses) is [`PolicyViolation::Guessable`]. The estimator reads the first 100 code
//!     points of a password, which bounds its cost: about 0.44 ms for a four-word
//!     passphrase and 4.5 ms at 100 code points or more, against 15 ms for the argon2id hash
//!     that follows (`cargo bench -p authkit-benches --bench flows -- 'policy|password'`).
//!     The flows run it where hashes run, on the blocking pool under the hashing permits,
//!     never on the async runtime.
//!
//! The checks run in that order — too long, too short, repetitive, matches account, common,
//! guessable — and the first failure is reported. An application adds its own checks, such as
//! a breached-password lookup, through the [`PasswordCheck`] trait; they run after these and
//! only for a password these accept. Each [`PolicyViolation`] displays as a short reason that is
//! safe to show the user (it never echoes the password).
//!
//! Passwords are hashed in the same NFKC form ([`normalize`]), see [`crate::password`], so a
//! user who types the same password on another keyboard or input method still gets in.
//!
//! ```
//! use authkit_core::SecretString;
//! use authkit_core::policy::{PasswordPolicy, PolicyViolation};
//!
//! let policy = PasswordPolicy::new(15)?;
//! let email = "ada@example.com";
//!
//! let short = SecretString::from("hunter2");
//! assert_eq!(
//!     policy.check(&short, email, None),
//!     Err(PolicyViolation::TooShort { min: 15 })
//! );
//!
//! let famous = SecretString::from("CorrectHorseBatteryStaple");
//! assert_eq!(policy.check(&famous, email, None), Err(PolicyViolation::Common));
//! assert_eq!(
//!     PolicyViolation::Common.to_string(),
//!     "is a commonly used password"
//! );
//!
//! let walk = SecretString::from("qwertyuiopasdfgh");
//! assert_eq!(policy.check(&walk, email, None), Err(PolicyViolation::Guessable));
//!
//! let good = SecretString::from("vintage kettle orbits a quiet moon");
//! assert_eq!(policy.check(&good, email, Some("ada")), Ok(()));
//! # Ok::<(), authkit_core::ConfigError>(())
//! ```

use std::collections::HashSet;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

use crate::error::ConfigError;
use crate::secret::SecretString;

mod check;
#[cfg(feature = "hibp")]
pub mod hibp;

pub use check::{NewPassword, PasswordCheck, PasswordCheckError};

/// The blocklist source: one lower-case, NFKC-normalised password per line, `#` comments.
const BLOCKLIST_SOURCE: &str = include_str!("../../data/common-passwords.txt");

/// The blocklist, parsed once on first use.
static BLOCKLIST: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    BLOCKLIST_SOURCE
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// The longest unit whose repetition across the whole password counts as
/// [`PolicyViolation::Repetitive`] (`"abcdabcdabcdabcd"` is rejected, a repeated 5-character
/// word is left to the blocklist).
const MAX_REPEATED_UNIT: usize = 4;

/// The rules a new password must pass; built once from the configuration.
///
/// See the [module documentation](self) for what is checked and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    min_length: usize,
    min_strength: u8,
}

impl PasswordPolicy {
    /// The longest accepted password, in code points after NFKC. Longer ones are rejected
    /// ([`PolicyViolation::TooLong`]), never truncated.
    pub const MAX_LENGTH: usize = 256;

    /// The lowest minimum length that may be configured (NIST's floor for a password used as a
    /// single factor is 15; 8 only alongside another factor).
    pub const MIN_ALLOWED: usize = 8;

    /// The recommended minimum length, used by [`PasswordPolicy::default`] and by the
    /// configuration when none is set.
    pub const DEFAULT_MIN_LENGTH: usize = 15;

    /// The lowest zxcvbn score a new password needs by default: 3 of 4, which zxcvbn calls
    /// "safely unguessable: moderate protection from offline slow-hash scenario" (more than
    /// 10¹⁰ guesses).
    pub const DEFAULT_MIN_STRENGTH: u8 = 3;

    /// The highest score zxcvbn gives.
    pub const MAX_STRENGTH: u8 = 4;

    /// A policy requiring at least `min_length` code points.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for the setting `password_min_length` when `min_length` is below
    /// [`MIN_ALLOWED`](Self::MIN_ALLOWED) or above [`MAX_LENGTH`](Self::MAX_LENGTH).
    ///
    /// ```
    /// use authkit_core::policy::PasswordPolicy;
    ///
    /// assert_eq!(PasswordPolicy::new(12).unwrap().min_length(), 12);
    /// assert_eq!(PasswordPolicy::new(6).unwrap_err().setting, "password_min_length");
    /// ```
    pub fn new(min_length: usize) -> Result<Self, ConfigError> {
        if !(Self::MIN_ALLOWED..=Self::MAX_LENGTH).contains(&min_length) {
            return Err(ConfigError::new(
                "password_min_length",
                format!(
                    "must be between {} and {} code points, got {min_length}",
                    Self::MIN_ALLOWED,
                    Self::MAX_LENGTH
                ),
            ));
        }
        Ok(Self {
            min_length,
            min_strength: Self::DEFAULT_MIN_STRENGTH,
        })
    }

    /// The same policy with another minimum zxcvbn score, from 0 (the estimator is not
    /// consulted) to [`MAX_STRENGTH`](Self::MAX_STRENGTH).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for the setting `password_min_strength` above 4.
    ///
    /// ```
    /// use authkit_core::policy::PasswordPolicy;
    ///
    /// let policy = PasswordPolicy::new(15)?.with_min_strength(4)?;
    /// assert_eq!(policy.min_strength(), 4);
    /// assert_eq!(
    ///     PasswordPolicy::new(15)?.with_min_strength(5).unwrap_err().setting,
    ///     "password_min_strength"
    /// );
    /// # Ok::<(), authkit_core::ConfigError>(())
    /// ```
    pub fn with_min_strength(self, min_strength: u8) -> Result<Self, ConfigError> {
        if min_strength > Self::MAX_STRENGTH {
            return Err(ConfigError::new(
                "password_min_strength",
                format!(
                    "must be a zxcvbn score from 0 to {}, got {min_strength}",
                    Self::MAX_STRENGTH
                ),
            ));
        }
        Ok(Self {
            min_strength,
            ..self
        })
    }

    /// The minimum length in code points after NFKC.
    pub fn min_length(&self) -> usize {
        self.min_length
    }

    /// The lowest zxcvbn score a new password needs; 0 when the estimator is off.
    pub fn min_strength(&self) -> u8 {
        self.min_strength
    }

    /// Checks a new password for the account with this `email` and optional `username`.
    ///
    /// Checks, in order: too long, too short, repetitive, matches the account, common,
    /// guessable; the first failure is returned. Case is ignored from the third on, after NFKC.
    ///
    /// # Errors
    ///
    /// The first [`PolicyViolation`] the password commits.
    pub fn check(
        &self,
        password: &SecretString,
        email: &str,
        username: Option<&str>,
    ) -> Result<(), PolicyViolation> {
        let normalized = normalize(password.expose());
        let length = normalized.chars().count();
        if length > Self::MAX_LENGTH {
            return Err(PolicyViolation::TooLong {
                max: Self::MAX_LENGTH,
            });
        }
        if length < self.min_length {
            return Err(PolicyViolation::TooShort {
                min: self.min_length,
            });
        }

        let folded = normalized.to_lowercase();
        let core = folded.trim();
        if core.is_empty() || is_repetitive(core) {
            return Err(PolicyViolation::Repetitive);
        }
        let identifiers: Vec<String> = account_identifiers(email, username).collect();
        if identifiers.iter().any(|id| id == core) {
            return Err(PolicyViolation::MatchesAccount);
        }
        if BLOCKLIST.contains(core) {
            return Err(PolicyViolation::Common);
        }
        if self.min_strength > 0 {
            let inputs: Vec<&str> = identifiers.iter().map(String::as_str).collect();
            let score = u8::from(zxcvbn::zxcvbn(&normalized, &inputs).score());
            if score < self.min_strength {
                return Err(PolicyViolation::Guessable);
            }
        }
        Ok(())
    }
}

impl Default for PasswordPolicy {
    /// The recommended policy: at least [`DEFAULT_MIN_LENGTH`](Self::DEFAULT_MIN_LENGTH)
    /// (15) code points and a zxcvbn score of at least
    /// [`DEFAULT_MIN_STRENGTH`](Self::DEFAULT_MIN_STRENGTH) (3).
    fn default() -> Self {
        Self {
            min_length: Self::DEFAULT_MIN_LENGTH,
            min_strength: Self::DEFAULT_MIN_STRENGTH,
        }
    }
}

/// Why a new password was refused. The `Display` form is a short reason, safe to show the user
/// (it completes "The password …", and never contains the password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    /// Fewer code points (after NFKC) than the policy's minimum.
    #[error("must be at least {min} characters")]
    TooShort {
        /// The minimum, in code points.
        min: usize,
    },
    /// More code points (after NFKC) than [`PasswordPolicy::MAX_LENGTH`]; never hashed.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The maximum, in code points.
        max: usize,
    },
    /// On the blocklist of common passwords.
    #[error("is a commonly used password")]
    Common,
    /// The account's e-mail address, its local part, or its username.
    #[error("must not be your e-mail address or username")]
    MatchesAccount,
    /// One character repeated, a short unit repeated, or a sequential run of characters.
    #[error("must not be a repeated or sequential run of characters")]
    Repetitive,
    /// Scored below the policy's minimum strength by the zxcvbn estimator: made of common
    /// words, names, keyboard patterns, dates or the account's own details.
    #[error("is too easy to guess; a few uncommon words make a strong password")]
    Guessable,
    /// Found in a corpus of breached passwords by a [`PasswordCheck`], such as the Have I Been
    /// Pwned client of the `hibp` module (cargo feature `hibp`).
    #[error("has appeared in a data breach; choose another one")]
    Breached,
    /// Refused by an application's own [`PasswordCheck`]; the text is the check's reason,
    /// which must be safe to show the user.
    #[error("{0}")]
    Refused(String),
}

/// The NFKC normal form of a password: the form that is measured, checked and hashed.
///
/// ```
/// use authkit_core::policy::normalize;
///
/// assert_eq!(normalize("ﬁle"), "file");
/// assert_eq!(normalize("ＡＢＣ"), "ABC");
/// ```
pub fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

/// The length of a password as the policy counts it: Unicode code points after NFKC.
///
/// An emoji of one code point (😀, U+1F600) counts as one; a ZWJ sequence counts each of its
/// code points (👩‍💻 is three).
///
/// ```
/// use authkit_core::policy::code_points;
///
/// assert_eq!(code_points("ﬁ"), 2);
/// assert_eq!(code_points("😀"), 1);
/// assert_eq!(code_points("👩\u{200D}💻"), 3);
/// ```
pub fn code_points(password: &str) -> usize {
    password.nfkc().count()
}

/// NFKC, then lower case: the form compared with account identifiers and the blocklist.
fn fold(text: &str) -> String {
    normalize(text).to_lowercase()
}

/// The e-mail address, its local part and the username, folded; empty ones are skipped.
fn account_identifiers(email: &str, username: Option<&str>) -> impl Iterator<Item = String> {
    let email = fold(email.trim());
    let local = email
        .rsplit_once('@')
        .map(|(local, _domain)| local.to_owned());
    let username = username.map(|name| fold(name.trim()));
    [Some(email), local, username]
        .into_iter()
        .flatten()
        .filter(|id| !id.is_empty())
}

/// One character repeated, a unit of up to [`MAX_REPEATED_UNIT`] code points repeated across
/// the whole text, or a sequential run. `text` is already folded.
fn is_repetitive(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    repeats_short_unit(&chars) || is_sequential(&chars)
}

/// Whether `chars` is a unit of at most [`MAX_REPEATED_UNIT`] code points repeated at least
/// twice (the last repetition may be partial).
fn repeats_short_unit(chars: &[char]) -> bool {
    if chars.len() < 2 {
        return chars.len() == 1;
    }
    let longest = MAX_REPEATED_UNIT.min(chars.len() / 2);
    (1..=longest).any(|unit| chars.iter().skip(unit).zip(chars).all(|(a, b)| a == b))
}

/// Whether `chars` are all digits or all (lower-case) ASCII letters, each one after (or each one
/// before) the previous, wrapping around (`9` → `0`, `z` → `a`).
fn is_sequential(chars: &[char]) -> bool {
    let (base, size) = if chars.iter().all(char::is_ascii_digit) {
        (u32::from('0'), 10)
    } else if chars.iter().all(char::is_ascii_lowercase) {
        (u32::from('a'), 26)
    } else {
        return false;
    };
    let positions: Vec<u32> = chars.iter().map(|&c| u32::from(c) - base).collect();
    let step = |pair: &[u32]| (pair[1] + size - pair[0]) % size;
    let Some(first) = positions.windows(2).next().map(step) else {
        return false;
    };
    (first == 1 || first == size - 1) && positions.windows(2).all(|pair| step(pair) == first)
}

#[cfg(test)]
mod tests;
