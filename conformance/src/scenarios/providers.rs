//! Sign-in with other providers: `GET /auth/oauth/{provider}/start` sends the browser to the
//! provider with a flow cookie, `GET /auth/oauth/{provider}/callback` finishes (the token pair,
//! or the linked identity), `POST /auth/oauth/{provider}/link` starts a link while signed in,
//! `GET /auth/identities` and `DELETE /auth/identities/{id}` list and unlink. Against the
//! stand-in providers of [`crate::providers`], which every scenario here reconfigures in its
//! turn.

use super::prelude::*;
use crate::providers::{SharedProviders, Tamper, shared};
use crate::support::assert_no_store;

/// The flow cookie's `name=value` from a `Set-Cookie`, with its attributes checked.
#[track_caller]
fn flow_cookie(answer: &Answer) -> String {
    let set = answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("authkit_oauth="))
        .unwrap_or_else(|| panic!("{answer:?}: no flow cookie"))
        .to_owned();
    let attributes: Vec<&str> = set.split("; ").collect();
    for wanted in [
        "Path=/auth/oauth",
        "Max-Age=600",
        "HttpOnly",
        "SameSite=Lax",
    ] {
        assert!(attributes.contains(&wanted), "{set}: lacks {wanted}");
    }
    attributes[0].to_owned()
}

/// Follows the provider's consent: the callback's path and query on the target.
async fn consent(authorization_url: &str, provider: &str) -> String {
    let answer = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
        .get(authorization_url)
        .send()
        .await
        .expect("the stand-in provider answers");
    assert_eq!(answer.status().as_u16(), 303, "the provider consents");
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let at = location
        .find(&format!("/auth/oauth/{provider}/callback?"))
        .unwrap_or_else(|| panic!("{location}: not the callback"));
    location[at..].to_owned()
}

/// Starts a sign-in at `provider`: the callback's path and query, and the flow cookie.
async fn start(api: &Api, provider: &str) -> (String, String) {
    let started = send(api.get(&format!("/auth/oauth/{provider}/start"))).await;
    started.assert_status(302);
    assert_no_store(&started);
    let location = started.header("location").expect("a Location").to_owned();
    let cookie = flow_cookie(&started);
    (consent(&location, provider).await, cookie)
}

async fn callback(api: &Api, path: &str, cookie: Option<&str>) -> Answer {
    let mut request = api.get(path);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send(request).await
}

async fn sign_in(api: &Api, provider: &str) -> Answer {
    let (path, cookie) = start(api, provider).await;
    callback(api, &path, Some(&cookie)).await
}

async fn providers_turn() -> (
    &'static SharedProviders,
    tokio::sync::MutexGuard<'static, ()>,
) {
    let providers = shared();
    let turn = providers.turn().await;
    (providers, turn)
}

/// A first sign-in at an OpenID Connect provider creates a verified account and answers its
/// token pair (the flow cookie cleared); a second one signs in to the same account; the
/// identity is listed with its provider, subject and address.
/// Runs with [`options::providers`](super::options::providers).
pub async fn a_provider_sign_in_creates_then_reuses_the_account(target: Target) {
    let (_, _turn) = providers_turn().await;
    let api = Api::new(target);
    let first = sign_in(&api, "idp").await;
    let tokens = expect_token_pair(&first);
    let cleared = flow_cookie_cleared(&first);
    assert!(cleared, "{first:?}: the flow cookie is cleared");
    let me = api.me(&tokens.access_token).await;
    assert_eq!(me.email, "oidc-user@example.com");
    assert!(me.email_verified);

    let second = expect_token_pair(&sign_in(&api, "idp").await);
    assert_eq!(api.me(&second.access_token).await.id, me.id);
    assert_ne!(second.session_id, tokens.session_id);

    let listed = send(api.authed(Method::GET, "/auth/identities", &second.access_token)).await;
    listed.assert_status(200);
    let identities = listed.json();
    let identities = identities.as_array().expect("an array");
    assert_eq!(identities.len(), 1);
    assert_keys(
        &identities[0],
        &["id", "provider", "subject", "email", "created_at"],
        "identity",
    );
    assert_eq!(identities[0]["provider"], "idp");
    assert_eq!(identities[0]["subject"], "sub-1");
}

fn flow_cookie_cleared(answer: &Answer) -> bool {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("authkit_oauth=;") && v.contains("Max-Age=0"))
}

