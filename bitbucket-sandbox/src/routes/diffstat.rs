//! `GET …/diffstat/{spec}`: per file, the status and the lines added and removed. `spec` is
//! one commit (against its first parent) or `source..destination`, which Bitbucket reads
//! the other way round from `git diff`: the changes `source` brings to `destination`, from
//! their merge base unless `topic=false` (or the older `merge=false`) asks for two dots.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;

use super::readable::Readable;
use crate::error::{Error, Result};
use crate::git::DiffOptions;
use crate::pagination::LongPager;
use crate::representations;
use crate::state::AppState;

pub async fn get(
    State(state): State<Arc<AppState>>,
    Readable(repo): Readable,
    Path((_, _, spec)): Path<(String, String, String)>,
    LongPager(pager): LongPager,
) -> Result<Json<Value>> {
    let git = &repo.git;
    let resolve = |revision: String| async move {
        git.resolve_commit(&revision)
            .await?
            .ok_or_else(|| Error::NotFound(format!("Commit not found: {revision}")))
    };
    let flag = |name: &str, default: bool| -> Result<bool> {
        match pager.param(name) {
            None => Ok(default),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(other) => Err(Error::bad_field(
                name,
                format!("{name}: expected true or false, got {other}"),
            )),
        }
    };
    let (new, old) = match spec.split_once("..") {
        Some((source, destination)) => {
            let source = resolve(source.to_owned()).await?;
            let destination = resolve(destination.to_owned()).await?;
            let three_dot = flag("topic", flag("merge", true)?)?;
            let old = if three_dot {
                git.merge_base(&source, &destination).await?
            } else {
                Some(destination)
            };
            (source, old)
        }
        None => {
            let commit = resolve(spec.clone()).await?;
            let parent = git
                .commit_info(&commit)
                .await?
                .and_then(|c| c.parents.first().cloned());
            (commit, parent)
        }
    };
    let options = DiffOptions {
        renames: flag("renames", true)?,
        ignore_whitespace: flag("ignore_whitespace", false)?,
        paths: pager
            .params("path")
            .filter_map(crate::git::normalize_path)
            .collect(),
    };
    let stats = git.diffstat(old.as_deref(), &new, &options).await?;
    let old = old.unwrap_or_default();
    let values = stats
        .iter()
        .map(|stat| representations::diffstat(&state.urls, &repo, &old, &new, stat))
        .collect();
    Ok(Json(pager.page_of(values)))
}
