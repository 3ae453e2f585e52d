//! Passkeys (WebAuthn credentials, verified by [webauthn-rs](https://docs.rs/webauthn-rs)):
//! registered by a signed-in user, several per account, then used to sign in alone or as the
//! second step of a password sign-in. Behind the cargo feature `passkeys` (on by default) and
//! served once [`AuthBuilder::passkeys`](crate::AuthBuilder::passkeys) is given a
//! [`PasskeyConfig`]; without it the passkey routes answer 404.
//!
//! ## The flows
//! Every ceremony has two steps: a *begin* answers `{ceremony, options}`, the options to give
//! to `navigator.credentials.create` or `.get` as they are (`options.publicKey`, base64url
//! bytes), and a *finish* takes the ceremony id back with what the browser answered
//! (`credential`, the `PublicKeyCredential` in its JSON form).
//! - **Register** (bearer): `POST {prefix}/passkeys/register/begin`, then
//!   `POST {prefix}/passkeys/register` with an optional `name`. The options ask for a
//!   discoverable credential (`residentKey: required`) and user verification, and exclude the
//!   caller's passkeys already registered. **List** `GET {prefix}/passkeys` (id, name,
//!   `created_at`, `last_used_at`), **rename** `PATCH {prefix}/passkeys/{id}`, **delete**
//!   `DELETE {prefix}/passkeys/{id}`.
//! - **Sign in with a passkey alone**: `POST {prefix}/login/passkey/begin` (no body, no
//!   identifier: nothing to enumerate), then `POST {prefix}/login/passkey` answers the token
//!   pair (cookies in cookie mode, as `/login`). The authenticator finds its credential for
//!   the relying party itself and returns the account's user handle, which must be the
//!   passkey's owner.
//! - **A passkey as second factor**: when a right password is answered `mfa_required` and the
//!   account has passkeys, `mfa_methods` lists `passkey`;
//!   `POST {prefix}/login/mfa/passkey/begin` with the challenge answers options limited to the
//!   account's passkeys, and `POST {prefix}/login/mfa/passkey` with the challenge, the ceremony
//!   and the assertion completes the sign-in. Having passkeys does not make a password sign-in
//!   ask for a second factor: that stays the choice of turning on TOTP (industry practice: a
//!   passkey is a way to sign in, not a lock on the password).
//!
//! ## What holds
//! - User verification is required in every ceremony; the origin the browser reports must be
//!   one of the configured origins, and the relying-party id the configured one.
//! - A ceremony's state stays on the server, sealed from the client: the client holds a
//!   random id whose SHA-256 is the key. It lasts [`DEFAULT_CEREMONY_TTL`] and is taken once
//!   ([`PasskeyStore::take_passkey_ceremony`](crate::store::PasskeyStore::take_passkey_ceremony),
//!   one conditional `DELETE`): a replayed or reused ceremony is 400
//!   `invalid_passkey_ceremony`.
//! - After each sign-in the passkey's signature counter is stored in one conditional update
//!   that accepts only a higher count. A count that does not move forward means a copy of the
//!   authenticator is in use: the sign-in is refused (401 `passkey_counter_regressed`) and
//!   the event `auth.passkey.clone_detected` recorded. (Authenticators that keep no counter,
//!   such as most synced passkeys, always report 0 and are accepted.)
//! - Refused assertions (a wrong origin, a bad signature, an unknown credential, a user handle
//!   that is not the owner's) are 401 `invalid_passkey`, with the cause in the log and the
//!   event `auth.passkey.failed`, never in the answer.
//! - The last way to sign in cannot be removed: every authkit account has a password (there is
//!   no passwordless account today), so deleting a passkey never locks an account out. An
//!   account's passkeys go with it when it is deleted, and with its second factors when an
//!   admin resets them (`DELETE {prefix}/admin/users/{id}/mfa`): the reset is for an owner who
//!   lost their devices.
//! - The WebAuthn user handle of an account is its id (16 random-looking bytes, no e-mail).

use std::fmt;
use std::sync::Arc;

use time::Duration;
use url::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::error::ConfigError;

/// How long a ceremony lasts unless configured.
pub const DEFAULT_CEREMONY_TTL: Duration = Duration::minutes(5);
/// The longest passkey name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// The settings of passkeys: the relying party (its id, the domain passkeys are bound to, and
/// the name browsers show), the origins the browser may report, and how long a ceremony lasts.
///
/// ```
/// use authkit_core::passkey::PasskeyConfig;
///
/// let config = PasskeyConfig::new("example.com", &["https://example.com", "https://app.example.com"])
///     .unwrap()
///     .rp_name("Example");
/// assert_eq!(config.rp_id(), "example.com");
/// assert_eq!(config.origins().len(), 2);
/// assert!(PasskeyConfig::new("example.com", &["https://example.org"]).is_err());
/// assert!(PasskeyConfig::new("example.com", &["http://example.com"]).is_err());
/// assert!(PasskeyConfig::new("localhost", &["http://localhost:3000"]).is_ok());
/// ```
#[derive(Clone)]
pub struct PasskeyConfig {
    rp_id: String,
    rp_name: String,
    origins: Vec<Url>,
    pub(crate) ceremony_ttl: Duration,
    pub(crate) webauthn: Arc<Webauthn>,
}

