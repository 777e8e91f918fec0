//! API sync's tables: each connected API's repository and base, the files as they were at the
//! base, unresolved conflicts, and the sync log. Every step of a sync (a pull, a push, a
//! resolution) is one transaction that moves the base only if it is still the one the step
//! started from, so two processes syncing one API at once cannot both apply a change.

use super::{connected_accounts::SealedSecretRow, now_ms, Store, StoreError};

const CONNECTION_COLUMNS: &str = "team_id, api_id, account_id, workspace, repository, branch, \
     definition_path, collections_dir, tag_pattern, auto_push, base_commit, remote_tip, read_tags, hook_id, \
     hook_uuid, hook_secret, problem, problem_reason, check_due_at_ms, connected_by, \
     connected_at_ms, synced_at_ms";

/// A connected API.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConnectionRow {
    pub team_id: String,
    pub api_id: String,
    pub account_id: String,
    pub workspace: String,
    pub repository: String,
    pub branch: String,
    pub definition_path: String,
    pub collections_dir: String,
    pub tag_pattern: String,
    pub auto_push: bool,
    pub base_commit: String,
    pub remote_tip: String,
    pub read_tags: bool,
    pub hook_id: String,
    pub hook_uuid: Option<String>,
    /// Sealed; opened only to check a delivery's signature.
    pub hook_secret: Vec<u8>,
    pub problem: Option<String>,
    pub problem_reason: Option<String>,
    pub check_due_at_ms: i64,
    pub connected_by: String,
    pub connected_at_ms: i64,
    pub synced_at_ms: i64,
}

/// A connection that stopped, as the alerts banner names it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoppedConnectionRow {
    pub api_id: String,
    pub api_name: String,
    pub workspace: String,
    pub repository: String,
    /// `needs_reauth` or `failing`.
    pub problem: String,
    pub problem_reason: Option<String>,
    pub connected_by: String,
}

/// What a synced file held at the base commit.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SyncFileRow {
    pub path: String,
    /// `None` for the definition.
    pub collection_id: Option<String>,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConflictRow {
    pub path: String,
    pub collection_id: Option<String>,
    pub base: Option<String>,
    pub ours: String,
    pub theirs: String,
    pub commit_hash: String,
    pub found_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SyncLogRow {
    pub id: String,
    pub at_ms: i64,
    /// `connect`, `push`, `pull`, `resolve`, `branch`, `tag`, `disconnect`.
    pub direction: String,
    pub commit_hash: Option<String>,
    /// The paths, one per line.
    pub files: String,
    /// `synced`, `nothing`, `merged`, `conflict`, `refused`, `failed`.
    pub outcome: String,
    pub detail: String,
}

/// A log entry to write.
#[derive(Debug, Clone)]
pub struct NewLog<'a> {
    pub direction: &'a str,
    pub commit_hash: Option<&'a str>,
    pub files: Vec<String>,
    pub outcome: &'a str,
    pub detail: String,
}

/// One step of a sync: where the base moves, the files it now holds, new conflicts.
#[derive(Debug, Clone, Default)]
pub struct SyncStep {
    pub base_commit: String,
    pub remote_tip: String,
    /// A switched branch.
    pub branch: Option<String>,
    pub files: Vec<SyncFileRow>,
    /// Paths no longer synced (a collection renamed or unlinked).
    pub forget: Vec<String>,
    pub conflicts: Vec<ConflictRow>,
}

