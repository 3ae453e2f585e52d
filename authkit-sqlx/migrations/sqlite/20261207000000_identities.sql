-- Identities at other providers (OpenID Connect, GitHub-style OAuth2): one user may have
-- several; one (provider, subject) belongs to one user. They go with the user.
-- email is the address the provider asserted when the identity was linked.
CREATE TABLE identities (
    id         BLOB         NOT NULL PRIMARY KEY,
    user_id    BLOB         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider   VARCHAR(64)  NOT NULL,
    subject    VARCHAR(255) NOT NULL,
    email      VARCHAR(254),
    created_at BIGINT       NOT NULL,
    CONSTRAINT identities_provider_subject_key UNIQUE (provider, subject)
);
CREATE INDEX identities_user_id_idx ON identities (user_id);

-- Authorization-code flows started and not yet finished: taken (deleted) once by the
-- callback, before expires_at. The state, the browser binding and the nonce are SHA-256
-- digests; the PKCE verifier is kept as sent (it lives minutes). link_user_id is the
-- signed-in user of a link, NULL for a sign-in (no foreign key: a flow of a deleted user
-- simply finds no user).
CREATE TABLE oauth_flows (
    state_hash    BLOB         NOT NULL PRIMARY KEY,
    provider      VARCHAR(64)  NOT NULL,
    binding_hash  BLOB         NOT NULL,
    nonce_hash    BLOB         NOT NULL,
    pkce_verifier VARCHAR(128) NOT NULL,
    redirect_uri  TEXT         NOT NULL,
    link_user_id  BLOB,
    created_at    BIGINT       NOT NULL,
    expires_at    BIGINT       NOT NULL
);
CREATE INDEX oauth_flows_expires_at_idx ON oauth_flows (expires_at);
