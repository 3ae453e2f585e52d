//! The server of the end-to-end benchmarks: `bench-server axum|actix PORT`.
//!
//! Serves `GET /open` (no authentication), `GET /protected` (authkit's extractor) and authkit's
//! routes, on a fresh SQLite file, with the default argon2id parameters and no per-IP limit (the
//! load comes from one address). It registers `bench@example.com` and prints one line,
//! `TOKEN=<access token>`, then serves until killed.
//!
//! For the realistic workload it also writes `E2E_POOL` (default 10,000) access tokens of
//! distinct users and sessions, one per line, to `E2E_TOKENS_FILE` (default
//! `/tmp/bench-tokens.txt`), and revokes `E2E_REVOKED` (default 10,000) other sessions first,
//! so the revocation view holds that many live entries while the load runs.

use std::net::SocketAddr;
use std::sync::Arc;

use authkit_core::dto::RegisterRequest;
use authkit_core::http::{HttpApi, HttpConfig};
use authkit_core::model::{Role, Session, new_id};
use authkit_core::store::SessionRevocation;
use authkit_core::token::RefreshToken;
use authkit_core::{Auth, AuthConfig, ClientInfo, Registration};
use authkit_sqlx::{SqlStore, SqliteStore, StoreOptions};
use time::OffsetDateTime;

/// The benchmark account's password (the login flood uses it).
const PASSWORD: &str = "a benchmark passphrase of some length";

fn main() {
    let mut args = std::env::args().skip(1);
    let framework = args.next().unwrap_or_else(|| "axum".into());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(18080);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (api, token) = rt.block_on(setup());
    println!("TOKEN={token}");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    match framework.as_str() {
        "axum" => rt.block_on(serve_axum(api, addr)),
        "actix" => {
            drop(rt);
            actix_web::rt::System::new().block_on(serve_actix(api, addr));
        }
        other => panic!("unknown framework {other:?}: use axum or actix"),
    }
}

async fn setup() -> (HttpApi, String) {
    let path = std::env::temp_dir().join(format!("authkit-e2e-{}.db", uuid::Uuid::now_v7()));
    let store = SqliteStore::connect(
        &format!("sqlite://{}?mode=rwc", path.display()),
        StoreOptions::default(),
    )
    .await
    .expect("SQLite store");
    store.migrate().await.expect("migrations");
    let config = AuthConfig::builder()
        .hs256_secret(authkit_benches::SECRET)
        .build()
        .expect("config");
    let auth = Auth::builder(config, Arc::new(store))
        .events(Arc::new(authkit_core::events::MemorySink::new()))
        .mailer(Arc::new(authkit_core::mail::MemoryMailer::new()))
        .build();
    let request = RegisterRequest {
        email: "bench@example.com".into(),
        password: PASSWORD.into(),
        username: None,
        role: None,
    };
    let Registration::Created { user, tokens } = auth
        .register(request, &ClientInfo::default())
        .await
        .expect("register")
    else {
        unreachable!("verification is not required");
    };
    revoke_sessions(
        &auth,
        user.id,
        tokens.session_id,
        env_count("E2E_REVOKED", 10_000),
    )
    .await;
    write_pool(&auth, env_count("E2E_POOL", 10_000));
    let http = HttpConfig {
        ip_rate_limit: 0,
        ..HttpConfig::default()
    };
    (HttpApi::new(auth, http), tokens.access_token)
}

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Starts and revokes `count` more sessions of `user` (all but `keep`), then reads the feed:
/// the view holds them.
async fn revoke_sessions(auth: &Auth, user: uuid::Uuid, keep: uuid::Uuid, count: usize) {
    let now = OffsetDateTime::now_utc();
    for _ in 0..count {
        let session = Session {
            id: new_id(),
            user_id: user,
            created_at: now,
            last_used_at: now,
            idle_expires_at: now + time::Duration::days(14),
            expires_at: now + time::Duration::days(30),
            revoked_at: None,
            user_agent: None,
            ip: None,
        };
        let refresh = RefreshToken::generate().key();
        auth.store()
            .create_session(&session, &refresh)
            .await
            .expect("session");
    }
    auth.store()
        .revoke_sessions(user, SessionRevocation::AllExcept(keep), now)
        .await
        .expect("revoke");
    auth.sync_revocations().await.expect("read the feed");
    eprintln!("revocation view: {:?}", auth.revocation_view_len());
}

/// Writes `count` tokens of distinct users and sessions for the load generator.
fn write_pool(auth: &Auth, count: usize) {
    let now = OffsetDateTime::now_utc();
    let tokens: Vec<String> = (0..count)
        .map(|_| {
            auth.jwt()
                .mint(new_id(), new_id(), &Role::user(), now)
                .expect("mint")
                .0
        })
        .collect();
    let path = std::env::var("E2E_TOKENS_FILE").unwrap_or_else(|_| "/tmp/bench-tokens.txt".into());
    std::fs::write(&path, tokens.join("\n") + "\n").expect("write the token pool");
}

async fn serve_axum(api: HttpApi, addr: SocketAddr) {
    use axum::routing::get;
    let app = axum::Router::new()
        .route("/open", get(|| async { "ok" }))
        .route(
            "/protected",
            get(|_user: authkit_axum::AuthUser| async { "ok" }),
        )
        .merge(authkit_axum::routes(api.clone()))
        .layer(authkit_axum::AuthLayer::new(api));
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .expect("serve");
}

async fn serve_actix(api: HttpApi, addr: SocketAddr) {
    use actix_web::{App, HttpServer, web};
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    HttpServer::new(move || {
        App::new()
            .configure(authkit_actix::configure(api.clone()))
            .route("/open", web::get().to(|| async { "ok" }))
            .route(
                "/protected",
                web::get().to(|_user: authkit_actix::AuthUser| async { "ok" }),
            )
    })
    .workers(workers)
    .bind(addr)
    .expect("bind")
    .run()
    .await
    .expect("serve");
}
