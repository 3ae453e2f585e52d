//! Passkeys: registration, sign-in with a passkey alone, a passkey as second factor, clone
//! detection, single-use ceremonies, management and the admin's reset, against the real
//! webauthn-rs verifier and a software authenticator.

use authkit_core::dto::{
    MfaPasskeyBeginRequest, MfaPasskeyLoginRequest, PasskeyLoginRequest,
    PasskeyRegistrationRequest, PasskeyView, TokenPair,
};
use authkit_core::events::EventKind;
use authkit_core::mfa::{TotpConfig, TotpSecret, step_at};
use authkit_core::passkey::PasskeyConfig;
use authkit_core::store::PasskeyStore;
use authkit_core::{AuthError, MfaChallenge, User};
use authkit_http_conformance::support::SoftAuthenticator;

use crate::support::*;

const ORIGIN: &str = "http://localhost:3000";
const OTHER_ORIGIN: &str = "http://localhost:3001";

fn harness() -> Harness {
    Harness::with_builder(config(), |builder| {
        builder
            .passkeys(PasskeyConfig::new("localhost", &[ORIGIN, OTHER_ORIGIN]).unwrap())
            .totp(TotpConfig::new(&[7; 32]).unwrap())
    })
}

/// Registers a passkey for the caller of `tokens` on `key`, named `name`.
async fn register_passkey(
    h: &Harness,
    tokens: &TokenPair,
    key: &mut SoftAuthenticator,
    name: &str,
) -> PasskeyView {
    let claims = h.claims(tokens);
    let begun = h.auth.begin_passkey_registration(&claims).await.unwrap();
    let selection = &begun.options["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required", "{selection}");
    assert_eq!(selection["userVerification"], "required", "{selection}");
    let credential = key.register(ORIGIN, &begun.options);
    let request = PasskeyRegistrationRequest {
        ceremony: begun.ceremony.as_str().into(),
        name: Some(name.into()),
        credential,
    };
    h.auth
        .finish_passkey_registration(&claims, &request, &client())
        .await
        .unwrap()
}

/// A user with one passkey on a fresh authenticator.
async fn with_passkey(h: &Harness, email: &str) -> (User, TokenPair, SoftAuthenticator) {
    let (user, tokens) = h.register(email).await;
    let mut key = SoftAuthenticator::new();
    register_passkey(h, &tokens, &mut key, "laptop").await;
    (user, tokens, key)
}

/// A signed sign-in with a passkey alone, made on a page of `origin`.
async fn passkey_login_request(
    h: &Harness,
    key: &mut SoftAuthenticator,
    origin: &str,
) -> PasskeyLoginRequest {
    let begun = h.auth.begin_passkey_login().await.unwrap();
    assert_eq!(
        begun.options["publicKey"]["allowCredentials"],
        serde_json::json!([])
    );
    assert_eq!(begun.options["publicKey"]["userVerification"], "required");
    PasskeyLoginRequest {
        ceremony: begun.ceremony.as_str().into(),
        credential: key.sign_in(origin, &begun.options),
    }
}

fn kinds(h: &Harness) -> Vec<EventKind> {
    h.events.events().iter().map(|e| e.kind).collect()
}

#[tokio::test]
async fn a_registered_passkey_signs_in_alone_as_its_owner() {
    let h = harness();
    h.register("bob@example.com").await;
    let (ada, _, mut key) = with_passkey(&h, "ada@example.com").await;

    let request = passkey_login_request(&h, &mut key, ORIGIN).await;
    let tokens = h.auth.login_passkey(&request, &client()).await.unwrap();
    assert_eq!(h.claims(&tokens).sub, ada.id);
    let stored = h.store.passkeys(ada.id).await.unwrap();
    assert_eq!(stored[0].sign_count, 1);
    assert_eq!(stored[0].last_used_at, Some(h.clock_now()));
    let login = h.events.events().into_iter().last().unwrap();
    assert_eq!(login.kind, EventKind::LoginSucceeded);
    assert_eq!(login.user_id, Some(ada.id));
    assert!(login.detail.unwrap().starts_with("method=passkey"));
    assert!(kinds(&h).contains(&EventKind::PasskeyRegistered));

    let again = passkey_login_request(&h, &mut key, OTHER_ORIGIN).await;
    let tokens = h.auth.login_passkey(&again, &client()).await.unwrap();
    assert_eq!(h.claims(&tokens).sub, ada.id, "any configured origin");
}

