//! [`OneTimeTokenStore`](authkit_core::store::OneTimeTokenStore): verification, reset and e-mail
//! change tokens, with the statements they run (their single-use step is part of a credential
//! change, in `users.rs`).

/// The `one_time_tokens` statements, for [`portable_sql!`].
macro_rules! one_time_token_sql {
    ($placeholders:ident) => {
        pub(crate) const INSERT_ONE_TIME_TOKEN: &str = $placeholders!(
            "INSERT INTO one_time_tokens (hash, user_id, purpose, new_email, created_at, \
             expires_at) VALUES (?, ?, ?, ?, ?, ?)"
        );
        pub(crate) const FIND_ONE_TIME_TOKEN: &str = $placeholders!(
            "SELECT hash, user_id, purpose, new_email, created_at, expires_at \
             FROM one_time_tokens WHERE hash = ? AND consumed_at IS NULL AND expires_at > ?"
        );
        /// The single-use step of a credential change: matches only a consumable token.
        pub(crate) const CONSUME_ONE_TIME_TOKEN: &str = $placeholders!(
            "UPDATE one_time_tokens SET consumed_at = ? WHERE hash = ? AND purpose = ? \
             AND user_id = ? AND consumed_at IS NULL AND expires_at > ?"
        );
        pub(crate) const VOID_ONE_TIME_TOKENS: &str =
            $placeholders!("DELETE FROM one_time_tokens WHERE user_id = ? AND consumed_at IS NULL");
        pub(crate) const VOID_ONE_TIME_TOKENS_OF_PURPOSE: &str = $placeholders!(
            "DELETE FROM one_time_tokens WHERE user_id = ? AND purpose = ? \
             AND consumed_at IS NULL"
        );
    };
}

/// `OneTimeTokenStore` for a backend's store, expanded by [`impl_store!`] inside its `store_impl` module.
macro_rules! impl_one_time_token_store {
    ($store:ident, $db:ty, $sql:ident) => {
        impl $store {
            async fn issue_one_time_token_once(
                &self,
                token: &OneTimeToken,
                void_previous: bool,
            ) -> Result<(), sqlx::Error> {
                let mut tx = self.begin().await?;
                if void_previous {
                    sqlx::query($sql::VOID_ONE_TIME_TOKENS_OF_PURPOSE)
                        .bind(token.user_id)
                        .bind(token.purpose.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query($sql::INSERT_ONE_TIME_TOKEN)
                    .bind(bytes(&token.hash))
                    .bind(token.user_id)
                    .bind(token.purpose.as_str())
                    .bind(token.new_email.as_deref())
                    .bind(micros(token.created_at))
                    .bind(micros(token.expires_at))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }
        }

        #[async_trait]
        impl OneTimeTokenStore for $store {
            async fn issue_one_time_token(
                &self,
                token: &OneTimeToken,
                void_previous: bool,
            ) -> Result<(), StoreError> {
                with_retries(|| self.issue_one_time_token_once(token, void_previous))
                    .await
                    .map_err(store_error)
            }

            async fn find_one_time_token(
                &self,
                hash: &TokenHash,
                now: OffsetDateTime,
            ) -> Result<Option<OneTimeToken>, StoreError> {
                sqlx::query_as::<_, OneTimeTokenRow>($sql::FIND_ONE_TIME_TOKEN)
                    .bind(bytes(hash))
                    .bind(micros(now))
                    .fetch_optional(&self.pool)
                    .await
                    .and_then(|row| row.map(OneTimeTokenRow::into_token).transpose())
                    .map_err(store_error)
            }
        }
    };
}
