//! [`SmtpMailer`]: authkit's messages through an SMTP server.

use std::fmt;
use std::sync::Arc;

use authkit_core::mail::{Mail, MailError, Mailer};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::templates::{DefaultTemplates, MailTemplates};

/// Sends authkit's mail through an SMTP server, rendered by [`MailTemplates`].
///
/// The URL is lettre's: `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required`
/// (STARTTLS), `smtps://user:pass@host:465` (implicit TLS). Credentials never reach logs or
/// `Debug` output.
///
/// ```
/// use std::sync::Arc;
/// use authkit_mail::SmtpMailer;
///
/// let mailer = SmtpMailer::new("smtp://127.0.0.1:2525", "authkit <no-reply@example.com>")?;
/// // auth_builder.mailer(Arc::new(mailer))
/// # Ok::<(), authkit_mail::SmtpError>(())
/// ```
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    templates: Arc<dyn MailTemplates>,
}

/// A mailer that cannot be built: the URL or the sender address is not usable. The message
/// never contains the URL's password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpError(String);

impl fmt::Display for SmtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SmtpError {}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `url`, sending as `from` (`"authkit <no-reply@example.com>"` or a bare
    /// address), with [`DefaultTemplates`].
    ///
    /// # Errors
    ///
    /// [`SmtpError`] when `url` is not an SMTP URL lettre accepts or `from` is not an address.
    pub fn new(url: &str, from: &str) -> Result<Self, SmtpError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| SmtpError(format!("not a usable SMTP URL: {e}")))?
            .build();
        let from = from
            .parse()
            .map_err(|e| SmtpError(format!("{from:?} is not a sender address: {e}")))?;
        Ok(Self {
            transport,
            from,
            templates: Arc::new(DefaultTemplates),
        })
    }

    /// The same mailer, rendering with `templates`.
    pub fn with_templates(self, templates: Arc<dyn MailTemplates>) -> Self {
        Self { templates, ..self }
    }

    /// The message lettre sends for `mail`.
    fn message(&self, mail: &Mail) -> Result<Message, MailError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| MailError(format!("recipient: {e}")))?;
        let rendered = self.templates.render(mail);
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject);
        let built = match rendered.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(rendered.text, html)),
            None => builder.singlepart(SinglePart::plain(rendered.text)),
        };
        built.map_err(|e| MailError(format!("building the message: {e}")))
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let message = self.message(&mail)?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| MailError(format!("SMTP: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_carries_text_and_html_alternatives_and_the_subject() {
        let mailer =
            SmtpMailer::new("smtp://127.0.0.1:2525", "authkit <no-reply@example.com>").unwrap();
        let mail = Mail::verify_email("ada@example.com", "https://app.example.com", "t0ken");
        let formatted = String::from_utf8(mailer.message(&mail).unwrap().formatted()).unwrap();
        assert!(formatted.contains("multipart/alternative"), "{formatted}");
        assert!(formatted.contains("text/plain"), "{formatted}");
        assert!(formatted.contains("text/html"), "{formatted}");
        assert!(formatted.contains("To: ada@example.com"), "{formatted}");
    }

    #[test]
    fn bad_urls_and_senders_are_errors_without_the_password() {
        let err = SmtpMailer::new("http://user:hunter2@mail", "a@example.com").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(SmtpMailer::new("smtp://127.0.0.1:25", "not an address").is_err());
    }

    #[test]
    fn debug_shows_the_sender_only() {
        let mailer = SmtpMailer::new("smtp://user:hunter2@127.0.0.1:25", "a@example.com").unwrap();
        let debug = format!("{mailer:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("a@example.com"), "{debug}");
    }
}
