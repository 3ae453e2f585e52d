//! Two processes of the app on one PostgreSQL database: started at once they seed one admin,
//! and a revocation on one is enforced by the other within a second, also after the other's
//! feed connection was killed. Runs when `AUTHKIT_TEST_POSTGRES_URL` is set (`.ci/run` sets it).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use authkit_example_support::testing;
use authkit_sqlx::sqlx;
use serde_json::{Value, json};

const SECRET: &str = "two-instances-secret-of-32-bytes-or-more";
const ADMIN: (&str, &str) = (
    "admin@example.com",
    "the admin passphrase of both instances",
);
const PASSWORD: &str = "a long and unusual passphrase";
/// Every revocation must reach the other instance within this (the target is 1 s; the bound
/// is generous for a loaded CI machine, the median is asserted against the target).
const BOUND: Duration = Duration::from_secs(3);
const SAMPLES: usize = 7;

/// An app process, killed when dropped.
struct Instance {
    child: Child,
    base: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn spawn(database_url: &str, name: &str) -> Instance {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_axum-app"))
        .env("DATABASE_URL", database_url)
        .env("AUTHKIT_BIND", format!("127.0.0.1:{port}"))
        .env("AUTHKIT_JWT_SECRET", SECRET)
        .env("AUTHKIT_ADMIN_EMAIL", ADMIN.0)
        .env("AUTHKIT_ADMIN_PASSWORD", ADMIN.1)
        .env("AUTHKIT_IP_RATE_LIMIT", "0")
        .env("RUST_LOG", "warn,authkit::revocation=info")
        .env("PGAPPNAME", name)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the app");
    Instance {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

async fn wait_until_up(client: &reqwest::Client, instance: &mut Instance) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(answer) = client.get(format!("{}/readyz", instance.base)).send().await
            && answer.status().is_success()
        {
            return;
        }
        if let Ok(Some(status)) = instance.child.try_wait() {
            panic!("the app exited at startup: {status}");
        }
        assert!(Instant::now() < deadline, "the app did not start in 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> Value {
    let answer = client
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("an answer");
    assert!(answer.status().is_success(), "{answer:?}");
    answer.json().await.expect("JSON")
}

async fn status(client: &reqwest::Client, url: &str, token: &str) -> u16 {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("an answer")
        .status()
        .as_u16()
}

/// Logs in on `a`, checks `b` accepts the token, logs out on `a` and measures how long until
/// `b` refuses it.
async fn revocation_delay(client: &reqwest::Client, a: &Instance, b: &Instance) -> Duration {
    let pair = post(
        client,
        format!("{}/auth/login", a.base),
        json!({ "email": "ada@example.com", "password": PASSWORD }),
    )
    .await;
    let token = pair["access_token"].as_str().expect("a token").to_owned();
    let hello = format!("{}/hello", b.base);
    assert_eq!(status(client, &hello, &token).await, 200);
    let logout = client
        .post(format!("{}/auth/logout", a.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("an answer");
    assert_eq!(logout.status().as_u16(), 204);
    let revoked = Instant::now();
    loop {
        if status(client, &hello, &token).await == 401 {
            return revoked.elapsed();
        }
        assert!(
            revoked.elapsed() < BOUND,
            "instance b still accepts the token {BOUND:?} after the logout on a"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn median_delay(client: &reqwest::Client, a: &Instance, b: &Instance, what: &str) {
    let mut delays = Vec::new();
    for _ in 0..SAMPLES {
        delays.push(revocation_delay(client, a, b).await);
    }
    delays.sort();
    let median = delays[SAMPLES / 2];
    eprintln!("revocation a -> b {what}: median {median:?}, all {delays:?}");
    assert!(
        median < Duration::from_secs(1),
        "median {median:?} {what}: {delays:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_share_revocations_and_seed_one_admin() {
    let Some(base) = std::env::var("AUTHKIT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped: AUTHKIT_TEST_POSTGRES_URL is not set");
        return;
    };
    let name = format!("authkit_two_{}", uuid_like());
    let (database_url, _cleanup) = testing::postgres_schema(&base, &name).await;
    let (name_a, name_b) = (format!("{name}_a"), format!("{name}_b"));

    // Both start at once against the empty schema: migrations and the admin seed race.
    let mut a = spawn(&database_url, &name_a);
    let mut b = spawn(&database_url, &name_b);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    wait_until_up(&client, &mut a).await;
    wait_until_up(&client, &mut b).await;

    let pool = sqlx::PgPool::connect(&database_url).await.unwrap();
    let admins: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(admins, 1, "two instances starting at once seed one admin");

    post(
        &client,
        format!("{}/auth/register", a.base),
        json!({ "email": "ada@example.com", "password": PASSWORD }),
    )
    .await;
    median_delay(&client, &a, &b, "with the feed pushed").await;

    // Kill b's feed subscription; b must notice, read the feed and subscribe again.
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = $1 AND query ILIKE 'LISTEN%'",
    )
    .bind(&name_b)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(killed, [true], "b had one LISTEN connection");
    median_delay(&client, &a, &b, "after b's feed connection was killed").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listening: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE application_name = $1 AND query ILIKE 'LISTEN%'",
        )
        .bind(&name_b)
        .fetch_one(&pool)
        .await
        .unwrap();
        if listening == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "b did not subscribe again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    median_delay(&client, &a, &b, "after b subscribed again").await;
    pool.close().await;
}

/// A short unique suffix for the schema name.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{:x}{:x}", nanos, std::process::id())
}
