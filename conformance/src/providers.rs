//! Stand-ins for other identity providers, for the provider scenarios and flow tests: an
//! OpenID Connect provider ([`FakeOidc`]) that signs its own ID tokens with ES256 keys made at
//! start (and can rotate them, or issue tokens tampered in one chosen way), and a GitHub-style
//! OAuth2 provider ([`FakeGitHub`]) with GitHub's token, `/user` and `/user/emails`
//! endpoints. Both run on `127.0.0.1` on an ephemeral port, consent at once for the user they
//! are told to be, and check what a real provider checks of the client: its credentials, the
//! exact redirect URI, the PKCE verifier (S256) and that a code is used once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The client id the fakes know.
pub const CLIENT_ID: &str = "authkit-conformance";
/// Its secret.
pub const CLIENT_SECRET: &str = "a client secret the fakes check";

/// How the next ID tokens are spoiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tamper {
    /// Not at all.
    #[default]
    None,
    /// The nonce of another flow.
    Nonce,
    /// Issued for another client (`aud`).
    Audience,
    /// Naming another issuer (`iss`).
    Issuer,
    /// Expired ten minutes ago.
    Expired,
    /// Signed with a key the provider does not publish.
    UnknownKey,
    /// An `at_hash` of another access token.
    AtHash,
}

/// Who the fakes say signs in.
#[derive(Debug, Clone)]
pub struct FakeUser {
    /// The subject (`sub`, GitHub's `id`).
    pub subject: String,
    /// The address, if shared.
    pub email: Option<String>,
    /// Whether it is verified.
    pub email_verified: bool,
}

/// A signing key and its public JWK.
struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

impl SigningKey {
    fn generate(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("a P-256 key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
            .expect("the key just made");
        let point = pair.public_key().as_ref();
        let (x, y) = point[1..].split_at(32);
        Self {
            kid: kid.to_owned(),
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk: json!({
                "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
                "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
            }),
        }
    }
}

/// What an authorization request left for the token request.
#[derive(Clone)]
struct Grant {
    redirect_uri: String,
    challenge: String,
    nonce: Option<String>,
    user: FakeUser,
}

struct Inner {
    issuer: String,
    user: FakeUser,
    keys: Vec<SigningKey>,
    stray: SigningKey,
    generation: u32,
    tamper: Tamper,
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, FakeUser>,
    jwks_fetches: usize,
}

#[derive(Clone)]
struct Shared(Arc<Mutex<Inner>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Stops the server when dropped.
struct Serving(tokio::task::JoinHandle<()>);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn serve(router: Router) -> (String, Serving) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port for the fake provider");
    let base = format!("http://{}", listener.local_addr().expect("its address"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, Serving(task))
}

fn random() -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("randomness");
    URL_SAFE_NO_PAD.encode(bytes)
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn oauth_error(error: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "error": error })),
    )
        .into_response()
}

