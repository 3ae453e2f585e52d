//! Header values as text, and the bearer token of an `Authorization` header: what adapters
//! read requests with.

use super::*;

/// A header value as text: `Some` when every byte is visible ASCII, space or tab, exactly when
/// `http::HeaderValue::to_str` succeeds. Adapters read headers through this: it checks the
/// bytes without a branch per byte, so a 300-byte bearer token costs a few vector
/// instructions instead of a byte loop (the largest cost of an extractor before it).
///
/// ```
/// use authkit_core::http::header_text;
///
/// assert_eq!(header_text(b"Bearer abc.def.ghi"), Some("Bearer abc.def.ghi"));
/// assert_eq!(header_text(b"tab\tok"), Some("tab\tok"));
/// assert_eq!(header_text(b"caf\xc3\xa9"), None);
/// assert_eq!(header_text(b"nul\0"), None);
/// ```
pub fn header_text(raw: &[u8]) -> Option<&str> {
    let visible = raw.iter().fold(true, |all, &b| {
        all & ((b.wrapping_sub(b' ') < 0x5f) | (b == b'\t'))
    });
    if visible {
        std::str::from_utf8(raw).ok()
    } else {
        None
    }
}

/// The values of a header sent several times (e.g. `X-Forwarded-For`), as one list joined with
/// `,` (RFC 9110 5.3), skipping values that are not [text](header_text); `None` when none is.
///
/// ```
/// use authkit_core::http::joined_header_text;
///
/// let values: [&[u8]; 3] = [b"203.0.113.7", b"caf\xc3\xa9", b"10.0.0.1"];
/// assert_eq!(joined_header_text(values).as_deref(), Some("203.0.113.7,10.0.0.1"));
/// assert_eq!(joined_header_text(Vec::<&[u8]>::new()), None);
/// ```
pub fn joined_header_text<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Option<String> {
    let texts: Vec<&str> = values.into_iter().filter_map(header_text).collect();
    (!texts.is_empty()).then(|| texts.join(","))
}

/// The token of an `Authorization: Bearer …` header (scheme case-insensitive).
pub fn bearer_token(header: Option<&str>) -> Result<&str, AuthError> {
    let header = header.ok_or(AuthError::Unauthorized)?;
    let (scheme, token) = header
        .trim()
        .split_once(' ')
        .ok_or(AuthError::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Unauthorized);
    }
    Ok(token.trim_start())
}
