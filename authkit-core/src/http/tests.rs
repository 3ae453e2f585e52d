//! Tests of the wire handling, through `HttpApi::handle`.

use std::sync::Arc;

use super::*;
use crate::memory::MemoryStore;
use crate::password::HashParams;
use crate::{AuthConfig, ManualClock};

fn api(config: HttpConfig) -> HttpApi {
    let auth_config = AuthConfig::builder()
        .hs256_secret("http-layer-test-secret-of-32-bytes!")
        .hash_params(HashParams::insecure_fast_for_tests())
        .build()
        .unwrap();
    let auth = Auth::builder(auth_config, Arc::new(MemoryStore::new()))
        .mailer(Arc::new(crate::mail::MemoryMailer::new()))
        .clock(Arc::new(ManualClock::starting_now()))
        .build();
    HttpApi::new(auth, config)
}

fn json_request(body: &[u8]) -> HttpRequest<'_> {
    HttpRequest {
        content_type: Some("application/json"),
        peer: Some("192.0.2.10".parse().unwrap()),
        body,
        ..HttpRequest::default()
    }
}

fn code(response: &HttpResponse) -> String {
    let value: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    value["code"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn header_text_accepts_exactly_visible_ascii_space_and_tab() {
    for b in 0..=u8::MAX {
        let expected = b == b'\t' || (0x20..=0x7e).contains(&b);
        let value = [b; 40]; // long enough for the vector path
        assert_eq!(header_text(&value).is_some(), expected, "byte {b:#04x}");
        let mut token = *b"Bearer abcdefghijklmnopqrstuvwxyz0123456789-_.";
        token[20] = b;
        assert_eq!(
            header_text(&token).is_some(),
            expected,
            "byte {b:#04x} inside"
        );
    }
    assert_eq!(header_text(b""), Some(""));
}

#[test]
fn paths_group_routes_and_say_what_they_allow() {
    let paths = Route::paths("/auth");
    let me = paths.iter().find(|p| p.path == "/auth/me").unwrap();
    assert_eq!(
        me.routes,
        [
            (Method::Get, Route::GetMe),
            (Method::Patch, Route::UpdateMe),
            (Method::Delete, Route::DeleteMe)
        ]
    );
    assert_eq!(me.allow, "GET, HEAD, PATCH, DELETE, OPTIONS");
    let login = paths.iter().find(|p| p.path == "/auth/login").unwrap();
    assert_eq!(login.allow, "POST, OPTIONS");
    let total: usize = paths.iter().map(|p| p.routes.len()).sum();
    let built = Route::ALL.iter().filter(|route| route.is_built()).count();
    assert_eq!(total, built);
    let wrong = HttpApi::other_method(login, false);
    assert_eq!(
        (wrong.status, code(&wrong).as_str()),
        (405, "method_not_allowed")
    );
    assert_eq!(wrong.header_value("allow"), Some("POST, OPTIONS"));
    let options = HttpApi::other_method(login, true);
    assert_eq!(options.status, 204);
    assert_eq!(options.header_value("allow"), Some("POST, OPTIONS"));
}

#[test]
fn bearer_scheme_is_case_insensitive_and_required() {
    assert_eq!(bearer_token(Some("Bearer abc")).unwrap(), "abc");
    assert_eq!(bearer_token(Some("bEaReR  abc ")).unwrap(), "abc");
    assert!(matches!(bearer_token(None), Err(AuthError::Unauthorized)));
    assert!(matches!(
        bearer_token(Some("Basic abc")),
        Err(AuthError::Unauthorized)
    ));
    assert!(matches!(
        bearer_token(Some("Bearer")),
        Err(AuthError::Unauthorized)
    ));
    assert!(matches!(
        bearer_token(Some("Bearer   ")),
        Err(AuthError::Unauthorized)
    ));
}

#[tokio::test]
async fn register_then_me_through_the_http_layer() {
    let api = api(HttpConfig::default());
    let body = br#"{"email":"ada@example.com","password":"correct horse battery staple 42"}"#;
    let created = api.handle(Route::Register, json_request(body)).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.header_value("cache-control"), Some("no-store"));
    let value: serde_json::Value = serde_json::from_slice(&created.body).unwrap();
    let token = value["tokens"]["access_token"].as_str().unwrap();
    let bearer = format!("Bearer {token}");
    let me = api
        .handle(
            Route::GetMe,
            HttpRequest {
                authorization: Some(&bearer),
                ..HttpRequest::default()
            },
        )
        .await;
    assert_eq!(me.status, 200);
    let me: serde_json::Value = serde_json::from_slice(&me.body).unwrap();
    assert_eq!(me["email"], "ada@example.com");
}

#[tokio::test]
async fn bodies_are_limited_typed_and_parsed_strictly() {
    let api = api(HttpConfig::default());
    let too_large = HttpRequest {
        body_too_large: true,
        ..json_request(b"{}")
    };
    let r = api.handle(Route::Login, too_large).await;
    assert_eq!((r.status, code(&r).as_str()), (413, "payload_too_large"));

    let text = HttpRequest {
        content_type: Some("text/plain"),
        ..json_request(b"{}")
    };
    let r = api.handle(Route::Login, text).await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (415, "unsupported_media_type")
    );

    let r = api.handle(Route::Login, json_request(b"{not json")).await;
    assert_eq!((r.status, code(&r).as_str()), (400, "malformed_body"));
    for array in [
        &br#"["a@b.co", "a long enough password"]"#[..],
        b" [null, null]",
        b"null",
    ] {
        let r = api.handle(Route::Login, json_request(array)).await;
        assert_eq!((r.status, code(&r).as_str()), (400, "malformed_body"));
    }
    assert_eq!(r.header_value("x-content-type-options"), Some("nosniff"));
    let r = api
        .handle(
            Route::Login,
            json_request(br#"{"email":"a@b.co","pasword":"x"}"#),
        )
        .await;
    assert_eq!((r.status, code(&r).as_str()), (400, "malformed_body"));
    assert_eq!(r.header_value("content-type"), Some(PROBLEM_CONTENT_TYPE));
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let api = api(HttpConfig {
        ip_rate_limit: 2,
        ..HttpConfig::default()
    });
    for _ in 0..2 {
        let r = api.handle(Route::Login, json_request(b"{}")).await;
        assert_ne!(r.status, 429);
    }
    let r = api.handle(Route::Login, json_request(b"{}")).await;
    assert_eq!((r.status, code(&r).as_str()), (429, "too_many_requests"));
    assert_eq!(r.header_value("retry-after"), Some("30"));
    let health = api.handle(Route::Healthz, json_request(b"")).await;
    assert_eq!(health.status, 200, "only auth routes are limited");
}

#[tokio::test]
async fn the_password_grant_is_off_by_default() {
    let api = api(HttpConfig::default());
    let body = br#"{"email":"ada@example.com","password":"correct horse battery staple 42"}"#;
    assert_eq!(
        api.handle(Route::Register, json_request(body)).await.status,
        201
    );
    let form = HttpRequest {
        content_type: Some("application/x-www-form-urlencoded"),
        body: b"grant_type=password&username=ada%40example.com&password=correct+horse+battery+staple+42",
        ..HttpRequest::default()
    };
    let r = api.handle(Route::Token, form).await;
    let value: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        (r.status, value["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let doc: serde_json::Value = serde_json::from_slice(
        &api.handle(Route::OpenApi, HttpRequest::default())
            .await
            .body,
    )
    .unwrap();
    assert!(doc["components"]["securitySchemes"].get("oauth2").is_none());
}

#[tokio::test]
async fn the_token_endpoint_accepts_the_form_swagger_ui_sends() {
    let api = api(HttpConfig {
        password_grant: true,
        ..HttpConfig::default()
    });
    let body = br#"{"email":"ada@example.com","password":"correct horse battery staple 42"}"#;
    assert_eq!(
        api.handle(Route::Register, json_request(body)).await.status,
        201
    );
    // Swagger UI's "Authorize" (OAuth2 password flow) posts these fields, some empty.
    let form = HttpRequest {
        content_type: Some("application/x-www-form-urlencoded"),
        authorization: Some("Basic Og=="),
        body: b"grant_type=password&username=ada%40example.com&password=correct+horse+battery+staple+42&scope=&client_id=&client_secret=",
        ..HttpRequest::default()
    };
    let r = api.handle(Route::Token, form).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let pair: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(pair["token_type"], "Bearer");
}

#[tokio::test]
async fn the_token_endpoint_speaks_rfc_6749_errors() {
    let api = api(HttpConfig {
        password_grant: true,
        ..HttpConfig::default()
    });
    let form = |body: &'static [u8]| HttpRequest {
        content_type: Some("application/x-www-form-urlencoded"),
        body,
        ..HttpRequest::default()
    };
    let cases: [(&[u8], &str); 4] = [
        (b"grant_type=client_credentials", "unsupported_grant_type"),
        (b"grant_type=password&username=a%40b.co", "invalid_request"),
        (b"username=a", "invalid_request"),
        (
            b"grant_type=password&username=a%40b.co&password=wrong-password-here",
            "invalid_grant",
        ),
    ];
    for (body, error) in cases {
        let r = api.handle(Route::Token, form(body)).await;
        let value: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!((r.status, value["error"].as_str().unwrap()), (400, error));
        assert_eq!(r.header_value("cache-control"), Some("no-store"));
    }
}

/// `/openapi.json` is served with the `openapi` feature and `/docs` with `swagger-ui` (both
/// default); a build without them neither mounts nor answers them.
#[tokio::test]
async fn the_documents_follow_the_builds_features() {
    let paths: Vec<String> = Route::paths("/auth").into_iter().map(|p| p.path).collect();
    for (path, built) in [
        ("/openapi.json", cfg!(feature = "openapi")),
        ("/docs", cfg!(feature = "swagger-ui")),
        ("/docs/swagger-ui-bundle.js", cfg!(feature = "swagger-ui")),
        ("/auth/login", true),
        ("/healthz", true),
    ] {
        assert_eq!(paths.iter().any(|p| p == path), built, "{path}");
    }
    let api = api(HttpConfig::default());
    for (route, built) in [
        (Route::OpenApi, cfg!(feature = "openapi")),
        (Route::Docs, cfg!(feature = "swagger-ui")),
        (Route::DocsStyle, cfg!(feature = "swagger-ui")),
    ] {
        let answer = api.handle(route, HttpRequest::default()).await;
        let expected = if built { 200 } else { 404 };
        assert_eq!(answer.status, expected, "{route:?}");
    }
}

/// Cookie mode makes the refresh token optional in the document (a token pair and the refresh
/// request, whose body becomes optional); without it the document requires it as before.
#[cfg(feature = "openapi")]
#[tokio::test]
async fn the_openapi_document_says_the_refresh_token_is_optional_in_cookie_mode_only() {
    let document = |config: HttpConfig| async move {
        let response = api(config)
            .handle(Route::OpenApi, HttpRequest::default())
            .await;
        serde_json::from_slice::<serde_json::Value>(&response.body).unwrap()
    };
    let required = |doc: &serde_json::Value, schema: &str| {
        doc["components"]["schemas"][schema]["required"]
            .as_array()
            .is_some_and(|fields| fields.iter().any(|f| f == "refresh_token"))
    };
    let plain = document(HttpConfig::default()).await;
    assert!(required(&plain, "TokenPair"));
    assert!(required(&plain, "RefreshRequest"));
    assert_eq!(
        plain["paths"]["/auth/refresh"]["post"]["requestBody"]["required"],
        true
    );
    let cookies = document(HttpConfig {
        cookies: Some(CookieConfig::new(CookieTokens::Refresh)),
        ..HttpConfig::default()
    })
    .await;
    assert!(!required(&cookies, "TokenPair"));
    assert!(!required(&cookies, "RefreshRequest"));
    assert_eq!(
        cookies["paths"]["/auth/refresh"]["post"]["requestBody"]["required"],
        false
    );
}

#[cfg(all(feature = "totp", feature = "email-sign-in", feature = "openapi"))]
#[tokio::test]
async fn optional_capabilities_are_mounted_and_documented_only_when_configured() {
    use crate::mfa::TotpConfig;
    use crate::passwordless::EmailSignIn;

    let bare = api(HttpConfig::default());
    let auth_config = AuthConfig::builder()
        .hs256_secret("http-layer-test-secret-of-32-bytes!")
        .build()
        .unwrap();
    let offered = HttpApi::new(
        Auth::builder(auth_config, Arc::new(MemoryStore::new()))
            .totp(TotpConfig::new(&[1; 32]).unwrap())
            .email_sign_in(EmailSignIn::code())
            .build(),
        HttpConfig::default(),
    );
    let optional: Vec<Route> = Route::ALL
        .into_iter()
        .filter(|route| route.is_second_factor() || route.is_email_sign_in())
        .collect();
    assert_eq!(optional.len(), 9);
    for (api, served) in [(&bare, false), (&offered, true)] {
        let mounted: Vec<Route> = api
            .paths()
            .iter()
            .flat_map(|path| path.routes.iter().map(|(_, route)| *route))
            .collect();
        let answer = api.handle(Route::OpenApi, HttpRequest::default()).await;
        let doc: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        for route in &optional {
            assert_eq!(api.serves(*route), served, "{route:?}");
            assert_eq!(mounted.contains(route), served, "{route:?}");
            let path = route.path("/auth");
            let method = route.endpoint().0.as_str().to_ascii_lowercase();
            assert_eq!(
                doc["paths"][&path][&method].is_object(),
                served,
                "{route:?} in the document"
            );
        }
        let status = api.handle(Route::MfaStatus, HttpRequest::default()).await;
        assert_eq!(status.status, if served { 401 } else { 404 });
    }
}
