//! Per-client request limits: a token bucket per IP, in process.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before idle ones are swept.
const SWEEP_AT: usize = 50_000;

/// Allows `per_minute` requests per client IP, refilled continuously, with bursts up to the
/// same number. In-process: each instance counts its own clients (the login throttle, which
/// guards accounts, is shared through the store instead).
///
/// ```
/// use std::time::Instant;
/// use authkit_core::http::RateLimiter;
///
/// let limiter = RateLimiter::new(2);
/// let ip = "192.0.2.1".parse().unwrap();
/// let now = Instant::now();
/// assert!(limiter.check(ip, now).is_ok());
/// assert!(limiter.check(ip, now).is_ok());
/// let wait = limiter.check(ip, now).unwrap_err();
/// assert_eq!(wait.as_secs(), 30);
/// ```
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// A limiter of `per_minute` requests per IP; 0 turns it off.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the limiter is on.
    pub fn is_enabled(&self) -> bool {
        self.per_minute > 0
    }

    /// Takes one request from `ip`'s bucket, or says how long until one is available.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() * per_second
                    < capacity
            });
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_limited_per_ip_and_refilled_over_time() {
        let limiter = RateLimiter::new(5);
        let (a, b) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..5 {
            limiter.check(a, t0).unwrap();
        }
        let wait = limiter.check(a, t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(12));
        limiter
            .check(b, t0)
            .expect("another client has its own bucket");
        limiter
            .check(a, t0 + Duration::from_secs(12))
            .expect("one request refilled after 12 s");
        assert!(limiter.check(a, t0 + Duration::from_secs(12)).is_err());
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = RateLimiter::new(0);
        let ip = "192.0.2.1".parse().unwrap();
        let now = Instant::now();
        assert!((0..1000).all(|_| limiter.check(ip, now).is_ok()));
    }
}
