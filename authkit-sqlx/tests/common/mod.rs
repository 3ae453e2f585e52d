//! Fresh, migrated stores for the tests: a temp-file SQLite database, a PostgreSQL schema or a
//! MySQL database of their own, each removed afterwards.
//!
//! PostgreSQL and MySQL need `AUTHKIT_TEST_POSTGRES_URL` / `AUTHKIT_TEST_MYSQL_URL`. Unset, their
//! tests pass without running and say so once on stderr; set but unreachable, they fail.

#![allow(dead_code)]

use std::io::Write;
use std::sync::Once;

pub const POSTGRES_URL_VAR: &str = "AUTHKIT_TEST_POSTGRES_URL";
pub const MYSQL_URL_VAR: &str = "AUTHKIT_TEST_MYSQL_URL";

/// How long the test setup waits for a server that was named before failing.
pub const ADMIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The server URL in `var`, or `None` after saying once (outside the test harness's output
/// capture) that the tests needing it are skipped.
pub fn server_url(var: &str, once: &'static Once) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            once.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped: the {var} tests, because {var} is unset"
                );
            });
            None
        }
    }
}

/// A name no other test uses: `authkit_t_` and 24 hex digits.
pub fn unique_name() -> String {
    let id = uuid::Uuid::now_v7().simple().to_string();
    format!("authkit_t_{}", &id[8..])
}

/// SQLite: a temp file per store.
pub mod sqlite {
    use std::path::PathBuf;
    use std::sync::Arc;

    use authkit_core::store::Store;
    use authkit_sqlx::{SqlStore, SqliteStore, StoreOptions};

    use super::unique_name;

    /// A migrated SQLite store in a fresh temp file.
    pub async fn sqlite_store(options: StoreOptions) -> (SqliteStore, PathBuf) {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
        let url = format!("sqlite://{}", path.display());
        let store = SqliteStore::connect(&url, options)
            .await
            .expect("open a temp-file SQLite database");
        store.migrate().await.expect("migrate SQLite");
        (store, path)
    }

    /// Removes a temp database and its WAL files.
    pub fn remove_sqlite_files(path: &std::path::Path) {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }

    /// The SQLite fixture: a temp file per case.
    pub struct SqliteFixture;

    impl authkit_store_conformance::StoreFixture for SqliteFixture {
        type Guard = PathBuf;

        async fn create(&self) -> (Arc<dyn Store>, PathBuf) {
            let (store, path) = sqlite_store(StoreOptions::default()).await;
            (Arc::new(store), path)
        }

        async fn destroy(&self, path: PathBuf) {
            remove_sqlite_files(&path);
        }
    }
}

/// PostgreSQL: a schema per store.
#[cfg(feature = "postgres")]
pub mod postgres {
    use std::str::FromStr;
    use std::sync::Arc;

    use authkit_core::store::Store;
    use authkit_sqlx::sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
    use authkit_sqlx::sqlx::{AssertSqlSafe, raw_sql};
    use authkit_sqlx::{PgStore, SqlStore, StoreOptions};

    use super::{ADMIN_TIMEOUT, POSTGRES_URL_VAR, unique_name};

    /// A fresh schema on the server at `url`; the admin pool that made it.
    pub async fn create_pg_schema(url: &str) -> (PgPool, String) {
        let admin = PgPoolOptions::new()
            .acquire_timeout(ADMIN_TIMEOUT)
            .connect(url)
            .await
            .unwrap_or_else(|e| {
                panic!("{POSTGRES_URL_VAR} is set but PostgreSQL is unreachable: {e}")
            });
        let schema = unique_name();
        raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("create a test schema");
        (admin, schema)
    }

    /// A store (its own pool) on `schema`, not migrated.
    pub async fn pg_store_in(url: &str, schema: &str, options: StoreOptions) -> PgStore {
        let connect = PgConnectOptions::from_str(url)
            .expect("a PostgreSQL URL")
            .options([("search_path", schema)]);
        PgStore::connect_with(connect, options)
            .await
            .expect("connect to PostgreSQL")
    }

