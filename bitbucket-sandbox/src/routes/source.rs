//! `GET …/src/{revision}/{path}`: raw file bytes, `?format=meta` JSON, or a paged directory
//! listing. A branch name is resolved to its commit first, so links name the commit.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::readable::Readable;
use crate::directory::RepoRecord;
use crate::error::{Error, Result};
use crate::git::EntryKind;
use crate::pagination::Pager;
use crate::query::filter_and_sort;
use crate::representations;
use crate::state::AppState;

pub async fn root(
    State(state): State<Arc<AppState>>,
    Readable(repo): Readable,
    Path((_, _, revision)): Path<(String, String, String)>,
    pager: Pager,
) -> Result<Response> {
    show(&state, &repo, &revision, "", &pager).await
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Readable(repo): Readable,
    Path((_, _, revision, path)): Path<(String, String, String, String)>,
    pager: Pager,
) -> Result<Response> {
    show(&state, &repo, &revision, &path, &pager).await
}

async fn show(
    state: &AppState,
    repo: &RepoRecord,
    revision: &str,
    path: &str,
    pager: &Pager,
) -> Result<Response> {
    let path = path.trim_matches('/');
    let missing = || Error::NotFound(format!("No such file or directory: {path}"));
    let commit = repo
        .git
        .resolve_commit(revision)
        .await?
        .ok_or_else(|| Error::NotFound(format!("Commit not found: {revision}")))?;
    let entry = repo.git.entry(&commit, path).await?.ok_or_else(missing)?;
    let meta = pager.param("format") == Some("meta");
    if meta {
        return Ok(Json(representations::tree_entry(
            &state.urls,
            repo,
            &commit,
            &entry,
        ))
        .into_response());
    }
    match entry.kind {
        EntryKind::Directory => {
            let children = repo.git.list_directory(&commit, path).await?;
            let values = children
                .iter()
                .map(|child| representations::tree_entry(&state.urls, repo, &commit, child))
                .collect();
            let values = filter_and_sort(values, pager.param("q"), pager.param("sort"))?;
            Ok(Json(pager.page_of(values)).into_response())
        }
        EntryKind::File => {
            let bytes = repo.git.read_blob(&entry.object).await?;
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(path)),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment"),
            );
            if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", entry.object)) {
                headers.insert(header::ETAG, etag);
            }
            Ok(response)
        }
        EntryKind::Submodule => Err(missing()),
    }
}

/// Bitbucket derives the type from the file name, never from the bytes, and adds no charset.
fn content_type(path: &str) -> &'static str {
    let extension = path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "json" => "application/json",
        "md" | "markdown" => "text/markdown",
        "txt" => "text/plain",
        "yaml" | "yml" => "application/x-yaml",
        "html" | "htm" => "text/html",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}
