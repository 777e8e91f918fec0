//! `GET …/commits`, `GET …/commits/{revision}` (history, newest first, paged) and
//! `GET …/commit/{revision}` (one commit, where `Location` of a new commit points).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;

use super::readable::Readable;
use crate::directory::RepoRecord;
use crate::error::{Error, Result};
use crate::pagination::Pager;
use crate::representations;
use crate::state::AppState;

fn commit_not_found(revision: &str) -> Error {
    Error::NotFound(format!("Commit not found: {revision}"))
}

async fn history(
    state: &AppState,
    repo: &RepoRecord,
    revision: &str,
    pager: &Pager,
) -> Result<Json<Value>> {
    let commits = repo
        .git
        .log(revision, pager.offset(), pager.pagelen + 1)
        .await?;
    let values = commits
        .iter()
        .map(|c| representations::commit(&state.urls, &state.directory, repo, c))
        .collect();
    Ok(Json(pager.page_of_stream(values)))
}

/// History of the main branch; an empty repository has an empty history.
pub async fn list_main(
    State(state): State<Arc<AppState>>,
    Readable(repo): Readable,
    pager: Pager,
) -> Result<Json<Value>> {
    match repo.git.branch_tip(&repo.main_branch()).await? {
        Some(tip) => history(&state, &repo, &tip, &pager).await,
        None => Ok(Json(pager.page_of_stream(Vec::new()))),
    }
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    Readable(repo): Readable,
    Path((_, _, revision)): Path<(String, String, String)>,
    pager: Pager,
) -> Result<Json<Value>> {
    let commit = repo
        .git
        .resolve_commit(&revision)
        .await?
        .ok_or_else(|| commit_not_found(&revision))?;
    history(&state, &repo, &commit, &pager).await
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Readable(repo): Readable,
    Path((_, _, revision)): Path<(String, String, String)>,
) -> Result<Json<Value>> {
    let hash = repo
        .git
        .resolve_commit(&revision)
        .await?
        .ok_or_else(|| commit_not_found(&revision))?;
    let commit = repo
        .git
        .commit_info(&hash)
        .await?
        .ok_or_else(|| commit_not_found(&revision))?;
    Ok(Json(representations::commit(
        &state.urls,
        &state.directory,
        &repo,
        &commit,
    )))
}
