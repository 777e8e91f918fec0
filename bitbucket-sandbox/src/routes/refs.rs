//! `GET …/refs/branches` (with `q`, `sort`) and `GET …/refs/branches/{name}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;

use super::readable::Readable;
use crate::error::{Error, Result};
use crate::pagination::Pager;
use crate::query::filter_and_sort;
use crate::representations;
use crate::state::AppState;

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
