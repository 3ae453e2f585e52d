//! `authkit users list`, `authkit users disable` and `authkit users reset-mfa`.

use authkit_core::dto::UserView;
use authkit_core::email::normalize_email;
use authkit_core::store::UserQuery;
use authkit_core::{AuthError, Role, User, UserStatus};
use clap::{Args, Subcommand, ValueEnum};

use crate::context::{self, Failure};

/// Users read from the store at a time.
const PAGE: u32 = 100;

/// The `users` commands.
#[derive(Debug, Subcommand)]
pub enum Users {
    /// Lists accounts, oldest first: a table (id, email, role, status, verified, created) or
    /// JSON lines.
    #[command(after_help = crate::EXIT_CODES)]
    List(List),
    /// Disables an account and revokes all its sessions, in one transaction; the running apps
    /// refuse its tokens once they read the revocation feed.
    #[command(after_help = DISABLE_AFTER_HELP)]
    Disable(Disable),
    /// Removes an account's second factors (its authenticator and recovery codes), for an owner
    /// who lost both: the password alone signs in again. The owner is told by mail.
    #[command(name = "reset-mfa", after_help = RESET_MFA_AFTER_HELP)]
    ResetMfa(Disable),
}

const RESET_MFA_AFTER_HELP: &str = "An account without a second factor is left as it is \
(exit 0).\n\n\
Exit codes: 0 removed (or none to remove), 1 failed (no such account, the database), 2 bad \
command line.";

const DISABLE_AFTER_HELP: &str = "The last active admin cannot be disabled. An account \
disabled already is left as it is (exit 0).\n\n\
Exit codes: 0 disabled (or disabled already), 1 failed (no such account, the last active \
admin, the database), 2 bad command line.";

/// An account status, as the admin API names it.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Status {
    Active,
    Disabled,
}

/// The arguments of `users list`.
#[derive(Debug, Args)]
pub struct List {
    /// Only accounts with this role.
    #[arg(long, value_name = "ROLE")]
    role: Option<String>,
    /// Only accounts with this status.
    #[arg(long, value_enum)]
    status: Option<Status>,
    /// At most N accounts (default: all).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    limit: Option<u32>,
    /// One JSON object per line (the admin API's user), instead of a table.
    #[arg(long)]
    json: bool,
}

/// The arguments of `users disable` and `users reset-mfa`.
#[derive(Debug, Args)]
pub struct Disable {
    /// The account: its id, or its e-mail address.
    #[arg(value_name = "ID-OR-EMAIL")]
    user: String,
}

/// Prints the accounts the filters select.
pub async fn list(args: List) -> Result<(), Failure> {
    let role = args
        .role
        .as_deref()
        .map(Role::new)
        .transpose()
        .map_err(|err| Failure::new(format!("--role: {err}")))?;
    let status = args.status.map(|status| match status {
        Status::Active => UserStatus::Active,
        Status::Disabled => UserStatus::Disabled,
    });
    let settings = context::settings()?;
    let store = context::store(&settings).await?;
    let mut users: Vec<User> = Vec::new();
    let wanted = args.limit.map_or(usize::MAX, |n| n as usize);
    loop {
        let query = UserQuery {
            limit: PAGE,
            after: users.last().map(|user| user.id),
            role: role.clone(),
            status,
            search: None,
        };
        let page = store
            .list_users(&query)
            .await
            .map_err(|err| context::store_failure(&settings, err))?;
        let last_page = page.len() < PAGE as usize;
        users.extend(page);
        if last_page || users.len() >= wanted {
            break;
        }
    }
    users.truncate(wanted);
    if args.json {
        for user in &users {
            let line = serde_json::to_string(&UserView::from(user))
                .map_err(|err| Failure::new(format!("cannot write JSON: {err}")))?;
            println!("{line}");
        }
    } else {
        print!("{}", table(&users));
    }
    Ok(())
}

/// The accounts as an aligned table with a header.
fn table(users: &[User]) -> String {
    let created =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let mut rows = vec![[
        "ID".to_owned(),
        "EMAIL".to_owned(),
        "ROLE".to_owned(),
        "STATUS".to_owned(),
        "VERIFIED".to_owned(),
        "CREATED".to_owned(),
    ]];
    rows.extend(users.iter().map(|user| {
        [
            user.id.to_string(),
            user.email.clone(),
            user.role.to_string(),
            user.status.as_str().to_owned(),
            if user.email_verified { "yes" } else { "no" }.to_owned(),
            user.created_at
                .format(created)
                .unwrap_or_else(|_| user.created_at.to_string()),
        ]
    }));
    let mut widths = [0usize; 6];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Removes the account's second factors ([`Auth::reset_second_factors`]).
///
/// [`Auth::reset_second_factors`]: authkit_core::Auth::reset_second_factors
pub async fn reset_mfa(args: Disable) -> Result<(), Failure> {
    let settings = context::settings()?;
    let store = context::store(&settings).await?;
    let user = find(&settings, &store, args.user.trim()).await?;
    let auth = context::auth(&settings, &store)?;
    let removed = auth
        .reset_second_factors(&user, "actor=cli")
        .await
        .map_err(|err| match err {
            AuthError::Store(err) => context::store_failure(&settings, err),
            other => Failure::new(other.to_string()),
        })?;
    if removed {
        println!("removed the second factors of {} ({})", user.email, user.id);
    } else {
        println!(
            "{} ({}) has no second factor; nothing changed",
            user.email, user.id
        );
    }
    Ok(())
}

/// The account named by `given`: its id or its e-mail address.
async fn find(
    settings: &authkit_example_support::Settings,
    store: &std::sync::Arc<dyn authkit_sqlx::SqlStore>,
    given: &str,
) -> Result<User, Failure> {
    let found = match uuid::Uuid::parse_str(given) {
        Ok(id) => store.user_by_id(id).await,
        Err(_) => {
            let canonical = normalize_email(given)
                .map_err(|_| {
                    Failure::new(format!(
                        "{given:?} is neither a user id nor an e-mail address"
                    ))
                })?
                .1;
            store.user_by_email(&canonical).await
        }
    }
    .map_err(|err| context::store_failure(settings, err))?;
    found.ok_or_else(|| Failure::new(format!("no such account: {given}")))
}

/// Disables the account and revokes its sessions ([`Auth::disable_user`]).
///
/// [`Auth::disable_user`]: authkit_core::Auth::disable_user
pub async fn disable(args: Disable) -> Result<(), Failure> {
    let settings = context::settings()?;
    let store = context::store(&settings).await?;
    let given = args.user.trim();
    let user = find(&settings, &store, given).await?;
    if user.status == UserStatus::Disabled {
        println!(
            "{} ({}) is disabled already; nothing changed",
            user.email, user.id
        );
        return Ok(());
    }
    let auth = context::auth(&settings, &store)?;
    let user = auth
        .disable_user(user.id, "cli")
        .await
        .map_err(|err| match err {
            AuthError::Store(err) => context::store_failure(&settings, err),
            AuthError::Validation(reason) => Failure::new(reason),
            AuthError::NotFound => Failure::new(format!("no such account: {given}")),
            other => Failure::new(other.to_string()),
        })?;
    println!(
        "disabled {} ({}) and revoked its sessions",
        user.email, user.id
    );
    Ok(())
}
