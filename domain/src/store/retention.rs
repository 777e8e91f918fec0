//! SQL of pruning: old revisions thinned to one a day, old sign-in attempts and old sync runs
//! deleted. Each call handles one bounded page, so no statement holds a lock for long, and
//! every delete is idempotent: several processes may prune the same database at once.

use super::{Store, StoreError};

/// A UTC day in milliseconds: revisions are thinned to the newest of each.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Where a walk over old revisions has got to: the last revision it looked at, in the order
/// of the time index.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RevisionCursor {
    pub created_at_ms: i64,
    pub team_id: String,
    pub collection_id: String,
    pub number: i64,
}

impl RevisionCursor {
    /// Before every revision saved at or after `at_ms`.
    pub fn at(at_ms: i64) -> Self {
        RevisionCursor {
            created_at_ms: at_ms,
            team_id: String::new(),
            collection_id: String::new(),
            number: i64::MIN,
        }
    }
}

/// What one page of the revision walk did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionPage {
    pub deleted: u64,
    pub freed_bytes: i64,
    /// Where the next page starts; `None` when the walk reached `older_than_ms`.
    pub next: Option<RevisionCursor>,
}

/// An old revision, and whether it is to be deleted.
#[derive(sqlx::FromRow)]
struct Candidate {
    #[sqlx(flatten)]
    revision: RevisionCursor,
    doomed: bool,
}

impl Store {
    /// Looks at up to `limit` revisions saved before `older_than_ms`, from `after` on, and
    /// deletes those that are not the newest of their collection's UTC day. A collection's
    /// newest revision is never deleted (nothing newer exists), nor is a revision an
    /// integration last committed (the next commit message is worked out from it); numbers
    /// are not changed, so History keeps showing the same ones. Each team's deletions give
    /// its storage back in one transaction that takes the team's usage row first, the order
    /// every collection write takes its locks in.
    ///
    /// A revision's "day successor" is the next revision that still exists: revisions are
    /// numbered in the order they were saved, so it is the newest of the day exactly when its
    /// successor falls on a later day.
    pub async fn thin_revisions(
        &self,
        older_than_ms: i64,
        after: &RevisionCursor,
        limit: i64,
    ) -> Result<RevisionPage, StoreError> {
        let select = "SELECT r.team_id, r.collection_id, r.number, r.created_at_ms, \
             (EXISTS (SELECT 1 FROM collection_revisions n WHERE n.team_id = r.team_id \
               AND n.collection_id = r.collection_id AND n.number = (SELECT MIN(m.number) FROM collection_revisions m \
                 WHERE m.team_id = r.team_id AND m.collection_id = r.collection_id AND m.number > r.number) \
               AND n.created_at_ms / $7 = r.created_at_ms / $7) \
             AND NOT EXISTS (SELECT 1 FROM integrations i WHERE i.team_id = r.team_id \
               AND i.collection_id = r.collection_id AND i.committed_revision = r.number)) AS doomed \
             FROM collection_revisions r \
             WHERE r.created_at_ms < $1 AND (r.created_at_ms, r.team_id, r.collection_id, r.number) > ($2, $3, $4, $5) \
             ORDER BY r.created_at_ms, r.team_id, r.collection_id, r.number LIMIT $6";
        let rows: Vec<Candidate> = on_pool!(self, pool => {
            sqlx::query_as(select)
                .bind(older_than_ms).bind(after.created_at_ms).bind(&after.team_id).bind(&after.collection_id)
                .bind(after.number).bind(limit).bind(DAY_MS)
                .fetch_all(pool).await?
        });
        let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= limit;
        let next = if full {
            rows.last().map(|candidate| candidate.revision.clone())
        } else {
            None
        };
        let mut by_team: Vec<(&str, Vec<&RevisionCursor>)> = Vec::new();
        for Candidate { revision, .. } in rows.iter().filter(|candidate| candidate.doomed) {
            match by_team
                .iter_mut()
                .find(|(team, _)| *team == revision.team_id)
            {
                Some((_, revisions)) => revisions.push(revision),
                None => by_team.push((&revision.team_id, vec![revision])),
            }
        }
        let (mut deleted, mut freed_bytes) = (0, 0);
        for (team_id, revisions) in by_team {
            let (count, bytes) = self.delete_revisions(team_id, &revisions).await?;
            deleted += count;
            freed_bytes += bytes;
        }
        Ok(RevisionPage {
            deleted,
            freed_bytes,
            next,
        })
    }

