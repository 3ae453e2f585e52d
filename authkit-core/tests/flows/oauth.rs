//! Sign-in with other providers, against the stand-in providers of the HTTP conformance crate:
//! an OpenID Connect provider signing its own ID tokens (tampered on demand, keys rotated on
//! demand) and a GitHub-style OAuth2 provider. What each test asserts is in its name.

use authkit_core::dto::OAuthCallbackQuery;
use authkit_core::events::EventKind;
use authkit_core::jwt::AccessClaims;
use authkit_core::model::PasswordHash;
use authkit_core::oauth::{OAuth2Endpoints, OAuthConfig, ProviderConfig};
use authkit_core::store::{IdentityStore, SecondFactorStore, UserStore};
use authkit_core::{AuthError, ErrorCode, OAuthOutcome, SecretString};
use authkit_http_conformance::providers::{CLIENT_ID, CLIENT_SECRET, FakeGitHub, FakeOidc, Tamper};

use crate::support::*;

const OIDC_REDIRECT: &str = "https://app.example.com/auth/oauth/idp/callback";
const GITHUB_REDIRECT: &str = "https://app.example.com/auth/oauth/github/callback";

fn harness(oidc: &FakeOidc, github: Option<&FakeGitHub>) -> Harness {
    let mut oauth = OAuthConfig::new()
        .jwks_refetch_interval(std::time::Duration::ZERO)
        .provider(
            ProviderConfig::oidc("idp", &oidc.issuer, CLIENT_ID, CLIENT_SECRET, OIDC_REDIRECT)
                .algorithms(&[jsonwebtoken::Algorithm::ES256]),
        )
        .unwrap();
    if let Some(github) = github {
        let endpoints = OAuth2Endpoints::github_at(&github.base_url, &github.base_url);
        oauth = oauth
            .provider(ProviderConfig::oauth2(
                "github",
                endpoints,
                CLIENT_ID,
                CLIENT_SECRET,
                GITHUB_REDIRECT,
            ))
            .unwrap();
    }
    Harness::with_builder(config(), |builder| builder.oauth(oauth))
}

/// Starts a flow and lets the provider consent: the callback's query and the flow's cookie.
async fn authorize(
    h: &Harness,
    provider: &str,
    link: Option<&AccessClaims>,
) -> (OAuthCallbackQuery, SecretString) {
    let start = h
        .auth
        .oauth_start(provider, link)
        .await
        .expect("flow started");
    let answer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&start.authorization_url)
        .send()
        .await
        .expect("the provider answers");
    assert_eq!(answer.status(), 303, "the provider consents at once");
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let (back, query) = location.split_once('?').expect("a query");
    let expected = if provider == "idp" {
        OIDC_REDIRECT
    } else {
        GITHUB_REDIRECT
    };
    assert_eq!(back, expected, "sent back to the exact redirect URI");
    (serde_urlencoded::from_str(query).unwrap(), start.binding)
}

async fn sign_in(h: &Harness, provider: &str) -> Result<OAuthOutcome, AuthError> {
    let (query, binding) = authorize(h, provider, None).await;
    h.auth
        .oauth_callback(provider, &query, Some(binding.expose()), &client())
        .await
}

fn signed_in(outcome: Result<OAuthOutcome, AuthError>) -> authkit_core::dto::TokenPair {
    match outcome {
        Ok(OAuthOutcome::SignedIn(tokens)) => tokens,
        other => panic!("expected a sign-in, got {other:?}"),
    }
}

fn code_of(outcome: Result<OAuthOutcome, AuthError>) -> ErrorCode {
    match outcome {
        Err(err) => err.code(),
        Ok(other) => panic!("expected a refusal, got {other:?}"),
    }
}

