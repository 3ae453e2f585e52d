//! Sign-in by e-mail: codes and links mailed to verified addresses, single use, expiry,
//! throttling, no enumeration, and a second factor still asked for.

use authkit_core::dto::{EmailSignInRequest, TokenPair};
use authkit_core::events::EventKind;
use authkit_core::mail::MailKind;
use authkit_core::passwordless::EmailSignIn;
use authkit_core::{AuthError, SecretString, User};
use time::Duration;

use crate::support::*;

fn harness(mode: EmailSignIn) -> Harness {
    Harness::with_builder(config(), move |builder| builder.email_sign_in(mode))
}

/// Registers `email` and verifies its address.
async fn verified(h: &Harness, email: &str) -> User {
    h.register(email).await;
    let mail = h
        .mailer
        .wait_for(email, MailKind::VerifyEmail, 1)
        .await
        .expect("a verification mail");
    let link = mail.link.unwrap();
    let (_, token) = link.split_once("#token=").unwrap();
    h.auth.verify_email(&token.into()).await.unwrap()
}

/// Requests a code for `email` and returns the `nth` code mailed to it.
async fn mailed_code(h: &Harness, email: &str, nth: usize) -> String {
    h.auth.request_email_sign_in(email).await.unwrap();
    let mail = h
        .mailer
        .wait_for(email, MailKind::SignInCode, nth)
        .await
        .expect("a sign-in code mail");
    let code: String = mail
        .body
        .split_whitespace()
        .find(|word| word.trim_end_matches('.').len() == 6)
        .expect("the code in the body")
        .trim_end_matches('.')
        .to_owned();
    assert!(code.bytes().all(|b| b.is_ascii_digit()), "{}", mail.body);
    code
}

async fn sign_in(h: &Harness, email: &str, code: &str) -> Result<TokenPair, AuthError> {
    let request = EmailSignInRequest {
        email: Some(email.into()),
        code: Some(SecretString::from(code)),
        token: None,
    };
    h.auth.email_sign_in(&request, &client()).await
}

#[tokio::test]
async fn a_mailed_code_signs_in_once() {
    let h = harness(EmailSignIn::code());
    let user = verified(&h, "ada@example.com").await;
    let code = mailed_code(&h, "ada@example.com", 1).await;
    let tokens = sign_in(&h, "ADA@example.com", &code).await.unwrap();
    assert_eq!(h.claims(&tokens).sub, user.id);
    let success = h.last_event(EventKind::LoginSucceeded);
    assert_eq!(success.detail.as_deref(), Some("method=email_code"));
    let again = sign_in(&h, "ada@example.com", &code).await;
    assert!(
        matches!(again, Err(AuthError::InvalidSignInCode)),
        "{again:?}"
    );
}

