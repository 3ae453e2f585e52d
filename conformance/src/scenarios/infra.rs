//! The routes around the flow: JWKS, health, readiness, OpenAPI, docs.

use super::prelude::*;

/// Every route of the contract under `/auth`, with its methods (lower-case, as OpenAPI
/// names operations).
pub const AUTH_ROUTES: &[(&str, &[&str])] = &[
    ("/auth/register", &["post"]),
    ("/auth/login", &["post"]),
    ("/auth/token", &["post"]),
    ("/auth/refresh", &["post"]),
    ("/auth/logout", &["post"]),
    ("/auth/logout-all", &["post"]),
    ("/auth/me", &["get", "patch", "delete"]),
    ("/auth/password/change", &["post"]),
    ("/auth/password-reset/request", &["post"]),
    ("/auth/password-reset/confirm", &["post"]),
    ("/auth/email/verify/request", &["post"]),
    ("/auth/email/verify", &["post"]),
    ("/auth/email/change", &["post"]),
    ("/auth/sessions", &["get"]),
    ("/auth/sessions/{id}", &["delete"]),
    ("/auth/admin/users", &["get"]),
    ("/auth/admin/users/{id}", &["get", "patch", "delete"]),
    ("/auth/login/mfa", &["post"]),
    ("/auth/mfa", &["get"]),
    ("/auth/mfa/totp/enroll", &["post"]),
    ("/auth/mfa/totp/confirm", &["post"]),
    ("/auth/mfa/totp", &["delete"]),
    ("/auth/mfa/recovery-codes", &["post"]),
    ("/auth/admin/users/{id}/mfa", &["delete"]),
    ("/auth/email-sign-in/request", &["post"]),
    ("/auth/email-sign-in", &["post"]),
];

/// `GET /.well-known/jwks.json` is 200 `{"keys": [...]}` with public keys only; `GET /healthz`
/// and `GET /readyz` are 200.
pub async fn jwks_health_and_readiness_answer_200(target: Target) {
    let api = Api::new(target);
    let answer = send(api.get("/.well-known/jwks.json")).await;
    answer.assert_status(200);
    let jwks = answer.json();
    let keys = jwks["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("a JWKS has a `keys` array: {jwks}"));
    for key in keys {
        assert!(key["kty"].is_string(), "a JWK has a `kty`: {key}");
        assert!(key["kid"].is_string(), "a published key has a `kid`: {key}");
        // Private RSA/EC/OKP members, or a symmetric secret, must never be published.
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(
                key.get(private).is_none(),
                "the JWKS leaks `{private}`: {key}"
            );
        }
    }

    send(api.get("/healthz")).await.assert_status(200);
    send(api.get("/readyz")).await.assert_status(200);
}

