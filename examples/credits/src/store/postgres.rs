//! PostgreSQL: ids as `UUID` like authkit's. READ COMMITTED suffices: a conditional `UPDATE`
//! that waited for another transaction's row lock re-checks its `WHERE` on the row that
//! transaction committed.

const BEGIN: &str = "BEGIN";

/// The credits migrations (`migrations/postgres`), recorded in sqlx's `_sqlx_migrations`; authkit keeps
/// its own history apart.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

const BALANCE: &str = "SELECT balance FROM credit_balances WHERE user_id = $1";

const SPEND: &str = "UPDATE credit_balances SET balance = balance - $1 \
                     WHERE user_id = $2 AND balance >= $3";

const CREDIT: &str = "INSERT INTO credit_balances (user_id, balance) VALUES ($1, $2) \
                      ON CONFLICT (user_id) DO UPDATE \
                      SET balance = credit_balances.balance + excluded.balance";

const INSERT_ENTRY: &str = "INSERT INTO credit_ledger \
                            (id, user_id, amount, kind, balance_after, actor_id, note, created_at) \
                            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const LIST: &str = "SELECT id, user_id, amount, kind, balance_after, actor_id, note, created_at \
                    FROM credit_ledger WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";

flows!(sqlx::PgPool);
