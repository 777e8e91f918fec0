-- The sync engine's durable state: one queued job per integration with work to do, the run
-- log, and what each integration last committed.

-- A job is upserted in the same transaction as the collection change it answers, so no change
-- can be missed. Changes arriving while a job waits coalesce into it (one row per integration);
-- `generation` counts them, so a worker that finishes an older generation leaves the job queued.
CREATE TABLE sync_jobs (
    integration_id      TEXT PRIMARY KEY NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    team_id             TEXT NOT NULL,
    trigger             TEXT NOT NULL CHECK (trigger IN ('change', 'manual', 'initial', 'retry')),
    generation          BIGINT NOT NULL,
    -- The oldest and newest change not yet committed: the debounce waits for a quiet period
    -- after the newest, the maximum wait bounds the time since the oldest.
    first_change_at_ms  BIGINT NOT NULL,
    last_change_at_ms   BIGINT NOT NULL,
    -- Not before this time (retry backoff); a manual run sets it to now and skips the debounce.
    not_before_ms       BIGINT NOT NULL,
    skip_debounce       BIGINT NOT NULL DEFAULT 0,
    attempts            BIGINT NOT NULL DEFAULT 0,
    -- The lease: the worker holding the job and until when; an expired lease is free.
    locked_by           TEXT,
    locked_until_ms     BIGINT
);
CREATE INDEX sync_jobs_due ON sync_jobs (not_before_ms);

CREATE TABLE sync_runs (
    id                 TEXT PRIMARY KEY NOT NULL,
    team_id            TEXT NOT NULL,
    integration_id     TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    trigger            TEXT NOT NULL CHECK (trigger IN ('change', 'manual', 'initial', 'retry')),
    started_at_ms      BIGINT NOT NULL,
    finished_at_ms     BIGINT NOT NULL,
    outcome            TEXT NOT NULL CHECK (outcome IN ('committed', 'no_changes', 'failed')),
    commit_hash        TEXT,
    -- What went wrong, in words (never a secret), and whether it will be retried.
    error              TEXT,
    will_retry         BIGINT NOT NULL DEFAULT 0,
    attempts           BIGINT NOT NULL,
    revision           BIGINT,
    -- From the oldest change this run committed to the commit (change-to-commit latency).
    latency_ms         BIGINT
);
CREATE INDEX sync_runs_by_integration ON sync_runs (team_id, integration_id, started_at_ms);

-- What the integration last committed (the hash of the file's bytes, and the collection
-- revision, from which the next commit message is worked out) and the branch tip it last saw,
-- which is the parent of its next commit.
ALTER TABLE integrations ADD COLUMN committed_sha256 TEXT;
ALTER TABLE integrations ADD COLUMN committed_revision BIGINT;
ALTER TABLE integrations ADD COLUMN branch_tip TEXT;
