//! CSRF protection for cookie mode (see the [cookie module](super::cookies)), after the OWASP
//! Cross-Site Request Forgery Prevention Cheat Sheet: fetch metadata and origin checks, and a
//! signed double-submit cookie where the origin cannot be established.
//!
//! It applies to every state-changing request (any method but `GET`, `HEAD`, `OPTIONS`) that a
//! cookie authenticates: the routes that need a caller when the access cookie stands in for
//! `Authorization`, `POST {prefix}/refresh` when the refresh token comes from its cookie, and
//! the adapters' extractors on the application's own routes. A request with an `Authorization`
//! header, or a refresh token in its body, is not authenticated by a cookie and is not checked.
//! `POST {prefix}/login` and `POST {prefix}/register`, which set the cookies, get the origin
//! steps (1 to 3) against login CSRF, but no token, which the browser cannot have yet.
//!
//! ## The decision, in order
//! 1. `Sec-Fetch-Site: same-origin`: allowed (the browser vouches for it).
//! 2. An `Origin` header: allowed when it is one of [`HttpConfig::cors_origins`] or
//!    [`CookieConfig::trusted_origins`], exactly; otherwise (`null` included) refused with 403
//!    `csrf_origin_refused`.
//! 3. No `Origin`, and `Sec-Fetch-Site` is `same-site` or `cross-site`: 403
//!    `csrf_origin_refused`.
//! 4. Otherwise (no `Origin`, `Sec-Fetch-Site` absent or `none`): the request must carry the
//!    double-submit token: an `X-CSRF-Token` header equal (compared in constant time) to the
//!    `csrf` cookie, whose value authkit signed. Missing, different or unsigned: 403
//!    `csrf_token_missing_or_invalid`.
//!
//! ## The token
//! `NONCE.MAC`: 32 random bytes and their HMAC-SHA256 under the [`CsrfKey`], both base64url
//! without padding. It is set by login, registration and refresh (a refresh keeps a valid one)
//! in the non-`HttpOnly` `csrf` cookie, cleared with the others. An attacker who can write a
//! cookie for the site (a sibling subdomain) cannot make a signed one, so cannot plant a token
//! of their choice. A page on the site reads the cookie and echoes it; an app on another
//! origin cannot read it, and does not need to: its requests always carry `Origin` (step 2).

use aws_lc_rs::{constant_time, hmac};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;

/// A new signed token.
pub(super) fn new_token(key: &CsrfKey) -> String {
    let mut nonce = [0u8; 32];
    getrandom::fill(&mut nonce).expect("the operating system's random source works");
    let nonce = URL_SAFE_NO_PAD.encode(nonce);
    let mac = URL_SAFE_NO_PAD.encode(hmac::sign(&key.0, nonce.as_bytes()).as_ref());
    format!("{nonce}.{mac}")
}

/// Whether `token` was signed with `key`.
pub(super) fn is_signed(key: &CsrfKey, token: &str) -> bool {
    let Some((nonce, mac)) = token.split_once('.') else {
        return false;
    };
    let Ok(mac) = URL_SAFE_NO_PAD.decode(mac) else {
        return false;
    };
    hmac::verify(&key.0, nonce.as_bytes(), &mac).is_ok()
}

/// Step 4: the header equals the cookie (constant time) and the cookie is signed.
pub(super) fn token_matches(key: &CsrfKey, header: Option<&str>, cookie: Option<&str>) -> bool {
    match (header, cookie) {
        (Some(header), Some(cookie)) => {
            let equal =
                constant_time::verify_slices_are_equal(header.trim().as_bytes(), cookie.as_bytes())
                    .is_ok();
            equal && is_signed(key, cookie)
        }
        _ => false,
    }
}

/// What the check needs from a request.
#[derive(Debug, Clone, Copy)]
pub(super) struct Inputs<'a> {
    pub origin: Option<&'a str>,
    pub sec_fetch_site: Option<&'a str>,
    /// Whether the double-submit token is present and valid; `None` when none is asked for
    /// (login and registration).
    pub token_ok: Option<bool>,
}

