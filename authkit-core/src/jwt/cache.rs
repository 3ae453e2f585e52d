//! A bounded cache of recently verified tokens.
//!
//! An RS256/ES256/EdDSA signature check costs tens of microseconds and an HS256 check about one;
//! a client presents the same access token on every request until it expires. The cache maps a
//! token, compared as a whole string, to the claims its verification produced, so the signature
//! is checked once per token and a hit copies nothing (the claims are shared). Expiry and
//! not-before are still checked on every hit; issuer and audience are fixed per codec. Only
//! tokens that passed every check are inserted, so an attacker cannot fill it with forgeries.
//!
//! **Layout.** Entries live in sets of [`WAYS`] slots (set-associative, like a CPU cache); a
//! token can only be in the set its bucket key names, so a lookup compares at most eight 64-bit
//! tags and then the whole token of the one that matches. Sets are grouped into shards, one lock
//! each; the tags are also kept outside the locks, so a miss reads one cache line and takes no
//! lock. A full set evicts its least recently used slot: per set that is exact LRU, and over
//! the whole cache it is within a few per cent of an exact LRU of the same size.
//!
//! **Admission.** A token is cached on its second verification, not its first: a doorkeeper (a
//! bit array of about eight bits per entry, cleared now and then) remembers which bucket keys
//! were verified once. A token seen once (a crawler, a one-off call, a flood of distinct
//! tokens) costs a bit test instead of an allocation, a copy and an eviction, so a workload
//! where nothing repeats runs as fast as without a cache; the tokens that do repeat, which are
//! the ones worth keeping, get in on their second use. A bit says only "admit": it never makes
//! a token valid.
//!
//! **Bucket keys.** Chosen from the signature segment alone (short, and as unique as the
//! token): a signature authkit made is indistinguishable from random bytes, so eight of its
//! characters, mixed with a per-process secret, spread entries evenly without a general-purpose
//! hash. Only verified tokens are inserted, so nobody can pick keys to collide; a lookup with a
//! crafted signature lands in some set and fails the whole-token comparison.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::AccessClaims;

/// Slots per set.
const WAYS: usize = 8;
/// Locks: a lookup holds one shard's lock for a scan of one set.
const SHARDS: usize = 16;
/// Doorkeeper bits per cached entry.
const DOORKEEPER_BITS_PER_ENTRY: usize = 8;

/// One cached token (its tag is in [`SetTags`]).
struct Slot {
    /// When it was last used, in its shard's ticks (0: empty).
    used: u64,
    token: Box<str>,
    claims: Arc<AccessClaims>,
}

/// The tags of one set, on one cache line.
#[derive(Default)]
#[repr(align(64))]
struct SetTags([AtomicU64; WAYS]);

/// One lock's sets, and its clock.
#[derive(Default)]
struct Shard {
    sets: Vec<[Option<Slot>; WAYS]>,
    tick: u64,
}

impl Shard {
    fn set(&mut self, key: u64) -> &mut [Option<Slot>; WAYS] {
        let len = self.sets.len();
        &mut self.sets[(key as usize) % len]
    }

    fn tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }
}

/// Verified tokens and their claims; see the [module docs](self).
pub(super) struct VerifiedCache {
    shards: Vec<Mutex<Shard>>,
    /// Every slot's tag (0: empty), outside the locks, so a miss reads one cache line of
    /// eight tags and takes no lock. Written under the shard's lock; a stale read only turns
    /// into a miss or a lock taken for nothing, never a wrong answer.
    tags: Vec<SetTags>,
    sets_per_shard: usize,
    doorkeeper: Vec<AtomicU64>,
    /// Admissions asked of the doorkeeper since it was last cleared.
    asked: AtomicU64,
    seed: u64,
}

impl VerifiedCache {
    /// A cache of about `capacity` tokens (0 is not allowed: use no cache instead).
    pub(super) fn new(capacity: usize) -> Self {
        let mut seed = [0u8; 8];
        // Without OS randomness the keys are still evenly spread (the signatures are random);
        // the seed only keeps bucket positions unpredictable across processes.
        let _ = getrandom::fill(&mut seed);
        let sets_per_shard = capacity.div_ceil(SHARDS * WAYS).max(1);
        let shards = (0..SHARDS)
            .map(|_| {
                Mutex::new(Shard {
                    sets: (0..sets_per_shard).map(|_| Default::default()).collect(),
                    tick: 0,
                })
            })
            .collect();
        let words = (capacity * DOORKEEPER_BITS_PER_ENTRY).div_ceil(64).max(1);
        Self {
            shards,
            tags: (0..SHARDS * sets_per_shard)
                .map(|_| Default::default())
                .collect(),
            sets_per_shard,
            doorkeeper: (0..words).map(|_| AtomicU64::new(0)).collect(),
            asked: AtomicU64::new(0),
            seed: u64::from_le_bytes(seed),
        }
    }

    /// How many tokens it holds at most.
    fn capacity(&self) -> usize {
        let sets = self.shards[0]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .sets
            .len();
        SHARDS * sets * WAYS
    }

