//! Accounts: creation, lookups, uniqueness, updates, deletion, the admin list; and the ping.

use super::*;

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

/// `ping` succeeds on a reachable store.
pub async fn the_store_answers_a_ping(store: Arc<dyn Store>) {
    store.ping().await.expect("ping");
}
