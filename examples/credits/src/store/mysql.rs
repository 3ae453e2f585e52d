//! MySQL 8 / MariaDB 10.6+: ids as `BINARY(16)` like authkit's, InnoDB. Under REPEATABLE READ
//! an `UPDATE` still reads the latest committed row (a locking read), not the snapshot, so the
//! conditional spend is exact; the balance read that follows sees the transaction's own change.
//! The upsert is `INSERT … ON DUPLICATE KEY UPDATE`, which can deadlock when two transactions
//! create the same row at once: the loser is run again.

const BEGIN: &str = "BEGIN";

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS credit_balances (
        user_id BINARY(16) NOT NULL,
        balance BIGINT     NOT NULL,
        PRIMARY KEY (user_id),
        CONSTRAINT credit_balances_balance_check CHECK (balance >= 0),
        CONSTRAINT credit_balances_user_id_fk FOREIGN KEY (user_id)
            REFERENCES users (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    "CREATE TABLE IF NOT EXISTS credit_ledger (
        id            BINARY(16)   NOT NULL,
        user_id       BINARY(16)   NOT NULL,
        amount        BIGINT       NOT NULL,
        kind          VARCHAR(8)   NOT NULL,
        balance_after BIGINT       NOT NULL,
        actor_id      BINARY(16)   NOT NULL,
        note          VARCHAR(200),
        created_at    BIGINT       NOT NULL,
        PRIMARY KEY (id),
        KEY credit_ledger_user_id_idx (user_id, id),
        CONSTRAINT credit_ledger_kind_check CHECK (kind IN ('use', 'add')),
        CONSTRAINT credit_ledger_balance_after_check CHECK (balance_after >= 0)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
];

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
