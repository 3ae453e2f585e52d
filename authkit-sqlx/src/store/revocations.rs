//! [`RevocationStore`](authkit_core::store::RevocationStore): the revocations feed, with the statements
//! that write it (inside the revoking transactions of the other stores) and read it.

/// The `revocations` statements, for [`portable_sql!`]: one per kind of record, then the
/// reads.
macro_rules! revocation_sql {
    ($placeholders:ident) => {
        pub(crate) const RECORD_SESSION_REVOKED: &str = $placeholders!(
            "INSERT INTO revocations (kind, user_id, session_id, created_at) \
             VALUES ('session', ?, ?, ?)"
        );
        /// Records the sessions of a user that this transaction revoked (at `now`).
        pub(crate) const RECORD_SESSIONS_REVOKED_AT: &str = $placeholders!(
            "INSERT INTO revocations (kind, user_id, session_id, created_at) \
             SELECT 'session', user_id, id, ? FROM sessions WHERE user_id = ? AND revoked_at = ?"
        );
        pub(crate) const RECORD_ROLE_CHANGED: &str = $placeholders!(
            "INSERT INTO revocations (kind, user_id, role, created_at) VALUES ('role', ?, ?, ?)"
        );
        pub(crate) const RECORD_ACCOUNT_DELETED: &str = $placeholders!(
            "INSERT INTO revocations (kind, user_id, created_at) VALUES ('account', ?, ?)"
        );
        pub(crate) const REVOCATIONS_SINCE: &str = $placeholders!(
            "SELECT seq, kind, user_id, session_id, role, created_at FROM revocations \
             WHERE seq > ? ORDER BY seq LIMIT ?"
        );
        pub(crate) const PRUNE_REVOCATIONS: &str =
            $placeholders!("DELETE FROM revocations WHERE created_at < ?");
    };
}

/// `RevocationStore` for a backend's store, expanded by [`impl_store!`] inside its `store_impl` module.
macro_rules! impl_revocation_store {
    ($store:ident, $db:ty, $sql:ident) => {
        #[async_trait]
        impl RevocationStore for $store {
            async fn revocations_since(
                &self,
                after: i64,
                limit: u32,
            ) -> Result<Vec<RevocationRecord>, StoreError> {
                sqlx::query_as::<_, RevocationRow>($sql::REVOCATIONS_SINCE)
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .and_then(|rows| rows.into_iter().map(RevocationRow::into_record).collect())
                    .map_err(store_error)
            }

            async fn prune_revocations(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
                with_retries(|| {
                    sqlx::query($sql::PRUNE_REVOCATIONS)
                        .bind(micros(before))
                        .execute(&self.pool)
                })
                .await
                .map(|done| done.rows_affected())
                .map_err(store_error)
            }

            async fn listen(&self) -> Result<Option<Box<dyn RevocationListener>>, StoreError> {
                super::listen(&self.pool).await
            }
        }
    };
}
