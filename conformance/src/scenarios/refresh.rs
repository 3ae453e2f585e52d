//! `POST /auth/refresh`: rotation, reuse detection (RFC 9700 4.14), unknown tokens.

use super::prelude::*;

/// A refresh answers 200 with a new pair of the same session: a different refresh token, a
/// working access token, `Cache-Control: no-store`.
pub async fn refreshing_rotates_the_refresh_token_within_the_same_session(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let first = api.refresh(&account.tokens.refresh_token).await;
    assert_eq!(first.session_id, account.tokens.session_id);
    assert_ne!(first.refresh_token, account.tokens.refresh_token);
    assert_eq!(api.me(&first.access_token).await.id, account.user.id);

    // And again: every refresh rotates.
    let second = api.refresh(&first.refresh_token).await;
    assert_eq!(second.session_id, account.tokens.session_id);
    assert_ne!(second.refresh_token, first.refresh_token);
}

/// Presenting a rotated-out refresh token is 401 `invalid_refresh_token` and revokes its whole
/// family: the token that replaced it fails too. Other sessions are not touched.
pub async fn replaying_a_rotated_refresh_token_revokes_the_family(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let other_session = api.login(&account.email, PASSWORD).await;

    let rotated = api.refresh(&account.tokens.refresh_token).await;
    api.assert_refresh_fails(&account.tokens.refresh_token)
        .await;
    api.assert_refresh_fails(&rotated.refresh_token).await;

    api.refresh(&other_session.refresh_token).await;
}

/// A refresh token that was never issued is 401 `invalid_refresh_token`.
pub async fn refreshing_with_a_garbage_token_is_invalid_refresh_token(target: Target) {
    let api = Api::new(target);
    for bad in ["garbage", NEVER_ISSUED_TOKEN] {
        api.assert_refresh_fails(bad).await;
    }
}
