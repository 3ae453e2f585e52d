//! Second factors: enrolling and confirming a TOTP authenticator, single-use time steps and
//! recovery codes, removal, and the MFA challenge token that a sign-in's second step consumes.

use super::*;

/// The time step of [`T0`] (Unix time / 30 s).
const STEP: i64 = T0.unix_timestamp() / 30;

/// A sealed secret as the flows store it (opaque bytes, with a zero and high bytes in it).
fn sealed(seed: u8) -> Vec<u8> {
    (0..61u8).map(|i| i.wrapping_mul(37) ^ seed).collect()
}

/// A pending authenticator of `user_id` with the secret `sealed(seed)`, started at `at`.
fn pending(user_id: uuid::Uuid, seed: u8, at: OffsetDateTime) -> TotpCredential {
    TotpCredential {
        user_id,
        sealed_secret: sealed(seed),
        created_at: at,
        confirmed_at: None,
        last_used_step: None,
    }
}

fn codes(n: usize) -> Vec<TokenHash> {
    (0..n).map(|_| hash()).collect()
}

/// A user with a confirmed authenticator (confirmed at [`T0`] with step [`STEP`]) and these
/// recovery codes.
async fn enrolled(store: &Arc<dyn Store>, email: &str, recovery: &[TokenHash]) -> User {
    let u = insert_user(store, email, None).await;
    assert!(store.begin_totp(&pending(u.id, 1, T0)).await.unwrap());
    assert!(
        store
            .confirm_totp(u.id, &sealed(1), STEP, recovery, T0)
            .await
            .unwrap()
    );
    u
}

/// A pending enrolment reads back as stored, and a new one replaces it.
pub async fn a_pending_totp_enrolment_is_stored_and_replaced(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    assert_eq!(store.totp(u.id).await.unwrap(), None);
    let first = pending(u.id, 1, T0);
    assert!(store.begin_totp(&first).await.unwrap());
    assert_eq!(store.totp(u.id).await.unwrap(), Some(first));

    let second = pending(u.id, 2, T0 + Duration::minutes(1));
    assert!(store.begin_totp(&second).await.unwrap());
    assert_eq!(store.totp(u.id).await.unwrap(), Some(second));
}

/// Once confirmed, an authenticator is not replaced by a new enrolment.
pub async fn a_confirmed_totp_is_not_replaced_by_a_new_enrolment(store: Arc<dyn Store>) {
    let u = enrolled(&store, "ada@example.com", &codes(2)).await;
    let confirmed = store.totp(u.id).await.unwrap();
    assert_eq!(
        confirmed,
        Some(TotpCredential {
            confirmed_at: Some(T0),
            last_used_step: Some(STEP),
            ..pending(u.id, 1, T0)
        })
    );
    let again = pending(u.id, 2, T0 + Duration::minutes(1));
    assert!(!store.begin_totp(&again).await.unwrap());
    assert_eq!(store.totp(u.id).await.unwrap(), confirmed);
}

/// 20 concurrent enrolments of one user all succeed (each stores or replaces a pending one),
/// and one of them is what is stored.
pub async fn concurrent_totp_enrolments_leave_one_pending(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let tasks: Vec<_> = (0..20u8)
        .map(|seed| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.begin_totp(&pending(u.id, seed, T0)).await })
        })
        .collect();
    for task in tasks {
        assert!(
            task.await
                .unwrap()
                .expect("no store error under contention")
        );
    }
    let stored = store.totp(u.id).await.unwrap().expect("one pending");
    assert!((0..20).any(|seed| stored == pending(u.id, seed, T0)));
}

/// Confirming needs the pending secret (not one a re-enrolment replaced); it records the step
/// and replaces the recovery codes, all at once, and only once.
pub async fn confirming_a_totp_needs_its_pending_secret_and_stores_the_codes(
    store: Arc<dyn Store>,
) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let earlier = codes(2);
    store
        .replace_recovery_codes(u.id, &earlier, T0)
        .await
        .unwrap();
    assert!(store.begin_totp(&pending(u.id, 1, T0)).await.unwrap());
    let current = pending(u.id, 2, T0 + Duration::minutes(1));
    assert!(store.begin_totp(&current).await.unwrap());

    let now = T0 + Duration::minutes(2);
    let recovery = codes(10);
    assert!(
        !store
            .confirm_totp(u.id, &sealed(1), STEP, &recovery, now)
            .await
            .unwrap(),
        "the replaced secret"
    );
    assert_eq!(store.totp(u.id).await.unwrap(), Some(current.clone()));
    assert_eq!(store.recovery_codes_left(u.id).await.unwrap(), 2);

    assert!(
        store
            .confirm_totp(u.id, &sealed(2), STEP, &recovery, now)
            .await
            .unwrap()
    );
    let confirmed = TotpCredential {
        confirmed_at: Some(now),
        last_used_step: Some(STEP),
        ..current
    };
    assert_eq!(store.totp(u.id).await.unwrap(), Some(confirmed.clone()));
    assert_eq!(store.recovery_codes_left(u.id).await.unwrap(), 10);
    assert!(
        !store
            .use_recovery_code(u.id, &earlier[0], now)
            .await
            .unwrap(),
        "the earlier codes are gone"
    );

    let later = now + Duration::minutes(1);
    assert!(
        !store
            .confirm_totp(u.id, &sealed(2), STEP + 2, &codes(10), later)
            .await
            .unwrap(),
        "confirmed already"
    );
    assert_eq!(store.totp(u.id).await.unwrap(), Some(confirmed));
    assert_eq!(store.recovery_codes_left(u.id).await.unwrap(), 10);
    assert!(
        store
            .use_recovery_code(u.id, &recovery[0], later)
            .await
            .unwrap()
    );

    let nobody = insert_user(&store, "bob@example.com", None).await;
    assert!(
        !store
            .confirm_totp(nobody.id, &sealed(2), STEP, &codes(1), later)
            .await
            .unwrap()
    );
    assert_eq!(store.totp(nobody.id).await.unwrap(), None);
    assert_eq!(store.recovery_codes_left(nobody.id).await.unwrap(), 0);
}

