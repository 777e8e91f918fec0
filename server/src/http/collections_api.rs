//! Postman-compatible collection endpoints under `/api/collections`: parse, call the
//! collections service, answer in Postman's shapes. A collection's `owner` is its team's id
//! and its `uid` is `<owner>-<id>`, as in Postman.
//!
//! Request bodies are `{"collection": <Postman collection v2.0 or v2.1>}` of at most
//! [`MAX_BODY_BYTES`]; a larger body is refused with 413 before it is read whole.

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use ferry_domain::{
    collections::CollectionsError,
    postman::{Collection, FormatError, Problem},
    store::collections::CollectionRow,
};
use serde_json::{json, Value};

use super::{api::ApiActor, api_error::ApiError, AppState};

/// The largest request body the collection endpoints read: 32 MiB, the size of the largest
/// collection the format module accepts.
pub const MAX_BODY_BYTES: usize = ferry_domain::postman::limits::MAX_DOCUMENT_BYTES;

type Answer = Result<Json<Value>, ApiError>;

/// `GET /api/collections`
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Answer {
    let rows = state
        .collections()
        .list(&actor, "")
        .await
        .map_err(refusal)?;
    let collections: Vec<Value> = rows
        .iter()
        .map(|row| {
            json!({
                "id": row.id,
                "name": row.name,
                "uid": uid(row),
                "owner": row.team_id,
                "createdAt": iso_8601(row.created_at_ms),
                "updatedAt": iso_8601(row.updated_at_ms),
            })
        })
        .collect();
    Ok(Json(json!({ "collections": collections })))
}

/// `GET /api/collections/{id}`: the canonical v2.1 document, byte for byte.
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let stored = state
        .collections()
        .get(&actor, &id)
        .await
        .map_err(refusal)?;
    let body = format!(
        "{{\"collection\":{}}}",
        stored.collection.to_canonical_json().trim_end()
    );
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `POST /api/collections`
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let collection = collection_from(body)?;
    let stored = state
        .collections()
        .create(&actor, collection)
        .await
        .map_err(refusal)?;
    Ok(Json(
        json!({ "collection": { "id": stored.row.id, "name": stored.row.name, "uid": uid(&stored.row) } }),
    ))
}

/// `PUT /api/collections/{id}`: replaces the whole document; the id stays the one in the URL.
pub async fn replace(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let collection = collection_from(body)?;
    let stored = state
        .collections()
        .replace(&actor, &id, collection)
        .await
        .map_err(refusal)?;
    Ok(Json(
        json!({ "collection": { "id": stored.row.id, "name": stored.row.name, "uid": uid(&stored.row) } }),
    ))
}

/// `DELETE /api/collections/{id}`
pub async fn delete(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    state
        .collections()
        .delete(&actor, &id)
        .await
        .map_err(refusal)?;
    Ok(Json(
        json!({ "collection": { "id": id, "uid": format!("{}-{id}", actor.team_id) } }),
    ))
}

fn uid(row: &CollectionRow) -> String {
    format!("{}-{}", row.team_id, row.id)
}

/// `2016-05-03T16:05:18.000Z`, as Postman writes times.
pub(super) fn iso_8601(ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// The collection in a `{"collection": …}` body; problems are named by their path from the
/// body's root (`collection.item[3].request.url: …`).
fn collection_from(body: Result<Bytes, BytesRejection>) -> Result<Collection, ApiError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payloadTooLargeError",
                format!("body: at most {MAX_BODY_BYTES} bytes (32 MiB) are accepted; split the collection or trim it"),
            )
        } else {
            malformed(format!("body: cannot be read ({rejection})"))
        }
    })?;
    let mut body: Value = serde_json::from_slice(&bytes).map_err(|e| {
        malformed(format!(
            "body: invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let Some(document) = body.get_mut("collection").map(Value::take) else {
        return Err(malformed(
            r#"collection: missing; send {"collection": <a Postman collection v2.0 or v2.1>}"#,
        ));
    };
    let document = serde_json::to_vec(&document).map_err(|error| ApiError::internal(&error))?;
    Collection::import(&document).map_err(|error| match error {
        FormatError::TooLarge { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payloadTooLargeError",
            format!("collection: {error}"),
        ),
        FormatError::Invalid(problems) => malformed(
            FormatError::Invalid(
                problems
                    .into_iter()
                    .map(|problem| Problem {
                        path: within_body(&problem.path),
                        message: problem.message,
                    })
                    .collect(),
            )
            .to_string(),
        ),
        other => malformed(format!("collection: {other}")),
    })
}

fn within_body(path: &str) -> String {
    if path.is_empty() {
        "collection".to_owned()
    } else {
        format!("collection.{path}")
    }
}

fn malformed(message: impl Into<String>) -> ApiError {
    ApiError::malformed(message)
}

fn refusal(error: CollectionsError) -> ApiError {
    match error {
        CollectionsError::Invalid(e) => malformed(format!("collection: {e}")),
        CollectionsError::NotFound => ApiError::not_found(
            "id: no collection with this id in the key's team; list them with GET /api/collections",
        ),
        // 403, not 507 or 429: the request is understood and refused until someone acts
        // (deletes collections, or raises the limit); retrying later would not help, and a
        // 5xx would page an operator about one team's usage.
        e @ CollectionsError::OverQuota(_) => {
            ApiError::new(StatusCode::FORBIDDEN, "quotaExceededError", e.to_string())
        }
        other => ApiError::refused(other),
    }
}
