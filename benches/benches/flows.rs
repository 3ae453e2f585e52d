//! The flows behind the hot path: refresh-token rotation on SQLite, password hashing and
//! verification at the default (OWASP) argon2id parameters, and the password policy (with its
//! zxcvbn estimate) that every new password passes before it is hashed.
//!
//! `cargo bench -p authkit-benches --bench flows`

use std::sync::Arc;
use std::time::Duration;

use authkit_core::dto::RegisterRequest;
use authkit_core::password::{HashParams, PasswordHasher};
use authkit_core::{Auth, AuthConfig, ClientInfo, Registration, SecretString};
use authkit_sqlx::{SqlStore, SqliteStore, StoreOptions};
use criterion::{Criterion, criterion_group, criterion_main};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn refresh_rotation(c: &mut Criterion) {
    let rt = runtime();
    let path = std::env::temp_dir().join(format!("authkit-bench-{}.db", uuid::Uuid::now_v7()));
    let auth = rt.block_on(async {
        let store = SqliteStore::connect(
            &format!("sqlite://{}?mode=rwc", path.display()),
            StoreOptions::default(),
        )
        .await
        .expect("SQLite store");
        store.migrate().await.expect("migrations");
        let config = AuthConfig::builder()
            .hs256_secret(authkit_benches::SECRET)
            .hash_params(HashParams::insecure_fast_for_tests())
            .build()
            .expect("config");
        Auth::builder(config, Arc::new(store))
            .events(Arc::new(authkit_core::events::MemorySink::new()))
            .mailer(Arc::new(authkit_core::mail::MemoryMailer::new()))
            .build()
    });
    let request = RegisterRequest {
        email: "bench@example.com".into(),
        password: "a benchmark passphrase of some length".into(),
        username: None,
        role: None,
    };
    let Registration::Created { tokens, .. } = rt
        .block_on(auth.register(request, &ClientInfo::default()))
        .expect("register")
    else {
        unreachable!("verification is not required");
    };
    let current = std::sync::Mutex::new(tokens.refresh_token);
    let mut g = c.benchmark_group("refresh");
    g.bench_function("rotation on SQLite (file, WAL)", |b| {
        b.to_async(&rt).iter(|| async {
            let token = current.lock().unwrap().clone();
            let pair = auth
                .refresh(&token, &ClientInfo::default())
                .await
                .expect("rotates");
            *current.lock().unwrap() = pair.refresh_token;
        })
    });
    g.finish();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn password(c: &mut Criterion) {
    let rt = runtime();
    let hasher = PasswordHasher::new(HashParams::default(), 2);
    let password = SecretString::from("a benchmark passphrase of some length");
    let hash = rt.block_on(hasher.hash(&password)).expect("hash");
    let mut g = c.benchmark_group("password (argon2id m=19456 t=2 p=1)");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    g.bench_function("hash", |b| b.to_async(&rt).iter(|| hasher.hash(&password)));
    g.bench_function("verify", |b| {
        b.to_async(&rt).iter(|| hasher.verify(&password, &hash))
    });
    g.finish();
}

/// `n` distinct passphrases of four words and a number, as users choose them (15–45 code
/// points), so no estimate is served from a warm cache line of the one before.
fn passphrases(n: usize) -> Vec<SecretString> {
    const WORDS: [&str; 16] = [
        "kettle", "orbit", "quiet", "lantern", "meadow", "copper", "violin", "harbor", "thistle",
        "pebble", "saffron", "glacier", "walnut", "ember", "falcon", "tundra",
    ];
    (0..n)
        .map(|i| {
            let word = |k: usize| WORDS[(i / 16usize.pow(k as u32)) % 16];
            SecretString::from(format!(
                "{} {} {} {} {i}",
                word(0),
                word(1),
                word(2),
                word(3)
            ))
        })
        .collect()
}

fn policy(c: &mut Criterion) {
    let policy = authkit_core::policy::PasswordPolicy::default();
    let rules_only = policy.clone().with_min_strength(0).expect("valid");
    let distinct = passphrases(4096);
    let long: Vec<SecretString> = passphrases(256)
        .iter()
        .map(|p| {
            SecretString::from(
                format!("{} ", p.expose())
                    .repeat(8)
                    .chars()
                    .take(256)
                    .collect::<String>(),
            )
        })
        .collect();
    let mut g = c.benchmark_group("policy");
    for (name, policy, passwords) in [
        (
            "4096 distinct passphrases, zxcvbn (default)",
            &policy,
            &distinct,
        ),
        (
            "4096 distinct passphrases, rules only",
            &rules_only,
            &distinct,
        ),
        (
            "256 distinct 256-code-point passwords, zxcvbn",
            &policy,
            &long,
        ),
    ] {
        let mut next = passwords.iter().cycle();
        g.bench_function(name, |b| {
            b.iter(|| {
                let password = next.next().expect("cycle");
                policy.check(password, "ada@example.com", Some("ada"))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, refresh_rotation, password, policy);
criterion_main!(benches);
