-- The revocation feed: what was taken away, written in the same transaction as the change.
-- Every instance reads it incrementally by seq into its in-memory revocation view; rows older
-- than one access-token lifetime no longer matter and are deleted.
-- kind: 'session' (session_id set), 'account' (deleted), 'role' (role set).
CREATE TABLE revocations (
    seq        BIGINT      NOT NULL AUTO_INCREMENT,
    kind       VARCHAR(16) NOT NULL,
    user_id    BINARY(16)  NOT NULL,
    session_id BINARY(16),
    role       VARCHAR(32),
    created_at BIGINT      NOT NULL,
    PRIMARY KEY (seq),
    KEY revocations_created_at_idx (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
