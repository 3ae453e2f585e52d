//! The caller's own account: `/auth/me` and `/auth/password/change`.

use super::prelude::*;

/// `GET /auth/me` answers 200 with the caller's user (exactly the documented keys).
pub async fn me_returns_the_callers_account(target: Target) {
    let api = Api::new(target);
    let account = api.register_with_username().await;
    let me = api.me(&account.tokens.access_token).await;
    assert_eq!(me.id, account.user.id);
    assert_eq!(me.email, account.email);
    assert_eq!(me.username, account.username);
    assert_eq!(me.role.as_str(), "user");

    let admin = api.admin_login().await;
    let me = api.me(&admin.access_token).await;
    assert!(me.email.eq_ignore_ascii_case(&api.target().admin_email));
    assert_eq!(me.role.as_str(), "admin");
}

/// `PATCH /auth/me {username}` answers 200 with the updated user; the new username signs in.
pub async fn patching_me_sets_the_username(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let username = unique_username();
    let answer = send(
        api.authed(Method::PATCH, "/auth/me", &account.tokens.access_token)
            .json(&json!({ "username": username })),
    )
    .await;
    answer.assert_status(200);
    let user = assert_user_json(&answer.json());
    assert_eq!(user.id, account.user.id);
    assert_eq!(user.username.as_deref(), Some(username.as_str()));
    assert_eq!(
        api.me(&account.tokens.access_token).await.username,
        Some(username.clone())
    );
    expect_token_pair(
        &send(api.post_json(
            "/auth/login",
            &json!({ "username": username, "password": PASSWORD }),
        ))
        .await,
    );
}

/// `PATCH /auth/me` with another user's username is 409 `username_taken`.
pub async fn patching_me_with_another_users_username_is_username_taken(target: Target) {
    let api = Api::new(target);
    let owner = api.register_with_username().await;
    let account = api.register().await;
    let answer = send(
        api.authed(Method::PATCH, "/auth/me", &account.tokens.access_token)
            .json(&json!({ "username": owner.username })),
    )
    .await;
    assert_problem(&answer, 409, "username_taken");
    assert_eq!(api.me(&account.tokens.access_token).await.username, None);
}

/// `DELETE /auth/me {password}` is 204; the account and its sessions are gone (login is 401
/// `invalid_credentials`, the refresh token 401 `invalid_refresh_token`).
pub async fn deleting_me_with_the_password_removes_the_account(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let answer = send(
        api.authed(Method::DELETE, "/auth/me", &account.tokens.access_token)
            .json(&json!({ "password": PASSWORD })),
    )
    .await;
    assert_no_content(&answer);
    let login = api.login_answer(&account.email, PASSWORD).await;
    assert_problem(&login, 401, "invalid_credentials");
    api.assert_refresh_fails(&account.tokens.refresh_token)
        .await;
    // The address is free again.
    api.register_as(&account.email, None).await;
}

/// `DELETE /auth/me` with a wrong password is 401 `invalid_credentials` and deletes nothing.
pub async fn deleting_me_with_a_wrong_password_is_invalid_credentials(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let answer = send(
        api.authed(Method::DELETE, "/auth/me", &account.tokens.access_token)
            .json(&json!({ "password": "not the password of this account" })),
    )
    .await;
    assert_problem(&answer, 401, "invalid_credentials");
    api.login(&account.email, PASSWORD).await;
}

async fn change_password(api: &Api, access_token: &str, current: &str, new: &str) -> Answer {
    send(
        api.authed(Method::POST, "/auth/password/change", access_token)
            .json(&json!({ "current_password": current, "new_password": new })),
    )
    .await
}

/// `POST /auth/password/change` is 204: the new password signs in, the old one does not, the
/// user's other sessions are revoked and the current one keeps refreshing.
pub async fn changing_the_password_revokes_other_sessions_but_keeps_the_current_one(
    target: Target,
) {
    let api = Api::new(target);
    let account = api.register().await;
    let other = api.login(&account.email, PASSWORD).await;

    let answer = change_password(&api, &account.tokens.access_token, PASSWORD, NEW_PASSWORD).await;
    assert_no_content(&answer);

    api.assert_refresh_fails(&other.refresh_token).await;
    let current = api.refresh(&account.tokens.refresh_token).await;
    assert_eq!(current.session_id, account.tokens.session_id);
    let old = api.login_answer(&account.email, PASSWORD).await;
    assert_problem(&old, 401, "invalid_credentials");
    api.login(&account.email, NEW_PASSWORD).await;
}

/// A wrong `current_password` is 401 `invalid_credentials`, and the password is unchanged.
pub async fn changing_the_password_with_a_wrong_current_password_is_invalid_credentials(
    target: Target,
) {
    let api = Api::new(target);
    let account = api.register().await;
    let answer = change_password(
        &api,
        &account.tokens.access_token,
        "not the password of this account",
        NEW_PASSWORD,
    )
    .await;
    assert_problem(&answer, 401, "invalid_credentials");
    api.login(&account.email, PASSWORD).await;
}

/// A new password that breaks the policy is 400 `weak_password` with a `detail`, and the
/// password is unchanged.
pub async fn changing_to_a_weak_password_is_weak_password(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let answer = change_password(&api, &account.tokens.access_token, PASSWORD, WEAK_PASSWORD).await;
    let problem = assert_problem(&answer, 400, "weak_password");
    assert!(
        problem.detail.is_some(),
        "weak_password says why: {answer:?}"
    );
    api.login(&account.email, PASSWORD).await;
}
