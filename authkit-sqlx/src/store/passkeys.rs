//! [`PasskeyStore`](authkit_core::store::PasskeyStore): passkeys and their ceremonies, with the
//! statements they run (the same on every backend).
//!
//! The two single-use steps are each decided by one conditional statement counted by its
//! affected rows: a signature count is accepted by an `UPDATE` matching only a lower stored
//! count, and a ceremony is taken by the `DELETE` that removes it (the read before it only
//! fetches the state, which never changes, so a caller whose `DELETE` counts 0 rows lost).

/// The `passkeys` and `passkey_ceremonies` statements, for [`portable_sql!`].
macro_rules! passkey_sql {
    ($placeholders:ident) => {
        pub(crate) const INSERT_PASSKEY: &str = $placeholders!(
            "INSERT INTO passkeys (id, user_id, credential_id, name, credential, sign_count, \
             created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        );
        pub(crate) const PASSKEYS: &str = $placeholders!(concat!(
            "SELECT ",
            passkey_columns!(),
            " FROM passkeys WHERE user_id = ? ORDER BY created_at, id"
        ));
        pub(crate) const PASSKEY_BY_CREDENTIAL_ID: &str = $placeholders!(concat!(
            "SELECT ",
            passkey_columns!(),
            " FROM passkeys WHERE credential_id = ?"
        ));
        /// Binds: name, id, user id.
        pub(crate) const RENAME_PASSKEY: &str =
            $placeholders!("UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?");
        pub(crate) const DELETE_PASSKEY: &str =
            $placeholders!("DELETE FROM passkeys WHERE id = ? AND user_id = ?");
        pub(crate) const DELETE_PASSKEYS: &str =
            $placeholders!("DELETE FROM passkeys WHERE user_id = ?");
        /// Matches only a stored count below the new one, or both 0. Binds: count, credential,
        /// now, id, user id, count, count.
        pub(crate) const USE_PASSKEY: &str = $placeholders!(
            "UPDATE passkeys SET sign_count = ?, credential = ?, last_used_at = ? \
             WHERE id = ? AND user_id = ? AND (sign_count < ? OR (sign_count = 0 AND ? = 0))"
        );
        pub(crate) const DELETE_EXPIRED_CEREMONIES: &str =
            $placeholders!("DELETE FROM passkey_ceremonies WHERE expires_at < ?");
        pub(crate) const INSERT_CEREMONY: &str = $placeholders!(
            "INSERT INTO passkey_ceremonies (hash, user_id, purpose, state, created_at, \
             expires_at) VALUES (?, ?, ?, ?, ?, ?)"
        );
        /// Binds: hash, purpose, now.
        pub(crate) const CEREMONY: &str = $placeholders!(
            "SELECT hash, user_id, purpose, state, created_at, expires_at \
             FROM passkey_ceremonies WHERE hash = ? AND purpose = ? AND expires_at > ?"
        );
        /// The same condition as [`CEREMONY`]: the one caller it counts a row for took it.
        pub(crate) const TAKE_CEREMONY: &str = $placeholders!(
            "DELETE FROM passkey_ceremonies WHERE hash = ? AND purpose = ? AND expires_at > ?"
        );
    };
}

/// `PasskeyStore` for a backend's store, expanded by [`impl_store!`] inside its `store_impl`
/// module.
macro_rules! impl_passkey_store {
    ($store:ident, $db:ty, $sql:ident) => {
        impl $store {
            async fn issue_passkey_ceremony_once(
                &self,
                ceremony: &PasskeyCeremony,
            ) -> Result<(), sqlx::Error> {
                sqlx::query($sql::DELETE_EXPIRED_CEREMONIES)
                    .bind(micros(ceremony.created_at))
                    .execute(&self.pool)
                    .await?;
                sqlx::query($sql::INSERT_CEREMONY)
                    .bind(bytes(&ceremony.hash))
                    .bind(ceremony.user_id)
                    .bind(ceremony.purpose.as_str())
                    .bind(ceremony.state.as_str())
                    .bind(micros(ceremony.created_at))
                    .bind(micros(ceremony.expires_at))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn take_passkey_ceremony_once(
                &self,
                hash: &TokenHash,
                purpose: CeremonyPurpose,
                now: OffsetDateTime,
            ) -> Result<Option<PasskeyCeremony>, sqlx::Error> {
                let Some(row) = sqlx::query_as::<_, CeremonyRow>($sql::CEREMONY)
                    .bind(bytes(hash))
                    .bind(purpose.as_str())
                    .bind(micros(now))
                    .fetch_optional(&self.pool)
                    .await?
                else {
                    return Ok(None);
                };
                let taken = sqlx::query($sql::TAKE_CEREMONY)
                    .bind(bytes(hash))
                    .bind(purpose.as_str())
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                if taken == 1 {
                    row.into_ceremony().map(Some)
                } else {
                    Ok(None)
                }
            }
        }

        #[async_trait]
        impl PasskeyStore for $store {
            async fn add_passkey(&self, passkey: &StoredPasskey) -> Result<(), StoreError> {
                with_retries(|| {
                    sqlx::query($sql::INSERT_PASSKEY)
                        .bind(passkey.id)
                        .bind(passkey.user_id)
                        .bind(passkey.credential_id.as_slice())
                        .bind(passkey.name.as_str())
                        .bind(passkey.credential.as_str())
                        .bind(i64::from(passkey.sign_count))
                        .bind(micros(passkey.created_at))
                        .bind(passkey.last_used_at.map(micros))
                        .execute(&self.pool)
                })
                .await
                .map(drop)
                .map_err(store_error)
            }

            async fn passkeys(&self, user_id: UserId) -> Result<Vec<StoredPasskey>, StoreError> {
                sqlx::query_as::<_, PasskeyRow>($sql::PASSKEYS)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await
                    .and_then(|rows| rows.into_iter().map(PasskeyRow::into_passkey).collect())
                    .map_err(store_error)
            }

            async fn passkey_by_credential_id(
                &self,
                credential_id: &[u8],
            ) -> Result<Option<StoredPasskey>, StoreError> {
                sqlx::query_as::<_, PasskeyRow>($sql::PASSKEY_BY_CREDENTIAL_ID)
                    .bind(credential_id)
                    .fetch_optional(&self.pool)
                    .await
                    .and_then(|row| row.map(PasskeyRow::into_passkey).transpose())
                    .map_err(store_error)
            }

            async fn rename_passkey(
                &self,
                user_id: UserId,
                id: uuid::Uuid,
                name: &str,
            ) -> Result<bool, StoreError> {
                with_retries(|| {
                    sqlx::query($sql::RENAME_PASSKEY)
                        .bind(name)
                        .bind(id)
                        .bind(user_id)
                        .execute(&self.pool)
                })
                .await
                .map(|done| done.rows_affected() == 1)
                .map_err(store_error)
            }

            async fn delete_passkey(
                &self,
                user_id: UserId,
                id: uuid::Uuid,
            ) -> Result<bool, StoreError> {
                with_retries(|| {
                    sqlx::query($sql::DELETE_PASSKEY)
                        .bind(id)
                        .bind(user_id)
                        .execute(&self.pool)
                })
                .await
                .map(|done| done.rows_affected() == 1)
                .map_err(store_error)
            }

            async fn use_passkey(
                &self,
                user_id: UserId,
                id: uuid::Uuid,
                sign_count: u32,
                credential: &str,
                now: OffsetDateTime,
            ) -> Result<bool, StoreError> {
                let count = i64::from(sign_count);
                with_retries(|| {
                    sqlx::query($sql::USE_PASSKEY)
                        .bind(count)
                        .bind(credential)
                        .bind(micros(now))
                        .bind(id)
                        .bind(user_id)
                        .bind(count)
                        .bind(count)
                        .execute(&self.pool)
                })
                .await
                .map(|done| done.rows_affected() == 1)
                .map_err(store_error)
            }

            async fn remove_passkeys(&self, user_id: UserId) -> Result<u64, StoreError> {
                with_retries(|| {
                    sqlx::query($sql::DELETE_PASSKEYS)
                        .bind(user_id)
                        .execute(&self.pool)
                })
                .await
                .map(|done| done.rows_affected())
                .map_err(store_error)
            }

            async fn issue_passkey_ceremony(
                &self,
                ceremony: &PasskeyCeremony,
            ) -> Result<(), StoreError> {
                with_retries(|| self.issue_passkey_ceremony_once(ceremony))
                    .await
                    .map_err(store_error)
            }

            async fn take_passkey_ceremony(
                &self,
                hash: &TokenHash,
                purpose: CeremonyPurpose,
                now: OffsetDateTime,
            ) -> Result<Option<PasskeyCeremony>, StoreError> {
                with_retries(|| self.take_passkey_ceremony_once(hash, purpose, now))
                    .await
                    .map_err(store_error)
            }
        }
    };
}
