//! The harness that runs the HTTP conformance suite against an example app: each target gets
//! a fresh database (a temporary SQLite file, or its own PostgreSQL schema), in-memory mail and
//! a seeded admin; the app itself only has to serve the [`HttpApi`] it is given.

use std::sync::Arc;

use authkit_core::SecretString;
use authkit_core::http::HttpApi;
use authkit_core::mail::MemoryMailer;
use authkit_core::password::HashParams;
use authkit_http_conformance::TargetOptions;
use sqlx::{AssertSqlSafe, raw_sql};

use crate::Settings;

/// The admin every target is seeded with.
pub const ADMIN_EMAIL: &str = "admin@example.com";
/// Its password.
pub const ADMIN_PASSWORD: &str = "admin password for the conformance suite";

/// Where a target's data lives.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A fresh schema in the PostgreSQL database at this URL.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL from `AUTHKIT_TEST_POSTGRES_URL`, or `None` when it is unset.
    pub fn postgres_from_env() -> Option<Self> {
        std::env::var("AUTHKIT_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .map(Self::Postgres)
    }
}

/// A ready service for one target, and what must be cleaned up after it.
pub struct Prepared {
    /// The service to serve.
    pub api: HttpApi,
    /// The outbox the suite reads links from.
    pub mailer: Arc<MemoryMailer>,
    /// Removes the target's database when dropped.
    pub cleanup: Cleanup,
}

/// Removes a target's database when dropped.
pub struct Cleanup(Option<Box<dyn FnOnce() + Send>>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(clean) = self.0.take() {
            clean();
        }
    }
}

/// Builds a fresh app for `options` on `backend`.
pub async fn prepare(options: &TargetOptions, backend: &Backend) -> Prepared {
    let name = format!("authkit_http_{}", uuid::Uuid::now_v7().simple());
    let (database_url, cleanup) = match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let clean = move || {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            };
            (url, Cleanup(Some(Box::new(clean))))
        }
        Backend::Postgres(base) => {
            let pool = sqlx::PgPool::connect(base)
                .await
                .expect("AUTHKIT_TEST_POSTGRES_URL is set but PostgreSQL cannot be reached");
            raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {name}")))
                .execute(&pool)
                .await
                .expect("create a test schema");
            pool.close().await;
            let separator = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{separator}options=-c%20search_path%3D{name}");
            let base = base.clone();
            let clean = move || {
                // Drop runs outside any runtime guarantee: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(runtime) = runtime {
                        runtime.block_on(async {
                            if let Ok(pool) = sqlx::PgPool::connect(&base).await {
                                let drop = format!("DROP SCHEMA IF EXISTS {name} CASCADE");
                                let _ = raw_sql(AssertSqlSafe(drop)).execute(&pool).await;
                            }
                        });
                    }
                })
                .join();
            };
            (url, Cleanup(Some(Box::new(clean))))
        }
    };
    let vars = [
        ("DATABASE_URL", database_url),
        (
            "AUTHKIT_JWT_SECRET",
            "conformance-secret-of-at-least-32-bytes".to_owned(),
        ),
        ("AUTHKIT_IP_RATE_LIMIT", options.ip_rate_limit.to_string()),
        ("AUTHKIT_TRUSTED_PROXIES", options.trusted_proxies.join(",")),
        (
            "AUTHKIT_REQUIRE_EMAIL_VERIFICATION",
            options.require_email_verification.to_string(),
        ),
        ("AUTHKIT_ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
        ("AUTHKIT_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
    ];
    let settings = Settings::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .expect("test settings are valid");
    let config = settings
        .auth_config()
        .expect("test configuration")
        .hash_params(HashParams::insecure_fast_for_tests());
    let mailer = Arc::new(MemoryMailer::new());
    let app = crate::build_with(&settings, config, mailer.clone())
        .await
        .expect("the app starts");
    Prepared {
        api: app.api,
        mailer,
        cleanup,
    }
}

/// The admin credentials, as the suite's `Target` wants them.
pub fn admin() -> (String, SecretString) {
    (ADMIN_EMAIL.to_owned(), ADMIN_PASSWORD.into())
}

/// A service on an in-memory SQLite store, and that store's pool, so a test can close it and
/// watch readiness fail.
pub async fn api_with_closable_store() -> (HttpApi, authkit_sqlx::sqlx::SqlitePool) {
    use authkit_sqlx::{SqlStore, SqliteStore, StoreOptions};

    let store = SqliteStore::connect("sqlite::memory:", StoreOptions::default())
        .await
        .expect("an in-memory SQLite store");
    store.migrate().await.expect("migrations");
    let pool = store.pool().clone();
    let config = authkit_core::AuthConfig::builder()
        .hs256_secret("readiness-test-secret-of-32-bytes!!")
        .hash_params(HashParams::insecure_fast_for_tests())
        .build()
        .expect("test configuration");
    let auth = authkit_core::Auth::builder(config, Arc::new(store)).build();
    (
        HttpApi::new(auth, authkit_core::http::HttpConfig::default()),
        pool,
    )
}

/// Asserts `GET {base}/readyz` answers 200 now and 503 `unavailable` once `pool` is closed.
pub async fn assert_readiness_follows_the_database(
    base: &str,
    pool: authkit_sqlx::sqlx::SqlitePool,
) {
    let client = reqwest::Client::new();
    let ready = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(ready.status().as_u16(), 200);
    pool.close().await;
    let down = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(down.status().as_u16(), 503);
    assert_eq!(
        down.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let body: serde_json::Value = down.json().await.expect("a problem document");
    assert_eq!(body["code"], "unavailable");
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        health.status().as_u16(),
        200,
        "liveness does not depend on the database"
    );
}
