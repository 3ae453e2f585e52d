//! Refresh rotation on PostgreSQL beside its floor, one committed single-row `UPDATE` on the
//! same pool, at 1 and 16 concurrent clients. Each client rotates its own session's chain, as
//! real clients do (never one token for everyone), and interleaves the two operations, so both
//! are measured under the same conditions.
//!
//! `AUTHKIT_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p authkit-benches --bench rotation`
//! (`AUTHKIT_TEST_POSTGRES_URL` is used when the first is unset; without either it does nothing).

use std::sync::Arc;
use std::time::{Duration, Instant};

use authkit_core::store::{Rotation, SessionStore, UserStore};
use authkit_core::token::{RefreshKey, RefreshToken};
use authkit_sqlx::sqlx::{self, PgPool};
use authkit_sqlx::{PgStore, SqlStore, StoreOptions};
use authkit_store_conformance::{session, user};
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
    current: std::sync::Mutex<RefreshKey>,
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
        let first = RefreshToken::generate().key();
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
        selector: old.selector,
        old: old.hash,
        new: RefreshToken::successor(old.selector).key().hash,
        now,
        idle_expires_at: now + time::Duration::days(14),
    };
    store
        .rotate_refresh_token(&rotation)
        .await
        .expect("rotation")
        .expect("the chain rotates");
    client.current.lock().unwrap().hash = rotation.new;
}

async fn floor(pool: &PgPool, client: &Client) {
    sqlx::query("UPDATE floor SET n = n + 1 WHERE id = $1")
        .bind(client.floor_id)
        .execute(pool)
        .await
        .expect("floor update");
}

/// What a benchmark times.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Measured {
    Floor,
    Rotation,
}

/// The time spent in each operation over every round of one concurrency, whichever benchmark
/// was measuring: the paired totals behind the ratio printed at the end.
#[derive(Default)]
struct Paired {
    floor: Duration,
    rotation: Duration,
}

/// `iters` rounds in which every client does one floor update and one rotation, in an order
/// that alternates, the clients concurrent. Returns the mean over clients of the summed time
/// of the `measured` operation, and adds both operations' times to `paired`. Because both run
/// in the same rounds, their ratio compares like with like even when the machine's speed
/// drifts between criterion's runs (this machine is shared, and a checkpoint or a neighbour
/// can slow one run several-fold).
async fn rounds(
    store: &Arc<PgStore>,
    pool: &PgPool,
    clients: &[Arc<Client>],
    iters: u64,
    measured: Measured,
    paired: &std::sync::Mutex<Paired>,
) -> Duration {
    let tasks: Vec<_> = clients
        .iter()
        .map(|client| {
            let (store, pool, client) = (Arc::clone(store), pool.clone(), Arc::clone(client));
            tokio::spawn(async move {
                let mut spent = Paired::default();
                for i in 0..iters {
                    for kind in if i % 2 == 0 {
                        [Measured::Floor, Measured::Rotation]
                    } else {
                        [Measured::Rotation, Measured::Floor]
                    } {
                        let start = Instant::now();
                        match kind {
                            Measured::Floor => {
                                floor(&pool, &client).await;
                                spent.floor += start.elapsed();
                            }
                            Measured::Rotation => {
                                rotate(&store, &client).await;
                                spent.rotation += start.elapsed();
                            }
                        }
                    }
                }
                spent
            })
        })
        .collect();
    let mut total = Paired::default();
    for task in tasks {
        let spent = task.await.expect("client task");
        total.floor += spent.floor;
        total.rotation += spent.rotation;
    }
    let mut all = paired.lock().unwrap();
    all.floor += total.floor;
    all.rotation += total.rotation;
    let mine = match measured {
        Measured::Floor => total.floor,
        Measured::Rotation => total.rotation,
    };
    mine / clients.len() as u32
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
    let mut ratios = Vec::new();
    for n in CLIENTS {
        let name = format!("rotation/PostgreSQL/c={n}");
        let mut g = c.benchmark_group(&name);
        let clients = &clients[..n];
        let paired = std::sync::Mutex::new(Paired::default());
        for (label, measured) in [
            ("floor: one committed single-row UPDATE", Measured::Floor),
            ("authkit rotate_refresh_token", Measured::Rotation),
        ] {
            g.bench_function(label, |b| {
                b.to_async(&rt)
                    .iter_custom(|iters| rounds(&store, &pool, clients, iters, measured, &paired))
            });
        }
        g.finish();
        let paired = paired.into_inner().unwrap();
        if !paired.floor.is_zero() {
            // Zero when criterion's filter skipped this group.
            ratios.push((
                name,
                paired.rotation.as_secs_f64() / paired.floor.as_secs_f64(),
            ));
        }
    }
    for (name, ratio) in ratios {
        println!("{name}: rotation / floor over the same rounds = {ratio:.3}");
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
