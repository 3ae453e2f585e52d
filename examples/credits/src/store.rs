//! The credits tables and every change to them.
//!
//! Two tables live next to authkit's, in the same database:
//!
//! - `credit_balances (user_id, balance)`: one row per user who ever received credits, with a
//!   foreign key to `users` (deleting the user deletes the balance) and `CHECK (balance >= 0)`
//!   as a last line of defence. A user without a row has a balance of 0.
//! - `credit_ledger (id, user_id, amount, kind, balance_after, actor_id, note, created_at)`:
//!   append-only, one row per successful change; `amount` is signed (negative for `use`),
//!   `actor_id` is who made the change (the user for `use`, the admin for `add`), `created_at`
//!   is Unix microseconds. Like authkit's `auth_events`, it has no foreign key: the ledger
//!   outlives a deleted user.
//!
//! ## Why a balance can never go below zero
//! Spending is one conditional statement, `UPDATE … SET balance = balance - ? WHERE user_id = ?
//! AND balance >= ?`, whose affected-row count says whether it happened; the ledger row is
//! written in the same transaction. Every backend evaluates that `WHERE` against the latest
//! committed row while holding its lock (SQLite: the write lock, taken up front with
//! `BEGIN IMMEDIATE`; PostgreSQL: READ COMMITTED re-check; InnoDB: locking read), so of N
//! concurrent spends exactly as many succeed as the balance covers. Adding credits is an
//! upsert (`ON CONFLICT … DO UPDATE` / `ON DUPLICATE KEY UPDATE`), race-free whether or not the
//! row exists; a user id that names no account fails the foreign key and is reported as
//! [`CreditsError::UnknownUser`].
//!
//! The ledger id (UUID v7) and time are taken after the balance row is locked, so one user's
//! entries are ordered by id exactly as they were applied; listing pages by `id < cursor`.
//!
//! ## Layout
//! The flow is written once (`flows!` below) and instantiated per backend by `store/sqlite.rs`,
//! `store/postgres.rs` and `store/mysql.rs`, which hold only their SQL. Transactions that lose
//! a deadlock or find SQLite busy are run again a few times.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use authkit_sqlx::retry::with_retries;
use sqlx::mysql::{MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::SqliteSynchronous;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use uuid::Uuid;

/// The largest amount one `use` or `add` may move.
pub const MAX_AMOUNT: i64 = 1_000_000;

/// The longest note (in characters) a ledger entry may carry.
pub const MAX_NOTE_CHARS: usize = 200;

/// How long a request waits for a free connection before the store reports
/// [`CreditsError::Unavailable`].
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long SQLite waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// What a ledger entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The user spent credits (`amount` is negative).
    Use,
    /// An admin added credits (`amount` is positive).
    Add,
}

impl Kind {
    /// The kind as stored and as it appears on the wire: `use` or `add`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Use => "use",
            Self::Add => "add",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "use" => Some(Self::Use),
            "add" => Some(Self::Add),
            _ => None,
        }
    }
}

/// One row of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry's id (UUID v7: one user's entries sort by id in the order they were applied).
    pub id: Uuid,
    /// Whose balance changed.
    pub user_id: Uuid,
    /// The signed change: negative for [`Kind::Use`], positive for [`Kind::Add`].
    pub amount: i64,
    /// What happened.
    pub kind: Kind,
    /// The balance right after this change.
    pub balance_after: i64,
    /// Who made the change: the user for [`Kind::Use`], the admin for [`Kind::Add`].
    pub actor_id: Uuid,
    /// The note given with the change, if any.
    pub note: Option<String>,
    /// When it was applied, in microseconds since the Unix epoch (UTC).
    pub created_at: i64,
}

/// Why a store call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CreditsError {
    /// The balance does not cover the amount; nothing changed.
    InsufficientCredits {
        /// The balance when the spend was refused.
        balance: i64,
        /// The amount asked for.
        requested: i64,
    },
    /// The user id names no account.
    UnknownUser,
    /// The amount is not in `1..=MAX_AMOUNT`, or the note is longer than [`MAX_NOTE_CHARS`].
    InvalidInput(&'static str),
    /// The database URL cannot be used (unknown scheme, in-memory SQLite).
    Config(String),
    /// The database is unreachable or every connection is busy: retry later.
    Unavailable(sqlx::Error),
    /// Any other database failure (for logs; never shown to clients).
    Database(sqlx::Error),
}

impl fmt::Display for CreditsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InsufficientCredits { balance, requested } => {
                write!(
                    f,
                    "insufficient credits: balance {balance}, requested {requested}"
                )
            }
            Self::UnknownUser => f.write_str("no such user"),
            Self::InvalidInput(why) => f.write_str(why),
            Self::Config(why) => f.write_str(why),
            Self::Unavailable(e) => write!(f, "database unavailable: {e}"),
            Self::Database(e) => write!(f, "database failure: {e}"),
        }
    }
}

impl std::error::Error for CreditsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unavailable(e) | Self::Database(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for CreditsError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => Self::UnknownUser,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(error)
            }
            _ => Self::Database(error),
        }
    }
}

