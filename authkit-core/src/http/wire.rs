//! What an adapter hands over and writes back: [`HttpRequest`] and [`HttpResponse`], with
//! the headers every answer carries.

use super::*;

/// A request as an adapter saw it: raw header values, the peer address and the body.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpRequest<'a> {
    /// The path parameter (`{id}`, or `{provider}`), for routes that have one
    /// ([`Route::id_in`] finds it).
    pub path_id: Option<&'a str>,
    /// The raw query string (without `?`).
    pub query: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The `User-Agent` header.
    pub user_agent: Option<&'a str>,
    /// The `X-Forwarded-For` header (several headers joined with `,`).
    pub forwarded_for: Option<&'a str>,
    /// The TCP peer address.
    pub peer: Option<IpAddr>,
    /// The `Origin` header (a browser's cross-origin request), for CORS.
    pub origin: Option<&'a str>,
    /// The `Cookie` header(s), joined ([`joined_cookie_text`]); read in cookie mode only.
    pub cookie: Option<&'a str>,
    /// The `Sec-Fetch-Site` header, for the CSRF check of cookie mode.
    pub sec_fetch_site: Option<&'a str>,
    /// The `X-CSRF-Token` header, for the CSRF check of cookie mode.
    pub csrf_token: Option<&'a str>,
    /// The body, read up to [`MAX_BODY_BYTES`].
    pub body: &'a [u8],
    /// Whether the body was longer than [`MAX_BODY_BYTES`] (and was not read whole).
    pub body_too_large: bool,
}

/// The Content-Security-Policy of every answer but the docs page: JSON needs nothing loaded,
/// and no answer may be framed.
pub const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// An answer, ready to write: status, headers and body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub(super) fn json(status: u16, value: &impl Serialize) -> Self {
        Self::with_body(
            status,
            "application/json",
            serde_json::to_vec(value).unwrap_or_default(),
        )
    }

    /// Every answer carries `X-Content-Type-Options: nosniff` (a browser never guesses another
    /// type than the one given: a JSON error rendered as HTML, say) and a Content-Security-Policy
    /// that lets nothing load and nobody frame it ([`API_POLICY`]); the docs page replaces the
    /// latter with its own.
    pub(super) fn with_body(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![
                ("content-type", content_type.to_owned()),
                ("x-content-type-options", "nosniff".to_owned()),
                ("content-security-policy", API_POLICY.to_owned()),
            ],
            body,
        }
    }

    pub(super) fn no_content() -> Self {
        Self {
            status: 204,
            headers: vec![
                ("x-content-type-options", "nosniff".to_owned()),
                ("content-security-policy", API_POLICY.to_owned()),
            ],
            body: Vec::new(),
        }
    }

    /// Replaces the Content-Security-Policy.
    pub(super) fn policy(mut self, policy: &str) -> Self {
        for (name, value) in &mut self.headers {
            if *name == "content-security-policy" {
                *value = policy.to_owned();
            }
        }
        self
    }

    /// A 302 to `location`, with no body.
    #[cfg_attr(not(feature = "oidc"), allow(dead_code))]
    pub(super) fn redirect(location: &str) -> Self {
        Self {
            status: 302,
            headers: vec![
                ("location", location.to_owned()),
                ("x-content-type-options", "nosniff".to_owned()),
                ("content-security-policy", API_POLICY.to_owned()),
            ],
            body: Vec::new(),
        }
    }

    pub(super) fn accepted() -> Self {
        Self::json(202, &serde_json::json!({ "status": "accepted" }))
    }

    pub(super) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The value of header `name`, if set.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The problem answer for `err`, with `WWW-Authenticate` and `Retry-After` where they apply.
    /// Server-side failures are logged here (with their cause) and answered without it.
    pub fn from_error(err: &AuthError) -> Self {
        if !err.is_client_error() {
            tracing::error!(target: "authkit", error = %err, "request failed");
        }
        let problem = err.problem();
        let mut response = Self::problem(&problem);
        if let Some(value) = err.www_authenticate() {
            response = response.header("www-authenticate", value);
        }
        if let Some(wait) = err.retry_after() {
            response = response.header("retry-after", retry_after_secs(wait).to_string());
        }
        response
    }

    pub(super) fn problem(problem: &Problem) -> Self {
        Self::with_body(
            problem.status,
            PROBLEM_CONTENT_TYPE,
            serde_json::to_vec(problem).unwrap_or_default(),
        )
    }

    pub(super) fn no_store(self) -> Self {
        self.header("cache-control", "no-store")
            .header("pragma", "no-cache")
    }
}
