//! `migrate`, `create-admin` and `users`, with their effect seen over HTTP by the app.

use std::time::{Duration, Instant};

use authkit_core::Session;
use authkit_core::token::RefreshToken;
use authkit_example_support::redact_url;
use authkit_sqlx::StoreOptions;
use serde_json::json;

use crate::support::*;

const ADMIN: &str = "admin@example.com";
const ADMIN_PASSWORD: &str = "the operator's long admin passphrase";
const USER: &str = "grace@example.com";
const USER_PASSWORD: &str = "tulips in the dishwasher at noon";

on_each_backend!(
    migrate_applies_authkits_migrations_then_finds_the_schema_current,
    create_admin_makes_an_admin_who_logs_in_over_http,
    users_are_listed_and_a_disabled_user_is_refused_by_the_running_app,
    prune_deletes_an_ended_session_and_keeps_a_live_one,
    reset_mfa_removes_the_second_factors_and_the_password_signs_in_alone,
);

/// authkit's migrations as `migrate` lists them: `  VERSION DESCRIPTION`.
async fn authkit_migrations(url: &str) -> Vec<String> {
    let store = authkit_sqlx::connect(url, StoreOptions::default())
        .await
        .expect("the test database");
    store
        .migrator()
        .iter()
        .map(|m| format!("  {} {}", m.version, m.description))
        .collect()
}

async fn migrate_applies_authkits_migrations_then_finds_the_schema_current(db: Db) {
    let env = db.env();
    let migrations = authkit_migrations(&db.url).await;
    let n = migrations.len();
    assert!(n >= 3, "{migrations:?}");
    let first = authkit(&vars(&env), &["migrate"], None)
        .await
        .expect_code(0);
    let mut expected = vec![format!(
        "{} ({}): applied {n} of authkit's {n} migrations:",
        redact_url(&db.url),
        db.backend
    )];
    expected.extend(migrations);
    assert_eq!(first.stdout.lines().collect::<Vec<_>>(), expected);
    assert_eq!(first.stderr, "");

    let again = authkit(&vars(&env), &["migrate"], None)
        .await
        .expect_code(0);
    assert_eq!(
        again.stdout,
        format!(
            "{} ({}): authkit's schema is current ({n} migrations); nothing to apply\n",
            redact_url(&db.url),
            db.backend
        )
    );
}

/// `create-admin --email EMAIL --password-stdin` with `password` on stdin.
async fn create_admin(env: &[(&'static str, String)], email: &str, password: &str) -> Run {
    let line = format!("{password}\n");
    authkit(
        &vars(env),
        &["create-admin", "--email", email, "--password-stdin"],
        Some(&line),
    )
    .await
}

async fn create_admin_makes_an_admin_who_logs_in_over_http(db: Db) {
    let env = db.env();
    authkit(&vars(&env), &["migrate"], None)
        .await
        .expect_code(0);

    // A weak password is refused with the policy's reason, and creates nothing.
    let weak = create_admin(&env, ADMIN, "too short").await.expect_code(1);
    assert_eq!(
        weak.stderr,
        "error: weak password: must be at least 15 characters\n"
    );
    assert_eq!(weak.stdout, "");
    // No password at all.
    let none = authkit(&vars(&env), &["create-admin", "--email", ADMIN], None)
        .await
        .expect_code(1);
    assert_eq!(
        none.stderr,
        "error: no password: give it on standard input with --password-stdin, or set \
         AUTHKIT_ADMIN_PASSWORD (never as an argument)\n"
    );

    let created = create_admin(&env, ADMIN, ADMIN_PASSWORD)
        .await
        .expect_code(0);
    let prefix = format!("created the admin account {ADMIN} (");
    assert!(created.stdout.starts_with(&prefix), "{created:#?}");
    let id = created.stdout[prefix.len()..]
        .trim_end()
        .trim_end_matches(')');
    assert!(!created.stdout.contains(ADMIN_PASSWORD));
    assert_eq!(created.stderr, "");

    let base = start_app(&env).await;
    let (status, tokens) = login(&base, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(status, 200, "{tokens}");
    let token = tokens["access_token"].as_str().expect("an access token");
    let (status, me) = get(&base, "/auth/me", token).await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], id);
    assert_eq!(me["email"], ADMIN);
    assert_eq!(me["role"], "admin");
    assert_eq!(me["email_verified"], true);

    // Again, with the password from AUTHKIT_ADMIN_PASSWORD and the address in AUTHKIT_ADMIN_EMAIL
    // (in another case): nothing changes, and that is success.
    let mut from_env = env.clone();
    from_env.push(("AUTHKIT_ADMIN_EMAIL", "Admin@Example.com".to_owned()));
    from_env.push((
        "AUTHKIT_ADMIN_PASSWORD",
        "another password entirely, unused".into(),
    ));
    let again = authkit(&vars(&from_env), &["create-admin"], None)
        .await
        .expect_code(0);
    assert_eq!(
        again.stdout,
        format!("{ADMIN} is already an admin ({id}); nothing changed, its password included\n")
    );
    assert_eq!(login(&base, ADMIN, ADMIN_PASSWORD).await.0, 200);

    // Another address while an admin exists: refused, nothing created.
    let other = create_admin(&env, "second@example.com", ADMIN_PASSWORD)
        .await
        .expect_code(1);
    assert_eq!(
        other.stderr,
        "error: an admin account exists already, so none was created: create-admin only \
         creates the first admin. To make second@example.com an admin, have an admin change \
         its role (PATCH /auth/admin/users/{id} with {\"role\":\"admin\"})\n"
    );
    assert_eq!(
        login(&base, "second@example.com", ADMIN_PASSWORD).await.0,
        401
    );
}

/// The `users list` table's rows, each split into its six columns.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .map(|line| line.split_whitespace().map(str::to_owned).collect())
        .collect()
}

