use authkit_core::dto::LoginRequest;
use authkit_core::events::EventKind;
use authkit_core::model::PasswordHash;
use authkit_core::store::{UserStore, UserUpdate};
use authkit_core::{AuthError, ErrorCode, UserStatus};
use time::Duration;

use crate::support::*;

#[tokio::test]
async fn login_by_email_in_any_case_and_by_username() {
    let h = Harness::new();
    let req = authkit_core::dto::RegisterRequest {
        email: "ada@example.com".into(),
        password: PASSWORD.into(),
        username: Some("Ada_L".into()),
        role: None,
    };
    h.auth.register(req, &client()).await.unwrap();
    let by_email = h.login("ADA@Example.com", PASSWORD).await.unwrap();
    let by_name = h
        .auth
        .login(
            LoginRequest {
                email: None,
                username: Some("ada_l".into()),
                password: PASSWORD.into(),
            },
            &client(),
        )
        .await
        .unwrap();
    assert_ne!(
        by_email.session_id, by_name.session_id,
        "each login is a new session"
    );
    let grant = h
        .auth
        .login_password_grant("ada@example.com", &PASSWORD.into(), &client())
        .await
        .unwrap();
    assert_eq!(h.claims(&grant).sub, h.claims(&by_email).sub);
    assert_eq!(h.events.count(EventKind::LoginSucceeded), 3);
}

#[tokio::test]
async fn unknown_user_wrong_password_and_disabled_account_fail_alike_with_one_verification_each() {
    let h = Harness::new();
    let (user, _) = h.register("ada@example.com").await;
    h.register("off@example.com").await;
    let off = h
        .store
        .user_by_email("off@example.com")
        .await
        .unwrap()
        .unwrap();
    let disable = UserUpdate {
        status: Some(UserStatus::Disabled),
        revoke_sessions: true,
        ..UserUpdate::default()
    };
    h.store
        .update_user(off.id, &disable, h.clock_now())
        .await
        .unwrap();

    let attempts = [
        ("nobody@example.com", PASSWORD),
        ("ada@example.com", OTHER_PASSWORD),
        ("off@example.com", PASSWORD),
    ];
    let mut problems = Vec::new();
    for (email, password) in attempts {
        let before = h.auth.hasher().verifications();
        let err = h.login(email, password).await.unwrap_err();
        assert_eq!(
            h.auth.hasher().verifications() - before,
            1,
            "exactly one verification for {email}"
        );
        assert!(
            matches!(err, AuthError::InvalidCredentials),
            "{email}: {err:?}"
        );
        problems.push(serde_json::to_string(&err.problem()).unwrap());
    }
    assert!(problems.iter().all(|p| p == &problems[0]), "{problems:?}");
    assert_eq!(h.events.count(EventKind::LoginFailed), 3);
    let _ = user;
}

#[tokio::test]
async fn an_unverified_address_is_refused_only_after_a_correct_password() {
    let h = Harness::with(config().require_email_verification(true));
    h.auth
        .register(register_request("ada@example.com", PASSWORD), &client())
        .await
        .unwrap();
    let wrong = h
        .login("ada@example.com", OTHER_PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), ErrorCode::InvalidCredentials);
    let right = h.login("ada@example.com", PASSWORD).await.unwrap_err();
    assert_eq!(right.code(), ErrorCode::EmailNotVerified);
    assert_eq!(right.status(), 403);
}

#[tokio::test]
async fn five_failures_throttle_known_and_unknown_identifiers_alike() {
    let h = Harness::new();
    h.register("ada@example.com").await;
    for email in ["ada@example.com", "ghost@example.com"] {
        for _ in 0..5 {
            let err = h.login(email, OTHER_PASSWORD).await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidCredentials);
        }
        let before = h.auth.hasher().verifications();
        let err = h.login(email, PASSWORD).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::TooManyAttempts, "{email}");
        assert_eq!(err.status(), 429);
        assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(1)));
        assert_eq!(
            h.auth.hasher().verifications(),
            before,
            "throttled attempts hash nothing"
        );
    }
    assert_eq!(h.events.count(EventKind::UserLocked), 2);
}

#[tokio::test]
async fn the_back_off_doubles_and_never_locks_permanently() {
    let h = Harness::new();
    h.register("ada@example.com").await;
    for _ in 0..5 {
        h.login("ada@example.com", OTHER_PASSWORD)
            .await
            .unwrap_err();
    }
    h.clock.advance(Duration::seconds(1));
    h.login("ada@example.com", OTHER_PASSWORD)
        .await
        .unwrap_err(); // sixth failure
    let err = h.login("ada@example.com", PASSWORD).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(2)));
    h.clock.advance(Duration::seconds(2));
    h.login("ada@example.com", PASSWORD)
        .await
        .expect("after the wait, the right password works");
    for _ in 0..5 {
        let err = h
            .login("ada@example.com", OTHER_PASSWORD)
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::InvalidCredentials,
            "success cleared the counter"
        );
    }
}

#[tokio::test]
async fn a_bcrypt_hash_from_another_system_verifies_and_is_replaced_by_argon2id() {
    let h = Harness::new();
    let (user, _) = h.register("ada@example.com").await;
    // A `$2y$` hash as PHP's password_hash() writes it, cost 4.
    let legacy = bcrypt::hash(PASSWORD, 4)
        .unwrap()
        .replacen("$2b$", "$2y$", 1);
    h.store
        .set_password_hash(user.id, &PasswordHash::new(legacy.clone()), h.clock_now())
        .await
        .unwrap();
    h.login("ada@example.com", OTHER_PASSWORD)
        .await
        .unwrap_err();
    let still = h.store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(
        still.password_hash.as_str(),
        legacy,
        "a failed login does not rehash"
    );

    h.login("ada@example.com", PASSWORD).await.unwrap();
    let rehashed = h.store.user_by_id(user.id).await.unwrap().unwrap();
    assert!(rehashed.password_hash.as_str().starts_with("$argon2id$"));
    h.login("ada@example.com", PASSWORD)
        .await
        .expect("the new hash verifies");
}

#[tokio::test]
async fn a_huge_password_is_refused_without_hashing() {
    let h = Harness::new();
    h.register("ada@example.com").await;
    let before = h.auth.hasher().verifications();
    let err = h
        .login("ada@example.com", &"x".repeat(100_000))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidCredentials);
    assert_eq!(h.auth.hasher().verifications(), before);
}

#[tokio::test]
async fn login_without_an_identifier_is_validation_failed() {
    let h = Harness::new();
    let req = LoginRequest {
        email: None,
        username: None,
        password: PASSWORD.into(),
    };
    let err = h.auth.login(req, &client()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ValidationFailed);
}

#[tokio::test]
async fn sessions_record_the_clients_user_agent_and_ip() {
    let h = Harness::new();
    let (_, tokens) = h.register("ada@example.com").await;
    let sessions = h.auth.sessions(&h.claims(&tokens)).await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].user_agent.as_deref(), Some("flows-test/1.0"));
    assert_eq!(sessions[0].ip.as_deref(), Some("203.0.113.7"));
    assert!(sessions[0].current);
}
