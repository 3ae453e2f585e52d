//! What the example apps share, so the axum and actix-web apps read the same variables, start
//! the same way and are tested the same way: [`Settings`] from the environment, [`build`] (store,
//! migrations, keys, admin seed, the pruning task), logging, shutdown, and (feature `testing`) the harness that
//! runs the HTTP conformance suite against a fresh app.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod metrics;
#[cfg(feature = "testing")]
pub mod operations;
mod settings;
#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;

use authkit_core::events::{EventSink, TracingSink};
use authkit_core::http::{HttpApi, HttpConfig};
use authkit_core::mail::{ConsoleMailer, Mailer};
use authkit_core::policy::hibp::HibpCheck;
use authkit_core::store::Store;
use authkit_core::{Auth, AuthConfigBuilder, PrunePolicy};
use authkit_sqlx::{SqlStore, StoreOptions};

pub use authkit_mail::SmtpMailer;
pub use metrics::{CONTENT_TYPE as METRICS_CONTENT_TYPE, DB_POOL_CONNECTIONS, Metrics};
pub use settings::{
    CookieSettings, LogFormat, MetricsSettings, Settings, SettingsError, redact_url,
};

/// A started app's parts.
pub struct App {
    /// The HTTP face of the service, for an adapter to serve.
    pub api: HttpApi,
    /// The store (also the event sink).
    pub store: Arc<dyn SqlStore>,
    /// The metrics page, when the app serves it on its own listener (`AUTHKIT_METRICS_PATH`
    /// without `AUTHKIT_METRICS_BIND`).
    pub metrics: Option<Metrics>,
}

/// Any startup failure, with a message that names what to fix.
pub type StartupError = Box<dyn std::error::Error + Send + Sync>;

/// Connects the store, runs migrations, builds the service, seeds the admin and starts the
/// pruning task (see [`spawn_pruning`]).
pub async fn build(settings: &Settings) -> Result<App, StartupError> {
    let mailer: Arc<dyn Mailer> = match &settings.smtp_url {
        Some(url) => Arc::new(
            SmtpMailer::new(url.expose(), &settings.mail_from)
                .map_err(|e| format!("AUTHKIT_SMTP_URL / AUTHKIT_MAIL_FROM: {e}"))?,
        ),
        None => {
            tracing::info!("AUTHKIT_SMTP_URL is not set: mail is printed to the log");
            Arc::new(ConsoleMailer)
        }
    };
    build_with(settings, settings.auth_config()?, mailer).await
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
    let mut builder = Auth::builder(config.build()?, store_for_auth)
        .mailer(mailer)
        .events(events);
    if let Some(options) = &settings.breach_check {
        let check = HibpCheck::with_options(options.clone())
            .map_err(|e| format!("AUTHKIT_HIBP_URL: {e}"))?;
        builder = builder.password_check(Arc::new(check));
    }
    if let Some(totp) = &settings.totp {
        builder = builder.totp(totp.clone());
    }
    if let Some(email_sign_in) = settings.email_sign_in {
        builder = builder.email_sign_in(email_sign_in);
    }
    if let Some(oauth) = &settings.oauth {
        builder = builder.oauth(oauth.clone());
    }
    if let Some(passkeys) = &settings.passkeys {
        builder = builder.passkeys(passkeys.clone());
    }
    let auth = builder.build();
    if let Some((email, password)) = &settings.admin {
        match auth.ensure_admin(email, password).await {
            Ok(Some(_)) => tracing::info!("created the admin account {email}"),
            Ok(None) => tracing::info!("an admin account exists; AUTHKIT_ADMIN_* left unused"),
            Err(e) => return Err(format!("AUTHKIT_ADMIN_EMAIL/PASSWORD: {e}").into()),
        }
    }
    // The first read of the revocation feed, before the first request is served.
    auth.sync_revocations()
        .await
        .map_err(|e| format!("DATABASE_URL: cannot read the revocation feed: {e}"))?;
    let metrics = match &settings.metrics {
        Some(wanted) => Metrics::start(wanted, store.clone()).await?,
        None => None,
    };
    if let Some(interval) = settings.prune_interval {
        spawn_pruning(auth.clone(), settings.prune_policy()?, interval);
    }
    let http = HttpConfig {
        prefix: settings.route_prefix.clone(),
        root_routes_under_prefix: settings.route_prefix_all,
        ip_rate_limit: settings.ip_rate_limit,
        trusted_proxies: settings.trusted_proxies.clone(),
        password_grant: settings.password_grant,
        cors_origins: settings.cors_origins.clone(),
        cookies: settings.cookie_config(),
        hosted_pages: settings
            .hosted_pages
            .then(authkit_core::http::PageTemplates::default),
        ..HttpConfig::default()
    };
    Ok(App {
        api: HttpApi::new(auth, http),
        store,
        metrics,
    })
}

