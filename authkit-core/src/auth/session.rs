//! Refresh-token rotation, reuse detection, sessions and access-token authentication.
//!
//! A session is a refresh-token family. A refresh token names its session by a selector and
//! carries a fresh verifier per rotation; each refresh swaps the session's current token for a
//! new one in one atomic store operation ([`SessionStore::rotate_refresh_token`]). When that
//! fails, the session is looked up by the selector to tell why: a token of the family that is
//! not its current one is a replay (RFC 9700 4.14), and the whole family is revoked, unless it
//! is the token the last rotation retired (or one a retry displaced since) and comes back
//! within the configured grace window of that rotation, which tolerates a client that lost the
//! answer to its previous refresh, or two requests that refreshed with one token at once.
//!
//! [`SessionStore::rotate_refresh_token`]: crate::store::SessionStore::rotate_refresh_token

use std::sync::Arc;

use time::OffsetDateTime;

use super::Auth;
use crate::config::SessionCheck;
use crate::dto::{SessionView, TokenPair};
use crate::error::AuthError;
use crate::events::EventKind;
use crate::jwt::AccessClaims;
use crate::model::{ClientInfo, Session, SessionId, UserStatus};
use crate::principal::Principal;
use crate::revocation::Verdict;
use crate::store::{RefreshFamily, Rotation, SessionRevocation};
use crate::token::RefreshToken;

/// Entries kept in the session-liveness cache before it is cleared.
const SESSION_CACHE_CAPACITY: usize = 100_000;

impl Auth {
    /// Exchanges a refresh token for a new pair. Unknown, expired, revoked and reused tokens
    /// all fail with `invalid_refresh_token`; a reused one also revokes its family and emits
    /// `auth.token.reuse_detected`.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let old =
            RefreshToken::key_presented(refresh_token).ok_or(AuthError::InvalidRefreshToken)?;
        let new = RefreshToken::successor(old.selector);
        let now = self.now();
        let rotation = Rotation {
            selector: old.selector,
            old: old.hash,
            new: new.key().hash,
            now,
            idle_expires_at: now + self.inner.config.refresh_idle_ttl,
        };
        let session = match self.inner.store.rotate_refresh_token(&rotation).await? {
            Some(session) => session,
            None => self.refresh_not_rotated(&rotation, client).await?,
        };

