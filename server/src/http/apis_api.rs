//! APIs under `/api/apis`: parse, call the APIs service, answer in Postman's shapes where
//! Postman's API (v10, "APIs") has the same thing, with Ferry's additions beside them.
//!
//! - An API is Postman's object, unwrapped (`id`, `name`, `summary`, `createdBy`,
//!   `updatedBy`, `createdAt`, `updatedAt`), plus `definition`: what Ferry read from its one
//!   definition (`format`, `title`, `version`, `valid`, `problems`, `operations`).
//! - A definition is text, sent and answered byte for byte: `GET …/definition` answers it with
//!   its content type; `PUT …/definition` takes it raw (`application/yaml`, `text/yaml`,
//!   `application/x-yaml`, `text/plain` or `application/json`), or as Postman's schema file
//!   `{"content": "<text>"}` (a JSON object with a string `content` and no `openapi` or
//!   `swagger` key). A definition over 16 MiB answers 413.
//! - Collections are linked, never copied: `POST …/collections` takes Postman's
//!   `{"operationType", "data": {"collectionId"}}` with `LINK_COLLECTION` (Ferry's name) or
//!   `COPY_COLLECTION` (Postman's, which links here too), or `GENERATE_FROM_SCHEMA`.
//! - Versions are published at once (Postman answers 202 and a task to poll) and never change.

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use ferry_domain::{
    api_sync::ApiSyncError,
    apis::{ApisError, NewApi, StoredApi, Version},
    collections::CollectionsError,
    openapi::{limits, Format},
    store::apis::{ApiRow, VersionRow},
};
use serde::de::IgnoredAny;
use serde_json::{json, Map, Value};

use super::{api::ApiActor, api_error::ApiError, collections_api::iso_8601, AppState};

/// The largest request body the APIs endpoints read: a definition of [`limits::MAX_BYTES`]
/// written as a JSON string (`{"content": …}`, `{"definition": …}`), whose escapes (`\n`,
/// `\"`) may double it. A definition over the limit is refused by the service, whatever
/// carried it.
pub const MAX_BODY_BYTES: usize = 2 * limits::MAX_BYTES + 64 * 1024;

type Answer = Result<Json<Value>, ApiError>;

/// `GET /api/apis`
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Answer {
    let rows = state.apis().list(&actor, "").await.map_err(refusal)?;
    let apis: Vec<Value> = rows
        .iter()
        .map(|row| Value::Object(api_object(row)))
        .collect();
    Ok(Json(json!({ "apis": apis })))
}

/// `POST /api/apis`: `{"name", "summary"}` for an empty API, or `{"definition", "summary"}`
/// to import one (named after its `info.title`).
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = json_object(body)?;
    let summary = optional_string(&body, "summary")?.unwrap_or_default();
    let new = match (
        optional_string(&body, "definition")?,
        optional_string(&body, "name")?,
    ) {
        (Some(text), _) => NewApi::Import { text, summary },
        (None, Some(name)) => NewApi::Empty { name, summary },
        (None, None) => {
            return Err(ApiError::malformed(
                r#"name: missing; send {"name": "…", "summary": "…"} for a new API, or {"definition": "<OpenAPI text>"} to import one"#,
            ))
        }
    };
    let stored = state.apis().create(&actor, new).await.map_err(refusal)?;
    Ok(Json(with_problems(&stored)))
}

/// `GET /api/apis/{id}`: the API with its linked collections and its versions (what Postman
/// answers with `include=collections,versions`).
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let apis = state.apis();
    let row = apis.row(&actor, &id).await.map_err(refusal)?;
    let collections = apis
        .linked_collections(&actor, &id)
        .await
        .map_err(refusal)?;
    let versions = apis.versions(&actor, &id).await.map_err(refusal)?;
    let mut object = api_object(&row);
    object.insert(
        "collections".into(),
        collections
            .iter()
            .map(|link| {
                json!({
                    "id": link.collection_id,
                    "name": link.name,
                    "uid": format!("{}-{}", actor.team_id, link.collection_id),
                    "generated": link.generated,
                })
            })
            .collect(),
    );
    object.insert(
        "versions".into(),
        versions
            .iter()
            .map(|version| json!({ "id": version.id, "name": version.name }))
            .collect(),
    );
    Ok(Json(Value::Object(object)))
}

/// `PUT /api/apis/{id}`: `{"name"?, "summary"?}`.
pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = json_object(body)?;
    let name = optional_string(&body, "name")?;
    let summary = optional_string(&body, "summary")?;
    if name.is_none() && summary.is_none() {
        return Err(ApiError::malformed(
            r#"name: missing; send {"name": "…"} and/or {"summary": "…"}"#,
        ));
    }
    let stored = state
        .apis()
        .update(&actor, &id, name, summary)
        .await
        .map_err(refusal)?;
    Ok(Json(Value::Object(api_object(&stored.row))))
}

