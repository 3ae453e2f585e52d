//! MySQL 8 / MariaDB 10.6+: ids as `BINARY(16)` like authkit's, InnoDB. Under REPEATABLE READ
//! an `UPDATE` still reads the latest committed row (a locking read), not the snapshot, so the
//! conditional spend is exact; the balance read that follows sees the transaction's own change.
//! The upsert is `INSERT … ON DUPLICATE KEY UPDATE`, which can deadlock when two transactions
//! create the same row at once: the loser is run again.

const BEGIN: &str = "BEGIN";

/// The credits migrations (`migrations/mysql`), recorded in sqlx's `_sqlx_migrations`; authkit keeps
/// its own history apart.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/mysql");

const BALANCE: &str = "SELECT balance FROM credit_balances WHERE user_id = ?";

const SPEND: &str = "UPDATE credit_balances SET balance = balance - ? \
                     WHERE user_id = ? AND balance >= ?";

// VALUES(col) rather than MySQL 8's row alias: MariaDB only knows the former.
const CREDIT: &str = "INSERT INTO credit_balances (user_id, balance) VALUES (?, ?) \
                      ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance)";

const INSERT_ENTRY: &str = "INSERT INTO credit_ledger \
                            (id, user_id, amount, kind, balance_after, actor_id, note, created_at) \
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

const LIST: &str = "SELECT id, user_id, amount, kind, balance_after, actor_id, note, created_at \
                    FROM credit_ledger WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

flows!(sqlx::MySqlPool);