#[tokio::test]
async fn a_used_ceremony_is_refused() {
    let h = harness();
    let (_, _, mut key) = with_passkey(&h, "ada@example.com").await;
    let request = passkey_login_request(&h, &mut key, ORIGIN).await;
    h.auth.login_passkey(&request, &client()).await.unwrap();
    let replay = h.auth.login_passkey(&request, &client()).await;
    assert!(
        matches!(replay, Err(AuthError::InvalidPasskeyCeremony)),
        "{replay:?}"
    );
    assert_eq!(replay.unwrap_err().status(), 400);
}

#[tokio::test]
async fn an_assertion_made_for_another_origin_is_refused() {
    let h = harness();
    let (ada, _, mut key) = with_passkey(&h, "ada@example.com").await;
    let request = passkey_login_request(&h, &mut key, "http://localhost:4999").await;
    let refused = h.auth.login_passkey(&request, &client()).await.unwrap_err();
    assert_eq!(refused.code().as_str(), "invalid_passkey");
    assert_eq!(refused.status(), 401);
    let failed = h.events.events().into_iter().last().unwrap();
    assert_eq!(failed.kind, EventKind::PasskeyFailed);
    assert_eq!(failed.user_id, Some(ada.id));
    assert_eq!(h.store.passkeys(ada.id).await.unwrap()[0].sign_count, 0);
}

#[tokio::test]
async fn a_cloned_authenticator_is_refused_and_reported() {
    let h = harness();
    let (ada, _, mut key) = with_passkey(&h, "ada@example.com").await;
    let copy = key.snapshot();
    let request = passkey_login_request(&h, &mut key, ORIGIN).await;
    h.auth.login_passkey(&request, &client()).await.unwrap();

    key.restore(&copy);
    let cloned = passkey_login_request(&h, &mut key, ORIGIN).await;
    let refused = h.auth.login_passkey(&cloned, &client()).await.unwrap_err();
    assert!(
        matches!(refused, AuthError::PasskeyCounterRegressed),
        "{refused:?}"
    );
    assert_eq!(
        (refused.code().as_str(), refused.status()),
        ("passkey_counter_regressed", 401)
    );
    let event = h.events.events().into_iter().last().unwrap();
    assert_eq!(event.kind, EventKind::PasskeyCloneDetected);
    assert_eq!(event.user_id, Some(ada.id));
    assert_eq!(h.store.passkeys(ada.id).await.unwrap()[0].sign_count, 1);
}

/// Enrols and confirms TOTP for the caller of `tokens`.
async fn enable_totp(h: &Harness, tokens: &TokenPair) {
    let claims = h.claims(tokens);
    let enrollment = h.auth.begin_totp(&claims, &PASSWORD.into()).await.unwrap();
    let secret = TotpSecret::from_bytes(&crate::mfa::base32_decode(&enrollment.secret));
    let code = secret.code(step_at(h.clock_now()), 6);
    h.auth
        .confirm_totp(&claims, &code.as_str().into(), &client())
        .await
        .unwrap();
}

async fn mfa_challenge(h: &Harness, email: &str) -> MfaChallenge {
    match h.login(email, PASSWORD).await {
        Err(AuthError::MfaRequired(challenge)) => challenge,
        other => panic!("expected mfa_required, got {other:?}"),
    }
}