    /// Drops a test schema with everything in it.
    pub async fn drop_pg_schema(admin: PgPool, schema: &str) {
        raw_sql(AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE"
        )))
        .execute(&admin)
        .await
        .expect("drop the test schema");
        admin.close().await;
    }

    /// The PostgreSQL fixture: a schema per case.
    pub struct PgFixture {
        pub url: String,
    }

    impl authkit_store_conformance::StoreFixture for PgFixture {
        type Guard = (PgPool, String);

        async fn create(&self) -> (Arc<dyn Store>, (PgPool, String)) {
            let (admin, schema) = create_pg_schema(&self.url).await;
            let store = pg_store_in(&self.url, &schema, StoreOptions::default()).await;
            store.migrate().await.expect("migrate PostgreSQL");
            (Arc::new(store), (admin, schema))
        }

        async fn destroy(&self, (admin, schema): (PgPool, String)) {
            drop_pg_schema(admin, &schema).await;
        }
    }
}

/// MySQL: a database per store.
#[cfg(feature = "mysql")]
pub mod mysql {
    use std::str::FromStr;
    use std::sync::Arc;

    use authkit_core::store::Store;
    use authkit_sqlx::sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
    use authkit_sqlx::sqlx::{AssertSqlSafe, raw_sql};
    use authkit_sqlx::{MySqlStore, SqlStore, StoreOptions};

    use super::{ADMIN_TIMEOUT, MYSQL_URL_VAR, unique_name};

    /// A fresh database on the server at `url`; the admin pool that made it.
    pub async fn create_mysql_database(url: &str) -> (MySqlPool, String) {
        let admin = MySqlPoolOptions::new()
            .acquire_timeout(ADMIN_TIMEOUT)
            .connect(url)
            .await
            .unwrap_or_else(|e| {
                panic!("{MYSQL_URL_VAR} is set but MySQL/MariaDB is unreachable: {e}")
            });
        let database = unique_name();
        raw_sql(AssertSqlSafe(format!(
            "CREATE DATABASE {database} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        )))
        .execute(&admin)
        .await
        .expect("create a test database");
        (admin, database)
    }

    /// A store (its own pool) on `database`, not migrated.
    pub async fn mysql_store_in(url: &str, database: &str, options: StoreOptions) -> MySqlStore {
        let connect = MySqlConnectOptions::from_str(url)
            .expect("a MySQL URL")
            .database(database);
        MySqlStore::connect_with(connect, options)
            .await
            .expect("connect to MySQL")
    }

    /// Drops a test database.
    pub async fn drop_mysql_database(admin: MySqlPool, database: &str) {
        raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {database}")))
            .execute(&admin)
            .await
            .expect("drop the test database");
        admin.close().await;
    }

    /// The MySQL fixture: a database per case.
    pub struct MySqlFixture {
        pub url: String,
    }

    impl authkit_store_conformance::StoreFixture for MySqlFixture {
        type Guard = (MySqlPool, String);

        async fn create(&self) -> (Arc<dyn Store>, (MySqlPool, String)) {
            let (admin, database) = create_mysql_database(&self.url).await;
            let store = mysql_store_in(&self.url, &database, StoreOptions::default()).await;
            store.migrate().await.expect("migrate MySQL");
            (Arc::new(store), (admin, database))
        }

        async fn destroy(&self, (admin, database): (MySqlPool, String)) {
            drop_mysql_database(admin, &database).await;
        }
    }
}

/// Runs `body` as its own task, then cleans up with `cleanup` whatever happened, then re-raises
/// the body's panic, if any.
pub async fn run_then<B, C>(body: B, cleanup: C)
where
    B: std::future::Future<Output = ()> + Send + 'static,
    C: std::future::Future<Output = ()>,
{
    let outcome = tokio::spawn(body).await;
    cleanup.await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}
