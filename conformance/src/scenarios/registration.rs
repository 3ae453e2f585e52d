//! `POST /auth/register`, with and without required verification, and the claims of the
//! access tokens it hands out.

use super::prelude::*;

/// 201 `{user, tokens}` with `Cache-Control: no-store`; the user is stored as given, a plain
/// active `user` with an unverified address and a UUID v7 id, and the pair signs them in.
pub async fn registering_returns_201_with_the_user_and_a_token_pair(target: Target) {
    let api = Api::new(target);
    let email = unique_email();
    let username = unique_username();
    // Asserts the status, `no-store`, and the exact keys of the body, the user and the pair.
    let account = api
        .register_as(&format!("  {email} "), Some(&username))
        .await;
    let user = &account.user;
    assert_eq!(user.email, email, "the address is stored trimmed, as given");
    assert_eq!(user.username.as_deref(), Some(username.as_str()));
    assert_eq!(user.role.as_str(), "user");
    assert_eq!(user.status, UserStatus::Active);
    assert!(!user.email_verified);
    assert_eq!(user.id.get_version_num(), 7, "ids are UUID v7: {}", user.id);

    let me = api.me(&account.tokens.access_token).await;
    assert_eq!((me.id, me.email), (user.id, user.email.clone()));
}

/// A malformed address is 400 `validation_failed`.
pub async fn registering_a_malformed_email_is_validation_failed(target: Target) {
    let api = Api::new(target);
    for email in [
        "not-an-address",
        "a@b",
        "two@@example.com",
        "",
        "spaced out@example.com",
    ] {
        let answer = send(api.post_json(
            "/auth/register",
            &json!({ "email": email, "password": PASSWORD }),
        ))
        .await;
        assert_problem(&answer, 400, "validation_failed");
    }
}

/// A password of 14 code points (the default minimum is 15) is 400 `weak_password` with a
/// `detail` that does not echo it, and no account is created.
pub async fn registering_a_14_character_password_is_weak_password(target: Target) {
    let api = Api::new(target);
    let email = unique_email();
    let answer = send(api.post_json(
        "/auth/register",
        &json!({ "email": email, "password": WEAK_PASSWORD }),
    ))
    .await;
    let problem = assert_problem(&answer, 400, "weak_password");
    let detail = problem
        .detail
        .unwrap_or_else(|| panic!("weak_password must say why in `detail`: {answer:?}"));
    assert!(!detail.is_empty());
    assert!(
        !detail.contains(WEAK_PASSWORD),
        "the detail echoes the password: {detail}"
    );

    // The address is still free.
    api.register_as(&email, None).await;
}

/// Long passwords that a guessing attack finds early — a keyboard walk, a common word with a
/// digit run — are 400 `weak_password`, and the address stays free.
pub async fn registering_a_keyboard_walk_or_a_common_word_with_digits_is_weak_password(
    target: Target,
) {
    let api = Api::new(target);
    let email = unique_email();
    for password in ["qwertyuiopasdfgh", "password123456789"] {
        let answer = send(api.post_json(
            "/auth/register",
            &json!({ "email": email, "password": password }),
        ))
        .await;
        let problem = assert_problem(&answer, 400, "weak_password");
        assert_eq!(
            problem.detail.as_deref(),
            Some("is too easy to guess; a few uncommon words make a strong password"),
            "{password}: {answer:?}"
        );
    }
    api.register_as(&email, None).await;
}

/// A case variant of a registered address is 409 `email_taken`.
pub async fn registering_a_case_variant_of_a_taken_email_is_email_taken(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    for variant in [
        account.email.clone(),
        account.email.to_lowercase(),
        account.email.to_uppercase(),
    ] {
        let answer = send(api.post_json(
            "/auth/register",
            &json!({ "email": variant, "password": PASSWORD }),
        ))
        .await;
        assert_problem(&answer, 409, "email_taken");
    }
}

/// A registered username (or a case variant of it) is 409 `username_taken`.
pub async fn registering_a_taken_username_is_username_taken(target: Target) {
    let api = Api::new(target);
    let account = api.register_with_username().await;
    let username = account.username.expect("registered with a username");
    for variant in [username.clone(), username.to_uppercase()] {
        let answer = send(api.post_json(
            "/auth/register",
            &json!({ "email": unique_email(), "password": PASSWORD, "username": variant }),
        ))
        .await;
        assert_problem(&answer, 409, "username_taken");
    }
}

