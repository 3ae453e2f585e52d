//! Cookie mode for browser applications: the refresh token (and the access token) in
//! authkit's HttpOnly cookies, with exactly the configured attributes; refresh by cookie;
//! CSRF protection of every state-changing request a cookie authenticates; bearer requests
//! untouched; logout clearing the cookies.

use super::options::CORS_ORIGIN;
use super::prelude::*;
use crate::support::assert_no_store;

const FOREIGN_ORIGIN: &str = "https://evil.example";

/// The `Set-Cookie` values of an answer, in order.
fn set_cookies(answer: &Answer) -> Vec<String> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("a visible Set-Cookie").to_owned())
        .collect()
}

/// The value a `Set-Cookie` sets.
fn value_of(set_cookie: &str) -> &str {
    set_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value)
        .unwrap_or_default()
}

/// The cookies of a token answer, by kind.
struct Jar {
    refresh: String,
    access: Option<String>,
    csrf: String,
}

impl Jar {
    /// Reads the refresh, access (when `with_access`) and CSRF cookies of `answer` under the
    /// secure (`__Secure-`) names.
    #[track_caller]
    fn secure(answer: &Answer) -> Self {
        let cookies = set_cookies(answer);
        assert_eq!(cookies.len(), 3, "{cookies:?}");
        Self {
            refresh: value_of(&cookies[0]).to_owned(),
            access: Some(value_of(&cookies[1]).to_owned()),
            csrf: value_of(&cookies[2]).to_owned(),
        }
    }

    /// The `Cookie` header a browser would send to the auth prefix.
    fn header(&self) -> String {
        let mut out = format!(
            "__Secure-authkit_refresh={}; __Secure-authkit_csrf={}",
            self.refresh, self.csrf
        );
        if let Some(access) = &self.access {
            out.push_str(&format!("; __Secure-authkit_access={access}"));
        }
        out
    }
}

/// `POST /auth/register` of a new account, answered 201 in cookie mode.
async fn sign_up(api: &Api) -> Answer {
    let answer = send(api.post_json(
        "/auth/register",
        &json!({ "email": unique_email(), "password": PASSWORD }),
    ))
    .await;
    answer.assert_status(201);
    answer
}

/// `POST /auth/refresh` with an empty body and `cookie`.
fn refresh_by_cookie(api: &Api, cookie: &str) -> reqwest::RequestBuilder {
    api.request(Method::POST, "/auth/refresh")
        .header("cookie", cookie.to_owned())
}

/// Login and registration answers set the refresh, access and CSRF cookies with exactly the
/// configured attributes (`__Secure-` names, `HttpOnly` but for the CSRF cookie, `Secure`,
/// `SameSite=Strict`, the refresh cookie on the auth prefix for the session's lifetime, the
/// access cookie on `/` for the access token's); their JSON keeps the access token and omits
/// the refresh token, which is the cookie's.
///
/// Runs with [`options::cookies`](super::options::cookies).
pub async fn cookie_mode_sets_the_cookies_with_exactly_the_configured_attributes(target: Target) {
    let api = Api::new(target);
    let registered = sign_up(&api).await;
    let json = registered.json();
    assert!(json["tokens"]["access_token"].is_string(), "{json}");
    assert!(json["tokens"].get("refresh_token").is_none(), "{json}");
    let email = json["user"]["email"].as_str().unwrap().to_owned();
    Jar::secure(&registered);

    let login = api.login_answer(&email, PASSWORD).await;
    login.assert_status(200);
    let pair = login.json();
    assert_keys(
        &pair,
        &[
            "access_token",
            "token_type",
            "expires_in",
            "refresh_expires_in",
            "session_id",
        ],
        "a token answer in cookie mode",
    );
    let jar = Jar::secure(&login);
    assert_eq!(jar.access.as_deref(), pair["access_token"].as_str());
    assert_eq!(
        set_cookies(&login),
        [
            format!(
                "__Secure-authkit_refresh={}; Path=/auth; Max-Age={}; HttpOnly; Secure; SameSite=Strict",
                jar.refresh, pair["refresh_expires_in"]
            ),
            format!(
                "__Secure-authkit_access={}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Strict",
                pair["access_token"].as_str().unwrap(),
                pair["expires_in"]
            ),
            format!(
                "__Secure-authkit_csrf={}; Path=/; Max-Age={}; Secure; SameSite=Strict",
                jar.csrf, pair["refresh_expires_in"]
            ),
        ]
    );
    assert!(
        jar.refresh.len() >= 32,
        "a real refresh token: {}",
        jar.refresh
    );
}

