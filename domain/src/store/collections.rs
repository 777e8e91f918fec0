//! SQL for collections, their revisions and the outbox of change events.
//! Every query takes the team id; every write records its revision and event, and queues the
//! sync jobs of the collection's integrations, in the same transaction as the change.

use ferry_webhooks::event::Activity;

use super::{activity::record_activity, Store, StoreError};

pub use super::enums::EventKind;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CollectionRow {
    pub id: String,
    pub team_id: String,
    pub name: String,
    pub revision: i64,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_by: String,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RevisionRow {
    pub number: i64,
    pub author_user_id: String,
    pub author_email: String,
    pub created_at_ms: i64,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub collection_id: String,
    pub revision: i64,
    pub kind: EventKind,
    pub author_user_id: String,
    pub author_email: String,
    pub summary: String,
    pub created_at_ms: i64,
    pub processed_at_ms: Option<i64>,
}

/// What one team may hold; `None` is no limit. Storage counts the canonical JSON of every
/// revision the team keeps (a collection's current document is its newest revision).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    pub collections: Option<i64>,
    pub stored_bytes: Option<i64>,
}

impl Quotas {
    pub const UNLIMITED: Quotas = Quotas {
        collections: None,
        stored_bytes: None,
    };
}

/// What a team holds now, as its usage row counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct Usage {
    pub collections: i64,
    pub stored_bytes: i64,
}

/// A write refused by a quota; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverQuota {
    Collections {
        limit: i64,
    },
    Storage {
        limit_bytes: i64,
        used_bytes: i64,
        needed_bytes: i64,
    },
}

/// How a save of a new revision ended when the database had no error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// Stored as this revision.
    Revision(i64),
    /// The collection is gone or another change came first.
    Stale,
    OverQuota(OverQuota),
}

/// One change to record: who made it, when, and what it did.
pub struct Change<'a> {
    pub team_id: &'a str,
    pub collection_id: &'a str,
    pub author_user_id: &'a str,
    pub author_email: &'a str,
    pub summary: &'a str,
    pub at_ms: i64,
}

const COLLECTION_COLUMNS: &str =
    "id, team_id, name, revision, created_by, created_at_ms, updated_by, updated_at_ms";

/// A row with the canonical JSON of its revision alongside.
#[derive(sqlx::FromRow)]
struct WithJson<T> {
    #[sqlx(flatten)]
    row: T,
    canonical_json: String,
}

impl<T> WithJson<T> {
    fn into_pair(self) -> (T, String) {
        (self.row, self.canonical_json)
    }
}

const REVISION_COLUMNS: &str = "number, author_user_id, author_email, created_at_ms, summary";

