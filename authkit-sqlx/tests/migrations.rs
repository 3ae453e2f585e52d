//! authkit's migrations and an application's own sqlx migrations in one database: either may
//! run first, each may run again on every start, and an earlier release's history in
//! `_sqlx_migrations` is moved out of the application's way. On SQLite, PostgreSQL and MySQL.
//!
//! SQLite cases always run; PostgreSQL and MySQL cases run when `AUTHKIT_TEST_POSTGRES_URL` /
//! `AUTHKIT_TEST_MYSQL_URL` are set (and fail when set but unreachable).

mod common;

use std::path::PathBuf;

use authkit_sqlx::sqlx::migrate::Migrator;
use authkit_sqlx::{MIGRATIONS_TABLE, MigrationReport, SqlStore};

/// The application's own migrations, as files in a temp directory, interleaved by version
/// with authkit's (2025…, 2026…): a `notes` table, then a column on it.
async fn app_migrator() -> (Migrator, PathBuf) {
    let dir = std::env::temp_dir().join(common::unique_name());
    std::fs::create_dir_all(&dir).expect("a temp directory");
    for (file, sql) in [
        (
            "20240101000000_notes.sql",
            "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL);",
        ),
        (
            "20261231000000_note_titles.sql",
            "ALTER TABLE notes ADD COLUMN title TEXT;",
        ),
    ] {
        std::fs::write(dir.join(file), sql).expect("a migration file");
    }
    let migrator = Migrator::new(dir.as_path())
        .await
        .expect("the app's migrations");
    (migrator, dir)
}

/// authkit's migration versions, in order.
fn authkit_versions(store: &dyn SqlStore) -> Vec<i64> {
    store.migrator().iter().map(|m| m.version).collect()
}

/// The report of a first `migrate()`: every migration of authkit's, in order.
fn assert_applied_all(store: &dyn SqlStore, report: &MigrationReport) {
    let versions: Vec<i64> = report.applied.iter().map(|(version, _)| *version).collect();
    assert_eq!(versions, authkit_versions(store));
    assert!(
        report
            .applied
            .iter()
            .all(|(_, description)| !description.is_empty()),
        "{report:?}"
    );
    assert_eq!(report.current, versions.len());
}

/// The report of a `migrate()` that found the schema current (or moved an earlier history).
fn assert_applied_none(store: &dyn SqlStore, report: &MigrationReport) {
    assert_eq!(report.applied, Vec::<(i64, String)>::new());
    assert_eq!(report.current, authkit_versions(store).len());
}

/// The scenarios for one backend, in a module that names its store type `Store`: `$store`
/// makes a fresh, unmigrated store (an expression evaluating to `Some((store, guard))`, or
/// `None` when the backend's server is not configured), `$cleanup` removes it (an async
/// function of the guard and the app's migration directory).
macro_rules! migration_cases {
    ($store:expr, $cleanup:path) => {
        #[tokio::test(flavor = "multi_thread")]
        async fn the_app_first_then_authkit_then_a_restart_of_each() {
            let (app, dir) = app_migrator().await;
            let Some((store, guard)) = $store else {
                return;
            };
            common::run_then(
                async move {
                    app.run(store.pool()).await.expect("the app migrates first");
                    let first = store.migrate().await.expect("authkit migrates second");
                    assert_applied_all(&store, &first);
                    app.run(store.pool()).await.expect("the app restarts");
                    let again = store.migrate().await.expect("authkit restarts");
                    assert_applied_none(&store, &again);
                    assert_histories(&store, &app).await;
                },
                $cleanup(guard, dir),
            )
            .await;
        }

        #[tokio::test(flavor = "multi_thread")]
        async fn authkit_first_then_the_app_then_a_restart_of_each() {
            let (app, dir) = app_migrator().await;
            let Some((store, guard)) = $store else {
                return;
            };
            common::run_then(
                async move {
                    let first = store.migrate().await.expect("authkit migrates first");
                    assert_applied_all(&store, &first);
                    app.run(store.pool())
                        .await
                        .expect("the app migrates second");
                    let again = store.migrate().await.expect("authkit restarts");
                    assert_applied_none(&store, &again);
                    app.run(store.pool()).await.expect("the app restarts");
                    assert_histories(&store, &app).await;
                },
                $cleanup(guard, dir),
            )
            .await;
        }

        #[tokio::test(flavor = "multi_thread")]
        async fn an_earlier_history_in_sqlx_migrations_moves_to_authkits_table() {
            let (app, dir) = app_migrator().await;
            let mut tolerant = Migrator::new(dir.as_path()).await.unwrap();
            tolerant.set_ignore_missing(true);
            let Some((store, guard)) = $store else {
                return;
            };
            common::run_then(
                async move {
                    // As before this release: authkit's history in `_sqlx_migrations`, and the
                    // app living with it through `set_ignore_missing`.
                    let mut earlier = store.migrator();
                    earlier.dangerous_set_table_name("_sqlx_migrations");
                    earlier
                        .run(store.pool())
                        .await
                        .expect("the earlier release");
                    tolerant
                        .run(store.pool())
                        .await
                        .expect("the app, tolerating");

                    let upgrade = store.migrate().await.expect("the upgrade");
                    assert_applied_none(&store, &upgrade);
                    assert_histories(&store, &app).await;
                    // The app no longer needs to tolerate anything, and both restart.
                    app.run(store.pool()).await.expect("the app, strict");
                    store.migrate().await.expect("authkit restarts");
                    assert_histories(&store, &app).await;
                },
                $cleanup(guard, dir),
            )
            .await;
        }

        /// Each history holds exactly its own migrations, all successful, and both schemas
        /// are in place.
        async fn assert_histories(store: &Store, app: &Migrator) {
            let app_versions: Vec<i64> = app.iter().map(|m| m.version).collect();
            assert_eq!(
                store.versions(MIGRATIONS_TABLE).await,
                authkit_versions(store),
                "{MIGRATIONS_TABLE}"
            );
            assert_eq!(
                store.versions("_sqlx_migrations").await,
                app_versions,
                "_sqlx_migrations"
            );
            authkit_sqlx::sqlx::query("SELECT id, body, title FROM notes")
                .fetch_all(store.pool())
                .await
                .expect("the app's table");
            authkit_core::store::UserStore::user_by_email(store, "nobody@example.com")
                .await
                .expect("authkit's tables");
        }
    };
}

