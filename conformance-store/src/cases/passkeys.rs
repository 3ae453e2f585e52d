//! Passkeys: several per user, unique credential ids, rename and delete by their owner only,
//! the signature count moving forward once per value, and ceremonies taken once.

use super::*;

/// A passkey of `user_id` registered at `at`, with the credential id `[seed; 32]`.
fn passkey(user_id: uuid::Uuid, seed: u8, at: OffsetDateTime) -> StoredPasskey {
    StoredPasskey {
        id: new_id(),
        user_id,
        credential_id: vec![seed; 32],
        name: format!("key ü{seed}"),
        credential: format!("{{\"cred\":{seed},\"counter\":0}}"),
        sign_count: 0,
        created_at: at,
        last_used_at: None,
    }
}

/// A ceremony of `purpose` started at [`T0`], valid for five minutes.
fn ceremony(user_id: Option<uuid::Uuid>, purpose: CeremonyPurpose) -> PasskeyCeremony {
    PasskeyCeremony {
        hash: hash(),
        user_id,
        purpose,
        state: "{\"challenge\":\"ÿ0\\u0000\"}".to_owned(),
        created_at: T0,
        expires_at: T0 + Duration::minutes(5),
    }
}

/// A user's passkeys read back as stored, oldest first, by user and by credential id.
pub async fn passkeys_are_stored_and_listed_oldest_first(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    assert_eq!(store.passkeys(ada.id).await.unwrap(), vec![]);
    let second = passkey(ada.id, 2, T0 + Duration::minutes(1));
    let first = passkey(ada.id, 1, T0);
    let bobs = passkey(bob.id, 3, T0);
    for p in [&second, &first, &bobs] {
        store.add_passkey(p).await.unwrap();
    }
    assert_eq!(
        store.passkeys(ada.id).await.unwrap(),
        vec![first.clone(), second.clone()]
    );
    assert_eq!(store.passkeys(bob.id).await.unwrap(), vec![bobs.clone()]);
    assert_eq!(
        store.passkey_by_credential_id(&[2; 32]).await.unwrap(),
        Some(second)
    );
    assert_eq!(
        store.passkey_by_credential_id(&[3; 32]).await.unwrap(),
        Some(bobs)
    );
    assert_eq!(
        store.passkey_by_credential_id(&[9; 32]).await.unwrap(),
        None
    );
}

/// A credential id is registered once across every account.
pub async fn a_passkey_credential_id_is_registered_once(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    let adas = passkey(ada.id, 1, T0);
    store.add_passkey(&adas).await.unwrap();
    assert_eq!(
        conflict(store.add_passkey(&passkey(bob.id, 1, T0)).await),
        UniqueField::PasskeyCredential
    );
    assert_eq!(
        conflict(store.add_passkey(&passkey(ada.id, 1, T0)).await),
        UniqueField::PasskeyCredential
    );
    assert_eq!(store.passkeys(ada.id).await.unwrap(), vec![adas]);
    assert_eq!(store.passkeys(bob.id).await.unwrap(), vec![]);
}

/// Only the owner renames or deletes a passkey; the others stay as they were.
pub async fn passkeys_are_renamed_and_deleted_by_their_owner_only(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    let first = passkey(ada.id, 1, T0);
    let second = passkey(ada.id, 2, T0 + Duration::seconds(1));
    store.add_passkey(&first).await.unwrap();
    store.add_passkey(&second).await.unwrap();

    assert!(
        !store
            .rename_passkey(bob.id, first.id, "mine")
            .await
            .unwrap()
    );
    assert!(!store.rename_passkey(ada.id, new_id(), "x").await.unwrap());
    assert!(
        store
            .rename_passkey(ada.id, first.id, "Laptop – ünïcode")
            .await
            .unwrap()
    );
    let renamed = StoredPasskey {
        name: "Laptop – ünïcode".into(),
        ..first.clone()
    };
    assert_eq!(
        store.passkeys(ada.id).await.unwrap(),
        vec![renamed.clone(), second.clone()]
    );

    assert!(!store.delete_passkey(bob.id, second.id).await.unwrap());
    assert!(store.delete_passkey(ada.id, second.id).await.unwrap());
    assert!(!store.delete_passkey(ada.id, second.id).await.unwrap());
    assert_eq!(store.passkeys(ada.id).await.unwrap(), vec![renamed]);
    assert_eq!(
        store.passkey_by_credential_id(&[2; 32]).await.unwrap(),
        None
    );
}

