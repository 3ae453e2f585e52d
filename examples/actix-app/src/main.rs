//! `cargo run -p actix-app`: the same service as axum-app, on actix-web, reading the same
//! variables (see README.md).

use authkit_example_support::{Settings, StartupError, bind, build, run_main};

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    run_main(run).await
}

async fn run(settings: Settings) -> Result<(), StartupError> {
    let app = build(&settings).await?;
    let listener = bind(&settings).await?.into_std()?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    // actix-web stops gracefully on Ctrl-C and SIGTERM by itself.
    actix_app::server(app.api, app.metrics, listener, workers)?.await?;
    Ok(())
}
