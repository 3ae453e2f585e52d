//! `cargo run -p axum-app`: the whole auth flow on SQLite with no setup; PostgreSQL or MySQL
//! when `DATABASE_URL` says so. Every setting is an environment variable (see README.md).

use authkit_example_support::{Settings, build, init_logging, shutdown_signal};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("configuration error: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    init_logging(settings.log_format);
    match run(settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings) -> Result<(), authkit_example_support::StartupError> {
    if settings.jwt_secret_generated() {
        tracing::warn!(
            "AUTHKIT_JWT_SECRET is not set: using a random secret for this process only. \
             Every token dies when it stops, and several instances cannot share sessions. \
             Set AUTHKIT_JWT_SECRET (32+ bytes) in any real deployment."
        );
    }
    let app = build(&settings).await?;
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|e| format!("AUTHKIT_BIND={}: {e}", settings.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!("listening on http://{addr}");
    tracing::info!("API docs at http://{addr}/docs (OpenAPI at /openapi.json)");
    axum_app::serve(listener, axum_app::router(app.api), shutdown_signal()).await?;
    Ok(())
}