/// A use stores the new count, credential and time only when the count moves forward (or
/// stays 0 for an authenticator without a counter), and only for the owner.
pub async fn a_passkey_use_moves_the_signature_count_forward_only(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    let p = passkey(ada.id, 1, T0);
    store.add_passkey(&p).await.unwrap();
    let at = |minutes| T0 + Duration::minutes(minutes);

    assert!(
        store
            .use_passkey(ada.id, p.id, 0, "zero", at(1))
            .await
            .unwrap()
    );
    assert!(
        store
            .use_passkey(ada.id, p.id, 0, "zero again", at(2))
            .await
            .unwrap()
    );
    assert!(
        store
            .use_passkey(ada.id, p.id, 5, "five", at(3))
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_passkey(ada.id, p.id, 5, "five again", at(4))
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_passkey(ada.id, p.id, 4, "four", at(4))
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_passkey(ada.id, p.id, 0, "zero", at(4))
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_passkey(bob.id, p.id, 9, "bob", at(4))
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_passkey(ada.id, new_id(), 9, "none", at(4))
            .await
            .unwrap()
    );
    let used = StoredPasskey {
        sign_count: 5,
        credential: "five".into(),
        last_used_at: Some(at(3)),
        ..p.clone()
    };
    assert_eq!(store.passkeys(ada.id).await.unwrap(), vec![used]);

    assert!(
        store
            .use_passkey(ada.id, p.id, u32::MAX, "max", at(5))
            .await
            .unwrap()
    );
    let stored = store
        .passkey_by_credential_id(&[1; 32])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.sign_count, stored.last_used_at),
        (u32::MAX, Some(at(5)))
    );
}

/// Of 20 concurrent uses with one signature count, exactly one is accepted.
pub async fn twenty_concurrent_uses_of_one_passkey_count_have_one_winner(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let p = passkey(ada.id, 1, T0);
    store.add_passkey(&p).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let credential = format!("use {i}");
                store.use_passkey(ada.id, p.id, 7, &credential, T0).await
            })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        if task
            .await
            .unwrap()
            .expect("no store error under contention")
        {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 1);
    let stored = store.passkeys(ada.id).await.unwrap();
    assert_eq!(stored[0].sign_count, 7);
}

/// Removing a user's passkeys says how many went, and leaves everyone else's.
pub async fn removing_passkeys_counts_them_and_spares_other_users(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    for (user, seed) in [(ada.id, 1), (ada.id, 2), (bob.id, 3)] {
        store.add_passkey(&passkey(user, seed, T0)).await.unwrap();
    }
    assert_eq!(store.remove_passkeys(ada.id).await.unwrap(), 2);
    assert_eq!(store.remove_passkeys(ada.id).await.unwrap(), 0);
    assert_eq!(store.passkeys(ada.id).await.unwrap(), vec![]);
    assert_eq!(store.passkeys(bob.id).await.unwrap().len(), 1);
    store.add_passkey(&passkey(ada.id, 1, T0)).await.unwrap();
}

