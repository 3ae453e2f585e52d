//! The storage traits: what a backend must do, and the atomicity each method promises.
//!
//! Flows reach storage only through these traits. A backend implements [`UserStore`],
//! [`SessionStore`], [`OneTimeTokenStore`], [`ThrottleStore`], [`RevocationStore`],
//! [`PruneStore`], [`SecondFactorStore`], [`PasskeyStore`] and [`IdentityStore`], then
//! [`Store`] to tie them together. Every "exactly one winner" promise below must hold across processes sharing one
//! database: implement it as one conditional `UPDATE`/`DELETE` checked by its affected row count,
//! never as a read followed by a write.
//!
//! [`MemoryStore`](crate::memory::MemoryStore) is the reference implementation; the storage
//! conformance suite (the `authkit-store-conformance` crate) runs the same cases against it and
//! every backend, and against yours if you write one.

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::{
    Identity, IdentityId, PasswordHash, Role, Session, SessionId, User, UserId, UserStatus,
};
use crate::token::{RefreshKey, RefreshSelector, TokenHash};

/// Which unique field a write collided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    /// The canonical e-mail address.
    Email,
    /// The canonical username.
    Username,
    /// A passkey's credential id: it is registered already (to this account or another).
    PasskeyCredential,
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A unique constraint rejected the write.
    #[error("unique constraint violated on {0:?}")]
    Conflict(UniqueField),
    /// The backend cannot be reached or is saturated (pool timeout): retry later (503).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Any other backend failure. The message is for logs, never for clients.
    #[error("storage failure: {0}")]
    Backend(String),
}

/// Which sessions a credential change revokes, in the same transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionRevocation {
    /// None.
    #[default]
    None,
    /// Every session of the user (password reset, account disabled).
    All,
    /// Every session but this one (password change from a signed-in session).
    AllExcept(SessionId),
}

/// What a one-time token is for. A token of one purpose is never accepted for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// Proves control of the account's address.
    VerifyEmail,
    /// Allows setting a new password.
    PasswordReset,
    /// Proves control of a new address and switches the account to it.
    ChangeEmail,
    /// A sign-in whose password was right and whose second factor is still owed: the challenge
    /// the second step presents. Consumed when that step succeeds.
    MfaChallenge,
    /// A sign-in code or link mailed to a verified address.
    EmailSignIn,
}

impl TokenPurpose {
    /// The purpose as stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::PasswordReset => "password_reset",
            Self::ChangeEmail => "change_email",
            Self::MfaChallenge => "mfa_challenge",
            Self::EmailSignIn => "email_sign_in",
        }
    }

    /// Parses a stored purpose.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "verify_email" => Some(Self::VerifyEmail),
            "password_reset" => Some(Self::PasswordReset),
            "change_email" => Some(Self::ChangeEmail),
            "mfa_challenge" => Some(Self::MfaChallenge),
            "email_sign_in" => Some(Self::EmailSignIn),
            _ => None,
        }
    }
}

/// A stored one-time token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeToken {
    /// SHA-256 of the token text.
    pub hash: TokenHash,
    /// The account it acts on.
    pub user_id: UserId,
    /// What it may be used for.
    pub purpose: TokenPurpose,
    /// For [`TokenPurpose::ChangeEmail`]: the new address, as given.
    pub new_email: Option<String>,
    /// When it was issued.
    pub created_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// A change to a user's credentials, applied in one transaction: all of it or none of it.
#[derive(Debug, Clone, Default)]
pub struct CredentialChange {
    /// The account.
    pub user_id: UserId,
    /// Consume this token first; without a consumable token (unknown, expired, consumed, of
    /// another purpose or user) nothing is changed.
    pub consume: Option<(TokenHash, TokenPurpose)>,
    /// The new password hash.
    pub password_hash: Option<PasswordHash>,
    /// The new e-mail address: (as given, canonical). Collides as [`UniqueField::Email`].
    pub email: Option<(String, String)>,
    /// Mark the address verified.
    pub mark_email_verified: bool,
    /// Sessions to revoke.
    pub revoke_sessions: SessionRevocation,
    /// Delete every outstanding one-time token of the user.
    pub void_one_time_tokens: bool,
}

