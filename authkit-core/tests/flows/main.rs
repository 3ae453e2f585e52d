//! Black-box tests of every flow through the public `Auth` API, on the memory store.

mod account;
mod admin;
mod login;
mod mail;
mod mfa;
mod passkey;
mod password_checks;
mod prune;
mod recovery;
mod refresh;
mod register;
mod support;
