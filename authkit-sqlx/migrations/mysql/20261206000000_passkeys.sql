-- Passkeys (WebAuthn credentials), several per user, and the server side of the ceremonies
-- that register and use them. Both go with the user (ON DELETE CASCADE).
-- credential_id is the authenticator's id of the credential (at most 1023 bytes, WebAuthn
-- says): unique across every account. credential is the credential as the flows serialise it
-- (public key, counter, flags; no secret): opaque here. sign_count is the authenticator's
-- signature counter as last accepted, kept in its own column so that accepting a count is one
-- conditional UPDATE.
CREATE TABLE passkeys (
    id            BINARY(16)      NOT NULL,
    user_id       BINARY(16)      NOT NULL,
    credential_id VARBINARY(1023) NOT NULL,
    name          VARCHAR(255)    NOT NULL,
    credential    MEDIUMTEXT      NOT NULL,
    sign_count    BIGINT          NOT NULL,
    created_at    BIGINT          NOT NULL,
    last_used_at  BIGINT,
    PRIMARY KEY (id),
    CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id),
    KEY passkeys_user_id_idx (user_id, created_at),
    CONSTRAINT passkeys_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A ceremony between its two steps: the SHA-256 of the id its client holds, the account when
-- one is known as it starts (not for a sign-in with a passkey alone), and the state (its
-- challenge among it). Taken, and so deleted, once.
CREATE TABLE passkey_ceremonies (
    hash       BINARY(32)  NOT NULL,
    user_id    BINARY(16),
    purpose    VARCHAR(32) NOT NULL,
    state      MEDIUMTEXT  NOT NULL,
    created_at BIGINT      NOT NULL,
    expires_at BIGINT      NOT NULL,
    PRIMARY KEY (hash),
    KEY passkey_ceremonies_expires_at_idx (expires_at),
    CONSTRAINT passkey_ceremonies_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