/// A change to a user's profile or standing.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// New username: `Some(None)` clears it. (as given, canonical)
    pub username: Option<Option<(String, String)>>,
    /// New role.
    pub role: Option<Role>,
    /// New status.
    pub status: Option<UserStatus>,
    /// Revoke every session of the user in the same transaction (used when disabling).
    pub revoke_sessions: bool,
}

/// A page request for the admin user list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    /// At most this many users.
    pub limit: u32,
    /// Only users whose id sorts after this one (the cursor).
    pub after: Option<UserId>,
    /// Only users with this role.
    pub role: Option<Role>,
    /// Only users with this status.
    pub status: Option<UserStatus>,
    /// Only users whose canonical e-mail or username contains this lower-case text
    /// (matched literally: `%` and `_` are not wildcards).
    pub search: Option<String>,
}

/// A rotation request: in the session named by `selector`, swap `old` for `new` in one step.
#[derive(Debug, Clone, Copy)]
pub struct Rotation {
    /// The presented token's selector (its session's).
    pub selector: RefreshSelector,
    /// The presented token's hash.
    pub old: TokenHash,
    /// The replacement's hash (a token with the same selector).
    pub new: TokenHash,
    /// The time of the rotation.
    pub now: OffsetDateTime,
    /// The session's new idle expiry.
    pub idle_expires_at: OffsetDateTime,
}

/// A session looked up by its refresh selector, with what it knows of its refresh tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshFamily {
    /// The session.
    pub session: Session,
    /// The hash of its one live refresh token.
    pub current: TokenHash,
    /// The hash of the token the last rotation retired, if there was one.
    pub previous: Option<TokenHash>,
    /// The hash of the token the last grace-window reissue retired, if there was one since
    /// the last rotation.
    pub displaced: Option<TokenHash>,
    /// When the last rotation happened.
    pub rotated_at: Option<OffsetDateTime>,
}

/// Failed-login bookkeeping for one identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    /// Consecutive failures.
    pub count: u32,
    /// When the last one happened.
    pub last_failure_at: OffsetDateTime,
}

