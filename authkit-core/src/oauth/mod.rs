//! Signing in with other identity providers: OpenID Connect providers found by their issuer
//! URL, and OAuth2 providers with explicit endpoints such as GitHub. Behind the cargo feature
//! `oidc` (off by default: it brings an HTTP client) and served once
//! [`AuthBuilder::oauth`](crate::AuthBuilder::oauth) configured providers.
//!
//! ## The flow
//! `GET {prefix}/oauth/{provider}/start` answers 302 to the provider's authorization endpoint
//! (the authorization-code flow with PKCE S256, a `state` and, for OpenID Connect, a `nonce`)
//! and sets a short-lived `HttpOnly`, `SameSite=Lax` cookie holding a random binding value. The
//! provider sends the browser back to `GET {prefix}/oauth/{provider}/callback?code&state`,
//! which exchanges the code and answers the token pair (or `mfa_required` when the account has
//! a second factor), exactly as a password sign-in does. A signed-in user links a provider
//! with `POST {prefix}/oauth/{provider}/link`, which answers the authorization URL; the
//! callback then links the identity instead of signing in.
//!
//! ## What holds
//! - **State bound to the browser, single use, short-lived**: the flow is stored server-side
//!   ([`IdentityStore::begin_oauth_flow`](crate::store::IdentityStore::begin_oauth_flow))
//!   under the digest of its `state`, with the digests of the binding cookie and the nonce;
//!   the callback takes it once (of concurrent callbacks, one wins) and requires the cookie
//!   of the browser that started it. A tampered, replayed, expired or foreign state is 400
//!   `invalid_oauth_state`. Ten minutes by default.
//! - **Exact redirect URI**: each provider has one configured redirect URI, sent with the
//!   authorization request and again, byte for byte, with the code.
//! - **ID tokens** (OpenID Connect): the signature with a key from the provider's JWKS (fetched
//!   from its discovery document, cached, fetched again for an unknown `kid` at most once per
//!   [`OAuthConfig::jwks_refetch_interval`], so key rotation is followed), the algorithm pinned
//!   per provider (`RS256` unless configured; never `none` or an HMAC), `iss` equal to the
//!   configured issuer, `aud` holding the client id (`azp` too when there are several), `exp`
//!   in the future, `iat` not, the `nonce` of this flow, and `at_hash` when present. Any
//!   failure is 401 `invalid_id_token`; which check failed is logged.
//! - **Identities and linking**: an identity is (`provider`, `subject`). A first sign-in creates
//!   an account with the provider's address and no password (see
//!   [`PasswordHash::unusable`](crate::model::PasswordHash::unusable)). An existing account is
//!   linked automatically only when the provider asserts a *verified* address equal to the
//!   account's *verified* address; otherwise the answer is 409 `oauth_account_exists` and the
//!   owner links explicitly while signed in. An address the provider did not verify never
//!   creates an account (403 `oauth_email_unverified`), so nobody can take an address they do
//!   not control. Unlinking the last way to sign in is refused (409 `last_sign_in_method`).
//! - **Secrets**: client secrets, codes, tokens and PKCE verifiers never reach a log or a
//!   `Debug` output.

mod oidc;
mod provider;
mod userinfo;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use time::Duration;

use crate::error::{AuthError, ConfigError};

pub use jsonwebtoken::Algorithm;
pub use provider::{ClientAuth, OAuth2Endpoints, ProviderConfig, ProviderKind};
pub use userinfo::ProviderUser;

pub(crate) use provider::{Provider, safe_error_code};

/// How long a started flow may take unless configured.
pub const DEFAULT_FLOW_TTL: Duration = Duration::minutes(10);

/// The settings of sign-in with other providers: the providers and the flow's limits.
///
/// ```
/// use authkit_core::oauth::{OAuthConfig, ProviderConfig};
///
/// let config = OAuthConfig::new()
///     .provider(ProviderConfig::oidc(
///         "google",
///         "https://accounts.google.com",
///         "client-id.apps.googleusercontent.com",
///         "client secret",
///         "https://app.example.com/auth/oauth/google/callback",
///     ))?
///     .provider(ProviderConfig::github(
///         "github",
///         "Iv1.0123456789abcdef",
///         "client secret",
///         "https://app.example.com/auth/oauth/github/callback",
///     ))?;
/// assert_eq!(config.provider_names(), ["google", "github"]);
/// # Ok::<(), authkit_core::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct OAuthConfig {
    pub(crate) providers: Vec<Arc<Provider>>,
    pub(crate) flow_ttl: Duration,
    pub(crate) jwks_refetch_interval: StdDuration,
    pub(crate) http_timeout: StdDuration,
}

impl std::fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthConfig")
            .field(
                "providers",
                &self.providers.iter().map(|p| &p.config).collect::<Vec<_>>(),
            )
            .field("flow_ttl", &self.flow_ttl)
            .finish_non_exhaustive()
    }
}

