//! Custom webhooks and Slack under `/api/webhooks`, team-scoped by API key: list, create
//! (the signing secret is in this answer only), get, update (name, URL, events, paused),
//! delete, rotate the secret, the delivery log, redeliver, and send a test event. Ferry's own
//! resource (Postman's API has no equivalent). URLs are never answered, only their display
//! form; a Slack URL is a credential.

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Path, State},
    Json,
};
use ferry_domain::hooks::{DeliveryView, HookChange, HookKind, HookView, NewHook};
use serde_json::{json, Map, Value};

use super::{
    api::ApiActor,
    api_error::ApiError,
    apis_api::{json_object, optional_string},
    collections_api::iso_8601,
    AppState,
};

type Answer = Result<Json<Value>, ApiError>;

/// `GET /api/webhooks`
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Answer {
    let hooks = state
        .hooks()
        .list(&actor)
        .await
        .map_err(ApiError::refused)?;
    Ok(Json(
        json!({ "webhooks": hooks.iter().map(hook_object).collect::<Vec<_>>() }),
    ))
}

/// `POST /api/webhooks`: `{"kind": "webhook"|"slack", "name", "url", "events": [...]}`.
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = json_object(body)?;
    let kind = match optional_string(&body, "kind")?.unwrap_or("webhook") {
        "webhook" => HookKind::WebhookActivity,
        "slack" => HookKind::SlackActivity,
        other => {
            return Err(ApiError::malformed(format!(
                "kind: “{other}” is not a kind of integration; use webhook or slack"
            )))
        }
    };
    let events = events(&body)?.unwrap_or_default();
    let new = NewHook {
        kind,
        nickname: optional_string(&body, "name")?.unwrap_or_default(),
        url: optional_string(&body, "url")?.unwrap_or_default(),
        events: &events,
    };
    let (hook, secret) = state
        .hooks()
        .create(&actor, new)
        .await
        .map_err(ApiError::refused)?;
    Ok(Json(
        json!({ "webhook": hook_object(&hook), "secret": secret.expose() }),
    ))
}

/// `GET /api/webhooks/{id}`
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let hook = state
        .hooks()
        .get(&actor, &id)
        .await
        .map_err(ApiError::refused)?;
    Ok(Json(json!({ "webhook": hook_object(&hook) })))
}

/// `PUT /api/webhooks/{id}`: any of `name`, `url`, `events`, `paused`.
pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    // Another team's id answers 404 before the body is looked at.
    let hooks = state.hooks();
    hooks.get(&actor, &id).await.map_err(ApiError::refused)?;
    let body = json_object(body)?;
    let events = events(&body)?;
    let paused = match body.get("paused") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(paused)) => Some(*paused),
        Some(_) => return Err(ApiError::malformed("paused: must be true or false")),
    };
    let change = HookChange {
        nickname: optional_string(&body, "name")?,
        url: optional_string(&body, "url")?,
        events: events.as_deref(),
        paused,
    };
    let hook = hooks
        .update(&actor, &id, change)
        .await
        .map_err(ApiError::refused)?;
    state.hooks.wake();
    Ok(Json(json!({ "webhook": hook_object(&hook) })))
}

/// `DELETE /api/webhooks/{id}`
pub async fn delete(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    state
        .hooks()
        .delete(&actor, &id)
        .await
        .map_err(ApiError::refused)?;
    Ok(Json(json!({ "webhook": { "id": id } })))
}

/// `POST /api/webhooks/{id}/secret`: a new signing secret (in this answer only); the previous
/// one signs too for a day.
pub async fn rotate_secret(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let secret = state
        .hooks()
        .rotate_secret(&actor, &id)
        .await
        .map_err(ApiError::refused)?;
    Ok(Json(
        json!({ "secret": secret.expose(), "previousValidForHours": 24 }),
    ))
}

/// `POST /api/webhooks/{id}/test`: queues a test event.
pub async fn send_test(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let delivery = state
        .hooks()
        .send_test(&actor, &id)
        .await
        .map_err(ApiError::refused)?;
    state.hooks.wake();
    Ok(Json(
        json!({ "delivery": { "id": delivery.id, "state": delivery.state } }),
    ))
}

/// `GET /api/webhooks/{id}/deliveries`: the newest deliveries, each with its attempts.
pub async fn deliveries(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let log = state
        .hooks()
        .deliveries(&actor, &id)
        .await
        .map_err(ApiError::refused)?;
    Ok(Json(
        json!({ "deliveries": log.iter().map(delivery_object).collect::<Vec<_>>() }),
    ))
}

/// `POST /api/webhooks/{id}/deliveries/{delivery}/redeliver`: sends it again, same id.
pub async fn redeliver(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, delivery)): Path<(String, String)>,
) -> Answer {
    let queued = state
        .hooks()
        .redeliver(&actor, &id, &delivery)
        .await
        .map_err(ApiError::refused)?;
    state.hooks.wake();
    Ok(Json(
        json!({ "delivery": { "id": queued.id, "state": queued.state } }),
    ))
}

fn events(body: &Map<String, Value>) -> Result<Option<Vec<String>>, ApiError> {
    match body.get("events") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_owned).ok_or_else(|| {
                    ApiError::malformed(
                        "events: a list of event names, e.g. [\"collection.changed\"]",
                    )
                })
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(ApiError::malformed(
            "events: a list of event names, e.g. [\"collection.changed\"]",
        )),
    }
}

fn hook_object(hook: &HookView) -> Value {
    json!({
        "id": hook.id,
        "kind": if hook.kind == HookKind::SlackActivity.as_str() { "slack" } else { "webhook" },
        "name": hook.nickname,
        "url": hook.url_display,
        "events": hook.events.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        "status": hook.status,
        "statusReason": hook.status_reason,
        "createdBy": hook.created_by,
        "createdAt": iso_8601(hook.created_at_ms),
    })
}

fn delivery_object(view: &DeliveryView) -> Value {
    let delivery = &view.delivery;
    json!({
        "id": delivery.id,
        "event": delivery.event_type,
        "state": delivery.state,
        "createdAt": iso_8601(delivery.created_at_ms),
        "attempts": view.attempts.iter().map(|attempt| json!({
            "attempt": attempt.attempt,
            "at": iso_8601(attempt.at_ms),
            "status": attempt.status,
            "latencyMs": attempt.latency_ms,
            "outcome": attempt.outcome,
            "reason": attempt.reason,
            "response": attempt.excerpt,
        })).collect::<Vec<_>>(),
    })
}
