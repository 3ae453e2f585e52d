//! Deleting rows that have ended: sessions, one-time tokens, failed-login counters, old events
//! and old revocation records, in bounded batches ([`Auth::prune`]).
//!
//! Nothing deletes them otherwise (but the revocation feed's own records), so a service runs
//! this now and then: the example apps every hour (`AUTHKIT_PRUNE_INTERVAL`), or a scheduled
//! job. Every instance may run it at once: each row is deleted by one of them.
//!
//! Deleting an ended row changes no answer: a refresh token of a deleted session is
//! `invalid_refresh_token` as it was once the session ended, an access token of a deleted
//! session is refused under [`SessionCheck::Store`](crate::SessionCheck::Store) exactly as one
//! of a revoked session, a deleted one-time token is `invalid_token` as a used or expired one,
//! and a counter is deleted only once it no longer throttles.

use std::fmt;

use time::Duration;

use super::Auth;
use super::feed::revocations_prunable_before;
use crate::config::ConfigError;
use crate::error::AuthError;
use crate::store::PruneTarget;

/// How long ended rows are kept and how many are deleted per statement; see [`Auth::prune`].
///
/// ```
/// use authkit_core::PrunePolicy;
/// use time::Duration;
///
/// let policy = PrunePolicy::default();
/// assert_eq!(policy.session_retention(), Duration::days(1));
/// assert_eq!(policy.event_retention(), Duration::days(90));
/// assert_eq!(policy.batch_size(), 1_000);
///
/// let policy = PrunePolicy::new(Duration::hours(6), Duration::days(365), 500)?;
/// assert_eq!(policy.batch_size(), 500);
///
/// let err = PrunePolicy::new(Duration::hours(-1), Duration::days(90), 500).unwrap_err();
/// assert_eq!(err.setting, "session_retention");
/// # Ok::<(), authkit_core::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrunePolicy {
    session_retention: Duration,
    event_retention: Duration,
    batch_size: u32,
}

impl Default for PrunePolicy {
    /// Ended sessions and one-time tokens kept a day, events 90 days, 1,000 rows per batch.
    fn default() -> Self {
        Self {
            session_retention: Duration::days(1),
            event_retention: Duration::days(90),
            batch_size: 1_000,
        }
    }
}

impl PrunePolicy {
    /// A policy keeping ended sessions and one-time tokens for `session_retention` after they
    /// ended, events for `event_retention` after they were recorded, deleting at most
    /// `batch_size` rows per statement. Fails on a negative retention or a batch of 0.
    pub fn new(
        session_retention: Duration,
        event_retention: Duration,
        batch_size: u32,
    ) -> Result<Self, ConfigError> {
        if session_retention.is_negative() {
            return Err(ConfigError::new(
                "session_retention",
                "must not be negative",
            ));
        }
        if event_retention.is_negative() {
            return Err(ConfigError::new("event_retention", "must not be negative"));
        }
        if batch_size == 0 {
            return Err(ConfigError::new("batch_size", "must be at least 1"));
        }
        Ok(Self {
            session_retention,
            event_retention,
            batch_size,
        })
    }

    /// How long a session or one-time token is kept after it ended (revoked, expired or
    /// consumed).
    pub fn session_retention(&self) -> Duration {
        self.session_retention
    }

    /// How long an event is kept after it was recorded.
    pub fn event_retention(&self) -> Duration {
        self.event_retention
    }

    /// At most this many rows are deleted per statement.
    pub fn batch_size(&self) -> u32 {
        self.batch_size
    }
}

/// How many rows one [`Auth::prune`] deleted, per kind. Its `Display` is one line for logs:
/// `sessions=3 one_time_tokens=1 login_failures=0 events=120 revocations=2`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PruneReport {
    /// Ended sessions (with their refresh tokens).
    pub sessions: u64,
    /// Expired or consumed one-time tokens.
    pub one_time_tokens: u64,
    /// Failed-login counters that no longer throttle.
    pub login_failures: u64,
    /// Events older than the retention.
    pub events: u64,
    /// Revocation records older than any access token they could concern.
    pub revocations: u64,
}

