//! What a message says: [`MailTemplates`] and authkit's own words, [`DefaultTemplates`].

use authkit_core::mail::Mail;

/// A message ready to send: its subject, its plain text and, optionally, its HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text body (always sent).
    pub text: String,
    /// The HTML body, sent beside the text as `multipart/alternative`.
    pub html: Option<String>,
}

/// Turns one of authkit's messages into what is sent. [`Mail::kind`](authkit_core::mail::Mail)
/// says which message it is; [`Mail::link`](authkit_core::mail::Mail) holds the link, if any,
/// which a template must keep (it carries the token).
pub trait MailTemplates: Send + Sync + 'static {
    /// The message for `mail`.
    fn render(&self, mail: &Mail) -> Rendered;
}

/// authkit's own words: the subject and text of the [`Mail`], and an HTML version of the text
/// with the link as a link.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultTemplates;

impl MailTemplates for DefaultTemplates {
    fn render(&self, mail: &Mail) -> Rendered {
        let mut html = String::from("<!doctype html>\n<html><body>\n");
        for paragraph in mail.body.split("\n\n") {
            let escaped = escape(paragraph);
            match &mail.link {
                Some(link) if paragraph.trim() == link => {
                    let href = escape(link);
                    html.push_str(&format!("<p><a href=\"{href}\">{href}</a></p>\n"));
                }
                _ => html.push_str(&format!("<p>{}</p>\n", escaped.replace('\n', "<br>"))),
            }
        }
        html.push_str("</body></html>\n");
        Rendered {
            subject: mail.subject.clone(),
            text: mail.body.clone(),
            html: Some(html),
        }
    }
}

/// `text` with the characters HTML gives meaning to escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_html_links_the_link_and_escapes_the_rest() {
        let mail = Mail::password_reset("ada@example.com", "https://app.example.com/", "a&b");
        let rendered = DefaultTemplates.render(&mail);
        assert_eq!(rendered.subject, mail.subject);
        assert_eq!(rendered.text, mail.body);
        let html = rendered.html.unwrap();
        let link = mail.link.unwrap().replace('&', "&amp;");
        assert!(
            html.contains(&format!("<a href=\"{link}\">{link}</a>")),
            "{html}"
        );
        assert!(!html.contains("a&b"), "unescaped: {html}");
    }

    #[test]
    fn a_mail_without_a_link_has_no_anchor() {
        let mail = Mail::password_changed("ada@example.com");
        let html = DefaultTemplates.render(&mail).html.unwrap();
        assert!(!html.contains("<a "), "{html}");
        assert!(html.contains("<p>"), "{html}");
    }
}
