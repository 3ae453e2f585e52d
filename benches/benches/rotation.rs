//! Refresh rotation on PostgreSQL beside its floor, one committed single-row `UPDATE` on the
//! same pool, at 1 and 16 concurrent clients. Each client rotates its own session's chain, as
//! real clients do (never one token for everyone).
//!
//! `AUTHKIT_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p authkit-benches --bench rotation`
//! (`AUTHKIT_TEST_POSTGRES_URL` is used when the first is unset; without either it does nothing).

use std::sync::Arc;
use std::time::{Duration, Instant};

use authkit_core::conformance::{session, user};
use authkit_core::store::{Rotation, SessionStore, UserStore};
use authkit_core::token::{OpaqueToken, TokenHash};
use authkit_sqlx::sqlx::{self, PgPool};
use authkit_sqlx::{PgStore, SqlStore, StoreOptions};
use criterion::{Criterion, criterion_group, criterion_main};
use time::OffsetDateTime;

const CLIENTS: [usize; 2] = [1, 16];

fn url() -> Option<String> {
    ["AUTHKIT_BENCH_POSTGRES_URL", "AUTHKIT_TEST_POSTGRES_URL"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|u| !u.is_empty()))
}

/// A client: its session's current refresh token.
struct Client {
    current: std::sync::Mutex<TokenHash>,
    floor_id: i64,
}

async fn setup(base: &str, schema: &str) -> (Arc<PgStore>, PgPool, Vec<Arc<Client>>) {
    let admin = PgPool::connect(base).await.expect("PostgreSQL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("schema");
    admin.close().await;
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    let options = StoreOptions::default()
        .max_connections(16)
        .min_connections(16);
    let store = PgStore::connect(&url, options).await.expect("store");
    store.migrate().await.expect("migrations");
    let pool = store.pool().clone();
    sqlx::raw_sql("CREATE TABLE floor (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
        .execute(&pool)
        .await
        .expect("floor table");
    let now = OffsetDateTime::now_utc();
    let mut clients = Vec::new();
    for i in 0..16 {
        let u = user(&format!("bench{i}@example.com"), None);
        store.create_user(&u).await.expect("user");
        let s = session(u.id, now);
        let first = OpaqueToken::generate().hash();
        store.create_session(&s, &first).await.expect("session");
        sqlx::query("INSERT INTO floor (id, n) VALUES ($1, 0)")
            .bind(i)
            .execute(&pool)
            .await
            .expect("floor row");
        clients.push(Arc::new(Client {
            current: std::sync::Mutex::new(first),
            floor_id: i,
        }));
    }
    (Arc::new(store), pool, clients)
}

async fn rotate(store: &PgStore, client: &Client) {
    let old = *client.current.lock().unwrap();
    let now = OffsetDateTime::now_utc();
    let rotation = Rotation {
        old,
        new: OpaqueToken::generate().hash(),
        now,
        idle_expires_at: now + time::Duration::days(14),
    };
    store
        .rotate_refresh_token(&rotation)
        .await
        .expect("rotation")
        .expect("the chain rotates");
    *client.current.lock().unwrap() = rotation.new;
}

async fn floor(pool: &PgPool, client: &Client) {
    sqlx::query("UPDATE floor SET n = n + 1 WHERE id = $1")
        .bind(client.floor_id)
        .execute(pool)
        .await
        .expect("floor update");
}

/// `iters` rounds of one operation per client, the clients concurrent; the time per round.
async fn rounds<F, Fut>(clients: &[Arc<Client>], iters: u64, op: F) -> Duration
where
    F: Fn(Arc<Client>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let start = Instant::now();
    let tasks: Vec<_> = clients
        .iter()
        .map(|client| {
            let (client, op) = (Arc::clone(client), op.clone());
            tokio::spawn(async move {
                for _ in 0..iters {
                    op(Arc::clone(&client)).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("client task");
    }
    start.elapsed()
}

fn rotation(c: &mut Criterion) {
    let Some(base) = url() else {
        eprintln!("rotation bench: set AUTHKIT_BENCH_POSTGRES_URL to run it");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let schema = format!("authkit_bench_{}", uuid::Uuid::now_v7().simple());
    let (store, pool, clients) = rt.block_on(setup(&base, &schema));
    for n in CLIENTS {
        let mut g = c.benchmark_group(format!("rotation/PostgreSQL/c={n}"));
        let clients = &clients[..n];
        g.bench_function("floor: one committed single-row UPDATE", |b| {
            b.to_async(&rt).iter_custom(|iters| {
                let pool = pool.clone();
                async move {
                    rounds(clients, iters, move |client| {
                        let pool = pool.clone();
                        async move { floor(&pool, &client).await }
                    })
                    .await
                }
            })
        });
        g.bench_function("authkit rotate_refresh_token", |b| {
            b.to_async(&rt).iter_custom(|iters| {
                let store = Arc::clone(&store);
                async move {
                    rounds(clients, iters, move |client| {
                        let store = Arc::clone(&store);
                        async move { rotate(&store, &client).await }
                    })
                    .await
                }
            })
        });
        g.finish();
    }
    rt.block_on(async {
        pool.close().await;
        if let Ok(admin) = PgPool::connect(&base).await {
            let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                .execute(&admin)
                .await;
        }
    });
}

criterion_group!(benches, rotation);
criterion_main!(benches);
