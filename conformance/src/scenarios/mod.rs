//! The scenarios: one `pub async fn` per behaviour of the wire contract, named after it.
//!
//! Each takes a freshly started [`Target`](crate::Target) (an empty database with only the
//! admin), configured by the [`options`] the [`http_conformance_suite!`](crate::http_conformance_suite)
//! macro pairs it with, and panics when the server breaks the contract. They are grouped by
//! concern:
//!
//! - registration, e-mail verification at sign-up, access token claims: `registration.rs`;
//! - login, its throttling, and the OAuth2 token endpoint: `login.rs`, `token_endpoint.rs`;
//! - refresh rotation and reuse detection, logout, sessions: `refresh.rs`, `sessions.rs`;
//! - bearer authentication on protected routes: `bearer.rs`;
//! - self-service account changes, password reset, e-mail verification and change:
//!   `account.rs`, `recovery.rs`;
//! - administration: `admin.rs`;
//! - rights ending at once (revocation on every route, role changes) and the refresh grace
//!   window: `revocation.rs`;
//! - request limits, client IPs and rate limits: `limits.rs`, `client_ip.rs`;
//! - CORS for browser origins: `cors.rs`;
//! - cookie mode for browser applications and its CSRF protection: `cookies.rs`;
//! - second factors (TOTP, recovery codes, the two-step sign-in): `mfa.rs`;
//! - sign-in by a code or link mailed to a verified address: `email_sign_in.rs`;
//! - sign-in with other providers (OpenID Connect, GitHub-style OAuth2) and linked
//!   identities: `providers.rs`;
//! - passkeys (registration, sign-in alone and as second factor, clones, ceremonies):
//!   `passkeys.rs`;
//! - JWKS, health, OpenAPI and docs: `infra.rs`.
//!
//! A scenario is named once, where it is written: the build script lists every `pub async fn`
//! here that takes `target: Target` for the suite macro. It runs with the default options
//! unless its doc comment ends with "Runs with [`options::NAME`](options)", which pairs it
//! with that function of [`options`]; adding a scenario is writing the function.

mod account;
mod admin;
mod bearer;
mod client_ip;
mod cookies;
mod cors;
mod email_sign_in;
mod infra;
mod limits;
mod login;
mod mfa;
mod passkeys;
mod providers;
mod recovery;
mod refresh;
mod registration;
mod revocation;
mod sessions;
mod token_endpoint;

pub use account::*;
pub use admin::*;
pub use bearer::*;
pub use client_ip::*;
pub use cookies::*;
pub use cors::*;
pub use email_sign_in::*;
pub use infra::*;
pub use limits::*;
pub use login::*;
pub use mfa::*;
pub use passkeys::*;
pub use providers::*;
pub use recovery::*;
pub use refresh::*;
pub use registration::*;
pub use revocation::*;
pub use sessions::*;
pub use token_endpoint::*;

/// The [`TargetOptions`](crate::TargetOptions) the scenarios are started with.
pub mod options {
    use crate::TargetOptions;

    /// The limit of [`rate_limited`] and [`rate_limited_behind_trusted_proxy`]: auth requests
    /// per minute per client IP.
    pub const RATE_LIMIT: u32 = 5;
    /// The trusted proxy of [`behind_trusted_proxy`]: the suite's own address.
    pub const PROXY: &str = "127.0.0.1";

    /// The stand-in providers of [`crate::providers::shared`] configured as `idp` (OpenID
    /// Connect) and `github`.
    pub fn providers() -> TargetOptions {
        let shared = crate::providers::shared();
        TargetOptions {
            oidc_issuer: Some(shared.oidc.issuer.clone()),
            github_url: Some(shared.github.base_url.clone()),
            ..TargetOptions::default()
        }
    }

    /// The defaults: no verification required, no IP rate limit, no trusted proxy.
    pub fn default() -> TargetOptions {
        TargetOptions::default()
    }

    /// Login needs a verified address; registration answers 202.
    pub fn email_verification_required() -> TargetOptions {
        TargetOptions {
            require_email_verification: true,
            ..TargetOptions::default()
        }
    }

    /// [`RATE_LIMIT`] auth requests per minute per client IP; no trusted proxy.
    pub fn rate_limited() -> TargetOptions {
        TargetOptions {
            ip_rate_limit: RATE_LIMIT,
            ..TargetOptions::default()
        }
    }

    /// [`RATE_LIMIT`] auth requests per minute per client IP, and the suite's address
    /// ([`PROXY`]) is a trusted proxy.
    pub fn rate_limited_behind_trusted_proxy() -> TargetOptions {
        TargetOptions {
            ip_rate_limit: RATE_LIMIT,
            trusted_proxies: vec![PROXY.to_owned()],
            ..TargetOptions::default()
        }
    }

