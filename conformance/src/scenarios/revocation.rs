//! Rights end when they are taken away: right after a logout, a session revoke, logout-all, a
//! password change or reset, disabling, deletion or a demotion, the access tokens that no
//! longer allow something are refused for it, at once, on authkit's routes and on the
//! application's own (`GET /hello` for any signed-in user, `GET /admin/stats` behind
//! `RequireRole<Admin>`). Also the refresh grace window.

use authkit_core::UserId;

use super::prelude::*;
use crate::support::Account;

/// The routes a dead token is tried on: authkit's own, an admin route, and the application's.
const GUARDED: [&str; 4] = ["/auth/me", "/auth/admin/users", "/hello", "/admin/stats"];

/// Asserts `token` is refused on every guarded route: 401 `invalid_access_token` with
/// `WWW-Authenticate: Bearer error="invalid_token"`.
async fn assert_token_refused(api: &Api, token: &str, after: &str) {
    for path in GUARDED {
        let answer = send(api.authed(Method::GET, path, token)).await;
        assert_eq!(
            answer.status, 401,
            "GET {path} with a token from before {after}: {answer:?}"
        );
        assert_problem(&answer, 401, "invalid_access_token");
        assert_bearer_challenge(&answer, Some("invalid_token"));
    }
}

/// Asserts a user's `token` still works where a user may go.
async fn assert_user_token_works(api: &Api, token: &str) {
    api.me(token).await;
    send(api.authed(Method::GET, "/hello", token))
        .await
        .assert_status(200);
}

async fn admin_patch(api: &Api, token: &str, id: UserId, body: &Value) -> Answer {
    let path = format!("/auth/admin/users/{id}");
    send(api.authed(Method::PATCH, &path, token).json(body)).await
}

/// A second admin: registered, promoted by the seeded admin, signed in again as admin.
async fn second_admin(api: &Api, admin_token: &str) -> (Account, String) {
    let account = api.register().await;
    admin_patch(
        api,
        admin_token,
        account.user.id,
        &json!({ "role": "admin" }),
    )
    .await
    .assert_status(200);
    let token = api.login(&account.email, PASSWORD).await.access_token;
    (account, token)
}

/// After `POST /auth/logout` its access token is 401 everywhere at once; the user's other
/// session keeps working.
pub async fn logout_ends_its_access_token_at_once(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let other = api.login(&account.email, PASSWORD).await;
    assert_user_token_works(&api, &account.tokens.access_token).await;

    let answer = send(api.authed(Method::POST, "/auth/logout", &account.tokens.access_token)).await;
    assert_no_content(&answer);
    assert_token_refused(&api, &account.tokens.access_token, "the logout").await;
    assert_user_token_works(&api, &other.access_token).await;
}

/// After `DELETE /auth/sessions/{id}` from another session, the revoked session's access token
/// is 401 everywhere; the revoking session keeps working.
pub async fn revoking_a_session_ends_its_access_token_at_once(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let laptop = api.login(&account.email, PASSWORD).await;
    let path = format!("/auth/sessions/{}", account.tokens.session_id);

    let answer = send(api.authed(Method::DELETE, &path, &laptop.access_token)).await;
    assert_no_content(&answer);
    assert_token_refused(&api, &account.tokens.access_token, "the session revoke").await;
    assert_user_token_works(&api, &laptop.access_token).await;
}

/// After `POST /auth/logout-all` every access token of the user is 401; another user's is not.
pub async fn logout_all_ends_every_access_token_at_once(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let other = api.login(&account.email, PASSWORD).await;
    let bystander = api.register().await;

    let answer = send(api.authed(
        Method::POST,
        "/auth/logout-all",
        &account.tokens.access_token,
    ))
    .await;
    assert_no_content(&answer);
    for token in [&account.tokens.access_token, &other.access_token] {
        assert_token_refused(&api, token, "logout-all").await;
    }
    assert_user_token_works(&api, &bystander.tokens.access_token).await;
}

