//! The one implementation of every storage trait, as the [`impl_store!`] macro instantiated per
//! backend with its concrete types.
//!
//! Why a macro: the trait impls written generically over `sqlx::Database` need a long
//! where-clause per impl (and async-trait's `Send` bounds over higher-ranked executor bounds),
//! so the code is written once here and stamped out per backend with concrete types. The
//! per-backend modules hold only what differs: connect options, placeholders, the throttle
//! upsert and the `BEGIN` statement.

/// Implements `Debug`, every storage trait, `EventSink` and `SqlStore` for a backend's store.
///
/// `store` must be a struct with a `pool: sqlx::Pool<database>` field, `sql` a module holding
/// the [`portable_sql!`] statements plus `BEGIN`, `UPDATE_RETURNING`, `RECORD_LOGIN_FAILURE` and
/// `RECORD_LOGIN_FAILURE_RETURNS_COUNT`, `migrator` a `sqlx::migrate::Migrator` static.
macro_rules! impl_store {
    (
        store: $store:ident,
        database: $db:ty,
        sql: $sql:ident,
        backend: $backend:expr,
        migrator: $migrator:ident $(,)?
    ) => {
        mod store_impl {
            use async_trait::async_trait;
            use authkit_core::events::{AuthEvent, EventSink};
            use authkit_core::model::{PasswordHash, Role, Session, SessionId, User, UserId};
            use authkit_core::store::{
                CredentialChange, LoginFailures, OneTimeToken, OneTimeTokenStore,
                RefreshFamily, RevocationListener, RevocationRecord, RevocationStore,
                Rotation, SessionRevocation, SessionStore, Store, StoreError, ThrottleStore,
                UniqueField, UserQuery, UserStore, UserUpdate,
            };
            use authkit_core::token::{RefreshKey, RefreshSelector, TokenHash};
            use sqlx::{QueryBuilder, Transaction};
            use time::{Duration, OffsetDateTime};

            use super::{$migrator, $sql, $store};
            use crate::codec::{contains_pattern, duration_micros, micros};
            use crate::error::store_error;
            use crate::retry::with_retries;
            use crate::rows::{
                FailuresRow, OneTimeTokenRow, RefreshFamilyRow, RevocationRow, SessionRow, UserRow,
                count,
            };
            use crate::{Backend, SqlStore};

            type Tx = Transaction<'static, $db>;

            const BACKEND: Backend = $backend;

            impl std::fmt::Debug for $store {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    // The pool size only: connect options hold the password.
                    f.debug_struct(stringify!($store))
                        .field("backend", &BACKEND.as_str())
                        .field("connections", &self.pool.size())
                        .field("idle", &self.pool.num_idle())
                        .field("max_connections", &self.pool.options().get_max_connections())
                        .finish()
                }
            }

            fn bytes(hash: &TokenHash) -> &[u8] {
                hash.as_bytes()
            }

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
                    SessionRevocation::AllExcept(keep) => {
                        sqlx::query($sql::REVOKE_SESSIONS_EXCEPT)
                            .bind(micros(now))
                            .bind(user_id)
                            .bind(keep)
                    }
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

            async fn user_in(tx: &mut Tx, id: UserId) -> Result<Option<User>, sqlx::Error> {
                sqlx::query_as::<_, UserRow>($sql::USER_BY_ID)
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(UserRow::into_user)
                    .transpose()
            }

            impl $store {
                /// A transaction that starts as a writer (SQLite: `BEGIN IMMEDIATE`), so it
                /// never needs a lock upgrade.
                async fn begin(&self) -> Result<Tx, sqlx::Error> {
                    self.pool.begin_with($sql::BEGIN).await
                }

                async fn user_where(
                    &self,
                    sql: &'static str,
                    key: &str,
                ) -> Result<Option<User>, StoreError> {
                    sqlx::query_as::<_, UserRow>(sql)
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await
                        .and_then(|row| row.map(UserRow::into_user).transpose())
                        .map_err(store_error)
                }

                async fn create_user_once(&self, user: &User) -> Result<(), sqlx::Error> {
                    sqlx::query($sql::INSERT_USER)
                        .bind(user.id)
                        .bind(user.email.as_str())
                        .bind(user.email_canonical.as_str())
                        .bind(user.username.as_deref())
                        .bind(user.username_canonical.as_deref())
                        .bind(user.password_hash.as_str())
                        .bind(user.role.as_str())
                        .bind(user.status.as_str())
                        .bind(user.email_verified)
                        .bind(micros(user.created_at))
                        .bind(micros(user.updated_at))
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn update_user_once(
                    &self,
                    id: UserId,
                    update: &UserUpdate,
                    now: OffsetDateTime,
                ) -> Result<Option<User>, sqlx::Error> {
                    let mut tx = self.begin().await?;
                    let mut query = QueryBuilder::<$db>::new("UPDATE users SET updated_at = ");
                    query.push_bind(micros(now));
                    if let Some(username) = &update.username {
                        let (given, canonical) = match username {
                            Some((given, canonical)) => {
                                (Some(given.as_str()), Some(canonical.as_str()))
                            }
                            None => (None, None),
                        };
                        query.push(", username = ").push_bind(given);
                        query.push(", username_canonical = ").push_bind(canonical);
                    }
                    if let Some(role) = &update.role {
                        query.push(", role = ").push_bind(role.as_str());
                    }
                    if let Some(status) = update.status {
                        query.push(", status = ").push_bind(status.as_str());
                    }
                    query.push(" WHERE id = ").push_bind(id);
                    if query.build().execute(&mut *tx).await?.rows_affected() != 1 {
                        tx.rollback().await?;
                        return Ok(None);
                    }
                    if let Some(role) = &update.role {
                        sqlx::query($sql::RECORD_ROLE_CHANGED)
                            .bind(id)
                            .bind(role.as_str())
                            .bind(micros(now))
                            .execute(&mut *tx)
                            .await?;
                    }
                    if update.revoke_sessions {
                        revoke_in(&mut tx, id, SessionRevocation::All, now).await?;
                    }
                    let user = user_in(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(user)
                }

                async fn apply_credential_change_once(
                    &self,
                    change: &CredentialChange,
                    now: OffsetDateTime,
                ) -> Result<Option<User>, sqlx::Error> {
                    let mut tx = self.begin().await?;
                    if let Some((hash, purpose)) = &change.consume {
                        let consumed = sqlx::query($sql::CONSUME_ONE_TIME_TOKEN)
                            .bind(micros(now))
                            .bind(bytes(hash))
                            .bind(purpose.as_str())
                            .bind(change.user_id)
                            .bind(micros(now))
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        if consumed != 1 {
                            tx.rollback().await?;
                            return Ok(None);
                        }
                    }
                    let mut query = QueryBuilder::<$db>::new("UPDATE users SET updated_at = ");
                    query.push_bind(micros(now));
                    if let Some(hash) = &change.password_hash {
                        query.push(", password_hash = ").push_bind(hash.as_str());
                    }
                    if let Some((given, canonical)) = &change.email {
                        query.push(", email = ").push_bind(given.as_str());
                        query.push(", email_canonical = ").push_bind(canonical.as_str());
                    }
                    if change.mark_email_verified {
                        query.push(", email_verified = ").push_bind(true);
                    }
                    query.push(" WHERE id = ").push_bind(change.user_id);
                    // A unique violation here returns early: dropping `tx` rolls back the
                    // consumption too.
                    if query.build().execute(&mut *tx).await?.rows_affected() != 1 {
                        tx.rollback().await?;
                        return Ok(None);
                    }
                    if change.void_one_time_tokens {
                        sqlx::query($sql::VOID_ONE_TIME_TOKENS)
                            .bind(change.user_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    revoke_in(&mut tx, change.user_id, change.revoke_sessions, now).await?;
                    let user = user_in(&mut tx, change.user_id).await?;
                    tx.commit().await?;
                    Ok(user)
                }

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
                        let query = sqlx::query_as::<_, SessionRow>($sql::ROTATE_REFRESH_TOKEN_RETURNING);
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

                async fn delete_user_once(
                    &self,
                    id: UserId,
                    now: OffsetDateTime,
                ) -> Result<bool, sqlx::Error> {
                    let mut tx = self.begin().await?;
                    // Sessions (whose rows hold the refresh tokens) and one-time tokens go
                    // with the user (ON DELETE CASCADE); the audit trail stays.
                    let deleted = sqlx::query($sql::DELETE_USER)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                        > 0;
                    if !deleted {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    sqlx::query($sql::RECORD_ACCOUNT_DELETED)
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
            impl UserStore for $store {
                async fn create_user(&self, user: &User) -> Result<(), StoreError> {
                    match with_retries(|| self.create_user_once(user)).await {
                        Ok(()) => Ok(()),
                        Err(error) => match store_error(error) {
                            // Like the reference store: a taken address is reported first,
                            // whichever index the database happened to check first.
                            StoreError::Conflict(UniqueField::Username) => {
                                let email_taken = sqlx::query($sql::EMAIL_IN_USE)
                                    .bind(user.email_canonical.as_str())
                                    .fetch_optional(&self.pool)
                                    .await
                                    .map_err(store_error)?
                                    .is_some();
                                Err(StoreError::Conflict(if email_taken {
                                    UniqueField::Email
                                } else {
                                    UniqueField::Username
                                }))
                            }
                            other => Err(other),
                        },
                    }
                }

                async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
                    sqlx::query_as::<_, UserRow>($sql::USER_BY_ID)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .and_then(|row| row.map(UserRow::into_user).transpose())
                        .map_err(store_error)
                }

                async fn user_by_email(
                    &self,
                    email_canonical: &str,
                ) -> Result<Option<User>, StoreError> {
                    self.user_where($sql::USER_BY_EMAIL, email_canonical).await
                }

                async fn user_by_username(
                    &self,
                    username_canonical: &str,
                ) -> Result<Option<User>, StoreError> {
                    self.user_where($sql::USER_BY_USERNAME, username_canonical)
                        .await
                }

                async fn update_user(
                    &self,
                    id: UserId,
                    update: &UserUpdate,
                    now: OffsetDateTime,
                ) -> Result<Option<User>, StoreError> {
                    with_retries(|| self.update_user_once(id, update, now))
                        .await
                        .map_err(store_error)
                }

                async fn set_password_hash(
                    &self,
                    id: UserId,
                    hash: &PasswordHash,
                    now: OffsetDateTime,
                ) -> Result<(), StoreError> {
                    with_retries(|| {
                        sqlx::query($sql::SET_PASSWORD_HASH)
                            .bind(hash.as_str())
                            .bind(micros(now))
                            .bind(id)
                            .execute(&self.pool)
                    })
                    .await
                    .map(drop)
                    .map_err(store_error)
                }

                async fn apply_credential_change(
                    &self,
                    change: &CredentialChange,
                    now: OffsetDateTime,
                ) -> Result<Option<User>, StoreError> {
                    with_retries(|| self.apply_credential_change_once(change, now))
                        .await
                        .map_err(store_error)
                }

                async fn delete_user(
                    &self,
                    id: UserId,
                    now: OffsetDateTime,
                ) -> Result<bool, StoreError> {
                    with_retries(|| self.delete_user_once(id, now))
                        .await
                        .map_err(store_error)
                }

                async fn list_users(&self, query: &UserQuery) -> Result<Vec<User>, StoreError> {
                    let mut sql = QueryBuilder::<$db>::new(concat!(
                        "SELECT ",
                        user_columns!(),
                        " FROM users"
                    ));
                    let mut glue = " WHERE ";
                    if let Some(after) = query.after {
                        sql.push(glue).push("id > ").push_bind(after);
                        glue = " AND ";
                    }
                    if let Some(role) = &query.role {
                        sql.push(glue).push("role = ").push_bind(role.as_str());
                        glue = " AND ";
                    }
                    if let Some(status) = query.status {
                        sql.push(glue).push("status = ").push_bind(status.as_str());
                        glue = " AND ";
                    }
                    if let Some(search) = &query.search {
                        let pattern = contains_pattern(search);
                        let escape = crate::codec::LIKE_ESCAPE;
                        sql.push(glue)
                            .push("(email_canonical LIKE ")
                            .push_bind(pattern.clone())
                            .push(format_args!(" ESCAPE '{escape}' OR username_canonical LIKE "))
                            .push_bind(pattern)
                            .push(format_args!(" ESCAPE '{escape}')"));
                    }
                    sql.push(" ORDER BY id LIMIT ")
                        .push_bind(i64::from(query.limit));
                    sql.build_query_as::<UserRow>()
                        .fetch_all(&self.pool)
                        .await
                        .and_then(|rows| rows.into_iter().map(UserRow::into_user).collect())
                        .map_err(store_error)
                }

                async fn any_user_with_role(&self, role: &Role) -> Result<bool, StoreError> {
                    sqlx::query($sql::ANY_USER_WITH_ROLE)
                        .bind(role.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map(|row| row.is_some())
                        .map_err(store_error)
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
                        self.reissue_refresh_token_once(
                            selector,
                            presented,
                            new,
                            now,
                            idle_expires_at,
                        )
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
                        .and_then(|rows| {
                            rows.into_iter().map(SessionRow::into_session).collect()
                        })
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

                async fn login_failures(
                    &self,
                    key: &str,
                ) -> Result<Option<LoginFailures>, StoreError> {
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
                        .and_then(|rows| {
                            rows.into_iter().map(RevocationRow::into_record).collect()
                        })
                        .map_err(store_error)
                }

                async fn prune_revocations(
                    &self,
                    before: OffsetDateTime,
                ) -> Result<u64, StoreError> {
                    with_retries(|| {
                        sqlx::query($sql::PRUNE_REVOCATIONS)
                            .bind(micros(before))
                            .execute(&self.pool)
                    })
                    .await
                    .map(|done| done.rows_affected())
                    .map_err(store_error)
                }

                async fn listen(
                    &self,
                ) -> Result<Option<Box<dyn RevocationListener>>, StoreError> {
                    super::listen(&self.pool).await
                }
            }

            #[async_trait]
            impl Store for $store {
                async fn ping(&self) -> Result<(), StoreError> {
                    sqlx::query($sql::PING)
                        .execute(&self.pool)
                        .await
                        .map(drop)
                        .map_err(store_error)
                }
            }

            #[async_trait]
            impl EventSink for $store {
                async fn record(&self, event: AuthEvent) {
                    let inserted = sqlx::query($sql::INSERT_EVENT)
                        .bind(event.kind.as_str())
                        .bind(micros(event.at))
                        .bind(event.user_id)
                        .bind(event.session_id)
                        .bind(event.ip.map(|ip| ip.to_string()))
                        .bind(event.detail.as_deref())
                        .execute(&self.pool)
                        .await;
                    if let Err(error) = inserted {
                        tracing::warn!(
                            target: "authkit::events",
                            event = event.kind.as_str(),
                            error = %store_error(error),
                            "could not write the event to auth_events"
                        );
                    }
                }
            }

            #[async_trait]
            impl SqlStore for $store {
                async fn migrate(&self) -> Result<(), StoreError> {
                    $migrator.run(&self.pool).await.map_err(crate::error::migrate_error)
                }

                fn backend(&self) -> Backend {
                    BACKEND
                }
            }
        }
    };
}
