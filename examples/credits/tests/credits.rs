//! The credits service over real HTTP on a loopback listener, each test on a fresh database:
//! a temporary SQLite file always, and its own PostgreSQL schema / MySQL database when
//! `AUTHKIT_TEST_POSTGRES_URL` / `AUTHKIT_TEST_MYSQL_URL` are set (a set but unreachable server
//! fails the test; it is never skipped).

use authkit_example_support::testing::{self, Backend, Cleanup};
use authkit_http_conformance::TargetOptions;
use credits::CreditStore;
use credits::store::Kind;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use uuid::Uuid;

/// A running service on a fresh database, stopped and dropped with it.
struct Service {
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    base: String,
    client: reqwest::Client,
    credits: CreditStore,
    admin: Account,
    _cleanup: Cleanup,
}

/// A signed-in account.
#[derive(Clone)]
struct Account {
    id: Uuid,
    token: String,
}

/// An answer: status, content type and JSON body (`Null` when empty or not JSON).
struct Answer {
    status: u16,
    content_type: String,
    www_authenticate: Option<String>,
    body: Value,
}

impl Answer {
    /// Asserts a problem document in authkit's format with this status and code.
    #[track_caller]
    fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.content_type, "application/problem+json");
        assert_eq!(self.body["code"], code, "{}", self.body);
        assert_eq!(self.body["status"], status);
        assert_eq!(self.body["type"], format!("urn:authkit:error:{code}"));
        assert!(self.body["title"].as_str().is_some_and(|t| !t.is_empty()));
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Service {
    async fn start(backend: Backend) -> Self {
        let prepared = testing::prepare(&TargetOptions::default(), &backend).await;
        let credits = CreditStore::connect(&prepared.database_url)
            .await
            .expect("the credits store connects");
        credits.migrate().await.expect("the credits tables");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = credits::router(prepared.api, credits.clone());
        let server = tokio::spawn(authkit_axum::serve(
            listener,
            router,
            std::future::pending(),
        ));
        let client = reqwest::Client::new();
        let (email, password) = testing::admin();
        let login = client
            .post(format!("{base}/auth/login"))
            .json(&json!({ "email": email, "password": password.expose() }))
            .send()
            .await
            .expect("an answer");
        assert_eq!(login.status().as_u16(), 200, "the seeded admin logs in");
        let login: Value = login.json().await.unwrap();
        let token = login["access_token"].as_str().unwrap().to_owned();
        let me: Value = client
            .get(format!("{base}/auth/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let admin = Account {
            id: me["id"].as_str().unwrap().parse().unwrap(),
            token,
        };
        Self {
            server,
            base,
            client,
            credits,
            admin,
            _cleanup: prepared.cleanup,
        }
    }

    /// Registers `name@example.com` and returns the signed-in account.
    async fn register(&self, name: &str) -> Account {
        let answer = self
            .client
            .post(format!("{}/auth/register", self.base))
            .json(&json!({
                "email": format!("{name}@example.com"),
                "password": "tulips in the dishwasher at noon",
            }))
            .send()
            .await
            .expect("an answer");
        assert_eq!(answer.status().as_u16(), 201);
        let body: Value = answer.json().await.unwrap();
        Account {
            id: body["user"]["id"].as_str().unwrap().parse().unwrap(),
            token: body["tokens"]["access_token"].as_str().unwrap().to_owned(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("an answer");
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let content_type = header("content-type").unwrap_or_default();
        let www_authenticate = header("www-authenticate");
        let bytes = response.bytes().await.expect("a body");
        Answer {
            status,
            content_type,
            www_authenticate,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    async fn add(&self, user: &Account, amount: i64) -> Answer {
        let body = json!({ "user_id": user.id, "amount": amount });
        self.post("/credits/add", Some(&self.admin.token), body)
            .await
    }

    async fn spend(&self, user: &Account, amount: i64) -> Answer {
        self.post(
            "/credits/use",
            Some(&user.token),
            json!({ "amount": amount }),
        )
        .await
    }

    async fn balance(&self, user: &Account) -> i64 {
        let answer = self.get("/credits/balance", Some(&user.token)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["user_id"], user.id.to_string());
        answer.body["balance"].as_i64().unwrap()
    }

    /// `(kind, amount, balance_after)` of `user`'s ledger rows, newest first, read from the
    /// database itself.
    async fn rows(&self, user: &Account) -> Vec<(Kind, i64, i64)> {
        self.credits
            .transactions(user.id, None, 1000)
            .await
            .expect("the ledger")
            .into_iter()
            .map(|e| (e.kind, e.amount, e.balance_after))
            .collect()
    }
}

/// `(kind, amount, balance_after)` of the entries of a ledger page.
fn page(body: &Value) -> Vec<(String, i64, i64)> {
    body["transactions"]
        .as_array()
        .expect("a list of transactions")
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap().to_owned(),
                t["amount"].as_i64().unwrap(),
                t["balance_after"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn entry(kind: &str, amount: i64, balance_after: i64) -> (String, i64, i64) {
    (kind.to_owned(), amount, balance_after)
}

async fn requests_without_a_valid_token_answer_401(backend: Backend) {
    let svc = Service::start(backend).await;
    let some_user = Uuid::now_v7();
    for token in [None, Some("not-a-jwt")] {
        let answers = [
            svc.get("/credits/balance", token).await,
            svc.get("/credits/transactions", token).await,
            svc.post("/credits/use", token, json!({ "amount": 1 }))
                .await,
            svc.post(
                "/credits/add",
                token,
                json!({ "user_id": some_user, "amount": 1 }),
            )
            .await,
        ];
        for answer in answers {
            match token {
                None => {
                    answer.assert_problem(401, "unauthorized");
                    assert_eq!(answer.www_authenticate.as_deref(), Some("Bearer"));
                }
                Some(_) => answer.assert_problem(401, "invalid_access_token"),
            }
        }
    }
}

async fn only_an_admin_may_add_credits(backend: Backend) {
    let svc = Service::start(backend).await;
    let ada = svc.register("ada").await;
    let answer = svc
        .post(
            "/credits/add",
            Some(&ada.token),
            json!({ "user_id": ada.id, "amount": 100 }),
        )
        .await;
    answer.assert_problem(403, "forbidden");
    assert_eq!(
        answer.www_authenticate.as_deref(),
        Some("Bearer error=\"insufficient_scope\"")
    );
    assert_eq!(svc.balance(&ada).await, 0);
    assert_eq!(svc.rows(&ada).await, vec![]);
}

async fn a_new_account_has_no_credits_and_an_empty_ledger(backend: Backend) {
    let svc = Service::start(backend).await;
    // Creating the tables again at the next start changes nothing.
    svc.credits.migrate().await.expect("migrate is idempotent");
    let ada = svc.register("ada").await;
    assert_eq!(svc.balance(&ada).await, 0);
    let ledger = svc.get("/credits/transactions", Some(&ada.token)).await;
    assert_eq!(ledger.status, 200);
    assert_eq!(
        ledger.body,
        json!({ "user_id": ada.id, "transactions": [], "next_before": null })
    );
}

async fn added_credits_can_be_spent_and_the_balance_follows(backend: Backend) {
    let svc = Service::start(backend).await;
    let ada = svc.register("ada").await;

    let added = svc
        .post(
            "/credits/add",
            Some(&svc.admin.token),
            json!({ "user_id": ada.id, "amount": 10, "note": "welcome" }),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.content_type, "application/json");
    assert_eq!(added.body["balance"], 10);
    let entry_body = &added.body["transaction"];
    assert_eq!(entry_body["kind"], "add");
    assert_eq!(entry_body["amount"], 10);
    assert_eq!(entry_body["balance_after"], 10);
    assert_eq!(entry_body["user_id"], ada.id.to_string());
    assert_eq!(entry_body["actor_id"], svc.admin.id.to_string());
    assert_eq!(entry_body["note"], "welcome");
    assert!(entry_body["id"].as_str().unwrap().parse::<Uuid>().is_ok());
    assert!(entry_body["created_at"].as_str().unwrap().ends_with('Z'));

    let spent = svc.spend(&ada, 3).await;
    assert_eq!(spent.status, 200, "{}", spent.body);
    assert_eq!(spent.body["balance"], 7);
    let entry_body = &spent.body["transaction"];
    assert_eq!(entry_body["kind"], "use");
    assert_eq!(entry_body["amount"], -3);
    assert_eq!(entry_body["balance_after"], 7);
    assert_eq!(entry_body["actor_id"], ada.id.to_string());
    assert_eq!(entry_body["note"], Value::Null);
    assert_eq!(svc.balance(&ada).await, 7);

    // Adding to an existing balance updates it.
    assert_eq!(svc.add(&ada, 5).await.body["balance"], 12);
    assert_eq!(svc.balance(&ada).await, 12);
    assert_eq!(
        svc.rows(&ada).await,
        vec![(Kind::Add, 5, 12), (Kind::Use, -3, 7), (Kind::Add, 10, 10)]
    );
}

async fn spending_more_than_the_balance_answers_409_and_changes_nothing(backend: Backend) {
    let svc = Service::start(backend).await;
    let ada = svc.register("ada").await;

    // No balance row at all: a balance of 0.
    let refused = svc.spend(&ada, 1).await;
    refused.assert_problem(409, "insufficient_credits");
    assert_eq!(refused.body["title"], "Not enough credits");
    assert_eq!(
        refused.body["detail"],
        "the balance is 0, which does not cover 1"
    );

    assert_eq!(svc.add(&ada, 5).await.status, 200);
    let refused = svc.spend(&ada, 6).await;
    refused.assert_problem(409, "insufficient_credits");
    assert_eq!(
        refused.body["detail"],
        "the balance is 5, which does not cover 6"
    );
    assert_eq!(svc.balance(&ada).await, 5);
    assert_eq!(svc.rows(&ada).await, vec![(Kind::Add, 5, 5)]);

    // Spending exactly the balance is allowed and leaves zero.
    let spent = svc.spend(&ada, 5).await;
    assert_eq!(spent.status, 200);
    assert_eq!(spent.body["balance"], 0);
    svc.spend(&ada, 1)
        .await
        .assert_problem(409, "insufficient_credits");
    assert_eq!(
        svc.rows(&ada).await,
        vec![(Kind::Use, -5, 0), (Kind::Add, 5, 5)]
    );
}

async fn the_ledger_lists_own_entries_newest_first_in_pages(backend: Backend) {
    let svc = Service::start(backend).await;
    let ada = svc.register("ada").await;
    let bob = svc.register("bob").await;
    assert_eq!(svc.add(&ada, 10).await.status, 200);
    assert_eq!(svc.spend(&ada, 1).await.status, 200);
    assert_eq!(svc.add(&bob, 4).await.status, 200);
    assert_eq!(svc.spend(&ada, 2).await.status, 200);
    assert_eq!(svc.add(&ada, 3).await.status, 200);

    let all = svc.get("/credits/transactions", Some(&ada.token)).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body["user_id"], ada.id.to_string());
    assert_eq!(
        page(&all.body),
        vec![
            entry("add", 3, 10),
            entry("use", -2, 7),
            entry("use", -1, 9),
            entry("add", 10, 10),
        ]
    );
    assert_eq!(all.body["next_before"], Value::Null);
    for t in all.body["transactions"].as_array().unwrap() {
        assert_eq!(t["user_id"], ada.id.to_string(), "only ada's entries");
    }

    let first = svc
        .get("/credits/transactions?limit=3", Some(&ada.token))
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(
        page(&first.body),
        vec![
            entry("add", 3, 10),
            entry("use", -2, 7),
            entry("use", -1, 9)
        ]
    );
    let cursor = first.body["next_before"].as_str().expect("a next page");
    assert_eq!(cursor, first.body["transactions"][2]["id"]);
    let second = svc
        .get(
            &format!("/credits/transactions?limit=3&before={cursor}"),
            Some(&ada.token),
        )
        .await;
    assert_eq!(second.status, 200);
    assert_eq!(page(&second.body), vec![entry("add", 10, 10)]);
    assert_eq!(second.body["next_before"], Value::Null);

    let bobs = svc.get("/credits/transactions", Some(&bob.token)).await;
    assert_eq!(page(&bobs.body), vec![entry("add", 4, 4)]);
}

async fn a_ledger_page_holds_50_entries_unless_asked_otherwise(backend: Backend) {
    let svc = Service::start(backend).await;
    let ada = svc.register("ada").await;
    for _ in 0..51 {
        svc.credits
            .add(ada.id, 1, svc.admin.id, None)
            .await
            .expect("credits added");
    }
    let first = svc.get("/credits/transactions", Some(&ada.token)).await;
    assert_eq!(first.status, 200);
    let entries = page(&first.body);
    assert_eq!(entries.len(), 50);
    assert_eq!(entries[0], entry("add", 1, 51));
    assert_eq!(entries[49], entry("add", 1, 2));
    let cursor = first.body["next_before"].as_str().expect("a next page");
    let rest = svc
        .get(
            &format!("/credits/transactions?before={cursor}"),
            Some(&ada.token),
        )
        .await;
    assert_eq!(page(&rest.body), vec![entry("add", 1, 1)]);
    assert_eq!(rest.body["next_before"], Value::Null);
}

async fn an_admin_reads_anyones_ledger_and_a_user_only_their_own(backend: Backend) {
    let svc = Service::start(backend).await;
    let ada = svc.register("ada").await;
    let bob = svc.register("bob").await;
    assert_eq!(svc.add(&ada, 8).await.status, 200);
    assert_eq!(svc.spend(&ada, 3).await.status, 200);

    let path = format!("/credits/transactions?user_id={}", ada.id);
    let read = svc.get(&path, Some(&svc.admin.token)).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["user_id"], ada.id.to_string());
    assert_eq!(
        page(&read.body),
        vec![entry("use", -3, 5), entry("add", 8, 8)]
    );

    let refused = svc.get(&path, Some(&bob.token)).await;
    refused.assert_problem(403, "forbidden");

    let own = svc.get(&path, Some(&ada.token)).await;
    assert_eq!(own.status, 200);
    assert_eq!(page(&own.body), page(&read.body));

    // A user with no entries (or no account) has an empty ledger.
    let nobody = format!("/credits/transactions?user_id={}", Uuid::now_v7());
    let empty = svc.get(&nobody, Some(&svc.admin.token)).await;
    assert_eq!(empty.status, 200);
    assert_eq!(page(&empty.body), vec![]);
}

async fn adding_to_an_unknown_account_answers_404(backend: Backend) {
    let svc = Service::start(backend).await;
    let ghost = Account {
        id: Uuid::now_v7(),
        token: String::new(),
    };
    svc.add(&ghost, 10).await.assert_problem(404, "not_found");
    assert_eq!(svc.rows(&ghost).await, vec![]);
    assert_eq!(svc.credits.balance(ghost.id).await.unwrap(), 0);
}

async fn bad_input_answers_400_in_authkits_problem_format(backend: Backend) {
    let svc = Service::start(backend).await;
    let ada = svc.register("ada").await;
    assert_eq!(svc.add(&ada, 5).await.status, 200);
    let admin = svc.admin.token.clone();
    let raw = |path: &str, token: &str, content_type: Option<&str>, body: &str| {
        let mut request = svc
            .client
            .post(format!("{}{path}", svc.base))
            .bearer_auth(token)
            .body(body.to_owned());
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        request
    };
    let check = |answer: Answer, what: &str, status: u16, code: &str| {
        assert_eq!(
            (answer.status, answer.body["code"].as_str()),
            (status, Some(code)),
            "{what:.100}: {}",
            answer.body
        );
        answer.assert_problem(status, code);
    };
    let json = Some("application/json");

    let long_note = format!(r#"{{"amount":1,"note":"{}"}}"#, "x".repeat(201));
    for (body, code) in [
        ("{}", "malformed_body"),
        (r#"{"amount":0}"#, "validation_failed"),
        (r#"{"amount":-1}"#, "validation_failed"),
        (r#"{"amount":1000001}"#, "validation_failed"),
        (r#"{"amount":1.5}"#, "malformed_body"),
        (r#"{"amount":"1"}"#, "malformed_body"),
        (r#"{"amount":1,"extra":true}"#, "malformed_body"),
        (r#"{"amount":"#, "malformed_body"),
        (&long_note, "validation_failed"),
    ] {
        let answer = svc.send(raw("/credits/use", &ada.token, json, body)).await;
        check(answer, body, 400, code);
    }

    let user = ada.id;
    for (body, code) in [
        (r#"{"amount":1}"#.to_owned(), "malformed_body"),
        (format!(r#"{{"user_id":"{user}"}}"#), "malformed_body"),
        (
            r#"{"user_id":"nope","amount":1}"#.to_owned(),
            "validation_failed",
        ),
        (
            format!(r#"{{"user_id":"{user}","amount":0}}"#),
            "validation_failed",
        ),
        (
            format!(r#"{{"user_id":"{user}","amount":1000001}}"#),
            "validation_failed",
        ),
    ] {
        let answer = svc.send(raw("/credits/add", &admin, json, &body)).await;
        check(answer, &body, 400, code);
    }

    // Content type and size are checked as on authkit's own routes: 415 and 413.
    for content_type in [Some("text/plain"), None] {
        let request = raw("/credits/use", &ada.token, content_type, r#"{"amount":1}"#);
        let what = format!("content type {content_type:?}");
        check(
            svc.send(request).await,
            &what,
            415,
            "unsupported_media_type",
        );
    }
    let huge = format!(r#"{{"amount":1,"note":"{}"}}"#, "x".repeat(20_000));
    let request = raw("/credits/use", &ada.token, json, &huge);
    check(
        svc.send(request).await,
        "20 kB body",
        413,
        "payload_too_large",
    );

    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "limit=-1",
        "before=nope",
        "user_id=nope",
        "unknown=1",
    ] {
        let answer = svc
            .get(&format!("/credits/transactions?{query}"), Some(&ada.token))
            .await;
        assert_eq!(answer.status, 400, "?{query}: {}", answer.body);
        answer.assert_problem(400, "validation_failed");
        assert!(answer.body["detail"].is_string(), "?{query} says why");
    }
    let largest = svc
        .get("/credits/transactions?limit=100", Some(&ada.token))
        .await;
    assert_eq!(largest.status, 200);

    // Nothing above changed anything.
    assert_eq!(svc.balance(&ada).await, 5);
    assert_eq!(svc.rows(&ada).await, vec![(Kind::Add, 5, 5)]);
}

async fn concurrent_spends_never_overdraw(backend: Backend) {
    let svc = Service::start(backend).await;
    let ada = svc.register("ada").await;
    assert_eq!(svc.add(&ada, 10).await.status, 200);

    let url = format!("{}/credits/use", svc.base);
    let spends: Vec<_> = (0..40)
        .map(|_| {
            let request = svc
                .client
                .post(&url)
                .bearer_auth(&ada.token)
                .json(&json!({ "amount": 1 }));
            tokio::spawn(async move {
                let response = request.send().await.expect("an answer");
                let status = response.status().as_u16();
                let body: Value = response.json().await.expect("a JSON body");
                (status, body)
            })
        })
        .collect();
    let mut ok = 0;
    let mut refused = 0;
    for spend in spends {
        let (status, body) = spend.await.unwrap();
        match status {
            200 => ok += 1,
            409 => {
                assert_eq!(body["code"], "insufficient_credits");
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((ok, refused), (10, 30));
    assert_eq!(svc.balance(&ada).await, 0);

    let rows = svc.rows(&ada).await;
    let uses: Vec<_> = rows
        .iter()
        .filter(|(kind, ..)| *kind == Kind::Use)
        .collect();
    assert_eq!(uses.len(), 10);
    assert!(uses.iter().all(|(_, amount, _)| *amount == -1));
    // Applied one after the other, newest first: balances 0, 1, ..., 9.
    let after: Vec<i64> = uses.iter().map(|(.., balance)| *balance).collect();
    assert_eq!(after, (0..10).collect::<Vec<_>>());
    assert_eq!(rows.last(), Some(&(Kind::Add, 10, 10)));
    assert_eq!(rows.len(), 11);
}

async fn concurrent_adds_to_a_new_balance_all_count(backend: Backend) {
    let svc = Service::start(backend).await;
    let ada = svc.register("ada").await;
    let url = format!("{}/credits/add", svc.base);
    // No balance row yet: every add races to create it.
    let adds: Vec<_> = (0..20)
        .map(|_| {
            let request = svc
                .client
                .post(&url)
                .bearer_auth(&svc.admin.token)
                .json(&json!({ "user_id": ada.id, "amount": 1 }));
            tokio::spawn(async move { request.send().await.expect("an answer").status() })
        })
        .collect();
    for add in adds {
        assert_eq!(add.await.unwrap().as_u16(), 200);
    }
    assert_eq!(svc.balance(&ada).await, 20);
    let after: Vec<i64> = svc.rows(&ada).await.iter().map(|(.., b)| *b).collect();
    assert_eq!(after, (1..=20).rev().collect::<Vec<_>>());
}

/// Runs each scenario on SQLite, and on PostgreSQL and MySQL when their variables are set.
macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $scenario() {
                    super::$scenario(super::Backend::Sqlite).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $scenario() {
                    match super::Backend::postgres_from_env() {
                        Some(backend) => super::$scenario(backend).await,
                        None => eprintln!("skipped: AUTHKIT_TEST_POSTGRES_URL is not set"),
                    }
                }
            )*
        }

        mod mysql {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $scenario() {
                    match super::Backend::mysql_from_env() {
                        Some(backend) => super::$scenario(backend).await,
                        None => eprintln!("skipped: AUTHKIT_TEST_MYSQL_URL is not set"),
                    }
                }
            )*
        }
    };
}

/// `/openapi.json` describes the credits routes beside authkit's, every reference in it
/// resolves, and `/docs` serves the page that shows it.
async fn the_openapi_document_and_the_docs_page_show_the_credits_routes(backend: Backend) {
    let service = Service::start(backend).await;
    let doc = service.get("/openapi.json", None).await;
    assert_eq!(doc.status, 200, "{}", doc.body);
    for (path, method) in [
        ("/credits/balance", "get"),
        ("/credits/use", "post"),
        ("/credits/add", "post"),
        ("/credits/transactions", "get"),
        ("/auth/login", "post"),
    ] {
        assert!(
            doc.body["paths"][path][method].is_object(),
            "{method} {path} is missing"
        );
    }
    assert_eq!(
        doc.body["paths"]["/credits/use"]["post"]["security"],
        json!([{ "bearer": [] }])
    );
    let text = doc.body.to_string();
    for part in text.split("#/components/schemas/").skip(1) {
        let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
        assert!(
            doc.body["components"]["schemas"][&name].is_object(),
            "{name} unresolved"
        );
    }
    let docs = service.get("/docs", None).await;
    assert_eq!(docs.status, 200);
}

on_every_backend!(
    the_openapi_document_and_the_docs_page_show_the_credits_routes,
    requests_without_a_valid_token_answer_401,
    only_an_admin_may_add_credits,
    a_new_account_has_no_credits_and_an_empty_ledger,
    added_credits_can_be_spent_and_the_balance_follows,
    spending_more_than_the_balance_answers_409_and_changes_nothing,
    the_ledger_lists_own_entries_newest_first_in_pages,
    a_ledger_page_holds_50_entries_unless_asked_otherwise,
    an_admin_reads_anyones_ledger_and_a_user_only_their_own,
    adding_to_an_unknown_account_answers_404,
    bad_input_answers_400_in_authkits_problem_format,
    concurrent_spends_never_overdraw,
    concurrent_adds_to_a_new_balance_all_count,
);
