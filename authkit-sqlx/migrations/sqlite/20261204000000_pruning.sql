-- Pruning deletes ended rows by the time they ended, one index range per way a row ends.
-- sessions.idle_expires_at has none on purpose: every rotation moves it, and an index would
-- cost each rotation an index write; its delete scans the table, bounded by the batch.
CREATE INDEX sessions_revoked_at_idx ON sessions (revoked_at);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX one_time_tokens_expires_at_idx ON one_time_tokens (expires_at);
CREATE INDEX one_time_tokens_consumed_at_idx ON one_time_tokens (consumed_at);
CREATE INDEX login_failures_last_failure_at_idx ON login_failures (last_failure_at);
