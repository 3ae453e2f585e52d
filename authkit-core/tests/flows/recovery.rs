use authkit_core::events::EventKind;
use authkit_core::mail::MailKind;
use authkit_core::{ErrorCode, SecretString};
use time::Duration;

use crate::support::*;

#[tokio::test]
async fn password_reset_sets_the_password_and_revokes_every_session() {
    let h = Harness::new();
    let (_, tokens) = h.register("ada@example.com").await;
    let token = reset_token(&h, "ada@example.com", 1).await;
    h.auth
        .confirm_password_reset(&token, &OTHER_PASSWORD.into())
        .await
        .unwrap();

    let old = h.login("ada@example.com", PASSWORD).await.unwrap_err();
    assert_eq!(old.code(), ErrorCode::InvalidCredentials);
    h.login("ada@example.com", OTHER_PASSWORD).await.unwrap();
    let err = h
        .auth
        .refresh(&tokens.refresh_token, &client())
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::InvalidRefreshToken,
        "sessions revoked"
    );
    h.mailer
        .wait_for("ada@example.com", MailKind::PasswordChanged, 1)
        .await
        .expect("owner notified");
    assert_eq!(h.events.count(EventKind::PasswordReset), 1);
}

#[tokio::test]
async fn twenty_concurrent_confirmations_of_one_reset_token_have_exactly_one_winner() {
    let h = Harness::new();
    h.register("ada@example.com").await;
    let token = reset_token(&h, "ada@example.com", 1).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let auth = h.auth.clone();
            let token = token.clone();
            tokio::spawn(async move {
                let password = SecretString::from(format!("{OTHER_PASSWORD} number {i}"));
                auth.confirm_password_reset(&token, &password).await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => winners += 1,
            Err(err) => assert_eq!(err.code(), ErrorCode::InvalidToken),
        }
    }
    assert_eq!(winners, 1);
}

#[tokio::test]
async fn a_reset_token_works_once() {
    let h = Harness::new();
    h.register("ada@example.com").await;
    let token = reset_token(&h, "ada@example.com", 1).await;
    h.auth
        .confirm_password_reset(&token, &OTHER_PASSWORD.into())
        .await
        .unwrap();
    let err = h
        .auth
        .confirm_password_reset(&token, &"yet another long passphrase".into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidToken);
    assert_eq!(err.status(), 400);
}

#[tokio::test]
async fn a_new_reset_request_voids_the_older_link() {
    let h = Harness::new();
    h.register("ada@example.com").await;
    let first = reset_token(&h, "ada@example.com", 1).await;
    let second = reset_token(&h, "ada@example.com", 2).await;
    let err = h
        .auth
        .confirm_password_reset(&first, &OTHER_PASSWORD.into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidToken);
    h.auth
        .confirm_password_reset(&second, &OTHER_PASSWORD.into())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reset_token_expires_after_one_hour() {
    let h = Harness::new();
    h.register("ada@example.com").await;
    let token = reset_token(&h, "ada@example.com", 1).await;
    h.clock.advance(Duration::hours(1));
    let err = h
        .auth
        .confirm_password_reset(&token, &OTHER_PASSWORD.into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidToken);
}

#[tokio::test]
async fn a_weak_new_password_keeps_the_token_usable() {
    let h = Harness::new();
    h.register("ada@example.com").await;
    let token = reset_token(&h, "ada@example.com", 1).await;
    let err = h
        .auth
        .confirm_password_reset(&token, &"too short".into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WeakPassword);
    h.auth
        .confirm_password_reset(&token, &OTHER_PASSWORD.into())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reset_request_for_an_unknown_address_answers_alike_and_sends_nothing() {
    let h = Harness::new();
    h.auth
        .request_password_reset("ghost@example.com")
        .await
        .unwrap();
    h.auth
        .request_email_verification("ghost@example.com")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(h.mailer.sent().is_empty());
}

#[tokio::test]
async fn email_verification_marks_the_address_verified_once() {
    let h = Harness::new();
    h.register("ada@example.com").await;
    let token = h
        .mailer
        .token_for("ada@example.com", MailKind::VerifyEmail)
        .await
        .unwrap();
    let user = h.auth.verify_email(&token.clone().into()).await.unwrap();
    assert!(user.email_verified);
    let again = h.auth.verify_email(&token.into()).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::InvalidToken);
    assert_eq!(h.events.count(EventKind::EmailVerified), 1);
}

#[tokio::test]
async fn a_token_is_never_accepted_for_another_purpose() {
    let h = Harness::new();
    h.register("ada@example.com").await;
    let verify = h
        .mailer
        .token_for("ada@example.com", MailKind::VerifyEmail)
        .await
        .unwrap();
    let err = h
        .auth
        .confirm_password_reset(&verify.into(), &OTHER_PASSWORD.into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidToken);

    let reset = reset_token(&h, "ada@example.com", 1).await;
    let err = h.auth.verify_email(&reset).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidToken);
}

#[tokio::test]
async fn a_password_change_voids_outstanding_reset_links() {
    let h = Harness::new();
    let (_, tokens) = h.register("ada@example.com").await;
    let token = reset_token(&h, "ada@example.com", 1).await;
    let change = authkit_core::dto::ChangePasswordRequest {
        current_password: PASSWORD.into(),
        new_password: OTHER_PASSWORD.into(),
    };
    h.auth
        .change_password(&h.claims(&tokens), change)
        .await
        .unwrap();
    let err = h
        .auth
        .confirm_password_reset(&token, &"yet another long passphrase".into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidToken);
}

#[tokio::test]
async fn verification_can_be_requested_again_and_voids_the_older_link() {
    let h = Harness::with(config().require_email_verification(true));
    h.auth
        .register(register_request("ada@example.com", PASSWORD), &client())
        .await
        .unwrap();
    let first = h
        .mailer
        .token_for("ada@example.com", MailKind::VerifyEmail)
        .await
        .unwrap();
    h.auth
        .request_email_verification("ADA@example.com")
        .await
        .unwrap();
    let second = h
        .mailer
        .wait_for("ada@example.com", MailKind::VerifyEmail, 2)
        .await
        .unwrap();
    let second = second
        .link
        .unwrap()
        .split_once("#token=")
        .unwrap()
        .1
        .to_owned();
    assert_eq!(
        h.auth.verify_email(&first.into()).await.unwrap_err().code(),
        ErrorCode::InvalidToken
    );
    h.auth.verify_email(&second.into()).await.unwrap();
    h.login("ada@example.com", PASSWORD)
        .await
        .expect("verified users may log in");
}
