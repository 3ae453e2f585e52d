//! Sign-in with the certified OpenID Connect provider `oidc-provider` (panva, npm), run by
//! Node from `tests/oidc/provider.mjs`, against the axum app configured by its variables as
//! its `main` would be. A plain-HTTP "browser" (redirects off, a cookie jar of its own) drives
//! the authorization code flow through the provider's login and consent pages.
//!
//! `tests/oidc` needs `npm ci` once (`.ci/run` runs it); the test fails without it. Set
//! `AUTHKIT_TEST_SKIP_OIDC_PROVIDER=1` to skip it explicitly.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use authkit_example_support::Settings;
use reqwest::{StatusCode, Url, header};
use serde_json::Value;

const CLIENT_ID: &str = "authkit-e2e";
const CLIENT_SECRET: &str = "the end-to-end client's secret";

/// The Node provider; killed when dropped.
struct NodeProvider {
    child: Child,
    issuer: String,
}

impl Drop for NodeProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// Installs the provider's locked packages (`npm ci`) the first time, so `cargo test` works on
/// a fresh machine with Node.js and npm; fails saying how when it cannot.
fn install_provider(dir: &Path) {
    if dir.join("node_modules/oidc-provider").is_dir() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .status();
    assert!(
        status.is_ok_and(|status| status.success())
            && dir.join("node_modules/oidc-provider").is_dir(),
        "`npm ci` in {} failed: this test needs Node.js 20 or later and npm, and the npm \
         registry; AUTHKIT_TEST_SKIP_OIDC_PROVIDER=1 skips it",
        dir.display()
    );
}

/// Starts `node provider.mjs PORT` (`0`: any free port) for a client redirecting to
/// `redirect_uri`, with a signing key of its own; waits for its ready line.
fn start_provider(redirect_uri: &str, port: u16) -> NodeProvider {
    let dir = provider_dir();
    install_provider(&dir);
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .arg(port.to_string())
        .current_dir(&dir)
        .env("OIDC_CLIENT_ID", CLIENT_ID)
        .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
        .env("OIDC_REDIRECT_URI", redirect_uri)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("`node` runs (Node.js 20 or later on the PATH)");
    let stdout = child.stdout.take().expect("a stdout pipe");
    let mut provider = NodeProvider {
        child,
        issuer: String::new(),
    };
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok);
        let _ = sender.send(first);
        // Keep draining so the provider never blocks on a full pipe.
        for _ in lines {}
    });
    let line = receiver
        .recv_timeout(Duration::from_secs(30))
        .expect("the provider is ready within 30 s")
        .expect("the provider printed its ready line");
    provider.issuer = line
        .strip_prefix("ready ")
        .unwrap_or_else(|| panic!("a ready line, not {line:?}"))
        .to_owned();
    provider
}

/// A browser: no redirects followed, its own cookies (by name; both servers are 127.0.0.1).
struct Browser {
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for set in response.headers().get_all(header::SET_COOKIE) {
            let set = set.to_str().expect("an ASCII Set-Cookie");
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').expect("name=value");
            let lower = set.to_ascii_lowercase();
            if value.is_empty() || lower.contains("max-age=0") || lower.contains("1970") {
                self.cookies.remove(name.trim());
            } else {
                self.cookies.insert(name.trim().into(), value.trim().into());
            }
        }
    }

    async fn get(&mut self, url: &str) -> reqwest::Response {
        let response = self
            .http
            .get(url)
            .header(header::COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        response
    }

    async fn post_form(&mut self, url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = Url::parse("form:").unwrap();
        form.query_pairs_mut().extend_pairs(fields);
        let response = self
            .http
            .post(url)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form.query().unwrap_or_default().to_owned())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        response
    }
}

fn location(response: &reqwest::Response, base: &str) -> String {
    assert!(
        response.status().is_redirection(),
        "a redirect from {}, not {}",
        response.url(),
        response.status()
    );
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    Url::parse(base)
        .unwrap()
        .join(location)
        .unwrap()
        .to_string()
}

/// Starts at the app and signs in at the provider as `login`, through its login and consent
/// pages (asserting both were shown, in that order); the URL the provider sends the browser
/// back to (the app's callback, not yet called).
async fn authorize(browser: &mut Browser, app: &str, issuer: &str, login: &str) -> Url {
    let start = browser.get(&format!("{app}/auth/oauth/oidc/start")).await;
    assert_eq!(start.status(), StatusCode::FOUND);
    let url = location(&start, app);
    authorize_at(browser, url, app, issuer, login).await
}

