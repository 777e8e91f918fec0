//! How a server function reports a service's error: a refusal or a person's mistake as the
//! service words it; a failure on Ferry's side as one sentence, its details logged once, inside
//! the request's span (which carries the request id).

#[cfg(feature = "ssr")]
use ferry_domain::error::{DomainError, ErrorKind};
#[cfg(feature = "ssr")]
use leptos::prelude::ServerFnError;

/// What a person reads for any failure on Ferry's side: the details are the log's alone.
pub const SOMETHING_WENT_WRONG: &str = "Something went wrong on our side; try again in a moment.";

#[cfg(feature = "ssr")]
pub fn server_fn_error(error: impl DomainError) -> ServerFnError {
    if error.kind() == ErrorKind::Internal {
        tracing::error!(%error, "a server function failed");
        return ServerFnError::new(SOMETHING_WENT_WRONG);
    }
    ServerFnError::new(error.to_string())
}

/// A service's "not found" as a page shows it: `message`, and the page answers 404.
#[cfg(feature = "ssr")]
pub fn not_found(message: &str) -> ServerFnError {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    ServerFnError::new(message)
}
