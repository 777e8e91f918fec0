//! `POST /webhooks/bitbucket/{hook}`: Bitbucket's `repo:push` deliveries for connected APIs.
//! No session and no Origin: the delivery's HMAC signature, checked against the connection's
//! sealed secret, is its only credential. The answer comes at once; the pull runs in the
//! API sync worker, which the delivery wakes.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use ferry_domain::{
    api_sync::hook::{self, DeliveryError, Received},
    bitbucket::{EVENT_HEADER, SIGNATURE_HEADER},
};

use super::AppState;

pub async fn receive(
    State(state): State<AppState>,
    Path(hook_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let received = hook::receive(
        &state.store,
        &state.keyring,
        &hook_id,
        header(EVENT_HEADER),
        header(SIGNATURE_HEADER),
        &body,
    )
    .await;
    match received {
        Ok(Received::Queued) => {
            state.api_sync.wake();
            (StatusCode::ACCEPTED, "queued").into_response()
        }
        Ok(Received::Ignored(why)) => (StatusCode::OK, why).into_response(),
        Err(DeliveryError::UnknownHook) => (
            StatusCode::NOT_FOUND,
            "no connected API receives deliveries here",
        )
            .into_response(),
        Err(DeliveryError::Signature(error)) => {
            tracing::warn!(%error, "refused a webhook delivery");
            (StatusCode::UNAUTHORIZED, error.to_string()).into_response()
        }
        Err(DeliveryError::Invalid(reason)) => (StatusCode::BAD_REQUEST, reason).into_response(),
        Err(error) => {
            tracing::error!(%error, "a webhook delivery could not be handled");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Ferry cannot handle this delivery now",
            )
                .into_response()
        }
    }
}
