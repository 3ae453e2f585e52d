//! Helpers the scenarios share: an HTTP client bound to a [`Target`], answers read in full,
//! accounts with unique addresses, and the assertions of the wire contract (problem documents,
//! token pairs, user JSON, bearer challenges, `Retry-After`).
//!
//! They are public so an adapter can write extra scenarios in the same style:
//!
//! ```no_run
//! use authkit_http_conformance::support::{Api, assert_problem, send};
//!
//! async fn my_scenario(target: authkit_http_conformance::Target) {
//!     let api = Api::new(target);
//!     let answer = send(api.get("/auth/me")).await;
//!     assert_problem(&answer, 401, "unauthorized");
//! }
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use authkit_core::Problem;
use authkit_core::dto::{OAuthError, SessionView, TokenPair, UserView};
use authkit_core::mail::MemoryMailer;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use crate::Target;

/// The password of every account the scenarios create: 31 code points, not on the blocklist.
pub const PASSWORD: &str = "correct horse battery staple 42";
/// A second strong password, for changes and resets.
pub const NEW_PASSWORD: &str = "vintage kettle orbits a quiet moon 7";
/// A password one code point shorter than the default policy minimum of 15.
pub const WEAK_PASSWORD: &str = "kettle orbits!";
/// The `User-Agent` the suite's client sends unless a scenario sets another.
pub const USER_AGENT: &str = "authkit-http-conformance/0.1";
/// The keys of a user in JSON, exactly.
pub const USER_KEYS: &[&str] = &[
    "id",
    "email",
    "username",
    "role",
    "status",
    "email_verified",
    "created_at",
    "updated_at",
];
/// The keys of a token pair in JSON, exactly.
pub const TOKEN_PAIR_KEYS: &[&str] = &[
    "access_token",
    "token_type",
    "expires_in",
    "refresh_token",
    "refresh_expires_in",
    "session_id",
];
/// The keys of an entry of `GET /auth/sessions`, exactly.
pub const SESSION_KEYS: &[&str] = &[
    "id",
    "created_at",
    "last_used_at",
    "user_agent",
    "ip",
    "current",
];

/// A unique, valid e-mail address (mixed case, to exercise case-insensitive lookups).
pub fn unique_email() -> String {
    format!("User{}@Conformance.example.com", unique_suffix())
}

/// A unique, valid username (3 to 32 characters).
pub fn unique_username() -> String {
    format!("user_{}", unique_suffix())
}

fn unique_suffix() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{}x{n}", std::process::id())
}

/// An HTTP client bound to one [`Target`]; owns the target, so the server lives as long as it.
pub struct Api {
    target: Target,
    http: reqwest::Client,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Api {
    /// A client for `target`: no proxy (requests go straight to the socket), no redirects, no
    /// cookies, a 30 s time-out per request, `User-Agent:` [`USER_AGENT`].
    pub fn new(target: Target) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .user_agent(USER_AGENT)
            .build()
            .expect("could not build the HTTP client");
        Self { target, http }
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The target's mailer.
    pub fn mailer(&self) -> &MemoryMailer {
        &self.target.mailer
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.target.base_url.trim_end_matches('/'))
    }

    /// A request to `path`.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// `POST path` with a JSON body.
    pub fn post_json(&self, path: &str, body: &Value) -> RequestBuilder {
        self.request(Method::POST, path).json(body)
    }

    /// `method path` with `Authorization: Bearer token`.
    pub fn authed(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(token)
    }

    /// `POST /auth/register`, answered 201: a new account with a unique address, no username.
    pub async fn register(&self) -> Account {
        self.register_as(&unique_email(), None).await
    }

    /// `POST /auth/register`, answered 201: a new account with a unique address and username.
    pub async fn register_with_username(&self) -> Account {
        self.register_as(&unique_email(), Some(&unique_username()))
            .await
    }

    /// `POST /auth/register` of `email` (and `username`) with [`PASSWORD`], asserting the 201
    /// answer of the contract: `{user, tokens}`, `Cache-Control: no-store`.
    pub async fn register_as(&self, email: &str, username: Option<&str>) -> Account {
        let mut body = json!({ "email": email, "password": PASSWORD });
        if let Some(username) = username {
            body["username"] = json!(username);
        }
        let answer = send(self.post_json("/auth/register", &body)).await;
        answer.assert_status(201);
        assert_no_store(&answer);
        let json = answer.json();
        assert_keys(
            &json,
            &["user", "tokens"],
            "the 201 answer of POST /auth/register",
        );
        let user = assert_user_json(&json["user"]);
        let tokens = assert_token_pair_json(&json["tokens"]);
        Account {
            email: email.to_owned(),
            username: username.map(str::to_owned),
            password: PASSWORD.to_owned(),
            user,
            tokens,
        }
    }

