//! The harness that runs the HTTP conformance suite (and the credits example's tests) against
//! an example app: each target gets a fresh database (a temporary SQLite file, its own
//! PostgreSQL schema, or its own MySQL/MariaDB database), in-memory mail and a seeded admin; the
//! app itself only has to serve the [`HttpApi`] it is given.

use std::sync::Arc;

use authkit_core::SecretString;
use authkit_core::http::HttpApi;
use authkit_core::mail::MemoryMailer;
use authkit_core::password::HashParams;
use authkit_http_conformance::{TargetOptions, providers};
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
    /// A fresh database on the MySQL/MariaDB server at this URL (its user may create databases).
    MySql(String),
}

impl Backend {
    /// PostgreSQL from `AUTHKIT_TEST_POSTGRES_URL`, or `None` when it is unset.
    pub fn postgres_from_env() -> Option<Self> {
        std::env::var("AUTHKIT_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .map(Self::Postgres)
    }

    /// MySQL/MariaDB from `AUTHKIT_TEST_MYSQL_URL`, or `None` when it is unset.
    pub fn mysql_from_env() -> Option<Self> {
        std::env::var("AUTHKIT_TEST_MYSQL_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .map(Self::MySql)
    }
}

/// A ready service for one target, and what must be cleaned up after it.
pub struct Prepared {
    /// The service to serve.
    pub api: HttpApi,
    /// The target's own database, for application tables next to authkit's.
    pub database_url: String,
    /// The outbox the suite reads links from.
    pub mailer: Arc<MemoryMailer>,
    /// Removes the target's database when dropped.
    pub cleanup: Cleanup,
}

/// Removes a target's database when dropped.
pub struct Cleanup(Option<Box<dyn FnOnce() + Send>>);

impl Cleanup {
    /// Runs `work` when dropped, on a thread with a runtime of its own: a drop may happen
    /// outside any runtime, or inside one that must not be blocked.
    fn with_runtime(work: impl Future<Output = ()> + Send + 'static) -> Self {
        Self(Some(Box::new(move || {
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(work);
                }
            })
            .join();
        })))
    }
}

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
        Backend::Postgres(base) => postgres_schema(base, &name).await,
        Backend::MySql(base) => {
            let pool = sqlx::MySqlPool::connect(base)
                .await
                .expect("AUTHKIT_TEST_MYSQL_URL is set but MySQL/MariaDB cannot be reached");
            raw_sql(AssertSqlSafe(format!(
                "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            )))
            .execute(&pool)
            .await
            .expect("create a test database");
            pool.close().await;
            let url = with_database(base, &name);
            let base = base.clone();
            let cleanup = Cleanup::with_runtime(async move {
                if let Ok(pool) = sqlx::MySqlPool::connect(&base).await {
                    let drop = format!("DROP DATABASE IF EXISTS {name}");
                    let _ = raw_sql(AssertSqlSafe(drop)).execute(&pool).await;
                }
            });
            (url, cleanup)
        }
    };
    let vars = [
        ("DATABASE_URL", database_url.clone()),
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
        (
            "AUTHKIT_REFRESH_GRACE",
            format!("{}s", options.refresh_grace_seconds),
        ),
        (
            "AUTHKIT_REGISTRATION_ROLES",
            options.registration_roles.join(","),
        ),
        ("AUTHKIT_CORS_ORIGINS", options.cors_origins.join(",")),
        (
            "AUTHKIT_ROUTE_PREFIX",
            options.route_prefix.clone().unwrap_or_default(),
        ),
        (
            "AUTHKIT_ROUTE_PREFIX_ALL",
            options.route_prefix_all.to_string(),
        ),
        (
            "AUTHKIT_COOKIE_MODE",
            options.cookie_mode.clone().unwrap_or_default(),
        ),
        (
            "AUTHKIT_COOKIE_SAMESITE",
            options.cookie_same_site.clone().unwrap_or_default(),
        ),
        (
            "AUTHKIT_COOKIE_SECURE",
            options
                .cookie_secure
                .map(|secure| secure.to_string())
                .unwrap_or_default(),
        ),
        ("AUTHKIT_HOSTED_PAGES", options.hosted_pages.to_string()),
        (
            "AUTHKIT_EMAIL_SIGN_IN",
            options
                .email_sign_in
                .clone()
                .unwrap_or_else(|| "code".to_owned()),
        ),
        // Second factors offered, with a fixed key (32 bytes of `k`).
        (
            "AUTHKIT_TOTP_KEY",
            "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=".to_owned(),
        ),
        // The stand-in providers, when the scenario wants them.
        (
            "AUTHKIT_OIDC_ISSUER",
            options.oidc_issuer.clone().unwrap_or_default(),
        ),
        ("AUTHKIT_OIDC_NAME", "idp".to_owned()),
        ("AUTHKIT_OIDC_ALGORITHMS", "ES256".to_owned()),
        ("AUTHKIT_OIDC_CLIENT_ID", providers::CLIENT_ID.to_owned()),
        (
            "AUTHKIT_OIDC_CLIENT_SECRET",
            providers::CLIENT_SECRET.to_owned(),
        ),
        (
            "AUTHKIT_GITHUB_CLIENT_ID",
            options
                .github_url
                .as_ref()
                .map(|_| providers::CLIENT_ID.to_owned())
                .unwrap_or_default(),
        ),
        (
            "AUTHKIT_GITHUB_CLIENT_SECRET",
            providers::CLIENT_SECRET.to_owned(),
        ),
        (
            "AUTHKIT_GITHUB_URL",
            options.github_url.clone().unwrap_or_default(),
        ),
        ("AUTHKIT_OAUTH_JWKS_REFETCH", "0s".to_owned()),
        // Passkeys on the relying party and origins the passkey scenarios sign for.
        (
            "AUTHKIT_PASSKEY_RP_ID",
            authkit_http_conformance::PASSKEY_RP_ID.to_owned(),
        ),
        (
            "AUTHKIT_PASSKEY_ORIGINS",
            authkit_http_conformance::PASSKEY_ORIGINS.join(","),
        ),
        // Scenarios see every row they made: no pruning task.
        ("AUTHKIT_PRUNE_INTERVAL", "off".to_owned()),
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
        database_url,
        mailer,
        cleanup,
    }
}

/// A fresh schema `name` in the PostgreSQL database at `base`: the URL that works in it, and
/// the cleanup that drops it.
pub async fn postgres_schema(base: &str, name: &str) -> (String, Cleanup) {
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
    let (base, name) = (base.to_owned(), name.to_owned());
    let cleanup = Cleanup::with_runtime(async move {
        if let Ok(pool) = sqlx::PgPool::connect(&base).await {
            let drop = format!("DROP SCHEMA IF EXISTS {name} CASCADE");
            let _ = raw_sql(AssertSqlSafe(drop)).execute(&pool).await;
        }
    });
    (url, cleanup)
}

/// `url` (`mysql://user@host:port/db?params`) with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("mysql", url));
    let (before_query, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or(before_query);
    match query {
        Some(query) => format!("{scheme}://{authority}/{database}?{query}"),
        None => format!("{scheme}://{authority}/{database}"),
    }
}

/// The admin credentials, as the suite's `Target` wants them.
pub fn admin() -> (String, SecretString) {
    (ADMIN_EMAIL.to_owned(), ADMIN_PASSWORD.into())
}

/// The revocation feed of [`api_with_closable_store`]: read every 100 ms, failing closed after
/// 400 ms without a successful read.
pub const CLOSABLE_STORE_FEED: authkit_core::RevocationFeed = authkit_core::RevocationFeed {
    mode: authkit_core::FeedMode::Auto,
    poll_interval: time::Duration::milliseconds(100),
    max_staleness: time::Duration::milliseconds(400),
    when_stale: authkit_core::StaleAnswer::Unavailable,
};

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
        .revocation_feed(CLOSABLE_STORE_FEED)
        .build()
        .expect("test configuration");
    let auth = authkit_core::Auth::builder(config, Arc::new(store)).build();
    (
        HttpApi::new(auth, authkit_core::http::HttpConfig::default()),
        pool,
    )
}

