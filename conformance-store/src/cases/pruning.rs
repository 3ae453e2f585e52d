//! Pruning: ended rows go in batches of the exact size asked, live rows stay as they were,
//! and concurrent prunes delete each row once.

use super::*;

use authkit_core::store::{LoginFailures, PruneTarget};

/// The cutoff of these cases: rows dead before it go.
const CUTOFF: OffsetDateTime = datetime!(2030-03-01 00:00:00 UTC);

/// Calls `prune` with `limit` until a call deletes fewer, returning each call's count.
async fn prune_all(
    store: &Arc<dyn Store>,
    target: PruneTarget,
    before: OffsetDateTime,
    limit: u32,
) -> Vec<u64> {
    let mut counts = Vec::new();
    loop {
        let deleted = store.prune(target, before, limit).await.expect("prune");
        counts.push(deleted);
        if deleted < u64::from(limit) {
            return counts;
        }
    }
}

/// Inserts a session of `user_id` created at [`T0`] with these expiries, revoked at `revoked`
/// if given; returns it as stored, with its refresh key.
async fn session_ending(
    store: &Arc<dyn Store>,
    user_id: uuid::Uuid,
    idle_expires_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    revoked: Option<OffsetDateTime>,
) -> (Session, RefreshKey) {
    let mut s = session(user_id, T0);
    s.idle_expires_at = idle_expires_at;
    s.expires_at = expires_at;
    let refresh = refresh_key();
    store.create_session(&s, &refresh).await.unwrap();
    if let Some(at) = revoked {
        assert!(store.revoke_session(user_id, s.id, at).await.unwrap());
        s.revoked_at = Some(at);
    }
    (s, refresh)
}

/// Sessions revoked, idle-expired or expired before the cutoff go, at most `limit` per call;
/// live sessions (however old) and sessions that ended at or after the cutoff stay exactly as
/// they were, refresh tokens included.
pub async fn pruning_sessions_deletes_ended_ones_in_batches_and_spares_the_rest(
    store: Arc<dyn Store>,
) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let far = CUTOFF + Duration::days(30);
    let dead = [
        session_ending(&store, u.id, far, far, Some(CUTOFF - Duration::hours(1))).await,
        session_ending(&store, u.id, far, far, Some(T0)).await,
        session_ending(&store, u.id, CUTOFF - Duration::microseconds(1), far, None).await,
        session_ending(&store, u.id, CUTOFF - Duration::days(9), far, None).await,
        // The absolute expiry passed while the idle one lies ahead (a rotation moved it).
        session_ending(&store, u.id, far, CUTOFF - Duration::days(2), None).await,
    ];
    let live = [
        // Created at T0, two months before the cutoff, and still live.
        session_ending(&store, u.id, CUTOFF + Duration::hours(1), far, None).await,
        session_ending(&store, u.id, far, far, None).await,
    ];
    let ended_since = [
        session_ending(&store, u.id, far, far, Some(CUTOFF + Duration::hours(1))).await,
        session_ending(&store, u.id, CUTOFF, far, None).await,
        session_ending(&store, u.id, far, CUTOFF, None).await,
    ];
    let mut kept = Vec::new();
    for (s, key) in live.iter().chain(&ended_since) {
        kept.push((s.clone(), key.selector, family(&store, *key).await));
    }

    assert_eq!(
        prune_all(&store, PruneTarget::Sessions, CUTOFF, 2).await,
        [2, 2, 1],
        "five ended before the cutoff, two per call"
    );
    for (s, key) in &dead {
        assert_eq!(store.session(s.id).await.unwrap(), None);
        assert_eq!(store.refresh_family(&key.selector).await.unwrap(), None);
    }
    for (s, selector, family) in &kept {
        assert_eq!(store.session(s.id).await.unwrap().as_ref(), Some(s));
        assert_eq!(
            store.refresh_family(selector).await.unwrap().as_ref(),
            Some(family)
        );
    }
    assert_eq!(
        store.list_sessions(u.id, CUTOFF).await.unwrap().len(),
        2,
        "the live ones"
    );

    let later = CUTOFF + Duration::hours(2);
    assert_eq!(
        prune_all(&store, PruneTarget::Sessions, later, 10).await,
        [4],
        "those that ended at or after the first cutoff, and the one live at it that expired \
         since, go with a later one"
    );
    let (still_live, _) = &live[1];
    assert_eq!(
        store.session(still_live.id).await.unwrap().as_ref(),
        Some(still_live)
    );
    assert_eq!(
        store.prune(PruneTarget::Sessions, later, 10).await.unwrap(),
        0
    );
}

