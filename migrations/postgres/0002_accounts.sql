-- People, teams, membership with a role, invitations, API keys, sign-in attempts, audit log.
-- Ids are UUID text; times are Unix milliseconds.

CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    -- Raised by "sign out everywhere": sessions carrying an older epoch are void.
    session_epoch  BIGINT NOT NULL DEFAULT 0,
    created_at_ms  BIGINT NOT NULL
);

CREATE TABLE teams (
    id             TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    created_by     TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at_ms  BIGINT NOT NULL
);

CREATE TABLE memberships (
    team_id        TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role           TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    created_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE invites (
    id              TEXT PRIMARY KEY NOT NULL,
    team_id         TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    token_hash      TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    created_by      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at_ms   BIGINT NOT NULL,
    expires_at_ms   BIGINT NOT NULL,
    accepted_by     TEXT REFERENCES users(id) ON DELETE SET NULL,
    accepted_at_ms  BIGINT
);
CREATE INDEX invites_by_team ON invites (team_id);

CREATE TABLE api_keys (
    id               TEXT PRIMARY KEY NOT NULL,
    team_id          TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    created_by       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    lookup_id        TEXT NOT NULL UNIQUE,
    key_hash         TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    created_at_ms    BIGINT NOT NULL,
    expires_at_ms    BIGINT,
    last_used_at_ms  BIGINT,
    revoked_at_ms    BIGINT
);
CREATE INDEX api_keys_by_team ON api_keys (team_id);

CREATE TABLE login_attempts (
    email          TEXT NOT NULL,
    client_addr    TEXT NOT NULL,
    succeeded      BOOLEAN NOT NULL,
    at_ms          BIGINT NOT NULL
);
CREATE INDEX login_attempts_by_email ON login_attempts (email, at_ms);
CREATE INDEX login_attempts_by_addr ON login_attempts (client_addr, at_ms);

CREATE TABLE audit_log (
    id             TEXT PRIMARY KEY NOT NULL,
    team_id        TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    actor_user_id  TEXT REFERENCES users(id) ON DELETE SET NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    detail         TEXT NOT NULL,
    client_addr    TEXT NOT NULL,
    at_ms          BIGINT NOT NULL
);
CREATE INDEX audit_log_by_team ON audit_log (team_id, at_ms);
