//! `GET …/refs/branches` (with `q`, `sort`), `GET …/refs/branches/{name}`, and the tags:
//! `GET/POST …/refs/tags`, `GET/DELETE …/refs/tags/{name}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::commit_upload::default_author;
use super::readable::Readable;
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::hooks;
use crate::pagination::Pager;
use crate::query::filter_and_sort;
use crate::representations;
use crate::state::AppState;
use crate::urls::encode_path;

pub async fn list(
    State(state): State<Arc<AppState>>,
    Readable(repo): Readable,
    pager: Pager,
) -> Result<Json<Value>> {
    let branches = repo
        .git
        .branches()
        .await?
        .iter()
        .map(|(name, tip)| representations::branch(&state.urls, &state.directory, &repo, name, tip))
        .collect();
    let branches = filter_and_sort(branches, pager.param("q"), pager.param("sort"))?;
    Ok(Json(pager.page_of(branches)))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Readable(repo): Readable,
    Path((_, _, name)): Path<(String, String, String)>,
) -> Result<Json<Value>> {
    let missing = || Error::NotFound(format!("Branch \"{name}\" does not exist."));
    let tip = repo.git.branch_tip(&name).await?.ok_or_else(missing)?;
    let commit = repo.git.commit_info(&tip).await?.ok_or_else(missing)?;
    Ok(Json(representations::branch(
        &state.urls,
        &state.directory,
        &repo,
        &name,
        &commit,
    )))
}

pub async fn list_tags(
    State(state): State<Arc<AppState>>,
    Readable(repo): Readable,
    pager: Pager,
) -> Result<Json<Value>> {
    let tags = repo
        .git
        .tags()
        .await?
        .iter()
        .map(|tag| representations::tag(&state.urls, &state.directory, &repo, tag))
        .collect();
    let tags = filter_and_sort(tags, pager.param("q"), pager.param("sort"))?;
    Ok(Json(pager.page_of(tags)))
}

fn tag_not_found(name: &str) -> Error {
    Error::NotFound(format!("Tag \"{name}\" does not exist."))
}

pub async fn get_tag(
    State(state): State<Arc<AppState>>,
    Readable(repo): Readable,
    Path((_, _, name)): Path<(String, String, String)>,
) -> Result<Json<Value>> {
    let tag = repo
        .git
        .tag(&name)
        .await?
        .ok_or_else(|| tag_not_found(&name))?;
    Ok(Json(representations::tag(
        &state.urls,
        &state.directory,
        &repo,
        &tag,
    )))
}

#[derive(Debug, Deserialize)]
pub struct NewTag {
    name: Option<String>,
    target: Option<TagTarget>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TagTarget {
    hash: Option<String>,
}

/// `POST …/refs/tags` `{"name", "target": {"hash"}, "message"?}`: an annotated tag by the
/// caller; a taken name or an unknown commit is a 400 (the spec lists no 409 here).
pub async fn create_tag(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, slug)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<Value>)> {
    let (_, repo) = state.writable_repository(&caller, &workspace, &slug)?;
    let principal = caller.principal()?;
    let request: NewTag = serde_json::from_slice(&body)
        .map_err(|e| Error::bad_request(format!("Invalid JSON body: {e}")))?;
    let name = request
        .name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::bad_field("name", "name: This field is required."))?;
    let hash = request
        .target
        .and_then(|t| t.hash)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Error::bad_field("target", "target.hash: This field is required."))?;
    if !repo.git.is_valid_tag_name(&name).await {
        return Err(Error::bad_field(
            "name",
            format!("name: Invalid tag name: {name}"),
        ));
    }
    let _writer = repo.write_lock.lock().await;
    let commit = repo.git.resolve_commit(&hash).await?.ok_or_else(|| {
        Error::bad_field("target", format!("target.hash: Commit not found: {hash}"))
    })?;
    let before = if hooks::wants_pushes(&state, &repo) {
        Some(repo.git.refs().await?)
    } else {
        None
    };
    let message = match request.message.filter(|m| !m.is_empty()) {
        Some(message) => message,
        None => format!("Added tag {name} for changeset {}", &commit[..12]),
    };
    let tagger = default_author(&state.directory, &principal.username);
    if !repo
        .git
        .create_tag(&name, &commit, &tagger, &message)
        .await?
    {
        return Err(Error::bad_field(
            "name",
            format!("name: Tag {name} already exists"),
        ));
    }
    if let Some(before) = before {
        hooks::push(
            &state,
            &repo,
            &principal.username,
            before,
            repo.git.refs().await?,
        );
    }
    let tag = repo
        .git
        .tag(&name)
        .await?
        .ok_or_else(|| tag_not_found(&name))?;
    let location = state.urls.api(&format!(
        "/repositories/{}/refs/tags/{}",
        repo.full_name(),
        encode_path(&name)
    ));
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(representations::tag(
            &state.urls,
            &state.directory,
            &repo,
            &tag,
        )),
    ))
}

pub async fn delete_tag(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, slug, name)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    let (_, repo) = state.writable_repository(&caller, &workspace, &slug)?;
    let principal = caller.principal()?;
    let _writer = repo.write_lock.lock().await;
    let before = repo.git.refs().await?;
    let reference = format!("refs/tags/{name}");
    let object = before
        .get(&reference)
        .cloned()
        .ok_or_else(|| tag_not_found(&name))?;
    if !repo.git.delete_ref(&reference, &object).await? {
        return Err(Error::Conflict(format!(
            "Tag {name} was changed concurrently"
        )));
    }
    if hooks::wants_pushes(&state, &repo) {
        hooks::push(
            &state,
            &repo,
            &principal.username,
            before,
            repo.git.refs().await?,
        );
    }
    Ok(StatusCode::NO_CONTENT)
}