/// Users and their credentials.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a user. Fails with [`StoreError::Conflict`] when the canonical e-mail or
    /// username exists: of N concurrent inserts of one canonical address, exactly one succeeds.
    async fn create_user(&self, user: &User) -> Result<(), StoreError>;

    /// The user with this id.
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// The user with this canonical e-mail.
    async fn user_by_email(&self, email_canonical: &str) -> Result<Option<User>, StoreError>;

    /// The user with this canonical username.
    async fn user_by_username(&self, username_canonical: &str) -> Result<Option<User>, StoreError>;

    /// Applies `update` (and the session revocation it asks for) in one transaction and returns
    /// the updated user, or `None` when there is no such user. In the same transaction it
    /// records a [`Revoked::Role`] with the new role when `update.role` is set, and a
    /// [`Revoked::Session`] per session it revokes.
    async fn update_user(
        &self,
        id: UserId,
        update: &UserUpdate,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError>;

    /// Replaces the password hash and nothing else (the transparent rehash after a login).
    async fn set_password_hash(
        &self,
        id: UserId,
        hash: &PasswordHash,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Applies a [`CredentialChange`] in one transaction and returns the updated user; `None`
    /// when the user is gone or the token to consume is not consumable. Of N concurrent changes
    /// consuming one token, exactly one returns `Some`. Every session it revokes is recorded as
    /// a [`RevocationRecord`] in the same transaction.
    async fn apply_credential_change(
        &self,
        change: &CredentialChange,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError>;

    /// Deletes the user with their sessions, refresh tokens, one-time tokens, second factors,
    /// passkeys, passkey ceremonies and identities, recording a
    /// [`Revoked::Account`] record in the same transaction.
    /// `false` when there was no such user.
    async fn delete_user(&self, id: UserId, now: OffsetDateTime) -> Result<bool, StoreError>;

    /// A page of users ordered by id.
    async fn list_users(&self, query: &UserQuery) -> Result<Vec<User>, StoreError>;

    /// Whether any user has this role.
    async fn any_user_with_role(&self, role: &Role) -> Result<bool, StoreError>;
}

/// Sessions (refresh-token families) and their refresh tokens.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Inserts a session with its first refresh token (`refresh.selector` is unique).
    async fn create_session(
        &self,
        session: &Session,
        refresh: &RefreshKey,
    ) -> Result<(), StoreError>;

    /// Rotates atomically: if the session named by `rotation.selector` is active at
    /// `rotation.now` and its current token is `rotation.old`, makes `rotation.new` current and
    /// `rotation.old` previous, clears the displaced token, records `rotation.now` as the rotation time, sets the session's
    /// `last_used_at` and `idle_expires_at`, and returns the updated session. Otherwise changes
    /// nothing and returns `None`. Of N concurrent rotations of one token, exactly one returns
    /// `Some`. SQL stores do this as one update of one row.
    async fn rotate_refresh_token(
        &self,
        rotation: &Rotation,
    ) -> Result<Option<Session>, StoreError>;

    /// The session with this refresh selector (active or not) and its token hashes.
    async fn refresh_family(
        &self,
        selector: &RefreshSelector,
    ) -> Result<Option<RefreshFamily>, StoreError>;

    /// The grace-window branch of a refresh: if the session named by `selector` is active at
    /// `now` and `presented` is its previous or displaced token, makes the current token the displaced one and `new`
    /// the current one, and pushes the idle expiry, in one step; `false` (nothing changed)
    /// otherwise. The previous token and the rotation time stay, so retries do not extend the
    /// window. Afterwards the family has exactly one live token, also when N retries of one
    /// token run at once.
    async fn reissue_refresh_token(
        &self,
        selector: &RefreshSelector,
        presented: &TokenHash,
        new: &TokenHash,
        now: OffsetDateTime,
        idle_expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// The session with this id, active or not.
    async fn session(&self, id: SessionId) -> Result<Option<Session>, StoreError>;

    /// The user's sessions active at `now`, newest first.
    async fn list_sessions(
        &self,
        user_id: UserId,
        now: OffsetDateTime,
    ) -> Result<Vec<Session>, StoreError>;

    /// Revokes one of the user's sessions and records a [`RevocationRecord`] for it, in one
    /// transaction; `false` (nothing recorded) when it is not theirs or already revoked.
    async fn revoke_session(
        &self,
        user_id: UserId,
        id: SessionId,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Revokes the user's sessions (all, or all but one), recording a [`RevocationRecord`] for
    /// each in the same transaction; returns how many were revoked.
    async fn revoke_sessions(
        &self,
        user_id: UserId,
        revocation: SessionRevocation,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;
}

/// One-time tokens.
#[async_trait]
pub trait OneTimeTokenStore: Send + Sync {
    /// Stores a token. With `void_previous`, the user's other unconsumed tokens of the same
    /// purpose are deleted in the same transaction (a new reset request voids older ones).
    async fn issue_one_time_token(
        &self,
        token: &OneTimeToken,
        void_previous: bool,
    ) -> Result<(), StoreError>;

    /// The token with this hash if it is unconsumed and unexpired at `now`. Looking does not
    /// consume: consumption happens in [`UserStore::apply_credential_change`].
    async fn find_one_time_token(
        &self,
        hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<OneTimeToken>, StoreError>;
}

/// Failed-login counters, keyed by an opaque identifier key (the same for known and unknown
/// accounts), shared by every instance using the store.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Counts one failure atomically and returns the new count. A counter whose last failure is
    /// older than `reset_after` restarts at 1. N concurrent calls raise the count by exactly N.
    async fn record_login_failure(
        &self,
        key: &str,
        now: OffsetDateTime,
        reset_after: Duration,
    ) -> Result<u32, StoreError>;

    /// The counter for `key`, if any.
    async fn login_failures(&self, key: &str) -> Result<Option<LoginFailures>, StoreError>;

    /// Forgets the counter (after a successful login).
    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError>;
}

/// What was taken away, as the revoking methods record it: the feed every instance reads to
/// keep its [revocation view](crate::revocation) current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationRecord {
    /// Assigned by the store when the record is written: increasing, unique, possibly with
    /// gaps, and (on a store with concurrent writers) not always committed in order.
    pub seq: i64,
    /// The account concerned.
    pub user_id: UserId,
    /// What was revoked.
    pub what: Revoked,
    /// When it was recorded (the flow's clock).
    pub at: OffsetDateTime,
}

/// What a [`RevocationRecord`] takes away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// Every access token of this session (logout, session revoke, logout-all, password
    /// change or reset, disabling: one record per session).
    Session(SessionId),
    /// Every access token of the account, which was deleted (ids are never reused).
    Account,
    /// The account's role changed to this one; tokens minted before carry the old one.
    Role(Role),
}

/// Notices that revocation records were written, for stores that can push them (PostgreSQL's
/// `LISTEN`/`NOTIFY`).
#[async_trait]
pub trait RevocationListener: Send {
    /// Waits for the next notice. An error means the subscription lost its connection and
    /// notices may have been missed: read the feed, then call again to reconnect.
    async fn notified(&mut self) -> Result<(), StoreError>;
}

/// The revocation feed: the records written by the revoking methods of [`UserStore`] and
/// [`SessionStore`], always in the same transaction as the change they describe.
#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// The records with `seq > after`, in ascending `seq`, at most `limit` of them. A record
    /// committed late by a concurrent writer may carry a `seq` below one already returned;
    /// readers look behind gaps for a while (the revocation view does).
    async fn revocations_since(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<RevocationRecord>, StoreError>;

    /// Deletes the records written before `before`; how many.
    async fn prune_revocations(&self, before: OffsetDateTime) -> Result<u64, StoreError>;

    /// A push subscription to new records, where the backend has one; `None` (the default)
    /// means the feed is read by polling alone.
    async fn listen(&self) -> Result<Option<Box<dyn RevocationListener>>, StoreError> {
        Ok(None)
    }
}

/// A kind of row that ends and can then be deleted by [`PruneStore::prune`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PruneTarget {
    /// Sessions (with the refresh tokens in their row), dead once revoked or past either
    /// expiry (idle or absolute).
    Sessions,
    /// One-time tokens, dead once expired or consumed.
    OneTimeTokens,
    /// Failed-login counters, dead once their last failure is older than the throttle's quiet
    /// period (the caller's cutoff says when that is).
    LoginFailures,
    /// The audit trail (`auth_events` in the SQL stores), "dead" once recorded before the
    /// cutoff. Stores that keep no events delete none.
    Events,
}

impl PruneTarget {
    /// Every target, in the order [`Auth::prune`](crate::Auth::prune) works through them.
    pub const ALL: [Self; 4] = [
        Self::Sessions,
        Self::OneTimeTokens,
        Self::LoginFailures,
        Self::Events,
    ];

    /// The target's name in logs and reports (`sessions`, `one_time_tokens`,
    /// `login_failures`, `events`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sessions => "sessions",
            Self::OneTimeTokens => "one_time_tokens",
            Self::LoginFailures => "login_failures",
            Self::Events => "events",
        }
    }
}

