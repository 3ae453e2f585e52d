//! Recovery codes: ten single-use codes handed out when an authenticator is confirmed, for the
//! day it is lost.
//!
//! A code is 12 symbols of Crockford's base32 (60 bits), shown as `xxxx-xxxx-xxxx`. Typing is
//! forgiving: case, dashes and spaces do not matter, and `o`, `i`, `l` read as `0`, `1`, `1`.
//! Stores keep a keyed digest ([`SealingKey::recovery_digest`](super::SealingKey)), never the
//! code.

use crate::secret::SecretString;

/// Codes handed out at once.
pub const RECOVERY_CODES: usize = 10;
/// Symbols in a code, without the dashes.
const SYMBOLS: usize = 12;
/// Crockford's base32: no `i`, `l`, `o`, `u`.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// [`RECOVERY_CODES`] fresh codes, each as shown to the user.
///
/// # Panics
/// If the operating system cannot provide randomness.
pub(crate) fn generate() -> Vec<SecretString> {
    (0..RECOVERY_CODES).map(|_| generate_one()).collect()
}

fn generate_one() -> SecretString {
    let mut bytes = [0u8; SYMBOLS];
    getrandom::fill(&mut bytes).expect("the OS random number generator failed");
    // 256 is a multiple of 32, so the low five bits of a byte are uniform.
    let symbols: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 0x1f)]))
        .collect();
    let groups: Vec<String> = symbols.chunks(4).map(|g| g.iter().collect()).collect();
    SecretString::new(groups.join("-"))
}

/// The code's canonical form (12 lower-case symbols), or `None` when `text` cannot be a code.
pub(crate) fn normalize(text: &str) -> Option<String> {
    let symbols: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            c => c,
        })
        .collect();
    let valid = symbols.len() == SYMBOLS && symbols.bytes().all(|b| ALPHABET.contains(&b));
    valid.then_some(symbols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_distinct_and_in_the_shown_format() {
        let codes = generate();
        assert_eq!(codes.len(), RECOVERY_CODES);
        for code in &codes {
            let text = code.expose();
            assert_eq!(text.len(), 14, "{text}");
            assert_eq!(text.matches('-').count(), 2, "{text}");
            assert_eq!(normalize(text).unwrap(), text.replace('-', ""));
        }
        let mut unique: Vec<&str> = codes.iter().map(SecretString::expose).collect();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
    }

    #[test]
    fn normalizing_forgives_case_separators_and_look_alikes() {
        assert_eq!(normalize("ABCD-EFGH-JKMN").unwrap(), "abcdefghjkmn");
        assert_eq!(normalize("abcd efgh jkmn").unwrap(), "abcdefghjkmn");
        assert_eq!(normalize("OIL0-1234-5678").unwrap(), "011012345678");
    }

    #[test]
    fn normalizing_refuses_what_cannot_be_a_code() {
        for bad in [
            "",
            "123456",
            "abcd-efgh-jkm",
            "abcd-efgh-jkmnp",
            "abcd-efgh-jkmu",
            "abcd_efgh_jkmn",
        ] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
    }
}
