-- The credits tables. The balances refer to authkit's `users`: run authkit's migrations first.
-- `IF NOT EXISTS` adopts the tables that releases before versioned migrations created.

CREATE TABLE IF NOT EXISTS credit_balances (
    user_id BLOB    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    balance INTEGER NOT NULL CHECK (balance >= 0)
);

CREATE TABLE IF NOT EXISTS credit_ledger (
    id            BLOB    NOT NULL PRIMARY KEY,
    user_id       BLOB    NOT NULL,
    amount        INTEGER NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('use', 'add')),
    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
    actor_id      BLOB    NOT NULL,
    note          TEXT,
    created_at    INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS credit_ledger_user_id_idx ON credit_ledger (user_id, id);