/// After a password change, the other sessions' access tokens are 401; the changing session's
/// token keeps working.
pub async fn changing_the_password_ends_the_other_sessions_access_tokens_at_once(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let other = api.login(&account.email, PASSWORD).await;

    let answer = send(
        api.authed(
            Method::POST,
            "/auth/password/change",
            &account.tokens.access_token,
        )
        .json(&json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD })),
    )
    .await;
    assert_no_content(&answer);
    assert_token_refused(&api, &other.access_token, "the password change").await;
    assert_user_token_works(&api, &account.tokens.access_token).await;
}

/// After a password reset, every access token of the account is 401.
pub async fn a_password_reset_ends_every_access_token_at_once(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let other = api.login(&account.email, PASSWORD).await;

    send(api.post_json(
        "/auth/password-reset/request",
        &json!({ "email": account.email }),
    ))
    .await
    .assert_status(202);
    let token = api
        .mailed_token(&account.email, MailKind::PasswordReset)
        .await;
    let answer = send(api.post_json(
        "/auth/password-reset/confirm",
        &json!({ "token": token, "new_password": NEW_PASSWORD }),
    ))
    .await;
    assert_no_content(&answer);
    for token in [&account.tokens.access_token, &other.access_token] {
        assert_token_refused(&api, token, "the password reset").await;
    }
}

/// After an admin disables an account, its access tokens are 401 (the app's routes included:
/// a disabled user cannot keep using the service until `exp`).
pub async fn disabling_an_account_ends_its_access_tokens_at_once(target: Target) {
    let api = Api::new(target);
    let admin = api.admin_login().await;
    let account = api.register().await;

    let answer = admin_patch(
        &api,
        &admin.access_token,
        account.user.id,
        &json!({ "status": "disabled" }),
    )
    .await;
    answer.assert_status(200);
    assert_token_refused(&api, &account.tokens.access_token, "disabling").await;
}

/// After `DELETE /auth/me`, and after an admin deletes an account, their access tokens are 401.
pub async fn deleting_an_account_ends_its_access_tokens_at_once(target: Target) {
    let api = Api::new(target);
    let admin = api.admin_login().await;
    let leaver = api.register().await;
    let answer = send(
        api.authed(Method::DELETE, "/auth/me", &leaver.tokens.access_token)
            .json(&json!({ "password": PASSWORD })),
    )
    .await;
    assert_no_content(&answer);
    assert_token_refused(&api, &leaver.tokens.access_token, "DELETE /auth/me").await;

    let removed = api.register().await;
    let path = format!("/auth/admin/users/{}", removed.user.id);
    let answer = send(api.authed(Method::DELETE, &path, &admin.access_token)).await;
    assert_no_content(&answer);
    assert_token_refused(&api, &removed.tokens.access_token, "the admin's delete").await;
}

/// A role change applies on the next request: a promoted user's old token passes the admin
/// guard at once; after a demotion the old admin token gets 403 on the app's
/// `RequireRole<Admin>` route (`insufficient_scope`) and on every admin route (`forbidden`),
/// cannot promote itself back, and `/auth/me` shows the new role; the next refresh mints it.
pub async fn a_demoted_admin_loses_admin_rights_at_once(target: Target) {
    let api = Api::new(target);
    let admin = api.admin_login().await;
    let account = api.register().await;
    let before = account.tokens.access_token.clone();
    admin_patch(
        &api,
        &admin.access_token,
        account.user.id,
        &json!({ "role": "admin" }),
    )
    .await
    .assert_status(200);
    send(api.authed(Method::GET, "/admin/stats", &before))
        .await
        .assert_status(200);

    let promoted = api.login(&account.email, PASSWORD).await;
    assert_eq!(jwt_claims(&promoted.access_token)["role"], json!("admin"));
    admin_patch(
        &api,
        &admin.access_token,
        account.user.id,
        &json!({ "role": "user" }),
    )
    .await
    .assert_status(200);

    let token = &promoted.access_token;
    let stats = send(api.authed(Method::GET, "/admin/stats", token)).await;
    assert_problem(&stats, 403, "forbidden");
    assert_bearer_challenge(&stats, Some("insufficient_scope"));
    let list = send(api.authed(Method::GET, "/auth/admin/users", token)).await;
    assert_problem(&list, 403, "forbidden");
    let own = format!("/auth/admin/users/{}", account.user.id);
    let read = send(api.authed(Method::GET, &own, token)).await;
    assert_problem(&read, 403, "forbidden");
    let promote_back = admin_patch(&api, token, account.user.id, &json!({ "role": "admin" })).await;
    assert_problem(&promote_back, 403, "forbidden");
    let victim = api.register().await;
    let delete = send(api.authed(
        Method::DELETE,
        &format!("/auth/admin/users/{}", victim.user.id),
        token,
    ))
    .await;
    assert_problem(&delete, 403, "forbidden");
    assert_eq!(api.me(token).await.role.as_str(), "user");
    api.me(&victim.tokens.access_token).await;

    let next = api.refresh(&promoted.refresh_token).await;
    assert_eq!(jwt_claims(&next.access_token)["role"], json!("user"));
}

