//! Cookie mode for browser applications ([`CookieConfig`]): the refresh token (and, for
//! server-rendered sites, the access token) in authkit's own `HttpOnly` cookies, so that no
//! script on the page can read a long-lived credential.
//!
//! Off by default ([`HttpConfig::cookies`] is `None`): an API for non-browser clients has no
//! use for cookies, and authkit then never reads or sets one.
//!
//! ## The cookies
//! | cookie | name (`secure` / not) | `Path` | `Max-Age` | `HttpOnly` |
//! |---|---|---|---|---|
//! | refresh token | `__Secure-authkit_refresh` / `authkit_refresh` | the auth prefix | the session's remaining lifetime (`refresh_expires_in`) | yes |
//! | access token ([`CookieTokens::RefreshAndAccess`] only) | `__Secure-authkit_access` / `authkit_access` | `/` | the access token's lifetime (`expires_in`) | yes |
//! | CSRF token | `__Secure-authkit_csrf` / `authkit_csrf` | `/` | as the refresh cookie | no: the page reads it |
//!
//! Every cookie carries `SameSite` as configured and, when [`CookieConfig::secure`] (the
//! default, and always with `SameSite=None`), `Secure`. The `__Host-` prefix would forbid the
//! refresh cookie's `Path`, so the names use `__Secure-` (which browsers only accept from an
//! HTTPS answer with `Secure`); without `secure`, for plain-http development on localhost, the
//! names have no prefix. Attributes are written in this order:
//! `name=value; Path=…; Max-Age=…; HttpOnly; Secure; SameSite=…`.
//!
//! ## The answers
//! - `POST {prefix}/login` and `POST {prefix}/register` (201) set all the cookies; their JSON
//!   keeps the access token (for memory-only use) but **omits `refresh_token`**, which lives
//!   only in its cookie.
//! - `POST {prefix}/refresh` with an empty body or `{}` takes the refresh token from its cookie
//!   (the request must pass the [CSRF check](super::csrf)), rotates it and sets the new cookies,
//!   the JSON again without `refresh_token`. A refresh that fails (unknown, expired, revoked or
//!   reused token) is 401 `invalid_refresh_token` and clears the cookies. A body that carries
//!   `refresh_token` is answered as without cookie mode (the pair in JSON, no cookie): that is
//!   a non-browser client.
//! - `POST {prefix}/logout`, `POST {prefix}/logout-all`, `DELETE {prefix}/me` and the
//!   revocation of the caller's own current session (`DELETE {prefix}/sessions/{id}`) clear
//!   the cookies (same names and attributes, empty value, `Max-Age=0`).
//! - `POST {prefix}/token` stays a pure OAuth2 endpoint: it never reads or sets a cookie.
//!
//! ## Reading the access token
//! With [`CookieTokens::RefreshAndAccess`], a request without an `Authorization` header is
//! authenticated by the access cookie, on authkit's routes and in the adapters' extractors
//! ([`HttpApi::authenticate_request`]); a state-changing method (anything but `GET`, `HEAD`,
//! `OPTIONS`) must then pass the CSRF check. A request with an `Authorization` header never
//! looks at cookies, and needs no CSRF token.

use std::sync::Arc;

use aws_lc_rs::hmac;

use super::*;

/// Which tokens travel in cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieTokens {
    /// The refresh token only; the access token is in the JSON answer, for a single-page app
    /// to keep in memory and send as `Authorization: Bearer`.
    Refresh,
    /// The refresh token and the access token, each in its own `HttpOnly` cookie, for a
    /// server-rendered site: the extractors read the access cookie.
    RefreshAndAccess,
}

/// The `SameSite` attribute of the cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SameSite {
    /// Sent on top-level navigations from other sites, not on their subrequests (default).
    #[default]
    Lax,
    /// Sent only on requests from the same site.
    Strict,
    /// Sent on every request, cross-site ones included (an app on another site); forces
    /// `Secure`, which browsers require with it.
    None,
}

impl SameSite {
    /// The attribute's value: `Lax`, `Strict` or `None`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Lax => "Lax",
            Self::Strict => "Strict",
            Self::None => "None",
        }
    }
}

/// The key that signs CSRF tokens (HMAC-SHA256). Instances behind one load balancer must share
/// it ([`CsrfKey::derive`] from a shared secret); [`CsrfKey::random`] suits one process.
/// `Debug` hides it.
#[derive(Clone)]
pub struct CsrfKey(pub(super) Arc<hmac::Key>);

