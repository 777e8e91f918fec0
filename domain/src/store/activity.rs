//! Team activity: the outbox of what happened in a team. A change records its event with
//! [`record_activity!`] inside its own transaction; the hooks worker then fans events out
//! into one delivery per subscribed integration, marking them fanned out in that same
//! transaction — so an event is lost by no crash, and fanned out by one worker only (on
//! PostgreSQL a second worker skips the rows the first has taken).

use ferry_webhooks::{
    event::{Activity, EventActor},
    EventType,
};
use serde_json::{Map, Value};

use super::{now_ms, Store, StoreError};

const EVENT_COLUMNS: &str =
    "id, team_id, event_type, at_ms, actor_id, actor_name, summary, path, details";

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: String,
    pub team_id: String,
    pub event_type: String,
    pub at_ms: i64,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub summary: String,
    /// From the site's root: `/collections/…`.
    pub path: Option<String>,
    /// A JSON object.
    pub details: String,
}

impl ActivityRow {
    /// The event to send, its `url` still the path from the site's root. `None` for a type
    /// this build does not know (written by a newer one during a rolling upgrade).
    pub fn activity(&self) -> Option<Activity> {
        let details = match serde_json::from_str::<Value>(&self.details) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        Some(Activity {
            event_type: EventType::parse(&self.event_type)?,
            at_ms: self.at_ms,
            summary: self.summary.clone(),
            actor: self
                .actor_id
                .clone()
                .zip(self.actor_name.clone())
                .map(|(id, name)| EventActor { id, name }),
            url: self.path.clone(),
            details,
        })
    }
}

/// Records `$activity` (an [`Activity`] whose `url` is a path from the site's root) for team
/// `$team_id` inside the caller's transaction.
macro_rules! record_activity {
    ($tx:expr, $team_id:expr, $activity:expr) => {{
        let activity: &ferry_webhooks::event::Activity = $activity;
        sqlx::query(
            "INSERT INTO activity_events (id, team_id, event_type, at_ms, actor_id, actor_name, summary, \
             path, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind($team_id)
        .bind(activity.event_type.as_str())
        .bind(activity.at_ms)
        .bind(activity.actor.as_ref().map(|actor| actor.id.as_str()))
        .bind(activity.actor.as_ref().map(|actor| actor.name.as_str()))
        .bind(&activity.summary)
        .bind(activity.url.as_deref())
        .bind(serde_json::Value::Object(activity.details.clone()).to_string())
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use record_activity;

/// Queues a delivery, due now, inside the caller's transaction; evaluates to its id.
macro_rules! queue_delivery {
    ($tx:expr, $team_id:expr, $integration_id:expr, $event_type:expr, $body:expr, $now:expr) => {{
        let id = format!("msg_{}", uuid::Uuid::now_v7().simple());
        sqlx::query(
            "INSERT INTO hook_deliveries (id, team_id, integration_id, event_type, body, created_at_ms, state, \
             attempts, due_at_ms, lease_until_ms) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $6, 0)",
        )
        .bind(&id)
        .bind($team_id)
        .bind($integration_id)
        .bind($event_type)
        .bind($body)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
        id
    }};
}

impl Store {
    /// Fans out up to `limit` events, oldest first, in one transaction: each becomes one
    /// delivery per integration of its team that subscribes to its type and is not disabled
    /// (a paused one's wait), with the body `render(kind, activity)` gives (`None`: that kind
    /// sends nothing). One statement takes the events (PostgreSQL skips those another process
    /// is taking). Answers the deliveries queued.
    pub async fn fan_out_activity(
        &self,
        limit: i64,
        render: impl Fn(&str, &Activity) -> Option<String>,
    ) -> Result<usize, StoreError> {
        let lock = match self.backend() {
            super::Backend::Sqlite => "",
            super::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let now = now_ms();
        on_pool!(self, pool => {
            // A read first: finding nothing takes no write lock (SQLite has one for all).
            let waiting: Option<i64> = sqlx::query_scalar(
                "SELECT at_ms FROM activity_events WHERE fanned_out_at_ms IS NULL LIMIT 1")
                .fetch_optional(pool).await?;
            if waiting.is_none() {
                return Ok(0);
            }
            let mut tx = pool.begin().await?;
            super::hooks::relaxed_commit!(self, tx);
            let mut events: Vec<ActivityRow> = sqlx::query_as(&format!(
                "UPDATE activity_events SET fanned_out_at_ms = $1 WHERE id IN \
                 (SELECT id FROM activity_events WHERE fanned_out_at_ms IS NULL ORDER BY at_ms LIMIT $2{lock}) \
                 RETURNING {EVENT_COLUMNS}"))
                .bind(now).bind(limit).fetch_all(&mut *tx).await?;
            if events.is_empty() {
                return Ok(0);
            }
            events.sort_by(|a, b| (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id)));
            let mut subscribers: std::collections::HashMap<String, Vec<(String, String, String)>> =
                std::collections::HashMap::new();
            let mut queued = 0;
            for event in &events {
                let Some(activity) = event.activity() else { continue };
                if !subscribers.contains_key(&event.team_id) {
                    let hooks: Vec<(String, String, String)> = sqlx::query_as(
                        "SELECT id, kind, events FROM hook_integrations WHERE team_id = $1 AND status <> 'disabled' \
                         ORDER BY id")
                        .bind(&event.team_id).fetch_all(&mut *tx).await?;
                    subscribers.insert(event.team_id.clone(), hooks);
                }
                for (id, kind, types) in &subscribers[&event.team_id] {
                    if !types.split_whitespace().any(|name| name == event.event_type) {
                        continue;
                    }
                    let Some(body) = render(kind, &activity) else { continue };
                    queue_delivery!(tx, &event.team_id, id, &event.event_type, &body, now);
                    queued += 1;
                }
            }
            tx.commit().await?;
            Ok(queued)
        })
    }

    /// The team's newest events, at most `limit`.
    pub async fn activity(
        &self,
        team_id: &str,
        limit: i64,
    ) -> Result<Vec<ActivityRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {EVENT_COLUMNS} FROM activity_events WHERE team_id = $1 ORDER BY at_ms DESC, id DESC LIMIT $2"))
                .bind(team_id).bind(limit).fetch_all(pool).await?)
        })
    }
}
