//! OpenID Connect: the discovery document and the JWKS, fetched and cached, and the
//! validation of ID tokens.

use std::time::{Duration as StdDuration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256, Sha384, Sha512};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use super::provider::Provider;
use super::provider_error;
use super::userinfo::ProviderUser;
use crate::error::AuthError;
use crate::token::TokenHash;

/// How long a discovery document is kept.
const METADATA_TTL: StdDuration = StdDuration::from_secs(24 * 3600);
/// How long a JWKS is kept before it is fetched again anyway (so removed keys go).
const JWKS_TTL: StdDuration = StdDuration::from_secs(3600);
/// Clock skew allowed on `exp` and `iat`.
const LEEWAY_SECS: i64 = 60;

/// The part of the discovery document authkit reads.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Metadata {
    issuer: String,
    pub(crate) authorization_endpoint: String,
    pub(crate) token_endpoint: String,
    jwks_uri: String,
    /// Where the claims the ID token leaves out are (OpenID Connect Core 5.3).
    #[serde(default)]
    pub(crate) userinfo_endpoint: Option<String>,
}

/// An OpenID Connect provider's cached documents.
pub(crate) struct OidcState {
    issuer: String,
    algorithms: Vec<Algorithm>,
    metadata: Mutex<Option<(Metadata, Instant)>>,
    jwks: Mutex<Option<(JwkSet, Instant)>>,
}

/// The claims of an ID token authkit reads (the registered ones are checked by
/// `jsonwebtoken` as well).
#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    exp: i64,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    aud: Audience,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    at_hash: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
}

#[derive(Default, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(serde::de::IgnoredAny),
    Many(Vec<String>),
    #[default]
    None,
}

