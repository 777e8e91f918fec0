//! Custom webhooks' and Slack's tables: the integrations (URL and secrets sealed), their
//! deliveries — written before anything is sent, claimed by one worker at a time with a lease
//! that expires if the worker dies — and every attempt. Finishing an attempt is one
//! transaction: the attempt's record, the delivery's new state, and the integration's status
//! when the attempt changed it, so a crash between them loses nothing and repeats at most the
//! send (which receivers drop by its stable id).

use super::{now_ms, Store, StoreError};

const INTEGRATION_COLUMNS: &str =
    "id, team_id, kind, nickname, url, url_display, collection_id, events, \
     secret, previous_secret, previous_secret_until_ms, key_id, status, status_reason, created_by, \
     created_at_ms, updated_at_ms";

const DELIVERY_COLUMNS: &str =
    "id, team_id, integration_id, event_type, body, created_at_ms, state, \
     attempts, due_at_ms, last_status, last_error, finished_at_ms";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HookRow {
    pub id: String,
    pub team_id: String,
    /// `webhook_activity`, `slack_activity` or `webhook_backup`.
    pub kind: String,
    pub nickname: String,
    /// Sealed.
    pub url: Vec<u8>,
    pub url_display: String,
    pub collection_id: Option<String>,
    /// Space-separated event type names.
    pub events: String,
    /// Sealed.
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub previous_secret_until_ms: Option<i64>,
    pub key_id: String,
    /// `active`, `paused`, `failing` or `disabled`.
    pub status: String,
    pub status_reason: Option<String>,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub team_id: String,
    pub integration_id: String,
    pub event_type: String,
    pub body: String,
    pub created_at_ms: i64,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub due_at_ms: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub finished_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttemptRow {
    pub delivery_id: String,
    pub attempt: i64,
    pub at_ms: i64,
    pub status: Option<i64>,
    pub latency_ms: i64,
    /// `delivered`, `retry`, `gone`, `failing`.
    pub outcome: String,
    pub reason: Option<String>,
    pub excerpt: String,
}

/// What one attempt did, to record.
#[derive(Debug, Clone)]
pub struct FinishedAttempt {
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub outcome: &'static str,
    pub reason: Option<String>,
    pub excerpt: String,
    /// `pending` (retried at `due_at_ms`), `delivered` or `failed`.
    pub state: &'static str,
    pub due_at_ms: i64,
    /// The integration's new status and reason, when the attempt changes it.
    pub integration_status: Option<(&'static str, Option<String>)>,
}

/// A sealed value to write back after re-encryption.
#[derive(Debug, Clone)]
pub struct ResealedHook {
    pub id: String,
    /// The secret as read: a rotation since then wins over this re-sealing.
    pub read_secret: Vec<u8>,
    pub url: Vec<u8>,
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
}

/// On PostgreSQL, lets the caller's transaction commit without waiting for its WAL to reach
/// the disk. Only for the queue's own bookkeeping (leases, attempts, fan-out): a database
/// crash may forget such a commit, and what it forgets is done again — a delivery sent again
/// under its id, an event fanned out again with its deliveries — never lost, because events
/// themselves are written by their change's durable commit. A commit a second instead of
/// a disk flush each is what lets one database record a thousand attempts a second.
macro_rules! relaxed_commit {
    ($store:expr, $tx:expr) => {
        if $store.backend() == $crate::store::Backend::Postgres {
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *$tx)
                .await?;
        }
    };
}
pub(crate) use relaxed_commit;

impl Store {
    pub async fn insert_hook(&self, row: &HookRow) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(&format!(
                "INSERT INTO hook_integrations ({INTEGRATION_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"))
                .bind(&row.id).bind(&row.team_id).bind(&row.kind).bind(&row.nickname).bind(&row.url)
                .bind(&row.url_display).bind(&row.collection_id).bind(&row.events).bind(&row.secret)
                .bind(&row.previous_secret).bind(row.previous_secret_until_ms).bind(&row.key_id)
                .bind(&row.status).bind(&row.status_reason).bind(&row.created_by)
                .bind(row.created_at_ms).bind(row.updated_at_ms)
                .execute(pool).await?;
            Ok(())
        })
    }

    pub async fn hook(&self, team_id: &str, id: &str) -> Result<Option<HookRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {INTEGRATION_COLUMNS} FROM hook_integrations WHERE team_id = $1 AND id = $2"))
                .bind(team_id).bind(id).fetch_optional(pool).await?)
        })
    }

    pub async fn hooks(&self, team_id: &str) -> Result<Vec<HookRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {INTEGRATION_COLUMNS} FROM hook_integrations WHERE team_id = $1 ORDER BY nickname"))
                .bind(team_id).fetch_all(pool).await?)
        })
    }

    /// The team's integrations that stopped delivering (Failing or Disabled), for the alerts.
    pub async fn hooks_stopped(&self, team_id: &str) -> Result<Vec<HookRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {INTEGRATION_COLUMNS} FROM hook_integrations WHERE team_id = $1 \
                 AND status IN ('failing', 'disabled') ORDER BY nickname"))
                .bind(team_id).fetch_all(pool).await?)
        })
    }

    /// Changes what a person may change; `false` when there is no such integration.
    pub async fn update_hook(&self, row: &HookRow) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let changed = sqlx::query(
                "UPDATE hook_integrations SET nickname = $1, url = $2, url_display = $3, events = $4, status = $5, \
                 status_reason = $6, key_id = $7, updated_at_ms = $8 WHERE team_id = $9 AND id = $10")
                .bind(&row.nickname).bind(&row.url).bind(&row.url_display).bind(&row.events).bind(&row.status)
                .bind(&row.status_reason).bind(&row.key_id).bind(now_ms()).bind(&row.team_id).bind(&row.id)
                .execute(pool).await?.rows_affected();
            Ok(changed == 1)
        })
    }

    /// A new secret; the one it replaces keeps signing until `previous_until_ms`.
    pub async fn rotate_hook_secret(
        &self,
        team_id: &str,
        id: &str,
        secret: &[u8],
        previous: &[u8],
        previous_until_ms: i64,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let changed = sqlx::query(
                "UPDATE hook_integrations SET secret = $1, previous_secret = $2, previous_secret_until_ms = $3, \
                 updated_at_ms = $4 WHERE team_id = $5 AND id = $6")
                .bind(secret).bind(previous).bind(previous_until_ms).bind(now_ms()).bind(team_id).bind(id)
                .execute(pool).await?.rows_affected();
            Ok(changed == 1)
        })
    }

    pub async fn delete_hook(&self, team_id: &str, id: &str) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // Attempts and deliveries go with it (foreign keys cascade on both databases).
            let deleted = sqlx::query("DELETE FROM hook_integrations WHERE team_id = $1 AND id = $2")
                .bind(team_id).bind(id).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok(deleted == 1)
        })
    }

    /// Queues a delivery, due now.
    pub async fn insert_delivery(
        &self,
        team_id: &str,
        integration_id: &str,
        event_type: &str,
        body: &str,
    ) -> Result<DeliveryRow, StoreError> {
        let now = now_ms();
        let id = format!("msg_{}", uuid::Uuid::now_v7().simple());
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "INSERT INTO hook_deliveries (id, team_id, integration_id, event_type, body, created_at_ms, state, \
                 attempts, due_at_ms, lease_until_ms) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $6, 0) \
                 RETURNING {DELIVERY_COLUMNS}"))
                .bind(&id).bind(team_id).bind(integration_id).bind(event_type).bind(body).bind(now)
                .fetch_one(pool).await?)
        })
    }

    /// Sends a delivery again under its own id: due now, its attempts counted on.
    pub async fn redeliver(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Option<DeliveryRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "UPDATE hook_deliveries SET state = 'pending', due_at_ms = $1, finished_at_ms = NULL \
                 WHERE team_id = $2 AND id = $3 RETURNING {DELIVERY_COLUMNS}"))
                .bind(now_ms()).bind(team_id).bind(id).fetch_optional(pool).await?)
        })
    }

    pub async fn delivery(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Option<DeliveryRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM hook_deliveries WHERE team_id = $1 AND id = $2"))
                .bind(team_id).bind(id).fetch_optional(pool).await?)
        })
    }

    /// An integration's deliveries, newest first, at most `limit`.
    pub async fn deliveries(
        &self,
        team_id: &str,
        integration_id: &str,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM hook_deliveries WHERE team_id = $1 AND integration_id = $2 \
                 ORDER BY created_at_ms DESC, id DESC LIMIT $3"))
                .bind(team_id).bind(integration_id).bind(limit).fetch_all(pool).await?)
        })
    }

    pub async fn attempts(
        &self,
        team_id: &str,
        delivery_id: &str,
    ) -> Result<Vec<AttemptRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT delivery_id, attempt, at_ms, status, latency_ms, outcome, reason, excerpt FROM hook_attempts \
                 WHERE team_id = $1 AND delivery_id = $2 ORDER BY attempt")
                .bind(team_id).bind(delivery_id).fetch_all(pool).await?)
        })
    }

    /// Claims up to `limit` due deliveries of integrations that send (active or failing; a
    /// paused one's wait, a disabled one's stay), oldest first, for `lease_ms`: one statement
    /// picks and leases them (SQLite takes its write lock at it), one more reads their
    /// integrations by id.
    pub async fn claim_deliveries(
        &self,
        worker: &str,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<(DeliveryRow, HookRow)>, StoreError> {
        let now = now_ms();
        // PostgreSQL skips rows another process is claiming, and is given the ids as an array
        // so that it looks each up by key instead of scanning the table to join them.
        let (open, close) = match self.backend() {
            super::Backend::Sqlite => ("id IN (", ")"),
            super::Backend::Postgres => ("id = ANY(ARRAY(", " FOR UPDATE OF d SKIP LOCKED))"),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            relaxed_commit!(self, tx);
            let deliveries: Vec<DeliveryRow> = sqlx::query_as(&format!(
                "UPDATE hook_deliveries SET lease_owner = $1, lease_until_ms = $2 WHERE {open}\
                 SELECT d.id FROM hook_deliveries d JOIN hook_integrations i ON i.id = d.integration_id \
                 WHERE d.state = 'pending' AND d.due_at_ms <= $3 AND d.lease_until_ms < $3 \
                 AND i.status IN ('active', 'failing') ORDER BY d.due_at_ms LIMIT $4{close} \
                 RETURNING {DELIVERY_COLUMNS}"))
                .bind(worker).bind(now + lease_ms).bind(now).bind(limit)
                .fetch_all(&mut *tx).await?;
            if deliveries.is_empty() {
                return Ok(Vec::new());
            }
            let mut ids: Vec<&str> = deliveries.iter().map(|d| d.integration_id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT {INTEGRATION_COLUMNS} FROM hook_integrations WHERE id IN ({})",
                placeholders.join(", "));
            let mut query = sqlx::query_as::<_, HookRow>(&sql);
            for id in &ids {
                query = query.bind(*id);
            }
            let hooks = query.fetch_all(&mut *tx).await?;
            tx.commit().await?;
            let mut claimed: Vec<(DeliveryRow, HookRow)> = deliveries
                .into_iter()
                .filter_map(|delivery| {
                    let hook = hooks.iter().find(|h| h.id == delivery.integration_id)?.clone();
                    Some((delivery, hook))
                })
                .collect();
            claimed.sort_by_key(|(delivery, _)| delivery.due_at_ms);
            Ok(claimed)
        })
    }

    /// Records an attempt of a delivery this worker holds and moves the delivery (and, when
    /// the attempt says so, its integration) on — all or nothing. `false` when the lease was
    /// lost meanwhile (another worker's record stands).
    pub async fn finish_attempt(
        &self,
        delivery: &DeliveryRow,
        worker: &str,
        finished: &FinishedAttempt,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let attempt = delivery.attempts + 1;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            relaxed_commit!(self, tx);
            let moved = sqlx::query(
                "UPDATE hook_deliveries SET state = $1, attempts = $2, due_at_ms = $3, lease_owner = NULL, \
                 lease_until_ms = 0, last_status = $4, last_error = $5, \
                 finished_at_ms = CASE WHEN $1 = 'pending' THEN NULL ELSE $6 END \
                 WHERE team_id = $7 AND id = $8 AND lease_owner = $9 AND attempts = $10")
                .bind(finished.state).bind(attempt).bind(finished.due_at_ms).bind(finished.status)
                .bind(&finished.reason).bind(now).bind(&delivery.team_id).bind(&delivery.id).bind(worker)
                .bind(delivery.attempts)
                .execute(&mut *tx).await?.rows_affected();
            if moved != 1 {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO hook_attempts (delivery_id, attempt, team_id, at_ms, status, latency_ms, outcome, reason, excerpt) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(&delivery.id).bind(attempt).bind(&delivery.team_id).bind(now).bind(finished.status)
                .bind(finished.latency_ms).bind(finished.outcome).bind(&finished.reason).bind(&finished.excerpt)
                .execute(&mut *tx).await?;
            if let Some((status, reason)) = &finished.integration_status {
                // A paused integration stays paused; a disabled one is only re-enabled by a person.
                sqlx::query(
                    "UPDATE hook_integrations SET status = $1, status_reason = $2, updated_at_ms = $3 \
                     WHERE team_id = $4 AND id = $5 AND status IN ('active', 'failing')")
                    .bind(*status).bind(reason).bind(now).bind(&delivery.team_id).bind(&delivery.integration_id)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Pending deliveries, for the queue-depth gauge.
    pub async fn pending_deliveries(&self) -> Result<i64, StoreError> {
        on_pool!(self, pool => {
            let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM hook_deliveries WHERE state = 'pending'")
                .fetch_one(pool).await?;
            Ok(count)
        })
    }

    /// Integrations whose sealed values are not all under `key_id` (for `keys reencrypt`).
    pub async fn hooks_not_under(&self, key_id: &str) -> Result<Vec<HookRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {INTEGRATION_COLUMNS} FROM hook_integrations WHERE key_id <> $1"))
                .bind(key_id).fetch_all(pool).await?)
        })
    }

    /// Writes re-sealed values, each only if the row was not changed meanwhile.
    pub async fn reseal_hooks(
        &self,
        rows: &[ResealedHook],
        key_id: &str,
    ) -> Result<u64, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut resealed = 0;
            for row in rows {
                resealed += sqlx::query(
                    "UPDATE hook_integrations SET url = $1, secret = $2, previous_secret = $3, key_id = $4 \
                     WHERE id = $5 AND key_id <> $4 AND secret = $6")
                    .bind(&row.url).bind(&row.secret).bind(&row.previous_secret).bind(key_id).bind(&row.id)
                    .bind(&row.read_secret)
                    .execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            Ok(resealed)
        })
    }
}
