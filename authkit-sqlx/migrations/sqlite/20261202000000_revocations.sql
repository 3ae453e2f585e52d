-- The revocation feed: what was taken away, written in the same transaction as the change.
-- Every instance reads it incrementally by seq into its in-memory revocation view; rows older
-- than one access-token lifetime no longer matter and are deleted.
-- kind: 'session' (session_id set), 'account' (deleted), 'role' (role set).
CREATE TABLE revocations (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT   NOT NULL,
    user_id    BLOB   NOT NULL,
    session_id BLOB,
    role       TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX revocations_created_at_idx ON revocations (created_at);
