//! The quick start as a user runs it: the binary, a fresh directory, two variables. It serves
//! the flow and the application's own route; the README shows exactly its source.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Kills the server when the test ends, passed or not.
struct Server(Child);

impl Drop for Server {
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

#[tokio::test]
async fn the_quick_start_serves_the_flow_and_its_own_route() {
    let dir = std::env::temp_dir().join(format!("authkit-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bind = format!("127.0.0.1:{}", free_port());
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_quickstart"))
            .current_dir(&dir)
            .env("AUTHKIT_BIND", &bind)
            .env("AUTHKIT_JWT_SECRET", "a quick start secret of 32+ bytes!!")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the quickstart binary starts"),
    );
    let base = format!("http://{bind}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server never answered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let registered: Value = client
        .post(format!("{base}/auth/register"))
        .json(
            &json!({ "email": "ada@example.com", "password": "tulips in the dishwasher at noon" }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = registered["tokens"]["access_token"]
        .as_str()
        .expect("a token pair");
    let user_id = registered["user"]["id"].as_str().unwrap();

    let hello = client
        .get(format!("{base}/hello"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(hello.status(), 200);
    assert_eq!(
        hello.text().await.unwrap(),
        format!("hello {user_id}, you are a user")
    );
    let anonymous = client.get(format!("{base}/hello")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert!(
        dir.join("quickstart.db").exists(),
        "the SQLite file is where it runs"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_readme_shows_this_example_exactly() {
    let readme = include_str!("../../../README.md");
    let marker = "<!-- examples/quickstart/src/main.rs -->\n```rust\n";
    let start = readme.find(marker).expect("the quick start in README.md") + marker.len();
    let shown = &readme[start..start + readme[start..].find("```\n").expect("the block's end")];
    assert_eq!(shown, include_str!("../src/main.rs"));
}
