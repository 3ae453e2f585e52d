//! # authkit-sqlx
//!
//! authkit's storage traits ([`authkit_core::store`]) on [sqlx](https://docs.rs/sqlx), plus
//! an [`EventSink`] that keeps the audit trail in an `auth_events` table. One implementation,
//! three backends, each behind its own cargo feature:
//!
//! | backend | feature | store | URL |
//! |---|---|---|---|
//! | SQLite (embedded, the default) | `sqlite` (default) | [`SqliteStore`] | `sqlite://authkit.db`, `sqlite::memory:` |
//! | PostgreSQL (production) | `postgres` | [`PgStore`] | `postgres://user:pass@host/db` |
//! | MySQL 8 / MariaDB 10.6+ | `mysql` | [`MySqlStore`] | `mysql://user:pass@host/db`, `mariadb://…` |
//!
//! `tls` adds TLS for the PostgreSQL/MySQL connections (rustls).
//!
//! ## Quick start
//! ```
//! use std::sync::Arc;
//! use authkit_core::{Auth, AuthConfig};
//! use authkit_sqlx::{SqlStore, StoreOptions};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! // The backend is chosen by the URL's scheme.
//! let store = authkit_sqlx::connect("sqlite::memory:", StoreOptions::default()).await?;
//! store.migrate().await?; // idempotent: run it at every start
//!
//! let config = AuthConfig::builder()
//!     .hs256_secret("x".repeat(32))
//!     # .hash_params(authkit_core::password::HashParams::insecure_fast_for_tests())
//!     .build()?;
//! let auth = Auth::builder(config, store.clone()) // the storage traits ...
//!     .events(store) // ... and the audit trail, in `auth_events`
//!     .build();
//! auth.store().ping().await?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! ## Migrations
//! Each backend's schema is embedded in the binary (`migrations/<backend>/*.sql`) and applied
//! by one call, [`SqlStore::migrate`]: it creates what is missing and does nothing when the
//! schema is current, so call it at every start. The applied versions are recorded in
//! authkit's own table, `_authkit_migrations` ([`MIGRATIONS_TABLE`]), so the application's own
//! sqlx migrations (in sqlx's default `_sqlx_migrations`) share the database: either may run
//! first, and neither migrator sees the other's history as missing. A history that an earlier
//! release left in `_sqlx_migrations` is moved on the first `migrate()` (see [`migrations`]).
//! On PostgreSQL and MySQL the migrator holds a database-wide lock (`pg_advisory_lock`,
//! `GET_LOCK`) while it works, so instances starting together migrate once, one after the
//! other. [`SqlStore::migrator`] hands the same migrations to an application's own tooling.
//!
//! ## Several instances on one PostgreSQL
//! Point every instance at the same database (and schema) and let each call `migrate()` at
//! start. Nothing is kept in process memory: sessions, refresh tokens, one-time tokens, second
//! factors and the failed-login counters all live in the database, and every "exactly one
//! winner" promise of the storage traits is a conditional `UPDATE` checked by its affected-row
//! count, never a read followed by a write. Whichever instance a request reaches, a refresh
//! token rotates once, a reset link works once, a TOTP code and a recovery code are accepted
//! once, and failed logins count across instances. Size each instance's pool
//! ([`StoreOptions::max_connections`]) so that the instances together stay under the server's
//! `max_connections`.
//!
//! ## Guarantees per backend
//! | guarantee | SQLite | PostgreSQL | MySQL/MariaDB |
//! |---|---|---|---|
//! | single-winner refresh rotation, one-time token consumption, TOTP step, recovery code | yes: writers are serialised (`BEGIN IMMEDIATE`) | yes: row locks, READ COMMITTED re-check | yes: locking `UPDATE` (latest row, not the snapshot) |
//! | credential change (password, e-mail, token, sessions) all or nothing | yes | yes | yes |
//! | exact failed-login counts under concurrency | yes: one `ON CONFLICT … RETURNING` | yes: one `ON CONFLICT … RETURNING` | yes: `ON DUPLICATE KEY UPDATE` + read, in one transaction |
//! | a TOTP enrolment never replaces a confirmed authenticator | yes: one `ON CONFLICT … DO UPDATE … WHERE` | yes: one `ON CONFLICT … DO UPDATE … WHERE` | yes: `ON DUPLICATE KEY UPDATE` keeping a confirmed row + read, in one transaction |
//! | unique e-mail/username → [`StoreError::Conflict`] | yes | yes | yes |
//! | several processes | on one host, same file (no network file systems) | yes | yes |
//!
//! Transactions that lose a deadlock or serialization check (or find SQLite busy after its 5 s
//! busy timeout) are retried a few times with a short random back-off.
//!
//! ## Decisions
//! - **Times** are `BIGINT` microseconds since the Unix epoch, UTC, on every backend: exact,
//!   comparable in SQL, free of time-zone settings. authkit's clock truncates to microseconds.
//! - **Ids** are UUID v7: `UUID` on PostgreSQL, 16-byte `BLOB`/`BINARY(16)` elsewhere. Their bytes
//!   sort by creation time, so the admin list pages by `id > cursor ORDER BY id`.
//! - **Token hashes** (SHA-256, never the token) are 32 raw bytes: the primary key of
//!   `one_time_tokens`, with the user's id that of `recovery_codes`, and in `sessions` the
//!   hashes of the current refresh token, of the one the last rotation retired and of the one
//!   a grace-window retry displaced.
//! - **A rotation is one update of one row**: a refresh token starts with its session's
//!   selector (16 random bytes, `sessions.refresh_selector`, unique), so the session is found
//!   by an index that never changes and the update rewrites only that row (on PostgreSQL a HOT
//!   update: `sessions` keeps 20% of each page free for it). Nothing accumulates per rotation.
//!   Upgrading from the schema before this one (separate `refresh_tokens` rows) ends the
//!   sessions that were live, recorded in the revocation feed: their users sign in again.
//! - **Unique** canonical e-mail and username: indexes `users_email_canonical_key` and
//!   `users_username_canonical_key`; a violation is reported as the field it names.
//! - **Saturation fails fast**: when no connection frees up within
//!   [`StoreOptions::acquire_timeout`] (3 s by default), calls fail with
//!   [`StoreError::Unavailable`] (an adapter answers 503) rather than hang. Unreachable servers
//!   are `Unavailable` too.
//! - **No secrets in output**: a store's `Debug` shows the backend and pool size, and errors
//!   never contain the connection URL or its password.
//! - `auth_events` has no foreign key: the audit trail outlives deleted users.
//!
//! ## Layout
//! `store/` holds the one implementation of every trait, a file per trait with its statements
//! (the flow of a rotation, a credential change, a pruning batch), and `sql.rs` the SQL that reads the same on every backend; `rows.rs` maps
//! rows to the core's types, `codec.rs` encodes times and patterns, `error.rs` classifies driver
//! errors, and [`retry`] runs again a transaction that lost a race (public, for applications
//! that write to the same database). `sqlite.rs`, `postgres.rs` and `mysql.rs` hold only what
//! differs (connect options, placeholders, the failed-login upsert); `migrations/<backend>/`
//! the schemas.
//!
//! ## Pruning
//! Ended rows stay until pruned: [`PruneStore::prune`](authkit_core::store::PruneStore::prune)
//! deletes revoked and expired sessions, expired and consumed one-time tokens, quiet
//! failed-login counters and old `auth_events` in bounded batches (PostgreSQL: `FOR UPDATE
//! SKIP LOCKED`, so instances pruning at once take disjoint rows; MySQL: `DELETE … LIMIT` at
//! READ COMMITTED; SQLite: by `rowid`), each batch an index range scan (the idle expiry
//! apart, which has no index so that rotations stay one cheap row update). Call it through
//! [`Auth::prune`](authkit_core::Auth::prune), which applies the retention of a
//! [`PrunePolicy`](authkit_core::PrunePolicy) and runs batch after batch; the example apps do
//! so every hour.
//!
//! ## What it does not do
//! It never deletes old rows on its own schedule (the revocation feed's records apart): run
//! [`Auth::prune`](authkit_core::Auth::prune) from a background task or a scheduled job. It
//! does not create databases or schemas.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The backend table links every store; a build without some backends lacks their types.
#![cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(rustdoc::broken_intra_doc_links)
)]
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code, unused_imports, unused_macros)
)]