    /// `POST /auth/login` with `{"email": email, "password": password}`, the raw answer.
    pub async fn login_answer(&self, email: &str, password: &str) -> Answer {
        send(self.post_json(
            "/auth/login",
            &json!({ "email": email, "password": password }),
        ))
        .await
    }

    /// `POST /auth/login` by address, asserting a 200 token pair.
    pub async fn login(&self, email: &str, password: &str) -> TokenPair {
        expect_token_pair(&self.login_answer(email, password).await)
    }

    /// A fresh token pair of the seeded admin.
    pub async fn admin_login(&self) -> TokenPair {
        let (email, password) = (
            self.target.admin_email.clone(),
            self.target.admin_password.clone(),
        );
        self.login(&email, &password).await
    }

    /// `POST /auth/refresh` with `refresh_token`, the raw answer.
    pub async fn refresh_answer(&self, refresh_token: &str) -> Answer {
        send(self.post_json("/auth/refresh", &json!({ "refresh_token": refresh_token }))).await
    }

    /// `POST /auth/refresh`, asserting a 200 token pair.
    pub async fn refresh(&self, refresh_token: &str) -> TokenPair {
        expect_token_pair(&self.refresh_answer(refresh_token).await)
    }

    /// Asserts that `refresh_token` no longer works: 401 `invalid_refresh_token`.
    pub async fn assert_refresh_fails(&self, refresh_token: &str) {
        let answer = self.refresh_answer(refresh_token).await;
        assert_problem(&answer, 401, "invalid_refresh_token");
    }

    /// `GET /auth/me` with `access_token`, asserting 200 and the user JSON.
    pub async fn me(&self, access_token: &str) -> UserView {
        let answer = send(self.authed(Method::GET, "/auth/me", access_token)).await;
        answer.assert_status(200);
        assert_user_json(&answer.json())
    }

    /// `GET /auth/sessions` with `access_token`, asserting 200 and the shape of every entry.
    pub async fn sessions(&self, access_token: &str) -> Vec<SessionView> {
        let answer = send(self.authed(Method::GET, "/auth/sessions", access_token)).await;
        answer.assert_status(200);
        let json = answer.json();
        let entries = json
            .as_array()
            .unwrap_or_else(|| panic!("GET /auth/sessions must answer a JSON array: {json}"));
        entries
            .iter()
            .map(|entry| {
                assert_keys(entry, SESSION_KEYS, "a session of GET /auth/sessions");
                serde_json::from_value(entry.clone()).unwrap_or_else(|e| {
                    panic!("a session of GET /auth/sessions has the wrong types ({e}): {entry}")
                })
            })
            .collect()
    }

    /// Waits for the token of the last mail of `kind` to `to`; panics when none arrives.
    pub async fn mailed_token(&self, to: &str, kind: authkit_core::mail::MailKind) -> String {
        self.mailer()
            .token_for(to, kind)
            .await
            .unwrap_or_else(|| panic!("no {kind:?} mail with a token reached {to}"))
    }
}

/// An account a scenario registered.
#[derive(Debug, Clone)]
pub struct Account {
    /// The address as registered.
    pub email: String,
    /// The username, if one was registered.
    pub username: Option<String>,
    /// The password ([`PASSWORD`]).
    pub password: String,
    /// The user JSON of the registration answer.
    pub user: UserView,
    /// The token pair of the registration answer (the first session).
    pub tokens: TokenPair,
}

/// An HTTP answer, read in full.
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
    /// `METHOD url`, for failure messages.
    pub request: String,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {} {}", self.request, self.status, self.text())
    }
}

/// Sends `request` and reads the whole answer; panics on a transport error (the server must
/// answer every request of the suite).
pub async fn send(request: RequestBuilder) -> Answer {
    let (client, request) = request.build_split();
    let request = request.expect("the scenario built an invalid request");
    let description = format!("{} {}", request.method(), request.url());
    let response = client
        .execute(request)
        .await
        .unwrap_or_else(|e| panic!("{description}: no answer: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{description}: could not read the body: {e}"))
        .to_vec();
    Answer {
        status,
        headers,
        body,
        request: description,
    }
}

