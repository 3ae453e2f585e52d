-- authkit schema for MySQL 8 / MariaDB 10.6+ (InnoDB, utf8mb4).
-- Ids: UUID v7 as BINARY(16). Times: BIGINT microseconds since the Unix epoch, UTC.
-- Token hashes: SHA-256, BINARY(32). Text compares exactly (utf8mb4_bin): a _ci collation
-- would equate 'josé' and 'jose'.

CREATE TABLE users (
    id                 BINARY(16)   NOT NULL,
    email              VARCHAR(254) NOT NULL,
    email_canonical    VARCHAR(254) COLLATE utf8mb4_bin NOT NULL,
    username           VARCHAR(32),
    username_canonical VARCHAR(32)  COLLATE utf8mb4_bin,
    password_hash      VARCHAR(255) NOT NULL,
    role               VARCHAR(32)  NOT NULL,
    status             VARCHAR(16)  NOT NULL,
    email_verified     BOOLEAN      NOT NULL,
    created_at         BIGINT       NOT NULL,
    updated_at         BIGINT       NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY users_email_canonical_key (email_canonical),
    UNIQUE KEY users_username_canonical_key (username_canonical),
    KEY users_role_idx (role),
    KEY users_status_idx (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A session is a refresh-token family.
CREATE TABLE sessions (
    id              BINARY(16)   NOT NULL,
    user_id         BINARY(16)   NOT NULL,
    created_at      BIGINT       NOT NULL,
    last_used_at    BIGINT       NOT NULL,
    idle_expires_at BIGINT       NOT NULL,
    expires_at      BIGINT       NOT NULL,
    revoked_at      BIGINT,
    user_agent      VARCHAR(512),
    ip              VARCHAR(45),
    PRIMARY KEY (id),
    KEY sessions_user_id_idx (user_id),
    CONSTRAINT sessions_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE refresh_tokens (
    hash       BINARY(32) NOT NULL,
    session_id BINARY(16) NOT NULL,
    created_at BIGINT     NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (hash),
    KEY refresh_tokens_session_id_idx (session_id),
    CONSTRAINT refresh_tokens_session_id_fk FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE one_time_tokens (
    hash        BINARY(32)   NOT NULL,
    user_id     BINARY(16)   NOT NULL,
    purpose     VARCHAR(32)  NOT NULL,
    new_email   VARCHAR(254),
    created_at  BIGINT       NOT NULL,
    expires_at  BIGINT       NOT NULL,
    consumed_at BIGINT,
    PRIMARY KEY (hash),
    KEY one_time_tokens_user_purpose_idx (user_id, purpose),
    CONSTRAINT one_time_tokens_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Keyed by a digest of what was typed, never the identifier itself.
CREATE TABLE login_failures (
    throttle_key    VARCHAR(64) NOT NULL,
    failures        INT         NOT NULL,
    last_failure_at BIGINT      NOT NULL,
    PRIMARY KEY (throttle_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The audit trail: no foreign keys, it outlives the users it mentions.
CREATE TABLE auth_events (
    id         BIGINT      NOT NULL AUTO_INCREMENT,
    kind       VARCHAR(64) NOT NULL,
    at         BIGINT      NOT NULL,
    user_id    BINARY(16),
    session_id BINARY(16),
    ip         VARCHAR(45),
    detail     TEXT,
    PRIMARY KEY (id),
    KEY auth_events_user_id_idx (user_id),
    KEY auth_events_at_idx (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
