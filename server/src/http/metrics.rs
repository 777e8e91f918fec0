//! `/metrics` in Prometheus' text format: the sync queue, run outcomes, change→commit latency
//! and Bitbucket calls by status. Counts only, no tenant data, so no authentication: expose it
//! to the scraper, not to the internet.

use axum::{extract::State, http::header, response::IntoResponse};

use super::{collections_api::server_error, AppState};

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    match state.sync.render_metrics().await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(error) => {
            tracing::error!(%error, "metrics");
            server_error().into_response()
        }
    }
}
