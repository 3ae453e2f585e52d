//! Second factors: TOTP enrolment, the two-step sign-in (`mfa_required`, then
//! `POST /auth/login/mfa`), recovery codes, throttling and single use, disabling, the admin's
//! reset, and the token endpoint's answer. Codes are computed by an independent RFC 6238
//! implementation (the `totp-rs` crate) from the secret the enrolment answers, at the suite's
//! clock, as an authenticator app would.

use std::time::{SystemTime, UNIX_EPOCH};

use super::prelude::*;

/// The keys of a `mfa_required` problem document, exactly.
const MFA_REQUIRED_KEYS: &[&str] = &[
    "type",
    "title",
    "status",
    "code",
    "detail",
    "mfa_challenge",
    "mfa_methods",
    "expires_in",
];

/// The authenticator app of one enrolment.
struct Authenticator(totp_rs::Totp);

impl Authenticator {
    fn new(secret: &str) -> Self {
        let secret = totp_rs::Secret::try_from_base32(secret)
            .unwrap_or_else(|e| panic!("the enrolment's secret must be base32 ({e}): {secret}"));
        let totp = totp_rs::Builder::new()
            .with_secret(secret)
            .build()
            .expect("a SHA-1, 6-digit, 30-second TOTP");
        Self(totp)
    }

    /// The code shown now, `steps` periods of 30 s away (the server accepts ±1).
    fn code(&self, steps: i64) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_secs();
        let at = now.saturating_add_signed(steps * 30);
        self.0.generate(at).to_string()
    }

    /// A six-digit code the server accepts at no step near now.
    fn wrong_code(&self) -> String {
        let near: Vec<String> = (-2..=2).map(|steps| self.code(steps)).collect();
        (0..)
            .map(|n| format!("{n:06}"))
            .find(|code| !near.contains(code))
            .expect("some six-digit code is not near")
    }
}

/// An account with a confirmed authenticator.
pub(super) struct Enrolled {
    email: String,
    access_token: String,
    app: Authenticator,
    recovery_codes: Vec<String>,
}

/// Registers an account, enrols and confirms an authenticator, asserting the answers' shapes.
async fn enrol(api: &Api) -> Enrolled {
    let account = api.register().await;
    enrol_account(api, account.email, account.tokens.access_token).await
}

/// Enrols and confirms an authenticator for the account of `email`, signed in with `token`.
pub(super) async fn enrol_account(api: &Api, email: String, token: String) -> Enrolled {
    let enrolment = send(
        api.authed(Method::POST, "/auth/mfa/totp/enroll", &token)
            .json(&json!({ "password": PASSWORD })),
    )
    .await;
    enrolment.assert_status(200);
    let enrolment = enrolment.json();
    assert_keys(&enrolment, &["secret", "otpauth_uri"], "the enrolment");
    let secret = enrolment["secret"]
        .as_str()
        .expect("the secret is a string");
    let uri = enrolment["otpauth_uri"]
        .as_str()
        .expect("the URI is a string");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}&")), "{uri}");
    let app = Authenticator::new(secret);

    let confirmed = send(
        api.authed(Method::POST, "/auth/mfa/totp/confirm", &token)
            .json(&json!({ "code": app.code(0) })),
    )
    .await;
    confirmed.assert_status(200);
    let confirmed = confirmed.json();
    assert_keys(&confirmed, &["recovery_codes"], "the confirmation");
    let recovery_codes: Vec<String> = serde_json::from_value(confirmed["recovery_codes"].clone())
        .expect("recovery codes are strings");
    assert_eq!(recovery_codes.len(), 10, "{recovery_codes:?}");
    Enrolled {
        email,
        access_token: token,
        app,
        recovery_codes,
    }
}

/// `POST /auth/login` with the right password of an enrolled account: 401 `mfa_required`
/// carrying the challenge. Returns the challenge.
async fn challenge(api: &Api, email: &str) -> String {
    let answer = api.login_answer(email, PASSWORD).await;
    let problem = assert_problem(&answer, 401, "mfa_required");
    assert_eq!(problem.status, 401);
    let json = answer.json();
    assert_keys(&json, MFA_REQUIRED_KEYS, "the mfa_required problem");
    assert_eq!(json["mfa_methods"], json!(["totp", "recovery_code"]));
    assert_eq!(json["expires_in"], json!(300));
    assert!(
        answer.header("set-cookie").is_none(),
        "no cookie before the second factor"
    );
    json["mfa_challenge"]
        .as_str()
        .expect("the challenge is a string")
        .to_owned()
}