/// One-time tokens expired or consumed before the cutoff go, at most `limit` per call;
/// unconsumed tokens still valid at the cutoff (however old) stay findable, and tokens that
/// expired or were consumed at or after it go only with a later cutoff.
pub async fn pruning_one_time_tokens_deletes_expired_and_consumed_ones(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let issue = |expires_at: OffsetDateTime, purpose: TokenPurpose| {
        let mut token = one_time_token(u.id, purpose);
        token.expires_at = expires_at;
        token
    };
    let far = CUTOFF + Duration::days(1);
    let expired = [
        issue(
            CUTOFF - Duration::microseconds(1),
            TokenPurpose::VerifyEmail,
        ),
        issue(T0 + Duration::hours(1), TokenPurpose::ChangeEmail),
    ];
    let consumed = [
        issue(far, TokenPurpose::PasswordReset),
        issue(far, TokenPurpose::VerifyEmail),
        // Consumed and expired since: one row, counted once.
        issue(CUTOFF - Duration::hours(1), TokenPurpose::VerifyEmail),
    ];
    let live = [
        issue(far, TokenPurpose::PasswordReset),
        issue(
            CUTOFF + Duration::microseconds(1),
            TokenPurpose::ChangeEmail,
        ),
    ];
    let expired_at_cutoff = issue(CUTOFF, TokenPurpose::VerifyEmail);
    let consumed_after = issue(far, TokenPurpose::VerifyEmail);
    for token in expired
        .iter()
        .chain(&consumed)
        .chain(&live)
        .chain([&expired_at_cutoff, &consumed_after])
    {
        store.issue_one_time_token(token, false).await.unwrap();
    }
    let consume = |token: &OneTimeToken, at: OffsetDateTime| {
        let store = Arc::clone(&store);
        let change = CredentialChange {
            user_id: token.user_id,
            consume: Some((token.hash, token.purpose)),
            ..CredentialChange::default()
        };
        async move {
            let changed = store.apply_credential_change(&change, at).await.unwrap();
            assert!(changed.is_some(), "consumed");
        }
    };
    consume(&consumed[0], CUTOFF - Duration::seconds(1)).await;
    consume(&consumed[1], T0).await;
    consume(&consumed[2], T0).await;
    consume(&consumed_after, CUTOFF + Duration::hours(1)).await;

    assert_eq!(
        prune_all(&store, PruneTarget::OneTimeTokens, CUTOFF, 3).await,
        [3, 2],
        "two expired and three consumed before the cutoff, three per call"
    );
    for token in &live {
        assert_eq!(
            store
                .find_one_time_token(&token.hash, CUTOFF)
                .await
                .unwrap()
                .as_ref(),
            Some(token)
        );
    }
    let later = CUTOFF + Duration::hours(2);
    assert_eq!(
        prune_all(&store, PruneTarget::OneTimeTokens, later, 5).await,
        [3],
        "the one that expired at the cutoff, the one consumed after it, and the one that \
         was valid at the cutoff and expired since"
    );
    assert_eq!(
        store
            .find_one_time_token(&live[0].hash, later)
            .await
            .unwrap()
            .as_ref(),
        Some(&live[0]),
        "still valid"
    );
    assert_eq!(
        prune_all(
            &store,
            PruneTarget::OneTimeTokens,
            far + Duration::days(1),
            3
        )
        .await,
        [1],
        "the last one once it expired"
    );
}