impl Answer {
    /// The value of header `name`, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The media type of `Content-Type`, lower-case, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{self:?}: the body is not JSON: {e}"))
    }

    /// Asserts the status, showing the request and the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected status: {self:?}");
        self
    }
}

/// Asserts that `json` is an object with exactly `keys`.
#[track_caller]
pub fn assert_keys(json: &Value, keys: &[&str], what: &str) {
    let object = json
        .as_object()
        .unwrap_or_else(|| panic!("{what} must be a JSON object: {json}"));
    let actual: BTreeSet<&str> = object.keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = keys.iter().copied().collect();
    assert_eq!(
        actual, expected,
        "{what} must have exactly these keys: {json}"
    );
}

/// Asserts an RFC 9457 problem answer: `status`, `Content-Type: application/problem+json`,
/// `{"type","title","status","code","detail"?}` with the same status, `code` and
/// `type = urn:authkit:error:{code}`. Returns the document.
#[track_caller]
pub fn assert_problem(answer: &Answer, status: u16, code: &str) -> Problem {
    answer.assert_status(status);
    assert_eq!(
        answer.media_type().as_deref(),
        Some("application/problem+json"),
        "an error answer must be application/problem+json: {answer:?}"
    );
    let json = answer.json();
    let object = json
        .as_object()
        .unwrap_or_else(|| panic!("a problem document must be an object: {answer:?}"));
    for key in ["type", "title", "status", "code"] {
        assert!(
            object.contains_key(key),
            "the problem lacks `{key}`: {answer:?}"
        );
    }
    for key in object.keys() {
        assert!(
            ["type", "title", "status", "code", "detail"].contains(&key.as_str()),
            "the problem has an undocumented key `{key}`: {answer:?}"
        );
    }
    let problem: Problem = serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("the problem document has the wrong types ({e}): {answer:?}"));
    assert_eq!(problem.code, code, "unexpected problem code: {answer:?}");
    assert_eq!(
        problem.status, status,
        "`status` must equal the HTTP status: {answer:?}"
    );
    assert_eq!(
        problem.type_uri,
        format!("urn:authkit:error:{code}"),
        "unexpected problem type: {answer:?}"
    );
    assert!(
        !problem.title.is_empty(),
        "the problem needs a title: {answer:?}"
    );
    problem
}

/// Asserts an RFC 6749 5.2 error of the token endpoint: 400, `application/json`,
/// `{"error","error_description"?}` with `error`.
#[track_caller]
pub fn assert_oauth_error(answer: &Answer, error: &str) -> OAuthError {
    answer.assert_status(400);
    assert_eq!(
        answer.media_type().as_deref(),
        Some("application/json"),
        "an OAuth2 error must be application/json: {answer:?}"
    );
    let json = answer.json();
    let object = json
        .as_object()
        .unwrap_or_else(|| panic!("an OAuth2 error must be an object: {answer:?}"));
    for key in object.keys() {
        assert!(
            ["error", "error_description"].contains(&key.as_str()),
            "the OAuth2 error has an undocumented key `{key}`: {answer:?}"
        );
    }
    let parsed: OAuthError = serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("the OAuth2 error has the wrong types ({e}): {answer:?}"));
    assert_eq!(parsed.error, error, "unexpected OAuth2 error: {answer:?}");
    parsed
}

/// Asserts `Cache-Control: no-store` (among possibly other directives).
#[track_caller]
pub fn assert_no_store(answer: &Answer) {
    let directives: Vec<String> = answer
        .headers
        .get_all("cache-control")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    assert!(
        directives.iter().any(|d| d == "no-store"),
        "an answer carrying tokens must have `Cache-Control: no-store`: {answer:?}"
    );
}

/// Asserts a 204 with an empty body.
#[track_caller]
pub fn assert_no_content(answer: &Answer) {
    answer.assert_status(204);
    assert!(answer.body.is_empty(), "a 204 has no body: {answer:?}");
}

/// Asserts a 200 token pair answer (`Cache-Control: no-store`, the exact keys) and returns it.
#[track_caller]
pub fn expect_token_pair(answer: &Answer) -> TokenPair {
    answer.assert_status(200);
    assert_no_store(answer);
    assert_token_pair_json(&answer.json())
}

