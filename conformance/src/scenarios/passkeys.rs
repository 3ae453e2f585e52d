//! Passkeys: registration, sign-in with a passkey alone, a passkey as the second step of an
//! `mfa_required` sign-in, refused origins, cloned authenticators and used ceremonies, and
//! the list, rename and delete routes. The browser and authenticator are a software
//! authenticator ([`SoftAuthenticator`]) signing as a page of [`PASSKEY_ORIGINS`]; the server
//! verifies with webauthn-rs, as in production.

use super::prelude::*;
use crate::support::SoftAuthenticator;
use crate::{PASSKEY_ORIGINS, PASSKEY_RP_ID};

/// The keys of a passkey in the answers, exactly.
const PASSKEY_KEYS: &[&str] = &["id", "name", "created_at", "last_used_at"];

/// `POST /auth/passkeys/register/begin` then `POST /auth/passkeys/register` on `key`: the
/// registered passkey's JSON.
async fn register_passkey(
    api: &Api,
    token: &str,
    key: &mut SoftAuthenticator,
    name: &str,
) -> Value {
    let begun = send(api.authed(Method::POST, "/auth/passkeys/register/begin", token)).await;
    begun.assert_status(200);
    let begun = begun.json();
    assert_keys(&begun, &["ceremony", "options"], "the registration options");
    let public_key = &begun["options"]["publicKey"];
    assert_eq!(public_key["rp"]["id"], PASSKEY_RP_ID);
    assert_eq!(
        public_key["authenticatorSelection"]["residentKey"],
        "required"
    );
    assert_eq!(
        public_key["authenticatorSelection"]["userVerification"],
        "required"
    );
    let credential = key.register(PASSKEY_ORIGINS[0], &begun["options"]);
    let registered = send(
        api.authed(Method::POST, "/auth/passkeys/register", token)
            .json(
                &json!({ "ceremony": begun["ceremony"], "name": name, "credential": credential }),
            ),
    )
    .await;
    registered.assert_status(201);
    let registered = registered.json();
    assert_keys(&registered, PASSKEY_KEYS, "a passkey");
    assert_eq!(registered["name"], name);
    assert_eq!(registered["last_used_at"], Value::Null);
    registered
}

/// `POST /auth/login/passkey/begin`, and the assertion `key` makes for it on `origin`: the body
/// of `POST /auth/login/passkey`.
async fn passkey_sign_in(api: &Api, key: &mut SoftAuthenticator, origin: &str) -> Value {
    let begun = send(api.request(Method::POST, "/auth/login/passkey/begin")).await;
    begun.assert_status(200);
    let begun = begun.json();
    assert_keys(&begun, &["ceremony", "options"], "the sign-in options");
    assert_eq!(begun["options"]["publicKey"]["allowCredentials"], json!([]));
    assert_eq!(
        begun["options"]["publicKey"]["userVerification"],
        "required"
    );
    let credential = key.sign_in(origin, &begun["options"]);
    json!({ "ceremony": begun["ceremony"], "credential": credential })
}

/// A registered passkey signs in alone (no identifier given) as its owner, from either
/// allowed origin, and the list shows when it was used.
pub async fn a_registered_passkey_signs_in_alone_as_its_owner(target: Target) {
    let api = Api::new(target);
    api.register().await;
    let account = api.register().await;
    let mut key = SoftAuthenticator::new();
    register_passkey(&api, &account.tokens.access_token, &mut key, "laptop").await;

    for origin in PASSKEY_ORIGINS {
        let body = passkey_sign_in(&api, &mut key, origin).await;
        let answer = send(api.post_json("/auth/login/passkey", &body)).await;
        let tokens = expect_token_pair(&answer);
        assert_eq!(api.me(&tokens.access_token).await.email, account.email);
    }
    let list = send(api.authed(Method::GET, "/auth/passkeys", &account.tokens.access_token)).await;
    list.assert_status(200);
    let list = list.json();
    assert_keys(&list, &["passkeys"], "the passkey list");
    assert!(list["passkeys"][0]["last_used_at"].is_string(), "{list}");
}

/// A passkey does not make the password ask for more; once TOTP is on, `mfa_required` lists
/// `passkey`, and the passkey step completes the sign-in and spends the challenge.
pub async fn a_passkey_completes_a_sign_in_that_owes_a_second_factor(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let token = account.tokens.access_token.clone();
    let mut key = SoftAuthenticator::new();
    register_passkey(&api, &token, &mut key, "phone").await;
    api.login(&account.email, PASSWORD).await;
    super::mfa::enrol_account(&api, account.email.clone(), token).await;

    let answer = api.login_answer(&account.email, PASSWORD).await;
    assert_problem(&answer, 401, "mfa_required");
    let answer = answer.json();
    assert_eq!(
        answer["mfa_methods"],
        json!(["totp", "recovery_code", "passkey"])
    );
    let challenge = answer["mfa_challenge"].clone();

    let begun = send(api.post_json(
        "/auth/login/mfa/passkey/begin",
        &json!({ "challenge": challenge }),
    ))
    .await;
    begun.assert_status(200);
    let begun = begun.json();
    assert_keys(
        &begun,
        &["ceremony", "options"],
        "the second step's options",
    );
    let allowed = begun["options"]["publicKey"]["allowCredentials"]
        .as_array()
        .cloned();
    assert_eq!(allowed.map(|a| a.len()), Some(1), "{begun}");
    let credential = key.sign_in(PASSKEY_ORIGINS[0], &begun["options"]);
    let body =
        json!({ "challenge": challenge, "ceremony": begun["ceremony"], "credential": credential });
    let tokens = expect_token_pair(&send(api.post_json("/auth/login/mfa/passkey", &body)).await);
    assert_eq!(api.me(&tokens.access_token).await.email, account.email);

    let spent = send(api.post_json(
        "/auth/login/mfa/passkey/begin",
        &json!({ "challenge": challenge }),
    ))
    .await;
    assert_problem(&spent, 401, "invalid_mfa_challenge");
}

