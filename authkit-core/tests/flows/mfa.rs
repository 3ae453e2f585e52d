//! Second factors: TOTP enrolment, the two-step sign-in, recovery codes, disabling, the admin's
//! reset, throttling and single use, on the manual clock.

use std::sync::Arc;

use authkit_core::dto::{MfaLoginRequest, SecondFactorProof, TokenPair, TotpEnrollment};
use authkit_core::events::EventKind;
use authkit_core::mail::MailKind;
use authkit_core::mfa::{TotpConfig, TotpSecret, step_at};
use authkit_core::model::new_id;
use authkit_core::store::{SecondFactorStore, SessionStore};
use authkit_core::{Auth, AuthError, MfaChallenge, SecretString, User};
use time::Duration;

use crate::support::*;

const KEY: [u8; 32] = [9; 32];

fn harness() -> Harness {
    Harness::with_builder(config(), |builder| {
        builder.totp(TotpConfig::new(&KEY).unwrap().issuer("Flows"))
    })
}

/// RFC 4648 base32 without padding, decoded (what an authenticator app does with the secret).
pub(crate) fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.chars() {
        bits = bits << 5 | ALPHABET.find(c).expect("a base32 symbol") as u64;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

/// The authenticator app of an enrolment.
struct App(TotpSecret);

impl App {
    fn of(enrollment: &TotpEnrollment) -> Self {
        Self(TotpSecret::from_bytes(&base32_decode(&enrollment.secret)))
    }

    /// The code shown at `h`'s current time, `offset` steps away.
    fn code(&self, h: &Harness, offset: i64) -> SecretString {
        SecretString::from(self.0.code(step_at(h.clock_now()) + offset, 6))
    }
}

/// Registers `email`, enrols and confirms TOTP: the user, their tokens, the app, the recovery
/// codes.
async fn enrolled(h: &Harness, email: &str) -> (User, TokenPair, App, Vec<String>) {
    let (user, tokens) = h.register(email).await;
    let claims = h.claims(&tokens);
    let enrollment = h.auth.begin_totp(&claims, &PASSWORD.into()).await.unwrap();
    let app = App::of(&enrollment);
    let codes = h
        .auth
        .confirm_totp(&claims, &app.code(h, 0), &client())
        .await
        .unwrap();
    (user, tokens, app, codes.recovery_codes)
}

async fn challenge(h: &Harness, email: &str) -> MfaChallenge {
    match h.login(email, PASSWORD).await {
        Err(AuthError::MfaRequired(challenge)) => challenge,
        other => panic!("expected mfa_required, got {other:?}"),
    }
}

async fn second_step(
    h: &Harness,
    challenge: &MfaChallenge,
    code: &SecretString,
) -> Result<TokenPair, AuthError> {
    let request = MfaLoginRequest {
        challenge: challenge.token.clone(),
        code: code.clone(),
    };
    h.auth.login_second_factor(request, &client()).await
}

#[tokio::test]
async fn enrolment_answers_a_secret_and_uri_and_protects_nothing_until_confirmed() {
    let h = harness();
    let (user, tokens) = h.register("ada@example.com").await;
    let claims = h.claims(&tokens);
    let enrollment = h.auth.begin_totp(&claims, &PASSWORD.into()).await.unwrap();
    assert_eq!(base32_decode(&enrollment.secret).len(), 20);
    assert_eq!(
        enrollment.otpauth_uri,
        format!(
            "otpauth://totp/Flows:ada%40example.com?secret={}&issuer=Flows&algorithm=SHA1\
             &digits=6&period=30",
            enrollment.secret
        )
    );
    assert!(!format!("{enrollment:?}").contains(&enrollment.secret));
    let stored = h.store.totp(user.id).await.unwrap().unwrap();
    assert!(stored.confirmed_at.is_none());
    assert!(
        !stored
            .sealed_secret
            .windows(20)
            .any(|w| w == base32_decode(&enrollment.secret)),
        "the secret is stored sealed"
    );

    // Pending: a password still signs in.
    h.login("ada@example.com", PASSWORD).await.unwrap();
    let status = h.auth.mfa_status(&claims).await.unwrap();
    assert!(!status.totp_enabled && status.totp_pending);
    assert_eq!(h.events.count(EventKind::MfaEnrollmentStarted), 1);
}

#[tokio::test]
async fn enrolment_needs_the_password_and_refuses_a_second_authenticator() {
    let h = harness();
    let (_, tokens) = h.register("ada@example.com").await;
    let claims = h.claims(&tokens);
    let wrong = h.auth.begin_totp(&claims, &OTHER_PASSWORD.into()).await;
    assert!(
        matches!(wrong, Err(AuthError::InvalidCredentials)),
        "{wrong:?}"
    );
    let unstarted = h
        .auth
        .confirm_totp(&claims, &"123456".into(), &client())
        .await;
    assert!(
        matches!(unstarted, Err(AuthError::MfaNotEnabled(_))),
        "{unstarted:?}"
    );

    let first = h.auth.begin_totp(&claims, &PASSWORD.into()).await.unwrap();
    let second = h.auth.begin_totp(&claims, &PASSWORD.into()).await.unwrap();
    assert_ne!(first.secret, second.secret);
    // The replaced enrolment's codes no longer confirm; the new one's do.
    let stale = h
        .auth
        .confirm_totp(&claims, &App::of(&first).code(&h, 0), &client())
        .await;
    assert!(matches!(stale, Err(AuthError::InvalidMfaCode)), "{stale:?}");
    let codes = h
        .auth
        .confirm_totp(&claims, &App::of(&second).code(&h, 0), &client())
        .await
        .unwrap();
    assert_eq!(codes.recovery_codes.len(), 10);
    let again = h.auth.begin_totp(&claims, &PASSWORD.into()).await;
    assert!(
        matches!(again, Err(AuthError::MfaAlreadyEnabled)),
        "{again:?}"
    );
    assert_eq!(h.events.count(EventKind::MfaEnabled), 1);
    assert!(
        h.mailer
            .wait_for("ada@example.com", MailKind::MfaEnabled, 1)
            .await
            .is_some()
    );
}

#[tokio::test]
async fn login_with_an_authenticator_answers_a_challenge_and_a_code_completes_it() {
    let h = harness();
    let (user, _, app, _) = enrolled(&h, "ada@example.com").await;
    let sessions_before = h.store.list_sessions(user.id, h.clock_now()).await.unwrap();

    let challenge = challenge(&h, "ada@example.com").await;
    assert_eq!(challenge.expires_in, 300);
    assert_eq!(challenge.methods, ["totp", "recovery_code"]);
    assert!(!format!("{challenge:?}").contains(challenge.token.expose()));
    let after_password = h.store.list_sessions(user.id, h.clock_now()).await.unwrap();
    assert_eq!(
        after_password.len(),
        sessions_before.len(),
        "no session before the code"
    );

    // The confirmation spent this step's code: the next step's is accepted (tolerance).
    let spent = second_step(&h, &challenge, &app.code(&h, 0)).await;
    assert!(matches!(spent, Err(AuthError::InvalidMfaCode)), "{spent:?}");
    let tokens = second_step(&h, &challenge, &app.code(&h, 1)).await.unwrap();
    let caller = h.auth.authenticate(&tokens.access_token).await.unwrap();
    assert_eq!(caller.user_id, user.id);
    assert_eq!(h.events.count(EventKind::MfaChallenged), 1);
    let success = h.last_event(EventKind::LoginSucceeded);
    assert_eq!(success.detail.as_deref(), Some("mfa=totp"));
    assert_eq!(success.session_id, Some(tokens.session_id));

    // The challenge is spent, and so is the code, even with a fresh challenge.
    let reused = second_step(&h, &challenge, &app.code(&h, 1)).await;
    assert!(
        matches!(reused, Err(AuthError::InvalidMfaChallenge)),
        "{reused:?}"
    );
    let fresh = self::challenge(&h, "ada@example.com").await;
    let replay = second_step(&h, &fresh, &app.code(&h, 1)).await;
    assert!(
        matches!(replay, Err(AuthError::InvalidMfaCode)),
        "{replay:?}"
    );
    // 30 seconds later the step after is a new code again.
    h.clock.advance(Duration::seconds(30));
    second_step(&h, &fresh, &app.code(&h, 1)).await.unwrap();
}

#[tokio::test]
async fn unknown_accounts_and_wrong_passwords_answer_as_without_second_factors() {
    let h = harness();
    enrolled(&h, "ada@example.com").await;
    let wrong = h.login("ada@example.com", OTHER_PASSWORD).await;
    assert!(
        matches!(wrong, Err(AuthError::InvalidCredentials)),
        "{wrong:?}"
    );
    let unknown = h.login("nobody@example.com", PASSWORD).await;
    assert!(
        matches!(unknown, Err(AuthError::InvalidCredentials)),
        "{unknown:?}"
    );
    assert_eq!(h.events.count(EventKind::MfaChallenged), 0);
}

#[tokio::test]
async fn a_challenge_expires_and_is_not_a_mail_token() {
    let h = harness();
    let (_, _, app, _) = enrolled(&h, "ada@example.com").await;
    let challenge = challenge(&h, "ada@example.com").await;
    let as_verification = h.auth.verify_email(&challenge.token).await;
    assert!(
        matches!(as_verification, Err(AuthError::InvalidToken)),
        "{as_verification:?}"
    );
    let as_reset = h
        .auth
        .confirm_password_reset(&challenge.token, &OTHER_PASSWORD.into())
        .await;
    assert!(
        matches!(as_reset, Err(AuthError::InvalidToken)),
        "{as_reset:?}"
    );

    h.clock.advance(Duration::seconds(301));
    let expired = second_step(&h, &challenge, &app.code(&h, 0)).await;
    assert!(
        matches!(expired, Err(AuthError::InvalidMfaChallenge)),
        "{expired:?}"
    );
    let garbage = MfaChallenge {
        token: "not a challenge".into(),
        ..challenge
    };
    let garbage = second_step(&h, &garbage, &app.code(&h, 0)).await;
    assert!(
        matches!(garbage, Err(AuthError::InvalidMfaChallenge)),
        "{garbage:?}"
    );
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_logins_and_the_wait_ends() {
    let h = harness();
    let (_, _, app, _) = enrolled(&h, "ada@example.com").await;
    let challenge = challenge(&h, "ada@example.com").await;
    let wrong = SecretString::from(wrong_code(&h, &app));
    for attempt in 1..=5 {
        let refused = second_step(&h, &challenge, &wrong).await;
        assert!(
            matches!(refused, Err(AuthError::InvalidMfaCode)),
            "attempt {attempt}: {refused:?}"
        );
    }
    // The sixth attempt waits, right code or not.
    let throttled = second_step(&h, &challenge, &app.code(&h, 1)).await;
    let Err(AuthError::TooManyAttempts { retry_after }) = throttled else {
        panic!("expected too_many_attempts, got {throttled:?}");
    };
    assert_eq!(h.events.count(EventKind::MfaFailed), 5);
    // The password throttle is a separate budget: the password still answers a challenge.
    let another = self::challenge(&h, "ada@example.com").await;
    h.clock
        .advance(Duration::try_from(retry_after).unwrap() + Duration::seconds(1));
    let step = app.code(&h, 1);
    second_step(&h, &another, &step).await.unwrap();
    // The old challenge is still good for a new code after the wait.
    h.clock.advance(Duration::seconds(30));
    second_step(&h, &challenge, &app.code(&h, 1)).await.unwrap();
}

/// A six-digit code that is none of the codes accepted now.
fn wrong_code(h: &Harness, app: &App) -> String {
    let accepted: Vec<String> = (-1..=1)
        .map(|o| app.code(h, o).expose().to_owned())
        .collect();
    (0..)
        .map(|n| format!("{n:06}"))
        .find(|c| !accepted.contains(c))
        .unwrap()
}

#[tokio::test]
async fn a_recovery_code_completes_a_sign_in_once_and_is_mailed() {
    let h = harness();
    let (_, tokens, _, codes) = enrolled(&h, "ada@example.com").await;
    let challenge = challenge(&h, "ada@example.com").await;
    // Typed loosely: upper case, spaces for dashes.
    let typed = codes[3].to_uppercase().replace('-', " ");
    second_step(&h, &challenge, &typed.into()).await.unwrap();
    let success = h.last_event(EventKind::LoginSucceeded);
    assert_eq!(success.detail.as_deref(), Some("mfa=recovery_code"));
    let used = h.last_event(EventKind::RecoveryCodeUsed);
    assert_eq!(used.detail.as_deref(), Some("left=9"));
    let mail = h
        .mailer
        .wait_for("ada@example.com", MailKind::RecoveryCodeUsed, 1)
        .await
        .unwrap();
    assert!(mail.body.contains("9 remain"), "{}", mail.body);

    let again = self::challenge(&h, "ada@example.com").await;
    let reused = second_step(&h, &again, &codes[3].clone().into()).await;
    assert!(
        matches!(reused, Err(AuthError::InvalidMfaCode)),
        "{reused:?}"
    );
    let status = h.auth.mfa_status(&h.claims(&tokens)).await.unwrap();
    assert_eq!(status.recovery_codes_left, 9);
    assert!(status.totp_enabled && !status.totp_pending);
}

#[tokio::test]
async fn twenty_concurrent_submissions_of_one_code_sign_in_once() {
    let h = Arc::new(harness());
    let (_, _, app, codes) = enrolled(&h, "ada@example.com").await;
    for code in [app.code(&h, 1), SecretString::from(codes[0].clone())] {
        let mut challenges = Vec::new();
        for _ in 0..20 {
            challenges.push(challenge(&h, "ada@example.com").await);
        }
        let attempts = challenges.into_iter().map(|challenge| {
            let (h, code) = (Arc::clone(&h), code.clone());
            tokio::spawn(async move { second_step(&h, &challenge, &code).await })
        });
        let mut results = Vec::new();
        for attempt in attempts {
            results.push(attempt.await.unwrap());
        }
        let successes = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(successes, 1, "{results:?}");
        // The losers are refused as a spent code, then throttled as wrong codes pile up.
        assert!(
            results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .all(|e| matches!(
                    e,
                    AuthError::InvalidMfaCode | AuthError::TooManyAttempts { .. }
                )),
            "{results:?}"
        );
        // Past the throttle's wait before the next round.
        h.clock.advance(Duration::hours(1));
    }
}

#[tokio::test]
async fn disabling_needs_the_password_or_a_code_and_lets_the_password_alone_sign_in() {
    let h = harness();
    let (user, tokens, app, codes) = enrolled(&h, "ada@example.com").await;
    let claims = h.claims(&tokens);
    let proof = |password: Option<&str>, code: Option<SecretString>| SecondFactorProof {
        password: password.map(SecretString::from),
        code,
    };
    let neither = h
        .auth
        .disable_totp(&claims, &proof(None, None), &client())
        .await;
    assert!(
        matches!(neither, Err(AuthError::Validation(_))),
        "{neither:?}"
    );
    let both = proof(Some(PASSWORD), Some(app.code(&h, 1)));
    let both = h.auth.disable_totp(&claims, &both, &client()).await;
    assert!(matches!(both, Err(AuthError::Validation(_))), "{both:?}");
    let wrong = proof(Some(OTHER_PASSWORD), None);
    let wrong = h.auth.disable_totp(&claims, &wrong, &client()).await;
    assert!(
        matches!(wrong, Err(AuthError::InvalidCredentials)),
        "{wrong:?}"
    );
    let spent = proof(None, Some(app.code(&h, 0)));
    let spent = h.auth.disable_totp(&claims, &spent, &client()).await;
    assert!(matches!(spent, Err(AuthError::InvalidMfaCode)), "{spent:?}");

    let by_code = proof(None, Some(app.code(&h, 1)));
    h.auth
        .disable_totp(&claims, &by_code, &client())
        .await
        .unwrap();
    assert!(h.store.totp(user.id).await.unwrap().is_none());
    assert_eq!(h.store.recovery_codes_left(user.id).await.unwrap(), 0);
    h.login("ada@example.com", PASSWORD).await.unwrap();
    let twice = proof(Some(PASSWORD), None);
    let twice = h.auth.disable_totp(&claims, &twice, &client()).await;
    assert!(
        matches!(twice, Err(AuthError::MfaNotEnabled(_))),
        "{twice:?}"
    );
    let disabled = h.last_event(EventKind::MfaDisabled);
    assert_eq!(disabled.detail.as_deref(), Some("by=owner"));
    assert!(
        h.mailer
            .wait_for("ada@example.com", MailKind::MfaDisabled, 1)
            .await
            .is_some()
    );
    // The old recovery codes died with it.
    assert!(!codes.is_empty());
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_ones() {
    let h = harness();
    let (_, tokens, _, old) = enrolled(&h, "ada@example.com").await;
    let claims = h.claims(&tokens);
    let proof = SecondFactorProof {
        password: None,
        code: Some(old[0].clone().into()),
    };
    let new = h
        .auth
        .regenerate_recovery_codes(&claims, &proof, &client())
        .await
        .unwrap()
        .recovery_codes;
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|code| !old.contains(code)));
    let challenge = challenge(&h, "ada@example.com").await;
    let stale = second_step(&h, &challenge, &old[1].clone().into()).await;
    assert!(matches!(stale, Err(AuthError::InvalidMfaCode)), "{stale:?}");
    second_step(&h, &challenge, &new[1].clone().into())
        .await
        .unwrap();
    assert_eq!(h.events.count(EventKind::RecoveryCodesRegenerated), 1);
}

#[tokio::test]
async fn an_admin_resets_a_users_second_factors() {
    let h = harness();
    let (_, user_tokens) = h.register("root@example.com").await;
    h.auth
        .ensure_admin("boss@example.com", &PASSWORD.into())
        .await
        .unwrap();
    let boss = h.login("boss@example.com", PASSWORD).await.unwrap();
    let (user, _, _, _) = enrolled(&h, "ada@example.com").await;

    let not_admin = h
        .auth
        .admin_reset_second_factors(&h.claims(&user_tokens), user.id)
        .await;
    assert!(
        matches!(not_admin, Err(AuthError::Forbidden)),
        "{not_admin:?}"
    );
    let boss = h.claims(&boss);
    h.auth
        .admin_reset_second_factors(&boss, user.id)
        .await
        .unwrap();
    h.login("ada@example.com", PASSWORD).await.unwrap();
    let again = h.auth.admin_reset_second_factors(&boss, user.id).await;
    assert!(
        matches!(again, Err(AuthError::MfaNotEnabled(_))),
        "{again:?}"
    );
    let unknown = h.auth.admin_reset_second_factors(&boss, new_id()).await;
    assert!(matches!(unknown, Err(AuthError::NotFound)), "{unknown:?}");
    let reset = h.last_event(EventKind::MfaDisabled);
    assert!(reset.detail.unwrap().starts_with("by=admin"));
}

#[tokio::test]
async fn the_password_grant_is_refused_for_an_account_with_a_second_factor() {
    let h = harness();
    enrolled(&h, "ada@example.com").await;
    let grant = h
        .auth
        .login_password_grant("ada@example.com", &PASSWORD.into(), &client())
        .await;
    assert!(matches!(grant, Err(AuthError::MfaRequired(_))), "{grant:?}");
}

#[tokio::test]
async fn without_settings_the_flows_are_not_found_and_enrolled_accounts_are_not_let_in() {
    let h = harness();
    enrolled(&h, "ada@example.com").await;
    let (_, tokens) = h.register("bob@example.com").await;
    let bare = Auth::builder(config().build().unwrap(), h.store.clone()).build();
    let claims = bare.validate_access_token(&tokens.access_token).unwrap();
    let status = bare.mfa_status(&claims).await;
    assert!(matches!(status, Err(AuthError::NotFound)), "{status:?}");
    let login = bare
        .login(login_request("ada@example.com", PASSWORD), &client())
        .await;
    assert!(matches!(login, Err(AuthError::Internal(_))), "{login:?}");
    bare.login(login_request("bob@example.com", PASSWORD), &client())
        .await
        .unwrap();
}