async fn second_step(api: &Api, challenge: &str, code: &str) -> Answer {
    send(api.post_json(
        "/auth/login/mfa",
        &json!({ "challenge": challenge, "code": code }),
    ))
    .await
}

/// The whole life of a second factor: enrolment, a sign-in that needs the code, a wrong code
/// (401 `invalid_mfa_code`), the right one (the token pair), the same code again refused, a
/// recovery code that works once, and disabling, after which the password alone signs in.
pub async fn a_second_factor_guards_sign_in_from_enrolment_to_disabling(target: Target) {
    let api = Api::new(target);
    let enrolled = enrol(&api).await;
    let status = send(api.authed(Method::GET, "/auth/mfa", &enrolled.access_token)).await;
    status.assert_status(200);
    assert_eq!(
        status.json(),
        json!({ "totp_enabled": true, "totp_pending": false, "recovery_codes_left": 10 })
    );

    let first = challenge(&api, &enrolled.email).await;
    let wrong = second_step(&api, &first, &enrolled.app.wrong_code()).await;
    assert_problem(&wrong, 401, "invalid_mfa_code");
    // The confirmation spent this period's code; the next period's is accepted.
    let code = enrolled.app.code(1);
    let tokens = expect_token_pair(&second_step(&api, &first, &code).await);
    assert_eq!(api.me(&tokens.access_token).await.email, enrolled.email);

    let second = challenge(&api, &enrolled.email).await;
    let replayed = second_step(&api, &second, &code).await;
    assert_problem(&replayed, 401, "invalid_mfa_code");

    let recovery = &enrolled.recovery_codes[0];
    expect_token_pair(&second_step(&api, &second, recovery).await);
    let third = challenge(&api, &enrolled.email).await;
    let spent = second_step(&api, &third, recovery).await;
    assert_problem(&spent, 401, "invalid_mfa_code");
    api.mailer()
        .wait_for(&enrolled.email, MailKind::RecoveryCodeUsed, 1)
        .await
        .expect("the use of a recovery code is mailed");

    let disabled = send(
        api.authed(Method::DELETE, "/auth/mfa/totp", &enrolled.access_token)
            .json(&json!({ "password": PASSWORD })),
    )
    .await;
    assert_no_content(&disabled);
    api.login(&enrolled.email, PASSWORD).await;
    let status = send(api.authed(Method::GET, "/auth/mfa", &enrolled.access_token)).await;
    assert_eq!(
        status.json(),
        json!({ "totp_enabled": false, "totp_pending": false, "recovery_codes_left": 0 })
    );
}

/// Wrong codes count against the account: the first five are 401 `invalid_mfa_code`, the
/// sixth attempt is 429 `too_many_attempts` with `Retry-After`, even with the right code.
pub async fn wrong_second_factor_codes_are_throttled(target: Target) {
    let api = Api::new(target);
    let enrolled = enrol(&api).await;
    let challenge = challenge(&api, &enrolled.email).await;
    let wrong = enrolled.app.wrong_code();
    for _ in 0..5 {
        let refused = second_step(&api, &challenge, &wrong).await;
        assert_problem(&refused, 401, "invalid_mfa_code");
    }
    let throttled = second_step(&api, &challenge, &enrolled.app.code(1)).await;
    assert_problem(&throttled, 429, "too_many_attempts");
    assert_retry_after(&throttled);
}

/// A challenge completes one sign-in: used again it is 401 `invalid_mfa_challenge`, like one
/// never issued; it is no access token either.
pub async fn a_second_factor_challenge_is_single_use(target: Target) {
    let api = Api::new(target);
    let enrolled = enrol(&api).await;
    let challenge = challenge(&api, &enrolled.email).await;
    expect_token_pair(&second_step(&api, &challenge, &enrolled.app.code(1)).await);
    let again = second_step(&api, &challenge, &enrolled.recovery_codes[0]).await;
    assert_problem(&again, 401, "invalid_mfa_challenge");
    let never = second_step(&api, NEVER_ISSUED_TOKEN, &enrolled.recovery_codes[0]).await;
    assert_problem(&never, 401, "invalid_mfa_challenge");
    let as_bearer = send(api.authed(Method::GET, "/auth/me", &challenge)).await;
    assert_problem(&as_bearer, 401, "invalid_access_token");
}

