//! # authkit-store-conformance
//!
//! The storage conformance suite of authkit: the contracts of [`authkit_core::store`] as
//! executable cases, written once and run against every backend (the memory store in
//! `authkit-core`'s tests, SQLite, PostgreSQL and MySQL in `authkit-sqlx`'s, and yours). Add it
//! as a dev-dependency.
//!
//! A backend provides a [`StoreFixture`] that makes a fresh, empty, migrated store per case,
//! then instantiates every case as a `#[test]` with one macro:
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use authkit_core::memory::MemoryStore;
//! use authkit_core::store::Store;
//!
//! struct MyFixture;
//!
//! impl authkit_store_conformance::StoreFixture for MyFixture {
//!     type Guard = ();
//!
//!     async fn create(&self) -> (Arc<dyn Store>, ()) {
//!         (Arc::new(MemoryStore::new()), ()) // your store, fresh, empty and migrated
//!     }
//!
//!     async fn destroy(&self, _guard: ()) {}
//! }
//!
//! authkit_store_conformance::store_conformance_suite!(MyFixture);
//! # fn main() {}
//! ```
//!
//! Every case runs on a multi-threaded runtime, so the concurrency cases (50 rotations of one
//! refresh token, 20 consumptions of one one-time token, 20 registrations of one address,
//! 100 failed logins) really race. Time is passed explicitly, as the traits take `now`.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use authkit_core::model::{PasswordHash, Role, Session, User, UserStatus, new_id};
use authkit_core::store::{
    CredentialChange, OneTimeToken, RefreshFamily, RevocationRecord, Revoked, Rotation,
    SessionRevocation, Store, StoreError, TokenPurpose, UniqueField, UserQuery, UserUpdate,
};
use authkit_core::token::{OpaqueToken, RefreshKey, RefreshToken, TokenHash};

/// Makes and removes the store each case runs against.
pub trait StoreFixture: Sync {
    /// What [`destroy`](Self::destroy) needs to clean up (a schema name, a file path, ...).
    type Guard: Send;

    /// A fresh, empty, migrated store: its own database, schema or file.
    fn create(&self) -> impl Future<Output = (Arc<dyn Store>, Self::Guard)> + Send;

    /// Removes what `create` made; called after the case, also when it failed.
    fn destroy(&self, guard: Self::Guard) -> impl Future<Output = ()> + Send;
}

/// Runs one case against a fresh store from `fixture`, on a multi-threaded runtime, then
/// destroys the store and re-raises the case's panic, if any.
pub fn run<F, C, Fut>(fixture: F, case: C)
where
    F: StoreFixture,
    C: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let (store, guard) = fixture.create().await;
        let outcome = tokio::spawn(case(store)).await;
        fixture.destroy(guard).await;
        if let Err(err) = outcome {
            std::panic::resume_unwind(err.into_panic());
        }
    });
}

