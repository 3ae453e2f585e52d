//! The `authkit` binary, black box: each case runs it with a controlled environment (nothing
//! but the variables it names), against a fresh SQLite file and, when
//! `AUTHKIT_TEST_POSTGRES_URL` is set, a fresh PostgreSQL schema; where the effect shows over
//! HTTP, the axum example app serves the same database in the test process.

#[macro_use]
mod support;

mod accounts;
mod keys;
mod usage;
