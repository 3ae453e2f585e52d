//! `POST /auth/token`: the OAuth2 password and refresh-token grants (form-encoded) and their
//! RFC 6749 5.2 errors.

use super::prelude::*;

async fn token(api: &Api, form: &[(&str, &str)]) -> Answer {
    send(api.request(Method::POST, "/auth/token").form(form)).await
}

/// `grant_type=password` with an address or a username as `username` answers a 200 token pair
/// with `Cache-Control: no-store`.
pub async fn token_endpoint_password_grant_accepts_an_email_or_a_username(target: Target) {
    let api = Api::new(target);
    let account = api.register_with_username().await;
    let username = account
        .username
        .clone()
        .expect("registered with a username");
    for identifier in [account.email.as_str(), username.as_str()] {
        let answer = token(
            &api,
            &[
                ("grant_type", "password"),
                ("username", identifier),
                ("password", PASSWORD),
            ],
        )
        .await;
        let pair = expect_token_pair(&answer);
        assert_eq!(api.me(&pair.access_token).await.id, account.user.id);
    }
}

/// `grant_type=refresh_token` answers a rotated 200 pair of the same session; the old refresh
/// token is spent.
pub async fn token_endpoint_refresh_grant_rotates_the_pair(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let old = &account.tokens;
    let answer = token(
        &api,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &old.refresh_token),
        ],
    )
    .await;
    let new = expect_token_pair(&answer);
    assert_eq!(new.session_id, old.session_id);
    assert_ne!(new.refresh_token, old.refresh_token);
    assert_eq!(api.me(&new.access_token).await.id, account.user.id);

    let replay = token(
        &api,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &old.refresh_token),
        ],
    )
    .await;
    assert_oauth_error(&replay, "invalid_grant");
}

/// A wrong password is 400 `invalid_grant`.
pub async fn token_endpoint_wrong_password_is_invalid_grant(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let answer = token(
        &api,
        &[
            ("grant_type", "password"),
            ("username", &account.email),
            ("password", "not the password of this account"),
        ],
    )
    .await;
    assert_oauth_error(&answer, "invalid_grant");
}

/// A grant type authkit does not support (`client_credentials`) is 400
/// `unsupported_grant_type`.
pub async fn token_endpoint_unknown_grant_type_is_unsupported_grant_type(target: Target) {
    let api = Api::new(target);
    let answer = token(
        &api,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "conformance"),
            ("client_secret", "conformance secret"),
        ],
    )
    .await;
    assert_oauth_error(&answer, "unsupported_grant_type");
}

/// A password grant without `password`, and a request without `grant_type`, are 400
/// `invalid_request`.
pub async fn token_endpoint_missing_parameters_are_invalid_request(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let without_password = token(
        &api,
        &[("grant_type", "password"), ("username", &account.email)],
    )
    .await;
    assert_oauth_error(&without_password, "invalid_request");

    let without_grant_type = token(
        &api,
        &[("username", &account.email), ("password", PASSWORD)],
    )
    .await;
    assert_oauth_error(&without_grant_type, "invalid_request");
}

/// A refresh grant with a refresh token that was never issued is 400 `invalid_grant`.
pub async fn token_endpoint_bad_refresh_token_is_invalid_grant(target: Target) {
    let api = Api::new(target);
    for bad in ["garbage", NEVER_ISSUED_TOKEN] {
        let answer = token(
            &api,
            &[("grant_type", "refresh_token"), ("refresh_token", bad)],
        )
        .await;
        assert_oauth_error(&answer, "invalid_grant");
    }
}
