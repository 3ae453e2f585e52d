//! [`SessionStore`](authkit_core::store::SessionStore): sessions and their refresh tokens (creation,
//! rotation, the grace-window reissue, revocation), with the statements they run.

/// The `sessions` statements, for [`portable_sql!`].
macro_rules! session_sql {
    ($placeholders:ident) => {
        pub(crate) const INSERT_SESSION: &str = $placeholders!(concat!(
            "INSERT INTO sessions (",
            session_columns!(),
            ", refresh_selector, refresh_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ));
        pub(crate) const SESSION_BY_ID: &str = $placeholders!(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE id = ?"
        ));
        pub(crate) const LIST_ACTIVE_SESSIONS: &str = $placeholders!(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND idle_expires_at > ? \
             AND expires_at > ? ORDER BY created_at DESC, id DESC"
        ));
        /// A rotation: one update of one row, matching only the current token of a session
        /// active at `now`. Binds: new hash, now (rotated), now (used), idle expiry, selector,
        /// old hash, now, now. (`previous_refresh_hash` is assigned before `refresh_hash`,
        /// so on MySQL, which assigns left to right, it too gets the old value.)
        pub(crate) const ROTATE_REFRESH_TOKEN: &str = $placeholders!(
            "UPDATE sessions SET previous_refresh_hash = refresh_hash, \
             displaced_refresh_hash = NULL, refresh_hash = ?, rotated_at = ?, \
             last_used_at = ?, idle_expires_at = ? \
             WHERE refresh_selector = ? AND refresh_hash = ? AND revoked_at IS NULL \
             AND idle_expires_at > ? AND expires_at > ?"
        );
        /// [`ROTATE_REFRESH_TOKEN`] answering with the updated session (where `RETURNING` exists).
        pub(crate) const ROTATE_REFRESH_TOKEN_RETURNING: &str = $placeholders!(concat!(
            "UPDATE sessions SET previous_refresh_hash = refresh_hash, \
             displaced_refresh_hash = NULL, refresh_hash = ?, rotated_at = ?, \
             last_used_at = ?, idle_expires_at = ? \
             WHERE refresh_selector = ? AND refresh_hash = ? AND revoked_at IS NULL \
             AND idle_expires_at > ? AND expires_at > ? RETURNING ",
            session_columns!()
        ));
        pub(crate) const SESSION_BY_SELECTOR: &str = $placeholders!(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE refresh_selector = ?"
        ));
        pub(crate) const REFRESH_FAMILY: &str = $placeholders!(concat!(
            "SELECT ",
            session_columns!(),
            ", refresh_hash, previous_refresh_hash, displaced_refresh_hash, rotated_at \
             FROM sessions WHERE refresh_selector = ?"
        ));
        /// The grace-window reissue: one update of one row, found by its selector as in a
        /// rotation. Binds: new hash, now, idle expiry, selector, presented hash (twice), now,
        /// now.
        pub(crate) const REISSUE_REFRESH_TOKEN: &str = $placeholders!(
            "UPDATE sessions SET displaced_refresh_hash = refresh_hash, refresh_hash = ?, \
             last_used_at = ?, idle_expires_at = ? \
             WHERE refresh_selector = ? \
             AND (previous_refresh_hash = ? OR displaced_refresh_hash = ?) \
             AND revoked_at IS NULL AND idle_expires_at > ? AND expires_at > ?"
        );
        pub(crate) const REVOKE_SESSION: &str = $placeholders!(
            "UPDATE sessions SET revoked_at = ? \
             WHERE id = ? AND user_id = ? AND revoked_at IS NULL"
        );
        pub(crate) const REVOKE_ALL_SESSIONS: &str = $placeholders!(
            "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"
        );
        pub(crate) const REVOKE_SESSIONS_EXCEPT: &str = $placeholders!(
            "UPDATE sessions SET revoked_at = ? \
             WHERE user_id = ? AND revoked_at IS NULL AND id <> ?"
        );
    };
}

