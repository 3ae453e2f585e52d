-- Passkeys (WebAuthn credentials), several per user, and the server side of the ceremonies
-- that register and use them. Both go with the user (ON DELETE CASCADE).
-- credential_id is the authenticator's id of the credential: unique across every account.
-- credential is the credential as the flows serialise it (public key, counter, flags; no
-- secret): opaque here. sign_count is the authenticator's signature counter as last accepted,
-- kept in its own column so that accepting a count is one conditional UPDATE.
CREATE TABLE passkeys (
    id            UUID   NOT NULL PRIMARY KEY,
    user_id       UUID   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id BYTEA  NOT NULL,
    name          TEXT   NOT NULL,
    credential    TEXT   NOT NULL,
    sign_count    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id)
);
CREATE INDEX passkeys_user_id_idx ON passkeys (user_id, created_at);

-- A ceremony between its two steps: the SHA-256 of the id its client holds, the account when
-- one is known as it starts (not for a sign-in with a passkey alone), and the state (its
-- challenge among it). Taken, and so deleted, once.
CREATE TABLE passkey_ceremonies (
    hash       BYTEA  NOT NULL PRIMARY KEY CHECK (octet_length(hash) = 32),
    user_id    UUID   REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT   NOT NULL,
    state      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX passkey_ceremonies_expires_at_idx ON passkey_ceremonies (expires_at);
CREATE INDEX passkey_ceremonies_user_id_idx ON passkey_ceremonies (user_id);
