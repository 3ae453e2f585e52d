-- The revocation feed: what was taken away, written in the same transaction as the change.
-- Every instance reads it incrementally by seq into its in-memory revocation view; rows older
-- than one access-token lifetime no longer matter and are deleted.
-- kind: 'session' (session_id set), 'account' (deleted), 'role' (role set).
CREATE TABLE revocations (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       VARCHAR(16) NOT NULL,
    user_id    UUID        NOT NULL,
    session_id UUID,
    role       VARCHAR(32),
    created_at BIGINT      NOT NULL
);
CREATE INDEX revocations_created_at_idx ON revocations (created_at);

-- Wakes every listening instance when a revocation commits (NOTIFY is transactional).
CREATE FUNCTION authkit_notify_revocation() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('authkit_revocations', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER revocations_notify AFTER INSERT ON revocations
    FOR EACH STATEMENT EXECUTE FUNCTION authkit_notify_revocation();
