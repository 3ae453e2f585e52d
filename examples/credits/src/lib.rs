//! # credits
//!
//! A small service on authkit, and the example of how an application keeps its own data next
//! to authkit's: every user has a balance of credits, spends them, and an admin adds them.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /credits/balance` | any signed-in user | `{"user_id","balance"}` of the caller |
//! | `POST /credits/use` `{"amount":N,"note"?}` | any signed-in user | spends N of the caller's credits; 409 `insufficient_credits` when the balance does not cover N |
//! | `POST /credits/add` `{"user_id","amount":N,"note"?}` | admin | adds N to anyone's balance; 404 `not_found` for an unknown account |
//! | `GET /credits/transactions?limit&before&user_id` | any signed-in user; admin for another's | the ledger, newest first, paged by `before` |
//!
//! Amounts are whole numbers from 1 to [`store::MAX_AMOUNT`]. authkit's own routes are served
//! under `/auth` (register, login, refresh, ...), with `/healthz`, `/readyz` and `/docs`.
//!
//! ## What it guarantees
//! - A balance never goes below zero, whatever the concurrency, on SQLite, PostgreSQL and
//!   MySQL/MariaDB alike: a spend is one conditional `UPDATE` checked by its affected-row
//!   count, in one transaction with its ledger entry (see [`store`]).
//! - The ledger is append-only and records every change with the balance after it and who
//!   made it.
//! - Every error is a problem document in authkit's own format; `insufficient_credits` is the
//!   only code authkit does not define (see [`problem`]). 401 and 403 come from authkit's
//!   extractors, exactly as on authkit's routes.
//!
//! ## What it deliberately does not do
//! No refunds, transfers between users or expiry; no idempotency keys (a retried `use` spends
//! twice).
//!
//! ## Its migrations beside authkit's
//! The credits tables are versioned sqlx migrations (`migrations/{sqlite,postgres,mysql}`),
//! recorded in sqlx's default `_sqlx_migrations` table; authkit records its own in
//! `_authkit_migrations`, so the two histories share the database without either migrator
//! seeing the other's rows.
//!
//! ## Run it
//! `cargo run -p credits` serves on `127.0.0.1:8080` with SQLite (`authkit.db`), configured by
//! the same environment variables as the other examples (`DATABASE_URL`,
//! `AUTHKIT_ADMIN_EMAIL`, ... see README.md). The crate is a library so that its tests serve
//! exactly what `main` serves: [`router`], served by [`authkit_axum::serve`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod openapi;
pub mod problem;
pub mod store;

use authkit_axum::AuthLayer;
use authkit_core::http::HttpApi;
use axum::Router;
use axum::routing::{get, post};

pub use store::CreditStore;

/// The service: the credits routes, authkit's routes, and the layer the extractors need.
pub fn router(api: HttpApi, credits: CreditStore) -> Router {
    // The credits routes join authkit's in `/openapi.json` and `/docs`.
    let api = api.with_openapi(openapi::fragment());
    Router::new()
        .route("/credits/balance", get(api::balance))
        .route("/credits/use", post(api::spend))
        .route("/credits/add", post(api::add))
        .route("/credits/transactions", get(api::transactions))
        .with_state(credits)
        .merge(authkit_axum::routes(api.clone()))
        .layer(AuthLayer::new(api))
}
