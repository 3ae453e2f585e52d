//! Time, injectable: every flow asks a [`Clock`], so expiry is tested without sleeping.

use std::fmt;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use time::{Duration, OffsetDateTime};

/// A source of the current time.
///
/// Flows and stores never read the system time themselves: they take `now` from the
/// [`Auth`](crate::Auth) service's clock, so a test can move time forward with [`ManualClock`].
/// Times are truncated to whole microseconds, the precision every supported database keeps.
pub trait Clock: Send + Sync + 'static {
    /// The current time, UTC.
    fn now(&self) -> OffsetDateTime;

    /// The current time in whole Unix seconds (rounded down): all an access-token check
    /// needs, on every request. The default derives it from [`now`](Self::now).
    fn unix_seconds(&self) -> i64 {
        self.now().unix_timestamp()
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        truncate_to_micros(OffsetDateTime::now_utc())
    }

    /// Read straight from the system time, without building a calendar date.
    fn unix_seconds(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            Err(_) => OffsetDateTime::now_utc().unix_timestamp(),
        }
    }
}

/// A clock that only moves when told to: for tests.
///
/// ```
/// use authkit_core::{Clock, ManualClock};
/// use time::Duration;
///
/// let clock = ManualClock::new(time::macros::datetime!(2030-01-01 00:00 UTC));
/// let before = clock.now();
/// clock.advance(Duration::hours(1));
/// assert_eq!(clock.now() - before, Duration::hours(1));
/// ```
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(truncate_to_micros(start)),
        }
    }

    /// A clock stopped at the current system time.
    pub fn starting_now() -> Self {
        Self::new(OffsetDateTime::now_utc())
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = truncate_to_micros(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ManualClock").field(&self.now()).finish()
    }
}

/// Drops sub-microsecond precision, so a time read back from a database equals the one written.
pub fn truncate_to_micros(t: OffsetDateTime) -> OffsetDateTime {
    let nanos = t.nanosecond();
    t.replace_nanosecond(nanos - nanos % 1_000)
        .expect("a whole number of microseconds is a valid nanosecond value")
        .to_offset(time::UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_agree_with_now() {
        let before = OffsetDateTime::now_utc().unix_timestamp();
        let seconds = SystemClock.unix_seconds();
        let after = OffsetDateTime::now_utc().unix_timestamp();
        assert!(
            (before..=after).contains(&seconds),
            "{before} {seconds} {after}"
        );

        let manual = ManualClock::new(time::macros::datetime!(2030-01-01 00:00:00.999 UTC));
        assert_eq!(manual.unix_seconds(), 1_893_456_000);
        manual.advance(Duration::milliseconds(1));
        assert_eq!(manual.unix_seconds(), 1_893_456_001);
    }
}
