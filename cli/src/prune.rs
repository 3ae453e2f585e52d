//! `authkit prune`: deletes what has ended, as the apps' pruning task does
//! ([`Auth::prune`](authkit_core::Auth::prune) under
//! [`Settings::prune_policy`](authkit_example_support::Settings::prune_policy)), for a
//! scheduled job when the apps run with `AUTHKIT_PRUNE_INTERVAL=off`.

use authkit_core::AuthError;

use crate::context::{self, Failure};

/// `prune --help`'s closing lines.
pub const AFTER_HELP: &str = "Deletes sessions revoked or expired, and one-time tokens used or \
expired, more than AUTHKIT_SESSION_RETENTION ago (default 1d); failed-login counters that no \
longer throttle; events older than AUTHKIT_EVENT_RETENTION (default 90d); old revocation \
records. Live sessions are never deleted. Safe while the apps run and prune too.\n\n\
Exit codes: 0 done (the counts on stdout), 1 failed (the rows deleted before the failure stay \
deleted), 2 bad command line.";

/// Prunes and prints how many rows of each kind went.
pub async fn run() -> Result<(), Failure> {
    let settings = context::settings()?;
    let policy = settings.prune_policy()?;
    let store = context::store(&settings).await?;
    let auth = context::auth(&settings, &store)?;
    let report = auth.prune(&policy).await.map_err(|err| match err {
        AuthError::Store(err) => context::store_failure(&settings, err),
        other => Failure::new(other.to_string()),
    })?;
    println!("deleted {report}");
    Ok(())
}