/// Twenty sign-ins submitting one TOTP code at once: exactly one gets tokens. The same for one
/// recovery code (another account, so the first round's throttle does not interfere).
pub async fn twenty_parallel_submissions_of_one_code_sign_in_once(target: Target) {
    let api = Api::new(target);
    for use_recovery_code in [false, true] {
        let enrolled = enrol(&api).await;
        let code = if use_recovery_code {
            enrolled.recovery_codes[0].clone()
        } else {
            enrolled.app.code(1)
        };
        let mut requests = Vec::new();
        for _ in 0..20 {
            let challenge = challenge(&api, &enrolled.email).await;
            requests.push(api.post_json(
                "/auth/login/mfa",
                &json!({ "challenge": challenge, "code": code }),
            ));
        }
        let attempts: Vec<_> = requests
            .into_iter()
            .map(|request| tokio::spawn(send(request)))
            .collect();
        let mut statuses = Vec::new();
        for attempt in attempts {
            let answer = attempt.await.expect("the request task");
            if answer.status != 200 {
                let problem = answer.json();
                assert!(
                    ["invalid_mfa_code", "too_many_attempts"]
                        .contains(&problem["code"].as_str().unwrap_or_default()),
                    "a losing submission is a spent code or throttled: {answer:?}"
                );
            }
            statuses.push(answer.status);
        }
        let successes = statuses.iter().filter(|&&status| status == 200).count();
        assert_eq!(
            successes, 1,
            "recovery code: {use_recovery_code}; {statuses:?}"
        );
    }
}

/// Enrolment needs the password (401 `invalid_credentials`), confirmation an enrolment (409
/// `mfa_not_enabled`), and a confirmed authenticator is not replaced (409
/// `mfa_already_enabled`); disabling needs exactly one proof (400 `validation_failed`).
pub async fn enrolment_needs_the_password_and_never_replaces_a_confirmed_authenticator(
    target: Target,
) {
    let api = Api::new(target);
    let account = api.register().await;
    let token = &account.tokens.access_token;
    let wrong = send(
        api.authed(Method::POST, "/auth/mfa/totp/enroll", token)
            .json(&json!({ "password": NEW_PASSWORD })),
    )
    .await;
    assert_problem(&wrong, 401, "invalid_credentials");
    let unstarted = send(
        api.authed(Method::POST, "/auth/mfa/totp/confirm", token)
            .json(&json!({ "code": "123456" })),
    )
    .await;
    assert_problem(&unstarted, 409, "mfa_not_enabled");
    let not_enabled = send(
        api.authed(Method::DELETE, "/auth/mfa/totp", token)
            .json(&json!({ "password": PASSWORD })),
    )
    .await;
    assert_problem(&not_enabled, 409, "mfa_not_enabled");

    let enrolled = enrol(&api).await;
    let again = send(
        api.authed(
            Method::POST,
            "/auth/mfa/totp/enroll",
            &enrolled.access_token,
        )
        .json(&json!({ "password": PASSWORD })),
    )
    .await;
    assert_problem(&again, 409, "mfa_already_enabled");
    for body in [
        json!({}),
        json!({ "password": PASSWORD, "code": enrolled.app.code(1) }),
    ] {
        let refused = send(
            api.authed(Method::DELETE, "/auth/mfa/totp", &enrolled.access_token)
                .json(&body),
        )
        .await;
        assert_problem(&refused, 400, "validation_failed");
    }
    let unauthenticated =
        send(api.post_json("/auth/mfa/totp/enroll", &json!({ "password": PASSWORD }))).await;
    assert_problem(&unauthenticated, 401, "unauthorized");
}

