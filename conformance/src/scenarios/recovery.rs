//! Mailed one-time tokens: password reset, e-mail verification, e-mail change.

use super::prelude::*;

async fn request_reset(api: &Api, email: &str) -> Answer {
    send(api.post_json("/auth/password-reset/request", &json!({ "email": email }))).await
}

async fn confirm_reset(api: &Api, token: &str, new_password: &str) -> Answer {
    send(api.post_json(
        "/auth/password-reset/confirm",
        &json!({ "token": token, "new_password": new_password }),
    ))
    .await
}

async fn verify_email(api: &Api, token: &str) -> Answer {
    send(api.post_json("/auth/email/verify", &json!({ "token": token }))).await
}

/// `POST /auth/password-reset/request` answers 202 for a known and an unknown address with
/// identical bodies; the known account's owner (at the stored address, though the request
/// used another case) gets a `PasswordReset` mail whose link is
/// `{public_url}/reset-password#token=…`; the unknown address gets nothing.
pub async fn password_reset_requests_answer_202_alike_for_known_and_unknown_addresses(
    target: Target,
) {
    let api = Api::new(target);
    let account = api.register().await;
    let stranger = unique_email();

    let unknown = request_reset(&api, &stranger).await;
    let known = request_reset(&api, &account.email.to_lowercase()).await;
    unknown.assert_status(202);
    known.assert_status(202);
    assert_eq!(
        known.text(),
        unknown.text(),
        "the answer must not tell whether the address has an account"
    );
    assert_eq!(known.media_type(), unknown.media_type());

    let mail = api
        .mailer()
        .wait_for(&account.email, MailKind::PasswordReset, 1)
        .await
        .expect("the owner gets a reset mail at the stored address");
    let link = mail.link.clone().expect("a reset mail has a link");
    let (base, _) = link
        .split_once("/reset-password#token=")
        .unwrap_or_else(|| {
            panic!("the link must be {{public_url}}/reset-password#token=…: {link}")
        });
    assert!(
        base.starts_with("http://") || base.starts_with("https://"),
        "the link must be absolute: {link}"
    );
    assert!(!link_token(&mail).is_empty());
    assert!(
        api.mailer().sent_to(&stranger).is_empty(),
        "an unknown address gets no mail"
    );
}

/// `POST /auth/password-reset/confirm` with the mailed token is 204: the new password signs in,
/// the old one does not, every session is revoked, and the token does not work twice (400
/// `invalid_token`).
pub async fn password_reset_works_once_and_revokes_every_session(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let other = api.login(&account.email, PASSWORD).await;
    request_reset(&api, &account.email).await.assert_status(202);
    let token = api
        .mailed_token(&account.email, MailKind::PasswordReset)
        .await;

    assert_no_content(&confirm_reset(&api, &token, NEW_PASSWORD).await);
    api.assert_refresh_fails(&account.tokens.refresh_token)
        .await;
    api.assert_refresh_fails(&other.refresh_token).await;
    let old = api.login_answer(&account.email, PASSWORD).await;
    assert_problem(&old, 401, "invalid_credentials");
    api.login(&account.email, NEW_PASSWORD).await;

    let again = confirm_reset(&api, &token, "yet another long passphrase 99").await;
    assert_problem(&again, 400, "invalid_token");
    api.login(&account.email, NEW_PASSWORD).await;
}

/// A reset token that was never issued is 400 `invalid_token`.
pub async fn password_reset_with_a_garbage_token_is_invalid_token(target: Target) {
    let api = Api::new(target);
    for bad in ["garbage", NEVER_ISSUED_TOKEN] {
        let answer = confirm_reset(&api, bad, NEW_PASSWORD).await;
        assert_problem(&answer, 400, "invalid_token");
    }
}

/// A reset to a password that breaks the policy is 400 `weak_password`; the token is not
/// spent, so the user can retry with a better password.
pub async fn password_reset_to_a_weak_password_is_weak_password_and_keeps_the_token(
    target: Target,
) {
    let api = Api::new(target);
    let account = api.register().await;
    request_reset(&api, &account.email).await.assert_status(202);
    let token = api
        .mailed_token(&account.email, MailKind::PasswordReset)
        .await;

    let weak = confirm_reset(&api, &token, WEAK_PASSWORD).await;
    let problem = assert_problem(&weak, 400, "weak_password");
    assert!(problem.detail.is_some(), "weak_password says why: {weak:?}");
    api.login(&account.email, PASSWORD).await;

    assert_no_content(&confirm_reset(&api, &token, NEW_PASSWORD).await);
    api.login(&account.email, NEW_PASSWORD).await;
}

