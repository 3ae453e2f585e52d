//! PostgreSQL: ids as `UUID` like authkit's. READ COMMITTED suffices: a conditional `UPDATE`
//! that waited for another transaction's row lock re-checks its `WHERE` on the row that
//! transaction committed. The schema is created under a transaction-scoped advisory lock, so
//! instances starting together do not race on `CREATE TABLE IF NOT EXISTS`.

const BEGIN: &str = "BEGIN";

const SCHEMA: &[&str] = &[
    // A fixed key of this example's own: every instance takes the same lock.
    "SELECT pg_advisory_xact_lock(636865646974)",
    "CREATE TABLE IF NOT EXISTS credit_balances (
        user_id UUID   NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        balance BIGINT NOT NULL CHECK (balance >= 0)
    )",
    "CREATE TABLE IF NOT EXISTS credit_ledger (
        id            UUID         NOT NULL PRIMARY KEY,
        user_id       UUID         NOT NULL,
        amount        BIGINT       NOT NULL,
        kind          VARCHAR(8)   NOT NULL CHECK (kind IN ('use', 'add')),
        balance_after BIGINT       NOT NULL CHECK (balance_after >= 0),
        actor_id      UUID         NOT NULL,
        note          VARCHAR(200),
        created_at    BIGINT       NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS credit_ledger_user_id_idx ON credit_ledger (user_id, id)",
];

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
