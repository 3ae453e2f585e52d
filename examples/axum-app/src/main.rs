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
    // The example SPA on an origin of its own (`AUTHKIT_SPA_BIND`), calling this API.
    if let Ok(spa_bind) = std::env::var("AUTHKIT_SPA_BIND") {
        let api = format!("{}{}", settings.public_url, settings.route_prefix);
        let spa_listener = tokio::net::TcpListener::bind(&spa_bind)
            .await
            .map_err(|e| format!("AUTHKIT_SPA_BIND={spa_bind}: {e}"))?;
        tracing::info!("example SPA at http://{}", spa_listener.local_addr()?);
        tokio::spawn(authkit_axum::serve(
            spa_listener,
            axum_app::spa(&api),
            std::future::pending(),
        ));
    }
    authkit_axum::serve(
        listener,
        axum_app::router(app.api, app.metrics),
        shutdown_signal(),
    )
    .await?;
    Ok(())
}