impl fmt::Debug for PasskeyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasskeyConfig")
            .field("rp_id", &self.rp_id)
            .field("rp_name", &self.rp_name)
            .field(
                "origins",
                &self.origins.iter().map(Url::as_str).collect::<Vec<_>>(),
            )
            .field("ceremony_ttl", &self.ceremony_ttl)
            .finish()
    }
}

impl PasskeyConfig {
    /// Settings for the relying party `rp_id` (a domain, e.g. `example.com`) and the origins
    /// a browser may report (at least one; each `https://` on `rp_id` or a subdomain of it,
    /// or `http://localhost` with any port for development). The relying-party name is
    /// `rp_id` until [`rp_name`](Self::rp_name) says otherwise.
    pub fn new(rp_id: &str, origins: &[&str]) -> Result<Self, ConfigError> {
        let rp_id = rp_id.trim().to_ascii_lowercase();
        if rp_id.is_empty() || rp_id.contains(['/', ':']) {
            return Err(ConfigError::new(
                "passkey_rp_id",
                "must be a domain, without scheme or port",
            ));
        }
        let origins = origins
            .iter()
            .map(|origin| allowed_origin(&rp_id, origin))
            .collect::<Result<Vec<_>, _>>()?;
        if origins.is_empty() {
            return Err(ConfigError::new(
                "passkey_origins",
                "give at least one origin",
            ));
        }
        let mut config = Self {
            rp_name: rp_id.clone(),
            rp_id,
            origins,
            ceremony_ttl: DEFAULT_CEREMONY_TTL,
            webauthn: Arc::new(placeholder()),
        };
        config.webauthn = Arc::new(config.build()?);
        Ok(config)
    }

    /// The name browsers show for the relying party (default: the relying-party id).
    pub fn rp_name(mut self, name: impl Into<String>) -> Self {
        self.rp_name = name.into();
        self.webauthn = Arc::new(self.build().expect("checked when the settings were made"));
        self
    }

    /// How long a ceremony lasts between its two steps (default five minutes; one to fifteen).
    pub fn ceremony_ttl(mut self, ttl: Duration) -> Result<Self, ConfigError> {
        if ttl < Duration::minutes(1) || ttl > Duration::minutes(15) {
            return Err(ConfigError::new(
                "passkey_ceremony_ttl",
                "must be between one and fifteen minutes",
            ));
        }
        self.ceremony_ttl = ttl;
        self.webauthn = Arc::new(self.build()?);
        Ok(self)
    }

    /// The relying-party id.
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// The relying-party name.
    pub fn relying_party_name(&self) -> &str {
        &self.rp_name
    }

    /// The origins a browser may report.
    pub fn origins(&self) -> &[Url] {
        &self.origins
    }

    fn build(&self) -> Result<Webauthn, ConfigError> {
        let invalid = |_| ConfigError::new("passkey_origins", "refused by webauthn-rs");
        let (first, rest) = self.origins.split_first().expect("at least one origin");
        let timeout =
            std::time::Duration::from_secs(self.ceremony_ttl.whole_seconds().unsigned_abs());
        rest.iter()
            .fold(
                WebauthnBuilder::new(&self.rp_id, first).map_err(invalid)?,
                |builder, origin| builder.append_allowed_origin(origin),
            )
            .rp_name(&self.rp_name)
            .timeout(timeout)
            .build()
            .map_err(invalid)
    }
}

/// A `Webauthn` for the moment between checking the settings and building the real one.
fn placeholder() -> Webauthn {
    let origin = Url::parse("https://localhost").expect("a literal URL");
    WebauthnBuilder::new("localhost", &origin)
        .and_then(WebauthnBuilder::build)
        .expect("a literal configuration")
}

/// `origin` parsed, if a browser on it may use passkeys of `rp_id`.
fn allowed_origin(rp_id: &str, origin: &str) -> Result<Url, ConfigError> {
    let bad = |why: &str| ConfigError::new("passkey_origins", format!("{origin:?} {why}"));
    let url = Url::parse(origin.trim()).map_err(|_| bad("is not a URL"))?;
    let host = url.host_str().ok_or_else(|| bad("has no host"))?;
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must be an origin (scheme, host and port only)"));
    }
    if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
        return Err(bad("is not on the relying-party id or a subdomain of it"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if host == "localhost" => Ok(url),
        _ => Err(bad("must be https (or http on localhost)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_must_be_on_the_relying_party_and_secure() {
        let ok = PasskeyConfig::new(
            "Example.com",
            &["https://example.com/", "https://a.example.com:8443"],
        )
        .unwrap();
        assert_eq!(ok.rp_id(), "example.com");
        assert_eq!(ok.webauthn.get_allowed_origins().len(), 2);
        for origin in [
            "https://example.org",
            "https://badexample.com",
            "http://example.com",
            "https://example.com/path",
            "not a url",
        ] {
            let err = PasskeyConfig::new("example.com", &[origin]).unwrap_err();
            assert_eq!(err.setting, "passkey_origins", "{origin}");
        }
        assert!(PasskeyConfig::new("example.com", &[]).is_err());
        assert!(PasskeyConfig::new("https://example.com", &["https://example.com"]).is_err());
        assert!(
            PasskeyConfig::new("localhost", &["http://localhost:3000"])
                .unwrap()
                .ceremony_ttl(Duration::hours(1))
                .is_err()
        );
    }
}
