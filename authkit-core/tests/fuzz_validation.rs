//! Differential fuzzing of access-token validation: the fast paths (authkit's own minted header
//! and claims layout) must decide exactly as the general parsers do, on mutated minted payloads
//! that carry a valid signature and on arbitrary tokens.
//!
//! The short run is part of every `cargo test`. The long run (1,000,000 inputs or 60 s,
//! whichever comes first) is `.ci/run`'s fuzz step:
//! `cargo test --release -p authkit-core --test fuzz_validation -- --ignored`.

use std::time::{Duration, Instant};

use authkit_core::Role;
use authkit_core::jwt::{JwtCodec, JwtKey, KeyRing};
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;
use uuid::Uuid;

const SECRET: &[u8] = b"fuzzing secret of at least 32 bytes!!";

/// xorshift64*: small, fast, and the same sequence for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What tends to break JSON number and string handling.
const FRAGMENTS: &[&str] = &[
    "-0",
    "-1",
    "0",
    "00",
    "1e3",
    "1E-2",
    ".5",
    "1.0",
    "99999999999999999999",
    "-9223372036854775808",
    "9223372036854775807",
    "null",
    "true",
    "\"x\"",
    "\\u0065",
    "\\\"",
    ",\"iat\":1",
    ",\"exp\":0",
    " ",
    "\t",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
];

struct Harness {
    codec: JwtCodec,
    general: JwtCodec,
    key: hmac::Key,
    header: String,
    payloads: Vec<Vec<u8>>,
    now: OffsetDateTime,
}

impl Harness {
    fn new() -> Self {
        let key = JwtKey::hs256("fuzz-1", SECRET).expect("key");
        let codec = JwtCodec::new(
            KeyRing::new(key),
            "https://auth.example.com".into(),
            "api".into(),
            time::Duration::minutes(15),
            time::Duration::seconds(10),
        );
        let now = OffsetDateTime::now_utc();
        let mut header = String::new();
        let payloads = (0..16)
            .map(|i| {
                let role = if i % 2 == 0 {
                    Role::user()
                } else {
                    Role::admin()
                };
                let (token, _) = codec
                    .mint(Uuid::now_v7(), Uuid::now_v7(), &role, now)
                    .expect("mint");
                let mut segments = token.split('.');
                header = segments.next().expect("header").to_owned();
                URL_SAFE_NO_PAD
                    .decode(segments.next().expect("payload"))
                    .expect("base64")
            })
            .collect();
        Self {
            general: codec.clone(),
            codec,
            key: hmac::Key::new(hmac::HMAC_SHA256, SECRET),
            header,
            payloads,
            now,
        }
    }

    fn sign(&self, header: &str, payload: &[u8]) -> String {
        let signed = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
        let tag = hmac::sign(&self.key, signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// One input: usually a mutated minted payload with a valid signature, sometimes a mutated
    /// token or arbitrary text.
    fn input(&self, rng: &mut Rng) -> String {
        match rng.below(10) {
            0 => arbitrary(rng),
            1 => {
                let mut token = self
                    .sign(&self.header, rng.pick::<Vec<u8>>(&self.payloads))
                    .into_bytes();
                mutate(rng, &mut token);
                String::from_utf8_lossy(&token).into_owned()
            }
            _ => {
                let mut payload = rng.pick(self.payloads.as_slice()).clone();
                for _ in 0..=rng.below(3) {
                    mutate(rng, &mut payload);
                }
                self.sign(&self.header, &payload)
            }
        }
    }

    /// Validates `token` both ways; panics when they disagree.
    fn check(&self, token: &str) -> bool {
        let fast = self.codec.validate(token, self.now);
        let general = self.general.validate_general(token, self.now);
        let same = match (&fast, &general) {
            (Ok(a), Ok(b)) => **a == *b,
            (Err(a), Err(b)) => a.to_string() == b.to_string(),
            _ => false,
        };
        assert!(
            same,
            "the fast path disagrees with the general parsers on {token:?}\n  \
             payload: {:?}\n  fast: {fast:?}\n  general: {general:?}",
            payload_text(token)
        );
        fast.is_ok()
    }
}

fn payload_text(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    if bytes.is_empty() {
        bytes.extend_from_slice(rng.pick(FRAGMENTS).as_bytes());
        return;
    }
    let at = rng.below(bytes.len());
    match rng.below(6) {
        0 => bytes[at] ^= 1 << rng.below(8),
        1 => bytes[at] = *rng.pick(b"\"\\-0123456789.eE+ ,:{}[]un"),
        2 => {
            let fragment = rng.pick(FRAGMENTS).as_bytes();
            bytes.splice(at..at, fragment.iter().copied());
        }
        3 => {
            let end = (at + 1 + rng.below(5)).min(bytes.len());
            bytes.drain(at..end);
        }
        4 => {
            // Replace the number that starts after the next ':' with a fragment.
            if let Some(colon) = bytes[at..].iter().position(|b| *b == b':') {
                let start = at + colon + 1;
                let len = bytes[start..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit() || **b == b'-')
                    .count();
                let fragment = rng.pick(FRAGMENTS).as_bytes();
                bytes.splice(start..start + len, fragment.iter().copied());
            }
        }
        _ => {
            let end = (at + 1 + rng.below(24)).min(bytes.len());
            let copy: Vec<u8> = bytes[at..end].to_vec();
            let to = rng.below(bytes.len());
            bytes.splice(to..to, copy);
        }
    }
}

fn arbitrary(rng: &mut Rng) -> String {
    let len = rng.below(400);
    (0..len)
        .map(|_| {
            let b = (rng.next() % 96) as u8 + 32;
            if b == 127 { '.' } else { b as char }
        })
        .collect()
}

/// Runs until `inputs` inputs or `budget` elapsed; returns (inputs run, accepted).
fn run(seed: u64, inputs: u64, budget: Duration) -> (u64, u64) {
    let harness = Harness::new();
    // Every minted payload must pass both ways: the harness itself is sound.
    for payload in &harness.payloads {
        assert!(harness.check(&harness.sign(&harness.header, payload)));
    }
    let mut rng = Rng(seed | 1);
    let start = Instant::now();
    let (mut done, mut accepted) = (0, 0);
    while done < inputs && start.elapsed() < budget {
        let token = harness.input(&mut rng);
        accepted += u64::from(harness.check(&token));
        done += 1;
    }
    (done, accepted)
}

#[test]
fn fast_paths_agree_with_the_general_parsers_on_mutated_minted_tokens() {
    let (done, accepted) = run(0x5eed, 20_000, Duration::from_secs(60));
    assert_eq!(done, 20_000);
    assert!(accepted > 0, "some mutations keep a valid token");
}

#[test]
#[ignore = "the long run: .ci/run runs it in release"]
fn fast_paths_agree_with_the_general_parsers_on_a_million_inputs() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let (done, accepted) = run(seed, 1_000_000, Duration::from_secs(60));
    println!("fuzz: {done} inputs (seed {seed:#x}), {accepted} accepted, no disagreement");
    assert!(done > 0);
}
