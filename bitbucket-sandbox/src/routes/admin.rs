//! Admin endpoints for tests and benchmarks, mounted only with `--admin` and answering only
//! loopback peers: the request log, the fault settings, and revocation.
//!
//! - `GET /admin/requests` → `[{method, path, query?, user, status, time, duration_ms}]`
//! - `DELETE /admin/requests` → 204, clears the log
//! - `GET /admin/faults`, `PUT /admin/faults` (the whole settings object) → the settings
//! - `GET /admin/deliveries` → `[{hook_uuid, url, event, request_uuid, attempt, status,
//!   error?, time, duration_ms}]` (webhook delivery attempts); `DELETE` → 204, clears them
//! - `POST /admin/revoke` `{"token": "..."}` or `{"consumer": "key"}` → 204, or 404

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::faults::Faults;
use crate::hooks::DeliveryRecord;
use crate::request_log::RequestRecord;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/requests", get(requests).delete(clear_requests))
        .route("/admin/faults", get(faults).put(replace_faults))
        .route("/admin/revoke", post(revoke))
        .route(
            "/admin/deliveries",
            get(deliveries).delete(clear_deliveries),
        )
        .route_layer(from_fn(loopback_only))
}

async fn loopback_only(request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    if !peer.is_some_and(|addr| addr.ip().is_loopback()) {
        return Error::forbidden("The admin endpoints answer loopback clients only")
            .into_response();
    }
    next.run(request).await
}

async fn requests(State(state): State<Arc<AppState>>) -> Json<Vec<RequestRecord>> {
    Json(state.requests.snapshot())
}

async fn clear_requests(State(state): State<Arc<AppState>>) -> StatusCode {
    state.requests.clear();
    StatusCode::NO_CONTENT
}

async fn deliveries(State(state): State<Arc<AppState>>) -> Json<Vec<DeliveryRecord>> {
    Json(state.hooks.deliveries())
}

async fn clear_deliveries(State(state): State<Arc<AppState>>) -> StatusCode {
    state.hooks.clear_deliveries();
    StatusCode::NO_CONTENT
}

async fn faults(State(state): State<Arc<AppState>>) -> Json<Faults> {
    Json(state.faults.current())
}

async fn replace_faults(
    State(state): State<Arc<AppState>>,
    Json(faults): Json<Faults>,
) -> Result<Json<Faults>> {
    state.faults.replace(faults)?;
    Ok(Json(state.faults.current()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Revoke {
    token: Option<String>,
    consumer: Option<String>,
}

async fn revoke(
    State(state): State<Arc<AppState>>,
    Json(revoke): Json<Revoke>,
) -> Result<StatusCode> {
    let found = match (revoke.token, revoke.consumer) {
        (Some(token), None) => state.credentials.revoke_token(&token),
        (None, Some(consumer)) => state.credentials.revoke_consumer(&consumer),
        _ => return Err(Error::bad_request("Give exactly one of token or consumer")),
    };
    if found {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound("No such token or consumer".to_owned()))
    }
}
