//! Shared fixtures of the benchmarks: keys, a minted token per algorithm, and the baselines
//! authkit is measured against (bare `jsonwebtoken::decode`, and a hand-rolled HS256 check that
//! is the floor of the work validation must do).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use authkit_core::Role;
use authkit_core::jwt::{JwtAlgorithm, JwtCodec, JwtKey, KeyRing};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

/// The HS256 secret of the benchmarks.
pub const SECRET: &[u8] = b"benchmark-secret-of-at-least-32-bytes!!";
/// Issuer and audience.
pub const ISSUER: &str = "https://auth.example.com";
/// Audience.
pub const AUDIENCE: &str = "https://api.example.com";

const RSA_PEM: &[u8] = include_bytes!("../../authkit-core/tests/keys/rsa.pem");
const EC_PEM: &[u8] = include_bytes!("../../authkit-core/tests/keys/ec.pem");
const ED_PEM: &[u8] = include_bytes!("../../authkit-core/tests/keys/ed25519.pem");
const RSA_PUB: &[u8] = include_bytes!("../../authkit-core/tests/keys/rsa.pub.pem");
const EC_PUB: &[u8] = include_bytes!("../../authkit-core/tests/keys/ec.pub.pem");
const ED_PUB: &[u8] = include_bytes!("../../authkit-core/tests/keys/ed25519.pub.pem");

/// A codec for `alg` with the benchmark issuer and audience.
pub fn codec(alg: JwtAlgorithm) -> JwtCodec {
    let key = match alg {
        JwtAlgorithm::Hs256 => JwtKey::hs256("bench", SECRET),
        JwtAlgorithm::Rs256 => JwtKey::from_private_pem("bench", alg, RSA_PEM),
        JwtAlgorithm::Es256 => JwtKey::from_private_pem("bench", alg, EC_PEM),
        JwtAlgorithm::EdDsa => JwtKey::from_private_pem("bench", alg, ED_PEM),
    }
    .expect("benchmark key");
    JwtCodec::new(
        KeyRing::new(key),
        ISSUER.into(),
        AUDIENCE.into(),
        Duration::minutes(15),
        Duration::seconds(10),
    )
}

/// A token minted by `codec` now.
pub fn token(codec: &JwtCodec) -> String {
    codec
        .mint(
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
            &Role::user(),
            OffsetDateTime::now_utc(),
        )
        .expect("mint")
        .0
}

/// The claims `jsonwebtoken::decode` deserializes into (owned, as its users write them).
#[derive(Debug, Deserialize)]
pub struct OwnedClaims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Subject.
    pub sub: String,
    /// Session.
    pub sid: String,
    /// Role.
    pub role: String,
    /// Issued at.
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expiry.
    pub exp: i64,
    /// Token id.
    pub jti: String,
}

/// Bare `jsonwebtoken::decode` with validation equivalent to authkit's: pinned algorithm,
/// required `exp iss aud sub`, issuer, audience, `nbf`, the same leeway.
pub struct JsonwebtokenBaseline {
    key: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
}

impl JsonwebtokenBaseline {
    /// The baseline for `alg`.
    pub fn new(alg: JwtAlgorithm) -> Self {
        let (key, algorithm) = match alg {
            JwtAlgorithm::Hs256 => (
                jsonwebtoken::DecodingKey::from_secret(SECRET),
                jsonwebtoken::Algorithm::HS256,
            ),
            JwtAlgorithm::Rs256 => (
                jsonwebtoken::DecodingKey::from_rsa_pem(RSA_PUB).unwrap(),
                jsonwebtoken::Algorithm::RS256,
            ),
            JwtAlgorithm::Es256 => (
                jsonwebtoken::DecodingKey::from_ec_pem(EC_PUB).unwrap(),
                jsonwebtoken::Algorithm::ES256,
            ),
            JwtAlgorithm::EdDsa => (
                jsonwebtoken::DecodingKey::from_ed_pem(ED_PUB).unwrap(),
                jsonwebtoken::Algorithm::EdDSA,
            ),
        };
        let mut validation = jsonwebtoken::Validation::new(algorithm);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 10;
        Self { key, validation }
    }