impl OidcState {
    pub(crate) fn new(issuer: String, algorithms: Vec<Algorithm>) -> Self {
        Self {
            issuer,
            algorithms,
            metadata: Mutex::new(None),
            jwks: Mutex::new(None),
        }
    }

    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The discovery document, fetched on first use and kept a day. Its `issuer` must be the
    /// configured one exactly (OpenID Connect Discovery 4.3).
    pub(crate) async fn metadata(&self, provider: &Provider) -> Result<Metadata, AuthError> {
        let mut cached = self.metadata.lock().await;
        if let Some((metadata, at)) = &*cached
            && at.elapsed() < METADATA_TTL
        {
            return Ok(metadata.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let metadata: Metadata = get_json(provider, &url).await?;
        if metadata.issuer != self.issuer {
            return Err(provider_error(
                provider.name(),
                format!(
                    "the discovery document names the issuer {:?}, not {:?}",
                    metadata.issuer, self.issuer
                ),
            ));
        }
        *cached = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    /// The key for a token's `kid` and `alg`: from the cached JWKS, or from a fresh one when
    /// the cache is old or (at most once per refetch interval) does not have it.
    async fn key(
        &self,
        provider: &Provider,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Option<DecodingKey>, AuthError> {
        let mut cached = self.jwks.lock().await;
        let stale = cached
            .as_ref()
            .is_none_or(|(_, at)| at.elapsed() >= JWKS_TTL);
        if !stale && let Some(key) = cached.as_ref().and_then(|(set, _)| find(set, kid, alg)) {
            return Ok(Some(key));
        }
        let may_refetch = stale
            || cached
                .as_ref()
                .is_none_or(|(_, at)| at.elapsed() >= provider.jwks_refetch_interval());
        if !may_refetch {
            return Ok(None);
        }
        let jwks_uri = self.metadata(provider).await?.jwks_uri;
        let set: JwkSet = get_json(provider, &jwks_uri).await?;
        tracing::debug!(target: "authkit::oauth", provider = provider.name(), keys = set.keys.len(),
            "fetched the provider's keys");
        let key = find(&set, kid, alg);
        *cached = Some((set, Instant::now()));
        Ok(key)
    }

    /// Validates an ID token of this flow and returns who it names.
    pub(crate) async fn validate(
        &self,
        provider: &Provider,
        id_token: &str,
        access_token: &str,
        nonce: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<ProviderUser, AuthError> {
        let refuse = |why: &'static str| {
            tracing::warn!(target: "authkit::oauth", provider = provider.name(), reason = why,
                "ID token refused");
            AuthError::InvalidIdToken(why)
        };
        let header = jsonwebtoken::decode_header(id_token).map_err(|_| refuse("malformed"))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(refuse("algorithm not allowed for this provider"));
        }
        let key = self
            .key(provider, header.kid.as_deref(), header.alg)
            .await?
            .ok_or_else(|| refuse("signed with a key the provider does not publish"))?;
        let client_id = &provider.config.client_id;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[client_id]);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
        // Time is checked below against the service's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<IdClaims>(id_token, &key, &validation)
            .map_err(|err| {
                use jsonwebtoken::errors::ErrorKind;
                refuse(match err.kind() {
                    ErrorKind::InvalidSignature => "bad signature",
                    ErrorKind::InvalidIssuer => "another issuer",
                    ErrorKind::InvalidAudience => "another audience",
                    ErrorKind::MissingRequiredClaim(_) => "a required claim is missing",
                    _ => "malformed",
                })
            })?
            .claims;
        let now_secs = now.unix_timestamp();
        if claims.exp <= now_secs - LEEWAY_SECS {
            return Err(refuse("expired"));
        }
        if claims.iat.is_some_and(|iat| iat > now_secs + LEEWAY_SECS) {
            return Err(refuse("issued in the future"));
        }
        if let Audience::Many(audiences) = &claims.aud
            && audiences.len() > 1
            && claims.azp.as_deref() != Some(client_id.as_str())
        {
            return Err(refuse("several audiences and azp is not the client"));
        }
        let nonce_ok = claims
            .nonce
            .as_deref()
            .is_some_and(|n| TokenHash(Sha256::digest(n.as_bytes()).into()) == *nonce);
        if !nonce_ok {
            return Err(refuse("nonce of another flow"));
        }
        if let Some(at_hash) = &claims.at_hash
            && *at_hash != token_hash(header.alg, access_token)
        {
            return Err(refuse("at_hash does not match the access token"));
        }
        if claims.sub.is_empty() || claims.sub.len() > 255 {
            return Err(refuse("sub is empty or longer than 255 bytes"));
        }
        let email_verified = match &claims.email_verified {
            Some(serde_json::Value::Bool(verified)) => *verified,
            // Some providers send the string.
            Some(serde_json::Value::String(text)) => text == "true",
            _ => false,
        };
        Ok(ProviderUser {
            subject: claims.sub,
            email: claims.email,
            email_verified,
        })
    }
}

/// The key of `set` for `kid` (or, without a `kid`, its only key usable with `alg`).
fn find(set: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
    let usable = |jwk: &&Jwk| {
        let for_signing = jwk
            .common
            .public_key_use
            .as_ref()
            .is_none_or(|u| *u == jsonwebtoken::jwk::PublicKeyUse::Signature);
        let same_alg = jwk
            .common
            .key_algorithm
            .is_none_or(|a| a.to_string() == format!("{alg:?}"));
        for_signing && same_alg
    };
    let jwk = match kid {
        Some(kid) => set
            .keys
            .iter()
            .filter(usable)
            .find(|jwk| jwk.common.key_id.as_deref() == Some(kid))?,
        None => {
            let mut candidates = set.keys.iter().filter(usable);
            let only = candidates.next()?;
            if candidates.next().is_some() {
                return None;
            }
            only
        }
    };
    DecodingKey::from_jwk(jwk).ok()
}

/// OpenID Connect's `at_hash`: the left half of the access token's hash with the ID token's
/// algorithm's hash function, base64url.
pub(crate) fn token_hash(alg: Algorithm, access_token: &str) -> String {
    use base64::Engine;
    let digest: Vec<u8> = match alg {
        Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 => {
            Sha384::digest(access_token.as_bytes()).to_vec()
        }
        Algorithm::RS512 | Algorithm::PS512 | Algorithm::EdDSA => {
            Sha512::digest(access_token.as_bytes()).to_vec()
        }
        _ => Sha256::digest(access_token.as_bytes()).to_vec(),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// GETs a JSON document from a provider.
pub(crate) async fn get_json<T: serde::de::DeserializeOwned>(
    provider: &Provider,
    url: &str,
) -> Result<T, AuthError> {
    let answer = provider
        .http
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| provider_error(provider.name(), format!("GET {url}: {}", e.without_url())))?;
    if !answer.status().is_success() {
        return Err(provider_error(
            provider.name(),
            format!("GET {url}: status {}", answer.status()),
        ));
    }
    answer
        .json()
        .await
        .map_err(|e| provider_error(provider.name(), format!("GET {url}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_the_digest() {
        // OpenID Connect Core 1.0, appendix A.3 and A.4 (RS256).
        assert_eq!(
            token_hash(
                Algorithm::RS256,
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
            ),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