impl CsrfKey {
    /// A random key for this process only: tokens it signed fail after a restart (the page
    /// signs in again) and on other instances.
    pub fn random() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random source works");
        Self::from_bytes(&bytes)
    }

    /// A key derived from `secret` (e.g. the HS256 signing secret, shared by every instance):
    /// HMAC-SHA256 of a fixed label under `secret`, so the CSRF key reveals nothing of it and
    /// is never the same key.
    pub fn derive(secret: &[u8]) -> Self {
        let outer = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let derived = hmac::sign(&outer, b"authkit csrf token key v1");
        Self::from_bytes(derived.as_ref())
    }

    fn from_bytes(bytes: &[u8]) -> Self {
        Self(Arc::new(hmac::Key::new(hmac::HMAC_SHA256, bytes)))
    }
}

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey([redacted])")
    }
}

/// Cookie mode's settings ([`HttpConfig::cookies`]); see the [module docs](self).
///
/// ```
/// use authkit_core::http::{CookieConfig, CookieTokens, HttpConfig, SameSite};
///
/// let cookies = CookieConfig {
///     same_site: SameSite::Strict,
///     trusted_origins: vec!["https://example.com".into()],
///     ..CookieConfig::new(CookieTokens::RefreshAndAccess)
/// };
/// assert_eq!(cookies.refresh_cookie_name(), "__Secure-authkit_refresh");
/// let config = HttpConfig { cookies: Some(cookies), ..HttpConfig::default() };
/// # let _ = config;
/// ```
#[derive(Debug, Clone)]
pub struct CookieConfig {
    /// Which tokens go in cookies.
    pub tokens: CookieTokens,
    /// Whether the cookies carry `Secure` and `__Secure-` names (default `true`). Turn it off
    /// only for development over plain http on localhost; `SameSite=None` forces it on.
    pub secure: bool,
    /// The `SameSite` attribute (default `Lax`).
    pub same_site: SameSite,
    /// Origins, besides [`HttpConfig::cors_origins`], whose state-changing requests a cookie
    /// may authenticate: typically the site's own public origin, `https://example.com`
    /// (default none). Compared exactly, as browsers send `Origin`.
    pub trusted_origins: Vec<String>,
    /// The key CSRF tokens are signed with (default [`CsrfKey::random`]).
    pub csrf_key: CsrfKey,
}

impl CookieConfig {
    /// Cookie mode for `tokens`, with the defaults: `Secure`, `SameSite=Lax`, no trusted origin
    /// besides the CORS origins, a random CSRF key.
    pub fn new(tokens: CookieTokens) -> Self {
        Self {
            tokens,
            secure: true,
            same_site: SameSite::Lax,
            trusted_origins: Vec::new(),
            csrf_key: CsrfKey::random(),
        }
    }

    /// Whether the cookies carry `Secure`: [`secure`](Self::secure), or `SameSite=None`.
    pub fn is_secure(&self) -> bool {
        self.secure || self.same_site == SameSite::None
    }

    /// The refresh cookie's name.
    pub fn refresh_cookie_name(&self) -> &'static str {
        self.pick("__Secure-authkit_refresh", "authkit_refresh")
    }

    /// The access cookie's name.
    pub fn access_cookie_name(&self) -> &'static str {
        self.pick("__Secure-authkit_access", "authkit_access")
    }

    /// The CSRF cookie's name (not `HttpOnly`: the page echoes its value in `X-CSRF-Token`).
    pub fn csrf_cookie_name(&self) -> &'static str {
        self.pick("__Secure-authkit_csrf", "authkit_csrf")
    }

    /// Whether the access token travels in a cookie too.
    pub fn access_in_cookie(&self) -> bool {
        self.tokens == CookieTokens::RefreshAndAccess
    }

    fn pick(&self, secure: &'static str, plain: &'static str) -> &'static str {
        if self.is_secure() { secure } else { plain }
    }

    /// One `Set-Cookie` value.
    pub(super) fn render(&self, cookie: Cookie<'_>, value: &str, max_age: i64) -> String {
        let name = match cookie.kind {
            CookieKind::Refresh => self.refresh_cookie_name(),
            CookieKind::Access => self.access_cookie_name(),
            CookieKind::Csrf => self.csrf_cookie_name(),
        };
        let mut out = format!(
            "{name}={value}; Path={}; Max-Age={}",
            cookie.path,
            max_age.max(0)
        );
        if cookie.kind != CookieKind::Csrf {
            out.push_str("; HttpOnly");
        }
        if self.is_secure() {
            out.push_str("; Secure");
        }
        out.push_str("; SameSite=");
        out.push_str(self.same_site.as_str());
        out
    }

    /// The `Set-Cookie` values of a token answer: the refresh cookie, the access cookie (when
    /// configured) and the CSRF cookie holding `csrf`.
    pub(super) fn issued(&self, prefix: &str, pair: &TokenPair, csrf: &str) -> Vec<String> {
        let mut out = vec![self.render(
            Cookie::refresh(prefix),
            &pair.refresh_token,
            pair.refresh_expires_in,
        )];
        if self.access_in_cookie() {
            out.push(self.render(Cookie::ACCESS, &pair.access_token, pair.expires_in));
        }
        out.push(self.render(Cookie::CSRF, csrf, pair.refresh_expires_in));
        out
    }

    /// The `Set-Cookie` values that remove every cookie of this mode.
    pub(super) fn cleared(&self, prefix: &str) -> Vec<String> {
        let mut out = vec![self.render(Cookie::refresh(prefix), "", 0)];
        if self.access_in_cookie() {
            out.push(self.render(Cookie::ACCESS, "", 0));
        }
        out.push(self.render(Cookie::CSRF, "", 0));
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CookieKind {
    Refresh,
    Access,
    Csrf,
}

/// Which cookie, and its `Path`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cookie<'p> {
    kind: CookieKind,
    path: &'p str,
}