async fn users_are_listed_and_a_disabled_user_is_refused_by_the_running_app(db: Db) {
    let env = db.env();
    authkit(&vars(&env), &["migrate"], None)
        .await
        .expect_code(0);
    create_admin(&env, ADMIN, ADMIN_PASSWORD)
        .await
        .expect_code(0);
    let base = start_app(&env).await;
    let (status, registered) = post(
        &base,
        "/auth/register",
        json!({ "email": USER, "password": USER_PASSWORD }),
    )
    .await;
    assert_eq!(status, 201, "{registered}");
    let user_id = registered["user"]["id"].as_str().unwrap().to_owned();
    let token = registered["tokens"]["access_token"].as_str().unwrap();
    assert_eq!(get(&base, "/auth/me", token).await.0, 200);

    let listed = authkit(&vars(&env), &["users", "list"], None)
        .await
        .expect_code(0);
    let table = rows(&listed.stdout);
    assert_eq!(table.len(), 3, "{}", listed.stdout);
    assert_eq!(
        table[0],
        ["ID", "EMAIL", "ROLE", "STATUS", "VERIFIED", "CREATED"]
    );
    assert_eq!(table[1][1..5], [ADMIN, "admin", "active", "yes"]);
    assert_eq!(
        table[2][0..5],
        [user_id.as_str(), USER, "user", "active", "no"]
    );
    for row in &table[1..] {
        assert_eq!(row.len(), 6);
        time::OffsetDateTime::parse(&row[5], &time::format_description::well_known::Rfc3339)
            .expect("created, in RFC 3339");
    }

    let json = authkit(
        &vars(&env),
        &["users", "list", "--role", "user", "--json"],
        None,
    )
    .await
    .expect_code(0);
    let lines: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", json.stdout);
    assert_eq!(lines[0]["id"], user_id.as_str());
    assert_eq!(lines[0]["email"], USER);
    assert_eq!(lines[0]["role"], "user");
    assert_eq!(lines[0]["status"], "active");
    assert_eq!(lines[0]["email_verified"], false);
    assert!(lines[0].get("password_hash").is_none());

    let first = authkit(&vars(&env), &["users", "list", "--limit", "1"], None)
        .await
        .expect_code(0);
    assert_eq!(rows(&first.stdout).len(), 2, "{}", first.stdout);
    assert_eq!(rows(&first.stdout)[1][1], ADMIN);

    // Disabling: by address (in another case), one transaction, revocation in the feed.
    let disabled = authkit(
        &vars(&env),
        &["users", "disable", "Grace@Example.com"],
        None,
    )
    .await
    .expect_code(0);
    assert_eq!(
        disabled.stdout,
        format!("disabled {USER} ({user_id}) and revoked its sessions\n")
    );
    assert_eq!(login(&base, USER, USER_PASSWORD).await.0, 401);
    // The app learns of the revocation from the feed (pushed on PostgreSQL, polled every
    // second otherwise) and refuses the token it issued before.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, problem) = get(&base, "/auth/me", token).await;
        if status == 401 {
            assert_eq!(problem["code"], "invalid_access_token", "{problem}");
            break;
        }
        assert_eq!(status, 200, "{problem}");
        assert!(
            Instant::now() < deadline,
            "the disabled user's access token still works after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let disabled_rows = authkit(
        &vars(&env),
        &["users", "list", "--status", "disabled"],
        None,
    )
    .await
    .expect_code(0);
    let table = rows(&disabled_rows.stdout);
    assert_eq!(table.len(), 2, "{}", disabled_rows.stdout);
    assert_eq!(table[1][0..4], [user_id.as_str(), USER, "user", "disabled"]);

    // By id, again: nothing to do.
    let again = authkit(&vars(&env), &["users", "disable", &user_id], None)
        .await
        .expect_code(0);
    assert_eq!(
        again.stdout,
        format!("{USER} ({user_id}) is disabled already; nothing changed\n")
    );

    let last = authkit(&vars(&env), &["users", "disable", ADMIN], None)
        .await
        .expect_code(1);
    assert_eq!(
        last.stderr,
        "error: the last active admin cannot be disabled: make another account admin first\n"
    );
    assert_eq!(login(&base, ADMIN, ADMIN_PASSWORD).await.0, 200);

    let nobody = uuid::Uuid::now_v7().to_string();
    let unknown = authkit(&vars(&env), &["users", "disable", &nobody], None)
        .await
        .expect_code(1);
    assert_eq!(
        unknown.stderr,
        format!("error: no such account: {nobody}\n")
    );
    let unknown = authkit(
        &vars(&env),
        &["users", "disable", "nobody@example.com"],
        None,
    )
    .await
    .expect_code(1);
    assert_eq!(
        unknown.stderr,
        "error: no such account: nobody@example.com\n"
    );
    let neither = authkit(&vars(&env), &["users", "disable", "nobody"], None)
        .await
        .expect_code(1);
    assert_eq!(
        neither.stderr,
        "error: \"nobody\" is neither a user id nor an e-mail address\n"
    );
}

