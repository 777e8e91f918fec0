//! git smart HTTP at `/{workspace}/{slug}.git`, served by `git http-backend`: clone and
//! fetch (`git-upload-pack`, read access) and push (`git-receive-pack`, write scope and
//! workspace membership). A push that moves refs is announced to the `repo:push` webhooks.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::hooks;
use crate::state::AppState;

const UPLOAD_PACK: &str = "git-upload-pack";
const RECEIVE_PACK: &str = "git-receive-pack";
/// Pushes carry whole packs; Bitbucket's own limit (several GB) is far beyond a test's needs.
const PUSH_LIMIT: usize = 512 * 1024 * 1024;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/{workspace}/{repository}/info/refs", get(info_refs))
        .route(
            "/{workspace}/{repository}/git-upload-pack",
            post(upload_pack),
        )
        .route(
            "/{workspace}/{repository}/git-receive-pack",
            post(receive_pack).layer(DefaultBodyLimit::max(PUSH_LIMIT)),
        )
}

async fn info_refs(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, repository)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let query = query.unwrap_or_default();
    let access = if query == format!("service={UPLOAD_PACK}") {
        Access::Read
    } else if query == format!("service={RECEIVE_PACK}") {
        Access::Write
    } else {
        return Err(Error::forbidden(
            "Only the smart HTTP protocol (git-upload-pack, git-receive-pack) is supported",
        ));
    };
    backend(
        &state,
        &caller,
        access,
        [&workspace, &repository, "/info/refs"],
        Method::GET,
        &query,
        &headers,
        Bytes::new(),
    )
    .await
}

async fn upload_pack(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, repository)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    backend(
        &state,
        &caller,
        Access::Read,
        [&workspace, &repository, "/git-upload-pack"],
        Method::POST,
        "",
        &headers,
        body,
    )
    .await
}

/// A push: refs are compared before and after, under the repository's write lock so the
/// comparison sees this push alone, and the difference goes to the webhooks.
async fn receive_pack(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, repository)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let slug = repository
        .strip_suffix(".git")
        .ok_or_else(|| Error::NotFound("Resource not found".to_owned()))?;
    let (_, repo) = state.writable_repository(&caller, &workspace, slug)?;
    let pusher = caller.principal()?.username.clone();
    let _writer = repo.write_lock.lock().await;
    let before = if hooks::wants_pushes(&state, &repo) {
        Some(repo.git.refs().await?)
    } else {
        None
    };
    let response = backend(
        &state,
        &caller,
        Access::Write,
        [&workspace, &repository, "/git-receive-pack"],
        Method::POST,
        "",
        &headers,
        body,
    )
    .await?;
    if let Some(before) = before {
        hooks::push(&state, &repo, &pusher, before, repo.git.refs().await?);
    }
    Ok(response)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

#[allow(clippy::too_many_arguments)] // the CGI request, spelled out
async fn backend(
    state: &AppState,
    caller: &Caller,
    access: Access,
    [workspace, repository, path_info]: [&str; 3],
    method: Method,
    query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let slug = repository
        .strip_suffix(".git")
        .ok_or_else(|| Error::NotFound("Resource not found".to_owned()))?;
    let (_, repo) = match access {
        Access::Read => state.readable_repository(caller, workspace, slug)?,
        Access::Write => state.writable_repository(caller, workspace, slug)?,
    };
    // http-backend serves receive-pack only to an authenticated REMOTE_USER.
    let remote_user = caller.username().unwrap_or("").to_owned();
    let header = |name: HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let content_type = header(header::CONTENT_TYPE);
    let encoding = header(header::CONTENT_ENCODING);
    let protocol = headers
        .get("git-protocol")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let cgi = [
        ("REQUEST_METHOD", method.as_str()),
        ("QUERY_STRING", query),
        ("CONTENT_TYPE", content_type.as_str()),
        ("HTTP_CONTENT_ENCODING", encoding.as_str()),
        ("GIT_PROTOCOL", protocol.as_str()),
        ("REMOTE_USER", remote_user.as_str()),
    ];
    let output = repo.git.http_backend(path_info, &cgi, &body).await?;
    Ok(cgi_response(&output))
}

/// Turns CGI output (`Header: value` lines, a blank line, the body) into a response.
fn cgi_response(output: &[u8]) -> Response {
    let split = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| (at, at + 4))
        .or_else(|| {
            output
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|at| (at, at + 2))
        });
    let Some((head_end, body_start)) = split else {
        return (StatusCode::BAD_GATEWAY, "git http-backend gave no headers").into_response();
    };
    let mut response = Bytes::copy_from_slice(&output[body_start..]).into_response();
    for line in String::from_utf8_lossy(&output[..head_end]).lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split_whitespace().next().and_then(|c| c.parse().ok());
            *response.status_mut() = code
                .and_then(|c| StatusCode::from_u16(c).ok())
                .unwrap_or(StatusCode::BAD_GATEWAY);
        } else if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.trim()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