/// [`authorize`] from `url`, the provider's authorization URL the app gave.
async fn authorize_at(
    browser: &mut Browser,
    mut url: String,
    app: &str,
    issuer: &str,
    login: &str,
) -> Url {
    let mut prompts = Vec::new();
    assert!(
        browser.cookies.contains_key("authkit_oauth"),
        "the flow cookie is set"
    );
    assert!(
        url.starts_with(&format!("{issuer}/")),
        "to the provider: {url}"
    );
    let callback = format!("{app}/auth/oauth/oidc/callback");
    for _ in 0..10 {
        if url.starts_with(&callback) {
            assert_eq!(prompts, ["login", "consent"], "the provider's pages");
            return Url::parse(&url).unwrap();
        }
        let response = browser.get(&url).await;
        if response.status().is_redirection() {
            url = location(&response, issuer);
            continue;
        }
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "an interaction page at {url}"
        );
        let page = response.text().await.unwrap();
        let action = page
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("a form on {url}: {page}"));
        let action = Url::parse(issuer)
            .unwrap()
            .join(action)
            .unwrap()
            .to_string();
        let submitted = if page.contains(r#"name="prompt" value="login""#) {
            prompts.push("login");
            browser
                .post_form(
                    &action,
                    &[("prompt", "login"), ("login", login), ("password", "any")],
                )
                .await
        } else if page.contains(r#"name="prompt" value="consent""#) {
            prompts.push("consent");
            browser.post_form(&action, &[("prompt", "consent")]).await
        } else {
            panic!("neither a login nor a consent page at {url}: {page}")
        };
        url = location(&submitted, issuer);
    }
    panic!("the provider did not send the browser back to {callback}")
}

