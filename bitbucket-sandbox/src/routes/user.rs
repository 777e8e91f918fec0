//! `GET /2.0/user` and `GET /2.0/user/workspaces`.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::Value;

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::pagination::Pager;
use crate::query::filter_and_sort;
use crate::representations;
use crate::scopes::Permission;
use crate::state::AppState;

pub async fn current(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<Value>> {
    let principal = caller.require(Permission::ReadAccount)?;
    let user = state
        .directory
        .user(&principal.username)
        .ok_or_else(|| Error::Unauthorized("Unknown user".to_owned()))?;
    Ok(Json(representations::user(
        &state.urls,
        user,
        &state.started,
    )))
}

pub async fn workspaces(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    pager: Pager,
) -> Result<Json<Value>> {
    let principal = caller.require(Permission::ReadWorkspace)?;
    let accesses = state
        .directory
        .workspaces
        .iter()
        .filter_map(|w| {
            w.members
                .get(&principal.username)
                .map(|admin| representations::workspace_access(&state.urls, w, *admin))
        })
        .collect();
    let accesses = filter_and_sort(accesses, pager.param("q"), pager.param("sort"))?;
    Ok(Json(pager.page_of(accesses)))
}