macro_rules! insert_log {
    ($tx:expr, $team:expr, $api:expr, $log:expr) => {{
        let log: &NewLog<'_> = $log;
        sqlx::query(
            "INSERT INTO api_sync_log (team_id, api_id, id, at_ms, direction, commit_hash, files, outcome, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind($team)
        .bind($api)
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(now_ms())
        .bind(log.direction)
        .bind(log.commit_hash)
        .bind(log.files.join("\n"))
        .bind(log.outcome)
        .bind(&log.detail)
        .execute(&mut *$tx)
        .await?
    }};
}

macro_rules! upsert_file {
    ($tx:expr, $team:expr, $api:expr, $file:expr) => {{
        let file: &SyncFileRow = $file;
        sqlx::query(
            "INSERT INTO api_sync_files (team_id, api_id, path, collection_id, content) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (team_id, api_id, path) DO UPDATE SET collection_id = excluded.collection_id, content = excluded.content",
        )
        .bind($team)
        .bind($api)
        .bind(&file.path)
        .bind(&file.collection_id)
        .bind(&file.content)
        .execute(&mut *$tx)
        .await?
    }};
}

impl Store {
    /// Connects an API: its row, the files at the base and the first log entry, in one
    /// transaction. False when the API is already connected (or gone).
    pub async fn insert_api_connection(
        &self,
        row: &ConnectionRow,
        files: &[SyncFileRow],
        log: &NewLog<'_>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(&format!(
                "INSERT INTO api_connections ({CONNECTION_COLUMNS}, hook_secret_key_id, lease_until_ms) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, 0 \
                 WHERE EXISTS (SELECT 1 FROM apis WHERE team_id = $1 AND id = $2) \
                 ON CONFLICT (team_id, api_id) DO NOTHING"))
                .bind(&row.team_id).bind(&row.api_id).bind(&row.account_id).bind(&row.workspace)
                .bind(&row.repository).bind(&row.branch).bind(&row.definition_path)
                .bind(&row.collections_dir).bind(&row.tag_pattern).bind(row.auto_push)
                .bind(&row.base_commit).bind(&row.remote_tip).bind(row.read_tags).bind(&row.hook_id).bind(&row.hook_uuid)
                .bind(&row.hook_secret).bind(&row.problem).bind(&row.problem_reason)
                .bind(row.check_due_at_ms).bind(&row.connected_by).bind(row.connected_at_ms)
                .bind(row.synced_at_ms)
                .bind(crate::crypto::sealed_key_id(&row.hook_secret).map(|id| id.to_string()).unwrap_or_default())
                .execute(&mut *tx).await?;
            if inserted.rows_affected() == 0 {
                return Ok(false);
            }
            for file in files {
                upsert_file!(tx, &row.team_id, &row.api_id, file);
            }
            insert_log!(tx, &row.team_id, &row.api_id, log);
            tx.commit().await?;
            Ok(true)
        })
    }

    pub async fn api_connection(
        &self,
        team_id: &str,
        api_id: &str,
    ) -> Result<Option<ConnectionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {CONNECTION_COLUMNS} FROM api_connections WHERE team_id = $1 AND api_id = $2"))
                .bind(team_id).bind(api_id).fetch_optional(pool).await?)
        })
    }

    /// The connection whose webhook receiver path is `hook_id` (deliveries name no team).
    pub async fn api_connection_by_hook(
        &self,
        hook_id: &str,
    ) -> Result<Option<ConnectionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {CONNECTION_COLUMNS} FROM api_connections WHERE hook_id = $1"))
                .bind(hook_id).fetch_optional(pool).await?)
        })
    }

    /// The team's connected APIs (the APIs list shows their status).
    pub async fn api_connections(&self, team_id: &str) -> Result<Vec<ConnectionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {CONNECTION_COLUMNS} FROM api_connections WHERE team_id = $1 ORDER BY api_id"))
                .bind(team_id).fetch_all(pool).await?)
        })
    }

    /// The team's connections that need a person (failing, needs re-authentication), with
    /// their API's name: one query, for the alerts banner.
    pub async fn stopped_api_connections(
        &self,
        team_id: &str,
    ) -> Result<Vec<StoppedConnectionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT c.api_id, a.name AS api_name, c.workspace, c.repository, c.problem, \
                 c.problem_reason, c.connected_by FROM api_connections c \
                 JOIN apis a ON a.team_id = c.team_id AND a.id = c.api_id \
                 WHERE c.team_id = $1 AND c.problem IS NOT NULL ORDER BY a.name, c.api_id")
                .bind(team_id).fetch_all(pool).await?)
        })
    }

    /// How many unresolved conflicts each connected API of the team has.
    pub async fn api_conflict_counts(
        &self,
        team_id: &str,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT api_id, COUNT(*) FROM api_sync_conflicts WHERE team_id = $1 GROUP BY api_id")
                .bind(team_id).fetch_all(pool).await?)
        })
    }

    /// Disconnects (the log stays with the API); false when it was not connected.
    pub async fn delete_api_connection(
        &self,
        team_id: &str,
        api_id: &str,
        log: &NewLog<'_>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let deleted = sqlx::query("DELETE FROM api_connections WHERE team_id = $1 AND api_id = $2")
                .bind(team_id).bind(api_id).execute(&mut *tx).await?;
            if deleted.rows_affected() == 0 {
                return Ok(false);
            }
            insert_log!(tx, team_id, api_id, log);
            tx.commit().await?;
            Ok(true)
        })
    }

    pub async fn api_sync_files(
        &self,
        team_id: &str,
        api_id: &str,
    ) -> Result<Vec<SyncFileRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT path, collection_id, content FROM api_sync_files WHERE team_id = $1 AND api_id = $2 ORDER BY path")
                .bind(team_id).bind(api_id).fetch_all(pool).await?)
        })
    }

    pub async fn api_sync_conflicts(
        &self,
        team_id: &str,
        api_id: &str,
    ) -> Result<Vec<ConflictRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT path, collection_id, base, ours, theirs, commit_hash, found_at_ms FROM api_sync_conflicts \
                 WHERE team_id = $1 AND api_id = $2 ORDER BY path")
                .bind(team_id).bind(api_id).fetch_all(pool).await?)
        })
    }

    /// Records one sync step if the base is still `expected_base`: the new base and tip, the
    /// files at the base, new conflicts, the log entry; clears any problem. False (nothing
    /// written) when another step moved the base first.
    pub async fn record_api_sync(
        &self,
        team_id: &str,
        api_id: &str,
        expected_base: &str,
        step: &SyncStep,
        log: &NewLog<'_>,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE api_connections SET base_commit = $1, remote_tip = $2, branch = COALESCE($3, branch), \
                 problem = NULL, problem_reason = NULL, synced_at_ms = $4 \
                 WHERE team_id = $5 AND api_id = $6 AND base_commit = $7")
                .bind(&step.base_commit).bind(&step.remote_tip).bind(&step.branch).bind(now)
                .bind(team_id).bind(api_id).bind(expected_base)
                .execute(&mut *tx).await?;
            if moved.rows_affected() == 0 {
                return Ok(false);
            }
            for path in &step.forget {
                sqlx::query("DELETE FROM api_sync_files WHERE team_id = $1 AND api_id = $2 AND path = $3")
                    .bind(team_id).bind(api_id).bind(path).execute(&mut *tx).await?;
            }
            for file in &step.files {
                upsert_file!(tx, team_id, api_id, file);
            }
            for conflict in &step.conflicts {
                sqlx::query(
                    "INSERT INTO api_sync_conflicts (team_id, api_id, path, collection_id, base, ours, theirs, commit_hash, found_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (team_id, api_id, path) DO UPDATE SET \
                     collection_id = excluded.collection_id, base = excluded.base, ours = excluded.ours, \
                     theirs = excluded.theirs, commit_hash = excluded.commit_hash, found_at_ms = excluded.found_at_ms")
                    .bind(team_id).bind(api_id).bind(&conflict.path).bind(&conflict.collection_id)
                    .bind(&conflict.base).bind(&conflict.ours).bind(&conflict.theirs)
                    .bind(&conflict.commit_hash).bind(conflict.found_at_ms)
                    .execute(&mut *tx).await?;
            }
            insert_log!(tx, team_id, api_id, log);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Points the connection at another branch if the base is still `expected_base`.
    pub async fn set_api_branch(
        &self,
        team_id: &str,
        api_id: &str,
        expected_base: &str,
        branch: &str,
        log: &NewLog<'_>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE api_connections SET branch = $1 WHERE team_id = $2 AND api_id = $3 AND base_commit = $4")
                .bind(branch).bind(team_id).bind(api_id).bind(expected_base).execute(&mut *tx).await?;
            if moved.rows_affected() == 0 {
                return Ok(false);
            }
            insert_log!(tx, team_id, api_id, log);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Removes a resolved conflict with its log entry; false when it was already resolved.
    pub async fn resolve_api_conflict(
        &self,
        team_id: &str,
        api_id: &str,
        path: &str,
        log: &NewLog<'_>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let deleted = sqlx::query(
                "DELETE FROM api_sync_conflicts WHERE team_id = $1 AND api_id = $2 AND path = $3")
                .bind(team_id).bind(api_id).bind(path).execute(&mut *tx).await?;
            if deleted.rows_affected() == 0 {
                return Ok(false);
            }
            insert_log!(tx, team_id, api_id, log);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Marks the connection as needing a person (`needs_reauth` or `failing`, with the reason),
    /// or clears the mark; a newly set mark is logged.
    pub async fn set_api_sync_problem(
        &self,
        team_id: &str,
        api_id: &str,
        problem: Option<(&str, &str)>,
        log: Option<&NewLog<'_>>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE api_connections SET problem = $1, problem_reason = $2 WHERE team_id = $3 AND api_id = $4")
                .bind(problem.map(|p| p.0)).bind(problem.map(|p| p.1))
                .bind(team_id).bind(api_id).execute(&mut *tx).await?;
            if let Some(log) = log {
                insert_log!(tx, team_id, api_id, log);
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Notes a newer tip of the branch (a push Ferry heard of, or found when it pushed).
    pub async fn note_api_remote_tip(
        &self,
        team_id: &str,
        api_id: &str,
        tip: Option<&str>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE api_connections SET remote_tip = COALESCE($1, remote_tip) WHERE team_id = $2 AND api_id = $3")
                .bind(tip).bind(team_id).bind(api_id).execute(pool).await?;
            Ok(())
        })
    }

    /// Asks for a check of the connection at `due_at_ms` (now, for a webhook delivery; after
    /// the debounce, for a change made in Ferry), unless one is due sooner; `tags` asks it to
    /// read the repository's tags too.
    pub async fn request_api_check(
        &self,
        team_id: &str,
        api_id: &str,
        due_at_ms: i64,
        tags: bool,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE api_connections SET check_due_at_ms = CASE WHEN check_due_at_ms < $1 THEN check_due_at_ms ELSE $1 END, \
                 read_tags = (read_tags OR $2) WHERE team_id = $3 AND api_id = $4")
                .bind(due_at_ms).bind(tags).bind(team_id).bind(api_id).execute(pool).await?;
            Ok(())
        })
    }

    /// Asks for an automatic push of the API, if it pushes automatically, at `due_at_ms`.
    pub async fn request_api_push(
        &self,
        team_id: &str,
        api_id: &str,
        due_at_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE api_connections SET check_due_at_ms = CASE WHEN check_due_at_ms < $1 THEN check_due_at_ms ELSE $1 END \
                 WHERE team_id = $2 AND api_id = $3 AND auto_push")
                .bind(due_at_ms).bind(team_id).bind(api_id).execute(pool).await?;
            Ok(())
        })
    }

    /// Asks for an automatic push of every auto-pushing API the collection is linked to, at
    /// `due_at_ms` (a change made in Ferry, after the debounce).
    pub async fn request_api_checks_for_collection(
        &self,
        team_id: &str,
        collection_id: &str,
        due_at_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE api_connections SET check_due_at_ms = CASE WHEN check_due_at_ms < $1 THEN check_due_at_ms ELSE $1 END \
                 WHERE team_id = $2 AND auto_push AND api_id IN \
                 (SELECT api_id FROM api_collections WHERE team_id = $2 AND collection_id = $3)")
                .bind(due_at_ms).bind(team_id).bind(collection_id).execute(pool).await?;
            Ok(())
        })
    }

    pub async fn set_api_sync_settings(
        &self,
        team_id: &str,
        api_id: &str,
        auto_push: bool,
        tag_pattern: &str,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let updated = sqlx::query(
                "UPDATE api_connections SET auto_push = $1, tag_pattern = $2 WHERE team_id = $3 AND api_id = $4")
                .bind(auto_push).bind(tag_pattern).bind(team_id).bind(api_id).execute(pool).await?;
            Ok(updated.rows_affected() == 1)
        })
    }

    /// Claims up to `limit` connections whose check is due and that no live worker holds,
    /// for `lease_ms`.
    pub async fn claim_api_checks(
        &self,
        worker: &str,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ConnectionRow>, StoreError> {
        let now = now_ms();
        on_pool!(self, pool => {
            let due: Vec<(String, String)> = sqlx::query_as(
                "SELECT team_id, api_id FROM api_connections WHERE check_due_at_ms <= $1 AND lease_until_ms < $1 \
                 ORDER BY check_due_at_ms LIMIT $2")
                .bind(now).bind(limit).fetch_all(pool).await?;
            let mut claimed = Vec::new();
            for (team_id, api_id) in due {
                let row: Option<ConnectionRow> = sqlx::query_as(&format!(
                    "UPDATE api_connections SET lease_owner = $1, lease_until_ms = $2 \
                     WHERE team_id = $3 AND api_id = $4 AND lease_until_ms < $5 RETURNING {CONNECTION_COLUMNS}"))
                    .bind(worker).bind(now + lease_ms).bind(&team_id).bind(&api_id).bind(now)
                    .fetch_optional(pool).await?;
                claimed.extend(row);
            }
            Ok(claimed)
        })
    }

    /// Releases a claimed connection (claimed when its check was due at `claimed_due_at_ms`)
    /// and sets its next check.
    pub async fn finish_api_check(
        &self,
        team_id: &str,
        api_id: &str,
        worker: &str,
        claimed_due_at_ms: i64,
        next_due_at_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            // A webhook that asked for a check while this one ran keeps its due time.
            sqlx::query(
                "UPDATE api_connections SET lease_owner = NULL, lease_until_ms = 0, read_tags = FALSE, \
                 check_due_at_ms = CASE WHEN check_due_at_ms = $1 THEN $2 ELSE check_due_at_ms END \
                 WHERE team_id = $3 AND api_id = $4 AND lease_owner = $5")
                .bind(claimed_due_at_ms).bind(next_due_at_ms).bind(team_id).bind(api_id).bind(worker)
                .execute(pool).await?;
            Ok(())
        })
    }

    /// The connection's log, newest first.
    pub async fn api_sync_log(
        &self,
        team_id: &str,
        api_id: &str,
        limit: i64,
    ) -> Result<Vec<SyncLogRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT id, at_ms, direction, commit_hash, files, outcome, detail FROM api_sync_log \
                 WHERE team_id = $1 AND api_id = $2 ORDER BY at_ms DESC, id DESC LIMIT $3")
                .bind(team_id).bind(api_id).bind(limit).fetch_all(pool).await?)
        })
    }

    pub async fn insert_api_sync_log(
        &self,
        team_id: &str,
        api_id: &str,
        log: &NewLog<'_>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            insert_log!(tx, team_id, api_id, log);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Webhook secrets not sealed with `key_id` (operator re-encryption); `id` is the API's.
    pub async fn api_hook_secrets_not_under(
        &self,
        key_id: &str,
    ) -> Result<Vec<SealedSecretRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT api_id AS id, team_id, hook_secret AS secret FROM api_connections \
                 WHERE hook_secret_key_id <> $1 ORDER BY team_id, api_id")
                .bind(key_id).fetch_all(pool).await?)
        })
    }

    /// Swaps each webhook secret for its re-sealed form in one transaction, where it is still
    /// the one read. Returns how many changed.
    pub async fn reseal_api_hook_secrets(
        &self,
        resealed: &[(SealedSecretRow, Vec<u8>)],
        key_id: &str,
    ) -> Result<u64, StoreError> {
        self.reseal(
            "UPDATE api_connections SET hook_secret = $1, hook_secret_key_id = $2 \
             WHERE team_id = $3 AND api_id = $4 AND hook_secret = $5",
            resealed,
            key_id,
        )
        .await
    }
}
