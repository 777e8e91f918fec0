-- APIs (issue 15): an OpenAPI definition, the collections linked to it, its history and its
-- published versions. A definition is stored as the text a person wrote, byte for byte; what
-- Ferry read from it (format, title, version, problem and operation counts) sits beside it so
-- lists never parse a definition. Ids are text; times are Unix milliseconds.

CREATE TABLE apis (
    team_id              TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    id                   TEXT NOT NULL,
    name                 TEXT NOT NULL,
    summary              TEXT NOT NULL,
    -- The newest row in api_revisions, and the newest of them that holds a definition.
    revision             BIGINT NOT NULL,
    definition_revision  BIGINT NOT NULL,
    created_by           TEXT NOT NULL,
    created_at_ms        BIGINT NOT NULL,
    updated_by           TEXT NOT NULL,
    updated_at_ms        BIGINT NOT NULL,
    PRIMARY KEY (team_id, id)
);
CREATE INDEX apis_by_name ON apis (team_id, name);

-- Every change of an API, written in the same transaction as the change. A revision that
-- changed the definition holds its text (and what was read from it); one that only renamed
-- the API or linked a collection holds none.
CREATE TABLE api_revisions (
    team_id          TEXT NOT NULL,
    api_id           TEXT NOT NULL,
    number           BIGINT NOT NULL,
    definition       TEXT,
    format           TEXT CHECK (format IN ('json', 'yaml')),
    title            TEXT,
    version          TEXT,
    problem_count    BIGINT,
    operation_count  BIGINT,
    author_user_id   TEXT NOT NULL,
    author_email     TEXT NOT NULL,
    created_at_ms    BIGINT NOT NULL,
    summary          TEXT NOT NULL,
    size_bytes       BIGINT NOT NULL,
    PRIMARY KEY (team_id, api_id, number),
    FOREIGN KEY (team_id, api_id) REFERENCES apis (team_id, id) ON DELETE CASCADE
);

-- The collections linked to an API. Unlinking deletes the link, never the collection; deleting
-- the collection deletes the link.
CREATE TABLE api_collections (
    team_id        TEXT NOT NULL,
    api_id         TEXT NOT NULL,
    collection_id  TEXT NOT NULL,
    -- True when Ferry generated the collection from the definition (it regenerates it).
    generated      BOOLEAN NOT NULL,
    linked_by      TEXT NOT NULL,
    linked_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (team_id, api_id, collection_id),
    FOREIGN KEY (team_id, api_id) REFERENCES apis (team_id, id) ON DELETE CASCADE,
    FOREIGN KEY (team_id, collection_id) REFERENCES collections (team_id, id) ON DELETE CASCADE
);
CREATE INDEX api_collections_by_collection ON api_collections (team_id, collection_id);

-- Published versions: snapshots nothing updates. A version keeps copies of the definition and
-- of every linked collection as they were, so later edits and deletions never reach it.
CREATE TABLE api_versions (
    team_id         TEXT NOT NULL,
    api_id          TEXT NOT NULL,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    release_notes   TEXT NOT NULL,
    definition      TEXT NOT NULL,
    format          TEXT NOT NULL CHECK (format IN ('json', 'yaml')),
    created_by      TEXT NOT NULL,
    created_email   TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    size_bytes      BIGINT NOT NULL,
    PRIMARY KEY (team_id, api_id, id),
    UNIQUE (team_id, api_id, name),
    FOREIGN KEY (team_id, api_id) REFERENCES apis (team_id, id) ON DELETE CASCADE
);
CREATE INDEX api_versions_by_time ON api_versions (team_id, api_id, created_at_ms);

CREATE TABLE api_version_collections (
    team_id         TEXT NOT NULL,
    api_id          TEXT NOT NULL,
    version_id      TEXT NOT NULL,
    collection_id   TEXT NOT NULL,
    name            TEXT NOT NULL,
    canonical_json  TEXT NOT NULL,
    PRIMARY KEY (team_id, api_id, version_id, collection_id),
    FOREIGN KEY (team_id, api_id, version_id) REFERENCES api_versions (team_id, api_id, id) ON DELETE CASCADE
);
