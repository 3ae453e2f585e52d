//! Credential changes: password hashes, and the one-time-token-consuming change that sets a password or an address, atomically.

use super::*;

/// The rehash path touches only the hash.
pub async fn set_password_hash_replaces_only_the_hash(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let (s, _) = insert_session(&store, u.id).await;
    let new_hash = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$aGFzaA");
    let later = T0 + Duration::seconds(1);
    store
        .set_password_hash(u.id, &new_hash, later)
        .await
        .unwrap();
    let read = store.user_by_id(u.id).await.unwrap().unwrap();
    assert_eq!(read.password_hash, new_hash);
    assert_eq!(read.email, u.email);
    assert!(
        store
            .session(s.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none()
    );
}

/// Consuming a reset token sets the password, revokes all but the kept session and voids
/// the user's other tokens, together.
pub async fn a_credential_change_consumes_the_token_and_applies_everything(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let (keep, _) = insert_session(&store, u.id).await;
    let (drop, _) = insert_session(&store, u.id).await;
    let reset = one_time_token(u.id, TokenPurpose::PasswordReset);
    let verify = one_time_token(u.id, TokenPurpose::VerifyEmail);
    store.issue_one_time_token(&reset, false).await.unwrap();
    store.issue_one_time_token(&verify, false).await.unwrap();

    let now = T0 + Duration::minutes(10);
    let new_hash = PasswordHash::new("$argon2id$v=19$m=8,t=1,p=1$bmV3$bmV3");
    let change = CredentialChange {
        user_id: u.id,
        consume: Some((reset.hash, TokenPurpose::PasswordReset)),
        password_hash: Some(new_hash.clone()),
        revoke_sessions: SessionRevocation::AllExcept(keep.id),
        void_one_time_tokens: true,
        ..CredentialChange::default()
    };
    let changed = store
        .apply_credential_change(&change, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.password_hash, new_hash);
    assert_eq!(changed.updated_at, now);
    assert_eq!(
        store.find_one_time_token(&reset.hash, now).await.unwrap(),
        None,
        "consumed"
    );
    assert_eq!(
        store.find_one_time_token(&verify.hash, now).await.unwrap(),
        None,
        "voided"
    );
    assert!(
        store
            .session(keep.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none()
    );
    assert_eq!(
        store.session(drop.id).await.unwrap().unwrap().revoked_at,
        Some(now)
    );
    assert_eq!(
        store.apply_credential_change(&change, now).await.unwrap(),
        None,
        "only once"
    );

    let verify2 = one_time_token(u.id, TokenPurpose::ChangeEmail);
    store.issue_one_time_token(&verify2, false).await.unwrap();
    let switch = CredentialChange {
        user_id: u.id,
        consume: Some((verify2.hash, TokenPurpose::ChangeEmail)),
        email: Some(("New@Example.org".into(), "new@example.org".into())),
        mark_email_verified: true,
        ..CredentialChange::default()
    };
    let switched = store
        .apply_credential_change(&switch, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(switched.email, "New@Example.org");
    assert!(switched.email_verified);
    assert_eq!(
        store
            .user_by_email("new@example.org")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(u.id)
    );
    assert_eq!(store.user_by_email("ada@example.com").await.unwrap(), None);
}

/// Wrong purpose, wrong user, expired or consumed: nothing is changed.
pub async fn an_unconsumable_token_changes_nothing(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let other = insert_user(&store, "bob@example.com", None).await;
    let (s, _) = insert_session(&store, u.id).await;
    let reset = one_time_token(u.id, TokenPurpose::PasswordReset);
    store.issue_one_time_token(&reset, false).await.unwrap();
    let attempt = |user_id, purpose, _why: &str| CredentialChange {
        user_id,
        consume: Some((reset.hash, purpose)),
        password_hash: Some(PasswordHash::new("$argon2id$changed")),
        revoke_sessions: SessionRevocation::All,
        ..CredentialChange::default()
    };
    let cases = [
        (attempt(u.id, TokenPurpose::VerifyEmail, "purpose"), T0),
        (attempt(other.id, TokenPurpose::PasswordReset, "user"), T0),
        (
            attempt(u.id, TokenPurpose::PasswordReset, "expired"),
            reset.expires_at,
        ),
        (
            CredentialChange {
                consume: Some((hash(), TokenPurpose::PasswordReset)),
                ..attempt(u.id, TokenPurpose::PasswordReset, "unknown")
            },
            T0,
        ),
    ];
    for (change, now) in cases {
        assert_eq!(
            store.apply_credential_change(&change, now).await.unwrap(),
            None
        );
    }
    assert_eq!(
        store.user_by_id(u.id).await.unwrap().unwrap().password_hash,
        u.password_hash
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
    assert!(
        store
            .find_one_time_token(&reset.hash, T0)
            .await
            .unwrap()
            .is_some(),
        "still usable"
    );
}

/// A failed change leaves the token unconsumed and the sessions live: all or nothing.
pub async fn an_email_conflict_rolls_back_the_whole_credential_change(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    insert_user(&store, "taken@example.com", None).await;
    let (s, _) = insert_session(&store, u.id).await;
    let token = one_time_token(u.id, TokenPurpose::ChangeEmail);
    store.issue_one_time_token(&token, false).await.unwrap();
    let change = CredentialChange {
        user_id: u.id,
        consume: Some((token.hash, TokenPurpose::ChangeEmail)),
        email: Some(("Taken@example.com".into(), "taken@example.com".into())),
        mark_email_verified: true,
        revoke_sessions: SessionRevocation::All,
        void_one_time_tokens: true,
        ..CredentialChange::default()
    };
    assert_eq!(
        conflict(store.apply_credential_change(&change, T0).await),
        UniqueField::Email
    );
    assert_eq!(store.user_by_id(u.id).await.unwrap(), Some(u.clone()));
    assert!(
        store
            .find_one_time_token(&token.hash, T0)
            .await
            .unwrap()
            .is_some(),
        "not consumed"
    );
    assert!(
        store
            .session(s.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none(),
        "not revoked"
    );
}

/// Of 20 concurrent consumptions of one token, exactly one wins.
pub async fn twenty_concurrent_consumptions_of_one_token_have_one_winner(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let reset = one_time_token(u.id, TokenPurpose::PasswordReset);
    store.issue_one_time_token(&reset, false).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = Arc::clone(&store);
            let change = CredentialChange {
                user_id: u.id,
                consume: Some((reset.hash, TokenPurpose::PasswordReset)),
                password_hash: Some(PasswordHash::new(format!("$argon2id$winner-{i}"))),
                revoke_sessions: SessionRevocation::All,
                void_one_time_tokens: true,
                ..CredentialChange::default()
            };
            tokio::spawn(async move { store.apply_credential_change(&change, T0).await })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        if let Some(user) = task
            .await
            .unwrap()
            .expect("no store error under contention")
        {
            winners.push(user.password_hash);
        }
    }
    assert_eq!(winners.len(), 1);
    let stored = store.user_by_id(u.id).await.unwrap().unwrap();
    assert_eq!(
        stored.password_hash, winners[0],
        "the winner's change is the one stored"
    );
}

/// A change for an id with no user returns `None`.
pub async fn a_credential_change_for_a_missing_user_is_none(store: Arc<dyn Store>) {
    let change = CredentialChange {
        user_id: new_id(),
        password_hash: Some(PasswordHash::new("$argon2id$x")),
        ..CredentialChange::default()
    };
    assert_eq!(
        store.apply_credential_change(&change, T0).await.unwrap(),
        None
    );
}