/// Instantiates every conformance case as a `#[test]` against `$fixture` (an expression that
/// evaluates to a [`StoreFixture`]).
#[macro_export]
macro_rules! store_conformance_suite {
    ($fixture:expr) => {
        $crate::__store_conformance_cases!($fixture;
            users_are_found_by_id_email_and_username,
            unknown_lookups_find_nothing,
            a_duplicate_canonical_email_is_a_conflict_on_email,
            a_duplicate_username_is_a_conflict_on_username,
            many_users_may_have_no_username,
            twenty_concurrent_creations_of_one_address_create_one_user,
            update_user_changes_only_what_it_names,
            update_user_reports_a_username_conflict_and_a_missing_user,
            disabling_with_revocation_revokes_every_session,
            set_password_hash_replaces_only_the_hash,
            a_credential_change_consumes_the_token_and_applies_everything,
            an_unconsumable_token_changes_nothing,
            an_email_conflict_rolls_back_the_whole_credential_change,
            twenty_concurrent_consumptions_of_one_token_have_one_winner,
            a_credential_change_for_a_missing_user_is_none,
            deleting_a_user_removes_sessions_and_tokens,
            users_are_listed_in_id_order_with_a_cursor,
            the_user_list_filters_by_role_status_and_literal_search,
            any_user_with_role_answers_per_role,
            sessions_are_created_found_and_listed_newest_first,
            rotation_swaps_the_token_and_pushes_the_idle_expiry,
            a_used_token_does_not_rotate_again,
            tokens_of_revoked_or_expired_sessions_do_not_rotate,
            fifty_concurrent_rotations_of_one_token_have_one_winner,
            a_grace_reissue_leaves_one_live_token_in_an_active_session,
            revoke_session_only_revokes_the_owners_live_session,
            revoke_sessions_counts_what_it_revoked,
            one_time_tokens_are_found_until_they_expire,
            voiding_previous_tokens_spares_other_purposes_and_users,
            login_failures_count_up_and_clear,
            a_quiet_period_restarts_the_failure_count,
            a_hundred_concurrent_failures_count_exactly_a_hundred,
            the_store_answers_a_ping,
            every_revocation_is_recorded_with_what_it_took_away,
            a_revocation_that_changed_nothing_records_nothing,
            the_revocation_feed_pages_by_seq_and_prunes_by_age,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __store_conformance_cases {
    ($fixture:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::run($fixture, $crate::cases::$case);
            }
        )*
    };
}

/// The base time of every case (the clock a store sees is whatever `now` the case passes).
pub const T0: OffsetDateTime = datetime!(2030-01-02 03:04:05.123456 UTC);

/// A user ready to insert: `email` as given, canonical lower-case.
pub fn user(email: &str, username: Option<&str>) -> User {
    User {
        id: new_id(),
        email: email.to_owned(),
        email_canonical: email.to_lowercase(),
        username: username.map(str::to_owned),
        username_canonical: username.map(str::to_lowercase),
        password_hash: PasswordHash::new(format!("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ${email}")),
        role: Role::user(),
        status: UserStatus::Active,
        email_verified: false,
        created_at: T0,
        updated_at: T0,
    }
}

/// A session of `user_id` started at `at`: idle for 14 days, absolute 30.
pub fn session(user_id: uuid::Uuid, at: OffsetDateTime) -> Session {
    Session {
        id: new_id(),
        user_id,
        created_at: at,
        last_used_at: at,
        idle_expires_at: at + Duration::days(14),
        expires_at: at + Duration::days(30),
        revoked_at: None,
        user_agent: Some("conformance/1.0 (ünïcode)".into()),
        ip: Some("2001:db8::7".parse::<IpAddr>().expect("an IPv6 literal")),
    }
}

/// A one-time token of `purpose` for `user_id`, issued at [`T0`], valid for an hour.
pub fn one_time_token(user_id: uuid::Uuid, purpose: TokenPurpose) -> OneTimeToken {
    OneTimeToken {
        hash: OpaqueToken::generate().hash(),
        user_id,
        purpose,
        new_email: (purpose == TokenPurpose::ChangeEmail).then(|| "New@Example.org".to_owned()),
        created_at: T0,
        expires_at: T0 + Duration::hours(1),
    }
}

fn hash() -> TokenHash {
    OpaqueToken::generate().hash()
}

/// The key of a new session's first refresh token.
fn refresh_key() -> RefreshKey {
    RefreshToken::generate().key()
}

fn conflict(result: Result<impl std::fmt::Debug, StoreError>) -> UniqueField {
    match result {
        Err(StoreError::Conflict(field)) => field,
        other => panic!("expected a unique conflict, got {other:?}"),
    }
}

/// The cases. Each takes a fresh store.
pub mod cases {
    use super::*;

    async fn insert_user(store: &Arc<dyn Store>, email: &str, username: Option<&str>) -> User {
        let u = user(email, username);
        store.create_user(&u).await.expect("create user");
        u
    }

    async fn insert_session(store: &Arc<dyn Store>, user_id: uuid::Uuid) -> (Session, RefreshKey) {
        let s = session(user_id, T0);
        let refresh = refresh_key();
        store
            .create_session(&s, &refresh)
            .await
            .expect("create session");
        (s, refresh)
    }

    /// A rotation of `old` to a new token of its session.
    fn rotation(old: RefreshKey, now: OffsetDateTime) -> Rotation {
        Rotation {
            selector: old.selector,
            old: old.hash,
            new: RefreshToken::successor(old.selector).key().hash,
            now,
            idle_expires_at: now + Duration::days(14),
        }
    }

    /// The key of the token `r` would make current.
    fn successor(r: &Rotation) -> RefreshKey {
        RefreshKey {
            selector: r.selector,
            hash: r.new,
        }
    }

    async fn family(store: &Arc<dyn Store>, key: RefreshKey) -> RefreshFamily {
        store
            .refresh_family(&key.selector)
            .await
            .unwrap()
            .expect("the session is found by its selector")
    }

    /// Users read back equal, field for field, by each lookup.
    pub async fn users_are_found_by_id_email_and_username(store: Arc<dyn Store>) {
        let u = insert_user(&store, "Ada.Lovelace@Example.com", Some("Ada_L")).await;
        assert_eq!(store.user_by_id(u.id).await.unwrap(), Some(u.clone()));
        assert_eq!(
            store
                .user_by_email("ada.lovelace@example.com")
                .await
                .unwrap(),
            Some(u.clone())
        );
        assert_eq!(
            store.user_by_username("ada_l").await.unwrap(),
            Some(u.clone())
        );
        assert_eq!(
            store
                .user_by_email("Ada.Lovelace@Example.com")
                .await
                .unwrap(),
            None,
            "lookups are by canonical form"
        );
    }

    /// Lookups of things that do not exist return `None`.
    pub async fn unknown_lookups_find_nothing(store: Arc<dyn Store>) {
        assert_eq!(store.user_by_id(new_id()).await.unwrap(), None);
        assert_eq!(
            store.user_by_email("nobody@example.com").await.unwrap(),
            None
        );
        assert_eq!(store.user_by_username("nobody").await.unwrap(), None);
        assert_eq!(store.session(new_id()).await.unwrap(), None);
        assert_eq!(
            store.refresh_family(&refresh_key().selector).await.unwrap(),
            None
        );
        assert_eq!(store.find_one_time_token(&hash(), T0).await.unwrap(), None);
        assert_eq!(store.login_failures("nobody").await.unwrap(), None);
        assert!(store.list_sessions(new_id(), T0).await.unwrap().is_empty());
    }

    /// The canonical e-mail is unique.
    pub async fn a_duplicate_canonical_email_is_a_conflict_on_email(store: Arc<dyn Store>) {
        insert_user(&store, "ada@example.com", None).await;
        let field = conflict(store.create_user(&user("ADA@example.com", None)).await);
        assert_eq!(field, UniqueField::Email);
    }

    /// The canonical username is unique.
    pub async fn a_duplicate_username_is_a_conflict_on_username(store: Arc<dyn Store>) {
        insert_user(&store, "a@example.com", Some("ada")).await;
        let field = conflict(store.create_user(&user("b@example.com", Some("ADA"))).await);
        assert_eq!(field, UniqueField::Username);
    }

    /// Users without a username never collide on it.
    pub async fn many_users_may_have_no_username(store: Arc<dyn Store>) {
        for i in 0..3 {
            insert_user(&store, &format!("u{i}@example.com"), None).await;
        }
    }

    /// Of 20 concurrent inserts of case variants of one address, exactly one succeeds.
    pub async fn twenty_concurrent_creations_of_one_address_create_one_user(store: Arc<dyn Store>) {
        let variants = [
            "ada@example.com",
            "ADA@example.com",
            "Ada@Example.com",
            "ada@EXAMPLE.COM",
        ];
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let store = Arc::clone(&store);
                let u = user(variants[i % variants.len()], None);
                tokio::spawn(async move { store.create_user(&u).await })
            })
            .collect();
        let mut created = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => created += 1,
                Err(StoreError::Conflict(UniqueField::Email)) => {}
                Err(other) => panic!("unexpected error {other:?}"),
            }
        }
        assert_eq!(created, 1);
    }

    /// An update changes the fields it names and `updated_at`, nothing else.
    pub async fn update_user_changes_only_what_it_names(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", Some("ada")).await;
        let later = T0 + Duration::minutes(5);
        let update = UserUpdate {
            role: Some(Role::new("hr").unwrap()),
            ..UserUpdate::default()
        };
        let updated = store
            .update_user(u.id, &update, later)
            .await
            .unwrap()
            .unwrap();
        let expected = User {
            role: Role::new("hr").unwrap(),
            updated_at: later,
            ..u.clone()
        };
        assert_eq!(updated, expected);
        assert_eq!(
            store.user_by_id(u.id).await.unwrap(),
            Some(expected.clone())
        );

        let rename = UserUpdate {
            username: Some(Some(("Lady_Ada".into(), "lady_ada".into()))),
            status: Some(UserStatus::Disabled),
            ..UserUpdate::default()
        };
        let renamed = store
            .update_user(u.id, &rename, later)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(renamed.username.as_deref(), Some("Lady_Ada"));
        assert_eq!(renamed.username_canonical.as_deref(), Some("lady_ada"));
        assert_eq!(renamed.status, UserStatus::Disabled);
        assert_eq!(renamed.role.as_str(), "hr");

        let clear = UserUpdate {
            username: Some(None),
            ..UserUpdate::default()
        };
        let cleared = store
            .update_user(u.id, &clear, later)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((cleared.username, cleared.username_canonical), (None, None));
        assert_eq!(store.user_by_username("lady_ada").await.unwrap(), None);
    }

    /// A username clash is a conflict; an unknown id is `None`.
    pub async fn update_user_reports_a_username_conflict_and_a_missing_user(store: Arc<dyn Store>) {
        insert_user(&store, "a@example.com", Some("ada")).await;
        let b = insert_user(&store, "b@example.com", Some("bob")).await;
        let clash = UserUpdate {
            username: Some(Some(("ADA".into(), "ada".into()))),
            ..UserUpdate::default()
        };
        assert_eq!(
            conflict(store.update_user(b.id, &clash, T0).await),
            UniqueField::Username
        );
        assert_eq!(
            store
                .user_by_id(b.id)
                .await
                .unwrap()
                .unwrap()
                .username
                .as_deref(),
            Some("bob")
        );
        let role = UserUpdate {
            role: Some(Role::admin()),
            ..UserUpdate::default()
        };
        assert_eq!(store.update_user(new_id(), &role, T0).await.unwrap(), None);
    }

    /// `revoke_sessions` on an update revokes every session of the user.
    pub async fn disabling_with_revocation_revokes_every_session(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let (s1, _) = insert_session(&store, u.id).await;
        let (s2, _) = insert_session(&store, u.id).await;
        let disable = UserUpdate {
            status: Some(UserStatus::Disabled),
            revoke_sessions: true,
            ..UserUpdate::default()
        };
        let now = T0 + Duration::minutes(1);
        store
            .update_user(u.id, &disable, now)
            .await
            .unwrap()
            .unwrap();
        for s in [s1, s2] {
            assert_eq!(
                store.session(s.id).await.unwrap().unwrap().revoked_at,
                Some(now)
            );
        }
    }

    /// The rehash path touches only the hash.
    pub async fn set_password_hash_replaces_only_the_hash(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let (s, _) = insert_session(&store, u.id).await;
        let new_hash = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$aGFzaA");
        let later = T0 + Duration::seconds(1);
        store
            .set_password_hash(u.id, &new_hash, later)
            .await
            .unwrap();
        let read = store.user_by_id(u.id).await.unwrap().unwrap();
        assert_eq!(read.password_hash, new_hash);
        assert_eq!(read.email, u.email);
        assert!(
            store
                .session(s.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none()
        );
    }

    /// Consuming a reset token sets the password, revokes all but the kept session and voids
    /// the user's other tokens, together.
    pub async fn a_credential_change_consumes_the_token_and_applies_everything(
        store: Arc<dyn Store>,
    ) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let (keep, _) = insert_session(&store, u.id).await;
        let (drop, _) = insert_session(&store, u.id).await;
        let reset = one_time_token(u.id, TokenPurpose::PasswordReset);
        let verify = one_time_token(u.id, TokenPurpose::VerifyEmail);
        store.issue_one_time_token(&reset, false).await.unwrap();
        store.issue_one_time_token(&verify, false).await.unwrap();

        let now = T0 + Duration::minutes(10);
        let new_hash = PasswordHash::new("$argon2id$v=19$m=8,t=1,p=1$bmV3$bmV3");
        let change = CredentialChange {
            user_id: u.id,
            consume: Some((reset.hash, TokenPurpose::PasswordReset)),
            password_hash: Some(new_hash.clone()),
            revoke_sessions: SessionRevocation::AllExcept(keep.id),
            void_one_time_tokens: true,
            ..CredentialChange::default()
        };
        let changed = store
            .apply_credential_change(&change, now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(changed.password_hash, new_hash);
        assert_eq!(changed.updated_at, now);
        assert_eq!(
            store.find_one_time_token(&reset.hash, now).await.unwrap(),
            None,
            "consumed"
        );
        assert_eq!(
            store.find_one_time_token(&verify.hash, now).await.unwrap(),
            None,
            "voided"
        );
        assert!(
            store
                .session(keep.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none()
        );
        assert_eq!(
            store.session(drop.id).await.unwrap().unwrap().revoked_at,
            Some(now)
        );
        assert_eq!(
            store.apply_credential_change(&change, now).await.unwrap(),
            None,
            "only once"
        );

        let verify2 = one_time_token(u.id, TokenPurpose::ChangeEmail);
        store.issue_one_time_token(&verify2, false).await.unwrap();
        let switch = CredentialChange {
            user_id: u.id,
            consume: Some((verify2.hash, TokenPurpose::ChangeEmail)),
            email: Some(("New@Example.org".into(), "new@example.org".into())),
            mark_email_verified: true,
            ..CredentialChange::default()
        };
        let switched = store
            .apply_credential_change(&switch, now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(switched.email, "New@Example.org");
        assert!(switched.email_verified);
        assert_eq!(
            store
                .user_by_email("new@example.org")
                .await
                .unwrap()
                .map(|u| u.id),
            Some(u.id)
        );
        assert_eq!(store.user_by_email("ada@example.com").await.unwrap(), None);
    }

    /// Wrong purpose, wrong user, expired or consumed: nothing is changed.
    pub async fn an_unconsumable_token_changes_nothing(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let other = insert_user(&store, "bob@example.com", None).await;
        let (s, _) = insert_session(&store, u.id).await;
        let reset = one_time_token(u.id, TokenPurpose::PasswordReset);
        store.issue_one_time_token(&reset, false).await.unwrap();
        let attempt = |user_id, purpose, _why: &str| CredentialChange {
            user_id,
            consume: Some((reset.hash, purpose)),
            password_hash: Some(PasswordHash::new("$argon2id$changed")),
            revoke_sessions: SessionRevocation::All,
            ..CredentialChange::default()
        };
        let cases = [
            (attempt(u.id, TokenPurpose::VerifyEmail, "purpose"), T0),
            (attempt(other.id, TokenPurpose::PasswordReset, "user"), T0),
            (
                attempt(u.id, TokenPurpose::PasswordReset, "expired"),
                reset.expires_at,
            ),
            (
                CredentialChange {
                    consume: Some((hash(), TokenPurpose::PasswordReset)),
                    ..attempt(u.id, TokenPurpose::PasswordReset, "unknown")
                },
                T0,
            ),
        ];
        for (change, now) in cases {
            assert_eq!(
                store.apply_credential_change(&change, now).await.unwrap(),
                None
            );
        }
        assert_eq!(
            store.user_by_id(u.id).await.unwrap().unwrap().password_hash,
            u.password_hash
        );
        assert!(
            store
                .session(s.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none()
        );
        assert!(
            store
                .find_one_time_token(&reset.hash, T0)
                .await
                .unwrap()
                .is_some(),
            "still usable"
        );
    }

    /// A failed change leaves the token unconsumed and the sessions live: all or nothing.
    pub async fn an_email_conflict_rolls_back_the_whole_credential_change(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", None).await;
        insert_user(&store, "taken@example.com", None).await;
        let (s, _) = insert_session(&store, u.id).await;
        let token = one_time_token(u.id, TokenPurpose::ChangeEmail);
        store.issue_one_time_token(&token, false).await.unwrap();
        let change = CredentialChange {
            user_id: u.id,
            consume: Some((token.hash, TokenPurpose::ChangeEmail)),
            email: Some(("Taken@example.com".into(), "taken@example.com".into())),
            mark_email_verified: true,
            revoke_sessions: SessionRevocation::All,
            void_one_time_tokens: true,
            ..CredentialChange::default()
        };
        assert_eq!(
            conflict(store.apply_credential_change(&change, T0).await),
            UniqueField::Email
        );
        assert_eq!(store.user_by_id(u.id).await.unwrap(), Some(u.clone()));
        assert!(
            store
                .find_one_time_token(&token.hash, T0)
                .await
                .unwrap()
                .is_some(),
            "not consumed"
        );
        assert!(
            store
                .session(s.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none(),
            "not revoked"
        );
    }

    /// Of 20 concurrent consumptions of one token, exactly one wins.
    pub async fn twenty_concurrent_consumptions_of_one_token_have_one_winner(
        store: Arc<dyn Store>,
    ) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let reset = one_time_token(u.id, TokenPurpose::PasswordReset);
        store.issue_one_time_token(&reset, false).await.unwrap();
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let store = Arc::clone(&store);
                let change = CredentialChange {
                    user_id: u.id,
                    consume: Some((reset.hash, TokenPurpose::PasswordReset)),
                    password_hash: Some(PasswordHash::new(format!("$argon2id$winner-{i}"))),
                    revoke_sessions: SessionRevocation::All,
                    void_one_time_tokens: true,
                    ..CredentialChange::default()
                };
                tokio::spawn(async move { store.apply_credential_change(&change, T0).await })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            if let Some(user) = task
                .await
                .unwrap()
                .expect("no store error under contention")
            {
                winners.push(user.password_hash);
            }
        }
        assert_eq!(winners.len(), 1);
        let stored = store.user_by_id(u.id).await.unwrap().unwrap();
        assert_eq!(
            stored.password_hash, winners[0],
            "the winner's change is the one stored"
        );
    }

    /// A change for an id with no user returns `None`.
    pub async fn a_credential_change_for_a_missing_user_is_none(store: Arc<dyn Store>) {
        let change = CredentialChange {
            user_id: new_id(),
            password_hash: Some(PasswordHash::new("$argon2id$x")),
            ..CredentialChange::default()
        };
        assert_eq!(
            store.apply_credential_change(&change, T0).await.unwrap(),
            None
        );
    }

    /// Deleting a user removes what hangs off it; deleting twice reports `false`.
    pub async fn deleting_a_user_removes_sessions_and_tokens(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", Some("ada")).await;
        let keep = insert_user(&store, "bob@example.com", None).await;
        let (s, refresh) = insert_session(&store, u.id).await;
        let (kept_session, kept_refresh) = insert_session(&store, keep.id).await;
        let token = one_time_token(u.id, TokenPurpose::VerifyEmail);
        store.issue_one_time_token(&token, false).await.unwrap();

        assert!(store.delete_user(u.id, T0).await.unwrap());
        assert_eq!(store.user_by_id(u.id).await.unwrap(), None);
        assert_eq!(store.user_by_username("ada").await.unwrap(), None);
        assert_eq!(store.session(s.id).await.unwrap(), None);
        assert_eq!(store.refresh_family(&refresh.selector).await.unwrap(), None);
        assert_eq!(
            store.find_one_time_token(&token.hash, T0).await.unwrap(),
            None
        );
        assert!(!store.delete_user(u.id, T0).await.unwrap());

        assert!(store.session(kept_session.id).await.unwrap().is_some());
        assert_eq!(
            family(&store, kept_refresh).await.current,
            kept_refresh.hash
        );
        insert_user(&store, "ada@example.com", Some("ada")).await;
    }

    /// Pages follow id order; the cursor continues after the last id.
    pub async fn users_are_listed_in_id_order_with_a_cursor(store: Arc<dyn Store>) {
        let mut ids = Vec::new();
        for i in 0..7 {
            ids.push(
                insert_user(&store, &format!("user{i}@example.com"), None)
                    .await
                    .id,
            );
        }
        ids.sort();
        let query = |after, limit| UserQuery {
            limit,
            after,
            role: None,
            status: None,
            search: None,
        };
        let first: Vec<_> = store
            .list_users(&query(None, 3))
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(first, ids[..3]);
        let second: Vec<_> = store
            .list_users(&query(Some(ids[2]), 3))
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(second, ids[3..6]);
        let rest: Vec<_> = store
            .list_users(&query(Some(ids[5]), 3))
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(rest, ids[6..]);
    }

    /// Filters combine; the search is a literal, case-insensitive substring of the canonical
    /// e-mail or username (`%` and `_` are not wildcards).
    pub async fn the_user_list_filters_by_role_status_and_literal_search(store: Arc<dyn Store>) {
        let a = insert_user(&store, "a_b@example.com", Some("alpha")).await;
        let b = insert_user(&store, "axb@example.com", None).await;
        let c = insert_user(&store, "percent%sign@example.com", Some("c_100")).await;
        let hr = Role::new("hr").unwrap();
        let promote = UserUpdate {
            role: Some(hr.clone()),
            ..UserUpdate::default()
        };
        store.update_user(b.id, &promote, T0).await.unwrap();
        let disable = UserUpdate {
            status: Some(UserStatus::Disabled),
            ..UserUpdate::default()
        };
        store.update_user(c.id, &disable, T0).await.unwrap();

        let ids = |users: Vec<User>| users.into_iter().map(|u| u.id).collect::<Vec<_>>();
        let q = |role: Option<Role>, status, search: Option<&str>| UserQuery {
            limit: 50,
            after: None,
            role,
            status,
            search: search.map(str::to_owned),
        };
        assert_eq!(
            ids(store.list_users(&q(None, None, Some("a_b"))).await.unwrap()),
            vec![a.id]
        );
        assert_eq!(
            ids(store.list_users(&q(None, None, Some("%"))).await.unwrap()),
            vec![c.id]
        );
        assert_eq!(
            ids(store
                .list_users(&q(None, None, Some("alph")))
                .await
                .unwrap()),
            vec![a.id],
            "username"
        );
        assert_eq!(
            ids(store.list_users(&q(Some(hr), None, None)).await.unwrap()),
            vec![b.id]
        );
        assert_eq!(
            ids(store
                .list_users(&q(None, Some(UserStatus::Disabled), None))
                .await
                .unwrap()),
            vec![c.id]
        );
        assert_eq!(
            ids(store
                .list_users(&q(
                    Some(Role::user()),
                    Some(UserStatus::Active),
                    Some("example")
                ))
                .await
                .unwrap()),
            vec![a.id]
        );
        assert!(
            store
                .list_users(&q(None, None, Some("!")))
                .await
                .unwrap()
                .is_empty()
        );
    }

    /// Whether a role is held by anyone.
    pub async fn any_user_with_role_answers_per_role(store: Arc<dyn Store>) {
        assert!(!store.any_user_with_role(&Role::admin()).await.unwrap());
        let mut admin = user("root@example.com", None);
        admin.role = Role::admin();
        store.create_user(&admin).await.unwrap();
        assert!(store.any_user_with_role(&Role::admin()).await.unwrap());
        assert!(
            !store
                .any_user_with_role(&Role::new("hr").unwrap())
                .await
                .unwrap()
        );
    }

    /// Sessions read back equal; listing shows the live ones, newest first.
    pub async fn sessions_are_created_found_and_listed_newest_first(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let older = session(u.id, T0);
        let newer = Session {
            user_agent: None,
            ip: Some("192.0.2.1".parse().unwrap()),
            ..session(u.id, T0 + Duration::seconds(1))
        };
        let revoked = session(u.id, T0 + Duration::seconds(2));
        for s in [&older, &newer, &revoked] {
            store.create_session(s, &refresh_key()).await.unwrap();
        }
        store.revoke_session(u.id, revoked.id, T0).await.unwrap();
        assert_eq!(store.session(older.id).await.unwrap(), Some(older.clone()));
        assert_eq!(store.session(newer.id).await.unwrap(), Some(newer.clone()));
        let listed = store
            .list_sessions(u.id, T0 + Duration::seconds(3))
            .await
            .unwrap();
        assert_eq!(listed, vec![newer.clone(), older.clone()]);
        let after_idle = store
            .list_sessions(u.id, older.idle_expires_at)
            .await
            .unwrap();
        assert_eq!(
            after_idle,
            vec![newer],
            "an idle-expired session is not listed"
        );
    }

    /// A rotation makes the new token current and the old one previous, and updates the
    /// session.
    pub async fn rotation_swaps_the_token_and_pushes_the_idle_expiry(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let (s, old) = insert_session(&store, u.id).await;
        let fresh = family(&store, old).await;
        assert_eq!(
            (fresh.current, fresh.previous, fresh.rotated_at),
            (old.hash, None, None)
        );
        let now = T0 + Duration::days(3);
        let r = rotation(old, now);
        let rotated = store
            .rotate_refresh_token(&r)
            .await
            .unwrap()
            .expect("rotates");
        assert_eq!(
            rotated,
            Session {
                last_used_at: now,
                idle_expires_at: r.idle_expires_at,
                ..s.clone()
            }
        );
        assert_eq!(
            family(&store, old).await,
            RefreshFamily {
                session: rotated,
                current: r.new,
                previous: Some(old.hash),
                displaced: None,
                rotated_at: Some(now),
            }
        );
        let next = rotation(successor(&r), now + Duration::seconds(1));
        assert!(
            store.rotate_refresh_token(&next).await.unwrap().is_some(),
            "the new token rotates"
        );
        assert_eq!(family(&store, old).await.previous, Some(r.new));
    }

    /// A token rotates once; a token of another session does not rotate this one.
    pub async fn a_used_token_does_not_rotate_again(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let (_, old) = insert_session(&store, u.id).await;
        let (_, other) = insert_session(&store, u.id).await;
        let first = rotation(old, T0);
        assert!(store.rotate_refresh_token(&first).await.unwrap().is_some());
        let again = rotation(old, T0 + Duration::seconds(1));
        assert_eq!(store.rotate_refresh_token(&again).await.unwrap(), None);
        let crossed = Rotation {
            selector: other.selector,
            ..rotation(successor(&first), T0 + Duration::seconds(1))
        };
        assert_eq!(
            store.rotate_refresh_token(&crossed).await.unwrap(),
            None,
            "a hash counts only in its own session"
        );
        let f = family(&store, old).await;
        assert_eq!(
            (f.current, f.previous, f.rotated_at),
            (first.new, Some(old.hash), Some(T0)),
            "nothing changed"
        );
        assert_eq!(family(&store, other).await.current, other.hash);
    }

    /// Revoked, idle-expired and absolutely-expired sessions do not rotate, and their token
    /// stays current.
    pub async fn tokens_of_revoked_or_expired_sessions_do_not_rotate(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let (revoked, revoked_token) = insert_session(&store, u.id).await;
        store.revoke_session(u.id, revoked.id, T0).await.unwrap();
        let (idle, idle_token) = insert_session(&store, u.id).await;
        let (_, absolute_token) = insert_session(&store, u.id).await;

        let cases = [
            (revoked_token, T0 + Duration::seconds(1)),
            (idle_token, idle.idle_expires_at),
            (absolute_token, idle.expires_at),
        ];
        for (token, now) in cases {
            let r = rotation(token, now);
            assert_eq!(store.rotate_refresh_token(&r).await.unwrap(), None);
            let f = family(&store, token).await;
            assert_eq!(
                (f.current, f.previous, f.rotated_at),
                (token.hash, None, None)
            );
        }
    }

    /// Of 50 concurrent rotations of one token, exactly one wins.
    pub async fn fifty_concurrent_rotations_of_one_token_have_one_winner(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let (_, old) = insert_session(&store, u.id).await;
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let store = Arc::clone(&store);
                let r = rotation(old, T0 + Duration::seconds(1));
                tokio::spawn(async move { (r.new, store.rotate_refresh_token(&r).await) })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            let (new, result) = task.await.unwrap();
            if result.expect("no store error under contention").is_some() {
                winners.push(new);
            }
        }
        assert_eq!(winners.len(), 1);
        let f = family(&store, old).await;
        assert_eq!((f.current, f.previous), (winners[0], Some(old.hash)));
    }

    /// The grace-window branch replaces the current token (the one the client never got),
    /// only for the token the last rotation retired, only in a live session, and keeps the
    /// rotation time.
    pub async fn a_grace_reissue_leaves_one_live_token_in_an_active_session(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let (s, first) = insert_session(&store, u.id).await;
        let lost = rotation(first, T0);
        store.rotate_refresh_token(&lost).await.unwrap().unwrap();
        let extra = RefreshToken::successor(first.selector).key().hash;
        let now = T0 + Duration::seconds(5);
        let idle = now + Duration::days(14);
        assert!(
            !store
                .reissue_refresh_token(&first.selector, &lost.new, &extra, now, idle)
                .await
                .unwrap(),
            "the current token is not reissued for"
        );
        assert!(
            store
                .reissue_refresh_token(&first.selector, &first.hash, &extra, now, idle)
                .await
                .unwrap()
        );
        let f = family(&store, first).await;
        assert_eq!(
            (f.current, f.previous, f.displaced, f.rotated_at),
            (extra, Some(first.hash), Some(lost.new), Some(T0)),
            "the lost token is displaced; the window still starts at the rotation"
        );
        assert_eq!(
            (f.session.last_used_at, f.session.idle_expires_at),
            (now, idle)
        );
        assert!(
            store
                .rotate_refresh_token(&rotation(successor(&lost), now))
                .await
                .unwrap()
                .is_none(),
            "the lost token no longer rotates"
        );
        let again = RefreshToken::successor(first.selector).key().hash;
        assert!(
            store
                .reissue_refresh_token(&first.selector, &lost.new, &again, now, idle)
                .await
                .unwrap(),
            "the displaced token may ask again"
        );
        let f = family(&store, first).await;
        assert_eq!((f.current, f.displaced), (again, Some(extra)));
        let next = rotation(
            RefreshKey {
                selector: first.selector,
                hash: again,
            },
            now,
        );
        store.rotate_refresh_token(&next).await.unwrap().unwrap();
        let f = family(&store, first).await;
        assert_eq!(
            (f.previous, f.displaced),
            (Some(again), None),
            "a rotation clears the displaced token"
        );

        store.revoke_session(u.id, s.id, now).await.unwrap();
        let late = RefreshToken::successor(first.selector).key().hash;
        assert!(
            !store
                .reissue_refresh_token(&first.selector, &again, &late, now, idle)
                .await
                .unwrap()
        );
        assert_eq!(
            family(&store, first).await.current,
            next.new,
            "a refused reissue changes nothing"
        );
        assert!(
            !store
                .reissue_refresh_token(&refresh_key().selector, &first.hash, &late, now, idle)
                .await
                .unwrap()
        );
    }

    /// Revoking needs the owner and a live session.
    pub async fn revoke_session_only_revokes_the_owners_live_session(store: Arc<dyn Store>) {
        let ada = insert_user(&store, "ada@example.com", None).await;
        let bob = insert_user(&store, "bob@example.com", None).await;
        let (s, _) = insert_session(&store, ada.id).await;
        assert!(
            !store.revoke_session(bob.id, s.id, T0).await.unwrap(),
            "not bob's"
        );
        assert!(
            store
                .session(s.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none()
        );
        let now = T0 + Duration::seconds(9);
        assert!(store.revoke_session(ada.id, s.id, now).await.unwrap());
        assert!(
            !store
                .revoke_session(ada.id, s.id, now + Duration::seconds(1))
                .await
                .unwrap(),
            "already"
        );
        assert_eq!(
            store.session(s.id).await.unwrap().unwrap().revoked_at,
            Some(now),
            "first time kept"
        );
    }

    /// Bulk revocation revokes all (or all but one) of the user's live sessions and says how many.
    pub async fn revoke_sessions_counts_what_it_revoked(store: Arc<dyn Store>) {
        let ada = insert_user(&store, "ada@example.com", None).await;
        let bob = insert_user(&store, "bob@example.com", None).await;
        let (keep, _) = insert_session(&store, ada.id).await;
        let (a2, _) = insert_session(&store, ada.id).await;
        let (a3, _) = insert_session(&store, ada.id).await;
        let (b1, _) = insert_session(&store, bob.id).await;
        let n = store
            .revoke_sessions(ada.id, SessionRevocation::AllExcept(keep.id), T0)
            .await
            .unwrap();
        assert_eq!(n, 2);
        assert!(
            store
                .session(keep.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none()
        );
        for s in [&a2, &a3] {
            assert!(
                store
                    .session(s.id)
                    .await
                    .unwrap()
                    .unwrap()
                    .revoked_at
                    .is_some()
            );
        }
        assert_eq!(
            store
                .revoke_sessions(ada.id, SessionRevocation::All, T0)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .revoke_sessions(ada.id, SessionRevocation::None, T0)
                .await
                .unwrap(),
            0
        );
        assert!(
            store
                .session(b1.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none(),
            "bob untouched"
        );
    }

    /// A token is found (equal, field for field) until its expiry instant, then not.
    pub async fn one_time_tokens_are_found_until_they_expire(store: Arc<dyn Store>) {
        let u = insert_user(&store, "ada@example.com", None).await;
        let token = one_time_token(u.id, TokenPurpose::ChangeEmail);
        store.issue_one_time_token(&token, true).await.unwrap();
        let just_before = token.expires_at - Duration::microseconds(1);
        assert_eq!(
            store
                .find_one_time_token(&token.hash, just_before)
                .await
                .unwrap(),
            Some(token.clone())
        );
        assert_eq!(
            store
                .find_one_time_token(&token.hash, token.expires_at)
                .await
                .unwrap(),
            None
        );
    }

    /// `void_previous` deletes the user's older tokens of the same purpose only.
    pub async fn voiding_previous_tokens_spares_other_purposes_and_users(store: Arc<dyn Store>) {
        let ada = insert_user(&store, "ada@example.com", None).await;
        let bob = insert_user(&store, "bob@example.com", None).await;
        let old_reset = one_time_token(ada.id, TokenPurpose::PasswordReset);
        let verify = one_time_token(ada.id, TokenPurpose::VerifyEmail);
        let bobs_reset = one_time_token(bob.id, TokenPurpose::PasswordReset);
        for t in [&old_reset, &verify, &bobs_reset] {
            store.issue_one_time_token(t, false).await.unwrap();
        }
        let new_reset = one_time_token(ada.id, TokenPurpose::PasswordReset);
        store.issue_one_time_token(&new_reset, true).await.unwrap();
        assert_eq!(
            store
                .find_one_time_token(&old_reset.hash, T0)
                .await
                .unwrap(),
            None
        );
        for t in [&verify, &bobs_reset, &new_reset] {
            assert!(
                store
                    .find_one_time_token(&t.hash, T0)
                    .await
                    .unwrap()
                    .is_some()
            );
        }
    }

    /// Failures count up, are readable, and clear.
    pub async fn login_failures_count_up_and_clear(store: Arc<dyn Store>) {
        let reset_after = Duration::hours(24);
        for expected in 1..=3 {
            let at = T0 + Duration::seconds(expected.into());
            assert_eq!(
                store
                    .record_login_failure("k1", at, reset_after)
                    .await
                    .unwrap(),
                expected
            );
        }
        assert_eq!(
            store
                .record_login_failure("k2", T0, reset_after)
                .await
                .unwrap(),
            1,
            "per key"
        );
        let read = store.login_failures("k1").await.unwrap().unwrap();
        assert_eq!(
            (read.count, read.last_failure_at),
            (3, T0 + Duration::seconds(3))
        );
        store.clear_login_failures("k1").await.unwrap();
        assert_eq!(store.login_failures("k1").await.unwrap(), None);
        assert_eq!(store.login_failures("k2").await.unwrap().unwrap().count, 1);
        assert_eq!(
            store
                .record_login_failure("k1", T0, reset_after)
                .await
                .unwrap(),
            1
        );
    }

    /// After more than `reset_after` without failures, the count starts again at 1.
    pub async fn a_quiet_period_restarts_the_failure_count(store: Arc<dyn Store>) {
        let reset_after = Duration::hours(1);
        store
            .record_login_failure("k", T0, reset_after)
            .await
            .unwrap();
        store
            .record_login_failure("k", T0, reset_after)
            .await
            .unwrap();
        let exactly = T0 + reset_after;
        assert_eq!(
            store
                .record_login_failure("k", exactly, reset_after)
                .await
                .unwrap(),
            3,
            "not yet"
        );
        let later = exactly + reset_after + Duration::microseconds(1);
        assert_eq!(
            store
                .record_login_failure("k", later, reset_after)
                .await
                .unwrap(),
            1
        );
    }

    /// 100 concurrent failures raise the count by exactly 100, each call seeing its own count.
    pub async fn a_hundred_concurrent_failures_count_exactly_a_hundred(store: Arc<dyn Store>) {
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    store
                        .record_login_failure("hot", T0, Duration::hours(24))
                        .await
                })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.push(
                task.await
                    .unwrap()
                    .expect("no store error under contention"),
            );
        }
        seen.sort_unstable();
        assert_eq!(seen, (1..=100).collect::<Vec<u32>>());
        assert_eq!(
            store.login_failures("hot").await.unwrap().unwrap().count,
            100
        );
    }

    /// `ping` succeeds on a reachable store.
    pub async fn the_store_answers_a_ping(store: Arc<dyn Store>) {
        store.ping().await.expect("ping");
    }

    async fn feed(store: &Arc<dyn Store>) -> Vec<RevocationRecord> {
        store
            .revocations_since(0, 1000)
            .await
            .expect("read the feed")
    }

    fn what(records: &[RevocationRecord]) -> Vec<(uuid::Uuid, Revoked)> {
        records
            .iter()
            .map(|r| (r.user_id, r.what.clone()))
            .collect()
    }

    /// Each revoking method records what it took away, with its time, in increasing `seq`.
    pub async fn every_revocation_is_recorded_with_what_it_took_away(store: Arc<dyn Store>) {
        let ada = insert_user(&store, "ada@example.com", None).await;
        let bob = insert_user(&store, "bob@example.com", None).await;
        let (a1, _) = insert_session(&store, ada.id).await;
        let (a2, _) = insert_session(&store, ada.id).await;
        let (a3, _) = insert_session(&store, ada.id).await;
        let (b1, _) = insert_session(&store, bob.id).await;
        let (b2, _) = insert_session(&store, bob.id).await;
        assert!(feed(&store).await.is_empty(), "creating records nothing");

        let t1 = T0 + Duration::seconds(1);
        assert!(store.revoke_session(ada.id, a1.id, t1).await.unwrap());
        let records = feed(&store).await;
        assert_eq!(what(&records), [(ada.id, Revoked::Session(a1.id))]);
        assert_eq!(records[0].at, t1);

        let t2 = T0 + Duration::seconds(2);
        let revoked = store
            .revoke_sessions(ada.id, SessionRevocation::AllExcept(a3.id), t2)
            .await
            .unwrap();
        assert_eq!(revoked, 1);
        let records = feed(&store).await;
        assert_eq!(what(&records[1..]), [(ada.id, Revoked::Session(a2.id))]);

        let t3 = T0 + Duration::seconds(3);
        let promote = UserUpdate {
            role: Some(Role::admin()),
            ..UserUpdate::default()
        };
        store.update_user(bob.id, &promote, t3).await.unwrap();
        let disable = UserUpdate {
            status: Some(UserStatus::Disabled),
            revoke_sessions: true,
            ..UserUpdate::default()
        };
        store.update_user(bob.id, &disable, t3).await.unwrap();
        let records = feed(&store).await;
        let mut bobs = what(&records[2..]);
        assert_eq!(bobs.remove(0), (bob.id, Revoked::Role(Role::admin())));
        bobs.sort_by_key(|(_, w)| format!("{w:?}"));
        let mut expected = vec![
            (bob.id, Revoked::Session(b1.id)),
            (bob.id, Revoked::Session(b2.id)),
        ];
        expected.sort_by_key(|(_, w)| format!("{w:?}"));
        assert_eq!(bobs, expected);

        let t4 = T0 + Duration::seconds(4);
        let change = CredentialChange {
            user_id: ada.id,
            password_hash: Some(PasswordHash::new("$argon2id$new")),
            revoke_sessions: SessionRevocation::All,
            ..CredentialChange::default()
        };
        store.apply_credential_change(&change, t4).await.unwrap();
        let records = feed(&store).await;
        assert_eq!(what(&records[5..]), [(ada.id, Revoked::Session(a3.id))]);

        let t5 = T0 + Duration::seconds(5);
        assert!(store.delete_user(ada.id, t5).await.unwrap());
        let records = feed(&store).await;
        assert_eq!(what(&records[6..]), [(ada.id, Revoked::Account)]);
        assert_eq!(records[6].at, t5);

        assert_eq!(records.len(), 7);
        assert!(
            records.windows(2).all(|w| w[0].seq < w[1].seq),
            "seq increases: {records:?}"
        );
    }

    /// Revoking what is not there (another user's session, an already revoked one, a missing
    /// user) records nothing.
    pub async fn a_revocation_that_changed_nothing_records_nothing(store: Arc<dyn Store>) {
        let ada = insert_user(&store, "ada@example.com", None).await;
        let bob = insert_user(&store, "bob@example.com", None).await;
        let (s, _) = insert_session(&store, ada.id).await;
        assert!(!store.revoke_session(bob.id, s.id, T0).await.unwrap());
        assert_eq!(
            store
                .revoke_sessions(bob.id, SessionRevocation::All, T0)
                .await
                .unwrap(),
            0
        );
        assert!(!store.delete_user(new_id(), T0).await.unwrap());
        let nobody = UserUpdate {
            role: Some(Role::admin()),
            ..UserUpdate::default()
        };
        assert!(
            store
                .update_user(new_id(), &nobody, T0)
                .await
                .unwrap()
                .is_none()
        );
        assert!(feed(&store).await.is_empty());
        assert!(store.revoke_session(ada.id, s.id, T0).await.unwrap());
        assert!(!store.revoke_session(ada.id, s.id, T0).await.unwrap());
        assert_eq!(
            feed(&store).await.len(),
            1,
            "only the first revocation counts"
        );
    }

    /// The feed is read after a `seq`, in pages; pruning deletes what is older than the cut.
    pub async fn the_revocation_feed_pages_by_seq_and_prunes_by_age(store: Arc<dyn Store>) {
        let ada = insert_user(&store, "ada@example.com", None).await;
        let mut sessions = Vec::new();
        for i in 0..5 {
            let (s, _) = insert_session(&store, ada.id).await;
            let at = T0 + Duration::minutes(i);
            assert!(store.revoke_session(ada.id, s.id, at).await.unwrap());
            sessions.push(s.id);
        }
        let all = feed(&store).await;
        assert_eq!(all.len(), 5);
        let first_two = store.revocations_since(0, 2).await.unwrap();
        assert_eq!(first_two, all[..2]);
        let rest = store.revocations_since(first_two[1].seq, 10).await.unwrap();
        assert_eq!(rest, all[2..]);
        assert!(
            store
                .revocations_since(all[4].seq, 10)
                .await
                .unwrap()
                .is_empty()
        );

        let pruned = store
            .prune_revocations(T0 + Duration::minutes(3))
            .await
            .unwrap();
        assert_eq!(pruned, 3);
        let left: Vec<Revoked> = feed(&store).await.into_iter().map(|r| r.what).collect();
        assert_eq!(
            left,
            [Revoked::Session(sessions[3]), Revoked::Session(sessions[4])]
        );
    }
}
