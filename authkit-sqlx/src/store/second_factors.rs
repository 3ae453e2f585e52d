//! [`SecondFactorStore`](authkit_core::store::SecondFactorStore): TOTP authenticators and
//! recovery codes, with the statements they run (the enrolment upsert differs per backend and
//! lives in the backend modules).
//!
//! Every single-use step is one conditional `UPDATE` counted by its affected rows: a time step
//! is accepted only above the last one, a recovery code only while unused, a pending
//! authenticator confirmed only with the secret it was started with.

/// The `totp_credentials` and `recovery_codes` statements, for [`portable_sql!`].
macro_rules! second_factor_sql {
    ($placeholders:ident) => {
        pub(crate) const TOTP: &str = $placeholders!(
            "SELECT user_id, sealed_secret, created_at, confirmed_at, last_used_step \
             FROM totp_credentials WHERE user_id = ?"
        );
        /// Whether the user's authenticator is pending (a count, 0 or 1): read after the
        /// enrolment upsert where it cannot count (MySQL).
        pub(crate) const TOTP_PENDING: &str = $placeholders!(
            "SELECT COUNT(*) FROM totp_credentials WHERE user_id = ? AND confirmed_at IS NULL"
        );
        /// Matches only the pending authenticator started with this sealed secret. Binds: now,
        /// step, user id, sealed secret.
        pub(crate) const CONFIRM_TOTP: &str = $placeholders!(
            "UPDATE totp_credentials SET confirmed_at = ?, last_used_step = ? \
             WHERE user_id = ? AND sealed_secret = ? AND confirmed_at IS NULL"
        );
        /// Matches only a confirmed authenticator whose last used step is below this one.
        /// Binds: step, user id, step.
        pub(crate) const USE_TOTP_STEP: &str = $placeholders!(
            "UPDATE totp_credentials SET last_used_step = ? \
             WHERE user_id = ? AND confirmed_at IS NOT NULL \
             AND (last_used_step IS NULL OR last_used_step < ?)"
        );
        pub(crate) const DELETE_CONFIRMED_TOTP: &str = $placeholders!(
            "DELETE FROM totp_credentials WHERE user_id = ? AND confirmed_at IS NOT NULL"
        );
        pub(crate) const DELETE_TOTP: &str =
            $placeholders!("DELETE FROM totp_credentials WHERE user_id = ?");
        pub(crate) const DELETE_RECOVERY_CODES: &str =
            $placeholders!("DELETE FROM recovery_codes WHERE user_id = ?");
        /// Matches only an unused code of this user. Binds: now, user id, hash.
        pub(crate) const USE_RECOVERY_CODE: &str = $placeholders!(
            "UPDATE recovery_codes SET used_at = ? \
             WHERE user_id = ? AND hash = ? AND used_at IS NULL"
        );
        pub(crate) const RECOVERY_CODES_LEFT: &str = $placeholders!(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL"
        );
    };
}

