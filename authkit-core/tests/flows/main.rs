//! Black-box tests of every flow through the public `Auth` API, on the memory store.

mod account;
mod admin;
mod email_sign_in;
mod login;
mod mail;
mod mfa;
#[cfg(feature = "oidc")]
mod oauth;
mod passkey;
mod password_checks;
mod prune;
mod recovery;
mod refresh;
mod register;
mod support;