/// The outbox row of a change; run inside the change's transaction.
macro_rules! insert_event {
    ($tx:expr, $change:expr, $revision:expr, $kind:expr) => {
        sqlx::query(
            "INSERT INTO collection_events (id, team_id, collection_id, revision, kind, author_user_id, \
             author_email, summary, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind($change.team_id)
        .bind($change.collection_id)
        .bind($revision)
        .bind::<$crate::store::collections::EventKind>($kind)
        .bind($change.author_user_id)
        .bind($change.author_email)
        .bind($change.summary)
        .bind($change.at_ms)
        .execute(&mut *$tx)
        .await?
    };
}

macro_rules! insert_revision {
    ($tx:expr, $change:expr, $revision:expr, $json:expr) => {
        sqlx::query(
            "INSERT INTO collection_revisions (team_id, collection_id, number, canonical_json, author_user_id, \
             author_email, created_at_ms, summary, size_bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind($change.team_id)
        .bind($change.collection_id)
        .bind($revision)
        .bind($json)
        .bind($change.author_user_id)
        .bind($change.author_email)
        .bind($change.at_ms)
        .bind($change.summary)
        .bind(size_bytes($json))
        .execute(&mut *$tx)
        .await?
    };
}

/// Gives the team a usage row if it has none yet (teams get theirs with their first write).
macro_rules! ensure_usage_row {
    ($tx:expr, $team_id:expr) => {
        sqlx::query("INSERT INTO team_usage (team_id, collections, stored_bytes) VALUES ($1, 0, 0) ON CONFLICT (team_id) DO NOTHING")
            .bind($team_id)
            .execute(&mut *$tx)
            .await?
    };
}

/// Counts `collections` more collections and `bytes` more storage on the team's usage row if
/// the quotas allow, as the first write of the caller's transaction: the row lock it takes
/// queues the team's other writes until commit, so concurrent writes cannot together pass a
/// limit. A write that adds nothing to a measure is not refused for it (a team above a limit
/// an operator lowered can still save edits, and delete). Evaluates to `Some(OverQuota)` when
/// refused, after which the caller must write nothing.
macro_rules! take_quota {
    ($tx:expr, $team_id:expr, $collections:expr, $bytes:expr, $quotas:expr) => {{
        let (collections, bytes): (i64, i64) = ($collections, $bytes);
        let quotas: Quotas = $quotas;
        ensure_usage_row!($tx, $team_id);
        let taken = sqlx::query(
            "UPDATE team_usage SET collections = collections + $2, stored_bytes = stored_bytes + $3 \
             WHERE team_id = $1 AND ($2 <= 0 OR $4 IS NULL OR collections + $2 <= $4) \
             AND ($3 <= 0 OR $5 IS NULL OR stored_bytes + $3 <= $5)",
        )
        .bind($team_id)
        .bind(collections)
        .bind(bytes)
        .bind(quotas.collections)
        .bind(quotas.stored_bytes)
        .execute(&mut *$tx)
        .await?;
        if taken.rows_affected() == 1 {
            None
        } else {
            let used: Usage = sqlx::query_as("SELECT collections, stored_bytes FROM team_usage WHERE team_id = $1")
                .bind($team_id)
                .fetch_one(&mut *$tx)
                .await?;
            Some(over_quota(used, collections, bytes, quotas))
        }
    }};
}

// APIs count their definitions and versions in the same storage quota.
pub(super) use {ensure_usage_row, take_quota};

/// Which limit refused a write of `collections` collections and `bytes` bytes.
pub(super) fn over_quota(used: Usage, collections: i64, bytes: i64, quotas: Quotas) -> OverQuota {
    match quotas.collections {
        Some(limit) if collections > 0 && used.collections + collections > limit => {
            OverQuota::Collections { limit }
        }
        _ => OverQuota::Storage {
            limit_bytes: quotas.stored_bytes.unwrap_or_default(),
            used_bytes: used.stored_bytes,
            needed_bytes: bytes,
        },
    }
}

/// The bytes a revision's document takes in the storage quota.
pub(super) fn size_bytes(canonical_json: &str) -> i64 {
    i64::try_from(canonical_json.len()).unwrap_or(i64::MAX)
}

impl Store {
    /// The team's collections, by name.
    pub async fn collections(&self, team_id: &str) -> Result<Vec<CollectionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {COLLECTION_COLUMNS} FROM collections WHERE team_id = $1 ORDER BY name, id"))
                .bind(team_id).fetch_all(pool).await?)
        })
    }

    /// A collection with the canonical JSON of its current revision.
    pub async fn collection(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Option<(CollectionRow, String)>, StoreError> {
        on_pool!(self, pool => {
            let row: Option<WithJson<CollectionRow>> = sqlx::query_as(
                "SELECT c.id, c.team_id, c.name, c.revision, c.created_by, c.created_at_ms, c.updated_by, \
                 c.updated_at_ms, r.canonical_json FROM collections c JOIN collection_revisions r \
                 ON r.team_id = c.team_id AND r.collection_id = c.id AND r.number = c.revision \
                 WHERE c.team_id = $1 AND c.id = $2")
                .bind(team_id).bind(id).fetch_optional(pool).await?;
            Ok(row.map(WithJson::into_pair))
        })
    }

    /// Creates the collection with revision 1 and its `created` event, in one transaction,
    /// if the team's quotas allow. Fails with a unique violation when the team already has a
    /// collection with this id.
    pub async fn insert_collection(
        &self,
        change: &Change<'_>,
        name: &str,
        canonical_json: &str,
        quotas: Quotas,
        activity: &Activity,
    ) -> Result<Result<(), OverQuota>, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(over) = take_quota!(tx, change.team_id, 1, size_bytes(canonical_json), quotas) {
                return Ok(Err(over));
            }
            // A failure of any later statement takes the event and the quota back too.
            insert_event!(tx, change, 1_i64, EventKind::Created);
            sqlx::query(
                "INSERT INTO collections (team_id, id, name, revision, created_by, created_at_ms, updated_by, \
                 updated_at_ms) VALUES ($1, $2, $3, 1, $4, $5, $4, $5)")
                .bind(change.team_id).bind(change.collection_id).bind(name)
                .bind(change.author_user_id).bind(change.at_ms)
                .execute(&mut *tx).await?;
            insert_revision!(tx, change, 1_i64, canonical_json);
            record_activity!(tx, change.team_id, activity);
            tx.commit().await?;
            Ok(Ok(()))
        })
    }

    /// Stores a new revision if the current one is still `expected_revision` and the team's
    /// storage quota allows, with its `updated` event, in one transaction. Nothing is written
    /// when the collection is gone, another change came first, or the quota refuses.
    pub async fn update_collection(
        &self,
        change: &Change<'_>,
        expected_revision: i64,
        name: &str,
        canonical_json: &str,
        quotas: Quotas,
        activity: &Activity,
    ) -> Result<Saved, StoreError> {
        let next = expected_revision + 1;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(over) = take_quota!(tx, change.team_id, 0, size_bytes(canonical_json), quotas) {
                return Ok(Saved::OverQuota(over));
            }
            insert_event!(tx, change, next, EventKind::Updated);
            let updated = sqlx::query(
                "UPDATE collections SET name = $1, revision = $2, updated_by = $3, updated_at_ms = $4 \
                 WHERE team_id = $5 AND id = $6 AND revision = $7")
                .bind(name).bind(next).bind(change.author_user_id).bind(change.at_ms)
                .bind(change.team_id).bind(change.collection_id).bind(expected_revision)
                .execute(&mut *tx).await?;
            if updated.rows_affected() == 0 {
                return Ok(Saved::Stale);
            }
            insert_revision!(tx, change, next, canonical_json);
            super::sync::enqueue_change_jobs!(tx, change.team_id, change.collection_id, change.at_ms);
            record_activity!(tx, change.team_id, activity);
            tx.commit().await?;
            Ok(Saved::Revision(next))
        })
    }

    /// Deletes the collection and its revisions, recording a `deleted` event and giving their
    /// storage back to the team, in one transaction. False (and nothing written) when there is
    /// no such collection.
    pub async fn delete_collection(
        &self,
        change: &Change<'_>,
        activity: &Activity,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // The usage row first, as every write of the team's revisions takes it: no save can
            // add a revision between the sum and the delete, and the locks come in one order.
            ensure_usage_row!(tx, change.team_id);
            sqlx::query("UPDATE team_usage SET collections = collections WHERE team_id = $1")
                .bind(change.team_id).execute(&mut *tx).await?;
            let freed: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM collection_revisions WHERE team_id = $1 AND collection_id = $2")
                .bind(change.team_id).bind(change.collection_id).fetch_one(&mut *tx).await?;
            let revision: Option<i64> = sqlx::query_scalar(
                "DELETE FROM collections WHERE team_id = $1 AND id = $2 RETURNING revision")
                .bind(change.team_id).bind(change.collection_id).fetch_optional(&mut *tx).await?;
            let Some(revision) = revision else { return Ok(false) };
            sqlx::query(
                "UPDATE team_usage SET collections = collections - 1, stored_bytes = stored_bytes - $2 WHERE team_id = $1")
                .bind(change.team_id).bind(freed).execute(&mut *tx).await?;
            insert_event!(tx, change, revision, EventKind::Deleted);
            record_activity!(tx, change.team_id, activity);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The collection's revisions, newest first.
    pub async fn collection_revisions(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Vec<RevisionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {REVISION_COLUMNS} FROM collection_revisions \
                 WHERE team_id = $1 AND collection_id = $2 ORDER BY number DESC"))
                .bind(team_id).bind(id).fetch_all(pool).await?)
        })
    }

    /// One revision with its canonical JSON.
    pub async fn collection_revision(
        &self,
        team_id: &str,
        id: &str,
        number: i64,
    ) -> Result<Option<(RevisionRow, String)>, StoreError> {
        on_pool!(self, pool => {
            let row: Option<WithJson<RevisionRow>> = sqlx::query_as(&format!(
                "SELECT {REVISION_COLUMNS}, canonical_json \
                 FROM collection_revisions WHERE team_id = $1 AND collection_id = $2 AND number = $3"))
                .bind(team_id).bind(id).bind(number).fetch_optional(pool).await?;
            Ok(row.map(WithJson::into_pair))
        })
    }

    /// What the team holds now (zero for a team that never wrote a collection).
    pub async fn team_usage(&self, team_id: &str) -> Result<Usage, StoreError> {
        on_pool!(self, pool => {
            let usage: Option<Usage> =
                sqlx::query_as("SELECT collections, stored_bytes FROM team_usage WHERE team_id = $1")
                    .bind(team_id).fetch_optional(pool).await?;
            Ok(usage.unwrap_or_default())
        })
    }

    /// The team's change events, oldest first.
    pub async fn collection_events(&self, team_id: &str) -> Result<Vec<EventRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT id, collection_id, revision, kind, author_user_id, author_email, summary, created_at_ms, \
                 processed_at_ms FROM collection_events WHERE team_id = $1 ORDER BY created_at_ms, id")
                .bind(team_id).fetch_all(pool).await?)
        })
    }
}
