//! [`PruneStore`](authkit_core::store::PruneStore): deleting ended rows in bounded batches, with
//! the statements it runs.
//!
//! A batch is one `DELETE` per way a row can end (a session: revoked, past its absolute
//! expiry, past its idle expiry), each limited to what is left of the batch, so every
//! statement scans one index range (the migration `20261204000000_pruning` adds them) and
//! never more than the batch. The bounded `DELETE` differs per backend:
//!
//! - PostgreSQL: `DELETE … WHERE key = ANY(ARRAY(SELECT key … LIMIT n FOR UPDATE SKIP
//!   LOCKED))`, so two instances pruning at once take disjoint rows instead of waiting on each
//!   other. (`ARRAY(…)` rather than `IN (…)`: with `IN`, the generic plan of the prepared
//!   statement joins against a sequential scan of the whole table; with `ANY` it looks the
//!   keys up in the primary key.)
//! - MySQL/MariaDB: `DELETE … LIMIT n`, at READ COMMITTED, so the scan leaves no gap locks
//!   behind to hold up logins (a concurrent prune waits for the rows it meets, then skips them
//!   as gone);
//! - SQLite: `DELETE … WHERE rowid IN (SELECT rowid … LIMIT n)` (writers are serialised).
//!
//! The idle expiry has no index on purpose: a rotation moves it, and an index on it would
//! make every rotation write an index entry (on PostgreSQL, no longer a HOT update). Its
//! statement runs last in a batch and scans `sessions`, stopping at the batch's bound.

/// A `DELETE` of at most `?` (the last bind) rows of `$table` matching `$condition`, in the
/// backend's form. `$key` is the table's primary key (PostgreSQL's subquery selects it).
macro_rules! bounded_delete {
    (sqlite, $table:literal, $key:literal, $condition:literal) => {
        concat!(
            "DELETE FROM ",
            $table,
            " WHERE rowid IN (SELECT rowid FROM ",
            $table,
            " WHERE ",
            $condition,
            " LIMIT ?)"
        )
    };
    (mysql, $table:literal, $key:literal, $condition:literal) => {
        concat!("DELETE FROM ", $table, " WHERE ", $condition, " LIMIT ?")
    };
    (postgres, $table:literal, $key:literal, $condition:literal) => {
        dollar_numbered!(concat!(
            "DELETE FROM ",
            $table,
            " WHERE ",
            $key,
            " = ANY(ARRAY(SELECT ",
            $key,
            " FROM ",
            $table,
            " WHERE ",
            $condition,
            " LIMIT ? FOR UPDATE SKIP LOCKED))"
        ))
    };
}

/// The pruning statements of a backend (`sqlite`, `mysql` or `postgres`), each binding the
/// cutoff, then the limit. Per target, in the order they run.
macro_rules! prune_sql {
    ($backend:ident) => {
        pub(crate) const PRUNE_SESSIONS: [&str; 3] = [
            bounded_delete!($backend, "sessions", "id", "revoked_at < ?"),
            bounded_delete!($backend, "sessions", "id", "expires_at < ?"),
            bounded_delete!($backend, "sessions", "id", "idle_expires_at < ?"),
        ];
        pub(crate) const PRUNE_ONE_TIME_TOKENS: [&str; 2] = [
            bounded_delete!($backend, "one_time_tokens", "hash", "expires_at < ?"),
            bounded_delete!($backend, "one_time_tokens", "hash", "consumed_at < ?"),
        ];
        pub(crate) const PRUNE_LOGIN_FAILURES: [&str; 1] = [bounded_delete!(
            $backend,
            "login_failures",
            "throttle_key",
            "last_failure_at < ?"
        )];
        pub(crate) const PRUNE_EVENTS: [&str; 1] =
            [bounded_delete!($backend, "auth_events", "id", "at < ?")];
    };
}

/// `PruneStore` for a backend's store, expanded by [`impl_store!`] inside its `store_impl` module.
macro_rules! impl_prune_store {
    ($store:ident, $db:ty, $sql:ident) => {
        impl $store {
            /// One bounded `DELETE`: how many rows it deleted.
            async fn prune_once(
                &self,
                statement: &'static str,
                before: i64,
                limit: u32,
            ) -> Result<u64, sqlx::Error> {
                let mut conn = self.pool.acquire().await?;
                if let Some(isolation) = $sql::PRUNE_ISOLATION {
                    // Applies to the next transaction only: the `DELETE` below.
                    sqlx::raw_sql(isolation).execute(&mut *conn).await?;
                }
                sqlx::query(statement)
                    .bind(before)
                    .bind(i64::from(limit))
                    .execute(&mut *conn)
                    .await
                    .map(|done| done.rows_affected())
            }
        }

        #[async_trait]
        impl PruneStore for $store {
            async fn prune(
                &self,
                target: PruneTarget,
                before: OffsetDateTime,
                limit: u32,
            ) -> Result<u64, StoreError> {
                let statements: &[&'static str] = match target {
                    PruneTarget::Sessions => &$sql::PRUNE_SESSIONS,
                    PruneTarget::OneTimeTokens => &$sql::PRUNE_ONE_TIME_TOKENS,
                    PruneTarget::LoginFailures => &$sql::PRUNE_LOGIN_FAILURES,
                    PruneTarget::Events => &$sql::PRUNE_EVENTS,
                };
                let before = micros(before);
                let mut deleted = 0u64;
                for &statement in statements {
                    let left = u64::from(limit).saturating_sub(deleted);
                    if left == 0 {
                        break;
                    }
                    let left = u32::try_from(left).expect("at most `limit`");
                    deleted += with_retries(|| self.prune_once(statement, before, left))
                        .await
                        .map_err(store_error)?;
                }
                Ok(deleted)
            }
        }
    };
}
