use std::collections::HashSet;

use authkit_core::config::{FeedMode, RevocationFeed, SessionCheck};
use authkit_core::events::EventKind;
use authkit_core::store::SessionStore;
use authkit_core::{ErrorCode, UserStatus};
use time::Duration;

use crate::support::*;

#[tokio::test]
async fn refresh_rotates_the_token_within_the_same_session() {
    let h = Harness::new();
    let (_, first) = h.register("ada@example.com").await;
    let second = h
        .auth
        .refresh(&first.refresh_token, &client())
        .await
        .unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_ne!(second.access_token, first.access_token);
    assert_eq!(second.session_id, first.session_id);
    assert_eq!(h.claims(&second).sid, first.session_id);
    assert_eq!(h.events.count(EventKind::TokenRefreshed), 1);
}

#[tokio::test]
async fn fifty_concurrent_refreshes_of_one_token_have_exactly_one_winner() {
    let h = Harness::new();
    let (_, tokens) = h.register("ada@example.com").await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let auth = h.auth.clone();
            let token = tokens.refresh_token.clone();
            tokio::spawn(async move { auth.refresh(&token, &client()).await })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => winners += 1,
            Err(err) => assert_eq!(err.code(), ErrorCode::InvalidRefreshToken),
        }
    }
    assert_eq!(winners, 1);
}

