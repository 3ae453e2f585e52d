//! What every backend shares: the one implementation of the storage traits (as the
//! [`impl_store!`] macro, instantiated per backend with its concrete types), the SQL that reads
//! the same everywhere ([`portable_sql!`]), row mapping, time conversion, error
//! classification and the retry of transactions that lost a deadlock.
//!
//! Why a macro: the trait impls written generically over `sqlx::Database` need a long
//! where-clause per impl (and async-trait's `Send` bounds over higher-ranked executor bounds),
//! so the code is written once here and stamped out per backend with concrete types. The
//! per-backend modules hold only what differs: connect options, placeholders, the throttle
//! upsert and the `BEGIN` statement.

use std::future::Future;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::time::Duration;

use authkit_core::model::{PasswordHash, Role, Session, User, UserStatus};
use authkit_core::store::{
    LoginFailures, OneTimeToken, RevocationRecord, Revoked, StoreError, TokenPurpose, UniqueField,
};
use authkit_core::token::TokenHash;
use time::OffsetDateTime;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Time: BIGINT microseconds since the Unix epoch, UTC.
// ---------------------------------------------------------------------------------------------

/// A time as stored: whole microseconds since the Unix epoch, UTC (sub-microsecond digits are
/// dropped; [`authkit_core::Clock`] already truncates to microseconds).
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    let us = t.unix_timestamp_nanos().div_euclid(1000);
    i64::try_from(us).unwrap_or(if us < 0 { i64::MIN } else { i64::MAX })
}

/// A stored time back as an `OffsetDateTime` (UTC).
pub(crate) fn from_micros(us: i64) -> Result<OffsetDateTime, sqlx::Error> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| corrupt(format!("timestamp {us} out of range: {e}")))
}

fn opt_from_micros(us: Option<i64>) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    us.map(from_micros).transpose()
}

/// A duration in microseconds, saturating.
pub(crate) fn duration_micros(d: time::Duration) -> i64 {
    let us = d.whole_microseconds();
    i64::try_from(us).unwrap_or(if us < 0 { i64::MIN } else { i64::MAX })
}

fn corrupt(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

/// A `users` row.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    email: String,
    email_canonical: String,
    username: Option<String>,
    username_canonical: Option<String>,
    password_hash: String,
    role: String,
    status: String,
    email_verified: bool,
    created_at: i64,
    updated_at: i64,
}

impl UserRow {
    pub(crate) fn into_user(self) -> Result<User, sqlx::Error> {
        Ok(User {
            id: self.id,
            email: self.email,
            email_canonical: self.email_canonical,
            username: self.username,
            username_canonical: self.username_canonical,
            password_hash: PasswordHash::new(self.password_hash),
            role: Role::new(self.role).map_err(|e| corrupt(e.to_string()))?,
            status: UserStatus::parse(&self.status)
                .ok_or_else(|| corrupt(format!("unknown user status {:?}", self.status)))?,
            email_verified: self.email_verified,
            created_at: from_micros(self.created_at)?,
            updated_at: from_micros(self.updated_at)?,
        })
    }
}

/// A `sessions` row.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    id: Uuid,
    user_id: Uuid,
    created_at: i64,
    last_used_at: i64,
    idle_expires_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    user_agent: Option<String>,
    ip: Option<String>,
}

impl SessionRow {
    pub(crate) fn into_session(self) -> Result<Session, sqlx::Error> {
        let ip = match self.ip {
            Some(ip) => Some(
                ip.parse::<IpAddr>()
                    .map_err(|_| corrupt(format!("invalid IP address {ip:?}")))?,
            ),
            None => None,
        };
        Ok(Session {
            id: self.id,
            user_id: self.user_id,
            created_at: from_micros(self.created_at)?,
            last_used_at: from_micros(self.last_used_at)?,
            idle_expires_at: from_micros(self.idle_expires_at)?,
            expires_at: from_micros(self.expires_at)?,
            revoked_at: opt_from_micros(self.revoked_at)?,
            user_agent: self.user_agent,
            ip,
        })
    }
}

/// A session with its refresh-token hashes.
#[derive(sqlx::FromRow)]
pub(crate) struct RefreshFamilyRow {
    #[sqlx(flatten)]
    session: SessionRow,
    refresh_hash: Option<Vec<u8>>,
    previous_refresh_hash: Option<Vec<u8>>,
    displaced_refresh_hash: Option<Vec<u8>>,
    rotated_at: Option<i64>,
}

impl RefreshFamilyRow {
    pub(crate) fn into_family(self) -> Result<authkit_core::store::RefreshFamily, sqlx::Error> {
        let hash = |bytes: Option<Vec<u8>>| -> Result<Option<TokenHash>, sqlx::Error> {
            bytes
                .map(|b| {
                    TokenHash::from_slice(&b)
                        .ok_or_else(|| corrupt(format!("a refresh hash of {} bytes", b.len())))
                })
                .transpose()
        };
        Ok(authkit_core::store::RefreshFamily {
            session: self.session.into_session()?,
            current: hash(self.refresh_hash)?
                .ok_or_else(|| corrupt("a session with a selector but no refresh hash".into()))?,
            previous: hash(self.previous_refresh_hash)?,
            displaced: hash(self.displaced_refresh_hash)?,
            rotated_at: opt_from_micros(self.rotated_at)?,
        })
    }
}

/// A `one_time_tokens` row.
#[derive(sqlx::FromRow)]
pub(crate) struct OneTimeTokenRow {
    hash: Vec<u8>,
    user_id: Uuid,
    purpose: String,
    new_email: Option<String>,
    created_at: i64,
    expires_at: i64,
}

impl OneTimeTokenRow {
    pub(crate) fn into_token(self) -> Result<OneTimeToken, sqlx::Error> {
        Ok(OneTimeToken {
            hash: TokenHash::from_slice(&self.hash)
                .ok_or_else(|| corrupt(format!("token hash of {} bytes", self.hash.len())))?,
            user_id: self.user_id,
            purpose: TokenPurpose::parse(&self.purpose)
                .ok_or_else(|| corrupt(format!("unknown token purpose {:?}", self.purpose)))?,
            new_email: self.new_email,
            created_at: from_micros(self.created_at)?,
            expires_at: from_micros(self.expires_at)?,
        })
    }
}

/// A `revocations` row.
#[derive(sqlx::FromRow)]
pub(crate) struct RevocationRow {
    seq: i64,
    kind: String,
    user_id: Uuid,
    session_id: Option<Uuid>,
    role: Option<String>,
    created_at: i64,
}

impl RevocationRow {
    pub(crate) fn into_record(self) -> Result<RevocationRecord, sqlx::Error> {
        let what = match (self.kind.as_str(), self.session_id, self.role) {
            ("session", Some(session_id), _) => Revoked::Session(session_id),
            ("account", _, _) => Revoked::Account,
            ("role", _, Some(role)) => {
                Revoked::Role(Role::new(role).map_err(|e| corrupt(e.to_string()))?)
            }
            (kind, ..) => return Err(corrupt(format!("malformed revocation of kind {kind:?}"))),
        };
        Ok(RevocationRecord {
            seq: self.seq,
            user_id: self.user_id,
            what,
            at: from_micros(self.created_at)?,
        })
    }
}

