//! The REST API's front door and its OpenAPI document: who is calling (an `X-Api-Key` header
//! or `?apikey=`).

use axum::{
    extract::{FromRequestParts, State},
    http::{request::Parts, HeaderMap, StatusCode, Uri},
    response::IntoResponse,
    Json,
};
use ferry_domain::accounts::{Accounts, Actor};
use serde_json::json;

use super::{api_error::ApiError, AppState};

pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = presented_key(&parts.headers, &parts.uri);
        let Some(presented) = presented else {
            return Err(ApiError::no_key());
        };
        match Accounts::new(&state.store).api_key_actor(&presented).await {
            Ok(Some(actor)) => Ok(ApiActor(actor)),
            Ok(None) => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "AuthenticationError",
                "X-Api-Key: this key is not valid (unknown, expired or revoked)",
            )),
            // Any error: a key whose stored row cannot be read is no caller's mistake.
            Err(error) => Err(ApiError::internal(&error)),
        }
    }
}

/// The API key a request presents: the `X-Api-Key` header, else the `apikey` query
/// parameter (percent-decoded like any query value). An empty one is no key.
pub fn presented_key(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    let from_header = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let from_query = || {
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .find(|(name, _)| name == "apikey")
            .map(|(_, value)| value.into_owned())
    };
    from_header
        .or_else(from_query)
        .filter(|key| !key.trim().is_empty())
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
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query_key(uri: &str) -> Option<String> {
        presented_key(&HeaderMap::new(), &uri.parse().unwrap())
    }

    #[test]
    fn only_a_parameter_named_apikey_with_a_value_is_a_key() {
        assert_eq!(
            query_key("/api/me?apikey=ferry_a%2Bb").as_deref(),
            Some("ferry_a+b")
        );
        assert_eq!(query_key("/api/me?x=1&apikey=k").as_deref(), Some("k"));
        assert_eq!(query_key("/signin?xapikey=k"), None);
        assert_eq!(query_key("/signin?x=apikey=k"), None);
        assert_eq!(query_key("/api/me?apikey="), None);
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", "from-header".parse().unwrap());
        assert_eq!(
            presented_key(&headers, &"/api/me?apikey=q".parse().unwrap()).as_deref(),
            Some("from-header")
        );
    }
}
