use authkit_core::SecretString;
use authkit_core::policy::{PasswordPolicy, PolicyViolation, code_points};

use super::*;

#[test]
fn the_suites_passwords_meet_the_default_policy_and_the_weak_one_does_not() {
    let policy = PasswordPolicy::new(15).unwrap();
    let email = unique_email();
    for password in [PASSWORD, NEW_PASSWORD] {
        assert_eq!(
            policy.check(&SecretString::from(password), &email, Some("user_1")),
            Ok(()),
            "{password}"
        );
    }
    assert_eq!(code_points(WEAK_PASSWORD), 14);
    assert_eq!(
        policy.check(&SecretString::from(WEAK_PASSWORD), &email, None),
        Err(PolicyViolation::TooShort { min: 15 })
    );
}

#[test]
fn unique_addresses_and_usernames_are_valid_and_distinct() {
    let (a, b) = (unique_email(), unique_email());
    assert_ne!(a.to_lowercase(), b.to_lowercase());
    assert!(authkit_core::email::normalize_email(&a).is_ok(), "{a}");
    let name = unique_username();
    assert!(
        authkit_core::email::normalize_username(&name).is_ok(),
        "{name}"
    );
}

#[test]
fn bearer_challenges_are_parsed_by_meaning() {
    assert_eq!(parse_bearer_challenge("Bearer"), Some(vec![]));
    assert_eq!(
        parse_bearer_challenge(r#"bearer error="invalid_token""#),
        Some(vec![("error".into(), "invalid_token".into())])
    );
    assert_eq!(
        parse_bearer_challenge(
            r#"Bearer realm="authkit", error="insufficient_scope", error_description="x y""#
        ),
        Some(vec![
            ("realm".into(), "authkit".into()),
            ("error".into(), "insufficient_scope".into()),
            ("error_description".into(), "x y".into()),
        ])
    );
    assert_eq!(parse_bearer_challenge("Basic realm=\"x\""), None);
    assert_eq!(parse_bearer_challenge("Bearerx"), None);
    assert_eq!(
        parse_bearer_challenge(r#"Bearer error="unterminated"#),
        None
    );
}

#[test]
fn forged_tokens_keep_the_header_and_signature_but_not_the_claims() {
    let claims = json!({ "sub": "a", "role": "user" });
    let token = format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let forged = with_claims(&token, &json!({ "sub": "a", "role": "admin" }));
    assert_eq!(jwt_header(&forged), json!({ "alg": "HS256" }));
    assert_eq!(jwt_claims(&forged)["role"], "admin");
    assert!(forged.ends_with(".c2ln"));
    let none = unsigned_jwt(&claims);
    assert_eq!(jwt_header(&none)["alg"], "none");
    assert!(none.ends_with('.'));
}

#[test]
fn answers_expose_media_types_without_parameters() {
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        "Application/Problem+JSON; charset=utf-8".parse().unwrap(),
    );
    headers.insert("cache-control", "private, no-store".parse().unwrap());
    let answer = Answer {
        status: 400,
        headers,
        body: br#"{"type":"urn:authkit:error:weak_password","title":"t","status":400,"code":"weak_password","detail":"d"}"#.to_vec(),
        request: "POST /x".into(),
    };
    assert_eq!(
        answer.media_type().as_deref(),
        Some("application/problem+json")
    );
    assert_no_store(&answer);
    let problem = assert_problem(&answer, 400, "weak_password");
    assert_eq!(problem.detail.as_deref(), Some("d"));
}
