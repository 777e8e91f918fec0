-- Custom webhooks and Slack (issue 17): integrations that deliver a team's activity (or a
-- collection's backup) to a URL, and their deliveries, written durably before they are sent
-- and kept with every attempt.

-- The URL is sealed like a password (a Slack incoming webhook's URL is its own credential);
-- pages show `url_display`. The signing secret is sealed too; during a rotation the previous
-- one still signs until `previous_secret_until_ms`.
CREATE TABLE hook_integrations (
    id                        TEXT PRIMARY KEY NOT NULL,
    team_id                   TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    kind                      TEXT NOT NULL CHECK (kind IN ('webhook_activity', 'slack_activity', 'webhook_backup')),
    nickname                  TEXT NOT NULL,
    url                       BYTEA NOT NULL,
    url_display               TEXT NOT NULL,
    -- The collection a backup webhook sends (NULL for activity).
    collection_id             TEXT,
    -- The event types sent, space-separated (`collection.changed member.joined`).
    events                    TEXT NOT NULL,
    secret                    BYTEA NOT NULL,
    previous_secret           BYTEA,
    previous_secret_until_ms  BIGINT,
    -- The id of the key that sealed url and secrets (re-encryption finds rows by it).
    key_id                    TEXT NOT NULL,
    status                    TEXT NOT NULL CHECK (status IN ('active', 'paused', 'failing', 'disabled')),
    status_reason             TEXT,
    created_by                TEXT NOT NULL,
    created_at_ms             BIGINT NOT NULL,
    updated_at_ms             BIGINT NOT NULL,
    UNIQUE (team_id, nickname)
);
CREATE INDEX hook_integrations_by_key ON hook_integrations (key_id);

-- One delivery per event and integration; `id` is the `webhook-id` every attempt carries, so
-- receivers can drop duplicates. `body` is exactly what is signed and sent.
CREATE TABLE hook_deliveries (
    id               TEXT PRIMARY KEY NOT NULL,
    team_id          TEXT NOT NULL,
    integration_id   TEXT NOT NULL REFERENCES hook_integrations(id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    body             TEXT NOT NULL,
    created_at_ms    BIGINT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         BIGINT NOT NULL,
    -- Not before this time (retries back off); the worker holding it and until when.
    due_at_ms        BIGINT NOT NULL,
    lease_owner      TEXT,
    lease_until_ms   BIGINT NOT NULL,
    last_status      BIGINT,
    last_error       TEXT,
    finished_at_ms   BIGINT
);
CREATE INDEX hook_deliveries_due ON hook_deliveries (state, due_at_ms);
CREATE INDEX hook_deliveries_by_integration ON hook_deliveries (team_id, integration_id, created_at_ms);

-- Every attempt: when, the answer's status and start, how long it took, and what it meant.
CREATE TABLE hook_attempts (
    delivery_id   TEXT NOT NULL REFERENCES hook_deliveries(id) ON DELETE CASCADE,
    attempt       BIGINT NOT NULL,
    team_id       TEXT NOT NULL,
    at_ms         BIGINT NOT NULL,
    status        BIGINT,
    latency_ms    BIGINT NOT NULL,
    -- `delivered`, `retry`, `gone`, `failing`.
    outcome       TEXT NOT NULL,
    reason        TEXT,
    excerpt       TEXT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