/// Starts the background task that deletes what has ended ([`Auth::prune`] under `policy`):
/// first after a random delay of up to a minute (or of `interval`, if shorter), so instances
/// started together do not prune together, then every `interval`. A run that deleted
/// something is logged at info, a failed one at warn; neither stops the task or the app. It
/// runs as long as the Tokio runtime does.
pub fn spawn_pruning(auth: Auth, policy: PrunePolicy, interval: time::Duration) {
    let interval = std::time::Duration::try_from(interval)
        .unwrap_or(std::time::Duration::from_secs(3600))
        .max(std::time::Duration::from_millis(1));
    let first = jitter(interval.min(std::time::Duration::from_secs(60)));
    tokio::spawn(async move {
        tokio::time::sleep(first).await;
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match auth.prune(&policy).await {
                Ok(report) if report.total() > 0 => {
                    tracing::info!(target: "authkit::prune", %report, "deleted what has ended");
                }
                Ok(_) => tracing::debug!(target: "authkit::prune", "nothing to delete"),
                Err(err) => {
                    tracing::warn!(target: "authkit::prune", %err, "pruning failed; trying again at the next interval");
                }
            }
        }
    });
}

/// A random duration below `bound`.
fn jitter(bound: std::time::Duration) -> std::time::Duration {
    use std::hash::{BuildHasher, Hasher};
    // A randomly keyed hasher is random enough to spread instances apart.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX).max(1);
    std::time::Duration::from_nanos(random % nanos)
}

/// Reads the settings from the environment and installs logging, warning loudly when the JWT
/// secret had to be generated. A configuration error is printed and turned into the exit code.
pub fn load_settings() -> Result<Settings, std::process::ExitCode> {
    let settings = Settings::from_env().map_err(|err| {
        eprintln!("configuration error: {err}");
        std::process::ExitCode::FAILURE
    })?;
    init_logging(settings.log_format);
    if settings.jwt_secret_generated() {
        tracing::warn!(
            "AUTHKIT_JWT_SECRET is not set: using a random secret for this process only. \
             Every token dies when it stops, and several instances cannot share sessions. \
             Set AUTHKIT_JWT_SECRET (32+ bytes) in any real deployment."
        );
    }
    Ok(settings)
}

/// Logs where the app listens and where its docs are.
pub fn announce(addr: std::net::SocketAddr) {
    tracing::info!("listening on http://{addr}");
    tracing::info!("API docs at http://{addr}/docs (OpenAPI at /openapi.json)");
}

/// An example's `main`: reads the settings (exit 1 on a bad one), runs `run` with them and
/// turns its outcome into the exit code.
pub async fn run_main<F, Fut>(run: F) -> std::process::ExitCode
where
    F: FnOnce(Settings) -> Fut,
    Fut: std::future::Future<Output = Result<(), StartupError>>,
{
    match load_settings() {
        Ok(settings) => exit_code(run(settings).await),
        Err(code) => code,
    }
}

/// A listener on `AUTHKIT_BIND`, announced in the log.
pub async fn bind(settings: &Settings) -> Result<tokio::net::TcpListener, StartupError> {
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|e| format!("AUTHKIT_BIND={}: {e}", settings.bind))?;
    announce(listener.local_addr()?);
    Ok(listener)
}

/// The process exit code for how `run` ended, logging the failure.
pub fn exit_code(result: Result<(), StartupError>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            std::process::ExitCode::FAILURE
        }
    }
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
