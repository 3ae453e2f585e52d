-- authkit schema for SQLite.
-- Ids: UUID v7 as 16-byte BLOBs. Times: BIGINT microseconds since the Unix epoch, UTC.
-- Token hashes: SHA-256, 32-byte BLOBs. Booleans: 0/1.

CREATE TABLE users (
    id                 BLOB    NOT NULL PRIMARY KEY,
    email              TEXT    NOT NULL,
    email_canonical    TEXT    NOT NULL,
    username           TEXT,
    username_canonical TEXT,
    password_hash      TEXT    NOT NULL,
    role               TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    email_verified     BOOLEAN NOT NULL,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);
CREATE UNIQUE INDEX users_email_canonical_key ON users (email_canonical);
CREATE UNIQUE INDEX users_username_canonical_key ON users (username_canonical);
CREATE INDEX users_role_idx ON users (role);
CREATE INDEX users_status_idx ON users (status);

-- A session is a refresh-token family.
CREATE TABLE sessions (
    id              BLOB   NOT NULL PRIMARY KEY,
    user_id         BLOB   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT,
    user_agent      TEXT,
    ip              TEXT
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE refresh_tokens (
    hash       BLOB   NOT NULL PRIMARY KEY,
    session_id BLOB   NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

CREATE TABLE one_time_tokens (
    hash        BLOB   NOT NULL PRIMARY KEY,
    user_id     BLOB   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT   NOT NULL,
    new_email   TEXT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    consumed_at BIGINT
);
CREATE INDEX one_time_tokens_user_purpose_idx ON one_time_tokens (user_id, purpose);

-- Keyed by a digest of what was typed, never the identifier itself.
CREATE TABLE login_failures (
    throttle_key    TEXT    NOT NULL PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at BIGINT  NOT NULL
);

-- The audit trail: no foreign keys, it outlives the users it mentions.
CREATE TABLE auth_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT   NOT NULL,
    at         BIGINT NOT NULL,
    user_id    BLOB,
    session_id BLOB,
    ip         TEXT,
    detail     TEXT
);
CREATE INDEX auth_events_user_id_idx ON auth_events (user_id);
CREATE INDEX auth_events_at_idx ON auth_events (at);
