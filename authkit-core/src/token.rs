//! Opaque tokens: one-time tokens (e-mail verification, password reset, e-mail change) and
//! refresh tokens.
//!
//! A one-time token ([`OpaqueToken`]) is 32 bytes from the operating system's CSPRNG, sent as
//! 43 characters of unpadded base64url. A refresh token ([`RefreshToken`]) is 16 bytes that name
//! its session (the selector, fixed for the session's life) followed by 32 fresh bytes for each
//! rotation, sent as 64 characters. Only the SHA-256 of a token's text ([`TokenHash`]) is
//! stored, so a leaked database holds nothing a client could present. Presented text is checked
//! for length and alphabet before anything is looked up.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::secret::SecretString;

/// Random bytes in a token.
pub const TOKEN_BYTES: usize = 32;
/// Characters in a token's text form (unpadded base64url of 32 bytes).
pub const TOKEN_LEN: usize = 43;

/// The SHA-256 of a token: what stores keep and look up.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A digest from stored bytes; `None` unless exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A prefix is enough to correlate log lines; the whole digest is not needed anywhere.
        write!(
            f,
            "TokenHash({:02x}{:02x}{:02x}{:02x}..)",
            self.0[0], self.0[1], self.0[2], self.0[3]
        )
    }
}

/// A freshly minted opaque token: the text for the client, the hash for the store.
///
/// ```
/// use authkit_core::token::{OpaqueToken, TOKEN_LEN};
///
/// let token = OpaqueToken::generate();
/// assert_eq!(token.text().expose().len(), TOKEN_LEN);
/// let presented = OpaqueToken::hash_presented(token.text().expose()).unwrap();
/// assert_eq!(presented, token.hash());
/// assert!(OpaqueToken::hash_presented("not a token").is_none());
/// ```
#[derive(Debug, Clone)]
pub struct OpaqueToken {
    text: SecretString,
    hash: TokenHash,
}

impl OpaqueToken {
    /// 32 bytes from the OS CSPRNG.
    ///
    /// # Panics
    /// If the operating system cannot provide randomness: continuing would mint guessable tokens.
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).expect("the OS random number generator failed");
        let text = URL_SAFE_NO_PAD.encode(bytes);
        let hash = hash_text(&text);
        Self {
            text: SecretString::new(text),
            hash,
        }
    }

    /// The text to give the client (once).
    pub fn text(&self) -> &SecretString {
        &self.text
    }

    /// The digest to store.
    pub fn hash(&self) -> TokenHash {
        self.hash
    }

    /// The digest of a presented token, or `None` when the text cannot be one of ours
    /// (wrong length or alphabet): such input is rejected without a lookup.
    pub fn hash_presented(text: &str) -> Option<TokenHash> {
        let well_formed = text.len() == TOKEN_LEN && is_url_safe(text);
        // The last character of 32 bytes in base64 carries 4 padding bits that must be zero;
        // decoding checks them, so two texts never name the same token.
        (well_formed && URL_SAFE_NO_PAD.decode(text).is_ok()).then(|| hash_text(text))
    }
}

/// Random bytes in a refresh token's selector.
pub const SELECTOR_BYTES: usize = 16;
/// Characters in a refresh token's text form (unpadded base64url of 16 + 32 bytes).
pub const REFRESH_TOKEN_LEN: usize = 64;

/// What names a refresh token's session: 16 random bytes, fixed for the session's life.
///
/// Stores look a presented refresh token up by its selector and then compare its hash with the
/// session's current one, so a rotation is one update of one row and a token rotated out is
/// still recognised as one of the family's (a replay). The selector is not a credential (it is
/// useless without the verifier that follows it), but only the holder of a refresh token knows
/// it: it is not the session id, which access tokens carry to every service that verifies them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefreshSelector(pub [u8; SELECTOR_BYTES]);

impl RefreshSelector {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; SELECTOR_BYTES] {
        &self.0
    }

    /// A selector from stored bytes; `None` unless exactly 16 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }
}

impl fmt::Debug for RefreshSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RefreshSelector({:02x}{:02x}{:02x}{:02x}..)",
            self.0[0], self.0[1], self.0[2], self.0[3]
        )
    }
}

/// What a store keeps of a refresh token, and what a presented one is looked up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshKey {
    /// Its session's selector.
    pub selector: RefreshSelector,
    /// The SHA-256 of its whole text.
    pub hash: TokenHash,
}

/// A freshly minted refresh token: the text for the client, the key for the store.
///
/// ```
/// use authkit_core::token::{REFRESH_TOKEN_LEN, RefreshToken};
///
/// let first = RefreshToken::generate();
/// assert_eq!(first.text().expose().len(), REFRESH_TOKEN_LEN);
/// let next = RefreshToken::successor(first.key().selector);
/// assert_eq!(next.key().selector, first.key().selector);
/// assert_ne!(next.key().hash, first.key().hash);
/// assert_eq!(RefreshToken::key_presented(next.text().expose()), Some(next.key()));
/// assert!(RefreshToken::key_presented("not a token").is_none());
/// ```
#[derive(Debug, Clone)]
pub struct RefreshToken {
    text: SecretString,
    key: RefreshKey,
}

