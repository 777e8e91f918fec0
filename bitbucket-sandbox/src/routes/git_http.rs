//! git smart HTTP at `/{workspace}/{slug}.git`, served by `git http-backend`, read-only:
//! clone and fetch work, push is refused (commits go through the REST API).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::state::AppState;

const UPLOAD_PACK: &str = "git-upload-pack";

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/{workspace}/{repository}/info/refs", get(info_refs))
        .route(
            "/{workspace}/{repository}/git-upload-pack",
            post(upload_pack),
        )
        .route(
            "/{workspace}/{repository}/git-receive-pack",
            post(receive_pack),
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
    if query != format!("service={UPLOAD_PACK}") {
        return Err(Error::forbidden(
            "Only clone and fetch are supported; commit through the REST API",
        ));
    }
    backend(
        &state,
        &caller,
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
        [&workspace, &repository, "/git-upload-pack"],
        Method::POST,
        "",
        &headers,
        body,
    )
    .await
}

async fn receive_pack() -> Error {
    Error::forbidden("Pushing is not supported by the sandbox; commit through the REST API")
}

async fn backend(
    state: &AppState,
    caller: &Caller,
    [workspace, repository, path_info]: [&str; 3],
    method: Method,
    query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let slug = repository
        .strip_suffix(".git")
        .ok_or_else(|| Error::NotFound("Resource not found".to_owned()))?;
    let (_, repo) = state.readable_repository(caller, workspace, slug)?;
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
