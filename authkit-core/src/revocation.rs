//! Revocation that takes effect at once, on every instance, with no I/O per request.
//!
//! An access token is a signed statement that outlives what it says: after a logout, a
//! disabled account or a demotion it still verifies until `exp`. authkit closes that window
//! with a *revocation view*: every store method that takes something away (a session revoked,
//! an account's sessions revoked, deleted, or its role changed) writes a
//! [`RevocationRecord`] in the same transaction, and every instance keeps an in-memory view
//! of the records that can still matter. Authentication checks the view with two hash lookups
//! under a read lock, and a token whose check found nothing is memoised for the view's current
//! generation, so a token seen before costs one atomic load.
//!
//! - **What a record means.** A record naming a session rejects every access token of that
//!   session (401 `invalid_access_token`), one naming a deleted account every token of it. A record naming a role makes it the account's
//!   effective role at once: a token minted before a demotion no longer passes a role check it
//!   would now fail (403), and the next refresh mints the new role into the token.
//! - **How long it is kept.** A record can only matter while a token minted before it can
//!   still be valid: for the access-token lifetime plus the leeway. Then it is dropped from the
//!   view, and later from the store, so memory is bounded by the revocations of one
//!   access-token lifetime (about 100 bytes each).
//! - **How it arrives.** A background task reads the feed incrementally (every second by
//!   default, [`RevocationFeed::poll_interval`]); where the store can push (PostgreSQL
//!   `LISTEN`/`NOTIFY`) a notice triggers the read at once, and after a lost subscription the
//!   next read catches up. The instance that revokes applies the change to its own view before
//!   it answers. Records that concurrent writers commit out of `seq` order are found by looking
//!   behind gaps in `seq` for a minute.
//! - **Fail closed.** When the feed cannot be read for longer than
//!   [`RevocationFeed::max_staleness`], authentication answers 503 (or 401, as configured) and
//!   the reason is logged, until a read succeeds again. An instance that has never read the
//!   feed reads it before its first answer.
//!
//! [`RevocationRecord`]: crate::store::RevocationRecord

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration as StdDuration, Instant};

use crate::config::{FeedMode, RevocationFeed};
use crate::jwt::AccessClaims;
use crate::model::{Role, SessionId};
use crate::store::{RevocationRecord, Revoked, Store, StoreError};

/// Records read per store call.
const PAGE: u32 = 1000;
/// How long a gap in `seq` is looked behind for a record committed late.
const GAP_PATIENCE: StdDuration = StdDuration::from_secs(60);
/// At most this many gaps are tracked (a sequence may jump after a database crash).
const MAX_GAPS: usize = 1000;
/// How often expired entries are dropped from the view, in seconds of the flow clock.
const VIEW_PRUNE_EVERY: i64 = 10;
/// The bit of the generation that says the view is stale.
const STALE: u64 = 1 << 63;

/// What the view says of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not revoked; `Some` carries the account's current role when it differs from the token's.
    Live(Option<Role>),
    /// Its session was revoked.
    Revoked,
    /// The view could not be refreshed for too long: fail closed.
    Stale,
    /// The view was never read: read it first.
    Unsynced,
}

/// The per-token memo of a check that found nothing: the generation it was made at.
///
/// Lives inside [`AccessClaims`] (the verified-token cache shares one per token), is never
/// serialized, and compares equal to every other memo.
#[derive(Default)]
pub struct CheckMemo(AtomicU64);

impl CheckMemo {
    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, generation: u64) {
        self.0.store(generation, Ordering::Relaxed);
    }
}

impl Clone for CheckMemo {
    /// A copy starts unchecked: it is another token's memo as far as anyone knows.
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for CheckMemo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for CheckMemo {}

impl fmt::Debug for CheckMemo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CheckMemo")
    }
}

/// Hashes a UUID v7 by its random tail (its head is a timestamp, alike across ids).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut tail = [0u8; 8];
        let n = bytes.len().min(8);
        tail[..n].copy_from_slice(&bytes[bytes.len() - n..]);
        let word = u64::from_le_bytes(tail) ^ self.0.rotate_left(5);
        self.0 = word.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_usize(&mut self, _length_prefix: usize) {}
}

type IdMap<V> = HashMap<uuid::Uuid, V, BuildHasherDefault<IdHasher>>;

/// A role change still in effect.
#[derive(Debug, Clone)]
struct RoleEntry {
    role: Role,
    seq: i64,
    until: i64,
}

