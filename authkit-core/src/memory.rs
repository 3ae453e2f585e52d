//! An in-memory [`Store`]: the reference implementation of the storage contracts, for tests
//! and prototypes. Everything lives behind one mutex, so every method is atomic and every
//! "exactly one winner" promise holds trivially. Data is lost when the process exits. It keeps
//! no audit trail: events go to the [`EventSink`](crate::events::EventSink) alone.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use crate::model::{Identity, IdentityId, PasswordHash, Role, Session, SessionId, User, UserId};
use crate::store::{
    CeremonyPurpose, CredentialChange, IdentityStore, LoginFailures, OAuthFlow, OneTimeToken,
    OneTimeTokenStore, PasskeyCeremony, PasskeyStore, PruneStore, PruneTarget, RefreshFamily,
    RevocationRecord, RevocationStore, Revoked, Rotation, SecondFactorStore, SessionRevocation,
    SessionStore, Store, StoreError, StoredPasskey, ThrottleStore, TotpCredential, UniqueField,
    Unlink, UserQuery, UserStore, UserUpdate,
};
use crate::token::{RefreshKey, RefreshSelector, TokenHash};

#[derive(Default)]
struct State {
    users: HashMap<UserId, User>,
    sessions: HashMap<SessionId, Session>,
    refresh: HashMap<RefreshSelector, RefreshState>,
    one_time_tokens: HashMap<TokenHash, StoredOneTimeToken>,
    login_failures: HashMap<String, LoginFailures>,
    revocations: Vec<RevocationRecord>,
    last_seq: i64,
    totp: HashMap<UserId, TotpCredential>,
    /// Each user's recovery codes: digest and when it was used.
    recovery_codes: HashMap<UserId, Vec<(TokenHash, Option<OffsetDateTime>)>>,
    /// Identities at other providers, in the order they were linked.
    identities: Vec<Identity>,
    /// Started provider flows, by state hash.
    oauth_flows: HashMap<TokenHash, OAuthFlow>,
    /// Every passkey, in registration order.
    passkeys: Vec<StoredPasskey>,
    passkey_ceremonies: HashMap<TokenHash, PasskeyCeremony>,
}

/// A session's refresh tokens, as SQL stores keep them in its row.
struct RefreshState {
    session_id: SessionId,
    current: TokenHash,
    previous: Option<TokenHash>,
    displaced: Option<TokenHash>,
    rotated_at: Option<OffsetDateTime>,
}

struct StoredOneTimeToken {
    token: OneTimeToken,
    consumed_at: Option<OffsetDateTime>,
}

impl State {
    fn unique_conflict(
        &self,
        except: Option<UserId>,
        email: Option<&str>,
        username: Option<&str>,
    ) -> Option<UniqueField> {
        let others = self.users.values().filter(|u| Some(u.id) != except);
        for other in others {
            if email.is_some_and(|e| e == other.email_canonical) {
                return Some(UniqueField::Email);
            }
            if username.is_some() && username == other.username_canonical.as_deref() {
                return Some(UniqueField::Username);
            }
        }
        None
    }

    fn linked(&self, provider: &str, subject: &str) -> bool {
        self.identities
            .iter()
            .any(|i| i.provider == provider && i.subject == subject)
    }

    fn revoke(&mut self, user_id: UserId, which: SessionRevocation, now: OffsetDateTime) -> u64 {
        let keep = match which {
            SessionRevocation::None => return 0,
            SessionRevocation::All => None,
            SessionRevocation::AllExcept(id) => Some(id),
        };
        let ids: Vec<SessionId> = self
            .sessions
            .values()
            .filter(|s| s.user_id == user_id && s.revoked_at.is_none() && Some(s.id) != keep)
            .map(|s| s.id)
            .collect();
        for id in &ids {
            self.revoke_one(user_id, *id, now);
        }
        ids.len() as u64
    }

