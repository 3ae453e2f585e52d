//! `POST /auth/login`: by address or username, failures that do not enumerate accounts, and
//! the failed-login throttle.

use super::prelude::*;

/// Login by address (any case) or by username answers 200 with a new session's token pair
/// and `Cache-Control: no-store`.
pub async fn logging_in_by_email_or_username_returns_a_token_pair(target: Target) {
    let api = Api::new(target);
    let account = api.register_with_username().await;
    let username = account
        .username
        .clone()
        .expect("registered with a username");

    let by_email = api.login(&account.email, PASSWORD).await;
    let by_lower_case_email = api.login(&account.email.to_lowercase(), PASSWORD).await;
    let by_username = expect_token_pair(
        &send(api.post_json(
            "/auth/login",
            &json!({ "username": username, "password": PASSWORD }),
        ))
        .await,
    );

    let mut sessions = vec![
        account.tokens.session_id,
        by_email.session_id,
        by_lower_case_email.session_id,
        by_username.session_id,
    ];
    sessions.sort();
    sessions.dedup();
    assert_eq!(sessions.len(), 4, "every login starts its own session");
    for pair in [&by_email, &by_lower_case_email, &by_username] {
        assert_eq!(api.me(&pair.access_token).await.id, account.user.id);
    }
}

/// An unknown user, a wrong password and a disabled account (with its right password) are all
/// 401 `invalid_credentials` with byte-identical bodies.
pub async fn failed_logins_are_identical_for_unknown_users_wrong_passwords_and_disabled_accounts(
    target: Target,
) {
    let api = Api::new(target);
    let known = api.register().await;
    let disabled = api.register().await;
    let admin = api.admin_login().await;
    send(
        api.authed(
            Method::PATCH,
            &format!("/auth/admin/users/{}", disabled.user.id),
            &admin.access_token,
        )
        .json(&json!({ "status": "disabled" })),
    )
    .await
    .assert_status(200);

    let unknown = api.login_answer(&unique_email(), PASSWORD).await;
    let wrong = api
        .login_answer(&known.email, "not the password of this account")
        .await;
    let disabled = api.login_answer(&disabled.email, PASSWORD).await;
    for answer in [&unknown, &wrong, &disabled] {
        assert_problem(answer, 401, "invalid_credentials");
    }
    assert_eq!(
        wrong.text(),
        unknown.text(),
        "a wrong password must look like an unknown user"
    );
    assert_eq!(
        disabled.text(),
        unknown.text(),
        "a disabled account must look like an unknown user"
    );
}

/// After 5 failures for one identifier the next attempt, even with the right password, is
/// 429 `too_many_attempts` with `Retry-After`; an unknown identifier is throttled the same way,
/// with the same body.
pub async fn five_failed_logins_throttle_known_and_unknown_identifiers_alike(target: Target) {
    let api = Api::new(target);
    let known = api.register().await;
    let unknown = unique_email();

    let mut throttled = Vec::new();
    for email in [&known.email, &unknown] {
        for attempt in 1..=5 {
            let answer = api
                .login_answer(email, "not the password of this account")
                .await;
            assert_eq!(answer.status, 401, "attempt {attempt}: {answer:?}");
            assert_problem(&answer, 401, "invalid_credentials");
        }
        // Even the right password waits: the throttle is no oracle.
        let answer = api.login_answer(email, PASSWORD).await;
        assert_problem(&answer, 429, "too_many_attempts");
        assert_retry_after(&answer);
        throttled.push(answer);
    }
    assert_eq!(
        throttled[0].text(),
        throttled[1].text(),
        "a throttled known account must look like a throttled unknown one"
    );
    assert_eq!(
        throttled[0].header("retry-after"),
        throttled[1].header("retry-after")
    );

    // The throttle is per identifier: another account is not affected.
    let other = api.register().await;
    api.login(&other.email, PASSWORD).await;
}

/// Failed logins count per account, however it is named: five wrong passwords by address make
/// the right password by username wait too, and wrong guesses alternating address and
/// username share one budget.
pub async fn failed_logins_count_per_account_by_email_and_username_alike(target: Target) {
    let api = Api::new(target);
    let by_username = |username: &str, password: &str| {
        send(api.post_json(
            "/auth/login",
            &json!({ "username": username, "password": password }),
        ))
    };
    let first = api.register_with_username().await;
    let first_name = first.username.clone().expect("a username");
    for attempt in 1..=5 {
        let answer = api.login_answer(&first.email, "not the password").await;
        assert_eq!(answer.status, 401, "attempt {attempt}: {answer:?}");
    }
    let answer = by_username(&first_name, PASSWORD).await;
    assert_problem(&answer, 429, "too_many_attempts");
    assert_retry_after(&answer);

    let second = api.register_with_username().await;
    let second_name = second.username.clone().expect("a username");
    for attempt in 1..=5 {
        let answer = if attempt % 2 == 0 {
            by_username(&second_name, "not the password").await
        } else {
            api.login_answer(&second.email, "not the password").await
        };
        assert_problem(&answer, 401, "invalid_credentials");
    }
    let answer = api.login_answer(&second.email, PASSWORD).await;
    assert_problem(&answer, 429, "too_many_attempts");
}