impl<'p> Cookie<'p> {
    const ACCESS: Cookie<'static> = Cookie {
        kind: CookieKind::Access,
        path: "/",
    };
    const CSRF: Cookie<'static> = Cookie {
        kind: CookieKind::Csrf,
        path: "/",
    };

    fn refresh(prefix: &'p str) -> Self {
        Self {
            kind: CookieKind::Refresh,
            path: if prefix.is_empty() { "/" } else { prefix },
        }
    }
}

/// The name of the cookie that binds a provider flow to the browser that started it
/// (`__Secure-authkit_oauth` when `secure`, else `authkit_oauth`).
pub fn oauth_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Secure-authkit_oauth"
    } else {
        "authkit_oauth"
    }
}

/// The `Set-Cookie` value of a provider flow's binding cookie (an empty `value` and a zero
/// `max_age` clear it): `HttpOnly`, `SameSite=Lax` (the provider's redirect back is a
/// top-level navigation from another site, on which `Lax` cookies are sent), scoped to
/// `{prefix}/oauth`, `Secure` when the redirect URI is `https`. Independent of cookie mode.
///
/// ```
/// use authkit_core::http::cookies::oauth_cookie;
///
/// assert_eq!(
///     oauth_cookie("/auth", "abc", 600, true),
///     "__Secure-authkit_oauth=abc; Path=/auth/oauth; Max-Age=600; HttpOnly; Secure; SameSite=Lax"
/// );
/// ```
pub fn oauth_cookie(prefix: &str, value: &str, max_age: i64, secure: bool) -> String {
    let mut out = format!(
        "{}={value}; Path={}/oauth; Max-Age={}; HttpOnly",
        oauth_cookie_name(secure),
        prefix.trim_end_matches('/'),
        max_age.max(0)
    );
    if secure {
        out.push_str("; Secure");
    }
    out.push_str("; SameSite=Lax");
    out
}

/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`); the first when it is sent
/// twice. Empty values count as absent.
///
/// ```
/// use authkit_core::http::cookie_value;
///
/// let header = Some("theme=dark; authkit_refresh=abc; authkit_csrf=x.y");
/// assert_eq!(cookie_value(header, "authkit_refresh"), Some("abc"));
/// assert_eq!(cookie_value(header, "authkit_access"), None);
/// assert_eq!(cookie_value(Some("authkit_refresh="), "authkit_refresh"), None);
/// ```
pub fn cookie_value<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// The values of every `Cookie` header of a request (HTTP/2 may send several), joined with
/// `; ` as one header (RFC 9113 8.2.3), skipping values that are not [text](header_text).
///
/// ```
/// use authkit_core::http::joined_cookie_text;
///
/// let values: [&[u8]; 2] = [b"a=1", b"b=2"];
/// assert_eq!(joined_cookie_text(values).as_deref(), Some("a=1; b=2"));
/// ```
pub fn joined_cookie_text<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Option<String> {
    let texts: Vec<&str> = values.into_iter().filter_map(header_text).collect();
    (!texts.is_empty()).then(|| texts.join("; "))
}

