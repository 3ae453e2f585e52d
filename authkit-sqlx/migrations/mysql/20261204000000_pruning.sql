-- Pruning deletes ended rows by the time they ended, one index range per way a row ends.
-- sessions.idle_expires_at has none on purpose: every rotation moves it, and an index would
-- cost each rotation an index write; its delete scans the table, bounded by the batch.
ALTER TABLE sessions
    ADD KEY sessions_revoked_at_idx (revoked_at),
    ADD KEY sessions_expires_at_idx (expires_at);
ALTER TABLE one_time_tokens
    ADD KEY one_time_tokens_expires_at_idx (expires_at),
    ADD KEY one_time_tokens_consumed_at_idx (consumed_at);
ALTER TABLE login_failures
    ADD KEY login_failures_last_failure_at_idx (last_failure_at);
