//! `authkit create-admin`: the first admin account, through [`Auth::ensure_admin`], the same
//! seed the apps run at startup from `AUTHKIT_ADMIN_EMAIL` and `AUTHKIT_ADMIN_PASSWORD`.
//!
//! [`Auth::ensure_admin`]: authkit_core::Auth::ensure_admin

use std::io::BufRead;

use authkit_core::email::normalize_email;
use authkit_core::{SecretString, UserStatus};
use clap::Args;

use crate::context::{self, Failure};

/// `create-admin --help`'s closing lines.
pub const AFTER_HELP: &str = "Creates the account only when no admin exists (the first admin); \
the password must meet the policy (AUTHKIT_PASSWORD_MIN_LENGTH, ...).\n\
The password is never an argument: give it on stdin with --password-stdin \
(printf '%s\\n' \"$PASSWORD\" | authkit create-admin --email E --password-stdin), \
or in AUTHKIT_ADMIN_PASSWORD.\n\n\
Exit codes: 0 created, or E is already an active admin (nothing changed, its password \
included); 1 failed: another admin exists already (make E an admin through the admin API \
instead), a weak password (the reason is printed), E belongs to a non-admin account, the \
database; 2 bad command line.";

/// The arguments of `create-admin`.
#[derive(Debug, Args)]
pub struct CreateAdmin {
    /// The admin's e-mail address.
    #[arg(long, env = "AUTHKIT_ADMIN_EMAIL", value_name = "EMAIL")]
    email: String,
    /// Read the password from the first line of standard input (otherwise it is taken from
    /// AUTHKIT_ADMIN_PASSWORD).
    #[arg(long)]
    password_stdin: bool,
}

/// Creates the admin, or says why not.
pub async fn create_admin(args: CreateAdmin) -> Result<(), Failure> {
    let password = password(args.password_stdin)?;
    let settings = context::settings()?;
    let store = context::store(&settings).await?;
    let auth = context::auth(&settings, &store)?;
    let created = auth
        .ensure_admin(&args.email, &password)
        .await
        .map_err(|err| match err {
            authkit_core::AuthError::Store(err) => context::store_failure(&settings, err),
            other => Failure::new(other.to_string()),
        })?;
    if let Some(admin) = created {
        println!("created the admin account {} ({})", admin.email, admin.id);
        return Ok(());
    }
    // An admin exists: is it this address?
    let canonical = normalize_email(&args.email)
        .map_err(|err| Failure::new(err.to_string()))?
        .1;
    let existing = auth
        .store()
        .user_by_email(&canonical)
        .await
        .map_err(|err| context::store_failure(&settings, err))?;
    match existing {
        Some(user) if user.role.is_admin() && user.status == UserStatus::Active => {
            println!(
                "{} is already an admin ({}); nothing changed, its password included",
                user.email, user.id
            );
            Ok(())
        }
        Some(user) if user.role.is_admin() => Err(Failure::new(format!(
            "{} is an admin account, but disabled; nothing changed",
            user.email
        ))),
        _ => Err(Failure::new(format!(
            "an admin account exists already, so none was created: create-admin only creates \
             the first admin. To make {} an admin, have an admin change its role \
             (PATCH /auth/admin/users/{{id}} with {{\"role\":\"admin\"}})",
            args.email.trim()
        ))),
    }
}

/// The password from one line of standard input, or from `AUTHKIT_ADMIN_PASSWORD`.
fn password(from_stdin: bool) -> Result<SecretString, Failure> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|err| Failure::new(format!("cannot read the password from stdin: {err}")))?;
        let password = line.strip_suffix('\n').unwrap_or(&line);
        let password = password.strip_suffix('\r').unwrap_or(password);
        if password.is_empty() {
            return Err(Failure::new(
                "--password-stdin: standard input held no password",
            ));
        }
        return Ok(SecretString::from(password.to_owned()));
    }
    match std::env::var("AUTHKIT_ADMIN_PASSWORD") {
        Ok(password) if !password.is_empty() => Ok(SecretString::from(password)),
        _ => Err(Failure::new(
            "no password: give it on standard input with --password-stdin, or set \
             AUTHKIT_ADMIN_PASSWORD (never as an argument)",
        )),
    }
}