#[tokio::test]
async fn a_passkey_completes_a_sign_in_that_owes_a_second_factor() {
    let h = harness();
    let (ada, tokens, mut key) = with_passkey(&h, "ada@example.com").await;
    h.login("ada@example.com", PASSWORD)
        .await
        .expect("a passkey alone does not make the password step ask for more");
    enable_totp(&h, &tokens).await;

    let challenge = mfa_challenge(&h, "ada@example.com").await;
    assert_eq!(challenge.methods, ["totp", "recovery_code", "passkey"]);
    let begin = MfaPasskeyBeginRequest {
        challenge: challenge.token.clone(),
    };
    let begun = h
        .auth
        .begin_passkey_second_factor(&begin, &client())
        .await
        .unwrap();
    let allowed = begun.options["publicKey"]["allowCredentials"]
        .as_array()
        .unwrap();
    assert_eq!(allowed.len(), 1);
    let request = MfaPasskeyLoginRequest {
        challenge: challenge.token.clone(),
        ceremony: begun.ceremony.as_str().into(),
        credential: key.sign_in(ORIGIN, &begun.options),
    };
    let signed_in = h
        .auth
        .login_passkey_second_factor(&request, &client())
        .await
        .unwrap();
    assert_eq!(h.claims(&signed_in).sub, ada.id);
    let login = h.events.events().into_iter().last().unwrap();
    assert!(login.detail.unwrap().starts_with("mfa=passkey"));

    let spent = h
        .auth
        .begin_passkey_second_factor(&begin, &client())
        .await
        .unwrap_err();
    assert!(matches!(spent, AuthError::InvalidMfaChallenge), "{spent:?}");
}

#[tokio::test]
async fn a_second_factor_ceremony_is_for_its_challenges_account_only() {
    let h = harness();
    let (_, ada_tokens, mut ada_key) = with_passkey(&h, "ada@example.com").await;
    let (_, bob_tokens, _) = with_passkey(&h, "bob@example.com").await;
    enable_totp(&h, &ada_tokens).await;
    enable_totp(&h, &bob_tokens).await;
    let ada = mfa_challenge(&h, "ada@example.com").await;
    let bob = mfa_challenge(&h, "bob@example.com").await;
    let begun = h
        .auth
        .begin_passkey_second_factor(
            &MfaPasskeyBeginRequest {
                challenge: ada.token.clone(),
            },
            &client(),
        )
        .await
        .unwrap();
    let request = MfaPasskeyLoginRequest {
        challenge: bob.token.clone(),
        ceremony: begun.ceremony.as_str().into(),
        credential: ada_key.sign_in(ORIGIN, &begun.options),
    };
    let refused = h
        .auth
        .login_passkey_second_factor(&request, &client())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AuthError::InvalidPasskeyCeremony),
        "{refused:?}"
    );
}

