//! `GET /2.0/repositories/{workspace}` (with `role`, `q`, `sort`) and
//! `GET /2.0/repositories/{workspace}/{slug}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;

use super::readable::Readable;
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::pagination::Pager;
use crate::query::filter_and_sort;
use crate::representations;
use crate::scopes::Permission;
use crate::state::{AppState, Role};

pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(workspace): Path<String>,
    pager: Pager,
) -> Result<Json<Value>> {
    if caller.0.is_some() {
        caller.require(Permission::ReadRepository)?;
    }
    let space = state
        .directory
        .workspace(&workspace)
        .ok_or_else(|| Error::NotFound(format!("Workspace {workspace} not found")))?;
    // Every member may write in the sandbox, so `member` and `contributor` coincide.
    let required = match pager.param("role") {
        None => Role::Outsider,
        Some("member" | "contributor") => Role::Member,
        Some("admin" | "owner") => Role::Admin,
        Some(other) => return Err(Error::bad_field("role", format!("Invalid role: {other}"))),
    };
    let role = space.role_of(&caller);
    let visible = space
        .repositories
        .iter()
        .filter(|_| role >= required)
        .filter(|repo| !repo.is_private || role >= Role::Member)
        .map(|repo| representations::repository(&state.urls, space, repo))
        .collect();
    let repositories = filter_and_sort(visible, pager.param("q"), pager.param("sort"))?;
    Ok(Json(pager.page_of(repositories)))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Readable(repo): Readable,
) -> Result<Json<Value>> {
    let space = state
        .directory
        .workspace(&repo.workspace)
        .ok_or_else(|| Error::NotFound(format!("Workspace {} not found", repo.workspace)))?;
    Ok(Json(representations::repository(&state.urls, space, &repo)))
}
