//! Extractor overhead, in process (no sockets): the cost a protected handler pays over an open
//! one on each framework, with the default verified-token cache and with it off. Each framework
//! also runs its no-op extractor `()` through the same harness: the difference is authkit's.
//!
//! `cargo bench -p authkit-benches --bench extractors`

use std::hint::black_box;
use std::sync::Arc;

use authkit_core::http::{HttpApi, HttpConfig};
use authkit_core::memory::MemoryStore;
use authkit_core::{Auth, AuthConfig};
use criterion::{Criterion, criterion_group, criterion_main};

fn api(cache: usize) -> (HttpApi, String) {
    let config = AuthConfig::builder()
        .hs256_secret(authkit_benches::SECRET)
        .verified_token_cache(cache)
        .build()
        .expect("config");
    let auth = Auth::builder(config, Arc::new(MemoryStore::new())).build();
    let token = authkit_benches::token(auth.jwt());
    (
        HttpApi::new(auth, HttpConfig::default()),
        format!("Bearer {token}"),
    )
}

fn extractors(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for (label, cache) in [("cache on (default)", 4096), ("cache off", 0)] {
        let (api, bearer) = api(cache);
        let mut g = c.benchmark_group(format!("extract AuthUser, {label}"));

        let request = axum::http::Request::builder()
            .header("authorization", &bearer)
            .extension(api.clone())
            .body(())
            .expect("request");
        let (mut parts, ()) = request.into_parts();
        g.bench_function("axum, baseline: no extractor", |b| {
            b.iter(|| {
                rt.block_on(
                    <() as axum::extract::FromRequestParts<()>>::from_request_parts(
                        black_box(&mut parts),
                        &(),
                    ),
                )
                .expect("infallible")
            })
        });
        g.bench_function("axum", |b| {
            b.iter(|| {
                rt.block_on(<authkit_axum::AuthUser as axum::extract::FromRequestParts<()>>::from_request_parts(
                    black_box(&mut parts),
                    &(),
                ))
                .expect("authenticated")
            })
        });

        let req = actix_web::test::TestRequest::default()
            .insert_header(("authorization", bearer.as_str()))
            .app_data(actix_web::web::Data::new(api.clone()))
            .to_http_request();
        g.bench_function("actix-web, baseline: no extractor", |b| {
            b.iter(|| {
                let mut payload = actix_web::dev::Payload::None;
                rt.block_on(<() as actix_web::FromRequest>::from_request(
                    black_box(&req),
                    &mut payload,
                ))
                .expect("infallible")
            })
        });
        g.bench_function("actix-web", |b| {
            b.iter(|| {
                let mut payload = actix_web::dev::Payload::None;
                rt.block_on(
                    <authkit_actix::AuthUser as actix_web::FromRequest>::from_request(
                        black_box(&req),
                        &mut payload,
                    ),
                )
                .expect("authenticated")
            })
        });
        g.finish();
    }
}

criterion_group!(benches, extractors);
criterion_main!(benches);
