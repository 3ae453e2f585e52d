//! MySQL 8 and MariaDB 10.6+ (InnoDB).
//!
//! Tables are `utf8mb4` with the binary collation `utf8mb4_bin`, so comparisons are exact as on
//! the other backends (a `_ci` collation would equate `josé` and `jose`). sqlx connects with
//! the `FOUND_ROWS` capability: an `UPDATE` reports the rows it matched, which is what the
//! single-use checks count. The failed-login upsert (`ON DUPLICATE KEY UPDATE`) runs in a
//! transaction with the read of the new count, which its row lock makes exact. Transactions
//! that lose a deadlock (1213) or a lock wait (1205) are run again.
//!
//! One difference remains: `utf8mb4_bin` is a PAD SPACE collation on MySQL and MariaDB, so
//! `'a'` equals `'a '` in a comparison. authkit's canonical e-mails and usernames are trimmed,
//! so no stored value ends in a space and lookups by canonical form are unaffected.

use authkit_core::store::StoreError;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool};

use crate::StoreOptions;
use crate::options::{open_pool, parse_url};

/// The embedded migrations (`migrations/mysql`).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/mysql");

/// The authkit store on MySQL or MariaDB.
pub struct MySqlStore {
    pool: MySqlPool,
}

impl MySqlStore {
    /// Connects to `url` (`mysql://user:password@host:3306/database`, `mariadb://…`).
    /// The password never appears in errors or `Debug` output.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let connect: MySqlConnectOptions = parse_url(url)?;
        Ok(Self::from_pool(
            open_pool(connect, &options, Some(url)).await?,
        ))
    }

    /// Connects with sqlx's connect options (e.g. TLS settings).
    pub async fn connect_with(
        connect: MySqlConnectOptions,
        options: StoreOptions,
    ) -> Result<Self, StoreError> {
        Ok(Self::from_pool(open_pool(connect, &options, None).await?))
    }

    /// A store on a pool you configured.
    pub fn from_pool(pool: MySqlPool) -> Self {
        Self { pool }
    }

    /// The pool, for your own queries (e.g. reading `auth_events`).
    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }
}

/// MySQL's statements.
pub(crate) mod sql {
    portable_sql!(verbatim);
    prune_sql!(mysql);

    /// Pruning deletes at READ COMMITTED: no gap locks, and rows that do not match are not
    /// kept locked while the statement scans on.
    pub(crate) const PRUNE_ISOLATION: Option<&str> =
        Some("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");

    /// Whether an earlier release's migration history table exists (a count, 0 or 1).
    pub(crate) const LEGACY_HISTORY_EXISTS: &str = "SELECT COUNT(*) FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_name = '_sqlx_migrations'";

    /// InnoDB's default REPEATABLE READ; every single-use step is a locking `UPDATE`, which
    /// reads the latest committed row, not the snapshot.
    pub(crate) const BEGIN: &str = "BEGIN";

    /// The upsert; the count is read after it in the same transaction. Binds: key, now,
    /// reset_before. (`failures` is assigned first, so it sees the old `last_failure_at`.)
    pub(crate) const RECORD_LOGIN_FAILURE: &str = "INSERT INTO login_failures \
         (throttle_key, failures, last_failure_at) VALUES (?, 1, ?) \
         ON DUPLICATE KEY UPDATE \
         failures = IF(last_failure_at < ?, 1, failures + 1), \
         last_failure_at = VALUES(last_failure_at)";
    /// MySQL/MariaDB have no `UPDATE … RETURNING`: a rotation updates, then reads the row, in one transaction.
    pub(crate) const UPDATE_RETURNING: bool = false;
    pub(crate) const RECORD_LOGIN_FAILURE_RETURNS_COUNT: bool = false;

    /// The enrolment upsert (there is no `ON CONFLICT … WHERE`): a pending row takes the new
    /// secret, a confirmed one keeps its own; whether the row is pending is read after it in
    /// the same transaction, under its row lock. Binds: user id, sealed secret, created_at.
    pub(crate) const BEGIN_TOTP: &str = "INSERT INTO totp_credentials \
         (user_id, sealed_secret, created_at) VALUES (?, ?, ?) \
         ON DUPLICATE KEY UPDATE \
         sealed_secret = IF(confirmed_at IS NULL, VALUES(sealed_secret), sealed_secret), \
         created_at = IF(confirmed_at IS NULL, VALUES(created_at), created_at)";
    pub(crate) const BEGIN_TOTP_COUNTS: bool = false;

    /// The user's password hash, its row held until commit: unlinks of one user queue.
    pub(crate) const LOCK_USER_PASSWORD: &str =
        "SELECT password_hash FROM users WHERE id = ? FOR UPDATE";
}

/// No push on MySQL/MariaDB: the revocation feed is polled.
async fn listen(
    _pool: &sqlx::Pool<sqlx::MySql>,
) -> Result<Option<Box<dyn authkit_core::store::RevocationListener>>, StoreError> {
    Ok(None)
}

impl_store! {
    store: MySqlStore,
    database: sqlx::MySql,
    sql: sql,
    backend: crate::Backend::MySql,
    migrator: MIGRATOR,
}
