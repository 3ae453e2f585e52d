-- Second factors: a TOTP authenticator per user and their single-use recovery codes. Both go
-- with the user (ON DELETE CASCADE).
-- A pending enrolment has confirmed_at NULL; last_used_step is the last accepted time step
-- (Unix time / 30 s), so no code of it or of an earlier step is accepted again.
-- sealed_secret is the secret sealed by the flows (opaque here: stored and compared as bytes).
CREATE TABLE totp_credentials (
    user_id        BLOB   NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sealed_secret  BLOB   NOT NULL,
    created_at     BIGINT NOT NULL,
    confirmed_at   BIGINT,
    last_used_step BIGINT
);

-- The primary key is (user_id, hash) rather than the digest alone: every statement names the
-- user (use a code, count the unused ones, replace or delete them all), so this one index
-- serves them all, and a code is never matched without its user.
CREATE TABLE recovery_codes (
    user_id    BLOB   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       BLOB   NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, hash)
);