/// What a request presents to authenticate and to pass the CSRF check: the raw header values
/// an adapter copies, and the method. Built by the adapters' extractors for
/// [`HttpApi::authenticate_request`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestCredentials<'a> {
    /// The method (`GET`, `POST`, ...).
    pub method: &'a str,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `Cookie` header(s), joined ([`joined_cookie_text`]).
    pub cookie: Option<&'a str>,
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Sec-Fetch-Site` header.
    pub sec_fetch_site: Option<&'a str>,
    /// The `X-CSRF-Token` header.
    pub csrf_token: Option<&'a str>,
}

impl RequestCredentials<'_> {
    /// Whether the method changes nothing (`GET`, `HEAD`, `OPTIONS`), so needs no CSRF check.
    pub fn is_safe_method(&self) -> bool {
        ["GET", "HEAD", "OPTIONS"]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(self.method))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> TokenPair {
        TokenPair {
            access_token: "acc.ess.tok".into(),
            token_type: "Bearer".into(),
            expires_in: 900,
            refresh_token: "refreshvalue".into(),
            refresh_expires_in: 1_209_600,
            session_id: uuid::Uuid::nil(),
        }
    }

    #[test]
    fn secure_cookies_have_secure_prefixed_names_and_every_attribute() {
        let config = CookieConfig {
            same_site: SameSite::Strict,
            ..CookieConfig::new(CookieTokens::RefreshAndAccess)
        };
        assert_eq!(
            config.issued("/auth", &pair(), "n.s"),
            [
                "__Secure-authkit_refresh=refreshvalue; Path=/auth; Max-Age=1209600; HttpOnly; Secure; SameSite=Strict",
                "__Secure-authkit_access=acc.ess.tok; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict",
                "__Secure-authkit_csrf=n.s; Path=/; Max-Age=1209600; Secure; SameSite=Strict",
            ]
        );
    }

    #[test]
    fn insecure_refresh_only_cookies_have_plain_names_and_no_secure() {
        let config = CookieConfig {
            secure: false,
            ..CookieConfig::new(CookieTokens::Refresh)
        };
        assert_eq!(
            config.issued("/api/v1/auth", &pair(), "n.s"),
            [
                "authkit_refresh=refreshvalue; Path=/api/v1/auth; Max-Age=1209600; HttpOnly; SameSite=Lax",
                "authkit_csrf=n.s; Path=/; Max-Age=1209600; SameSite=Lax",
            ]
        );
    }

    #[test]
    fn same_site_none_forces_secure() {
        let config = CookieConfig {
            secure: false,
            same_site: SameSite::None,
            ..CookieConfig::new(CookieTokens::Refresh)
        };
        assert!(config.is_secure());
        assert_eq!(
            config.cleared("/auth"),
            [
                "__Secure-authkit_refresh=; Path=/auth; Max-Age=0; HttpOnly; Secure; SameSite=None",
                "__Secure-authkit_csrf=; Path=/; Max-Age=0; Secure; SameSite=None",
            ]
        );
    }

    #[test]
    fn cleared_cookies_cover_the_access_cookie_when_it_is_used() {
        let config = CookieConfig::new(CookieTokens::RefreshAndAccess);
        let cleared = config.cleared("/auth");
        assert_eq!(cleared.len(), 3);
        assert_eq!(
            cleared[1],
            "__Secure-authkit_access=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"
        );
    }

    #[test]
    fn cookie_values_are_found_by_exact_name() {
        let header = Some("xauthkit_refresh=no; authkit_refresh=yes; authkit_refresh=later");
        assert_eq!(cookie_value(header, "authkit_refresh"), Some("yes"));
        assert_eq!(cookie_value(Some("garbage"), "authkit_refresh"), None);
        assert_eq!(cookie_value(None, "authkit_refresh"), None);
    }

    #[test]
    fn only_get_head_and_options_are_safe() {
        let with = |method| RequestCredentials {
            method,
            ..RequestCredentials::default()
        };
        assert!(with("GET").is_safe_method());
        assert!(with("head").is_safe_method());
        assert!(with("OPTIONS").is_safe_method());
        for method in ["POST", "PATCH", "PUT", "DELETE", ""] {
            assert!(!with(method).is_safe_method(), "{method}");
        }
    }

    #[test]
    fn the_csrf_key_is_redacted() {
        assert_eq!(format!("{:?}", CsrfKey::random()), "CsrfKey([redacted])");
    }
}