/// For development over plain http on localhost (the suite's target), cookie mode for the
/// refresh token only sets two cookies with plain names, `SameSite=Lax` and no `Secure`.
///
/// Runs with [`options::cookies_for_development`](super::options::cookies_for_development).
pub async fn cookie_mode_for_development_sets_plain_lax_cookies_without_secure(target: Target) {
    let api = Api::new(target);
    let email = sign_up(&api).await.json()["user"]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let login = api.login_answer(&email, PASSWORD).await;
    login.assert_status(200);
    let pair = login.json();
    assert!(pair.get("refresh_token").is_none(), "{pair}");
    let cookies = set_cookies(&login);
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert_eq!(
        cookies,
        [
            format!(
                "authkit_refresh={}; Path=/auth; Max-Age={}; HttpOnly; SameSite=Lax",
                value_of(&cookies[0]),
                pair["refresh_expires_in"]
            ),
            format!(
                "authkit_csrf={}; Path=/; Max-Age={}; SameSite=Lax",
                value_of(&cookies[1]),
                pair["refresh_expires_in"]
            ),
        ]
    );

    // The access token is the JSON's, for memory: no access cookie is read.
    let cookie = format!("authkit_refresh={}", value_of(&cookies[0]));
    let me = send(api.get("/auth/me").header("cookie", cookie.clone())).await;
    assert_problem(&me, 401, "unauthorized");
    let refreshed = send(refresh_by_cookie(&api, &cookie).header("origin", CORS_ORIGIN)).await;
    refreshed.assert_status(200);
    assert_eq!(set_cookies(&refreshed).len(), 2);
}

/// A refresh with an empty body from an allowed origin takes the refresh token from its
/// cookie, rotates it and sets the new cookies (the CSRF cookie kept); the old cookie value then
/// fails (401 `invalid_refresh_token`, a replay revoking the session) and that answer clears the
/// cookies. The allowed origin gets `Access-Control-Allow-Credentials: true`, and its preflight
/// may send `X-CSRF-Token`.
///
/// Runs with [`options::cookies`](super::options::cookies).
pub async fn refreshing_by_cookie_rotates_and_sets_the_new_cookie(target: Target) {
    let api = Api::new(target);
    let registered = sign_up(&api).await;
    let session = registered.json()["tokens"]["session_id"].clone();
    let jar = Jar::secure(&registered);

    let refreshed =
        send(refresh_by_cookie(&api, &jar.header()).header("origin", CORS_ORIGIN)).await;
    refreshed.assert_status(200);
    assert_no_store(&refreshed);
    assert_eq!(
        refreshed.header("access-control-allow-origin"),
        Some(CORS_ORIGIN)
    );
    assert_eq!(
        refreshed.header("access-control-allow-credentials"),
        Some("true")
    );
    let pair = refreshed.json();
    assert_eq!(pair["session_id"], session);
    assert!(pair.get("refresh_token").is_none(), "{pair}");
    let new = Jar::secure(&refreshed);
    assert_ne!(new.refresh, jar.refresh, "the refresh token rotates");
    assert_eq!(new.csrf, jar.csrf, "a valid CSRF cookie is kept");
    assert_eq!(new.access.as_deref(), pair["access_token"].as_str());
    api.me(pair["access_token"].as_str().unwrap()).await;

    // `{}` works as well as an empty body.
    let again = send(
        api.post_json("/auth/refresh", &json!({}))
            .header("cookie", new.header())
            .header("origin", CORS_ORIGIN),
    )
    .await;
    again.assert_status(200);
    let newest = Jar::secure(&again);

    let replay = send(refresh_by_cookie(&api, &jar.header()).header("origin", CORS_ORIGIN)).await;
    assert_problem(&replay, 401, "invalid_refresh_token");
    assert_eq!(
        set_cookies(&replay),
        [
            "__Secure-authkit_refresh=; Path=/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
            "__Secure-authkit_access=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
            "__Secure-authkit_csrf=; Path=/; Max-Age=0; Secure; SameSite=Strict",
        ]
    );
    // The replay revoked the family: the newest cookie fails too.
    let after = send(refresh_by_cookie(&api, &newest.header()).header("origin", CORS_ORIGIN)).await;
    assert_problem(&after, 401, "invalid_refresh_token");

    let preflight = send(
        api.request(Method::OPTIONS, "/auth/refresh")
            .header("origin", CORS_ORIGIN)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "x-csrf-token"),
    )
    .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-headers"),
        Some("authorization, content-type, x-csrf-token")
    );
    assert_eq!(
        preflight.header("access-control-allow-credentials"),
        Some("true")
    );
}

