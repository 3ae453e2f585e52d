use authkit_core::store::{PruneStore, PruneTarget, SessionStore};
use authkit_core::{ErrorCode, PrunePolicy, PruneReport, SessionCheck};
use time::Duration;

use crate::support::*;

/// Ended sessions and one-time tokens are kept a day; two rows per batch, so every kind takes
/// several.
fn policy() -> PrunePolicy {
    PrunePolicy::new(Duration::days(1), Duration::days(90), 2).unwrap()
}

#[tokio::test]
async fn pruning_deletes_what_ended_and_spares_live_sessions_and_throttling_counters() {
    let h = Harness::new();
    let (ada, ada_tokens) = h.register("ada@example.com").await;
    let (_, bob_tokens) = h.register("bob@example.com").await;
    let (_, carol_tokens) = h.register("carol@example.com").await;
    let (_, dave_tokens) = h.register("dave@example.com").await;
    h.auth.logout(&h.claims(&ada_tokens)).await.unwrap();
    let reset = reset_token(&h, "carol@example.com", 1).await;
    h.auth
        .confirm_password_reset(&reset, &OTHER_PASSWORD.into())
        .await
        .unwrap();
    h.login("ghost@example.com", PASSWORD).await.unwrap_err();

    // Bob keeps his session alive, Ada signs in again on day 15; Dave's session went idle on
    // day 14, the others were revoked at the start.
    h.clock.advance(Duration::days(10));
    let bob_refreshed = h
        .auth
        .refresh(&bob_tokens.refresh_token, &client())
        .await
        .unwrap();
    h.clock.advance(Duration::days(5));
    let ada_again = h.login("ada@example.com", PASSWORD).await.unwrap();
    // A day later, someone is guessing Mallory's password right now.
    h.clock.advance(Duration::days(1));
    for _ in 0..5 {
        h.login("mallory@example.com", PASSWORD).await.unwrap_err();
    }
    let throttled = h.login("mallory@example.com", PASSWORD).await.unwrap_err();
    assert_eq!(throttled.code(), ErrorCode::TooManyAttempts);
    let bob_live = h.store.session(bob_refreshed.session_id).await.unwrap();
    let ada_live = h.store.session(ada_again.session_id).await.unwrap();
    let old_refresh = h
        .auth
        .refresh(&ada_tokens.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(old_refresh.code(), ErrorCode::InvalidRefreshToken);

    let report = h.auth.prune(&policy()).await.unwrap();
    let mut expected = PruneReport::default();
    // Ada's logged-out session, Carol's (revoked by the reset) and Dave's idle one.
    expected.sessions = 3;
    // The reset token Carol used, and the verification tokens of Ada, Bob and Dave (expired
    // after a day; the reset voided Carol's).
    expected.one_time_tokens = 4;
    // The unknown address's single failure, sixteen days old; Mallory's counter still throttles.
    expected.login_failures = 1;
    // The memory store keeps no events.
    expected.events = 0;
    // Ada's logout and Carol's reset, long past any access token they concern.
    expected.revocations = 2;
    assert_eq!(report, expected);
    assert_eq!(report.total(), 10);
    assert_eq!(
        report.to_string(),
        "sessions=3 one_time_tokens=4 login_failures=1 events=0 revocations=2"
    );

    for ended in [&ada_tokens, &carol_tokens, &dave_tokens] {
        assert_eq!(h.store.session(ended.session_id).await.unwrap(), None);
    }
    assert_eq!(
        h.store.session(bob_refreshed.session_id).await.unwrap(),
        bob_live
    );
    assert_eq!(
        h.store.session(ada_again.session_id).await.unwrap(),
        ada_live
    );
    assert_eq!(
        h.store
            .list_sessions(ada.id, h.clock_now())
            .await
            .unwrap()
            .len(),
        1
    );
    // The answers to what was pruned are the answers to what had ended.
    let pruned_refresh = h
        .auth
        .refresh(&ada_tokens.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(pruned_refresh.code(), old_refresh.code());
    assert_eq!(pruned_refresh.status(), old_refresh.status());
    let reused = h
        .auth
        .confirm_password_reset(&reset, &"yet another long passphrase".into())
        .await
        .unwrap_err();
    assert_eq!(reused.code(), ErrorCode::InvalidToken);
    // The live ones still work, and Mallory is still throttled.
    h.auth
        .refresh(&bob_refreshed.refresh_token, &client())
        .await
        .unwrap();
    h.auth
        .refresh(&ada_again.refresh_token, &client())
        .await
        .unwrap();
    let still = h.login("mallory@example.com", PASSWORD).await.unwrap_err();
    assert_eq!(still.code(), ErrorCode::TooManyAttempts);

    assert_eq!(
        h.auth.prune(&policy()).await.unwrap(),
        PruneReport::default(),
        "nothing more has ended"
    );
}

#[tokio::test]
async fn a_counter_is_kept_while_it_can_throttle() {
    let h = Harness::new();
    for _ in 0..5 {
        h.login("ghost@example.com", PASSWORD).await.unwrap_err();
    }
    // The quiet period is 24 hours: exactly at its end the counter still counts.
    h.clock.advance(Duration::hours(24));
    assert_eq!(h.auth.prune(&policy()).await.unwrap().login_failures, 0);
    h.clock.advance(Duration::microseconds(1));
    assert_eq!(h.auth.prune(&policy()).await.unwrap().login_failures, 1);
    assert_eq!(
        h.store
            .prune(PruneTarget::LoginFailures, h.clock_now(), 10)
            .await
            .unwrap(),
        0,
        "none left"
    );
}

#[tokio::test]
async fn an_access_token_of_a_pruned_session_is_refused_like_one_of_a_revoked_session() {
    let h = Harness::with(config().session_check(SessionCheck::Store {
        cache_ttl: Duration::ZERO,
    }));
    let (_, tokens) = h.register("ada@example.com").await;
    let (_, other) = h.register("bob@example.com").await;
    h.auth.logout(&h.claims(&tokens)).await.unwrap();
    let revoked = h.auth.authenticate(&tokens.access_token).await.unwrap_err();
    assert_eq!(revoked.code(), ErrorCode::InvalidAccessToken);

    h.clock.advance(Duration::seconds(1));
    let keep_nothing = PrunePolicy::new(Duration::ZERO, Duration::days(90), 10).unwrap();
    let report = h.auth.prune(&keep_nothing).await.unwrap();
    assert_eq!(
        report.sessions, 1,
        "the logged-out session, within its access token's life"
    );
    assert_eq!(h.store.session(tokens.session_id).await.unwrap(), None);

    let pruned = h.auth.authenticate(&tokens.access_token).await.unwrap_err();
    assert_eq!(pruned.code(), revoked.code());
    assert_eq!(pruned.status(), revoked.status());
    assert_eq!(pruned.to_string(), revoked.to_string());
    h.auth
        .authenticate(&other.access_token)
        .await
        .expect("the live session's token still works");
}
