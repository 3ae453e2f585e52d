//! [`IdentityStore`](authkit_core::store::IdentityStore): identities at other providers and
//! the started authorization-code flows, with the statements they run (locking the user's row
//! differs per backend and lives in the backend modules).
//!
//! One (provider, subject) has one owner by the unique key of `identities`: a link that
//! collides is a unique violation, answered `false`, never an error. Taking a flow is a read
//! and a `DELETE` counted by its affected rows, so one of several concurrent callbacks wins.
//! Unlinking holds the user's row (`FOR UPDATE`; SQLite's writers are serialised anyway)
//! while it counts what else signs the user in.

/// The `identities` and `oauth_flows` statements, for [`portable_sql!`].
macro_rules! identity_sql {
    ($placeholders:ident) => {
        pub(crate) const INSERT_IDENTITY: &str = $placeholders!(
            "INSERT INTO identities (id, user_id, provider, subject, email, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)"
        );
        pub(crate) const IDENTITY_BY_SUBJECT: &str = $placeholders!(
            "SELECT id, user_id, provider, subject, email, created_at \
             FROM identities WHERE provider = ? AND subject = ?"
        );
        pub(crate) const IDENTITIES_OF_USER: &str = $placeholders!(
            "SELECT id, user_id, provider, subject, email, created_at \
             FROM identities WHERE user_id = ? ORDER BY created_at, id"
        );
        pub(crate) const COUNT_IDENTITIES: &str =
            $placeholders!("SELECT COUNT(*) FROM identities WHERE user_id = ? AND id = ?");
        pub(crate) const COUNT_OTHER_IDENTITIES: &str =
            $placeholders!("SELECT COUNT(*) FROM identities WHERE user_id = ? AND id <> ?");
        pub(crate) const DELETE_IDENTITY: &str =
            $placeholders!("DELETE FROM identities WHERE user_id = ? AND id = ?");
        pub(crate) const DELETE_EXPIRED_FLOWS: &str =
            $placeholders!("DELETE FROM oauth_flows WHERE expires_at < ?");
        pub(crate) const INSERT_FLOW: &str = $placeholders!(
            "INSERT INTO oauth_flows (state_hash, provider, binding_hash, nonce_hash, \
             pkce_verifier, redirect_uri, link_user_id, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        );
        /// Binds: state hash, now.
        pub(crate) const LIVE_FLOW: &str = $placeholders!(
            "SELECT state_hash, provider, binding_hash, nonce_hash, pkce_verifier, \
             redirect_uri, link_user_id, created_at, expires_at \
             FROM oauth_flows WHERE state_hash = ? AND expires_at > ?"
        );
        pub(crate) const DELETE_FLOW: &str =
            $placeholders!("DELETE FROM oauth_flows WHERE state_hash = ?");
    };
}

/// `IdentityStore` for a backend's store, expanded by [`impl_store!`] inside its
/// `store_impl` module.
macro_rules! impl_identity_store {
    ($store:ident, $db:ty, $sql:ident) => {
        /// The insert of `identity`, to run on the pool or in a transaction.
        fn insert_identity(
            identity: &Identity,
        ) -> sqlx::query::Query<'_, $db, <$db as sqlx::Database>::Arguments> {
            sqlx::query($sql::INSERT_IDENTITY)
                .bind(identity.id)
                .bind(identity.user_id)
                .bind(identity.provider.as_str())
                .bind(identity.subject.as_str())
                .bind(identity.email.as_deref())
                .bind(micros(identity.created_at))
        }

        /// Whether `error` is a unique violation (of `identities`' (provider, subject), where
        /// the caller inserted an identity with a fresh id).
        fn is_unique_violation(error: &sqlx::Error) -> bool {
            matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
        }

        impl $store {
            async fn link_identity_once(&self, identity: &Identity) -> Result<bool, sqlx::Error> {
                match insert_identity(identity).execute(&self.pool).await {
                    Ok(_) => Ok(true),
                    Err(error) if is_unique_violation(&error) => Ok(false),
                    Err(error) => Err(error),
                }
            }

            /// `Err(Ok(_))`: the user insert failed (a conflict to classify).
            async fn create_user_with_identity_once(
                &self,
                user: &User,
                identity: &Identity,
            ) -> Result<Result<bool, sqlx::Error>, sqlx::Error> {
                let mut tx = self.begin().await?;
                if let Err(error) = insert_user(user).execute(&mut *tx).await {
                    tx.rollback().await?;
                    return Ok(Err(error));
                }
                match insert_identity(identity).execute(&mut *tx).await {
                    Ok(_) => {
                        tx.commit().await?;
                        Ok(Ok(true))
                    }
                    Err(error) if is_unique_violation(&error) => {
                        tx.rollback().await?;
                        Ok(Ok(false))
                    }
                    Err(error) => Err(error),
                }
            }

            async fn unlink_identity_once(
                &self,
                user_id: UserId,
                id: IdentityId,
            ) -> Result<Unlink, sqlx::Error> {
                let mut tx = self.begin().await?;
                let password: Option<String> = sqlx::query_scalar($sql::LOCK_USER_PASSWORD)
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(password) = password else {
                    tx.rollback().await?;
                    return Ok(Unlink::NotFound);
                };
                let mine: i64 = sqlx::query_scalar($sql::COUNT_IDENTITIES)
                    .bind(user_id)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                if mine == 0 {
                    tx.rollback().await?;
                    return Ok(Unlink::NotFound);
                }
                let others: i64 = sqlx::query_scalar($sql::COUNT_OTHER_IDENTITIES)
                    .bind(user_id)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                if others == 0 && !PasswordHash::new(password).is_usable() {
                    tx.rollback().await?;
                    return Ok(Unlink::LastSignInMethod);
                }
                sqlx::query($sql::DELETE_IDENTITY)
                    .bind(user_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Unlink::Removed)
            }

            async fn begin_oauth_flow_once(&self, flow: &OAuthFlow) -> Result<(), sqlx::Error> {
                let mut tx = self.begin().await?;
                sqlx::query($sql::DELETE_EXPIRED_FLOWS)
                    .bind(micros(flow.created_at))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query($sql::INSERT_FLOW)
                    .bind(bytes(&flow.state))
                    .bind(flow.provider.as_str())
                    .bind(bytes(&flow.binding))
                    .bind(bytes(&flow.nonce))
                    .bind(flow.pkce_verifier.as_str())
                    .bind(flow.redirect_uri.as_str())
                    .bind(flow.link_user)
                    .bind(micros(flow.created_at))
                    .bind(micros(flow.expires_at))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }

            async fn take_oauth_flow_once(
                &self,
                state: &TokenHash,
                now: OffsetDateTime,
            ) -> Result<Option<OAuthFlow>, sqlx::Error> {
                let mut tx = self.begin().await?;
                let row = sqlx::query_as::<_, OAuthFlowRow>($sql::LIVE_FLOW)
                    .bind(bytes(state))
                    .bind(micros(now))
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(row) = row else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                // The winner is whoever deletes the row.
                let deleted = sqlx::query($sql::DELETE_FLOW)
                    .bind(bytes(state))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if deleted != 1 {
                    tx.rollback().await?;
                    return Ok(None);
                }
                tx.commit().await?;
                row.into_flow().map(Some)
            }
        }

        #[async_trait]
        impl IdentityStore for $store {
            async fn link_identity(&self, identity: &Identity) -> Result<bool, StoreError> {
                with_retries(|| self.link_identity_once(identity))
                    .await
                    .map_err(store_error)
            }

            async fn create_user_with_identity(
                &self,
                user: &User,
                identity: &Identity,
            ) -> Result<bool, StoreError> {
                match with_retries(|| self.create_user_with_identity_once(user, identity)).await
                {
                    Ok(Ok(created)) => Ok(created),
                    Ok(Err(error)) => Err(self.user_conflict(user, error).await),
                    Err(error) => Err(store_error(error)),
                }
            }

            async fn identity_by_subject(
                &self,
                provider: &str,
                subject: &str,
            ) -> Result<Option<Identity>, StoreError> {
                sqlx::query_as::<_, IdentityRow>($sql::IDENTITY_BY_SUBJECT)
                    .bind(provider)
                    .bind(subject)
                    .fetch_optional(&self.pool)
                    .await
                    .and_then(|row| row.map(IdentityRow::into_identity).transpose())
                    .map_err(store_error)
            }

            async fn identities(&self, user_id: UserId) -> Result<Vec<Identity>, StoreError> {
                sqlx::query_as::<_, IdentityRow>($sql::IDENTITIES_OF_USER)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await
                    .and_then(|rows| rows.into_iter().map(IdentityRow::into_identity).collect())
                    .map_err(store_error)
            }

            async fn unlink_identity(
                &self,
                user_id: UserId,
                id: IdentityId,
            ) -> Result<Unlink, StoreError> {
                with_retries(|| self.unlink_identity_once(user_id, id))
                    .await
                    .map_err(store_error)
            }

            async fn begin_oauth_flow(&self, flow: &OAuthFlow) -> Result<(), StoreError> {
                with_retries(|| self.begin_oauth_flow_once(flow))
                    .await
                    .map_err(store_error)
            }

            async fn take_oauth_flow(
                &self,
                state: &TokenHash,
                now: OffsetDateTime,
            ) -> Result<Option<OAuthFlow>, StoreError> {
                with_retries(|| self.take_oauth_flow_once(state, now))
                    .await
                    .map_err(store_error)
            }
        }
    };
}