async fn problem_code(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("a problem document");
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

async fn me(app: &str, access_token: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{app}/auth/me"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// A temporary SQLite file, removed when dropped.
struct TempDb(PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_with_oidc_provider_creates_then_reuses_the_account_refuses_spoiled_state_and_replay_follows_key_rotation_and_links()
 {
    if std::env::var("AUTHKIT_TEST_SKIP_OIDC_PROVIDER").is_ok_and(|v| v == "1") {
        eprintln!("skipped: AUTHKIT_TEST_SKIP_OIDC_PROVIDER=1");
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = format!("http://{}", listener.local_addr().unwrap());
    let redirect_uri = format!("{app}/auth/oauth/oidc/callback");
    let provider = start_provider(&redirect_uri, 0);
    let issuer = provider.issuer.clone();

    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let db = TempDb(std::env::temp_dir().join(format!(
        "authkit_oidc_e2e_{}_{stamp}.db",
        std::process::id()
    )));
    let env: Vec<(&str, String)> = vec![
        (
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", db.0.display()),
        ),
        (
            "AUTHKIT_JWT_SECRET",
            "the OIDC end-to-end test's secret, 32+ bytes".into(),
        ),
        ("AUTHKIT_IP_RATE_LIMIT", "0".into()),
        ("AUTHKIT_PUBLIC_URL", app.clone()),
        ("AUTHKIT_OIDC_ISSUER", issuer.clone()),
        ("AUTHKIT_OIDC_CLIENT_ID", CLIENT_ID.into()),
        ("AUTHKIT_OIDC_CLIENT_SECRET", CLIENT_SECRET.into()),
        ("AUTHKIT_OIDC_NAME", "oidc".into()),
        // An unknown key is fetched at once (the rotation below comes within seconds).
        ("AUTHKIT_OAUTH_JWKS_REFETCH", "0s".into()),
    ];
    let settings = Settings::from_lookup(|name| {
        env.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    })
    .expect("valid app settings");
    let built = authkit_example_support::build(&settings)
        .await
        .expect("the app starts");
    let server = tokio::spawn(authkit_axum::serve(
        listener,
        axum_app::router(built.api, None),
        std::future::pending(),
    ));

    // First sign-in: the account is created with the provider's verified address.
    let mut browser = Browser::new();
    let callback = authorize(&mut browser, &app, &issuer, "alice").await;
    let params: BTreeMap<String, String> = callback.query_pairs().into_owned().collect();
    assert!(params.contains_key("code"), "a code in {callback}");
    let flow_cookie = browser.cookie_header();
    let signed_in = browser.get(callback.as_str()).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let tokens: Value = signed_in.json().await.unwrap();
    let access_token = tokens["access_token"].as_str().expect("an access token");
    assert!(
        tokens["refresh_token"].as_str().is_some(),
        "a refresh token"
    );
    let first = me(&app, access_token).await;
    assert_eq!(first["email"], "alice@example.test");
    assert_eq!(first["email_verified"], true);

    // Replaying that callback (same code, state and flow cookie) is refused: single use.
    let replay = reqwest::Client::new()
        .get(callback.as_str())
        .header(header::COOKIE, flow_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem_code(replay).await,
        (StatusCode::BAD_REQUEST, "invalid_oauth_state".to_owned())
    );

    // Second sign-in, another browser, same provider account: the same user.
    let mut again = Browser::new();
    let callback = authorize(&mut again, &app, &issuer, "alice").await;
    let signed_in = again.get(callback.as_str()).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let tokens: Value = signed_in.json().await.unwrap();
    let second = me(&app, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["email"], "alice@example.test");

    // A callback whose state was tampered with is refused.
    let mut third = Browser::new();
    let mut callback = authorize(&mut third, &app, &issuer, "alice").await;
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                // The first character: all of its bits count.
                let flipped = if v.starts_with('A') { 'B' } else { 'A' };
                (k, format!("{flipped}{}", &v[1..]))
            } else {
                (k, v)
            }
        })
        .collect();
    callback.query_pairs_mut().clear().extend_pairs(&pairs);
    let tampered = third.get(callback.as_str()).await;
    assert_eq!(
        problem_code(tampered).await,
        (StatusCode::BAD_REQUEST, "invalid_oauth_state".to_owned())
    );

    // Key rotation: the provider restarts on its issuer's port with a new signing key; the
    // app, holding the old key set, fetches the new one for the unknown key id.
    let port = Url::parse(&issuer).unwrap().port().unwrap();
    drop(provider);
    let provider = start_provider(&redirect_uri, port);
    assert_eq!(provider.issuer, issuer);
    let mut rotated = Browser::new();
    let callback = authorize(&mut rotated, &app, &issuer, "alice").await;
    let signed_in = rotated.get(callback.as_str()).await;
    assert_eq!(
        signed_in.status(),
        StatusCode::OK,
        "signed with the new key"
    );
    let tokens: Value = signed_in.json().await.unwrap();
    let alice_token = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(me(&app, &alice_token).await["id"], first["id"]);

    // Linking while signed in: a password account links a provider identity explicitly
    // (its address there differs), signs in with it, then unlinks it (it keeps its password).
    let http = reqwest::Client::new();
    let registered: Value = http
        .post(format!("{app}/auth/register"))
        .json(&serde_json::json!({
            "email": "bob@example.com",
            "password": "a long and unusual passphrase for bob"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bob_token = registered["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut bobs = Browser::new();
    let link = bobs
        .http
        .post(format!("{app}/auth/oauth/oidc/link"))
        .bearer_auth(&bob_token)
        .send()
        .await
        .unwrap();
    assert_eq!(link.status(), StatusCode::OK);
    bobs.keep_cookies(&link);
    let link: Value = link.json().await.unwrap();
    let url = link["authorization_url"].as_str().unwrap().to_owned();
    let callback = authorize_at(&mut bobs, url, &app, &issuer, "robert").await;
    let linked = bobs.get(callback.as_str()).await;
    assert_eq!(linked.status(), StatusCode::OK);
    let identity: Value = linked.json().await.unwrap();
    assert_eq!(identity["provider"], "oidc");
    assert_eq!(identity["subject"], "robert");
    let mut robert = Browser::new();
    let callback = authorize(&mut robert, &app, &issuer, "robert").await;
    let signed_in = robert.get(callback.as_str()).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let tokens: Value = signed_in.json().await.unwrap();
    let as_robert = me(&app, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(as_robert["id"], registered["user"]["id"]);
    assert_eq!(as_robert["email"], "bob@example.com");
    let identity_id = identity["id"].as_str().unwrap();
    let unlinked = http
        .delete(format!("{app}/auth/identities/{identity_id}"))
        .bearer_auth(&bob_token)
        .send()
        .await
        .unwrap();
    assert_eq!(unlinked.status(), StatusCode::NO_CONTENT);

    // Alice's account was made by the provider: its identity is its only way to sign in.
    let identities: Value = http
        .get(format!("{app}/auth/identities"))
        .bearer_auth(&alice_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let alices = identities[0]["id"].as_str().unwrap();
    let refused = http
        .delete(format!("{app}/auth/identities/{alices}"))
        .bearer_auth(&alice_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem_code(refused).await,
        (StatusCode::CONFLICT, "last_sign_in_method".to_owned())
    );

    server.abort();
    drop(provider);
}