/// Deleting rows that have ended, in bounded batches. [`Auth::prune`](crate::Auth::prune)
/// drives it; an application or a CLI calls that rather than this.
#[async_trait]
pub trait PruneStore: Send + Sync {
    /// Deletes at most `limit` rows of `target` that were dead before `before`, and returns how
    /// many it deleted. A row is dead before `before` when:
    ///
    /// - a session: it was revoked before `before`, or its idle or absolute expiry is before
    ///   `before`;
    /// - a one-time token: it expires before `before`, or was consumed before `before`;
    /// - a failed-login counter: its last failure is before `before`;
    /// - an event: it was recorded before `before` (a store that keeps no events returns 0).
    ///
    /// Nothing else is deleted: with `before` no later than now, a live session or token is
    /// never deleted, however old. Fewer than `limit` deleted means none was left when the call
    /// looked. Safe to call from several instances at once: every dead row is deleted by
    /// exactly one call (their counts add up to the rows deleted), and a call does not wait
    /// for another's batch where the backend can skip it (PostgreSQL's `SKIP LOCKED`).
    async fn prune(
        &self,
        target: PruneTarget,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, StoreError>;
}

/// A user's TOTP authenticator (RFC 6238), as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpCredential {
    /// The account.
    pub user_id: UserId,
    /// The shared secret, sealed by the flows with the configured key (a version byte, the
    /// nonce and the AES-256-GCM ciphertext). Opaque to stores: they keep and compare bytes.
    pub sealed_secret: Vec<u8>,
    /// When the enrolment started.
    pub created_at: OffsetDateTime,
    /// When a first code confirmed it; `None` while the enrolment is pending (it then protects
    /// nothing).
    pub confirmed_at: Option<OffsetDateTime>,
    /// The last time step (Unix time / 30 s) whose code was accepted: no code of this step or
    /// an earlier one is accepted again.
    pub last_used_step: Option<i64>,
}