mod codec;
mod error;
pub mod migrations;
mod options;
pub mod retry;
mod rows;
#[macro_use]
mod sql;
#[macro_use]
mod store;

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use authkit_core::events::EventSink;
use authkit_core::store::{Store, StoreError};

pub use migrations::{MIGRATIONS_TABLE, MigrationReport};
#[cfg(feature = "mysql")]
pub use mysql::MySqlStore;
pub use options::StoreOptions;
#[cfg(feature = "postgres")]
pub use postgres::PgStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
/// The sqlx this crate is built on, for [`SqliteStore::from_pool`] and friends.
pub use sqlx;

/// A database backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite (feature `sqlite`).
    Sqlite,
    /// PostgreSQL (feature `postgres`).
    Postgres,
    /// MySQL or MariaDB (feature `mysql`).
    MySql,
}

impl Backend {
    /// The backend's name, which is also the cargo feature that enables it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::MySql => "mysql",
        }
    }

    /// The backend a connection URL names by its scheme: `sqlite:`, `postgres:` or
    /// `postgresql:`, `mysql:` or `mariadb:` (case-insensitive).
    ///
    /// ```
    /// use authkit_sqlx::Backend;
    ///
    /// assert_eq!(Backend::from_url("postgresql://db/auth"), Some(Backend::Postgres));
    /// assert_eq!(Backend::from_url("sqlite::memory:"), Some(Backend::Sqlite));
    /// assert_eq!(Backend::from_url("oracle://db"), None);
    /// ```
    pub fn from_url(url: &str) -> Option<Self> {
        let (scheme, _) = url.split_once(':')?;
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            "mysql" | "mariadb" => Some(Self::MySql),
            _ => None,
        }
    }

    /// Whether this build includes the backend (its cargo feature is on).
    pub const fn is_enabled(self) -> bool {
        match self {
            Self::Sqlite => cfg!(feature = "sqlite"),
            Self::Postgres => cfg!(feature = "postgres"),
            Self::MySql => cfg!(feature = "mysql"),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A store on SQL: every storage trait, the `auth_events` sink, and its migrations.
///
/// An `Arc<dyn SqlStore>` converts to the `Arc<dyn Store>` and `Arc<dyn EventSink>` that
/// [`authkit_core::Auth::builder`] takes.
#[async_trait]
pub trait SqlStore: Store + EventSink {
    /// Applies the embedded migrations that are not applied yet, recording them in authkit's
    /// own table ([`migrations::MIGRATIONS_TABLE`]), apart from the application's sqlx
    /// migrations; a history that an earlier release left in `_sqlx_migrations` is moved
    /// there first (see [`migrations`]). Idempotent; safe when several instances start at once
    /// on PostgreSQL or MySQL (the migrator takes the database's migration lock). Returns
    /// what it applied ([`MigrationReport`]), for an operator's tool to print.
    async fn migrate(&self) -> Result<MigrationReport, StoreError>;

    /// authkit's migrations as a sqlx [`Migrator`](sqlx::migrate::Migrator) recording into
    /// [`migrations::MIGRATIONS_TABLE`], for an application that runs its migrations with its
    /// own tooling. Prefer [`migrate`](Self::migrate), which also moves an earlier release's
    /// history.
    fn migrator(&self) -> sqlx::migrate::Migrator;

    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// The connection pool's use now, for a gauge.
    fn pool_stats(&self) -> PoolStats;
}

/// A connection pool's use at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
}

/// Connects to the database `url` names, choosing the backend by the URL's scheme (see
/// [`Backend::from_url`]). Does not migrate: call [`SqlStore::migrate`].
///
/// Fails with [`StoreError::Backend`] for an unknown scheme or a backend whose cargo feature is
/// off (the message names the feature), and with [`StoreError::Unavailable`] when the server
/// cannot be reached. Errors never contain the URL or its password.
pub async fn connect(url: &str, options: StoreOptions) -> Result<Arc<dyn SqlStore>, StoreError> {
    let Some(backend) = Backend::from_url(url) else {
        return Err(StoreError::Backend(unsupported_scheme(url)));
    };
    match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => Ok(Arc::new(SqliteStore::connect(url, options).await?)),
        #[cfg(feature = "postgres")]
        Backend::Postgres => Ok(Arc::new(PgStore::connect(url, options).await?)),
        #[cfg(feature = "mysql")]
        Backend::MySql => Ok(Arc::new(MySqlStore::connect(url, options).await?)),
        #[allow(unreachable_patterns)]
        disabled => {
            let _ = options;
            Err(StoreError::Backend(format!(
                "the database URL names {disabled}, but authkit-sqlx was built without its \
                 `{disabled}` feature: enable it (authkit-sqlx = {{ features = [\"{disabled}\"] }})"
            )))
        }
    }
}

fn unsupported_scheme(url: &str) -> String {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme);
    let printable = scheme.filter(|s| {
        !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
    });
    match printable {
        Some(scheme) => format!(
            "unsupported database URL scheme `{scheme}:`: use sqlite:, postgres: or mysql: \
             (mariadb: and postgresql: work too)"
        ),
        None => "unsupported database URL: it must start with sqlite:, postgres: or mysql:".into(),
    }
}
