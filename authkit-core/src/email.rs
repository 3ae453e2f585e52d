//! E-mail addresses and usernames: trimming, syntax checks, canonical forms.
//!
//! An address is stored as given (trimmed) and unique on its canonical form: the whole address
//! in Unicode NFKC, lower-cased, so look-alikes that NFKC folds (full-width `ａｄａ@ｅｘａｍｐｌｅ.com`)
//! collide with the plain address. Invisible and format characters (zero-width space and
//! joiner, byte-order mark, bidirectional overrides, soft hyphen, variation selectors, tags)
//! and combining marks that NFKC leaves on their own are refused: they only serve to make two
//! addresses look the same. The syntax check is deliberately plain (RFC 5321 sizes, one `@`, a dotted domain
//! of letters, digits and hyphens, no spaces or control characters): the real proof of an address
//! is the verification mail.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::error::AuthError;

/// Longest address accepted (RFC 5321: 254 in a path).
pub const MAX_EMAIL_LEN: usize = 254;

/// A checked e-mail address: `(as given, trimmed; canonical)`.
///
/// ```
/// use authkit_core::email::normalize_email;
///
/// let (given, canonical) = normalize_email("  Ada.Lovelace@Example.COM ").unwrap();
/// assert_eq!(given, "Ada.Lovelace@Example.COM");
/// assert_eq!(canonical, "ada.lovelace@example.com");
/// assert!(normalize_email("not-an-address").is_err());
/// assert_eq!(normalize_email("ａｄａ@example.com").unwrap().1, "ada@example.com");
/// assert!(normalize_email("ada\u{200b}@example.com").is_err());
/// ```
pub fn normalize_email(input: &str) -> Result<(String, String), AuthError> {
    let given = input.trim();
    let invalid = |why: &str| Err(AuthError::Validation(format!("email: {why}")));
    if given.chars().any(is_invisible) {
        return invalid("must not contain invisible or formatting characters");
    }
    let folded: String = given.nfkc().collect();
    let email = folded.as_str();
    if email.chars().any(is_combining_mark) {
        return invalid("must not contain combining marks on their own");
    }
    if email.is_empty() {
        return invalid("is required");
    }
    if email.len() > MAX_EMAIL_LEN {
        return invalid("is too long");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid("must not contain spaces or control characters");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return invalid("must contain '@'");
    };
    if local.is_empty() || local.len() > 64 || local.contains('@') {
        return invalid("the part before '@' is invalid");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return invalid("the part before '@' is invalid");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return invalid("the domain is invalid");
    }
    if given.len() > MAX_EMAIL_LEN {
        return invalid("is too long");
    }
    Ok((given.to_owned(), email.to_lowercase()))
}

/// Characters that display as nothing or change how their neighbours display: Unicode's
/// format characters (general category Cf) and the other default-ignorable code points.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{0600}'..='\u{0605}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{08E2}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// A checked username: `(as given, trimmed; canonical lower-case)`. 3 to 32 characters of
/// ASCII letters, digits, `_`, `.`, `-`, starting with a letter or digit, and no `@` (so a login
/// identifier is never ambiguous between an address and a username).
///
/// ```
/// use authkit_core::email::normalize_username;
///
/// assert_eq!(normalize_username("Ada_L").unwrap().1, "ada_l");
/// assert!(normalize_username("a").is_err());
/// ```
pub fn normalize_username(input: &str) -> Result<(String, String), AuthError> {
    let name = input.trim();
    let valid = (3..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if valid {
        Ok((name.to_owned(), name.to_ascii_lowercase()))
    } else {
        Err(AuthError::Validation(
            "username: use 3-32 characters of letters, digits, '_', '.', '-', starting with a \
             letter or digit"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_kept_as_given_and_canonicalised_lower_case() {
        let (given, canonical) = normalize_email(" Bob@Example.org\t").unwrap();
        assert_eq!(given, "Bob@Example.org");
        assert_eq!(canonical, "bob@example.org");
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "",
            "   ",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@@b.com",
            "a b@example.com",
            "a@exa mple.com",
            "a@-example.com",
            "a@example..com",
            ".a@example.com",
            "a..b@example.com",
            "a@example.com\n",
        ] {
            let trimmed_ok = bad == "a@example.com\n";
            assert_eq!(normalize_email(bad).is_err(), !trimmed_ok, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(normalize_email(&long).is_err());
    }

    #[test]
    fn internationalised_domains_are_accepted() {
        assert!(normalize_email("jose@bücher.de").is_ok());
        // A letter and its combining accent compose into one letter: a real address.
        let composed = normalize_email("jose\u{0301}@example.com").unwrap().1;
        assert_eq!(composed, "josé@example.com");
    }

    #[test]
    fn look_alikes_fold_to_the_plain_address_and_invisible_characters_are_refused() {
        for look_alike in [
            "ａｄａ@example.com",
            "ada@ｅｘａｍｐｌｅ.com",
            "ＡＤＡ@ＥＸＡＭＰＬＥ.ＣＯＭ",
            "ada＠example.com",
        ] {
            assert_eq!(
                normalize_email(look_alike).unwrap().1,
                "ada@example.com",
                "{look_alike}"
            );
        }
        for hidden in [
            "ada\u{200B}@example.com",
            "ad\u{200D}a@example.com",
            "\u{FEFF}ada@example.com",
            "ada@exa\u{202E}mple.com",
            "ada\u{00AD}@example.com",
            "ada\u{FE0F}@example.com",
            "ada\u{E0061}@example.com",
            "ada\u{0336}@example.com",
            "\u{0301}ada@example.com",
        ] {
            assert!(normalize_email(hidden).is_err(), "{hidden:?}");
        }
    }

    #[test]
    fn usernames_are_checked_and_canonicalised() {
        assert_eq!(
            normalize_username(" Ada.L ").unwrap(),
            ("Ada.L".into(), "ada.l".into())
        );
        for bad in [
            "ab",
            "_ada",
            "ada@x",
            "a".repeat(33).as_str(),
            "ada lovelace",
            "adä",
        ] {
            assert!(normalize_username(bad).is_err(), "{bad:?}");
        }
    }
}