impl RefreshToken {
    /// The first token of a new session: a new selector and a new verifier.
    ///
    /// # Panics
    /// If the operating system cannot provide randomness.
    pub fn generate() -> Self {
        let mut selector = [0u8; SELECTOR_BYTES];
        getrandom::fill(&mut selector).expect("the OS random number generator failed");
        Self::successor(RefreshSelector(selector))
    }

    /// The next token of the session named by `selector`: a new verifier.
    ///
    /// # Panics
    /// If the operating system cannot provide randomness.
    pub fn successor(selector: RefreshSelector) -> Self {
        let mut bytes = [0u8; SELECTOR_BYTES + TOKEN_BYTES];
        bytes[..SELECTOR_BYTES].copy_from_slice(&selector.0);
        getrandom::fill(&mut bytes[SELECTOR_BYTES..])
            .expect("the OS random number generator failed");
        let text = URL_SAFE_NO_PAD.encode(bytes);
        let hash = hash_text(&text);
        Self {
            text: SecretString::new(text),
            key: RefreshKey { selector, hash },
        }
    }

    /// The text to give the client (once).
    pub fn text(&self) -> &SecretString {
        &self.text
    }

    /// What to store.
    pub fn key(&self) -> RefreshKey {
        self.key
    }

    /// The key of a presented refresh token, or `None` when the text cannot be one (wrong
    /// length or alphabet): such input is rejected without a lookup.
    pub fn key_presented(text: &str) -> Option<RefreshKey> {
        if text.len() != REFRESH_TOKEN_LEN || !is_url_safe(text) {
            return None;
        }
        // 48 bytes are exactly 64 characters: no padding bits, so one text is one token.
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let selector = RefreshSelector::from_slice(&bytes[..SELECTOR_BYTES])?;
        Some(RefreshKey {
            selector,
            hash: hash_text(text),
        })
    }
}

fn is_url_safe(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn hash_text(text: &str) -> TokenHash {
    TokenHash(Sha256::digest(text.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_distinct_and_url_safe() {
        let a = OpaqueToken::generate();
        let b = OpaqueToken::generate();
        assert_ne!(a.text().expose(), b.text().expose());
        assert_ne!(a.hash(), b.hash());
        assert!(
            a.text()
                .expose()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn malformed_tokens_are_rejected_before_lookup() {
        let good = OpaqueToken::generate();
        let text = good.text().expose();
        assert!(
            OpaqueToken::hash_presented(&text[1..]).is_none(),
            "too short"
        );
        assert!(
            OpaqueToken::hash_presented(&format!("{text}A")).is_none(),
            "too long"
        );
        let mut bad = text.to_owned();
        bad.replace_range(0..1, "+");
        assert!(
            OpaqueToken::hash_presented(&bad).is_none(),
            "standard base64 alphabet"
        );
        assert!(
            OpaqueToken::hash_presented(&"é".repeat(21)).is_none(),
            "non-ascii"
        );
        assert!(OpaqueToken::hash_presented("").is_none());
    }

    #[test]
    fn debug_never_shows_the_token_text() {
        let token = OpaqueToken::generate();
        let debug = format!("{token:?}");
        assert!(!debug.contains(token.text().expose()), "{debug}");
        let refresh = RefreshToken::generate();
        let debug = format!("{refresh:?}");
        assert!(!debug.contains(refresh.text().expose()), "{debug}");
    }

    #[test]
    fn a_refresh_token_keeps_its_selector_and_malformed_ones_are_rejected() {
        let first = RefreshToken::generate();
        let text = first.text().expose();
        assert!(is_url_safe(text));
        let next = RefreshToken::successor(first.key().selector);
        assert_eq!(
            &next.text().expose()[..21],
            &text[..21],
            "the selector's whole characters are shared"
        );
        assert_ne!(
            RefreshToken::generate().key().selector,
            first.key().selector
        );
        assert!(
            RefreshToken::key_presented(&text[1..]).is_none(),
            "too short"
        );
        assert!(
            RefreshToken::key_presented(&format!("{text}A")).is_none(),
            "too long"
        );
        let mut bad = text.to_owned();
        bad.replace_range(0..1, "/");
        assert!(
            RefreshToken::key_presented(&bad).is_none(),
            "standard alphabet"
        );
        assert!(
            RefreshToken::key_presented(OpaqueToken::generate().text().expose()).is_none(),
            "a one-time token is not a refresh token"
        );
    }
}
