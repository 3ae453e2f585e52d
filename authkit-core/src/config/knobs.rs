//! The settings that are more than one value: session checking, the revocation feed, login
//! throttling.

use time::Duration;

/// Whether extracting an access token also checks that its session is still live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionCheck {
    /// A token is valid until `exp` (at most the access TTL after a logout). No I/O per request.
    #[default]
    Stateless,
    /// Every authenticated request also checks the session in the store; results are cached
    /// in-process for `cache_ttl` (a logout on this instance clears its entry at once).
    Store {
        /// How long a session's liveness is cached.
        cache_ttl: Duration,
    },
}

/// How an instance learns what other instances revoked: the [revocation
/// feed](crate::revocation). Every authenticated request is checked against an in-memory view of
/// it, with no I/O; the view is refreshed in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevocationFeed {
    /// Where the view comes from (default [`FeedMode::Auto`]).
    pub mode: FeedMode,
    /// How often the feed is read (default 1 s; 100 ms to 60 s). With a push subscription
    /// (PostgreSQL) a revocation arrives at once and this is the safety net.
    pub poll_interval: Duration,
    /// How long the view may go without a successful read before the instance fails closed
    /// (default 10 s; more than `poll_interval`, at most 10 min).
    pub max_staleness: Duration,
    /// What a request authenticated against a stale view gets (default
    /// [`StaleAnswer::Unavailable`]).
    pub when_stale: StaleAnswer,
}

impl Default for RevocationFeed {
    fn default() -> Self {
        Self {
            mode: FeedMode::Auto,
            poll_interval: Duration::seconds(1),
            max_staleness: Duration::seconds(10),
            when_stale: StaleAnswer::Unavailable,
        }
    }
}

/// Where the revocation view comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeedMode {
    /// Pushed where the store can push (PostgreSQL `LISTEN`/`NOTIFY`), polled as well.
    #[default]
    Auto,
    /// Polled only.
    Poll,
    /// No view: an access token stays valid until `exp` whatever happens to its session or
    /// account, and a role change shows only after the next refresh. Only for services that
    /// accept that window.
    Off,
}

impl FeedMode {
    /// Parses `auto`, `poll` or `off`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "auto" => Some(Self::Auto),
            "poll" => Some(Self::Poll),
            "off" => Some(Self::Off),
            _ => None,
        }
    }
}

/// The answer to a request when the revocation view could not be refreshed for longer than
/// [`RevocationFeed::max_staleness`]: never a silent pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StaleAnswer {
    /// 503 `unavailable` (clients retry later).
    #[default]
    Unavailable,
    /// 401 `invalid_access_token` (clients refresh, which needs the database too).
    Unauthorized,
}

/// Failed-login throttling: after `free_attempts` consecutive failures for one identifier, each
/// further attempt waits `base_delay * 2^(failures - free_attempts)`, capped at `max_delay`.
/// Never a permanent lock: the counter restarts after `reset_after` without failures, and a
/// successful login clears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Failures allowed before the back-off starts (default 5).
    pub free_attempts: u32,
    /// The first delay (default 1 s).
    pub base_delay: Duration,
    /// The longest delay (default 15 min).
    pub max_delay: Duration,
    /// A quiet period after which the counter restarts (default 24 h).
    pub reset_after: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            free_attempts: 5,
            base_delay: Duration::seconds(1),
            max_delay: Duration::minutes(15),
            reset_after: Duration::hours(24),
        }
    }
}

impl LoginThrottle {
    /// How long an identifier with `failures` consecutive failures must wait after the last one.
    pub fn delay_after(&self, failures: u32) -> Duration {
        if failures < self.free_attempts {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free_attempts).min(30);
        let delay = self.base_delay.saturating_mul(1i32 << doublings);
        delay.min(self.max_delay)
    }
}
