//! Identities at other providers: linking, one owner per (provider, subject) under
//! concurrency, a first sign-in that creates the user with its identity, listing, the
//! last-sign-in-method rule of unlinking, deletion with the user, and the single-use flow
//! records of the authorization-code flow.

use super::*;

/// An identity of `user_id` at `provider`, linked at `at`.
fn identity(user_id: uuid::Uuid, provider: &str, subject: &str, at: OffsetDateTime) -> Identity {
    Identity {
        id: new_id(),
        user_id,
        provider: provider.to_owned(),
        subject: subject.to_owned(),
        email: Some("Ada@Example.com".to_owned()),
        created_at: at,
    }
}

/// A user without a password, as a first sign-in at a provider creates one.
fn passwordless(email: &str) -> User {
    User {
        password_hash: PasswordHash::unusable(),
        email_verified: true,
        ..user(email, None)
    }
}

/// A flow started at [`T0`], valid for ten minutes.
fn flow(link_user: Option<uuid::Uuid>) -> OAuthFlow {
    OAuthFlow {
        state: hash(),
        provider: "example".to_owned(),
        binding: hash(),
        nonce: hash(),
        pkce_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned(),
        redirect_uri: "https://app.example.com/auth/oauth/example/callback?x=ü".to_owned(),
        link_user,
        created_at: T0,
        expires_at: T0 + Duration::minutes(10),
    }
}

/// A linked identity reads back as stored, by (provider, subject) and in the user's list,
/// oldest first; the subject is matched exactly (case and provider included).
pub async fn identities_are_linked_found_and_listed(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let github = identity(u.id, "github", "583231", T0);
    let google = identity(u.id, "google", "1075-Ab", T0 + Duration::seconds(1));
    assert!(store.link_identity(&google).await.unwrap());
    assert!(store.link_identity(&github).await.unwrap());

    assert_eq!(
        store.identity_by_subject("github", "583231").await.unwrap(),
        Some(github.clone())
    );
    assert_eq!(
        store
            .identity_by_subject("google", "1075-ab")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .identity_by_subject("github", "1075-Ab")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.identities(u.id).await.unwrap(), vec![github, google]);
    let other = insert_user(&store, "bob@example.com", None).await;
    assert_eq!(store.identities(other.id).await.unwrap(), vec![]);
}

/// One (provider, subject) belongs to one user: linking it again, to the same or another
/// user, changes nothing.
pub async fn an_identity_is_linked_to_one_user_only(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    let first = identity(ada.id, "github", "42", T0);
    assert!(store.link_identity(&first).await.unwrap());
    assert!(
        !store
            .link_identity(&identity(bob.id, "github", "42", T0))
            .await
            .unwrap()
    );
    assert!(
        !store
            .link_identity(&identity(ada.id, "github", "42", T0))
            .await
            .unwrap()
    );
    assert_eq!(
        store.identity_by_subject("github", "42").await.unwrap(),
        Some(first)
    );
    assert_eq!(store.identities(bob.id).await.unwrap(), vec![]);
}

/// 20 concurrent links of one (provider, subject) to 20 users: exactly one succeeds.
pub async fn concurrent_links_of_one_identity_have_one_winner(store: Arc<dyn Store>) {
    let mut users = Vec::new();
    for i in 0..20 {
        users.push(insert_user(&store, &format!("user{i}@example.com"), None).await);
    }
    let tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let store = Arc::clone(&store);
            let candidate = identity(u.id, "google", "sub-1", T0);
            tokio::spawn(async move { store.link_identity(&candidate).await })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap().unwrap());
    }
    assert_eq!(winners, 1);
    let owner = store
        .identity_by_subject("google", "sub-1")
        .await
        .unwrap()
        .expect("linked")
        .user_id;
    let mut linked = 0;
    for u in &users {
        let mine = store.identities(u.id).await.unwrap();
        assert!(mine.is_empty() || u.id == owner);
        linked += mine.len();
    }
    assert_eq!(linked, 1);
}

