//! # authkit-http-conformance
//!
//! The HTTP conformance suite of authkit: its wire contract written down once as
//! black-box scenarios that talk real HTTP to a running server, and run unchanged against every
//! framework adapter (axum, actix-web, and any adapter written later). Two adapters that pass it
//! are interchangeable for a client: same routes, statuses, `code`s, headers and JSON shapes.
//!
//! ## What it does
//! - Each scenario ([`scenarios`]) starts a fresh server through the adapter's [`App`], with the
//!   [`TargetOptions`] it needs (e-mail verification required, an IP rate limit, trusted
//!   proxies), then checks one behaviour: the exact status, the `code` of the problem document,
//!   the headers (`Cache-Control: no-store`, `WWW-Authenticate`, `Retry-After`) and the exact
//!   keys of the JSON answers.
//! - Mail is read from the server's [`MemoryMailer`], always by waiting for it
//!   ([`MemoryMailer::wait_for`]): authkit sends mail in a background task.
//! - [`http_conformance_suite!`] turns every scenario into one `#[test]` of the calling crate.
//!
//! ## What it does not do
//! It does not start servers itself, know any framework, or look inside the database: what a
//! server is and how it is configured is the adapter's [`App`]. It does not test what needs
//! control of the server's environment (a database outage answering `/readyz` 503, expiry of
//! tokens over time); the adapters test that themselves.
//!
//! ## Instantiating the suite for an adapter
//! Implement [`App`] for a value that starts your example app on an ephemeral port (its own
//! fresh, empty database, the admin seeded, a shared [`MemoryMailer`] as its mailer), then call
//! the macro once, e.g. in `tests/http_conformance.rs` of the adapter's example app (this
//! repository's `examples/axum-app/tests/http_conformance.rs` is a complete one):
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use authkit_core::mail::MemoryMailer;
//! use authkit_http_conformance::{App, Target, TargetOptions};
//!
//! # mod my_app {
//! #     pub struct Server;
//! #     pub async fn start(
//! #         _: &authkit_http_conformance::TargetOptions,
//! #         _: std::sync::Arc<authkit_core::mail::MemoryMailer>,
//! #         _: (&str, &str),
//! #     ) -> (std::net::SocketAddr, Server) {
//! #         todo!()
//! #     }
//! # }
//! const ADMIN: (&str, &str) = ("admin@example.com", "an admin passphrase long enough");
//!
//! struct MyApp;
//!
//! impl App for MyApp {
//!     async fn start(&self, options: TargetOptions) -> Target {
//!         let mailer = Arc::new(MemoryMailer::new());
//!         // Your app on 127.0.0.1:0: a fresh database, configured by `options`, mailing
//!         // through `mailer`, with the admin seeded. The server stops when `server` drops.
//!         let (addr, server) = my_app::start(&options, mailer.clone(), ADMIN).await;
//!         Target {
//!             base_url: format!("http://{addr}"),
//!             mailer,
//!             admin_email: ADMIN.0.into(),
//!             admin_password: ADMIN.1.into(),
//!             guard: Box::new(server),
//!         }
//!     }
//! }
//!
//! authkit_http_conformance::http_conformance_suite!(MyApp);
//! # fn main() {}
//! ```
//!
//! Each generated test builds its own multi-threaded tokio runtime ([`run`]), so the calling
//! crate needs no particular tokio features for the tests themselves; the server may be
//! spawned on that runtime (as above) or run on its own thread.
//!
//! What a target must provide:
//! - the routes of the contract under `/auth`, plus `/.well-known/jwks.json`, `/healthz`,
//!   `/readyz`, `/openapi.json` and `/docs`, at [`Target::base_url`];
//! - the default password policy (minimum 15 code points) and login throttle (5 free failures);
//! - second factors offered (a TOTP key configured, the `totp` feature of `authkit-core`);
//! - sign-in by e-mail offered, by code unless [`TargetOptions::email_sign_in`] says `link`
//!   (the `email-sign-in` feature of `authkit-core`);
//! - with [`TargetOptions::oidc_issuer`] and [`TargetOptions::github_url`], the providers
//!   `idp` and `github` at those stand-ins ([`providers`], the `oidc` feature of
//!   `authkit-core`), with redirect URIs under the app's public URL (the scenarios follow the
//!   provider's redirect to the target's own address);
//! - passkeys offered (the `passkeys` feature of `authkit-core`) for the relying party
//!   [`PASSKEY_RP_ID`] and exactly the origins [`PASSKEY_ORIGINS`];
//! - an admin account ([`Target::admin_email`], [`Target::admin_password`]) and nobody else;
//! - routes of the application's own: `GET /hello` and `POST /hello` for any signed-in user
//!   (through the adapter's `AuthUser`), and `GET /admin/stats` behind the adapter's
//!   `RequireRole<Admin>`, all answering 200 when let through;
//! - [`TargetOptions::cookie_mode`], [`TargetOptions::cookie_same_site`] and
//!   [`TargetOptions::cookie_secure`] as cookie mode, trusting the CORS origins for CSRF;
//! - [`TargetOptions::refresh_grace_seconds`] as the refresh grace window;
//! - the client IP taken from the socket (the suite connects from `127.0.0.1`), or from
//!   `X-Forwarded-For` when the peer is one of [`TargetOptions::trusted_proxies`].
//!
//! An app that cannot run in some environment (say, a PostgreSQL variant without a database
//! URL) overrides [`App::skip_reason`]; its scenarios then pass without starting anything.
//!
//! ## Decisions where the contract is loose
//! - `WWW-Authenticate` is checked by its meaning, not byte for byte: the scheme `Bearer`
//!   (case-insensitive), an `error` attribute exactly when the contract names one, other
//!   attributes (`realm`, `error_description`) allowed.
//! - Media types are compared without parameters (`application/problem+json; charset=utf-8`
//!   passes). `Cache-Control` passes when its directives include `no-store`.
//! - The OAuth2 error answers of `/auth/token` must be `application/json` with the key `error`
//!   and at most `error_description` besides (RFC 6749 5.2).
//! - The OpenAPI document must list every `/auth` route of the contract with its methods (the
//!   infrastructure routes are not required); the password flow's `tokenUrl` may be relative
//!   (`/auth/token`) or absolute (ending in it). `GET /docs` must answer 200 itself, not
//!   redirect.
//! - A body that lacks a required field, or is JSON of the wrong type, is `malformed_body`
//!   (it does not have the expected shape), like an unknown field.
//! - The IP rate limit is one budget per client across all auth routes (the configuration
//!   speaks of "auth requests per minute per client IP"); `/healthz` is not limited.
//! - Usernames are unique case-insensitively, like addresses.
//! - A reset confirmation refused for a weak password does not spend the reset token; a
//!   deleted account's address can be registered again.
//! - After logouts, revocations, credential changes, disabling, deletion and role changes the
//!   access tokens are checked too, at once (authkit's revocation view is on by default): a
//!   revoked token is 401 `invalid_access_token` everywhere; a demoted caller's token is 403 on
//!   what the old role allowed and 200 on `/auth/me`, which shows the new role.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use authkit_core::mail::MemoryMailer;