#[tokio::test]
async fn a_replayed_rotated_token_revokes_the_whole_family() {
    let h = Harness::new();
    let (_, first) = h.register("ada@example.com").await;
    let second = h
        .auth
        .refresh(&first.refresh_token, &client())
        .await
        .unwrap();

    let replay = h
        .auth
        .refresh(&first.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(replay.code(), ErrorCode::InvalidRefreshToken);
    assert_eq!(replay.status(), 401);
    assert_eq!(h.events.count(EventKind::TokenReuseDetected), 1);

    let legit = h
        .auth
        .refresh(&second.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(
        legit.code(),
        ErrorCode::InvalidRefreshToken,
        "the family is revoked"
    );
    let session = h.store.session(first.session_id).await.unwrap().unwrap();
    assert!(session.revoked_at.is_some());
}

#[tokio::test]
async fn within_the_grace_window_a_just_rotated_token_gets_a_new_pair() {
    let h = Harness::with(config().refresh_grace(Duration::seconds(10)));
    let (_, first) = h.register("ada@example.com").await;
    let second = h
        .auth
        .refresh(&first.refresh_token, &client())
        .await
        .unwrap();
    h.clock.advance(Duration::seconds(5));
    let retry = h
        .auth
        .refresh(&first.refresh_token, &client())
        .await
        .unwrap();
    assert_eq!(retry.session_id, first.session_id);
    h.auth
        .refresh(&second.refresh_token, &client())
        .await
        .expect("the first winner's token still works");
    assert_eq!(h.events.count(EventKind::TokenReuseDetected), 0);

    h.clock.advance(Duration::seconds(6));
    let late = h
        .auth
        .refresh(&first.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(late.code(), ErrorCode::InvalidRefreshToken);
    assert_eq!(
        h.events.count(EventKind::TokenReuseDetected),
        1,
        "outside the window it is reuse"
    );
}

#[tokio::test]
async fn an_unused_session_expires_after_the_idle_ttl() {
    let h = Harness::new();
    let (_, tokens) = h.register("ada@example.com").await;
    assert_eq!(
        tokens.refresh_expires_in,
        Duration::days(14).whole_seconds()
    );
    h.clock.advance(Duration::days(14));
    let err = h
        .auth
        .refresh(&tokens.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRefreshToken);
}

#[tokio::test]
async fn a_session_in_use_still_ends_at_the_absolute_ttl() {
    let h = Harness::new();
    let (_, mut tokens) = h.register("ada@example.com").await;
    for _ in 0..2 {
        h.clock.advance(Duration::days(13));
        tokens = h
            .auth
            .refresh(&tokens.refresh_token, &client())
            .await
            .unwrap();
    }
    assert_eq!(tokens.refresh_expires_in, Duration::days(4).whole_seconds());
    h.clock.advance(Duration::days(4));
    let err = h
        .auth
        .refresh(&tokens.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRefreshToken);
}

#[tokio::test]
async fn malformed_and_unknown_refresh_tokens_are_invalid() {
    let h = Harness::new();
    for token in ["", "short", &"A".repeat(43), &"*".repeat(43)] {
        let err = h.auth.refresh(token, &client()).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidRefreshToken, "{token:?}");
    }
}

#[tokio::test]
async fn a_disabled_accounts_refresh_fails_and_revokes_the_session() {
    let h = Harness::new();
    let (user, tokens) = h.register("ada@example.com").await;
    let update = authkit_core::store::UserUpdate {
        status: Some(UserStatus::Disabled),
        ..Default::default()
    };
    authkit_core::store::UserStore::update_user(&*h.store, user.id, &update, h.clock_now())
        .await
        .unwrap();
    let err = h
        .auth
        .refresh(&tokens.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRefreshToken);
    assert!(
        h.store
            .session(tokens.session_id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
}

#[tokio::test]
async fn logout_revokes_the_current_session_only() {
    let h = Harness::new();
    let (_, a) = h.register("ada@example.com").await;
    let b = h.login("ada@example.com", PASSWORD).await.unwrap();
    h.auth.logout(&h.claims(&a)).await.unwrap();
    let err = h
        .auth
        .refresh(&a.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRefreshToken);
    h.auth
        .refresh(&b.refresh_token, &client())
        .await
        .expect("other session lives");
}

#[tokio::test]
async fn logout_all_revokes_every_session() {
    let h = Harness::new();
    let (_, a) = h.register("ada@example.com").await;
    let b = h.login("ada@example.com", PASSWORD).await.unwrap();
    h.auth.logout_all(&h.claims(&a)).await.unwrap();
    for t in [&a, &b] {
        let err = h
            .auth
            .refresh(&t.refresh_token, &client())
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidRefreshToken);
    }
    assert!(h.auth.sessions(&h.claims(&a)).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_access_token_dies_with_its_session_at_once_by_default() {
    let h = Harness::new();
    let (_, t) = h.register("ada@example.com").await;
    h.auth.authenticate(&t.access_token).await.unwrap();
    h.auth.logout(&h.claims(&t)).await.unwrap();
    let err = h.auth.authenticate(&t.access_token).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidAccessToken);
    assert_eq!(
        err.www_authenticate(),
        Some("Bearer error=\"invalid_token\"")
    );
    let now = h
        .auth
        .authenticate_now(&t.access_token)
        .expect("no I/O needed");
    assert_eq!(now.unwrap_err().code(), ErrorCode::InvalidAccessToken);
}

#[tokio::test]
async fn with_the_feed_off_tokens_outlive_logout_until_exp_but_store_checked_ones_do_not() {
    let off = RevocationFeed {
        mode: FeedMode::Off,
        ..RevocationFeed::default()
    };
    let stateless = Harness::with(config().revocation_feed(off));
    let (_, t) = stateless.register("ada@example.com").await;
    stateless.auth.logout(&stateless.claims(&t)).await.unwrap();
    stateless
        .auth
        .authenticate(&t.access_token)
        .await
        .expect("feed off: valid until exp");
    stateless
        .clock
        .advance(Duration::minutes(15) + Duration::seconds(10));
    let err = stateless
        .auth
        .authenticate(&t.access_token)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidAccessToken);

    let checked = Harness::with(
        config()
            .revocation_feed(off)
            .session_check(SessionCheck::Store {
                cache_ttl: Duration::seconds(5),
            }),
    );
    let (_, t) = checked.register("ada@example.com").await;
    checked.auth.authenticate(&t.access_token).await.unwrap();
    checked.auth.logout(&checked.claims(&t)).await.unwrap();
    let err = checked
        .auth
        .authenticate(&t.access_token)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidAccessToken);
    assert_eq!(
        err.www_authenticate(),
        Some("Bearer error=\"invalid_token\"")
    );
}

#[tokio::test]
async fn sessions_list_marks_the_current_one_and_another_users_session_is_not_found() {
    let h = Harness::new();
    let (_, a1) = h.register("ada@example.com").await;
    let a2 = h.login("ada@example.com", PASSWORD).await.unwrap();
    let (_, b) = h.register("bob@example.com").await;

    let listed = h.auth.sessions(&h.claims(&a2)).await.unwrap();
    let ids: HashSet<_> = listed.iter().map(|s| s.id).collect();
    assert_eq!(ids, HashSet::from([a1.session_id, a2.session_id]));
    assert_eq!(listed.iter().filter(|s| s.current).count(), 1);
    assert!(listed.iter().find(|s| s.current).unwrap().id == a2.session_id);

    let err = h
        .auth
        .revoke_own_session(&h.claims(&a2), b.session_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    h.auth
        .refresh(&b.refresh_token, &client())
        .await
        .expect("bob's session untouched");

    h.auth
        .revoke_own_session(&h.claims(&a2), a1.session_id)
        .await
        .unwrap();
    let err = h
        .auth
        .refresh(&a1.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRefreshToken);
}