/// The client's credentials: HTTP Basic (form-encoded parts) or the form's.
fn client_ok(headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let (id, secret) = match basic {
        // RFC 6749 2.3.1: each part form-encoded.
        Some(pair) => match pair.split_once(':') {
            Some((id, secret)) => (form_decoded(id), form_decoded(secret)),
            None => return false,
        },
        None => (
            form.get("client_id").cloned().unwrap_or_default(),
            form.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    id == CLIENT_ID && secret == CLIENT_SECRET
}

fn form_decoded(part: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("x={part}"))
        .ok()
        .and_then(|mut pairs| pairs.pop())
        .map(|(_, value)| value)
        .unwrap_or_default()
}

/// The authorization endpoint: checks the request and consents at once, as the current user.
fn authorize(shared: &Shared, q: &HashMap<String, String>, with_iss: bool) -> Response {
    let mut inner = shared.lock();
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("response_type") != "code"
        || get("client_id") != CLIENT_ID
        || get("code_challenge_method") != "S256"
        || get("code_challenge").is_empty()
        || get("state").is_empty()
    {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let code = random();
    let grant = Grant {
        redirect_uri: get("redirect_uri"),
        challenge: get("code_challenge"),
        nonce: q.get("nonce").cloned(),
        user: inner.user.clone(),
    };
    let mut back = format!(
        "{}{}code={code}&state={}",
        grant.redirect_uri,
        if grant.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        },
        urlencode(&get("state")),
    );
    if with_iss {
        back.push_str(&format!("&iss={}", urlencode(&inner.issuer)));
    }
    inner.codes.insert(code, grant);
    Redirect::to(&back).into_response()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Redeems a code once, checking the redirect URI and the PKCE verifier.
fn redeem(shared: &Shared, form: &HashMap<String, String>) -> Result<Grant, &'static str> {
    let mut inner = shared.lock();
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return Err("unsupported_grant_type");
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let grant = inner.codes.remove(&code).ok_or("invalid_grant")?;
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if form.get("redirect_uri") != Some(&grant.redirect_uri) || s256(&verifier) != grant.challenge {
        return Err("invalid_grant");
    }
    Ok(grant)
}

/// A running OpenID Connect provider; stops when dropped.
pub struct FakeOidc {
    /// Its issuer (its base URL).
    pub issuer: String,
    shared: Shared,
    _serving: Serving,
}

impl FakeOidc {
    /// Starts one whose user is `sub-1` with a verified `oidc-user@example.com`.
    pub async fn start() -> Self {
        let shared = Shared(Arc::new(Mutex::new(Inner {
            issuer: String::new(),
            user: FakeUser {
                subject: "sub-1".into(),
                email: Some("oidc-user@example.com".into()),
                email_verified: true,
            },
            keys: vec![SigningKey::generate("key-1")],
            stray: SigningKey::generate("key-1"),
            generation: 1,
            tamper: Tamper::None,
            codes: HashMap::new(),
            tokens: HashMap::new(),
            jwks_fetches: 0,
        })));
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(oidc_authorize))
            .route("/token", post(oidc_token))
            .with_state(shared.clone());
        let (issuer, serving) = serve(router).await;
        shared.lock().issuer = issuer.clone();
        Self {
            issuer,
            shared,
            _serving: serving,
        }
    }

    /// From now on the provider's user is this one.
    pub fn set_user(&self, subject: &str, email: Option<&str>, email_verified: bool) {
        self.shared.lock().user = FakeUser {
            subject: subject.into(),
            email: email.map(str::to_owned),
            email_verified,
        };
    }

    /// From now on ID tokens are spoiled this way.
    pub fn tamper(&self, tamper: Tamper) {
        self.shared.lock().tamper = tamper;
    }

    /// Replaces the signing key with a new one (a new `kid`), and publishes only the new one.
    pub fn rotate_keys(&self) {
        let mut inner = self.shared.lock();
        inner.generation += 1;
        let kid = format!("key-{}", inner.generation);
        inner.keys = vec![SigningKey::generate(&kid)];
    }

    /// How many times the JWKS was fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.shared.lock().jwks_fetches
    }
}

async fn discovery(State(shared): State<Shared>) -> Response {
    let issuer = shared.lock().issuer.clone();
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "code_challenge_methods_supported": ["S256"],
    }))
    .into_response()
}

async fn jwks(State(shared): State<Shared>) -> Response {
    let mut inner = shared.lock();
    inner.jwks_fetches += 1;
    let keys: Vec<Value> = inner.keys.iter().map(|k| k.jwk.clone()).collect();
    axum::Json(json!({ "keys": keys })).into_response()
}

async fn oidc_authorize(
    State(shared): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    authorize(&shared, &q, true)
}

