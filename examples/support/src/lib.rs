//! What the example apps share, so the axum and actix-web apps read the same variables, start
//! the same way and are tested the same way: [`Settings`] from the environment, [`build`] (store,
//! migrations, keys, admin seed), logging, shutdown, and (feature `testing`) the harness that
//! runs the HTTP conformance suite against a fresh app.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod settings;
#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;

use authkit_core::events::{EventSink, TracingSink};
use authkit_core::http::{HttpApi, HttpConfig};
use authkit_core::mail::{ConsoleMailer, Mailer};
use authkit_core::store::Store;
use authkit_core::{Auth, AuthConfigBuilder};
use authkit_sqlx::{SqlStore, StoreOptions};

pub use settings::{LogFormat, Settings, SettingsError};

/// A started app's parts.
pub struct App {
    /// The HTTP face of the service, for an adapter to serve.
    pub api: HttpApi,
    /// The store (also the event sink).
    pub store: Arc<dyn SqlStore>,
}

/// Any startup failure, with a message that names what to fix.
pub type StartupError = Box<dyn std::error::Error + Send + Sync>;

/// Connects the store, runs migrations, builds the service and seeds the admin.
pub async fn build(settings: &Settings) -> Result<App, StartupError> {
    build_with(settings, settings.auth_config()?, Arc::new(ConsoleMailer)).await
}

/// [`build`] with a given configuration builder and mailer (tests use both).
pub async fn build_with(
    settings: &Settings,
    config: AuthConfigBuilder,
    mailer: Arc<dyn Mailer>,
) -> Result<App, StartupError> {
    let store = authkit_sqlx::connect(&settings.database_url, StoreOptions::default())
        .await
        .map_err(|e| format!("DATABASE_URL: cannot connect: {e}"))?;
    store
        .migrate()
        .await
        .map_err(|e| format!("DATABASE_URL: migrations failed: {e}"))?;
    let events: Arc<dyn EventSink> = Arc::new(authkit_core::events::FanOut::new(vec![
        Arc::new(TracingSink),
        store.clone(),
    ]));
    let store_for_auth: Arc<dyn Store> = store.clone();
    let auth = Auth::builder(config.build()?, store_for_auth)
        .mailer(mailer)
        .events(events)
        .build();
    if let Some((email, password)) = &settings.admin {
        match auth.ensure_admin(email, password).await {
            Ok(Some(_)) => tracing::info!("created the admin account {email}"),
            Ok(None) => tracing::info!("an admin account exists; AUTHKIT_ADMIN_* left unused"),
            Err(e) => return Err(format!("AUTHKIT_ADMIN_EMAIL/PASSWORD: {e}").into()),
        }
    }
    let http = HttpConfig {
        prefix: "/auth".into(),
        ip_rate_limit: settings.ip_rate_limit,
        trusted_proxies: settings.trusted_proxies.clone(),
    };
    Ok(App {
        api: HttpApi::new(auth, http),
        store,
    })
}

/// Installs the `tracing` subscriber: `RUST_LOG` filter (default `info`), text or JSON.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// Resolves on Ctrl-C (and SIGTERM on Unix), for graceful shutdown.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
