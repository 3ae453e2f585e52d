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

mod assert;
mod authenticator;

pub use assert::*;
pub use authenticator::SoftAuthenticator;

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

#[cfg(test)]
mod tests;
