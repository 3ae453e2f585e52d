//! The SQL that reads the same on every backend but for its placeholders ([`portable_sql!`],
//! which gathers the statements each `store/` file keeps beside the code that runs them), and
//! the column lists the row types expect. Each backend module instantiates it with its
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

/// The columns of `passkeys`, in [`PasskeyRow`] order.
macro_rules! passkey_columns {
    () => {
        "id, user_id, credential_id, name, credential, sign_count, created_at, last_used_at"
    };
}

/// Defines, in the invoking module, every statement whose text is the same on all backends but
/// for the placeholders: those of each `store/` file, plus the events insert and the ping. Written with `?`; `$placeholders` is a macro turning such text into
/// the backend's form (`verbatim`, or PostgreSQL's `$1, $2, ...`). No statement may contain a
/// `?` other than a placeholder.
macro_rules! portable_sql {
    ($placeholders:ident) => {
        user_sql!($placeholders);
        session_sql!($placeholders);
        revocation_sql!($placeholders);
        one_time_token_sql!($placeholders);
        throttle_sql!($placeholders);
        second_factor_sql!($placeholders);
        identity_sql!($placeholders);
        passkey_sql!($placeholders);

        pub(crate) const INSERT_EVENT: &str = $placeholders!(
            "INSERT INTO auth_events (kind, at, user_id, session_id, ip, detail) \
             VALUES (?, ?, ?, ?, ?, ?)"
        );
        pub(crate) const PING: &str = "SELECT 1";

        // Moving an earlier release's migration history (see `migrations.rs`).
        pub(crate) const ADOPT_LEGACY_MIGRATION: &str = $placeholders!(
            "INSERT INTO _authkit_migrations \
             (version, description, installed_on, success, checksum, execution_time) \
             SELECT version, description, installed_on, success, checksum, execution_time \
             FROM _sqlx_migrations WHERE version = ? AND checksum = ? \
             AND NOT EXISTS (SELECT 1 FROM _authkit_migrations WHERE version = ?)"
        );
        pub(crate) const FORGET_LEGACY_MIGRATION: &str =
            $placeholders!("DELETE FROM _sqlx_migrations WHERE version = ? AND checksum = ?");
    };
}
