//! CORS: browsers on the configured origins may call the API; no other origin gets a CORS
//! header, and without configured origins no answer carries one.

use super::options::CORS_ORIGIN;
use super::prelude::*;

const OTHER_ORIGIN: &str = "https://evil.example";

/// A wrong-password login from `origin`.
async fn login_from(api: &Api, origin: &str) -> Answer {
    send(
        api.post_json(
            "/auth/login",
            &json!({ "email": unique_email(), "password": PASSWORD }),
        )
        .header("origin", origin),
    )
    .await
}

/// A preflight of `POST /auth/login` from `origin`.
async fn preflight_from(api: &Api, origin: &str) -> Answer {
    send(
        api.request(Method::OPTIONS, "/auth/login")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type"),
    )
    .await
}

/// An allowed origin's answers, errors included, name it in `Access-Control-Allow-Origin`,
/// say `Vary: Origin` and expose `Retry-After` and `WWW-Authenticate`; another origin's carry
/// no CORS header, only the `Vary`.
///
/// Runs with [`options::cors`](super::options::cors).
pub async fn an_allowed_origin_gets_cors_headers_and_another_gets_none(target: Target) {
    let api = Api::new(target);
    let allowed = login_from(&api, CORS_ORIGIN).await;
    assert_problem(&allowed, 401, "invalid_credentials");
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some(CORS_ORIGIN)
    );
    assert_eq!(allowed.header("vary"), Some("Origin"));
    assert_eq!(
        allowed.header("access-control-expose-headers"),
        Some("retry-after, www-authenticate")
    );
    let me = send(api.get("/auth/me").header("origin", CORS_ORIGIN)).await;
    assert_eq!(me.status, 401);
    assert_eq!(me.header("access-control-allow-origin"), Some(CORS_ORIGIN));

    let other = login_from(&api, OTHER_ORIGIN).await;
    assert_problem(&other, 401, "invalid_credentials");
    assert_eq!(other.header("access-control-allow-origin"), None);
    assert_eq!(other.header("access-control-expose-headers"), None);
    assert_eq!(other.header("vary"), Some("Origin"));
}

/// A preflight from an allowed origin is 204 with that origin, the path's methods, the headers
/// authkit reads and a `Max-Age`; from another origin it is 204 without any CORS header, so the
/// browser does not send the request.
///
/// Runs with [`options::cors`](super::options::cors).
pub async fn preflights_are_answered_for_allowed_origins_only(target: Target) {
    let api = Api::new(target);
    let allowed = preflight_from(&api, CORS_ORIGIN).await;
    assert_eq!(allowed.status, 204, "{allowed:?}");
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some(CORS_ORIGIN)
    );
    assert_eq!(allowed.header("access-control-allow-methods"), Some("POST"));
    assert_eq!(
        allowed.header("access-control-allow-headers"),
        Some("authorization, content-type")
    );
    assert_eq!(allowed.header("access-control-max-age"), Some("600"));
    assert_eq!(allowed.header("allow"), Some("POST, OPTIONS"));

    let me = send(
        api.request(Method::OPTIONS, "/auth/me")
            .header("origin", CORS_ORIGIN)
            .header("access-control-request-method", "PATCH"),
    )
    .await;
    assert_eq!(me.status, 204);
    assert_eq!(
        me.header("access-control-allow-methods"),
        Some("GET, HEAD, PATCH, DELETE")
    );

    let other = preflight_from(&api, OTHER_ORIGIN).await;
    assert_eq!(other.status, 204);
    assert_eq!(other.header("access-control-allow-origin"), None);
    assert_eq!(other.header("access-control-allow-methods"), None);
}

/// Without configured origins, no answer carries a CORS header, preflights included.
pub async fn without_configured_origins_no_answer_carries_cors_headers(target: Target) {
    let api = Api::new(target);
    for answer in [
        login_from(&api, CORS_ORIGIN).await,
        preflight_from(&api, CORS_ORIGIN).await,
    ] {
        assert_eq!(
            answer.header("access-control-allow-origin"),
            None,
            "{answer:?}"
        );
        assert_eq!(answer.header("access-control-allow-methods"), None);
        assert_eq!(answer.header("vary"), None);
    }
}
