//! The four routes: what they accept, what they answer.

use authkit_axum::{Admin, AuthUser, RequireRole};
use authkit_core::AuthError;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::problem::{ApiError, JsonBody};
use crate::store::{CreditStore, Entry, MAX_AMOUNT, MAX_NOTE_CHARS};

/// Ledger entries per page when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest `limit` a ledger page may ask for.
pub const MAX_LIMIT: u32 = 100;

/// `POST /credits/use`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseRequest {
    /// Credits to spend, 1 to [`MAX_AMOUNT`].
    pub amount: i64,
    /// What they were spent on (at most [`MAX_NOTE_CHARS`] characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /credits/add`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddRequest {
    /// The account to credit (a UUID).
    pub user_id: String,
    /// Credits to add, 1 to [`MAX_AMOUNT`].
    pub amount: i64,
    /// Why (at most [`MAX_NOTE_CHARS`] characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// The query of `GET /credits/transactions`; every value is checked by the handler so a bad
/// one is named in the answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    /// Entries per page, 1 to [`MAX_LIMIT`] (default [`DEFAULT_LIMIT`]).
    pub limit: Option<String>,
    /// The cursor: only entries older than this entry id (a previous page's `next_before`).
    pub before: Option<String>,
    /// Whose ledger (default: the caller's); someone else's needs the admin role.
    pub user_id: Option<String>,
}

/// A balance.
#[derive(Debug, Serialize)]
pub struct BalanceBody {
    /// Whose.
    pub user_id: Uuid,
    /// How many credits.
    pub balance: i64,
}

/// The answer to a successful `use` or `add`.
#[derive(Debug, Serialize)]
pub struct ChangeBody {
    /// The balance after the change.
    pub balance: i64,
    /// The ledger entry the change wrote.
    pub transaction: EntryBody,
}

/// A page of a ledger, newest first.
#[derive(Debug, Serialize)]
pub struct LedgerBody {
    /// Whose ledger.
    pub user_id: Uuid,
    /// The entries.
    pub transactions: Vec<EntryBody>,
    /// Pass as `before` for the next page; `null` on the last page.
    pub next_before: Option<Uuid>,
}

/// A ledger entry on the wire.
#[derive(Debug, Serialize)]
pub struct EntryBody {
    /// The entry id.
    pub id: Uuid,
    /// Whose balance changed.
    pub user_id: Uuid,
    /// The signed change (negative for `use`).
    pub amount: i64,
    /// `use` or `add`.
    pub kind: &'static str,
    /// The balance right after.
    pub balance_after: i64,
    /// Who made the change.
    pub actor_id: Uuid,
    /// The note, if any.
    pub note: Option<String>,
    /// When, RFC 3339 (UTC, microseconds).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<Entry> for EntryBody {
    fn from(entry: Entry) -> Self {
        let created_at =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(entry.created_at) * 1000)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Self {
            id: entry.id,
            user_id: entry.user_id,
            amount: entry.amount,
            kind: entry.kind.as_str(),
            balance_after: entry.balance_after,
            actor_id: entry.actor_id,
            note: entry.note,
            created_at,
        }
    }
}

/// `GET /credits/balance`: the caller's balance.
pub async fn balance(
    State(store): State<CreditStore>,
    user: AuthUser,
) -> Result<Json<BalanceBody>, ApiError> {
    let balance = store.balance(user.user_id).await?;
    Ok(Json(BalanceBody {
        user_id: user.user_id,
        balance,
    }))
}

/// `POST /credits/use`: spends the caller's credits; 409 `insufficient_credits` when the
/// balance does not cover the amount.
pub async fn spend(
    State(store): State<CreditStore>,
    user: AuthUser,
    JsonBody(request): JsonBody<UseRequest>,
) -> Result<Json<ChangeBody>, ApiError> {
    check_amount(request.amount)?;
    let note = check_note(request.note)?;
    let entry = store
        .spend(user.user_id, request.amount, note.as_deref())
        .await?;
    Ok(changed(entry))
}

/// `POST /credits/add` (admin): adds credits to any account; 404 for an unknown account.
pub async fn add(
    State(store): State<CreditStore>,
    RequireRole(admin, ..): RequireRole<Admin>,
    JsonBody(request): JsonBody<AddRequest>,
) -> Result<Json<ChangeBody>, ApiError> {
    let user_id = parse_uuid("user_id", &request.user_id)?;
    check_amount(request.amount)?;
    let note = check_note(request.note)?;
    let entry = store
        .add(user_id, request.amount, admin.user_id, note.as_deref())
        .await?;
    tracing::info!(admin = %admin.user_id, user = %user_id, amount = request.amount, "credits added");
    Ok(changed(entry))
}

/// `GET /credits/transactions`: the caller's ledger, newest first; an admin may name anyone's
/// with `user_id`, anyone else gets 403 `forbidden` for another's.
pub async fn transactions(
    State(store): State<CreditStore>,
    user: AuthUser,
    query: Result<Query<LedgerQuery>, QueryRejection>,
) -> Result<Json<LedgerBody>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::invalid(e.body_text()))?;
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::invalid("limit must be a whole number from 1 to 100"))?,
    };
    let before = query
        .before
        .as_deref()
        .map(|text| parse_uuid("before", text))
        .transpose()?;
    let owner = match query.user_id.as_deref() {
        None => user.user_id,
        Some(text) => parse_uuid("user_id", text)?,
    };
    if owner != user.user_id && !user.role().is_admin() {
        return Err(ApiError::Auth(AuthError::Forbidden));
    }
    // One more than asked tells whether another page follows.
    let mut entries = store.transactions(owner, before, limit + 1).await?;
    let next_before = if entries.len() > limit as usize {
        entries.truncate(limit as usize);
        entries.last().map(|entry| entry.id)
    } else {
        None
    };
    Ok(Json(LedgerBody {
        user_id: owner,
        transactions: entries.into_iter().map(EntryBody::from).collect(),
        next_before,
    }))
}

fn changed(entry: Entry) -> Json<ChangeBody> {
    Json(ChangeBody {
        balance: entry.balance_after,
        transaction: entry.into(),
    })
}

fn check_amount(amount: i64) -> Result<(), ApiError> {
    if (1..=MAX_AMOUNT).contains(&amount) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "amount must be a whole number from 1 to {MAX_AMOUNT}"
        )))
    }
}

fn check_note(note: Option<String>) -> Result<Option<String>, ApiError> {
    match note {
        Some(note) if note.chars().count() > MAX_NOTE_CHARS => Err(ApiError::invalid(format!(
            "note must be at most {MAX_NOTE_CHARS} characters"
        ))),
        Some(note) if note.chars().any(char::is_control) => Err(ApiError::invalid(
            "note must not contain control characters",
        )),
        other => Ok(other),
    }
}

fn parse_uuid(name: &str, text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::invalid(format!("{name} must be a UUID")))
}