/// Access tokens are JWTs with `typ: at+jwt` and a `kid`, and the claims
/// `iss aud sub sid role iat nbf exp jti`: `sub` the user, `sid` the session, `role` the role,
/// `exp - iat` the pair's `expires_in`.
pub async fn access_tokens_carry_the_documented_header_and_claims(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let token = &account.tokens.access_token;

    let header = jwt_header(token);
    assert_eq!(header["typ"].as_str(), Some("at+jwt"), "header: {header}");
    assert!(
        header["kid"].is_string(),
        "the header needs a kid: {header}"
    );
    let alg = header["alg"].as_str().unwrap_or_default();
    assert!(
        !alg.is_empty() && !alg.eq_ignore_ascii_case("none"),
        "header: {header}"
    );

    let claims = jwt_claims(token);
    for claim in [
        "iss", "aud", "sub", "sid", "role", "iat", "nbf", "exp", "jti",
    ] {
        assert!(
            claims.get(claim).is_some(),
            "the token lacks `{claim}`: {claims}"
        );
    }
    assert_eq!(
        claims["sub"].as_str(),
        Some(account.user.id.to_string().as_str())
    );
    assert_eq!(
        claims["sid"].as_str(),
        Some(account.tokens.session_id.to_string().as_str())
    );
    assert_eq!(claims["role"].as_str(), Some("user"));
    let (iat, exp) = (claims["iat"].as_i64(), claims["exp"].as_i64());
    let (Some(iat), Some(exp)) = (iat, exp) else {
        panic!("iat and exp must be integers: {claims}");
    };
    assert!(
        (exp - iat - account.tokens.expires_in).abs() <= 1,
        "expires_in ({}) must match exp - iat: {claims}",
        account.tokens.expires_in
    );

    // Two logins, two token ids.
    let other = api.login(&account.email, PASSWORD).await;
    assert_ne!(jwt_claims(&other.access_token)["jti"], claims["jti"]);
}

/// With verification required, registration answers 202 `{"status":"accepted"}` for a new
/// address and for a taken one (a case variant) alike; the new address gets a verification
/// mail, the owner of the taken one a notice instead.
///
/// Runs with [`options::email_verification_required`](super::options::email_verification_required).
pub async fn registration_with_verification_required_answers_202_alike_for_new_and_taken_addresses(
    target: Target,
) {
    let api = Api::new(target);
    let email = unique_email();
    let new = send(api.post_json(
        "/auth/register",
        &json!({ "email": email, "password": PASSWORD }),
    ))
    .await;
    new.assert_status(202);
    assert_eq!(new.json(), json!({ "status": "accepted" }), "{new:?}");
    assert!(
        new.json().get("tokens").is_none(),
        "no tokens before verification"
    );
    api.mailer()
        .wait_for(&email, MailKind::VerifyEmail, 1)
        .await
        .expect("the new address gets a verification mail");

    let taken = send(api.post_json(
        "/auth/register",
        &json!({ "email": email.to_lowercase(), "password": NEW_PASSWORD }),
    ))
    .await;
    taken.assert_status(202);
    assert_eq!(
        taken.body, new.body,
        "a taken address must be answered exactly like a new one"
    );
    assert_eq!(taken.media_type(), new.media_type());
    api.mailer()
        .wait_for(&email, MailKind::RegistrationAttempt, 1)
        .await
        .expect("the owner of a taken address is told of the attempt");

    // The second registration did not replace the first account's password.
    let token = api.mailed_token(&email, MailKind::VerifyEmail).await;
    let verified = send(api.post_json("/auth/email/verify", &json!({ "token": token }))).await;
    verified.assert_status(200);
    api.login(&email, PASSWORD).await;
    let answer = api.login_answer(&email, NEW_PASSWORD).await;
    assert_problem(&answer, 401, "invalid_credentials");
}

/// With verification required, login with an unverified address is 403 `email_not_verified`
/// only after a correct password (a wrong one is 401 `invalid_credentials`); once the mailed
/// token is confirmed, login succeeds.
///
/// Runs with [`options::email_verification_required`](super::options::email_verification_required).
pub async fn unverified_login_is_email_not_verified_only_after_a_correct_password(target: Target) {
    let api = Api::new(target);
    let email = unique_email();
    send(api.post_json(
        "/auth/register",
        &json!({ "email": email, "password": PASSWORD }),
    ))
    .await
    .assert_status(202);

    let wrong = api
        .login_answer(&email, "not the password of this account")
        .await;
    assert_problem(&wrong, 401, "invalid_credentials");
    let unverified = api.login_answer(&email, PASSWORD).await;
    assert_problem(&unverified, 403, "email_not_verified");

    let token = api.mailed_token(&email, MailKind::VerifyEmail).await;
    let answer = send(api.post_json("/auth/email/verify", &json!({ "token": token }))).await;
    answer.assert_status(200);
    let user = assert_user_json(&answer.json());
    assert!(user.email_verified);

    let tokens = api.login(&email, PASSWORD).await;
    assert!(api.me(&tokens.access_token).await.email_verified);
}

