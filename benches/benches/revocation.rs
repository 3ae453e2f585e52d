//! Authentication against the revocation view: a pool of 10,000 distinct tokens (distinct
//! users and sessions) checked against an empty view and against one holding 100,000 live
//! revocations, in one run. With the verified-token cache (the default) and without it, so
//! every check does the view's lookups. Both views are measured in the same rounds, on the same
//! tokens, and the paired ratio is printed at the end.
//!
//! `cargo bench -p authkit-benches --bench revocation`

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use authkit_core::memory::MemoryStore;
use authkit_core::model::{Role, new_id};
use authkit_core::password::HashParams;
use authkit_core::store::{SessionRevocation, SessionStore, UserStore};
use authkit_core::{Auth, AuthConfig};
use criterion::{Criterion, criterion_group, criterion_main};
use time::OffsetDateTime;

const POOL: usize = 10_000;
const REVOKED: usize = 100_000;

/// A service whose view holds `revoked` revoked sessions (of one user, as a logout-all of a
/// bot that logged in 100,000 times would leave them).
fn service(rt: &tokio::runtime::Runtime, revoked: usize, cache: usize) -> Auth {
    let config = AuthConfig::builder()
        .hs256_secret(authkit_benches::SECRET)
        .hash_params(HashParams::insecure_fast_for_tests())
        .verified_token_cache(cache)
        .build()
        .expect("config");
    let store = Arc::new(MemoryStore::new());
    rt.block_on(async {
        let now = OffsetDateTime::now_utc();
        let user = authkit_core::conformance::user("bot@example.com", None);
        store.create_user(&user).await.expect("user");
        for _ in 0..revoked {
            let session = authkit_core::conformance::session(user.id, now);
            let refresh = authkit_core::token::RefreshToken::generate().key();
            store
                .create_session(&session, &refresh)
                .await
                .expect("session");
        }
        store
            .revoke_sessions(user.id, SessionRevocation::All, now)
            .await
            .expect("revoke");
        let auth = Auth::builder(config, store.clone()).build();
        auth.sync_revocations().await.expect("read the feed");
        assert_eq!(auth.revocation_view_len().0, revoked);
        auth
    })
}

/// Tokens of `POOL` distinct users and sessions, none of them revoked.
fn pool(auth: &Auth) -> Vec<String> {
    let now = OffsetDateTime::now_utc();
    (0..POOL)
        .map(|_| {
            auth.jwt()
                .mint(new_id(), new_id(), &Role::user(), now)
                .expect("mint")
                .0
        })
        .collect()
}

fn view(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let _guard = rt.enter();
    let mut ratios = Vec::new();
    for (label, cache) in [("cached", 16_384), ("no cache", 0)] {
        let empty = service(&rt, 0, cache);
        let full = service(&rt, REVOKED, cache);
        let tokens = pool(&empty);
        for auth in [&empty, &full] {
            for token in &tokens {
                let caller = auth.authenticate_now(token).expect("no I/O");
                assert!(caller.is_ok(), "{caller:?}");
            }
        }
        let group = format!("authenticate/10k-token pool, {label}");
        let mut g = c.benchmark_group(&group);
        let totals = std::cell::RefCell::new([Duration::ZERO; 2]);
        let mut next = 0;
        for (name, measured) in [("empty view", 0), ("100k revocations", 1)] {
            g.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    let spent = paired_blocks(&[&empty, &full], &tokens, &mut next, iters);
                    let mut totals = totals.borrow_mut();
                    totals[0] += spent[0];
                    totals[1] += spent[1];
                    spent[measured]
                })
            });
        }
        g.finish();
        let [empty_total, full_total] = totals.into_inner();
        ratios.push((group, full_total.as_secs_f64() / empty_total.as_secs_f64()));
    }
    for (group, ratio) in ratios {
        println!("{group}: 100k revocations / empty view over the same tokens = {ratio:.3}");
    }
}

/// Authenticates `iters` tokens of the pool on each service, in blocks of 64 (the same tokens
/// on both, in alternating order), and returns the time each service spent. Both benchmarks of a group
/// run this, so the two services are always measured side by side and their ratio holds even
/// when the machine's speed drifts between criterion's runs.
fn paired_blocks(
    services: &[&Auth; 2],
    tokens: &[String],
    next: &mut usize,
    iters: u64,
) -> [Duration; 2] {
    const BLOCK: u64 = 64;
    let mut spent = [Duration::ZERO; 2];
    let mut done = 0;
    while done < iters {
        let n = BLOCK.min(iters - done) as usize;
        let start = *next;
        // Which goes first alternates: the second finds the tokens' text in the CPU cache.
        let order = if (start / BLOCK as usize) % 2 == 0 {
            [0, 1]
        } else {
            [1, 0]
        };
        for k in order {
            let auth = services[k];
            let began = Instant::now();
            for j in 0..n {
                let token = &tokens[(start + j) % POOL];
                black_box(auth.authenticate_now(black_box(token)));
            }
            spent[k] += began.elapsed();
        }
        *next = (start + n) % POOL;
        done += n as u64;
    }
    spent
}

criterion_group!(benches, view);
criterion_main!(benches);
