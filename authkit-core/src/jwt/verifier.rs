//! Prepared verification keys: parsed once when the key ring is built, used for every token.
//!
//! jsonwebtoken's provider rebuilds its verifier (and, for public keys, reparses the key) on
//! every call; on the hot path authkit keeps an aws-lc `hmac::Key` or `ParsedPublicKey` per
//! key instead. The public key is the one published in the JWKS, so what is checked is exactly
//! what other services check.

use aws_lc_rs::{hmac, signature};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};

use super::JwtAlgorithm;

/// A key ready to verify signatures with its pinned algorithm.
#[expect(
    clippy::large_enum_variant,
    reason = "one per key, kept behind an Arc: boxing would only add an indirection to the hot path"
)]
pub(super) enum Verifier {
    /// HS256.
    Hmac(hmac::Key),
    /// RS256, ES256 or EdDSA.
    Public(signature::ParsedPublicKey),
}

impl Verifier {
    /// An HS256 verifier.
    pub(super) fn hs256(secret: &[u8]) -> Self {
        Self::Hmac(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }

    /// The verifier of the public key in `jwk`, pinned to `alg`.
    pub(super) fn from_jwk(alg: JwtAlgorithm, jwk: &Jwk) -> Result<Self, String> {
        let decode = |part: &str| {
            URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|e| format!("bad base64url in the public key: {e}"))
        };
        let (algorithm, bytes): (&'static dyn signature::VerificationAlgorithm, Vec<u8>) =
            match (alg, &jwk.algorithm) {
                (JwtAlgorithm::Rs256, AlgorithmParameters::RSA(rsa)) => (
                    &signature::RSA_PKCS1_2048_8192_SHA256,
                    rsa_public_key_der(&decode(&rsa.n)?, &decode(&rsa.e)?),
                ),
                (JwtAlgorithm::Es256, AlgorithmParameters::EllipticCurve(ec)) => {
                    let mut point = vec![0x04];
                    point.extend(decode(&ec.x)?);
                    point.extend(decode(&ec.y)?);
                    (&signature::ECDSA_P256_SHA256_FIXED, point)
                }
                (JwtAlgorithm::EdDsa, AlgorithmParameters::OctetKeyPair(okp)) => {
                    (&signature::ED25519, decode(&okp.x)?)
                }
                _ => return Err(format!("not an {alg} public key")),
            };
        signature::ParsedPublicKey::new(algorithm, bytes)
            .map(Self::Public)
            .map_err(|e| format!("the public key is rejected: {e}"))
    }

    /// Whether `signature` is a valid signature of `message`.
    pub(super) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Hmac(key) => hmac::verify(key, message, signature).is_ok(),
            Self::Public(key) => key.verify_sig(message, signature).is_ok(),
        }
    }
}

/// DER of an RFC 8017 `RSAPublicKey`: `SEQUENCE { INTEGER n, INTEGER e }`.
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = der_unsigned_integer(n);
    body.extend(der_unsigned_integer(e));
    der_tagged(0x30, &body)
}

fn der_unsigned_integer(bytes: &[u8]) -> Vec<u8> {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let mut content = bytes[first..].to_vec();
    if content.first().is_none_or(|b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    der_tagged(0x02, &content)
}

fn der_tagged(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let len_bytes = len.to_be_bytes();
        let skip = len_bytes
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(len_bytes.len() - 1);
        out.push(0x80 | (len_bytes.len() - skip) as u8);
        out.extend(&len_bytes[skip..]);
    }
    out.extend(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_integers_are_minimal_and_unsigned() {
        assert_eq!(
            der_unsigned_integer(&[0x00, 0x01, 0x00, 0x01]),
            [0x02, 0x03, 0x01, 0x00, 0x01]
        );
        assert_eq!(der_unsigned_integer(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(der_unsigned_integer(&[]), [0x02, 0x01, 0x00]);
        let long = der_tagged(0x30, &[0u8; 300]);
        assert_eq!(&long[..4], &[0x30, 0x82, 0x01, 0x2c]);
    }
}
