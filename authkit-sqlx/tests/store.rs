//! What the sqlx stores promise beyond the storage traits: the audit trail (and pruning it),
//! migrations,
//! failing fast when the pool is exhausted, no secrets in output, choosing the backend by URL.
//!
//! SQLite cases always run; PostgreSQL and MySQL cases run when `AUTHKIT_TEST_POSTGRES_URL` /
//! `AUTHKIT_TEST_MYSQL_URL` are set (and fail when set but unreachable).

mod common;

use std::time::{Duration, Instant};

use authkit_core::events::{AuthEvent, EventKind, EventSink};
use authkit_core::store::{PruneTarget, StoreError, UserStore};
use authkit_sqlx::{Backend, SqlStore, StoreOptions};
use time::macros::datetime;
use uuid::Uuid;

/// An `auth_events` row: kind, at, user_id, session_id, ip, detail.
type EventRow = (
    String,
    i64,
    Option<Uuid>,
    Option<Uuid>,
    Option<String>,
    Option<String>,
);

/// Reads every `auth_events` row, oldest first, from a pool of any backend.
macro_rules! read_events {
    ($pool:expr) => {
        authkit_sqlx::sqlx::query_as::<_, EventRow>(
            "SELECT kind, at, user_id, session_id, ip, detail FROM auth_events ORDER BY id",
        )
        .fetch_all($pool)
        .await
        .expect("read auth_events")
    };
}

/// Records two events and returns the rows they must have become.
async fn record_sample_events(store: &dyn SqlStore) -> Vec<EventRow> {
    let user = Uuid::now_v7();
    let session = Uuid::now_v7();
    let failed = AuthEvent::new(
        EventKind::LoginFailed,
        datetime!(2030-01-02 03:04:05.123456 UTC),
    )
    .user(user)
    .session(session)
    .ip(Some("203.0.113.9".parse().unwrap()))
    .detail("reason=wrong_password");
    store.record(failed).await;
    store
        .record(AuthEvent::new(
            EventKind::UserCreated,
            datetime!(1970-01-01 00:00:01 UTC),
        ))
        .await;
    vec![
        (
            "auth.login.failed".to_owned(),
            1_893_553_445_123_456,
            Some(user),
            Some(session),
            Some("203.0.113.9".to_owned()),
            Some("reason=wrong_password".to_owned()),
        ),
        (
            "auth.user_created".to_owned(),
            1_000_000,
            None,
            None,
            None,
            None,
        ),
    ]
}

/// Records five events before a cutoff and two at or after it, prunes the audit trail two rows
/// per call, and returns the rows that must be left: the two recent ones.
async fn prune_old_events(store: &dyn SqlStore) -> Vec<EventRow> {
    let cutoff = datetime!(2030-03-01 00:00:00 UTC);
    let at = |offset: time::Duration| AuthEvent::new(EventKind::LoginFailed, cutoff + offset);
    for days in [1, 2, 30, 400] {
        store.record(at(-time::Duration::days(days))).await;
    }
    store.record(at(-time::Duration::microseconds(1))).await;
    store
        .record(at(time::Duration::ZERO).detail("at the cutoff"))
        .await;
    store
        .record(at(time::Duration::hours(1)).detail("after"))
        .await;
    let mut counts = Vec::new();
    loop {
        let deleted = store
            .prune(PruneTarget::Events, cutoff, 2)
            .await
            .expect("prune events");
        counts.push(deleted);
        if deleted < 2 {
            break;
        }
    }
    assert_eq!(counts, [2, 2, 1], "five old events, two per call");
    let row = |micros: i64, detail: &str| {
        (
            "auth.login.failed".to_owned(),
            micros,
            None,
            None,
            None,
            Some(detail.to_owned()),
        )
    };
    let cutoff_micros = 1_898_553_600_000_000;
    vec![
        row(cutoff_micros, "at the cutoff"),
        row(cutoff_micros + 3_600_000_000, "after"),
    ]
}

/// Migrating a migrated store changes nothing and fails nothing.
async fn assert_migrating_again_is_harmless(store: &dyn SqlStore) {
    store.migrate().await.expect("second migrate");
    store.migrate().await.expect("third migrate");
    let user = authkit_store_conformance::user("again@example.com", Some("again"));
    store.create_user(&user).await.expect("the schema works");
    assert_eq!(store.user_by_id(user.id).await.unwrap(), Some(user));
}