/// A disabled admin cannot re-enable themselves, and a deleted admin cannot promote an
/// accomplice, with the tokens they held: 401.
pub async fn a_disabled_or_deleted_admin_changes_nobody(target: Target) {
    let api = Api::new(target);
    let admin = api.admin_login().await;
    let (disabled, disabled_token) = second_admin(&api, &admin.access_token).await;
    admin_patch(
        &api,
        &admin.access_token,
        disabled.user.id,
        &json!({ "status": "disabled" }),
    )
    .await
    .assert_status(200);
    let again = admin_patch(
        &api,
        &disabled_token,
        disabled.user.id,
        &json!({ "status": "active" }),
    )
    .await;
    assert_problem(&again, 401, "invalid_access_token");

    let (deleted, deleted_token) = second_admin(&api, &admin.access_token).await;
    let path = format!("/auth/admin/users/{}", deleted.user.id);
    assert_no_content(&send(api.authed(Method::DELETE, &path, &admin.access_token)).await);
    let accomplice = api.register().await;
    let promote = admin_patch(
        &api,
        &deleted_token,
        accomplice.user.id,
        &json!({ "role": "admin" }),
    )
    .await;
    assert_problem(&promote, 401, "invalid_access_token");

    let read = send(api.authed(
        Method::GET,
        &format!("/auth/admin/users/{}", accomplice.user.id),
        &admin.access_token,
    ))
    .await;
    read.assert_status(200);
    assert_eq!(assert_user_json(&read.json()).role.as_str(), "user");
}

/// With a grace window (the option gives 2 s), a client that lost the answer to a refresh may
/// present the same token again and gets a new pair in the same session, which rotates as
/// usual; after the window, presenting it again is a replay that revokes the family and ends
/// its access tokens at once.
///
/// Runs with [`options::refresh_grace`](super::options::refresh_grace).
pub async fn a_refresh_retried_within_the_grace_window_keeps_the_session(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let first = account.tokens.refresh_token.clone();

    let lost = api.refresh(&first).await;
    let retried = api.refresh(&first).await;
    assert_eq!(retried.session_id, account.tokens.session_id);
    assert_ne!(retried.refresh_token, lost.refresh_token);
    let next = api.refresh(&retried.refresh_token).await;
    assert_eq!(next.session_id, account.tokens.session_id);
    assert_user_token_works(&api, &next.access_token).await;

    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    api.assert_refresh_fails(&first).await;
    api.assert_refresh_fails(&next.refresh_token).await;
    assert_token_refused(&api, &next.access_token, "a replay after the grace window").await;
}

/// The last active admin cannot delete itself through `DELETE /auth/me` either (400
/// `validation_failed`; it still signs in); once another admin exists, it can (204).
pub async fn the_last_admin_cannot_delete_itself_through_me(target: Target) {
    let api = Api::new(target);
    let admin = api.admin_login().await;
    let delete_me = |token: String| {
        let request = api
            .authed(Method::DELETE, "/auth/me", &token)
            .json(&json!({ "password": api.target().admin_password }));
        send(request)
    };
    let refused = delete_me(admin.access_token.clone()).await;
    assert_problem(&refused, 400, "validation_failed");
    let again = api.admin_login().await;
    api.me(&again.access_token).await;

    second_admin(&api, &again.access_token).await;
    assert_no_content(&delete_me(again.access_token.clone()).await);
    let email = api.target().admin_email.clone();
    let password = api.target().admin_password.clone();
    assert_problem(
        &api.login_answer(&email, &password).await,
        401,
        "invalid_credentials",
    );
}
