//! [`UserStore`](authkit_core::store::UserStore): accounts, credential changes and the admin list,
//! with the statements they run.

/// The `users` statements, for [`portable_sql!`].
macro_rules! user_sql {
    ($placeholders:ident) => {
        pub(crate) const INSERT_USER: &str = $placeholders!(concat!(
            "INSERT INTO users (",
            user_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ));
        pub(crate) const USER_BY_ID: &str = $placeholders!(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = ?"
        ));
        pub(crate) const USER_BY_EMAIL: &str = $placeholders!(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE email_canonical = ?"
        ));
        pub(crate) const USER_BY_USERNAME: &str = $placeholders!(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE username_canonical = ?"
        ));
        pub(crate) const EMAIL_IN_USE: &str =
            $placeholders!("SELECT id FROM users WHERE email_canonical = ?");
        pub(crate) const SET_PASSWORD_HASH: &str =
            $placeholders!("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?");
        pub(crate) const DELETE_USER: &str = $placeholders!("DELETE FROM users WHERE id = ?");
        pub(crate) const ANY_USER_WITH_ROLE: &str =
            $placeholders!("SELECT id FROM users WHERE role = ? LIMIT 1");
    };
}

/// `UserStore` for a backend's store, expanded by [`impl_store!`] inside its `store_impl` module.
macro_rules! impl_user_store {
    ($store:ident, $db:ty, $sql:ident) => {
        /// The insert of `user`, to run on the pool or in a transaction.
        fn insert_user(
            user: &User,
        ) -> sqlx::query::Query<'_, $db, <$db as sqlx::Database>::Arguments> {
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
                insert_user(user).execute(&self.pool).await?;
                Ok(())
            }

            /// A unique conflict of a user insert as the reference store reports it: a taken
            /// address first, whichever index the database happened to check first.
            async fn user_conflict(&self, user: &User, error: sqlx::Error) -> StoreError {
                match store_error(error) {
                    StoreError::Conflict(UniqueField::Username) => {
                        let email_taken = sqlx::query($sql::EMAIL_IN_USE)
                            .bind(user.email_canonical.as_str())
                            .fetch_optional(&self.pool)
                            .await;
                        match email_taken {
                            Ok(taken) => StoreError::Conflict(if taken.is_some() {
                                UniqueField::Email
                            } else {
                                UniqueField::Username
                            }),
                            Err(error) => store_error(error),
                        }
                    }
                    other => other,
                }
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
                    query
                        .push(", email_canonical = ")
                        .push_bind(canonical.as_str());
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

            async fn delete_user_once(
                &self,
                id: UserId,
                now: OffsetDateTime,
            ) -> Result<bool, sqlx::Error> {
                let mut tx = self.begin().await?;
                // Sessions (whose rows hold the refresh tokens), one-time tokens and second
                // factors go with the user (ON DELETE CASCADE); the audit trail stays.
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
        }

        #[async_trait]
        impl UserStore for $store {
            async fn create_user(&self, user: &User) -> Result<(), StoreError> {
                match with_retries(|| self.create_user_once(user)).await {
                    Ok(()) => Ok(()),
                    Err(error) => Err(self.user_conflict(user, error).await),
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
                let mut sql =
                    QueryBuilder::<$db>::new(concat!("SELECT ", user_columns!(), " FROM users"));
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
                        .push(format_args!(
                            " ESCAPE '{escape}' OR username_canonical LIKE "
                        ))
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
    };
}