/// New recovery codes (proven by a TOTP code) replace the old ones, which stop working.
pub async fn new_recovery_codes_replace_the_old_ones(target: Target) {
    let api = Api::new(target);
    let enrolled = enrol(&api).await;
    let answer = send(
        api.authed(
            Method::POST,
            "/auth/mfa/recovery-codes",
            &enrolled.access_token,
        )
        .json(&json!({ "code": enrolled.app.code(1) })),
    )
    .await;
    answer.assert_status(200);
    let json = answer.json();
    assert_keys(&json, &["recovery_codes"], "new recovery codes");
    let new: Vec<String> = serde_json::from_value(json["recovery_codes"].clone()).unwrap();
    assert_eq!(new.len(), 10);
    assert!(
        new.iter()
            .all(|code| !enrolled.recovery_codes.contains(code))
    );

    let challenge = challenge(&api, &enrolled.email).await;
    let old = second_step(&api, &challenge, &enrolled.recovery_codes[1]).await;
    assert_problem(&old, 401, "invalid_mfa_code");
    expect_token_pair(&second_step(&api, &challenge, &new[1]).await);
}

/// An admin removes a user's second factors (204): the password alone signs in again. A
/// non-admin is 403, an unknown user 404, a user without one 409 `mfa_not_enabled`.
pub async fn an_admin_resets_a_users_second_factors(target: Target) {
    let api = Api::new(target);
    let enrolled = enrol(&api).await;
    let me = api.register().await;
    let user_id = {
        let challenge = challenge(&api, &enrolled.email).await;
        let tokens = expect_token_pair(&second_step(&api, &challenge, &enrolled.app.code(1)).await);
        api.me(&tokens.access_token).await.id
    };
    let path = format!("/auth/admin/users/{user_id}/mfa");
    let forbidden = send(api.authed(Method::DELETE, &path, &me.tokens.access_token)).await;
    assert_problem(&forbidden, 403, "forbidden");

    let admin = api.admin_login().await;
    let reset = send(api.authed(Method::DELETE, &path, &admin.access_token)).await;
    assert_no_content(&reset);
    api.login(&enrolled.email, PASSWORD).await;
    api.mailer()
        .wait_for(&enrolled.email, MailKind::MfaDisabled, 1)
        .await
        .expect("the owner is told by mail");
    let again = send(api.authed(Method::DELETE, &path, &admin.access_token)).await;
    assert_problem(&again, 409, "mfa_not_enabled");
    let unknown = format!("/auth/admin/users/{}/mfa", uuid::Uuid::now_v7());
    let unknown = send(api.authed(Method::DELETE, &unknown, &admin.access_token)).await;
    assert_problem(&unknown, 404, "not_found");
}

/// The OAuth2 password grant of an account with a second factor is a 400 `mfa_required`
/// (RFC 6749 5.2 shape): it cannot carry the second step.
pub async fn the_password_grant_answers_mfa_required_for_an_account_with_a_second_factor(
    target: Target,
) {
    let api = Api::new(target);
    let enrolled = enrol(&api).await;
    let answer = send(api.request(Method::POST, "/auth/token").form(&[
        ("grant_type", "password"),
        ("username", enrolled.email.as_str()),
        ("password", PASSWORD),
    ]))
    .await;
    assert_oauth_error(&answer, "mfa_required");
}

/// In cookie mode the second step, not the password, sets the cookies, and its JSON has no
/// `refresh_token`. Runs with [`options::cookies_for_development`](options)
pub async fn the_second_step_sets_the_session_cookies_in_cookie_mode(target: Target) {
    let api = Api::new(target);
    let email = unique_email();
    let registered = send(api.post_json(
        "/auth/register",
        &json!({ "email": email, "password": PASSWORD }),
    ))
    .await;
    registered.assert_status(201);
    let token = registered.json()["tokens"]["access_token"]
        .as_str()
        .expect("the access token is in the JSON in cookie mode")
        .to_owned();
    let enrolled = enrol_account(&api, email, token).await;
    let challenge = challenge(&api, &enrolled.email).await;
    let answer = second_step(&api, &challenge, &enrolled.app.code(1)).await;
    answer.assert_status(200);
    let json = answer.json();
    assert!(json.get("access_token").is_some(), "{json}");
    assert!(json.get("refresh_token").is_none(), "{json}");
    let cookies: Vec<&str> = answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("authkit_refresh=") && c.contains("HttpOnly")),
        "{cookies:?}"
    );
}