        let user = match self.inner.store.user_by_id(session.user_id).await? {
            Some(user) if user.status == UserStatus::Active => user,
            _ => {
                self.revoke_family(&session, now, "account gone or disabled")
                    .await?;
                return Err(AuthError::InvalidRefreshToken);
            }
        };
        let pair = self.token_pair(&user, &session, &new, now)?;
        self.emit(
            self.event(EventKind::TokenRefreshed)
                .user(user.id)
                .session(session.id)
                .ip(client.ip),
        )
        .await;
        Ok(pair)
    }

    /// Decides what a failed rotation means: a grace-window retry (which gets a new token in
    /// the family), a replay (which revokes it), or simply an invalid token.
    async fn refresh_not_rotated(
        &self,
        rotation: &Rotation,
        client: &ClientInfo,
    ) -> Result<Session, AuthError> {
        let now = rotation.now;
        let Some(RefreshFamily {
            session,
            current,
            previous,
            displaced,
            rotated_at,
        }) = self.inner.store.refresh_family(&rotation.selector).await?
        else {
            return Err(AuthError::InvalidRefreshToken);
        };
        if current == rotation.old || !session.is_active(now) {
            // Current but not rotatable (its session expired or was revoked meanwhile), or a
            // token of a family that has ended anyway.
            return Err(AuthError::InvalidRefreshToken);
        }
        let grace = self.inner.config.refresh_grace;
        // The token the last rotation retired, or one a retry displaced since (two requests that
        // raced with one token each got a pair): within the window both may ask again.
        let retry = [previous, displaced].contains(&Some(rotation.old))
            && rotated_at.is_some_and(|at| grace.is_positive() && now - at < grace);
        if retry {
            // A retry by a client that lost the answer: the token it never got is retired, so
            // the family still has exactly one live token.
            let reissued = self
                .inner
                .store
                .reissue_refresh_token(
                    &rotation.selector,
                    &rotation.old,
                    &rotation.new,
                    now,
                    rotation.idle_expires_at,
                )
                .await?;
            if reissued {
                let mut session = session;
                session.last_used_at = now;
                session.idle_expires_at = rotation.idle_expires_at;
                return Ok(session);
            }
            return Err(AuthError::InvalidRefreshToken);
        }
        self.revoke_family(&session, now, "refresh token reused")
            .await?;
        self.emit(
            self.event(EventKind::TokenReuseDetected)
                .user(session.user_id)
                .session(session.id)
                .ip(client.ip),
        )
        .await;
        Err(AuthError::InvalidRefreshToken)
    }

    async fn revoke_family(
        &self,
        session: &Session,
        now: OffsetDateTime,
        why: &str,
    ) -> Result<(), AuthError> {
        let revoked = self
            .inner
            .store
            .revoke_session(session.user_id, session.id, now)
            .await?;
        self.forget_session(session.id);
        if revoked {
            self.revoked(Some(session.id)).await;
            self.emit(
                self.event(EventKind::SessionRevoked)
                    .user(session.user_id)
                    .session(session.id)
                    .detail(format!("reason={why}")),
            )
            .await;
        }
        Ok(())
    }

    /// Validates an access token: signature, algorithm, `typ`, issuer, audience, expiry. Pure
    /// and synchronous; it consults neither the revocation view nor the store (use
    /// [`authenticate`](Self::authenticate) for that). The claims are shared with the
    /// verified-token cache, so a token seen before is not copied.
    pub fn validate_access_token(&self, token: &str) -> Result<Arc<AccessClaims>, AuthError> {
        self.inner
            .jwt
            .validate_at(token, self.inner.clock.unix_seconds())
    }

    /// Authenticates without waiting when no I/O is needed, which is the steady state:
    /// validates the token and checks it against the in-memory revocation view. `None` when
    /// I/O is needed first (the view was never read, or [`SessionCheck::Store`] is on): then
    /// call [`authenticate`](Self::authenticate). Lets adapters answer on the spot.
    pub fn authenticate_now(&self, token: &str) -> Option<Result<Principal, AuthError>> {
        if let SessionCheck::Store { .. } = self.inner.config.session_check {
            return None;
        }
        match self.validate_access_token(token) {
            Ok(claims) => self.judge(claims),
            Err(err) => Some(Err(err)),
        }
    }

    /// Authenticates a bearer token: validates it, checks it against the revocation view (a
    /// revoked session is `invalid_access_token`; a changed role is the caller's
    /// [`role`](Principal::role) at once) and, under [`SessionCheck::Store`], checks its session
    /// in the store (cached briefly in-process).
    pub async fn authenticate(&self, token: &str) -> Result<Principal, AuthError> {
        let claims = self.validate_access_token(token)?;
        if let SessionCheck::Store { cache_ttl } = self.inner.config.session_check {
            let now = self.now();
            let cached = self.cached_session(claims.sid, now, cache_ttl);
            let live = match cached {
                Some(live) => live,
                None => {
                    let live = self
                        .inner
                        .store
                        .session(claims.sid)
                        .await?
                        .is_some_and(|s| s.user_id == claims.sub && s.is_active(now));
                    self.cache_session(claims.sid, live, now);
                    live
                }
            };
            if !live {
                return Err(AuthError::InvalidAccessToken("session revoked or expired"));
            }
        }
        if let Some(verdict) = self.judge(Arc::clone(&claims)) {
            return verdict;
        }
        // The view was never read: read it before the first answer.
        self.sync_revocations()
            .await
            .map_err(|_| self.stale_error())?;
        self.judge(claims)
            .unwrap_or_else(|| Err(self.stale_error()))
    }

    /// What the revocation view says of validated claims; `None` when it was never read.
    fn judge(&self, claims: Arc<AccessClaims>) -> Option<Result<Principal, AuthError>> {
        let Some(revocations) = &self.inner.revocations else {
            return Some(Ok(Principal::from(claims)));
        };
        self.start_feed(revocations);
        match revocations.check(&claims) {
            Verdict::Live(role) => Some(Ok(Principal::with_role(claims, role))),
            Verdict::Revoked => Some(Err(AuthError::InvalidAccessToken("session revoked"))),
            Verdict::Stale => Some(Err(self.stale_error())),
            Verdict::Unsynced => None,
        }
    }

    fn cached_session(
        &self,
        id: SessionId,
        now: OffsetDateTime,
        ttl: time::Duration,
    ) -> Option<bool> {
        let cache = self
            .inner
            .session_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        cache
            .get(&id)
            .filter(|(_, checked_at)| now - *checked_at < ttl)
            .map(|(live, _)| *live)
    }

    fn cache_session(&self, id: SessionId, live: bool, now: OffsetDateTime) {
        let mut cache = self
            .inner
            .session_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if cache.len() >= SESSION_CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(id, (live, now));
    }

    /// Drops every cached session liveness answer (after a change that revoked many sessions).
    pub(super) fn clear_session_cache(&self) {
        self.inner
            .session_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn forget_session(&self, id: SessionId) {
        self.inner
            .session_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// Revokes the caller's current session (`POST /auth/logout`).
    pub async fn logout(&self, claims: &AccessClaims) -> Result<(), AuthError> {
        let now = self.now();
        let revoked = self
            .inner
            .store
            .revoke_session(claims.sub, claims.sid, now)
            .await?;
        self.forget_session(claims.sid);
        if revoked {
            self.revoked(Some(claims.sid)).await;
            self.emit(
                self.event(EventKind::SessionRevoked)
                    .user(claims.sub)
                    .session(claims.sid)
                    .detail("reason=logout"),
            )
            .await;
        }
        Ok(())
    }

    /// Revokes every session of the caller (`POST /auth/logout-all`).
    pub async fn logout_all(&self, claims: &AccessClaims) -> Result<(), AuthError> {
        let revoked = self
            .inner
            .store
            .revoke_sessions(claims.sub, SessionRevocation::All, self.now())
            .await?;
        self.clear_session_cache();
        self.revoked(None).await;
        self.emit(
            self.event(EventKind::SessionRevoked)
                .user(claims.sub)
                .detail(format!("reason=logout_all count={revoked}")),
        )
        .await;
        Ok(())
    }

    /// The caller's live sessions, newest first, the current one marked.
    pub async fn sessions(&self, claims: &AccessClaims) -> Result<Vec<SessionView>, AuthError> {
        let sessions = self
            .inner
            .store
            .list_sessions(claims.sub, self.now())
            .await?;
        Ok(sessions
            .iter()
            .map(|s| SessionView::new(s, claims.sid))
            .collect())
    }

    /// Revokes one of the caller's sessions; another user's session is `not_found`, exactly like
    /// a session that does not exist.
    pub async fn revoke_own_session(
        &self,
        claims: &AccessClaims,
        id: SessionId,
    ) -> Result<(), AuthError> {
        let revoked = self
            .inner
            .store
            .revoke_session(claims.sub, id, self.now())
            .await?;
        if !revoked {
            return Err(AuthError::NotFound);
        }
        self.forget_session(id);
        self.revoked(Some(id)).await;
        self.emit(
            self.event(EventKind::SessionRevoked)
                .user(claims.sub)
                .session(id)
                .detail("reason=revoked_by_owner"),
        )
        .await;
        Ok(())
    }
}