#[tokio::test]
async fn passkeys_are_listed_renamed_and_deleted_by_their_owner_only() {
    let h = harness();
    let (_, tokens, mut key) = with_passkey(&h, "ada@example.com").await;
    let phone = register_passkey(&h, &tokens, &mut SoftAuthenticator::new(), "  phone ").await;
    assert_eq!(phone.name, "phone");
    let (_, bob_tokens) = h.register("bob@example.com").await;
    let (ada, bob) = (h.claims(&tokens), h.claims(&bob_tokens));

    let list = h.auth.passkeys(&ada).await.unwrap().passkeys;
    let names: Vec<&str> = list.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["laptop", "phone"]);
    assert!(h.auth.passkeys(&bob).await.unwrap().passkeys.is_empty());

    let renamed = h
        .auth
        .rename_passkey(&ada, phone.id, "work phone")
        .await
        .unwrap();
    assert_eq!(
        (renamed.id, renamed.name.as_str()),
        (phone.id, "work phone")
    );
    let not_bobs = h.auth.rename_passkey(&bob, phone.id, "mine").await;
    assert!(matches!(not_bobs, Err(AuthError::NotFound)), "{not_bobs:?}");
    let empty = h.auth.rename_passkey(&ada, phone.id, " ").await;
    assert!(matches!(empty, Err(AuthError::Validation(_))), "{empty:?}");
    let long = h.auth.rename_passkey(&ada, phone.id, &"x".repeat(65)).await;
    assert!(matches!(long, Err(AuthError::Validation(_))), "{long:?}");

    let not_bobs = h.auth.delete_passkey(&bob, phone.id, &client()).await;
    assert!(matches!(not_bobs, Err(AuthError::NotFound)), "{not_bobs:?}");
    h.auth
        .delete_passkey(&ada, phone.id, &client())
        .await
        .unwrap();
    let again = h.auth.delete_passkey(&ada, phone.id, &client()).await;
    assert!(matches!(again, Err(AuthError::NotFound)), "{again:?}");
    assert_eq!(h.auth.passkeys(&ada).await.unwrap().passkeys.len(), 1);
    assert!(kinds(&h).contains(&EventKind::PasskeyRenamed));
    assert!(kinds(&h).contains(&EventKind::PasskeyDeleted));

    let request = passkey_login_request(&h, &mut key, ORIGIN).await;
    h.auth.login_passkey(&request, &client()).await.unwrap();
}

#[tokio::test]
async fn a_registration_answer_replayed_on_a_new_ceremony_is_refused() {
    let h = harness();
    let (_, tokens) = h.register("ada@example.com").await;
    let claims = h.claims(&tokens);
    let mut key = SoftAuthenticator::new();
    let begun = h.auth.begin_passkey_registration(&claims).await.unwrap();
    let credential = key.register(ORIGIN, &begun.options);
    let finish = |ceremony: String| PasskeyRegistrationRequest {
        ceremony: ceremony.as_str().into(),
        name: None,
        credential: credential.clone(),
    };
    let first = h
        .auth
        .finish_passkey_registration(&claims, &finish(begun.ceremony.clone()), &client())
        .await
        .unwrap();
    assert_eq!(first.name, "Passkey");
    let again = h.auth.begin_passkey_registration(&claims).await.unwrap();
    let excluded = again.options["publicKey"]["excludeCredentials"]
        .as_array()
        .unwrap();
    assert_eq!(excluded.len(), 1);
    let refused = h
        .auth
        .finish_passkey_registration(&claims, &finish(again.ceremony), &client())
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code().as_str(), refused.status()),
        ("invalid_passkey_registration", 400),
        "the answer was signed for the first ceremony's challenge"
    );
}

#[tokio::test]
async fn an_admin_reset_removes_the_passkeys() {
    let h = harness();
    h.auth
        .ensure_admin("boss@example.com", &PASSWORD.into())
        .await
        .unwrap();
    let boss = h.login("boss@example.com", PASSWORD).await.unwrap();
    let (ada, _, _) = with_passkey(&h, "ada@example.com").await;
    h.auth
        .admin_reset_second_factors(&h.claims(&boss), ada.id)
        .await
        .unwrap();
    assert!(h.store.passkeys(ada.id).await.unwrap().is_empty());
    let deleted = h.events.events().into_iter().last().unwrap();
    assert_eq!(deleted.kind, EventKind::PasskeyDeleted);
    assert!(deleted.detail.unwrap().contains("count=1"));
}

#[tokio::test]
async fn without_passkey_settings_the_flows_are_not_found() {
    let h = Harness::new();
    let (_, tokens) = h.register("ada@example.com").await;
    let begun = h.auth.begin_passkey_registration(&h.claims(&tokens)).await;
    assert!(matches!(begun, Err(AuthError::NotFound)), "{begun:?}");
    let login = h.auth.begin_passkey_login().await;
    assert!(matches!(login, Err(AuthError::NotFound)), "{login:?}");
}
