//! E-mail addresses and usernames: trimming, syntax checks, canonical forms.
//!
//! An address is stored as given (trimmed) and unique on its canonical form, the whole address
//! lower-cased. The syntax check is deliberately plain (RFC 5321 sizes, one `@`, a dotted domain
//! of letters, digits and hyphens, no spaces or control characters): the real proof of an address
//! is the verification mail.

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
/// ```
pub fn normalize_email(input: &str) -> Result<(String, String), AuthError> {
    let email = input.trim();
    let invalid = |why: &str| Err(AuthError::Validation(format!("email: {why}")));
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
    Ok((email.to_owned(), email.to_lowercase()))
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
