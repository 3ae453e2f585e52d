-- Identities at other providers (OpenID Connect, GitHub-style OAuth2): one user may have
-- several; one (provider, subject) belongs to one user. They go with the user.
-- email is the address the provider asserted when the identity was linked.
CREATE TABLE identities (
    id         BINARY(16)   NOT NULL,
    user_id    BINARY(16)   NOT NULL,
    provider   VARCHAR(64)  NOT NULL,
    subject    VARCHAR(255) NOT NULL,
    email      VARCHAR(254),
    created_at BIGINT       NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY identities_provider_subject_key (provider, subject),
    KEY identities_user_id_idx (user_id),
    CONSTRAINT identities_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Authorization-code flows started and not yet finished: taken (deleted) once by the
-- callback, before expires_at. The state, the browser binding and the nonce are SHA-256
-- digests; the PKCE verifier is kept as sent (it lives minutes). link_user_id is the
-- signed-in user of a link, NULL for a sign-in (no foreign key: a flow of a deleted user
-- simply finds no user).
CREATE TABLE oauth_flows (
    state_hash    BINARY(32)   NOT NULL,
    provider      VARCHAR(64)  NOT NULL,
    binding_hash  BINARY(32)   NOT NULL,
    nonce_hash    BINARY(32)   NOT NULL,
    pkce_verifier VARCHAR(128) NOT NULL,
    redirect_uri  TEXT         NOT NULL,
    link_user_id  BINARY(16),
    created_at    BIGINT       NOT NULL,
    expires_at    BIGINT       NOT NULL,
    PRIMARY KEY (state_hash),
    KEY oauth_flows_expires_at_idx (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
