//! The SQL that reads the same on every backend but for its placeholders ([`portable_sql!`]),
//! and the column lists the row types expect. Each backend module instantiates it with its
//! placeholder macro and adds what differs.

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
        /// The grace-window reissue: one update of one row, found by its selector as in a
        /// rotation. Binds: new hash, now, idle expiry, selector, presented hash (twice), now,
        /// now.
        pub(crate) const REISSUE_REFRESH_TOKEN: &str = $placeholders!(
            "UPDATE sessions SET displaced_refresh_hash = refresh_hash, refresh_hash = ?, \
             last_used_at = ?, idle_expires_at = ? \
             WHERE refresh_selector = ? \
             AND (previous_refresh_hash = ? OR displaced_refresh_hash = ?) \
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