async fn user_count(h: &Harness) -> usize {
    h.store
        .list_users(&authkit_core::store::UserQuery {
            limit: 100,
            after: None,
            role: None,
            status: None,
            search: None,
        })
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_first_oidc_sign_in_creates_a_verified_passwordless_account_with_a_session() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let tokens = signed_in(sign_in(&h, "idp").await);
    let claims = h.claims(&tokens);
    let user = h.store.user_by_id(claims.sub).await.unwrap().unwrap();
    assert_eq!(user.email, "oidc-user@example.com");
    assert!(user.email_verified);
    assert!(!user.password_hash.is_usable());
    assert_eq!(user.password_hash, PasswordHash::unusable());
    let identities = h.store.identities(user.id).await.unwrap();
    assert_eq!(identities.len(), 1);
    assert_eq!(
        (
            identities[0].provider.as_str(),
            identities[0].subject.as_str()
        ),
        ("idp", "sub-1")
    );
    assert_eq!(h.events.count(EventKind::UserCreated), 1);
    assert_eq!(h.events.count(EventKind::IdentityLinked), 1);
    assert_eq!(h.events.count(EventKind::LoginSucceeded), 1);
    // The session rotates like any other.
    let rotated = h
        .auth
        .refresh(&tokens.refresh_token, &client())
        .await
        .unwrap();
    assert_eq!(rotated.session_id, tokens.session_id);
    // No password signs in to it.
    let refused = h.login("oidc-user@example.com", "").await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidCredentials);
}

#[tokio::test]
async fn a_second_oidc_sign_in_reuses_the_account() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let first = signed_in(sign_in(&h, "idp").await);
    let second = signed_in(sign_in(&h, "idp").await);
    assert_eq!(h.claims(&first).sub, h.claims(&second).sub);
    assert_ne!(first.session_id, second.session_id);
    assert_eq!(user_count(&h).await, 1);
    assert_eq!(h.events.count(EventKind::UserCreated), 1);
}

#[tokio::test]
async fn a_tampered_state_is_refused_and_the_real_one_still_works_once() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let (query, binding) = authorize(&h, "idp", None).await;
    let mut tampered = query.clone();
    let state = query.state.clone().unwrap();
    let flipped = if state.starts_with('A') { "B" } else { "A" };
    tampered.state = Some(format!("{flipped}{}", &state[1..]));
    let refused = h
        .auth
        .oauth_callback("idp", &tampered, Some(binding.expose()), &client())
        .await;
    assert_eq!(code_of(refused), ErrorCode::InvalidOAuthState);
    let browser = client();
    let callback = || {
        h.auth
            .oauth_callback("idp", &query, Some(binding.expose()), &browser)
    };
    signed_in(callback().await);
    // A replayed callback: the state was spent.
    assert_eq!(code_of(callback().await), ErrorCode::InvalidOAuthState);
}

#[tokio::test]
async fn a_callback_from_another_browser_is_refused_and_spends_the_flow() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let (query, binding) = authorize(&h, "idp", None).await;
    let other_browser = authkit_core::token::OpaqueToken::generate();
    for cookie in [None, Some(other_browser.text().expose())] {
        let refused = h
            .auth
            .oauth_callback("idp", &query, cookie, &client())
            .await;
        assert_eq!(code_of(refused), ErrorCode::InvalidOAuthState);
    }
    let late = h
        .auth
        .oauth_callback("idp", &query, Some(binding.expose()), &client())
        .await;
    assert_eq!(code_of(late), ErrorCode::InvalidOAuthState);
    assert_eq!(user_count(&h).await, 0);
}

#[tokio::test]
async fn an_expired_flow_is_refused() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let (query, binding) = authorize(&h, "idp", None).await;
    h.clock.advance(time::Duration::minutes(11));
    let refused = h
        .auth
        .oauth_callback("idp", &query, Some(binding.expose()), &client())
        .await;
    assert_eq!(code_of(refused), ErrorCode::InvalidOAuthState);
}

#[tokio::test]
async fn a_state_of_another_provider_is_refused() {
    let oidc = FakeOidc::start().await;
    let github = FakeGitHub::start().await;
    let h = harness(&oidc, Some(&github));
    let (query, binding) = authorize(&h, "github", None).await;
    let refused = h
        .auth
        .oauth_callback("idp", &query, Some(binding.expose()), &client())
        .await;
    assert_eq!(code_of(refused), ErrorCode::InvalidOAuthState);
}

#[tokio::test]
async fn spoiled_id_tokens_are_each_refused_and_create_nothing() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    for tamper in [
        Tamper::Nonce,
        Tamper::Audience,
        Tamper::Issuer,
        Tamper::Expired,
        Tamper::UnknownKey,
        Tamper::AtHash,
    ] {
        oidc.tamper(tamper);
        let refused = sign_in(&h, "idp").await;
        assert_eq!(code_of(refused), ErrorCode::InvalidIdToken, "{tamper:?}");
    }
    assert_eq!(user_count(&h).await, 0);
    oidc.tamper(Tamper::None);
    signed_in(sign_in(&h, "idp").await);
}

