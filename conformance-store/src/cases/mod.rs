//! The cases, grouped by concern, one file per store trait (credential changes apart). Each
//! `pub async fn` taking a fresh store is a case: the build script lists them for
//! [`store_conformance_suite!`](crate::store_conformance_suite), so a case is named once, here.

use super::*;

mod credentials;
mod identities;
mod one_time_tokens;
mod passkeys;
mod pruning;
mod revocations;
mod second_factors;
mod sessions;
mod throttle;
mod users;

pub use credentials::*;
pub use identities::*;
pub use one_time_tokens::*;
pub use passkeys::*;
pub use pruning::*;
pub use revocations::*;
pub use second_factors::*;
pub use sessions::*;
pub use throttle::*;
pub use users::*;

pub(crate) async fn insert_user(
    store: &Arc<dyn Store>,
    email: &str,
    username: Option<&str>,
) -> User {
    let u = user(email, username);
    store.create_user(&u).await.expect("create user");
    u
}

pub(crate) async fn insert_session(
    store: &Arc<dyn Store>,
    user_id: uuid::Uuid,
) -> (Session, RefreshKey) {
    let s = session(user_id, T0);
    let refresh = refresh_key();
    store
        .create_session(&s, &refresh)
        .await
        .expect("create session");
    (s, refresh)
}

pub(crate) async fn family(store: &Arc<dyn Store>, key: RefreshKey) -> RefreshFamily {
    store
        .refresh_family(&key.selector)
        .await
        .unwrap()
        .expect("the session is found by its selector")
}