/// Asserts `GET {base}/readyz` answers 200 now and 503 `unavailable` once `pool` is closed,
/// and that the app's protected `GET {base}/hello` fails closed (503 `unavailable`) once the
/// revocation feed could not be read for longer than its bound.
pub async fn assert_readiness_follows_the_database(
    base: &str,
    pool: authkit_sqlx::sqlx::SqlitePool,
) {
    let client = reqwest::Client::new();
    let registered: serde_json::Value = client
        .post(format!("{base}/auth/register"))
        .json(&serde_json::json!({
            "email": "ada@example.com",
            "password": "a long and unusual passphrase",
        }))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("a registration");
    let token = registered["tokens"]["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    let hello = |client: &reqwest::Client| {
        client
            .get(format!("{base}/hello"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(
        hello(&client).await.expect("an answer").status().as_u16(),
        200
    );
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

    // Within the bound the view still answers; past it, the instance fails closed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let stale = loop {
        let answer = hello(&client).await.expect("an answer");
        if answer.status().as_u16() != 200 || std::time::Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(stale.status().as_u16(), 503, "a stale view fails closed");
    let body: serde_json::Value = stale.json().await.expect("a problem document");
    assert_eq!(body["code"], "unavailable");
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn with_database_replaces_only_the_database() {
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306/test", "fresh"),
            "mysql://root@127.0.0.1:3306/fresh"
        );
        assert_eq!(
            with_database("mysql://u:p@db:3306/test?ssl-mode=disabled", "fresh"),
            "mysql://u:p@db:3306/fresh?ssl-mode=disabled"
        );
        assert_eq!(
            with_database("mysql://root@localhost", "fresh"),
            "mysql://root@localhost/fresh"
        );
    }
}