/// `GET /openapi.json` is an OpenAPI 3.1 document with a path for every auth route and method,
/// and an OAuth2 password-flow security scheme whose `tokenUrl` is `/auth/token`.
pub async fn openapi_document_describes_every_auth_route(target: Target) {
    let api = Api::new(target);
    let answer = send(api.get("/openapi.json")).await;
    answer.assert_status(200);
    assert_eq!(answer.media_type().as_deref(), Some("application/json"));
    let doc = answer.json();
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(
        version.starts_with("3.1"),
        "openapi must be 3.1.x, got {version:?}"
    );

    let paths = doc["paths"]
        .as_object()
        .unwrap_or_else(|| panic!("the document has no `paths`"));
    let mut missing = Vec::new();
    for (path, methods) in AUTH_ROUTES {
        for method in *methods {
            if paths.get(*path).and_then(|p| p.get(*method)).is_none() {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(missing.is_empty(), "the OpenAPI document lacks {missing:?}");

    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .unwrap_or_else(|| panic!("the document has no components.securitySchemes"));
    let password_flow = schemes.values().find_map(|scheme| {
        (scheme["type"] == "oauth2")
            .then(|| scheme["flows"]["password"]["tokenUrl"].as_str())
            .flatten()
    });
    let token_url = password_flow
        .unwrap_or_else(|| panic!("no oauth2 scheme with a password flow: {schemes:?}"));
    assert!(
        token_url == "/auth/token"
            || (token_url.starts_with("http") && token_url.ends_with("/auth/token")),
        "the password flow's tokenUrl must be /auth/token, got {token_url:?}"
    );
}

/// `GET /docs` is 200 `text/html` (the Swagger UI), never framed (`frame-ancestors 'none'`,
/// `X-Frame-Options: DENY`), and its policy runs scripts only from authkit and the page's one
/// inline script, named by hash. (`.ci/run` also loads the page in headless Chromium under this
/// policy and checks that Swagger UI renders.)
pub async fn docs_serve_html(target: Target) {
    let api = Api::new(target);
    let answer = send(api.get("/docs")).await;
    answer.assert_status(200);
    assert_eq!(
        answer.media_type().as_deref(),
        Some("text/html"),
        "{answer:?}"
    );
    assert!(!answer.body.is_empty());
    assert_eq!(answer.header("x-frame-options"), Some("DENY"));
    let policy = answer
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("no Content-Security-Policy: {answer:?}"));
    let directives: Vec<&str> = policy.split(';').map(str::trim).collect();
    assert!(directives.contains(&"frame-ancestors 'none'"), "{policy}");
    assert!(directives.contains(&"default-src 'none'"), "{policy}");
    let script = directives
        .iter()
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("no script-src: {policy}"));
    let sources: Vec<&str> = script.split_whitespace().skip(1).collect();
    assert_eq!(sources.len(), 2, "{script}");
    assert_eq!(sources[0], "'self'");
    assert!(sources[1].starts_with("'sha256-"), "{script}");
    assert!(!policy.contains("unsafe-eval"), "{policy}");
}

/// A method a path does not serve is 405 `method_not_allowed` with `Allow` listing the ones it
/// does; `OPTIONS` is 204 with the same `Allow`; `HEAD` on a `GET` route answers as `GET`
/// without a body.
pub async fn other_methods_are_405_with_allow_and_head_and_options_are_served(target: Target) {
    let api = Api::new(target);
    let allowed = |answer: &Answer| -> std::collections::BTreeSet<String> {
        answer
            .header("allow")
            .unwrap_or_else(|| panic!("no Allow header: {answer:?}"))
            .split(',')
            .map(|m| m.trim().to_owned())
            .collect()
    };
    let set = |methods: &[&str]| methods.iter().map(|m| (*m).to_owned()).collect();

    let put_me = send(api.request(Method::PUT, "/auth/me")).await;
    assert_problem(&put_me, 405, "method_not_allowed");
    assert_eq!(
        allowed(&put_me),
        set(&["GET", "HEAD", "PATCH", "DELETE", "OPTIONS"])
    );
    let get_login = send(api.get("/auth/login")).await;
    assert_problem(&get_login, 405, "method_not_allowed");
    assert_eq!(allowed(&get_login), set(&["POST", "OPTIONS"]));

    let options = send(api.request(Method::OPTIONS, "/auth/me")).await;
    assert_eq!(options.status, 204, "{options:?}");
    assert_eq!(
        allowed(&options),
        set(&["GET", "HEAD", "PATCH", "DELETE", "OPTIONS"])
    );

    let head = send(api.request(Method::HEAD, "/healthz")).await;
    assert_eq!(head.status, 200, "{head:?}");
    assert!(head.text().is_empty(), "HEAD has no body: {head:?}");
    let head_me = send(api.request(Method::HEAD, "/auth/me")).await;
    assert_eq!(head_me.status, 401, "{head_me:?}");
    assert_bearer_challenge(&head_me, None);
}

/// With a route prefix that the documents and health checks follow, every route answers
/// under it and nowhere else (but the JWKS, which stays at `/.well-known`), and the OpenAPI
/// document names the prefixed paths.
///
/// Runs with [`options::prefixed`](super::options::prefixed).
pub async fn a_route_prefix_moves_every_route_but_the_jwks(target: Target) {
    use super::options::PREFIX;
    let api = Api::new(target);
    let body = json!({ "email": unique_email(), "password": PASSWORD });
    send(api.post_json(&format!("{PREFIX}/register"), &body))
        .await
        .assert_status(201);
    send(api.post_json("/auth/register", &body))
        .await
        .assert_status(404);
    for path in ["/healthz", "/readyz", "/openapi.json", "/docs"] {
        send(api.get(&format!("{PREFIX}{path}")))
            .await
            .assert_status(200);
        send(api.get(path)).await.assert_status(404);
    }
    send(api.get("/.well-known/jwks.json"))
        .await
        .assert_status(200);
    let doc = send(api.get(&format!("{PREFIX}/openapi.json")))
        .await
        .json();
    let paths = doc["paths"].as_object().expect("paths");
    for path in ["/login", "/healthz", "/openapi.json"] {
        let prefixed = format!("{PREFIX}{path}");
        assert!(paths.contains_key(&prefixed), "{prefixed} in {paths:?}");
        assert!(!paths.contains_key(path), "{path} in {paths:?}");
    }
    assert!(paths.contains_key("/.well-known/jwks.json"));
}

/// The pages the mail links open are served as HTML under their strict policy (their own
/// script and style only, no framing), name the API relative to themselves, and their script
/// and style are served; nothing of them is inline.
///
/// Runs with [`options::hosted_pages`](super::options::hosted_pages).
pub async fn the_mail_link_pages_are_served_under_a_strict_policy(target: Target) {
    let api = Api::new(target);
    for (path, marker) in [
        ("/verify-email", r#"data-page="verify-email""#),
        ("/reset-password", r#"data-page="reset-password""#),
    ] {
        let answer = send(api.get(path)).await;
        answer.assert_status(200);
        assert_eq!(
            answer.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(
            answer.header("content-security-policy"),
            Some(authkit_core::http::PAGES_POLICY)
        );
        assert_eq!(answer.header("x-frame-options"), Some("DENY"));
        assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
        let html = answer.text();
        assert!(html.contains(marker), "{html}");
        assert!(html.contains(r#"data-api="auth/""#), "{html}");
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(html.contains(r#"<script src="pages/authkit-pages.js" defer></script>"#));
        assert!(!html.contains("style="), "{html}");
    }
    let script = send(api.get("/pages/authkit-pages.js")).await;
    script.assert_status(200);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(script.text().contains("password-reset/confirm"));
    let style = send(api.get("/pages/authkit-pages.css")).await;
    style.assert_status(200);
    assert_eq!(
        style.header("content-type"),
        Some("text/css; charset=utf-8")
    );
}

/// Without hosted pages (the library's default) their paths are not served.
pub async fn the_mail_link_pages_are_not_served_unless_configured(target: Target) {
    let api = Api::new(target);
    for path in [
        "/verify-email",
        "/reset-password",
        "/pages/authkit-pages.js",
        "/pages/authkit-pages.css",
    ] {
        send(api.get(path)).await.assert_status(404);
    }
}