/// A time step is accepted from a confirmed authenticator only, once, and only above the
/// last one accepted.
pub async fn totp_steps_are_accepted_once_and_in_order(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    assert!(!store.use_totp_step(u.id, STEP).await.unwrap(), "none");
    assert!(store.begin_totp(&pending(u.id, 1, T0)).await.unwrap());
    assert!(!store.use_totp_step(u.id, STEP).await.unwrap(), "pending");
    assert_eq!(
        store.totp(u.id).await.unwrap().unwrap().last_used_step,
        None
    );

    assert!(
        store
            .confirm_totp(u.id, &sealed(1), STEP, &[], T0)
            .await
            .unwrap()
    );
    assert!(!store.use_totp_step(u.id, STEP).await.unwrap(), "the same");
    assert!(
        !store.use_totp_step(u.id, STEP - 1).await.unwrap(),
        "earlier"
    );
    assert!(store.use_totp_step(u.id, STEP + 1).await.unwrap());
    assert_eq!(
        store.totp(u.id).await.unwrap().unwrap().last_used_step,
        Some(STEP + 1)
    );
    assert!(!store.use_totp_step(u.id, STEP + 1).await.unwrap());
    assert!(store.use_totp_step(u.id, STEP + 5).await.unwrap());
    assert!(!store.use_totp_step(u.id, STEP + 3).await.unwrap());
    assert_eq!(
        store.totp(u.id).await.unwrap().unwrap().last_used_step,
        Some(STEP + 5)
    );
}

/// Of 20 concurrent uses of one time step, exactly one is accepted.
pub async fn twenty_concurrent_uses_of_one_totp_step_have_one_winner(store: Arc<dyn Store>) {
    let u = enrolled(&store, "ada@example.com", &[]).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.use_totp_step(u.id, STEP + 1).await })
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
    assert_eq!(
        store.totp(u.id).await.unwrap().unwrap().last_used_step,
        Some(STEP + 1)
    );
}

/// A recovery code works once and for its owner only; replacing the codes voids the old ones.
pub async fn recovery_codes_are_used_once_by_their_owner_until_replaced(store: Arc<dyn Store>) {
    let adas = codes(3);
    let bobs = codes(1);
    let ada = enrolled(&store, "ada@example.com", &adas).await;
    let bob = enrolled(&store, "bob@example.com", &bobs).await;
    let now = T0 + Duration::minutes(1);

    assert_eq!(store.recovery_codes_left(ada.id).await.unwrap(), 3);
    assert!(
        store
            .use_recovery_code(ada.id, &adas[0], now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_recovery_code(ada.id, &adas[0], now)
            .await
            .unwrap()
    );
    assert_eq!(store.recovery_codes_left(ada.id).await.unwrap(), 2);
    assert!(
        !store
            .use_recovery_code(ada.id, &bobs[0], now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_recovery_code(bob.id, &adas[1], now)
            .await
            .unwrap()
    );
    assert!(!store.use_recovery_code(ada.id, &hash(), now).await.unwrap());
    assert_eq!(store.recovery_codes_left(ada.id).await.unwrap(), 2);
    assert_eq!(store.recovery_codes_left(bob.id).await.unwrap(), 1);

    let fresh = codes(4);
    store
        .replace_recovery_codes(ada.id, &fresh, now)
        .await
        .unwrap();
    assert_eq!(store.recovery_codes_left(ada.id).await.unwrap(), 4);
    assert!(
        !store
            .use_recovery_code(ada.id, &adas[1], now)
            .await
            .unwrap()
    );
    assert!(
        store
            .use_recovery_code(ada.id, &fresh[3], now)
            .await
            .unwrap()
    );
    assert_eq!(store.recovery_codes_left(ada.id).await.unwrap(), 3);
    assert_eq!(store.recovery_codes_left(bob.id).await.unwrap(), 1);
    assert!(
        store
            .use_recovery_code(bob.id, &bobs[0], now)
            .await
            .unwrap()
    );
    assert_eq!(store.recovery_codes_left(bob.id).await.unwrap(), 0);
}

/// Of 20 concurrent uses of one recovery code, exactly one succeeds.
pub async fn twenty_concurrent_uses_of_one_recovery_code_have_one_winner(store: Arc<dyn Store>) {
    let recovery = codes(2);
    let u = enrolled(&store, "ada@example.com", &recovery).await;
    let code = recovery[1];
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.use_recovery_code(u.id, &code, T0).await })
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
    assert_eq!(store.recovery_codes_left(u.id).await.unwrap(), 1);
}

