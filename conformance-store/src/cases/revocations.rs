//! The revocations feed: every revoking change records what it took away, and the feed pages and prunes.

use super::*;

async fn feed(store: &Arc<dyn Store>) -> Vec<RevocationRecord> {
    store
        .revocations_since(0, 1000)
        .await
        .expect("read the feed")
}

fn what(records: &[RevocationRecord]) -> Vec<(uuid::Uuid, Revoked)> {
    records
        .iter()
        .map(|r| (r.user_id, r.what.clone()))
        .collect()
}

/// Each revoking method records what it took away, with its time, in increasing `seq`.
pub async fn every_revocation_is_recorded_with_what_it_took_away(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    let (a1, _) = insert_session(&store, ada.id).await;
    let (a2, _) = insert_session(&store, ada.id).await;
    let (a3, _) = insert_session(&store, ada.id).await;
    let (b1, _) = insert_session(&store, bob.id).await;
    let (b2, _) = insert_session(&store, bob.id).await;
    assert!(feed(&store).await.is_empty(), "creating records nothing");

    let t1 = T0 + Duration::seconds(1);
    assert!(store.revoke_session(ada.id, a1.id, t1).await.unwrap());
    let records = feed(&store).await;
    assert_eq!(what(&records), [(ada.id, Revoked::Session(a1.id))]);
    assert_eq!(records[0].at, t1);

    let t2 = T0 + Duration::seconds(2);
    let revoked = store
        .revoke_sessions(ada.id, SessionRevocation::AllExcept(a3.id), t2)
        .await
        .unwrap();
    assert_eq!(revoked, 1);
    let records = feed(&store).await;
    assert_eq!(what(&records[1..]), [(ada.id, Revoked::Session(a2.id))]);

    let t3 = T0 + Duration::seconds(3);
    let promote = UserUpdate {
        role: Some(Role::admin()),
        ..UserUpdate::default()
    };
    store.update_user(bob.id, &promote, t3).await.unwrap();
    let disable = UserUpdate {
        status: Some(UserStatus::Disabled),
        revoke_sessions: true,
        ..UserUpdate::default()
    };
    store.update_user(bob.id, &disable, t3).await.unwrap();
    let records = feed(&store).await;
    let mut bobs = what(&records[2..]);
    assert_eq!(bobs.remove(0), (bob.id, Revoked::Role(Role::admin())));
    bobs.sort_by_key(|(_, w)| format!("{w:?}"));
    let mut expected = vec![
        (bob.id, Revoked::Session(b1.id)),
        (bob.id, Revoked::Session(b2.id)),
    ];
    expected.sort_by_key(|(_, w)| format!("{w:?}"));
    assert_eq!(bobs, expected);

    let t4 = T0 + Duration::seconds(4);
    let change = CredentialChange {
        user_id: ada.id,
        password_hash: Some(PasswordHash::new("$argon2id$new")),
        revoke_sessions: SessionRevocation::All,
        ..CredentialChange::default()
    };
    store.apply_credential_change(&change, t4).await.unwrap();
    let records = feed(&store).await;
    assert_eq!(what(&records[5..]), [(ada.id, Revoked::Session(a3.id))]);

    let t5 = T0 + Duration::seconds(5);
    assert!(store.delete_user(ada.id, t5).await.unwrap());
    let records = feed(&store).await;
    assert_eq!(what(&records[6..]), [(ada.id, Revoked::Account)]);
    assert_eq!(records[6].at, t5);

    assert_eq!(records.len(), 7);
    assert!(
        records.windows(2).all(|w| w[0].seq < w[1].seq),
        "seq increases: {records:?}"
    );
}

/// Revoking what is not there (another user's session, an already revoked one, a missing
/// user) records nothing.
pub async fn a_revocation_that_changed_nothing_records_nothing(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    let (s, _) = insert_session(&store, ada.id).await;
    assert!(!store.revoke_session(bob.id, s.id, T0).await.unwrap());
    assert_eq!(
        store
            .revoke_sessions(bob.id, SessionRevocation::All, T0)
            .await
            .unwrap(),
        0
    );
    assert!(!store.delete_user(new_id(), T0).await.unwrap());
    let nobody = UserUpdate {
        role: Some(Role::admin()),
        ..UserUpdate::default()
    };
    assert!(
        store
            .update_user(new_id(), &nobody, T0)
            .await
            .unwrap()
            .is_none()
    );
    assert!(feed(&store).await.is_empty());
    assert!(store.revoke_session(ada.id, s.id, T0).await.unwrap());
    assert!(!store.revoke_session(ada.id, s.id, T0).await.unwrap());
    assert_eq!(
        feed(&store).await.len(),
        1,
        "only the first revocation counts"
    );
}

/// The feed is read after a `seq`, in pages; pruning deletes what is older than the cut.
pub async fn the_revocation_feed_pages_by_seq_and_prunes_by_age(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let mut sessions = Vec::new();
    for i in 0..5 {
        let (s, _) = insert_session(&store, ada.id).await;
        let at = T0 + Duration::minutes(i);
        assert!(store.revoke_session(ada.id, s.id, at).await.unwrap());
        sessions.push(s.id);
    }
    let all = feed(&store).await;
    assert_eq!(all.len(), 5);
    let first_two = store.revocations_since(0, 2).await.unwrap();
    assert_eq!(first_two, all[..2]);
    let rest = store.revocations_since(first_two[1].seq, 10).await.unwrap();
    assert_eq!(rest, all[2..]);
    assert!(
        store
            .revocations_since(all[4].seq, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let pruned = store
        .prune_revocations(T0 + Duration::minutes(3))
        .await
        .unwrap();
    assert_eq!(pruned, 3);
    let left: Vec<Revoked> = feed(&store).await.into_iter().map(|r| r.what).collect();
    assert_eq!(
        left,
        [Revoked::Session(sessions[3]), Revoked::Session(sessions[4])]
    );
}
