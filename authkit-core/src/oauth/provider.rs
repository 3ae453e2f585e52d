//! A provider's configuration ([`ProviderConfig`]) and its running state ([`Provider`]): the
//! HTTP client, OpenID Connect's cached discovery document and keys, the code exchange.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration as StdDuration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use super::oidc::OidcState;
use super::provider_error;
use super::userinfo::ProviderUser;
use crate::error::{AuthError, ConfigError};
use crate::secret::SecretString;
use crate::token::TokenHash;

/// How the client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with the form-encoded client id and secret (`client_secret_basic`, OpenID
    /// Connect's default).
    Basic,
    /// `client_id` and `client_secret` in the form body (`client_secret_post`, what GitHub
    /// documents).
    Post,
}

/// The endpoints of a plain OAuth2 provider, and where its user's address comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Endpoints {
    /// The authorization endpoint (`https://github.com/login/oauth/authorize`).
    pub authorization: String,
    /// The token endpoint (`https://github.com/login/oauth/access_token`).
    pub token: String,
    /// The user endpoint, called with the access token: a JSON object whose `id` (a number or
    /// a string) is the subject, with `email` and `email_verified` when it has them
    /// (`https://api.github.com/user`).
    pub user: String,
    /// GitHub's e-mail list (`https://api.github.com/user/emails`): an array of
    /// `{email, primary, verified}`, of which the primary address is taken, with its
    /// `verified`. When set it is the only source of the address.
    pub emails: Option<String>,
}

impl OAuth2Endpoints {
    /// GitHub's endpoints under `web` (`https://github.com`) and `api`
    /// (`https://api.github.com`): another base serves GitHub Enterprise Server, or a test.
    pub fn github_at(web: &str, api: &str) -> Self {
        let (web, api) = (web.trim_end_matches('/'), api.trim_end_matches('/'));
        Self {
            authorization: format!("{web}/login/oauth/authorize"),
            token: format!("{web}/login/oauth/access_token"),
            user: format!("{api}/user"),
            emails: Some(format!("{api}/user/emails")),
        }
    }
}

/// What kind of provider, with what that kind needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderKind {
    /// An OpenID Connect provider, found at `{issuer}/.well-known/openid-configuration`; its
    /// ID tokens must be signed with one of `algorithms`.
    Oidc {
        /// The issuer, exactly as the provider's tokens name it.
        issuer: String,
        /// The signature algorithms accepted for its ID tokens (asymmetric only).
        algorithms: Vec<Algorithm>,
    },
    /// A plain OAuth2 provider with explicit endpoints (GitHub).
    OAuth2(OAuth2Endpoints),
}

