-- Per-team quotas and the retention of old rows (issue 13).

-- The bytes of each revision's canonical JSON: a team's storage is the sum over its revisions
-- (the current document is its collection's newest revision, so it counts once), and deleting
-- or pruning a revision knows what it frees without reading the document.
ALTER TABLE collection_revisions ADD COLUMN size_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE collection_revisions SET size_bytes = length(CAST(canonical_json AS BLOB));

-- What each team holds, kept in step in the same transaction as every create, save, delete
-- and prune. The quota check is one conditional update of this row, so concurrent writes of
-- one team queue on it and cannot together pass a limit; a save never sums the revisions.
-- A team gets its row with its first collection write.
CREATE TABLE team_usage (
    team_id       TEXT PRIMARY KEY NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    collections   INTEGER NOT NULL DEFAULT 0,
    stored_bytes  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO team_usage (team_id, collections, stored_bytes)
SELECT t.id,
       (SELECT COUNT(*) FROM collections c WHERE c.team_id = t.id),
       (SELECT COALESCE(SUM(r.size_bytes), 0) FROM collection_revisions r WHERE r.team_id = t.id)
FROM teams t;

-- Pruning walks old rows by time, a bounded page at a time.
CREATE INDEX collection_revisions_by_time ON collection_revisions (created_at_ms, team_id, collection_id, number);
CREATE INDEX login_attempts_by_time ON login_attempts (at_ms);
