//! `cargo run -p actix-app`: the same service as axum-app, on actix-web, reading the same
//! variables (see README.md).

use authkit_example_support::{Settings, build, init_logging};

#[actix_web::main]
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
    let listener = std::net::TcpListener::bind(settings.bind)
        .map_err(|e| format!("AUTHKIT_BIND={}: {e}", settings.bind))?;
    let addr = listener.local_addr()?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    tracing::info!("listening on http://{addr}");
    tracing::info!("API docs at http://{addr}/docs (OpenAPI at /openapi.json)");
    // actix-web stops gracefully on Ctrl-C and SIGTERM by itself.
    actix_app::server(app.api, listener, workers)?.await?;
    Ok(())
}
