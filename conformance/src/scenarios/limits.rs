//! What the auth routes accept as a body: size, content type, shape.

use super::prelude::*;

/// JSON bodies over 16 KiB are 413 `payload_too_large`.
pub async fn oversized_json_bodies_are_payload_too_large(target: Target) {
    let api = Api::new(target);
    let padding = "a".repeat(17 * 1024);
    for path in ["/auth/login", "/auth/register"] {
        let answer = send(api.post_json(
            path,
            &json!({ "email": unique_email(), "password": padding }),
        ))
        .await;
        assert_problem(&answer, 413, "payload_too_large");
    }
}

/// A JSON route given `Content-Type: text/plain` (with a JSON body) is 415
/// `unsupported_media_type`.
pub async fn non_json_content_types_are_unsupported_media_type(target: Target) {
    let api = Api::new(target);
    for path in ["/auth/login", "/auth/register", "/auth/refresh"] {
        let body = json!({ "email": unique_email(), "password": PASSWORD });
        let answer = send(
            api.request(Method::POST, path)
                .header("content-type", "text/plain")
                .body(body.to_string()),
        )
        .await;
        assert_problem(&answer, 415, "unsupported_media_type");
    }
}

/// Malformed JSON, a body with an unknown field (a typo, or an `email_verified` smuggled into a
/// registration), a body that lacks a required field, and a body of the wrong JSON type are
/// 400 `malformed_body`.
pub async fn malformed_json_unknown_and_missing_fields_are_malformed_body(target: Target) {
    let api = Api::new(target);
    let email = unique_email();
    let cases = [
        (
            "/auth/login",
            r#"{"email": "a@example.com", "password": "#.to_owned(),
        ),
        ("/auth/login", "not json at all".to_owned()),
        (
            "/auth/login",
            json!({ "email": email, "pasword": PASSWORD }).to_string(),
        ),
        (
            "/auth/login",
            json!({ "email": email, "password": PASSWORD, "remember_me": true }).to_string(),
        ),
        (
            "/auth/register",
            json!({ "email": email, "password": PASSWORD, "email_verified": true }).to_string(),
        ),
        ("/auth/register", json!({ "email": email }).to_string()),
        ("/auth/refresh", json!(["a", "b"]).to_string()),
    ];
    for (path, body) in cases {
        let answer = send(
            api.request(Method::POST, path)
                .header("content-type", "application/json")
                .body(body.clone()),
        )
        .await;
        assert_eq!(answer.status, 400, "POST {path} {body}: {answer:?}");
        assert_problem(&answer, 400, "malformed_body");
    }
    // The smuggled registration created nothing: the address is still free.
    api.register_as(&email, None).await;
}

/// A body must be a JSON object: an array that lists the fields in order (which a lenient
/// parser reads as the object) is 400 `malformed_body` and registers nobody.
pub async fn json_arrays_are_malformed_body_even_when_they_list_every_field(target: Target) {
    let api = Api::new(target);
    let email = unique_email();
    let cases = [
        ("/auth/register", json!([email, PASSWORD, null])),
        ("/auth/login", json!([email, null, PASSWORD])),
        ("/auth/refresh", json!([NEVER_ISSUED_TOKEN])),
        ("/auth/password-reset/request", json!([email])),
    ];
    for (path, body) in cases {
        let answer = send(api.post_json(path, &body)).await;
        assert_eq!(answer.status, 400, "POST {path} {body}: {answer:?}");
        assert_problem(&answer, 400, "malformed_body");
    }
    api.register_as(&email, None).await;
}

/// Every answer of authkit, success or error, carries `X-Content-Type-Options: nosniff` and a
/// Content-Security-Policy that forbids framing; the API's answers load nothing.
pub async fn every_answer_says_nosniff(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let answers = [
        send(api.get("/healthz")).await,
        send(api.get("/openapi.json")).await,
        send(api.get("/docs")).await,
        send(api.get("/auth/me")).await,
        send(api.authed(Method::GET, "/auth/me", &account.tokens.access_token)).await,
        send(api.authed(Method::POST, "/auth/logout", &account.tokens.access_token)).await,
        send(api.post_json("/auth/login", &json!({}))).await,
    ];
    for answer in answers {
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{answer:?}"
        );
        let policy = answer
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("no Content-Security-Policy: {answer:?}"));
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        if answer.media_type().as_deref() != Some("text/html") {
            assert_eq!(policy, "default-src 'none'; frame-ancestors 'none'");
        }
    }
}