/// One provider: its name in the routes (`/oauth/{name}/start`), its kind, and the client
/// registered there. `Debug` hides the client secret.
#[derive(Clone)]
pub struct ProviderConfig {
    pub(crate) name: String,
    pub(crate) kind: ProviderKind,
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) client_auth: ClientAuth,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl ProviderConfig {
    /// An OpenID Connect provider by its issuer URL, with the scopes `openid email profile`,
    /// ID tokens signed with `RS256`, and `client_secret_basic`. `redirect_uri` is
    /// `{public URL}{prefix}/oauth/{name}/callback`, registered at the provider exactly so.
    pub fn oidc(
        name: &str,
        issuer: &str,
        client_id: &str,
        client_secret: &str,
        redirect_uri: &str,
    ) -> Self {
        Self {
            name: name.to_owned(),
            kind: ProviderKind::Oidc {
                issuer: issuer.to_owned(),
                algorithms: vec![Algorithm::RS256],
            },
            client_id: client_id.to_owned(),
            client_secret: SecretString::from(client_secret),
            redirect_uri: redirect_uri.to_owned(),
            scopes: ["openid", "email", "profile"].map(str::to_owned).to_vec(),
            client_auth: ClientAuth::Basic,
        }
    }

    /// GitHub (github.com), with the scopes `read:user user:email` and `client_secret_post`.
    pub fn github(name: &str, client_id: &str, client_secret: &str, redirect_uri: &str) -> Self {
        Self::oauth2(
            name,
            OAuth2Endpoints::github_at("https://github.com", "https://api.github.com"),
            client_id,
            client_secret,
            redirect_uri,
        )
        .scopes(&["read:user", "user:email"])
    }

    /// A plain OAuth2 provider with these endpoints, no scope and `client_secret_post`.
    pub fn oauth2(
        name: &str,
        endpoints: OAuth2Endpoints,
        client_id: &str,
        client_secret: &str,
        redirect_uri: &str,
    ) -> Self {
        Self {
            name: name.to_owned(),
            kind: ProviderKind::OAuth2(endpoints),
            client_id: client_id.to_owned(),
            client_secret: SecretString::from(client_secret),
            redirect_uri: redirect_uri.to_owned(),
            scopes: Vec::new(),
            client_auth: ClientAuth::Post,
        }
    }

    /// The ID tokens' accepted algorithms (OpenID Connect only; `RS256` unless set): one or
    /// more of `RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512`, `ES256`, `ES384`,
    /// `EdDSA`. HMAC algorithms are refused when the provider is added.
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        if let ProviderKind::Oidc { algorithms: a, .. } = &mut self.kind {
            *a = algorithms.to_vec();
        }
        self
    }

    /// The scopes asked for (OpenID Connect always asks for `openid`).
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// How the client authenticates to the token endpoint.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The redirect URI.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    fn check(&self) -> Result<(), ConfigError> {
        let bad = |message: String| Err(ConfigError::new("oauth_provider", message));
        let name_ok = (1..=32).contains(&self.name.len())
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !name_ok {
            return bad(format!(
                "name {:?}: use 1-32 characters of a-z, 0-9, '_' or '-'",
                self.name
            ));
        }
        if !is_url(&self.redirect_uri, true) || self.redirect_uri.contains('#') {
            return bad(format!(
                "{}: the redirect URI must be an absolute http(s) URL without a fragment",
                self.name
            ));
        }
        if self.client_id.is_empty() {
            return bad(format!("{}: the client id is empty", self.name));
        }
        match &self.kind {
            ProviderKind::Oidc { issuer, algorithms } => {
                if !is_url(issuer, false) {
                    return bad(format!(
                        "{}: the issuer must be an https URL (http only on localhost)",
                        self.name
                    ));
                }
                if algorithms.is_empty()
                    || algorithms.iter().any(|a| {
                        matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
                    })
                {
                    return bad(format!(
                        "{}: pin one or more asymmetric ID token algorithms",
                        self.name
                    ));
                }
            }
            ProviderKind::OAuth2(endpoints) => {
                let all = [&endpoints.authorization, &endpoints.token, &endpoints.user];
                if !all
                    .into_iter()
                    .chain(&endpoints.emails)
                    .all(|u| is_url(u, false))
                {
                    return bad(format!(
                        "{}: the endpoints must be https URLs (http only on localhost)",
                        self.name
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Whether `url` is an absolute `https` URL, or `http` where `http_anywhere`, or on the local
/// host.
fn is_url(url: &str, http_anywhere: bool) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let local = ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|h| host == *h || host.starts_with(&format!("{h}:")));
    !host.is_empty()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && match scheme {
            "https" => true,
            "http" => http_anywhere || local,
            _ => false,
        }
}

/// What the token endpoint answered. `Debug` hides the tokens.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: SecretString,
    #[serde(default)]
    pub(crate) id_token: Option<SecretString>,
}

/// A configured provider at run time.
pub(crate) struct Provider {
    pub(crate) config: ProviderConfig,
    pub(crate) http: reqwest::Client,
    oidc: Option<OidcState>,
    jwks_refetch_millis: AtomicU64,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Provider {
    pub(crate) fn new(config: ProviderConfig, timeout: StdDuration) -> Result<Self, ConfigError> {
        config.check()?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            // A provider's answers are read where they are: a redirect would move a code or
            // a token somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("authkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ConfigError::new("oauth_provider", err.to_string()))?;
        let oidc = match &config.kind {
            ProviderKind::Oidc { issuer, algorithms } => {
                Some(OidcState::new(issuer.clone(), algorithms.clone()))
            }
            ProviderKind::OAuth2(_) => None,
        };
        Ok(Self {
            config,
            http,
            oidc,
            jwks_refetch_millis: AtomicU64::new(30_000),
        })
    }

    pub(crate) fn set_jwks_refetch_interval(&self, interval: StdDuration) {
        let millis = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);
        self.jwks_refetch_millis.store(millis, Ordering::Relaxed);
    }

    pub(crate) fn jwks_refetch_interval(&self) -> StdDuration {
        StdDuration::from_millis(self.jwks_refetch_millis.load(Ordering::Relaxed))
    }

    pub(crate) fn name(&self) -> &str {
        &self.config.name
    }

    pub(crate) fn is_oidc(&self) -> bool {
        self.oidc.is_some()
    }

    /// The issuer an OpenID Connect provider's answers must name (RFC 9207 `iss`).
    pub(crate) fn issuer(&self) -> Option<&str> {
        self.oidc.as_ref().map(OidcState::issuer)
    }

    /// The URL the browser is sent to.
    pub(crate) async fn authorization_url(
        &self,
        state: &str,
        nonce: &str,
        challenge: &str,
    ) -> Result<String, AuthError> {
        let endpoint = match (&self.oidc, &self.config.kind) {
            (Some(oidc), _) => oidc.metadata(self).await?.authorization_endpoint,
            (None, ProviderKind::OAuth2(endpoints)) => endpoints.authorization.clone(),
            (None, ProviderKind::Oidc { .. }) => unreachable!("an OIDC provider has its state"),
        };
        let mut scopes = self.config.scopes.clone();
        if self.is_oidc() && !scopes.iter().any(|s| s == "openid") {
            scopes.insert(0, "openid".into());
        }
        let scope = scopes.join(" ");
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", self.config.client_id.as_str()),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("state", state),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ];
        if !scope.is_empty() {
            params.push(("scope", &scope));
        }
        if self.is_oidc() {
            params.push(("nonce", nonce));
        }
        let query = serde_urlencoded::to_string(&params)
            .map_err(|e| AuthError::Internal(format!("authorization query: {e}")))?;
        let joiner = if endpoint.contains('?') { '&' } else { '?' };
        Ok(format!("{endpoint}{joiner}{query}"))
    }

    /// Exchanges the code (with the flow's PKCE verifier and redirect URI) for tokens.
    pub(crate) async fn exchange(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<TokenResponse, AuthError> {
        let endpoint = match (&self.oidc, &self.config.kind) {
            (Some(oidc), _) => oidc.metadata(self).await?.token_endpoint,
            (None, ProviderKind::OAuth2(endpoints)) => endpoints.token.clone(),
            (None, ProviderKind::Oidc { .. }) => unreachable!("an OIDC provider has its state"),
        };
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let secret = self.config.client_secret.expose();
        let mut request = self
            .http
            .post(&endpoint)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded");
        match self.config.client_auth {
            ClientAuth::Basic => {
                // RFC 6749 2.3.1: each part form-encoded, then Basic.
                let encode = |s: &str| {
                    serde_urlencoded::to_string([("", s)])
                        .map(|pair| pair[1..].to_owned())
                        .unwrap_or_default()
                };
                let credentials = format!("{}:{}", encode(&self.config.client_id), encode(secret));
                request = request.header(
                    "authorization",
                    format!("Basic {}", STANDARD.encode(credentials)),
                );
            }
            ClientAuth::Post => {
                form.push(("client_id", &self.config.client_id));
                form.push(("client_secret", secret));
            }
        }
        let body = serde_urlencoded::to_string(&form)
            .map_err(|e| AuthError::Internal(format!("token request: {e}")))?;
        let answer = request.body(body).send().await.map_err(|e| {
            provider_error(self.name(), format!("token endpoint: {}", e.without_url()))
        })?;
        let status = answer.status();
        let value: serde_json::Value = answer
            .json()
            .await
            .map_err(|e| provider_error(self.name(), format!("token endpoint answer: {e}")))?;
        // GitHub answers a refused code with 200 and an `error`.
        if let Some(error) = value.get("error").and_then(|e| e.as_str()) {
            tracing::warn!(target: "authkit::oauth", provider = self.name(), error,
                "the token endpoint refused the code");
            return Err(AuthError::OAuthProviderError(safe_error_code(error)));
        }
        if !status.is_success() {
            return Err(provider_error(
                self.name(),
                format!("token endpoint status {status}"),
            ));
        }
        serde_json::from_value(value)
            .map_err(|e| provider_error(self.name(), format!("token endpoint answer: {e}")))
    }

    /// The user the tokens stand for: from the validated ID token (OpenID Connect), or from
    /// the user endpoints (OAuth2).
    pub(crate) async fn user(
        &self,
        tokens: &TokenResponse,
        nonce: &TokenHash,
        now: time::OffsetDateTime,
    ) -> Result<ProviderUser, AuthError> {
        match (&self.oidc, &self.config.kind) {
            (Some(oidc), _) => {
                let id_token = tokens
                    .id_token
                    .as_ref()
                    .ok_or_else(|| AuthError::InvalidIdToken("no id_token in the answer"))?;
                let user = oidc
                    .validate(
                        self,
                        id_token.expose(),
                        tokens.access_token.expose(),
                        nonce,
                        now,
                    )
                    .await?;
                if user.email.is_some() {
                    return Ok(user);
                }
                // A strict provider puts only `sub` in the ID token of the code flow and the
                // scopes' claims at its userinfo endpoint.
                match oidc.metadata(self).await?.userinfo_endpoint {
                    Some(url) => {
                        super::userinfo::claims_of(self, &url, tokens.access_token.expose(), user)
                            .await
                    }
                    None => Ok(user),
                }
            }
            (None, ProviderKind::OAuth2(endpoints)) => {
                super::userinfo::fetch(self, endpoints, tokens.access_token.expose()).await
            }
            (None, ProviderKind::Oidc { .. }) => unreachable!("an OIDC provider has its state"),
        }
    }
}

/// A provider's error code when it has the shape of one (RFC 6749: `access_denied`,
/// `invalid_grant`, ...), safe to show.
pub(crate) fn safe_error_code(code: &str) -> Option<String> {
    let ok = (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    ok.then(|| code.to_owned())
}
