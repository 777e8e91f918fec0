-- API sync (issue 16): an API connected to a Bitbucket repository, two ways. Ferry keeps the
-- last commit both sides agreed on (the base) and what each synced file held there, so a
-- change on either side is told from the other by comparing with the base, never by time.

CREATE TABLE api_connections (
    team_id          TEXT NOT NULL,
    api_id           TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    workspace        TEXT NOT NULL,
    repository       TEXT NOT NULL,
    branch           TEXT NOT NULL,
    definition_path  TEXT NOT NULL,
    collections_dir  TEXT NOT NULL,
    -- `v{version}`: the tag a published version gets, and the tags read back as versions.
    tag_pattern      TEXT NOT NULL,
    auto_push        BOOLEAN NOT NULL,
    -- The last synced commit, and the newest tip of the branch Ferry has heard of.
    base_commit      TEXT NOT NULL,
    remote_tip       TEXT NOT NULL,
    -- A webhook said tags changed: the next check reads them too.
    read_tags        BOOLEAN NOT NULL,
    -- The path of Ferry's webhook receiver for this connection: random, not a secret.
    hook_id          TEXT NOT NULL UNIQUE,
    -- Bitbucket's uuid of the hook Ferry registered (NULL when it could not register one).
    hook_uuid        TEXT,
    -- The HMAC key of the hook's deliveries, sealed with the keyring.
    hook_secret      BYTEA NOT NULL,
    hook_secret_key_id TEXT NOT NULL,
    -- NULL, 'needs_reauth' or 'failing', with the reason in words.
    problem          TEXT CHECK (problem IN ('needs_reauth', 'failing')),
    problem_reason   TEXT,
    -- When a worker next reads the branch tip (polling, or at once after a webhook), and
    -- which worker holds the connection until when.
    check_due_at_ms  BIGINT NOT NULL,
    lease_owner      TEXT,
    lease_until_ms   BIGINT NOT NULL,
    connected_by     TEXT NOT NULL,
    connected_at_ms  BIGINT NOT NULL,
    synced_at_ms     BIGINT NOT NULL,
    PRIMARY KEY (team_id, api_id),
    FOREIGN KEY (team_id, api_id) REFERENCES apis (team_id, id) ON DELETE CASCADE
);
CREATE INDEX api_connections_due ON api_connections (check_due_at_ms);

-- What each synced file held at the base commit: the definition (collection_id NULL) and
-- one file per linked collection.
CREATE TABLE api_sync_files (
    team_id        TEXT NOT NULL,
    api_id         TEXT NOT NULL,
    path           TEXT NOT NULL,
    collection_id  TEXT,
    content        TEXT NOT NULL,
    PRIMARY KEY (team_id, api_id, path),
    FOREIGN KEY (team_id, api_id) REFERENCES api_connections (team_id, api_id) ON DELETE CASCADE
);

-- Files both sides changed in overlapping ways: neither side is overwritten until a person
-- chooses. `base` is NULL when the file was new on both sides.
CREATE TABLE api_sync_conflicts (
    team_id        TEXT NOT NULL,
    api_id         TEXT NOT NULL,
    path           TEXT NOT NULL,
    collection_id  TEXT,
    base           TEXT,
    ours           TEXT NOT NULL,
    theirs         TEXT NOT NULL,
    commit_hash    TEXT NOT NULL,
    found_at_ms    BIGINT NOT NULL,
    PRIMARY KEY (team_id, api_id, path),
    FOREIGN KEY (team_id, api_id) REFERENCES api_connections (team_id, api_id) ON DELETE CASCADE
);

-- What each sync did: time, direction, commit, files, outcome.
CREATE TABLE api_sync_log (
    team_id      TEXT NOT NULL,
    api_id       TEXT NOT NULL,
    id           TEXT NOT NULL,
    at_ms        BIGINT NOT NULL,
    direction    TEXT NOT NULL,
    commit_hash  TEXT,
    files        TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    detail       TEXT NOT NULL,
    PRIMARY KEY (team_id, api_id, id),
    FOREIGN KEY (team_id, api_id) REFERENCES apis (team_id, id) ON DELETE CASCADE
);
CREATE INDEX api_sync_log_by_time ON api_sync_log (team_id, api_id, at_ms);

-- A version read from a repository tag names the commit it was read at.
ALTER TABLE api_versions ADD COLUMN source_commit TEXT;