impl Default for OAuthConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl OAuthConfig {
    /// No provider yet; flows of ten minutes, JWKS fetched again for an unknown key at most
    /// every 30 s, calls to providers given 10 s.
    pub fn new() -> Self {
        Self {
            providers: Vec::new(),
            flow_ttl: DEFAULT_FLOW_TTL,
            jwks_refetch_interval: StdDuration::from_secs(30),
            http_timeout: StdDuration::from_secs(10),
        }
    }

    /// Adds a provider. Its name must be 1 to 32 characters of `a-z`, `0-9`, `_`, `-` and not
    /// taken; its redirect URI an absolute `http(s)` URL without a fragment; an OpenID Connect
    /// issuer an `https` URL (`http` only for `localhost`/`127.0.0.1`, for tests).
    pub fn provider(mut self, config: ProviderConfig) -> Result<Self, ConfigError> {
        if self.providers.iter().any(|p| p.config.name == config.name) {
            return Err(ConfigError::new(
                "oauth_provider",
                format!("the name {:?} is taken", config.name),
            ));
        }
        let provider = Provider::new(config, self.http_timeout)?;
        provider.set_jwks_refetch_interval(self.jwks_refetch_interval);
        self.providers.push(Arc::new(provider));
        Ok(self)
    }

    /// How long a started flow may take (default ten minutes; one to thirty).
    pub fn flow_ttl(mut self, ttl: Duration) -> Result<Self, ConfigError> {
        if ttl < Duration::minutes(1) || ttl > Duration::minutes(30) {
            return Err(ConfigError::new(
                "oauth_flow_ttl",
                "must be between one and thirty minutes",
            ));
        }
        self.flow_ttl = ttl;
        Ok(self)
    }

    /// The least time between two fetches of a provider's JWKS caused by an unknown `kid`
    /// (default 30 s): a token signed with a new key is accepted once the keys were fetched
    /// again, and a flood of forged `kid`s costs the provider one fetch per interval.
    pub fn jwks_refetch_interval(mut self, interval: StdDuration) -> Self {
        self.jwks_refetch_interval = interval;
        for provider in &self.providers {
            provider.set_jwks_refetch_interval(interval);
        }
        self
    }

    /// The configured providers' names, in order.
    pub fn provider_names(&self) -> Vec<&str> {
        self.providers
            .iter()
            .map(|p| p.config.name.as_str())
            .collect()
    }

    pub(crate) fn find(&self, name: &str) -> Option<&Arc<Provider>> {
        self.providers.iter().find(|p| p.config.name == name)
    }
}

/// A fresh PKCE verifier (RFC 7636: 43 characters of base64url, 256 bits) and its S256
/// challenge.
pub(crate) fn pkce_pair() -> (String, String) {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator failed");
    let verifier = URL_SAFE_NO_PAD.encode(bytes);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The answer of the provider or of the checks on it, as the flows report it.
pub(crate) fn provider_error(provider: &str, why: impl std::fmt::Display) -> AuthError {
    tracing::warn!(target: "authkit::oauth", provider, reason = %why, "provider call failed");
    AuthError::OAuthProviderError(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pkce_challenge_is_the_s256_of_the_verifier() {
        let (verifier, challenge) = pkce_pair();
        assert_eq!(verifier.len(), 43);
        assert_eq!(
            challenge,
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
        );
        // RFC 7636 appendix B.
        let known = URL_SAFE_NO_PAD.encode(Sha256::digest(
            b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        ));
        assert_eq!(known, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn provider_names_are_unique_and_well_formed() {
        let github = || ProviderConfig::github("github", "id", "secret", "https://a.example/cb");
        let config = OAuthConfig::new().provider(github()).unwrap();
        assert_eq!(
            config.provider(github()).unwrap_err().setting,
            "oauth_provider"
        );
        let bad = ProviderConfig::github("Git Hub", "id", "secret", "https://a.example/cb");
        assert!(OAuthConfig::new().provider(bad).is_err());
        let fragment = ProviderConfig::github("gh", "id", "secret", "https://a.example/cb#x");
        assert!(OAuthConfig::new().provider(fragment).is_err());
        let plain = ProviderConfig::oidc("x", "http://idp.example", "id", "s", "https://a/cb");
        assert!(OAuthConfig::new().provider(plain).is_err());
        let local = ProviderConfig::oidc("x", "http://127.0.0.1:9", "id", "s", "https://a/cb");
        assert!(OAuthConfig::new().provider(local).is_ok());
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let config = OAuthConfig::new()
            .provider(ProviderConfig::github(
                "github",
                "id",
                "hunter2-secret",
                "https://a.example/cb",
            ))
            .unwrap();
        let shown = format!("{config:?} {:?}", config.providers[0]);
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