/// The callback refuses a browser without the flow cookie, a tampered state and a replayed
/// callback with 400 `invalid_oauth_state`; an unknown provider is 404.
/// Runs with [`options::providers`](super::options::providers).
pub async fn provider_callbacks_are_bound_to_the_browser_and_used_once(target: Target) {
    let (_, _turn) = providers_turn().await;
    let api = Api::new(target);
    let (path, cookie) = start(&api, "idp").await;
    assert_problem(
        &callback(&api, &path, None).await,
        400,
        "invalid_oauth_state",
    );
    // The flow was spent by that refusal.
    assert_problem(
        &callback(&api, &path, Some(&cookie)).await,
        400,
        "invalid_oauth_state",
    );

    let (path, cookie) = start(&api, "idp").await;
    let tampered = path.replacen("state=", "state=A", 1);
    assert_problem(
        &callback(&api, &tampered, Some(&cookie)).await,
        400,
        "invalid_oauth_state",
    );
    expect_token_pair(&callback(&api, &path, Some(&cookie)).await);
    assert_problem(
        &callback(&api, &path, Some(&cookie)).await,
        400,
        "invalid_oauth_state",
    );

    assert_problem(
        &send(api.get("/auth/oauth/nowhere/start")).await,
        404,
        "not_found",
    );
}

/// ID tokens with another flow's nonce, another audience, another issuer or an expiry in the
/// past are each 401 `invalid_id_token`, and make no account.
/// Runs with [`options::providers`](super::options::providers).
pub async fn spoiled_id_tokens_are_refused(target: Target) {
    let (providers, _turn) = providers_turn().await;
    let api = Api::new(target);
    for tamper in [
        Tamper::Nonce,
        Tamper::Audience,
        Tamper::Issuer,
        Tamper::Expired,
    ] {
        providers.oidc.tamper(tamper);
        assert_problem(&sign_in(&api, "idp").await, 401, "invalid_id_token");
    }
    providers.oidc.tamper(Tamper::None);
    let admin = api.admin_login().await;
    let users = send(api.authed(Method::GET, "/auth/admin/users", &admin.access_token)).await;
    assert_eq!(
        users.json()["items"].as_array().unwrap().len(),
        1,
        "only the admin"
    );
}

/// GitHub's verified primary address signs up; an unverified primary address neither links
/// to the account that has it (409 `oauth_account_exists`) nor makes one (403
/// `oauth_email_unverified`).
/// Runs with [`options::providers`](super::options::providers).
pub async fn github_addresses_must_be_verified_to_sign_in(target: Target) {
    let (providers, _turn) = providers_turn().await;
    let api = Api::new(target);
    let account = api.register().await;
    providers
        .github
        .set_emails(&[(account.email.as_str(), true, false)]);
    assert_problem(&sign_in(&api, "github").await, 409, "oauth_account_exists");
    let identities = send(api.authed(
        Method::GET,
        "/auth/identities",
        &account.tokens.access_token,
    ))
    .await;
    assert_eq!(identities.json(), json!([]));

    providers
        .github
        .set_emails(&[("nobody-yet@example.com", true, false)]);
    assert_problem(
        &sign_in(&api, "github").await,
        403,
        "oauth_email_unverified",
    );

    providers
        .github
        .set_emails(&[("octocat@example.com", true, true)]);
    let tokens = expect_token_pair(&sign_in(&api, "github").await);
    assert_eq!(
        api.me(&tokens.access_token).await.email,
        "octocat@example.com"
    );
}

/// A signed-in user links GitHub (`POST /auth/oauth/github/link`, then the callback answers
/// the identity), unlinks it (204); an account made by a provider cannot unlink its only
/// identity (409 `last_sign_in_method`); another user's identity is 404.
/// Runs with [`options::providers`](super::options::providers).
pub async fn identities_are_linked_and_unlinked_while_signed_in(target: Target) {
    let (_, _turn) = providers_turn().await;
    let api = Api::new(target);
    let account = api.register().await;
    let token = &account.tokens.access_token;
    let link = send(api.authed(Method::POST, "/auth/oauth/github/link", token)).await;
    link.assert_status(200);
    assert_keys(&link.json(), &["authorization_url"], "link");
    let cookie = flow_cookie(&link);
    let url = link.json()["authorization_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = consent(&url, "github").await;
    let linked = callback(&api, &path, Some(&cookie)).await;
    linked.assert_status(200);
    assert_eq!(linked.json()["provider"], "github");
    let id = linked.json()["id"].as_str().unwrap().to_owned();

    // Only the owner can unlink it.
    let provider_user = expect_token_pair(&sign_in(&api, "idp").await);
    let foreign = send(api.authed(
        Method::DELETE,
        &format!("/auth/identities/{id}"),
        &provider_user.access_token,
    ))
    .await;
    assert_problem(&foreign, 404, "not_found");

    let unlinked = send(api.authed(Method::DELETE, &format!("/auth/identities/{id}"), token)).await;
    assert_no_content(&unlinked);

    let own = send(api.authed(Method::GET, "/auth/identities", &provider_user.access_token))
        .await
        .json();
    let only = own[0]["id"].as_str().unwrap().to_owned();
    let refused = send(api.authed(
        Method::DELETE,
        &format!("/auth/identities/{only}"),
        &provider_user.access_token,
    ))
    .await;
    assert_problem(&refused, 409, "last_sign_in_method");
}