/// `SessionStore` for a backend's store, expanded by [`impl_store!`] inside its `store_impl` module.
macro_rules! impl_session_store {
    ($store:ident, $db:ty, $sql:ident) => {
        /// Revokes sessions inside `tx` and records each; how many.
        async fn revoke_in(
            tx: &mut Tx,
            user_id: UserId,
            which: SessionRevocation,
            now: OffsetDateTime,
        ) -> Result<u64, sqlx::Error> {
            let update = match which {
                SessionRevocation::None => return Ok(0),
                SessionRevocation::All => sqlx::query($sql::REVOKE_ALL_SESSIONS)
                    .bind(micros(now))
                    .bind(user_id),
                SessionRevocation::AllExcept(keep) => sqlx::query($sql::REVOKE_SESSIONS_EXCEPT)
                    .bind(micros(now))
                    .bind(user_id)
                    .bind(keep),
            };
            let revoked = update.execute(&mut **tx).await?.rows_affected();
            if revoked > 0 {
                // What this transaction revoked carries its `now`.
                sqlx::query($sql::RECORD_SESSIONS_REVOKED_AT)
                    .bind(micros(now))
                    .bind(user_id)
                    .bind(micros(now))
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(revoked)
        }

        impl $store {
            async fn create_session_once(
                &self,
                session: &Session,
                refresh: &RefreshKey,
            ) -> Result<(), sqlx::Error> {
                sqlx::query($sql::INSERT_SESSION)
                    .bind(session.id)
                    .bind(session.user_id)
                    .bind(micros(session.created_at))
                    .bind(micros(session.last_used_at))
                    .bind(micros(session.idle_expires_at))
                    .bind(micros(session.expires_at))
                    .bind(session.revoked_at.map(micros))
                    .bind(session.user_agent.as_deref())
                    .bind(session.ip.map(|ip| ip.to_string()))
                    .bind(&refresh.selector.as_bytes()[..])
                    .bind(bytes(&refresh.hash))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn rotate_once(
                &self,
                rotation: &Rotation,
            ) -> Result<Option<Session>, sqlx::Error> {
                let now = micros(rotation.now);
                macro_rules! rotate {
                    ($query:expr) => {
                        $query
                            .bind(bytes(&rotation.new))
                            .bind(now)
                            .bind(now)
                            .bind(micros(rotation.idle_expires_at))
                            .bind(&rotation.selector.as_bytes()[..])
                            .bind(bytes(&rotation.old))
                            .bind(now)
                            .bind(now)
                    };
                }
                if $sql::UPDATE_RETURNING {
                    // One statement: one round trip, one commit.
                    let query =
                        sqlx::query_as::<_, SessionRow>($sql::ROTATE_REFRESH_TOKEN_RETURNING);
                    return rotate!(query)
                        .fetch_optional(&self.pool)
                        .await?
                        .map(SessionRow::into_session)
                        .transpose();
                }
                let mut tx = self.begin().await?;
                let rotated = rotate!(sqlx::query($sql::ROTATE_REFRESH_TOKEN))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if rotated != 1 {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let session = sqlx::query_as::<_, SessionRow>($sql::SESSION_BY_SELECTOR)
                    .bind(&rotation.selector.as_bytes()[..])
                    .fetch_one(&mut *tx)
                    .await?
                    .into_session()?;
                tx.commit().await?;
                Ok(Some(session))
            }

            async fn reissue_refresh_token_once(
                &self,
                selector: &RefreshSelector,
                presented: &TokenHash,
                new: &TokenHash,
                now: OffsetDateTime,
                idle_expires_at: OffsetDateTime,
            ) -> Result<bool, sqlx::Error> {
                let reissued = sqlx::query($sql::REISSUE_REFRESH_TOKEN)
                    .bind(bytes(new))
                    .bind(micros(now))
                    .bind(micros(idle_expires_at))
                    .bind(&selector.as_bytes()[..])
                    .bind(bytes(presented))
                    .bind(bytes(presented))
                    .bind(micros(now))
                    .bind(micros(now))
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(reissued == 1)
            }

            async fn revoke_session_once(
                &self,
                user_id: UserId,
                id: SessionId,
                now: OffsetDateTime,
            ) -> Result<bool, sqlx::Error> {
                let mut tx = self.begin().await?;
                let revoked = sqlx::query($sql::REVOKE_SESSION)
                    .bind(micros(now))
                    .bind(id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !revoked {
                    tx.rollback().await?;
                    return Ok(false);
                }
                sqlx::query($sql::RECORD_SESSION_REVOKED)
                    .bind(user_id)
                    .bind(id)
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn revoke_sessions_once(
                &self,
                user_id: UserId,
                revocation: SessionRevocation,
                now: OffsetDateTime,
            ) -> Result<u64, sqlx::Error> {
                let mut tx = self.begin().await?;
                let revoked = revoke_in(&mut tx, user_id, revocation, now).await?;
                tx.commit().await?;
                Ok(revoked)
            }
        }

        #[async_trait]
        impl SessionStore for $store {
            async fn create_session(
                &self,
                session: &Session,
                refresh: &RefreshKey,
            ) -> Result<(), StoreError> {
                with_retries(|| self.create_session_once(session, refresh))
                    .await
                    .map_err(store_error)
            }

            async fn rotate_refresh_token(
                &self,
                rotation: &Rotation,
            ) -> Result<Option<Session>, StoreError> {
                with_retries(|| self.rotate_once(rotation))
                    .await
                    .map_err(store_error)
            }

            async fn refresh_family(
                &self,
                selector: &RefreshSelector,
            ) -> Result<Option<RefreshFamily>, StoreError> {
                sqlx::query_as::<_, RefreshFamilyRow>($sql::REFRESH_FAMILY)
                    .bind(&selector.as_bytes()[..])
                    .fetch_optional(&self.pool)
                    .await
                    .and_then(|row| row.map(RefreshFamilyRow::into_family).transpose())
                    .map_err(store_error)
            }

            async fn reissue_refresh_token(
                &self,
                selector: &RefreshSelector,
                presented: &TokenHash,
                new: &TokenHash,
                now: OffsetDateTime,
                idle_expires_at: OffsetDateTime,
            ) -> Result<bool, StoreError> {
                with_retries(|| {
                    self.reissue_refresh_token_once(selector, presented, new, now, idle_expires_at)
                })
                .await
                .map_err(store_error)
            }

            async fn session(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
                sqlx::query_as::<_, SessionRow>($sql::SESSION_BY_ID)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .and_then(|row| row.map(SessionRow::into_session).transpose())
                    .map_err(store_error)
            }

            async fn list_sessions(
                &self,
                user_id: UserId,
                now: OffsetDateTime,
            ) -> Result<Vec<Session>, StoreError> {
                sqlx::query_as::<_, SessionRow>($sql::LIST_ACTIVE_SESSIONS)
                    .bind(user_id)
                    .bind(micros(now))
                    .bind(micros(now))
                    .fetch_all(&self.pool)
                    .await
                    .and_then(|rows| rows.into_iter().map(SessionRow::into_session).collect())
                    .map_err(store_error)
            }

            async fn revoke_session(
                &self,
                user_id: UserId,
                id: SessionId,
                now: OffsetDateTime,
            ) -> Result<bool, StoreError> {
                with_retries(|| self.revoke_session_once(user_id, id, now))
                    .await
                    .map_err(store_error)
            }

            async fn revoke_sessions(
                &self,
                user_id: UserId,
                revocation: SessionRevocation,
                now: OffsetDateTime,
            ) -> Result<u64, StoreError> {
                if revocation == SessionRevocation::None {
                    return Ok(0);
                }
                with_retries(|| self.revoke_sessions_once(user_id, revocation, now))
                    .await
                    .map_err(store_error)
            }
        }
    };
}
