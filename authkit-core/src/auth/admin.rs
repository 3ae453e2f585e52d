//! Administration: list, read, update and delete accounts; seed the first admin.
//!
//! Every method takes the caller's claims and authorizes against the *stored* caller, never
//! the token alone: the account must exist, be active and hold the `admin` role now, or the
//! request is refused (401 for an account gone or disabled, 403 `forbidden` for any other
//! role). So a token minted before a demotion, a disable or a deletion grants nothing, on any
//! instance, even before the revocation view has caught up. An admin cannot disable, demote or
//! delete their own account here, so the last admin cannot lock everyone out by mistake.

use super::Auth;
use crate::dto::{AdminListQuery, AdminUpdateRequest, UserPage, UserView, parse_cursor};
use crate::email::normalize_email;
use crate::error::AuthError;
use crate::events::EventKind;
use crate::jwt::AccessClaims;
use crate::model::{Role, User, UserId, UserStatus};
use crate::secret::SecretString;
use crate::store::{StoreError, UniqueField, UserQuery, UserUpdate};

/// Page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Largest page size.
pub const MAX_PAGE_SIZE: u32 = 100;

impl Auth {
    /// The caller as stored, if it is an active admin now.
    pub(super) async fn stored_admin(&self, claims: &AccessClaims) -> Result<User, AuthError> {
        let caller = self.active_user(claims).await?;
        if caller.role.is_admin() {
            Ok(caller)
        } else {
            Err(AuthError::Forbidden)
        }
    }