/// A `login_failures` row.
#[derive(sqlx::FromRow)]
pub(crate) struct FailuresRow {
    failures: i32,
    last_failure_at: i64,
}

impl FailuresRow {
    pub(crate) fn into_failures(self) -> Result<LoginFailures, sqlx::Error> {
        Ok(LoginFailures {
            count: count(self.failures),
            last_failure_at: from_micros(self.last_failure_at)?,
        })
    }
}

/// A stored failure count as the trait's `u32`.
pub(crate) fn count(failures: i32) -> u32 {
    u32::try_from(failures).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------

/// The escape character of every `LIKE` pattern: not special in SQL string literals on any
/// backend (a backslash is, on MySQL).
pub(crate) const LIKE_ESCAPE: char = '!';

/// A `LIKE` pattern matching `text` as a literal substring: `%`, `_` and the escape character
/// are escaped.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
            pattern.push(LIKE_ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Classifies a driver error: saturation and connectivity are [`StoreError::Unavailable`],
/// unique violations on users are [`StoreError::Conflict`], the rest is
/// [`StoreError::Backend`].
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::PoolTimedOut => StoreError::Unavailable(
            "no database connection became available within the pool's acquire timeout \
             (every connection busy, or the database unreachable)"
                .into(),
        ),
        sqlx::Error::PoolClosed => StoreError::Unavailable("the connection pool is closed".into()),
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable(error.to_string())
        }
        sqlx::Error::Database(db) => {
            if db.is_unique_violation()
                && let Some(field) = unique_field(db.as_ref())
            {
                return StoreError::Conflict(field);
            }
            if is_unavailable(db.as_ref()) {
                StoreError::Unavailable(error.to_string())
            } else {
                StoreError::Backend(error.to_string())
            }
        }
        _ => StoreError::Backend(error.to_string()),
    }
}

/// Which user field a unique violation names. PostgreSQL reports the constraint; SQLite says
/// `UNIQUE constraint failed: users.email_canonical`; MySQL/MariaDB say
/// `Duplicate entry '…' for key 'users_email_canonical_key'`. Only the part naming the
/// constraint is inspected: the duplicated value itself may contain any text.
fn unique_field(db: &dyn sqlx::error::DatabaseError) -> Option<UniqueField> {
    let message = db.message();
    let name = match db.constraint() {
        Some(constraint) => constraint,
        None => ["for key ", "constraint failed: "]
            .iter()
            .find_map(|marker| message.rfind(marker).map(|at| &message[at..]))
            .unwrap_or(message),
    };
    if name.contains("username_canonical") {
        Some(UniqueField::Username)
    } else if name.contains("email_canonical") {
        Some(UniqueField::Email)
    } else {
        None
    }
}

/// Whether a database error means "the database cannot serve us now" (503, retry later)
/// rather than a failure of the statement: on every backend, the class of connection and
/// availability failures.
///
/// - SQLSTATE (PostgreSQL, and MySQL's where it sets one): class 08 (connection exception),
///   class 53 (insufficient resources: too many connections, disk full, out of memory), class
///   57P (shutdown, crash, recovery, cannot connect now), class 58 (system/I-O error), 55000 (a
///   database that does not accept connections, `ALLOW_CONNECTIONS false`), 3D000 (the
///   database does not exist), 28000/28P01 (the server refuses our credentials).
/// - MySQL/MariaDB error numbers: 1040 and 1203 (too many connections), 1053 (shutdown), 1045
///   (access denied), 1049 (unknown database), 1927 (connection killed), 1152-1161 (network
///   errors), 2002-2013 (client connection errors), 1290 (read-only mode), 4031 (idle timeout).
/// - SQLite result codes: 5 SQLITE_BUSY and 6 SQLITE_LOCKED (once the retries are spent), 8
///   SQLITE_READONLY, 10 SQLITE_IOERR, 13 SQLITE_FULL, 14 SQLITE_CANTOPEN, and their extended
///   codes.
fn is_unavailable(db: &dyn sqlx::error::DatabaseError) -> bool {
    #[cfg(feature = "mysql")]
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return matches!(
            my.number(),
            1040 | 1045 | 1049 | 1053 | 1152..=1161 | 1203 | 1290 | 1927 | 2002..=2013 | 4031
        ) || is_unavailable_code(db.code().as_deref());
    }
    #[cfg(feature = "sqlite")]
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        let primary = db
            .code()
            .and_then(|c| c.parse::<u32>().ok())
            .map(|c| c & 0xff);
        return matches!(primary, Some(5 | 6 | 8 | 10 | 13 | 14));
    }
    is_unavailable_code(db.code().as_deref())
}

/// The SQLSTATEs of [`is_unavailable`].
fn is_unavailable_code(code: Option<&str>) -> bool {
    code.is_some_and(|c| {
        c.starts_with("08")
            || c.starts_with("53")
            || c.starts_with("57P")
            || c.starts_with("58")
            || matches!(c, "55000" | "3D000" | "28000" | "28P01")
    })
}

/// Whether an error means "this transaction lost a race, run it again": a deadlock or
/// serialization failure (SQLSTATE 40001 on PostgreSQL and MySQL, 40P01 on PostgreSQL), a MySQL
/// lock-wait timeout (1205), or SQLite's busy/locked codes once its busy timeout is spent.
fn is_transient(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = error else {
        return false;
    };
    #[cfg(feature = "mysql")]
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        && matches!(my.number(), 1205 | 1213)
    {
        return true;
    }
    #[cfg(feature = "sqlite")]
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // SQLITE_BUSY, SQLITE_LOCKED and their extended codes (BUSY_RECOVERY,
        // LOCKED_SHAREDCACHE, BUSY_SNAPSHOT, BUSY_TIMEOUT).
        return matches!(
            db.code().as_deref(),
            Some("5" | "6" | "261" | "262" | "517" | "773")
        );
    }
    matches!(db.code().as_deref(), Some("40001" | "40P01"))
}

/// Attempts of a transaction that keeps losing deadlocks before the error is returned.
const ATTEMPTS: u32 = 8;

