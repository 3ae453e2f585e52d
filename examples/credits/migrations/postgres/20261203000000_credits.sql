-- The credits tables. The balances refer to authkit's `users`: run authkit's migrations first.
-- `IF NOT EXISTS` adopts the tables that releases before versioned migrations created.

CREATE TABLE IF NOT EXISTS credit_balances (
    user_id UUID   NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    balance BIGINT NOT NULL CHECK (balance >= 0)
);

CREATE TABLE IF NOT EXISTS credit_ledger (
    id            UUID         NOT NULL PRIMARY KEY,
    user_id       UUID         NOT NULL,
    amount        BIGINT       NOT NULL,
    kind          VARCHAR(8)   NOT NULL CHECK (kind IN ('use', 'add')),
    balance_after BIGINT       NOT NULL CHECK (balance_after >= 0),
    actor_id      UUID         NOT NULL,
    note          VARCHAR(200),
    created_at    BIGINT       NOT NULL
);

CREATE INDEX IF NOT EXISTS credit_ledger_user_id_idx ON credit_ledger (user_id, id);
