//! `cargo run -p credits`: the credits service on SQLite with no setup; PostgreSQL or MySQL
//! when `DATABASE_URL` says so. Every setting is an environment variable (see README.md).

use authkit_example_support::{
    Settings, StartupError, announce, build, exit_code, load_settings, shutdown_signal,
};
use credits::CreditStore;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match load_settings() {
        Ok(settings) => exit_code(run(settings).await),
        Err(code) => code,
    }
}

async fn run(settings: Settings) -> Result<(), StartupError> {
    // authkit first: its migrations create `users`, which the credits tables refer to.
    let app = build(&settings).await?;
    let credits = CreditStore::connect(&settings.database_url)
        .await
        .map_err(|e| format!("DATABASE_URL: the credits store cannot connect: {e}"))?;
    credits
        .migrate()
        .await
        .map_err(|e| format!("DATABASE_URL: cannot create the credits tables: {e}"))?;
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|e| format!("AUTHKIT_BIND={}: {e}", settings.bind))?;
    announce(listener.local_addr()?);
    credits::serve(
        listener,
        credits::router(app.api, credits),
        shutdown_signal(),
    )
    .await?;
    Ok(())
}