    fn shard(&self, key: u64) -> std::sync::MutexGuard<'_, Shard> {
        self.shards[Self::shard_index(key)]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn shard_index(key: u64) -> usize {
        (key >> 59) as usize % SHARDS
    }

    /// The tags of the set `key` names (the set [`Shard::set`] finds in its shard).
    fn tags(&self, key: u64) -> &[AtomicU64; WAYS] {
        let set = (key as usize) % self.sets_per_shard;
        &self.tags[Self::shard_index(key) * self.sets_per_shard + set].0
    }

    /// Whether a slot of `key`'s set may hold it: a lock-free look at the tags.
    fn may_hold(&self, key: u64) -> bool {
        self.tags(key)
            .iter()
            .any(|tag| tag.load(Ordering::Relaxed) == key)
    }

    /// The bucket key of `token`: the last eight characters of its signature segment (the
    /// whole token if shorter), folded with the seed by a 128-bit multiply.
    pub(super) fn key(&self, token: &str) -> u64 {
        let bytes = token.as_bytes();
        let tail = &bytes[bytes.len().saturating_sub(8)..];
        let mut word = [0u8; 8];
        word[..tail.len()].copy_from_slice(tail);
        let product = u128::from(u64::from_le_bytes(word) ^ self.seed)
            * u128::from(0x9E37_79B9_7F4A_7C15_u64);
        (product as u64) ^ ((product >> 64) as u64)
    }

    /// The claims of `token` if it is cached.
    #[cfg(test)]
    pub(super) fn get(&self, token: &str) -> Option<Arc<AccessClaims>> {
        self.get_keyed(self.key(token), token)
    }

    /// [`get`](Self::get) with the token's [`key`](Self::key) already computed.
    pub(super) fn get_keyed(&self, key: u64, token: &str) -> Option<Arc<AccessClaims>> {
        if !self.may_hold(key) {
            return None;
        }
        let mut shard = self.shard(key);
        let now = shard.tick();
        let set = shard.set(key);
        let slot = set[way(self.tags(key), set, key, token)?].as_mut()?;
        slot.used = now;
        Some(Arc::clone(&slot.claims))
    }

    /// Remembers a verified token: on its second verification (see the doorkeeper in the
    /// [module docs](self)), in the least recently used slot of its set.
    #[cfg(test)]
    pub(super) fn insert(&self, token: &str, claims: Arc<AccessClaims>) {
        self.insert_keyed(self.key(token), token, &claims);
    }

    /// [`insert`](Self::insert) with the token's [`key`](Self::key) already computed; the
    /// claims are shared only if the token is admitted.
    pub(super) fn insert_keyed(&self, key: u64, token: &str, claims: &Arc<AccessClaims>) {
        if !self.seen_before(key) {
            return;
        }
        let mut shard = self.shard(key);
        let now = shard.tick();
        let set = shard.set(key);
        let tags = self.tags(key);
        if let Some(slot) = way(tags, set, key, token).and_then(|w| set[w].as_mut()) {
            // Verified again meanwhile (two requests raced): keep one entry.
            slot.used = now;
            return;
        }
        let victim = set
            .iter()
            .enumerate()
            .min_by_key(|(_, slot)| slot.as_ref().map_or(0, |s| s.used))
            .map_or(0, |(i, _)| i);
        set[victim] = Some(Slot {
            used: now,
            token: token.into(),
            claims: Arc::clone(claims),
        });
        tags[victim].store(key, Ordering::Relaxed);
    }

    /// Whether a token with this key was verified since the doorkeeper was last cleared;
    /// marks it. Cleared after a mark for every eighth bit, so it stays selective.
    fn seen_before(&self, key: u64) -> bool {
        let bits = self.doorkeeper.len() * 64;
        let bit = (key.rotate_left(21) as usize) % bits;
        let mask = 1u64 << (bit % 64);
        let before = self.doorkeeper[bit / 64].fetch_or(mask, Ordering::Relaxed);
        // Cleared once an eighth of the bits could be set: a one-off key then finds its bit
        // set by another key less than one time in eight on average.
        if self.asked.fetch_add(1, Ordering::Relaxed) + 1 >= (bits / 8) as u64 {
            self.asked.store(0, Ordering::Relaxed);
            for word in &self.doorkeeper {
                word.store(0, Ordering::Relaxed);
            }
        }
        before & mask != 0
    }

    /// How many tokens are cached.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let shard = s.lock().unwrap_or_else(|e| e.into_inner());
                shard.sets.iter().flatten().flatten().count()
            })
            .sum()
    }
}

/// The way of a set that holds `token` (with bucket key `key`). Called under the shard's lock,
/// where the tags are exact.
fn way(
    tags: &[AtomicU64; WAYS],
    set: &[Option<Slot>; WAYS],
    key: u64,
    token: &str,
) -> Option<usize> {
    (0..WAYS).find(|&w| {
        tags[w].load(Ordering::Relaxed) == key
            && set[w].as_ref().is_some_and(|slot| &*slot.token == token)
    })
}

