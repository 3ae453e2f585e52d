//! A bounded cache of recently verified tokens.
//!
//! An RS256/ES256/EdDSA signature check costs tens of microseconds and an HS256 check about one;
//! a client presents the same access token on every request until it expires. The cache maps a token, compared as a whole
//! string, to the claims its verification produced, so the signature is checked once per token.
//! Expiry and not-before are still checked on every hit; issuer and audience are fixed per codec.
//! Only tokens that passed every check are inserted, so an attacker cannot fill it with forgeries.
//! Buckets are chosen by a keyed hash of the signature segment alone (short, and as unique as the
//! token); a hit still requires the whole token to be equal.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;

use super::AccessClaims;

const SHARDS: usize = 16;

/// One lock's worth of entries: token hash -> (token, claims).
type Shard = Mutex<HashMap<u64, (Box<str>, AccessClaims)>>;

/// Verified tokens and their claims, in shards to keep lock contention low.
pub(super) struct VerifiedCache {
    shards: Vec<Shard>,
    per_shard: usize,
    hasher: RandomState,
}

impl VerifiedCache {
    /// A cache of about `capacity` tokens (0 is not allowed: use no cache instead).
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            hasher: RandomState::new(),
        }
    }

    fn shard(&self, hash: u64) -> &Shard {
        &self.shards[(hash as usize) % SHARDS]
    }

    fn hash(&self, token: &str) -> u64 {
        let signature = token
            .rsplit_once('.')
            .map_or(token, |(_, signature)| signature);
        self.hasher.hash_one(signature)
    }

    /// The claims of `token` if it was verified before.
    pub(super) fn get(&self, token: &str) -> Option<AccessClaims> {
        let hash = self.hash(token);
        let shard = self.shard(hash).lock().unwrap_or_else(|e| e.into_inner());
        shard
            .get(&hash)
            .filter(|(cached, _)| &**cached == token)
            .map(|(_, claims)| claims.clone())
    }

    /// Remembers a verified token. A full shard is emptied first (cheap, and tokens are
    /// short-lived: the next presentation re-verifies).
    pub(super) fn insert(&self, token: &str, claims: &AccessClaims) {
        let hash = self.hash(token);
        let mut shard = self.shard(hash).lock().unwrap_or_else(|e| e.into_inner());
        if shard.len() >= self.per_shard {
            shard.clear();
        }
        shard.insert(hash, (token.into(), claims.clone()));
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
