use authkit_core::dto::{RegisterRequest, UserView};
use authkit_core::events::EventKind;
use authkit_core::mail::MailKind;
use authkit_core::store::UserStore;
use authkit_core::{AuthError, ErrorCode, Registration};

use crate::support::*;

#[tokio::test]
async fn registration_returns_the_user_and_signed_in_tokens() {
    let h = Harness::new();
    let (user, tokens) = h.register("Ada@Example.com").await;
    assert_eq!(user.email, "Ada@Example.com", "stored as given");
    assert_eq!(user.email_canonical, "ada@example.com");
    assert_eq!(user.role.as_str(), "user");
    assert!(!user.email_verified);
    assert_eq!(user.id.get_version_num(), 7, "ids are UUID v7");
    assert!(user.password_hash.as_str().starts_with("$argon2id$"));
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 15 * 60);
    let claims = h.claims(&tokens);
    assert_eq!(claims.sub, user.id);
    assert_eq!(claims.sid, tokens.session_id);
    assert_eq!(h.events.count(EventKind::UserCreated), 1);
}

#[tokio::test]
async fn registration_mails_a_verification_link_built_from_the_public_url() {
    let h = Harness::with(config().public_url("https://app.example.com/"));
    h.register("ada@example.com").await;
    let mail = h
        .mailer
        .wait_for("ada@example.com", MailKind::VerifyEmail, 1)
        .await
        .expect("verification mail sent");
    let link = mail.link.unwrap();
    assert!(
        link.starts_with("https://app.example.com/verify-email#token="),
        "{link}"
    );
}

#[tokio::test]
async fn a_case_variant_of_a_registered_email_is_email_taken() {
    let h = Harness::new();
    h.register("ada@example.com").await;
    let err = h
        .auth
        .register(
            register_request("  ADA@example.COM ", OTHER_PASSWORD),
            &client(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::EmailTaken);
    assert_eq!(err.status(), 409);
}

#[tokio::test]
async fn a_taken_username_is_username_taken() {
    let h = Harness::new();
    let req = |email: &str, name: &str| RegisterRequest {
        email: email.into(),
        password: PASSWORD.into(),
        username: Some(name.into()),
        role: None,
    };
    h.auth
        .register(req("a@example.com", "Ada"), &client())
        .await
        .unwrap();
    let err = h
        .auth
        .register(req("b@example.com", "ada"), &client())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::UsernameTaken);
}

