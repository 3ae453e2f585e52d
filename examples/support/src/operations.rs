//! What an operator sees of a running app, checked against the app's own binary (one process
//! per check, so its metrics count exactly what the check did): the Prometheus page after a
//! scripted flow, and request ids in the answers and in the JSON log lines of their requests.
//! Both example apps run these from their tests.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "a long and unusual passphrase";

/// An app process with its log lines (JSON), killed when dropped.
pub struct Running {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Starts `binary` on a fresh SQLite file in `dir` with JSON logs and `vars`, and waits
    /// until it answers.
    pub async fn start(binary: &str, dir: &std::path::Path, vars: &[(&str, &str)]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/ops.db?mode=rwc", dir.display()),
            )
            .env("AUTHKIT_BIND", format!("127.0.0.1:{port}"))
            .env(
                "AUTHKIT_JWT_SECRET",
                "operations-secret-of-32-bytes-or-more",
            )
            .env("AUTHKIT_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .envs(vars.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("start the app");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let running = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            lines,
        };
        running.wait_until_up().await;
        running
    }

    async fn wait_until_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = reqwest::Client::new();
        loop {
            if let Ok(answer) = client.get(format!("{}/healthz", self.base)).send().await
                && answer.status().is_success()
            {
                return;
            }
            assert!(Instant::now() < deadline, "the app did not start in 60 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The JSON log lines written so far that mention `text`, parsed.
    pub fn log_lines_with(&self, text: &str) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line.contains(text))
            .map(|line| serde_json::from_str(line).expect("every log line is JSON"))
            .collect()
    }
}