/// An assertion whose client data names an origin that is not allowed is 401
/// `invalid_passkey`.
pub async fn a_passkey_assertion_for_another_origin_is_refused(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let mut key = SoftAuthenticator::new();
    register_passkey(&api, &account.tokens.access_token, &mut key, "laptop").await;
    let body = passkey_sign_in(&api, &mut key, "http://localhost:4999").await;
    let refused = send(api.post_json("/auth/login/passkey", &body)).await;
    assert_problem(&refused, 401, "invalid_passkey");
}

/// A copy of an authenticator, replaying a signature count already used, is 401
/// `passkey_counter_regressed`; the original goes on working.
pub async fn a_cloned_passkey_authenticator_is_refused(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let mut key = SoftAuthenticator::new();
    register_passkey(&api, &account.tokens.access_token, &mut key, "laptop").await;
    let copy = key.snapshot();
    let body = passkey_sign_in(&api, &mut key, PASSKEY_ORIGINS[0]).await;
    expect_token_pair(&send(api.post_json("/auth/login/passkey", &body)).await);
    let original = key.snapshot();

    key.restore(&copy);
    let body = passkey_sign_in(&api, &mut key, PASSKEY_ORIGINS[0]).await;
    let refused = send(api.post_json("/auth/login/passkey", &body)).await;
    assert_problem(&refused, 401, "passkey_counter_regressed");

    key.restore(&original);
    let body = passkey_sign_in(&api, &mut key, PASSKEY_ORIGINS[0]).await;
    expect_token_pair(&send(api.post_json("/auth/login/passkey", &body)).await);
}

/// A ceremony completes one sign-in: the same body again is 400 `invalid_passkey_ceremony`,
/// like a ceremony never begun.
pub async fn a_used_passkey_ceremony_is_refused(target: Target) {
    let api = Api::new(target);
    let account = api.register().await;
    let mut key = SoftAuthenticator::new();
    register_passkey(&api, &account.tokens.access_token, &mut key, "laptop").await;
    let body = passkey_sign_in(&api, &mut key, PASSKEY_ORIGINS[0]).await;
    expect_token_pair(&send(api.post_json("/auth/login/passkey", &body)).await);
    let replayed = send(api.post_json("/auth/login/passkey", &body)).await;
    assert_problem(&replayed, 400, "invalid_passkey_ceremony");
    let mut never = body.clone();
    never["ceremony"] = json!("bm90IGEgY2VyZW1vbnkgZXZlciBiZWd1biBoZXJlIGF0IGFsbA");
    let never = send(api.post_json("/auth/login/passkey", &never)).await;
    assert_problem(&never, 400, "invalid_passkey_ceremony");
}

/// Several passkeys are listed oldest first; only their owner renames (200) or deletes (204)
/// them, anyone else gets 404; a deleted passkey no longer signs in.
pub async fn passkeys_are_listed_renamed_and_deleted_by_their_owner(target: Target) {
    let api = Api::new(target);
    let ada = api.register().await;
    let bob = api.register().await;
    let token = &ada.tokens.access_token;
    let mut laptop = SoftAuthenticator::new();
    let first = register_passkey(&api, token, &mut laptop, "laptop").await;
    let second = register_passkey(&api, token, &mut SoftAuthenticator::new(), "phone").await;

    let list = send(api.authed(Method::GET, "/auth/passkeys", token)).await;
    list.assert_status(200);
    assert_eq!(list.json(), json!({ "passkeys": [first, second] }));
    let bobs = send(api.authed(Method::GET, "/auth/passkeys", &bob.tokens.access_token)).await;
    assert_eq!(bobs.json(), json!({ "passkeys": [] }));

    let path = format!("/auth/passkeys/{}", second["id"].as_str().expect("an id"));
    let renamed = send(
        api.authed(Method::PATCH, &path, token)
            .json(&json!({ "name": "work phone" })),
    )
    .await;
    renamed.assert_status(200);
    let mut expected = second.clone();
    expected["name"] = json!("work phone");
    assert_eq!(renamed.json(), expected);
    let not_bobs = send(
        api.authed(Method::PATCH, &path, &bob.tokens.access_token)
            .json(&json!({ "name": "mine" })),
    )
    .await;
    assert_problem(&not_bobs, 404, "not_found");
    let blank = send(
        api.authed(Method::PATCH, &path, token)
            .json(&json!({ "name": " " })),
    )
    .await;
    assert_problem(&blank, 400, "validation_failed");

    let not_bobs = send(api.authed(Method::DELETE, &path, &bob.tokens.access_token)).await;
    assert_problem(&not_bobs, 404, "not_found");
    assert_no_content(&send(api.authed(Method::DELETE, &path, token)).await);
    let again = send(api.authed(Method::DELETE, &path, token)).await;
    assert_problem(&again, 404, "not_found");
    let list = send(api.authed(Method::GET, "/auth/passkeys", token)).await;
    assert_eq!(list.json(), json!({ "passkeys": [first] }));

    let laptop_path = format!("/auth/passkeys/{}", first["id"].as_str().expect("an id"));
    assert_no_content(&send(api.authed(Method::DELETE, &laptop_path, token)).await);
    let body = passkey_sign_in(&api, &mut laptop, PASSKEY_ORIGINS[0]).await;
    let gone = send(api.post_json("/auth/login/passkey", &body)).await;
    assert_problem(&gone, 401, "invalid_passkey");
}