/// Runs `op` (a whole transaction, or one statement) and runs it again when it failed with a
/// deadlock or serialization failure, with a short randomised back-off. Everything else is
/// returned as is.
pub(crate) async fn with_retries<T, F, Fut>(mut op: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Err(error) if attempt < ATTEMPTS && is_transient(&error) => {
                tracing::debug!(target: "authkit::sqlx", attempt, %error, "retrying a transaction that lost a race");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// 1-2 ms, 2-4 ms, 4-8 ms, ... capped at 64 ms: random, so the losers do not collide again.
fn backoff(attempt: u32) -> Duration {
    let base_us = 1000u64 << attempt.min(6).saturating_sub(1);
    let jitter = std::collections::hash_map::RandomState::new().hash_one(attempt) % base_us;
    Duration::from_micros(base_us + jitter)
}

/// A failure to open the pool: as [`store_error`], but a timeout here means no connection
/// could be opened at all.
pub(crate) fn connect_failure(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::PoolTimedOut => StoreError::Unavailable(
            "could not connect to the database within the acquire timeout".into(),
        ),
        other => store_error(other),
    }
}

/// A connection failure, with the URL's password (and the URL) removed from the message.
pub(crate) fn connect_error(error: sqlx::Error, url: &str) -> StoreError {
    match connect_failure(error) {
        StoreError::Unavailable(m) => StoreError::Unavailable(redact(&m, url)),
        StoreError::Backend(m) => StoreError::Backend(redact(&m, url)),
        other => other,
    }
}

/// `message` without `url` and without the password of its user-info part, if any.
pub(crate) fn redact(message: &str, url: &str) -> String {
    let mut out = if url.is_empty() {
        message.to_owned()
    } else {
        message.replace(url, "[database URL]")
    };
    if let Some(password) = url_password(url).filter(|p| !p.is_empty()) {
        out = out.replace(password, "[redacted]");
    }
    out
}

fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    userinfo.split_once(':').map(|(_, password)| password)
}

// ---------------------------------------------------------------------------------------------
// SQL
// ---------------------------------------------------------------------------------------------

/// Leaves SQL written with `?` placeholders as it is (SQLite, MySQL).
#[allow(unused_macros)]
macro_rules! verbatim {
    ($sql:expr) => {
        $sql
    };
}

/// The columns of `users`, in [`UserRow`] order.
macro_rules! user_columns {
    () => {
        "id, email, email_canonical, username, username_canonical, password_hash, role, status, \
         email_verified, created_at, updated_at"
    };
}

/// The columns of `sessions`.
macro_rules! session_columns {
    () => {
        "id, user_id, created_at, last_used_at, idle_expires_at, expires_at, revoked_at, \
         user_agent, ip"
    };
}

/// Defines, in the invoking module, every statement whose text is the same on all backends but
/// for the placeholders. Written with `?`; `$placeholders` is a macro turning such text into
/// the backend's form (`verbatim`, or PostgreSQL's `$1, $2, ...`). No statement may contain a
/// `?` other than a placeholder.
macro_rules! portable_sql {
    ($placeholders:ident) => {
        pub(crate) const INSERT_USER: &str = $placeholders!(concat!(
            "INSERT INTO users (",
            user_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ));
        pub(crate) const USER_BY_ID: &str = $placeholders!(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = ?"
        ));
        pub(crate) const USER_BY_EMAIL: &str = $placeholders!(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE email_canonical = ?"
        ));
        pub(crate) const USER_BY_USERNAME: &str = $placeholders!(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE username_canonical = ?"
        ));
        pub(crate) const EMAIL_IN_USE: &str =
            $placeholders!("SELECT id FROM users WHERE email_canonical = ?");
        pub(crate) const SET_PASSWORD_HASH: &str =
            $placeholders!("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?");
        pub(crate) const DELETE_USER: &str = $placeholders!("DELETE FROM users WHERE id = ?");
        pub(crate) const ANY_USER_WITH_ROLE: &str =
            $placeholders!("SELECT id FROM users WHERE role = ? LIMIT 1");

        pub(crate) const INSERT_SESSION: &str = $placeholders!(concat!(
            "INSERT INTO sessions (",
            session_columns!(),
            ", refresh_selector, refresh_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ));
        pub(crate) const SESSION_BY_ID: &str = $placeholders!(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE id = ?"
        ));
        pub(crate) const LIST_ACTIVE_SESSIONS: &str = $placeholders!(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND idle_expires_at > ? \
             AND expires_at > ? ORDER BY created_at DESC, id DESC"
        ));
        /// A rotation: one update of one row, matching only the current token of a session
        /// active at `now`. Binds: new hash, now (rotated), now (used), idle expiry, selector,
        /// old hash, now, now. (`previous_refresh_hash` is assigned before `refresh_hash`,
        /// so on MySQL, which assigns left to right, it too gets the old value.)
        pub(crate) const ROTATE_REFRESH_TOKEN: &str = $placeholders!(
            "UPDATE sessions SET previous_refresh_hash = refresh_hash, \
             displaced_refresh_hash = NULL, refresh_hash = ?, rotated_at = ?, \
             last_used_at = ?, idle_expires_at = ? \
             WHERE refresh_selector = ? AND refresh_hash = ? AND revoked_at IS NULL \
             AND idle_expires_at > ? AND expires_at > ?"
        );
        /// [`ROTATE_REFRESH_TOKEN`] answering with the updated session (where `RETURNING` exists).
        pub(crate) const ROTATE_REFRESH_TOKEN_RETURNING: &str = $placeholders!(concat!(
            "UPDATE sessions SET previous_refresh_hash = refresh_hash, \
             displaced_refresh_hash = NULL, refresh_hash = ?, rotated_at = ?, \
             last_used_at = ?, idle_expires_at = ? \
             WHERE refresh_selector = ? AND refresh_hash = ? AND revoked_at IS NULL \
             AND idle_expires_at > ? AND expires_at > ? RETURNING ",
            session_columns!()
        ));
        pub(crate) const SESSION_BY_SELECTOR: &str = $placeholders!(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE refresh_selector = ?"
        ));
        pub(crate) const REFRESH_FAMILY: &str = $placeholders!(concat!(
            "SELECT ",
            session_columns!(),
            ", refresh_hash, previous_refresh_hash, displaced_refresh_hash, rotated_at \
             FROM sessions WHERE refresh_selector = ?"
        ));
        /// The grace-window reissue: one update of one row. Binds: new hash, now, idle
        /// expiry, session id, presented hash (twice), now, now.
        pub(crate) const REISSUE_REFRESH_TOKEN: &str = $placeholders!(
            "UPDATE sessions SET displaced_refresh_hash = refresh_hash, refresh_hash = ?, \
             last_used_at = ?, idle_expires_at = ? \
             WHERE id = ? AND (previous_refresh_hash = ? OR displaced_refresh_hash = ?) \
             AND revoked_at IS NULL AND idle_expires_at > ? AND expires_at > ?"
        );
        pub(crate) const REVOKE_SESSION: &str = $placeholders!(
            "UPDATE sessions SET revoked_at = ? \
             WHERE id = ? AND user_id = ? AND revoked_at IS NULL"
        );
        pub(crate) const REVOKE_ALL_SESSIONS: &str = $placeholders!(
            "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"
        );
        pub(crate) const REVOKE_SESSIONS_EXCEPT: &str = $placeholders!(
            "UPDATE sessions SET revoked_at = ? \
             WHERE user_id = ? AND revoked_at IS NULL AND id <> ?"
        );

        /// The revocation records of a change: one statement per kind of record.
        pub(crate) const RECORD_SESSION_REVOKED: &str = $placeholders!(
            "INSERT INTO revocations (kind, user_id, session_id, created_at) \
             VALUES ('session', ?, ?, ?)"
        );
        /// Records the sessions of a user that this transaction revoked (at `now`).
        pub(crate) const RECORD_SESSIONS_REVOKED_AT: &str = $placeholders!(
            "INSERT INTO revocations (kind, user_id, session_id, created_at) \
             SELECT 'session', user_id, id, ? FROM sessions WHERE user_id = ? AND revoked_at = ?"
        );
        pub(crate) const RECORD_ROLE_CHANGED: &str = $placeholders!(
            "INSERT INTO revocations (kind, user_id, role, created_at) VALUES ('role', ?, ?, ?)"
        );
        pub(crate) const RECORD_ACCOUNT_DELETED: &str = $placeholders!(
            "INSERT INTO revocations (kind, user_id, created_at) VALUES ('account', ?, ?)"
        );
        pub(crate) const REVOCATIONS_SINCE: &str = $placeholders!(
            "SELECT seq, kind, user_id, session_id, role, created_at FROM revocations \
             WHERE seq > ? ORDER BY seq LIMIT ?"
        );
        pub(crate) const PRUNE_REVOCATIONS: &str =
            $placeholders!("DELETE FROM revocations WHERE created_at < ?");

        pub(crate) const INSERT_ONE_TIME_TOKEN: &str = $placeholders!(
            "INSERT INTO one_time_tokens (hash, user_id, purpose, new_email, created_at, \
             expires_at) VALUES (?, ?, ?, ?, ?, ?)"
        );
        pub(crate) const FIND_ONE_TIME_TOKEN: &str = $placeholders!(
            "SELECT hash, user_id, purpose, new_email, created_at, expires_at \
             FROM one_time_tokens WHERE hash = ? AND consumed_at IS NULL AND expires_at > ?"
        );
        /// The single-use step of a credential change: matches only a consumable token.
        pub(crate) const CONSUME_ONE_TIME_TOKEN: &str = $placeholders!(
            "UPDATE one_time_tokens SET consumed_at = ? WHERE hash = ? AND purpose = ? \
             AND user_id = ? AND consumed_at IS NULL AND expires_at > ?"
        );
        pub(crate) const VOID_ONE_TIME_TOKENS: &str =
            $placeholders!("DELETE FROM one_time_tokens WHERE user_id = ? AND consumed_at IS NULL");
        pub(crate) const VOID_ONE_TIME_TOKENS_OF_PURPOSE: &str = $placeholders!(
            "DELETE FROM one_time_tokens WHERE user_id = ? AND purpose = ? \
             AND consumed_at IS NULL"
        );

        pub(crate) const LOGIN_FAILURES: &str = $placeholders!(
            "SELECT failures, last_failure_at FROM login_failures WHERE throttle_key = ?"
        );
        pub(crate) const LOGIN_FAILURE_COUNT: &str =
            $placeholders!("SELECT failures FROM login_failures WHERE throttle_key = ?");
        pub(crate) const CLEAR_LOGIN_FAILURES: &str =
            $placeholders!("DELETE FROM login_failures WHERE throttle_key = ?");

        pub(crate) const INSERT_EVENT: &str = $placeholders!(
            "INSERT INTO auth_events (kind, at, user_id, session_id, ip, detail) \
             VALUES (?, ?, ?, ?, ?, ?)"
        );
        pub(crate) const PING: &str = "SELECT 1";
    };
}

