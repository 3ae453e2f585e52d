-- authkit schema for PostgreSQL.
-- Ids: UUID (v7). Times: BIGINT microseconds since the Unix epoch, UTC.
-- Token hashes: SHA-256, 32 raw bytes.

CREATE TABLE users (
    id                 UUID         NOT NULL PRIMARY KEY,
    email              VARCHAR(254) NOT NULL,
    email_canonical    VARCHAR(254) NOT NULL,
    username           VARCHAR(32),
    username_canonical VARCHAR(32),
    password_hash      TEXT         NOT NULL,
    role               VARCHAR(32)  NOT NULL,
    status             VARCHAR(16)  NOT NULL,
    email_verified     BOOLEAN      NOT NULL,
    created_at         BIGINT       NOT NULL,
    updated_at         BIGINT       NOT NULL,
    CONSTRAINT users_email_canonical_key UNIQUE (email_canonical),
    CONSTRAINT users_username_canonical_key UNIQUE (username_canonical)
);
CREATE INDEX users_role_idx ON users (role);
CREATE INDEX users_status_idx ON users (status);

-- A session is a refresh-token family.
CREATE TABLE sessions (
    id              UUID   NOT NULL PRIMARY KEY,
    user_id         UUID   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT,
    user_agent      TEXT,
    ip              VARCHAR(45)
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE refresh_tokens (
    hash       BYTEA  NOT NULL PRIMARY KEY CHECK (octet_length(hash) = 32),
    session_id UUID   NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

CREATE TABLE one_time_tokens (
    hash        BYTEA        NOT NULL PRIMARY KEY CHECK (octet_length(hash) = 32),
    user_id     UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     VARCHAR(32)  NOT NULL,
    new_email   VARCHAR(254),
    created_at  BIGINT       NOT NULL,
    expires_at  BIGINT       NOT NULL,
    consumed_at BIGINT
);
CREATE INDEX one_time_tokens_user_purpose_idx ON one_time_tokens (user_id, purpose);

-- Keyed by a digest of what was typed, never the identifier itself.
CREATE TABLE login_failures (
    throttle_key    VARCHAR(64) NOT NULL PRIMARY KEY,
    failures        INTEGER     NOT NULL,
    last_failure_at BIGINT      NOT NULL
);

-- The audit trail: no foreign keys, it outlives the users it mentions.
CREATE TABLE auth_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       VARCHAR(64) NOT NULL,
    at         BIGINT      NOT NULL,
    user_id    UUID,
    session_id UUID,
    ip         VARCHAR(45),
    detail     TEXT
);
CREATE INDEX auth_events_user_id_idx ON auth_events (user_id);
CREATE INDEX auth_events_at_idx ON auth_events (at);
