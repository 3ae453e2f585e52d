//! Sessions and their refresh tokens: creation, rotation (and its races), the grace reissue, revocation.

use super::*;

/// A rotation of `old` to a new token of its session.
fn rotation(old: RefreshKey, now: OffsetDateTime) -> Rotation {
    Rotation {
        selector: old.selector,
        old: old.hash,
        new: RefreshToken::successor(old.selector).key().hash,
        now,
        idle_expires_at: now + Duration::days(14),
    }
}

/// The key of the token `r` would make current.
fn successor(r: &Rotation) -> RefreshKey {
    RefreshKey {
        selector: r.selector,
        hash: r.new,
    }
}

/// Sessions read back equal; listing shows the live ones, newest first.
pub async fn sessions_are_created_found_and_listed_newest_first(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let older = session(u.id, T0);
    let newer = Session {
        user_agent: None,
        ip: Some("192.0.2.1".parse().unwrap()),
        ..session(u.id, T0 + Duration::seconds(1))
    };
    let revoked = session(u.id, T0 + Duration::seconds(2));
    for s in [&older, &newer, &revoked] {
        store.create_session(s, &refresh_key()).await.unwrap();
    }
    store.revoke_session(u.id, revoked.id, T0).await.unwrap();
    assert_eq!(store.session(older.id).await.unwrap(), Some(older.clone()));
    assert_eq!(store.session(newer.id).await.unwrap(), Some(newer.clone()));
    let listed = store
        .list_sessions(u.id, T0 + Duration::seconds(3))
        .await
        .unwrap();
    assert_eq!(listed, vec![newer.clone(), older.clone()]);
    let after_idle = store
        .list_sessions(u.id, older.idle_expires_at)
        .await
        .unwrap();
    assert_eq!(
        after_idle,
        vec![newer],
        "an idle-expired session is not listed"
    );
}

/// A rotation makes the new token current and the old one previous, and updates the
/// session.
pub async fn rotation_swaps_the_token_and_pushes_the_idle_expiry(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let (s, old) = insert_session(&store, u.id).await;
    let fresh = family(&store, old).await;
    assert_eq!(
        (fresh.current, fresh.previous, fresh.rotated_at),
        (old.hash, None, None)
    );
    let now = T0 + Duration::days(3);
    let r = rotation(old, now);
    let rotated = store
        .rotate_refresh_token(&r)
        .await
        .unwrap()
        .expect("rotates");
    assert_eq!(
        rotated,
        Session {
            last_used_at: now,
            idle_expires_at: r.idle_expires_at,
            ..s.clone()
        }
    );
    assert_eq!(
        family(&store, old).await,
        RefreshFamily {
            session: rotated,
            current: r.new,
            previous: Some(old.hash),
            displaced: None,
            rotated_at: Some(now),
        }
    );
    let next = rotation(successor(&r), now + Duration::seconds(1));
    assert!(
        store.rotate_refresh_token(&next).await.unwrap().is_some(),
        "the new token rotates"
    );
    assert_eq!(family(&store, old).await.previous, Some(r.new));
}

/// A token rotates once; a token of another session does not rotate this one.
pub async fn a_used_token_does_not_rotate_again(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let (_, old) = insert_session(&store, u.id).await;
    let (_, other) = insert_session(&store, u.id).await;
    let first = rotation(old, T0);
    assert!(store.rotate_refresh_token(&first).await.unwrap().is_some());
    let again = rotation(old, T0 + Duration::seconds(1));
    assert_eq!(store.rotate_refresh_token(&again).await.unwrap(), None);
    let crossed = Rotation {
        selector: other.selector,
        ..rotation(successor(&first), T0 + Duration::seconds(1))
    };
    assert_eq!(
        store.rotate_refresh_token(&crossed).await.unwrap(),
        None,
        "a hash counts only in its own session"
    );
    let f = family(&store, old).await;
    assert_eq!(
        (f.current, f.previous, f.rotated_at),
        (first.new, Some(old.hash), Some(T0)),
        "nothing changed"
    );
    assert_eq!(family(&store, other).await.current, other.hash);
}

/// Revoked, idle-expired and absolutely-expired sessions do not rotate, and their token
/// stays current.
pub async fn tokens_of_revoked_or_expired_sessions_do_not_rotate(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let (revoked, revoked_token) = insert_session(&store, u.id).await;
    store.revoke_session(u.id, revoked.id, T0).await.unwrap();
    let (idle, idle_token) = insert_session(&store, u.id).await;
    let (_, absolute_token) = insert_session(&store, u.id).await;

    let cases = [
        (revoked_token, T0 + Duration::seconds(1)),
        (idle_token, idle.idle_expires_at),
        (absolute_token, idle.expires_at),
    ];
    for (token, now) in cases {
        let r = rotation(token, now);
        assert_eq!(store.rotate_refresh_token(&r).await.unwrap(), None);
        let f = family(&store, token).await;
        assert_eq!(
            (f.current, f.previous, f.rotated_at),
            (token.hash, None, None)
        );
    }
}