/// A change to apply: who, how much (positive), what, by whom.
struct Change<'a> {
    user_id: Uuid,
    amount: i64,
    kind: Kind,
    actor_id: Uuid,
    note: Option<&'a str>,
}

/// What applying a change did.
enum Applied {
    /// The change is committed, with its ledger entry.
    Done(Entry),
    /// A spend the balance did not cover; rolled back.
    Short {
        /// The balance that was too low.
        balance: i64,
    },
}

/// The flow of every operation, instantiated in each backend module with its SQL constants
/// (`MIGRATOR`, `BEGIN`, `BALANCE`, `SPEND`, `CREDIT`, `INSERT_ENTRY`, `LIST`).
macro_rules! flows {
    ($pool:ty) => {
        use uuid::Uuid;

        use super::{Applied, Change, Entry, Kind, micros_now};

        type Row = (Uuid, Uuid, i64, String, i64, Uuid, Option<String>, i64);

        pub(super) async fn create_schema(pool: &$pool) -> Result<(), sqlx::Error> {
            MIGRATOR.run(pool).await.map_err(sqlx::Error::from)
        }

        pub(super) async fn balance(pool: &$pool, user_id: Uuid) -> Result<i64, sqlx::Error> {
            let row: Option<(i64,)> = sqlx::query_as(BALANCE)
                .bind(user_id)
                .fetch_optional(pool)
                .await?;
            Ok(row.map_or(0, |(balance,)| balance))
        }

        pub(super) async fn apply(
            pool: &$pool,
            change: &Change<'_>,
        ) -> Result<Applied, sqlx::Error> {
            let mut tx = pool.begin_with(BEGIN).await?;
            // The first statement locks the balance row (or, for a spend, finds nothing to do).
            let changed = match change.kind {
                Kind::Use => sqlx::query(SPEND)
                    .bind(change.amount)
                    .bind(change.user_id)
                    .bind(change.amount)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
                Kind::Add => sqlx::query(CREDIT)
                    .bind(change.user_id)
                    .bind(change.amount)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
            };
            let balance_after: Option<(i64,)> = sqlx::query_as(BALANCE)
                .bind(change.user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let balance_after = balance_after.map_or(0, |(balance,)| balance);
            if changed == 0 {
                tx.rollback().await?;
                return Ok(Applied::Short {
                    balance: balance_after,
                });
            }
            // Taken under the row lock: one user's entries sort by id as they were applied.
            let entry = Entry {
                id: Uuid::now_v7(),
                user_id: change.user_id,
                amount: match change.kind {
                    Kind::Use => -change.amount,
                    Kind::Add => change.amount,
                },
                kind: change.kind,
                balance_after,
                actor_id: change.actor_id,
                note: change.note.map(str::to_owned),
                created_at: micros_now(),
            };
            sqlx::query(INSERT_ENTRY)
                .bind(entry.id)
                .bind(entry.user_id)
                .bind(entry.amount)
                .bind(entry.kind.as_str())
                .bind(entry.balance_after)
                .bind(entry.actor_id)
                .bind(entry.note.as_deref())
                .bind(entry.created_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Applied::Done(entry))
        }

        pub(super) async fn list(
            pool: &$pool,
            user_id: Uuid,
            before: Uuid,
            limit: i64,
        ) -> Result<Vec<Entry>, sqlx::Error> {
            let rows: Vec<Row> = sqlx::query_as(LIST)
                .bind(user_id)
                .bind(before)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.into_iter()
                .map(
                    |(id, user_id, amount, kind, balance_after, actor_id, note, created_at)| {
                        let kind = Kind::parse(&kind).ok_or_else(|| {
                            sqlx::Error::Decode(format!("unknown ledger kind {kind:?}").into())
                        })?;
                        Ok(Entry {
                            id,
                            user_id,
                            amount,
                            kind,
                            balance_after,
                            actor_id,
                            note,
                            created_at,
                        })
                    },
                )
                .collect()
        }
    };
}

mod mysql;
mod postgres;
mod sqlite;

/// The credits store: a pool on the database authkit uses, on any of its three backends.
/// Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct CreditStore {
    db: Db,
}

#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    MySql(MySqlPool),
}

/// Runs `$flow` of the backend module that matches the pool.
macro_rules! dispatch {
    ($self:ident, $flow:ident($($arg:expr),*)) => {
        match &$self.db {
            Db::Sqlite(pool) => sqlite::$flow(pool, $($arg),*).await,
            Db::Postgres(pool) => postgres::$flow(pool, $($arg),*).await,
            Db::MySql(pool) => mysql::$flow(pool, $($arg),*).await,
        }
    };
}

impl fmt::Debug for CreditStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the URL: it may hold a password.
        let backend = match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
            Db::MySql(_) => "mysql",
        };
        f.debug_struct("CreditStore")
            .field("backend", &backend)
            .finish_non_exhaustive()
    }
}