#[tokio::test]
async fn an_algorithm_other_than_the_pinned_one_is_refused() {
    let oidc = FakeOidc::start().await;
    let oauth = OAuthConfig::new()
        .provider(ProviderConfig::oidc(
            "idp",
            &oidc.issuer,
            CLIENT_ID,
            CLIENT_SECRET,
            OIDC_REDIRECT,
        ))
        .unwrap();
    let h = Harness::with_builder(config(), |builder| builder.oauth(oauth));
    // The provider signs with ES256; this one pins RS256 (the default).
    assert_eq!(code_of(sign_in(&h, "idp").await), ErrorCode::InvalidIdToken);
}

#[tokio::test]
async fn the_providers_key_rotation_is_followed() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let first = signed_in(sign_in(&h, "idp").await);
    assert_eq!(oidc.jwks_fetches(), 1);
    signed_in(sign_in(&h, "idp").await);
    assert_eq!(oidc.jwks_fetches(), 1, "the keys are cached");
    oidc.rotate_keys();
    let after = signed_in(sign_in(&h, "idp").await);
    assert_eq!(
        oidc.jwks_fetches(),
        2,
        "an unknown kid fetched the keys again"
    );
    assert_eq!(h.claims(&first).sub, h.claims(&after).sub);
}

#[tokio::test]
async fn unknown_kids_refetch_the_keys_at_most_once_per_interval() {
    let oidc = FakeOidc::start().await;
    let oauth = OAuthConfig::new()
        .provider(
            ProviderConfig::oidc("idp", &oidc.issuer, CLIENT_ID, CLIENT_SECRET, OIDC_REDIRECT)
                .algorithms(&[jsonwebtoken::Algorithm::ES256]),
        )
        .unwrap()
        .jwks_refetch_interval(std::time::Duration::from_secs(3600));
    let h = Harness::with_builder(config(), |builder| builder.oauth(oauth));
    signed_in(sign_in(&h, "idp").await);
    oidc.tamper(Tamper::UnknownKey);
    for _ in 0..3 {
        assert_eq!(code_of(sign_in(&h, "idp").await), ErrorCode::InvalidIdToken);
    }
    assert_eq!(oidc.jwks_fetches(), 1);
}