/// Of 50 concurrent rotations of one token, exactly one wins.
pub async fn fifty_concurrent_rotations_of_one_token_have_one_winner(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let (_, old) = insert_session(&store, u.id).await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = Arc::clone(&store);
            let r = rotation(old, T0 + Duration::seconds(1));
            tokio::spawn(async move { (r.new, store.rotate_refresh_token(&r).await) })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (new, result) = task.await.unwrap();
        if result.expect("no store error under contention").is_some() {
            winners.push(new);
        }
    }
    assert_eq!(winners.len(), 1);
    let f = family(&store, old).await;
    assert_eq!((f.current, f.previous), (winners[0], Some(old.hash)));
}

/// The grace-window branch replaces the current token (the one the client never got),
/// only for the token the last rotation retired, only in a live session, and keeps the
/// rotation time.
pub async fn a_grace_reissue_leaves_one_live_token_in_an_active_session(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let (s, first) = insert_session(&store, u.id).await;
    let lost = rotation(first, T0);
    store.rotate_refresh_token(&lost).await.unwrap().unwrap();
    let extra = RefreshToken::successor(first.selector).key().hash;
    let now = T0 + Duration::seconds(5);
    let idle = now + Duration::days(14);
    assert!(
        !store
            .reissue_refresh_token(&first.selector, &lost.new, &extra, now, idle)
            .await
            .unwrap(),
        "the current token is not reissued for"
    );
    assert!(
        store
            .reissue_refresh_token(&first.selector, &first.hash, &extra, now, idle)
            .await
            .unwrap()
    );
    let f = family(&store, first).await;
    assert_eq!(
        (f.current, f.previous, f.displaced, f.rotated_at),
        (extra, Some(first.hash), Some(lost.new), Some(T0)),
        "the lost token is displaced; the window still starts at the rotation"
    );
    assert_eq!(
        (f.session.last_used_at, f.session.idle_expires_at),
        (now, idle)
    );
    assert!(
        store
            .rotate_refresh_token(&rotation(successor(&lost), now))
            .await
            .unwrap()
            .is_none(),
        "the lost token no longer rotates"
    );
    let again = RefreshToken::successor(first.selector).key().hash;
    assert!(
        store
            .reissue_refresh_token(&first.selector, &lost.new, &again, now, idle)
            .await
            .unwrap(),
        "the displaced token may ask again"
    );
    let f = family(&store, first).await;
    assert_eq!((f.current, f.displaced), (again, Some(extra)));
    let next = rotation(
        RefreshKey {
            selector: first.selector,
            hash: again,
        },
        now,
    );
    store.rotate_refresh_token(&next).await.unwrap().unwrap();
    let f = family(&store, first).await;
    assert_eq!(
        (f.previous, f.displaced),
        (Some(again), None),
        "a rotation clears the displaced token"
    );

    store.revoke_session(u.id, s.id, now).await.unwrap();
    let late = RefreshToken::successor(first.selector).key().hash;
    assert!(
        !store
            .reissue_refresh_token(&first.selector, &again, &late, now, idle)
            .await
            .unwrap()
    );
    assert_eq!(
        family(&store, first).await.current,
        next.new,
        "a refused reissue changes nothing"
    );
    assert!(
        !store
            .reissue_refresh_token(&refresh_key().selector, &first.hash, &late, now, idle)
            .await
            .unwrap()
    );
}

/// Revoking needs the owner and a live session.
pub async fn revoke_session_only_revokes_the_owners_live_session(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    let (s, _) = insert_session(&store, ada.id).await;
    assert!(
        !store.revoke_session(bob.id, s.id, T0).await.unwrap(),
        "not bob's"
    );
    assert!(
        store
            .session(s.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none()
    );
    let now = T0 + Duration::seconds(9);
    assert!(store.revoke_session(ada.id, s.id, now).await.unwrap());
    assert!(
        !store
            .revoke_session(ada.id, s.id, now + Duration::seconds(1))
            .await
            .unwrap(),
        "already"
    );
    assert_eq!(
        store.session(s.id).await.unwrap().unwrap().revoked_at,
        Some(now),
        "first time kept"
    );
}

/// Bulk revocation revokes all (or all but one) of the user's live sessions and says how many.
pub async fn revoke_sessions_counts_what_it_revoked(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    let (keep, _) = insert_session(&store, ada.id).await;
    let (a2, _) = insert_session(&store, ada.id).await;
    let (a3, _) = insert_session(&store, ada.id).await;
    let (b1, _) = insert_session(&store, bob.id).await;
    let n = store
        .revoke_sessions(ada.id, SessionRevocation::AllExcept(keep.id), T0)
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert!(
        store
            .session(keep.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none()
    );
    for s in [&a2, &a3] {
        assert!(
            store
                .session(s.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_some()
        );
    }
    assert_eq!(
        store
            .revoke_sessions(ada.id, SessionRevocation::All, T0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .revoke_sessions(ada.id, SessionRevocation::None, T0)
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .session(b1.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none(),
        "bob untouched"
    );
}
