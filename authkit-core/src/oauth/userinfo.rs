//! Who a provider says the user is: [`ProviderUser`], from an ID token or, for a plain OAuth2
//! provider, from its user endpoints (GitHub's `/user` and `/user/emails`).

use serde::Deserialize;

use super::provider::{OAuth2Endpoints, Provider};
use super::provider_error;
use crate::error::AuthError;

/// The account at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderUser {
    /// The provider's stable id of the account (`sub`, GitHub's `id`).
    pub subject: String,
    /// Its address, if the provider shared one.
    pub email: Option<String>,
    /// Whether the provider asserts the address is verified.
    pub email_verified: bool,
}

/// One entry of GitHub's e-mail list.
#[derive(Deserialize)]
struct ListedEmail {
    email: String,
    #[serde(default)]
    primary: bool,
    #[serde(default)]
    verified: bool,
}

/// Calls the user endpoints with the access token.
pub(crate) async fn fetch(
    provider: &Provider,
    endpoints: &OAuth2Endpoints,
    access_token: &str,
) -> Result<ProviderUser, AuthError> {
    let user: serde_json::Value = get_authorized(provider, &endpoints.user, access_token).await?;
    let subject = match user.get("id") {
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) if !s.is_empty() && s.len() <= 255 => s.clone(),
        _ => {
            return Err(provider_error(
                provider.name(),
                "the user has no usable `id`",
            ));
        }
    };
    let (email, email_verified) = match &endpoints.emails {
        Some(url) => {
            let listed: Vec<ListedEmail> = get_authorized(provider, url, access_token).await?;
            listed
                .into_iter()
                .find(|e| e.primary)
                .map_or((None, false), |e| (Some(e.email), e.verified))
        }
        None => (
            user.get("email")
                .and_then(|e| e.as_str())
                .map(str::to_owned),
            user.get("email_verified")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
        ),
    };
    Ok(ProviderUser {
        subject,
        email,
        email_verified,
    })
}

/// `user`, validated from the ID token, with the address and its verification from the
/// OpenID Connect userinfo endpoint at `url`, whose `sub` must be the ID token's (OpenID
/// Connect Core 5.3.2: otherwise its answer is about someone else and must not be used).
pub(crate) async fn claims_of(
    provider: &Provider,
    url: &str,
    access_token: &str,
    user: ProviderUser,
) -> Result<ProviderUser, AuthError> {
    let info: serde_json::Value = get_authorized(provider, url, access_token).await?;
    if info.get("sub").and_then(serde_json::Value::as_str) != Some(user.subject.as_str()) {
        return Err(provider_error(
            provider.name(),
            "the userinfo answer names another subject than the ID token",
        ));
    }
    let email_verified = match info.get("email_verified") {
        Some(serde_json::Value::Bool(verified)) => *verified,
        // Some providers send the string.
        Some(serde_json::Value::String(text)) => text == "true",
        _ => false,
    };
    Ok(ProviderUser {
        email: info
            .get("email")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
        email_verified,
        ..user
    })
}

async fn get_authorized<T: serde::de::DeserializeOwned>(
    provider: &Provider,
    url: &str,
    access_token: &str,
) -> Result<T, AuthError> {
    let answer = provider
        .http
        .get(url)
        .bearer_auth(access_token)
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
