//! Splitting and decoding a compact JWS, and the strict forms its header and claims are
//! parsed into when they are not in the layout authkit mints.

use super::*;

/// The three segments of a compact JWS.
pub(super) struct Parts<'a> {
    pub(super) header: &'a str,
    pub(super) payload: &'a str,
    pub(super) signature: &'a str,
    /// `header.payload`, the signed bytes.
    pub(super) signed: &'a str,
}

impl<'a> Parts<'a> {
    /// Splits a token into exactly three non-empty base64url segments.
    pub(super) fn split(token: &'a str) -> Result<Self, AuthError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(reject(reason::TOO_LONG));
        }
        let mut segments = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(reject(reason::MALFORMED));
        };
        // The alphabet is checked where each segment is decoded (or, for a minted header,
        // compared byte for byte).
        if [header, payload, signature].iter().any(|s| s.is_empty()) {
            return Err(reject(reason::MALFORMED));
        }
        let signed = &token[..header.len() + 1 + payload.len()];
        Ok(Self {
            header,
            payload,
            signature,
            signed,
        })
    }
}

/// Strict unpadded base64url (canonical trailing bits).
pub(super) fn decode_segment(segment: &str) -> Result<Vec<u8>, AuthError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| reject(reason::MALFORMED))
}

/// Parses a JSON object (not an array, which serde would also map onto a struct); duplicate
/// members are an error.
pub(super) fn parse_object<T: DeserializeOwned>(json: &[u8]) -> Option<T> {
    if json.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    serde_json::from_slice(json).ok()
}

pub(super) fn is_access_token_type(typ: &str) -> bool {
    typ.eq_ignore_ascii_case(TOKEN_TYPE) || typ.eq_ignore_ascii_case("application/at+jwt")
}

/// The header members validation looks at; all others (`jwk`, `jku`, `x5u`, `x5c`, ...) are
/// ignored.
#[derive(Deserialize)]
pub(super) struct RawHeader {
    pub(super) alg: String,
    #[serde(default)]
    pub(super) typ: Option<String>,
    #[serde(default)]
    pub(super) kid: Option<String>,
    /// Whether a `crit` member is present, whatever its value.
    #[serde(default, deserialize_with = "present")]
    pub(super) crit: bool,
}

pub(super) fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer)?;
    Ok(true)
}

/// The claims as presented: every member required, with its exact type.
#[derive(Deserialize)]
pub(super) struct RawClaims {
    pub(super) iss: String,
    pub(super) aud: Audience,
    pub(super) sub: Uuid,
    pub(super) sid: Uuid,
    pub(super) role: Role,
    pub(super) iat: i64,
    pub(super) nbf: i64,
    pub(super) exp: i64,
    pub(super) jti: Uuid,
}

/// `aud`: one string or an array of strings (RFC 7519 4.1.3).
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub(super) fn contains(&self, audience: &str) -> bool {
        match self {
            Self::One(aud) => aud == audience,
            Self::Many(auds) => auds.iter().any(|aud| aud == audience),
        }
    }
}
