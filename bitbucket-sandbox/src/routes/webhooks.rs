//! `GET/POST …/hooks` and `GET/PUT/DELETE …/hooks/{uid}`: a repository's webhook
//! subscriptions. They need the webhook scope and a workspace administrator, as Bitbucket
//! wants repository admin; the secret is write-only (`secret_set` tells whether there is one).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::hooks::Hook;
use crate::pagination::Pager;
use crate::representations;
use crate::scopes::Permission;
use crate::state::AppState;
use crate::urls::encode_path;

/// The events a subscription may name (the spec's enum); the sandbox only ever sends
/// `repo:push`.
const EVENTS: [&str; 29] = [
    "issue:comment_created",
    "issue:created",
    "issue:updated",
    "pipeline:span_created",
    "project:updated",
    "pullrequest:approved",
    "pullrequest:changes_request_created",
    "pullrequest:changes_request_removed",
    "pullrequest:comment_created",
    "pullrequest:comment_deleted",
    "pullrequest:comment_reopened",
    "pullrequest:comment_resolved",
    "pullrequest:comment_updated",
    "pullrequest:created",
    "pullrequest:fulfilled",
    "pullrequest:push",
    "pullrequest:rejected",
    "pullrequest:unapproved",
    "pullrequest:updated",
    "repo:commit_comment_created",
    "repo:commit_status_created",
    "repo:commit_status_updated",
    "repo:created",
    "repo:deleted",
    "repo:fork",
    "repo:imported",
    "repo:push",
    "repo:transfer",
    "repo:updated",
];
const SECRET_MAX: usize = 128;

/// The writable fields. `secret` distinguishes absent (keep) from `null` (remove).
#[derive(Debug, Default, Deserialize)]
pub struct HookFields {
    url: Option<String>,
    description: Option<String>,
    active: Option<bool>,
    events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    secret: Option<Option<String>>,
}

fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

fn parse(body: &Bytes) -> Result<HookFields> {
    serde_json::from_slice(body).map_err(|e| Error::bad_request(format!("Invalid JSON body: {e}")))
}

fn check_url(url: &str) -> Result<()> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(rest)
            if !rest.is_empty() && !rest.starts_with('/') && !url.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(Error::bad_field("url", format!("url: Invalid URL: {url}"))),
    }
}

fn check_events(events: &[String]) -> Result<()> {
    if events.is_empty() {
        return Err(Error::bad_field(
            "events",
            "events: At least one event is required.",
        ));
    }
    match events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
        Some(unknown) => Err(Error::bad_field(
            "events",
            format!("events: Unknown event: {unknown}"),
        )),
        None => Ok(()),
    }
}

/// `Some(secret)` to set, `None` to clear: empty or `null` clears, as on Bitbucket.
fn check_secret(secret: Option<String>) -> Result<Option<String>> {
    match secret.filter(|s| !s.is_empty()) {
        Some(secret) if secret.len() > SECRET_MAX => Err(Error::bad_field(
            "secret",
            format!("secret: Ensure this value has at most {SECRET_MAX} characters."),
        )),
        other => Ok(other),
    }
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, slug)): Path<(String, String)>,
    pager: Pager,
) -> Result<Json<Value>> {
    let (_, repo) =
        state.administered_repository(&caller, &workspace, &slug, Permission::ReadWebhook)?;
    let hooks = state
        .hooks
        .of_repository(&repo.uuid)
        .iter()
        .map(|hook| representations::webhook(&state.urls, &repo, hook))
        .collect();
    Ok(Json(pager.page_of(hooks)))
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, slug)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<Value>)> {
    let (_, repo) =
        state.administered_repository(&caller, &workspace, &slug, Permission::WriteWebhook)?;
    let fields = parse(&body)?;
    let url = fields
        .url
        .ok_or_else(|| Error::bad_field("url", "url: This field is required."))?;
    check_url(&url)?;
    let events = fields
        .events
        .ok_or_else(|| Error::bad_field("events", "events: This field is required."))?;
    check_events(&events)?;
    let hook = Hook {
        uuid: format!("{{{}}}", uuid::Uuid::new_v4()),
        repo_uuid: repo.uuid.clone(),
        url,
        description: fields.description.unwrap_or_default(),
        active: fields.active.unwrap_or(true),
        events,
        secret: check_secret(fields.secret.flatten())?,
        created_at: crate::clock::now_rfc3339(),
    };
    state.hooks.insert(hook.clone());
    let location = state.urls.api(&format!(
        "/repositories/{}/hooks/{}",
        repo.full_name(),
        encode_path(&hook.uuid)
    ));
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(representations::webhook(&state.urls, &repo, &hook)),
    ))
}

fn hook_not_found(uid: &str) -> Error {
    Error::NotFound(format!("Webhook {uid} not found"))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, slug, uid)): Path<(String, String, String)>,
) -> Result<Json<Value>> {
    let (_, repo) =
        state.administered_repository(&caller, &workspace, &slug, Permission::ReadWebhook)?;
    let hook = state
        .hooks
        .get(&repo.uuid, &uid)
        .ok_or_else(|| hook_not_found(&uid))?;
    Ok(Json(representations::webhook(&state.urls, &repo, &hook)))
}

pub async fn update(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, slug, uid)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>> {
    let (_, repo) =
        state.administered_repository(&caller, &workspace, &slug, Permission::WriteWebhook)?;
    let fields = parse(&body)?;
    if let Some(url) = &fields.url {
        check_url(url)?;
    }
    if let Some(events) = &fields.events {
        check_events(events)?;
    }
    let secret = fields.secret.map(check_secret).transpose()?;
    let hook = state
        .hooks
        .update(&repo.uuid, &uid, |hook| {
            if let Some(url) = fields.url {
                hook.url = url;
            }
            if let Some(description) = fields.description {
                hook.description = description;
            }
            if let Some(active) = fields.active {
                hook.active = active;
            }
            if let Some(events) = fields.events {
                hook.events = events;
            }
            if let Some(secret) = secret {
                hook.secret = secret;
            }
        })
        .ok_or_else(|| hook_not_found(&uid))?;
    Ok(Json(representations::webhook(&state.urls, &repo, &hook)))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((workspace, slug, uid)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    let (_, repo) =
        state.administered_repository(&caller, &workspace, &slug, Permission::DeleteWebhook)?;
    if state.hooks.remove(&repo.uuid, &uid) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(hook_not_found(&uid))
    }
}
