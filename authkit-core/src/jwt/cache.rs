//! A bounded cache of recently verified tokens.
//!
//! An RS256/ES256/EdDSA signature check costs tens of microseconds and an HS256 check about one;
//! a client presents the same access token on every request until it expires. The cache maps a
//! token, compared as a whole string, to the claims its verification produced, so the signature
//! is checked once per token and a hit copies nothing (the claims are shared). Expiry and
//! not-before are still checked on every hit; issuer and audience are fixed per codec. Only
//! tokens that passed every check are inserted, so an attacker cannot fill it with forgeries.
//!
//! Buckets are chosen from the signature segment alone (short, and as unique as the token): a
//! signature authkit made is indistinguishable from random bytes, so eight of its characters,
//! mixed with a per-process secret, spread entries evenly without a general-purpose hash. Only
//! verified tokens are inserted, so nobody can pick keys to collide; a lookup with a crafted
//! signature lands in some bucket and fails the whole-token comparison.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};

use super::AccessClaims;

const SHARDS: usize = 16;

/// One lock's worth of entries: bucket key -> (token, claims).
type Shard = Mutex<HashMap<u64, (Box<str>, Arc<AccessClaims>), BuildHasherDefault<KeyHasher>>>;

/// Verified tokens and their claims, in shards to keep lock contention low.
pub(super) struct VerifiedCache {
    shards: Vec<Shard>,
    per_shard: usize,
    seed: u64,
}

impl VerifiedCache {
    /// A cache of about `capacity` tokens (0 is not allowed: use no cache instead).
    pub(super) fn new(capacity: usize) -> Self {
        let mut seed = [0u8; 8];
        // Without OS randomness the keys are still evenly spread (the signatures are random);
        // the seed only keeps bucket positions unpredictable across processes.
        let _ = getrandom::fill(&mut seed);
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            seed: u64::from_le_bytes(seed),
        }
    }

    fn shard(&self, key: u64) -> &Shard {
        &self.shards[(key >> 32) as usize % SHARDS]
    }

    /// The bucket key of `token`: the last eight characters of its signature segment (the
    /// whole token if shorter), folded with the seed by a 128-bit multiply.
    fn key(&self, token: &str) -> u64 {
        let bytes = token.as_bytes();
        let tail = &bytes[bytes.len().saturating_sub(8)..];
        let mut word = [0u8; 8];
        word[..tail.len()].copy_from_slice(tail);
        let product = u128::from(u64::from_le_bytes(word) ^ self.seed)
            * u128::from(0x9E37_79B9_7F4A_7C15_u64);
        (product as u64) ^ ((product >> 64) as u64)
    }

    /// The claims of `token` if it was verified before.
    pub(super) fn get(&self, token: &str) -> Option<Arc<AccessClaims>> {
        let key = self.key(token);
        let shard = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
        shard
            .get(&key)
            .filter(|(cached, _)| &**cached == token)
            .map(|(_, claims)| Arc::clone(claims))
    }

    /// Remembers a verified token. A full shard is emptied first (cheap, and tokens are
    /// short-lived: the next presentation re-verifies).
    pub(super) fn insert(&self, token: &str, claims: Arc<AccessClaims>) {
        let key = self.key(token);
        let mut shard = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
        if shard.len() >= self.per_shard {
            shard.clear();
        }
        shard.insert(key, (token.into(), claims));
    }

    /// How many tokens are cached.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }
}

/// Passes the already mixed bucket key through to the map unchanged.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = key;
    }
}
