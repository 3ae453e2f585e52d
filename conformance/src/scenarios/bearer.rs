//! Bearer authentication on the protected routes (RFC 6750): missing, garbage, forged and
//! misplaced tokens.

use authkit_core::{SessionId, UserId};
use reqwest::RequestBuilder;

use super::prelude::*;

/// Every protected route, with a well-formed body where it takes one (so a 401 cannot come
/// from the body), aimed at `user` and `session`.
fn protected_routes(api: &Api, user: UserId, session: SessionId) -> Vec<(String, RequestBuilder)> {
    let routes = [
        (Method::POST, "/auth/logout".to_owned(), None),
        (Method::POST, "/auth/logout-all".to_owned(), None),
        (Method::GET, "/auth/me".to_owned(), None),
        (
            Method::PATCH,
            "/auth/me".to_owned(),
            Some(json!({ "username": unique_username() })),
        ),
        (
            Method::DELETE,
            "/auth/me".to_owned(),
            Some(json!({ "password": PASSWORD })),
        ),
        (
            Method::POST,
            "/auth/password/change".to_owned(),
            Some(json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD })),
        ),
        (
            Method::POST,
            "/auth/email/change".to_owned(),
            Some(json!({ "new_email": unique_email(), "password": PASSWORD })),
        ),
        (Method::GET, "/auth/sessions".to_owned(), None),
        (Method::DELETE, format!("/auth/sessions/{session}"), None),
        (Method::GET, "/auth/admin/users".to_owned(), None),
        (Method::GET, format!("/auth/admin/users/{user}"), None),
        (
            Method::PATCH,
            format!("/auth/admin/users/{user}"),
            Some(json!({ "status": "disabled" })),
        ),
        (Method::DELETE, format!("/auth/admin/users/{user}"), None),
    ];
    routes
        .into_iter()
        .map(|(method, path, body)| {
            let name = format!("{method} {path}");
            let mut request = api.request(method, &path);
            if let Some(body) = body {
                request = request.json(&body);
            }
            (name, request)
        })
        .collect()
}

/// Without `Authorization`, every protected route is 401 `unauthorized` with
/// `WWW-Authenticate: Bearer` (no `error`), and does nothing.
pub async fn protected_routes_without_a_token_are_unauthorized(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    for (route, request) in protected_routes(&api, account.user.id, account.tokens.session_id) {
        let answer = send(request).await;
        assert_eq!(answer.status, 401, "{route}: {answer:?}");
        assert_problem(&answer, 401, "unauthorized");
        assert_bearer_challenge(&answer, None);
    }
    // Nothing happened to the account or its session.
    api.refresh(&account.tokens.refresh_token).await;
    api.login(&account.email, PASSWORD).await;
}

/// With a garbage bearer token, every protected route is 401 `invalid_access_token` with
/// `WWW-Authenticate: Bearer error="invalid_token"`, and does nothing.
pub async fn protected_routes_reject_a_garbage_token_as_invalid_token(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    for (route, request) in protected_routes(&api, account.user.id, account.tokens.session_id) {
        let answer = send(request.bearer_auth("not-a-jwt")).await;
        assert_eq!(answer.status, 401, "{route}: {answer:?}");
        assert_problem(&answer, 401, "invalid_access_token");
        assert_bearer_challenge(&answer, Some("invalid_token"));
    }
    api.refresh(&account.tokens.refresh_token).await;
    api.login(&account.email, PASSWORD).await;
}

/// Forged tokens are 401 `invalid_access_token`: claims changed under the original signature
/// (a role raised to admin, another user's id, a later expiry), the signature stripped, and an
/// unsigned `alg: none` token.
pub async fn tampered_and_unsigned_access_tokens_are_rejected(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let victim = api.register().await;
    let token = &account.tokens.access_token;
    let claims = jwt_claims(token);

    let mut as_admin = claims.clone();
    as_admin["role"] = json!("admin");
    let mut as_victim = claims.clone();
    as_victim["sub"] = json!(victim.user.id.to_string());
    let mut longer = claims.clone();
    longer["exp"] = json!(claims["exp"].as_i64().unwrap_or_default() + 3600);
    let (header, payload) = {
        let mut parts = token.split('.');
        (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        )
    };
    let forgeries = [
        (
            "role raised to admin",
            with_claims(token, &as_admin),
            "/auth/admin/users",
        ),
        (
            "another user's id",
            with_claims(token, &as_victim),
            "/auth/me",
        ),
        ("expiry extended", with_claims(token, &longer), "/auth/me"),
        (
            "signature stripped",
            format!("{header}.{payload}."),
            "/auth/me",
        ),
        ("alg none", unsigned_jwt(&as_admin), "/auth/admin/users"),
    ];
    for (what, forged, path) in forgeries {
        let answer = send(api.authed(Method::GET, path, &forged)).await;
        assert_eq!(answer.status, 401, "{what}: {answer:?}");
        assert_problem(&answer, 401, "invalid_access_token");
        assert_bearer_challenge(&answer, Some("invalid_token"));
    }
    // The genuine token still works.
    assert_eq!(api.me(token).await.id, account.user.id);
}

/// The `Bearer` scheme name is case-insensitive: `bearer` and `BEARER` work.
pub async fn the_bearer_scheme_is_case_insensitive(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let answer = send(api.get("/auth/me").header(
            "authorization",
            format!("{scheme} {}", account.tokens.access_token),
        ))
        .await;
        answer.assert_status(200);
        assert_eq!(assert_user_json(&answer.json()).id, account.user.id);
    }
}

/// A valid token in the query string (`?access_token=`) is not accepted: 401 `unauthorized`,
/// as if no token had been sent.
pub async fn access_tokens_in_the_query_string_are_not_accepted(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let answer = send(
        api.get("/auth/me")
            .query(&[("access_token", account.tokens.access_token.as_str())]),
    )
    .await;
    assert_problem(&answer, 401, "unauthorized");
    assert_bearer_challenge(&answer, None);
}