    /// Revokes one unrevoked session of `user_id` and records it; `false` when there is none.
    fn revoke_one(&mut self, user_id: UserId, id: SessionId, now: OffsetDateTime) -> bool {
        match self.sessions.get_mut(&id) {
            Some(s) if s.user_id == user_id && s.revoked_at.is_none() => {
                s.revoked_at = Some(now);
                self.record(user_id, Revoked::Session(id), now);
                true
            }
            _ => false,
        }
    }

    fn record(&mut self, user_id: UserId, what: Revoked, at: OffsetDateTime) {
        self.last_seq += 1;
        self.revocations.push(RevocationRecord {
            seq: self.last_seq,
            user_id,
            what,
            at,
        });
    }
}

/// The in-memory store. Cheap to create; share it behind an `Arc`.
///
/// ```
/// use std::sync::Arc;
/// use authkit_core::memory::MemoryStore;
/// use authkit_core::store::Store;
///
/// let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
/// ```
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryStore")
            .field("users", &state.users.len())
            .field("sessions", &state.sessions.len())
            .finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied change: every method
        // validates before it mutates. So a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let mut state = self.lock();
        if let Some(field) = state.unique_conflict(
            None,
            Some(&user.email_canonical),
            user.username_canonical.as_deref(),
        ) {
            return Err(StoreError::Conflict(field));
        }
        state.users.insert(user.id, user.clone());
        Ok(())
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(self.lock().users.get(&id).cloned())
    }

    async fn user_by_email(&self, email_canonical: &str) -> Result<Option<User>, StoreError> {
        let state = self.lock();
        Ok(state
            .users
            .values()
            .find(|u| u.email_canonical == email_canonical)
            .cloned())
    }

    async fn user_by_username(&self, username_canonical: &str) -> Result<Option<User>, StoreError> {
        let state = self.lock();
        Ok(state
            .users
            .values()
            .find(|u| u.username_canonical.as_deref() == Some(username_canonical))
            .cloned())
    }

    async fn update_user(
        &self,
        id: UserId,
        update: &UserUpdate,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&id) {
            return Ok(None);
        }
        if let Some(Some((_, canonical))) = &update.username
            && let Some(field) = state.unique_conflict(Some(id), None, Some(canonical))
        {
            return Err(StoreError::Conflict(field));
        }
        if update.revoke_sessions {
            state.revoke(id, SessionRevocation::All, now);
        }
        let user = state.users.get_mut(&id).expect("checked above");
        if let Some(username) = &update.username {
            user.username = username.as_ref().map(|(given, _)| given.clone());
            user.username_canonical = username.as_ref().map(|(_, canonical)| canonical.clone());
        }
        if let Some(role) = &update.role {
            user.role = role.clone();
        }
        if let Some(status) = update.status {
            user.status = status;
        }
        user.updated_at = now;
        let user = user.clone();
        if let Some(role) = &update.role {
            state.record(id, Revoked::Role(role.clone()), now);
        }
        Ok(Some(user))
    }

    async fn set_password_hash(
        &self,
        id: UserId,
        hash: &PasswordHash,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if let Some(user) = self.lock().users.get_mut(&id) {
            user.password_hash = hash.clone();
            user.updated_at = now;
        }
        Ok(())
    }

    async fn apply_credential_change(
        &self,
        change: &CredentialChange,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&change.user_id) {
            return Ok(None);
        }
        if let Some((hash, purpose)) = &change.consume {
            let consumable = state.one_time_tokens.get(hash).is_some_and(|t| {
                t.consumed_at.is_none()
                    && t.token.purpose == *purpose
                    && t.token.user_id == change.user_id
                    && now < t.token.expires_at
            });
            if !consumable {
                return Ok(None);
            }
        }
        if let Some((_, canonical)) = &change.email
            && let Some(field) = state.unique_conflict(Some(change.user_id), Some(canonical), None)
        {
            return Err(StoreError::Conflict(field));
        }
        // Every check passed: apply all of it.
        if let Some((hash, _)) = &change.consume {
            state
                .one_time_tokens
                .get_mut(hash)
                .expect("checked above")
                .consumed_at = Some(now);
        }
        if change.void_one_time_tokens {
            state
                .one_time_tokens
                .retain(|_, t| t.token.user_id != change.user_id || t.consumed_at.is_some());
        }
        state.revoke(change.user_id, change.revoke_sessions, now);
        let user = state.users.get_mut(&change.user_id).expect("checked above");
        if let Some(hash) = &change.password_hash {
            user.password_hash = hash.clone();
        }
        if let Some((given, canonical)) = &change.email {
            user.email = given.clone();
            user.email_canonical = canonical.clone();
        }
        if change.mark_email_verified {
            user.email_verified = true;
        }
        user.updated_at = now;
        Ok(Some(user.clone()))
    }

    async fn delete_user(&self, id: UserId, now: OffsetDateTime) -> Result<bool, StoreError> {
        let mut state = self.lock();
        if state.users.remove(&id).is_none() {
            return Ok(false);
        }
        state.record(id, Revoked::Account, now);
        state.sessions.retain(|_, s| s.user_id != id);
        let State {
            sessions, refresh, ..
        } = &mut *state;
        refresh.retain(|_, r| sessions.contains_key(&r.session_id));
        state.one_time_tokens.retain(|_, t| t.token.user_id != id);
        state.totp.remove(&id);
        state.recovery_codes.remove(&id);
        state.identities.retain(|identity| identity.user_id != id);
        state.passkeys.retain(|p| p.user_id != id);
        state
            .passkey_ceremonies
            .retain(|_, c| c.user_id != Some(id));
        Ok(true)
    }

    async fn list_users(&self, query: &UserQuery) -> Result<Vec<User>, StoreError> {
        let state = self.lock();
        let mut users: Vec<&User> = state
            .users
            .values()
            .filter(|u| query.after.is_none_or(|after| u.id > after))
            .filter(|u| query.role.as_ref().is_none_or(|r| &u.role == r))
            .filter(|u| query.status.is_none_or(|s| u.status == s))
            .filter(|u| {
                query.search.as_deref().is_none_or(|q| {
                    u.email_canonical.contains(q)
                        || u.username_canonical
                            .as_deref()
                            .is_some_and(|n| n.contains(q))
                })
            })
            .collect();
        users.sort_by_key(|u| u.id);
        Ok(users
            .into_iter()
            .take(query.limit as usize)
            .cloned()
            .collect())
    }

    async fn any_user_with_role(&self, role: &Role) -> Result<bool, StoreError> {
        Ok(self.lock().users.values().any(|u| &u.role == role))
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create_session(
        &self,
        session: &Session,
        refresh: &RefreshKey,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.refresh.contains_key(&refresh.selector) {
            return Err(StoreError::Backend("duplicate refresh selector".into()));
        }
        state.sessions.insert(session.id, session.clone());
        state.refresh.insert(
            refresh.selector,
            RefreshState {
                session_id: session.id,
                current: refresh.hash,
                previous: None,
                displaced: None,
                rotated_at: None,
            },
        );
        Ok(())
    }

    async fn rotate_refresh_token(
        &self,
        rotation: &Rotation,
    ) -> Result<Option<Session>, StoreError> {
        let mut state = self.lock();
        let State {
            sessions, refresh, ..
        } = &mut *state;
        let Some(family) = refresh
            .get_mut(&rotation.selector)
            .filter(|f| f.current == rotation.old)
        else {
            return Ok(None);
        };
        let Some(session) = sessions
            .get_mut(&family.session_id)
            .filter(|s| s.is_active(rotation.now))
        else {
            return Ok(None);
        };
        family.previous = Some(family.current);
        family.displaced = None;
        family.current = rotation.new;
        family.rotated_at = Some(rotation.now);
        session.last_used_at = rotation.now;
        session.idle_expires_at = rotation.idle_expires_at;
        Ok(Some(session.clone()))
    }

    async fn refresh_family(
        &self,
        selector: &RefreshSelector,
    ) -> Result<Option<RefreshFamily>, StoreError> {
        let state = self.lock();
        Ok(state.refresh.get(selector).and_then(|f| {
            state.sessions.get(&f.session_id).map(|s| RefreshFamily {
                session: s.clone(),
                current: f.current,
                previous: f.previous,
                displaced: f.displaced,
                rotated_at: f.rotated_at,
            })
        }))
    }

    async fn reissue_refresh_token(
        &self,
        selector: &RefreshSelector,
        presented: &TokenHash,
        new: &TokenHash,
        now: OffsetDateTime,
        idle_expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let State {
            sessions, refresh, ..
        } = &mut *state;
        let Some(family) = refresh
            .get_mut(selector)
            .filter(|f| [f.previous, f.displaced].contains(&Some(*presented)))
        else {
            return Ok(false);
        };
        let Some(session) = sessions
            .get_mut(&family.session_id)
            .filter(|s| s.is_active(now))
        else {
            return Ok(false);
        };
        family.displaced = Some(family.current);
        family.current = *new;
        session.last_used_at = now;
        session.idle_expires_at = idle_expires_at;
        Ok(true)
    }

    async fn session(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        Ok(self.lock().sessions.get(&id).cloned())
    }

    async fn list_sessions(
        &self,
        user_id: UserId,
        now: OffsetDateTime,
    ) -> Result<Vec<Session>, StoreError> {
        let state = self.lock();
        let mut sessions: Vec<Session> = state
            .sessions
            .values()
            .filter(|s| s.user_id == user_id && s.is_active(now))
            .cloned()
            .collect();
        sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(sessions)
    }

    async fn revoke_session(
        &self,
        user_id: UserId,
        id: SessionId,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        Ok(self.lock().revoke_one(user_id, id, now))
    }

    async fn revoke_sessions(
        &self,
        user_id: UserId,
        revocation: SessionRevocation,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        Ok(self.lock().revoke(user_id, revocation, now))
    }
}