#[tokio::test]
async fn a_short_password_is_weak_with_a_reason() {
    let h = Harness::new();
    let err = h
        .auth
        .register(
            register_request("ada@example.com", "fourteen chars"),
            &client(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::WeakPassword(_)), "{err:?}");
    assert_eq!(err.status(), 400);
    let detail = err
        .problem()
        .detail
        .expect("weak_password carries a reason");
    assert!(detail.contains("15"), "{detail}");
    assert!(
        h.store
            .user_by_email("ada@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_email_as_password_is_weak() {
    let h = Harness::with(config().password_min_length(8));
    let err = h
        .auth
        .register(
            register_request("someone.long@example.com", "Someone.Long@example.com"),
            &client(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WeakPassword);
}

#[tokio::test]
async fn a_malformed_email_is_validation_failed() {
    let h = Harness::new();
    let err = h
        .auth
        .register(register_request("not-an-address", PASSWORD), &client())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ValidationFailed);
    assert_eq!(err.status(), 400);
}

#[tokio::test]
async fn with_verification_required_new_and_taken_addresses_answer_alike() {
    let h = Harness::with(config().require_email_verification(true));
    let first = h
        .auth
        .register(register_request("ada@example.com", PASSWORD), &client())
        .await
        .unwrap();
    assert!(matches!(first, Registration::VerificationPending));
    h.mailer
        .wait_for("ada@example.com", MailKind::VerifyEmail, 1)
        .await
        .expect("the new owner is asked to verify");

    let again = h
        .auth
        .register(
            register_request("ADA@example.com", OTHER_PASSWORD),
            &client(),
        )
        .await
        .unwrap();
    assert!(matches!(again, Registration::VerificationPending));
    h.mailer
        .wait_for("ada@example.com", MailKind::RegistrationAttempt, 1)
        .await
        .expect("the owner is told someone tried to register");
    assert_eq!(
        h.events.count(EventKind::UserCreated),
        1,
        "no second account"
    );
}

#[tokio::test]
async fn concurrent_registrations_of_case_variants_create_one_user() {
    let h = Harness::new();
    let variants = [
        "ada@example.com",
        "ADA@example.com",
        "Ada@Example.com",
        "ada@EXAMPLE.com",
    ];
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let auth = h.auth.clone();
            let email = variants[i % variants.len()];
            tokio::spawn(async move {
                auth.register(register_request(email, PASSWORD), &client())
                    .await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(err) => assert_eq!(err.code(), ErrorCode::EmailTaken),
        }
    }
    assert_eq!(created, 1);
}

#[tokio::test]
async fn the_user_view_never_contains_the_hash() {
    let h = Harness::new();
    let (user, _) = h.register("ada@example.com").await;
    let json = serde_json::to_value(UserView::from(&user)).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "created_at",
            "email",
            "email_verified",
            "id",
            "role",
            "status",
            "updated_at",
            "username"
        ]
    );
    assert!(!json.to_string().contains("argon2"));
    assert!(
        json["created_at"].as_str().unwrap().ends_with('Z'),
        "RFC 3339 UTC"
    );
}

#[tokio::test]
async fn with_verification_required_a_taken_username_answers_202_and_mails_the_address() {
    let h = Harness::with(config().require_email_verification(true));
    let req = |email: &str| RegisterRequest {
        email: email.into(),
        password: PASSWORD.into(),
        username: Some("ada".into()),
        role: None,
    };
    h.auth
        .register(req("a@example.com"), &client())
        .await
        .unwrap();
    let second = h
        .auth
        .register(req("b@example.com"), &client())
        .await
        .unwrap();
    assert!(matches!(second, Registration::VerificationPending));
    h.mailer
        .wait_for("b@example.com", MailKind::UsernameTaken, 1)
        .await
        .expect("the registrant is told why");
    assert!(
        h.store
            .user_by_email("b@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_configured_registration_role_is_given_and_any_other_is_validation_failed() {
    let h = Harness::with(config().registration_roles(["candidate", "hr"]));
    let register = |email: &str, role: Option<&str>| RegisterRequest {
        role: role.map(str::to_owned),
        ..register_request(email, PASSWORD)
    };
    let Registration::Created { user, tokens } = h
        .auth
        .register(register("cand@example.com", Some("hr")), &client())
        .await
        .unwrap()
    else {
        panic!("verification is not required here");
    };
    assert_eq!(user.role.as_str(), "hr");
    assert_eq!(h.claims(&tokens).role.as_str(), "hr");

    for role in ["admin", "recruiter", "HR"] {
        let err = h
            .auth
            .register(register("other@example.com", Some(role)), &client())
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationFailed, "{role}");
        // A malformed name is not echoed.
        let shown = if role == "HR" {
            "this role".to_owned()
        } else {
            format!("`{role}`")
        };
        let expected = format!(
            "role: {shown} cannot be chosen at registration; choose one of user, candidate, hr"
        );
        assert_eq!(err.problem().detail, Some(expected));
    }
    assert!(
        h.store
            .user_by_email("other@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

#[test]
fn admin_or_a_malformed_name_cannot_be_a_registration_role() {
    for roles in [vec!["candidate", "admin"], vec!["Not A Role"]] {
        let err = config().registration_roles(roles).build().unwrap_err();
        assert_eq!(err.setting, "registration_roles");
    }
}