/// A state-changing request authenticated by a cookie from a foreign `Origin`, or with
/// `Sec-Fetch-Site: cross-site`, is 403 `csrf_origin_refused`; without either and without the
/// token it is 403 `csrf_token_missing_or_invalid` (a wrong token too); with `X-CSRF-Token`
/// echoing the CSRF cookie it goes through. A refused refresh does not spend the token, and a
/// login from a foreign origin sets no cookie.
///
/// Runs with [`options::cookies`](super::options::cookies).
pub async fn a_cross_site_post_authenticated_by_a_cookie_is_refused(target: Target) {
    let api = Api::new(target);
    let jar = Jar::secure(&sign_up(&api).await);

    let foreign =
        send(refresh_by_cookie(&api, &jar.header()).header("origin", FOREIGN_ORIGIN)).await;
    assert_problem(&foreign, 403, "csrf_origin_refused");
    assert_eq!(set_cookies(&foreign), Vec::<String>::new());
    let cross_site =
        send(refresh_by_cookie(&api, &jar.header()).header("sec-fetch-site", "cross-site")).await;
    assert_problem(&cross_site, 403, "csrf_origin_refused");
    let no_token = send(refresh_by_cookie(&api, &jar.header())).await;
    assert_problem(&no_token, 403, "csrf_token_missing_or_invalid");
    let wrong_token =
        send(refresh_by_cookie(&api, &jar.header()).header("x-csrf-token", "forged.token")).await;
    assert_problem(&wrong_token, 403, "csrf_token_missing_or_invalid");

    // The access cookie on an auth route that changes state: the same rules.
    let logout = |request: reqwest::RequestBuilder| request.header("cookie", jar.header());
    let refused =
        send(logout(api.request(Method::POST, "/auth/logout")).header("origin", FOREIGN_ORIGIN))
            .await;
    assert_problem(&refused, 403, "csrf_origin_refused");
    let refused = send(logout(api.request(Method::POST, "/auth/logout"))).await;
    assert_problem(&refused, 403, "csrf_token_missing_or_invalid");

    let with_token =
        send(refresh_by_cookie(&api, &jar.header()).header("x-csrf-token", jar.csrf.clone())).await;
    with_token.assert_status(200);
    Jar::secure(&with_token);

    let login = send(
        api.post_json(
            "/auth/login",
            &json!({ "email": unique_email(), "password": PASSWORD }),
        )
        .header("origin", FOREIGN_ORIGIN),
    )
    .await;
    assert_problem(&login, 403, "csrf_origin_refused");
}