/// A first sign-in creates the user and its identity together; a second creation of the
/// same identity creates no user, and an address collision is a conflict with nothing
/// created.
pub async fn a_first_sign_in_creates_the_user_with_its_identity(store: Arc<dyn Store>) {
    let ada = passwordless("ada@example.com");
    let linked = identity(ada.id, "google", "sub-ada", T0);
    assert!(
        store
            .create_user_with_identity(&ada, &linked)
            .await
            .unwrap()
    );
    assert_eq!(store.user_by_id(ada.id).await.unwrap(), Some(ada.clone()));
    assert_eq!(store.identities(ada.id).await.unwrap(), vec![linked]);

    let again = passwordless("ada.again@example.com");
    let same = identity(again.id, "google", "sub-ada", T0);
    assert!(
        !store
            .create_user_with_identity(&again, &same)
            .await
            .unwrap()
    );
    assert_eq!(store.user_by_id(again.id).await.unwrap(), None);

    let clash = passwordless("ADA@example.com");
    let fresh = identity(clash.id, "google", "sub-other", T0);
    assert_eq!(
        conflict(store.create_user_with_identity(&clash, &fresh).await),
        UniqueField::Email
    );
    assert_eq!(store.user_by_id(clash.id).await.unwrap(), None);
    assert_eq!(
        store
            .identity_by_subject("google", "sub-other")
            .await
            .unwrap(),
        None
    );
}

/// 20 concurrent first sign-ins of one (provider, subject), each with its own address: one
/// user is created with the identity, and no other user exists.
pub async fn concurrent_first_sign_ins_create_one_identity(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = Arc::clone(&store);
            let u = passwordless(&format!("racer{i}@example.com"));
            let linked = identity(u.id, "github", "7", T0);
            tokio::spawn(async move {
                let created = store.create_user_with_identity(&u, &linked).await;
                (u.id, created)
            })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        let (id, outcome) = task.await.unwrap();
        if outcome.unwrap() {
            created.push(id);
        }
    }
    assert_eq!(created.len(), 1, "{created:?}");
    let owner = store.identity_by_subject("github", "7").await.unwrap();
    assert_eq!(owner.map(|i| i.user_id), Some(created[0]));
    let everyone = store
        .list_users(&UserQuery {
            limit: 100,
            after: None,
            role: None,
            status: None,
            search: None,
        })
        .await
        .unwrap();
    assert_eq!(everyone.len(), 1);
}

/// Unlinking removes the identity; an unknown id or another user's is not found.
pub async fn unlinking_removes_only_the_users_own_identity(store: Arc<dyn Store>) {
    let ada = insert_user(&store, "ada@example.com", None).await;
    let bob = insert_user(&store, "bob@example.com", None).await;
    let adas = identity(ada.id, "github", "1", T0);
    let bobs = identity(bob.id, "github", "2", T0);
    assert!(store.link_identity(&adas).await.unwrap());
    assert!(store.link_identity(&bobs).await.unwrap());

    assert_eq!(
        store.unlink_identity(ada.id, bobs.id).await.unwrap(),
        Unlink::NotFound
    );
    assert_eq!(
        store.unlink_identity(ada.id, new_id()).await.unwrap(),
        Unlink::NotFound
    );
    // Ada has a password: her only identity may go.
    assert_eq!(
        store.unlink_identity(ada.id, adas.id).await.unwrap(),
        Unlink::Removed
    );
    assert_eq!(store.identities(ada.id).await.unwrap(), vec![]);
    assert_eq!(
        store.identity_by_subject("github", "1").await.unwrap(),
        None
    );
    assert_eq!(store.identities(bob.id).await.unwrap(), vec![bobs]);
}

