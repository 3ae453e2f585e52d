-- Refresh tokens live in their session's row: a token is the session's selector followed by a
-- verifier, and the row keeps the hash of the current token, of the one the last rotation
-- retired (a replay of it within the grace window is a retry, later a theft) and of the one a
-- retry displaced. A rotation is one update of one row, and nothing piles up per rotation.
ALTER TABLE sessions
    ADD COLUMN refresh_selector       BINARY(16),
    ADD COLUMN refresh_hash           BINARY(32),
    ADD COLUMN previous_refresh_hash  BINARY(32),
    ADD COLUMN displaced_refresh_hash BINARY(32),
    ADD COLUMN rotated_at             BIGINT,
    ADD UNIQUE KEY sessions_refresh_selector_key (refresh_selector);

-- Sessions from before hold refresh tokens without a selector: they end here (their users sign
-- in again), and the end is recorded in the feed like any other revocation.
INSERT INTO revocations (kind, user_id, session_id, created_at)
    SELECT 'session', user_id, id, CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)
    FROM sessions WHERE revoked_at IS NULL;
UPDATE sessions SET revoked_at = CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)
    WHERE revoked_at IS NULL;
DROP TABLE refresh_tokens;
