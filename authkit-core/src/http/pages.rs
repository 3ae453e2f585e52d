//! Hosted pages for the links in authkit's mails: `/verify-email` (a new account's address, or
//! a changed one) and `/reset-password`, served when [`HttpConfig::hosted_pages`] is set.
//!
//! A page reads the token from the URL fragment (which browsers never send to a server),
//! removes it from the address bar and posts it to the API (`email/verify`,
//! `password-reset/confirm`), showing the outcome in a live status line. Everything it loads is
//! authkit's own and same-origin: one script and one stylesheet, no inline script or style, under
//! a strict Content-Security-Policy ([`PAGES_POLICY`]), and nobody may frame it. The API is
//! named by a path relative to the page, so the pages work under a prefix and when the
//! application nests authkit's router.
//!
//! The words and the look are the application's to change ([`PageTemplates`]); the script
//! keeps the same behaviour. A template keeps `<main data-page="…" data-api="{{api}}">`, an
//! element `id="status"` and, for the reset page, `<form id="reset">` with an input named
//! `password`, and loads `pages/authkit-pages.js` (and, if it likes, `pages/authkit-pages.css`).

use super::*;

/// The Content-Security-Policy of the hosted pages: their own script, style and API calls,
/// nothing else, no framing, no `<base>`, forms only to themselves.
pub const PAGES_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

const SCRIPT: &str = include_str!("../../assets/pages/authkit-pages.js");
const STYLE: &str = include_str!("../../assets/pages/authkit-pages.css");

/// The HTML of the hosted pages. `{{api}}` is replaced by the API's path relative to the page
/// (e.g. `auth/`). The words and the look are the application's to change; authkit's script
/// keeps the behaviour, so a template keeps `<main data-page="…" data-api="{{api}}">`, an
/// element `id="status"` and, for the reset page, `<form id="reset">` with an input named
/// `password`, and loads `pages/authkit-pages.js` (and, if it likes, `pages/authkit-pages.css`).
/// The pages are served under [`PAGES_POLICY`]: no inline script or style.
///
/// ```
/// use authkit_core::http::PageTemplates;
///
/// let templates = PageTemplates {
///     reset_password: PageTemplates::default()
///         .reset_password
///         .replace("Choose a new password", "Pick a new password for Example Co"),
///     ..PageTemplates::default()
/// };
/// assert!(templates.reset_password.contains("Example Co"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageTemplates {
    /// `/verify-email`: confirms an address (a registration's, or a changed one).
    pub verify_email: String,
    /// `/reset-password`: sets a new password.
    pub reset_password: String,
}

impl Default for PageTemplates {
    fn default() -> Self {
        Self {
            verify_email: include_str!("../../assets/pages/verify-email.html").to_owned(),
            reset_password: include_str!("../../assets/pages/reset-password.html").to_owned(),
        }
    }
}

/// The pages rendered for one API: each template with its API path filled in.
#[derive(Debug, Clone)]
pub(super) struct Pages {
    verify_email: Vec<u8>,
    reset_password: Vec<u8>,
}

impl Pages {
    /// The pages of `templates`, for an API under `prefix` whose pages live under `root`.
    pub(super) fn render(templates: &PageTemplates, prefix: &str, root: &str) -> Self {
        let api = relative_api(prefix, root);
        let fill = |template: &str| template.replace("{{api}}", &api).into_bytes();
        Self {
            verify_email: fill(&templates.verify_email),
            reset_password: fill(&templates.reset_password),
        }
    }

    /// The answer for a page route.
    pub(super) fn answer(&self, route: Route) -> HttpResponse {
        let html = |body: &[u8]| {
            HttpResponse::with_body(200, "text/html; charset=utf-8", body.to_vec())
                .policy(PAGES_POLICY)
                .header("x-frame-options", "DENY")
                .header("referrer-policy", "no-referrer")
                .header("cache-control", "no-store")
        };
        let asset = |body: &str, content_type: &str| {
            HttpResponse::with_body(200, content_type, body.as_bytes().to_vec())
                .header("cache-control", "public, max-age=3600")
        };
        match route {
            Route::VerifyEmailPage => html(&self.verify_email),
            Route::ResetPasswordPage => html(&self.reset_password),
            Route::PagesScript => asset(SCRIPT, "text/javascript; charset=utf-8"),
            Route::PagesStyle => asset(STYLE, "text/css; charset=utf-8"),
            _ => HttpResponse::from_error(&AuthError::NotFound),
        }
    }
}

/// The API's path relative to a page: pages live in `root`'s directory, the API under
/// `prefix` (`/auth` from the root is `auth/`; when the pages follow the prefix, `""`).
fn relative_api(prefix: &str, root: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    let root = root.trim_end_matches('/');
    let rest = prefix
        .strip_prefix(root)
        .unwrap_or(prefix)
        .trim_start_matches('/');
    if rest.is_empty() {
        String::new()
    } else {
        format!("{rest}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_is_named_relative_to_the_pages() {
        assert_eq!(relative_api("/auth", ""), "auth/");
        assert_eq!(relative_api("/api/v1/auth", ""), "api/v1/auth/");
        assert_eq!(relative_api("/api/auth", "/api/auth"), "");
    }

    #[test]
    fn the_default_pages_have_no_inline_script_or_style() {
        let templates = PageTemplates::default();
        for page in [&templates.verify_email, &templates.reset_password] {
            assert!(page.contains(r#"<script src="pages/authkit-pages.js" defer></script>"#));
            assert_eq!(page.matches("<script").count(), 1, "{page}");
            assert!(!page.contains("style="), "{page}");
            assert!(!page.contains("<style"), "{page}");
            for handler in [" onclick=", " onload=", " onsubmit=", "javascript:"] {
                assert!(!page.contains(handler), "no inline handler: {page}");
            }
            assert!(page.contains(r#"<html lang="en">"#));
            assert!(page.contains(r#"id="status" role="status""#));
            assert!(page.contains(r#"data-api="{{api}}""#));
        }
        assert!(
            templates
                .reset_password
                .contains(r#"<label for="password">"#)
        );
    }
}
