//! The REST API's errors, in the `{"error":{"name","message"}}` shape Postman's API uses. A
//! service's error maps by its kind; a failure on Ferry's side is logged here, once, inside the
//! request's span (which carries the request id), and answered without its details.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use ferry_domain::error::{DomainError, ErrorKind};
use serde_json::json;

pub struct ApiError {
    status: StatusCode,
    name: &'static str,
    message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, name: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            name,
            message: message.into(),
        }
    }

    /// The answer to an API request that presents no key.
    pub fn no_key() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "AuthenticationError",
            "X-Api-Key: send an API key (create one under Team settings → API keys)",
        )
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformedRequestError", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "instanceNotFoundError", message)
    }

    /// A failure on Ferry's side: logged, answered without its details.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "an API request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "serverError",
            "try again in a moment",
        )
    }

    /// A service's error by its kind, worded as the service words it.
    pub fn refused(error: impl DomainError) -> Self {
        let (status, name) = match error.kind() {
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "instanceNotFoundError"),
            ErrorKind::Forbidden => (StatusCode::FORBIDDEN, "forbiddenError"),
            ErrorKind::Conflict => (StatusCode::CONFLICT, "instanceFoundError"),
            ErrorKind::Invalid => (StatusCode::BAD_REQUEST, "malformedRequestError"),
            ErrorKind::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payloadTooLargeError"),
            ErrorKind::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "serviceUnavailableError"),
            ErrorKind::Internal => return Self::internal(&error),
        };
        Self::new(status, name, error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": { "name": self.name, "message": self.message } })),
        )
            .into_response()
    }
}
