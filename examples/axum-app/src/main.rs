//! `cargo run -p axum-app`: the whole auth flow on SQLite with no setup; PostgreSQL or MySQL
//! when `DATABASE_URL` says so. Every setting is an environment variable (see README.md).

use authkit_example_support::{Settings, StartupError, bind, build, run_main, shutdown_signal};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_main(run).await
}

async fn run(settings: Settings) -> Result<(), StartupError> {
    let app = build(&settings).await?;
    let listener = bind(&settings).await?;
    authkit_axum::serve(
        listener,
        axum_app::router(app.api, app.metrics),
        shutdown_signal(),
    )
    .await?;
    Ok(())
}