impl std::fmt::Debug for TotpCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpCredential")
            .field("user_id", &self.user_id)
            .field("sealed_secret", &"[redacted]")
            .field("created_at", &self.created_at)
            .field("confirmed_at", &self.confirmed_at)
            .field("last_used_step", &self.last_used_step)
            .finish()
    }
}

/// Second factors: a TOTP authenticator per user and their single-use recovery codes (stored
/// as SHA-256 digests, like one-time tokens). Deleting a user deletes both.
#[async_trait]
pub trait SecondFactorStore: Send + Sync {
    /// The user's authenticator, confirmed or pending.
    async fn totp(&self, user_id: UserId) -> Result<Option<TotpCredential>, StoreError>;

    /// Stores a pending (unconfirmed) authenticator, replacing a pending one. Returns `false`
    /// and changes nothing when the user has a confirmed one.
    async fn begin_totp(&self, credential: &TotpCredential) -> Result<bool, StoreError>;

    /// Confirms the user's pending authenticator if its sealed secret is `sealed_secret`
    /// (a concurrent re-enrolment did not replace it), records `step` as its last used step,
    /// and replaces the user's recovery codes with `recovery_codes`, in one transaction.
    /// `false` (nothing changed) when there is no such pending authenticator.
    async fn confirm_totp(
        &self,
        user_id: UserId,
        sealed_secret: &[u8],
        step: i64,
        recovery_codes: &[TokenHash],
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Records `step` as used if the user has a confirmed authenticator whose last used step
    /// is below it (or none). Of N concurrent calls with one step, exactly one returns `true`:
    /// one conditional update.
    async fn use_totp_step(&self, user_id: UserId, step: i64) -> Result<bool, StoreError>;

    /// Replaces every recovery code of the user (used or not) with `codes`, in one transaction.
    async fn replace_recovery_codes(
        &self,
        user_id: UserId,
        codes: &[TokenHash],
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Marks the user's unused recovery code with this digest used. Of N concurrent calls
    /// with one code, exactly one returns `true`.
    async fn use_recovery_code(
        &self,
        user_id: UserId,
        code: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// How many of the user's recovery codes are unused.
    async fn recovery_codes_left(&self, user_id: UserId) -> Result<u32, StoreError>;

    /// Deletes the user's authenticator (confirmed or pending) and recovery codes, in one
    /// transaction; whether there was a confirmed authenticator.
    async fn remove_second_factors(&self, user_id: UserId) -> Result<bool, StoreError>;
}

/// A sign-in or link at another provider, started and not yet finished: what the callback
/// needs to finish it. Stored when the flow starts, taken (deleted) once by the callback.
/// `Debug` hides the PKCE verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthFlow {
    /// SHA-256 of the `state` sent to the provider: the record's key.
    pub state: TokenHash,
    /// The provider's configured name.
    pub provider: String,
    /// SHA-256 of the random value in the browser's flow cookie: the callback must come from
    /// the browser that started the flow.
    pub binding: TokenHash,
    /// SHA-256 of the `nonce` sent to the provider, which its ID token must carry back.
    pub nonce: TokenHash,
    /// The PKCE code verifier (RFC 7636), sent with the code to the token endpoint.
    pub pkce_verifier: String,
    /// The redirect URI sent with the authorization request, sent again, exactly, with the
    /// code.
    pub redirect_uri: String,
    /// For a link started by a signed-in user: that user. `None` for a sign-in.
    pub link_user: Option<UserId>,
    /// When the flow started.
    pub created_at: OffsetDateTime,
    /// When it stops being accepted.
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for OAuthFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthFlow")
            .field("provider", &self.provider)
            .field("pkce_verifier", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .field("link_user", &self.link_user)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What [`IdentityStore::unlink_identity`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlink {
    /// The identity was removed.
    Removed,
    /// The user has no identity with this id.
    NotFound,
    /// Nothing was removed: it is the user's last way to sign in (no usable password, no
    /// other identity).
    LastSignInMethod,
}

/// Identities at other providers ([`Identity`]) and the flows that link them
/// ([`OAuthFlow`]). Deleting a user deletes their identities.
#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Links `identity` to its user. `false` (nothing changed) when its (`provider`,
    /// `subject`) is linked already, to this user or another: of N concurrent links of one
    /// (`provider`, `subject`), exactly one returns `true`.
    async fn link_identity(&self, identity: &Identity) -> Result<bool, StoreError>;

    /// Creates `user` with `identity` linked (a first sign-in), in one transaction. Fails
    /// with [`StoreError::Conflict`] as [`UserStore::create_user`] does; `false` (no user
    /// created) when the identity's (`provider`, `subject`) is linked already. Of N concurrent
    /// calls with one (`provider`, `subject`), at most one returns `true`.
    async fn create_user_with_identity(
        &self,
        user: &User,
        identity: &Identity,
    ) -> Result<bool, StoreError>;

    /// The identity with this (`provider`, `subject`).
    async fn identity_by_subject(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<Identity>, StoreError>;

    /// The user's identities, oldest first.
    async fn identities(&self, user_id: UserId) -> Result<Vec<Identity>, StoreError>;

    /// Removes the user's identity `id`, unless it is the user's last way to sign in: the user
    /// has no usable password ([`PasswordHash::is_usable`]) and no other identity. Decided
    /// and done in one transaction that holds the user's row, so that of two concurrent
    /// unlinks of a passwordless user's two identities, one is refused.
    async fn unlink_identity(&self, user_id: UserId, id: IdentityId) -> Result<Unlink, StoreError>;

    /// Stores a started flow. May delete flows that expired before `flow.created_at`.
    async fn begin_oauth_flow(&self, flow: &OAuthFlow) -> Result<(), StoreError>;

    /// Takes (deletes and returns) the flow with this state hash if it has not expired at
    /// `now`. Of N concurrent calls with one state, at most one returns `Some`.
    async fn take_oauth_flow(
        &self,
        state: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<OAuthFlow>, StoreError>;
}

/// A user's passkey (a WebAuthn credential), as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPasskey {
    /// authkit's id of the passkey (what the list, rename and delete routes name).
    pub id: Uuid,
    /// The account.
    pub user_id: UserId,
    /// The authenticator's credential id: unique across every account.
    pub credential_id: Vec<u8>,
    /// The owner's name for it ("laptop", "phone").
    pub name: String,
    /// The credential as the flows serialise it (public key, counter, flags): opaque to stores,
    /// no secret in it.
    pub credential: String,
    /// The authenticator's signature counter as last accepted (0: the authenticator keeps
    /// none).
    pub sign_count: u32,
    /// When it was registered.
    pub created_at: OffsetDateTime,
    /// When it last signed a sign-in.
    pub last_used_at: Option<OffsetDateTime>,
}

/// What a passkey ceremony is for. A ceremony of one purpose is never taken for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CeremonyPurpose {
    /// Registering a new passkey for a signed-in user.
    Registration,
    /// Signing in with a passkey alone (no user known when it starts).
    SignIn,
    /// The second step of a sign-in whose password was right.
    SecondFactor,
}

impl CeremonyPurpose {
    /// The purpose as stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::SignIn => "sign_in",
            Self::SecondFactor => "second_factor",
        }
    }

    /// Parses a stored purpose.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "registration" => Some(Self::Registration),
            "sign_in" => Some(Self::SignIn),
            "second_factor" => Some(Self::SecondFactor),
            _ => None,
        }
    }
}

