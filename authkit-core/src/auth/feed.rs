//! The service's side of the [revocation view](crate::revocation): the background task that
//! keeps it current, the first read, and what a revoking flow does so its own instance
//! enforces the change before it answers.

use std::sync::{Arc, Weak};
use std::time::{Duration as StdDuration, Instant};

use super::{Auth, Inner};
use crate::config::{AuthConfig, FeedMode, StaleAnswer};
use crate::error::AuthError;
use crate::model::SessionId;
use crate::revocation::{Revocations, std_duration};
use crate::store::{RevocationListener, StoreError};

/// How often old records are deleted from the store (by every instance; the delete is
/// idempotent).
const STORE_PRUNE_EVERY: StdDuration = StdDuration::from_secs(600);
/// Records are kept in the store this much longer than they can matter.
const STORE_MARGIN: time::Duration = time::Duration::minutes(1);

impl Auth {
    /// Reads the revocation feed now and applies what it finds. The background task does this
    /// on its own; call it at startup to fail fast when the store is unreachable. A no-op when
    /// the feed is off.
    pub async fn sync_revocations(&self) -> Result<(), AuthError> {
        let Some(revocations) = &self.inner.revocations else {
            return Ok(());
        };
        self.start_feed(revocations);
        let now = self.inner.clock.unix_seconds();
        revocations
            .sync(&*self.inner.store, now)
            .await
            .map_err(|err| {
                revocations.failed(&err);
                AuthError::from(err)
            })
    }

    /// How many revoked sessions and role changes this instance's view holds (for metrics).
    pub fn revocation_view_len(&self) -> (usize, usize) {
        self.inner
            .revocations
            .as_ref()
            .map_or((0, 0), Revocations::len)
    }

    /// Starts the background task if it is not running and a Tokio runtime is at hand.
    pub(super) fn start_feed(&self, revocations: &Revocations) {
        if !revocations.claim_start() {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(run(Arc::downgrade(&self.inner)));
            }
            Err(_) => revocations.release_start(),
        }
    }

    /// The answer to a request when the view is stale.
    pub(super) fn stale_error(&self) -> AuthError {
        let when_stale = self
            .inner
            .revocations
            .as_ref()
            .map_or(StaleAnswer::Unavailable, |r| r.feed().when_stale);
        match when_stale {
            StaleAnswer::Unavailable => AuthError::Store(StoreError::Unavailable(
                "the revocation view could not be refreshed within its bound".into(),
            )),
            StaleAnswer::Unauthorized => AuthError::InvalidAccessToken("revocation view stale"),
        }
    }

    /// After a flow revoked something: applies `session` to this instance's view at once and
    /// reads the feed, so this instance enforces the change before the flow answers. A failed
    /// read is logged; the background task catches up.
    pub(super) async fn revoked(&self, session: Option<SessionId>) {
        crate::telemetry::revocation();
        let Some(revocations) = &self.inner.revocations else {
            return;
        };
        if let Some(session) = session {
            revocations.revoke_session(session, self.inner.clock.unix_seconds());
        }
        if let Err(err) = self.sync_revocations().await {
            tracing::warn!(target: "authkit::revocation", %err, "revocation feed not read after a revocation");
        }
    }
}

/// The background task: reads the feed every poll interval, or at once when the store pushes a
/// notice; deletes old records now and then. Ends when the service is dropped.
async fn run(auth: Weak<Inner>) {
    let mut listener = Subscription::Wanted;
    let mut next_store_prune = Instant::now();
    loop {
        let Some(inner) = auth.upgrade() else {
            return;
        };
        let Some(revocations) = &inner.revocations else {
            return;
        };
        let feed = revocations.feed();
        let bound = std_duration(feed.max_staleness);
        if feed.mode == FeedMode::Auto && matches!(listener, Subscription::Wanted) {
            listener = subscribe(&inner, bound).await;
        }
        let now = inner.clock.unix_seconds();
        match tokio::time::timeout(bound, revocations.sync(&*inner.store, now)).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => revocations.failed(&err),
            Err(_) => revocations.failed(&"the read took longer than the staleness bound"),
        }
        if Instant::now() >= next_store_prune {
            next_store_prune = Instant::now() + STORE_PRUNE_EVERY;
            prune_store(&inner).await;
        }
        let interval = std_duration(feed.poll_interval);
        drop(inner);
        let lost = match &mut listener {
            Subscription::Live(listener) => tokio::select! {
                () = tokio::time::sleep(interval) => false,
                notice = listener.notified() => notice.is_err(),
            },
            Subscription::Wanted | Subscription::Unsupported => {
                tokio::time::sleep(interval).await;
                false
            }
        };
        if lost {
            tracing::info!(target: "authkit::revocation", "revocation subscription lost; reconnecting and reading the feed");
            listener = Subscription::Wanted;
        }
    }
}

/// The push subscription, if any.
enum Subscription {
    /// Not subscribed yet, or lost: try again.
    Wanted,
    /// The store cannot push: poll only.
    Unsupported,
    /// Subscribed.
    Live(Box<dyn RevocationListener>),
}

async fn subscribe(inner: &Inner, bound: StdDuration) -> Subscription {
    match tokio::time::timeout(bound, inner.store.listen()).await {
        Ok(Ok(Some(listener))) => Subscription::Live(listener),
        Ok(Ok(None)) => Subscription::Unsupported,
        Ok(Err(err)) => {
            tracing::warn!(target: "authkit::revocation", %err, "cannot subscribe to revocations; polling");
            Subscription::Wanted
        }
        Err(_) => Subscription::Wanted,
    }
}

/// Records written before this no longer concern any access token that can still be valid.
pub(super) fn revocations_prunable_before(
    config: &AuthConfig,
    now: time::OffsetDateTime,
) -> time::OffsetDateTime {
    now - config.access_ttl - config.leeway - STORE_MARGIN
}

async fn prune_store(inner: &Inner) {
    let before = revocations_prunable_before(&inner.config, inner.clock.now());
    if let Err(err) = inner.store.prune_revocations(before).await {
        tracing::warn!(target: "authkit::revocation", %err, "old revocation records not deleted");
    }
}
