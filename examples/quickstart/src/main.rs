//! `AUTHKIT_JWT_SECRET=<32+ bytes> cargo run -p quickstart`: the whole auth flow under `/auth`
//! and one route of the application's own, on SQLite (`quickstart.db`), at `127.0.0.1:3000`
//! (or `AUTHKIT_BIND`). The README's quick start is this file.

use std::sync::Arc;

use authkit_axum::{AuthLayer, AuthUser};
use authkit_core::http::{HttpApi, HttpConfig};
use authkit_core::mail::ConsoleMailer;
use authkit_core::{Auth, AuthConfig};
use authkit_sqlx::StoreOptions;
use axum::{Router, routing::get};

async fn hello(user: AuthUser) -> String {
    format!("hello {}, you are a {}", user.user_id, user.role())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init(); // the console mailer logs its links
    let bind = std::env::var("AUTHKIT_BIND").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let config = AuthConfig::builder()
        .hs256_secret(&std::env::var("AUTHKIT_JWT_SECRET")?)
        .public_url(format!("http://{bind}"))
        .build()?;
    let store =
        authkit_sqlx::connect("sqlite://quickstart.db?mode=rwc", StoreOptions::default()).await?;
    store.migrate().await?;
    let auth = Auth::builder(config, store)
        .mailer(Arc::new(ConsoleMailer))
        .build();
    let api = HttpApi::new(auth, HttpConfig::default());
    let app = Router::new()
        .route("/hello", get(hello))
        .merge(authkit_axum::routes(api.clone()))
        .layer(AuthLayer::new(api));
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    authkit_axum::serve(listener, app, std::future::pending()).await?;
    Ok(())
}
