//! Every kind of mail over real SMTP: the app (SmtpMailer from authkit-mail) sends to an
//! aiosmtpd server this test starts, and each message arrives with the right recipient and
//! subject, as text and HTML, with a link that works against the app.
//!
//! Needs a Python with aiosmtpd in `AUTHKIT_TEST_SMTP_PYTHON` (`.ci/run` sets it to its
//! virtualenv); unset, the test passes without running and says so.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use authkit_example_support::{Settings, build};
use serde_json::{Value, json};

const PASSWORD: &str = "tulips in the dishwasher at noon";
const NEW_PASSWORD: &str = "vintage kettle orbits a quiet moon";

/// Stops the SMTP server when the test ends.
struct Smtp(Child);

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// aiosmtpd on `port`, writing each message as JSON into `dir`.
async fn start_smtp(python: &str, port: u16, dir: &Path) -> Smtp {
    let server = Smtp(
        Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "smtp_sink.JsonSink"])
            .arg(dir)
            .env("PYTHONPATH", concat!(env!("CARGO_MANIFEST_DIR"), "/tests"))
            .stdout(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts"),
    );
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "aiosmtpd never listened"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server
}

/// The messages received so far.
fn received(dir: &Path) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
        .collect()
}

/// Waits for the message to `to` with `subject`, and returns it.
async fn mail(dir: &Path, to: &str, subject: &str) -> Value {
    let started = Instant::now();
    loop {
        if let Some(found) = received(dir)
            .into_iter()
            .find(|m| m["to"] == json!([to]) && m["subject"] == subject)
        {
            assert_eq!(found["from"], "no-reply@example.com");
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no {subject:?} to {to}; received: {:#}",
            Value::Array(received(dir))
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The token of the link in `mail` (`{public_url}/{page}#token=…`), checked in text and HTML.
fn token(mail: &Value, public_url: &str, page: &str) -> String {
    let text = mail["text"].as_str().expect("a text part");
    let prefix = format!("{public_url}/{page}#token=");
    let start = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    let token: String = text[start + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let html = mail["html"].as_str().expect("an HTML part");
    assert!(
        html.contains(&format!("<a href=\"{prefix}{token}\">")),
        "{html}"
    );
    token
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_of_mail_arrives_over_smtp_with_a_working_link() {
    let Ok(python) = std::env::var("AUTHKIT_TEST_SMTP_PYTHON") else {
        eprintln!("skipped: the SMTP test, because AUTHKIT_TEST_SMTP_PYTHON is unset");
        return;
    };
    let dir = std::env::temp_dir().join(format!("authkit-smtp-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let smtp_port = free_port();
    let _smtp = start_smtp(&python, smtp_port, &dir).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let vars = [
        (
            "DATABASE_URL",
            format!("sqlite://{}/app.db?mode=rwc", dir.display()),
        ),
        (
            "AUTHKIT_JWT_SECRET",
            "an smtp test secret of 32+ bytes!!".to_owned(),
        ),
        ("AUTHKIT_PUBLIC_URL", base.clone()),
        ("AUTHKIT_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")),
        (
            "AUTHKIT_MAIL_FROM",
            "authkit <no-reply@example.com>".to_owned(),
        ),
        ("AUTHKIT_REQUIRE_EMAIL_VERIFICATION", "true".to_owned()),
        ("AUTHKIT_WELCOME_MAIL", "true".to_owned()),
        ("AUTHKIT_IP_RATE_LIMIT", "0".to_owned()),
    ];
    let settings = Settings::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    let app = build(&settings).await.expect("the app starts");
    let router = axum_app::router(app.api, app.metrics);
    tokio::spawn(authkit_axum::serve(
        listener,
        router,
        std::future::pending(),
    ));
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| http.post(format!("{base}{path}")).json(&body).send();

    // Registration: a verification link that verifies.
    let answer = post(
        "/auth/register",
        json!({ "email": "ada@example.com", "password": PASSWORD, "username": "ada" }),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 202);
    let verify = mail(&dir, "ada@example.com", "Confirm your e-mail address").await;
    let answer = post(
        "/auth/email/verify",
        json!({ "token": token(&verify, &base, "verify-email") }),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 200);
    let welcome = mail(&dir, "ada@example.com", "Welcome").await;
    assert!(
        welcome["text"].as_str().unwrap().contains(&base),
        "{welcome}"
    );

    // A second registration of the address, and one with the taken username: notices.
    post(
        "/auth/register",
        json!({ "email": "ada@example.com", "password": PASSWORD }),
    )
    .await
    .unwrap();
    mail(
        &dir,
        "ada@example.com",
        "Someone tried to register with your address",
    )
    .await;
    post(
        "/auth/register",
        json!({ "email": "grace@example.com", "password": PASSWORD, "username": "ada" }),
    )
    .await
    .unwrap();
    mail(
        &dir,
        "grace@example.com",
        "Your registration was not completed",
    )
    .await;

    // A reset link that resets.
    post(
        "/auth/password-reset/request",
        json!({ "email": "ada@example.com" }),
    )
    .await
    .unwrap();
    let reset = mail(&dir, "ada@example.com", "Reset your password").await;
    let answer = post(
        "/auth/password-reset/confirm",
        json!({ "token": token(&reset, &base, "reset-password"), "new_password": NEW_PASSWORD }),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 204);

    // A password change: its notice.
    let login: Value = post(
        "/auth/login",
        json!({ "email": "ada@example.com", "password": NEW_PASSWORD }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let access = login["access_token"]
        .as_str()
        .expect("signed in")
        .to_owned();
    let answer = http
        .post(format!("{base}/auth/password/change"))
        .bearer_auth(&access)
        .json(&json!({ "current_password": NEW_PASSWORD, "new_password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    mail(&dir, "ada@example.com", "Your password was changed").await;

    // An e-mail change: a link to the new address that switches it, a notice to the old one.
    let answer = http
        .post(format!("{base}/auth/email/change"))
        .bearer_auth(&access)
        .json(&json!({ "new_email": "ada@lovelace.example", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202);
    mail(
        &dir,
        "ada@example.com",
        "Your e-mail address is being changed",
    )
    .await;
    let confirm = mail(
        &dir,
        "ada@lovelace.example",
        "Confirm your new e-mail address",
    )
    .await;
    let switched: Value = post(
        "/auth/email/verify",
        json!({ "token": token(&confirm, &base, "verify-email") }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(switched["email"], "ada@lovelace.example");

    let _ = std::fs::remove_dir_all(&dir);
}

/// A name for the test's directory that no other run uses.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}-{nanos}", std::process::id())
}
