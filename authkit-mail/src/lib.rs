//! # authkit-mail
//!
//! authkit's mail over SMTP. [`SmtpMailer`] is an [`authkit_core::mail::Mailer`]: give it to
//! [`AuthBuilder::mailer`](authkit_core::AuthBuilder::mailer) and every message authkit writes
//! goes out through an SMTP server, as a `multipart/alternative` of plain text and HTML.
//!
//! The words are [`DefaultTemplates`]'; an application that wants its own implements
//! [`MailTemplates`] for the kinds it cares about and hands the rest to the defaults:
//!
//! ```
//! use authkit_core::mail::{Mail, MailKind};
//! use authkit_mail::{DefaultTemplates, MailTemplates, Rendered};
//!
//! /// The reset mail in the house style; everything else as authkit writes it.
//! struct HouseStyle;
//!
//! impl MailTemplates for HouseStyle {
//!     fn render(&self, mail: &Mail) -> Rendered {
//!         match (mail.kind, &mail.link) {
//!             (MailKind::PasswordReset, Some(link)) => Rendered {
//!                 subject: "Your Initech password".into(),
//!                 text: format!("Choose a new password: {link}"),
//!                 html: None,
//!             },
//!             _ => DefaultTemplates.render(mail),
//!         }
//!     }
//! }
//!
//! let mail = Mail::password_reset("ada@example.com", "https://app.example.com", "t0ken");
//! assert_eq!(HouseStyle.render(&mail).subject, "Your Initech password");
//! ```
//!
//! When sending fails, authkit retries ([`authkit_core::mail::DELIVERY_ATTEMPTS`] attempts in
//! all) after the request was answered, and logs each failure; the answer never depends on the
//! mail.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod smtp;
mod templates;

pub use smtp::{SmtpError, SmtpMailer};
pub use templates::{DefaultTemplates, MailTemplates, Rendered};
