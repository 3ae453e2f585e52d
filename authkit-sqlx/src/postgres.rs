//! PostgreSQL: the production backend, safe for several app instances on one database.
//!
//! Every single-use operation is a conditional `UPDATE` whose row lock makes concurrent
//! attempts wait and then re-check the condition (READ COMMITTED), so exactly one wins across
//! any number of pools and processes. Transactions that lose a deadlock or a serialization
//! check (40P01, 40001) are run again.

use async_trait::async_trait;
use authkit_core::store::{RevocationListener, StoreError};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool};

use crate::StoreOptions;
use crate::error::store_error;
use crate::options::{open_pool, parse_url};

/// The channel the `revocations` insert trigger notifies (see the migration).
const REVOCATION_CHANNEL: &str = "authkit_revocations";

/// The embedded migrations (`migrations/postgres`).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The authkit store on PostgreSQL.
///
/// The tables live in the connection's `search_path` (normally `public`); to give authkit its
/// own schema, create it and set `search_path` with
/// [`PgConnectOptions::options`](sqlx::postgres::PgConnectOptions::options) and
/// [`PgStore::connect_with`].
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:5432/database`, `postgresql://…`).
    /// The password never appears in errors or `Debug` output.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let connect: PgConnectOptions = parse_url(url)?;
        Ok(Self::from_pool(
            open_pool(connect, &options, Some(url)).await?,
        ))
    }

    /// Connects with sqlx's connect options (e.g. to set `search_path` or TLS settings).
    pub async fn connect_with(
        connect: PgConnectOptions,
        options: StoreOptions,
    ) -> Result<Self, StoreError> {
        Ok(Self::from_pool(open_pool(connect, &options, None).await?))
    }

    /// A store on a pool you configured.
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The pool, for your own queries (e.g. reading `auth_events`).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The length of `sql` once every `?` is replaced by `$1`, `$2`, ...
pub(crate) const fn numbered_len(sql: &str) -> usize {
    let bytes = sql.as_bytes();
    let (mut i, mut n, mut len) = (0, 0, 0);
    while i < bytes.len() {
        if bytes[i] == b'?' {
            n += 1;
            len += 1 + digits(n);
        } else {
            len += 1;
        }
        i += 1;
    }
    len
}

/// `sql` with every `?` replaced by `$1`, `$2`, ... (`N` is [`numbered_len`]).
pub(crate) const fn numbered<const N: usize>(sql: &str) -> [u8; N] {
    let bytes = sql.as_bytes();
    let mut out = [0u8; N];
    let (mut i, mut o, mut n) = (0, 0, 0);
    while i < bytes.len() {
        if bytes[i] == b'?' {
            n += 1;
            out[o] = b'$';
            o += 1;
            let width = digits(n);
            let (mut k, mut v) = (width, n);
            while k > 0 {
                out[o + k - 1] = b'0' + (v % 10) as u8;
                v /= 10;
                k -= 1;
            }
            o += width;
        } else {
            out[o] = bytes[i];
            o += 1;
        }
        i += 1;
    }
    out
}

const fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// Rewrites SQL written with `?` placeholders into PostgreSQL's `$1, $2, ...`, at compile time.
macro_rules! dollar_numbered {
    ($sql:expr) => {{
        const SQL: &str = $sql;
        const LEN: usize = crate::postgres::numbered_len(SQL);
        const BYTES: [u8; LEN] = crate::postgres::numbered::<LEN>(SQL);
        match std::str::from_utf8(&BYTES) {
            Ok(sql) => sql,
            Err(_) => panic!("placeholder rewriting produced invalid UTF-8"),
        }
    }};
}

/// PostgreSQL's statements.
pub(crate) mod sql {
    portable_sql!(dollar_numbered);
    prune_sql!(postgres);

    /// Pruning runs at READ COMMITTED, the default; `SKIP LOCKED` keeps instances apart.
    pub(crate) const PRUNE_ISOLATION: Option<&str> = None;

    /// Whether an earlier release's migration history table exists (a count, 0 or 1).
    pub(crate) const LEGACY_HISTORY_EXISTS: &str =
        "SELECT COUNT(*) FROM pg_catalog.pg_class WHERE oid = to_regclass('_sqlx_migrations')";

    /// READ COMMITTED; the conditional updates provide the single winner.
    pub(crate) const BEGIN: &str = "BEGIN";

    /// One atomic upsert returning the new count; binds: key, now, reset_before.
    pub(crate) const RECORD_LOGIN_FAILURE: &str = "INSERT INTO login_failures \
         (throttle_key, failures, last_failure_at) VALUES ($1, 1, $2) \
         ON CONFLICT (throttle_key) DO UPDATE SET \
         failures = CASE WHEN login_failures.last_failure_at < $3 THEN 1 \
         ELSE login_failures.failures + 1 END, \
         last_failure_at = excluded.last_failure_at \
         RETURNING failures";
    pub(crate) const RECORD_LOGIN_FAILURE_RETURNS_COUNT: bool = true;

    /// A pending authenticator, unless a confirmed one exists: one upsert whose update branch
    /// matches a pending row only, so it counts 0 rows against a confirmed one. Binds: user id,
    /// sealed secret, created_at.
    pub(crate) const BEGIN_TOTP: &str = "INSERT INTO totp_credentials \
         (user_id, sealed_secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET \
         sealed_secret = excluded.sealed_secret, created_at = excluded.created_at \
         WHERE totp_credentials.confirmed_at IS NULL";
    pub(crate) const BEGIN_TOTP_COUNTS: bool = true;

    /// The user's password hash, its row held until commit: unlinks of one user queue.
    pub(crate) const LOCK_USER_PASSWORD: &str =
        "SELECT password_hash FROM users WHERE id = $1 FOR UPDATE";

    /// PostgreSQL answers an `UPDATE` with `RETURNING`: a rotation is one statement.
    pub(crate) const UPDATE_RETURNING: bool = true;
}

/// Subscribes to the `revocations` trigger's notices on a connection of its own.
async fn listen(pool: &PgPool) -> Result<Option<Box<dyn RevocationListener>>, StoreError> {
    let mut listener = PgListener::connect_with(pool).await.map_err(store_error)?;
    listener
        .listen(REVOCATION_CHANNEL)
        .await
        .map_err(store_error)?;
    Ok(Some(Box::new(PgRevocations(listener))))
}

/// A `LISTEN authkit_revocations` connection.
struct PgRevocations(PgListener);

#[async_trait]
impl RevocationListener for PgRevocations {
    async fn notified(&mut self) -> Result<(), StoreError> {
        match self.0.try_recv().await {
            Ok(Some(_)) => {
                // One read covers every notice that arrived meanwhile.
                while self.0.next_buffered().is_some() {}
                Ok(())
            }
            // The connection is gone: the caller reads the feed and subscribes again.
            Ok(None) => Err(StoreError::Unavailable(
                "the revocation subscription lost its connection".into(),
            )),
            Err(error) => Err(store_error(error)),
        }
    }
}

impl_store! {
    store: PgStore,
    database: sqlx::Postgres,
    sql: sql,
    backend: crate::Backend::Postgres,
    migrator: MIGRATOR,
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(
            dollar_numbered!("UPDATE t SET a = ?, b = ? WHERE c = ?"),
            "UPDATE t SET a = $1, b = $2 WHERE c = $3"
        );
        const MANY: &str = dollar_numbered!("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        assert_eq!(MANY, "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
        assert_eq!(super::sql::DELETE_USER, "DELETE FROM users WHERE id = $1");
    }
}