/// The value of the sample `name{labels}` (labels as Prometheus writes them, sorted by the
/// exporter in the order given) on a metrics page; `None` when absent.
pub fn sample(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == series).then(|| value.parse().expect("a number"))
        })
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let answer = client
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("an answer");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// Register (which mails a verification link), two failed logins, a login, a refresh and a
/// replay of the rotated-out token, then three requests past the per-client limit: `/metrics`
/// counts exactly those.
pub async fn metrics_count_a_scripted_flow(binary: &str) {
    let dir = tempdir();
    let app = Running::start(
        binary,
        &dir,
        &[
            ("AUTHKIT_IP_RATE_LIMIT", "6"),
            ("AUTHKIT_REFRESH_GRACE", "0"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", app.base);
    let credentials = json!({ "email": "ops@example.com", "password": PASSWORD });
    let (status, _) = post(&client, url("/auth/register"), credentials.clone()).await;
    assert_eq!(status, 201);
    for _ in 0..2 {
        let wrong = json!({ "email": "ops@example.com", "password": "not the password at all" });
        assert_eq!(post(&client, url("/auth/login"), wrong).await.0, 401);
    }
    let (status, pair) = post(&client, url("/auth/login"), credentials.clone()).await;
    assert_eq!(status, 200);
    let first = json!({ "refresh_token": pair["refresh_token"] });
    assert_eq!(
        post(&client, url("/auth/refresh"), first.clone()).await.0,
        200
    );
    assert_eq!(post(&client, url("/auth/refresh"), first).await.0, 401); // the replay
    for _ in 0..3 {
        assert_eq!(
            post(&client, url("/auth/login"), credentials.clone())
                .await
                .0,
            429
        );
    }

    // Mail goes out in the background: wait (a little) until it has been counted.
    let deadline = Instant::now() + Duration::from_secs(10);
    let page = loop {
        let answer = client.get(url("/metrics")).send().await.expect("an answer");
        assert_eq!(answer.status().as_u16(), 200);
        assert_eq!(
            answer.headers()["content-type"],
            crate::METRICS_CONTENT_TYPE
        );
        let page = answer.text().await.expect("text");
        if sample(&page, r#"authkit_mails_total{outcome="sent"}"#).is_some()
            || Instant::now() > deadline
        {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let expected = [
        ("authkit_registrations_total", 1.0),
        (
            r#"authkit_logins_total{outcome="invalid_credentials"}"#,
            2.0,
        ),
        (r#"authkit_logins_total{outcome="success"}"#, 1.0),
        ("authkit_refreshes_total", 1.0),
        ("authkit_refresh_reuse_detected_total", 1.0),
        ("authkit_revocations_total", 1.0),
        ("authkit_rate_limited_total", 3.0),
        // The registration's verification mail, by the console mailer.
        (r#"authkit_mails_total{outcome="sent"}"#, 1.0),
        (
            r#"authkit_http_request_duration_seconds_count{method="POST",route="/auth/login",status="401"}"#,
            2.0,
        ),
        (
            r#"authkit_http_request_duration_seconds_count{method="POST",route="/auth/login",status="429"}"#,
            3.0,
        ),
        (
            r#"authkit_http_request_duration_seconds_count{method="POST",route="/auth/refresh",status="200"}"#,
            1.0,
        ),
    ];
    for (series, value) in expected {
        assert_eq!(sample(&page, series), Some(value), "{series} in\n{page}");
    }
    for absent in [
        r#"authkit_logins_total{outcome="throttled"}"#,
        r#"authkit_logins_total{outcome="unverified"}"#,
        r#"authkit_mails_total{outcome="failed"}"#,
    ] {
        assert_eq!(sample(&page, absent), None, "{absent} in\n{page}");
    }
    // Hashing: the registration's hash and the three logins' verifications, at least (the
    // strength check runs under a permit too); every permit was given back.
    let hashed = sample(&page, "authkit_password_hash_duration_seconds_count").unwrap();
    assert!(hashed >= 4.0, "{page}");
    assert_eq!(
        sample(&page, "authkit_password_hash_wait_seconds_count"),
        Some(hashed)
    );
    assert_eq!(
        sample(&page, "authkit_password_hash_permits_in_use"),
        Some(0.0)
    );
    let idle = sample(&page, r#"authkit_db_pool_connections{state="idle"}"#).unwrap();
    assert!(idle >= 1.0, "{page}");
    assert!(sample(&page, r#"authkit_db_pool_connections{state="in_use"}"#).is_some());
}

/// `AUTHKIT_METRICS_BIND` moves the page off the public port; `AUTHKIT_METRICS_PATH=off`
/// serves none.
pub async fn metrics_move_to_their_own_listener_or_off(binary: &str) {
    let dir = tempdir();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let internal = format!("127.0.0.1:{port}");
    let app = Running::start(
        binary,
        &dir,
        &[
            ("AUTHKIT_METRICS_BIND", &internal),
            ("AUTHKIT_METRICS_PATH", "/internal/metrics"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let public = client
        .get(format!("{}/internal/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status().as_u16(), 404);
    let page = client
        .get(format!("http://{internal}/internal/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let text = page.text().await.unwrap();
    assert!(text.contains("authkit_db_pool_connections"), "{text}");
    let elsewhere = client
        .get(format!("http://{internal}/other"))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status().as_u16(), 404);
    drop(app);

    let dir = tempdir();
    let app = Running::start(binary, &dir, &[("AUTHKIT_METRICS_PATH", "off")]).await;
    let answer = client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 404);
}

/// A request id sent in comes back and is on the request's JSON log lines (the login failure
/// event and the closing line); an unusable one is replaced, and none is made up.
pub async fn request_ids_come_back_and_mark_the_log_lines(binary: &str) {
    let dir = tempdir();
    let app = Running::start(binary, &dir, &[("AUTHKIT_IP_RATE_LIMIT", "0")]).await;
    let client = reqwest::Client::new();
    let login = format!("{}/auth/login", app.base);
    let wrong = json!({ "email": "nobody@example.com", "password": "not a password of anyone" });
    let answer = client
        .post(&login)
        .header("x-request-id", "ops-test-42")
        .json(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 401);
    assert_eq!(answer.headers()["x-request-id"], "ops-test-42");

    let deadline = Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let lines = app.log_lines_with("ops-test-42");
        if lines
            .iter()
            .any(|l| l["fields"]["message"] == "request finished")
        {
            break lines;
        }
        assert!(Instant::now() < deadline, "no closing log line: {lines:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let event = lines
        .iter()
        .find(|l| l["fields"]["event"] == "auth.login.failed")
        .unwrap_or_else(|| panic!("the failure event carries the request id: {lines:?}"));
    assert_eq!(event["span"]["request_id"], "ops-test-42");
    assert_eq!(event["span"]["method"], "POST");
    let closing = lines
        .iter()
        .find(|l| l["fields"]["message"] == "request finished")
        .unwrap();
    assert_eq!(closing["fields"]["status"], 401);
    assert_eq!(closing["span"]["route"], "/auth/login");
    assert_eq!(closing["span"]["request_id"], "ops-test-42");

    // An authenticated request's lines name the user and session, never the token.
    let credentials = json!({ "email": "ids@example.com", "password": PASSWORD });
    let (status, registered) =
        post(&client, format!("{}/auth/register", app.base), credentials).await;
    assert_eq!(status, 201);
    let token = registered["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = client
        .get(format!("{}/auth/me", app.base))
        .bearer_auth(&token)
        .header("x-request-id", "ops-test-me")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    let closing = loop {
        if let Some(line) = app
            .log_lines_with("ops-test-me")
            .into_iter()
            .find(|l| l["fields"]["message"] == "request finished")
        {
            break line;
        }
        assert!(
            Instant::now() < deadline,
            "no closing log line for /auth/me"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(closing["span"]["user_id"], registered["user"]["id"]);
    assert_eq!(
        closing["span"]["session_id"],
        registered["tokens"]["session_id"]
    );
    assert!(
        app.log_lines_with(&token).is_empty(),
        "a token reached the log"
    );

    for (sent, kept) in [
        (Some("has space"), false),
        (Some(&*"x".repeat(65)), false),
        (None, false),
    ] {
        let mut request = client.get(format!("{}/healthz", app.base));
        if let Some(sent) = sent {
            request = request.header("x-request-id", sent);
        }
        let answer = request.send().await.unwrap();
        let id = answer.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(Some(id.as_str()) == sent, kept);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    }
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("authkit-ops-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}