/// With the only connection held elsewhere, a call fails as unavailable within about the
/// acquire timeout instead of waiting.
async fn assert_fails_fast_while_exhausted(store: &dyn SqlStore) {
    let started = Instant::now();
    let outcome = store.user_by_id(Uuid::now_v7()).await;
    let waited = started.elapsed();
    match outcome {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("acquire timeout"), "{message}")
        }
        other => panic!("expected StoreError::Unavailable, got {other:?}"),
    }
    assert!(waited >= Duration::from_millis(200), "waited {waited:?}");
    assert!(waited < Duration::from_secs(2), "waited {waited:?}");
}

/// Text compares exactly, as in the reference store: no case folding in the search, no accent
/// folding in the unique index (a MySQL `_ci` collation would equate `josé` and `jose`).
async fn assert_text_compares_exactly(store: &dyn SqlStore) {
    let accented = authkit_store_conformance::user("josé@example.com", Some("josé_1"));
    let plain = authkit_store_conformance::user("jose@example.com", Some("jose_1"));
    store.create_user(&accented).await.expect("josé");
    store
        .create_user(&plain)
        .await
        .expect("jose is another address");
    assert_eq!(
        store.user_by_email("jose@example.com").await.unwrap(),
        Some(plain.clone())
    );
    let search = |text: &str| authkit_core::store::UserQuery {
        limit: 10,
        after: None,
        role: None,
        status: None,
        search: Some(text.to_owned()),
    };
    let found = store.list_users(&search("josé")).await.unwrap();
    assert_eq!(found, vec![accented.clone()]);
    assert!(
        store.list_users(&search("JOSE")).await.unwrap().is_empty(),
        "the search matches the lower-case canonical text as given"
    );
}

/// The upgrade to refresh selectors, on a database that has the two migrations before it and
/// a live session whose refresh token has no selector: the session ends and the feed says so,
/// and new sessions rotate. `$store` is unmigrated; `$insert_session` and `$insert_token` are
/// the backend's statements for an old `sessions` row (id, user_id, times) and its token.
macro_rules! assert_upgrade_ends_old_sessions {
    ($store:expr, $dir:literal, $insert_session:literal, $insert_token:literal) => {{
        use authkit_core::store::{RevocationStore, Revoked, SessionStore};
        let store = $store;
        for file in [
            include_str!(concat!(
                "../migrations/",
                $dir,
                "/20250101000000_initial.sql"
            )),
            include_str!(concat!(
                "../migrations/",
                $dir,
                "/20261202000000_revocations.sql"
            )),
        ] {
            authkit_sqlx::sqlx::raw_sql(file)
                .execute(store.pool())
                .await
                .expect("an earlier migration");
        }
        let user = authkit_store_conformance::user("old@example.com", None);
        store.create_user(&user).await.unwrap();
        let old = Uuid::now_v7();
        let far = 4_102_444_800_000_000_i64; // 2100-01-01
        authkit_sqlx::sqlx::query($insert_session)
            .bind(old)
            .bind(user.id)
            .bind(far)
            .bind(far)
            .execute(store.pool())
            .await
            .expect("an old session");
        authkit_sqlx::sqlx::query($insert_token)
            .bind(vec![7u8; 32])
            .bind(old)
            .execute(store.pool())
            .await
            .expect("its refresh token");

        authkit_sqlx::sqlx::raw_sql(include_str!(concat!(
            "../migrations/",
            $dir,
            "/20261203000000_refresh_selectors.sql"
        )))
        .execute(store.pool())
        .await
        .expect("the upgrade");

        let ended = store.session(old).await.unwrap().expect("kept");
        assert!(ended.revoked_at.is_some(), "the old session ended");
        let feed = store.revocations_since(0, 10).await.unwrap();
        assert_eq!(feed.len(), 1, "{feed:?}");
        assert_eq!(
            (feed[0].user_id, &feed[0].what),
            (user.id, &Revoked::Session(old))
        );
        let now = time::OffsetDateTime::now_utc();
        let fresh = authkit_store_conformance::session(user.id, now);
        let first = authkit_core::token::RefreshToken::generate().key();
        store.create_session(&fresh, &first).await.unwrap();
        let rotation = authkit_core::store::Rotation {
            selector: first.selector,
            old: first.hash,
            new: authkit_core::token::RefreshToken::successor(first.selector)
                .key()
                .hash,
            now,
            idle_expires_at: now + time::Duration::days(1),
        };
        assert!(
            store
                .rotate_refresh_token(&rotation)
                .await
                .unwrap()
                .is_some()
        );
    }};
}

fn exhaustible() -> StoreOptions {
    StoreOptions::default()
        .max_connections(1)
        .acquire_timeout(Duration::from_millis(250))
}

/// A password that must never be printed.
const PASSWORD: &str = "pw-S3cr3t-never-print";

