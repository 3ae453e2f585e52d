//! `cargo run -p axum-app`: the whole auth flow on SQLite with no setup; PostgreSQL or MySQL
//! when `DATABASE_URL` says so. Every setting is an environment variable (see README.md).

use authkit_example_support::{
    Settings, StartupError, announce, build, exit_code, load_settings, shutdown_signal,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match load_settings() {
        Ok(settings) => exit_code(run(settings).await),
        Err(code) => code,
    }
}

async fn run(settings: Settings) -> Result<(), StartupError> {
    let app = build(&settings).await?;
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|e| format!("AUTHKIT_BIND={}: {e}", settings.bind))?;
    announce(listener.local_addr()?);
    axum_app::serve(listener, axum_app::router(app.api), shutdown_signal()).await?;
    Ok(())
}