#[tokio::test]
async fn unknown_unverified_and_disabled_addresses_are_mailed_nothing_and_answered_alike() {
    let h = harness(EmailSignIn::code());
    h.register("unverified@example.com").await;
    for email in ["nobody@example.com", "unverified@example.com"] {
        h.auth.request_email_sign_in(email).await.unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(
        h.mailer
            .sent()
            .iter()
            .all(|mail| mail.kind != MailKind::SignInCode)
    );
    assert_eq!(h.events.count(EventKind::EmailSignInRequested), 0);
    let unknown = sign_in(&h, "nobody@example.com", "123456").await;
    assert!(
        matches!(unknown, Err(AuthError::InvalidSignInCode)),
        "{unknown:?}"
    );
    let malformed = sign_in(&h, "not an address", "123456").await;
    assert!(
        matches!(malformed, Err(AuthError::InvalidSignInCode)),
        "{malformed:?}"
    );
}

#[tokio::test]
async fn a_code_expires_and_a_new_request_voids_the_old_code() {
    let h = harness(EmailSignIn::code());
    verified(&h, "ada@example.com").await;
    let first = mailed_code(&h, "ada@example.com", 1).await;
    let second = mailed_code(&h, "ada@example.com", 2).await;
    if first != second {
        let voided = sign_in(&h, "ada@example.com", &first).await;
        assert!(
            matches!(voided, Err(AuthError::InvalidSignInCode)),
            "{voided:?}"
        );
    }
    h.clock
        .advance(Duration::minutes(10) + Duration::seconds(1));
    let expired = sign_in(&h, "ada@example.com", &second).await;
    assert!(
        matches!(expired, Err(AuthError::InvalidSignInCode)),
        "{expired:?}"
    );
}

#[tokio::test]
async fn wrong_codes_are_throttled_per_account_and_another_accounts_code_fails() {
    let h = harness(EmailSignIn::code());
    verified(&h, "ada@example.com").await;
    verified(&h, "bob@example.com").await;
    let bobs = mailed_code(&h, "bob@example.com", 1).await;
    let adas = mailed_code(&h, "ada@example.com", 1).await;
    let wrong = if adas == "000000" { "000001" } else { "000000" };
    let crossed = sign_in(&h, "ada@example.com", &bobs).await;
    if bobs != adas {
        assert!(
            matches!(crossed, Err(AuthError::InvalidSignInCode)),
            "{crossed:?}"
        );
    }
    for _ in 0..4 {
        let refused = sign_in(&h, "ada@example.com", wrong).await;
        assert!(
            matches!(refused, Err(AuthError::InvalidSignInCode)),
            "{refused:?}"
        );
    }
    let throttled = sign_in(&h, "ada@example.com", &adas).await;
    assert!(
        matches!(throttled, Err(AuthError::TooManyAttempts { .. })),
        "{throttled:?}"
    );
    // Bob's budget is his own.
    sign_in(&h, "bob@example.com", &bobs).await.unwrap();
}

#[tokio::test]
async fn a_mailed_link_signs_in_once_by_its_token() {
    let h = harness(EmailSignIn::link());
    let user = verified(&h, "ada@example.com").await;
    h.auth
        .request_email_sign_in("ada@example.com")
        .await
        .unwrap();
    let mail = h
        .mailer
        .wait_for("ada@example.com", MailKind::SignInLink, 1)
        .await
        .unwrap();
    let link = mail.link.unwrap();
    let (page, token) = link.split_once("#token=").unwrap();
    assert!(page.ends_with("/sign-in"), "{link}");
    let request = EmailSignInRequest {
        email: None,
        code: None,
        token: Some(token.into()),
    };
    let tokens = h.auth.email_sign_in(&request, &client()).await.unwrap();
    assert_eq!(h.claims(&tokens).sub, user.id);
    let again = h.auth.email_sign_in(&request, &client()).await;
    assert!(
        matches!(again, Err(AuthError::InvalidSignInCode)),
        "{again:?}"
    );
    // Code mode's fields are refused in link mode.
    let code = sign_in(&h, "ada@example.com", "123456").await;
    assert!(matches!(code, Err(AuthError::Validation(_))), "{code:?}");
}

#[tokio::test]
async fn a_sign_in_token_is_not_a_reset_or_verification_token() {
    let h = harness(EmailSignIn::link());
    verified(&h, "ada@example.com").await;
    h.auth
        .request_email_sign_in("ada@example.com")
        .await
        .unwrap();
    let token = h
        .mailer
        .token_for("ada@example.com", MailKind::SignInLink)
        .await
        .unwrap();
    let as_reset = h
        .auth
        .confirm_password_reset(&token.clone().into(), &OTHER_PASSWORD.into())
        .await;
    assert!(
        matches!(as_reset, Err(AuthError::InvalidToken)),
        "{as_reset:?}"
    );
    let as_verification = h.auth.verify_email(&token.into()).await;
    assert!(
        matches!(as_verification, Err(AuthError::InvalidToken)),
        "{as_verification:?}"
    );
}

#[tokio::test]
async fn without_settings_sign_in_by_email_is_not_found() {
    let h = Harness::new();
    let request = h.auth.request_email_sign_in("ada@example.com").await;
    assert!(matches!(request, Err(AuthError::NotFound)), "{request:?}");
}

#[tokio::test]
async fn an_account_with_a_second_factor_is_asked_for_it_after_the_code() {
    use authkit_core::mfa::TotpConfig;
    let h = Harness::with_builder(config(), |builder| {
        builder
            .email_sign_in(EmailSignIn::code())
            .totp(TotpConfig::new(&[3; 32]).unwrap())
    });
    verified(&h, "ada@example.com").await;
    let tokens = h.login("ada@example.com", PASSWORD).await.unwrap();
    let claims = h.claims(&tokens);
    let enrollment = h.auth.begin_totp(&claims, &PASSWORD.into()).await.unwrap();
    let secret = base32_decode(&enrollment.secret);
    let secret = authkit_core::mfa::TotpSecret::from_bytes(&secret);
    let code = secret.code(authkit_core::mfa::step_at(h.clock_now()), 6);
    h.auth
        .confirm_totp(&claims, &code.into(), &client())
        .await
        .unwrap();

    let mailed = mailed_code(&h, "ada@example.com", 1).await;
    let answer = sign_in(&h, "ada@example.com", &mailed).await;
    assert!(
        matches!(answer, Err(AuthError::MfaRequired(_))),
        "{answer:?}"
    );
}

fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut count, mut out) = (0u64, 0, Vec::new());
    for c in text.chars() {
        bits = bits << 5 | ALPHABET.find(c).unwrap() as u64;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}
