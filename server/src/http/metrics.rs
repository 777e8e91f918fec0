//! `/metrics` in Prometheus' text format: the sync queue, run outcomes, change→commit latency
//! and Bitbucket calls by status; webhook and Slack deliveries by outcome, their latency and
//! queue. Counts only, no tenant data. With `FERRY_METRICS_TOKEN` set
//! it answers only that bearer token; without, it is open: expose it to the scraper, not to
//! the internet. Scrapes cost no database work beyond one cached queue count (see
//! `SyncEngine::render_metrics`).

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::{api_error::ApiError, AppState};

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.security.metrics_token {
        if !presents(&headers, token) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"ferry metrics\"")],
                "Authorization: send `Bearer <FERRY_METRICS_TOKEN>` to read /metrics",
            )
                .into_response();
        }
    }
    let rendered = match state.sync.render_metrics().await {
        Ok(sync) => state
            .hooks
            .render_metrics()
            .await
            .map(|hooks| sync + &hooks),
        Err(error) => Err(error),
    };
    match rendered {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(error) => ApiError::internal(&error).into_response(),
    }
}

/// Whether the request carries `Authorization: Bearer <token>`. Compared in constant time, so
/// the answer's timing does not reveal how much of a guess was right.
fn presents(headers: &HeaderMap, token: &SecretString) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, presented)) = value.split_once(' ') else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer")
        && bool::from(
            presented
                .trim()
                .as_bytes()
                .ct_eq(token.expose_secret().as_bytes()),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn only_the_bearer_token_itself_passes() {
        let token = SecretString::from("s3cret");
        assert!(presents(&authorization("Bearer s3cret"), &token));
        assert!(presents(&authorization("bearer s3cret"), &token));
        assert!(!presents(&authorization("Bearer s3cre"), &token));
        assert!(!presents(&authorization("Bearer s3cret2"), &token));
        assert!(!presents(&authorization("Basic s3cret"), &token));
        assert!(!presents(&authorization("s3cret"), &token));
        assert!(!presents(&HeaderMap::new(), &token));
    }
}
