//! # authkit-core
//!
//! The framework-free heart of authkit: every authentication flow of a web service — register,
//! login, refresh with rotation, logout, per-device sessions, e-mail verification, password
//! reset, account changes, roles, admin user management — as methods of one service, [`Auth`],
//! with secure defaults that hold without configuration.
//!
//! ## What it does
//! - **Passwords** ([`password`], [`policy`]): argon2id (m=19456 KiB, t=2, p=1) on blocking
//!   threads behind a semaphore; NIST SP 800-63B-4 policy (length in code points after NFKC,
//!   15 by default, 256 at most, a blocklist, never the user's own address); legacy bcrypt and
//!   weaker argon2 hashes verify and are replaced after a successful login.
//! - **Access tokens** ([`jwt`]): JWTs with `typ: at+jwt` and `kid`, HS256/RS256/ES256/EdDSA,
//!   a key ring for rotation, strict validation as a pure synchronous function (the hot path),
//!   JWKS export so other services verify on their own.
//! - **Revocation at once** ([`revocation`]): a logout, session revoke, logout-all, password
//!   change or reset, disabling, deletion or role change is recorded in the store with the
//!   change, and every instance keeps an in-memory view of what is revoked (pushed on
//!   PostgreSQL, polled elsewhere), so [`Auth::authenticate`] refuses a revoked token and
//!   applies a new role on the next request with no I/O, failing closed when the view goes
//!   stale. Admin flows authorize against the stored caller, never the token alone.
//! - **Refresh tokens and one-time tokens** ([`token`]): a refresh token is its session's
//!   selector and 32 fresh random bytes, only SHA-256 stored, rotated on every use in one update
//!   of the session's row; a replayed refresh token revokes its whole family (RFC 9700 4.14);
//!   one-time tokens are 32 random bytes, consumed atomically, exactly once.
//! - **No enumeration**: failed logins look and cost the same for unknown users, wrong
//!   passwords and disabled accounts; reset and verification requests answer the same for any
//!   address; throttling is keyed by what was typed, so it treats unknown accounts alike.
//! - **Storage** ([`store`]): small traits with written atomicity contracts; [`memory`] is the
//!   reference implementation. `authkit-sqlx` implements them on SQLite, PostgreSQL and MySQL.
//!   [`Auth::prune`] deletes what has ended (sessions, used tokens, idle throttle counters, old
//!   events) in bounded batches, safely from several instances at once.
//! - **Second factors** ([`mfa`], cargo feature `totp`, on by default): TOTP authenticators
//!   with recovery codes; a right password then answers a single-use challenge that a code
//!   completes, each code accepted once across instances.
//! - **Sign-in by e-mail** ([`passwordless`], cargo feature `email-sign-in`, on by default): a
//!   one-time code or magic link mailed to a verified address, single use, throttled, answering
//!   alike for every address.
//! - **Other identity providers** (module `oauth`, cargo feature `oidc`): sign-in with OpenID
//!   Connect providers and GitHub-style OAuth2 providers (authorization code with PKCE, state
//!   and nonce bound to the browser, ID tokens validated on pinned algorithms), identities
//!   linked to accounts without taking over anyone's address.
//! - **Passkeys** ([`passkey`], cargo feature `passkeys`, on by default): WebAuthn
//!   credentials verified by webauthn-rs, several per account, to sign in alone or as the
//!   second step of a password sign-in; signature counters checked, ceremonies single use.
//! - **The wire contract** ([`dto`], [`error`]): request and answer bodies and one error enum
//!   with stable codes and statuses, shared by the axum and actix adapters.
//!
//! ## What it does not do
//! It imports no web framework and no database driver, never reads the system clock in a flow
//! (the [`Clock`] is injected) and never builds a link from a request: links use the configured
//! public URL. It does not deliver mail itself: give it a [`mail::Mailer`].
//!
//! ## Quick start
//! ```
//! use std::sync::Arc;
//! use authkit_core::{Auth, AuthConfig, ClientInfo, Registration};
//! use authkit_core::dto::RegisterRequest;
//! use authkit_core::memory::MemoryStore;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let config = AuthConfig::builder()
//!     .hs256_secret(std::env::var("JWT_SECRET").unwrap_or_else(|_| "x".repeat(32)))
//!     .issuer("https://auth.example.com")
//!     # .hash_params(authkit_core::password::HashParams::insecure_fast_for_tests())
//!     .build()?;
//! let auth = Auth::builder(config, Arc::new(MemoryStore::new())).build();
//!
//! let request = RegisterRequest {
//!     email: "ada@example.com".into(),
//!     password: "a long and unusual passphrase".into(),
//!     username: None,
//!     role: None,
//! };
//! let Registration::Created { user, tokens } = auth.register(request, &ClientInfo::default()).await? else {
//!     unreachable!("e-mail verification is not required by default");
//! };
//! let caller = auth.authenticate(&tokens.access_token).await?;
//! assert_eq!(caller.user_id, user.id);
//!
//! let rotated = auth.refresh(&tokens.refresh_token, &ClientInfo::default()).await?;
//! assert_eq!(rotated.session_id, tokens.session_id);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! ## Layout
//! One concept per module: [`config`], [`error`], [`password`], [`policy`], [`jwt`], [`token`],
//! [`store`], [`memory`], [`revocation`], [`principal`], [`mail`], [`events`], [`clock`],
//! [`dto`], [`telemetry`] (metrics and request spans), and the flows of [`Auth`] split by concern under `auth/` (the revocation feed's
//! background task in `auth/feed.rs`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod clock;
pub mod config;
pub mod dto;
pub mod email;
pub mod error;
pub mod events;
pub mod http;
pub mod jwt;
pub mod mail;
pub mod memory;
#[cfg(feature = "totp")]
pub mod mfa;
pub mod model;
#[cfg(feature = "oidc")]
pub mod oauth;
#[cfg(feature = "passkeys")]
pub mod passkey;
pub mod password;
#[cfg(feature = "email-sign-in")]
pub mod passwordless;
pub mod policy;
pub mod principal;
pub mod revocation;
pub mod secret;
pub mod store;
pub mod telemetry;
pub mod token;

pub use auth::{Auth, AuthBuilder, PrunePolicy, PruneReport, Registration};
#[cfg(feature = "oidc")]
pub use auth::{OAuthOutcome, OAuthStart};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    AuthConfig, AuthConfigBuilder, ConfigError, FeedMode, LoginThrottle, RevocationFeed,
    SessionCheck, StaleAnswer,
};
pub use error::{AuthError, ErrorCode, MfaChallenge, Problem};
pub use model::{
    ClientInfo, Identity, IdentityId, Role, Session, SessionId, User, UserId, UserStatus,
};
pub use principal::Principal;
pub use secret::SecretString;
