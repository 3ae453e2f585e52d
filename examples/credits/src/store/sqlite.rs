//! SQLite: ids as 16-byte `BLOB`s like authkit's; every transaction starts with
//! `BEGIN IMMEDIATE`, so it holds the write lock from its first statement and never needs a
//! lock upgrade (writers queue on the 5 s busy timeout instead of failing).

const BEGIN: &str = "BEGIN IMMEDIATE";

/// The credits migrations (`migrations/sqlite`), recorded in sqlx's `_sqlx_migrations`; authkit keeps
/// its own history apart.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

const BALANCE: &str = "SELECT balance FROM credit_balances WHERE user_id = ?";

const SPEND: &str = "UPDATE credit_balances SET balance = balance - ? \
                     WHERE user_id = ? AND balance >= ?";

const CREDIT: &str = "INSERT INTO credit_balances (user_id, balance) VALUES (?, ?) \
                      ON CONFLICT (user_id) DO UPDATE \
                      SET balance = credit_balances.balance + excluded.balance";

const INSERT_ENTRY: &str = "INSERT INTO credit_ledger \
                            (id, user_id, amount, kind, balance_after, actor_id, note, created_at) \
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

const LIST: &str = "SELECT id, user_id, amount, kind, balance_after, actor_id, note, created_at \
                    FROM credit_ledger WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

flows!(sqlx::SqlitePool);
