//! Running the binary, fresh databases, and the axum example app on them.

use std::path::PathBuf;
use std::process::Stdio;

use authkit_example_support::Settings;
use authkit_example_support::testing::{Cleanup, postgres_schema};
use tokio::io::AsyncWriteExt;

/// The HS256 secret the cases share between the binary and the app.
pub const SECRET: &str = "the command line test's secret, 32+ bytes";

/// What a run of the binary printed and how it ended.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Asserts exit code `code`, showing both streams when it is another.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "{self:#?}");
        self
    }
}

/// Runs `authkit args…` with only the variables `env`, writing `stdin` to its standard input.
pub async fn authkit(env: &[(&str, &str)], args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_authkit"))
        .env_clear()
        .envs(env.iter().copied())
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the authkit binary runs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("a stdin pipe");
        pipe.write_all(input.as_bytes()).await.expect("stdin");
        drop(pipe);
    }
    let output = child.wait_with_output().await.expect("the binary ends");
    Run {
        code: output.status.code().expect("an exit code, not a signal"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 errors"),
    }
}

/// A database of its own for one case; removed when dropped.
pub struct Db {
    /// Its `DATABASE_URL`.
    pub url: String,
    /// `sqlite` or `postgres`, as `migrate` names it.
    pub backend: &'static str,
    _cleanup: Removal,
}

enum Removal {
    Sqlite(PathBuf),
    Postgres(#[allow(dead_code)] Cleanup),
}

impl Drop for Removal {
    fn drop(&mut self) {
        if let Self::Sqlite(path) = self {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

/// A unique name for a database, schema or file.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

impl Db {
    /// A temporary SQLite file.
    pub fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("{}.db", unique("authkit_cli")));
        Self {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            backend: "sqlite",
            _cleanup: Removal::Sqlite(path),
        }
    }

    /// A fresh schema in `AUTHKIT_TEST_POSTGRES_URL`'s database, or `None` when it is unset.
    pub async fn postgres() -> Option<Self> {
        let base = std::env::var("AUTHKIT_TEST_POSTGRES_URL")
            .ok()
            .filter(|url| !url.is_empty())?;
        let (url, cleanup) = postgres_schema(&base, &unique("authkit_cli")).await;
        Some(Self {
            url,
            backend: "postgres",
            _cleanup: Removal::Postgres(cleanup),
        })
    }

    /// The variables the binary and the app share on this database.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self.url.clone()),
            ("AUTHKIT_JWT_SECRET", SECRET.to_owned()),
            ("AUTHKIT_IP_RATE_LIMIT", "0".to_owned()),
        ]
    }
}

/// `pairs` as the `&[(&str, &str)]` [`authkit`] takes.
pub fn vars<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The axum example app on `127.0.0.1:0`, configured by `env` alone as its `main` would be;
/// its base URL. It stops with the test's runtime.
pub async fn start_app(env: &[(&'static str, String)]) -> String {
    let settings = Settings::from_lookup(|name| {
        env.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    })
    .expect("valid app settings");
    let app = authkit_example_support::build(&settings)
        .await
        .expect("the app starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(authkit_axum::serve(
        listener,
        axum_app::router(app.api, None),
        std::future::pending(),
    ));
    base
}

/// `POST {base}{path}` with a JSON body: the status and the JSON answer (`null` when empty).
pub async fn post(base: &str, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .expect("the app answers");
    answer(response).await
}

/// `GET {base}{path}` with a bearer token: the status and the JSON answer.
pub async fn get(base: &str, path: &str, token: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the app answers");
    answer(response).await
}

async fn answer(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    let json = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).expect("a JSON answer")
    };
    (status, json)
}

/// Logs in over HTTP: the status and the answer.
pub async fn login(base: &str, email: &str, password: &str) -> (u16, serde_json::Value) {
    post(
        base,
        "/auth/login",
        serde_json::json!({ "email": email, "password": password }),
    )
    .await
}

/// Each case on SQLite, and on PostgreSQL when it is configured: `$case` is an async function
/// of a [`Db`].
macro_rules! on_each_backend {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    super::$case($crate::support::Db::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    if let Some(db) = $crate::support::Db::postgres().await {
                        super::$case(db).await;
                    }
                }
            )*
        }
    };
}
