//! Logout, logout everywhere, and the session list (`/auth/sessions`).

use super::prelude::*;

/// `POST /auth/logout` is 204 and revokes the caller's session (its refresh token is then 401
/// `invalid_refresh_token`); the user's other sessions keep working.
pub async fn logout_revokes_only_the_current_session(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let other = api.login(&account.email, PASSWORD).await;

    let answer = send(api.authed(Method::POST, "/auth/logout", &account.tokens.access_token)).await;
    assert_no_content(&answer);
    api.assert_refresh_fails(&account.tokens.refresh_token)
        .await;
    api.refresh(&other.refresh_token).await;
}

/// `POST /auth/logout-all` is 204 and revokes every session of the user.
pub async fn logout_all_revokes_every_session(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let other = api.login(&account.email, PASSWORD).await;
    let bystander = api.register().await;

    let answer = send(api.authed(
        Method::POST,
        "/auth/logout-all",
        &account.tokens.access_token,
    ))
    .await;
    assert_no_content(&answer);
    api.assert_refresh_fails(&account.tokens.refresh_token)
        .await;
    api.assert_refresh_fails(&other.refresh_token).await;
    // Another user's session is not touched.
    api.refresh(&bystander.tokens.refresh_token).await;
}

/// `GET /auth/sessions` lists the caller's sessions with exactly the documented keys, exactly
/// one `current: true` (the asking token's), the `User-Agent` of each login and the client IP.
pub async fn sessions_list_the_callers_sessions_with_exactly_one_current(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let phone_agent = "conformance-phone/1.0 (session list)";
    let phone = expect_token_pair(
        &send(
            api.post_json(
                "/auth/login",
                &json!({ "email": account.email, "password": PASSWORD }),
            )
            .header("user-agent", phone_agent),
        )
        .await,
    );
    // Someone else's session must not show up.
    api.register().await;

    let sessions = api.sessions(&phone.access_token).await;
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let current: Vec<_> = sessions.iter().filter(|s| s.current).collect();
    assert_eq!(
        current.len(),
        1,
        "exactly one current session: {sessions:?}"
    );
    assert_eq!(current[0].id, phone.session_id);
    assert_eq!(current[0].user_agent.as_deref(), Some(phone_agent));
    let first = sessions
        .iter()
        .find(|s| s.id == account.tokens.session_id)
        .unwrap_or_else(|| panic!("the registration's session is missing: {sessions:?}"));
    assert_eq!(first.user_agent.as_deref(), Some(USER_AGENT));
    for session in &sessions {
        assert_eq!(session.ip.as_deref(), Some("127.0.0.1"), "{session:?}");
        assert!(session.last_used_at >= session.created_at, "{session:?}");
    }

    // Asked from the other session, the other one is current.
    let sessions = api.sessions(&account.tokens.access_token).await;
    let current: Vec<_> = sessions.iter().filter(|s| s.current).collect();
    assert_eq!(current.len(), 1, "{sessions:?}");
    assert_eq!(current[0].id, account.tokens.session_id);
}

/// `DELETE /auth/sessions/{id}` of one of the caller's sessions is 204: its refresh token then
/// fails and it leaves the list; the caller's own session keeps working.
pub async fn revoking_a_session_kills_its_refresh_token(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let laptop = api.login(&account.email, PASSWORD).await;

    let answer = send(api.authed(
        Method::DELETE,
        &format!("/auth/sessions/{}", laptop.session_id),
        &account.tokens.access_token,
    ))
    .await;
    assert_no_content(&answer);
    api.assert_refresh_fails(&laptop.refresh_token).await;
    let sessions = api.sessions(&account.tokens.access_token).await;
    assert_eq!(
        sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![account.tokens.session_id]
    );
    api.refresh(&account.tokens.refresh_token).await;
}

/// Revoking another user's session, a session that does not exist, or a malformed id is 404
/// `not_found`, and the other user's session survives.
pub async fn revoking_another_users_or_a_malformed_session_id_is_not_found(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let victim = api.register().await;
    for id in [
        victim.tokens.session_id.to_string(),
        uuid::Uuid::now_v7().to_string(),
        "not-a-session-id".to_owned(),
    ] {
        let answer = send(api.authed(
            Method::DELETE,
            &format!("/auth/sessions/{id}"),
            &account.tokens.access_token,
        ))
        .await;
        assert_problem(&answer, 404, "not_found");
    }
    api.refresh(&victim.tokens.refresh_token).await;
}
