//! Authentication against the revocation view: a pool of 10,000 distinct tokens (distinct
//! users and sessions) checked against an empty view and against one holding 100,000 live
//! revocations, in one run. With the verified-token cache (the default) and without it, so
//! every check does the view's lookups. Both views are measured in the same rounds, on the same
//! tokens, and the paired ratio is printed at the end.
//!
//! `cargo bench -p authkit-benches --bench revocation`

use std::hint::black_box;
use std::sync::Arc;

use authkit_benches::Paired;
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
        let user = authkit_store_conformance::user("bot@example.com", None);
        store.create_user(&user).await.expect("user");
        for _ in 0..revoked {
            let session = authkit_store_conformance::session(user.id, now);
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
        let paired = std::cell::RefCell::new(Paired::<2>::new(POOL));
        for (name, measured) in [("empty view", 0), ("100k revocations", 1)] {
            g.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    paired.borrow_mut().run(iters, measured, |k, i| {
                        let auth = if k == 0 { &empty } else { &full };
                        black_box(auth.authenticate_now(black_box(&tokens[i])));
                    })
                })
            });
        }
        g.finish();
        if let Some(ratio) = paired.borrow().ratio(1, 0) {
            ratios.push((group, ratio));
        }
    }
    for (group, ratio) in ratios {
        println!("{group}: 100k revocations / empty view over the same tokens = {ratio:.3}");
    }
}

criterion_group!(benches, view);
criterion_main!(benches);
