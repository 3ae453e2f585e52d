//! `authkit migrate`: authkit's migrations, applied and listed.

use crate::context::{self, Failure};

/// Applies the migrations `DATABASE_URL` lacks and prints them (or that there were none).
pub async fn run() -> Result<(), Failure> {
    let settings = context::settings()?;
    let store = context::store(&settings).await?;
    let report = store.migrate().await.map_err(|err| {
        Failure::new(format!(
            "DATABASE_URL ({}): migrations failed: {err}",
            context::database(&settings)
        ))
    })?;
    let database = format!("{} ({})", context::database(&settings), store.backend());
    if report.applied.is_empty() {
        println!(
            "{database}: authkit's schema is current ({} migrations); nothing to apply",
            report.current
        );
    } else {
        println!(
            "{database}: applied {} of authkit's {} migrations:",
            report.applied.len(),
            report.current
        );
        for (version, description) in &report.applied {
            println!("  {version} {description}");
        }
    }
    Ok(())
}