impl PruneReport {
    /// The count of one store target.
    pub fn count(&self, target: PruneTarget) -> u64 {
        match target {
            PruneTarget::Sessions => self.sessions,
            PruneTarget::OneTimeTokens => self.one_time_tokens,
            PruneTarget::LoginFailures => self.login_failures,
            PruneTarget::Events => self.events,
        }
    }

    /// Every row deleted.
    pub fn total(&self) -> u64 {
        self.sessions + self.one_time_tokens + self.login_failures + self.events + self.revocations
    }

    fn add(&mut self, target: PruneTarget, deleted: u64) {
        let count = match target {
            PruneTarget::Sessions => &mut self.sessions,
            PruneTarget::OneTimeTokens => &mut self.one_time_tokens,
            PruneTarget::LoginFailures => &mut self.login_failures,
            PruneTarget::Events => &mut self.events,
        };
        *count += deleted;
    }
}

impl fmt::Display for PruneReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for target in PruneTarget::ALL {
            write!(f, "{}={} ", target.as_str(), self.count(target))?;
        }
        write!(f, "revocations={}", self.revocations)
    }
}

impl Auth {
    /// Deletes what has ended, in batches of at most [`PrunePolicy::batch_size`] rows, batch
    /// after batch until one comes back short (yielding between batches), and reports how many
    /// rows of each kind went. "Now" is the service's clock. What goes:
    ///
    /// - sessions revoked or expired (idle or absolute) more than
    ///   [`session_retention`](PrunePolicy::session_retention) ago, and one-time tokens
    ///   expired or consumed that long ago;
    /// - failed-login counters whose last failure is older than the throttle's quiet period
    ///   ([`LoginThrottle::reset_after`](crate::LoginThrottle::reset_after)): such a counter
    ///   throttles nothing and would restart at 1;
    /// - events older than [`event_retention`](PrunePolicy::event_retention);
    /// - revocation records older than an access token's lifetime and leeway (which the
    ///   revocation feed also deletes, when it runs).
    ///
    /// A live session or token is never deleted, however old. Safe on several instances at
    /// once. Stops at the first store error; the rows deleted before it stay deleted.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use authkit_core::{Auth, AuthConfig, PrunePolicy};
    /// use authkit_core::memory::MemoryStore;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let config = AuthConfig::builder().hs256_secret("x".repeat(32)).build()?;
    /// let auth = Auth::builder(config, Arc::new(MemoryStore::new())).build();
    /// let report = auth.prune(&PrunePolicy::default()).await?;
    /// assert_eq!(report.total(), 0);
    /// assert_eq!(
    ///     report.to_string(),
    ///     "sessions=0 one_time_tokens=0 login_failures=0 events=0 revocations=0"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn prune(&self, policy: &PrunePolicy) -> Result<PruneReport, AuthError> {
        let now = self.now();
        let c = &self.inner.config;
        let store = &self.inner.store;
        let mut report = PruneReport::default();
        for target in PruneTarget::ALL {
            let before = now - cutoff_age(target, policy, c.throttle.reset_after);
            loop {
                let deleted = store.prune(target, before, policy.batch_size).await?;
                report.add(target, deleted);
                if deleted < u64::from(policy.batch_size) {
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
        report.revocations = store
            .prune_revocations(revocations_prunable_before(c, now))
            .await?;
        Ok(report)
    }
}

/// How long ago a row of `target` must have ended to go.
fn cutoff_age(target: PruneTarget, policy: &PrunePolicy, throttle_reset: Duration) -> Duration {
    match target {
        PruneTarget::Sessions | PruneTarget::OneTimeTokens => policy.session_retention,
        PruneTarget::LoginFailures => throttle_reset,
        PruneTarget::Events => policy.event_retention,
    }
}
