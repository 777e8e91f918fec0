//! The HTTP surface: REST 2.0 under `/2.0`, OAuth under `/site/oauth2`, git smart HTTP at
//! `/{workspace}/{slug}.git`, and (when enabled) the admin endpoints under `/admin`.

mod admin;
mod commit_upload;
mod commits;
mod diffstat;
mod git_http;
mod oauth;
mod readable;
mod refs;
mod repositories;
mod source;
mod user;
mod webhooks;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;

use crate::error::Error;
use crate::state::AppState;
use crate::{auth, faults, request_log};

/// Uploads carry whole collections; Bitbucket's own limit is not published.
const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

pub fn router(state: Arc<AppState>, admin: bool) -> Router {
    const REPO: &str = "/2.0/repositories/{workspace}/{slug}";
    let repositories = Router::new()
        .route("/2.0/repositories/{workspace}", get(repositories::list))
        .route(REPO, get(repositories::get))
        .route(
            &format!("{REPO}/refs/branches"),
            get(refs::list).post(refs::create),
        )
        .route(&format!("{REPO}/refs/branches/{{*name}}"), get(refs::get))
        .route(
            &format!("{REPO}/refs/tags"),
            get(refs::list_tags).post(refs::create_tag),
        )
        .route(
            &format!("{REPO}/refs/tags/{{*name}}"),
            get(refs::get_tag).delete(refs::delete_tag),
        )
        .route(
            &format!("{REPO}/hooks"),
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            &format!("{REPO}/hooks/{{uid}}"),
            get(webhooks::get)
                .put(webhooks::update)
                .delete(webhooks::delete),
        )
        .route(&format!("{REPO}/diffstat/{{spec}}"), get(diffstat::get))
        .route(&format!("{REPO}/commits"), get(commits::list_main))
        .route(&format!("{REPO}/commits/{{revision}}"), get(commits::list))
        .route(&format!("{REPO}/commit/{{revision}}"), get(commits::get))
        .route(
            &format!("{REPO}/src"),
            post(commit_upload::create).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(&format!("{REPO}/src/{{revision}}/"), get(source::root))
        .route(
            &format!("{REPO}/src/{{revision}}/{{*path}}"),
            get(source::get),
        )
        .route_layer(from_fn_with_state(state.clone(), faults::limit_rate));
    let authenticated = Router::new()
        .route("/2.0/user", get(user::current))
        .route("/2.0/user/workspaces", get(user::workspaces))
        .merge(repositories)
        .merge(git_http::routes())
        .route_layer(from_fn_with_state(state.clone(), auth::authenticate));
    let public = authenticated
        .merge(oauth::routes())
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), faults::inject))
        .layer(from_fn_with_state(state.clone(), request_log::record));
    let app = if admin {
        public.merge(admin::routes())
    } else {
        public
    };
    app.with_state(state)
}

async fn not_found() -> Error {
    Error::NotFound("Resource not found".to_owned())
}
