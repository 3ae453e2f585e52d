//! Access-token validation, the hot path: authkit beside its baselines, in one run.
//!
//! `cargo bench -p authkit-benches --bench validation`

use std::hint::black_box;

use authkit_benches::*;
use authkit_core::jwt::JwtAlgorithm;
use criterion::{Criterion, criterion_group, criterion_main};
use time::OffsetDateTime;

fn hs256(c: &mut Criterion) {
    let codec = codec(JwtAlgorithm::Hs256);
    let token = token(&codec);
    let baseline = JsonwebtokenBaseline::new(JwtAlgorithm::Hs256);
    let floor = HandRolledHs256::default();
    let hmac_key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET);
    let now = OffsetDateTime::now_utc();
    assert!(codec.validate(&token, now).is_ok());
    assert!(baseline.decode(&token).is_some());
    let mut buf = Vec::new();
    assert!(
        floor
            .check(&token, now.unix_timestamp(), &mut buf)
            .is_some()
    );

    let mut g = c.benchmark_group("validate/HS256");
    g.bench_function("hmac-sha256 only", |b| {
        b.iter(|| hmac_only(&hmac_key, black_box(signing_input(&token)).as_bytes()))
    });
    g.bench_function("hand-rolled floor", |b| {
        b.iter(|| floor.check(black_box(&token), now.unix_timestamp(), &mut buf))
    });
    g.bench_function("authkit", |b| {
        b.iter(|| codec.validate(black_box(&token), now))
    });
    let cached = codec.clone().with_verified_cache(4096);
    assert!(cached.validate(&token, now).is_ok());
    g.bench_function("authkit cached", |b| {
        b.iter(|| cached.validate(black_box(&token), now))
    });
    g.bench_function("jsonwebtoken::decode", |b| {
        b.iter(|| baseline.decode(black_box(&token)))
    });
    g.finish();
}

fn asymmetric(c: &mut Criterion) {
    for alg in [
        JwtAlgorithm::Rs256,
        JwtAlgorithm::Es256,
        JwtAlgorithm::EdDsa,
    ] {
        let codec = codec(alg);
        let cached = codec.clone().with_verified_cache(4096);
        let token = token(&codec);
        let baseline = JsonwebtokenBaseline::new(alg);
        let raw = RawVerify::new(alg);
        let now = OffsetDateTime::now_utc();
        assert!(codec.validate(&token, now).is_ok());
        assert!(cached.validate(&token, now).is_ok());
        assert!(baseline.decode(&token).is_some());
        assert!(raw.verify(&token));
        let mut g = c.benchmark_group(format!("validate/{}", alg.as_str()));
        g.bench_function("aws-lc verify only", |b| {
            b.iter(|| raw.verify(black_box(&token)))
        });
        g.bench_function("authkit", |b| {
            b.iter(|| codec.validate(black_box(&token), now))
        });
        g.bench_function("authkit cached", |b| {
            b.iter(|| cached.validate(black_box(&token), now))
        });
        g.bench_function("jsonwebtoken::decode", |b| {
            b.iter(|| baseline.decode(black_box(&token)))
        });
        g.finish();
    }
}

fn minting(c: &mut Criterion) {
    let mut g = c.benchmark_group("mint");
    for alg in [
        JwtAlgorithm::Hs256,
        JwtAlgorithm::Rs256,
        JwtAlgorithm::Es256,
        JwtAlgorithm::EdDsa,
    ] {
        let codec = codec(alg);
        let (user, session, role) = (
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
            authkit_core::Role::user(),
        );
        let now = OffsetDateTime::now_utc();
        g.bench_function(alg.as_str(), |b| {
            b.iter(|| codec.mint(user, session, &role, now))
        });
    }
    g.finish();
}

/// Distinct tokens in the all-miss workload: more than the cache holds, each presented once
/// per pass.
const ALL_MISS: usize = 200_000;
/// The population of the Zipf workload.
const ZIPF_POPULATION: usize = 100_000;

/// Many distinct tokens, as a service sees them: with the default cache and without, on a
/// workload where nothing repeats (the cache cannot help, and must not hurt) and on a Zipf(1.0)
/// popularity over 100,000 tokens (the realistic one).
fn many_tokens(c: &mut Criterion) {
    let plain = codec(JwtAlgorithm::Hs256);
    let cached = plain.clone().with_verified_cache(16_384);
    let now = OffsetDateTime::now_utc();
    let tokens: Vec<String> = (0..ALL_MISS).map(|_| token(&plain)).collect();
    let stream = zipf_ranks(ZIPF_POPULATION, 1 << 20, 0x9E37_79B9);
    let workloads: [(String, Vec<usize>); 2] = [
        (
            format!("validate/HS256, {ALL_MISS} distinct tokens (all miss)"),
            (0..ALL_MISS).collect(),
        ),
        (
            format!("validate/HS256, Zipf(1.0) over {ZIPF_POPULATION} tokens"),
            stream,
        ),
    ];
    let mut ratios = Vec::new();
    for (group, order) in &workloads {
        let mut g = c.benchmark_group(group);
        let paired = std::cell::RefCell::new(Paired::<2>::new(order.len()));
        for (name, measured) in [("no cache", 0), ("default cache", 1)] {
            g.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    paired.borrow_mut().run(iters, measured, |k, i| {
                        let codec = if k == 0 { &plain } else { &cached };
                        let _ = black_box(codec.validate(black_box(&tokens[order[i]]), now));
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
        println!("{group}: default cache / no cache over the same tokens = {ratio:.3}");
    }
}

/// `len` ranks drawn from Zipf(1.0) over `n` items (deterministic).
fn zipf_ranks(n: usize, len: usize, mut seed: u64) -> Vec<usize> {
    let mut cumulative = Vec::with_capacity(n);
    let mut total = 0.0;
    for rank in 1..=n {
        total += 1.0 / rank as f64;
        cumulative.push(total);
    }
    (0..len)
        .map(|_| {
            seed ^= seed >> 12;
            seed ^= seed << 25;
            seed ^= seed >> 27;
            let unit =
                (seed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
            cumulative.partition_point(|c| *c < unit * total)
        })
        .collect()
}

criterion_group!(benches, hs256, asymmetric, minting, many_tokens);
criterion_main!(benches);