/// A session of `user` whose absolute expiry is `expires_at` (idle expiry alike).
fn session(
    user: uuid::Uuid,
    created_at: time::OffsetDateTime,
    expires_at: time::OffsetDateTime,
) -> Session {
    Session {
        id: uuid::Uuid::now_v7(),
        user_id: user,
        created_at,
        last_used_at: created_at,
        idle_expires_at: expires_at,
        expires_at,
        revoked_at: None,
        user_agent: None,
        ip: None,
    }
}

async fn prune_deletes_an_ended_session_and_keeps_a_live_one(db: Db) {
    let env = db.env();
    authkit(&vars(&env), &["migrate"], None)
        .await
        .expect_code(0);
    create_admin(&env, ADMIN, ADMIN_PASSWORD)
        .await
        .expect_code(0);
    let store = authkit_sqlx::connect(&db.url, StoreOptions::default())
        .await
        .expect("the test database");
    let admin = store
        .user_by_email(ADMIN)
        .await
        .unwrap()
        .expect("the admin");
    let now = time::OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    // Ended two days ago: past the default retention of a day.
    let ended = session(admin.id, now - day * 32, now - day * 2);
    // Ended an hour ago: still within the retention.
    let recent = session(admin.id, now - day * 30, now - time::Duration::hours(1));
    let live = session(admin.id, now - day * 40, now + day);
    for session in [&ended, &recent, &live] {
        store
            .create_session(session, &RefreshToken::generate().key())
            .await
            .unwrap();
    }

    let pruned = authkit(&vars(&env), &["prune"], None).await.expect_code(0);
    assert_eq!(
        pruned.stdout,
        "deleted sessions=1 one_time_tokens=0 login_failures=0 events=0 revocations=0\n"
    );
    assert_eq!(pruned.stderr, "");
    assert_eq!(store.session(ended.id).await.unwrap(), None);
    assert_eq!(
        store.session(recent.id).await.unwrap().map(|s| s.id),
        Some(recent.id)
    );
    assert_eq!(
        store.session(live.id).await.unwrap().map(|s| s.id),
        Some(live.id)
    );

    // With no retention, the recent one goes too; the live one never.
    let mut no_retention = env.clone();
    no_retention.push(("AUTHKIT_SESSION_RETENTION", "0".to_owned()));
    let pruned = authkit(&vars(&no_retention), &["prune"], None)
        .await
        .expect_code(0);
    assert_eq!(
        pruned.stdout,
        "deleted sessions=1 one_time_tokens=0 login_failures=0 events=0 revocations=0\n"
    );
    assert_eq!(store.session(recent.id).await.unwrap(), None);
    assert_eq!(
        store.session(live.id).await.unwrap().map(|s| s.id),
        Some(live.id)
    );

    let mut bad = env.clone();
    bad.push(("AUTHKIT_SESSION_RETENTION", "soon".to_owned()));
    let refused = authkit(&vars(&bad), &["prune"], None).await.expect_code(1);
    assert!(
        refused
            .stderr
            .starts_with("error: AUTHKIT_SESSION_RETENTION: "),
        "{refused:#?}"
    );
}

