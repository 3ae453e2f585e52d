//! The client IP: per-IP rate limits on the auth routes, and `X-Forwarded-For`, believed only
//! from trusted proxies.

use super::options::RATE_LIMIT;
use super::prelude::*;

const FORWARDED_FOR: &str = "x-forwarded-for";

/// One cheap auth request (a reset request for an address nobody has: always 202), optionally
/// claiming to come from `forwarded_for`.
async fn auth_request(api: &Api, forwarded_for: Option<&str>) -> Answer {
    let mut request = api.post_json(
        "/auth/password-reset/request",
        &json!({ "email": unique_email() }),
    );
    if let Some(ip) = forwarded_for {
        request = request.header(FORWARDED_FOR, ip);
    }
    send(request).await
}

#[track_caller]
fn assert_rate_limited(answer: &Answer) {
    assert_problem(answer, 429, "too_many_requests");
    assert_retry_after(answer);
}

/// Registers a new account, optionally claiming to come from `forwarded_for`, and returns the
/// `ip` its session records.
async fn recorded_ip(api: &Api, forwarded_for: Option<&str>) -> Option<String> {
    let mut request = api.post_json(
        "/auth/register",
        &json!({ "email": unique_email(), "password": PASSWORD }),
    );
    if let Some(ip) = forwarded_for {
        request = request.header(FORWARDED_FOR, ip);
    }
    let answer = send(request).await;
    answer.assert_status(201);
    let tokens = assert_user_and_tokens(&answer);
    let sessions = api.sessions(&tokens.access_token).await;
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    sessions.into_iter().next().and_then(|s| s.ip)
}

fn assert_user_and_tokens(answer: &Answer) -> authkit_core::dto::TokenPair {
    let json = answer.json();
    assert_user_json(&json["user"]);
    crate::support::assert_token_pair_json(&json["tokens"])
}

/// With a limit of 5 per minute, the 6th auth request from one client, whatever the route, is
/// 429 `too_many_requests` with `Retry-After`; health checks are not limited.
///
/// Runs with [`options::rate_limited`](super::options::rate_limited).
pub async fn the_sixth_auth_request_in_a_minute_is_too_many_requests(target: Target) {
    let api = Api::new(target);
    // Five cheap requests (none hashes a password, so the limiter cannot refill meanwhile),
    // on five different routes: the limit is per client, not per route.
    let requests = [
        api.post_json(
            "/auth/password-reset/request",
            &json!({ "email": unique_email() }),
        ),
        api.post_json(
            "/auth/email/verify/request",
            &json!({ "email": unique_email() }),
        ),
        api.post_json("/auth/refresh", &json!({ "refresh_token": "garbage" })),
        api.post_json(
            "/auth/password-reset/confirm",
            &json!({ "token": "garbage", "new_password": NEW_PASSWORD }),
        ),
        api.post_json("/auth/email/verify", &json!({ "token": "garbage" })),
    ];
    assert_eq!(requests.len(), RATE_LIMIT as usize);
    for (n, request) in requests.into_iter().enumerate() {
        let answer = send(request).await;
        assert_ne!(
            answer.status,
            429,
            "request {} of {RATE_LIMIT}: {answer:?}",
            n + 1
        );
    }
    assert_rate_limited(&auth_request(&api, None).await);
    let login = api.login_answer(&unique_email(), PASSWORD).await;
    assert_rate_limited(&login);

    send(api.get("/healthz")).await.assert_status(200);
}

/// Reads by a bearer token (`GET /auth/me`, the session list) do not count against the
/// per-client limit, which is meant for guessing: twice the limit of them all answer 200, and
/// the credential routes still have their whole budget but the registration.
///
/// Runs with [`options::rate_limited`](super::options::rate_limited).
pub async fn bearer_reads_do_not_count_against_the_rate_limit(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    for n in 0..2 * RATE_LIMIT {
        for path in ["/auth/me", "/auth/sessions"] {
            let answer = send(api.get(path).bearer_auth(&account.tokens.access_token)).await;
            assert_eq!(answer.status, 200, "{path} #{}: {answer:?}", n + 1);
        }
    }
    for n in 1..RATE_LIMIT {
        let answer = auth_request(&api, None).await;
        assert_eq!(answer.status, 202, "credential request {n}: {answer:?}");
    }
    assert_rate_limited(&auth_request(&api, None).await);
}

/// Without trusted proxies, `X-Forwarded-For` is ignored: requests claiming different clients
/// share the limit of the peer (127.0.0.1).
///
/// Runs with [`options::rate_limited`](super::options::rate_limited).
pub async fn untrusted_x_forwarded_for_shares_the_peers_rate_limit(target: Target) {
    let api = Api::new(target);
    for n in 1..=RATE_LIMIT {
        let answer = auth_request(&api, Some(&format!("198.51.100.{n}"))).await;
        answer.assert_status(202);
    }
    assert_rate_limited(&auth_request(&api, Some("198.51.100.200")).await);
    assert_rate_limited(&auth_request(&api, None).await);
}

/// Behind a trusted proxy, each `X-Forwarded-For` client has its own limit, and so has the
/// proxy itself.
///
/// Runs with [`options::rate_limited_behind_trusted_proxy`](super::options::rate_limited_behind_trusted_proxy).
pub async fn trusted_proxies_rate_limit_each_forwarded_client_separately(target: Target) {
    let api = Api::new(target);
    for client in ["203.0.113.1", "203.0.113.2"] {
        for n in 1..=RATE_LIMIT {
            let answer = auth_request(&api, Some(client)).await;
            assert_eq!(answer.status, 202, "{client}, request {n}: {answer:?}");
        }
        assert_rate_limited(&auth_request(&api, Some(client)).await);
    }
    auth_request(&api, None).await.assert_status(202);
}

/// Behind a trusted proxy, a session records the `X-Forwarded-For` client's IP; without the
/// header, the proxy's own.
///
/// Runs with [`options::behind_trusted_proxy`](super::options::behind_trusted_proxy).
pub async fn trusted_proxies_record_the_forwarded_ip_on_sessions(target: Target) {
    let api = Api::new(target);
    assert_eq!(
        recorded_ip(&api, Some("203.0.113.7")).await.as_deref(),
        Some("203.0.113.7")
    );
    assert_eq!(recorded_ip(&api, None).await.as_deref(), Some("127.0.0.1"));
}

/// Without trusted proxies, a session records the peer's IP, not a claimed `X-Forwarded-For`.
pub async fn untrusted_x_forwarded_for_is_not_recorded_on_sessions(target: Target) {
    let api = Api::new(target);
    assert_eq!(
        recorded_ip(&api, Some("203.0.113.50")).await.as_deref(),
        Some("127.0.0.1")
    );
}