/// `SecondFactorStore` for a backend's store, expanded by [`impl_store!`] inside its
/// `store_impl` module.
macro_rules! impl_second_factor_store {
    ($store:ident, $db:ty, $sql:ident) => {
        /// Replaces the user's recovery codes (used or not) with `codes`, inside `tx`.
        async fn replace_recovery_codes_in(
            tx: &mut Tx,
            user_id: UserId,
            codes: &[TokenHash],
            now: OffsetDateTime,
        ) -> Result<(), sqlx::Error> {
            sqlx::query($sql::DELETE_RECOVERY_CODES)
                .bind(user_id)
                .execute(&mut **tx)
                .await?;
            if codes.is_empty() {
                return Ok(());
            }
            let mut insert =
                QueryBuilder::<$db>::new("INSERT INTO recovery_codes (user_id, hash, created_at) ");
            insert.push_values(codes, |mut row, code| {
                row.push_bind(user_id)
                    .push_bind(bytes(code))
                    .push_bind(micros(now));
            });
            insert.build().execute(&mut **tx).await?;
            Ok(())
        }

        impl $store {
            async fn begin_totp_once(
                &self,
                credential: &TotpCredential,
            ) -> Result<bool, sqlx::Error> {
                let upsert = sqlx::query($sql::BEGIN_TOTP)
                    .bind(credential.user_id)
                    .bind(credential.sealed_secret.as_slice())
                    .bind(micros(credential.created_at));
                if $sql::BEGIN_TOTP_COUNTS {
                    // One statement whose update branch matches a pending row only: it
                    // counts 0 rows against a confirmed one.
                    return Ok(upsert.execute(&self.pool).await?.rows_affected() == 1);
                }
                // The upsert keeps a confirmed row as it is and locks the row until commit,
                // so the row read next is as the upsert left it: pending means it is ours.
                let mut tx = self.begin().await?;
                upsert.execute(&mut *tx).await?;
                let pending: i64 = sqlx::query_scalar($sql::TOTP_PENDING)
                    .bind(credential.user_id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(pending == 1)
            }

            async fn confirm_totp_once(
                &self,
                user_id: UserId,
                sealed_secret: &[u8],
                step: i64,
                recovery_codes: &[TokenHash],
                now: OffsetDateTime,
            ) -> Result<bool, sqlx::Error> {
                let mut tx = self.begin().await?;
                let confirmed = sqlx::query($sql::CONFIRM_TOTP)
                    .bind(micros(now))
                    .bind(step)
                    .bind(user_id)
                    .bind(sealed_secret)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if confirmed != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                replace_recovery_codes_in(&mut tx, user_id, recovery_codes, now).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn replace_recovery_codes_once(
                &self,
                user_id: UserId,
                codes: &[TokenHash],
                now: OffsetDateTime,
            ) -> Result<(), sqlx::Error> {
                let mut tx = self.begin().await?;
                replace_recovery_codes_in(&mut tx, user_id, codes, now).await?;
                tx.commit().await
            }

            async fn remove_second_factors_once(
                &self,
                user_id: UserId,
            ) -> Result<bool, sqlx::Error> {
                let mut tx = self.begin().await?;
                // The authenticator first, as confirming locks it before the codes.
                let confirmed = sqlx::query($sql::DELETE_CONFIRMED_TOTP)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    > 0;
                sqlx::query($sql::DELETE_TOTP)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query($sql::DELETE_RECOVERY_CODES)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(confirmed)
            }
        }

        #[async_trait]
        impl SecondFactorStore for $store {
            async fn totp(&self, user_id: UserId) -> Result<Option<TotpCredential>, StoreError> {
                sqlx::query_as::<_, TotpRow>($sql::TOTP)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await
                    .and_then(|row| row.map(TotpRow::into_credential).transpose())
                    .map_err(store_error)
            }

            async fn begin_totp(&self, credential: &TotpCredential) -> Result<bool, StoreError> {
                with_retries(|| self.begin_totp_once(credential))
                    .await
                    .map_err(store_error)
            }

            async fn confirm_totp(
                &self,
                user_id: UserId,
                sealed_secret: &[u8],
                step: i64,
                recovery_codes: &[TokenHash],
                now: OffsetDateTime,
            ) -> Result<bool, StoreError> {
                with_retries(|| {
                    self.confirm_totp_once(user_id, sealed_secret, step, recovery_codes, now)
                })
                .await
                .map_err(store_error)
            }

            async fn use_totp_step(&self, user_id: UserId, step: i64) -> Result<bool, StoreError> {
                with_retries(|| {
                    sqlx::query($sql::USE_TOTP_STEP)
                        .bind(step)
                        .bind(user_id)
                        .bind(step)
                        .execute(&self.pool)
                })
                .await
                .map(|done| done.rows_affected() == 1)
                .map_err(store_error)
            }

            async fn replace_recovery_codes(
                &self,
                user_id: UserId,
                codes: &[TokenHash],
                now: OffsetDateTime,
            ) -> Result<(), StoreError> {
                with_retries(|| self.replace_recovery_codes_once(user_id, codes, now))
                    .await
                    .map_err(store_error)
            }

            async fn use_recovery_code(
                &self,
                user_id: UserId,
                code: &TokenHash,
                now: OffsetDateTime,
            ) -> Result<bool, StoreError> {
                with_retries(|| {
                    sqlx::query($sql::USE_RECOVERY_CODE)
                        .bind(micros(now))
                        .bind(user_id)
                        .bind(bytes(code))
                        .execute(&self.pool)
                })
                .await
                .map(|done| done.rows_affected() == 1)
                .map_err(store_error)
            }

            async fn recovery_codes_left(&self, user_id: UserId) -> Result<u32, StoreError> {
                sqlx::query_scalar::<_, i64>($sql::RECOVERY_CODES_LEFT)
                    .bind(user_id)
                    .fetch_one(&self.pool)
                    .await
                    .map(|left| u32::try_from(left).unwrap_or(u32::MAX))
                    .map_err(store_error)
            }

            async fn remove_second_factors(&self, user_id: UserId) -> Result<bool, StoreError> {
                with_retries(|| self.remove_second_factors_once(user_id))
                    .await
                    .map_err(store_error)
            }
        }
    };
}
