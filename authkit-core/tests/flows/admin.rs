use std::sync::Arc;

use authkit_core::dto::{AdminListQuery, AdminUpdateRequest};
use authkit_core::events::EventKind;
use authkit_core::jwt::AccessClaims;
use authkit_core::{ErrorCode, Role, UserStatus};

use crate::support::*;

const ADMIN_EMAIL: &str = "root@example.com";

async fn admin(h: &Harness) -> Arc<AccessClaims> {
    h.auth
        .ensure_admin(ADMIN_EMAIL, &PASSWORD.into())
        .await
        .unwrap();
    let tokens = h.login(ADMIN_EMAIL, PASSWORD).await.unwrap();
    h.claims(&tokens)
}

#[tokio::test]
async fn ensure_admin_is_idempotent_even_when_instances_race() {
    let h = Harness::new();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let auth = h.auth.clone();
            tokio::spawn(async move { auth.ensure_admin(ADMIN_EMAIL, &PASSWORD.into()).await })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        if task.await.unwrap().unwrap().is_some() {
            created += 1;
        }
    }
    assert_eq!(created, 1);
    let claims = admin(&h).await;
    assert!(claims.role.is_admin());
    let page = h
        .auth
        .admin_list_users(
            &claims,
            &AdminListQuery {
                role: Some("admin".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.items[0].email_verified);
}

#[tokio::test]
async fn non_admins_are_forbidden_everywhere() {
    let h = Harness::new();
    let (user, tokens) = h.register("ada@example.com").await;
    let claims = h.claims(&tokens);
    let q = AdminListQuery::default();
    let errs = [
        h.auth.admin_list_users(&claims, &q).await.unwrap_err(),
        h.auth.admin_get_user(&claims, user.id).await.unwrap_err(),
        h.auth
            .admin_update_user(
                &claims,
                user.id,
                AdminUpdateRequest {
                    role: Some(Role::admin()),
                    status: None,
                },
            )
            .await
            .unwrap_err(),
        h.auth
            .admin_delete_user(&claims, user.id)
            .await
            .unwrap_err(),
    ];
    for err in errs {
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(err.status(), 403);
        assert_eq!(
            err.www_authenticate(),
            Some("Bearer error=\"insufficient_scope\"")
        );
    }
}

#[tokio::test]
async fn the_user_list_pages_by_cursor_and_filters() {
    let h = Harness::new();
    let root = admin(&h).await;
    for i in 0..5 {
        h.register(&format!("user{i}@example.com")).await;
    }
    let first = h
        .auth
        .admin_list_users(
            &root,
            &AdminListQuery {
                limit: Some(4),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(first.items.len(), 4);
    let cursor = first.next_cursor.clone().expect("more pages");
    let second = h
        .auth
        .admin_list_users(
            &root,
            &AdminListQuery {
                limit: Some(4),
                cursor: Some(cursor),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(second.items.len(), 2);
    assert_eq!(second.next_cursor, None);
    let mut all: Vec<_> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|u| u.id)
        .collect();
    let sorted = {
        let mut s = all.clone();
        s.sort();
        s
    };
    assert_eq!(all, sorted, "ordered by id, which is creation order");
    all.dedup();
    assert_eq!(all.len(), 6);

    let found = h
        .auth
        .admin_list_users(
            &root,
            &AdminListQuery {
                q: Some("USER3".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].email, "user3@example.com");

    let bad = h
        .auth
        .admin_list_users(
            &root,
            &AdminListQuery {
                limit: Some(0),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code(), ErrorCode::ValidationFailed);
    let bad = h
        .auth
        .admin_list_users(
            &root,
            &AdminListQuery {
                status: Some("zombie".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code(), ErrorCode::ValidationFailed);
}

#[tokio::test]
async fn disabling_a_user_revokes_their_sessions_and_blocks_login_like_a_wrong_password() {
    let h = Harness::new();
    let root = admin(&h).await;
    let (user, tokens) = h.register("ada@example.com").await;
    let updated = h
        .auth
        .admin_update_user(
            &root,
            user.id,
            AdminUpdateRequest {
                role: None,
                status: Some(UserStatus::Disabled),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.status, UserStatus::Disabled);
    assert_eq!(
        h.auth
            .refresh(&tokens.refresh_token, &client())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidRefreshToken
    );
    assert_eq!(
        h.login("ada@example.com", PASSWORD)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidCredentials
    );
    let filtered = h
        .auth
        .admin_list_users(
            &root,
            &AdminListQuery {
                status: Some("disabled".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        filtered.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![user.id]
    );
}

#[tokio::test]
async fn roles_are_the_applications_own_and_reach_the_token() {
    let h = Harness::new();
    let root = admin(&h).await;
    let (user, _) = h.register("hr@example.com").await;
    h.auth
        .admin_update_user(
            &root,
            user.id,
            AdminUpdateRequest {
                role: Some(Role::new("hr").unwrap()),
                status: None,
            },
        )
        .await
        .unwrap();
    let tokens = h.login("hr@example.com", PASSWORD).await.unwrap();
    assert_eq!(h.claims(&tokens).role.as_str(), "hr");
}

#[tokio::test]
async fn an_admin_cannot_disable_demote_or_delete_themselves() {
    let h = Harness::new();
    let root = admin(&h).await;
    for req in [
        AdminUpdateRequest {
            role: Some(Role::user()),
            status: None,
        },
        AdminUpdateRequest {
            role: None,
            status: Some(UserStatus::Disabled),
        },
    ] {
        let err = h
            .auth
            .admin_update_user(&root, root.sub, req)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationFailed);
    }
    let err = h.auth.admin_delete_user(&root, root.sub).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ValidationFailed);
}

#[tokio::test]
async fn missing_users_are_not_found_and_deleted_users_are_gone() {
    let h = Harness::new();
    let root = admin(&h).await;
    let (user, _) = h.register("ada@example.com").await;
    h.auth.admin_delete_user(&root, user.id).await.unwrap();
    assert_eq!(
        h.auth
            .admin_get_user(&root, user.id)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        h.auth
            .admin_delete_user(&root, user.id)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    let err = h
        .auth
        .admin_update_user(
            &root,
            user.id,
            AdminUpdateRequest {
                role: Some(Role::user()),
                status: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn an_operator_disables_an_account_at_once_but_never_the_last_admin() {
    let h = Harness::new();
    let root = admin(&h).await;
    let (user, tokens) = h.register("ada@example.com").await;
    h.auth.authenticate(&tokens.access_token).await.unwrap();

    let disabled = h.auth.disable_user(user.id, "cli").await.unwrap();
    assert_eq!(disabled.status, UserStatus::Disabled);
    assert_eq!(
        h.auth
            .authenticate(&tokens.access_token)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidAccessToken,
        "the access token dies with its session"
    );
    assert_eq!(
        h.auth
            .refresh(&tokens.refresh_token, &client())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidRefreshToken
    );
    assert_eq!(
        h.login("ada@example.com", PASSWORD)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidCredentials
    );
    let updates: Vec<_> = h
        .events
        .events()
        .into_iter()
        .filter(|e| e.kind == EventKind::UserUpdated)
        .map(|e| (e.user_id, e.detail))
        .collect();
    assert_eq!(
        updates,
        vec![(
            Some(user.id),
            Some("by=cli role=user status=disabled".to_owned())
        )]
    );
    let again = h.auth.disable_user(user.id, "cli").await.unwrap();
    assert_eq!(again.status, UserStatus::Disabled);
    assert_eq!(h.events.count(EventKind::UserUpdated), 1, "nothing changed");

    let err = h.auth.disable_user(root.sub, "cli").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ValidationFailed);
    assert_eq!(
        err.to_string(),
        "validation failed: the last active admin cannot be disabled: make another account \
         admin first"
    );
    let (second, _) = h.register("grace@example.com").await;
    h.auth
        .admin_update_user(
            &root,
            second.id,
            AdminUpdateRequest {
                role: Some(Role::admin()),
                status: None,
            },
        )
        .await
        .unwrap();
    let root_disabled = h.auth.disable_user(root.sub, "cli").await.unwrap();
    assert_eq!(root_disabled.status, UserStatus::Disabled);

    let err = h
        .auth
        .disable_user(authkit_core::model::new_id(), "cli")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}
