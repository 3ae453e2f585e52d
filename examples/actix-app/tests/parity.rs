//! Parity: one scripted scenario against the axum app and the actix-web app must give the same
//! status, `code`, contract headers and JSON shape at every step.

use std::sync::Arc;

use authkit_core::mail::{MailKind, MemoryMailer};
use authkit_example_support::testing::{self, Backend};
use authkit_http_conformance::TargetOptions;
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};

/// What must match between the two apps for one step.
#[derive(Debug, PartialEq)]
struct Observed {
    status: u16,
    code: Option<String>,
    headers: Vec<(&'static str, Option<String>)>,
    shape: Value,
}

/// The headers the contract speaks of; `date`, `content-length` and the like may differ.
const CONTRACT_HEADERS: [&str; 5] = [
    "content-type",
    "cache-control",
    "pragma",
    "www-authenticate",
    "retry-after",
];

/// A JSON value with every leaf replaced by its type, so ids and tokens compare equal.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().take(1).map(shape).collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => Value::Null,
    }
}

struct Run {
    client: Client,
    base: String,
    mailer: Arc<MemoryMailer>,
    steps: Vec<(&'static str, Observed)>,
}

impl Run {
    async fn step(&mut self, name: &'static str, request: RequestBuilder) -> Value {
        let response = request.send().await.expect("the app answers");
        let status = response.status().as_u16();
        let headers = CONTRACT_HEADERS
            .iter()
            .map(|h| {
                (
                    *h,
                    response
                        .headers()
                        .get(*h)
                        .map(|v| v.to_str().unwrap().to_owned()),
                )
            })
            .map(|(h, v)| {
                (
                    h,
                    if h == "retry-after" {
                        v.map(|_| "present".to_owned())
                    } else {
                        v
                    },
                )
            })
            .collect();
        let bytes = response.bytes().await.unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let code = body
            .get("code")
            .or_else(|| body.get("error"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let shape = if name == "openapi" {
            body.clone()
        } else {
            shape(&body)
        };
        self.steps.push((
            name,
            Observed {
                status,
                code,
                headers,
                shape,
            },
        ));
        body
    }

    fn at(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    fn json(&self, method: Method, path: &str, body: Value) -> RequestBuilder {
        self.at(method, path).json(&body)
    }
}

const PASSWORD: &str = "correct horse battery staple 42";

async fn script(base: String, mailer: Arc<MemoryMailer>) -> Vec<(&'static str, Observed)> {
    let mut r = Run {
        client: Client::new(),
        base,
        mailer,
        steps: Vec::new(),
    };
    let ada = json!({ "email": "ada@example.com", "password": PASSWORD });
    let created = r
        .step(
            "register",
            r.json(Method::POST, "/auth/register", ada.clone()),
        )
        .await;
    r.step(
        "register taken",
        r.json(Method::POST, "/auth/register", ada.clone()),
    )
    .await;
    r.step(
        "register weak",
        r.json(
            Method::POST,
            "/auth/register",
            json!({ "email": "b@example.com", "password": "fourteen chars" }),
        ),
    )
    .await;
    r.step(
        "register bad e-mail",
        r.json(
            Method::POST,
            "/auth/register",
            json!({ "email": "nope", "password": PASSWORD }),
        ),
    )
    .await;
    r.step(
        "register malformed",
        r.at(Method::POST, "/auth/register")
            .header("content-type", "application/json")
            .body("{oops"),
    )
    .await;
    r.step(
        "register text/plain",
        r.at(Method::POST, "/auth/register")
            .header("content-type", "text/plain")
            .body("{}"),
    )
    .await;
    r.step(
        "register oversized",
        r.at(Method::POST, "/auth/register")
            .header("content-type", "application/json")
            .body(vec![b' '; 17 * 1024]),
    )
    .await;
    r.step(
        "login wrong",
        r.json(
            Method::POST,
            "/auth/login",
            json!({ "email": "ada@example.com", "password": "wrong wrong wrong" }),
        ),
    )
    .await;
    r.step(
        "login unknown",
        r.json(
            Method::POST,
            "/auth/login",
            json!({ "email": "ghost@example.com", "password": PASSWORD }),
        ),
    )
    .await;
    let login = r
        .step("login", r.json(Method::POST, "/auth/login", ada.clone()))
        .await;
    let access = login["access_token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {access}");
    r.step("me without token", r.at(Method::GET, "/auth/me"))
        .await;
    r.step(
        "me with garbage",
        r.at(Method::GET, "/auth/me")
            .header("authorization", "Bearer garbage"),
    )
    .await;
    r.step(
        "me",
        r.at(Method::GET, "/auth/me")
            .header("authorization", &bearer),
    )
    .await;
    r.step("app route without token", r.at(Method::GET, "/hello"))
        .await;
    r.step(
        "app admin route as user",
        r.at(Method::GET, "/admin/stats")
            .header("authorization", &bearer),
    )
    .await;
    r.step(
        "patch me",
        r.json(Method::PATCH, "/auth/me", json!({ "username": "ada" }))
            .header("authorization", &bearer),
    )
    .await;
    let old_refresh = created["tokens"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    r.step(
        "refresh",
        r.json(
            Method::POST,
            "/auth/refresh",
            json!({ "refresh_token": old_refresh }),
        ),
    )
    .await;
    r.step(
        "refresh replay",
        r.json(
            Method::POST,
            "/auth/refresh",
            json!({ "refresh_token": old_refresh }),
        ),
    )
    .await;
    r.step(
        "token password grant",
        r.at(Method::POST, "/auth/token").form(&[
            ("grant_type", "password"),
            ("username", "ada"),
            ("password", PASSWORD),
        ]),
    )
    .await;
    r.step(
        "token unsupported grant",
        r.at(Method::POST, "/auth/token")
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;
    r.step(
        "token missing password",
        r.at(Method::POST, "/auth/token")
            .form(&[("grant_type", "password"), ("username", "ada")]),
    )
    .await;
    r.step(
        "sessions",
        r.at(Method::GET, "/auth/sessions")
            .header("authorization", &bearer),
    )
    .await;
    r.step(
        "revoke unknown session",
        r.at(Method::DELETE, "/auth/sessions/not-a-uuid")
            .header("authorization", &bearer),
    )
    .await;
    r.step(
        "admin list as user",
        r.at(Method::GET, "/auth/admin/users")
            .header("authorization", &bearer),
    )
    .await;
    let admin = r
        .step(
            "admin login",
            r.json(
                Method::POST,
                "/auth/login",
                json!({ "email": testing::ADMIN_EMAIL, "password": testing::ADMIN_PASSWORD }),
            ),
        )
        .await;
    let admin_bearer = format!("Bearer {}", admin["access_token"].as_str().unwrap());
    r.step(
        "admin list",
        r.at(Method::GET, "/auth/admin/users?limit=1")
            .header("authorization", &admin_bearer),
    )
    .await;
    r.step(
        "admin list bad limit",
        r.at(Method::GET, "/auth/admin/users?limit=0")
            .header("authorization", &admin_bearer),
    )
    .await;
    r.step(
        "admin get missing",
        r.at(
            Method::GET,
            "/auth/admin/users/0190a0a0-0000-7000-8000-000000000000",
        )
        .header("authorization", &admin_bearer),
    )
    .await;
    r.step(
        "reset request",
        r.json(
            Method::POST,
            "/auth/password-reset/request",
            json!({ "email": "ada@example.com" }),
        ),
    )
    .await;
    let token = r
        .mailer
        .token_for("ada@example.com", MailKind::PasswordReset)
        .await
        .expect("reset mail");
    r.step(
        "reset confirm garbage",
        r.json(
            Method::POST,
            "/auth/password-reset/confirm",
            json!({ "token": "garbage", "new_password": PASSWORD }),
        ),
    )
    .await;
    r.step(
        "reset confirm weak",
        r.json(
            Method::POST,
            "/auth/password-reset/confirm",
            json!({ "token": token, "new_password": "short" }),
        ),
    )
    .await;
    r.step(
        "logout",
        r.at(Method::POST, "/auth/logout")
            .header("authorization", &bearer),
    )
    .await;
    r.step("jwks", r.at(Method::GET, "/.well-known/jwks.json"))
        .await;
    r.step("healthz", r.at(Method::GET, "/healthz")).await;
    r.step("readyz", r.at(Method::GET, "/readyz")).await;
    r.step("openapi", r.at(Method::GET, "/openapi.json")).await;
    r.step("docs", r.at(Method::GET, "/docs")).await;
    r.steps
}

#[tokio::test(flavor = "multi_thread")]
async fn axum_and_actix_answer_every_step_alike() {
    let options = TargetOptions::default();

    let axum = testing::prepare(&options, &Backend::Sqlite).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let axum_base = format!("http://{}", listener.local_addr().unwrap());
    let axum_server = tokio::spawn(authkit_axum::serve(
        listener,
        axum_app::router(axum.api.clone(), None),
        std::future::pending(),
    ));

    let actix = testing::prepare(&options, &Backend::Sqlite).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let actix_base = format!("http://{}", listener.local_addr().unwrap());
    let actix_server = actix_app::server(actix.api.clone(), None, listener, 1).unwrap();
    let actix_handle = actix_server.handle();
    tokio::spawn(actix_server);

    let from_axum = script(axum_base, axum.mailer.clone()).await;
    let from_actix = script(actix_base, actix.mailer.clone()).await;
    assert_eq!(from_axum.len(), from_actix.len());
    for ((step, a), (_, b)) in from_axum.iter().zip(&from_actix) {
        assert_eq!(a, b, "step {step:?}: axum (left) and actix (right) differ");
    }
    // The script really exercised the contract: spot-check a few answers.
    let status = |name: &str| from_axum.iter().find(|(n, _)| *n == name).unwrap().1.status;
    assert_eq!(
        [
            status("register"),
            status("register taken"),
            status("register oversized"),
            status("refresh replay"),
            status("logout")
        ],
        [201, 409, 413, 401, 204]
    );

    axum_server.abort();
    actix_handle.stop(false).await;
}
