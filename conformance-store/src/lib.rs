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
//! refresh token, 20 consumptions of one one-time token or MFA challenge, 20 registrations of
//! one address, 100 failed logins, four prunes of the same rows, 20 uses of one TOTP step or
//! recovery code, 20 links or first sign-ins of one provider identity, 20 takes of one
//! authorization flow) really race. Time is passed explicitly, as the traits take `now`.
//! recovery code, 20 takes of one passkey ceremony, 20 uses of one passkey signature count)
//! really race. Time is passed explicitly, as the traits take `now`.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use authkit_core::model::{Identity, PasswordHash, Role, Session, User, UserStatus, new_id};
use authkit_core::store::{
    CeremonyPurpose, CredentialChange, OAuthFlow, OneTimeToken, PasskeyCeremony, RefreshFamily,
    RevocationRecord, Revoked, Rotation, SessionRevocation, Store, StoreError, StoredPasskey,
    TokenPurpose, TotpCredential, UniqueField, Unlink, UserQuery, UserUpdate,
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
        $crate::__store_conformance_case_names!(__store_conformance_cases!($fixture));
    };
}

// `__store_conformance_case_names!`: every case of `src/cases/`, listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/case_names.rs"));

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

pub mod cases;