impl CreditStore {
    /// Opens a pool on `database_url`, the same `DATABASE_URL` authkit uses: `sqlite://…`,
    /// `postgres://…` (`postgresql://`) or `mysql://…` (`mariadb://`).
    ///
    /// An in-memory SQLite URL is refused: it would be a database of its own, without
    /// authkit's `users`. Errors never contain the URL.
    pub async fn connect(database_url: &str) -> Result<Self, CreditsError> {
        let scheme = database_url
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        let db = match scheme.as_deref() {
            Some("sqlite") => {
                if database_url.contains(":memory:") || database_url.contains("mode=memory") {
                    return Err(CreditsError::Config(
                        "an in-memory SQLite database cannot be shared with authkit: \
                         use a file (sqlite://credits.db)"
                            .into(),
                    ));
                }
                let mut options = SqliteConnectOptions::from_str(database_url)
                    .map_err(CreditsError::Database)?
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal);
                if !database_url.contains("mode=") {
                    options = options.create_if_missing(true);
                }
                Db::Sqlite(
                    SqlitePoolOptions::new()
                        .acquire_timeout(ACQUIRE_TIMEOUT)
                        .connect_with(options)
                        .await?,
                )
            }
            Some("postgres" | "postgresql") => Db::Postgres(
                PgPoolOptions::new()
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect(database_url)
                    .await?,
            ),
            Some("mysql" | "mariadb") => Db::MySql(
                MySqlPoolOptions::new()
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect(database_url)
                    .await?,
            ),
            _ => {
                return Err(CreditsError::Config(
                    "the database URL must start with sqlite:, postgres: or mysql:".into(),
                ));
            }
        };
        Ok(Self { db })
    }

    /// Applies the credits migrations that are not applied yet (sqlx's `_sqlx_migrations`
    /// table; authkit records its own in `_authkit_migrations`, so neither migrator sees the
    /// other's). Call it at every start, after authkit's migrations (the balances refer to
    /// `users`). Instances starting together take turns on sqlx's migration lock.
    pub async fn migrate(&self) -> Result<(), CreditsError> {
        Ok(dispatch!(self, create_schema())?)
    }

    /// `user_id`'s balance: 0 for a user who never had credits.
    pub async fn balance(&self, user_id: Uuid) -> Result<i64, CreditsError> {
        Ok(dispatch!(self, balance(user_id))?)
    }

    /// Spends `amount` (1 to [`MAX_AMOUNT`]) of `user_id`'s credits, atomically with its ledger
    /// entry. Of any number of concurrent spends, exactly as many succeed as the balance
    /// covers; the others fail with [`CreditsError::InsufficientCredits`] and change nothing.
    pub async fn spend(
        &self,
        user_id: Uuid,
        amount: i64,
        note: Option<&str>,
    ) -> Result<Entry, CreditsError> {
        let change = Change {
            user_id,
            amount,
            kind: Kind::Use,
            actor_id: user_id,
            note,
        };
        self.change(&change).await
    }

    /// Adds `amount` (1 to [`MAX_AMOUNT`]) to `user_id`'s balance on behalf of `admin_id`,
    /// creating the balance if needed. [`CreditsError::UnknownUser`] when no account has
    /// that id.
    pub async fn add(
        &self,
        user_id: Uuid,
        amount: i64,
        admin_id: Uuid,
        note: Option<&str>,
    ) -> Result<Entry, CreditsError> {
        let change = Change {
            user_id,
            amount,
            kind: Kind::Add,
            actor_id: admin_id,
            note,
        };
        self.change(&change).await
    }

    /// `user_id`'s ledger, newest first: at most `limit` entries older than the entry
    /// `before` (from the start when `None`).
    pub async fn transactions(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Entry>, CreditsError> {
        let before = before.unwrap_or(Uuid::max());
        let limit = i64::from(limit);
        Ok(dispatch!(self, list(user_id, before, limit))?)
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
            Db::MySql(pool) => pool.close().await,
        }
    }

    async fn change(&self, change: &Change<'_>) -> Result<Entry, CreditsError> {
        if !(1..=MAX_AMOUNT).contains(&change.amount) {
            return Err(CreditsError::InvalidInput(
                "amount must be a whole number from 1 to 1000000",
            ));
        }
        if change
            .note
            .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
        {
            return Err(CreditsError::InvalidInput(
                "note must be at most 200 characters",
            ));
        }
        let applied = with_retries(|| async { dispatch!(self, apply(change)) }).await?;
        match applied {
            Applied::Done(entry) => Ok(entry),
            Applied::Short { balance } => Err(CreditsError::InsufficientCredits {
                balance,
                requested: change.amount,
            }),
        }
    }
}

/// Now, in microseconds since the Unix epoch.
fn micros_now() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_stored_text() {
        for kind in [Kind::Use, Kind::Add] {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("refund"), None);
    }

    #[tokio::test]
    async fn unusable_database_urls_are_refused_with_a_reason() {
        let err = CreditStore::connect("sqlite::memory:").await.unwrap_err();
        assert!(matches!(err, CreditsError::Config(_)), "{err}");
        let err = CreditStore::connect("oracle://db").await.unwrap_err();
        assert!(
            err.to_string().contains("sqlite:, postgres: or mysql:"),
            "{err}"
        );
    }
}
