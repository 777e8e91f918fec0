-- Team activity (issue 17): what happened in a team, written in the same transaction as the
-- change itself (a collection saved, a member removed, an integration failing). The hooks
-- worker fans each event out into one delivery per subscribed integration — rendered then,
-- for that integration's kind — and marks it fanned out in the same transaction, so an event
-- is neither lost nor delivered twice by a crash in between.
CREATE TABLE activity_events (
    id                TEXT PRIMARY KEY NOT NULL,
    team_id           TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    -- `collection.changed`, `member.joined`, … (ferry_webhooks' EventType names).
    event_type        TEXT NOT NULL,
    at_ms             BIGINT NOT NULL,
    actor_id          TEXT,
    actor_name        TEXT,
    summary           TEXT NOT NULL,
    -- The page in Ferry, from the site's root (`/collections/…`); made absolute when sent.
    path              TEXT,
    -- The event's own ids and names, a JSON object.
    details           TEXT NOT NULL,
    fanned_out_at_ms  BIGINT
);
CREATE INDEX activity_events_to_fan_out ON activity_events (at_ms) WHERE fanned_out_at_ms IS NULL;
CREATE INDEX activity_events_by_team ON activity_events (team_id, at_ms);
