//! What every command shares: the settings, the store, the service, the failure type and
//! logging.

use std::fmt;
use std::sync::Arc;

use authkit_core::events::{EventSink, FanOut, TracingSink};
use authkit_core::policy::hibp::HibpCheck;
use authkit_core::store::Store;
use authkit_core::{Auth, FeedMode};
use authkit_example_support::{Settings, SettingsError, redact_url};
use authkit_sqlx::{SqlStore, StoreOptions};

/// Why a command failed: printed as `error: …`, exit code 1. Never holds a secret.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<SettingsError> for Failure {
    fn from(err: SettingsError) -> Self {
        Self(err.to_string())
    }
}

/// Logs to standard error (standard output carries results): `RUST_LOG`, default `warn`.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// The apps' settings from the environment. `AUTHKIT_ADMIN_EMAIL` and
/// `AUTHKIT_ADMIN_PASSWORD` are left to `create-admin`, which reads them one by one (the apps
/// want both or neither).
pub fn settings() -> Result<Settings, Failure> {
    Ok(Settings::from_lookup(|name| match name {
        "AUTHKIT_ADMIN_EMAIL" | "AUTHKIT_ADMIN_PASSWORD" => None,
        _ => std::env::var(name).ok(),
    })?)
}

/// The database, shown with its password hidden, for messages.
pub fn database(settings: &Settings) -> String {
    redact_url(&settings.database_url)
}

/// Connects to `DATABASE_URL` (without migrating).
pub async fn store(settings: &Settings) -> Result<Arc<dyn SqlStore>, Failure> {
    authkit_sqlx::connect(&settings.database_url, StoreOptions::default())
        .await
        .map_err(|err| {
            Failure::new(format!(
                "DATABASE_URL ({}): cannot connect: {err}",
                database(settings)
            ))
        })
}

/// The service over `store`, configured as the apps are, with two differences: no revocation
/// view (nothing here checks tokens; what a command revokes goes to the feed the apps read),
/// and events go to the store's audit trail and the log as in the apps.
pub fn auth(settings: &Settings, store: &Arc<dyn SqlStore>) -> Result<Auth, Failure> {
    let mut feed = settings.revocation_feed;
    feed.mode = FeedMode::Off;
    let config = settings
        .auth_config()?
        .revocation_feed(feed)
        .build()
        .map_err(|err| Failure::new(format!("configuration: {err}")))?;
    let events: Arc<dyn EventSink> =
        Arc::new(FanOut::new(vec![Arc::new(TracingSink), store.clone()]));
    let as_store: Arc<dyn Store> = store.clone();
    let mut builder = Auth::builder(config, as_store).events(events);
    if let Some(options) = &settings.breach_check {
        let check = HibpCheck::with_options(options.clone())
            .map_err(|err| Failure::new(format!("AUTHKIT_HIBP_URL: {err}")))?;
        builder = builder.password_check(Arc::new(check));
    }
    Ok(builder.build())
}

/// A failure of a command that works on authkit's tables; when they are missing, the remedy.
pub fn store_failure(settings: &Settings, err: impl fmt::Display) -> Failure {
    let message = err.to_string();
    let missing_table = ["no such table", "does not exist", "doesn't exist"]
        .iter()
        .any(|sign| message.contains(sign));
    let hint = if missing_table {
        " (authkit's tables are missing: run `authkit migrate` first)"
    } else {
        ""
    };
    Failure::new(format!(
        "DATABASE_URL ({}): {message}{hint}",
        database(settings)
    ))
}