/// Removing second factors deletes the authenticator and every code, and reports whether a
/// confirmed authenticator was there; another user's stay.
pub async fn removing_second_factors_reports_a_confirmed_authenticator(store: Arc<dyn Store>) {
    let nothing = insert_user(&store, "nothing@example.com", None).await;
    assert!(!store.remove_second_factors(nothing.id).await.unwrap());

    let half = insert_user(&store, "pending@example.com", None).await;
    assert!(store.begin_totp(&pending(half.id, 1, T0)).await.unwrap());
    store
        .replace_recovery_codes(half.id, &codes(2), T0)
        .await
        .unwrap();
    assert!(!store.remove_second_factors(half.id).await.unwrap());
    assert_eq!(store.totp(half.id).await.unwrap(), None);
    assert_eq!(store.recovery_codes_left(half.id).await.unwrap(), 0);

    let ada = enrolled(&store, "ada@example.com", &codes(3)).await;
    let bob = enrolled(&store, "bob@example.com", &codes(2)).await;
    let bobs = store.totp(bob.id).await.unwrap();
    assert!(store.remove_second_factors(ada.id).await.unwrap());
    assert_eq!(store.totp(ada.id).await.unwrap(), None);
    assert_eq!(store.recovery_codes_left(ada.id).await.unwrap(), 0);
    assert!(!store.remove_second_factors(ada.id).await.unwrap());
    assert!(!store.use_totp_step(ada.id, STEP + 1).await.unwrap());

    assert_eq!(store.totp(bob.id).await.unwrap(), bobs);
    assert_eq!(store.recovery_codes_left(bob.id).await.unwrap(), 2);
    assert!(store.begin_totp(&pending(ada.id, 2, T0)).await.unwrap());
}

/// Deleting a user deletes their authenticator and recovery codes, and nobody else's.
pub async fn deleting_a_user_removes_their_second_factors(store: Arc<dyn Store>) {
    let ada = enrolled(&store, "ada@example.com", &codes(3)).await;
    let bob = enrolled(&store, "bob@example.com", &codes(2)).await;
    let bobs = store.totp(bob.id).await.unwrap();
    assert!(bobs.is_some());

    assert!(store.delete_user(ada.id, T0).await.unwrap());
    assert_eq!(store.totp(ada.id).await.unwrap(), None);
    assert_eq!(store.recovery_codes_left(ada.id).await.unwrap(), 0);
    assert_eq!(store.totp(bob.id).await.unwrap(), bobs);
    assert_eq!(store.recovery_codes_left(bob.id).await.unwrap(), 2);
}

/// An MFA challenge is a one-time token like the others: found with its purpose, accepted
/// for that purpose only, and consumed by exactly one of 20 concurrent second steps.
pub async fn an_mfa_challenge_is_consumed_once(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let challenge = one_time_token(u.id, TokenPurpose::MfaChallenge);
    store.issue_one_time_token(&challenge, true).await.unwrap();
    let found = store
        .find_one_time_token(&challenge.hash, T0)
        .await
        .unwrap();
    assert_eq!(
        found.as_ref().map(|t| t.purpose),
        Some(TokenPurpose::MfaChallenge)
    );
    assert_eq!(found, Some(challenge.clone()));

    let as_reset = CredentialChange {
        user_id: u.id,
        consume: Some((challenge.hash, TokenPurpose::PasswordReset)),
        ..CredentialChange::default()
    };
    assert_eq!(
        store.apply_credential_change(&as_reset, T0).await.unwrap(),
        None
    );

    let now = T0 + Duration::seconds(30);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = Arc::clone(&store);
            let change = CredentialChange {
                user_id: u.id,
                consume: Some((challenge.hash, TokenPurpose::MfaChallenge)),
                ..CredentialChange::default()
            };
            tokio::spawn(async move { store.apply_credential_change(&change, now).await })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        if let Some(user) = task
            .await
            .unwrap()
            .expect("no store error under contention")
        {
            winners.push(user);
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!((winners[0].id, winners[0].updated_at), (u.id, now));
    assert_eq!(
        store
            .find_one_time_token(&challenge.hash, now)
            .await
            .unwrap(),
        None
    );
}