/// Deleting a user deletes their passkeys and ceremonies, and nobody else's.
pub async fn deleting_a_user_removes_their_passkeys_and_ceremonies(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    store.add_passkey(&passkey(ada.id, 1, T0)).await.unwrap();
    let bobs = passkey(bob.id, 2, T0);
    store.add_passkey(&bobs).await.unwrap();
    let adas_ceremony = ceremony(Some(ada.id), CeremonyPurpose::Registration);
    let bobs_ceremony = ceremony(Some(bob.id), CeremonyPurpose::Registration);
    store.issue_passkey_ceremony(&adas_ceremony).await.unwrap();
    store.issue_passkey_ceremony(&bobs_ceremony).await.unwrap();

    assert!(store.delete_user(ada.id, T0).await.unwrap());
    assert_eq!(store.passkeys(ada.id).await.unwrap(), vec![]);
    assert_eq!(
        store.passkey_by_credential_id(&[1; 32]).await.unwrap(),
        None
    );
    let registration = CeremonyPurpose::Registration;
    assert_eq!(
        store
            .take_passkey_ceremony(&adas_ceremony.hash, registration, T0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.passkeys(bob.id).await.unwrap(), vec![bobs]);
    assert_eq!(
        store
            .take_passkey_ceremony(&bobs_ceremony.hash, registration, T0)
            .await
            .unwrap(),
        Some(bobs_ceremony)
    );
}

/// A ceremony is taken once, for its purpose only, until it expires; issuing one deletes
/// those that had expired.
pub async fn a_passkey_ceremony_is_taken_once_for_its_purpose_until_it_expires(
    store: Arc<dyn Store>,
) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let sign_in = ceremony(None, CeremonyPurpose::SignIn);
    let second = ceremony(Some(ada.id), CeremonyPurpose::SecondFactor);
    store.issue_passkey_ceremony(&sign_in).await.unwrap();
    store.issue_passkey_ceremony(&second).await.unwrap();

    let take = |hash, purpose, now| {
        let store = Arc::clone(&store);
        async move {
            store
                .take_passkey_ceremony(&hash, purpose, now)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        take(sign_in.hash, CeremonyPurpose::Registration, T0).await,
        None
    );
    assert_eq!(
        take(sign_in.hash, CeremonyPurpose::SecondFactor, T0).await,
        None
    );
    assert_eq!(take(hash(), CeremonyPurpose::SignIn, T0).await, None);
    assert_eq!(
        take(sign_in.hash, CeremonyPurpose::SignIn, T0).await,
        Some(sign_in.clone())
    );
    assert_eq!(take(sign_in.hash, CeremonyPurpose::SignIn, T0).await, None);

    let expiry = second.expires_at;
    assert_eq!(
        take(second.hash, CeremonyPurpose::SecondFactor, expiry).await,
        None
    );
    let later = ceremony(None, CeremonyPurpose::SignIn);
    let later = PasskeyCeremony {
        created_at: expiry + Duration::seconds(1),
        expires_at: expiry + Duration::minutes(5),
        ..later
    };
    store.issue_passkey_ceremony(&later).await.unwrap();
    let before_expiry = expiry - Duration::seconds(1);
    assert_eq!(
        take(second.hash, CeremonyPurpose::SecondFactor, before_expiry).await,
        None,
        "issuing a ceremony deleted the expired one"
    );
    assert_eq!(
        take(later.hash, CeremonyPurpose::SignIn, later.created_at).await,
        Some(later)
    );
}

/// Of 20 concurrent takes of one ceremony, exactly one gets it.
pub async fn twenty_concurrent_takes_of_one_passkey_ceremony_have_one_winner(
    store: Arc<dyn Store>,
) {
    let c = ceremony(None, CeremonyPurpose::SignIn);
    store.issue_passkey_ceremony(&c).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = Arc::clone(&store);
            let hash = c.hash;
            tokio::spawn(async move {
                store
                    .take_passkey_ceremony(&hash, CeremonyPurpose::SignIn, T0)
                    .await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        if let Some(taken) = task
            .await
            .unwrap()
            .expect("no store error under contention")
        {
            winners.push(taken);
        }
    }
    assert_eq!(winners, vec![c]);
}
