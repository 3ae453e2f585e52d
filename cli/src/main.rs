//! # authkit
//!
//! The command line for operating an authkit deployment, configured by the same environment
//! variables as the example apps (`DATABASE_URL`, `AUTHKIT_JWT_*`, …; see README.md), read by
//! the apps' own [`Settings::from_env`](authkit_example_support::Settings::from_env):
//!
//! | command | what it does |
//! |---|---|
//! | `authkit migrate` | applies authkit's migrations to `DATABASE_URL` and lists what it applied |
//! | `authkit create-admin --email E --password-stdin` | creates the first admin (the password from stdin, or `AUTHKIT_ADMIN_PASSWORD`) |
//! | `authkit keys generate --alg ALG [--out FILE]` | a new HS256 secret, or a PKCS#8 PEM private key for RS256, ES256 or EdDSA |
//! | `authkit jwks` | the public JWKS of the configured keys, as `/.well-known/jwks.json` serves it |
//! | `authkit users list` | the accounts, as a table or JSON lines |
//! | `authkit users disable ID-OR-EMAIL` | disables an account and revokes its sessions |
//! | `authkit users reset-mfa ID-OR-EMAIL` | removes an account's second factors (authenticator and recovery codes) |
//! | `authkit prune` | deletes what has ended, as the apps' pruning task does (`AUTHKIT_SESSION_RETENTION`, `AUTHKIT_EVENT_RETENTION`) |
//!
//! Every command has `--help`.
//!
//! ## Exit codes
//!
//! - `0`: done (for `create-admin`, also when the address is already an active admin: the
//!   state asked for holds, so a deployment may run it at every release);
//! - `1`: failed; `error: …` on standard error says why (a bad variable is named; an
//!   unreachable database, a weak password with the policy's reason, an unknown user, another
//!   admin existing already for `create-admin`, the last active admin for `users disable`);
//! - `2`: the command line itself is wrong (an unknown command or option, a missing argument).
//!
//! ## Decisions
//!
//! - **Not published.** It reads the example apps' settings from `authkit-example-support`,
//!   which is not published either; an application with settings of its own builds the same
//!   commands from the `Auth` and `SqlStore` methods they call.
//! - **No password on the command line**: arguments end up in shell histories and process
//!   lists, so `create-admin` reads one line of standard input (`--password-stdin`) or
//!   `AUTHKIT_ADMIN_PASSWORD`. Nothing secret is printed; a database URL is shown with its
//!   password as `***`.
//! - **Explicit migrations**: only `migrate` changes the schema (the apps migrate at startup);
//!   the other commands expect it in place.
//! - **No revocation view**: the command line serves no tokens, so it reads no revocation feed;
//!   what it revokes is written to the feed, which the running apps read.
//! - **Output**: results go to standard output (a key, the JWKS, the user list), notes and
//!   errors to standard error; logs (`RUST_LOG`, default `warn`) to standard error too.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
mod context;
mod keys;
mod migrate;
mod prune;
mod users;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::context::Failure;

/// The help text's closing lines, on every command.
const EXIT_CODES: &str = "Exit codes: 0 done, 1 failed (error: … on stderr), 2 bad command line.\n\
Configured by the example apps' variables (DATABASE_URL, AUTHKIT_JWT_*, …; see README.md).";

/// Operates an authkit deployment: migrations, the first admin, keys, the JWKS, accounts,
/// pruning.
#[derive(Debug, Parser)]
#[command(name = "authkit", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Applies authkit's migrations to DATABASE_URL and lists what it applied.
    #[command(after_help = EXIT_CODES)]
    Migrate,
    /// Creates the first admin account, if no admin exists.
    #[command(after_help = admin::AFTER_HELP)]
    CreateAdmin(admin::CreateAdmin),
    /// Signing keys for access tokens.
    #[command(subcommand, after_help = EXIT_CODES)]
    Keys(keys::Keys),
    /// Prints the public JWKS of the configured keys (what /.well-known/jwks.json serves).
    #[command(after_help = EXIT_CODES)]
    Jwks,
    /// User accounts.
    #[command(subcommand, after_help = EXIT_CODES)]
    Users(users::Users),
    /// Deletes what has ended (sessions, one-time tokens, counters, old events), as the apps'
    /// pruning task does.
    #[command(after_help = prune::AFTER_HELP)]
    Prune,
}

fn main() -> ExitCode {
    // Usage errors exit 2 (clap's convention), `--help` and `--version` exit 0.
    let cli = Cli::parse();
    context::init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return fail(Failure::new(format!("cannot start the runtime: {err}"))),
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(failure),
    }
}

async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Migrate => migrate::run().await,
        Command::CreateAdmin(args) => admin::create_admin(args).await,
        Command::Keys(keys::Keys::Generate(args)) => keys::generate(&args),
        Command::Jwks => keys::jwks(),
        Command::Users(users::Users::List(args)) => users::list(args).await,
        Command::Users(users::Users::Disable(args)) => users::disable(args).await,
        Command::Users(users::Users::ResetMfa(args)) => users::reset_mfa(args).await,
        Command::Prune => prune::run().await,
    }
}

fn fail(failure: Failure) -> ExitCode {
    eprintln!("error: {failure}");
    ExitCode::FAILURE
}