    /// Deletes these revisions of one team and gives their bytes back to its usage, in one
    /// transaction; a revision already gone (another process pruned it) frees nothing.
    async fn delete_revisions(
        &self,
        team_id: &str,
        revisions: &[&RevisionCursor],
    ) -> Result<(u64, i64), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE team_usage SET stored_bytes = stored_bytes WHERE team_id = $1")
                .bind(team_id).execute(&mut *tx).await?;
            let (mut deleted, mut freed) = (0, 0);
            for revision in revisions {
                let size: Option<i64> = sqlx::query_scalar(
                    "DELETE FROM collection_revisions WHERE team_id = $1 AND collection_id = $2 AND number = $3 \
                     RETURNING size_bytes")
                    .bind(team_id).bind(&revision.collection_id).bind(revision.number)
                    .fetch_optional(&mut *tx).await?;
                if let Some(size) = size {
                    deleted += 1;
                    freed += size;
                }
            }
            sqlx::query("UPDATE team_usage SET stored_bytes = stored_bytes - $2 WHERE team_id = $1")
                .bind(team_id).bind(freed).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok((deleted, freed))
        })
    }

    /// Deletes up to `limit` sign-in attempts made before `older_than_ms`; how many went.
    pub async fn delete_login_attempts(
        &self,
        older_than_ms: i64,
        limit: i64,
    ) -> Result<u64, StoreError> {
        // The table has no key: each dialect names its rows by its own row address.
        let done = match self {
            Store::Sqlite(pool) => sqlx::query(
                "DELETE FROM login_attempts WHERE rowid IN \
                 (SELECT rowid FROM login_attempts WHERE at_ms < $1 ORDER BY at_ms LIMIT $2)",
            )
            .bind(older_than_ms)
            .bind(limit)
            .execute(pool)
            .await?
            .rows_affected(),
            Store::Postgres(pool) => sqlx::query(
                "DELETE FROM login_attempts WHERE ctid IN \
                 (SELECT ctid FROM login_attempts WHERE at_ms < $1 ORDER BY at_ms LIMIT $2)",
            )
            .bind(older_than_ms)
            .bind(limit)
            .execute(pool)
            .await?
            .rows_affected(),
        };
        Ok(done)
    }

    /// Up to `limit` integrations after `after` (by id), with their teams: the runs are pruned
    /// one integration at a time, along the index of its log.
    pub async fn integrations_page(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        on_pool!(self, pool => {
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT team_id, id FROM integrations WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after).bind(limit).fetch_all(pool).await?;
            Ok(rows)
        })
    }

    /// Deletes up to `limit` of the integration's runs started before `older_than_ms` that are
    /// not among its newest `keep` (the ones the Run log page and API show); how many went.
    pub async fn delete_old_runs(
        &self,
        team_id: &str,
        integration_id: &str,
        older_than_ms: i64,
        keep: i64,
        limit: i64,
    ) -> Result<u64, StoreError> {
        on_pool!(self, pool => {
            let done = sqlx::query(
                "DELETE FROM sync_runs WHERE id IN (SELECT r.id FROM sync_runs r \
                 WHERE r.team_id = $1 AND r.integration_id = $2 AND r.started_at_ms < $3 \
                 AND (r.started_at_ms, r.id) < (SELECT k.started_at_ms, k.id FROM sync_runs k \
                   WHERE k.team_id = $1 AND k.integration_id = $2 ORDER BY k.started_at_ms DESC, k.id DESC \
                   LIMIT 1 OFFSET $4) \
                 ORDER BY r.started_at_ms LIMIT $5)")
                .bind(team_id).bind(integration_id).bind(older_than_ms).bind(keep - 1).bind(limit)
                .execute(pool).await?;
            Ok(done.rows_affected())
        })
    }
}