/// Counters whose last failure is before the cutoff go, at most `limit` per call; the others
/// stay with their count.
pub async fn pruning_login_failures_deletes_counters_quiet_since_the_cutoff(store: Arc<dyn Store>) {
    let reset_after = Duration::days(365);
    let fail = |key: &'static str, at: OffsetDateTime, times: u32| {
        let store = Arc::clone(&store);
        async move {
            for _ in 0..times {
                store
                    .record_login_failure(key, at, reset_after)
                    .await
                    .unwrap();
            }
        }
    };
    fail("quiet-1", CUTOFF - Duration::microseconds(1), 2).await;
    fail("quiet-2", T0, 7).await;
    fail("quiet-3", CUTOFF - Duration::days(1), 1).await;
    fail("at-cutoff", CUTOFF, 3).await;
    fail("recent", CUTOFF + Duration::hours(1), 6).await;

    assert_eq!(
        prune_all(&store, PruneTarget::LoginFailures, CUTOFF, 2).await,
        [2, 1]
    );
    for key in ["quiet-1", "quiet-2", "quiet-3"] {
        assert_eq!(store.login_failures(key).await.unwrap(), None, "{key}");
    }
    let kept = |count, last_failure_at| {
        Some(LoginFailures {
            count,
            last_failure_at,
        })
    };
    assert_eq!(
        store.login_failures("at-cutoff").await.unwrap(),
        kept(3, CUTOFF)
    );
    assert_eq!(
        store.login_failures("recent").await.unwrap(),
        kept(6, CUTOFF + Duration::hours(1))
    );
}

/// Pruning the audit trail touches nothing but events: users, sessions, tokens and counters
/// stay (a store without an audit trail deletes nothing and answers 0).
pub async fn pruning_events_touches_no_other_rows(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let (s, key) = session_ending(&store, u.id, T0, T0, Some(T0)).await;
    let token = one_time_token(u.id, TokenPurpose::VerifyEmail);
    store.issue_one_time_token(&token, false).await.unwrap();
    store
        .record_login_failure("k", T0, Duration::hours(1))
        .await
        .unwrap();
    let deleted = store
        .prune(PruneTarget::Events, CUTOFF, 1_000)
        .await
        .unwrap();
    assert_eq!(deleted, 0, "this case records no events");
    assert_eq!(store.user_by_id(u.id).await.unwrap(), Some(u));
    assert_eq!(store.session(s.id).await.unwrap(), Some(s));
    assert!(store.refresh_family(&key.selector).await.unwrap().is_some());
    assert_eq!(store.login_failures("k").await.unwrap().unwrap().count, 1);
    assert_eq!(
        store
            .prune(PruneTarget::OneTimeTokens, CUTOFF, 1_000)
            .await
            .unwrap(),
        1,
        "the token was still there"
    );
}

/// Four prunes racing over 40 ended sessions delete each once: their counts add up to 40,
/// none is left, and the live sessions stay.
pub async fn concurrent_prunes_delete_each_row_once(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let far = CUTOFF + Duration::days(30);
    for i in 0..40 {
        let ended = CUTOFF - Duration::minutes(i + 1);
        let revoked = (i % 2 == 0).then_some(ended);
        let idle = if i % 2 == 0 { far } else { ended };
        session_ending(&store, u.id, idle, far, revoked).await;
    }
    let mut live = Vec::new();
    for _ in 0..3 {
        live.push(session_ending(&store, u.id, far, far, None).await.0);
    }
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                prune_all(&store, PruneTarget::Sessions, CUTOFF, 3)
                    .await
                    .iter()
                    .sum::<u64>()
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    assert_eq!(total, 40);
    assert_eq!(
        store
            .prune(PruneTarget::Sessions, CUTOFF, 100)
            .await
            .unwrap(),
        0
    );
    for s in &live {
        assert_eq!(store.session(s.id).await.unwrap().as_ref(), Some(s));
    }
}
