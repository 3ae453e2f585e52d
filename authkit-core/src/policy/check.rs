//! The hook for an application's own password checks.

use std::fmt;

use async_trait::async_trait;

use super::PolicyViolation;

/// An application's own check of a new password, run after the built-in
/// [`PasswordPolicy`](super::PasswordPolicy) accepted it and before it is hashed: a breached
/// password lookup (`hibp::HibpCheck`, with the cargo feature `hibp`), a
/// list of the organisation's own words, a call to a password service.
///
/// Checks are added with [`AuthBuilder::password_check`](crate::AuthBuilder::password_check)
/// and run in the order they were added, for every new password: registration, a password
/// change, a reset, an account created by an administrator. The first refusal wins.
///
/// ```
/// use authkit_core::policy::{NewPassword, PasswordCheck, PasswordCheckError, PolicyViolation};
///
/// /// Refuses passwords that contain the company's name.
/// struct NotOurName;
///
/// #[async_trait::async_trait]
/// impl PasswordCheck for NotOurName {
///     async fn check(&self, new: &NewPassword<'_>) -> Result<(), PasswordCheckError> {
///         if new.password().to_lowercase().contains("initech") {
///             return Err(PolicyViolation::Refused("must not contain the company's name".into()).into());
///         }
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait PasswordCheck: Send + Sync + 'static {
    /// Accepts `new` with `Ok(())`.
    ///
    /// # Errors
    ///
    /// [`PasswordCheckError::Refused`] refuses the password: the caller gets 400
    /// `weak_password` with the violation as the detail. [`PasswordCheckError::Unavailable`]
    /// says the check could not decide: the caller gets 503 `unavailable` and may retry. A
    /// check that should let passwords through while its backend is down (fail open) returns
    /// `Ok(())` then and logs it.
    async fn check(&self, new: &NewPassword<'_>) -> Result<(), PasswordCheckError>;
}

/// A new password on its way to being hashed, with the account it is for.
///
/// Its `Debug` form never shows the password.
pub struct NewPassword<'a> {
    password: &'a str,
    email: &'a str,
    username: Option<&'a str>,
}

impl<'a> NewPassword<'a> {
    /// `password` in the NFKC form that is hashed, for the account with `email` and
    /// `username`.
    pub(crate) fn new(password: &'a str, email: &'a str, username: Option<&'a str>) -> Self {
        Self {
            password,
            email,
            username,
        }
    }

    /// The password in NFKC normal form: the form that becomes the credential
    /// ([`normalize`](super::normalize)).
    pub fn password(&self) -> &'a str {
        self.password
    }

    /// The account's e-mail address as given.
    pub fn email(&self) -> &'a str {
        self.email
    }

    /// The account's username, if it has one.
    pub fn username(&self) -> Option<&'a str> {
        self.username
    }
}

impl fmt::Debug for NewPassword<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewPassword")
            .field("password", &"[redacted]")
            .field("email", &self.email)
            .field("username", &self.username)
            .finish()
    }
}

/// Why a [`PasswordCheck`] did not accept a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordCheckError {
    /// The password is refused: 400 `weak_password`, the violation's text as the detail.
    #[error("refused: {0}")]
    Refused(#[from] PolicyViolation),
    /// The check could not decide (its service is down, timed out or answered nonsense): 503
    /// `unavailable`. The text is for logs only; it must not contain the password.
    #[error("password check unavailable: {0}")]
    Unavailable(String),
}