/// `DELETE /api/apis/{id}`: 204; the API's collections stay.
pub async fn delete(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.apis().delete(&actor, &id).await.map_err(refusal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/apis/{id}/definition`: the text as stored, byte for byte.
pub async fn get_definition(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let stored = state.apis().get(&actor, &id).await.map_err(refusal)?;
    Ok(text_response(stored.definition.format(), stored.text))
}

fn text_response(format: Format, text: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            format!("{}; charset=utf-8", format.content_type()),
        )],
        text,
    )
        .into_response()
}

/// `PUT /api/apis/{id}/definition`: the body is the definition (or Postman's
/// `{"content": …}`); answers the API with the definition's problems.
pub async fn replace_definition(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let bytes = body.map_err(body_refused)?;
    let text = definition_text(&headers, bytes)?;
    let stored = state
        .apis()
        .replace_definition(&actor, &id, &text, None)
        .await
        .map_err(refusal)?;
    Ok(Json(with_problems(&stored)))
}

/// Postman's schema file: a `content` string, and no key a definition has at its root.
#[derive(serde::Deserialize)]
struct SchemaFile {
    content: String,
    openapi: Option<IgnoredAny>,
    swagger: Option<IgnoredAny>,
}

/// The definition a `PUT …/definition` body carries, by its content type.
fn definition_text(headers: &HeaderMap, bytes: Bytes) -> Result<String, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match content_type.as_deref() {
        Some("application/json") => {
            if let Ok(SchemaFile {
                content,
                openapi: None,
                swagger: None,
            }) = serde_json::from_slice::<SchemaFile>(&bytes)
            {
                return Ok(content);
            }
        }
        None
        | Some("application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml"
        | "text/plain") => {}
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupportedMediaTypeError",
                format!("Content-Type: {other} is not a definition; send the text as application/yaml or application/json, or {{\"content\": \"<text>\"}} as application/json"),
            ))
        }
    }
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::malformed("body: not UTF-8 text; a definition is JSON or YAML text"))
}

/// `GET /api/apis/{id}/collections`
pub async fn list_collections(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let linked = state
        .apis()
        .linked_collections(&actor, &id)
        .await
        .map_err(refusal)?;
    let collections: Vec<Value> = linked
        .iter()
        .map(|link| {
            json!({
                "id": link.collection_id,
                "name": link.name,
                "uid": format!("{}-{}", actor.team_id, link.collection_id),
                "generated": link.generated,
            })
        })
        .collect();
    Ok(Json(json!({ "collections": collections })))
}

/// `POST /api/apis/{id}/collections`: `{"operationType": "LINK_COLLECTION" |
/// "COPY_COLLECTION", "data": {"collectionId"}}` links a collection of the team;
/// `{"operationType": "GENERATE_FROM_SCHEMA"}` generates (or updates) the API's collection.
/// Answers `{"id": <collection id>}` as Postman does.
pub async fn add_collection(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = json_object(body)?;
    let operation = optional_string(&body, "operationType")?.unwrap_or_default();
    let apis = state.apis();
    let collection_id = match operation {
        "LINK_COLLECTION" | "COPY_COLLECTION" => {
            let collection_id = body
                .get("data")
                .and_then(|data| data.get("collectionId"))
                .and_then(Value::as_str)
                .filter(|id| !id.trim().is_empty())
                .ok_or_else(|| {
                    ApiError::malformed(
                        r#"data.collectionId: missing; send {"operationType": "LINK_COLLECTION", "data": {"collectionId": "…"}}"#,
                    )
                })?;
            apis.link(&actor, &id, collection_id)
                .await
                .map_err(refusal)?;
            collection_id.to_owned()
        }
        "GENERATE_FROM_SCHEMA" => apis
            .generate_collection(&actor, &id)
            .await
            .map_err(refusal)?,
        _ => {
            return Err(ApiError::malformed(
                "operationType: send LINK_COLLECTION (or Postman's COPY_COLLECTION, which links) with data.collectionId, or GENERATE_FROM_SCHEMA",
            ))
        }
    };
    Ok(Json(json!({ "id": collection_id })))
}

/// `DELETE /api/apis/{id}/collections/{collection}`: unlinks (204); the collection stays.
pub async fn unlink_collection(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, collection)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .apis()
        .unlink(&actor, &id, &collection)
        .await
        .map_err(refusal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/apis/{id}/versions`: newest first.
pub async fn list_versions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Answer {
    let versions = state.apis().versions(&actor, &id).await.map_err(refusal)?;
    let versions: Vec<Value> = versions
        .iter()
        .map(|row| Value::Object(version_object(row)))
        .collect();
    Ok(Json(json!({ "versions": versions })))
}

/// `POST /api/apis/{id}/versions`: `{"name", "releaseNotes"?}`; 409 when the API has a
/// version of that name.
pub async fn publish(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = json_object(body)?;
    let name = optional_string(&body, "name")?.ok_or_else(|| {
        ApiError::malformed(r#"name: missing; send {"name": "1.0.0", "releaseNotes": "…"}"#)
    })?;
    let notes = optional_string(&body, "releaseNotes")?.unwrap_or_default();
    // A connected API pushes what is pending and tags the commit.
    let (version, tag) = state
        .api_sync()
        .publish(&actor, &id, name, notes)
        .await
        .map_err(|error| match error {
            ApiSyncError::Apis(error) => refusal(error),
            other => ApiError::refused(other),
        })?;
    Ok(Json(
        json!({ "version": version_object(&version), "tag": tag }),
    ))
}

/// `GET /api/apis/{id}/versions/{version}`: the version with the definition and the
/// collections it keeps.
pub async fn get_version(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, version)): Path<(String, String)>,
) -> Answer {
    let Version {
        row,
        definition,
        collections,
    } = state
        .apis()
        .version(&actor, &id, &version)
        .await
        .map_err(refusal)?;
    let mut object = version_object(&row);
    object.insert(
        "definition".into(),
        json!({ "format": row.format.as_str(), "content": definition }),
    );
    object.insert(
        "collections".into(),
        collections
            .iter()
            .map(|kept| json!({ "id": kept.collection_id, "name": kept.name }))
            .collect(),
    );
    Ok(Json(json!({ "version": object })))
}

fn api_object(row: &ApiRow) -> Map<String, Value> {
    let facts = &row.definition;
    let Value::Object(object) = json!({
        "id": row.id,
        "name": row.name,
        "summary": row.summary,
        "createdBy": row.created_by,
        "updatedBy": row.updated_by,
        "createdAt": iso_8601(row.created_at_ms),
        "updatedAt": iso_8601(row.updated_at_ms),
        "definition": {
            "format": facts.format.as_str(),
            "title": facts.title,
            "version": facts.version,
            "valid": facts.problem_count == 0,
            "problems": facts.problem_count,
            "operations": facts.operation_count,
        },
    }) else {
        unreachable!("json! of an object literal is an object")
    };
    object
}

/// The API with its definition's problems listed (`line`, `column`, `path`, `message`).
fn with_problems(stored: &StoredApi) -> Value {
    let mut object = api_object(&stored.row);
    object.insert("problems".into(), json!(stored.definition.problems()));
    Value::Object(object)
}

fn version_object(row: &VersionRow) -> Map<String, Value> {
    let at = iso_8601(row.created_at_ms);
    let Value::Object(object) = json!({
        "id": row.id,
        "name": row.name,
        "releaseNotes": row.release_notes,
        "createdBy": row.created_by,
        "createdAt": at,
        "updatedAt": at,
        // Ferry's: the commit of the repository tag a version was read from (API sync).
        "sourceCommit": row.source_commit,
    }) else {
        unreachable!("json! of an object literal is an object")
    };
    object
}

fn body_refused(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payloadTooLargeError",
            format!(
                "body: at most {MAX_BODY_BYTES} bytes are read, and a definition may have at most {} MiB; split it or remove what it does not need",
                limits::MAX_BYTES / (1024 * 1024)
            ),
        )
    } else {
        ApiError::malformed(format!("body: cannot be read ({rejection})"))
    }
}

/// A JSON object body.
pub(super) fn json_object(
    body: Result<Bytes, BytesRejection>,
) -> Result<Map<String, Value>, ApiError> {
    let bytes = body.map_err(body_refused)?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::malformed("body: send a JSON object")),
        Err(e) => Err(ApiError::malformed(format!(
            "body: invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))),
    }
}

/// Field `name` of the body: absent (or null) is `None`; anything but a string is refused,
/// naming it.
pub(super) fn optional_string<'b>(
    body: &'b Map<String, Value>,
    name: &str,
) -> Result<Option<&'b str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(ApiError::malformed(format!("{name}: must be a string"))),
    }
}

fn refusal(error: ApisError) -> ApiError {
    match error {
        // As for collections: refused until someone acts, so 403 rather than a retryable 5xx.
        e @ (ApisError::OverQuota(_) | ApisError::Collections(CollectionsError::OverQuota(_))) => {
            ApiError::new(StatusCode::FORBIDDEN, "quotaExceededError", e.to_string())
        }
        other => ApiError::refused(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(content_type: &str, body: &str) -> Result<String, u16> {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        definition_text(&headers, Bytes::from(body.to_owned()))
            .map_err(|e| e.into_response().status().as_u16())
    }

    #[test]
    fn a_json_body_is_the_definition_unless_it_is_postmans_schema_file() {
        assert_eq!(
            sent("application/json", r#"{"content": "openapi: 3.1.0\n"}"#).unwrap(),
            "openapi: 3.1.0\n"
        );
        let definition = r#"{"openapi": "3.1.0", "content": "x"}"#;
        assert_eq!(
            sent("application/json; charset=utf-8", definition).unwrap(),
            definition
        );
        assert_eq!(sent("application/json", "{not json").unwrap(), "{not json");
        assert_eq!(sent("text/yaml", "a: 1\n").unwrap(), "a: 1\n");
        assert_eq!(sent("image/png", "a"), Err(415));
    }
}
