//! `cargo run -p actix-app`: the same service as axum-app, on actix-web, reading the same
//! variables (see README.md).

use authkit_example_support::{Settings, StartupError, announce, build, exit_code, load_settings};

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    match load_settings() {
        Ok(settings) => exit_code(run(settings).await),
        Err(code) => code,
    }
}

async fn run(settings: Settings) -> Result<(), StartupError> {
    let app = build(&settings).await?;
    let listener = std::net::TcpListener::bind(settings.bind)
        .map_err(|e| format!("AUTHKIT_BIND={}: {e}", settings.bind))?;
    announce(listener.local_addr()?);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    // actix-web stops gracefully on Ctrl-C and SIGTERM by itself.
    actix_app::server(app.api, listener, workers)?.await?;
    Ok(())
}
