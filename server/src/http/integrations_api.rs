//! `/api/integrations`: the key's team's integrations, their run log, and the controls a person
//! has on the list (run now, pause, resume), for scripts and dashboards.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use ferry_domain::{
    bitbucket::CommitHash,
    integrations::{Integration, IntegrationError, Integrations},
    store::sync::RunRow,
};
use serde_json::{json, Value};

use super::{api::ApiActor, api_error::ApiError, collections_api::iso_8601, AppState};

type Answer = Result<Json<Value>, ApiError>;

/// How many runs `GET /api/integrations/{id}/runs` returns, newest first.
const RUNS_SHOWN: i64 = 100;

/// `GET /api/integrations`
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Answer {
    let integrations = Integrations::new(&state.store)
        .list(&actor, "")
        .await
        .map_err(refusal)?;
    Ok(Json(
        json!({ "integrations": integrations.iter().map(integration).collect::<Vec<_>>() }),
    ))
}

/// `GET /api/integrations/{id}`
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let found = Integrations::new(&state.store)
        .get(&actor, &id)
        .await
        .map_err(refusal)?;
    Ok(Json(json!({ "integration": integration(&found) })))
}

/// `GET /api/integrations/{id}/runs`
pub async fn runs(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let service = Integrations::new(&state.store);
    let found = service.get(&actor, &id).await.map_err(refusal)?;
    let runs = service
        .runs(&actor, &id, RUNS_SHOWN)
        .await
        .map_err(refusal)?;
    Ok(Json(
        json!({ "runs": runs.iter().map(|r| run(&state, &found, r)).collect::<Vec<_>>() }),
    ))
}

/// `POST /api/integrations/{id}/run`: queued at once, past the debounce.
pub async fn run_now(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let found = Integrations::new(&state.store)
        .run_now(&actor, &id)
        .await
        .map_err(refusal)?;
    state.sync.wake();
    Ok(Json(json!({ "integration": integration(&found) })))
}

/// `POST /api/integrations/{id}/pause`
pub async fn pause(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let found = Integrations::new(&state.store)
        .pause(&actor, &id)
        .await
        .map_err(refusal)?;
    Ok(Json(json!({ "integration": integration(&found) })))
}

/// `POST /api/integrations/{id}/resume`: commits the latest state once, then every change.
pub async fn resume(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let found = Integrations::new(&state.store)
        .resume(&actor, &id)
        .await
        .map_err(refusal)?;
    state.sync.wake();
    Ok(Json(json!({ "integration": integration(&found) })))
}

fn integration(found: &Integration) -> Value {
    json!({
        "id": found.id,
        "provider": "bitbucket",
        "collection": { "id": found.collection_id, "name": found.collection_name },
        "account": found.account_id.as_ref().map(|id| json!({ "id": id, "label": found.account_label })),
        "workspace": found.workspace,
        "repository": found.repository,
        "branch": found.branch,
        "path": found.path(),
        "status": found.status.as_str(),
        "statusReason": found.status_reason,
        "createdBy": found.created_by_email,
        "createdAt": iso_8601(found.created_at_ms),
        "updatedAt": iso_8601(found.updated_at_ms),
    })
}

fn run(state: &AppState, found: &Integration, row: &RunRow) -> Value {
    let commit = row.commit_hash.as_deref().and_then(|hash| CommitHash::parse(hash).ok()).map(|hash| {
        json!({
            "hash": hash.as_str(),
            "url": state.bitbucket.commit_web_url(&found.workspace, &found.repository, &hash).as_str(),
        })
    });
    json!({
        "id": row.id,
        "trigger": row.trigger.as_str(),
        "outcome": row.outcome.as_str(),
        "startedAt": iso_8601(row.started_at_ms),
        "finishedAt": iso_8601(row.finished_at_ms),
        "durationMs": row.finished_at_ms - row.started_at_ms,
        "attempts": row.attempts,
        "commit": commit,
        "error": row.error,
        "willRetry": row.will_retry,
        "revision": row.revision,
        "changeToCommitMs": row.latency_ms,
    })
}

fn refusal(error: IntegrationError) -> ApiError {
    match error {
        IntegrationError::NotFound => ApiError::not_found(
            "id: no integration with this id in the key's team; list them with GET /api/integrations",
        ),
        IntegrationError::State(message) => {
            ApiError::new(StatusCode::CONFLICT, "invalidStateError", message)
        }
        other => ApiError::refused(other),
    }
}
