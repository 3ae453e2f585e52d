//! An application's own password checks: where they run, what they see, what their answers do.

use std::sync::{Arc, Mutex};

use authkit_core::ErrorCode;
use authkit_core::dto::ChangePasswordRequest;
use authkit_core::policy::{NewPassword, PasswordCheck, PasswordCheckError, PolicyViolation};
use authkit_core::store::UserStore;

use crate::support::*;

/// What a check saw: the password, the e-mail address and the username.
type Seen = (String, String, Option<String>);

/// Refuses passwords containing `word`, or answers `Unavailable` for every password; records
/// each password it is asked about.
struct Recording {
    word: &'static str,
    down: bool,
    seen: Mutex<Vec<Seen>>,
}

impl Recording {
    fn refusing(word: &'static str) -> Arc<Self> {
        Arc::new(Self {
            word,
            down: false,
            seen: Mutex::new(Vec::new()),
        })
    }

    fn down() -> Arc<Self> {
        Arc::new(Self {
            word: "",
            down: true,
            seen: Mutex::new(Vec::new()),
        })
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl PasswordCheck for Recording {
    async fn check(&self, new: &NewPassword<'_>) -> Result<(), PasswordCheckError> {
        self.seen.lock().unwrap().push((
            new.password().to_owned(),
            new.email().to_owned(),
            new.username().map(str::to_owned),
        ));
        if self.down {
            return Err(PasswordCheckError::Unavailable("service down".into()));
        }
        if new.password().contains(self.word) {
            return Err(
                PolicyViolation::Refused(format!("must not contain {:?}", self.word)).into(),
            );
        }
        Ok(())
    }
}

fn harness_with(checks: Vec<Arc<Recording>>) -> Harness {
    Harness::with_builder(config(), move |mut builder| {
        for check in checks {
            builder = builder.password_check(check);
        }
        builder
    })
}

async fn no_account(h: &Harness, email: &str) {
    assert!(h.store.user_by_email(email).await.unwrap().is_none());
}

#[tokio::test]
async fn a_refusal_at_registration_is_weak_password_with_the_checks_reason() {
    let check = Recording::refusing("initech");
    let h = harness_with(vec![check.clone()]);
    // Fullwidth letters: the check sees the NFKC form that becomes the credential.
    let err = h
        .auth
        .register(
            register_request("ada@example.com", "ｉｎｉｔｅｃｈ rules the quiet moon"),
            &client(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WeakPassword);
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.problem().detail.as_deref(),
        Some("must not contain \"initech\"")
    );
    assert_eq!(
        check.seen(),
        vec![(
            "initech rules the quiet moon".to_owned(),
            "ada@example.com".to_owned(),
            None
        )]
    );
    no_account(&h, "ada@example.com").await;

    // An accepted password registers as usual.
    h.register("ada@example.com").await;
    assert_eq!(check.seen().len(), 2);
}

#[tokio::test]
async fn a_password_the_policy_refuses_never_reaches_the_check() {
    let check = Recording::refusing("initech");
    let h = harness_with(vec![check.clone()]);
    for weak in ["too short", "qwertyuiopasdfgh"] {
        let err = h
            .auth
            .register(register_request("ada@example.com", weak), &client())
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WeakPassword, "{weak}");
    }
    assert_eq!(check.seen(), Vec::<Seen>::new());
}

#[tokio::test]
async fn checks_run_in_order_and_the_first_refusal_wins() {
    let (first, second) = (Recording::refusing("moon"), Recording::refusing("kettle"));
    let h = harness_with(vec![first.clone(), second.clone()]);
    let err = h
        .auth
        .register(
            register_request("ada@example.com", "a kettle orbits the moon"),
            &client(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.problem().detail.as_deref(),
        Some("must not contain \"moon\"")
    );
    assert_eq!(first.seen().len(), 1);
    assert_eq!(second.seen(), Vec::<Seen>::new());

    let err = h
        .auth
        .register(
            register_request("ada@example.com", "a kettle orbits the sun"),
            &client(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.problem().detail.as_deref(),
        Some("must not contain \"kettle\"")
    );
    assert_eq!((first.seen().len(), second.seen().len()), (2, 1));
}

#[tokio::test]
async fn a_check_that_cannot_decide_is_503_unavailable_and_creates_nothing() {
    let h = harness_with(vec![Recording::down()]);
    let err = h
        .auth
        .register(register_request("ada@example.com", PASSWORD), &client())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unavailable);
    assert_eq!(err.status(), 503);
    no_account(&h, "ada@example.com").await;
}

#[tokio::test]
async fn a_password_change_a_reset_and_the_default_admin_go_through_the_checks() {
    let check = Recording::refusing("initech");
    let h = harness_with(vec![check.clone()]);
    let (_, tokens) = h.register("ada@example.com").await;

    let change = ChangePasswordRequest {
        current_password: PASSWORD.into(),
        new_password: "initech owns the quiet moon".into(),
    };
    let err = h
        .auth
        .change_password(&h.claims(&tokens), change)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WeakPassword);
    h.login("ada@example.com", PASSWORD)
        .await
        .expect("the password is unchanged");

    let token = reset_token(&h, "ada@example.com", 1).await;
    let err = h
        .auth
        .confirm_password_reset(&token, &"initech owns the quiet moon".into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WeakPassword);
    h.auth
        .confirm_password_reset(&token, &OTHER_PASSWORD.into())
        .await
        .expect("the token is still usable");

    let err = h
        .auth
        .ensure_admin("root@example.com", &"initech owns the quiet moon".into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WeakPassword);
    no_account(&h, "root@example.com").await;

    let passwords: Vec<String> = check.seen().into_iter().map(|(p, ..)| p).collect();
    assert_eq!(
        passwords,
        [
            PASSWORD,
            "initech owns the quiet moon",
            "initech owns the quiet moon",
            OTHER_PASSWORD,
            "initech owns the quiet moon",
        ]
    );
}