#[tokio::test]
async fn a_verified_address_links_to_the_verified_account_with_it() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let (user, _) = h.register("ada@example.com").await;
    let verified = authkit_core::store::CredentialChange {
        user_id: user.id,
        mark_email_verified: true,
        ..Default::default()
    };
    h.store
        .apply_credential_change(&verified, h.clock_now())
        .await
        .unwrap();
    oidc.set_user("ada-at-idp", Some("ADA@example.com"), true);
    let tokens = signed_in(sign_in(&h, "idp").await);
    assert_eq!(h.claims(&tokens).sub, user.id);
    assert_eq!(h.store.identities(user.id).await.unwrap().len(), 1);
    assert_eq!(user_count(&h).await, 1);
    // Her password still works.
    h.login("ada@example.com", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn an_unverified_local_account_is_not_linked_automatically() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let (user, _) = h.register("ada@example.com").await;
    oidc.set_user("ada-at-idp", Some("ada@example.com"), true);
    assert_eq!(
        code_of(sign_in(&h, "idp").await),
        ErrorCode::OAuthAccountExists
    );
    assert!(h.store.identities(user.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_address_the_provider_did_not_verify_neither_links_nor_creates() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    oidc.set_user("mallory", Some("victim@example.com"), false);
    assert_eq!(
        code_of(sign_in(&h, "idp").await),
        ErrorCode::OAuthEmailUnverified
    );
    assert_eq!(user_count(&h).await, 0);
    let (victim, _) = h.register("victim@example.com").await;
    assert_eq!(
        code_of(sign_in(&h, "idp").await),
        ErrorCode::OAuthAccountExists
    );
    assert!(h.store.identities(victim.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn github_sign_in_takes_the_verified_primary_address() {
    let oidc = FakeOidc::start().await;
    let github = FakeGitHub::start().await;
    let h = harness(&oidc, Some(&github));
    github.set_emails(&[
        ("old@example.com", false, true),
        ("octocat@example.com", true, true),
    ]);
    let tokens = signed_in(sign_in(&h, "github").await);
    let user = h.auth.me(&h.claims(&tokens)).await.unwrap();
    assert_eq!(user.email, "octocat@example.com");
    let identities = h.store.identities(user.id).await.unwrap();
    assert_eq!(identities[0].subject, "583231");
    // Again: the same account.
    let again = signed_in(sign_in(&h, "github").await);
    assert_eq!(h.claims(&again).sub, user.id);
}

#[tokio::test]
async fn an_unverified_github_primary_address_is_never_linked() {
    let oidc = FakeOidc::start().await;
    let github = FakeGitHub::start().await;
    let h = harness(&oidc, Some(&github));
    let (owner, _) = h.register("octocat@example.com").await;
    let verified = authkit_core::store::CredentialChange {
        user_id: owner.id,
        mark_email_verified: true,
        ..Default::default()
    };
    h.store
        .apply_credential_change(&verified, h.clock_now())
        .await
        .unwrap();
    github.set_emails(&[
        ("octocat@example.com", true, false),
        ("other@example.com", false, true),
    ]);
    assert_eq!(
        code_of(sign_in(&h, "github").await),
        ErrorCode::OAuthAccountExists
    );
    assert!(h.store.identities(owner.id).await.unwrap().is_empty());
    github.set_emails(&[("nobody@example.com", true, false)]);
    assert_eq!(
        code_of(sign_in(&h, "github").await),
        ErrorCode::OAuthEmailUnverified
    );
    assert_eq!(user_count(&h).await, 1);
}

#[tokio::test]
async fn a_wrong_code_at_githubs_token_endpoint_is_a_provider_error() {
    let oidc = FakeOidc::start().await;
    let github = FakeGitHub::start().await;
    let h = harness(&oidc, Some(&github));
    let (mut query, binding) = authorize(&h, "github", None).await;
    query.code = Some(SecretString::from("not-the-code"));
    let refused = h
        .auth
        .oauth_callback("github", &query, Some(binding.expose()), &client())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::OAuthProviderError);
    assert_eq!(
        refused.problem().detail.as_deref(),
        Some("bad_verification_code")
    );
}

#[tokio::test]
async fn a_signed_in_user_links_a_provider_and_nobody_else_can_take_it() {
    let oidc = FakeOidc::start().await;
    let github = FakeGitHub::start().await;
    let h = harness(&oidc, Some(&github));
    let (ada, tokens) = h.register("ada@example.com").await;
    let claims = h.claims(&tokens);
    // GitHub's address differs from hers: an explicit link needs no match.
    let (query, binding) = authorize(&h, "github", Some(&claims)).await;
    let linked = h
        .auth
        .oauth_callback("github", &query, Some(binding.expose()), &client())
        .await
        .unwrap();
    let OAuthOutcome::Linked(identity) = linked else {
        panic!("a link links: {linked:?}")
    };
    assert_eq!(identity.user_id, ada.id);
    assert_eq!(h.auth.identities(&claims).await.unwrap(), vec![identity]);
    // Now GitHub signs her in.
    let via_github = signed_in(sign_in(&h, "github").await);
    assert_eq!(h.claims(&via_github).sub, ada.id);

    let (_, bob_tokens) = h.register("bob@example.com").await;
    let bob = h.claims(&bob_tokens);
    let (query, binding) = authorize(&h, "github", Some(&bob)).await;
    let taken = h
        .auth
        .oauth_callback("github", &query, Some(binding.expose()), &client())
        .await;
    assert_eq!(code_of(taken), ErrorCode::IdentityAlreadyLinked);
    assert!(h.auth.identities(&bob).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_last_sign_in_method_cannot_be_unlinked() {
    let oidc = FakeOidc::start().await;
    let github = FakeGitHub::start().await;
    let h = harness(&oidc, Some(&github));
    let tokens = signed_in(sign_in(&h, "idp").await);
    let claims = h.claims(&tokens);
    let only = h.auth.identities(&claims).await.unwrap().remove(0);
    let refused = h.auth.unlink_identity(&claims, only.id).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::LastSignInMethod);

    let (query, binding) = authorize(&h, "github", Some(&claims)).await;
    h.auth
        .oauth_callback("github", &query, Some(binding.expose()), &client())
        .await
        .unwrap();
    h.auth.unlink_identity(&claims, only.id).await.unwrap();
    let left = h.auth.identities(&claims).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].provider, "github");
    let refused = h
        .auth
        .unlink_identity(&claims, left[0].id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::LastSignInMethod);
    assert_eq!(h.events.count(EventKind::IdentityUnlinked), 1);
    // Someone else's identity, or none, is not found.
    let (_, other) = h.register("bob@example.com").await;
    let missing = h
        .auth
        .unlink_identity(&h.claims(&other), left[0].id)
        .await
        .unwrap_err();
    assert_eq!(missing.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn an_account_with_a_password_may_unlink_its_only_identity() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let (_, tokens) = h.register("ada@example.com").await;
    let claims = h.claims(&tokens);
    let (query, binding) = authorize(&h, "idp", Some(&claims)).await;
    let OAuthOutcome::Linked(identity) = h
        .auth
        .oauth_callback("idp", &query, Some(binding.expose()), &client())
        .await
        .unwrap()
    else {
        panic!("linked")
    };
    h.auth.unlink_identity(&claims, identity.id).await.unwrap();
    assert!(h.auth.identities(&claims).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_provider_sign_in_owes_the_accounts_second_factor() {
    let oidc = FakeOidc::start().await;
    let oauth = OAuthConfig::new()
        .provider(
            ProviderConfig::oidc("idp", &oidc.issuer, CLIENT_ID, CLIENT_SECRET, OIDC_REDIRECT)
                .algorithms(&[jsonwebtoken::Algorithm::ES256]),
        )
        .unwrap();
    let h = Harness::with_builder(config(), |builder| {
        builder
            .oauth(oauth)
            .totp(authkit_core::mfa::TotpConfig::new(&[7u8; 32]).unwrap())
    });
    let tokens = signed_in(sign_in(&h, "idp").await);
    let user = h.claims(&tokens).sub;
    let credential = authkit_core::store::TotpCredential {
        user_id: user,
        sealed_secret: vec![1, 2, 3],
        created_at: h.clock_now(),
        confirmed_at: None,
        last_used_step: None,
    };
    assert!(h.store.begin_totp(&credential).await.unwrap());
    assert!(
        h.store
            .confirm_totp(user, &[1, 2, 3], 1, &[], h.clock_now())
            .await
            .unwrap()
    );
    let challenged = sign_in(&h, "idp").await;
    assert!(
        matches!(challenged, Err(AuthError::MfaRequired(_))),
        "{challenged:?}"
    );
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_through_a_provider() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let tokens = signed_in(sign_in(&h, "idp").await);
    let disable = authkit_core::store::UserUpdate {
        status: Some(authkit_core::UserStatus::Disabled),
        revoke_sessions: true,
        ..Default::default()
    };
    h.store
        .update_user(h.claims(&tokens).sub, &disable, h.clock_now())
        .await
        .unwrap();
    assert_eq!(
        code_of(sign_in(&h, "idp").await),
        ErrorCode::InvalidCredentials
    );
}

#[tokio::test]
async fn unknown_providers_and_services_without_providers_are_not_found() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let unknown = h.auth.oauth_start("nope", None).await.unwrap_err();
    assert_eq!(unknown.code(), ErrorCode::NotFound);
    let plain = Harness::new();
    let off = plain.auth.oauth_start("idp", None).await.unwrap_err();
    assert_eq!(off.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn the_authorization_request_carries_pkce_s256_state_and_nonce() {
    let oidc = FakeOidc::start().await;
    let h = harness(&oidc, None);
    let start = h.auth.oauth_start("idp", None).await.unwrap();
    let (endpoint, query) = start.authorization_url.split_once('?').unwrap();
    assert_eq!(endpoint, format!("{}/authorize", oidc.issuer));
    let params: std::collections::HashMap<String, String> =
        serde_urlencoded::from_str(query).unwrap();
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"].len(), 43);
    assert_eq!(params["redirect_uri"], OIDC_REDIRECT);
    assert_eq!(params["client_id"], CLIENT_ID);
    assert_eq!(params["scope"], "openid email profile");
    assert_eq!(params["state"].len(), 43);
    assert_eq!(params["nonce"].len(), 43);
    assert_ne!(params["state"], params["nonce"]);
    assert!(!start.authorization_url.contains(start.binding.expose()));
    assert!(start.secure);
    assert_eq!(start.max_age, 600);
}