#[async_trait]
impl RevocationStore for MemoryStore {
    async fn revocations_since(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<RevocationRecord>, StoreError> {
        let state = self.lock();
        // Records are pushed in `seq` order, so the ones after `after` are a suffix.
        let start = state.revocations.partition_point(|r| r.seq <= after);
        Ok(state.revocations[start..]
            .iter()
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn prune_revocations(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let len = state.revocations.len();
        state.revocations.retain(|r| r.at >= before);
        Ok((len - state.revocations.len()) as u64)
    }
}

#[async_trait]
impl OneTimeTokenStore for MemoryStore {
    async fn issue_one_time_token(
        &self,
        token: &OneTimeToken,
        void_previous: bool,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        if void_previous {
            state.one_time_tokens.retain(|_, t| {
                t.token.user_id != token.user_id
                    || t.token.purpose != token.purpose
                    || t.consumed_at.is_some()
            });
        }
        state.one_time_tokens.insert(
            token.hash,
            StoredOneTimeToken {
                token: token.clone(),
                consumed_at: None,
            },
        );
        Ok(())
    }

    async fn find_one_time_token(
        &self,
        hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<OneTimeToken>, StoreError> {
        let state = self.lock();
        Ok(state
            .one_time_tokens
            .get(hash)
            .filter(|t| t.consumed_at.is_none() && now < t.token.expires_at)
            .map(|t| t.token.clone()))
    }
}

#[async_trait]
impl ThrottleStore for MemoryStore {
    async fn record_login_failure(
        &self,
        key: &str,
        now: OffsetDateTime,
        reset_after: Duration,
    ) -> Result<u32, StoreError> {
        let mut state = self.lock();
        let entry = state
            .login_failures
            .entry(key.to_owned())
            .or_insert(LoginFailures {
                count: 0,
                last_failure_at: now,
            });
        if now - entry.last_failure_at > reset_after {
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        entry.last_failure_at = now;
        Ok(entry.count)
    }

    async fn login_failures(&self, key: &str) -> Result<Option<LoginFailures>, StoreError> {
        Ok(self.lock().login_failures.get(key).copied())
    }

    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        self.lock().login_failures.remove(key);
        Ok(())
    }
}

#[async_trait]
impl PruneStore for MemoryStore {
    async fn prune(
        &self,
        target: PruneTarget,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let limit = limit as usize;
        let mut state = self.lock();
        let deleted = match target {
            PruneTarget::Sessions => {
                let dead: Vec<SessionId> = state
                    .sessions
                    .values()
                    .filter(|s| {
                        s.revoked_at.is_some_and(|at| at < before)
                            || s.idle_expires_at < before
                            || s.expires_at < before
                    })
                    .map(|s| s.id)
                    .take(limit)
                    .collect();
                for id in &dead {
                    state.sessions.remove(id);
                }
                let State {
                    sessions, refresh, ..
                } = &mut *state;
                refresh.retain(|_, r| sessions.contains_key(&r.session_id));
                dead.len()
            }
            PruneTarget::OneTimeTokens => {
                let dead: Vec<TokenHash> = state
                    .one_time_tokens
                    .iter()
                    .filter(|(_, t)| {
                        t.token.expires_at < before || t.consumed_at.is_some_and(|at| at < before)
                    })
                    .map(|(hash, _)| *hash)
                    .take(limit)
                    .collect();
                for hash in &dead {
                    state.one_time_tokens.remove(hash);
                }
                dead.len()
            }
            PruneTarget::LoginFailures => {
                let dead: Vec<String> = state
                    .login_failures
                    .iter()
                    .filter(|(_, f)| f.last_failure_at < before)
                    .map(|(key, _)| key.clone())
                    .take(limit)
                    .collect();
                for key in &dead {
                    state.login_failures.remove(key);
                }
                dead.len()
            }
            PruneTarget::Events => 0,
        };
        Ok(deleted as u64)
    }
}

#[async_trait]
impl SecondFactorStore for MemoryStore {
    async fn totp(&self, user_id: UserId) -> Result<Option<TotpCredential>, StoreError> {
        Ok(self.lock().totp.get(&user_id).cloned())
    }

    async fn begin_totp(&self, credential: &TotpCredential) -> Result<bool, StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&credential.user_id) {
            return Err(StoreError::Backend("no such user".into()));
        }
        match state.totp.get(&credential.user_id) {
            Some(existing) if existing.confirmed_at.is_some() => Ok(false),
            _ => {
                let pending = TotpCredential {
                    confirmed_at: None,
                    last_used_step: None,
                    ..credential.clone()
                };
                state.totp.insert(credential.user_id, pending);
                Ok(true)
            }
        }
    }

    async fn confirm_totp(
        &self,
        user_id: UserId,
        sealed_secret: &[u8],
        step: i64,
        recovery_codes: &[TokenHash],
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        match state.totp.get_mut(&user_id) {
            Some(pending)
                if pending.confirmed_at.is_none() && pending.sealed_secret == sealed_secret =>
            {
                pending.confirmed_at = Some(now);
                pending.last_used_step = Some(step);
            }
            _ => return Ok(false),
        }
        let codes = recovery_codes.iter().map(|code| (*code, None)).collect();
        state.recovery_codes.insert(user_id, codes);
        Ok(true)
    }

    async fn use_totp_step(&self, user_id: UserId, step: i64) -> Result<bool, StoreError> {
        match self.lock().totp.get_mut(&user_id) {
            Some(credential)
                if credential.confirmed_at.is_some()
                    && credential.last_used_step.is_none_or(|last| last < step) =>
            {
                credential.last_used_step = Some(step);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn replace_recovery_codes(
        &self,
        user_id: UserId,
        codes: &[TokenHash],
        _now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&user_id) {
            // As the SQL stores' foreign key refuses it.
            return Err(StoreError::Backend("no such user".into()));
        }
        let codes = codes.iter().map(|code| (*code, None)).collect();
        state.recovery_codes.insert(user_id, codes);
        Ok(())
    }

    async fn use_recovery_code(
        &self,
        user_id: UserId,
        code: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let unused = state.recovery_codes.get_mut(&user_id).and_then(|codes| {
            codes
                .iter_mut()
                .find(|(hash, used)| hash == code && used.is_none())
        });
        Ok(match unused {
            Some((_, used)) => {
                *used = Some(now);
                true
            }
            None => false,
        })
    }

    async fn recovery_codes_left(&self, user_id: UserId) -> Result<u32, StoreError> {
        let state = self.lock();
        let left = state.recovery_codes.get(&user_id).map_or(0, |codes| {
            codes.iter().filter(|(_, used)| used.is_none()).count()
        });
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }

    async fn remove_second_factors(&self, user_id: UserId) -> Result<bool, StoreError> {
        let mut state = self.lock();
        state.recovery_codes.remove(&user_id);
        Ok(state
            .totp
            .remove(&user_id)
            .is_some_and(|credential| credential.confirmed_at.is_some()))
    }
}

#[async_trait]
impl IdentityStore for MemoryStore {
    async fn link_identity(&self, identity: &Identity) -> Result<bool, StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&identity.user_id) {
            return Err(StoreError::Backend("no such user".into()));
        }
        if state.linked(&identity.provider, &identity.subject) {
            return Ok(false);
        }
        state.identities.push(identity.clone());
        Ok(true)
    }

    async fn create_user_with_identity(
        &self,
        user: &User,
        identity: &Identity,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        if let Some(field) = state.unique_conflict(
            None,
            Some(&user.email_canonical),
            user.username_canonical.as_deref(),
        ) {
            return Err(StoreError::Conflict(field));
        }
        if state.linked(&identity.provider, &identity.subject) {
            return Ok(false);
        }
        state.users.insert(user.id, user.clone());
        state.identities.push(identity.clone());
        Ok(true)
    }

    async fn identity_by_subject(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<Identity>, StoreError> {
        Ok(self
            .lock()
            .identities
            .iter()
            .find(|i| i.provider == provider && i.subject == subject)
            .cloned())
    }

    async fn identities(&self, user_id: UserId) -> Result<Vec<Identity>, StoreError> {
        let state = self.lock();
        let mut mine: Vec<Identity> = state
            .identities
            .iter()
            .filter(|i| i.user_id == user_id)
            .cloned()
            .collect();
        mine.sort_by_key(|i| (i.created_at, i.id));
        Ok(mine)
    }

    async fn unlink_identity(&self, user_id: UserId, id: IdentityId) -> Result<Unlink, StoreError> {
        let mut state = self.lock();
        let Some(at) = state
            .identities
            .iter()
            .position(|i| i.id == id && i.user_id == user_id)
        else {
            return Ok(Unlink::NotFound);
        };
        let has_password = state
            .users
            .get(&user_id)
            .is_some_and(|u| u.password_hash.is_usable());
        let others = state
            .identities
            .iter()
            .filter(|i| i.user_id == user_id && i.id != id)
            .count();
        if !has_password && others == 0 {
            return Ok(Unlink::LastSignInMethod);
        }
        state.identities.remove(at);
        Ok(Unlink::Removed)
    }

    async fn begin_oauth_flow(&self, flow: &OAuthFlow) -> Result<(), StoreError> {
        let mut state = self.lock();
        state
            .oauth_flows
            .retain(|_, f| f.expires_at >= flow.created_at);
        state.oauth_flows.insert(flow.state, flow.clone());
        Ok(())
    }

    async fn take_oauth_flow(
        &self,
        state_hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<OAuthFlow>, StoreError> {
        let mut state = self.lock();
        Ok(state
            .oauth_flows
            .remove(state_hash)
            .filter(|flow| now < flow.expires_at))
    }
}

#[async_trait]
impl PasskeyStore for MemoryStore {
    async fn add_passkey(&self, passkey: &StoredPasskey) -> Result<(), StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&passkey.user_id) {
            return Err(StoreError::Backend("no such user".into()));
        }
        if state
            .passkeys
            .iter()
            .any(|p| p.credential_id == passkey.credential_id)
        {
            return Err(StoreError::Conflict(UniqueField::PasskeyCredential));
        }
        state.passkeys.push(passkey.clone());
        Ok(())
    }

    async fn passkeys(&self, user_id: UserId) -> Result<Vec<StoredPasskey>, StoreError> {
        let state = self.lock();
        let mut passkeys: Vec<StoredPasskey> = state
            .passkeys
            .iter()
            .filter(|p| p.user_id == user_id)
            .cloned()
            .collect();
        passkeys.sort_by_key(|p| (p.created_at, p.id));
        Ok(passkeys)
    }

    async fn passkey_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<StoredPasskey>, StoreError> {
        let state = self.lock();
        Ok(state
            .passkeys
            .iter()
            .find(|p| p.credential_id == credential_id)
            .cloned())
    }

    async fn rename_passkey(
        &self,
        user_id: UserId,
        id: uuid::Uuid,
        name: &str,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        match state
            .passkeys
            .iter_mut()
            .find(|p| p.id == id && p.user_id == user_id)
        {
            Some(passkey) => {
                name.clone_into(&mut passkey.name);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn delete_passkey(&self, user_id: UserId, id: uuid::Uuid) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let before = state.passkeys.len();
        state
            .passkeys
            .retain(|p| !(p.id == id && p.user_id == user_id));
        Ok(state.passkeys.len() < before)
    }

    async fn use_passkey(
        &self,
        user_id: UserId,
        id: uuid::Uuid,
        sign_count: u32,
        credential: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let passkey = state.passkeys.iter_mut().find(|p| {
            p.id == id
                && p.user_id == user_id
                && (p.sign_count < sign_count || (p.sign_count == 0 && sign_count == 0))
        });
        Ok(match passkey {
            Some(passkey) => {
                passkey.sign_count = sign_count;
                credential.clone_into(&mut passkey.credential);
                passkey.last_used_at = Some(now);
                true
            }
            None => false,
        })
    }

    async fn remove_passkeys(&self, user_id: UserId) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let before = state.passkeys.len();
        state.passkeys.retain(|p| p.user_id != user_id);
        Ok((before - state.passkeys.len()) as u64)
    }

    async fn issue_passkey_ceremony(&self, ceremony: &PasskeyCeremony) -> Result<(), StoreError> {
        let mut state = self.lock();
        state
            .passkey_ceremonies
            .retain(|_, c| c.expires_at >= ceremony.created_at);
        state
            .passkey_ceremonies
            .insert(ceremony.hash, ceremony.clone());
        Ok(())
    }

    async fn take_passkey_ceremony(
        &self,
        hash: &TokenHash,
        purpose: CeremonyPurpose,
        now: OffsetDateTime,
    ) -> Result<Option<PasskeyCeremony>, StoreError> {
        let mut state = self.lock();
        let takeable = state
            .passkey_ceremonies
            .get(hash)
            .is_some_and(|c| c.purpose == purpose && now < c.expires_at);
        Ok(takeable
            .then(|| state.passkey_ceremonies.remove(hash))
            .flatten())
    }
}

#[async_trait]
impl Store for MemoryStore {}