/// The decision table of the module docs; `origin_allowed` says whether an `Origin` is one of
/// the configured ones.
pub(super) fn decide(
    inputs: Inputs<'_>,
    origin_allowed: impl Fn(&str) -> bool,
) -> Result<(), AuthError> {
    let fetch_site = inputs.sec_fetch_site.map(|s| s.trim().to_ascii_lowercase());
    if fetch_site.as_deref() == Some("same-origin") {
        return Ok(());
    }
    if let Some(origin) = inputs.origin {
        return if origin_allowed(origin.trim()) {
            Ok(())
        } else {
            Err(AuthError::CsrfOriginRefused)
        };
    }
    if matches!(fetch_site.as_deref(), Some("same-site" | "cross-site")) {
        return Err(AuthError::CsrfOriginRefused);
    }
    match inputs.token_ok {
        None | Some(true) => Ok(()),
        Some(false) => Err(AuthError::CsrfTokenMissingOrInvalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "https://app.example.com";

    fn check(
        origin: Option<&str>,
        sec_fetch_site: Option<&str>,
        token_ok: Option<bool>,
    ) -> Option<ErrorCode> {
        let inputs = Inputs {
            origin,
            sec_fetch_site,
            token_ok,
        };
        decide(inputs, |o| o == APP).err().map(|e| e.code())
    }

    const ORIGIN: Option<ErrorCode> = Some(ErrorCode::CsrfOriginRefused);
    const TOKEN: Option<ErrorCode> = Some(ErrorCode::CsrfTokenMissingOrInvalid);

    /// Origin, Sec-Fetch-Site, whether the token is valid (`None`: not asked for), refusal.
    type Row = (
        Option<&'static str>,
        Option<&'static str>,
        Option<bool>,
        Option<ErrorCode>,
    );

    #[test]
    fn the_decision_table() {
        let table: &[Row] = &[
            (None, Some("same-origin"), Some(false), None),
            (
                Some("https://evil.example"),
                Some("same-origin"),
                Some(false),
                None,
            ),
            (Some(APP), Some("cross-site"), Some(false), None),
            (Some(APP), None, Some(false), None),
            (Some("https://evil.example"), None, Some(true), ORIGIN),
            (
                Some("https://evil.example"),
                Some("cross-site"),
                Some(true),
                ORIGIN,
            ),
            (Some("null"), None, Some(true), ORIGIN),
            (
                Some("https://app.example.com.evil"),
                None,
                Some(true),
                ORIGIN,
            ),
            (None, Some("cross-site"), Some(true), ORIGIN),
            (None, Some("same-site"), Some(true), ORIGIN),
            (None, None, Some(false), TOKEN),
            (None, Some("none"), Some(false), TOKEN),
            (None, None, Some(true), None),
            (None, Some("none"), Some(true), None),
            // Login and registration: the origin steps only.
            (None, None, None, None),
            (Some("https://evil.example"), None, None, ORIGIN),
            (None, Some("cross-site"), None, ORIGIN),
        ];
        for &(origin, site, token, expected) in table {
            assert_eq!(
                check(origin, site, token),
                expected,
                "Origin {origin:?}, Sec-Fetch-Site {site:?}, token {token:?}"
            );
        }
    }

    #[test]
    fn a_token_is_valid_only_when_echoed_exactly_and_signed_with_the_key() {
        let key = CsrfKey::random();
        let token = new_token(&key);
        assert!(is_signed(&key, &token));
        assert!(token_matches(&key, Some(&token), Some(&token)));
        assert!(!token_matches(&key, None, Some(&token)));
        assert!(!token_matches(&key, Some(&token), None));
        assert!(!token_matches(&key, Some("other"), Some(&token)));
        let other_key = CsrfKey::random();
        assert!(!token_matches(&other_key, Some(&token), Some(&token)));
        let forged = format!("{}.AAAA", token.split_once('.').unwrap().0);
        assert!(!token_matches(&key, Some(&forged), Some(&forged)));
        assert!(!is_signed(&key, "no-dot"));
    }

    #[test]
    fn a_derived_key_is_the_same_for_the_same_secret() {
        let secret = b"a shared secret of at least 32 bytes";
        let token = new_token(&CsrfKey::derive(secret));
        assert!(is_signed(&CsrfKey::derive(secret), &token));
        assert!(!is_signed(&CsrfKey::derive(b"another secret"), &token));
    }
}