/// `POST {base}{path}` with a bearer token and a JSON body: the status and the JSON answer.
async fn post_as(
    base: &str,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("the app answers");
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.expect("a JSON answer")
}

/// RFC 4648 base32 without padding, decoded: the enrolment's secret, as an authenticator app
/// reads it.
fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut count, mut out) = (0u64, 0, Vec::new());
    for symbol in text.chars() {
        bits = bits << 5 | ALPHABET.find(symbol).expect("a base32 symbol") as u64;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

async fn reset_mfa_removes_the_second_factors_and_the_password_signs_in_alone(db: Db) {
    let mut env = db.env();
    env.push((
        "AUTHKIT_TOTP_KEY",
        "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=".to_owned(),
    ));
    authkit(&vars(&env), &["migrate"], None)
        .await
        .expect_code(0);
    let base = start_app(&env).await;
    let (status, registered) = post(
        &base,
        "/auth/register",
        json!({ "email": USER, "password": USER_PASSWORD }),
    )
    .await;
    assert_eq!(status, 201, "{registered}");
    let user_id = registered["user"]["id"].as_str().unwrap().to_owned();
    let token = registered["tokens"]["access_token"].as_str().unwrap();
    let enrolment = post_as(
        &base,
        "/auth/mfa/totp/enroll",
        token,
        json!({ "password": USER_PASSWORD }),
    )
    .await;
    let secret = authkit_core::mfa::TotpSecret::from_bytes(&base32_decode(
        enrolment["secret"].as_str().unwrap(),
    ));
    let code = secret.code(
        authkit_core::mfa::step_at(time::OffsetDateTime::now_utc()),
        6,
    );
    post_as(
        &base,
        "/auth/mfa/totp/confirm",
        token,
        json!({ "code": code }),
    )
    .await;
    let (status, problem) = login(&base, USER, USER_PASSWORD).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (401, Some("mfa_required"))
    );

    let reset = authkit(&vars(&env), &["users", "reset-mfa", USER], None)
        .await
        .expect_code(0);
    assert_eq!(
        reset.stdout,
        format!("removed the second factors of {USER} ({user_id})\n")
    );
    assert_eq!(login(&base, USER, USER_PASSWORD).await.0, 200);
    let again = authkit(&vars(&env), &["users", "reset-mfa", &user_id], None)
        .await
        .expect_code(0);
    assert_eq!(
        again.stdout,
        format!("{USER} ({user_id}) has no second factor; nothing changed\n")
    );
    let unknown = authkit(
        &vars(&env),
        &["users", "reset-mfa", "nobody@example.com"],
        None,
    )
    .await
    .expect_code(1);
    assert_eq!(
        unknown.stderr,
        "error: no such account: nobody@example.com\n"
    );
}
