use authkit_core::ErrorCode;
use authkit_core::dto::{ChangeEmailRequest, ChangePasswordRequest, UpdateMeRequest};
use authkit_core::events::EventKind;
use authkit_core::mail::MailKind;
use authkit_core::store::UserStore;

use crate::support::*;

#[tokio::test]
async fn me_returns_the_callers_account_and_the_username_can_change() {
    let h = Harness::new();
    let (user, tokens) = h.register("ada@example.com").await;
    let claims = h.claims(&tokens);
    assert_eq!(h.auth.me(&claims).await.unwrap().id, user.id);
    let updated = h
        .auth
        .update_me(
            &claims,
            UpdateMeRequest {
                username: Some("Ada".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.username.as_deref(), Some("Ada"));

    let (_, bob) = h.register("bob@example.com").await;
    let err = h
        .auth
        .update_me(
            &h.claims(&bob),
            UpdateMeRequest {
                username: Some("ADA".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::UsernameTaken);
    assert_eq!(err.status(), 409);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one() {
    let h = Harness::new();
    let (_, tokens) = h.register("ada@example.com").await;
    let req = ChangePasswordRequest {
        current_password: "not the current password".into(),
        new_password: OTHER_PASSWORD.into(),
    };
    let err = h
        .auth
        .change_password(&h.claims(&tokens), req)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidCredentials);
    h.login("ada@example.com", PASSWORD)
        .await
        .expect("unchanged");
}

#[tokio::test]
async fn changing_the_password_revokes_other_sessions_but_keeps_the_current_one() {
    let h = Harness::new();
    let (_, current) = h.register("ada@example.com").await;
    let other = h.login("ada@example.com", PASSWORD).await.unwrap();
    let req = ChangePasswordRequest {
        current_password: PASSWORD.into(),
        new_password: OTHER_PASSWORD.into(),
    };
    h.auth
        .change_password(&h.claims(&current), req)
        .await
        .unwrap();

    h.auth
        .refresh(&current.refresh_token, &client())
        .await
        .expect("current session kept");
    let err = h
        .auth
        .refresh(&other.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRefreshToken);
    h.login("ada@example.com", OTHER_PASSWORD).await.unwrap();
    h.mailer
        .wait_for("ada@example.com", MailKind::PasswordChanged, 1)
        .await
        .expect("owner notified");
    assert_eq!(h.events.count(EventKind::PasswordChanged), 1);
}

#[tokio::test]
async fn a_weak_new_password_is_refused_and_nothing_changes() {
    let h = Harness::new();
    let (_, tokens) = h.register("ada@example.com").await;
    let req = ChangePasswordRequest {
        current_password: PASSWORD.into(),
        new_password: "password".into(),
    };
    let err = h
        .auth
        .change_password(&h.claims(&tokens), req)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WeakPassword);
    h.login("ada@example.com", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn an_email_change_mails_the_new_address_and_switches_when_confirmed() {
    let h = Harness::new();
    let (user, tokens) = h.register("ada@example.com").await;
    let wrong = ChangeEmailRequest {
        new_email: "ada@new.example".into(),
        password: OTHER_PASSWORD.into(),
    };
    let err = h
        .auth
        .request_email_change(&h.claims(&tokens), wrong)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidCredentials);

    let req = ChangeEmailRequest {
        new_email: "Ada@New.example".into(),
        password: PASSWORD.into(),
    };
    h.auth
        .request_email_change(&h.claims(&tokens), req)
        .await
        .unwrap();
    h.mailer
        .wait_for("ada@example.com", MailKind::EmailChangeNotice, 1)
        .await
        .expect("old address notified");
    let token = h
        .mailer
        .token_for("Ada@New.example", MailKind::EmailChangeConfirm)
        .await
        .expect("link sent to the new address");
    let still = h.store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(
        still.email, "ada@example.com",
        "nothing changes before confirmation"
    );

    let changed = h.auth.verify_email(&token.into()).await.unwrap();
    assert_eq!(changed.email, "Ada@New.example");
    assert!(changed.email_verified);
    assert_eq!(
        h.login("ada@example.com", PASSWORD)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidCredentials
    );
    h.login("ada@new.example", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn an_email_change_to_a_taken_address_answers_alike_and_sends_no_link() {
    let h = Harness::new();
    let (_, tokens) = h.register("ada@example.com").await;
    h.register("bob@example.com").await;
    let req = ChangeEmailRequest {
        new_email: "bob@example.com".into(),
        password: PASSWORD.into(),
    };
    h.auth
        .request_email_change(&h.claims(&tokens), req)
        .await
        .unwrap();
    h.mailer
        .wait_for("ada@example.com", MailKind::EmailChangeNotice, 1)
        .await
        .unwrap();
    assert!(
        h.mailer
            .sent_to("bob@example.com")
            .iter()
            .all(|m| m.kind != MailKind::EmailChangeConfirm)
    );
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_and_removes_everything() {
    let h = Harness::new();
    let (user, tokens) = h.register("ada@example.com").await;
    let claims = h.claims(&tokens);
    let err = h
        .auth
        .delete_me(&claims, &OTHER_PASSWORD.into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidCredentials);

    h.auth.delete_me(&claims, &PASSWORD.into()).await.unwrap();
    assert!(h.store.user_by_id(user.id).await.unwrap().is_none());
    assert_eq!(
        h.auth
            .refresh(&tokens.refresh_token, &client())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidRefreshToken
    );
    assert_eq!(
        h.auth.me(&claims).await.unwrap_err().code(),
        ErrorCode::InvalidAccessToken
    );
    assert_eq!(h.events.count(EventKind::UserDeleted), 1);
}
