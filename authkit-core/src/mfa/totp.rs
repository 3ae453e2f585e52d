//! TOTP (RFC 6238) over HOTP (RFC 4226): HMAC-SHA1, six digits, 30-second steps, the shape every
//! authenticator app reads from an `otpauth://` URI.

use aws_lc_rs::hmac;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::secret::SecretString;

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Bytes in a generated secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;
/// Steps either side of the current one whose codes are accepted (clock drift, a code typed as
/// it changes).
pub const TOLERANCE_STEPS: i64 = 1;

/// The time step of `at`: whole 30-second periods since the Unix epoch.
pub fn step_at(at: OffsetDateTime) -> i64 {
    at.unix_timestamp().div_euclid(STEP_SECONDS)
}

/// A TOTP shared secret. Its bytes are wiped on drop and never shown by `Debug`.
///
/// ```
/// use authkit_core::mfa::TotpSecret;
///
/// // RFC 6238 appendix B, SHA-1: T = 59 s is step 1.
/// let secret = TotpSecret::from_bytes(b"12345678901234567890");
/// assert_eq!(secret.code(1, 8), "94287082");
/// assert_eq!(secret.to_base32().expose(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
/// ```
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

impl TotpSecret {
    /// [`SECRET_BYTES`] from the operating system's CSPRNG.
    ///
    /// # Panics
    /// If the operating system cannot provide randomness.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new(vec![0; SECRET_BYTES]);
        getrandom::fill(&mut bytes).expect("the OS random number generator failed");
        Self(bytes)
    }

    /// A secret from its bytes.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(Zeroizing::new(bytes.to_vec()))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret in unpadded RFC 4648 base32, as authenticator apps take it typed in.
    pub fn to_base32(&self) -> SecretString {
        SecretString::new(base32(&self.0))
    }

    /// The `digits`-digit code of time step `step` (HOTP with the step as counter).
    pub fn code(&self, step: i64, digits: u32) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &self.0);
        let tag = hmac::sign(&key, &step.to_be_bytes());
        let mac = tag.as_ref();
        // RFC 4226 5.3, dynamic truncation.
        let offset = usize::from(mac[mac.len() - 1] & 0x0f);
        let word = u32::from_be_bytes([
            mac[offset],
            mac[offset + 1],
            mac[offset + 2],
            mac[offset + 3],
        ]);
        let value = (word & 0x7fff_ffff) % 10u32.pow(digits);
        format!("{value:0width$}", width = digits as usize)
    }

    /// The step whose code `presented` is, among the steps within [`TOLERANCE_STEPS`] of
    /// `now`'s (the latest if several match), or `None`. Every candidate is compared, each in
    /// constant time, so the timing does not tell which matched.
    pub fn verify(&self, presented: &str, now: OffsetDateTime) -> Option<i64> {
        let presented = presented.trim();
        if presented.len() != DIGITS as usize || !presented.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = step_at(now);
        (current - TOLERANCE_STEPS..=current + TOLERANCE_STEPS)
            .filter(|&step| {
                let expected = self.code(step, DIGITS);
                aws_lc_rs::constant_time::verify_slices_are_equal(
                    expected.as_bytes(),
                    presented.as_bytes(),
                )
                .is_ok()
            })
            .max()
    }

    /// The `otpauth://totp/` URI an authenticator app scans: labelled `issuer:account`, with
    /// the secret, the issuer and the parameters spelled out.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> SecretString {
        let (issuer, account) = (percent_encode(issuer), percent_encode(account));
        SecretString::new(format!(
            "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1\
             &digits={DIGITS}&period={STEP_SECONDS}",
            base32(&self.0)
        ))
    }
}

/// Whether `text` has the shape of a TOTP code (six digits, surrounding spaces allowed).
pub(crate) fn looks_like_code(text: &str) -> bool {
    let text = text.trim();
    text.len() == DIGITS as usize && text.bytes().all(|b| b.is_ascii_digit())
}

/// Unpadded RFC 4648 base32.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let bits = block.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        let symbols = (chunk.len() * 8).div_ceil(5);
        for i in 0..symbols {
            let index = (bits >> (35 - 5 * i)) & 0x1f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, the SHA-1 rows: (time, 8-digit code).
    const RFC_6238_SHA1: [(i64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).unwrap()
    }

    #[test]
    fn codes_match_rfc_6238_test_vectors() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890");
        for (time, expected) in RFC_6238_SHA1 {
            assert_eq!(secret.code(step_at(at(time)), 8), expected, "T = {time}");
        }
    }

    #[test]
    fn six_digit_codes_are_the_last_six_digits_of_the_vectors() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890");
        for (time, expected) in RFC_6238_SHA1 {
            assert_eq!(
                secret.code(step_at(at(time)), 6),
                expected[2..],
                "T = {time}"
            );
        }
    }

    #[test]
    fn verify_accepts_one_step_either_side_and_names_the_step() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890");
        let now = at(1_111_111_111);
        let step = step_at(now);
        for offset in -1..=1 {
            let code = secret.code(step + offset, DIGITS);
            assert_eq!(
                secret.verify(&code, now),
                Some(step + offset),
                "offset {offset}"
            );
        }
        for offset in [-3, -2, 2, 3] {
            let code = secret.code(step + offset, DIGITS);
            assert_eq!(secret.verify(&code, now), None, "offset {offset}");
        }
    }

    #[test]
    fn verify_refuses_what_is_not_six_digits() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890");
        let now = at(59);
        let code = secret.code(step_at(now), DIGITS);
        assert_eq!(secret.verify(&format!(" {code} "), now), Some(step_at(now)));
        for bad in ["", "12345", "1234567", "12a456", "９４２８７０"] {
            assert_eq!(secret.verify(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn base32_follows_rfc_4648() {
        // RFC 4648 section 10, without the padding.
        let vectors = [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base32(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn otpauth_uri_names_issuer_account_and_parameters() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890");
        let uri = secret.otpauth_uri("Example Co", "ada@example.com");
        assert_eq!(
            uri.expose(),
            "otpauth://totp/Example%20Co:ada%40example.com?\
             secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Co&algorithm=SHA1\
             &digits=6&period=30"
        );
    }

    #[test]
    fn generated_secrets_are_random_and_hidden_from_debug() {
        let (a, b) = (TotpSecret::generate(), TotpSecret::generate());
        assert_eq!(a.as_bytes().len(), SECRET_BYTES);
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert_eq!(format!("{a:?}"), "TotpSecret([redacted])");
    }
}
