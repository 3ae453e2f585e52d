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
//!     `"correcthorsebatterystaple"`): [`PolicyViolation::Common`].
//!
//! The checks run in that order — too long, too short, repetitive, matches account, common —
//! and the first failure is reported. Each [`PolicyViolation`] displays as a short reason that is
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
//! let good = SecretString::from("vintage kettle orbits a quiet moon");
//! assert_eq!(policy.check(&good, email, Some("ada")), Ok(()));
//! # Ok::<(), authkit_core::ConfigError>(())
//! ```

use std::collections::HashSet;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

use crate::error::ConfigError;
use crate::secret::SecretString;

/// The blocklist source: one lower-case, NFKC-normalised password per line, `#` comments.
const BLOCKLIST_SOURCE: &str = include_str!("../data/common-passwords.txt");

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
        Ok(Self { min_length })
    }

    /// The minimum length in code points after NFKC.
    pub fn min_length(&self) -> usize {
        self.min_length
    }

    /// Checks a new password for the account with this `email` and optional `username`.
    ///
    /// Checks, in order: too long, too short, repetitive, matches the account, common; the
    /// first failure is returned. Case is ignored for the last three, after NFKC.
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
        if account_identifiers(email, username).any(|id| id == core) {
            return Err(PolicyViolation::MatchesAccount);
        }
        if BLOCKLIST.contains(core) {
            return Err(PolicyViolation::Common);
        }
        Ok(())
    }
}