/// The entries, each kept until `until` (Unix seconds of the flow clock).
#[derive(Debug, Default)]
struct View {
    /// Revoked sessions and deleted accounts, by id (UUIDs never collide across the two).
    revoked: IdMap<i64>,
    roles: IdMap<RoleEntry>,
    pruned_at: i64,
}

/// Where the next read of the feed starts.
#[derive(Debug, Default)]
struct Cursor {
    last: i64,
    gaps: BTreeMap<i64, Instant>,
}

impl Cursor {
    /// The `seq` to read after: the last one seen, or just before the oldest gap still
    /// awaited.
    fn after(&mut self, now: Instant) -> i64 {
        self.gaps
            .retain(|_, noticed| now.duration_since(*noticed) < GAP_PATIENCE);
        self.gaps
            .keys()
            .next()
            .map_or(self.last, |first| (first - 1).min(self.last))
    }

    fn saw(&mut self, seq: i64, now: Instant) {
        if seq > self.last {
            let missing = (self.last + 1..seq).rev().take(MAX_GAPS);
            for gap in missing {
                self.gaps.insert(gap, now);
            }
            while self.gaps.len() > MAX_GAPS {
                self.gaps.pop_first();
            }
            self.last = seq;
        } else {
            self.gaps.remove(&seq);
        }
    }
}

/// When the view was last read successfully, and whether that was too long ago.
#[derive(Debug, Default)]
struct Health {
    last_ok: Option<Instant>,
    failing_since: Option<Instant>,
}

/// One instance's revocation view and the state of its feed.
pub(crate) struct Revocations {
    feed: RevocationFeed,
    /// How long a record matters, in seconds: access-token lifetime plus leeway.
    horizon: i64,
    view: RwLock<View>,
    /// Bumped after every change; 0 until the first read; [`STALE`] set while failing closed.
    generation: AtomicU64,
    cursor: tokio::sync::Mutex<Cursor>,
    health: Mutex<Health>,
    started: AtomicBool,
}

impl fmt::Debug for Revocations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sessions, roles) = self.len();
        f.debug_struct("Revocations")
            .field("feed", &self.feed)
            .field("sessions", &sessions)
            .field("roles", &roles)
            .finish_non_exhaustive()
    }
}

impl Revocations {
    /// A view for `feed` whose records matter for `horizon` seconds; `None` when the feed is off.
    pub(crate) fn new(feed: RevocationFeed, horizon: i64) -> Option<Self> {
        (feed.mode != FeedMode::Off).then(|| Self {
            feed,
            horizon,
            view: RwLock::default(),
            generation: AtomicU64::new(0),
            cursor: tokio::sync::Mutex::default(),
            health: Mutex::default(),
            started: AtomicBool::new(false),
        })
    }

    pub(crate) fn feed(&self) -> RevocationFeed {
        self.feed
    }

    /// Whether the background task still has to be started (the first caller claims it).
    pub(crate) fn claim_start(&self) -> bool {
        !self.started.load(Ordering::Relaxed) && !self.started.swap(true, Ordering::AcqRel)
    }

    /// Gives the start back (no runtime was there to start it in).
    pub(crate) fn release_start(&self) {
        self.started.store(false, Ordering::Release);
    }

