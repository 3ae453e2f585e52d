//! The command line itself: help on every command, usage errors, bad variables.

use authkit_example_support::redact_url;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn every_command_has_help_naming_it_and_the_exit_codes() {
    for command in [
        "",
        "migrate",
        "create-admin",
        "keys",
        "keys generate",
        "jwks",
        "users",
        "users list",
        "users disable",
        "prune",
    ] {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("--help");
        let run = authkit(&[], &args, None).await.expect_code(0);
        let usage = format!("Usage: {}", format!("authkit {command}").trim_end());
        assert!(run.stdout.contains(&usage), "{command}: {}", run.stdout);
        assert!(
            run.stdout.contains("Exit codes: 0 "),
            "{command}: {}",
            run.stdout
        );
        assert_eq!(run.stderr, "");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_command_line_exits_2() {
    for args in [
        &["frobnicate"][..],
        &[],
        &["keys", "generate", "--alg", "HS512"],
        &["keys", "generate"],
        &["users", "disable"],
        &["users", "list", "--status", "locked"],
        &["users", "list", "--limit", "0"],
        // The password is never an argument.
        &[
            "create-admin",
            "--email",
            "a@example.com",
            "--password",
            "hunter2 hunter2 hunter2",
        ],
    ] {
        let run = authkit(&[], args, None).await;
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        // What is wrong, or (no command at all) the usage.
        assert!(
            run.stderr.starts_with("error: ")
                || run.stderr.contains("\nUsage: authkit <COMMAND>\n"),
            "{args:?}: {run:#?}"
        );
        assert_eq!(run.stdout, "");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_variable_exits_1_naming_it_and_hiding_passwords() {
    let run = authkit(&[("AUTHKIT_JWT_ALG", "HS512")], &["jwks"], None)
        .await
        .expect_code(1);
    assert_eq!(
        run.stderr,
        "error: AUTHKIT_JWT_ALG: use HS256, RS256, ES256 or EdDSA\n"
    );
    let run = authkit(&[("DATABASE_URL", "nosuch://db")], &["migrate"], None)
        .await
        .expect_code(1);
    assert!(
        run.stderr
            .starts_with("error: DATABASE_URL (nosuch://db): cannot connect: "),
        "{run:#?}"
    );

    let url = "postgres://app:hunter2@127.0.0.1:1/auth";
    let run = authkit(&[("DATABASE_URL", url)], &["users", "list"], None)
        .await
        .expect_code(1);
    assert!(
        run.stderr.starts_with(
            "error: DATABASE_URL (postgres://app:***@127.0.0.1:1/auth): cannot connect: "
        ),
        "{run:#?}"
    );
    assert!(!run.stderr.contains("hunter2"), "{run:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_other_than_migrate_ask_for_it_on_an_empty_database() {
    let db = Db::sqlite();
    let env = db.env();
    let run = authkit(&vars(&env), &["users", "list"], None)
        .await
        .expect_code(1);
    assert!(
        run.stderr
            .starts_with(&format!("error: DATABASE_URL ({}): ", redact_url(&db.url))),
        "{run:#?}"
    );
    assert!(
        run.stderr
            .ends_with(" (authkit's tables are missing: run `authkit migrate` first)\n"),
        "{run:#?}"
    );
}