fn assert_no_password(text: &str) {
    assert!(!text.contains(PASSWORD), "the password leaked: {text}");
}

mod sqlite {
    use super::common::run_then;
    use super::common::sqlite::{remove_sqlite_files, sqlite_store};
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn events_are_written_to_auth_events() {
        let (store, path) = sqlite_store(StoreOptions::default()).await;
        let cleanup = async move { remove_sqlite_files(&path) };
        run_then(
            async move {
                let expected = record_sample_events(&store).await;
                assert_eq!(read_events!(store.pool()), expected);
            },
            cleanup,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn old_events_are_pruned_in_batches() {
        let (store, path) = sqlite_store(StoreOptions::default()).await;
        let cleanup = async move { remove_sqlite_files(&path) };
        run_then(
            async move {
                let expected = prune_old_events(&store).await;
                assert_eq!(read_events!(store.pool()), expected);
            },
            cleanup,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_failed_event_write_is_logged_not_raised() {
        let (store, path) = sqlite_store(StoreOptions::default()).await;
        store.pool().close().await;
        store
            .record(AuthEvent::new(
                EventKind::LoginSucceeded,
                time::OffsetDateTime::now_utc(),
            ))
            .await;
        remove_sqlite_files(&path);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn text_compares_exactly() {
        let (store, path) = sqlite_store(StoreOptions::default()).await;
        run_then(
            async move { assert_text_compares_exactly(&store).await },
            async move { remove_sqlite_files(&path) },
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn migrating_twice_is_harmless() {
        let (store, path) = sqlite_store(StoreOptions::default()).await;
        run_then(
            async move { assert_migrating_again_is_harmless(&store).await },
            async move { remove_sqlite_files(&path) },
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_upgrade_to_refresh_selectors_ends_old_sessions() {
        let path = std::env::temp_dir().join(format!("{}.db", super::common::unique_name()));
        let url = format!("sqlite://{}", path.display());
        let store = authkit_sqlx::SqliteStore::connect(&url, StoreOptions::default())
            .await
            .expect("a temp-file SQLite database");
        run_then(
            async move {
                assert_upgrade_ends_old_sessions!(
                    store,
                    "sqlite",
                    "INSERT INTO sessions (id, user_id, created_at, last_used_at, \
                     idle_expires_at, expires_at) VALUES (?, ?, 0, 0, ?, ?)",
                    "INSERT INTO refresh_tokens (hash, session_id, created_at) VALUES (?, ?, 0)"
                )
            },
            async move { remove_sqlite_files(&path) },
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_exhausted_pool_fails_fast_as_unavailable() {
        let (store, path) = sqlite_store(exhaustible()).await;
        run_then(
            async move {
                let held = store.pool().acquire().await.expect("the only connection");
                assert_fails_fast_while_exhausted(&store).await;
                drop(held);
                assert_eq!(store.user_by_id(Uuid::now_v7()).await.unwrap(), None);
            },
            async move { remove_sqlite_files(&path) },
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn connect_picks_sqlite_for_a_sqlite_url() {
        let path = std::env::temp_dir().join(format!("{}.db", super::common::unique_name()));
        let url = format!("sqlite://{}", path.display());
        let store = authkit_sqlx::connect(&url, StoreOptions::default())
            .await
            .expect("connect");
        assert_eq!(store.backend(), Backend::Sqlite);
        store.migrate().await.unwrap();
        store.ping().await.unwrap();
        drop(store);
        remove_sqlite_files(&path);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_in_memory_database_is_one_database_for_the_whole_store() {
        let store = authkit_sqlx::connect("sqlite::memory:", StoreOptions::default())
            .await
            .expect("connect");
        store.migrate().await.unwrap();
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let store = std::sync::Arc::clone(&store);
                tokio::spawn(async move {
                    let u = authkit_store_conformance::user(&format!("m{i}@example.com"), None);
                    store.create_user(&u).await.unwrap();
                    u.id
                })
            })
            .collect();
        for task in tasks {
            let id = task.await.unwrap();
            assert!(store.user_by_id(id).await.unwrap().is_some());
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn debug_shows_the_backend_and_pool_size_only() {
        let (store, path) = sqlite_store(StoreOptions::default().max_connections(7)).await;
        let debug = format!("{store:?}");
        assert!(debug.starts_with("SqliteStore {"), "{debug}");
        assert!(debug.contains("backend: \"sqlite\""), "{debug}");
        assert!(debug.contains("max_connections: 7"), "{debug}");
        assert!(!debug.contains(&*path.to_string_lossy()), "{debug}");
        drop(store);
        remove_sqlite_files(&path);
    }
}

#[tokio::test]
async fn connect_rejects_an_unknown_scheme() {
    let url = format!("oracle://scott:{PASSWORD}@db.example.com/orcl");
    match authkit_sqlx::connect(&url, StoreOptions::default()).await {
        Err(StoreError::Backend(message)) => {
            assert!(message.contains("`oracle:`"), "{message}");
            assert!(
                message.contains("sqlite:, postgres: or mysql:"),
                "{message}"
            );
            assert_no_password(&message);
        }
        Err(other) => panic!("expected StoreError::Backend, got {other:?}"),
        Ok(_) => panic!("connected to an oracle: URL"),
    }
    match authkit_sqlx::connect(
        &format!("no scheme at all {PASSWORD}"),
        StoreOptions::default(),
    )
    .await
    {
        Err(StoreError::Backend(message)) => assert_no_password(&message),
        Err(other) => panic!("expected StoreError::Backend, got {other:?}"),
        Ok(_) => panic!("connected without a scheme"),
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::sync::Once;

    use super::common::postgres::{create_pg_schema, drop_pg_schema, pg_store_in};
    use super::common::{POSTGRES_URL_VAR, run_then, server_url};
    use super::*;
    use authkit_sqlx::PgStore;

    static SKIPPED: Once = Once::new();

    /// A migrated store in a fresh schema, the body, then the schema dropped.
    async fn with_store<F, Fut>(options: StoreOptions, body: F)
    where
        F: FnOnce(PgStore) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let Some(url) = server_url(POSTGRES_URL_VAR, &SKIPPED) else {
            return;
        };
        let (admin, schema) = create_pg_schema(&url).await;
        let store = pg_store_in(&url, &schema, options).await;
        store.migrate().await.expect("migrate");
        run_then(body(store), drop_pg_schema(admin, &schema)).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn events_are_written_to_auth_events() {
        with_store(StoreOptions::default(), |store| async move {
            let expected = record_sample_events(&store).await;
            assert_eq!(read_events!(store.pool()), expected);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn old_events_are_pruned_in_batches() {
        with_store(StoreOptions::default(), |store| async move {
            let expected = prune_old_events(&store).await;
            assert_eq!(read_events!(store.pool()), expected);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn text_compares_exactly() {
        with_store(StoreOptions::default(), |store| async move {
            assert_text_compares_exactly(&store).await;
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn migrating_twice_is_harmless() {
        with_store(StoreOptions::default(), |store| async move {
            assert_migrating_again_is_harmless(&store).await;
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_upgrade_to_refresh_selectors_ends_old_sessions() {
        let Some(url) = server_url(POSTGRES_URL_VAR, &SKIPPED) else {
            return;
        };
        let (admin, schema) = create_pg_schema(&url).await;
        let store = pg_store_in(&url, &schema, StoreOptions::default()).await;
        let body = async move {
            assert_upgrade_ends_old_sessions!(
                store,
                "postgres",
                "INSERT INTO sessions (id, user_id, created_at, last_used_at, \
                 idle_expires_at, expires_at) VALUES ($1, $2, 0, 0, $3, $4)",
                "INSERT INTO refresh_tokens (hash, session_id, created_at) VALUES ($1, $2, 0)"
            )
        };
        run_then(body, drop_pg_schema(admin, &schema)).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_exhausted_pool_fails_fast_as_unavailable() {
        with_store(exhaustible(), |store| async move {
            let held = store.pool().acquire().await.expect("the only connection");
            assert_fails_fast_while_exhausted(&store).await;
            drop(held);
            assert_eq!(store.user_by_id(Uuid::now_v7()).await.unwrap(), None);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_password_in_the_url_never_appears_in_errors() {
        // Nothing listens on port 1: the connection is refused.
        let url = format!("postgres://authkit:{PASSWORD}@127.0.0.1:1/authkit");
        let options = StoreOptions::default().acquire_timeout(Duration::from_millis(500));
        let error = authkit_sqlx::connect(&url, options)
            .await
            .err()
            .expect("nothing listens on port 1");
        assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
        assert_no_password(&format!("{error} {error:?}"));
        let error = PgStore::connect(&url, options).await.err().unwrap();
        assert_no_password(&format!("{error} {error:?}"));

        let malformed = format!("postgres://authkit:{PASSWORD}@127.0.0.1:notaport/authkit");
        let error = authkit_sqlx::connect(&malformed, options)
            .await
            .err()
            .expect("a malformed URL");
        assert_no_password(&format!("{error} {error:?}"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_password_in_the_url_never_appears_in_debug_output() {
        let Some(url) = server_url(POSTGRES_URL_VAR, &SKIPPED) else {
            return;
        };
        // The test server trusts local connections, so any password is accepted.
        let with_password = url.replacen("://postgres@", &format!("://postgres:{PASSWORD}@"), 1);
        assert!(
            with_password.contains(PASSWORD),
            "expected a postgres@ URL: {url}"
        );
        let store = PgStore::connect(&with_password, StoreOptions::default())
            .await
            .expect("connect with a password");
        let debug = format!("{store:?}");
        assert!(debug.contains("backend: \"postgres\""), "{debug}");
        assert_no_password(&debug);
        assert!(!debug.contains("127.0.0.1"), "{debug}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn connect_picks_postgres_for_both_schemes() {
        let Some(url) = server_url(POSTGRES_URL_VAR, &SKIPPED) else {
            return;
        };
        let postgresql = url.replacen("postgres://", "postgresql://", 1);
        for url in [url, postgresql] {
            let store = authkit_sqlx::connect(&url, StoreOptions::default())
                .await
                .expect("connect");
            assert_eq!(store.backend(), Backend::Postgres);
            store.ping().await.unwrap();
        }
    }
}

#[cfg(feature = "mysql")]
mod mysql {
    use std::sync::Once;

    use super::common::mysql::{create_mysql_database, drop_mysql_database, mysql_store_in};
    use super::common::{MYSQL_URL_VAR, run_then, server_url};
    use super::*;
    use authkit_sqlx::MySqlStore;

    static SKIPPED: Once = Once::new();

    /// A migrated store in a fresh database, the body, then the database dropped.
    async fn with_store<F, Fut>(options: StoreOptions, body: F)
    where
        F: FnOnce(MySqlStore) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let Some(url) = server_url(MYSQL_URL_VAR, &SKIPPED) else {
            return;
        };
        let (admin, database) = create_mysql_database(&url).await;
        let store = mysql_store_in(&url, &database, options).await;
        store.migrate().await.expect("migrate");
        run_then(body(store), drop_mysql_database(admin, &database)).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn events_are_written_to_auth_events() {
        with_store(StoreOptions::default(), |store| async move {
            let expected = record_sample_events(&store).await;
            assert_eq!(read_events!(store.pool()), expected);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn old_events_are_pruned_in_batches() {
        with_store(StoreOptions::default(), |store| async move {
            let expected = prune_old_events(&store).await;
            assert_eq!(read_events!(store.pool()), expected);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn text_compares_exactly() {
        with_store(StoreOptions::default(), |store| async move {
            assert_text_compares_exactly(&store).await;
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn migrating_twice_is_harmless() {
        with_store(StoreOptions::default(), |store| async move {
            assert_migrating_again_is_harmless(&store).await;
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_upgrade_to_refresh_selectors_ends_old_sessions() {
        let Some(url) = server_url(MYSQL_URL_VAR, &SKIPPED) else {
            return;
        };
        let (admin, database) = create_mysql_database(&url).await;
        let store = mysql_store_in(&url, &database, StoreOptions::default()).await;
        let body = async move {
            assert_upgrade_ends_old_sessions!(
                store,
                "mysql",
                "INSERT INTO sessions (id, user_id, created_at, last_used_at, \
                 idle_expires_at, expires_at) VALUES (?, ?, 0, 0, ?, ?)",
                "INSERT INTO refresh_tokens (hash, session_id, created_at) VALUES (?, ?, 0)"
            )
        };
        run_then(body, drop_mysql_database(admin, &database)).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_exhausted_pool_fails_fast_as_unavailable() {
        with_store(exhaustible(), |store| async move {
            let held = store.pool().acquire().await.expect("the only connection");
            assert_fails_fast_while_exhausted(&store).await;
            drop(held);
            assert_eq!(store.user_by_id(Uuid::now_v7()).await.unwrap(), None);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_password_in_the_url_never_appears_in_errors() {
        let url = format!("mysql://authkit:{PASSWORD}@127.0.0.1:1/authkit");
        let options = StoreOptions::default().acquire_timeout(Duration::from_millis(500));
        let error = authkit_sqlx::connect(&url, options)
            .await
            .err()
            .expect("nothing listens on port 1");
        assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
        assert_no_password(&format!("{error} {error:?}"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn connect_picks_mysql_for_both_schemes() {
        let Some(url) = server_url(MYSQL_URL_VAR, &SKIPPED) else {
            return;
        };
        let mariadb = url.replacen("mysql://", "mariadb://", 1);
        for url in [url, mariadb] {
            let store = authkit_sqlx::connect(&url, StoreOptions::default())
                .await
                .expect("connect");
            assert_eq!(store.backend(), Backend::MySql);
            store.ping().await.unwrap();
        }
    }
}
