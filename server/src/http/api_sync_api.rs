//! API sync under `/api/apis/{id}/sync`, team-scoped by API key: the status (with the files
//! changed in Ferry and the conflicts), pull, push (with a message), the branches (list,
//! create, switch) and the sync log. Ferry's own resource: Postman's API has no equivalent.

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Path, State},
    Json,
};
use ferry_domain::api_sync::{
    ApiSyncError, FileChangeKind, PullOutcome, PullReport, PushOutcome, SyncView,
};
use serde_json::{json, Value};

use super::{
    api::ApiActor,
    api_error::ApiError,
    apis_api::{json_object, optional_string},
    collections_api::iso_8601,
    AppState,
};

type Answer = Result<Json<Value>, ApiError>;

/// `GET /api/apis/{id}/sync`
pub async fn status(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let view = state
        .api_sync()
        .view(&actor, &id)
        .await
        .map_err(ApiError::refused)?;
    Ok(Json(view_object(&view)))
}

/// `POST /api/apis/{id}/sync/pull`
pub async fn pull(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let outcome = state
        .api_sync()
        .pull(&actor, &id)
        .await
        .map_err(ApiError::refused)?;
    Ok(Json(match outcome {
        PullOutcome::UpToDate { versions } => json!({ "pulled": false, "versions": versions }),
        PullOutcome::Pulled { commit, report } => {
            let mut answer = report_object(&report);
            answer["pulled"] = json!(true);
            answer["commit"] = json!(commit);
            answer
        }
    }))
}

/// `POST /api/apis/{id}/sync/push`: `{"message": "…"}`.
pub async fn push(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = json_object(body)?;
    let message = optional_string(&body, "message")?.unwrap_or_default();
    let outcome = state
        .api_sync()
        .push(&actor, &id, message)
        .await
        .map_err(ApiError::refused)?;
    Ok(Json(match outcome {
        PushOutcome::NothingToPush => json!({ "pushed": false, "files": [] }),
        PushOutcome::Pushed { commit, files, url } => {
            json!({ "pushed": true, "commit": commit, "url": url, "files": files })
        }
    }))
}

/// `GET /api/apis/{id}/sync/branches`
pub async fn branches(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let sync = state.api_sync();
    let branches = sync
        .branches(&actor, &id)
        .await
        .map_err(ApiError::refused)?;
    let working = sync
        .connection(&actor, &id)
        .await
        .map_err(ApiError::refused)?
        .map(|connection| connection.branch);
    Ok(Json(
        json!({ "branches": branches, "workingBranch": working }),
    ))
}

/// `POST /api/apis/{id}/sync/branches`: `{"name": "…", "switch": true|false}` creates a
/// branch at the working branch's tip (and with `switch`, works on it).
pub async fn create_branch(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = json_object(body)?;
    let name = optional_string(&body, "name")?.unwrap_or_default();
    let switch = match body.get("switch") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(switch)) => *switch,
        Some(_) => return Err(ApiError::malformed("switch: must be true or false")),
    };
    state
        .api_sync()
        .create_branch(&actor, &id, name, switch)
        .await
        .map_err(ApiError::refused)?;
    branch_answer(&state, &actor, &id).await
}

/// `PUT /api/apis/{id}/sync/branch`: `{"branch": "…"}` switches the working branch.
pub async fn switch_branch(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = json_object(body)?;
    let branch = optional_string(&body, "branch")?.unwrap_or_default();
    state
        .api_sync()
        .switch_branch(&actor, &id, branch)
        .await
        .map_err(ApiError::refused)?;
    branch_answer(&state, &actor, &id).await
}

async fn branch_answer(
    state: &AppState,
    actor: &ferry_domain::accounts::Actor,
    id: &str,
) -> Answer {
    let connection = state
        .api_sync()
        .connection(actor, id)
        .await
        .map_err(ApiError::refused)?
        .ok_or_else(|| ApiError::refused(ApiSyncError::NotConnected))?;
    Ok(Json(json!({ "workingBranch": connection.branch })))
}

/// `GET /api/apis/{id}/sync/log`: newest first.
pub async fn log(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let log = state
        .api_sync()
        .log(&actor, &id)
        .await
        .map_err(ApiError::refused)?;
    let entries: Vec<Value> = log
        .iter()
        .map(|entry| {
            json!({
                "at": iso_8601(entry.at_ms),
                "direction": entry.direction,
                "commit": entry.commit_hash,
                "files": entry.files.lines().collect::<Vec<_>>(),
                "outcome": entry.outcome,
                "detail": entry.detail,
            })
        })
        .collect();
    Ok(Json(json!({ "log": entries })))
}

fn view_object(view: &SyncView) -> Value {
    let connection = &view.connection;
    json!({
        "status": view.status.key(),
        "statusLabel": view.status.label(),
        "reason": view.status.reason(),
        "repository": {
            "workspace": connection.workspace,
            "repository": connection.repository,
            "branch": connection.branch,
            "definitionPath": connection.definition_path,
            "collectionsDirectory": connection.collections_dir,
        },
        "tagPattern": connection.tag_pattern,
        "autoPush": connection.auto_push,
        "webhook": view.webhook,
        "lastSyncedCommit": connection.base_commit,
        "lastSyncedCommitUrl": view.base_url,
        "lastSyncedAt": iso_8601(connection.synced_at_ms),
        "changes": view.changes.iter().map(|change| json!({
            "path": change.path,
            "change": match change.kind {
                FileChangeKind::Added => "added",
                FileChangeKind::Modified => "modified",
                FileChangeKind::Renamed => "renamed",
            },
            "oldPath": change.old_path,
            "collectionId": change.collection_id,
        })).collect::<Vec<_>>(),
        "conflicts": view.conflicts.iter().map(|conflict| json!({
            "path": conflict.path,
            "collectionId": conflict.collection_id,
            "commit": conflict.commit_hash,
            "ferry": conflict.ours,
            "repository": conflict.theirs,
        })).collect::<Vec<_>>(),
    })
}

fn report_object(report: &PullReport) -> Value {
    json!({
        "applied": report.applied,
        "merged": report.merged,
        "conflicts": report.conflicts,
        "deletedInRepository": report.deleted,
        "goneInFerry": report.gone_in_ferry,
        "refused": report.refused.iter().map(|(path, reason)| json!({ "path": path, "reason": reason })).collect::<Vec<_>>(),
        "versions": report.versions,
    })
}
