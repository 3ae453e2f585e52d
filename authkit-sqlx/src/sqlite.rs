//! SQLite: the embedded default. One file (or memory), no server.
//!
//! Connections are opened with foreign keys on (deleting a user cascades), a 5 s busy timeout,
//! and, for files, the WAL journal (readers never block the writer) with `synchronous=NORMAL`.
//! Every write transaction starts with `BEGIN IMMEDIATE`, so it takes the write lock up front
//! and never fails on a read-to-write lock upgrade; SQLite serialises writers, which is what
//! makes every single-use operation single-winner here. `LIKE` is made case-sensitive
//! (`PRAGMA case_sensitive_like`), as on the other backends.

use std::time::Duration;

use authkit_core::store::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

use crate::StoreOptions;
use crate::error::connect_error;
use crate::options::parse_url;

/// The embedded migrations (`migrations/sqlite`).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a connection waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The authkit store on SQLite.
///
/// ```
/// use authkit_sqlx::{SqlStore, SqliteStore, StoreOptions};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = SqliteStore::connect("sqlite::memory:", StoreOptions::default()).await?;
/// store.migrate().await?;
/// authkit_core::store::Store::ping(&store).await?;
/// # Ok::<(), authkit_core::store::StoreError>(())
/// # }).unwrap();
/// ```
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens the database at `url` (`sqlite://path/to/file.db`, `sqlite::memory:`).
    ///
    /// A file is created if missing unless the URL sets `mode=` itself (e.g. `mode=rw`). An
    /// in-memory database lives in one connection, kept open for the life of the store: other
    /// connections would each see their own empty database.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut connect = parse_url::<SqliteConnectOptions>(url)?
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("case_sensitive_like", "ON");
        let mut pool = options.pool_options();
        if in_memory {
            pool = pool
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        } else {
            connect = connect
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal);
            if !url.contains("mode=") {
                connect = connect.create_if_missing(true);
            }
        }
        let pool = pool
            .connect_with(connect)
            .await
            .map_err(|e| connect_error(e, url))?;
        Ok(Self::from_pool(pool))
    }

    /// A store on a pool you configured. Keep foreign keys on (sqlx's default): deleting a user
    /// relies on `ON DELETE CASCADE`. Set a busy timeout, and `PRAGMA case_sensitive_like = ON`
    /// if the admin search must match exactly as on the other backends ([`connect`](Self::connect)
    /// does both).
    pub fn from_pool(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// The pool, for your own queries (e.g. reading `auth_events`).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// SQLite's statements.
pub(crate) mod sql {
    portable_sql!(verbatim);
    prune_sql!(sqlite);

    /// Pruning runs at the default isolation (writers are serialised anyway).
    pub(crate) const PRUNE_ISOLATION: Option<&str> = None;

    /// Whether an earlier release's migration history table exists (a count, 0 or 1).
    pub(crate) const LEGACY_HISTORY_EXISTS: &str =
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'";

    /// Write transactions take the write lock up front.
    pub(crate) const BEGIN: &str = "BEGIN IMMEDIATE";

    /// One atomic upsert returning the new count; binds: key, now, reset_before.
    pub(crate) const RECORD_LOGIN_FAILURE: &str = "INSERT INTO login_failures \
         (throttle_key, failures, last_failure_at) VALUES (?, 1, ?) \
         ON CONFLICT (throttle_key) DO UPDATE SET \
         failures = CASE WHEN login_failures.last_failure_at < ? THEN 1 \
         ELSE login_failures.failures + 1 END, \
         last_failure_at = excluded.last_failure_at \
         RETURNING failures";
    /// SQLite answers an `UPDATE` with `RETURNING`: a rotation is one statement.
    pub(crate) const UPDATE_RETURNING: bool = true;
    pub(crate) const RECORD_LOGIN_FAILURE_RETURNS_COUNT: bool = true;

    /// A pending authenticator, unless a confirmed one exists: one upsert whose update branch
    /// matches a pending row only, so it counts 0 rows against a confirmed one. Binds: user id,
    /// sealed secret, created_at.
    pub(crate) const BEGIN_TOTP: &str = "INSERT INTO totp_credentials \
         (user_id, sealed_secret, created_at) VALUES (?, ?, ?) \
         ON CONFLICT (user_id) DO UPDATE SET \
         sealed_secret = excluded.sealed_secret, created_at = excluded.created_at \
         WHERE totp_credentials.confirmed_at IS NULL";
    pub(crate) const BEGIN_TOTP_COUNTS: bool = true;

    /// The user's password hash, read first by an unlink (writers are serialised already).
    pub(crate) const LOCK_USER_PASSWORD: &str = "SELECT password_hash FROM users WHERE id = ?";
}

/// No push on SQLite: the revocation feed is polled.
async fn listen(
    _pool: &sqlx::Pool<sqlx::Sqlite>,
) -> Result<Option<Box<dyn authkit_core::store::RevocationListener>>, StoreError> {
    Ok(None)
}

impl_store! {
    store: SqliteStore,
    database: sqlx::Sqlite,
    sql: sql,
    backend: crate::Backend::Sqlite,
    migrator: MIGRATOR,
}
