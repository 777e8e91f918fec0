//! The branches: `GET/POST …/refs/branches` (with `q`, `sort`), `GET …/refs/branches/{name}`;
//! and the tags: `GET/POST …/refs/tags`, `GET/DELETE …/refs/tags/{name}`. Creating or
//! deleting a ref delivers `repo:push` like a `git push` would.

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
use crate::directory::RepoRecord;
use crate::error::{Error, Result};
use crate::hooks::{self, RefSnapshot};
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

/// The body of `POST …/refs/branches` and `POST …/refs/tags`:
/// `{"name", "target": {"hash"}, "message"?}` (branches ignore `message`).
#[derive(Debug, Deserialize)]
pub struct NewRef {
    name: Option<String>,
    target: Option<RefTarget>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RefTarget {
    hash: Option<String>,
}

/// A parsed [`NewRef`]: the name and the target as given (not yet resolved).
struct RefRequest {
    name: String,
    hash: String,
    message: Option<String>,
}

fn parse_new_ref(body: &[u8]) -> Result<RefRequest> {
    let request: NewRef = serde_json::from_slice(body)
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
    Ok(RefRequest {
        name,
        hash,
        message: request.message.filter(|m| !m.is_empty()),
    })
}

/// The commit `target.hash` names (short hashes resolve), or a 400.
async fn resolve_target(repo: &RepoRecord, hash: &str) -> Result<String> {
    repo.git
        .resolve_commit(hash)
        .await?
        .ok_or_else(|| Error::bad_field("target", format!("target.hash: Commit not found: {hash}")))
}

/// The refs before a change, when some hook will want to hear about it.
async fn refs_before_change(state: &AppState, repo: &RepoRecord) -> Result<Option<RefSnapshot>> {
    if hooks::wants_pushes(state, repo) {
        Ok(Some(repo.git.refs().await?))
    } else {
        Ok(None)
    }
}

/// Delivers the change since `before` as `repo:push` (nothing when no hook wanted it).
async fn announce_change(
    state: &Arc<AppState>,
    repo: &Arc<RepoRecord>,
    actor: &str,
    before: Option<RefSnapshot>,
) -> Result<()> {
    if let Some(before) = before {
        hooks::push(state, repo, actor, before, repo.git.refs().await?);
    }
    Ok(())
}

/// Why `git update-ref` would not create `refs/{namespace}/{name}`: the name is taken, or
/// (git stores refs as paths) a ref `a` and a ref `a/b` cannot both exist. A 400 either way,
/// as the spec lists no 409 for these endpoints.
async fn refused_name(repo: &RepoRecord, kind: &str, namespace: &str, name: &str) -> Result<Error> {
    let reference = format!("refs/{namespace}/{name}");
    let refs = repo.git.refs().await?;
    let message = if refs.contains_key(&reference) {
        format!("name: {kind} {name} already exists")
    } else {
        let prefix = format!("refs/{namespace}/");
        let clash = refs.keys().find(|other| {
            other.starts_with(&prefix)
                && (reference.starts_with(&format!("{other}/"))
                    || other.starts_with(&format!("{reference}/")))
        });
        match clash {
            Some(other) => format!(
                "name: {kind} {name} conflicts with the existing {} {}",
                kind.to_lowercase(),
                &other[prefix.len()..]
            ),
            None => format!("name: {kind} {name} could not be created"),
        }
    };
    Ok(Error::bad_field("name", message))
}

/// `201 Created` with `Location` and the new ref.
type Created = (StatusCode, [(header::HeaderName, String); 1], Json<Value>);

fn created(location: String, body: Value) -> Created {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
}

/// `POST …/refs/branches` `{"name", "target": {"hash"}}`: a new branch at the commit; a taken
/// name, an unknown commit or an invalid name is a 400 (as for tags).
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, slug)): Path<(String, String)>,
    body: Bytes,
) -> Result<Created> {
    let (_, repo) = state.writable_repository(&caller, &workspace, &slug)?;
    let principal = caller.principal()?;
    let RefRequest { name, hash, .. } = parse_new_ref(&body)?;
    if !repo.git.is_valid_new_branch_name(&name).await {
        return Err(Error::bad_field(
            "name",
            format!("name: Invalid branch name: {name}"),
        ));
    }
    let _writer = repo.write_lock.lock().await;
    let commit = resolve_target(&repo, &hash).await?;
    let before = refs_before_change(&state, &repo).await?;
    if !repo
        .git
        .compare_and_swap_branch(&name, &commit, None)
        .await?
    {
        return Err(refused_name(&repo, "Branch", "heads", &name).await?);
    }
    announce_change(&state, &repo, &principal.username, before).await?;
    let tip = repo
        .git
        .commit_info(&commit)
        .await?
        .ok_or_else(|| Error::NotFound(format!("Branch \"{name}\" does not exist.")))?;
    let location = state.urls.api(&format!(
        "/repositories/{}/refs/branches/{}",
        repo.full_name(),
        encode_path(&name)
    ));
    Ok(created(
        location,
        representations::branch(&state.urls, &state.directory, &repo, &name, &tip),
    ))
}

/// `POST …/refs/tags` `{"name", "target": {"hash"}, "message"?}`: an annotated tag by the
/// caller; a taken name or an unknown commit is a 400 (the spec lists no 409 here).
pub async fn create_tag(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, slug)): Path<(String, String)>,
    body: Bytes,
) -> Result<Created> {
    let (_, repo) = state.writable_repository(&caller, &workspace, &slug)?;
    let principal = caller.principal()?;
    let RefRequest {
        name,
        hash,
        message,
    } = parse_new_ref(&body)?;
    if !repo.git.is_valid_tag_name(&name).await {
        return Err(Error::bad_field(
            "name",
            format!("name: Invalid tag name: {name}"),
        ));
    }
    let _writer = repo.write_lock.lock().await;
    let commit = resolve_target(&repo, &hash).await?;
    let before = refs_before_change(&state, &repo).await?;
    let message =
        message.unwrap_or_else(|| format!("Added tag {name} for changeset {}", &commit[..12]));
    let tagger = default_author(&state.directory, &principal.username);
    if !repo
        .git
        .create_tag(&name, &commit, &tagger, &message)
        .await?
    {
        return Err(refused_name(&repo, "Tag", "tags", &name).await?);
    }
    announce_change(&state, &repo, &principal.username, before).await?;
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
    Ok(created(
        location,
        representations::tag(&state.urls, &state.directory, &repo, &tag),
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
    let before = hooks::wants_pushes(&state, &repo).then_some(before);
    announce_change(&state, &repo, &principal.username, before).await?;
    Ok(StatusCode::NO_CONTENT)
}