// ---------------------------------------------------------------------------------------------
// The storage traits, once
// ---------------------------------------------------------------------------------------------

/// Implements `Debug`, every storage trait, `EventSink` and `SqlStore` for a backend's store.
///
/// `store` must be a struct with a `pool: sqlx::Pool<database>` field, `sql` a module holding
/// the [`portable_sql!`] statements plus `BEGIN`, `UPDATE_RETURNING`, `RECORD_LOGIN_FAILURE` and
/// `RECORD_LOGIN_FAILURE_RETURNS_COUNT`, `migrator` a `sqlx::migrate::Migrator` static.
macro_rules! impl_store {
    (
        store: $store:ident,
        database: $db:ty,
        sql: $sql:ident,
        backend: $backend:expr,
        migrator: $migrator:ident $(,)?
    ) => {
        mod store_impl {
            use async_trait::async_trait;
            use authkit_core::events::{AuthEvent, EventSink};
            use authkit_core::model::{PasswordHash, Role, Session, SessionId, User, UserId};
            use authkit_core::store::{
                CredentialChange, LoginFailures, OneTimeToken, OneTimeTokenStore,
                RefreshFamily, RevocationListener, RevocationRecord, RevocationStore,
                Rotation, SessionRevocation, SessionStore, Store, StoreError, ThrottleStore,
                UniqueField, UserQuery, UserStore, UserUpdate,
            };
            use authkit_core::token::{RefreshKey, RefreshSelector, TokenHash};
            use sqlx::{QueryBuilder, Transaction};
            use time::{Duration, OffsetDateTime};

            use super::{$migrator, $sql, $store};
            use crate::shared::{
                FailuresRow, OneTimeTokenRow, RefreshFamilyRow, RevocationRow, SessionRow, UserRow,
                count,
                contains_pattern, duration_micros, micros, store_error, with_retries,
            };
            use crate::{Backend, SqlStore};

            type Tx = Transaction<'static, $db>;

            const BACKEND: Backend = $backend;

            impl std::fmt::Debug for $store {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    // The pool size only: connect options hold the password.
                    f.debug_struct(stringify!($store))
                        .field("backend", &BACKEND.as_str())
                        .field("connections", &self.pool.size())
                        .field("idle", &self.pool.num_idle())
                        .field("max_connections", &self.pool.options().get_max_connections())
                        .finish()
                }
            }

            fn bytes(hash: &TokenHash) -> &[u8] {
                hash.as_bytes()
            }

            /// Revokes sessions inside `tx` and records each; how many.
            async fn revoke_in(
                tx: &mut Tx,
                user_id: UserId,
                which: SessionRevocation,
                now: OffsetDateTime,
            ) -> Result<u64, sqlx::Error> {
                let update = match which {
                    SessionRevocation::None => return Ok(0),
                    SessionRevocation::All => sqlx::query($sql::REVOKE_ALL_SESSIONS)
                        .bind(micros(now))
                        .bind(user_id),
                    SessionRevocation::AllExcept(keep) => {
                        sqlx::query($sql::REVOKE_SESSIONS_EXCEPT)
                            .bind(micros(now))
                            .bind(user_id)
                            .bind(keep)
                    }
                };
                let revoked = update.execute(&mut **tx).await?.rows_affected();
                if revoked > 0 {
                    // What this transaction revoked carries its `now`.
                    sqlx::query($sql::RECORD_SESSIONS_REVOKED_AT)
                        .bind(micros(now))
                        .bind(user_id)
                        .bind(micros(now))
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(revoked)
            }

            async fn user_in(tx: &mut Tx, id: UserId) -> Result<Option<User>, sqlx::Error> {
                sqlx::query_as::<_, UserRow>($sql::USER_BY_ID)
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(UserRow::into_user)
                    .transpose()
            }

            impl $store {
                /// A transaction that starts as a writer (SQLite: `BEGIN IMMEDIATE`), so it
                /// never needs a lock upgrade.
                async fn begin(&self) -> Result<Tx, sqlx::Error> {
                    self.pool.begin_with($sql::BEGIN).await
                }

                async fn user_where(
                    &self,
                    sql: &'static str,
                    key: &str,
                ) -> Result<Option<User>, StoreError> {
                    sqlx::query_as::<_, UserRow>(sql)
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await
                        .and_then(|row| row.map(UserRow::into_user).transpose())
                        .map_err(store_error)
                }

                async fn create_user_once(&self, user: &User) -> Result<(), sqlx::Error> {
                    sqlx::query($sql::INSERT_USER)
                        .bind(user.id)
                        .bind(user.email.as_str())
                        .bind(user.email_canonical.as_str())
                        .bind(user.username.as_deref())
                        .bind(user.username_canonical.as_deref())
                        .bind(user.password_hash.as_str())
                        .bind(user.role.as_str())
                        .bind(user.status.as_str())
                        .bind(user.email_verified)
                        .bind(micros(user.created_at))
                        .bind(micros(user.updated_at))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn update_user_once(
                    &self,
                    id: UserId,
                    update: &UserUpdate,
                    now: OffsetDateTime,
                ) -> Result<Option<User>, sqlx::Error> {
                    let mut tx = self.begin().await?;
                    let mut query = QueryBuilder::<$db>::new("UPDATE users SET updated_at = ");
                    query.push_bind(micros(now));
                    if let Some(username) = &update.username {
                        let (given, canonical) = match username {
                            Some((given, canonical)) => {
                                (Some(given.as_str()), Some(canonical.as_str()))
                            }
                            None => (None, None),
                        };
                        query.push(", username = ").push_bind(given);
                        query.push(", username_canonical = ").push_bind(canonical);
                    }
                    if let Some(role) = &update.role {
                        query.push(", role = ").push_bind(role.as_str());
                    }
                    if let Some(status) = update.status {
                        query.push(", status = ").push_bind(status.as_str());
                    }
                    query.push(" WHERE id = ").push_bind(id);
                    if query.build().execute(&mut *tx).await?.rows_affected() != 1 {
                        tx.rollback().await?;
                        return Ok(None);
                    }
                    if let Some(role) = &update.role {
                        sqlx::query($sql::RECORD_ROLE_CHANGED)
                            .bind(id)
                            .bind(role.as_str())
                            .bind(micros(now))
                            .execute(&mut *tx)
                            .await?;
                    }
                    if update.revoke_sessions {
                        revoke_in(&mut tx, id, SessionRevocation::All, now).await?;
                    }
                    let user = user_in(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(user)
                }

                async fn apply_credential_change_once(
                    &self,
                    change: &CredentialChange,
                    now: OffsetDateTime,
                ) -> Result<Option<User>, sqlx::Error> {
                    let mut tx = self.begin().await?;
                    if let Some((hash, purpose)) = &change.consume {
                        let consumed = sqlx::query($sql::CONSUME_ONE_TIME_TOKEN)
                            .bind(micros(now))
                            .bind(bytes(hash))
                            .bind(purpose.as_str())
                            .bind(change.user_id)
                            .bind(micros(now))
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        if consumed != 1 {
                            tx.rollback().await?;
                            return Ok(None);
                        }
                    }
                    let mut query = QueryBuilder::<$db>::new("UPDATE users SET updated_at = ");
                    query.push_bind(micros(now));
                    if let Some(hash) = &change.password_hash {
                        query.push(", password_hash = ").push_bind(hash.as_str());
                    }
                    if let Some((given, canonical)) = &change.email {
                        query.push(", email = ").push_bind(given.as_str());
                        query.push(", email_canonical = ").push_bind(canonical.as_str());
                    }
                    if change.mark_email_verified {
                        query.push(", email_verified = ").push_bind(true);
                    }
                    query.push(" WHERE id = ").push_bind(change.user_id);
                    // A unique violation here returns early: dropping `tx` rolls back the
                    // consumption too.
                    if query.build().execute(&mut *tx).await?.rows_affected() != 1 {
                        tx.rollback().await?;
                        return Ok(None);
                    }
                    if change.void_one_time_tokens {
                        sqlx::query($sql::VOID_ONE_TIME_TOKENS)
                            .bind(change.user_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    revoke_in(&mut tx, change.user_id, change.revoke_sessions, now).await?;
                    let user = user_in(&mut tx, change.user_id).await?;
                    tx.commit().await?;
                    Ok(user)
                }

                async fn create_session_once(
                    &self,
                    session: &Session,
                    refresh: &RefreshKey,
                ) -> Result<(), sqlx::Error> {
                    sqlx::query($sql::INSERT_SESSION)
                        .bind(session.id)
                        .bind(session.user_id)
                        .bind(micros(session.created_at))
                        .bind(micros(session.last_used_at))
                        .bind(micros(session.idle_expires_at))
                        .bind(micros(session.expires_at))
                        .bind(session.revoked_at.map(micros))
                        .bind(session.user_agent.as_deref())
                        .bind(session.ip.map(|ip| ip.to_string()))
                        .bind(&refresh.selector.as_bytes()[..])
                        .bind(bytes(&refresh.hash))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn rotate_once(
                    &self,
                    rotation: &Rotation,
                ) -> Result<Option<Session>, sqlx::Error> {
                    let now = micros(rotation.now);
                    macro_rules! rotate {
                        ($query:expr) => {
                            $query
                                .bind(bytes(&rotation.new))
                                .bind(now)
                                .bind(now)
                                .bind(micros(rotation.idle_expires_at))
                                .bind(&rotation.selector.as_bytes()[..])
                                .bind(bytes(&rotation.old))
                                .bind(now)
                                .bind(now)
                        };
                    }
                    if $sql::UPDATE_RETURNING {
                        // One statement: one round trip, one commit.
                        let query = sqlx::query_as::<_, SessionRow>($sql::ROTATE_REFRESH_TOKEN_RETURNING);
                        return rotate!(query)
                            .fetch_optional(&self.pool)
                            .await?
                            .map(SessionRow::into_session)
                            .transpose();
                    }
                    let mut tx = self.begin().await?;
                    let rotated = rotate!(sqlx::query($sql::ROTATE_REFRESH_TOKEN))
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if rotated != 1 {
                        tx.rollback().await?;
                        return Ok(None);
                    }
                    let session = sqlx::query_as::<_, SessionRow>($sql::SESSION_BY_SELECTOR)
                        .bind(&rotation.selector.as_bytes()[..])
                        .fetch_one(&mut *tx)
                        .await?
                        .into_session()?;
                    tx.commit().await?;
                    Ok(Some(session))
                }

                async fn reissue_refresh_token_once(
                    &self,
                    session_id: SessionId,
                    presented: &TokenHash,
                    new: &TokenHash,
                    now: OffsetDateTime,
                    idle_expires_at: OffsetDateTime,
                ) -> Result<bool, sqlx::Error> {
                    let reissued = sqlx::query($sql::REISSUE_REFRESH_TOKEN)
                        .bind(bytes(new))
                        .bind(micros(now))
                        .bind(micros(idle_expires_at))
                        .bind(session_id)
                        .bind(bytes(presented))
                        .bind(bytes(presented))
                        .bind(micros(now))
                        .bind(micros(now))
                        .execute(&self.pool)
                        .await?
                        .rows_affected();
                    Ok(reissued == 1)
                }

                async fn revoke_session_once(
                    &self,
                    user_id: UserId,
                    id: SessionId,
                    now: OffsetDateTime,
                ) -> Result<bool, sqlx::Error> {
                    let mut tx = self.begin().await?;
                    let revoked = sqlx::query($sql::REVOKE_SESSION)
                        .bind(micros(now))
                        .bind(id)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                        == 1;
                    if !revoked {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    sqlx::query($sql::RECORD_SESSION_REVOKED)
                        .bind(user_id)
                        .bind(id)
                        .bind(micros(now))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn delete_user_once(
                    &self,
                    id: UserId,
                    now: OffsetDateTime,
                ) -> Result<bool, sqlx::Error> {
                    let mut tx = self.begin().await?;
                    // Sessions, their refresh tokens and one-time tokens go with the user
                    // (ON DELETE CASCADE); the audit trail stays.
                    let deleted = sqlx::query($sql::DELETE_USER)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                        > 0;
                    if !deleted {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    sqlx::query($sql::RECORD_ACCOUNT_DELETED)
                        .bind(id)
                        .bind(micros(now))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn revoke_sessions_once(
                    &self,
                    user_id: UserId,
                    revocation: SessionRevocation,
                    now: OffsetDateTime,
                ) -> Result<u64, sqlx::Error> {
                    let mut tx = self.begin().await?;
                    let revoked = revoke_in(&mut tx, user_id, revocation, now).await?;
                    tx.commit().await?;
                    Ok(revoked)
                }

                async fn issue_one_time_token_once(
                    &self,
                    token: &OneTimeToken,
                    void_previous: bool,
                ) -> Result<(), sqlx::Error> {
                    let mut tx = self.begin().await?;
                    if void_previous {
                        sqlx::query($sql::VOID_ONE_TIME_TOKENS_OF_PURPOSE)
                            .bind(token.user_id)
                            .bind(token.purpose.as_str())
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query($sql::INSERT_ONE_TIME_TOKEN)
                        .bind(bytes(&token.hash))
                        .bind(token.user_id)
                        .bind(token.purpose.as_str())
                        .bind(token.new_email.as_deref())
                        .bind(micros(token.created_at))
                        .bind(micros(token.expires_at))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await
                }

                async fn record_login_failure_once(
                    &self,
                    key: &str,
                    now: i64,
                    reset_before: i64,
                ) -> Result<i32, sqlx::Error> {
                    let upsert = sqlx::query($sql::RECORD_LOGIN_FAILURE)
                        .bind(key)
                        .bind(now)
                        .bind(reset_before);
                    if $sql::RECORD_LOGIN_FAILURE_RETURNS_COUNT {
                        // One atomic statement: `... ON CONFLICT DO UPDATE ... RETURNING`.
                        let row = upsert.fetch_one(&self.pool).await?;
                        return sqlx::Row::try_get::<i32, _>(&row, 0);
                    }
                    // The upsert locks the row until commit, so the count read next in the
                    // same transaction is exactly this call's.
                    let mut tx = self.begin().await?;
                    upsert.execute(&mut *tx).await?;
                    let failures: i32 = sqlx::query_scalar($sql::LOGIN_FAILURE_COUNT)
                        .bind(key)
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(failures)
                }
            }

            #[async_trait]
            impl UserStore for $store {
                async fn create_user(&self, user: &User) -> Result<(), StoreError> {
                    match with_retries(|| self.create_user_once(user)).await {
                        Ok(()) => Ok(()),
                        Err(error) => match store_error(error) {
                            // Like the reference store: a taken address is reported first,
                            // whichever index the database happened to check first.
                            StoreError::Conflict(UniqueField::Username) => {
                                let email_taken = sqlx::query($sql::EMAIL_IN_USE)
                                    .bind(user.email_canonical.as_str())
                                    .fetch_optional(&self.pool)
                                    .await
                                    .map_err(store_error)?
                                    .is_some();
                                Err(StoreError::Conflict(if email_taken {
                                    UniqueField::Email
                                } else {
                                    UniqueField::Username
                                }))
                            }
                            other => Err(other),
                        },
                    }
                }

                async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
                    sqlx::query_as::<_, UserRow>($sql::USER_BY_ID)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .and_then(|row| row.map(UserRow::into_user).transpose())
                        .map_err(store_error)
                }

                async fn user_by_email(
                    &self,
                    email_canonical: &str,
                ) -> Result<Option<User>, StoreError> {
                    self.user_where($sql::USER_BY_EMAIL, email_canonical).await
                }

                async fn user_by_username(
                    &self,
                    username_canonical: &str,
                ) -> Result<Option<User>, StoreError> {
                    self.user_where($sql::USER_BY_USERNAME, username_canonical)
                        .await
                }

                async fn update_user(
                    &self,
                    id: UserId,
                    update: &UserUpdate,
                    now: OffsetDateTime,
                ) -> Result<Option<User>, StoreError> {
                    with_retries(|| self.update_user_once(id, update, now))
                        .await
                        .map_err(store_error)
                }

                async fn set_password_hash(
                    &self,
                    id: UserId,
                    hash: &PasswordHash,
                    now: OffsetDateTime,
                ) -> Result<(), StoreError> {
                    with_retries(|| {
                        sqlx::query($sql::SET_PASSWORD_HASH)
                            .bind(hash.as_str())
                            .bind(micros(now))
                            .bind(id)
                            .execute(&self.pool)
                    })
                    .await
                    .map(drop)
                    .map_err(store_error)
                }

                async fn apply_credential_change(
                    &self,
                    change: &CredentialChange,
                    now: OffsetDateTime,
                ) -> Result<Option<User>, StoreError> {
                    with_retries(|| self.apply_credential_change_once(change, now))
                        .await
                        .map_err(store_error)
                }

                async fn delete_user(
                    &self,
                    id: UserId,
                    now: OffsetDateTime,
                ) -> Result<bool, StoreError> {
                    with_retries(|| self.delete_user_once(id, now))
                        .await
                        .map_err(store_error)
                }

                async fn list_users(&self, query: &UserQuery) -> Result<Vec<User>, StoreError> {
                    let mut sql = QueryBuilder::<$db>::new(concat!(
                        "SELECT ",
                        user_columns!(),
                        " FROM users"
                    ));
                    let mut glue = " WHERE ";
                    if let Some(after) = query.after {
                        sql.push(glue).push("id > ").push_bind(after);
                        glue = " AND ";
                    }
                    if let Some(role) = &query.role {
                        sql.push(glue).push("role = ").push_bind(role.as_str());
                        glue = " AND ";
                    }
                    if let Some(status) = query.status {
                        sql.push(glue).push("status = ").push_bind(status.as_str());
                        glue = " AND ";
                    }
                    if let Some(search) = &query.search {
                        let pattern = contains_pattern(search);
                        let escape = crate::shared::LIKE_ESCAPE;
                        sql.push(glue)
                            .push("(email_canonical LIKE ")
                            .push_bind(pattern.clone())
                            .push(format_args!(" ESCAPE '{escape}' OR username_canonical LIKE "))
                            .push_bind(pattern)
                            .push(format_args!(" ESCAPE '{escape}')"));
                    }
                    sql.push(" ORDER BY id LIMIT ")
                        .push_bind(i64::from(query.limit));
                    sql.build_query_as::<UserRow>()
                        .fetch_all(&self.pool)
                        .await
                        .and_then(|rows| rows.into_iter().map(UserRow::into_user).collect())
                        .map_err(store_error)
                }

                async fn any_user_with_role(&self, role: &Role) -> Result<bool, StoreError> {
                    sqlx::query($sql::ANY_USER_WITH_ROLE)
                        .bind(role.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map(|row| row.is_some())
                        .map_err(store_error)
                }
            }

            #[async_trait]
            impl SessionStore for $store {
                async fn create_session(
                    &self,
                    session: &Session,
                    refresh: &RefreshKey,
                ) -> Result<(), StoreError> {
                    with_retries(|| self.create_session_once(session, refresh))
                        .await
                        .map_err(store_error)
                }

                async fn rotate_refresh_token(
                    &self,
                    rotation: &Rotation,
                ) -> Result<Option<Session>, StoreError> {
                    with_retries(|| self.rotate_once(rotation))
                        .await
                        .map_err(store_error)
                }

                async fn refresh_family(
                    &self,
                    selector: &RefreshSelector,
                ) -> Result<Option<RefreshFamily>, StoreError> {
                    sqlx::query_as::<_, RefreshFamilyRow>($sql::REFRESH_FAMILY)
                        .bind(&selector.as_bytes()[..])
                        .fetch_optional(&self.pool)
                        .await
                        .and_then(|row| row.map(RefreshFamilyRow::into_family).transpose())
                        .map_err(store_error)
                }

                async fn reissue_refresh_token(
                    &self,
                    session_id: SessionId,
                    presented: &TokenHash,
                    new: &TokenHash,
                    now: OffsetDateTime,
                    idle_expires_at: OffsetDateTime,
                ) -> Result<bool, StoreError> {
                    with_retries(|| {
                        self.reissue_refresh_token_once(
                            session_id,
                            presented,
                            new,
                            now,
                            idle_expires_at,
                        )
                    })
                    .await
                    .map_err(store_error)
                }

                async fn session(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
                    sqlx::query_as::<_, SessionRow>($sql::SESSION_BY_ID)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .and_then(|row| row.map(SessionRow::into_session).transpose())
                        .map_err(store_error)
                }

                async fn list_sessions(
                    &self,
                    user_id: UserId,
                    now: OffsetDateTime,
                ) -> Result<Vec<Session>, StoreError> {
                    sqlx::query_as::<_, SessionRow>($sql::LIST_ACTIVE_SESSIONS)
                        .bind(user_id)
                        .bind(micros(now))
                        .bind(micros(now))
                        .fetch_all(&self.pool)
                        .await
                        .and_then(|rows| {
                            rows.into_iter().map(SessionRow::into_session).collect()
                        })
                        .map_err(store_error)
                }

                async fn revoke_session(
                    &self,
                    user_id: UserId,
                    id: SessionId,
                    now: OffsetDateTime,
                ) -> Result<bool, StoreError> {
                    with_retries(|| self.revoke_session_once(user_id, id, now))
                        .await
                        .map_err(store_error)
                }

                async fn revoke_sessions(
                    &self,
                    user_id: UserId,
                    revocation: SessionRevocation,
                    now: OffsetDateTime,
                ) -> Result<u64, StoreError> {
                    if revocation == SessionRevocation::None {
                        return Ok(0);
                    }
                    with_retries(|| self.revoke_sessions_once(user_id, revocation, now))
                        .await
                        .map_err(store_error)
                }
            }

            #[async_trait]
            impl OneTimeTokenStore for $store {
                async fn issue_one_time_token(
                    &self,
                    token: &OneTimeToken,
                    void_previous: bool,
                ) -> Result<(), StoreError> {
                    with_retries(|| self.issue_one_time_token_once(token, void_previous))
                        .await
                        .map_err(store_error)
                }

                async fn find_one_time_token(
                    &self,
                    hash: &TokenHash,
                    now: OffsetDateTime,
                ) -> Result<Option<OneTimeToken>, StoreError> {
                    sqlx::query_as::<_, OneTimeTokenRow>($sql::FIND_ONE_TIME_TOKEN)
                        .bind(bytes(hash))
                        .bind(micros(now))
                        .fetch_optional(&self.pool)
                        .await
                        .and_then(|row| row.map(OneTimeTokenRow::into_token).transpose())
                        .map_err(store_error)
                }
            }

            #[async_trait]
            impl ThrottleStore for $store {
                async fn record_login_failure(
                    &self,
                    key: &str,
                    now: OffsetDateTime,
                    reset_after: Duration,
                ) -> Result<u32, StoreError> {
                    // `now - last > reset_after` restarts the count, as in the reference
                    // store: in stored microseconds, `last < now - reset_after`.
                    let now = micros(now);
                    let reset_before = now.saturating_sub(duration_micros(reset_after));
                    with_retries(|| self.record_login_failure_once(key, now, reset_before))
                        .await
                        .map(count)
                        .map_err(store_error)
                }

                async fn login_failures(
                    &self,
                    key: &str,
                ) -> Result<Option<LoginFailures>, StoreError> {
                    sqlx::query_as::<_, FailuresRow>($sql::LOGIN_FAILURES)
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await
                        .and_then(|row| row.map(FailuresRow::into_failures).transpose())
                        .map_err(store_error)
                }

                async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
                    with_retries(|| {
                        sqlx::query($sql::CLEAR_LOGIN_FAILURES)
                            .bind(key)
                            .execute(&self.pool)
                    })
                    .await
                    .map(drop)
                    .map_err(store_error)
                }
            }

            #[async_trait]
            impl RevocationStore for $store {
                async fn revocations_since(
                    &self,
                    after: i64,
                    limit: u32,
                ) -> Result<Vec<RevocationRecord>, StoreError> {
                    sqlx::query_as::<_, RevocationRow>($sql::REVOCATIONS_SINCE)
                        .bind(after)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .and_then(|rows| {
                            rows.into_iter().map(RevocationRow::into_record).collect()
                        })
                        .map_err(store_error)
                }

                async fn prune_revocations(
                    &self,
                    before: OffsetDateTime,
                ) -> Result<u64, StoreError> {
                    with_retries(|| {
                        sqlx::query($sql::PRUNE_REVOCATIONS)
                            .bind(micros(before))
                            .execute(&self.pool)
                    })
                    .await
                    .map(|done| done.rows_affected())
                    .map_err(store_error)
                }

                async fn listen(
                    &self,
                ) -> Result<Option<Box<dyn RevocationListener>>, StoreError> {
                    super::listen(&self.pool).await
                }
            }

            #[async_trait]
            impl Store for $store {
                async fn ping(&self) -> Result<(), StoreError> {
                    sqlx::query($sql::PING)
                        .execute(&self.pool)
                        .await
                        .map(drop)
                        .map_err(store_error)
                }
            }

            #[async_trait]
            impl EventSink for $store {
                async fn record(&self, event: AuthEvent) {
                    let inserted = sqlx::query($sql::INSERT_EVENT)
                        .bind(event.kind.as_str())
                        .bind(micros(event.at))
                        .bind(event.user_id)
                        .bind(event.session_id)
                        .bind(event.ip.map(|ip| ip.to_string()))
                        .bind(event.detail.as_deref())
                        .execute(&self.pool)
                        .await;
                    if let Err(error) = inserted {
                        tracing::warn!(
                            target: "authkit::events",
                            event = event.kind.as_str(),
                            error = %store_error(error),
                            "could not write the event to auth_events"
                        );
                    }
                }
            }

            #[async_trait]
            impl SqlStore for $store {
                async fn migrate(&self) -> Result<(), StoreError> {
                    $migrator.run(&self.pool).await.map_err(crate::shared::migrate_error)
                }

                fn backend(&self) -> Backend {
                    BACKEND
                }
            }
        }
    };
}

/// A failed migration run.
pub(crate) fn migrate_error(error: sqlx::migrate::MigrateError) -> StoreError {
    match error {
        sqlx::migrate::MigrateError::Execute(e) => match store_error(e) {
            StoreError::Backend(m) => StoreError::Backend(format!("migration failed: {m}")),
            other => other,
        },
        other => StoreError::Backend(format!("migration failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_as_microseconds() {
        let t = time::macros::datetime!(2030-01-02 03:04:05.123456 UTC);
        assert_eq!(micros(t), 1_893_553_445_123_456);
        assert_eq!(from_micros(micros(t)).unwrap(), t);
        let before_epoch = time::macros::datetime!(1969-12-31 23:59:59.999999 UTC);
        assert_eq!(micros(before_epoch), -1);
        assert_eq!(from_micros(-1).unwrap(), before_epoch);
    }

    #[test]
    fn search_patterns_match_wildcards_literally() {
        assert_eq!(contains_pattern("a_b"), "%a!_b%");
        assert_eq!(contains_pattern("100%"), "%100!%%");
        assert_eq!(contains_pattern("hi!"), "%hi!!%");
        assert_eq!(contains_pattern("josé"), "%josé%");
    }

    /// A database error as a driver would report it.
    #[derive(Debug)]
    struct Fake {
        message: String,
        constraint: Option<&'static str>,
        code: Option<&'static str>,
        kind: fn() -> sqlx::error::ErrorKind,
    }

    impl std::fmt::Display for Fake {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.message)
        }
    }

    impl std::error::Error for Fake {}

    impl sqlx::error::DatabaseError for Fake {
        fn message(&self) -> &str {
            &self.message
        }
        fn constraint(&self) -> Option<&str> {
            self.constraint
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            self.code.map(std::borrow::Cow::Borrowed)
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            (self.kind)()
        }
    }

    fn classify(message: &str, constraint: Option<&'static str>) -> StoreError {
        store_error(sqlx::Error::Database(Box::new(Fake {
            message: message.to_owned(),
            constraint,
            code: None,
            kind: || sqlx::error::ErrorKind::UniqueViolation,
        })))
    }

    #[test]
    fn unique_violations_name_the_field_of_their_index() {
        let field = |e: StoreError| match e {
            StoreError::Conflict(field) => Some(field),
            _ => None,
        };
        let pg = classify("duplicate key value", Some("users_username_canonical_key"));
        assert_eq!(field(pg), Some(UniqueField::Username));
        let sqlite = classify("UNIQUE constraint failed: users.email_canonical", None);
        assert_eq!(field(sqlite), Some(UniqueField::Email));
        // The duplicated value may itself mention the other index.
        let mysql = classify(
            "Duplicate entry 'username_canonical@x.org' for key 'users_email_canonical_key'",
            None,
        );
        assert_eq!(field(mysql), Some(UniqueField::Email));
        let mysql8 = classify(
            "Duplicate entry 'ada' for key 'users.users_username_canonical_key'",
            None,
        );
        assert_eq!(field(mysql8), Some(UniqueField::Username));
        let primary = classify("Duplicate entry 'x' for key 'PRIMARY'", None);
        assert!(matches!(primary, StoreError::Backend(_)), "{primary:?}");
    }

    fn failure(code: &'static str) -> sqlx::Error {
        sqlx::Error::Database(Box::new(Fake {
            message: format!("failure {code}"),
            constraint: None,
            code: Some(code),
            kind: || sqlx::error::ErrorKind::Other,
        }))
    }

    #[tokio::test]
    async fn a_transaction_that_lost_a_deadlock_runs_again() {
        let mut attempts = 0;
        let outcome = with_retries(|| {
            attempts += 1;
            let result = match attempts {
                1 => Err(failure("40P01")),
                2 => Err(failure("40001")),
                _ => Ok(attempts),
            };
            async move { result }
        })
        .await;
        assert_eq!(outcome.unwrap(), 3);
    }

    #[tokio::test]
    async fn other_failures_are_not_retried_and_deadlocks_not_forever() {
        let mut attempts = 0;
        let outcome: Result<(), _> = with_retries(|| {
            attempts += 1;
            async { Err(failure("23503")) }
        })
        .await;
        assert!(outcome.is_err());
        assert_eq!(attempts, 1);

        let mut attempts = 0;
        let outcome: Result<(), _> = with_retries(|| {
            attempts += 1;
            async { Err(failure("40P01")) }
        })
        .await;
        assert!(matches!(
            store_error(outcome.unwrap_err()),
            StoreError::Backend(_)
        ));
        assert_eq!(attempts, ATTEMPTS);
    }

    #[test]
    fn saturation_and_lost_connections_are_unavailable() {
        assert!(matches!(
            store_error(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(sqlx::Error::Io(
                std::io::ErrorKind::ConnectionRefused.into()
            )),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(failure("53300")),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(failure("08006")),
            StoreError::Unavailable(_)
        ));
        for code in [
            "55000", "3D000", "28P01", "57P01", "57P03", "53100", "53200", "58030", "08001",
        ] {
            assert!(
                matches!(store_error(failure(code)), StoreError::Unavailable(_)),
                "{code}"
            );
        }
        for code in ["42P01", "23505", "22P02", "40001"] {
            assert!(
                matches!(store_error(failure(code)), StoreError::Backend(_)),
                "{code}"
            );
        }
    }

    #[test]
    fn passwords_are_redacted_from_connection_errors() {
        let url = "postgres://app:s3cr%40t@db.internal:5432/auth";
        let message = format!("failed to connect to {url} as app with s3cr%40t");
        let redacted = redact(&message, url);
        assert!(!redacted.contains("s3cr"), "{redacted}");
        assert_eq!(redact("password s3cr%40t", url), "password [redacted]");
        assert_eq!(url_password("sqlite://authkit.db"), None);
        assert_eq!(url_password("mysql://root@localhost/db"), None);
        assert_eq!(
            url_password("mysql://root:pw@localhost/db?x=y:z"),
            Some("pw")
        );
    }
}