impl Default for PasswordPolicy {
    /// The recommended policy: at least [`DEFAULT_MIN_LENGTH`](Self::DEFAULT_MIN_LENGTH)
    /// (15) code points.
    fn default() -> Self {
        Self {
            min_length: Self::DEFAULT_MIN_LENGTH,
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
mod tests {
    use super::*;

    const EMAIL: &str = "Ada.Lovelace@Example.com";

    fn default_policy() -> PasswordPolicy {
        PasswordPolicy::new(15).unwrap()
    }

    fn check(policy: &PasswordPolicy, password: &str) -> Result<(), PolicyViolation> {
        policy.check(&SecretString::from(password), EMAIL, Some("countess"))
    }

    #[test]
    fn fourteen_code_points_are_too_short_and_fifteen_pass_at_the_default_minimum() {
        let policy = default_policy();
        assert_eq!(
            check(&policy, "lamp river oak"),
            Err(PolicyViolation::TooShort { min: 15 })
        );
        assert_eq!(code_points("lamp river oaks"), 15);
        assert_eq!(check(&policy, "lamp river oaks"), Ok(()));
    }

    #[test]
    fn two_hundred_fifty_six_code_points_pass_and_two_hundred_fifty_seven_are_too_long() {
        let policy = default_policy();
        let unit = "quiet kettle orbit moon "; // 24 code points
        let long: String = unit.repeat(11).chars().take(256).collect();
        assert_eq!(code_points(&long), 256);
        assert_eq!(check(&policy, &long), Ok(()));

        let too_long = format!("{long}x");
        assert_eq!(code_points(&too_long), 257);
        assert_eq!(
            check(&policy, &too_long),
            Err(PolicyViolation::TooLong { max: 256 })
        );
    }

    #[test]
    fn too_long_is_reported_even_for_a_password_of_one_repeated_character() {
        let policy = default_policy();
        assert_eq!(
            check(&policy, &"a".repeat(1000)),
            Err(PolicyViolation::TooLong { max: 256 })
        );
    }

    #[test]
    fn a_single_code_point_emoji_counts_as_one() {
        let policy = default_policy();
        let password = "lamp river oak\u{1F600}"; // 14 letters and spaces + 😀
        assert_eq!(code_points(password), 15);
        assert_eq!(check(&policy, password), Ok(()));
        assert_eq!(
            check(&policy, "lamp river oa\u{1F600}"),
            Err(PolicyViolation::TooShort { min: 15 })
        );
    }

    #[test]
    fn a_zwj_emoji_sequence_counts_each_of_its_code_points() {
        // woman + ZERO WIDTH JOINER + laptop: one glyph, three code points.
        assert_eq!(code_points("\u{1F469}\u{200D}\u{1F4BB}"), 3);
    }

    #[test]
    fn length_is_counted_after_nfkc() {
        assert_eq!(normalize("\u{FB01}"), "fi");
        assert_eq!(code_points("\u{FB01}"), 2);
        assert_eq!(normalize("ＡＢＣ"), "ABC");
        assert_eq!(code_points("ＡＢＣ"), 3);

        let policy = default_policy();
        // 14 characters as typed, 15 code points once the ligature is expanded.
        let with_ligature = "lamp river o\u{FB01}";
        assert_eq!(with_ligature.chars().count(), 13);
        assert_eq!(code_points(with_ligature), 14);
        assert_eq!(
            check(&policy, with_ligature),
            Err(PolicyViolation::TooShort { min: 15 })
        );
        let expands_to_fifteen = "lamp river oa\u{FB01}";
        assert_eq!(expands_to_fifteen.chars().count(), 14);
        assert_eq!(check(&policy, expands_to_fifteen), Ok(()));
    }

    #[test]
    fn blocklist_hits_are_case_insensitive() {
        let policy = PasswordPolicy::new(8).unwrap();
        assert_eq!(check(&policy, "password1"), Err(PolicyViolation::Common));
        assert_eq!(check(&policy, "Password1"), Err(PolicyViolation::Common));
        assert_eq!(
            check(&policy, "PASSWORDPASSWORD"),
            Err(PolicyViolation::Common)
        );
        assert_eq!(check(&policy, "QwertyUiop"), Err(PolicyViolation::Common));
        assert_eq!(check(&policy, "1q2w3e4r5t"), Err(PolicyViolation::Common));
    }

    #[test]
    fn blocklist_is_matched_after_nfkc() {
        let policy = PasswordPolicy::new(8).unwrap();
        // Fullwidth letters normalise to "password1".
        assert_eq!(
            check(&policy, "ｐａｓｓｗｏｒｄ１"),
            Err(PolicyViolation::Common)
        );
    }

    #[test]
    fn long_blocklisted_phrases_are_rejected_at_the_default_minimum() {
        let policy = default_policy();
        assert_eq!(
            check(&policy, "CorrectHorseBatteryStaple"),
            Err(PolicyViolation::Common)
        );
        assert_eq!(
            check(&policy, "correct horse battery staple"),
            Err(PolicyViolation::Common)
        );
        assert_eq!(
            check(&policy, "passwordpassword"),
            Err(PolicyViolation::Common)
        );
    }

    #[test]
    fn the_email_its_local_part_and_the_username_are_rejected_case_insensitively() {
        let policy = PasswordPolicy::new(8).unwrap();
        let check = |password: &str| {
            policy.check(
                &SecretString::from(password),
                "Ada.Lovelace@Example.com",
                Some("TheCountess"),
            )
        };
        assert_eq!(
            check("ada.lovelace@example.com"),
            Err(PolicyViolation::MatchesAccount)
        );
        assert_eq!(
            check("ADA.LOVELACE@EXAMPLE.COM"),
            Err(PolicyViolation::MatchesAccount)
        );
        assert_eq!(check("Ada.Lovelace"), Err(PolicyViolation::MatchesAccount));
        assert_eq!(check("thecountess"), Err(PolicyViolation::MatchesAccount));
        assert_eq!(check("THECOUNTESS"), Err(PolicyViolation::MatchesAccount));
        assert_eq!(check("ada.lovelace.countess"), Ok(()));
    }

    #[test]
    fn a_missing_username_only_checks_the_email() {
        let policy = PasswordPolicy::new(8).unwrap();
        let password = SecretString::from("thecountess");
        assert_eq!(policy.check(&password, "ada@example.com", None), Ok(()));
    }

    #[test]
    fn one_repeated_character_is_rejected() {
        let policy = default_policy();
        assert_eq!(
            check(&policy, "aaaaaaaaaaaaaaa"),
            Err(PolicyViolation::Repetitive)
        );
        assert_eq!(
            check(&policy, "AaAaAaAaAaAaAaAa"),
            Err(PolicyViolation::Repetitive)
        );
        assert_eq!(
            check(&policy, "\u{1F600}".repeat(15).as_str()),
            Err(PolicyViolation::Repetitive)
        );
        assert_eq!(
            check(&policy, &" ".repeat(20)),
            Err(PolicyViolation::Repetitive)
        );
    }

    #[test]
    fn a_short_repeated_unit_is_rejected() {
        let policy = default_policy();
        assert_eq!(
            check(&policy, "abababababababab"),
            Err(PolicyViolation::Repetitive)
        );
        assert_eq!(
            check(&policy, "123123123123123"),
            Err(PolicyViolation::Repetitive)
        );
        assert_eq!(
            check(&policy, "Ab1!Ab1!Ab1!Ab1!"),
            Err(PolicyViolation::Repetitive)
        );
    }

    #[test]
    fn sequential_runs_are_rejected() {
        let policy = default_policy();
        for run in [
            "abcdefghijklmnop",
            "ABCDEFGHIJKLMNOP",
            "ponmlkjihgfedcba",
            "uvwxyzabcdefghij",
            "123456789012345",
            "543210987654321",
        ] {
            assert_eq!(
                check(&policy, run),
                Err(PolicyViolation::Repetitive),
                "{run}"
            );
        }
        let policy = PasswordPolicy::new(8).unwrap();
        assert_eq!(check(&policy, "12345678"), Err(PolicyViolation::Repetitive));
    }

    #[test]
    fn runs_that_are_only_partly_sequential_are_not_repetitive() {
        let policy = PasswordPolicy::new(8).unwrap();
        assert_eq!(check(&policy, "abcdefgh1x"), Ok(()));
        assert_eq!(check(&policy, "1357913579135"), Ok(()));
    }

    #[test]
    fn a_long_passphrase_is_accepted() {
        let policy = default_policy();
        assert_eq!(check(&policy, "vintage kettle orbits a quiet moon"), Ok(()));
        assert_eq!(
            check(&policy, "Grüße aus dem Schwarzwald, 2 Tassen Tee"),
            Ok(())
        );
    }

    #[test]
    fn checks_run_in_the_documented_order() {
        let policy = PasswordPolicy::new(8).unwrap();
        // Too short wins over everything else.
        assert_eq!(
            policy.check(&SecretString::from("aaaa"), "aaaa@x.io", Some("aaaa")),
            Err(PolicyViolation::TooShort { min: 8 })
        );
        // Repetitive wins over matching the account.
        assert_eq!(
            policy.check(&SecretString::from("aaaaaaaa"), "aaaaaaaa@x.io", None),
            Err(PolicyViolation::Repetitive)
        );
        // Matching the account wins over the blocklist.
        assert_eq!(
            policy.check(&SecretString::from("password1"), "password1@x.io", None),
            Err(PolicyViolation::MatchesAccount)
        );
    }

    #[test]
    fn min_length_outside_8_to_256_is_refused() {
        for bad in [0, 7, 257] {
            let err = PasswordPolicy::new(bad).unwrap_err();
            assert_eq!(err.setting, "password_min_length", "{bad}");
        }
        assert_eq!(PasswordPolicy::new(8).unwrap().min_length(), 8);
        assert_eq!(PasswordPolicy::new(256).unwrap().min_length(), 256);
        assert_eq!(PasswordPolicy::default().min_length(), 15);
    }

    #[test]
    fn violations_display_a_reason_safe_to_show() {
        assert_eq!(
            PolicyViolation::TooShort { min: 15 }.to_string(),
            "must be at least 15 characters"
        );
        assert_eq!(
            PolicyViolation::TooLong { max: 256 }.to_string(),
            "must be at most 256 characters"
        );
        assert_eq!(
            PolicyViolation::Common.to_string(),
            "is a commonly used password"
        );
        assert_eq!(
            PolicyViolation::MatchesAccount.to_string(),
            "must not be your e-mail address or username"
        );
        assert_eq!(
            PolicyViolation::Repetitive.to_string(),
            "must not be a repeated or sequential run of characters"
        );
    }

    #[test]
    fn blocklist_entries_are_normalised_reachable_and_numerous() {
        assert!(BLOCKLIST.len() >= 300, "{} entries", BLOCKLIST.len());
        let mut entries: Vec<&str> = BLOCKLIST.iter().copied().collect();
        entries.sort_unstable();
        let not_folded: Vec<&str> = entries.iter().copied().filter(|e| fold(e) != *e).collect();
        assert_eq!(not_folded, Vec::<&str>::new(), "not lower-case NFKC");
        let too_short: Vec<&str> = entries
            .iter()
            .copied()
            .filter(|e| code_points(e) < PasswordPolicy::MIN_ALLOWED)
            .collect();
        assert_eq!(too_short, Vec::<&str>::new(), "shorter than any minimum");
        let repetitive: Vec<&str> = entries
            .iter()
            .copied()
            .filter(|e| is_repetitive(e))
            .collect();
        assert_eq!(
            repetitive,
            Vec::<&str>::new(),
            "rejected as repetitive first"
        );
    }
}
