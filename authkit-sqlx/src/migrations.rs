//! authkit's migrations, kept apart from the application's.
//!
//! authkit records its migrations in its own table, [`MIGRATIONS_TABLE`]
//! (`_authkit_migrations`), so an application's own sqlx migrations (in `_sqlx_migrations`,
//! sqlx's default) share the database without either migrator seeing the other's history as
//! "applied but missing". Either may run first, and each may run again on every start.
//!
//! Releases before this one recorded authkit's migrations in `_sqlx_migrations`.
//! [`SqlStore::migrate`](crate::SqlStore::migrate) moves those rows — only those whose version
//! *and* checksum are authkit's — into `_authkit_migrations` before it migrates, under the
//! migration lock, so an upgrade needs nothing by hand and an application's rows stay where
//! they are.

use std::borrow::Cow;

use sqlx::migrate::Migrator;

/// The table that records authkit's applied migrations.
pub const MIGRATIONS_TABLE: &str = "_authkit_migrations";

/// `embedded` (a backend's `sqlx::migrate!`), recording into [`MIGRATIONS_TABLE`].
pub(crate) fn own_history(embedded: &'static Migrator) -> Migrator {
    let mut migrator = Migrator::with_migrations(embedded.iter().cloned().collect());
    migrator.dangerous_set_table_name(Cow::Borrowed(MIGRATIONS_TABLE));
    migrator
}
