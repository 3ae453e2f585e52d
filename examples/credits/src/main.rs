//! `cargo run -p credits`: the credits service on SQLite with no setup; PostgreSQL or MySQL
//! when `DATABASE_URL` says so. Every setting is an environment variable (see README.md).

use authkit_example_support::{Settings, StartupError, bind, build, run_main, shutdown_signal};
use credits::CreditStore;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    run_main(run).await
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
    let listener = bind(&settings).await?;
    let router = credits::router(app.api, credits);
    authkit_axum::serve(listener, router, shutdown_signal()).await?;
    Ok(())
}
