//! The REST API's front door and its OpenAPI document: who is calling (an `X-Api-Key` header or `?apikey=`), and
//! errors in the `{"error":{"name","message"}}` shape Postman's API uses.

use axum::{
    extract::{FromRequestParts, State},
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use ferry_domain::accounts::{Accounts, Actor};
use serde_json::json;

use super::AppState;

pub struct ApiActor(pub Actor);

pub struct ApiError {
    status: StatusCode,
    name: &'static str,
    message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, name: &'static str, message: impl Into<String>) -> Self {
        Self { status, name, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": { "name": self.name, "message": self.message } }))).into_response()
    }
}

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let presented = parts
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| query_api_key(parts.uri.query().unwrap_or_default()));
        let Some(presented) = presented else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "AuthenticationError",
                "X-Api-Key: send an API key (create one under Team settings → API keys)",
            ));
        };
        match Accounts::new(&state.store).api_key_actor(&presented).await {
            Ok(Some(actor)) => Ok(ApiActor(actor)),
            Ok(None) => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "AuthenticationError",
                "X-Api-Key: this key is not valid (unknown, expired or revoked)",
            )),
            Err(error) => {
                tracing::error!(%error, "API key check failed");
                Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "serverError", "try again in a moment"))
            }
        }
    }
}

fn query_api_key(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| pair.strip_prefix("apikey=")).map(str::to_owned)
}

/// `GET /api/me`: who the key acts as, like Postman's `/me`.
pub async fn me(State(_): State<AppState>, ApiActor(actor): ApiActor) -> Json<serde_json::Value> {
    Json(json!({
        "user": { "id": actor.user_id, "email": actor.email },
        "team": { "id": actor.team_id, "name": actor.team_name },
        "role": actor.role.as_str(),
    }))
}

/// The OpenAPI 3 document of the REST API (`GET /api/openapi.json`; no key needed).
pub const OPENAPI: &str = include_str!("openapi.json");

pub async fn openapi() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], OPENAPI)
}
