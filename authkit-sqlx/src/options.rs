//! Pool settings shared by every backend.

use std::time::Duration;

/// Connection-pool settings.
///
/// The acquire timeout is what keeps a saturated database from hanging requests: when every
/// connection is busy for longer than [`acquire_timeout`](Self::acquire_timeout), the call fails
/// with [`StoreError::Unavailable`](authkit_core::store::StoreError::Unavailable) (an adapter
/// answers 503) instead of queueing forever.
///
/// ```
/// use std::time::Duration;
/// use authkit_sqlx::StoreOptions;
///
/// let options = StoreOptions::default()
///     .max_connections(20)
///     .acquire_timeout(Duration::from_secs(2));
/// assert_eq!(options.max_connections, 20);
/// assert_eq!(StoreOptions::default().acquire_timeout, Duration::from_secs(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreOptions {
    /// Most connections the pool opens. Default 10. (An in-memory SQLite database always uses
    /// exactly one: every connection would otherwise see its own empty database.)
    pub max_connections: u32,
    /// Connections kept open even when idle. Default 0.
    pub min_connections: u32,
    /// How long a call waits for a free connection before failing as unavailable. Default 3 s.
    pub acquire_timeout: Duration,
    /// Idle connections beyond `min_connections` are closed after this long. Default 10 min.
    pub idle_timeout: Option<Duration>,
    /// Connections are replaced after this long. Default 30 min.
    pub max_lifetime: Option<Duration>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(3),
            idle_timeout: Some(Duration::from_secs(10 * 60)),
            max_lifetime: Some(Duration::from_secs(30 * 60)),
        }
    }
}

impl StoreOptions {
    /// Sets [`max_connections`](Self::max_connections) (at least 1).
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Sets [`min_connections`](Self::min_connections).
    pub fn min_connections(mut self, min: u32) -> Self {
        self.min_connections = min;
        self
    }

    /// Sets [`acquire_timeout`](Self::acquire_timeout).
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Sets [`idle_timeout`](Self::idle_timeout); `None` keeps idle connections.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`max_lifetime`](Self::max_lifetime); `None` keeps connections forever.
    pub fn max_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.max_lifetime = lifetime;
        self
    }

    /// The sqlx pool options these settings describe.
    pub(crate) fn pool_options<DB: sqlx::Database>(&self) -> sqlx::pool::PoolOptions<DB> {
        sqlx::pool::PoolOptions::new()
            .max_connections(self.max_connections.max(1))
            .min_connections(self.min_connections.min(self.max_connections.max(1)))
            .acquire_timeout(self.acquire_timeout)
            .idle_timeout(self.idle_timeout)
            .max_lifetime(self.max_lifetime)
    }
}

/// A pool over `connect` with `options`. A failure names `url`, if the caller connected by
/// one, without its password.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) async fn open_pool<DB: sqlx::Database>(
    connect: <DB::Connection as sqlx::Connection>::Options,
    options: &StoreOptions,
    url: Option<&str>,
) -> Result<sqlx::Pool<DB>, authkit_core::store::StoreError> {
    options
        .pool_options()
        .connect_with(connect)
        .await
        .map_err(|e| match url {
            Some(url) => crate::error::connect_error(e, url),
            None => crate::error::connect_failure(e),
        })
}

/// `url` read as a backend's connect options; a failure names it without its password.
pub(crate) fn parse_url<O>(url: &str) -> Result<O, authkit_core::store::StoreError>
where
    O: std::str::FromStr<Err = sqlx::Error>,
{
    O::from_str(url).map_err(|e| crate::error::connect_error(e, url))
}