/// A user without a password keeps their last identity: unlinking it is refused, an extra
/// one may go.
pub async fn the_last_sign_in_method_is_not_unlinked(store: Arc<dyn Store>) {
    let u = passwordless("ada@example.com");
    let first = identity(u.id, "google", "g", T0);
    assert!(store.create_user_with_identity(&u, &first).await.unwrap());
    assert_eq!(
        store.unlink_identity(u.id, first.id).await.unwrap(),
        Unlink::LastSignInMethod
    );
    let second = identity(u.id, "github", "h", T0 + Duration::seconds(1));
    assert!(store.link_identity(&second).await.unwrap());
    assert_eq!(
        store.unlink_identity(u.id, first.id).await.unwrap(),
        Unlink::Removed
    );
    assert_eq!(
        store.unlink_identity(u.id, second.id).await.unwrap(),
        Unlink::LastSignInMethod
    );
    assert_eq!(store.identities(u.id).await.unwrap(), vec![second]);
}

/// A passwordless user with two identities unlinks both at once, 10 times over: one unlink
/// wins, one identity is left.
pub async fn concurrent_unlinks_keep_one_sign_in_method(store: Arc<dyn Store>) {
    for round in 0..10 {
        let u = passwordless(&format!("round{round}@example.com"));
        let a = identity(u.id, "google", &format!("a{round}"), T0);
        let b = identity(u.id, "github", &format!("b{round}"), T0);
        assert!(store.create_user_with_identity(&u, &a).await.unwrap());
        assert!(store.link_identity(&b).await.unwrap());
        let tasks: Vec<_> = [a.id, b.id]
            .into_iter()
            .map(|id| {
                let store = Arc::clone(&store);
                tokio::spawn(async move { store.unlink_identity(u.id, id).await })
            })
            .collect();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap().unwrap());
        }
        outcomes.sort_by_key(|o| *o == Unlink::Removed);
        assert_eq!(outcomes, [Unlink::LastSignInMethod, Unlink::Removed]);
        assert_eq!(store.identities(u.id).await.unwrap().len(), 1);
    }
}

/// Deleting a user deletes their identities, which can then be linked again.
pub async fn identities_go_with_their_user(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    assert!(
        store
            .link_identity(&identity(u.id, "github", "9", T0))
            .await
            .unwrap()
    );
    assert!(store.delete_user(u.id, T0).await.unwrap());
    assert_eq!(
        store.identity_by_subject("github", "9").await.unwrap(),
        None
    );
    assert_eq!(store.identities(u.id).await.unwrap(), vec![]);
    let next = insert_user(&store, "next@example.com", None).await;
    assert!(
        store
            .link_identity(&identity(next.id, "github", "9", T0))
            .await
            .unwrap()
    );
}

/// A started flow is taken once, as stored; not after it expired; not by an unknown state.
pub async fn an_oauth_flow_is_taken_once_before_it_expires(store: Arc<dyn Store>) {
    let u = insert_user(&store, "ada@example.com", None).await;
    let signing_in = flow(None);
    let linking = flow(Some(u.id));
    store.begin_oauth_flow(&signing_in).await.unwrap();
    store.begin_oauth_flow(&linking).await.unwrap();

    assert_eq!(store.take_oauth_flow(&hash(), T0).await.unwrap(), None);
    let now = T0 + Duration::minutes(1);
    assert_eq!(
        store.take_oauth_flow(&signing_in.state, now).await.unwrap(),
        Some(signing_in.clone())
    );
    assert_eq!(
        store.take_oauth_flow(&signing_in.state, now).await.unwrap(),
        None
    );
    let late = T0 + Duration::minutes(10);
    assert_eq!(
        store.take_oauth_flow(&linking.state, late).await.unwrap(),
        None
    );
}

/// 20 concurrent callbacks with one state: exactly one takes the flow.
pub async fn concurrent_takes_of_one_flow_have_one_winner(store: Arc<dyn Store>) {
    let started = flow(None);
    store.begin_oauth_flow(&started).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = Arc::clone(&store);
            let state = started.state;
            tokio::spawn(async move { store.take_oauth_flow(&state, T0).await })
        })
        .collect();
    let mut taken = 0;
    for task in tasks {
        if let Some(flow) = task.await.unwrap().unwrap() {
            assert_eq!(flow, started);
            taken += 1;
        }
    }
    assert_eq!(taken, 1);
}