/// The server side of a WebAuthn ceremony between its two steps: short-lived and single use.
#[derive(Clone, PartialEq, Eq)]
pub struct PasskeyCeremony {
    /// SHA-256 of the ceremony id the client holds.
    pub hash: TokenHash,
    /// The account, when one is known as it starts (not for a sign-in with a passkey alone).
    pub user_id: Option<UserId>,
    /// What it is for.
    pub purpose: CeremonyPurpose,
    /// The ceremony's state as the flows serialise it (the challenge among it): opaque to
    /// stores.
    pub state: String,
    /// When it started.
    pub created_at: OffsetDateTime,
    /// When it stops being accepted.
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for PasskeyCeremony {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyCeremony")
            .field("user_id", &self.user_id)
            .field("purpose", &self.purpose)
            .field("state", &"[redacted]")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Passkeys (WebAuthn credentials), several per user, and the state of the ceremonies that
/// register and use them. Deleting a user deletes their passkeys and ceremonies.
#[async_trait]
pub trait PasskeyStore: Send + Sync {
    /// Stores a new passkey. Fails with [`StoreError::Conflict`]
    /// ([`UniqueField::PasskeyCredential`]) when its credential id is registered already, to
    /// any account.
    async fn add_passkey(&self, passkey: &StoredPasskey) -> Result<(), StoreError>;

    /// The user's passkeys, oldest first.
    async fn passkeys(&self, user_id: UserId) -> Result<Vec<StoredPasskey>, StoreError>;

    /// The passkey with this credential id, whoever's it is.
    async fn passkey_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<StoredPasskey>, StoreError>;

    /// Renames the user's passkey `id`; `false` when the user has no such passkey.
    async fn rename_passkey(
        &self,
        user_id: UserId,
        id: Uuid,
        name: &str,
    ) -> Result<bool, StoreError>;

    /// Deletes the user's passkey `id`; `false` when the user has no such passkey.
    async fn delete_passkey(&self, user_id: UserId, id: Uuid) -> Result<bool, StoreError>;

    /// Records a sign-in with the user's passkey `id`: stores `sign_count`, `credential` and
    /// `last_used_at = now` if `sign_count` is above the stored count, or both are 0 (an
    /// authenticator that keeps no counter). One conditional update: of N concurrent calls
    /// with one nonzero count, exactly one returns `true`; `false` (nothing changed) means the
    /// count did not move forward (a cloned authenticator) or there is no such passkey.
    async fn use_passkey(
        &self,
        user_id: UserId,
        id: Uuid,
        sign_count: u32,
        credential: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Deletes every passkey of the user; how many.
    async fn remove_passkeys(&self, user_id: UserId) -> Result<u64, StoreError>;

    /// Stores a ceremony, and deletes every ceremony that expired before its `created_at`
    /// (they would never be taken: the table stays as small as the ceremonies in flight).
    async fn issue_passkey_ceremony(&self, ceremony: &PasskeyCeremony) -> Result<(), StoreError>;

    /// Takes the ceremony with this hash if it is of `purpose` and unexpired at `now`: returns
    /// it and deletes it, so it is never taken again. Of N concurrent calls with one hash,
    /// exactly one returns `Some` (SQL stores: one conditional `DELETE` checked by its affected
    /// rows decides).
    async fn take_passkey_ceremony(
        &self,
        hash: &TokenHash,
        purpose: CeremonyPurpose,
        now: OffsetDateTime,
    ) -> Result<Option<PasskeyCeremony>, StoreError>;
}

/// Everything a flow needs from storage.
#[async_trait]
pub trait Store:
    UserStore
    + SessionStore
    + OneTimeTokenStore
    + ThrottleStore
    + RevocationStore
    + PruneStore
    + SecondFactorStore
    + PasskeyStore
    + IdentityStore
{
    /// Checks the backend answers (readiness). The default always succeeds.
    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
