//! The one implementation of every storage trait, as the [`impl_store!`] macro instantiated per
//! backend with its concrete types: one file per trait, each with the statements it runs
//! (`users.rs`, `sessions.rs`, `one_time_tokens.rs`, `throttle.rs`, `revocations.rs`,
//! `prune.rs`, `second_factors.rs`, `identities.rs`), and here what they share (the transaction, the `Debug`
//! `prune.rs`, `second_factors.rs`, `passkeys.rs`), and here what they share (the transaction, the `Debug`
//! form, `Store`, `EventSink`, `SqlStore`).
//!
//! Why a macro: the trait impls written generically over `sqlx::Database` need a long
//! where-clause per impl (and async-trait's `Send` bounds over higher-ranked executor bounds),
//! so the code is written once here and stamped out per backend with concrete types. The
//! per-backend modules hold only what differs: connect options, placeholders, the throttle
//! and TOTP enrolment upserts, the `BEGIN` statement and the shape of a bounded `DELETE`
//! (`prune.rs` writes all three).

#[macro_use]
mod users;
#[macro_use]
mod sessions;
#[macro_use]
mod one_time_tokens;
#[macro_use]
mod throttle;
#[macro_use]
mod revocations;
#[macro_use]
mod prune;
#[macro_use]
mod second_factors;
#[macro_use]
mod identities;
#[macro_use]
mod passkeys;

/// Implements `Debug`, every storage trait, `EventSink` and `SqlStore` for a backend's store.
///
/// `store` must be a struct with a `pool: sqlx::Pool<database>` field, `sql` a module holding
/// the [`portable_sql!`] and [`prune_sql!`] statements plus `BEGIN`, `UPDATE_RETURNING`,
/// `RECORD_LOGIN_FAILURE`, `RECORD_LOGIN_FAILURE_RETURNS_COUNT`, `BEGIN_TOTP`,
/// `BEGIN_TOTP_COUNTS`, `LOCK_USER_PASSWORD` and `PRUNE_ISOLATION`, `migrator` a `sqlx::migrate::Migrator` static.
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
            use authkit_core::model::{
                Identity, IdentityId, PasswordHash, Role, Session, SessionId, User, UserId,
            };
            use authkit_core::store::{CredentialChange, IdentityStore, LoginFailures, OAuthFlow, OneTimeToken, OneTimeTokenStore, PruneStore, PruneTarget, RefreshFamily, RevocationListener, RevocationRecord, RevocationStore, Rotation, SecondFactorStore, SessionRevocation, SessionStore, Store, StoreError, ThrottleStore, TotpCredential, UniqueField, Unlink, UserQuery, UserStore, UserUpdate, CeremonyPurpose, PasskeyCeremony, PasskeyStore, StoredPasskey};
            use authkit_core::token::{RefreshKey, RefreshSelector, TokenHash};
            use sqlx::{QueryBuilder, Transaction};
            use time::{Duration, OffsetDateTime};

            use super::{$migrator, $sql, $store};
            use crate::codec::{contains_pattern, duration_micros, micros};
            use crate::error::store_error;
            use crate::retry::with_retries;
            use crate::rows::{FailuresRow, IdentityRow, OAuthFlowRow, OneTimeTokenRow, RefreshFamilyRow, CeremonyRow, PasskeyRow, RevocationRow, SessionRow, TotpRow, UserRow, count};
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

            /// Moves the rows of authkit's migrations (same version and checksum) from the
            /// table earlier releases shared with the application into authkit's own, in one
            /// transaction. The caller holds the migration lock.
            async fn adopt_legacy_history(
                conn: &mut <$db as sqlx::Database>::Connection,
                migrator: &sqlx::migrate::Migrator,
            ) -> Result<(), sqlx::migrate::MigrateError> {
                use sqlx::Connection;
                use sqlx::migrate::Migrate;
                let legacy: i64 = sqlx::query_scalar($sql::LEGACY_HISTORY_EXISTS)
                    .fetch_one(&mut *conn)
                    .await?;
                if legacy == 0 {
                    return Ok(());
                }
                conn.ensure_migrations_table(crate::migrations::MIGRATIONS_TABLE)
                    .await?;
                let mut tx = conn.begin().await?;
                for migration in migrator.iter() {
                    sqlx::query($sql::ADOPT_LEGACY_MIGRATION)
                        .bind(migration.version)
                        .bind(&*migration.checksum)
                        .bind(migration.version)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query($sql::FORGET_LEGACY_MIGRATION)
                        .bind(migration.version)
                        .bind(&*migration.checksum)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            impl $store {
                /// A transaction that starts as a writer (SQLite: `BEGIN IMMEDIATE`), so it
                /// never needs a lock upgrade.
                async fn begin(&self) -> Result<Tx, sqlx::Error> {
                    self.pool.begin_with($sql::BEGIN).await
                }
            }

            impl_user_store!($store, $db, $sql);
            impl_session_store!($store, $db, $sql);
            impl_one_time_token_store!($store, $db, $sql);
            impl_throttle_store!($store, $db, $sql);
            impl_revocation_store!($store, $db, $sql);
            impl_prune_store!($store, $db, $sql);
            impl_second_factor_store!($store, $db, $sql);
            impl_identity_store!($store, $db, $sql);
            impl_passkey_store!($store, $db, $sql);

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
                async fn migrate(&self) -> Result<crate::migrations::MigrationReport, StoreError> {
                    use sqlx::migrate::Migrate;
                    let migrator = self.migrator();
                    let mut conn = self.pool.acquire().await.map_err(store_error)?;
                    // One lock over moving an earlier history, reading it and migrating: an
                    // instance starting meanwhile waits, then finds everything in place.
                    conn.lock().await.map_err(crate::error::migrate_error)?;
                    let migrated = async {
                        adopt_legacy_history(&mut conn, &migrator).await?;
                        conn.ensure_migrations_table(crate::migrations::MIGRATIONS_TABLE)
                            .await?;
                        let before = conn
                            .list_applied_migrations(crate::migrations::MIGRATIONS_TABLE)
                            .await?;
                        // `run` on a connection, as sqlx offers it where `run`'s `Acquire`
                        // bound cannot be met inside an `async_trait` method.
                        migrator.run_direct(None, &mut *conn, false).await?;
                        Ok::<_, sqlx::migrate::MigrateError>(crate::migrations::newly_applied(
                            &migrator, &before,
                        ))
                    }
                    .await;
                    let unlocked = conn.unlock().await;
                    match (migrated, unlocked) {
                        (Ok(report), Ok(())) => Ok(report),
                        (Err(error), _) | (Ok(_), Err(error)) => {
                            Err(crate::error::migrate_error(error))
                        }
                    }
                }

                fn migrator(&self) -> sqlx::migrate::Migrator {
                    crate::migrations::own_history(&$migrator)
                }

                fn backend(&self) -> Backend {
                    BACKEND
                }

                fn pool_stats(&self) -> crate::PoolStats {
                    let size = self.pool.size();
                    let idle = u32::try_from(self.pool.num_idle()).unwrap_or(size);
                    crate::PoolStats {
                        size,
                        idle: idle.min(size),
                    }
                }
            }
        }
    };
}
