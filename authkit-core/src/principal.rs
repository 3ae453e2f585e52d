//! The authenticated caller, as [`Auth::authenticate`](crate::Auth::authenticate) returns it.

use std::sync::Arc;

use crate::jwt::AccessClaims;
use crate::model::{Role, SessionId, UserId};

/// The authenticated caller. Each adapter wraps it in its own extractor type, which
/// dereferences to this. Cheap to clone: the claims are shared, with the verified-token cache
/// among others.
///
/// Its [`role`](Self::role) is the account's current role: the token's, unless the
/// [revocation view](crate::revocation) knows of a change since the token was minted.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account.
    pub user_id: UserId,
    /// The session the token belongs to.
    pub session_id: SessionId,
    /// Every claim of the token.
    pub claims: Arc<AccessClaims>,
    /// The current role, when it is not the token's.
    current_role: Option<Role>,
}

impl Principal {
    /// A caller whose role changed to `current_role` after the token was minted.
    pub(crate) fn with_role(claims: Arc<AccessClaims>, current_role: Option<Role>) -> Self {
        Self {
            user_id: claims.sub,
            session_id: claims.sid,
            claims,
            current_role,
        }
    }

    /// The caller's role: the token's, or the newer one the revocation view knows of.
    pub fn role(&self) -> &Role {
        self.current_role.as_ref().unwrap_or(&self.claims.role)
    }

    /// Whether the caller holds one of `roles`.
    pub fn has_any_role(&self, roles: &[&str]) -> bool {
        roles.contains(&self.role().as_str())
    }
}

impl From<Arc<AccessClaims>> for Principal {
    /// The caller as the token alone describes it.
    fn from(claims: Arc<AccessClaims>) -> Self {
        Self::with_role(claims, None)
    }
}