/// `POST /auth/email/verify/request` answers 202 for a known and an unknown address with
/// identical bodies; the known, unverified account gets a fresh `VerifyEmail` mail whose token
/// verifies it.
pub async fn verification_requests_answer_202_alike_for_known_and_unknown_addresses(
    target: Target,
) {
    let api = Api::new(target);
    let account = api.register().await;
    // The registration's own verification mail.
    api.mailer()
        .wait_for(&account.email, MailKind::VerifyEmail, 1)
        .await
        .expect("registration sends a verification mail");

    let request = |email: String| {
        send(api.post_json("/auth/email/verify/request", &json!({ "email": email })))
    };
    let unknown = request(unique_email()).await;
    let known = request(account.email.clone()).await;
    unknown.assert_status(202);
    known.assert_status(202);
    assert_eq!(
        known.text(),
        unknown.text(),
        "the answer must not tell whether the address has an account"
    );

    let mail = api
        .mailer()
        .wait_for(&account.email, MailKind::VerifyEmail, 2)
        .await
        .expect("a second verification mail");
    let answer = verify_email(&api, &link_token(&mail)).await;
    answer.assert_status(200);
    assert!(assert_user_json(&answer.json()).email_verified);
}

/// `POST /auth/email/verify` with the token of the registration's `VerifyEmail` mail answers 200
/// with the user, now verified; the token does not work twice, nor does garbage (400
/// `invalid_token`).
pub async fn verifying_the_registration_mail_token_works_once(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let token = api
        .mailed_token(&account.email, MailKind::VerifyEmail)
        .await;

    let answer = verify_email(&api, &token).await;
    answer.assert_status(200);
    let user = assert_user_json(&answer.json());
    assert_eq!(user.id, account.user.id);
    assert!(user.email_verified);
    assert!(api.me(&account.tokens.access_token).await.email_verified);

    assert_problem(&verify_email(&api, &token).await, 400, "invalid_token");
    assert_problem(
        &verify_email(&api, NEVER_ISSUED_TOKEN).await,
        400,
        "invalid_token",
    );
}

/// `POST /auth/email/change {new_email, password}` is 202: an `EmailChangeConfirm` mail goes to
/// the new address and an `EmailChangeNotice` to the old one; confirming the token through
/// `POST /auth/email/verify` answers 200 with the user at the new, verified address, which then
/// signs in while the old one does not.
pub async fn changing_the_email_mails_both_addresses_and_switches_on_confirmation(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let new_email = unique_email();
    let answer = send(
        api.authed(
            Method::POST,
            "/auth/email/change",
            &account.tokens.access_token,
        )
        .json(&json!({ "new_email": new_email, "password": PASSWORD })),
    )
    .await;
    answer.assert_status(202);

    api.mailer()
        .wait_for(&account.email, MailKind::EmailChangeNotice, 1)
        .await
        .expect("the old address is told of the change");
    let token = api
        .mailed_token(&new_email, MailKind::EmailChangeConfirm)
        .await;
    // Nothing changes before the new address is confirmed.
    assert_eq!(
        api.me(&account.tokens.access_token).await.email,
        account.email
    );

    let answer = verify_email(&api, &token).await;
    answer.assert_status(200);
    let user = assert_user_json(&answer.json());
    assert_eq!(user.id, account.user.id);
    assert_eq!(user.email, new_email);
    assert!(user.email_verified);

    api.login(&new_email, PASSWORD).await;
    let old = api.login_answer(&account.email, PASSWORD).await;
    assert_problem(&old, 401, "invalid_credentials");
    assert_problem(&verify_email(&api, &token).await, 400, "invalid_token");
}

/// `POST /auth/email/change` with a wrong password is 401 `invalid_credentials`, and the
/// address is unchanged.
pub async fn changing_the_email_with_a_wrong_password_is_invalid_credentials(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let answer = send(
        api.authed(
            Method::POST,
            "/auth/email/change",
            &account.tokens.access_token,
        )
        .json(&json!({
            "new_email": unique_email(),
            "password": "not the password of this account",
        })),
    )
    .await;
    assert_problem(&answer, 401, "invalid_credentials");
    assert_eq!(
        api.me(&account.tokens.access_token).await.email,
        account.email
    );
}