pub mod providers;
pub mod scenarios;
pub mod support;

/// The relying-party id a target's passkeys are configured with.
pub const PASSKEY_RP_ID: &str = "localhost";
/// The origins a target's passkeys accept: the scenarios' software authenticator signs as a
/// page of one of them (the server need not be reachable there: the origin is what the
/// browser's client data claims).
pub const PASSKEY_ORIGINS: [&str; 2] = ["http://localhost:3000", "http://localhost:3001"];

/// How long [`App::start`] may take before the test fails.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one scenario may take before the test fails.
pub const SCENARIO_TIMEOUT: Duration = Duration::from_secs(180);

/// How a scenario wants its server configured. The default is the library's defaults with the
/// IP rate limit off: no verification required, no rate limit, no trusted proxy.
#[derive(Debug, Clone, Default)]
pub struct TargetOptions {
    /// Login needs a verified address, and registration answers 202 (default `false`).
    pub require_email_verification: bool,
    /// Requests per minute per client IP on the auth routes; 0 turns the limit off (default 0).
    pub ip_rate_limit: u32,
    /// IPs or CIDRs whose `X-Forwarded-For` is believed (default none).
    pub trusted_proxies: Vec<String>,
    /// The refresh grace window in seconds: a rotated-out refresh token presented again this
    /// soon gets a new one instead of revoking its family (default 0, the library's default).
    pub refresh_grace_seconds: u32,
    /// Roles a user may choose at registration besides `user` (default none).
    pub registration_roles: Vec<String>,
    /// Origins a browser may call the API from (CORS; default none).
    pub cors_origins: Vec<String>,
    /// The auth routes' prefix (default `None`: `/auth`).
    pub route_prefix: Option<String>,
    /// Whether the documents and health checks go under the prefix too (default `false`).
    pub route_prefix_all: bool,
    /// Cookie mode: `None` (default) off; `Some("refresh")` the refresh token in an HttpOnly
    /// cookie; `Some("all")` the access token too (the example apps' `AUTHKIT_COOKIE_MODE`).
    pub cookie_mode: Option<String>,
    /// The cookies' `SameSite`: `lax`, `strict` or `none` (default `None`: the app's default,
    /// `lax`).
    pub cookie_same_site: Option<String>,
    /// Whether the cookies are `Secure` (default `None`: the app's default, which for the
    /// suite's `http://127.0.0.1` target is not secure).
    pub cookie_secure: Option<bool>,
    /// Whether the pages of the mail links are served (default `false`).
    pub hosted_pages: bool,
    /// Sign-in by e-mail: `None` (default) codes, `Some("link")` links (the example apps'
    /// `AUTHKIT_EMAIL_SIGN_IN`).
    pub email_sign_in: Option<String>,
    /// An OpenID Connect provider at this issuer, named `idp`, with the client
    /// [`providers::CLIENT_ID`] / [`providers::CLIENT_SECRET`], ES256 ID tokens and no wait
    /// between JWKS fetches (default `None`: none).
    pub oidc_issuer: Option<String>,
    /// A GitHub-style provider at this base URL (web and API), named `github`, with the same
    /// client (default `None`: none).
    pub github_url: Option<String>,
}