/// Look-alike addresses are not new accounts: full-width letters in the local part or the
/// domain fold (NFKC) onto the taken address (409 `email_taken`), and invisible or formatting
/// characters (zero-width space and joiner, byte-order mark, right-to-left override, a stray
/// combining mark) are 400 `validation_failed`.
pub async fn look_alike_addresses_are_taken_or_refused(target: Target) {
    let api = Api::new(target);
    let local = format!("ada{}", unique_username().replace(['_', '.', '-'], ""));
    let email = format!("{local}@example.com");
    api.register_as(&email, None).await;
    let full_width: String = local
        .chars()
        .map(|c| char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c))
        .collect();
    for variant in [
        format!("{full_width}@example.com"),
        format!("{local}@ｅｘａｍｐｌｅ.com"),
    ] {
        let answer = send(api.post_json(
            "/auth/register",
            &json!({ "email": variant, "password": PASSWORD }),
        ))
        .await;
        assert_problem(&answer, 409, "email_taken");
    }
    for hidden in [
        format!("{local}\u{200B}@example.com"),
        format!("{local}\u{200D}x@example.com"),
        format!("\u{FEFF}{local}@example.com"),
        format!("{local}@exa\u{202E}mple.com"),
        format!("{local}\u{0336}@example.com"),
    ] {
        let answer = send(api.post_json(
            "/auth/register",
            &json!({ "email": hidden, "password": PASSWORD }),
        ))
        .await;
        assert_problem(&answer, 400, "validation_failed");
    }
}

/// With self-registration roles configured, a registration may name one: the account and its
/// access token carry it; naming none gives `user`.
///
/// Runs with [`options::registration_roles`](super::options::registration_roles).
pub async fn registering_with_a_configured_role_gives_the_account_that_role(target: Target) {
    let api = Api::new(target);
    for (role, expected) in [
        (Some("candidate"), "candidate"),
        (Some("hr"), "hr"),
        (Some("user"), "user"),
        (None, "user"),
    ] {
        let email = unique_email();
        let mut body = json!({ "email": email, "password": PASSWORD });
        if let Some(role) = role {
            body["role"] = json!(role);
        }
        let answer = send(api.post_json("/auth/register", &body)).await;
        assert_eq!(answer.status, 201, "{role:?}: {answer:?}");
        let json = answer.json();
        assert_eq!(json["user"]["role"], expected, "{answer:?}");
        let access = json["tokens"]["access_token"]
            .as_str()
            .expect("an access token");
        assert_eq!(jwt_claims(access)["role"], expected);
        let me = send(api.get("/auth/me").bearer_auth(access)).await;
        assert_eq!(me.json()["role"], expected, "{me:?}");
    }
}

/// `admin`, a role not configured, or a malformed one is 400 `validation_failed`, and the
/// address stays free.
///
/// Runs with [`options::registration_roles`](super::options::registration_roles).
pub async fn registering_as_admin_or_an_unlisted_role_is_validation_failed(target: Target) {
    let api = Api::new(target);
    let email = unique_email();
    for role in ["admin", "superuser", "Candidate", ""] {
        let answer = send(api.post_json(
            "/auth/register",
            &json!({ "email": email, "password": PASSWORD, "role": role }),
        ))
        .await;
        let problem = assert_problem(&answer, 400, "validation_failed");
        let detail = problem.detail.unwrap_or_default();
        assert!(detail.starts_with("role:"), "{role:?}: {detail}");
        assert!(detail.contains("user, candidate, hr"), "{detail}");
    }
    api.register_as(&email, None).await;
}

/// Without configured roles, naming any role but `user` at registration is 400
/// `validation_failed`.
pub async fn registering_with_a_role_when_none_is_configured_is_validation_failed(target: Target) {
    let api = Api::new(target);
    let email = unique_email();
    for role in ["candidate", "admin"] {
        let answer = send(api.post_json(
            "/auth/register",
            &json!({ "email": email, "password": PASSWORD, "role": role }),
        ))
        .await;
        assert_problem(&answer, 400, "validation_failed");
    }
    api.register_as(&email, None).await;
}
