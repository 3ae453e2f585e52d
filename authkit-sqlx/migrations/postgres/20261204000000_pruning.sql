-- Pruning deletes ended rows by the time they ended, one index range per way a row ends.
-- sessions.idle_expires_at has none on purpose: every rotation moves it, and an index on it
-- would end the rotations' HOT updates; its delete scans the table, bounded by the batch.
-- revoked_at is set once per session, so its index costs one non-HOT update at revocation.
CREATE INDEX sessions_revoked_at_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX one_time_tokens_expires_at_idx ON one_time_tokens (expires_at);
CREATE INDEX one_time_tokens_consumed_at_idx ON one_time_tokens (consumed_at)
    WHERE consumed_at IS NOT NULL;
CREATE INDEX login_failures_last_failure_at_idx ON login_failures (last_failure_at);