/// Reads the successful versions of a history table.
trait HasPool {
    async fn versions(&self, table: &str) -> Vec<i64>;
}

/// [`HasPool`] for a store type with a `pool()`.
macro_rules! impl_has_pool {
    ($store:ty) => {
        impl HasPool for $store {
            async fn versions(&self, table: &str) -> Vec<i64> {
                let sql = format!("SELECT version FROM {table} WHERE success ORDER BY version");
                authkit_sqlx::sqlx::query_scalar(authkit_sqlx::sqlx::AssertSqlSafe(sql))
                    .fetch_all(self.pool())
                    .await
                    .expect("a history table")
            }
        }
    };
}

mod sqlite {
    use super::*;
    use authkit_sqlx::{SqliteStore, StoreOptions};

    type Store = SqliteStore;
    impl_has_pool!(SqliteStore);

    async fn fresh() -> Option<(SqliteStore, PathBuf)> {
        let path = std::env::temp_dir().join(format!("{}.db", common::unique_name()));
        let url = format!("sqlite://{}", path.display());
        let store = SqliteStore::connect(&url, StoreOptions::default())
            .await
            .expect("a temp-file SQLite database");
        Some((store, path))
    }

    async fn cleanup(path: PathBuf, dir: PathBuf) {
        common::sqlite::remove_sqlite_files(&path);
        let _ = std::fs::remove_dir_all(dir);
    }

    migration_cases!(fresh().await, cleanup);
}

mod postgres {
    use std::sync::Once;

    use super::common::postgres::{create_pg_schema, drop_pg_schema, pg_store_in};
    use super::common::{POSTGRES_URL_VAR, server_url};
    use super::*;
    use authkit_sqlx::sqlx::PgPool;
    use authkit_sqlx::{PgStore, StoreOptions};

    type Store = PgStore;
    impl_has_pool!(PgStore);

    static SKIPPED: Once = Once::new();

    /// A store on a fresh schema (its own `search_path`, so its own history tables).
    async fn fresh() -> Option<(PgStore, (PgPool, String))> {
        let url = server_url(POSTGRES_URL_VAR, &SKIPPED)?;
        let (admin, schema) = create_pg_schema(&url).await;
        let store = pg_store_in(&url, &schema, StoreOptions::default()).await;
        Some((store, (admin, schema)))
    }

    async fn cleanup((admin, schema): (PgPool, String), dir: PathBuf) {
        drop_pg_schema(admin, &schema).await;
        let _ = std::fs::remove_dir_all(dir);
    }

    migration_cases!(fresh().await, cleanup);
}

mod mysql {
    use std::sync::Once;

    use super::common::mysql::{create_mysql_database, drop_mysql_database, mysql_store_in};
    use super::common::{MYSQL_URL_VAR, server_url};
    use super::*;
    use authkit_sqlx::sqlx::MySqlPool;
    use authkit_sqlx::{MySqlStore, StoreOptions};

    type Store = MySqlStore;
    impl_has_pool!(MySqlStore);

    static SKIPPED: Once = Once::new();

    /// A store on a fresh database.
    async fn fresh() -> Option<(MySqlStore, (MySqlPool, String))> {
        let url = server_url(MYSQL_URL_VAR, &SKIPPED)?;
        let (admin, database) = create_mysql_database(&url).await;
        let store = mysql_store_in(&url, &database, StoreOptions::default()).await;
        Some((store, (admin, database)))
    }

    async fn cleanup((admin, database): (MySqlPool, String), dir: PathBuf) {
        drop_mysql_database(admin, &database).await;
        let _ = std::fs::remove_dir_all(dir);
    }

    migration_cases!(fresh().await, cleanup);
}