impl std::fmt::Debug for VerifiedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedCache")
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::model::Role;

    fn claims() -> Arc<AccessClaims> {
        Arc::new(AccessClaims {
            iss: "i".into(),
            aud: "a".into(),
            sub: uuid::Uuid::nil(),
            sid: uuid::Uuid::nil(),
            role: Role::user(),
            iat: 0,
            nbf: 0,
            exp: i64::MAX,
            jti: uuid::Uuid::nil(),
            revocation_memo: Default::default(),
        })
    }

    /// A token-like string whose tail is as random as a signature.
    fn token(i: u64) -> String {
        let mixed = (i ^ 0x5DEE_CE66_D1CE_4E5B).wrapping_mul(0x2545_F491_4F6C_DD1D);
        format!("header.payload-{i}.sig{mixed:016x}{:08x}", mixed >> 13)
    }

    /// xorshift64*, deterministic.
    struct Rng(u64);

    impl Rng {
        fn unit(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Ranks drawn from Zipf(1.0) over `n` items, by inverting the cumulative weights.
    fn zipf_stream(n: usize, len: usize, seed: u64) -> Vec<u64> {
        let mut cumulative = Vec::with_capacity(n);
        let mut total = 0.0;
        for rank in 1..=n {
            total += 1.0 / rank as f64;
            cumulative.push(total);
        }
        let mut rng = Rng(seed);
        (0..len)
            .map(|_| {
                let x = rng.unit() * total;
                cumulative.partition_point(|c| *c < x) as u64
            })
            .collect()
    }

    /// An exact LRU of `capacity`: hits over the stream.
    fn lru_hits(stream: &[u64], capacity: usize) -> usize {
        let mut last_use: HashMap<u64, usize> = HashMap::new();
        let mut by_age: std::collections::BTreeMap<usize, u64> = Default::default();
        let mut hits = 0;
        for (t, &item) in stream.iter().enumerate() {
            if let Some(old) = last_use.insert(item, t) {
                hits += 1;
                by_age.remove(&old);
            } else if last_use.len() > capacity {
                let (_, evicted) = by_age.pop_first().expect("an entry to evict");
                last_use.remove(&evicted);
            }
            by_age.insert(t, item);
        }
        hits
    }

    /// authkit's cache over the stream, as the codec drives it: look up, insert on a miss.
    fn cache_hits(stream: &[u64], capacity: usize) -> usize {
        let cache = VerifiedCache::new(capacity);
        let tokens: HashMap<u64, String> = stream.iter().map(|&i| (i, token(i))).collect();
        let shared = claims();
        let mut hits = 0;
        for item in stream {
            let token = &tokens[item];
            if cache.get(token).is_some() {
                hits += 1;
            } else {
                cache.insert(token, Arc::clone(&shared));
            }
        }
        hits
    }

    #[test]
    fn under_zipf_the_hit_rate_is_within_five_per_cent_of_an_exact_lru() {
        for capacity in [4096, 16_384] {
            let stream = zipf_stream(100_000, 400_000, 0x9E37_79B9);
            let lru = lru_hits(&stream, capacity);
            let ours = cache_hits(&stream, capacity);
            let ratio = ours as f64 / lru as f64;
            eprintln!("capacity {capacity}: hit rate {ours} vs exact LRU {lru}: {ratio:.3}");
            assert!(
                ratio >= 0.95,
                "capacity {capacity}: {ours} hits against LRU's {lru} ({ratio:.3})"
            );
        }
    }

    #[test]
    fn a_token_seen_once_is_not_kept_and_a_second_verification_admits_it() {
        let cache = VerifiedCache::new(1024);
        for i in 0..10_000 {
            cache.insert(&token(i), claims());
        }
        assert!(
            cache.len() < 1_000,
            "nine in ten one-off tokens stay out: {} of 10,000 kept",
            cache.len()
        );
        // A fresh doorkeeper has no bit set, so the first sighting cannot collide with
        // another key's (with the one-off tokens above, one in eight might).
        let cache = VerifiedCache::new(1024);
        let repeated = token(1_000_000);
        cache.insert(&repeated, claims());
        assert!(cache.get(&repeated).is_none(), "first sighting");
        cache.insert(&repeated, claims());
        assert!(cache.get(&repeated).is_some(), "second sighting");
    }

    #[test]
    fn the_capacity_bounds_what_is_kept_and_the_most_recent_stay() {
        let cache = VerifiedCache::new(256);
        let capacity = cache.capacity();
        assert!((256..256 + SHARDS * WAYS).contains(&capacity), "{capacity}");
        for i in 0..5_000 {
            let t = token(i);
            cache.insert(&t, claims());
            cache.insert(&t, claims());
        }
        assert!(cache.len() <= capacity);
        let recent = (4_990..5_000).filter(|i| cache.get(&token(*i)).is_some());
        assert_eq!(recent.count(), 10, "the latest tokens are kept");
    }

    #[test]
    fn a_lookup_needs_the_whole_token() {
        let cache = VerifiedCache::new(64);
        let t = token(7);
        cache.insert(&t, claims());
        cache.insert(&t, claims());
        assert!(cache.get(&t).is_some());
        let same_tail = format!("x{t}");
        assert_eq!(cache.key(&same_tail), cache.key(&t));
        assert!(cache.get(&same_tail).is_none());
    }
}
