-- The credits tables. The balances refer to authkit's `users`: run authkit's migrations first.
-- `IF NOT EXISTS` adopts the tables that releases before versioned migrations created.

CREATE TABLE IF NOT EXISTS credit_balances (
    user_id BINARY(16) NOT NULL,
    balance BIGINT     NOT NULL,
    PRIMARY KEY (user_id),
    CONSTRAINT credit_balances_balance_check CHECK (balance >= 0),
    CONSTRAINT credit_balances_user_id_fk FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS credit_ledger (
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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
