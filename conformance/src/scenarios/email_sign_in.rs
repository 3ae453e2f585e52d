//! Sign-in by e-mail: `POST /auth/email-sign-in/request` mails a code (or a link) to a
//! verified address, `POST /auth/email-sign-in` redeems it once; requests answer alike for any
//! address, wrong codes are throttled, a second factor is still asked for.

use super::mfa::enrol_account;
use super::prelude::*;

/// A registered account whose address is verified: (address, access token).
async fn verified_account(api: &Api) -> (String, String) {
    let account = api.register().await;
    let token = api
        .mailed_token(&account.email, MailKind::VerifyEmail)
        .await;
    send(api.post_json("/auth/email/verify", &json!({ "token": token })))
        .await
        .assert_status(200);
    (account.email, account.tokens.access_token)
}

async fn request(api: &Api, email: &str) {
    let answer =
        send(api.post_json("/auth/email-sign-in/request", &json!({ "email": email }))).await;
    answer.assert_status(202);
}

/// Requests a code for `email` and reads the `nth` code mail's six digits.
async fn mailed_code(api: &Api, email: &str, nth: usize) -> String {
    request(api, email).await;
    let mail = api
        .mailer()
        .wait_for(email, MailKind::SignInCode, nth)
        .await
        .unwrap_or_else(|| panic!("no sign-in code reached {email}"));
    mail.body
        .split(|c: char| !c.is_ascii_digit())
        .find(|digits| digits.len() == 6)
        .unwrap_or_else(|| panic!("the mail must carry a six-digit code: {}", mail.body))
        .to_owned()
}

async fn sign_in(api: &Api, email: &str, code: &str) -> Answer {
    send(api.post_json(
        "/auth/email-sign-in",
        &json!({ "email": email, "code": code }),
    ))
    .await
}

/// A code mailed to a verified address signs in (200, the token pair of that account) once;
/// presented again it is 401 `invalid_sign_in_code`.
pub async fn a_mailed_sign_in_code_signs_in_once(target: Target) {
    let api = Api::new(target);
    let (email, _) = verified_account(&api).await;
    let code = mailed_code(&api, &email, 1).await;
    let tokens = expect_token_pair(&sign_in(&api, &email, &code).await);
    assert_eq!(api.me(&tokens.access_token).await.email, email);
    let again = sign_in(&api, &email, &code).await;
    assert_problem(&again, 401, "invalid_sign_in_code");
}

/// Requests answer 202 for any address and mail only verified ones; redeeming a code for an
/// address without an account is byte for byte the answer to a wrong code.
pub async fn sign_in_code_requests_answer_alike_and_mail_only_verified_addresses(target: Target) {
    let api = Api::new(target);
    let unverified = api.register().await;
    let (verified, _) = verified_account(&api).await;
    let nobody = unique_email();
    for email in [&nobody, &unverified.email] {
        request(&api, email).await;
    }
    // The verified address's mail arrives after the others were sent, if they were.
    let code = mailed_code(&api, &verified, 1).await;
    for email in [&nobody, &unverified.email] {
        assert!(
            api.mailer()
                .sent_to(email)
                .iter()
                .all(|mail| mail.kind != MailKind::SignInCode),
            "no sign-in mail for {email}"
        );
    }
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let unknown = sign_in(&api, &nobody, wrong).await;
    let mistyped = sign_in(&api, &verified, wrong).await;
    assert_problem(&unknown, 401, "invalid_sign_in_code");
    assert_eq!(unknown.text(), mistyped.text());
}

/// Five wrong codes are 401 `invalid_sign_in_code`; the sixth attempt, even with the right
/// code, is 429 `too_many_attempts` with `Retry-After`.
pub async fn wrong_sign_in_codes_are_throttled(target: Target) {
    let api = Api::new(target);
    let (email, _) = verified_account(&api).await;
    let code = mailed_code(&api, &email, 1).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..5 {
        assert_problem(
            &sign_in(&api, &email, wrong).await,
            401,
            "invalid_sign_in_code",
        );
    }
    let throttled = sign_in(&api, &email, &code).await;
    assert_problem(&throttled, 429, "too_many_attempts");
    assert_retry_after(&throttled);
}

/// A new request voids the code mailed before it.
pub async fn a_new_sign_in_code_voids_the_one_before(target: Target) {
    let api = Api::new(target);
    let (email, _) = verified_account(&api).await;
    let first = mailed_code(&api, &email, 1).await;
    let second = mailed_code(&api, &email, 2).await;
    if first != second {
        assert_problem(
            &sign_in(&api, &email, &first).await,
            401,
            "invalid_sign_in_code",
        );
    }
    expect_token_pair(&sign_in(&api, &email, &second).await);
}

/// In link mode the mail links to `/sign-in#token=…` and the token signs in once.
/// Runs with [`options::email_sign_in_by_link`](super::options::email_sign_in_by_link).
pub async fn a_mailed_sign_in_link_signs_in_once(target: Target) {
    let api = Api::new(target);
    let (email, _) = verified_account(&api).await;
    request(&api, &email).await;
    let mail = api
        .mailer()
        .wait_for(&email, MailKind::SignInLink, 1)
        .await
        .expect("a sign-in link");
    assert!(
        mail.link
            .as_deref()
            .is_some_and(|link| link.contains("/sign-in#token=")),
        "{:?}",
        mail.link
    );
    let token = link_token(&mail);
    let body = json!({ "token": token });
    let tokens = expect_token_pair(&send(api.post_json("/auth/email-sign-in", &body)).await);
    assert_eq!(api.me(&tokens.access_token).await.email, email);
    let again = send(api.post_json("/auth/email-sign-in", &body)).await;
    assert_problem(&again, 401, "invalid_sign_in_code");
    let code_fields = sign_in(&api, &email, "123456").await;
    assert_problem(&code_fields, 400, "validation_failed");
}

/// A code signs in an account with a second factor only as far as a password would: 401
/// `mfa_required` with a challenge.
pub async fn a_sign_in_code_still_asks_for_the_second_factor(target: Target) {
    let api = Api::new(target);
    let (email, token) = verified_account(&api).await;
    enrol_account(&api, email.clone(), token).await;
    let code = mailed_code(&api, &email, 1).await;
    let answer = sign_in(&api, &email, &code).await;
    assert_problem(&answer, 401, "mfa_required");
}
