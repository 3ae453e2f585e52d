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

/// What [`SqlStore::migrate`](crate::SqlStore::migrate) did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MigrationReport {
    /// The migrations this call applied, oldest first: version and description. Empty when
    /// the schema was current (or another instance migrated it a moment before).
    pub applied: Vec<(i64, String)>,
    /// How many of authkit's migrations the database has now (all of them after a success).
    pub current: usize,
}

/// The versions of `migrator`'s up-migrations that `applied_before` lacks, with their
/// descriptions, in order.
pub(crate) fn newly_applied(
    migrator: &Migrator,
    applied_before: &[sqlx::migrate::AppliedMigration],
) -> MigrationReport {
    let ups: Vec<_> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    let applied = ups
        .iter()
        .filter(|m| !applied_before.iter().any(|a| a.version == m.version))
        .map(|m| (m.version, m.description.to_string()))
        .collect();
    MigrationReport {
        applied,
        current: ups.len(),
    }
}

/// `embedded` (a backend's `sqlx::migrate!`), recording into [`MIGRATIONS_TABLE`].
pub(crate) fn own_history(embedded: &'static Migrator) -> Migrator {
    let mut migrator = Migrator::with_migrations(embedded.iter().cloned().collect());
    migrator.dangerous_set_table_name(Cow::Borrowed(MIGRATIONS_TABLE));
    migrator
}