/// Requests with `Authorization: Bearer` never look at cookies and need no CSRF token, from
/// any origin; a refresh whose body carries the token is answered as without cookie mode (the
/// pair in JSON, no cookie).
///
/// Runs with [`options::cookies`](super::options::cookies).
pub async fn bearer_requests_need_no_csrf_token(target: Target) {
    let api = Api::new(target);
    let registered = sign_up(&api).await;
    let jar = Jar::secure(&registered);
    let access = registered.json()["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = |request: reqwest::RequestBuilder| {
        request
            .header("origin", FOREIGN_ORIGIN)
            .header("sec-fetch-site", "cross-site")
    };

    let hello = send(foreign(api.authed(Method::POST, "/hello", &access))).await;
    hello.assert_status(200);
    let by_body = send(foreign(
        api.post_json("/auth/refresh", &json!({ "refresh_token": jar.refresh })),
    ))
    .await;
    let pair = expect_token_pair(&by_body);
    assert_eq!(set_cookies(&by_body), Vec::<String>::new());

    // A bad bearer token with a good cookie is still a bad bearer token.
    let bad = send(
        api.authed(Method::GET, "/auth/me", "not-a-token")
            .header("cookie", jar.header()),
    )
    .await;
    assert_problem(&bad, 401, "invalid_access_token");

    let logout = send(foreign(api.authed(
        Method::POST,
        "/auth/logout",
        &pair.access_token,
    )))
    .await;
    assert_no_content(&logout);
}

/// Logout answers clear every cookie (same names and attributes, empty, `Max-Age=0`), and the
/// refresh cookie no longer works.
///
/// Runs with [`options::cookies`](super::options::cookies).
pub async fn logout_clears_the_cookies(target: Target) {
    let api = Api::new(target);
    let jar = Jar::secure(&sign_up(&api).await);
    let logout = send(
        api.request(Method::POST, "/auth/logout")
            .header("cookie", jar.header())
            .header("origin", CORS_ORIGIN),
    )
    .await;
    assert_no_content(&logout);
    assert_eq!(
        set_cookies(&logout),
        [
            "__Secure-authkit_refresh=; Path=/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
            "__Secure-authkit_access=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
            "__Secure-authkit_csrf=; Path=/; Max-Age=0; Secure; SameSite=Strict",
        ]
    );
    let refresh = send(refresh_by_cookie(&api, &jar.header()).header("origin", CORS_ORIGIN)).await;
    assert_problem(&refresh, 401, "invalid_refresh_token");
    let me = send(api.get("/auth/me").header("cookie", jar.header())).await;
    assert_problem(&me, 401, "invalid_access_token");
}

/// The access cookie authenticates the application's own routes through the adapter's
/// extractor (`GET /hello`) and authkit's (`GET /auth/me`); the application's state-changing
/// route (`POST /hello`) needs the CSRF check: 403 with each code, 200 with
/// `Sec-Fetch-Site: same-origin`, an allowed `Origin` or the token.
///
/// Runs with [`options::cookies`](super::options::cookies).
pub async fn the_access_cookie_authenticates_app_routes_and_state_changes_need_csrf(
    target: Target,
) {
    let api = Api::new(target);
    let jar = Jar::secure(&sign_up(&api).await);
    let with_cookie =
        |method: Method, path: &str| api.request(method, path).header("cookie", jar.header());

    send(with_cookie(Method::GET, "/hello"))
        .await
        .assert_status(200);
    send(with_cookie(Method::GET, "/auth/me"))
        .await
        .assert_status(200);
    assert_problem(&send(api.get("/hello")).await, 401, "unauthorized");

    let no_token = send(with_cookie(Method::POST, "/hello")).await;
    assert_problem(&no_token, 403, "csrf_token_missing_or_invalid");
    let foreign = send(with_cookie(Method::POST, "/hello").header("origin", FOREIGN_ORIGIN)).await;
    assert_problem(&foreign, 403, "csrf_origin_refused");
    let cross =
        send(with_cookie(Method::POST, "/hello").header("sec-fetch-site", "cross-site")).await;
    assert_problem(&cross, 403, "csrf_origin_refused");

    for allowed in [
        with_cookie(Method::POST, "/hello").header("sec-fetch-site", "same-origin"),
        with_cookie(Method::POST, "/hello").header("origin", CORS_ORIGIN),
        with_cookie(Method::POST, "/hello").header("x-csrf-token", jar.csrf.clone()),
    ] {
        send(allowed).await.assert_status(200);
    }
}