/// Asserts the token pair shape: exactly its keys, `token_type: "Bearer"`, positive lifetimes,
/// a JWT access token whose `sid` is the `session_id`.
#[track_caller]
pub fn assert_token_pair_json(json: &Value) -> TokenPair {
    assert_keys(json, TOKEN_PAIR_KEYS, "a token pair");
    let pair: TokenPair = serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("a token pair has the wrong types ({e}): {json}"));
    assert_eq!(pair.token_type, "Bearer", "token_type: {json}");
    assert!(pair.expires_in > 0, "expires_in must be positive: {json}");
    assert!(
        pair.refresh_expires_in > 0,
        "refresh_expires_in must be positive: {json}"
    );
    assert!(
        !pair.refresh_token.is_empty(),
        "empty refresh_token: {json}"
    );
    let claims = jwt_claims(&pair.access_token);
    assert_eq!(
        claims["sid"].as_str(),
        Some(pair.session_id.to_string().as_str()),
        "the access token's `sid` must be the pair's session_id: {claims}"
    );
    pair
}

/// Asserts the user shape (exactly its keys, never a hash) and returns it.
#[track_caller]
pub fn assert_user_json(json: &Value) -> UserView {
    assert_keys(json, USER_KEYS, "a user");
    serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("a user has the wrong types ({e}): {json}"))
}

/// Asserts a `WWW-Authenticate` challenge of scheme `Bearer` (case-insensitive) whose `error`
/// attribute is `error` (or absent when `error` is `None`).
#[track_caller]
pub fn assert_bearer_challenge(answer: &Answer, error: Option<&str>) {
    let value = answer
        .header("www-authenticate")
        .unwrap_or_else(|| panic!("the answer lacks WWW-Authenticate: {answer:?}"));
    let challenge = parse_bearer_challenge(value)
        .unwrap_or_else(|| panic!("WWW-Authenticate must be a Bearer challenge: {value:?}"));
    let actual = challenge
        .iter()
        .find(|(name, _)| name == "error")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        actual, error,
        "unexpected `error` in WWW-Authenticate {value:?}: {answer:?}"
    );
}

/// Parses a `Bearer` challenge into its attributes (names lower-case, values unquoted);
/// `None` when the scheme is not `Bearer` or an attribute is malformed.
pub fn parse_bearer_challenge(value: &str) -> Option<Vec<(String, String)>> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=')?;
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == ',') {
            return None;
        }
        let after = after.trim_start();
        let (val, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (quoted[..end].to_owned(), &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        params.push((name, val));
        let remaining = remaining.trim_start();
        rest = match remaining.strip_prefix(',') {
            Some(r) => r.trim_start(),
            None if remaining.is_empty() => remaining,
            None => return None,
        };
    }
    Some(params)
}

/// Asserts a `Retry-After` of whole seconds, at least 1, and returns it.
#[track_caller]
pub fn assert_retry_after(answer: &Answer) -> u64 {
    let value = answer
        .header("retry-after")
        .unwrap_or_else(|| panic!("a 429 must carry Retry-After: {answer:?}"));
    let seconds: u64 = value
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After must be whole seconds, got {value:?}"));
    assert!(seconds >= 1, "Retry-After must be at least 1: {answer:?}");
    seconds
}

/// The JSON of one base64url segment of a JWT (0: header, 1: claims).
fn jwt_segment(token: &str, index: usize) -> Value {
    let segment = token
        .split('.')
        .nth(index)
        .unwrap_or_else(|| panic!("not a JWT (segment {index} missing): {token:?}"));
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap_or_else(|e| panic!("JWT segment {index} is not base64url: {e}"));
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("JWT segment {index} is not JSON: {e}"))
}

/// The header of a JWT, decoded (the signature is not checked).
pub fn jwt_header(token: &str) -> Value {
    jwt_segment(token, 0)
}

/// The claims of a JWT, decoded (the signature is not checked).
pub fn jwt_claims(token: &str) -> Value {
    jwt_segment(token, 1)
}

/// `token` with its claims replaced by `claims` and the original signature kept: a forgery.
pub fn with_claims(token: &str, claims: &Value) -> String {
    let mut parts = token.split('.');
    let header = parts.next().unwrap_or_default();
    let _ = parts.next();
    let signature = parts.next().unwrap_or_default();
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.{signature}")
}

/// An unsigned (`alg: none`) JWT with `claims`.
pub fn unsigned_jwt(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "at+jwt" }).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

#[cfg(test)]
mod tests {
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
}
