//! The example apps' Prometheus metrics: one recorder per process (authkit's counters and
//! histograms, see `authkit_core::telemetry`, plus the database pool's gauges), rendered at
//! `AUTHKIT_METRICS_PATH` on the app's own listener, or on a listener of their own at
//! `AUTHKIT_METRICS_BIND`.

use std::sync::{Arc, Mutex};

use authkit_sqlx::SqlStore;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::StartupError;
use crate::settings::MetricsSettings;

/// The database pool's connections by `state` (`idle`, `in_use`), sampled at each scrape.
pub const DB_POOL_CONNECTIONS: &str = "authkit_db_pool_connections";

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Latency buckets, in seconds: from a cached token check to a slow hash under load.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The metrics page of one app: renders what the process recorded.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
    store: Arc<dyn SqlStore>,
    path: String,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// Installs the process's recorder (once; later apps in the same process share it) for
    /// `store`'s app. With `settings.bind`, serves the page there and returns `None`: the
    /// app's own listener then has no metrics route.
    pub(crate) async fn start(
        settings: &MetricsSettings,
        store: Arc<dyn SqlStore>,
    ) -> Result<Option<Self>, StartupError> {
        let metrics = Self {
            handle: recorder()?,
            store,
            path: settings.path.clone(),
        };
        let Some(bind) = settings.bind else {
            return Ok(Some(metrics));
        };
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| format!("AUTHKIT_METRICS_BIND={bind}: {e}"))?;
        tracing::info!(
            "metrics at http://{}{}",
            listener.local_addr()?,
            metrics.path
        );
        tokio::spawn(metrics.serve(listener));
        Ok(None)
    }

    /// The path the page is served at.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The page: every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        let pool = self.store.pool_stats();
        let in_use = pool.size.saturating_sub(pool.idle);
        metrics::gauge!(DB_POOL_CONNECTIONS, "state" => "idle").set(f64::from(pool.idle));
        metrics::gauge!(DB_POOL_CONNECTIONS, "state" => "in_use").set(f64::from(in_use));
        self.handle.run_upkeep();
        self.handle.render()
    }

    /// Answers `GET <path>` on a listener of its own, one request per connection (scrapers
    /// need no more); anything else is 404.
    async fn serve(self, listener: tokio::net::TcpListener) {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let metrics = self.clone();
            tokio::spawn(async move {
                let mut head = Vec::with_capacity(1024);
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
                let wanted = format!("GET {} ", metrics.path);
                let (status, body) = if line.starts_with(wanted.as_bytes()) {
                    ("200 OK", metrics.render())
                } else {
                    ("404 Not Found", String::new())
                };
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: {CONTENT_TYPE}\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    }
}

/// The process's Prometheus recorder, installed at the first call.
fn recorder() -> Result<PrometheusHandle, StartupError> {
    static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);
    let mut installed = HANDLE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
        .map_err(|e| format!("metrics: {e}"))?
        .install_recorder()
        .map_err(|e| format!("metrics: {e}"))?;
    authkit_core::telemetry::describe();
    metrics::describe_gauge!(DB_POOL_CONNECTIONS, "Database pool connections by state");
    Ok(installed.insert(handle).clone())
}
