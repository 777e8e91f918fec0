-- Collections, their revisions, and the outbox of change events.
-- A collection's id is its Postman id (`info._postman_id`), unique within its team: the id a
-- Postman tool sends and receives is the one in the document, and two teams may hold the same
-- collection. Ids are text; times are Unix milliseconds.

CREATE TABLE collections (
    team_id        TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    name           TEXT NOT NULL,
    -- The number of the current revision (the newest row in collection_revisions).
    revision       INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    updated_by     TEXT NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (team_id, id)
);

CREATE TABLE collection_revisions (
    team_id         TEXT NOT NULL,
    collection_id   TEXT NOT NULL,
    number          INTEGER NOT NULL,
    -- The canonical v2.1 rendering of the collection at this revision.
    canonical_json  TEXT NOT NULL,
    author_user_id  TEXT NOT NULL,
    author_email    TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    summary         TEXT NOT NULL,
    PRIMARY KEY (team_id, collection_id, number),
    FOREIGN KEY (team_id, collection_id) REFERENCES collections (team_id, id) ON DELETE CASCADE
);

-- The outbox: written in the same transaction as the change it records; a consumer sets
-- processed_at_ms once it has acted on the event. Kept after the collection is deleted.
CREATE TABLE collection_events (
    id               TEXT PRIMARY KEY NOT NULL,
    team_id          TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    collection_id    TEXT NOT NULL,
    revision         INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('created', 'updated', 'deleted')),
    author_user_id   TEXT NOT NULL,
    author_email     TEXT NOT NULL,
    summary          TEXT NOT NULL,
    created_at_ms    INTEGER NOT NULL,
    processed_at_ms  INTEGER
);
CREATE INDEX collection_events_unprocessed ON collection_events (processed_at_ms, created_at_ms);
CREATE INDEX collection_events_by_collection ON collection_events (team_id, collection_id, created_at_ms);