async fn oidc_token(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !client_ok(&headers, &form) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    let grant = match redeem(&shared, &form) {
        Ok(grant) => grant,
        Err(error) => return oauth_error(error),
    };
    let inner = shared.lock();
    let access_token = random();
    let t = now();
    let mut claims = json!({
        "iss": inner.issuer,
        "sub": grant.user.subject,
        "aud": CLIENT_ID,
        "iat": t,
        "exp": t + 300,
        "nonce": grant.nonce,
        "at_hash": URL_SAFE_NO_PAD.encode(&Sha256::digest(access_token.as_bytes())[..16]),
        "email": grant.user.email,
        "email_verified": grant.user.email_verified,
    });
    let mut key = inner.keys.last().expect("a signing key");
    match inner.tamper {
        Tamper::None => {}
        Tamper::Nonce => claims["nonce"] = json!("the nonce of another flow"),
        Tamper::Audience => claims["aud"] = json!("another-client"),
        Tamper::Issuer => claims["iss"] = json!("https://impostor.example"),
        Tamper::Expired => {
            claims["iat"] = json!(t - 1200);
            claims["exp"] = json!(t - 600);
        }
        Tamper::UnknownKey => key = &inner.stray,
        Tamper::AtHash => claims["at_hash"] = json!(URL_SAFE_NO_PAD.encode([0u8; 16])),
    }
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(key.kid.clone());
    let id_token = jsonwebtoken::encode(&header, &claims, &key.encoding).expect("signed");
    axum::Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

/// A running GitHub-style provider; stops when dropped. Its user is `583231` with the e-mail
/// list of [`FakeGitHub::set_emails`] (by default one verified primary address,
/// `octocat@example.com`); `/user` never shows the address.
pub struct FakeGitHub {
    /// Its base URL (GitHub's web and API hosts both).
    pub base_url: String,
    shared: Shared,
    emails: Arc<Mutex<Vec<Value>>>,
    _serving: Serving,
}

#[derive(Clone)]
struct GitHubState {
    shared: Shared,
    emails: Arc<Mutex<Vec<Value>>>,
}

impl FakeGitHub {
    /// Starts one.
    pub async fn start() -> Self {
        let shared = Shared(Arc::new(Mutex::new(Inner {
            issuer: String::new(),
            user: FakeUser {
                subject: "583231".into(),
                email: None,
                email_verified: false,
            },
            keys: Vec::new(),
            stray: SigningKey::generate("unused"),
            generation: 0,
            tamper: Tamper::None,
            codes: HashMap::new(),
            tokens: HashMap::new(),
            jwks_fetches: 0,
        })));
        let emails = Arc::new(Mutex::new(vec![
            json!({ "email": "octocat@example.com", "primary": true, "verified": true, "visibility": "private" }),
        ]));
        let state = GitHubState {
            shared: shared.clone(),
            emails: emails.clone(),
        };
        let router = Router::new()
            .route("/login/oauth/authorize", get(github_authorize))
            .route("/login/oauth/access_token", post(github_token))
            .route("/user", get(github_user))
            .route("/user/emails", get(github_emails))
            .with_state(state);
        let (base_url, serving) = serve(router).await;
        Self {
            base_url,
            shared,
            emails,
            _serving: serving,
        }
    }

    /// From now on the user's id is `id`.
    pub fn set_id(&self, id: u64) {
        self.shared.lock().user.subject = id.to_string();
    }

    /// From now on `/user/emails` lists these `(email, primary, verified)`.
    pub fn set_emails(&self, emails: &[(&str, bool, bool)]) {
        let list = emails
            .iter()
            .map(|(email, primary, verified)| {
                json!({ "email": email, "primary": primary, "verified": verified, "visibility": null })
            })
            .collect();
        *self.emails.lock().unwrap_or_else(|e| e.into_inner()) = list;
    }
}

async fn github_authorize(
    State(state): State<GitHubState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    authorize(&state.shared, &q, false)
}

async fn github_token(
    State(state): State<GitHubState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    // GitHub answers refusals with 200 and an `error`.
    if !client_ok(&headers, &form) {
        return axum::Json(json!({ "error": "incorrect_client_credentials" })).into_response();
    }
    match redeem(&state.shared, &form) {
        Ok(grant) => {
            let token = format!("gho_{}", random());
            state.shared.lock().tokens.insert(token.clone(), grant.user);
            axum::Json(json!({ "access_token": token, "token_type": "bearer", "scope": "read:user,user:email" }))
                .into_response()
        }
        Err(_) => axum::Json(json!({ "error": "bad_verification_code" })).into_response(),
    }
}

fn bearer_user(state: &GitHubState, headers: &HeaderMap) -> Option<FakeUser> {
    let token = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    state.shared.lock().tokens.get(token).cloned()
}

async fn github_user(State(state): State<GitHubState>, headers: HeaderMap) -> Response {
    match bearer_user(&state, &headers) {
        Some(user) => {
            let id: u64 = user.subject.parse().unwrap_or(0);
            axum::Json(json!({ "login": "octocat", "id": id, "email": null })).into_response()
        }
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn github_emails(State(state): State<GitHubState>, headers: HeaderMap) -> Response {
    match bearer_user(&state, &headers) {
        Some(_) => {
            let emails = state
                .emails
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            axum::Json(Value::Array(emails)).into_response()
        }
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

impl FakeOidc {
    /// Back to the start: user `sub-1` with a verified `oidc-user@example.com`, untampered
    /// tokens.
    pub fn reset(&self) {
        self.set_user("sub-1", Some("oidc-user@example.com"), true);
        self.tamper(Tamper::None);
    }
}

impl FakeGitHub {
    /// Back to the start: id 583231, one verified primary address `octocat@example.com`.
    pub fn reset(&self) {
        self.set_id(583231);
        self.set_emails(&[("octocat@example.com", true, true)]);
    }
}

/// The stand-ins every provider scenario of one test process shares: they run on a thread of
/// their own, so they outlive each test's runtime. A scenario takes [`SharedProviders::turn`]
/// first, since it reconfigures them.
pub struct SharedProviders {
    /// The OpenID Connect stand-in.
    pub oidc: FakeOidc,
    /// The GitHub stand-in.
    pub github: FakeGitHub,
    turn: tokio::sync::Mutex<()>,
}

impl SharedProviders {
    /// Waits for the other provider scenarios of the process, then resets both stand-ins; the
    /// guard is the scenario's turn.
    pub async fn turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        let guard = self.turn.lock().await;
        self.oidc.reset();
        self.github.reset();
        guard
    }
}

/// The process's [`SharedProviders`], started on first use.
pub fn shared() -> &'static SharedProviders {
    static SHARED: std::sync::OnceLock<SharedProviders> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime for the stand-in providers");
            runtime.block_on(async move {
                let providers = SharedProviders {
                    oidc: FakeOidc::start().await,
                    github: FakeGitHub::start().await,
                    turn: tokio::sync::Mutex::new(()),
                };
                let _ = send.send(providers);
                std::future::pending::<()>().await;
            });
        });
        receive.recv().expect("the stand-in providers started")
    })
}
