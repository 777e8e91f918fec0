-- Connected accounts (a team's Bitbucket credentials) and integrations (a collection backed
-- up to a file in a repository). Ids are text (UUID v7); times are Unix milliseconds.

-- The secret (API token, app password, or OAuth tokens) is stored only as ciphertext:
-- AEAD-sealed, bound to (team, row, purpose), carrying the id of the key that sealed it.
CREATE TABLE connected_accounts (
    id                   TEXT PRIMARY KEY NOT NULL,
    team_id              TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    provider             TEXT NOT NULL CHECK (provider IN ('bitbucket')),
    label                TEXT NOT NULL,
    method               TEXT NOT NULL CHECK (method IN ('api_token', 'app_password', 'oauth')),
    -- The Atlassian email (API token), Bitbucket username (app password, OAuth): not secret.
    login                TEXT NOT NULL,
    display_name         TEXT NOT NULL,
    provider_user_id     TEXT NOT NULL,
    secret               BYTEA NOT NULL,
    -- The id of the key that sealed `secret` (also inside it): lets re-encryption find rows.
    secret_key_id        TEXT NOT NULL,
    -- OAuth access tokens expire; the others carry NULL.
    token_expires_at_ms  BIGINT,
    created_by           TEXT NOT NULL,
    created_at_ms        BIGINT NOT NULL,
    verified_at_ms       BIGINT NOT NULL,
    updated_at_ms        BIGINT NOT NULL,
    UNIQUE (team_id, label)
);
CREATE INDEX connected_accounts_by_key ON connected_accounts (secret_key_id);

-- Deleting a collection deletes its integrations; deleting an account leaves its
-- integrations without one (they need re-authentication) rather than silently removing them.
CREATE TABLE integrations (
    id                TEXT PRIMARY KEY NOT NULL,
    team_id           TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    collection_id     TEXT NOT NULL,
    account_id        TEXT REFERENCES connected_accounts(id) ON DELETE SET NULL,
    workspace         TEXT NOT NULL,
    repository        TEXT NOT NULL,
    branch            TEXT NOT NULL,
    directory         TEXT NOT NULL,
    filename          TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('active', 'paused', 'failing', 'needs_reauth')),
    status_reason     TEXT,
    created_by        TEXT NOT NULL,
    created_at_ms     BIGINT NOT NULL,
    updated_at_ms     BIGINT NOT NULL,
    FOREIGN KEY (team_id, collection_id) REFERENCES collections (team_id, id) ON DELETE CASCADE,
    UNIQUE (team_id, workspace, repository, branch, directory, filename)
);
CREATE INDEX integrations_by_collection ON integrations (team_id, collection_id);
CREATE INDEX integrations_by_account ON integrations (account_id);
