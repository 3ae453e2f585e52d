//! A breached-password check on the Have I Been Pwned range API (cargo feature `hibp`).
//!
//! [`HibpCheck`] is a [`PasswordCheck`]: it refuses a new password that appears in the
//! Pwned Passwords corpus ([`PolicyViolation::Breached`], 400 `weak_password`). It asks by
//! k-anonymity, as the API is designed to be used: the password's SHA-1 is computed here, only
//! its first five hex digits are sent (`GET {range_url}{prefix}`), and the answer lists every
//! known suffix with that prefix, which is compared here. The request asks for padding
//! (`Add-Padding: true`), so the size of the answer does not tell an observer the prefix
//! either; padding entries carry a count of 0 and are ignored.
//!
//! By default the check **fails open**: when the service is down, slow (the timeout defaults to
//! 2 s) or answers something that is not a range, the password is accepted and a warning is
//! logged, so an outage of a third party does not stop sign-ups. [`HibpOptions::fail_open`]
//! `false` answers 503 `unavailable` instead.
//!
//! ```no_run
//! use std::sync::Arc;
//! use authkit_core::policy::hibp::HibpCheck;
//! # fn wire(builder: authkit_core::AuthBuilder) -> Result<(), authkit_core::ConfigError> {
//! let builder = builder.password_check(Arc::new(HibpCheck::new()?));
//! # Ok(()) }
//! ```

use std::fmt::Write as _;
use std::time::Duration;

use async_trait::async_trait;
use aws_lc_rs::digest;

use super::{NewPassword, PasswordCheck, PasswordCheckError, PolicyViolation};
use crate::error::ConfigError;

/// The largest range answer read. Real answers are about 30–40 KiB with padding.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// How a [`HibpCheck`] reaches the range API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HibpOptions {
    /// The range endpoint; the five-digit prefix is appended. Default
    /// [`HibpCheck::RANGE_API`]; a mirror or a test server may be named instead.
    pub range_url: String,
    /// How long one lookup may take, connection included (default 2 s).
    pub timeout: Duration,
    /// Accept the password when the lookup fails (default `true`); `false` answers 503
    /// `unavailable`.
    pub fail_open: bool,
}

impl Default for HibpOptions {
    fn default() -> Self {
        Self {
            range_url: HibpCheck::RANGE_API.to_owned(),
            timeout: Duration::from_secs(2),
            fail_open: true,
        }
    }
}

/// Refuses passwords found in the Pwned Passwords corpus; see the [module
/// documentation](self).
#[derive(Debug, Clone)]
pub struct HibpCheck {
    client: reqwest::Client,
    range_url: String,
    fail_open: bool,
}

/// Why a lookup could not decide.
#[derive(Debug, thiserror::Error)]
enum LookupError {
    #[error("request failed: {0}")]
    Request(#[from] reqwest::Error),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("answer larger than {MAX_ANSWER_BYTES} bytes")]
    TooLarge,
    #[error("answer is not a range: line {0}")]
    Malformed(usize),
}

impl HibpCheck {
    /// The public Pwned Passwords range endpoint.
    pub const RANGE_API: &'static str = "https://api.pwnedpasswords.com/range/";

    /// A check on the public API with the default [`HibpOptions`].
    ///
    /// # Errors
    ///
    /// See [`with_options`](Self::with_options).
    pub fn new() -> Result<Self, ConfigError> {
        Self::with_options(HibpOptions::default())
    }

    /// A check with `options`.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for the setting `hibp_range_url` when it is not an `http` or `https`
    /// URL, or for `hibp` when the HTTP client cannot be built (no TLS roots).
    pub fn with_options(options: HibpOptions) -> Result<Self, ConfigError> {
        let mut range_url = options.range_url;
        if !(range_url.starts_with("https://") || range_url.starts_with("http://")) {
            return Err(ConfigError::new(
                "hibp_range_url",
                format!("must be an http or https URL, got {range_url:?}"),
            ));
        }
        if !range_url.ends_with('/') {
            range_url.push('/');
        }
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .user_agent(concat!("authkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ConfigError::new("hibp", err.to_string()))?;
        Ok(Self {
            client,
            range_url,
            fail_open: options.fail_open,
        })
    }

    /// How often `password` appears in the corpus (0: not found).
    async fn breach_count(&self, password: &str) -> Result<u64, LookupError> {
        let hash = sha1_hex(password);
        let (prefix, suffix) = hash.split_at(5);
        let mut answer = self
            .client
            .get(format!("{}{prefix}", self.range_url))
            .header("Add-Padding", "true")
            .send()
            .await?;
        if answer.status() != reqwest::StatusCode::OK {
            return Err(LookupError::Status(answer.status().as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = answer.chunk().await? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(LookupError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        count_in_range(&body, suffix)
    }
}

#[async_trait]
impl PasswordCheck for HibpCheck {
    async fn check(&self, new: &NewPassword<'_>) -> Result<(), PasswordCheckError> {
        match self.breach_count(new.password()).await {
            Ok(0) => Ok(()),
            Ok(_) => Err(PolicyViolation::Breached.into()),
            Err(err) if self.fail_open => {
                tracing::warn!(error = %err, "breached-password lookup failed; password accepted");
                Ok(())
            }
            Err(err) => Err(PasswordCheckError::Unavailable(format!(
                "breached-password lookup: {err}"
            ))),
        }
    }
}

/// The upper-case hex SHA-1 of `password`, as the range API spells hashes.
fn sha1_hex(password: &str) -> String {
    let digest = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, password.as_bytes());
    digest
        .as_ref()
        .iter()
        .fold(String::with_capacity(40), |mut hex, byte| {
            let _ = write!(hex, "{byte:02X}");
            hex
        })
}

/// The count listed for `suffix` in a range answer (`SUFFIX:COUNT` per line), 0 when absent.
fn count_in_range(body: &[u8], suffix: &str) -> Result<u64, LookupError> {
    let text = std::str::from_utf8(body).map_err(|_| LookupError::Malformed(1))?;
    let mut found = 0;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (listed, count) = line
            .split_once(':')
            .filter(|(listed, _)| listed.len() == 35)
            .ok_or(LookupError::Malformed(index + 1))?;
        let count: u64 = count
            .trim()
            .parse()
            .map_err(|_| LookupError::Malformed(index + 1))?;
        if listed.eq_ignore_ascii_case(suffix) {
            found = count;
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests;
