//! [`ThrottleStore`](authkit_core::store::ThrottleStore): failed-login counters, with the statements
//! they run (the upsert differs per backend and lives in the backend modules).

/// The `login_failures` statements, for [`portable_sql!`].
macro_rules! throttle_sql {
    ($placeholders:ident) => {
        pub(crate) const LOGIN_FAILURES: &str = $placeholders!(
            "SELECT failures, last_failure_at FROM login_failures WHERE throttle_key = ?"
        );
        pub(crate) const LOGIN_FAILURE_COUNT: &str =
            $placeholders!("SELECT failures FROM login_failures WHERE throttle_key = ?");
        pub(crate) const CLEAR_LOGIN_FAILURES: &str =
            $placeholders!("DELETE FROM login_failures WHERE throttle_key = ?");
    };
}

/// `ThrottleStore` for a backend's store, expanded by [`impl_store!`] inside its `store_impl` module.
macro_rules! impl_throttle_store {
    ($store:ident, $db:ty, $sql:ident) => {
        impl $store {
            async fn record_login_failure_once(
                &self,
                key: &str,
                now: i64,
                reset_before: i64,
            ) -> Result<i32, sqlx::Error> {
                let upsert = sqlx::query($sql::RECORD_LOGIN_FAILURE)
                    .bind(key)
                    .bind(now)
                    .bind(reset_before);
                if $sql::RECORD_LOGIN_FAILURE_RETURNS_COUNT {
                    // One atomic statement: `... ON CONFLICT DO UPDATE ... RETURNING`.
                    let row = upsert.fetch_one(&self.pool).await?;
                    return sqlx::Row::try_get::<i32, _>(&row, 0);
                }
                // The upsert locks the row until commit, so the count read next in the
                // same transaction is exactly this call's.
                let mut tx = self.begin().await?;
                upsert.execute(&mut *tx).await?;
                let failures: i32 = sqlx::query_scalar($sql::LOGIN_FAILURE_COUNT)
                    .bind(key)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(failures)
            }
        }

        #[async_trait]
        impl ThrottleStore for $store {
            async fn record_login_failure(
                &self,
                key: &str,
                now: OffsetDateTime,
                reset_after: Duration,
            ) -> Result<u32, StoreError> {
                // `now - last > reset_after` restarts the count, as in the reference
                // store: in stored microseconds, `last < now - reset_after`.
                let now = micros(now);
                let reset_before = now.saturating_sub(duration_micros(reset_after));
                with_retries(|| self.record_login_failure_once(key, now, reset_before))
                    .await
                    .map(count)
                    .map_err(store_error)
            }

            async fn login_failures(&self, key: &str) -> Result<Option<LoginFailures>, StoreError> {
                sqlx::query_as::<_, FailuresRow>($sql::LOGIN_FAILURES)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .and_then(|row| row.map(FailuresRow::into_failures).transpose())
                    .map_err(store_error)
            }

            async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
                with_retries(|| {
                    sqlx::query($sql::CLEAR_LOGIN_FAILURES)
                        .bind(key)
                        .execute(&self.pool)
                })
                .await
                .map(drop)
                .map_err(store_error)
            }
        }
    };
}