    /// Decodes and validates `token`.
    pub fn decode(&self, token: &str) -> Option<OwnedClaims> {
        jsonwebtoken::decode::<OwnedClaims>(token, &self.key, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// Claims borrowed from the decoded payload: the least a check must materialise.
#[derive(Debug, Deserialize)]
pub struct BorrowedClaims<'a> {
    /// Issuer.
    pub iss: &'a str,
    /// Audience.
    pub aud: &'a str,
    /// Subject.
    pub sub: &'a str,
    /// Expiry.
    pub exp: i64,
}

/// The floor: split, base64url, HMAC-SHA256 with a prepared key, serde into borrowed claims,
/// `exp` check. No header parsing, no claim types beyond what is compared: the least any
/// correct HS256 validation has to do.
pub struct HandRolledHs256 {
    key: aws_lc_rs::hmac::Key,
}

impl Default for HandRolledHs256 {
    fn default() -> Self {
        Self {
            key: aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET),
        }
    }
}

impl HandRolledHs256 {
    /// Whether `token` is valid at `now` (and its subject).
    pub fn check(&self, token: &str, now: i64, payload_buf: &mut Vec<u8>) -> Option<usize> {
        let (signed, signature) = token.rsplit_once('.')?;
        let (_, payload) = signed.split_once('.')?;
        let mut tag = [0u8; 32];
        let n = URL_SAFE_NO_PAD.decode_slice(signature, &mut tag).ok()?;
        aws_lc_rs::hmac::verify(&self.key, signed.as_bytes(), &tag[..n]).ok()?;
        payload_buf.clear();
        URL_SAFE_NO_PAD.decode_vec(payload, payload_buf).ok()?;
        let claims: BorrowedClaims = serde_json::from_slice(payload_buf).ok()?;
        (claims.exp > now && claims.iss == ISSUER && claims.aud == AUDIENCE)
            .then_some(claims.sub.len())
    }
}

/// The bare HMAC-SHA256 of a signing input: the cryptographic core of HS256.
pub fn hmac_only(key: &aws_lc_rs::hmac::Key, signed: &[u8]) -> aws_lc_rs::hmac::Tag {
    aws_lc_rs::hmac::sign(key, signed)
}

/// Shortcut: the bytes authkit signs for `token` (`header.payload`).
pub fn signing_input(token: &str) -> &str {
    token.rsplit_once('.').expect("a JWS").0
}

/// The bare signature check with a prepared aws-lc key (the backend authkit and jsonwebtoken
/// use): the floor of asymmetric validation.
pub struct RawVerify {
    key: aws_lc_rs::signature::ParsedPublicKey,
}

impl RawVerify {
    /// The prepared public key of the benchmark key for `alg` (not HS256).
    pub fn new(alg: JwtAlgorithm) -> Self {
        use aws_lc_rs::signature::{self, KeyPair};
        let pem = match alg {
            JwtAlgorithm::Rs256 => RSA_PEM,
            JwtAlgorithm::Es256 => EC_PEM,
            JwtAlgorithm::EdDsa => ED_PEM,
            JwtAlgorithm::Hs256 => panic!("HS256 has no public key"),
        };
        let der = pem_body(pem);
        let (algorithm, public): (&'static dyn signature::VerificationAlgorithm, Vec<u8>) =
            match alg {
                JwtAlgorithm::Rs256 => {
                    let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(&der)
                        .or_else(|_| aws_lc_rs::rsa::KeyPair::from_der(&der))
                        .expect("RSA key");
                    (
                        &signature::RSA_PKCS1_2048_8192_SHA256,
                        pair.public_key().as_ref().to_vec(),
                    )
                }
                JwtAlgorithm::Es256 => {
                    let pair = signature::EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &der,
                    )
                    .expect("EC key");
                    (
                        &signature::ECDSA_P256_SHA256_FIXED,
                        pair.public_key().as_ref().to_vec(),
                    )
                }
                _ => {
                    let pair = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
                        .expect("Ed25519 key");
                    (&signature::ED25519, pair.public_key().as_ref().to_vec())
                }
            };
        Self {
            key: signature::ParsedPublicKey::new(algorithm, public).expect("public key"),
        }
    }

    /// Verifies the signature of `token` (decoded first, as any validation must).
    pub fn verify(&self, token: &str) -> bool {
        let (signed, signature) = token.rsplit_once('.').expect("a JWS");
        let mut sig = [0u8; 512];
        let n = URL_SAFE_NO_PAD
            .decode_slice(signature, &mut sig)
            .expect("base64url");
        self.key.verify_sig(signed.as_bytes(), &sig[..n]).is_ok()
    }
}

fn pem_body(pem: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(pem).expect("PEM text");
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("PEM base64")
}

/// Side-by-side timing of variants of one operation over one workload.
///
/// Criterion measures its benchmarks one after another, and on a shared machine the speed can
/// drift between them by more than the difference being measured. A benchmark that uses this
/// runs every variant in every round, on the same items, in blocks whose order alternates (the
/// second of two finds the items in the CPU cache), and reports only its own variant's time to
/// criterion; the totals of all rounds give a ratio in which drift cancels.
#[derive(Debug)]
pub struct Paired<const N: usize> {
    spent: [std::time::Duration; N],
    next: usize,
    len: usize,
}

impl<const N: usize> Paired<N> {
    /// Calls per block of one variant.
    const BLOCK: usize = 64;

    /// Side-by-side timing over a workload of `len` items, taken in order and cyclically.
    pub fn new(len: usize) -> Self {
        Self {
            spent: [std::time::Duration::ZERO; N],
            next: 0,
            len,
        }
    }

    /// Runs `iters` calls of every variant (`call(variant, item)`) and returns the time of
    /// `measured`, the variant criterion is measuring; every variant's time is added to the
    /// totals.
    pub fn run(
        &mut self,
        iters: u64,
        measured: usize,
        mut call: impl FnMut(usize, usize),
    ) -> std::time::Duration {
        let mut spent = [std::time::Duration::ZERO; N];
        let mut done = 0;
        while done < iters {
            let n = Self::BLOCK.min((iters - done) as usize);
            let start = self.next;
            let first = (start / Self::BLOCK) % N;
            for k in 0..N {
                let variant = (first + k) % N;
                let began = std::time::Instant::now();
                for j in 0..n {
                    call(variant, (start + j) % self.len);
                }
                spent[variant] += began.elapsed();
            }
            self.next = (start + n) % self.len;
            done += n as u64;
        }
        for (total, s) in self.spent.iter_mut().zip(spent) {
            *total += s;
        }
        spent[measured]
    }

    /// The total time of `variant` over the total time of `baseline`, over every round; `None`
    /// when nothing ran (criterion's filter skipped the benchmarks).
    pub fn ratio(&self, variant: usize, baseline: usize) -> Option<f64> {
        (!self.spent[baseline].is_zero())
            .then(|| self.spent[variant].as_secs_f64() / self.spent[baseline].as_secs_f64())
    }
}