    /// The refresh grace window of [`refresh_grace`], in seconds.
    pub const REFRESH_GRACE_SECONDS: u32 = 2;

    /// A refresh grace window of [`REFRESH_GRACE_SECONDS`].
    pub fn refresh_grace() -> TargetOptions {
        TargetOptions {
            refresh_grace_seconds: REFRESH_GRACE_SECONDS,
            ..TargetOptions::default()
        }
    }

    /// The origin [`cors`] allows.
    pub const CORS_ORIGIN: &str = "https://app.example.com";

    /// CORS for [`CORS_ORIGIN`] only.
    pub fn cors() -> TargetOptions {
        TargetOptions {
            cors_origins: vec![CORS_ORIGIN.to_owned()],
            ..TargetOptions::default()
        }
    }

    /// Cookie mode with the access token in a cookie too, `SameSite=Strict`, `Secure`, and CORS
    /// (so an allowed origin) for [`CORS_ORIGIN`].
    pub fn cookies() -> TargetOptions {
        TargetOptions {
            cookie_mode: Some("all".to_owned()),
            cookie_same_site: Some("strict".to_owned()),
            cookie_secure: Some(true),
            cors_origins: vec![CORS_ORIGIN.to_owned()],
            ..TargetOptions::default()
        }
    }

    /// Cookie mode for the refresh token only, with the app's defaults for the suite's
    /// plain-http localhost target (`SameSite=Lax`, not `Secure`), and CORS for [`CORS_ORIGIN`].
    pub fn cookies_for_development() -> TargetOptions {
        TargetOptions {
            cookie_mode: Some("refresh".to_owned()),
            cors_origins: vec![CORS_ORIGIN.to_owned()],
            ..TargetOptions::default()
        }
    }

    /// The roles of [`registration_roles`], which a user may choose at registration.
    pub const REGISTRATION_ROLES: [&str; 2] = ["candidate", "hr"];

    /// Self-registration as `candidate` or `hr` (the original designs' recruiting example).
    pub fn registration_roles() -> TargetOptions {
        TargetOptions {
            registration_roles: REGISTRATION_ROLES.map(str::to_owned).to_vec(),
            ..TargetOptions::default()
        }
    }

    /// Sign-in by e-mail mails links instead of codes.
    pub fn email_sign_in_by_link() -> TargetOptions {
        TargetOptions {
            email_sign_in: Some("link".to_owned()),
            ..TargetOptions::default()
        }
    }

    /// The pages of the mail links served.
    pub fn hosted_pages() -> TargetOptions {
        TargetOptions {
            hosted_pages: true,
            ..TargetOptions::default()
        }
    }

    /// The prefix of [`prefixed`].
    pub const PREFIX: &str = "/api/v1/auth";

    /// The auth routes under [`PREFIX`], and the documents and health checks with them.
    pub fn prefixed() -> TargetOptions {
        TargetOptions {
            route_prefix: Some(PREFIX.to_owned()),
            route_prefix_all: true,
            ..TargetOptions::default()
        }
    }

    /// The suite's address ([`PROXY`]) is a trusted proxy; no rate limit.
    pub fn behind_trusted_proxy() -> TargetOptions {
        TargetOptions {
            trusted_proxies: vec![PROXY.to_owned()],
            ..TargetOptions::default()
        }
    }
}

/// What every scenario file uses.
mod prelude {
    pub(crate) use authkit_core::UserStatus;
    pub(crate) use authkit_core::mail::{Mail, MailKind};
    pub(crate) use reqwest::Method;
    pub(crate) use serde_json::{Value, json};

    pub(crate) use crate::Target;
    pub(crate) use crate::support::{
        Answer, Api, NEW_PASSWORD, PASSWORD, USER_AGENT, WEAK_PASSWORD, assert_bearer_challenge,
        assert_keys, assert_no_content, assert_oauth_error, assert_problem, assert_retry_after,
        assert_user_json, expect_token_pair, jwt_claims, jwt_header, send, unique_email,
        unique_username, unsigned_jwt, with_claims,
    };

    /// The token in a mail's link (`…#token=…`).
    #[track_caller]
    pub(crate) fn link_token(mail: &Mail) -> String {
        let link = mail
            .link
            .as_deref()
            .unwrap_or_else(|| panic!("the {:?} mail has no link", mail.kind));
        let (_, token) = link
            .split_once("#token=")
            .unwrap_or_else(|| panic!("the link must carry the token in its fragment: {link}"));
        assert!(!token.is_empty(), "the link has an empty token: {link}");
        token.to_owned()
    }

    /// A well-formed token (43 base64url characters, like the real ones) that was never issued.
    pub(crate) const NEVER_ISSUED_TOKEN: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
}
