//! Administration: `/auth/admin/users` and `/auth/admin/users/{id}`.

use std::collections::BTreeSet;

use authkit_core::UserId;
use authkit_core::dto::UserView;

use super::prelude::*;

/// `GET /auth/admin/users` with `query` as the admin, asserting 200 and the page shape:
/// exactly `{items, next_cursor}`, every item a user.
async fn list_users(
    api: &Api,
    admin_token: &str,
    query: &[(&str, &str)],
) -> (Vec<UserView>, Option<String>) {
    let answer = send(
        api.authed(Method::GET, "/auth/admin/users", admin_token)
            .query(query),
    )
    .await;
    answer.assert_status(200);
    let page = answer.json();
    assert_keys(&page, &["items", "next_cursor"], "a page of users");
    let items = page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("`items` must be an array: {page}"))
        .iter()
        .map(assert_user_json)
        .collect();
    let next_cursor = match &page["next_cursor"] {
        Value::Null => None,
        Value::String(cursor) => Some(cursor.clone()),
        other => panic!("`next_cursor` must be a string or null, got {other}"),
    };
    (items, next_cursor)
}

fn ids(users: &[UserView]) -> BTreeSet<UserId> {
    users.iter().map(|u| u.id).collect()
}

async fn admin_patch(api: &Api, admin_token: &str, id: UserId, body: &Value) -> Answer {
    send(
        api.authed(
            Method::PATCH,
            &format!("/auth/admin/users/{id}"),
            admin_token,
        )
        .json(body),
    )
    .await
}

/// Following `next_cursor` with `?limit=2` visits every user (the admin and four new ones)
/// exactly once, pages of at most two, the last with `next_cursor: null`.
pub async fn admin_user_list_pages_through_every_user_exactly_once(target: Target) {
    let api = Api::new(target);
    let admin = api.admin_login().await;
    let mut expected = BTreeSet::from([api.me(&admin.access_token).await.id]);
    for _ in 0..4 {
        expected.insert(api.register().await.user.id);
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 1.. {
        assert!(page <= expected.len() + 1, "the pages never end: {seen:?}");
        let mut query = vec![("limit", "2")];
        if let Some(cursor) = &cursor {
            query.push(("cursor", cursor.as_str()));
        }
        let (items, next) = list_users(&api, &admin.access_token, &query).await;
        assert!(items.len() <= 2, "page {page} exceeds the limit: {items:?}");
        if next.is_some() {
            assert_eq!(items.len(), 2, "only the last page may be short: {items:?}");
        }
        seen.extend(items.iter().map(|u| u.id));
        cursor = next;
        if cursor.is_none() {
            break;
        }
    }
    let unique: BTreeSet<UserId> = seen.iter().copied().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "a user was listed twice: {seen:?}"
    );
    assert_eq!(unique, expected, "every user, and only them");
}

/// `?role=`, `?status=` and `?q=` (case-insensitive, on address and username) filter the list.
pub async fn admin_user_list_filters_by_role_status_and_search(target: Target) {
    let api = Api::new(target);
    let admin = api.admin_login().await;
    let admin_id = api.me(&admin.access_token).await.id;
    let hr = api.register().await;
    let disabled = api.register().await;
    let searched = api.register_with_username().await;
    admin_patch(
        &api,
        &admin.access_token,
        hr.user.id,
        &json!({ "role": "hr" }),
    )
    .await
    .assert_status(200);
    admin_patch(
        &api,
        &admin.access_token,
        disabled.user.id,
        &json!({ "status": "disabled" }),
    )
    .await
    .assert_status(200);

    let token = &admin.access_token;
    let local_part = format!("{}@", searched.email.split('@').next().unwrap_or_default());
    let username = searched
        .username
        .clone()
        .expect("registered with a username");
    let cases = [
        (("role", "hr".to_owned()), BTreeSet::from([hr.user.id])),
        (("role", "admin".to_owned()), BTreeSet::from([admin_id])),
        (
            ("status", "disabled".to_owned()),
            BTreeSet::from([disabled.user.id]),
        ),
        (
            ("status", "active".to_owned()),
            BTreeSet::from([admin_id, hr.user.id, searched.user.id]),
        ),
        (
            ("q", local_part.to_uppercase()),
            BTreeSet::from([searched.user.id]),
        ),
        (
            ("q", username.to_uppercase()),
            BTreeSet::from([searched.user.id]),
        ),
    ];
    for ((name, value), expected) in cases {
        let (items, next) = list_users(&api, token, &[(name, value.as_str())]).await;
        assert_eq!(ids(&items), expected, "?{name}={value}: {items:?}");
        assert_eq!(next, None);
    }
}

/// `?limit=0` is 400 `validation_failed`.
pub async fn admin_user_list_with_limit_zero_is_validation_failed(target: Target) {
    let api = Api::new(target);
    let admin = api.admin_login().await;
    let answer = send(
        api.authed(Method::GET, "/auth/admin/users", &admin.access_token)
            .query(&[("limit", "0")]),
    )
    .await;
    assert_problem(&answer, 400, "validation_failed");
}