/// A running server, as [`App::start`] returns it.
pub struct Target {
    /// The server's base URL without a trailing slash, e.g. `http://127.0.0.1:41234`; the auth
    /// routes are under `/auth`.
    pub base_url: String,
    /// The server's mailer: every mail it sends lands here.
    pub mailer: Arc<MemoryMailer>,
    /// The address of the admin account seeded at startup.
    pub admin_email: String,
    /// The admin's password.
    pub admin_password: String,
    /// Keeps the server alive; dropping it may stop it.
    pub guard: Box<dyn Any + Send>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("base_url", &self.base_url)
            .field("admin_email", &self.admin_email)
            .field("admin_password", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// An adapter's example app, as the suite starts it.
pub trait App: Sync {
    /// Starts a fresh server (fresh, empty database with only the admin) configured by `options`.
    fn start(&self, options: TargetOptions) -> impl Future<Output = Target> + Send;

    /// Why this app cannot run here (e.g. the database it needs is not configured), or `None`
    /// (the default) when it can. When it says why, every scenario prints the reason and passes
    /// without calling [`start`](Self::start): Rust tests cannot report "skipped".
    fn skip_reason(&self) -> Option<String> {
        None
    }
}

/// Runs one scenario: builds a multi-threaded tokio runtime, starts a target with `options`
/// and hands it to `scenario` (or returns at once when [`App::skip_reason`] gives a reason).
/// Panics (fails the test) when the scenario does, or when starting or running takes longer
/// than [`START_TIMEOUT`] or [`SCENARIO_TIMEOUT`].
///
/// [`http_conformance_suite!`] calls this once per scenario; call it yourself to run a
/// scenario of your own against an [`App`]:
///
/// ```no_run
/// # use authkit_http_conformance::{App, Target, TargetOptions};
/// # struct MyApp;
/// # impl App for MyApp {
/// #     async fn start(&self, _: TargetOptions) -> Target {
/// #         todo!()
/// #     }
/// # }
/// #[test]
/// fn my_extra_check() {
///     authkit_http_conformance::run(&MyApp, TargetOptions::default(), |target| async move {
///         let api = authkit_http_conformance::support::Api::new(target);
///         // ...
///     });
/// }
/// # fn main() {}
/// ```
pub fn run<A, S, F>(app: &A, options: TargetOptions, scenario: S)
where
    A: App,
    S: FnOnce(Target) -> F,
    F: Future<Output = ()>,
{
    if let Some(reason) = app.skip_reason() {
        eprintln!("skipped: {reason}");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("could not build a tokio runtime for the scenario");
    runtime.block_on(async {
        let target = tokio::time::timeout(START_TIMEOUT, app.start(options))
            .await
            .unwrap_or_else(|_| panic!("App::start did not finish within {START_TIMEOUT:?}"));
        tokio::time::timeout(SCENARIO_TIMEOUT, scenario(target))
            .await
            .unwrap_or_else(|_| panic!("the scenario did not finish within {SCENARIO_TIMEOUT:?}"));
    });
}

/// Generates one `#[test]` per scenario of [`scenarios`], each starting its own [`Target`]
/// through `$app` (an expression whose type implements [`App`]; it is evaluated once per test)
/// with the options that scenario needs.
///
/// ```no_run
/// # use authkit_http_conformance::{App, Target, TargetOptions};
/// # struct MyApp;
/// # impl App for MyApp {
/// #     async fn start(&self, _: TargetOptions) -> Target {
/// #         todo!()
/// #     }
/// # }
/// authkit_http_conformance::http_conformance_suite!(MyApp);
/// # fn main() {}
/// ```
///
/// The tests are named after the scenarios, so a failure reads as the behaviour that broke:
/// `replaying_a_rotated_refresh_token_revokes_the_family ... FAILED`.
#[macro_export]
macro_rules! http_conformance_suite {
    ($app:expr $(,)?) => {
        $crate::__http_conformance_scenario_names!(__http_conformance_tests!(app: ($app);));
    };
}

// `__http_conformance_scenario_names!`: every scenario of `src/scenarios/` by its options,
// listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/scenario_names.rs"));

/// Expands the scenario lists of [`http_conformance_suite!`] into tests; not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __http_conformance_tests {
    (app: ($app:expr); $($options:ident: [$($scenario:ident),* $(,)?];)*) => {
        $($(
            #[test]
            fn $scenario() {
                $crate::run(
                    &$app,
                    $crate::scenarios::options::$options(),
                    $crate::scenarios::$scenario,
                );
            }
        )*)*
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated list, as text: each scenario under the options its doc comment names.
    #[test]
    fn scenarios_are_listed_under_their_options() {
        let names = include_str!(concat!(env!("OUT_DIR"), "/scenario_names.rs"));
        let group = |options: &str| {
            let start = names.find(&format!(" {options}: [")).expect(options);
            names[start..]
                .split(']')
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        assert!(
            group("default").contains(" registering_returns_201_with_the_user_and_a_token_pair,")
        );
        assert!(
            !group("default").contains("the_sixth_auth_request_in_a_minute_is_too_many_requests")
        );
        assert!(
            group("rate_limited")
                .contains("the_sixth_auth_request_in_a_minute_is_too_many_requests")
        );
        assert!(group("providers").contains(" spoiled_id_tokens_are_refused,"));
        assert!(
            group("refresh_grace")
                .contains("a_refresh_retried_within_the_grace_window_keeps_the_session")
        );
        let listed: usize = names
            .split(": [")
            .skip(1)
            .map(|group| {
                group
                    .split(']')
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .count()
            })
            .sum();
        assert_eq!(listed, 125, "{names}");
    }

    #[test]
    fn default_options_are_the_documented_ones() {
        let options = TargetOptions::default();
        assert!(!options.require_email_verification);
        assert_eq!(options.ip_rate_limit, 0);
        assert!(options.trusted_proxies.is_empty());
    }

    #[test]
    fn target_debug_hides_the_admin_password() {
        let target = Target {
            base_url: "http://127.0.0.1:1".into(),
            mailer: Arc::new(MemoryMailer::new()),
            admin_email: "admin@example.com".into(),
            admin_password: "an admin passphrase long enough".into(),
            guard: Box::new(()),
        };
        let debug = format!("{target:?}");
        assert!(debug.contains("admin@example.com"), "{debug}");
        assert!(!debug.contains("passphrase"), "{debug}");
    }
}
