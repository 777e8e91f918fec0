//! The sandbox's one error type. Every variant knows the status and body Bitbucket would
//! answer with, so handlers just return `Result<_, Error>`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Bitbucket's realm, sent with every 401 so git and curl retry with credentials.
const BASIC_REALM: &str = "Basic realm=\"Bitbucket.org HTTP\"";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{message}")]
    Forbidden {
        message: String,
        detail: Option<String>,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    BadRequest {
        message: String,
        field: Option<String>,
    },
    #[error("{0}")]
    Conflict(String),
    /// Bitbucket answers rate limiting with plain text and no `Retry-After`.
    #[error("rate limit exceeded")]
    RateLimited,
    /// OAuth token endpoint errors use RFC 6749's shape, not Bitbucket's error object.
    #[error("{error}: {description}")]
    OAuth {
        status: StatusCode,
        error: &'static str,
        description: String,
    },
    #[error("invalid seed: {0}")]
    Seed(String),
    #[error("git {command} failed: {stderr}")]
    Git { command: String, stderr: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::BadRequest {
            message: message.into(),
            field: None,
        }
    }

    pub fn bad_field(field: &str, message: impl Into<String>) -> Self {
        Error::BadRequest {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden {
            message: message.into(),
            detail: None,
        }
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Error::OAuth {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_grant",
            description: description.into(),
        }
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Error::OAuth {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: description.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden { .. } => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Error::OAuth { status, .. } => *status,
            Error::Seed(_) | Error::Git { .. } | Error::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The JSON body Bitbucket uses for errors: `{"type":"error","error":{"message",...}}`.
/// The spec's error schema forbids extra keys, so the offending field goes under `data`
/// rather than the `fields` key seen in some real traffic.
pub fn error_body(message: &str, detail: Option<&str>, field: Option<&str>) -> Value {
    let mut error = json!({ "message": message });
    if let Some(detail) = detail {
        error["detail"] = json!(detail);
    }
    if let Some(field) = field {
        error["data"] = json!({ "fields": { field: [message] } });
    }
    json!({ "type": "error", "error": error })
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = match &self {
            Error::RateLimited => {
                (status, "Rate limit for this resource has been exceeded").into_response()
            }
            Error::OAuth {
                error, description, ..
            } => (
                status,
                axum::Json(json!({ "error": error, "error_description": description })),
            )
                .into_response(),
            Error::Forbidden { message, detail } => (
                status,
                axum::Json(error_body(message, detail.as_deref(), None)),
            )
                .into_response(),
            Error::BadRequest { message, field } => (
                status,
                axum::Json(error_body(message, None, field.as_deref())),
            )
                .into_response(),
            Error::Seed(_) | Error::Git { .. } | Error::Io(_) => {
                tracing::error!(error = %self, "internal error");
                (
                    status,
                    axum::Json(error_body("Something went wrong", None, None)),
                )
                    .into_response()
            }
            _ => (
                status,
                axum::Json(error_body(&self.to_string(), None, None)),
            )
                .into_response(),
        };
        if status == StatusCode::UNAUTHORIZED && !matches!(self, Error::OAuth { .. }) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(BASIC_REALM),
            );
        }
        response
    }
}