/// `GET /auth/admin/users/{id}` answers 200 with the user; an unknown or malformed id is 404
/// `not_found`.
pub async fn admin_reads_a_user_or_answers_not_found(target: Target) {
    let api = Api::new(target);
    let admin = api.admin_login().await;
    let account = api.register_with_username().await;

    let answer = send(api.authed(
        Method::GET,
        &format!("/auth/admin/users/{}", account.user.id),
        &admin.access_token,
    ))
    .await;
    answer.assert_status(200);
    let user = assert_user_json(&answer.json());
    assert_eq!(user.id, account.user.id);
    assert_eq!(user.email, account.email);
    assert_eq!(user.username, account.username);

    for id in [uuid::Uuid::now_v7().to_string(), "not-a-user-id".to_owned()] {
        let answer = send(api.authed(
            Method::GET,
            &format!("/auth/admin/users/{id}"),
            &admin.access_token,
        ))
        .await;
        assert_problem(&answer, 404, "not_found");
    }
}

/// `PATCH {status: "disabled"}` answers 200 with the disabled user, revokes its sessions and
/// makes its login 401 `invalid_credentials`; `{status: "active"}` lets it back in.
pub async fn admin_disabling_a_user_revokes_its_sessions_and_blocks_login(target: Target) {
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
    let user = assert_user_json(&answer.json());
    assert_eq!(
        (user.id, user.status),
        (account.user.id, UserStatus::Disabled)
    );

    api.assert_refresh_fails(&account.tokens.refresh_token)
        .await;
    let login = api.login_answer(&account.email, PASSWORD).await;
    assert_problem(&login, 401, "invalid_credentials");

    let answer = admin_patch(
        &api,
        &admin.access_token,
        account.user.id,
        &json!({ "status": "active" }),
    )
    .await;
    answer.assert_status(200);
    assert_eq!(assert_user_json(&answer.json()).status, UserStatus::Active);
    api.login(&account.email, PASSWORD).await;
}

/// `PATCH {role: "hr"}` answers 200 with the new role, and the user's next access token (after
/// a refresh) carries `role: "hr"`.
pub async fn admin_role_change_shows_in_the_next_access_token(target: Target) {
    let api = Api::new(target);
    let admin = api.admin_login().await;
    let account = api.register().await;

    let answer = admin_patch(
        &api,
        &admin.access_token,
        account.user.id,
        &json!({ "role": "hr" }),
    )
    .await;
    answer.assert_status(200);
    assert_eq!(assert_user_json(&answer.json()).role.as_str(), "hr");

    let next = api.refresh(&account.tokens.refresh_token).await;
    assert_eq!(jwt_claims(&next.access_token)["role"], json!("hr"));
    assert_eq!(api.me(&next.access_token).await.role.as_str(), "hr");
    let login = api.login(&account.email, PASSWORD).await;
    assert_eq!(jwt_claims(&login.access_token)["role"], json!("hr"));
}

/// `DELETE /auth/admin/users/{id}` is 204; the user is then 404 `not_found` (to read and to
/// delete again), cannot log in, and its sessions are gone.
pub async fn admin_deleting_a_user_makes_it_not_found(target: Target) {
    let api = Api::new(target);
    let admin = api.admin_login().await;
    let account = api.register().await;
    let path = format!("/auth/admin/users/{}", account.user.id);

    let answer = send(api.authed(Method::DELETE, &path, &admin.access_token)).await;
    assert_no_content(&answer);
    let read = send(api.authed(Method::GET, &path, &admin.access_token)).await;
    assert_problem(&read, 404, "not_found");
    let again = send(api.authed(Method::DELETE, &path, &admin.access_token)).await;
    assert_problem(&again, 404, "not_found");

    let login = api.login_answer(&account.email, PASSWORD).await;
    assert_problem(&login, 401, "invalid_credentials");
    api.assert_refresh_fails(&account.tokens.refresh_token)
        .await;
}

/// A non-admin is 403 `forbidden` with `WWW-Authenticate: Bearer error="insufficient_scope"`
/// on every admin route, and changes nothing.
pub async fn non_admins_are_forbidden_on_every_admin_route(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let victim = api.register().await;
    let path = format!("/auth/admin/users/{}", victim.user.id);
    let token = &account.tokens.access_token;
    let requests = [
        (
            "GET /auth/admin/users",
            api.authed(Method::GET, "/auth/admin/users", token),
        ),
        (
            "GET /auth/admin/users/{id}",
            api.authed(Method::GET, &path, token),
        ),
        (
            "PATCH /auth/admin/users/{id}",
            api.authed(Method::PATCH, &path, token)
                .json(&json!({ "status": "disabled", "role": "admin" })),
        ),
        (
            "DELETE /auth/admin/users/{id}",
            api.authed(Method::DELETE, &path, token),
        ),
    ];
    for (route, request) in requests {
        let answer = send(request).await;
        assert_eq!(answer.status, 403, "{route}: {answer:?}");
        assert_problem(&answer, 403, "forbidden");
        assert_bearer_challenge(&answer, Some("insufficient_scope"));
    }

    let admin = api.admin_login().await;
    let answer = send(api.authed(Method::GET, &path, &admin.access_token)).await;
    answer.assert_status(200);
    let user = assert_user_json(&answer.json());
    assert_eq!(
        (user.status, user.role.as_str()),
        (UserStatus::Active, "user")
    );
    api.refresh(&victim.tokens.refresh_token).await;
}