    /// How many sessions and role changes the view holds.
    pub(crate) fn len(&self) -> (usize, usize) {
        let view = self.read();
        (view.revoked.len(), view.roles.len())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, View> {
        self.view.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, View> {
        self.view.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks a validated token at `now` (Unix seconds of the flow clock).
    pub(crate) fn check(&self, claims: &AccessClaims) -> Verdict {
        let generation = self.generation.load(Ordering::Acquire);
        if generation & STALE != 0 {
            return Verdict::Stale;
        }
        if generation == 0 {
            return Verdict::Unsynced;
        }
        if claims.revocation_memo.get() == generation {
            return Verdict::Live(None);
        }
        let view = self.read();
        if view.revoked.contains_key(&claims.sid) || view.revoked.contains_key(&claims.sub) {
            return Verdict::Revoked;
        }
        let role = view
            .roles
            .get(&claims.sub)
            .filter(|entry| entry.role != claims.role)
            .map(|entry| entry.role.clone());
        drop(view);
        if role.is_none() {
            claims.revocation_memo.set(generation);
        }
        Verdict::Live(role)
    }

    /// Applies a revocation this instance just made, before the feed brings it back.
    pub(crate) fn revoke_session(&self, session_id: SessionId, now: i64) {
        self.write().revoked.insert(session_id, now + self.horizon);
        self.bump();
    }

    /// Reads the feed from where the last read ended and applies what it finds.
    pub(crate) async fn sync(&self, store: &dyn Store, now: i64) -> Result<(), StoreError> {
        let mut cursor = self.cursor.lock().await;
        let mut changed = false;
        loop {
            let after = cursor.after(Instant::now());
            let page = store.revocations_since(after, PAGE).await?;
            let full = page.len() == PAGE as usize;
            changed |= self.apply(&mut cursor, &page, now);
            if !full {
                break;
            }
        }
        self.prune(now);
        drop(cursor);
        self.succeeded(changed);
        Ok(())
    }

    /// Applies records; whether the view changed.
    fn apply(&self, cursor: &mut Cursor, records: &[RevocationRecord], now: i64) -> bool {
        if records.is_empty() {
            return false;
        }
        let seen = Instant::now();
        let mut view = self.write();
        let mut changed = false;
        for record in records {
            cursor.saw(record.seq, seen);
            let until = record.at.unix_timestamp().saturating_add(self.horizon);
            if until < now {
                continue;
            }
            match &record.what {
                Revoked::Session(session_id) => {
                    changed |= view.revoked.insert(*session_id, until).is_none();
                }
                Revoked::Account => {
                    changed |= view.revoked.insert(record.user_id, until).is_none();
                }
                Revoked::Role(role) => {
                    let newer = view
                        .roles
                        .get(&record.user_id)
                        .is_none_or(|entry| entry.seq < record.seq);
                    if newer {
                        let entry = RoleEntry {
                            role: role.clone(),
                            seq: record.seq,
                            until,
                        };
                        view.roles.insert(record.user_id, entry);
                        changed = true;
                    }
                }
            }
        }
        changed
    }

    /// Drops entries no token can need any more.
    fn prune(&self, now: i64) {
        if now - self.read().pruned_at < VIEW_PRUNE_EVERY {
            return;
        }
        let mut view = self.write();
        view.revoked.retain(|_, until| *until >= now);
        view.roles.retain(|_, entry| entry.until >= now);
        view.pruned_at = now;
    }

    fn bump(&self) {
        let _ = self
            .generation
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |g| {
                Some(((g & !STALE) + 1) | (g & STALE))
            });
    }

    /// Records a successful read: the view is fresh (again).
    fn succeeded(&self, changed: bool) {
        let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        health.last_ok = Some(Instant::now());
        if let Some(since) = health.failing_since.take() {
            tracing::info!(
                target: "authkit::revocation",
                after_ms = since.elapsed().as_millis() as u64,
                "revocation feed read again"
            );
        }
        let _ = self
            .generation
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |g| {
                let fresh = g & !STALE;
                // A change, a first read or a recovery all invalidate every memo.
                Some(if changed || fresh == 0 || g & STALE != 0 {
                    fresh + 1
                } else {
                    fresh
                })
            });
    }

    /// Records a failed read; fails closed once the last good read is older than the bound.
    pub(crate) fn failed(&self, why: &dyn fmt::Display) {
        let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if health.failing_since.is_none() {
            health.failing_since = Some(now);
            tracing::warn!(target: "authkit::revocation", error = %why, "revocation feed read failed");
        }
        let bound = std_duration(self.feed.max_staleness);
        let too_old = health
            .last_ok
            .is_none_or(|ok| now.duration_since(ok) > bound);
        if too_old && self.generation.fetch_or(STALE, Ordering::AcqRel) & STALE == 0 {
            tracing::error!(
                target: "authkit::revocation",
                error = %why,
                bound_ms = bound.as_millis() as u64,
                "revocation view is stale: failing closed until the feed can be read"
            );
        }
    }
}

/// A `time::Duration` as a `std` one (negative as zero).
pub(crate) fn std_duration(d: time::Duration) -> StdDuration {
    StdDuration::try_from(d).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn record(seq: i64, session: Option<Uuid>, role: Option<&str>, at: i64) -> RevocationRecord {
        let what = match (session, role) {
            (Some(sid), _) => Revoked::Session(sid),
            (None, Some(role)) => Revoked::Role(Role::new(role).unwrap()),
            (None, None) => Revoked::Account,
        };
        RevocationRecord {
            seq,
            user_id: Uuid::from_u128(7),
            what,
            at: OffsetDateTime::from_unix_timestamp(at).unwrap(),
        }
    }

    fn claims(sid: Uuid, role: &str) -> AccessClaims {
        AccessClaims {
            iss: "i".into(),
            aud: "a".into(),
            sub: Uuid::from_u128(7),
            sid,
            role: Role::new(role).unwrap(),
            iat: 1000,
            nbf: 1000,
            exp: 1900,
            jti: Uuid::now_v7(),
            revocation_memo: CheckMemo::default(),
        }
    }

    fn synced() -> Revocations {
        let r = Revocations::new(RevocationFeed::default(), 910).unwrap();
        r.succeeded(false);
        r
    }

    #[test]
    fn a_gap_in_seq_is_read_again_until_it_fills_or_times_out() {
        let mut cursor = Cursor::default();
        let t = Instant::now();
        cursor.saw(1, t);
        cursor.saw(2, t);
        assert_eq!(cursor.after(t), 2);
        cursor.saw(5, t);
        assert_eq!(cursor.after(t), 2, "3 and 4 may still commit");
        cursor.saw(3, t);
        assert_eq!(cursor.after(t), 3);
        cursor.saw(4, t);
        assert_eq!(cursor.after(t), 5);
        cursor.saw(7, t);
        assert_eq!(
            cursor.after(t + GAP_PATIENCE),
            7,
            "a gap is given up after a while"
        );
    }

    #[test]
    fn an_unread_view_asks_to_be_read_and_a_revoked_session_is_refused() {
        let r = Revocations::new(RevocationFeed::default(), 910).unwrap();
        let sid = Uuid::now_v7();
        assert_eq!(r.check(&claims(sid, "user")), Verdict::Unsynced);
        r.succeeded(false);
        assert_eq!(r.check(&claims(sid, "user")), Verdict::Live(None));
        let mut cursor = Cursor::default();
        assert!(r.apply(&mut cursor, &[record(1, Some(sid), None, 1000)], 1000));
        r.bump();
        assert_eq!(r.check(&claims(sid, "user")), Verdict::Revoked);
        assert_eq!(
            r.check(&claims(Uuid::now_v7(), "user")),
            Verdict::Live(None)
        );
    }

    #[test]
    fn a_memoised_token_is_checked_again_after_a_change() {
        let r = synced();
        let sid = Uuid::now_v7();
        let token = claims(sid, "user");
        assert_eq!(r.check(&token), Verdict::Live(None));
        r.revoke_session(sid, 1000);
        assert_eq!(r.check(&token), Verdict::Revoked, "the memo is outdated");
    }

    #[test]
    fn the_newest_role_change_wins_and_overrides_the_token() {
        let r = synced();
        let mut cursor = Cursor::default();
        let sid = Uuid::now_v7();
        r.apply(&mut cursor, &[record(2, None, Some("user"), 1000)], 1000);
        r.apply(&mut cursor, &[record(1, None, Some("admin"), 999)], 1000);
        r.bump();
        assert_eq!(
            r.check(&claims(sid, "admin")),
            Verdict::Live(Some(Role::user()))
        );
        assert_eq!(r.check(&claims(sid, "user")), Verdict::Live(None));
    }

    #[test]
    fn entries_are_dropped_once_no_token_can_need_them() {
        let r = synced();
        let mut cursor = Cursor::default();
        let old = Uuid::now_v7();
        let fresh = Uuid::now_v7();
        r.apply(
            &mut cursor,
            &[
                record(1, Some(old), None, 0),
                record(2, Some(fresh), None, 1000),
            ],
            1000,
        );
        assert_eq!(r.len(), (1, 0), "a record past its horizon is not applied");
        r.prune(1000 + 910 + VIEW_PRUNE_EVERY + 1);
        assert_eq!(r.len(), (0, 0));
    }

    #[test]
    fn a_view_that_cannot_be_read_fails_closed_after_the_bound_only() {
        let feed = RevocationFeed {
            max_staleness: time::Duration::milliseconds(300),
            poll_interval: time::Duration::milliseconds(100),
            ..RevocationFeed::default()
        };
        let r = Revocations::new(feed, 910).unwrap();
        r.succeeded(false);
        let token = claims(Uuid::now_v7(), "user");
        r.failed(&"connection refused");
        assert_eq!(r.check(&token), Verdict::Live(None), "within the bound");
        std::thread::sleep(StdDuration::from_millis(350));
        r.failed(&"connection refused");
        assert_eq!(r.check(&token), Verdict::Stale);
        r.succeeded(false);
        assert_eq!(r.check(&token), Verdict::Live(None));
    }
}
