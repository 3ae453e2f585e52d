//! One-time tokens: lookup until expiry, voiding by purpose.

use super::*;

/// A token is found (equal, field for field) until its expiry instant, then not.
pub async fn one_time_tokens_are_found_until_they_expire(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let token = one_time_token(u.id, TokenPurpose::ChangeEmail);
    store.issue_one_time_token(&token, true).await.unwrap();
    let just_before = token.expires_at - Duration::microseconds(1);
    assert_eq!(
        store
            .find_one_time_token(&token.hash, just_before)
            .await
            .unwrap(),
        Some(token.clone())
    );
    assert_eq!(
        store
            .find_one_time_token(&token.hash, token.expires_at)
            .await
            .unwrap(),
        None
    );
}

/// `void_previous` deletes the user's older tokens of the same purpose only.
pub async fn voiding_previous_tokens_spares_other_purposes_and_users(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    let old_reset = one_time_token(ada.id, TokenPurpose::PasswordReset);
    let verify = one_time_token(ada.id, TokenPurpose::VerifyEmail);
    let bobs_reset = one_time_token(bob.id, TokenPurpose::PasswordReset);
    for t in [&old_reset, &verify, &bobs_reset] {
        store.issue_one_time_token(t, false).await.unwrap();
    }
    let new_reset = one_time_token(ada.id, TokenPurpose::PasswordReset);
    store.issue_one_time_token(&new_reset, true).await.unwrap();
    assert_eq!(
        store
            .find_one_time_token(&old_reset.hash, T0)
            .await
            .unwrap(),
        None
    );
    for t in [&verify, &bobs_reset, &new_reset] {
        assert!(
            store
                .find_one_time_token(&t.hash, T0)
                .await
                .unwrap()
                .is_some()
        );
    }
}
