//! The pruning task `build` starts: it deletes what has ended and leaves live sessions alone.

use std::time::{Duration, Instant};

use authkit_core::model::{PasswordHash, Role, Session, User, UserStatus, new_id};
use authkit_core::token::RefreshToken;
use authkit_example_support::{Settings, build};
use time::OffsetDateTime;

fn user(now: OffsetDateTime) -> User {
    User {
        id: new_id(),
        email: "ada@example.com".into(),
        email_canonical: "ada@example.com".into(),
        username: None,
        username_canonical: None,
        password_hash: PasswordHash::new("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$x"),
        role: Role::user(),
        status: UserStatus::Active,
        email_verified: true,
        created_at: now,
        updated_at: now,
    }
}

fn session(user: &User, created_at: OffsetDateTime, ends_at: OffsetDateTime) -> Session {
    Session {
        id: new_id(),
        user_id: user.id,
        created_at,
        last_used_at: created_at,
        idle_expires_at: ends_at,
        expires_at: ends_at,
        revoked_at: None,
        user_agent: None,
        ip: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pruning_task_deletes_ended_sessions_and_keeps_live_ones() {
    let path = std::env::temp_dir().join(format!("authkit_prune_{}.db", new_id().simple()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "AUTHKIT_JWT_SECRET" => Some("a test secret of at least 32 bytes".into()),
        "AUTHKIT_PRUNE_INTERVAL" => Some("1s".into()),
        _ => None,
    })
    .unwrap();
    let app = build(&settings).await.expect("the app starts");

    // Stored times have microseconds.
    let now = OffsetDateTime::now_utc();
    let now = now.replace_microsecond(now.microsecond()).unwrap();
    let ada = user(now);
    app.store.create_user(&ada).await.unwrap();
    // Ended ten days ago (kept a day), and live though created long ago.
    let ended = session(
        &ada,
        now - time::Duration::days(40),
        now - time::Duration::days(10),
    );
    let live = session(
        &ada,
        now - time::Duration::days(40),
        now + time::Duration::days(1),
    );
    for s in [&ended, &live] {
        app.store
            .create_session(s, &RefreshToken::generate().key())
            .await
            .unwrap();
    }

    // The first run comes within a second (the interval bounds the jitter), then every second.
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.store.session(ended.id).await.unwrap().is_some() {
        assert!(
            Instant::now() < deadline,
            "the ended session was never pruned"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.store.session(live.id).await.unwrap(), Some(live));

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