    /// A page of users (`GET /auth/admin/users`), ordered by creation, filtered by role, status
    /// and a case-insensitive search of address and username.
    pub async fn admin_list_users(
        &self,
        claims: &AccessClaims,
        query: &AdminListQuery,
    ) -> Result<UserPage, AuthError> {
        self.stored_admin(claims).await?;
        let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(AuthError::Validation(format!(
                "limit: must be between 1 and {MAX_PAGE_SIZE}"
            )));
        }
        let after = query
            .cursor
            .as_deref()
            .map(|c| parse_cursor(c).ok_or_else(|| AuthError::Validation("cursor: invalid".into())))
            .transpose()?;
        let role = query
            .role
            .as_deref()
            .map(|r| Role::new(r).map_err(|e| AuthError::Validation(format!("role: {e}"))))
            .transpose()?;
        let status = query
            .status
            .as_deref()
            .map(|s| {
                UserStatus::parse(s).ok_or_else(|| {
                    AuthError::Validation("status: must be `active` or `disabled`".into())
                })
            })
            .transpose()?;
        let search = query
            .q
            .as_deref()
            .map(|q| q.trim().to_lowercase())
            .filter(|q| !q.is_empty());
        if search.as_ref().is_some_and(|q| q.chars().count() > 254) {
            return Err(AuthError::Validation("q: at most 254 characters".into()));
        }
        let store_query = UserQuery {
            limit: limit + 1,
            after,
            role,
            status,
            search,
        };
        let mut users = self.inner.store.list_users(&store_query).await?;
        let next_cursor = if users.len() > limit as usize {
            users.truncate(limit as usize);
            users.last().map(|u| u.id.to_string())
        } else {
            None
        };
        Ok(UserPage {
            items: users.iter().map(UserView::from).collect(),
            next_cursor,
        })
    }

    /// One user (`GET /auth/admin/users/{id}`).
    pub async fn admin_get_user(
        &self,
        claims: &AccessClaims,
        id: UserId,
    ) -> Result<User, AuthError> {
        self.stored_admin(claims).await?;
        self.inner
            .store
            .user_by_id(id)
            .await?
            .ok_or(AuthError::NotFound)
    }

    /// Changes a user's role and/or status (`PATCH /auth/admin/users/{id}`). Disabling revokes
    /// every session of the user in the same transaction.
    pub async fn admin_update_user(
        &self,
        claims: &AccessClaims,
        id: UserId,
        req: AdminUpdateRequest,
    ) -> Result<User, AuthError> {
        self.stored_admin(claims).await?;
        if req.role.is_none() && req.status.is_none() {
            return Err(AuthError::Validation(
                "give `role`, `status` or both".into(),
            ));
        }
        let demotes_self = req.role.as_ref().is_some_and(|r| !r.is_admin());
        let disables_self = req.status == Some(UserStatus::Disabled);
        if id == claims.sub && (demotes_self || disables_self) {
            return Err(AuthError::Validation(
                "an admin cannot demote or disable their own account".into(),
            ));
        }
        let update = UserUpdate {
            username: None,
            role: req.role,
            status: req.status,
            revoke_sessions: req.status == Some(UserStatus::Disabled),
        };
        self.apply_user_update(id, update, &claims.sub.to_string())
            .await
    }

    /// Applies an administrative `update` (its revocations in the same transaction), tells the
    /// revocation view, and records `auth.user.updated` naming `by`.
    async fn apply_user_update(
        &self,
        id: UserId,
        update: UserUpdate,
        by: &str,
    ) -> Result<User, AuthError> {
        let user = self
            .inner
            .store
            .update_user(id, &update, self.now())
            .await?
            .ok_or(AuthError::NotFound)?;
        if update.revoke_sessions {
            self.clear_session_cache();
        }
        if update.revoke_sessions || update.role.is_some() {
            self.revoked(None).await;
        }
        let detail = format!("by={by} role={} status={}", user.role, user.status.as_str());
        self.emit(
            self.event(EventKind::UserUpdated)
                .user(user.id)
                .detail(detail),
        )
        .await;
        Ok(user)
    }

    /// Disables an account and revokes every session of it in one transaction, for an
    /// operator's tool (the `authkit` command line) rather than a request: there is no caller
    /// to authorize, since whoever runs it holds the database. The revocation reaches every
    /// instance through the feed, as when an admin disables the account over HTTP. `by` names
    /// the operator in the audit event (`auth.user.updated`, detail `by=… role=…
    /// status=disabled`).
    ///
    /// The admin routes keep someone able to administer, and so does this: the last active
    /// admin cannot be disabled (`Validation`). Disabling a disabled account changes nothing
    /// and returns it. `NotFound` when there is no such account.
    pub async fn disable_user(&self, id: UserId, by: &str) -> Result<User, AuthError> {
        let user = self
            .inner
            .store
            .user_by_id(id)
            .await?
            .ok_or(AuthError::NotFound)?;
        if user.status == UserStatus::Disabled {
            return Ok(user);
        }
        if user.role.is_admin() && !self.another_active_admin(user.id).await? {
            return Err(AuthError::Validation(
                "the last active admin cannot be disabled: make another account admin first".into(),
            ));
        }
        let update = UserUpdate {
            username: None,
            role: None,
            status: Some(UserStatus::Disabled),
            revoke_sessions: true,
        };
        self.apply_user_update(id, update, by).await
    }

    /// Deletes a user and everything attached (`DELETE /auth/admin/users/{id}`).
    pub async fn admin_delete_user(
        &self,
        claims: &AccessClaims,
        id: UserId,
    ) -> Result<(), AuthError> {
        self.stored_admin(claims).await?;
        if id == claims.sub {
            return Err(AuthError::Validation(
                "an admin cannot delete their own account here; use DELETE /auth/me".into(),
            ));
        }
        if !self.inner.store.delete_user(id, self.now()).await? {
            return Err(AuthError::NotFound);
        }
        self.clear_session_cache();
        self.revoked(None).await;
        self.emit(
            self.event(EventKind::UserDeleted)
                .user(id)
                .detail(format!("by={}", claims.sub)),
        )
        .await;
        Ok(())
    }

    /// Creates the default admin if no admin exists; idempotent, and safe when several
    /// instances start at once. The password must meet the policy. Returns the account it
    /// created, or `None` when an admin already existed.
    ///
    /// If the address belongs to an existing non-admin account, that account is not promoted
    /// (someone may have registered the address first): this is an error to resolve by hand.
    pub async fn ensure_admin(
        &self,
        email: &str,
        password: &SecretString,
    ) -> Result<Option<User>, AuthError> {
        let admin = Role::admin();
        if self.inner.store.any_user_with_role(&admin).await? {
            return Ok(None);
        }
        let email = normalize_email(email)?;
        let hash = self.accept_new_password(password, &email.0, None).await?;
        let mut user = self.new_user(email, None, hash, admin.clone());
        user.email_verified = true;
        match self.inner.store.create_user(&user).await {
            Ok(()) => {
                self.emit(
                    self.event(EventKind::UserCreated)
                        .user(user.id)
                        .detail("role=admin"),
                )
                .await;
                Ok(Some(user))
            }
            Err(StoreError::Conflict(UniqueField::Email)) => {
                // Another instance may have seeded it a moment ago.
                if self.inner.store.any_user_with_role(&admin).await? {
                    Ok(None)
                } else {
                    Err(AuthError::Validation(
                        "admin email: the address belongs to an existing non-admin account".into(),
                    ))
                }
            }
            Err(err) => Err(err.into()),
        }
    }
}
