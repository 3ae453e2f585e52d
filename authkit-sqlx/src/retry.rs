//! Running a transaction again when it lost a deadlock or a serialization check.
//!
//! Every store method runs its transaction through [`with_retries`]. It is public so that an
//! application writing its own tables in the same database (as `examples/credits` does) retries
//! exactly as authkit does instead of copying the rule:
//!
//! ```no_run
//! # #[cfg(feature = "sqlite")]
//! # async fn spend(pool: &authkit_sqlx::sqlx::SqlitePool) -> Result<(), authkit_sqlx::sqlx::Error> {
//! use authkit_sqlx::retry::with_retries;
//!
//! with_retries(|| async {
//!     let mut tx = pool.begin().await?;
//!     authkit_sqlx::sqlx::query("UPDATE balances SET credits = credits - 1 WHERE user_id = 1")
//!         .execute(&mut *tx)
//!         .await?;
//!     tx.commit().await
//! })
//! .await
//! # }
//! ```

use std::future::Future;
use std::hash::BuildHasher;
use std::time::Duration;

/// Whether an error means "this transaction lost a race, run it again": a deadlock or
/// serialization failure (SQLSTATE 40001 on PostgreSQL and MySQL, 40P01 on PostgreSQL), a MySQL
/// lock-wait timeout (1205), or SQLite's busy/locked codes once its busy timeout is spent.
fn is_transient(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = error else {
        return false;
    };
    #[cfg(feature = "mysql")]
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        && matches!(my.number(), 1205 | 1213)
    {
        return true;
    }
    #[cfg(feature = "sqlite")]
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // SQLITE_BUSY, SQLITE_LOCKED and their extended codes (BUSY_RECOVERY,
        // LOCKED_SHAREDCACHE, BUSY_SNAPSHOT, BUSY_TIMEOUT).
        return matches!(
            db.code().as_deref(),
            Some("5" | "6" | "261" | "262" | "517" | "773")
        );
    }
    matches!(db.code().as_deref(), Some("40001" | "40P01"))
}

/// Attempts of a transaction that keeps losing deadlocks before the error is returned.
pub const ATTEMPTS: u32 = 8;

/// Runs `op` (a whole transaction, or one statement) and runs it again when it failed with a
/// deadlock or serialization failure, with a short randomised back-off. Everything else is
/// returned as is.
pub async fn with_retries<T, F, Fut>(mut op: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Err(error) if attempt < ATTEMPTS && is_transient(&error) => {
                tracing::debug!(target: "authkit::sqlx", attempt, %error, "retrying a transaction that lost a race");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// 1-2 ms, 2-4 ms, 4-8 ms, ... capped at 64 ms: random, so the losers do not collide again.
fn backoff(attempt: u32) -> Duration {
    let base_us = 1000u64 << attempt.min(6).saturating_sub(1);
    let jitter = std::collections::hash_map::RandomState::new().hash_one(attempt) % base_us;
    Duration::from_micros(base_us + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::store_error;
    use crate::error::tests::failure;
    use authkit_core::store::StoreError;

    #[tokio::test]
    async fn a_transaction_that_lost_a_deadlock_runs_again() {
        let mut attempts = 0;
        let outcome = with_retries(|| {
            attempts += 1;
            let result = match attempts {
                1 => Err(failure("40P01")),
                2 => Err(failure("40001")),
                _ => Ok(attempts),
            };
            async move { result }
        })
        .await;
        assert_eq!(outcome.unwrap(), 3);
    }

    #[tokio::test]
    async fn other_failures_are_not_retried_and_deadlocks_not_forever() {
        let mut attempts = 0;
        let outcome: Result<(), _> = with_retries(|| {
            attempts += 1;
            async { Err(failure("23503")) }
        })
        .await;
        assert!(outcome.is_err());
        assert_eq!(attempts, 1);

        let mut attempts = 0;
        let outcome: Result<(), _> = with_retries(|| {
            attempts += 1;
            async { Err(failure("40P01")) }
        })
        .await;
        assert!(matches!(
            store_error(outcome.unwrap_err()),
            StoreError::Backend(_)
        ));
        assert_eq!(attempts, ATTEMPTS);
    }
}
