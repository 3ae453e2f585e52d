//! Several app instances on one PostgreSQL: two stores with two pools on one schema stand for
//! two processes. Runs when `AUTHKIT_TEST_POSTGRES_URL` is set.
#![cfg(feature = "postgres")]

mod common;

use std::sync::{Arc, Once};

use authkit_core::store::{Rotation, Store};
use authkit_core::token::RefreshToken;
use authkit_sqlx::{SqlStore, StoreOptions};
use authkit_store_conformance::{T0, session, user};
use common::postgres::{create_pg_schema, drop_pg_schema, pg_store_in};
use common::{POSTGRES_URL_VAR, run_then, server_url};
use time::Duration;

static SKIPPED: Once = Once::new();

/// Two stores on one fresh schema, both migrated at the same time, then the body.
async fn with_two_instances<F, Fut>(body: F)
where
    F: FnOnce(Arc<dyn Store>, Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some(url) = server_url(POSTGRES_URL_VAR, &SKIPPED) else {
        return;
    };
    let (admin, schema) = create_pg_schema(&url).await;
    let a = pg_store_in(&url, &schema, StoreOptions::default()).await;
    let b = pg_store_in(&url, &schema, StoreOptions::default()).await;
    // Instances start together: the migrator's lock lets one migrate, the other finds it done.
    let (migrated_a, migrated_b) = tokio::join!(a.migrate(), b.migrate());
    migrated_a.expect("instance a migrates");
    migrated_b.expect("instance b migrates");
    run_then(
        body(Arc::new(a), Arc::new(b)),
        drop_pg_schema(admin, &schema),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_rotate_one_refresh_token_with_a_single_winner() {
    with_two_instances(|a, b| async move {
        let u = user("ada@example.com", None);
        a.create_user(&u).await.unwrap();
        let s = session(u.id, T0);
        let old = RefreshToken::generate().key();
        a.create_session(&s, &old).await.unwrap();

        let now = T0 + Duration::seconds(1);
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let store = Arc::clone(if i % 2 == 0 { &a } else { &b });
                let rotation = Rotation {
                    selector: old.selector,
                    old: old.hash,
                    new: RefreshToken::successor(old.selector).key().hash,
                    now,
                    idle_expires_at: now + Duration::days(14),
                };
                tokio::spawn(
                    async move { (rotation.new, store.rotate_refresh_token(&rotation).await) },
                )
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            let (new, outcome) = task.await.unwrap();
            if outcome.expect("no store error under contention").is_some() {
                winners.push(new);
            }
        }
        assert_eq!(
            winners.len(),
            1,
            "exactly one of 50 rotations across two instances"
        );
        for store in [&a, &b] {
            let family = store.refresh_family(&old.selector).await.unwrap().unwrap();
            assert_eq!(family.current, winners[0]);
            assert_eq!(family.previous, Some(old.hash));
            assert_eq!(family.rotated_at, Some(now));
            assert_eq!(family.session.last_used_at, now);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_count_failed_logins_together() {
    with_two_instances(|a, b| async move {
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let store = Arc::clone(if i % 2 == 0 { &a } else { &b });
                tokio::spawn(async move {
                    store
                        .record_login_failure("shared", T0, Duration::hours(1))
                        .await
                        .expect("no store error under contention")
                })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.push(task.await.unwrap());
        }
        seen.sort_unstable();
        assert_eq!(seen, (1..=40).collect::<Vec<u32>>());
        assert_eq!(b.login_failures("shared").await.unwrap().unwrap().count, 40);
    })
    .await;
}

/// A database that refuses connections (`ALLOW_CONNECTIONS false`, SQLSTATE 55000) is
/// "unavailable" (503) to every call, like a network partition, never a backend failure (500).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_refuses_connections_is_unavailable() {
    use authkit_core::store::{StoreError, UserStore};
    use authkit_sqlx::sqlx::{AssertSqlSafe, PgPool, raw_sql};

    let Some(url) = server_url(POSTGRES_URL_VAR, &SKIPPED) else {
        return;
    };
    let admin = PgPool::connect(&url).await.expect("PostgreSQL");
    let name = format!("authkit_closed_{}", uuid::Uuid::now_v7().simple());
    raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create a database");
    let (base, _) = url.rsplit_once('/').expect("a database in the URL");
    let store = authkit_sqlx::PgStore::connect(
        &format!("{base}/{name}"),
        StoreOptions::default().acquire_timeout(std::time::Duration::from_secs(5)),
    )
    .await
    .expect("connect");
    store.migrate().await.expect("migrations");
    store.ping().await.expect("ready while open");

    raw_sql(AssertSqlSafe(format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    )))
    .execute(&admin)
    .await
    .expect("close the database");
    let outcomes = [
        store.ping().await.err(),
        store.ping().await.err(),
        store.user_by_email("ada@example.com").await.err(),
    ];
    raw_sql(AssertSqlSafe(format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS true"
    )))
    .execute(&admin)
    .await
    .expect("reopen");
    store.pool().close().await;
    let _ = raw_sql(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await;
    for outcome in outcomes {
        assert!(
            matches!(outcome, Some(StoreError::Unavailable(_))),
            "{outcome:?}"
        );
    }
}
